"""Grading with nbgrader: export, generate, a synthetic class handing in, autograde, scores.

Runs nbgrader itself (the [grading] extra, in [dev]); without it the tests are skipped with the reason.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simkit.teaching import checks
from simkit.teaching.exercises import BEGIN, END
from simkit.teaching.personal import expected_answer

pytest.importorskip("nbgrader", reason="nbgrader is not installed: pip install -e '.[grading]'")

from nbgrader.api import Gradebook  # noqa: E402

from test_exercises import ROOT, _solution_lines  # noqa: E402

ASSIGNMENTS = sorted(path.stem for path in (ROOT / "solutions").glob("*.ipynb"))


def nbgrader(course: Path, *args: str) -> str:
    """Run nbgrader's command line in ``course`` (its alembic step needs the venv's bin/ on PATH)."""
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """An exported course with every assignment generated (release/ is what students receive)."""
    from simkit.cli import main

    folder = tmp_path_factory.mktemp("course")
    assert main(["exercises", "export", "--nbgrader", str(folder), "--solutions", str(ROOT / "solutions")]) == 0
    nbgrader(folder, "generate_assignment", "*")
    return folder


def _cells(path: Path) -> list:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(cell) -> str:
    return "".join(cell["source"])


def _hidden_lines(path: Path) -> list[str]:
    lines = []
    for cell in _cells(path):
        hidden = False
        for line in _text(cell).splitlines():
            if line.strip() == "### BEGIN HIDDEN TESTS":
                hidden = True
            elif line.strip() == "### END HIDDEN TESTS":
                hidden = False
            elif hidden:
                lines.append(line.strip())
    return lines


def test_the_source_is_nbgraders_format(course):
    assert sorted(p.name for p in (course / "source").iterdir()) == ASSIGNMENTS
    for name in ASSIGNMENTS:
        cells = _cells(course / "source" / name / f"{name}.ipynb")
        tests = [c for c in cells if c["metadata"].get("nbgrader", {}).get("grade") and c["cell_type"] == "code"]
        solutions = [c for c in cells if c["metadata"].get("nbgrader", {}).get("solution")]
        asked = [c for c in json.loads((ROOT / "solutions" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
                 if "check(" in _text(c) and c["cell_type"] == "code"]
        assert len(tests) == len(asked) > 0                         # every check is a graded test
        assert all(c["metadata"]["nbgrader"]["locked"] and c["metadata"]["nbgrader"]["points"] == 1 for c in tests)
        assert all("### BEGIN HIDDEN TESTS" in _text(c) and "assert" in _text(c) for c in tests)
        assert all(BEGIN in _text(c) for c in solutions) and solutions
        assert all(c["metadata"]["nbgrader"]["schema_version"] == 3 for c in tests + solutions)
        ids = [c["metadata"]["nbgrader"]["grade_id"] for c in tests + solutions]
        assert len(ids) == len(set(ids))
        assert not any(c.get("outputs") for c in cells)


def test_the_release_holds_no_answer(course):
    secret = _solution_lines()
    for name in ASSIGNMENTS:
        hidden = _hidden_lines(course / "source" / name / f"{name}.ipynb")
        assert len(hidden) >= 4
        released = course / "release" / name / f"{name}.ipynb"
        text = released.read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in text and BEGIN not in text and END not in text
        code = "\n".join(_text(c) for c in _cells(released) if c["cell_type"] == "code")
        assert not [line for line in hidden if line in code]
        assert not [line for line in secret if line in code], name
        assert "raise NotImplementedError()" in code and "✓ right" not in text
        assert "graded when you hand the notebook in" in text


# ---------------------------------------------------------------- a synthetic class
def _answers_from_solution(course: Path, name: str, student: str) -> dict:
    """grade_id -> the solution's code for that answer cell, written by ``student``."""
    source = _cells(ROOT / "solutions" / f"{name}.ipynb")
    graded = _cells(course / "source" / name / f"{name}.ipynb")
    answers = {}
    for solution_cell, graded_cell in zip(source, graded):
        meta = graded_cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            text = "\n".join(line for line in _text(solution_cell).splitlines() if line.strip() not in (BEGIN, END))
            answers[meta["grade_id"]] = re.sub(r'STUDENT_ID = ".*"', f"STUDENT_ID = {student!r}", text)
    return answers


def _hand_in(course: Path, name: str, student: str, answers: dict) -> None:
    """Write ``submitted/STUDENT/NAME/NAME.ipynb``: the released notebook with ``answers`` filled in."""
    notebook = json.loads((course / "release" / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    folder = course / "submitted" / student / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.ipynb").write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")


def _wrong_first_answer(answers: dict) -> dict:
    """Question 1 answered wrongly: the right value, then changed."""
    first = next(grade_id for grade_id, text in answers.items() if "answer_1 =" in text)
    return {**answers, first: answers[first] + "\nanswer_1 = answer_1 * 1.5 + 7"}


def test_autograde_gives_full_marks_to_the_solution_and_loses_every_wrong_answer(course):
    """alice: every answer right; bob: question 1 wrong, and he copies alice's notebook for the question
    asked with each student's own numbers (her id, her numbers); carol: hands in the notebook as released."""
    for name in ASSIGNMENTS:
        alice = _answers_from_solution(course, name, "alice")
        bob = _wrong_first_answer(_answers_from_solution(course, name, "alice"))   # alice's id: her numbers
        _hand_in(course, name, "alice", alice)
        _hand_in(course, name, "bob", bob)
        _hand_in(course, name, "carol", {})
    nbgrader(course, "autograde", "*", "--create")
    personal = {q.split(".")[0]: q for q, e in checks.load_key().items() if e["kind"] == "personal"}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for name in ASSIGNMENTS:
            tests = {grade.name: grade.max_score for grade in gradebook.find_notebook(name, name).grade_cells
                     if grade.name.startswith("test-")}
            full = sum(tests.values())
            question = next(q for q in personal.values() if f"test-{q.replace('.', '-')}" in tests)
            own = f"test-{question.replace('.', '-')}"
            first = next(c["metadata"]["nbgrader"]["grade_id"] for c in _cells(course / "source" / name / f"{name}.ipynb")
                         if "assert answer_1 is not ..." in _text(c))
            # the neighbours' numbers differ, so copying alice's answer is wrong for bob and dave
            decimals = checks.load_key()[question]["decimals"]
            assert not checks.agrees(expected_answer(question, "alice"), expected_answer(question, "bob"), decimals)

            def auto(student, grade_id=None):
                notebook = gradebook.find_submission_notebook(name, name, student)
                return sum(g.auto_score or 0 for g in notebook.grades
                           if g.name in tests and (grade_id is None or g.name == grade_id))

            assert auto("alice") == full, name
            assert auto("carol") == 0, name
            # bob loses question 1 and his own-numbers question (copying earns nothing), nothing else
            assert auto("bob") == full - 2 and auto("bob", own) == 0 and auto("bob", first) == 0, name

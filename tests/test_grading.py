"""Grading with nbgrader: export, generate, a synthetic class handing in (forgers included), autograde, feedback.

Runs nbgrader itself (the [grading] extra, in [dev]); without it the tests are skipped with the reason.
"""

import html.parser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simkit.teaching import checks
from simkit.teaching.exercises import BEGIN, END
from simkit.teaching.personal import _answer as expected_answer

pytest.importorskip("nbgrader", reason="nbgrader is not installed: pip install -e '.[grading]'")

from nbgrader.api import Gradebook  # noqa: E402

from test_exercises import ROOT, _solution_lines  # noqa: E402

ASSIGNMENTS = sorted(path.stem for path in (ROOT / "solutions").glob("*.ipynb"))
COURSE_KEY = "2026-autumn"


def nbgrader(course: Path, *args: str, path: bool = False) -> str:
    """Run nbgrader's command line in ``course``; ``path=False`` runs it as `.venv/bin/nbgrader` is run from a
    shell whose PATH lacks the venv (INSTRUCTORS.md's route: nbgrader's alembic step must still be found)."""
    env = dict(os.environ)
    if path:
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    else:
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if Path(p).resolve() != Path(sys.executable).parent.resolve())
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """An exported course with every assignment generated (release/ is what students receive)."""
    from simkit.cli import main

    folder = tmp_path_factory.mktemp("course")
    assert main(["exercises", "export", "--nbgrader", str(folder), "--solutions", str(ROOT / "solutions"),
                 "--course-key", COURSE_KEY]) == 0
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
        assert all("### BEGIN HIDDEN TESTS" in _text(c) and "record(" in _text(c) for c in tests)
        # the hidden part holds no answer: it only fails, so a course autograded without simkit's step scores 0
        assert {line.split("(")[0] for line in _hidden_lines(course / "source" / name / f"{name}.ipynb")} == \
            {"raise AssertionError"}
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
        assert "graded after you hand the notebook in" in text
        # the graded release judges nothing: no self-check, and each student's numbers are this course's
        assert "simkit.teaching.checks" not in code and "check(" not in code
        assert code.count(f"course={COURSE_KEY!r}") == code.count("your_numbers(") > 0
        for question, entry in json.loads((course / "simkit_key.json").read_text(encoding="utf-8"))["questions"].items():
            if f"record({question!r}" in code and "answer" in entry and entry["kind"] != "choice":
                assert repr(entry["answer"]) not in text, (name, question)
                # nor does a question's text give another question's answer (set 2's question 6 said "¥48,000",
                # question 1's answer); answers of fewer than 4 digits are often the data itself ("loses 100")
                forms = {f for f in _written(entry["answer"], entry.get("decimals", 2)) if sum(map(str.isdigit, f)) >= 4}
                markdown = "\n".join(_text(c) for c in _cells(released) if c["cell_type"] == "markdown")
                assert not [form for form in forms if _count(markdown, form)], (name, question)


# ---------------------------------------------------------------- a synthetic class
def _answers_from_solution(course: Path, name: str, student: str) -> dict:
    """grade_id -> the solution's code for that answer cell, written by ``student``."""
    source = _cells(ROOT / "solutions" / f"{name}.ipynb")
    graded = _cells(course / "source" / name / f"{name}.ipynb")
    answers = {}
    for solution_cell, graded_cell in zip(source, graded):
        meta = graded_cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and graded_cell["cell_type"] == "code":
            text = "\n".join(line for line in _text(solution_cell).splitlines() if line.strip() not in (BEGIN, END))
            text = text.replace("your_numbers(", "your_numbers_of_this_course(")
            text = re.sub(r"your_numbers_of_this_course\(([^()]*)\)", rf"your_numbers(\1, course={COURSE_KEY!r})", text)
            answers[meta["grade_id"]] = re.sub(r'STUDENT_ID = ".*"', f"STUDENT_ID = {student!r}", text)
    return answers


def _wrong_answers(course: Path, name: str, student: str, attack: str = "") -> dict:
    """Every answer wrong (12345, or "z" for a letter), with ``attack`` at the top of the first answer cell (or at
    the end of the last one, when it starts with "# last")."""
    answers = {}
    for grade_id, text in _answers_from_solution(course, name, student).items():
        names = re.findall(r"^(answer_\d+|STUDENT_ID) =", text, flags=re.M)
        answers[grade_id] = "\n".join(f"{n} = {student!r}" if n == "STUDENT_ID" else f"{n} = 12345" for n in names)
    if attack.startswith("# last"):
        last = list(answers)[-1]
        answers[last] = answers[last] + "\n" + attack
    else:
        first = next(iter(answers))
        answers[first] = attack + "\n" + answers[first]
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


#: what dishonest students try, on exercise set 1 (every answer itself wrong): each must score 0 or be flagged
ATTACKS = {
    # replace simkit's comparison and recording functions (the forgery that used to earn full marks)
    "mallory": "import simkit.teaching.checks as checks\nchecks.agrees = lambda *a, **k: True\n"
               "import simkit.teaching.handin as handin\nhandin.plain = lambda answer: (True, 4.0)",
    # an answer that claims to equal every letter and number
    "eve": "class Anything(str):\n    def __eq__(self, other):\n        return True\n    def __float__(self):\n"
           "        return 4.0\nanswer_4 = Anything('a')",
    # Python's own names rebound
    "frank": "float = lambda *a: 4.0\nrepr = lambda *a: '4.0'",
    # a class built without a class statement, and a module re-imported
    "grace": "Forty = type('Forty', (float,), {'__eq__': lambda s, o: True})\nimport importlib\n"
             "import simkit.teaching.handin\nimportlib.reload(simkit.teaching.handin)",
    # a magic and a shell line (they reach the system)
    "heidi": "%env NBGRADER_EXECUTION=none\n!echo forged",
    # an answer recorded in another cell than its test cell: flagged (it uses the recorder), and it earns nothing
    "ivan": "from simkit.teaching.handin import record\nrecord('churn.lifetime', 4.0)",
    # what a second attacker found (INSTRUCTORS.md, "What is defended"): simkit's own private functions as oracles
    "oscar": "# last\nfrom simkit.teaching.personal import _answer\n"
             f"answer_6 = _answer('churn.your_firm_left', 'oscar', {COURSE_KEY!r})",
    "peggy": "from simkit.teaching import checks\nkey = checks.load_key()\n"
             "answer_1 = next(i / 10 for i in range(1000) if checks.is_right(key['churn.lifetime'], 'churn.lifetime', i / 10))",
    # the course's key read during autograde and printed into the notebook (feedback must not carry it) ...
    "rupert": "import numpy as np\nreader = getattr(np, '__builtins__')['open']\n"
              "print(reader('../../../simkit_key.json').read())",
    # ... and rewritten, so that 12345 would be right for everyone graded after her
    "sybil": "import numpy as np\nwriter = getattr(np, '__builtins__')['open']\n"
             "text = writer('../../../simkit_key.json').read().replace('\"answer\": ', '\"answer\": 12345.0, \"old\": ')\n"
             "writer('../../../simkit_key.json', 'w').write(text)",
}
SET_1 = "01_churn_and_lifetime"


@pytest.fixture(scope="module")
def graded(course):
    """alice: every answer right; bob: question 1 wrong, and he copies alice's notebook for the question asked with
    each student's own numbers (her id, her numbers); carol: hands in set 1 as released; 李雷: every answer
    right (a Chinese id); the attackers of ATTACKS.  Autograded, then feedback generated."""
    for name in ASSIGNMENTS:
        _hand_in(course, name, "alice", _answers_from_solution(course, name, "alice"))
        _hand_in(course, name, "bob", _wrong_first_answer(_answers_from_solution(course, name, "alice")))
    _hand_in(course, SET_1, "carol", {})
    _hand_in(course, SET_1, "李雷", _answers_from_solution(course, SET_1, "李雷"))
    _hand_in(course, SET_1, "zoe", _answers_from_solution(course, SET_1, "zoe"))     # graded after sybil
    for student, attack in ATTACKS.items():
        _hand_in(course, SET_1, student, _wrong_answers(course, SET_1, student, attack))
    log = nbgrader(course, "autograde", "*", "--create")
    nbgrader(course, "generate_feedback", "*")
    return course, log


def _scores(course: Path, name: str, student: str) -> dict:
    """test cell -> (auto score, needs manual grade)."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(name, name, student)
        return {g.name: (g.auto_score, g.needs_manual_grade) for g in notebook.grades if g.name.startswith("test-")}


def test_honest_students_get_exactly_what_they_earned(graded):
    course, _log = graded
    personal = {q for q, e in checks.load_key().items() if e["kind"] == "personal"}
    assert sum(score for score, _ in _scores(course, SET_1, "carol").values()) == 0
    for name in ASSIGNMENTS:
        alice, bob = (_scores(course, name, student) for student in ("alice", "bob"))
        full = len(alice)
        own = next(f"test-{q.replace('.', '-')}" for q in personal if f"test-{q.replace('.', '-')}" in alice)
        first = next(c["metadata"]["nbgrader"]["grade_id"] for c in _cells(course / "source" / name / f"{name}.ipynb")
                     if "assert answer_1 is not ..." in _text(c))
        assert sum(score for score, _ in alice.values()) == full and not any(manual for _, manual in alice.values())
        # bob loses question 1 and his own-numbers question (copying alice's earns nothing), nothing else
        assert bob[first][0] == bob[own][0] == 0 and sum(score for score, _ in bob.values()) == full - 2, name
    for student in ("李雷", "zoe"):     # zoe is graded after sybil rewrote the key file: against the real key
        assert sum(score for score, _ in _scores(course, SET_1, student).values()) == len(_scores(course, SET_1, "alice"))


@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_no_attack_gains_a_point_silently(graded, student):
    course, log = graded
    scores = _scores(course, SET_1, student)
    assert scores and all(score == 0 for score, _ in scores.values()), scores
    # flagged for grading by hand, with the reason in the log and in the feedback
    assert all(manual for _, manual in scores.values()), scores
    assert f"{student}, {SET_1}" in log
    assert "flagged for your instructor to grade by hand" in _feedback_text(course, student, SET_1)


# ---------------------------------------------------------------- feedback
class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _feedback_text(course: Path, student: str, name: str) -> str:
    files = list((course / "feedback" / student / name).glob("*.html"))
    assert files, f"no feedback for {student}, {name}"
    reader = _Text()
    reader.feed(files[0].read_text(encoding="utf-8"))
    return "".join(reader.parts)


def _release_text(course: Path, name: str) -> str:
    return "\n".join(_text(c) for c in _cells(course / "release" / name / f"{name}.ipynb"))


def _students_own_text(course: Path, student: str, name: str) -> str:
    """What the student wrote: the submitted notebook's cells (the released text and their answers), no output."""
    return "\n".join(_text(c) for c in _cells(course / "submitted" / student / name / f"{name}.ipynb"))


def _count(text: str, number: str) -> int:
    """How often ``number`` stands in ``text`` as a number of its own (not part of a longer one)."""
    return len(re.findall(r"(?<![\w.,])" + re.escape(number) + r"(?![\w]|[.,]\d)", text))


def _written(value: float, decimals: int) -> set[str]:
    """How a person would search for an answer: rounded to the key's decimals (with and without thousands
    separators, and as ¥), to one place fewer and more, and in full; a form of one digit ("4") is not something
    anyone searches for (it stands in every prompt "In [4]")."""
    forms = {repr(value)}
    for places in {max(decimals - 1, 0), decimals, decimals + 1}:
        forms |= {f"{value:.{places}f}", f"{value:,.{places}f}"}
    forms = {form for form in forms if sum(ch.isdigit() for ch in form) >= 2}
    return forms | {"¥" + form for form in forms}


def test_returned_feedback_holds_no_answer(graded):
    """Every feedback file of the class, searched for every answer of the key in the forms a person would search
    for: an answer may appear no more often than in what the student wrote (which holds the released notebook's
    text: "100" in "loses 100 a year") and in the hints; the right answers a student gave are their own.  rupert
    printed the whole key into his notebook: what his cells printed must not come back."""
    course, _log = graded
    key = json.loads((course / "simkit_key.json").read_text(encoding="utf-8"))
    students = [p.name for p in (course / "feedback").iterdir()]
    assert {"alice", "bob", "carol", "李雷", "zoe", *ATTACKS} <= set(students)
    searched = 0
    for student in students:
        for name in (p.name for p in (course / "feedback" / student).iterdir()):
            text, release = _feedback_text(course, student, name), _release_text(course, name)
            text = re.sub(r"Score: [\d.]+ / [\d.]+", "", text)      # nbgrader's score lines: points, not answers
            # ... and the hints, which the self-study checks show to everyone ("what is 20 % of 100 ...")
            own_text = _students_own_text(course, student, name) + "\n".join(e["hint"] for e in key["questions"].values())
            questions = [q for q in key["questions"] if f"record({q!r}" in release]
            assert questions
            for question in questions:
                entry = key["questions"][question]
                if entry["kind"] == "personal":
                    value, decimals = expected_answer(question, student, COURSE_KEY), entry["decimals"]
                elif entry["kind"] == "choice":
                    continue       # a letter cannot be searched for; its key is not in any cell (test above)
                else:
                    value, decimals = entry["answer"], entry.get("decimals", 2)
                if re.search(re.escape(question) + r": your answer \S+ — ✓ right", text):
                    continue       # the student's own right answer, shown back to them
                for form in _written(value, decimals):
                    searched += 1
                    assert _count(text, form) <= _count(own_text, form), (student, name, question, form)
    assert searched > 300      # the search is not empty: hundreds of (student, answer, form) triples


def test_feedback_says_right_or_not_with_the_hint(graded):
    course, _log = graded
    bob = _feedback_text(course, "bob", SET_1)
    hint = checks.load_key()["churn.lifetime"]["hint"]
    assert "churn.lifetime: your answer" in bob and "✗ not right; hint: " + hint in bob
    assert "churn.replacements: your answer 100 — ✓ right" in bob
    assert "churn.lifetime: no answer" in _feedback_text(course, "carol", SET_1)


def test_the_chinese_course_speaks_chinese_to_its_students():
    """Exported from zh/solutions: the hand-in paragraph, the written answers' note and the test cells are
    Chinese (the self-check paragraph, which promises a verdict, is gone)."""
    from simkit.core.language import _, speaking
    from simkit.teaching.grading import _GRADED_HAND_IN, nbgrader_notebook

    notebook = json.loads((ROOT / "zh" / "solutions" / f"{SET_1}.ipynb").read_text(encoding="utf-8"))
    answers = {q: "a" if e["kind"] == "choice" else 1.0 for q, e in checks.load_key().items()}
    graded = nbgrader_notebook(notebook, answers, COURSE_KEY)
    markdown = "\n".join(_text(c) for c in graded["cells"] if c["cell_type"] == "markdown")
    tests = "\n".join(_text(c) for c in graded["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
                      and c["cell_type"] == "code")
    with speaking("zh"):
        hand_in = _(_GRADED_HAND_IN)
    assert hand_in != _GRADED_HAND_IN and hand_in in markdown
    assert "运行它下面的检查单元格" not in markdown and "（人工评分）" in markdown and "（不自动检查）" not in markdown
    assert "record(" in tests and "只记录你的答案" in tests

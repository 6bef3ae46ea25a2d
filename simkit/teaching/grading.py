"""Grading a class with nbgrader: the exercise sets as an nbgrader course, marked outside the students' kernels.

    python -m simkit exercises export --nbgrader course/    # needs simkit[grading]
    cd course && nbgrader generate_assignment 01_churn_and_lifetime

writes ``course/nbgrader_config.py``, ``course/simkit_key.json`` (the answers: it stays in the
course folder) and ``course/source/NAME/NAME.ipynb`` for every ``solutions/NAME.ipynb``, with
nbgrader's cell metadata:

* a code cell holding ``### BEGIN SOLUTION`` becomes an *autograded answer* cell
  (nbgrader replaces the block with ``# YOUR CODE HERE`` in the student's version);
* a markdown cell holding one becomes a *manually graded answer* (1 point);
* each ``check(...)`` cell becomes an *autograded test* cell (1 point) that only *records* the
  answer (:func:`simkit.teaching.handin.record`): the graded notebook judges nothing and holds no
  answer, not even in its hidden part.

The right answers are those the solution notebook computes (it is run once, in a kernel, when
exporting) and go to ``simkit_key.json``; the own-numbers answers are computed at grading time
for the student whose submission it is, with the course key chosen at export.  The course's
``nbgrader_config.py`` adds :class:`simkit.teaching.marking.MarkAnswers` to ``nbgrader
autograde``: the comparison happens in nbgrader's process, where a submission's code cannot reach.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import subprocess
from pathlib import Path

from ..core.language import N_, _, speaking
from .checks import _as_number, load_key
from .exercises import cell_source

__all__ = ["export_nbgrader"]

_SCHEMA = 3
_HAND_IN = re.compile(r"Replace each `\.\.\.` with your answer \(a number, or a letter for a choice\) and run the check "
                      r"cell\s+under it: it says \*right\* or gives a hint — never the answer\.")
_HAND_IN_ZH = re.compile(r"把每个 `\.\.\.` 换成你的答案（一个数，或选择题的字母），然后运行它下面的检查单元格：它会告诉你“正确”，"
                         r"或者给出提示——但绝不会给出答案。")
_GRADED_HAND_IN = N_("In each cell marked `# YOUR CODE HERE`, replace `raise NotImplementedError()` with your answer "
                     "(`answer_1 = ...`: a number, or a letter in quotes for a choice) and run the cell under it, which "
                     "records your answer: it is graded after you hand the notebook in, and what you get back says "
                     "right or not, with a hint.")
_NOT_CHECKED = {"en": ("(not checked)", "(graded by hand)"), "zh": ("（不自动检查）", "（人工评分）")}


# ------------------------------------------------------------------ the course

def _check_call(source: str):
    """``(question, answer expression, student expression or None)`` of a ``check(...)`` cell, else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = [node.value for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
             and isinstance(node.value.func, ast.Name) and node.value.func.id == "check"]
    if len(calls) != 1 or len(calls[0].args) < 2 or not isinstance(calls[0].args[0], ast.Constant):
        return None
    call = calls[0]
    student = next((ast.unparse(k.value) for k in call.keywords if k.arg == "student_id"),
                   ast.unparse(call.args[2]) if len(call.args) > 2 else None)
    return call.args[0].value, ast.unparse(call.args[1]), student


def _solution_answers(notebook: dict, folder: Path, timeout: int) -> dict:
    """Run the solution notebook in a kernel; return the answer each check cell is given."""
    import nbformat
    from nbclient import NotebookClient

    run = copy.deepcopy(notebook)
    capture = []
    for cell in run["cells"]:
        if cell["cell_type"] != "code":
            continue
        call = _check_call(cell_source(cell))
        if call:
            question, expression, _student = call
            cell["source"] = f"_simkit_answers[{question!r}] = {expression}"
            capture.append(question)
    run["cells"].insert(0, {"cell_type": "code", "id": "simkit-answers-start", "metadata": {}, "outputs": [],
                            "execution_count": None, "source": "_simkit_answers = {}"})
    run["cells"].append({"cell_type": "code", "id": "simkit-answers-end", "metadata": {}, "outputs": [],
                         "execution_count": None,
                         "source": "import json as _json\nprint(_json.dumps({q: a if isinstance(a, str) else float(a)"
                                   " for q, a in _simkit_answers.items()}))"})
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    executed = nbformat.reads(json.dumps(run), as_version=4)   # joins each cell's source lines
    client = NotebookClient(executed, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    try:
        client.execute(stderr=subprocess.DEVNULL)   # the kernel's start-up notices; a failing cell still raises
    except CellTimeoutError:
        raise SolutionError(_("a cell ran longer than {n} seconds (an endless loop?); fix the solution, or pass "
                              "--timeout SECONDS").format(n=timeout)) from None
    except CellExecutionError as error:
        last = (getattr(error, "ename", "") + ": " + getattr(error, "evalue", "")).strip(": ")
        raise SolutionError(_("the solution fails when it runs ({error}); run it in JupyterLab to see where")
                            .format(error=last or _("an error"))) from None
    except DeadKernelError:
        raise SolutionError(_("the kernel died while the solution ran (out of memory?)")) from None
    printed = "".join(output.get("text", "") for output in executed.cells[-1].outputs)
    return json.loads(printed)


class SolutionError(ValueError):
    """A solution notebook that cannot be read or run: the instructor's to fix, named in the message."""


def _test_source(question: str, expression: str, student: str | None, entry: dict, answer,
                 language: str = "en") -> str:
    """The test cell of a check: it records the answer; what it says to the student is in ``language``.

    Its hidden part only fails, so that a course autograded without simkit's marking step scores
    nothing rather than everything; it holds no answer.
    """
    numeric = entry["kind"] not in ("personal", "simulated", "choice")
    if numeric and _as_number(answer) is None:
        raise ValueError(_("{question}: the solution's answer {answer} is not a number")
                         .format(question=question, answer=repr(answer)))
    with speaking(language):
        comment = "# " + _("Graded after you hand the notebook in; here it only records your answer.")
        no_answer = _("{expression}: no answer yet").format(expression=expression)
        no_student = _("set STUDENT_ID to your student number first")
        unmarked = _("marked by simkit's step in nbgrader autograde (the course's nbgrader_config.py)")
    lines = [comment, "from simkit.teaching.handin import record", f"assert {expression} is not ..., {no_answer!r}"]
    if entry["kind"] == "personal":
        lines.append(f"assert {student} is not ..., {no_student!r}")
    lines.append(f"record({question!r}, {expression})")
    return "\n".join(lines + ["### BEGIN HIDDEN TESTS", f"raise AssertionError({unmarked!r})",
                              "### END HIDDEN TESTS"])


def _key_entry(question: str, entry: dict, answer) -> dict:
    """The course key's entry for ``question``: the solution's ``answer`` and how it is compared."""
    kept = {"kind": entry["kind"], "hint": entry.get("hint", "")}
    if entry["kind"] == "choice":
        kept["answer"] = str(answer).strip().lower()
    elif entry["kind"] == "simulated":
        kept.update(answer=float(answer), tolerance=float(entry["tolerance"]))
    elif entry["kind"] == "personal":
        kept["decimals"] = int(entry["decimals"])
    else:
        kept.update(answer=float(answer), decimals=int(entry["decimals"]))
    return kept


_YOUR_NUMBERS = re.compile(r"your_numbers\(([^()]*)\)")


def _language(notebook: dict) -> str:
    """The language a notebook speaks to its student: "zh" for the Chinese edition (it sets it), else "en"."""
    chinese = any('set_language("zh")' in cell_source(cell) for cell in notebook["cells"] if cell["cell_type"] == "code")
    return "zh" if chinese else "en"


def _metadata(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": _SCHEMA,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def nbgrader_notebook(notebook: dict, answers: dict, course_key: str = "", key_entries: dict | None = None) -> dict:
    """The nbgrader source version of a solution notebook, given the solution's ``answers``.

    ``key_entries``, when given, receives the course key's entry of every question the notebook asks.
    """
    key = load_key()
    language = _language(notebook)
    with speaking(language):
        graded_hand_in = _(_GRADED_HAND_IN)
    not_checked, by_hand = _NOT_CHECKED[language]
    graded = copy.deepcopy(notebook)
    answer_cells = written = 0
    for cell in graded["cells"]:
        source = cell_source(cell)
        if cell["cell_type"] == "markdown":
            if "### BEGIN SOLUTION" in source:
                written += 1
                cell["metadata"].update(_metadata(f"written-{written}", solution=True, grade=True, points=1))
            source = _HAND_IN_ZH.sub(lambda match: graded_hand_in, _HAND_IN.sub(lambda match: graded_hand_in, source))
            cell["source"] = source.replace(not_checked, by_hand)
            continue
        cell["outputs"], cell["execution_count"] = [], None
        call = _check_call(source)
        if call:
            question, expression, student = call
            if question not in key:
                raise ValueError(_("check cell: question {question} is not in the answer key")
                                 .format(question=repr(question)))
            cell["source"] = _test_source(question, expression, student, key[question], answers.get(question),
                                          language)
            if key_entries is not None:
                key_entries[question] = _key_entry(question, key[question], answers.get(question))
            cell["metadata"].update(_metadata("test-" + question.replace(".", "-"), grade=True, locked=True,
                                              points=1))
            continue
        if "### BEGIN SOLUTION" in source:
            answer_cells += 1
            cell["metadata"].update(_metadata(f"answer-{answer_cells}", solution=True))
        # the graded notebook judges nothing: no self-check, and each student's numbers are the course's
        lines = [line for line in source.splitlines() if line.strip() != "from simkit.teaching.checks import check"]
        source = "\n".join(lines)
        if course_key:
            source = _YOUR_NUMBERS.sub(lambda m: f"your_numbers({m.group(1)}, course={course_key!r})"
                                       if "course=" not in m.group(1) else m.group(0), source)
        cell["source"] = source
    return graded


_CONFIG = '''\
# An nbgrader course written by `python -m simkit exercises export --nbgrader` (simkit's INSTRUCTORS.md).
#   nbgrader generate_assignment NAME     -> release/NAME/: what students receive (no answers)
#   nbgrader autograde NAME --create      -> grades every submitted/STUDENT/NAME/
#   nbgrader generate_feedback NAME       -> feedback/STUDENT/NAME/: right or not and hints, never an answer
# Autograde runs each submission; simkit's MarkAnswers step then marks the recorded answers against
# simkit_key.json here, in nbgrader's own process (a submission's code cannot reach it).
import os
import sys

from nbgrader.converters import Autograde
from nbgrader.preprocessors import SaveAutoGrades

c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = "simkit"
# nbgrader's gradebook runs `alembic` from PATH: find it beside this Python even when the venv is not activated
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
_steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
_steps.insert(_steps.index(SaveAutoGrades) + 1, "simkit.teaching.marking.MarkAnswers")
c.Autograde.autograde_preprocessors = _steps
c.MarkAnswers.key_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "simkit_key.json")
with open(c.MarkAnswers.key_file, encoding="utf-8") as _key:   # read once, before any submission runs
    c.MarkAnswers.key_text = _key.read()
'''


#: seconds a cell of a solution notebook may run while the export reads its answers
SOLUTION_TIMEOUT = 120


def _course_key(chosen: str | None, key_file: Path) -> str:
    """The course key: the one chosen, else the one already in the course's key file, else a new random one."""
    if chosen is None:
        try:
            from .marking import load_course_key

            return load_course_key(key_file)["course_key"]
        except (OSError, ValueError, KeyError):
            import secrets

            return secrets.token_hex(4)
    if not isinstance(chosen, str) or not 1 <= len(chosen) <= 64 or not chosen.isprintable():
        raise ValueError(_("{path}: got {value}, expected {rule}").format(
            path="course_key", value=repr(chosen)[:80], rule=_("1 to 64 printable characters, e.g. \"2026-autumn\"")))
    return chosen


def export_nbgrader(target: Path | str, solutions: Path | str = "solutions", force: bool = False,
                    timeout: int = SOLUTION_TIMEOUT, course_key: str | None = None) -> list[Path]:
    """Write an nbgrader course: ``nbgrader_config.py``, ``simkit_key.json`` and ``source/NAME/NAME.ipynb``.

    One assignment per solution notebook.  The solutions are run once to read their answers (a cell may run
    ``timeout`` seconds).  ``force=False`` refuses to replace files already there.  The course folder must lie
    outside the solutions' folder (a course inside it would be packed with them).  ``course_key`` draws the
    students' own numbers for this course (another year's key gives other numbers); by default the course
    folder's key is kept, or a random one chosen.
    """
    from .exercises import _write
    from ..core.files import check_targets, write_all

    target, solutions = Path(target), Path(solutions)
    if not solutions.is_dir():
        raise FileNotFoundError(_("{name}: {folder} is not a folder").format(name="solutions",
                                                                           folder=repr(str(solutions))))
    from .exercises import outside

    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 3600:
        raise ValueError(_("{path}: got {value}, expected {rule}").format(
            path="timeout", value=repr(timeout), rule=_("a whole number in [{low}, {high}]").format(low=1, high=3600)))
    outside(target, solutions)
    sources = sorted(solutions.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(_("solutions: no notebooks in {folder}").format(folder=repr(str(solutions))))
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        raise ImportError(_("exercises export --nbgrader needs nbgrader: pip install 'simkit[grading]'")) from None
    from .marking import KEY_FILE, _FORMAT

    config, key_file = target / "nbgrader_config.py", target / KEY_FILE
    course_key = _course_key(course_key, key_file)
    paths = {source: target / "source" / source.stem / source.name for source in sources}
    check_targets([*paths.values(), config, key_file], force)      # before the solutions run
    files, entries, languages = {}, {}, set()
    for source, path in paths.items():
        try:
            notebook = json.loads(source.read_text(encoding="utf-8"))
            files[path] = nbgrader_notebook(notebook, _solution_answers(notebook, solutions, timeout), course_key,
                                            entries)
            languages.add(_language(notebook))
        except (ValueError, KeyError, TypeError) as error:   # not JSON, not a notebook, or a failing solution
            raise SolutionError(_("{where}: {problem}").format(where=source, problem=error)) from None
    key = {"format": _FORMAT, "course_key": course_key, "language": "zh" if languages == {"zh"} else "en",
           "questions": entries}
    writers = {path: (lambda path, notebook=notebook: _write(notebook, path)) for path, notebook in files.items()}
    writers[config] = lambda path: path.write_text(_CONFIG, encoding="utf-8")
    writers[key_file] = lambda path: path.write_text(json.dumps(key, ensure_ascii=False, indent=1), encoding="utf-8")
    written, _removed = write_all(writers)
    return written

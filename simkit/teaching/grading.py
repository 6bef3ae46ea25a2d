"""Grading a class with nbgrader: the exercise sets as an nbgrader course, answers only in hidden tests.

    python -m simkit exercises export --nbgrader course/    # needs simkit[grading]
    cd course && nbgrader generate_assignment 01_churn_and_lifetime

writes ``course/nbgrader_config.py`` and ``course/source/NAME/NAME.ipynb`` for every
``solutions/NAME.ipynb``, with nbgrader's cell metadata:

* a code cell holding ``### BEGIN SOLUTION`` becomes an *autograded answer* cell
  (nbgrader replaces the block with ``# YOUR CODE HERE`` in the student's version);
* a markdown cell holding one becomes a *manually graded answer* (1 point);
* each ``check(...)`` cell becomes an *autograded test* cell (1 point) whose visible part
  asks only that there is an answer and whose hidden part (``### BEGIN HIDDEN TESTS``,
  removed from what students receive) asserts the right one.

The right answers of fixed questions are those the solution notebook computes (it is run
once, in a kernel, when exporting); answers read off a simulation are computed again at
grading time (:func:`right`), and so are answers to the questions asked with each student's
own numbers (:mod:`simkit.teaching.personal`), for the student whose submission is graded.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import subprocess
from pathlib import Path

from ..core.language import N_, _, speaking
from .checks import _as_number, load_key

__all__ = ["export_nbgrader", "graded_student", "right"]

_SCHEMA = 3
_HAND_IN = re.compile(r"Replace each `\.\.\.` with your answer \(a number, or a letter for a choice\) and run the check "
                      r"cell\s+under it: it says \*right\* or gives a hint — never the answer\.")
_GRADED_HAND_IN = N_("In each cell marked `# YOUR CODE HERE`, replace `raise NotImplementedError()` with your answer "
                   "(`answer_1 = ...`: a number, or a letter for a choice) and run the cell under it, which tells you "
                   "only whether there is an answer: your answers are graded when you hand the notebook in.")


def graded_student(student_id=None) -> str:
    """The student whose work is being graded.

    Under ``nbgrader autograde`` it is the submission's student, read from the folder nbgrader
    runs the notebook in (``autograded/STUDENT/ASSIGNMENT``), whatever the notebook's
    ``STUDENT_ID`` says: a notebook handed in with a classmate's id is graded against the
    numbers of the student who handed it in.  Elsewhere it is ``student_id``.
    """
    from .personal import student_key

    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return student_key(Path.cwd().parent.name)
    return student_key(student_id)


def right(question: str, answer, student_id=None) -> bool:
    """Whether ``answer`` is right for ``question``, computed now (for nbgrader's hidden tests).

    Questions read off a simulation are compared with simkit's value within the key's tolerance;
    questions asked with a student's own numbers are compared with that student's answer
    (:func:`graded_student`).  Fixed questions are graded by the literal values in the hidden tests.
    """
    from .checks import is_right

    entry = load_key()[question]
    if entry["kind"] == "personal":
        return is_right(entry, question, answer, graded_student(student_id))
    if entry["kind"] != "simulated":
        raise ValueError(_("question: {question} has a fixed answer; its hidden test holds it")
                         .format(question=repr(question)))
    return is_right(entry, question, answer)


# ------------------------------------------------------------------ the course
def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


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
        call = _check_call(_source(cell))
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
    """The test cell of a check; what it says to the student is in the notebook's ``language``."""
    numeric = entry["kind"] not in ("personal", "simulated", "choice")
    if numeric and _as_number(answer) is None:
        raise ValueError(_("{question}: the solution's answer {answer} is not a number")
                         .format(question=question, answer=repr(answer)))
    with speaking(language):
        comment = "# " + _("Graded when you hand the notebook in; here it checks only that there is an answer.")
        no_answer = _("{expression}: no answer yet").format(expression=expression)
        no_student = _("set STUDENT_ID to your student number first")
        wrong = _("{question}: not right").format(question=question)
    visible = [comment, f"assert {expression} is not ..., {no_answer!r}"]
    if entry["kind"] == "personal":
        visible.append(f"assert {student} is not ..., {no_student!r}")
        hidden = ["from simkit.teaching.grading import right",
                  f"assert right({question!r}, {expression}, student_id={student}), {wrong!r}"]
    elif entry["kind"] == "simulated":
        hidden = ["from simkit.teaching.grading import right",
                  f"assert right({question!r}, {expression}), {wrong!r}"]
    elif entry["kind"] == "choice":
        hidden = [f"assert str({expression}).strip().lower() == {str(answer).strip().lower()!r}, {wrong!r}"]
    else:
        hidden = ["from simkit.teaching.checks import agrees",
                  f"assert agrees({expression}, {float(answer)!r}, decimals={int(entry['decimals'])}), {wrong!r}"]
    return "\n".join(visible + ["### BEGIN HIDDEN TESTS"] + hidden + ["### END HIDDEN TESTS"])


def _language(notebook: dict) -> str:
    """The language a notebook speaks to its student: "zh" for the Chinese edition (it sets it), else "en"."""
    chinese = any('set_language("zh")' in _source(cell) for cell in notebook["cells"] if cell["cell_type"] == "code")
    return "zh" if chinese else "en"


def _metadata(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": _SCHEMA,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def nbgrader_notebook(notebook: dict, answers: dict) -> dict:
    """The nbgrader source version of a solution notebook, given the solution's ``answers``."""
    key = load_key()
    language = _language(notebook)
    with speaking(language):
        graded_hand_in = _(_GRADED_HAND_IN)
    graded = copy.deepcopy(notebook)
    answer_cells = written = 0
    for cell in graded["cells"]:
        source = _source(cell)
        if cell["cell_type"] == "markdown":
            if "### BEGIN SOLUTION" in source:
                written += 1
                cell["metadata"].update(_metadata(f"written-{written}", solution=True, grade=True, points=1))
            cell["source"] = _HAND_IN.sub(lambda match: graded_hand_in, source).replace("(not checked)",
                                                                                       "(graded by hand)")
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
            cell["metadata"].update(_metadata("test-" + question.replace(".", "-"), grade=True, locked=True,
                                              points=1))
        elif "### BEGIN SOLUTION" in source:
            answer_cells += 1
            cell["metadata"].update(_metadata(f"answer-{answer_cells}", solution=True))
        cell["source"] = cell["source"] if isinstance(cell["source"], str) else source
    return graded


_CONFIG = '''\
# An nbgrader course written by `python -m simkit exercises export --nbgrader` (simkit's INSTRUCTORS.md).
#   nbgrader generate_assignment NAME     -> release/NAME/: what students receive (no answers)
#   nbgrader autograde NAME --create      -> grades every submitted/STUDENT/NAME/
c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = "simkit"
'''


#: seconds a cell of a solution notebook may run while the export reads its answers
SOLUTION_TIMEOUT = 120


def export_nbgrader(target: Path | str, solutions: Path | str = "solutions", force: bool = False,
                    timeout: int = SOLUTION_TIMEOUT) -> list[Path]:
    """Write an nbgrader course: ``target/nbgrader_config.py`` and ``target/source/NAME/NAME.ipynb``.

    One assignment per solution notebook.  The solutions are run once to read their answers (a cell may run
    ``timeout`` seconds).  ``force=False`` refuses to replace files already there.  The course folder must lie
    outside the solutions' folder (a course inside it would be packed with them).
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
    config = target / "nbgrader_config.py"
    paths = {source: target / "source" / source.stem / source.name for source in sources}
    check_targets([*paths.values(), config], force)      # before the solutions run
    files = {}
    for source, path in paths.items():
        try:
            notebook = json.loads(source.read_text(encoding="utf-8"))
            files[path] = nbgrader_notebook(notebook, _solution_answers(notebook, solutions, timeout))
        except (ValueError, KeyError, TypeError) as error:   # not JSON, not a notebook, or a failing solution
            raise SolutionError(_("{where}: {problem}").format(where=source, problem=error)) from None
    writers = {path: (lambda path, notebook=notebook: _write(notebook, path)) for path, notebook in files.items()}
    writers[config] = lambda path: path.write_text(_CONFIG, encoding="utf-8")
    written, _removed = write_all(writers)
    return written

"""Marking a graded notebook on the instructor's side: recorded answers against the course's key.

``nbgrader autograde`` runs each submission in a kernel of its own; in a course written by
``python -m simkit exercises export --nbgrader`` every test cell only *records* the answer there
(:func:`simkit.teaching.handin.record`).  :class:`MarkAnswers`, a step the course's
``nbgrader_config.py`` adds to autograde right after nbgrader saves its scores, then works in
nbgrader's own process, where a submission's code cannot reach:

1. it reads every cell the student could write and lists what an exercise never needs
   (:func:`simkit.teaching.screening.concerns`: rebinding simkit's or Python's names, files,
   the system, classes);
2. for each test cell it reads the one recorded answer (plain data, never an object) and compares
   it with the key in the course folder (``simkit_key.json``, written at export) — the
   own-numbers questions with the answer computed now for the student whose submission it is;
3. it writes the score to the gradebook (1 or 0) and replaces the cell's output with the verdict
   and, for a wrong answer, the hint: what the student gets back from ``nbgrader
   generate_feedback`` holds right / not right and hints, never an expected value.

A notebook with concerns scores 0 on every question and each is flagged for grading by hand,
with the reasons in the cell and in autograde's log; so is an answer that is not plain data or a
cell that recorded more than one answer.
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from ..core.language import _, speaking
from .handin import MEDIA_TYPE

__all__ = ["KEY_FILE", "MarkAnswers", "is_right", "load_course_key", "marks"]

#: the key's file name in the course folder
KEY_FILE = "simkit_key.json"
_FORMAT = 1
_MAX_TEXT = 200       # characters of a recorded text answer that are read


def load_course_key(path: Path | str) -> dict:
    """The course's key as written at export: ``{"course_key", "language", "questions": {question: entry}}``."""
    key = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(key, dict) or key.get("format") != _FORMAT or not isinstance(key.get("questions"), dict):
        raise ValueError(_("{path}: not a key written by this version of simkit's export; export the course "
                           "again").format(path=path))
    return key


def is_right(entry: dict, question: str, answer, student: str, course_key: str) -> bool:
    """Whether a plain ``answer`` is right for the key ``entry`` (``student`` for the own-numbers questions)."""
    from .checks import agrees
    from .personal import _answer

    kind = entry["kind"]
    if kind == "choice":
        return isinstance(answer, str) and answer.strip().lower() == entry["answer"]
    if isinstance(answer, str) or isinstance(answer, bool):
        return False
    try:
        value = float(answer)
    except OverflowError:
        return False
    if not math.isfinite(value):
        return False
    if kind == "simulated":
        return abs(value - entry["answer"]) <= entry["tolerance"]
    if kind == "personal":
        return agrees(value, _answer(question, student, course_key), entry["decimals"])
    return agrees(value, entry["answer"], entry["decimals"])


# ------------------------------------------------------------------ one notebook
def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _recorded_question(source: str) -> str | None:
    """The question a test cell records (``record("churn.lifetime", ...)``), read from its source."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "record"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            return node.args[0].value
    return None


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell["cell_type"] == "code" and bool(meta.get("grade")) and not meta.get("solution")


def marks(notebook: dict, key: dict, student: str) -> list[dict]:
    """One mark per test cell of ``notebook``: ``{"cell", "grade_id", "question", "score", "flagged", "line"}``.

    ``line`` is what the student reads back (verdict, hint or why it is flagged), in the key's language.
    """
    from .screening import concerns

    results = []
    with speaking(key.get("language", "en")):
        modules: set[str] = set()
        worries = []
        for number, cell in enumerate(notebook["cells"], 1):
            if cell["cell_type"] == "code" and not _is_test(cell):
                worries += [_("cell {n}, {concern}").format(n=number, concern=concern)
                            for concern in concerns(_source(cell), modules)]
        for index, cell in enumerate(notebook["cells"]):
            if not _is_test(cell):
                continue
            question = _recorded_question(_source(cell))
            records = [output.get("data", {}).get(MEDIA_TYPE) for output in cell.get("outputs", [])
                       if output.get("output_type") == "display_data" and MEDIA_TYPE in output.get("data", {})]
            mark = {"cell": index, "grade_id": cell["metadata"]["nbgrader"]["grade_id"], "question": question,
                    "score": 0.0, "flagged": False, "reasons": []}
            entry = key["questions"].get(question)
            answer = records[0].get("answer") if len(records) == 1 and isinstance(records[0], dict) else None
            if entry is None:
                mark["reasons"] = [_("this test cell is not one of the course's (edited?)")]
            elif worries:
                mark["reasons"] = worries
            elif len(records) > 1 or any(not isinstance(r, dict) or r.get("question") != question for r in records):
                mark["reasons"] = [_("the cell recorded something other than one answer to {question}")
                                   .format(question=question)]
            elif records and (not records[0].get("plain") or type(answer) not in (int, float, str)
                              or isinstance(answer, str) and len(answer) > _MAX_TEXT):
                mark["reasons"] = [_("the answer is not a number or a short text")]
            if mark["reasons"]:
                mark["flagged"] = True
                shown = "; ".join(mark["reasons"][:5]) + ("; …" if len(mark["reasons"]) > 5 else "")
                mark["line"] = _("{question}: flagged for your instructor to grade by hand ({reasons})").format(
                    question=question, reasons=shown)
            elif not records:
                mark["line"] = _("{question}: no answer").format(question=question)
            else:
                right = is_right(entry, question, answer, student, key.get("course_key", ""))
                mark["score"] = 1.0 if right else 0.0
                yours = _("{question}: your answer {answer}").format(question=question, answer=repr(answer))
                hint = entry.get("hint", "")
                mark["line"] = yours + " — " + (_("✓ right") if right else
                                                _("✗ not right; hint: {hint}").format(hint=_(hint)) if hint else
                                                _("✗ not right"))
            results.append(mark)
    return results


class MarkAnswers(Preprocessor):
    """nbgrader autograde's step that marks recorded answers against the course key (after SaveAutoGrades)."""

    enabled = Bool(True).tag(config=True)
    key_file = Unicode(KEY_FILE, help="the course's key, written by simkit's export").tag(config=True)

    def preprocess(self, nb, resources):
        from nbformat import from_dict
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        key = load_course_key(self.key_file)
        student = info["student"]
        with Gradebook(info["db_url"]) as gradebook:
            for mark in marks(nb, key, student):
                cell = nb.cells[mark["cell"]]
                cell.outputs = [from_dict({"output_type": "stream", "name": "stdout", "text": mark["line"] + "\n"})]
                grade = gradebook.find_grade(mark["grade_id"], info["notebook"], info["assignment"], student)
                grade.auto_score = mark["score"]
                grade.needs_manual_grade = mark["flagged"]
                if mark["flagged"]:
                    self.log.warning("%s, %s, %s: flagged for grading by hand: %s", student, info["notebook"],
                                     mark["question"], "; ".join(mark["reasons"]))
            gradebook.db.commit()
        return nb, resources

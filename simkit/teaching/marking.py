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
from .exercises import cell_source
from .handin import MEDIA_TYPE

__all__ = ["KEY_FILE", "MarkAnswers", "is_right", "load_course_key", "marks", "withhold_answers"]

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
                            for concern in concerns(cell_source(cell), modules)]
        for index, cell in enumerate(notebook["cells"]):
            if not _is_test(cell):
                continue
            question = _recorded_question(cell_source(cell))
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


def _forms(value: float, decimals: int) -> set[str]:
    """How an answer is written where a person would find it: rounded near the key's decimals, with or without
    thousands separators, and in full; forms of one digit are left out (they stand in any output)."""
    forms = {repr(float(value))}
    for places in {max(decimals - 1, 0), decimals, decimals + 1, 2}:
        forms |= {f"{value:.{places}f}", f"{value:,.{places}f}"}
    return {form for form in forms if sum(ch.isdigit() for ch in form) >= 2}


def withhold_answers(notebook: dict, key: dict, student: str, results: list[dict]) -> int:
    """Replace every output of the student's own cells that holds the answer to a question they did not get
    right (code that read the key or the solutions and printed them): feedback returns no answer.  Returns how
    many outputs were withheld."""
    import re

    from .personal import _answer

    forms: set[str] = set()
    for mark in results:
        entry = key["questions"].get(mark["question"])
        if mark["score"] or entry is None or entry["kind"] == "choice":
            continue
        value = (_answer(mark["question"], student, key.get("course_key", "")) if entry["kind"] == "personal"
                 else entry["answer"])
        forms |= _forms(value, int(entry.get("decimals", 2)))
    if not forms:
        return 0
    pattern = re.compile(r"(?<![\w.,])(" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
                         + r")(?![\w]|[.,]\d)")
    withheld = 0
    with speaking(key.get("language", "en")):
        note = _("(output withheld: it holds the answer to a question not answered right)")
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code" or _is_test(cell):
            continue
        kept = []
        for output in cell.get("outputs", []):
            text = json.dumps({k: v for k, v in output.items() if k != "metadata"}, ensure_ascii=False)
            if pattern.search(text):
                withheld += 1
                output = {"output_type": "stream", "name": "stdout", "text": note + "\n"}
            kept.append(output)
        cell["outputs"] = kept
    return withheld


class MarkAnswers(Preprocessor):
    """nbgrader autograde's step that marks recorded answers against the course key (after SaveAutoGrades).

    The key is read once, when nbgrader reads the course's configuration (``key_text``), before any
    submission runs.  A submission whose run changed the key file is flagged as a whole, and the file is
    written back as it was, so the students graded after it are marked against the real key.
    """

    enabled = Bool(True).tag(config=True)
    key_file = Unicode(KEY_FILE, help="the course's key, written by simkit's export").tag(config=True)
    key_text = Unicode("", help="the key's text as read before any submission ran").tag(config=True)

    def _key_changed(self) -> bool:
        """Whether the key file differs from what was read at the start; if so, write it back."""
        try:
            now = Path(self.key_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            now = None
        if now == self.key_text:
            return False
        Path(self.key_file).write_text(self.key_text, encoding="utf-8")
        return True

    def preprocess(self, nb, resources):
        from nbformat import from_dict
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        if not self.key_text:
            self.key_text = Path(self.key_file).read_text(encoding="utf-8")
        key = json.loads(self.key_text)
        if not isinstance(key, dict) or key.get("format") != _FORMAT:
            load_course_key(self.key_file)     # the clear error
        tampered = self._key_changed()
        student = info["student"]
        results = marks(nb, key, student)
        if tampered:
            with speaking(key.get("language", "en")):
                reason = _("the course's key file changed while this submission ran")
                for mark in results:
                    mark.update(score=0.0, flagged=True, reasons=[reason], line=_(
                        "{question}: flagged for your instructor to grade by hand ({reasons})").format(
                        question=mark["question"], reasons=reason))
        with Gradebook(info["db_url"]) as gradebook:
            for mark in results:
                cell = nb.cells[mark["cell"]]
                cell.outputs = [from_dict({"output_type": "stream", "name": "stdout", "text": mark["line"] + "\n"})]
                grade = gradebook.find_grade(mark["grade_id"], info["notebook"], info["assignment"], student)
                grade.auto_score = mark["score"]
                grade.needs_manual_grade = mark["flagged"]
                if mark["flagged"]:
                    self.log.warning("%s, %s, %s: flagged for grading by hand: %s", student, info["notebook"],
                                     mark["question"], "; ".join(mark["reasons"]))
            gradebook.db.commit()
        if withhold_answers(nb, key, student, results):
            self.log.warning("%s, %s: outputs that hold answers withheld from the feedback", student, info["notebook"])
        nb = from_dict(nb)
        return nb, resources

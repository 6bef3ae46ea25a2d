"""Handing in an answer for grading: the student's kernel records it, and judges nothing.

In a graded release (``python -m simkit exercises export --nbgrader``) each check cell becomes

    record("churn.lifetime", answer_1)

which shows the answer as it will be graded and stores it in the cell's output as plain data
(a number or a text, under the media type :data:`MEDIA_TYPE`).  Whether it is right is decided
later, outside the student's kernel, by :mod:`simkit.teaching.marking` during ``nbgrader
autograde``, from a key that stays in the instructor's course folder.  Nothing here knows an
answer, so nothing a student's code does to this module can earn a point: at most it records a
value, and a value is judged like any other answer.

An answer must be a plain value: an ``int``, a ``float`` (NumPy's numbers count) or a ``str``.
Anything else — an object of the student's own class, a ``bool``, a list — is recorded as *not
plain*, scores 0 and is flagged for the instructor.

>>> plain(2.5), plain("b"), plain(True), plain([1]), plain(10 ** 5000)
((True, 2.5), (True, 'b'), (False, 'bool'), (False, 'list'), (False, 'int'))
"""

from __future__ import annotations

import math

import numpy as np

from ..core.language import _

__all__ = ["MEDIA_TYPE", "plain", "record"]

#: the media type of a recorded answer in a notebook cell's outputs
MEDIA_TYPE = "application/vnd.simkit.answer+json"

_NUMBERS = (int, float, np.integer, np.floating)
_LARGEST = 10 ** 15     # a whole number beyond any answer (and short enough to print and read back)


def plain(answer) -> tuple[bool, object]:
    """``(True, value)`` for a plain answer (``value`` a Python ``int``/``float``/``str``), else ``(False, type name)``.

    The type is checked exactly (a subclass of ``float`` or ``str`` that a notebook defines is not
    plain), so what is recorded is the value itself, not an object that could claim to equal anything.
    """
    kind = type(answer)
    if kind is str:
        return True, str.__str__(answer)
    if kind in (int, float) or (kind.__module__ == "numpy" and issubclass(kind, _NUMBERS)):
        value = answer.item() if kind.__module__ == "numpy" else answer
        if isinstance(value, float) and not math.isfinite(value) or isinstance(value, int) and abs(value) > _LARGEST:
            return False, kind.__name__
        return True, value
    return False, kind.__name__


def record(question: str, answer) -> None:
    """Show ``answer`` as it will be graded for ``question`` and record it in this cell's output."""
    from IPython.display import display

    is_plain, value = plain(answer)
    if is_plain:
        line = _("{question}: answer recorded: {answer}. It is graded when you hand the notebook in.").format(
            question=question, answer=repr(value))
        data = {"question": question, "plain": True, "answer": value}
    else:
        line = _("{question}: {kind} is not a number or a text, so it cannot be graded; answer with a number "
                 "(or a letter in quotes for a choice).").format(question=question, kind=value)
        data = {"question": question, "plain": False, "type": value}
    display({MEDIA_TYPE: data, "text/plain": line}, raw=True)

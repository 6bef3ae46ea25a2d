"""Self-check for exercises: right or wrong, with a hint, never the answer.

Each question has an entry in ``simkit/teaching/exercise_key.toml``:

* ``kind = "number"``: the expected value is stored as a salted SHA-256 hash
  of the value rounded to ``decimals`` places; an answer is right when its
  rounding (or one unit more or less in the last place) has the same hash.
* ``kind = "choice"``: the expected letter, hashed the same way.
* ``kind = "simulated"``: the expected value is computed by simkit when the
  check runs (``expected`` names a function in this module) and the answer
  must lie within ``tolerance`` of it -- for answers read off a simulation.
* ``kind = "personal"``: asked with the student's own numbers
  (:mod:`simkit.teaching.personal`); the expected value is computed from the student's
  id when the check runs and compared after rounding to ``decimals``, so no
  key exists at all.

The exercise notebooks therefore hold no answers.  Instructors add a
question with ``python -m simkit exercises key QUESTION VALUE --decimals N
--hint "..."``, which prints the entry to paste into the key file.

>>> entry = key_entry("demo.lifetime", 5.0, decimals=1, hint="1 / churn")
>>> is_right(entry, "demo.lifetime", 5.04), is_right(entry, "demo.lifetime", 4.0)
(True, False)
"""

from __future__ import annotations

import hashlib
import math
import numbers
import tomllib
from functools import lru_cache
from importlib import resources

from ..core.language import _

__all__ = ["agrees", "check", "is_right", "key_entry", "load_key", "verdict"]

_SALT = "simkit-exercises-1"


def _digest(question: str, canonical: str) -> str:
    return hashlib.sha256(f"{_SALT}:{question}:{canonical}".encode()).hexdigest()


def _canonical_number(value: float, decimals: int) -> str:
    text = f"{round(float(value), decimals):.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def key_entry(question: str, value, *, decimals: int = 2, hint: str = "", kind: str | None = None) -> dict:
    """The key entry for a question: a hash of ``value`` (a number, or a choice letter)."""
    if kind is None:
        kind = "choice" if isinstance(value, str) else "number"
    if kind == "choice":
        return {"kind": "choice", "hash": _digest(question, str(value).strip().lower()), "hint": hint}
    return {"kind": "number", "decimals": decimals, "hash": _digest(question, _canonical_number(value, decimals)),
            "hint": hint}


@lru_cache(maxsize=1)
def load_key() -> dict:
    """All questions of the exercise sets (parsed once)."""
    text = (resources.files("simkit.teaching") / "exercise_key.toml").read_text(encoding="utf-8")
    key = tomllib.loads(text)
    return {question: entry for question, entry in _flatten(key)}


def _flatten(table, prefix=""):
    for name, value in table.items():
        if isinstance(value, dict) and "kind" not in value:
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def _as_number(answer):
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        try:  # numpy scalars and 0-d arrays
            answer = answer.item()
        except AttributeError:
            return None
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            return None
    answer = float(answer)
    return answer if math.isfinite(answer) else None


def agrees(answer, expected: float, decimals: int) -> bool:
    """Whether ``answer`` rounds to ``expected`` at ``decimals`` places, give or take one unit in the last place.

    >>> agrees(4.04, 4.0, 1), agrees(4.16, 4.0, 1), agrees("4", 4.0, 1)
    (True, False, False)
    """
    value = _as_number(answer)
    if value is None:
        return False
    step = 10.0 ** -decimals
    return abs(round(value, decimals) - round(float(expected), decimals)) <= step * (1 + 1e-9)


def is_right(entry: dict, question: str, answer, student_id=None) -> bool:
    """Whether ``answer`` is right for the key ``entry`` of ``question`` (no printing).

    ``student_id`` is needed for questions asked with a student's own numbers (``kind = "personal"``).
    """
    kind = entry["kind"]
    if kind == "choice":
        return isinstance(answer, str) and _digest(question, answer.strip().lower()) == entry["hash"]
    value = _as_number(answer)
    if value is None:
        return False
    if kind == "simulated":
        expected = _EXPECTED[entry["expected"]]()
        return abs(value - expected) <= entry["tolerance"]
    decimals = int(entry["decimals"])
    if kind == "personal":
        from .personal import _answer

        return agrees(value, _answer(question, student_id), decimals)
    step = 10.0 ** -decimals
    return any(_digest(question, _canonical_number(value + shift * step, decimals)) == entry["hash"]
               for shift in (0, -1, 1))


def verdict(question: str, answer, student_id=None) -> tuple[bool, str]:
    """Whether ``answer`` is right for ``question``, and the line :func:`check` prints (a hint if not).

    A question asked with your own numbers needs your ``student_id`` (the one you gave
    :func:`simkit.teaching.personal.your_numbers`); ``...`` stands for the sample student.
    """
    key = load_key()
    if question not in key:
        raise KeyError(_("question: got {question}, expected one of the exercise questions ({questions})").format(
            question=repr(question), questions=", ".join(sorted(key))))
    entry = key[question]
    if entry["kind"] == "personal":
        if student_id is None:
            raise TypeError(_("{question} is asked with your own numbers: "
                              "check({quoted}, answer, student_id=STUDENT_ID)").format(
                question=question, quoted=repr(question)))
        from .personal import student_key

        student_key(student_id)   # a clear error for an id that is not one
    if answer is Ellipsis or answer is None:
        return False, _("{question}: no answer yet — replace ... with your answer and run the cell again."
                        ).format(question=question)
    if entry["kind"] != "choice" and _as_number(answer) is None:
        return False, _("{question}: expected a number, got {answer} ({kind}).").format(
            question=question, answer=repr(answer), kind=type(answer).__name__)
    if entry["kind"] == "choice" and not isinstance(answer, str):
        return False, _("{question}: expected a letter such as 'a', got {answer}.").format(
            question=question, answer=repr(answer))
    if is_right(entry, question, answer, student_id):
        return True, _("{question}: ✓ right").format(question=question)
    hint = entry.get("hint", "")
    if hint:
        return False, _("{question}: ✗ not yet — hint: {hint}").format(question=question, hint=_(hint))
    return False, _("{question}: ✗ not yet").format(question=question)


def check(question: str, answer, student_id=None) -> None:
    """Print whether ``answer`` is right for ``question``, with a hint when it is not.

    It returns nothing, so a notebook shows the verdict once (never a bare ``True`` under it);
    :func:`verdict` gives the same as a value.  Questions asked with your own numbers take
    your ``student_id``.
    """
    print(verdict(question, answer, student_id)[1])


# ---------------------------------------------------------------- answers read off a simulation
def _firm_a_left_after_5_years() -> float:
    from ..exact.formulas import survivors

    return survivors(10_000, 0.8, 5)


def _loyal_at_year_5() -> float:
    from ..model.presets import load_scenario
    from ..engines.run import run_simulation

    return float(run_simulation(load_scenario("lifecycle_basic"), ledger=False).customers_in("loyal")[4])


def _loyal_profit_per_year_with_8_orders() -> float:
    from ..model.presets import load_scenario
    from ..engines.run import run_simulation
    from ..model.stages import Stage

    scenario = load_scenario("lifecycle_basic").updated({"stages.loyal.orders_per_year": 8})
    return run_simulation(scenario, ledger=False).profit_per_customer_year()[Stage.LOYAL]


def _textbook_ltv() -> float:
    from ..exact.cohort import cohort_table
    from ..model.presets import load_scenario

    return float(cohort_table(load_scenario("cohort_10000")).ltv[-1])


def _clv_bg_nbd_alive_share() -> float:
    from ..experiments.clv import clv_data, load_clv_scenario

    return float(clv_data(load_clv_scenario("clv_bg_nbd"), 39, 39).truth["alive_at_cutoff"].mean())


_EXPECTED = {
    "clv_bg_nbd_alive_share": _clv_bg_nbd_alive_share,
    "firm_a_left_after_5_years": _firm_a_left_after_5_years,
    "loyal_at_year_5": _loyal_at_year_5,
    "loyal_profit_per_year_with_8_orders": _loyal_profit_per_year_with_8_orders,
    "textbook_ltv": _textbook_ltv,
}

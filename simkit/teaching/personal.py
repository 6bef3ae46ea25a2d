"""Your own numbers: exercise data drawn from a student's id.

Every exercise set has one question whose numbers belong to the student: a
firm, a customer, a cohort, a lifecycle, a pyramid or a buy-till-you-die customer of its own, drawn from a
seed derived from the student's id (学号).  The right answer is computed by
simkit from the same seed when the answer is checked or graded, so there is
no answer key to look up and a neighbour's number is wrong for everyone else.

    STUDENT_ID = "2026001"                    # your student number
    mine = your_numbers("churn", STUDENT_ID)  # shows your firm
    answer = formulas.survivors(mine.customers, 1 - mine.lost_per_year / mine.customers, mine.years)
    check("churn.your_firm_left", answer, student_id=STUDENT_ID)

Until ``STUDENT_ID`` is set (it is ``...`` in a fresh exercise notebook) the
numbers are those of the sample student ``"example"``.

>>> mine = your_numbers("churn", "2026001")
>>> mine == your_numbers("churn", " 2026001 "), mine == your_numbers("churn", "2026002")
(True, False)
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..core.language import N_, _

__all__ = ["EXERCISE_SETS", "SAMPLE_STUDENT", "YourNumbers", "personal_questions", "student_key", "your_numbers"]

#: Whose numbers a notebook shows until ``STUDENT_ID`` is set.
SAMPLE_STUDENT = "example"
_SALT = "simkit-your-numbers-1"
_MAX_ID_LENGTH = 64


def student_key(student_id) -> str:
    """The student id as text, checked: a non-empty string (or a whole number) of at most 64 characters.

    ``...`` (a blank not yet filled in) stands for the sample student.  The id is normalised as Unicode's
    NFKC does and stripped of surrounding spaces, so "２０２６００１" typed with a Chinese input method's
    full-width digits, or " 2026001 ", is the same student as "2026001".

    >>> student_key("２０２６００１") == student_key(" 2026001 ") == student_key(2026001) == "2026001"
    True
    """
    if student_id is Ellipsis:
        return SAMPLE_STUDENT
    if isinstance(student_id, int) and not isinstance(student_id, bool) and 0 <= student_id < 10 ** _MAX_ID_LENGTH:
        return str(student_id)
    if isinstance(student_id, str):
        text = unicodedata.normalize("NFKC", student_id).strip()
        if 0 < len(text) <= _MAX_ID_LENGTH and text.isprintable():
            return text
    from ..model.rules import show_value

    shown = show_value(student_id)
    raise ValueError(_("student_id: got {value}, expected your student number (学号) as text, e.g. \"2026001\" "
                       "(1 to {n} printable characters)").format(value=shown, n=_MAX_ID_LENGTH))


def _generator(exercise_set: str, student: str, course: str = "") -> np.random.Generator:
    digest = hashlib.sha256(f"{_SALT}:{course}:{exercise_set}:{student}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@dataclass(frozen=True)
class YourNumbers:
    """One student's numbers for one exercise set: read them as attributes (``mine.customers``)."""

    exercise_set: str
    student_id: str
    values: dict = field(compare=True)
    meanings: dict = field(compare=False, repr=False)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        if name == "scenario":      # the property found none (an AttributeError there lands here)
            raise AttributeError(_("scenario: the exercise set {set} has no scenario; your numbers are {names}").format(
                set=repr(self.exercise_set), names=", ".join(values)))
        raise AttributeError(_("{name}: your numbers for {set} are {names}").format(
            name=repr(name), set=repr(self.exercise_set), names=", ".join(values)))

    @property
    def scenario(self):
        """The exercise set's built-in scenario with your numbers in it (sets "ltv" and "life")."""
        build = _SETS[self.exercise_set].scenario
        if build is None:
            raise AttributeError("scenario")
        return build(self.values)

    def __str__(self) -> str:
        who = (_("the sample student {id} — set STUDENT_ID to your student number for yours").format(
                   id=repr(SAMPLE_STUDENT))
               if self.student_id == SAMPLE_STUDENT else _("student {id}").format(id=self.student_id))
        width = max(len(name) for name in self.values)
        lines = [_("Your numbers for exercise set {set} ({who}):").format(set=repr(self.exercise_set), who=who)]
        lines += [f"  {name:<{width}} = {_show(value):>8}   {_(self.meanings[name])}"
                  for name, value in self.values.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle) -> None:   # IPython shows the readable form
        printer.text(str(self))


def _show(value) -> str:
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    return f"{int(value):,}"


# ------------------------------------------------------------------ the exercise sets' numbers
def _pick(rng: np.random.Generator, low: float, high: float, step: float) -> float:
    """A round number in [low, high] on a grid of ``step``."""
    count = int(round((high - low) / step))
    return round(low + step * int(rng.integers(0, count + 1)), 10)


def _churn(rng):
    customers = int(rng.integers(200_000, 5_000_001))
    churn_rate = _pick(rng, 0.10, 0.30, 0.005)
    return {"customers": customers, "lost_per_year": int(round(customers * churn_rate)),
            "years": int(rng.integers(3, 9))}


def _churn_answer(values):
    from ..exact.formulas import survivors

    return survivors(values["customers"], 1 - values["lost_per_year"] / values["customers"], values["years"])


def _clv(rng):
    return {"profit_per_purchase": int(rng.integers(20, 201)),     # ¥20 to ¥200
            "purchases_per_month": int(rng.integers(1, 9)),
            "years": int(rng.integers(3, 16)),
            "interest_rate": _pick(rng, 0.03, 0.12, 0.001)}


def _clv_answer(values):
    from ..exact.formulas import discounted_clv

    per_year = values["profit_per_purchase"] * values["purchases_per_month"] * 12
    return discounted_clv(per_year, values["years"], interest_rate=values["interest_rate"])


def _ltv(rng):
    first = _pick(rng, 0.45, 0.75, 0.01)
    second = round(first + _pick(rng, 0.05, 0.15, 0.01), 2)
    third = round(min(second + _pick(rng, 0.0, 0.10, 0.01), 0.95), 2)
    return {"retention_rate": [first, second, third], "acquisition_cost": int(rng.integers(40, 81))}


def _ltv_scenario(values):
    from ..model.presets import load_scenario

    return load_scenario("cohort_10000").updated({"tenure.retention_rate": values["retention_rate"],
                                                  "arrivals.acquisition_cost": values["acquisition_cost"]})


def _ltv_answer(values):
    from ..exact.cohort import cohort_table

    return float(cohort_table(_ltv_scenario(values)).ltv[-1])


def _life(rng):
    return {"conversion_share": _pick(rng, 0.20, 0.60, 0.001), "loyal_mean_years": _pick(rng, 1.5, 5.0, 0.01),
            "loyal_to_decline": _pick(rng, 0.60, 0.90, 0.001)}


def _life_scenario(values):
    from ..model.presets import load_scenario

    share, decline = values["conversion_share"], values["loyal_to_decline"]
    return load_scenario("lifecycle_basic").updated({
        "stages.prospect.next_stage": {"new": share, "unconverted": round(1 - share, 10)},
        "stages.loyal.mean_duration_years": values["loyal_mean_years"],
        "stages.loyal.next_stage": {"decline": decline, "lost": round(1 - decline, 10)}})


def _life_answer(values):
    from ..exact.formulas import expected_stage_years
    from ..model.stages import Stage

    return float(expected_stage_years(_life_scenario(values))[Stage.LOYAL])


def _value(rng):
    return {"vip_customers": int(rng.integers(10, 41)), "large_customers": int(rng.integers(50, 151)),
            "medium_customers": int(rng.integers(200, 501)), "small_customers": int(rng.integers(1_000, 3_001))}


def _value_tiers(values):
    from dataclasses import replace

    from ..exact.pyramid import TEXTBOOK_TIERS

    counts = [values[f"{name}_customers"] for name in ("vip", "large", "medium", "small")]
    return tuple(replace(tier, customers=count) for tier, count in zip(TEXTBOOK_TIERS, counts))


def _value_answer(values):
    from ..exact.pyramid import pyramid_table

    return float(pyramid_table(_value_tiers(values)).total_profit)


def _clvfit(rng):
    return {"purchase_rate": _pick(rng, 0.05, 0.50, 0.001), "dropout_rate": _pick(rng, 0.01, 0.10, 0.0001),
            "weeks": int(rng.integers(4, 53))}


def _clvfit_answer(values):
    from ..experiments.clv import expected_holdout_purchases

    return float(expected_holdout_purchases("pareto_nbd", values["purchase_rate"], values["dropout_rate"], 1.0,
                                            values["weeks"]))


@dataclass(frozen=True)
class _Set:
    draw: Callable
    meanings: dict
    question: str
    answer: Callable
    scenario: Callable | None = None


_SETS = {
    "churn": _Set(_churn, {"customers": N_("customers at the start"),
                           "lost_per_year": N_("customers lost in year 1 (流失); later years lose the same share"),
                           "years": N_("years to look ahead")},
                  "churn.your_firm_left", _churn_answer),
    "clv": _Set(_clv, {"profit_per_purchase": N_("yuan of profit a purchase"),
                       "purchases_per_month": N_("purchases a month"),
                       "years": N_("years the customer stays"),
                       "interest_rate": N_("interest rate a year, year 1 undiscounted")},
                "clv.your_customer", _clv_answer),
    "ltv": _Set(_ltv, {"retention_rate": N_("retention in years 1, 2, 3 (保持率)"),
                       "acquisition_cost": N_("yuan to acquire a customer (获得成本)")},
                "ltv.your_cohort", _ltv_answer, _ltv_scenario),
    "life": _Set(_life, {"conversion_share": N_("share of prospects who become new customers"),
                         "loyal_mean_years": N_("years a loyal customer stays loyal, on average"),
                         "loyal_to_decline": N_("share of loyal customers who decline (the rest are lost)")},
                 "life.your_loyal_years", _life_answer, _life_scenario),
    "value": _Set(_value, {"vip_customers": N_("VIP customers (VIP客户)"),
                           "large_customers": N_("large customers (大客户)"),
                           "medium_customers": N_("medium customers (中级客户)"),
                           "small_customers": N_("small customers (小客户)")},
                  "value.your_pyramid_profit", _value_answer),
    "clvfit": _Set(_clvfit, {"purchase_rate": N_("purchases a week while alive (λ)"),
                             "dropout_rate": N_("dropouts a week (μ): the lifetime is exponential"),
                             "weeks": N_("weeks to look ahead")},
                   "clvfit.your_customer", _clvfit_answer),
}

#: The exercise sets that have numbers of their own, by their key prefix.
EXERCISE_SETS = tuple(_SETS)


def _exercise_set(name) -> _Set:
    if name not in _SETS:
        raise ValueError(_("{path}: got {value}, expected {rule}").format(
            path="exercise_set", value=repr(name),
            rule=_("one of {options}").format(options=", ".join(map(repr, _SETS)))))
    return _SETS[name]


def your_numbers(exercise_set: str, student_id, course: str = "") -> YourNumbers:
    """The numbers of ``student_id`` (your student number, 学号) for ``exercise_set``.

    The same id always gives the same numbers; ``...`` gives the sample student's.  A graded course
    passes its ``course`` key (chosen by the instructor at export), so that its numbers differ from the
    self-study exercises' and from another year's.
    """
    definition = _exercise_set(exercise_set)
    student = student_key(student_id)
    if not isinstance(course, str) or len(course) > _MAX_ID_LENGTH:
        raise ValueError(_("{path}: got {value}, expected {rule}").format(
            path="course", value=repr(course)[:80], rule=_("a text of at most {n} characters").format(n=_MAX_ID_LENGTH)))
    return YourNumbers(exercise_set, student, definition.draw(_generator(exercise_set, student, course)),
                       definition.meanings)


def personal_questions() -> dict:
    """Question -> exercise set, for the questions answered with a student's own numbers."""
    return {definition.question: name for name, definition in _SETS.items()}


def _answer(question: str, student_id, course: str = "") -> float:
    """The right answer to an own-numbers question, computed afresh (for checking and grading only: private)."""
    sets = personal_questions()
    if question not in sets:
        raise KeyError(_("question: got {question}, expected one asked with your own numbers ({questions})").format(
            question=repr(question), questions=", ".join(sorted(sets))))
    numbers = your_numbers(sets[question], student_id, course)
    return float(_SETS[sets[question]].answer(numbers.values))

"""The scenario: one validated, immutable description of a customer population.

A scenario says who enters (a cohort at time 0 and/or a stream of prospects
from marketing), how customers move through the lifecycle stages
(客户生命周期, textbook §1) or through the years of an LTV table (§4), what
they buy and what they cost, and how money is discounted.  Every engine, plot,
widget and the command line consume the same object.

Units, stated once: **money is yuan (¥)**, **rates are per year**, **durations
are years**.  ``time_unit`` only chooses the reporting period (a year or a
month) and the unit of ``horizon``.

Every field is checked when the scenario is built -- by keywords, from a dict
or from a file -- and all problems are reported at once in a
:class:`~simkit.ScenarioError` naming the field, the value and the rule.
Nothing downstream re-checks or repairs input.

>>> s = Scenario(horizon=3, arrivals={"cohort_size": 100, "cohort_stage": "new"},
...              stages={"new": {"orders_per_year": 2, "average_order_value": 50}})
>>> s.stages.new.orders_per_year
2.0
>>> Scenario(horizon=0, arrivals={"cohort_size": 100})
Traceback (most recent call last):
...
simkit.errors.ScenarioError: invalid scenario: horizon: got 0, expected a whole number in [1, 100]
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import numbers
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import ScenarioError
from .stages import Stage

__all__ = [
    "Arrivals",
    "CrossSell",
    "FUNNEL_STAGES",
    "Funnel",
    "Discounting",
    "Scenario",
    "StageParams",
    "Stages",
    "TenureSchedule",
    "check_values",
    "field_info",
    "scenario_reference",
]

MAX_HORIZON_YEARS = 100
#: shortest mean stay in a stage (years, about 9 hours): shorter stays would let the clock stall
MIN_DURATION_YEARS = 0.001
#: largest scenario file read, in bytes (a real one is a few kilobytes)
MAX_FILE_BYTES = 1_000_000
#: deepest nesting of tables and lists in a scenario (stages.loyal.next_stage is three)
MAX_DEPTH = 8
MAX_ENTRANTS = 10_000_000
PERIODS_PER_YEAR = {"year": 1, "month": 12}
DURATION_DISTRIBUTIONS = ("exponential", "fixed")
COHORT_STAGES = (Stage.PROSPECT, Stage.NEW)


# --------------------------------------------------------------------------
# reading: bytes -> text -> data, every failure a ScenarioError
# --------------------------------------------------------------------------
class _RepeatedKey(Exception):
    def __init__(self, key):
        self.key = key


def _no_repeats(pairs):
    """A JSON object whose keys are all different (json would silently keep the last of a repeated key)."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def _decode(raw: bytes, source: str) -> str:
    """File bytes as text: UTF-8, with or without a byte-order mark; anything else, a plain sentence."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError("file: saved as UTF-16; save it as UTF-8 (in most editors: Save as, encoding UTF-8)",
                            source)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"file: not UTF-8 text (byte {error.start:,} is {raw[error.start]:#04x}; a file saved "
                            "as GBK or another local encoding?); save it as UTF-8", source) from None


def _depth(data) -> int:
    """How deeply tables and lists nest in ``data`` (counted without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, Mapping):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


# --------------------------------------------------------------------------
# rules: every check of a single value lives here
# --------------------------------------------------------------------------
def _show(value: Any) -> str:
    """A value as a message shows it: short, one line, control characters and lone surrogates escaped."""
    try:
        text = repr(value)  # escapes control characters and lone surrogates in texts
    except RecursionError:
        return "(nested too deeply to show)"
    return text if len(text) <= 60 else text[:57] + "..."


def _key(key: Any) -> str:
    """A key as a message names it: as written when printable, else escaped (no terminal codes reach the screen)."""
    if not isinstance(key, str):
        return _show(key)
    shown = key if key.isprintable() else key.encode("unicode_escape", "backslashreplace").decode("ascii")
    return shown if len(shown) <= 60 else shown[:57] + "..."


@dataclass(frozen=True)
class _Number:
    """A real number (or whole number) within bounds."""

    low: float = 0.0
    high: float = math.inf
    low_open: bool = False
    integer: bool = False
    optional: bool = False

    def describe(self) -> str:
        def show(bound: float) -> str:
            return f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"

        kind = "a whole number" if self.integer else "a number"
        if (self.low, self.high) == (0.0, 1.0) and not self.integer:
            text = f"a fraction in {'(' if self.low_open else '['}0, 1]"
        elif math.isinf(self.high):
            text = f"{kind} {'>' if self.low_open else '>='} {show(self.low)}"
            if not self.integer:
                text = "a finite " + text[2:]
        else:
            text = f"{kind} in {'(' if self.low_open else '['}{show(self.low)}, {show(self.high)}]"
        return text + (", or omitted" if self.optional else "")

    def check(self, path: str, value: Any, problems: list[str]):
        if value is None:
            if not self.optional:
                problems.append(f"{path}: missing, expected {self.describe()}")
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            problems.append(f"{path}: got {_show(value)} ({type(value).__name__}), "
                            f"expected {self.describe()}")
            return None
        try:
            number = float(value)
        except (OverflowError, ValueError):
            number = math.inf if value > 0 else -math.inf
        if self.integer:
            if math.isfinite(number) and number == int(number) and not isinstance(value, numbers.Integral):
                value = int(number)
            if not isinstance(value, numbers.Integral):
                problems.append(f"{path}: got {_show(value)}, expected {self.describe()}")
                return None
            value = int(value)
        exact = value if self.integer else number  # whole numbers compared exactly (no float rounding near 2**63)
        ok = (math.isfinite(number) and exact >= self.low and exact <= self.high
              and not (self.low_open and exact == self.low))
        if not ok:
            problems.append(f"{path}: got {_show(value)}, expected {self.describe()}")
            return None
        return value if self.integer else number


@dataclass(frozen=True)
class _Choice:
    options: tuple

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def check(self, path: str, value: Any, problems: list[str]):
        if isinstance(value, Stage):
            value = value.label
        if isinstance(value, str) and value.lower() in self.options:
            return value.lower()
        problems.append(f"{path}: got {_show(value)}, expected {self.describe()}")
        return None


@dataclass(frozen=True)
class _Text:
    max_length: int = 2000
    non_empty: bool = False

    def describe(self) -> str:
        return f"{'a non-empty' if self.non_empty else 'a'} text of at most {self.max_length} characters"

    def check(self, path: str, value: Any, problems: list[str]):
        if not isinstance(value, str) or len(value) > self.max_length or (self.non_empty and not value.strip()):
            problems.append(f"{path}: got {_show(value)}, expected {self.describe()}")
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(f"{path}: got {_show(value)}, which holds a character no file or screen can show "
                            "(a lone surrogate); expected ordinary text")
            return None
        if any(not ch.isprintable() and ch not in "\n\t" for ch in value):
            problems.append(f"{path}: got {_show(value)}, expected text without control characters")
            return None
        return value


@dataclass(frozen=True)
class _Flag:
    """True or false."""

    def describe(self) -> str:
        return "true or false"

    def check(self, path: str, value: Any, problems: list[str]):
        if isinstance(value, bool):
            return value
        problems.append(f"{path}: got {_show(value)}, expected true or false")
        return None


@dataclass(frozen=True)
class _Factors:
    """An optional list of positive numbers, one per year."""

    def describe(self) -> str:
        return f"a list of 1 to {MAX_HORIZON_YEARS} numbers > 0, one per year, or omitted"

    def check(self, path: str, value: Any, problems: list[str]):
        if value is None:
            return None
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__"):
            problems.append(f"{path}: got {_show(value)}, expected {self.describe()}")
            return None
        items = list(value)
        if not 1 <= len(items) <= MAX_HORIZON_YEARS:
            problems.append(f"{path}: got {len(items)} values, expected {self.describe()}")
            return None
        rule = _Number(0.0, 1e6, low_open=True)
        checked = tuple(rule.check(f"{path}[{i}]", item, problems) for i, item in enumerate(items))
        return None if None in checked else checked


FRACTION = _Number(0.0, 1.0)
NON_NEGATIVE = _Number(0.0)
MONEY = _Number(0.0)


def _field(default, rule, unit: str = "", doc: str = "", term: str = "", slider: tuple | None = None):
    """A dataclass field carrying its rule and the text widgets and docs show."""
    meta = {"rule": rule, "unit": unit, "doc": doc, "term": term, "slider": slider}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def check_values(owner: str, checks) -> list:
    """Check (name, value, rule) triples with the scenario's rules; raise one ValueError naming every problem.

    For small value objects outside a scenario (a firm, a pyramid tier): the same rules and messages.
    Returns the clean values in order.
    """
    problems: list[str] = []
    clean = [rule.check(f"{owner}: {name}", value, problems) for name, value, rule in checks]
    if problems:
        raise ValueError("; ".join(problems))
    return clean


def field_info(cls, name: str) -> dict:
    """Unit, meaning, textbook term and a sensible slider range of a field.

    >>> field_info(StageParams, "orders_per_year")["unit"]
    'purchases per year'
    """
    for f in dataclasses.fields(cls):
        if f.name == name:
            info = dict(f.metadata)
            info["rule"] = info["rule"].describe() if info.get("rule") else ""
            return info
    raise KeyError(f"{cls.__name__} has no field {name!r}")


def scenario_reference() -> str:
    """Every field a scenario file may hold, as a Markdown table (the README's reference)."""
    sections = [("", Scenario), ("arrivals.", Arrivals), ("stages.<stage>.", StageParams),
                ("tenure.", TenureSchedule), ("cross_sell.", CrossSell), ("funnel.", Funnel),
                ("discounting.", Discounting)]
    lines = ["| field | default | allowed | unit | meaning |", "|---|---|---|---|---|"]
    for prefix, cls in sections:
        for f in dataclasses.fields(cls):
            if f.name in ("arrivals", "stages", "tenure", "discounting", "cross_sell", "funnel"):
                continue
            rule = f.metadata.get("rule")
            if f.name == "horizon":
                allowed = "a whole number in [1, 100] years or [1, 1,200] months"
            elif f.name == "next_stage":
                allowed = "table: next stage -> probability, summing to 1"
            elif f.name == "other_costs_per_year":
                allowed = "table: cost name -> list of numbers >= 0"
            elif f.name == "replace_lost":
                allowed = "true or false"
            else:
                allowed = rule.describe() if rule else ""
            if cls is TenureSchedule and f.name != "other_costs_per_year":
                allowed = f"list, one per tenure year: {allowed}"
            if cls is Funnel and f.name != "lead_qualification":
                allowed = f"list, one per funnel stage: {allowed}"
            if f.default is not dataclasses.MISSING:
                default = "(none)" if f.default is None else repr(f.default)
            else:
                default = "{}" if f.name in ("next_stage", "other_costs_per_year") else "(required)"
            if cls is TenureSchedule and f.default == ():
                default = "(required)"
            term = f"; textbook: {f.metadata['term']}" if f.metadata.get("term") else ""
            lines.append(f"| `{prefix}{f.name}` | {default} | {allowed} | {f.metadata.get('unit', '')} | "
                         f"{f.metadata.get('doc', '')}{term} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# the parts of a scenario
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Arrivals:
    """Who enters the population, and what winning a customer costs."""

    cohort_size: int = _field(0, _Number(0, MAX_ENTRANTS, integer=True), "people",
                              "people entering together at time 0", slider=(1, 20000))
    cohort_stage: Stage = _field("prospect", _Choice(("prospect", "new")), "",
                                 "stage the cohort starts in: 'prospect' (not yet bought) or "
                                 "'new' (already acquired, acquisition cost paid at time 0)")
    prospects_per_year: float = _field(0.0, _Number(0.0, MAX_ENTRANTS), "prospects per year",
                                       "stream of prospects brought by marketing (a Poisson process)",
                                       slider=(0, 5000))
    acquisition_cost: float = _field(0.0, MONEY, "yuan per customer",
                                     "cost of winning one customer, paid when a prospect converts",
                                     "获得成本 (§1, §4)", slider=(0, 500))
    referral_damage_cost: float = _field(0.0, MONEY, "yuan per lost prospect",
                                         "business lost per prospect driven away by bad word of mouth",
                                         "推荐破坏成本 (§1)", slider=(0, 500))
    replace_lost: bool = _field(False, None, "",
                                "replace each lost customer at once by a newly acquired one, who joins for "
                                "the period that starts then (acquisition cost paid; none at the horizon): a "
                                "firm holding its size, the steady state of §2")


@dataclass(frozen=True)
class StageParams:
    """What a customer does while in one lifecycle stage.

    A stage lasts ``mean_duration_years`` on average (exponentially distributed,
    or exactly that long when ``duration_distribution = "fixed"``); then the
    customer moves to a next stage drawn from ``next_stage`` (stage name ->
    probability, summing to 1).  Leave ``mean_duration_years`` out and the
    customer stays in the stage until the horizon.
    """

    mean_duration_years: float | None = _field(
        None, _Number(MIN_DURATION_YEARS, 1000.0, optional=True), "years",
        "mean time spent in the stage (at least 0.001 years, about 9 hours: shorter would stall the clock); "
        "omitted: the stage lasts until the horizon", slider=(0.05, 10))
    duration_distribution: str = _field(
        "exponential", _Choice(DURATION_DISTRIBUTIONS), "",
        "'exponential' (a constant rate of moving on) or 'fixed' (exactly the mean)")
    next_stage: Mapping = _field({}, None, "",
                                 "probability of going to each next stage, e.g. {loyal = 0.7, lost = 0.3}")
    orders_per_year: float = _field(0.0, _Number(0.0, 10000.0), "purchases per year",
                                    "purchase frequency (a Poisson process)", "购买频率", slider=(0, 24))
    average_order_value: float = _field(0.0, _Number(0.0, 1e9), "yuan per purchase",
                                        "mean spend per purchase", "消费额 (§3)", slider=(0, 1000))
    order_value_sd: float = _field(0.0, _Number(0.0, 1e9), "yuan per purchase",
                                   "spread (standard deviation) of spend per purchase, at most 10 x the average",
                                   slider=(0, 500))
    cost_of_sales_share: float = _field(0.0, FRACTION, "share of revenue",
                                        "cost of sales as a fraction of revenue", "销售成本率 (§4)",
                                        slider=(0, 1))
    service_cost_per_year: float = _field(0.0, MONEY, "yuan per year",
                                          "cost to serve and retain the customer", "服务/保持成本",
                                          slider=(0, 200))
    referrals_per_year: float = _field(0.0, _Number(0.0, 1000.0), "prospects per year",
                                       "new prospects the customer brings by recommendation",
                                       "推荐价值 (§1)", slider=(0, 5))
    referral_damage_per_year: float = _field(0.0, _Number(0.0, 1000.0), "prospects per year",
                                             "prospects driven away by bad word of mouth",
                                             "推荐破坏 (§1)", slider=(0, 5))
    price_discount: float = _field(0.0, FRACTION, "share of the list price",
                                   "price given away on this stage's purchases (e.g. to win new customers)",
                                   "价格优惠 (§1)", slider=(0, 0.5))
    cross_sell_adoption_per_year: float = _field(0.0, _Number(0.0, 100.0), "per year",
                                                 "rate at which a customer here adopts the second product, "
                                                 "becoming a new customer of a new business ([cross_sell])",
                                                 "新业务的新客户 (§1)", slider=(0, 2))


_STAGE_FIELDS = ("prospect", "new", "loyal", "decline")


@dataclass(frozen=True)
class Stages:
    """Parameters of the four active stages (lost and unconverted are terminal)."""

    prospect: StageParams = field(default_factory=StageParams)
    new: StageParams = field(default_factory=StageParams)
    loyal: StageParams = field(default_factory=StageParams)
    decline: StageParams = field(default_factory=StageParams)

    def __getitem__(self, stage: Stage) -> StageParams:
        return getattr(self, Stage(stage).label)


@dataclass(frozen=True)
class TenureSchedule:
    """Parameters by year of tenure: the form of an LTV table (textbook §4).

    Entry ``n - 1`` of each list applies in the customer's n-th year as a
    customer; the last entry repeats beyond the table.  At the end of tenure
    year n a customer stays with probability ``retention_rate[n - 1]``.
    """

    retention_rate: tuple = _field((), FRACTION, "share per year",
                                   "share of this year's customers still customers next year",
                                   "客户保持率 (§4)", slider=(0, 1))
    orders_per_year: tuple = _field((), _Number(0.0, 10000.0), "purchases per year",
                                    "purchase frequency", "购买频率 (§4)", slider=(0, 24))
    average_order_value: tuple = _field((), _Number(0.0, 1e9), "yuan per purchase",
                                        "mean spend per purchase", "平均订单金额 (§4)", slider=(0, 1000))
    cost_of_sales_share: tuple = _field((), FRACTION, "share of revenue",
                                        "cost of sales as a fraction of revenue", "销售成本率 (§4)",
                                        slider=(0, 1))
    order_value_sd: tuple | None = _field(None, _Number(0.0, 1e9), "yuan per purchase",
                                          "spread of spend per purchase, at most 10 x the average (omitted: 0)",
                                          slider=(0, 500))
    service_cost_per_year: tuple | None = _field(None, MONEY, "yuan per customer per year",
                                                 "marketing and service cost (omitted: 0)",
                                                 "营销与服务成本 (§4)", slider=(0, 200))
    referral_rate: tuple | None = _field(None, _Number(0.0, 10.0), "referred customers per customer",
                                         "customers each retained customer brings by recommendation in "
                                         "the year; they join at once and follow the table (omitted: 0)",
                                         "推荐率 (Hughes)", slider=(0, 0.2))
    referral_incentive: tuple | None = _field(None, MONEY, "yuan per referred customer",
                                              "paid for each referred customer, instead of the acquisition "
                                              "cost (omitted: 0)", "推荐奖励", slider=(0, 100))
    margin_per_customer: tuple | None = _field(None, _Number(-1e9, 1e9), "yuan per customer per year",
                                               "margin (revenue - cost of sales) per customer in the year, "
                                               "given directly instead of orders, order value and cost share "
                                               "(the exact table only: nothing to simulate purchases from)",
                                               "每客户利润 (§4)")
    other_costs_per_year: Mapping = _field({}, None, "yuan per customer per year",
                                           "further cost lines by name, one value per year, e.g. "
                                           "{database = [4, 4, 4], special_programme = [2, 2, 2]}")

    @property
    def n_years(self) -> int:
        """Number of tenure years the table gives."""
        return len(self.retention_rate)

    def row(self, tenure_year: int) -> dict:
        """The parameters of tenure year ``tenure_year`` (1-based; the last row repeats).

        ``other_costs_per_year`` comes back as a dict of name -> yuan for that year.
        """
        index = min(max(tenure_year, 1), self.n_years) - 1
        row = {f.name: (None if getattr(self, f.name) is None else getattr(self, f.name)[index])
               for f in dataclasses.fields(self) if f.name != "other_costs_per_year"}
        row["other_costs_per_year"] = {name: values[index] for name, values in self.other_costs_per_year.items()}
        return row

    def yearly_cost_per_customer(self, tenure_year: int) -> float:
        """Marketing/service cost plus every further cost line, yuan per customer in that year."""
        index = min(max(tenure_year, 1), self.n_years) - 1
        return self.service_cost_per_year[index] + sum(values[index] for values in self.other_costs_per_year.values())


FUNNEL_STAGES = ("leads", "prospect", "opportunity", "pipeline", "upside", "committed")


@dataclass(frozen=True)
class Funnel:
    """The prospect stage as a sales funnel (销售漏斗, textbook §7).

    Leads (导引) -> prospect (潜在机会) -> opportunity (机会) -> pipeline (评估中) ->
    upside (高可能) -> committed (承诺).  ``win_probability`` gives, for the five
    stages after leads, the chance that a prospect there becomes a customer
    (the textbook's 10, 20, 50, 60, 70 %); so a prospect moves on from stage
    s with probability w(s) / w(s + 1), and a committed one buys with w(committed).
    A lead becomes a prospect with probability ``lead_qualification``.
    Each funnel stage lasts ``mean_duration_years`` (exponential) on average.
    """

    win_probability: tuple = _field((0.10, 0.20, 0.50, 0.60, 0.70), _Number(0.0, 1.0, low_open=True),
                                    "probability", "chance of winning a prospect in each stage after leads "
                                    "(prospect, opportunity, pipeline, upside, committed)", "赢单概率 (§7)")
    mean_duration_years: tuple = _field((0.02, 0.04, 0.04, 0.04, 0.02, 0.02), _Number(MIN_DURATION_YEARS, 10.0),
                                        "years", "mean time in each funnel stage (leads ... committed), at least "
                                        "0.001 years")
    lead_qualification: float = _field(0.5, FRACTION, "share of leads",
                                       "leads that turn out to be prospects (M.A.N.: money, authority, need)",
                                       "资格认定 (§6)", slider=(0, 1))

    def step_probabilities(self) -> tuple:
        """Probability of moving on from each funnel stage (leads ... upside), then of winning from committed."""
        w = self.win_probability
        return (self.lead_qualification, *(w[i] / w[i + 1] for i in range(4)), w[4])


@dataclass(frozen=True)
class CrossSell:
    """The firm's second product, bought by customers who adopted it (associated profit, 关联利润, §1)."""

    orders_per_year: float = _field(0.0, _Number(0.0, 10000.0), "purchases per year",
                                    "purchases of the second product by an adopter, in every active stage",
                                    slider=(0, 12))
    average_order_value: float = _field(0.0, _Number(0.0, 1e9), "yuan per purchase",
                                        "spend per purchase of the second product", slider=(0, 1000))
    cost_of_sales_share: float = _field(0.0, FRACTION, "share of revenue",
                                        "cost of sales of the second product", slider=(0, 1))


@dataclass(frozen=True)
class Discounting:
    """Discounting of future profit (textbook §4, Hughes' format).

    The discount rate for year n is ``(1 + interest_rate * risk_factor) **
    (n - 1 + payment_delay_days / 365)``; profit of year n is divided by it.
    """

    interest_rate: float = _field(0.0, _Number(0.0, 1.0), "per year", "interest rate",
                                  "利率", slider=(0, 0.3))
    risk_factor: float = _field(1.0, _Number(0.0, 10.0), "", "risk factor multiplying the "
                                "interest rate (Hughes uses about 2)", "风险系数", slider=(0, 4))
    payment_delay_days: float = _field(0.0, _Number(0.0, 3650.0), "days",
                                       "days customers take to pay", slider=(0, 180))
    timing: str = _field("start", _Choice(("start", "end")), "",
                         "when a year's profit is counted: 'start' (Hughes, textbook §4: year n divided by "
                         "(1 + interest x risk)^(n-1)) or 'end' (Gupta & Lehmann, Kotler & Keller: ^n)")
    acquisition_at_start: bool = _field(False, _Flag(), "",
                                        "acquisition paid at time 0, before year 1 (a year-0 column, never "
                                        "discounted); false: in year 1 with the year's profit, as Hughes")
    discount_factors: tuple | None = _field(None, _Factors(), "",
                                            "discount factors as a book prints them, one per year (e.g. "
                                            "[1, 1.16, 1.35]), used instead of interest and risk; the last "
                                            "repeats beyond the list")

    def discount_rate(self, year: int) -> float:
        """The divisor for profit earned in ``year`` (1-based).

        >>> round(Discounting(interest_rate=0.08, risk_factor=2).discount_rate(3), 4)
        1.3456
        >>> round(Discounting(interest_rate=0.1, timing="end").discount_rate(1), 4)    # end of year 1
        1.1
        """
        if self.discount_factors:
            return self.discount_factors[min(max(year, 1), len(self.discount_factors)) - 1]
        start = 1 if self.timing == "start" else 0
        exponent = year - start + self.payment_delay_days / 365.0
        return (1.0 + self.interest_rate * self.risk_factor) ** exponent

    def acquisition_rate(self, year: int) -> float:
        """The divisor for an acquisition cost paid in ``year`` (1-based).

        With ``acquisition_at_start`` it is paid at the start of the year (time 0 for year 1:
        never discounted); otherwise it counts with the year's profit (Hughes).
        """
        if not self.acquisition_at_start:
            return self.discount_rate(year)
        if year <= 1:
            return 1.0
        if self.discount_factors:  # the start of year n: where year n starts (start) or year n - 1 ends (end)
            return self.discount_rate(year if self.timing == "start" else year - 1)
        return (1.0 + self.interest_rate * self.risk_factor) ** (year - 1)


@dataclass(frozen=True)
class Scenario:
    """One customer population: who enters, how they move and buy, what it costs.

    Parameters
    ----------
    name, description : str
        A short identifier and a sentence for people.
    time_unit : {'year', 'month'}
        The reporting period; also the unit of ``horizon``.  All rates are
        still per year and all durations in years.
    horizon : int
        Number of periods simulated (1..100 years, or 1..1200 months).
    seed : int
        Seed of the ``numpy.random.Generator`` the engine uses; the same
        scenario and seed give bit-identical results.
    arrivals : Arrivals or mapping
        Cohort at time 0, stream of prospects, acquisition cost.
    stages : Stages or mapping
        Parameters of prospect, new, loyal, decline (§1).
    tenure : TenureSchedule or mapping, optional
        Parameters by year of tenure (an LTV table, §4).  When given, a
        converted customer follows it -- stage NEW in tenure year 1, LOYAL
        afterwards, LOST when not retained -- and ``stages.new/loyal/decline``
        must be left out.
    discounting : Discounting or mapping
        Interest rate, risk factor and payment delay (§4).
    cross_sell : CrossSell or mapping
        The second product adopters buy (stage field ``cross_sell_adoption_per_year``).
    funnel : Funnel or mapping, optional
        The prospect stage as a sales funnel (§7); replaces the prospect
        stage's ``mean_duration_years`` and ``next_stage``.

    Raises
    ------
    ScenarioError
        Listing every broken rule: field path, value received, what is allowed.
    """

    name: str = _field("scenario", _Text(100, non_empty=True), "", "short identifier")
    description: str = _field("", _Text(2000), "", "a sentence for people")
    time_unit: str = _field("year", _Choice(tuple(PERIODS_PER_YEAR)), "",
                            "reporting period and unit of the horizon")
    horizon: int = _field(5, None, "time units", "number of periods simulated", slider=(1, 20))
    seed: int = _field(0, _Number(0, 2**63 - 1, integer=True), "", "random seed")
    arrivals: Arrivals = field(default_factory=Arrivals)
    stages: Stages = field(default_factory=Stages)
    tenure: TenureSchedule | None = None
    cross_sell: CrossSell = field(default_factory=CrossSell)
    funnel: Funnel | None = None
    discounting: Discounting = field(default_factory=Discounting)

    def __post_init__(self):
        problems: list[str] = []
        values = _check_scenario(self, problems)
        if problems:
            raise ScenarioError(problems)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    # -- derived quantities -------------------------------------------------
    @property
    def periods_per_year(self) -> int:
        """1 for yearly periods, 12 for monthly."""
        return PERIODS_PER_YEAR[self.time_unit]

    @property
    def period_years(self) -> float:
        """Length of one reporting period, in years."""
        return 1.0 / self.periods_per_year

    @property
    def n_periods(self) -> int:
        """Number of reporting periods (= ``horizon``)."""
        return self.horizon

    @property
    def horizon_years(self) -> float:
        """The horizon in years."""
        return self.horizon / self.periods_per_year

    # -- conversion ---------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping, source: str | None = None) -> "Scenario":
        """Build a scenario from plain data (as read from a TOML or JSON file)."""
        problems: list[str] = []
        known = _known_keys(cls, data, "", problems)
        if known is None:
            raise ScenarioError(problems, source)
        try:
            scenario = cls(**known)
        except ScenarioError as error:
            problems.extend(error.problems)
        if problems:
            raise ScenarioError(problems, source)
        return scenario

    def to_dict(self) -> dict:
        """Plain data (dicts, lists, numbers, strings) that :meth:`from_dict` reads back."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name == "stages":
                value = {name: _plain(getattr(value, name)) for name in _STAGE_FIELDS
                         if getattr(value, name) != StageParams()}
                if not value:
                    continue
            elif f.name == "cross_sell" and value == CrossSell():
                continue
            elif dataclasses.is_dataclass(value):
                value = _plain(value)
                if f.name == "tenure" and value.get("margin_per_customer") is not None:
                    for name in _REQUIRED_TENURE[1:]:  # a table by margin has no purchase rows
                        value.pop(name, None)
                value = {key: item for key, item in value.items() if item is not None}
            out[f.name] = value
        return out

    def to_toml(self) -> str:
        """The scenario as TOML text (one line per list of numbers, as a person writes it)."""
        import tomli_w

        text = tomli_w.dumps(self.to_dict())

        def one_line(match):
            items = [item.strip().rstrip(",") for item in match.group(2).strip().splitlines()]
            line = f"{match.group(1)}[{', '.join(items)}]"
            return line if len(line) <= 100 else match.group(0)

        return re.sub(r"^(\w+ = )\[\n((?:[ \t]+[^\[\]\n]+,\n)+)\]", one_line, text, flags=re.MULTILINE)

    def save(self, path) -> Path:
        """Write the scenario to ``path`` (``.toml`` or ``.json``)."""
        path = Path(path)
        if path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        elif path.suffix == ".toml":
            path.write_text(self.to_toml(), encoding="utf-8")
        else:
            raise ValueError(f"path: got {str(path)!r}, expected a file name ending in .toml or .json")
        return path

    @classmethod
    def from_file(cls, path) -> "Scenario":
        """Read a scenario from a ``.toml`` or ``.json`` file (safe parsers only).

        Only a regular file of at most :data:`MAX_FILE_BYTES` is read (never a pipe, a device
        or an endless stream), as UTF-8 (a byte-order mark is allowed); anything else is a
        ScenarioError saying what to do.
        """
        path = Path(path)
        if path.suffix not in (".toml", ".json"):
            raise ScenarioError(f"file: got {_show(str(path))}, expected a .toml or .json file")
        try:
            info = path.stat()
        except FileNotFoundError:
            raise ScenarioError(f"file: {_show(str(path))} does not exist") from None
        except OSError as error:
            raise ScenarioError(f"file: cannot read {_show(str(path))}: {error.strerror or error}") from None
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(f"file: {_show(str(path))} is not a regular file (a folder, a pipe or a device); "
                                "expected a scenario file")
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(f"file: {_show(str(path))} has {info.st_size:,} bytes, expected at most "
                                f"{MAX_FILE_BYTES:,} (a scenario is a few kilobytes)")
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise ScenarioError(f"file: cannot read {_show(str(path))}: {error.strerror or error}") from None
        return cls.from_text(_decode(raw, str(path)), format=path.suffix[1:], source=str(path))

    @classmethod
    def from_text(cls, text: str, format: str = "toml", source: str | None = None) -> "Scenario":
        """Parse TOML or JSON text into a scenario.

        Every failure of the parser -- bad syntax, nesting too deep, a number too long, a key given
        twice -- is a ScenarioError.
        """
        if format not in ("toml", "json"):
            raise ValueError(f"format: got {format!r}, expected 'toml' or 'json'")
        if len(text) > MAX_FILE_BYTES:
            raise ScenarioError(f"text: {len(text):,} characters, expected at most {MAX_FILE_BYTES:,}", source)
        kind = format.upper()
        try:
            data = tomllib.loads(text) if format == "toml" else json.loads(text, object_pairs_hook=_no_repeats)
        except RecursionError:
            raise ScenarioError(f"not valid {kind}: nested too deeply (a scenario is at most a few tables deep)",
                                source) from None
        except _RepeatedKey as error:
            raise ScenarioError(f"{_key(error.key)}: given twice; give each key once", source) from None
        except (tomllib.TOMLDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError; so are
            text_of = str(error)                                   # numbers past Python's digit limit
            if "digits" in text_of and ("int" in text_of or "limit" in text_of):
                text_of = "a number has thousands of digits; scenario numbers are short"
            raise ScenarioError(f"not valid {kind}: {text_of}", source) from None
        depth = _depth(data)
        if depth > MAX_DEPTH:
            raise ScenarioError(f"not a scenario: nested {depth} levels deep, expected at most {MAX_DEPTH} "
                                "(tables of stages, next stages, cost lines)", source)
        return cls.from_dict(data, source=source)

    def replace(self, **changes) -> "Scenario":
        """A copy with some top-level fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    def updated(self, changes: Mapping[str, Any]) -> "Scenario":
        """A copy with fields changed by dotted path, checked again.

        >>> s = Scenario(arrivals={"cohort_size": 10})
        >>> s.updated({"arrivals.cohort_size": 20, "stages.new.orders_per_year": 3}).arrivals.cohort_size
        20
        """
        data = self.to_dict()
        for path, value in changes.items():
            *parents, last = path.split(".")
            node = data
            for key in parents:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    raise ScenarioError(f"{path}: {key} is not a table")
            node[last] = value
        return Scenario.from_dict(data)


# --------------------------------------------------------------------------
# the one place where a scenario is checked
# --------------------------------------------------------------------------
def _plain(obj) -> dict:
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            continue
        if isinstance(value, Stage):
            value = value.label
        elif isinstance(value, Mapping):
            value = {Stage(k).label if isinstance(k, Stage) else k: list(v) if isinstance(v, tuple) else v
                     for k, v in value.items()}
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _known_keys(cls, data, path: str, problems: list[str]) -> dict | None:
    """``data`` as keyword arguments of ``cls``; unknown keys are problems."""
    where = path or "scenario"
    names = [f.name for f in dataclasses.fields(cls)]
    if not isinstance(data, Mapping):
        problems.append(f"{where}: got {_show(data)} ({type(data).__name__}), "
                        f"expected a table with keys {', '.join(names)}")
        return None
    known = {}
    for key, value in data.items():
        if key in names:
            known[key] = value
        else:
            prefix = f"{path}." if path else ""
            guess = difflib.get_close_matches(key, names, n=1) if isinstance(key, str) else []
            hint = f"did you mean {guess[0]}? " if guess else ""
            problems.append(f"{prefix}{_key(key)}: unknown key; {hint}allowed: {', '.join(names)}")
    return known


def _as_part(cls, value, path: str, problems: list[str]):
    """Accept a part given as an instance of ``cls`` or as a mapping of its fields."""
    if isinstance(value, cls):
        return value
    known = _known_keys(cls, value, path, problems)
    if known is None:
        return None
    if cls is Stages:
        parts = {}
        for name, stage_data in known.items():
            parts[name] = _as_part(StageParams, stage_data, f"{path}.{name}", problems)
        if any(p is None for p in parts.values()):
            return None
        return Stages(**parts)
    return cls(**known)


def _check_fields(obj, path: str, problems: list[str]) -> dict:
    """Check every field of ``obj`` that carries a rule; return the clean values."""
    clean = {}
    for f in dataclasses.fields(obj):
        rule = f.metadata.get("rule")
        if rule is None:
            continue
        clean[f.name] = rule.check(f"{path}.{f.name}" if path else f.name, getattr(obj, f.name), problems)
    return clean


def _check_next_stage(stage: Stage, params: StageParams, path: str, problems: list[str]):
    raw = params.next_stage
    allowed = ", ".join(s.label for s in stage.allowed_next)
    if not isinstance(raw, Mapping):
        problems.append(f"{path}.next_stage: got {_show(raw)}, expected a table of "
                        f"next stage -> probability with stages from: {allowed}")
        return MappingProxyType({})
    clean: dict[Stage, float] = {}
    for key, probability in raw.items():
        try:
            target = key if isinstance(key, Stage) else Stage.from_name(key)
        except ValueError:
            problems.append(f"{path}.next_stage.{key}: unknown stage; allowed from {stage.label}: {allowed}")
            continue
        if target not in stage.allowed_next:
            problems.append(f"{path}.next_stage.{target.label}: {stage.label} cannot move to "
                            f"{target.label}; allowed: {allowed}")
            continue
        value = FRACTION.check(f"{path}.next_stage.{target.label}", probability, problems)
        if value is not None:
            clean[target] = value
    if params.mean_duration_years is None:
        if raw:
            problems.append(f"{path}.next_stage: given, but mean_duration_years is not, so the stage "
                            "never ends; set mean_duration_years or remove next_stage")
    elif not raw:
        problems.append(f"{path}.next_stage: missing, expected probabilities of the next stages "
                        f"({allowed}) since mean_duration_years is set")
    elif len(clean) == len(raw):
        total = sum(clean.values())
        if abs(total - 1.0) > 1e-9:
            problems.append(f"{path}.next_stage: probabilities sum to {total:.12g}, expected 1")
    # in the stages' own order, whatever order a file lists them in: the engines draw the next stage by
    # walking this order, so the same scenario gives the same results however it was written
    return MappingProxyType(dict(sorted(clean.items())))


MAX_SPREAD = 10.0


def _check_spread(path: str, index: str, mean, sd, problems: list[str]):
    """Spend per purchase is log-normal around its average: keep its spread within reason of the mean."""
    if mean is not None and sd is not None and mean > 0 and sd > MAX_SPREAD * mean:
        problems.append(f"{path}.order_value_sd{index}: got {sd:g}, expected at most {MAX_SPREAD:g} x "
                        f"average_order_value{index} ({mean:g}); with an average of 0 the spread is ignored")


def _tenure_list(path: str, value, rule, n_years: int | None, problems: list[str],
                 per: str = "tenure year", like: str = "like tenure.retention_rate") -> tuple | None:
    """One row of a table: a list with one checked value per tenure year (or per funnel stage)."""
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__") or not hasattr(value, "__iter__"):
        problems.append(f"{path}: got {_show(value)}, expected a list with one value per {per} "
                        f"({rule.describe()})")
        return None
    items = list(value)
    if not 1 <= len(items) <= MAX_HORIZON_YEARS:
        problems.append(f"{path}: got {len(items)} values, expected 1 to {MAX_HORIZON_YEARS} (one per {per})")
        return None
    if n_years is not None and len(items) != n_years:
        problems.append(f"{path}: got {len(items)} values, expected {n_years} ({like}), one per {per}")
        return None
    checked = tuple(rule.check(f"{path}[{i}]", item, problems) for i, item in enumerate(items))
    return None if None in checked else checked


_REQUIRED_TENURE = ("retention_rate", "orders_per_year", "average_order_value", "cost_of_sales_share")
_OPTIONAL_TENURE = ("order_value_sd", "service_cost_per_year", "referral_rate", "referral_incentive")


def _check_tenure(tenure: TenureSchedule, problems: list[str]) -> TenureSchedule | None:
    rules = {f.name: f.metadata["rule"] for f in dataclasses.fields(tenure)}
    retention = tenure.retention_rate
    n_years = len(retention) if hasattr(retention, "__len__") and not isinstance(retention, (str, bytes, Mapping)) \
        and 1 <= len(retention) <= MAX_HORIZON_YEARS else None
    clean = {}
    by_margin = tenure.margin_per_customer is not None
    purchase_rows = _REQUIRED_TENURE[1:]
    if by_margin:
        given = [name for name in purchase_rows if getattr(tenure, name) not in (None, ())]
        if given:
            problems.append(f"tenure.margin_per_customer: given with {', '.join(given)}; give either the margin "
                            "per customer or orders_per_year, average_order_value and cost_of_sales_share")
        clean["margin_per_customer"] = _tenure_list("tenure.margin_per_customer", tenure.margin_per_customer,
                                                    rules["margin_per_customer"], n_years, problems)
    for name in _REQUIRED_TENURE + _OPTIONAL_TENURE:
        value = getattr(tenure, name)
        if by_margin and name in purchase_rows:
            clean[name] = (0.0,) * n_years if n_years else None  # no purchases: the margin is given
            continue
        if value is None and name in _OPTIONAL_TENURE:
            clean[name] = (0.0,) * n_years if n_years else None
            continue
        clean[name] = _tenure_list(f"tenure.{name}", value, rules[name], n_years, problems)
    others = tenure.other_costs_per_year
    clean_others = {}
    if not isinstance(others, Mapping):
        problems.append(f"tenure.other_costs_per_year: got {_show(others)}, expected a table of "
                        "cost name -> list of yuan per customer per year")
    else:
        for name, values in others.items():
            if not isinstance(name, str) or not name.strip() or len(name) > 40:
                problems.append(f"tenure.other_costs_per_year: cost name {_show(name)} is not allowed, "
                                "expected a text of 1 to 40 characters")
                continue
            checked = _tenure_list(f"tenure.other_costs_per_year.{name}", values, MONEY, n_years, problems)
            if checked is not None:
                clean_others[name] = checked
    if any(v is None for v in clean.values()):
        return None
    for year, (mean, sd) in enumerate(zip(clean["average_order_value"], clean["order_value_sd"])):
        _check_spread("tenure", f"[{year}]", mean, sd, problems)
    return TenureSchedule(**clean, other_costs_per_year=MappingProxyType(clean_others))


def _check_scenario(scenario: Scenario, problems: list[str]) -> dict:
    """Every check of a scenario, in one place. Returns the normalised fields."""
    values = _check_fields(scenario, "", problems)

    time_unit = values.get("time_unit")
    periods_per_year = PERIODS_PER_YEAR.get(time_unit or "year", 1)
    horizon_rule = _Number(1, MAX_HORIZON_YEARS * periods_per_year, integer=True)
    values["horizon"] = horizon_rule.check("horizon", scenario.horizon, problems)

    parts = {}
    for name, cls in (("arrivals", Arrivals), ("stages", Stages), ("discounting", Discounting),
                      ("cross_sell", CrossSell)):
        parts[name] = _as_part(cls, getattr(scenario, name), name, problems)
    tenure = scenario.tenure
    if tenure is not None:
        tenure = _as_part(TenureSchedule, tenure, "tenure", problems)

    arrivals = parts["arrivals"]
    if arrivals is not None:
        clean = _check_fields(arrivals, "arrivals", problems)
        if clean["cohort_stage"] is not None:
            clean["cohort_stage"] = Stage.from_name(clean["cohort_stage"])
        if isinstance(arrivals.replace_lost, bool):
            clean["replace_lost"] = arrivals.replace_lost
        else:
            problems.append(f"arrivals.replace_lost: got {_show(arrivals.replace_lost)}, expected true or false")
        if clean["cohort_size"] == 0 and clean["prospects_per_year"] == 0:
            problems.append("arrivals: cohort_size is 0 and prospects_per_year is 0, so nobody ever "
                            "enters; set at least one of them above 0")
        values["arrivals"] = Arrivals(**clean)

    stages = parts["stages"]
    if stages is not None:
        clean_stages = {}
        for name in _STAGE_FIELDS:
            params = getattr(stages, name)
            path = f"stages.{name}"
            if not isinstance(params, StageParams):
                params = _as_part(StageParams, params, path, problems)
                if params is None:
                    continue
            clean = _check_fields(params, path, problems)
            _check_spread(path, "", clean["average_order_value"], clean["order_value_sd"], problems)
            clean["next_stage"] = _check_next_stage(Stage.from_name(name), params, path, problems)
            clean_stages[name] = StageParams(**clean)
            if tenure is not None and name != "prospect" and params != StageParams():
                problems.append(f"{path}: not used when a tenure table is given (converted customers "
                                "follow tenure); remove it or remove tenure")
        if len(clean_stages) == len(_STAGE_FIELDS):
            values["stages"] = Stages(**clean_stages)

    if parts["discounting"] is not None:
        values["discounting"] = Discounting(**_check_fields(parts["discounting"], "discounting", problems))
    if parts["cross_sell"] is not None:
        values["cross_sell"] = CrossSell(**_check_fields(parts["cross_sell"], "cross_sell", problems))

    if tenure is not None:
        values["tenure"] = _check_tenure(tenure, problems)
    if scenario.funnel is not None:
        values["funnel"] = _check_funnel(_as_part(Funnel, scenario.funnel, "funnel", problems), stages, problems)
    return values


def _check_funnel(funnel, stages, problems: list[str]):
    if funnel is None:
        return None
    clean = {"lead_qualification": FRACTION.check("funnel.lead_qualification", funnel.lead_qualification, problems)}
    for name, count in (("win_probability", 5), ("mean_duration_years", 6)):
        rule = next(f.metadata["rule"] for f in dataclasses.fields(Funnel) if f.name == name)
        stages_named = ", ".join(FUNNEL_STAGES[6 - count:])
        clean[name] = _tenure_list(f"funnel.{name}", getattr(funnel, name), rule, count, problems,
                                   per="funnel stage", like=stages_named)
    wins = clean["win_probability"]
    if wins is not None and any(later < earlier for earlier, later in zip(wins, wins[1:])):
        problems.append(f"funnel.win_probability: got {list(wins)}, expected chances that do not fall from "
                        f"one stage to the next ({', '.join(FUNNEL_STAGES[1:])})")
    if stages is not None and isinstance(stages, Stages):
        prospect = stages.prospect if isinstance(stages.prospect, StageParams) else None
        if prospect is not None and (prospect.mean_duration_years is not None or prospect.next_stage):
            problems.append("stages.prospect: mean_duration_years and next_stage are set by the funnel when one "
                            "is given; remove them or remove funnel")
    if None in clean.values():
        return None
    return Funnel(**clean)

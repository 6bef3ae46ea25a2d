"""Buy-till-you-die worlds with the truth attached: data sets for CLV models.

The CLV models people fit to transactions -- Pareto/NBD, BG/NBD and the
Gamma-Gamma spend model (pymc-marketing's ``clv`` module, lifetimes, R's
CLVTools) -- assume a population of customers who each buy at their own rate
while "alive" and then drop out for good.  Real data never says who was
alive, so no one can tell a student how wrong a fitted model is.  Here the
customers are drawn from exactly those models, with known parameters, and
every customer's truth is kept: purchase rate, dropout, mean spend, whether
alive at the calibration cutoff, and what they bought in the holdout.

A :class:`ClvScenario` states the population (time in weeks, as the published
CDNOW fits are):

* each customer's **purchase rate** λ (purchases a week while alive) ~ Gamma(shape ``r``, rate ``alpha``);
* **dropout**: ``model = "pareto_nbd"``: a lifetime ~ Exponential(μ) with μ ~ Gamma(shape ``s``, rate ``beta``);
  ``model = "bg_nbd"``: after each repeat purchase the customer drops out with probability p ~ Beta(``a``, ``b``);
* **spend** (Gamma-Gamma): each purchase's amount ~ Gamma(shape ``p``, rate ν), ν ~ Gamma(shape ``q``, rate ``gamma``),
  so a customer's mean spend is p / ν;
* **staggered acquisition**: first purchases spread uniformly over the first ``acquisition_weeks``.

**What counts as a purchase.**  The models' customers buy at moments in continuous time; the data give each
transaction a date.  lifetimes and pymc-marketing count a customer's *days* with a transaction (two on one day are
one purchase: their ``frequency`` is repeat purchase days), so the truth counts the same: ``holdout_purchases`` are
days with a purchase in the holdout, and ``expected_holdout_purchases`` is the exact expectation of that count.
``holdout_transactions`` counts every transaction (row of ``transactions.csv``).  ``split.json`` states how to read
the files, in the libraries' own words: ``time_unit`` ``"D"`` (a day is the grain: lifetimes' ``freq``,
pymc-marketing's ``time_unit``) and ``time_scaler`` 7 (recency, T and the holdout in weeks, the parameters' unit:
lifetimes' ``freq_multiplier``, pymc-marketing's ``time_scaler``).

>>> world = load_clv_scenario("clv_pareto_nbd")
>>> data = clv_data(world, calibration_weeks=39, holdout_weeks=39)
>>> sorted(data.truth.columns)[:3], data.split["time_unit"], data.split["time_scaler"]
(['alive_at_cutoff', 'customer_id', 'dropout'], 'D', 7)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path

import numpy as np

from ..core.errors import ScenarioError
from ..core.language import _

__all__ = ["ClvData", "ClvScenario", "check_split", "clv_data", "expected_holdout_purchases", "lifecycle_clv_data",
           "list_clv_scenarios", "load_clv_scenario", "probability_alive", "simulate_clv"]

MODELS = ("pareto_nbd", "bg_nbd")
_DAYS_PER_WEEK = 7
_MAX_CUSTOMERS = 2_000_000
#: most purchases a CLV data set holds (about 0.5 GB while it is made): checked on the expectation before
#: anything is drawn, and on the drawn counts before the purchases are laid out
MAX_PURCHASES = 10_000_000


class ClvScenarioError(ScenarioError):
    """A CLV scenario field has a value outside what is allowed."""


@dataclass(frozen=True)
class ClvScenario:
    """A population of buy-till-you-die customers (time in weeks; money in the data's currency).

    Parameters are named as in Fader & Hardie's papers and pymc-marketing's models, so a
    fitted model's parameters can be read against them.
    """

    name: str = "clv"
    description: str = ""
    model: str = "pareto_nbd"
    customers: int = 2000
    acquisition_weeks: float = 12.0   # first purchases spread uniformly over these weeks (staggered acquisition)
    start_date: str = "2026-01-05"    # the first day of the data (a Monday)
    seed: int = 1
    r: float = 0.55        # purchase rate λ ~ Gamma(shape r, rate alpha), purchases a week
    alpha: float = 10.58
    s: float = 0.61        # Pareto/NBD dropout rate μ ~ Gamma(shape s, rate beta), a week
    beta: float = 11.67
    a: float = 0.79        # BG/NBD dropout probability after a purchase ~ Beta(a, b)
    b: float = 2.43
    p: float = 6.25        # Gamma-Gamma: amount ~ Gamma(shape p, rate ν), ν ~ Gamma(shape q, rate gamma)
    q: float = 3.74
    gamma: float = 15.44

    def __post_init__(self):
        _check(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ClvScenario":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ClvScenarioError(_("{path}: not a field of a CLV scenario; fields: {fields}").format(
                path=unknown[0], fields=", ".join(sorted(known))))
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)

    def updated(self, changes: dict) -> "ClvScenario":
        """A copy with some fields changed, checked again."""
        return ClvScenario.from_dict({**self.to_dict(), **changes})


def _check(s: ClvScenario) -> None:
    from ..model.rules import Text, show_value

    def fail(name, value, allowed):
        raise ClvScenarioError(_("{path}: got {value}, expected {rule}").format(path=name, value=show_value(value),
                                                                                rule=allowed))

    problems = []
    Text(100, non_empty=True, single_line=True).check("name", s.name, problems)
    if problems:
        raise ClvScenarioError(problems)
    if s.model not in MODELS:
        fail("model", s.model, _("one of {options}").format(options=", ".join(map(repr, MODELS))))
    if isinstance(s.customers, bool) or not isinstance(s.customers, int) or not 1 <= s.customers <= _MAX_CUSTOMERS:
        fail("customers", s.customers, _("a whole number from 1 to {n}").format(n=f"{_MAX_CUSTOMERS:,}"))
    if isinstance(s.seed, bool) or not isinstance(s.seed, int) or s.seed < 0:
        fail("seed", s.seed, _("a whole number ≥ 0"))
    for name in ("acquisition_weeks", "r", "alpha", "s", "beta", "a", "b", "p", "q", "gamma"):
        value = getattr(s, name)
        try:
            finite = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
        except OverflowError:   # a whole number too long for a float (hundreds of digits)
            finite = False
        if not finite or value <= 0:
            fail(name, value, _("a positive number"))
    try:
        dt.date.fromisoformat(s.start_date)
    except (TypeError, ValueError):
        fail("start_date", s.start_date, _("a date as YYYY-MM-DD"))


def list_clv_scenarios() -> list[str]:
    """Names of the built-in buy-till-you-die worlds."""
    return sorted(p.name[:-5] for p in (resources.files("simkit.model") / "scenarios" / "clv").iterdir()
                  if p.name.endswith(".toml"))


def load_clv_scenario(name_or_path) -> ClvScenario:
    """A built-in CLV scenario by name (``clv_pareto_nbd``, ``clv_bg_nbd``) or a TOML file of the same fields."""
    from ..model.reading import parse_text, read_text

    if isinstance(name_or_path, str) and "/" not in name_or_path and not name_or_path.endswith(".toml"):
        source = resources.files("simkit.model") / "scenarios" / "clv" / f"{name_or_path}.toml"
        if not source.is_file():
            raise ClvScenarioError(_("{path}: got {value}, expected {rule}").format(
                path="scenario", value=repr(name_or_path),
                rule=_("one of {names} or a .toml file").format(names=", ".join(list_clv_scenarios()))))
        text, where = source.read_text(encoding="utf-8"), name_or_path
    else:   # the lifecycle loader's guard rails: a regular file, its size, UTF-8, nesting, long numbers
        text, _format = read_text(name_or_path)
        where = str(name_or_path)
    data = parse_text(text, "toml", where)
    if not isinstance(data, dict):
        raise ClvScenarioError(_("scenario: not a table of fields"))
    return ClvScenario.from_dict(data)


def is_clv_scenario(name_or_path) -> bool:
    """Whether ``name_or_path`` names a built-in CLV scenario or a TOML file with ``model = ...`` of one."""
    if isinstance(name_or_path, ClvScenario):
        return True
    if isinstance(name_or_path, str) and "/" not in name_or_path and not name_or_path.endswith(".toml"):
        return (resources.files("simkit.model") / "scenarios" / "clv" / f"{name_or_path}.toml").is_file()
    from ..model.reading import parse_text, read_text

    try:   # the loaders' own safe reading: a file that cannot be read is not a CLV scenario
        text, _format = read_text(name_or_path)
        data = parse_text(text, "toml", str(name_or_path))
    except ScenarioError:
        return False
    return isinstance(data, dict) and data.get("model") in MODELS


# ------------------------------------------------------------------ simulation
@dataclass(frozen=True)
class _World:
    """Customers and purchases, times in weeks from the start."""

    first_purchase: np.ndarray    # per customer
    purchase_rate: np.ndarray     # λ, per week
    dropout: np.ndarray           # μ per week (Pareto/NBD) or p per purchase (BG/NBD)
    spend_rate: np.ndarray        # ν: mean spend p / ν
    death: np.ndarray             # week of dropping out (inf: not within the horizon)
    customer: np.ndarray          # per purchase, sorted by customer then time
    time: np.ndarray
    amount: np.ndarray


def simulate_clv(scenario: ClvScenario, end_weeks: float, seed: int | None = None) -> _World:
    """Every customer and purchase of ``scenario`` up to ``end_weeks`` (vectorized; one Generator)."""
    rng = np.random.default_rng(scenario.seed if seed is None else seed)
    n = scenario.customers
    first = rng.uniform(0.0, scenario.acquisition_weeks, n)
    rate = rng.gamma(scenario.r, 1.0 / scenario.alpha, n)
    if scenario.model == "pareto_nbd":
        dropout = rng.gamma(scenario.s, 1.0 / scenario.beta, n)
        with np.errstate(divide="ignore"):
            death = first + rng.exponential(1.0, n) / dropout
    else:
        dropout = rng.beta(scenario.a, scenario.b, n)
        # the repeat purchase after which each leaves (p below 1e-12, about once in 3e9 customers at the CDNOW
        # fit, is taken as 1e-12: a trillion purchases on average, never reached, and no integer overflow)
        last_purchase_number = rng.geometric(np.clip(dropout, 1e-12, 1.0))
    spend_rate = rng.gamma(scenario.q, 1.0 / scenario.gamma, n)
    # repeat purchases: a Poisson process of rate λ from the first purchase to the end, then cut at dropout
    window = end_weeks - first
    counts = rng.poisson(rate * window)
    _check_purchases(float(counts.sum()))      # the drawn counts: a heavy tail of fast buyers, caught before laying out
    owner = np.repeat(np.arange(n), counts)
    times = first[owner] + rng.uniform(0.0, 1.0, owner.size) * window[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    if scenario.model == "pareto_nbd":
        keep = times < death[owner]
    else:
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        number = np.arange(owner.size) - starts[owner] + 1        # 1 for a customer's first repeat purchase
        keep = number <= last_purchase_number[owner]
        death = np.full(n, np.inf)
        leaves = keep & (number == last_purchase_number[owner])
        death[owner[leaves]] = times[leaves]
    owner, times = owner[keep], times[keep]
    # the first purchase at acquisition, then the repeat purchases, each customer's in time order
    customer = np.concatenate((np.arange(n), owner))
    time = np.concatenate((first, times))
    order = np.lexsort((time, customer))
    customer, time = customer[order], time[order]
    amount = rng.gamma(scenario.p, 1.0, customer.size) / spend_rate[customer]
    amount = np.maximum(np.round(amount, 2), 0.01)          # money to the cent, never a zero row
    return _World(first, rate, dropout, spend_rate, death, customer, time, amount)


# ------------------------------------------------------------------ exact expectations
def probability_alive(model: str, purchase_rate, dropout, frequency, recency, age):
    """P(alive at the cutoff | the customer's true λ and dropout, and their calibration history).

    ``frequency``: repeat purchases in calibration; ``recency``: weeks from the first purchase to the
    last; ``age``: weeks from the first purchase to the cutoff (the libraries' x, t_x, T).
    """
    lam, drop = np.asarray(purchase_rate, float), np.asarray(dropout, float)
    x, t_x, age = np.asarray(frequency, float), np.asarray(recency, float), np.asarray(age, float)
    if model == "pareto_nbd":
        # alive: λ^x e^{-(λ+μ)T}; left at τ in (t_x, T): λ^x μ ∫ e^{-(λ+μ)τ} dτ
        return 1.0 / (1.0 + drop / (lam + drop) * np.expm1((lam + drop) * (age - t_x)))
    if model == "bg_nbd":
        # alive: (1-p)^x λ^x e^{-λT}; left after the x-th: p (1-p)^{x-1} λ^x e^{-λ t_x}
        stay = (1.0 - drop) * np.exp(-lam * (age - t_x))
        return np.where(x > 0, stay / np.where(x > 0, stay + drop, 1.0), 1.0)
    raise ClvScenarioError(_("{path}: got {value}, expected {rule}").format(
        path="model", value=repr(model), rule=_("one of {options}").format(options=", ".join(map(repr, MODELS)))))


def expected_holdout_purchases(model: str, purchase_rate, dropout, alive, weeks, days_per_week=None):
    """E[purchases in the next ``weeks`` | λ, dropout, P(alive now) = ``alive``]: the best possible prediction.

    ``days_per_week=None`` counts every purchase (continuous time): Pareto/NBD λ/μ (1 − e^{−μt}); BG/NBD
    (1 − e^{−λpt}) / p (dropping out after a purchase at rate λp).  ``days_per_week=7`` counts each day with a
    purchase once, as lifetimes and pymc-marketing count them (the next ``weeks`` starting at a day's start, a
    whole number K of days of length Δ = 1/7 week): alive at the start of each day with probability e^{−μkΔ}
    (Pareto/NBD) or e^{−λpkΔ} (BG/NBD), a day holds a purchase with probability λ/(λ+μ) (1 − e^{−(λ+μ)Δ})
    (Pareto/NBD: a purchase before leaving) or 1 − e^{−λΔ} (BG/NBD), so the sum over the K days is

    * Pareto/NBD: λ/(λ+μ) (1 − e^{−(λ+μ)Δ}) (1 − e^{−μt}) / (1 − e^{−μΔ});
    * BG/NBD: (1 − e^{−λΔ}) (1 − e^{−λpt}) / (1 − e^{−λpΔ}),

    each tending to the continuous count as Δ → 0.
    """
    lam, drop = np.asarray(purchase_rate, float), np.asarray(dropout, float)
    alive = np.asarray(alive, float)
    if model not in MODELS:
        raise ClvScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="model", value=repr(model), rule=_("one of {options}").format(options=", ".join(map(repr, MODELS)))))
    if days_per_week is None:
        if model == "pareto_nbd":
            return alive * np.where(drop > 0, -lam * np.expm1(-drop * weeks) / np.where(drop > 0, drop, 1),
                                    lam * weeks)
        return alive * -np.expm1(-lam * drop * weeks) / drop
    day = 1.0 / days_per_week
    days = round(weeks * days_per_week)

    def over_days(leave):       # sum over the K days of e^{-leave k Δ}: (1 - e^{-leave t}) / (1 - e^{-leave Δ})
        safe = np.where(leave > 0, leave, 1.0)
        return np.where(leave > 0, np.expm1(-safe * days * day) / np.expm1(-safe * day), days)

    if model == "pareto_nbd":
        return alive * lam / (lam + drop) * -np.expm1(-(lam + drop) * day) * over_days(drop)
    return alive * -np.expm1(-lam * day) * over_days(lam * drop)


# ------------------------------------------------------------------ the data set
@dataclass(frozen=True)
class ClvData:
    """A calibration/holdout data set: every transaction, each customer's truth, and the split.

    ``transactions``: one row per transaction (``customer_id``, ``date``, ``amount``), both periods;
    ``truth``: one row per customer; its ``holdout_purchases`` are days with a transaction in the holdout (what
    lifetimes' ``frequency_holdout`` and pymc-marketing's ``test_frequency`` count), ``holdout_transactions`` every
    transaction, ``holdout_revenue`` their amounts; ``split``: start, cutoff and end dates, and the libraries'
    ``time_unit`` ("D") and ``time_scaler`` (7: times in weeks) to read them with.
    """

    transactions: object    # pandas DataFrame
    truth: object           # pandas DataFrame
    split: dict

    def write(self, folder, force: bool = False) -> list[Path]:
        """Write ``transactions.csv``, ``truth.csv`` and ``split.json`` into ``folder``, all or none.

        ``force=False`` refuses to replace files already there.
        """
        import json

        from ..core.files import check_targets, write_all

        folder = Path(folder)
        paths = [folder / "transactions.csv", folder / "truth.csv", folder / "split.json"]
        check_targets(paths, force)
        written, _removed = write_all({
            paths[0]: lambda path: self.transactions.to_csv(path, index=False, date_format="%Y-%m-%d"),
            paths[1]: lambda path: self.truth.to_csv(path, index=False, date_format="%Y-%m-%d"),
            paths[2]: lambda path: path.write_text(json.dumps(self.split, indent=1, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")})
        return written


def _check_weeks(calibration_weeks, holdout_weeks) -> None:
    for name, value in (("calibration_weeks", calibration_weeks), ("holdout_weeks", holdout_weeks)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 520 \
                or abs(value * _DAYS_PER_WEEK - round(value * _DAYS_PER_WEEK)) > 1e-9:
            raise ClvScenarioError(_("{path}: got {value}, expected {rule}").format(
                path=name, value=repr(value), rule=_("weeks in (0, 520], a whole number of days")))


def check_seed(seed) -> None:
    """Refuse a seed that is not a whole number >= 0 (``None``: the scenario's own)."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        from ..model.rules import show_value

        raise ClvScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="seed", value=show_value(seed), rule=_("a whole number ≥ 0")))


def check_split(scenario, calibration_weeks, holdout_weeks) -> None:
    """Refuse, before anything runs, a split that does not fit the scenario."""
    from ..model.scenario import Scenario

    if not isinstance(scenario, (ClvScenario, Scenario)):
        raise TypeError(_("{path}: got {value}, expected {rule}").format(
            path="scenario", value=type(scenario).__name__, rule=_("a ClvScenario or a simkit.Scenario")))
    _check_weeks(calibration_weeks, holdout_weeks)
    if isinstance(scenario, ClvScenario) and scenario.acquisition_weeks >= calibration_weeks:
        raise ClvScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="calibration_weeks", value=repr(calibration_weeks),
            rule=_("more than the scenario's acquisition_weeks ({weeks}) so that every customer is seen").format(
                weeks=scenario.acquisition_weeks)))
    if isinstance(scenario, ClvScenario):
        # λ ~ Gamma(r, rate alpha): r / alpha purchases a week on average, for at most the whole span
        _check_purchases(scenario.customers * scenario.r / scenario.alpha * (calibration_weeks + holdout_weeks))


def _check_purchases(expected: float) -> None:
    """Refuse a data set of more than :data:`MAX_PURCHASES` purchases, before its arrays are made."""
    if expected > MAX_PURCHASES:
        raise ClvScenarioError(_("clv data: about {n} purchases, more than the {limit} a data set holds: fewer "
                                 "customers, fewer weeks, or slower buyers (a smaller r or a larger alpha)").format(
            n=f"{expected:,.0f}", limit=f"{MAX_PURCHASES:,}"))


def _split(name, model, start, cutoff_day: int, end_day: int, parameters: dict) -> dict:
    """``split.json``: the dates, and how to read the files in the libraries' own words.

    ``time_unit`` "D": a day is the grain (lifetimes' ``freq``, pymc-marketing's ``time_unit``): transactions on one
    day are one purchase, as ``truth.csv`` counts them; ``time_scaler`` 7: recency, T and the holdout's length in
    weeks, the parameters' unit (lifetimes' ``freq_multiplier``, pymc-marketing's ``time_scaler``).
    ``calibration_end`` and ``observation_end`` are the libraries' ``calibration_period_end`` (``train_period_end``)
    and ``observation_period_end`` (``test_period_end``), both the last day of their period.
    """
    day = lambda n: str(start + np.timedelta64(int(n), "D"))  # noqa: E731
    weeks = lambda days: days / _DAYS_PER_WEEK if days % _DAYS_PER_WEEK else days // _DAYS_PER_WEEK  # noqa: E731
    return {"scenario": name, "model": model, "start": str(start),
            "calibration_end": day(cutoff_day - 1),       # the last day of calibration
            "holdout_start": day(cutoff_day), "observation_end": day(end_day - 1),
            "time_unit": "D", "time_scaler": _DAYS_PER_WEEK,
            "calibration_weeks": weeks(cutoff_day), "holdout_weeks": weeks(end_day - cutoff_day),
            "parameters": parameters}


def clv_data(scenario: ClvScenario, calibration_weeks: float, holdout_weeks: float, seed: int | None = None) -> ClvData:
    """Simulate ``scenario`` over calibration + holdout weeks; return transactions, truth and split.

    Weeks are whole numbers of days (the cutoff falls between two days), and every customer's first
    purchase falls in the calibration period.  A lifecycle :class:`~simkit.Scenario` is passed on
    to :func:`lifecycle_clv_data`.
    """
    import pandas as pd

    from ..model.scenario import Scenario

    if isinstance(scenario, Scenario):
        return lifecycle_clv_data(scenario, calibration_weeks, holdout_weeks, seed)
    check_seed(seed)
    check_split(scenario, calibration_weeks, holdout_weeks)
    cutoff, end = float(calibration_weeks), float(calibration_weeks + holdout_weeks)
    world = simulate_clv(scenario, end, seed)
    start = np.datetime64(scenario.start_date, "D")
    day = np.floor(world.time * _DAYS_PER_WEEK).astype(np.int64)
    transactions = pd.DataFrame({"customer_id": world.customer, "date": start + day.astype("timedelta64[D]"),
                                 "amount": world.amount})
    in_holdout = day >= round(cutoff * _DAYS_PER_WEEK)
    n = scenario.customers
    holdout_transactions = np.bincount(world.customer[in_holdout], minlength=n)
    # a purchase is a customer's day with a transaction, as the libraries count (day is sorted within a customer)
    new_day = np.ones(day.size, bool)
    new_day[1:] = (world.customer[1:] != world.customer[:-1]) | (day[1:] != day[:-1])
    holdout_purchases = np.bincount(world.customer[in_holdout & new_day], minlength=n)
    holdout_revenue = np.round(np.bincount(world.customer[in_holdout], weights=world.amount[in_holdout],
                                           minlength=n), 2)
    # the libraries' calibration summary, in weeks: repeat purchases x, recency t_x, age T
    calibration = ~in_holdout
    frequency = np.bincount(world.customer[calibration], minlength=n) - 1
    last = np.full(n, -np.inf)
    np.maximum.at(last, world.customer[calibration], world.time[calibration])
    alive_p = probability_alive(scenario.model, world.purchase_rate, world.dropout, frequency,
                                last - world.first_purchase, cutoff - world.first_purchase)
    truth = pd.DataFrame({
        "customer_id": np.arange(n),
        "first_purchase": start + np.floor(world.first_purchase * _DAYS_PER_WEEK).astype("timedelta64[D]"),
        "purchase_rate": world.purchase_rate,
        "dropout": world.dropout,
        "mean_spend": scenario.p / world.spend_rate,
        "alive_at_cutoff": world.death > cutoff,
        "probability_alive": alive_p,
        "expected_holdout_purchases": expected_holdout_purchases(scenario.model, world.purchase_rate,
                                                                 world.dropout, alive_p, end - cutoff,
                                                                 days_per_week=_DAYS_PER_WEEK),
        "holdout_purchases": holdout_purchases,
        "holdout_transactions": holdout_transactions,
        "holdout_revenue": holdout_revenue,
    })
    names = ("r", "alpha", "s", "beta") if scenario.model == "pareto_nbd" else ("r", "alpha", "a", "b")
    split = _split(scenario.name, scenario.model, start, round(cutoff * _DAYS_PER_WEEK), round(end * _DAYS_PER_WEEK),
                   {k: getattr(scenario, k) for k in names + ("p", "q", "gamma")})
    split["dropout"] = "μ, dropouts a week" if scenario.model == "pareto_nbd" else "p, dropout after a purchase"
    transactions.attrs["observation_end"] = split["observation_end"]
    return ClvData(transactions, truth, split)


def lifecycle_clv_data(scenario, calibration_weeks: float, holdout_weeks: float, seed: int | None = None,
                       start_date: str = "2026-01-05") -> ClvData:
    """The same data set from a lifecycle-stage world (a :class:`~simkit.Scenario`, NumPy engine).

    Its customers buy at rates that change with their stage, so no buy-till-you-die model is
    the true one: the models are misspecified, and the truth shows by how much.  The run lasts
    calibration + holdout weeks; the data follow the customers whose first purchase falls in the
    calibration period.  The truth's purchase rate, dropout and mean spend are not single numbers
    here (they change with the stage) and are left empty; ``alive_at_cutoff`` means not yet lost.
    """
    import pandas as pd

    from ..engines.run import run_simulation

    check_seed(seed)
    check_split(scenario, calibration_weeks, holdout_weeks)
    cutoff_day = round(calibration_weeks * _DAYS_PER_WEEK)
    end_day = round((calibration_weeks + holdout_weeks) * _DAYS_PER_WEEK)
    periods = math.ceil(end_day / 365.25 * scenario.periods_per_year - 1e-9)
    run = scenario.updated({"horizon": periods})
    result = run_simulation(run, seed=seed, ledger=True, event_log=True, engine="numpy")
    start = np.datetime64(start_date, "D")
    every = result.events.to_transactions(start_date)
    every = every[every.date < start + np.timedelta64(end_day, "D")]
    first = every.groupby("customer_id").date.min()
    seen = first.index[first < start + np.timedelta64(cutoff_day, "D")]
    transactions = every[every.customer_id.isin(seen)].reset_index(drop=True)
    holdout = transactions[transactions.date >= start + np.timedelta64(cutoff_day, "D")]
    ledger = result.ledger
    exit_years = pd.Series(ledger["exit_time"], index=ledger["customer_id"]).reindex(seen)
    cutoff_years = cutoff_day / 365.25
    empty = np.full(len(seen), np.nan)
    truth = pd.DataFrame({
        "customer_id": seen.to_numpy(), "first_purchase": first.reindex(seen).to_numpy(),
        "purchase_rate": empty, "dropout": empty, "mean_spend": empty,
        "alive_at_cutoff": ~(exit_years.to_numpy() <= cutoff_years),       # NaN exit: never left
        "probability_alive": empty, "expected_holdout_purchases": empty,
        "holdout_purchases": holdout.groupby("customer_id").date.nunique().reindex(seen, fill_value=0).to_numpy(),
        "holdout_transactions": holdout.groupby("customer_id").size().reindex(seen, fill_value=0).to_numpy(),
        "holdout_revenue": holdout.groupby("customer_id").amount.sum().reindex(seen, fill_value=0.0).round(2).to_numpy(),
    })
    split = _split(scenario.name, "lifecycle stages", start, cutoff_day, end_day, {})
    transactions.attrs["observation_end"] = split["observation_end"]
    return ClvData(transactions, truth, split)

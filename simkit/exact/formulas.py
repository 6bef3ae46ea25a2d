"""Closed forms: what the simulation should average to.

The engine draws random lives; these functions compute the same quantities
exactly, so a notebook can put the two side by side and a test can compare
them.

>>> group_lifetime(0.20)      # Firm A, textbook §2: 1 / churn
5.0
>>> round(discount_rate(3, interest_rate=0.08, risk_factor=2), 4)   # Hughes, textbook §4
1.3456
"""

from __future__ import annotations

import math

import numpy as np

from ..core.language import _
from ..model.stages import ACTIVE_STAGES, Stage

__all__ = ["clv", "conversion_probability", "discount_rate", "discounted_clv", "ltv_closed_form", "margin_multiple", "expected_stage_visits",
           "expected_stage_years", "funnel_expected", "group_lifetime", "leads_needed", "prospect_temperature",
           "survivors"]


def group_lifetime(churn_rate: float) -> float:
    """Group customer lifetime (企业客户群体生命周期, §2) in years: ``1 / churn_rate``.

    ``churn_rate`` is the share of customers lost per year, in (0, 1].
    """
    if isinstance(churn_rate, bool) or not isinstance(churn_rate, (int, float)) or not 0 < churn_rate <= 1:
        raise ValueError(_got("churn_rate", churn_rate, _("a fraction in (0, 1]")))
    return 1.0 / churn_rate


def survivors(n_customers: float, retention_rate: float, years: float) -> float:
    """Customers left of a closed cohort after ``years`` at a constant retention: ``n * r**t``.

    >>> round(survivors(100, 0.8, 5), 2)    # Firm A after five years: not zero
    32.77
    """
    if not 0 <= retention_rate <= 1:
        raise ValueError(_got("retention_rate", retention_rate, _("a fraction in [0, 1]")))
    return n_customers * retention_rate ** years


def discount_rate(year: int, interest_rate: float, risk_factor: float = 1.0,
                  payment_delay_days: float = 0.0) -> float:
    """Hughes' discount rate for ``year`` (1-based): ``(1 + i * r) ** (year - 1 + days / 365)``."""
    return (1.0 + interest_rate * risk_factor) ** (year - 1 + payment_delay_days / 365.0)


def _chain(scenario):
    """Transition matrix among the active stages (the jump chain) and the start stage."""
    index = {stage: i for i, stage in enumerate(ACTIVE_STAGES)}
    q = np.zeros((len(ACTIVE_STAGES), len(ACTIVE_STAGES)))
    for stage in ACTIVE_STAGES:
        for target, probability in scenario.stages[stage].next_stage.items():
            if target in index:
                q[index[stage], index[target]] = probability
    if scenario.funnel is not None:  # the funnel decides who leaves the prospect stage as a customer
        q[index[Stage.PROSPECT], index[Stage.NEW]] = float(np.prod(scenario.funnel.step_probabilities()))
    return q, index[scenario.arrivals.cohort_stage]


def expected_stage_visits(scenario) -> dict:
    """Expected number of times a person entering in the cohort's stage visits each stage.

    Stage model only (a tenure table replaces the stages after conversion);
    the horizon is ignored (an infinitely long run).  A stage that never ends,
    or a cycle the customer never leaves, gives ``inf``.
    """
    if scenario.tenure is not None:
        raise ValueError(_("scenario: has a tenure table; expected visits are defined for the stage model"))
    q, start = _chain(scenario)
    n = len(ACTIVE_STAGES)
    try:
        fundamental = np.linalg.inv(np.eye(n) - q)
        visits = fundamental[start]
        if not np.all(np.isfinite(visits)) or np.any(visits < -1e-9):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        visits = np.full(n, math.inf)
    return {stage: float(v) for stage, v in zip(ACTIVE_STAGES, visits)}


def expected_stage_years(scenario) -> dict:
    """Expected years a person entering the scenario spends in each active stage (no horizon)."""
    visits = expected_stage_visits(scenario)
    years = {}
    for stage, count in visits.items():
        mean = scenario.stages[stage].mean_duration_years
        if stage is Stage.PROSPECT and scenario.funnel is not None:
            reach = funnel_expected(scenario.funnel, 1.0)
            mean = sum(r * d for r, d in zip(list(reach.values())[:-1], scenario.funnel.mean_duration_years))
        if count == 0:
            years[stage] = 0.0
        elif mean is None or math.isinf(count):
            years[stage] = math.inf
        else:
            years[stage] = count * mean
    return years


def conversion_probability(scenario) -> float:
    """Probability that a person entering the scenario becomes a customer (reaches NEW)."""
    if scenario.arrivals.cohort_stage is Stage.NEW:
        return 1.0
    if scenario.funnel is not None:
        return float(np.prod(scenario.funnel.step_probabilities()))
    prospect = scenario.stages.prospect
    if prospect.mean_duration_years is None:
        return 0.0
    return float(prospect.next_stage.get(Stage.NEW, 0.0))


# ---------------------------------------------------------------- one customer (§3)
def clv(value_per_purchase: float, lifetime_years: float, *, purchases_per_year: float | None = None,
        years_between_purchases: float | None = None) -> float:
    """Customer lifetime value, undiscounted (客户终身价值, §3): CLV = (s / t) x T.

    Parameters
    ----------
    value_per_purchase : float
        s, yuan per purchase: spend (消费额) in the textbook's formula (§3), or profit per
        purchase as in the ¥48,000 example.
    lifetime_years : float
        T, the customer's lifetime in years.
    purchases_per_year, years_between_purchases : float
        The buying rhythm: give one of them (t = 1 / purchases_per_year).

    >>> clv(100, 20, purchases_per_year=24)      # ¥100 a purchase, twice a month, 20 years
    48000.0
    >>> clv(1, 4, purchases_per_year=8 * 12)     # milk powder: 8 bags a month for 4 years -> bags
    384.0
    """
    rate = _purchase_rate(purchases_per_year, years_between_purchases)
    _non_negative("value_per_purchase", value_per_purchase)
    _non_negative("lifetime_years", lifetime_years)
    return float(value_per_purchase) * rate * float(lifetime_years)


def discounted_clv(value_per_year: float, lifetime_years: float, interest_rate: float,
                   risk_factor: float = 1.0) -> float:
    """The same customer with each year discounted: sum over years n of value / (1 + i r)^(n - 1).

    Year n's value is divided by the discount rate of §4 (year 1 undiscounted);
    a final part-year counts for its fraction.

    >>> round(discounted_clv(2400, 20, interest_rate=0.05))   # the ¥48,000 customer at 5 %
    31405
    """
    _non_negative("value_per_year", value_per_year)
    _non_negative("lifetime_years", lifetime_years)
    _non_negative("interest_rate", interest_rate)
    whole = int(lifetime_years)
    total = sum(value_per_year / discount_rate(n, interest_rate, risk_factor) for n in range(1, whole + 1))
    part = lifetime_years - whole
    if part > 0:
        total += part * value_per_year / discount_rate(whole + 1, interest_rate, risk_factor)
    return total


def _purchase_rate(purchases_per_year, years_between_purchases) -> float:
    if (purchases_per_year is None) == (years_between_purchases is None):
        raise ValueError(_("give exactly one of purchases_per_year and years_between_purchases, got {first} and "
                           "{second}").format(first=repr(purchases_per_year), second=repr(years_between_purchases)))
    if purchases_per_year is not None:
        _non_negative("purchases_per_year", purchases_per_year)
        return float(purchases_per_year)
    _non_negative("years_between_purchases", years_between_purchases)
    if years_between_purchases == 0:
        raise ValueError(_got("years_between_purchases", 0, _("a number > {low}").format(low=0)))
    return 1.0 / years_between_purchases


def _non_negative(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(_got(name, value, _("a finite number >= {low}").format(low=0)))


def _got(name: str, value, rule: str) -> str:
    """"name: got value, expected rule", the way every simkit message about a value reads."""
    return _("{path}: got {value}, expected {rule}").format(path=name, value=repr(value), rule=rule)


# ---------------------------------------------------------------- the sales funnel (§7) and prospects (§6)
def funnel_expected(funnel, leads: float) -> dict:
    """Expected number of ``leads`` that reach each funnel stage, and that become customers.

    >>> from simkit.model.parts import Funnel
    >>> {k: round(v) for k, v in funnel_expected(Funnel(), 1000).items()}
    {'leads': 1000, 'prospect': 500, 'opportunity': 250, 'pipeline': 100, 'upside': 83, 'committed': 71, 'customers': 50}
    """
    from ..model.parts import FUNNEL_STAGES

    _non_negative("leads", leads)
    counts = {}
    reached = float(leads)
    for name, step in zip(FUNNEL_STAGES, (1.0, *funnel.step_probabilities()[:-1])):
        reached *= step
        counts[name] = reached
    counts["customers"] = reached * funnel.step_probabilities()[-1]
    return counts


def leads_needed(funnel, customers: float) -> float:
    """Leads a firm must find to win ``customers`` new customers: customers / (qualification x w(prospect)).

    >>> from simkit.model.parts import Funnel
    >>> leads_needed(Funnel(), 100)
    2000.0
    """
    _non_negative("customers", customers)
    rate = funnel.lead_qualification * funnel.win_probability[0]
    if rate == 0:
        raise ValueError(_("funnel: lead_qualification is 0, so no lead ever becomes a customer"))
    return customers / rate


#: Prospects by time from entry to first order (textbook §6): hot within a month, warm within three.
TEMPERATURE_LIMITS_YEARS = {"hot": 1 / 12, "warm": 3 / 12}


def prospect_temperature(time_to_first_order_years) -> list:
    """'hot' (热客, within 1 month), 'warm' (暖客, within 3 months) or 'cold' (冷客, later or never).

    >>> prospect_temperature([0.05, 0.2, 0.5, float("nan")])
    ['hot', 'warm', 'cold', 'cold']
    """
    out = []
    for years in time_to_first_order_years:
        if years <= TEMPERATURE_LIMITS_YEARS["hot"]:
            out.append("hot")
        elif years <= TEMPERATURE_LIMITS_YEARS["warm"]:
            out.append("warm")
        else:
            out.append("cold")  # includes NaN: never ordered
    return out


# ---------------------------------------------------------------- the margin multiple (Gupta & Lehmann)
def margin_multiple(retention_rate: float, interest_rate: float) -> float:
    """Gupta & Lehmann's margin multiple ``r / (1 + i - r)``: a retained customer is worth this many years' margin.

    The value, at the start of a year, of a customer's future margins m, each year's margin
    kept with probability r and counted at the end of the year: sum over t >= 1 of
    m r^t / (1 + i)^t = m x r / (1 + i - r).  ``retention_rate`` r in [0, 1],
    ``interest_rate`` i per year, > 0 or r < 1.

    >>> round(margin_multiple(0.9, 0.10), 2), round(margin_multiple(0.8, 0.12), 2)   # as their table prints
    (4.5, 2.5)
    """
    _check_fraction("retention_rate", retention_rate)
    if not isinstance(interest_rate, (int, float)) or isinstance(interest_rate, bool) or interest_rate < 0:
        raise ValueError(_got("interest_rate", interest_rate, _("a number >= {low}").format(low=0)))
    if 1 + interest_rate - retention_rate <= 0:
        raise ValueError(_("retention_rate and interest_rate: with r = 1 and i = 0 the margins never end "
                           "(the sum is infinite)"))
    return retention_rate / (1 + interest_rate - retention_rate)


def ltv_closed_form(margin: float, retention_rate: float, interest_rate: float, *, years: int | None = None,
                    timing: str = "end", acquisition_cost: float = 0.0) -> float:
    """Lifetime value of one customer acquired now, with a constant margin and retention (yuan).

    The customer brings ``margin`` in year 1 and, still a customer with probability r^(t-1),
    in year t; year t is divided by (1 + i)^t (``timing="end"``, the marketing-management
    textbooks) or (1 + i)^(t-1) (``"start"``, Hughes, textbook §4); the acquisition cost is
    paid at time 0:

        LTV = sum over t = 1..T of m r^(t-1) / (1 + i)^(t - s)  -  AC,   s = 0 (end) or 1 (start)
            = m (1 + i)^s / (1 + i) x (1 - q^T) / (1 - q)  -  AC,       q = r / (1 + i)

    and with ``years=None`` (T infinite) m (1 + i)^s / (1 + i - r) - AC.  It is what
    :func:`simkit.hughes_table` gives per customer with ``margin_per_customer`` and
    ``acquisition_at_start`` (test_cohort.py shows the table converging to it).

    >>> round(ltv_closed_form(100, 0.8, 0.1), 2)             # 100 / (1.1 - 0.8)
    333.33
    >>> round(ltv_closed_form(100, 0.8, 0.1, years=1), 2)    # one year's margin at the end of the year
    90.91
    """
    _check_fraction("retention_rate", retention_rate)
    if timing not in ("start", "end"):
        raise ValueError(_got("timing", timing, _("'start' or 'end'")))
    if years is not None and (isinstance(years, bool) or not isinstance(years, int) or years < 1):
        raise ValueError(_got("years", years, _("a whole number >= 1, or None for no end")))
    growth = (1 + interest_rate) ** (1 if timing == "start" else 0)
    q = retention_rate / (1 + interest_rate)
    if years is None:
        if q >= 1:
            raise ValueError(_("retention_rate and interest_rate: r >= 1 + i, so the margins never shrink "
                               "(the sum is infinite); give years="))
        total = margin / (1 + interest_rate - retention_rate) * growth
    elif q == 1:
        total = margin / (1 + interest_rate) * years * growth
    else:
        total = margin / (1 + interest_rate) * (1 - q ** years) / (1 - q) * growth
    return total - acquisition_cost


def _check_fraction(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(_got(name, value, _("a fraction in [0, 1]")))

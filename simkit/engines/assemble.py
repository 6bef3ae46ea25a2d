"""What both engines share: the names of the tallies and the one step that turns them into a result.

An engine only decides *how the random lives are drawn*; what it reports is
the same: per-period money and counts, moves between stages, exposure and
profit by stage and by year of the relationship, the lifetime-value summary,
and (if kept) the ledger and the event log.  :func:`assemble_result` builds
the :class:`~simkit.SimulationResult` from those tallies for either engine.
"""

from __future__ import annotations

import math

import numpy as np

from .results import LifetimeValueSummary, SimulationResult
from ..model.stages import ACTIVE_STAGES

SOURCE_COHORT, SOURCE_STREAM, SOURCE_REFERRAL, SOURCE_REPLACEMENT = 0, 1, 2, 3
#: groups of families tallied apart: a family is a first-generation arrival (cohort member or prospect from
#: marketing, numbered in order of arrival) with everyone it brought in (referrals, replacements); family f
#: is in group f mod GROUPS.  Families live independently, so the groups are independent replications
#: within one run: the spread of their profits gives an interval (batch means), and with common random
#: numbers family f is the same arrival in a scenario and in a changed copy (paired differences).
GROUPS = 50

#: money tallied per period (yuan)
MONEY = ("revenue", "cost_of_sales", "acquisition_cost", "service_cost", "referral_damage_cost",
         "cross_sell_revenue", "cross_sell_cost", "price_discounts")
#: counts tallied per period
COUNTS = ("n_arrived", "n_acquired", "n_lost", "n_unconverted", "n_referred", "n_purchases",
          "n_prospects_lost", "n_adopted", "n_cross_sell", "n_promoted", "n_declined")


def assemble_result(scenario, *, flows, money: dict, counts: dict, stage_years, stage_profit, tenure_years,
                    tenure_profit, ltv, ltv_acquired, ledger=None, events=None, group_profit=None) -> SimulationResult:
    """The result of a run from its tallies.

    ``flows`` (n_periods x 6): net moves into each stage in each period (entries
    and moves in, minus moves out), so the customers in each stage at a period
    end are their running sum.
    """
    stage_counts = np.cumsum(np.asarray(flows, dtype=np.int64), axis=0)
    periods = {name: np.asarray(money[name], dtype=float) for name in MONEY}
    periods["profit"] = (periods["revenue"] - periods["cost_of_sales"] + periods["cross_sell_revenue"]
                         - periods["cross_sell_cost"] - periods["acquisition_cost"] - periods["service_cost"]
                         - periods["referral_damage_cost"])
    periods.update({name: np.asarray(counts[name], dtype=np.int64) for name in COUNTS})
    # profit discounted by calendar year from the start of the run (Hughes' NPV row for a cohort at time 0)
    calendar_year = np.arange(scenario.n_periods) // scenario.periods_per_year  # 0-based
    rate = scenario.discounting
    years = range(1, int(calendar_year[-1]) + 2)
    acquisition = periods["acquisition_cost"]
    periods["discounted_profit"] = ((periods["profit"] + acquisition)
                                    / np.array([rate.discount_rate(year) for year in years])[calendar_year]
                                    - acquisition / np.array([rate.acquisition_rate(year) for year in years])[calendar_year])
    if events is not None:
        # a stage's price discount applies to its purchases; a tenure table's years have none
        discounts = {} if scenario.tenure is not None else {
            stage.label: scenario.stages[stage].price_discount for stage in ACTIVE_STAGES}
        events = events.at_prices_paid(discounts, scenario.horizon_years)
    return SimulationResult(
        scenario=scenario,
        seed=scenario.seed,
        period_end_years=np.arange(1, scenario.n_periods + 1) / scenario.periods_per_year,
        stage_counts=stage_counts,
        periods=periods,
        stage_years=np.asarray(stage_years, dtype=float),
        stage_profit=np.asarray(stage_profit, dtype=float),
        tenure_years=np.asarray(tenure_years, dtype=float),
        tenure_profit=np.asarray(tenure_profit, dtype=float),
        ltv=ltv,
        ltv_acquired=ltv_acquired,
        ledger=ledger,
        events=events,
        group_profit=np.asarray(group_profit, dtype=float),
    )


class ArrayStats:
    """Count, mean, spread, minimum and maximum of numbers arriving in arrays (Chan et al.'s merge).

    The array counterpart of :class:`~simkit.engines.results.RunningStats`: memory stays
    constant however many batches are added.

    >>> s = ArrayStats(); s.add(np.array([1.0, 2.0])); s.add(np.array([3.0, 4.0]))
    >>> summary = s.summary(); (summary.count, summary.mean, round(summary.std, 6))
    (4, 2.5, 1.290994)
    """

    def __init__(self):
        self.count, self.mean, self.m2 = 0, 0.0, 0.0
        self.minimum, self.maximum = math.inf, -math.inf

    def add(self, values: np.ndarray):
        n = len(values)
        if n == 0:
            return
        mean = float(values.mean())
        m2 = float(((values - mean) ** 2).sum())
        total = self.count + n
        delta = mean - self.mean
        self.m2 += m2 + delta * delta * self.count * n / total
        self.mean += delta * n / total
        self.count = total
        self.minimum = min(self.minimum, float(values.min()))
        self.maximum = max(self.maximum, float(values.max()))

    def summary(self) -> LifetimeValueSummary:
        n = self.count
        return LifetimeValueSummary(
            count=n, mean=self.mean if n else math.nan, std=math.sqrt(self.m2 / (n - 1)) if n > 1 else math.nan,
            minimum=self.minimum if n else math.nan, maximum=self.maximum if n else math.nan)

"""The plan: the scenario turned into arrays the steps read (nothing random here).

The stages as numbers; one row of terms (orders, spend, cost shares, service, referrals, ...) for each
stage and each year of a tenure table, read by column; the odds of the next stage; the calendar
(periods, years of the relationship, discount rates).
"""

from __future__ import annotations

import math

import numpy as np

from ...model.stages import Stage
from .arrays import _any
from .draws import _Streams

PROSPECT, NEW, LOYAL, DECLINE, LOST, UNCONVERTED = (int(s) for s in Stage)
# the terms of a spell, one column each (rows: the four stages, then the tenure years)
# (LOG_VARIANCE: the variance of log spend, log(1 + (sd / average)^2), or 0 for spend without spread)
ORDERS, VALUE, LOG_VARIANCE, SHARE, SERVICE, REFERRALS, DAMAGE, DISCOUNT, ADOPTION = range(9)


class _Plan:
    """The scenario turned into arrays the steps read (nothing random here)."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.seed = scenario.seed
        self.streams = _Streams()
        self.horizon = scenario.horizon_years
        self.ppy = scenario.periods_per_year
        self.n_periods = scenario.n_periods
        self.n_years = int(math.ceil(self.horizon - 1e-9))
        rate = scenario.discounting
        self.inverse_discount = np.array([1.0 / rate.discount_rate(year)
                                          for year in range(1, int(math.ceil(self.horizon)) + 2)])
        self.inverse_acquisition = np.array([1.0 / rate.acquisition_rate(year)
                                             for year in range(1, int(math.ceil(self.horizon)) + 2)])
        self.acquisition_price = scenario.arrivals.acquisition_cost
        self.damage_price = scenario.arrivals.referral_damage_cost
        self.replace_lost = scenario.arrivals.replace_lost
        terms, self.mean_years, self.fixed = [], np.full(4, np.inf), np.zeros(4, dtype=bool)
        self.cumulative = np.ones((4, 6))
        self.targets = np.zeros((4, 6), dtype=np.int64)
        for stage in range(4):
            p = scenario.stages[Stage(stage)]
            terms.append((p.orders_per_year, p.average_order_value, p.order_value_sd, p.cost_of_sales_share,
                          p.service_cost_per_year, p.referrals_per_year, p.referral_damage_per_year,
                          p.price_discount, p.cross_sell_adoption_per_year))
            if p.mean_duration_years is not None:
                self.mean_years[stage] = p.mean_duration_years
            self.fixed[stage] = p.duration_distribution == "fixed"
            targets = list(p.next_stage)
            if targets:
                cumulative = np.cumsum([p.next_stage[t] for t in targets])
                self.targets[stage, :len(targets)] = [int(t) for t in targets]
                self.targets[stage, len(targets):] = int(targets[-1])
                self.cumulative[stage, :len(targets)] = cumulative
                self.cumulative[stage, len(targets) - 1:] = np.inf  # the last target takes what is left
        # (an exponential length is -mean x log(1 - u): the means negated once; a stage without an end has 1)
        self.negative_means = -np.where(np.isinf(self.mean_years), 1.0, self.mean_years)
        self.any_fixed, self.any_endless = bool(self.fixed.any()), bool(np.isinf(self.mean_years).any())
        # the next stage is the number of cumulative probabilities at or below the uniform: only the
        # columns before each stage's last target can be (the others are 1 or inf), one array each
        self.thresholds = [np.ascontiguousarray(self.cumulative[:, j])
                           for j in range(max((len(scenario.stages[Stage(s)].next_stage) for s in range(4))) - 1)]
        self.tenure = scenario.tenure
        if self.tenure is not None:
            t = self.tenure
            for i in range(t.n_years):
                terms.append((t.orders_per_year[i], t.average_order_value[i], t.order_value_sd[i],
                              t.cost_of_sales_share[i], t.yearly_cost_per_customer(i + 1), 0.0, 0.0, 0.0, 0.0))
            self.retention = np.array(t.retention_rate, dtype=float)
            self.referral_rate = np.array(t.referral_rate, dtype=float)
            self.referral_incentive = np.array(t.referral_incentive, dtype=float)
            self.tenure_refers = _any(self.referral_rate > 0)
            self.reference_service = t.yearly_cost_per_customer(1)
        else:
            self.tenure_refers = False
            self.reference_service = scenario.stages.new.service_cost_per_year
        self.terms = np.array(terms, dtype=float)
        self.adopts = _any(self.terms[:, ADOPTION] > 0)  # the second product is adopted in some stage
        value, sd = self.terms[:, VALUE], self.terms[:, LOG_VARIANCE]  # the column holds the sd until here
        spread = (sd > value * 1e-6) & (value > 0)  # log-normal spend, or each order the average
        self.terms[:, LOG_VARIANCE] = np.log1p((sd / np.where(spread, value, 1.0)) ** 2) * spread
        funnel = scenario.funnel
        self.funnel = funnel is not None
        if self.funnel:
            self.funnel_steps = np.array(funnel.step_probabilities(), dtype=float)
            self.funnel_means = np.array(funnel.mean_duration_years, dtype=float)
        cross = scenario.cross_sell
        self.cross_orders, self.cross_value, self.cross_share = (
            cross.orders_per_year, cross.average_order_value, cross.cost_of_sales_share)

    def period_of(self, t):
        """Period (k/ppy, (k+1)/ppy] holding each time; time 0 in period 0."""
        scaled = t * self.ppy
        scaled -= 1e-9
        period = np.ceil(scaled, out=scaled).astype(np.int64)
        period -= 1
        return np.minimum(np.maximum(period, 0, out=period), self.n_periods - 1, out=period)

    def period_at(self, t: float) -> int:
        """:meth:`period_of` one time (a number)."""
        return int(self.period_of(np.array([t]))[0])

    def period_starting(self, t):
        """Period [k/ppy, (k+1)/ppy) holding each time: for what joins a period as it opens."""
        return np.minimum((t * self.ppy + 1e-9).astype(np.int64), self.n_periods - 1)

    def year_of(self, years_since_entry):
        """Year of the relationship (0-based) of each time, given as years since entry."""
        return (years_since_entry + 1e-12).astype(np.int64)

    def tenure_row(self, year):
        """Row index (0-based, last repeating) of each tenure year (1-based)."""
        return np.minimum(year, self.tenure.n_years) - 1

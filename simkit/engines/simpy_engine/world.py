"""The SimPy engine's world: the clock, every customer a process, the tallies a run keeps.

A run (:class:`_Run`) holds the SimPy environment, the random streams of each purpose
(:mod:`.processes` draws from them) and the running tallies; :func:`simulate` starts the
cohort and the stream of prospects, runs the clock to the horizon and hands the tallies to
:func:`simkit.engines.assemble.assemble_result`, as the NumPy engine does.
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.events import Process

from ...model.scenario import Scenario
from ...model.stages import Stage
from ..assemble import (GROUPS, SOURCE_COHORT, SOURCE_REFERRAL, SOURCE_REPLACEMENT, SOURCE_STREAM,
                        assemble_result)
from ..limits import current as current_limits
from ..results import EventLog, Ledger, RunningStats, SimulationResult
from .processes import RandomStream, life, prospect_stream

__all__ = ["simulate"]

N_STATES = len(Stage)
_NEW, _LOYAL, _DECLINE = Stage.NEW, Stage.LOYAL, Stage.DECLINE  # module constants: the hot path
_LOST, _UNCONVERTED = Stage.LOST, Stage.UNCONVERTED
_I_NEW, _I_LOYAL, _I_DECLINE = int(Stage.NEW), int(Stage.LOYAL), int(Stage.DECLINE)
_NAN = math.nan


@dataclass(frozen=True)
class _StageRule:
    mean_years: float | None
    fixed: bool
    targets: tuple
    cumulative: tuple
    terms: tuple


def _terms(orders, value, sd, share, service, referrals, damage, discount=0.0, adoption=0.0) -> tuple:
    return (float(orders), float(value), float(sd), float(share), float(service),
            float(referrals), float(damage), float(discount), float(adoption))


class _Customer:
    """What the engine tracks for one customer while it lives."""

    __slots__ = ("id", "source", "entry_time", "stage", "stage_since", "entered", "years_in",
                 "n_purchases", "revenue", "cost_of_sales", "acquisition_cost", "service_cost",
                 "referral_damage_cost", "value", "n_referrals", "n_damage", "exit_time", "tenure_year",
                 "price_discounts", "cross_sell_revenue", "cross_sell_cost", "adopted_at", "cost_savings",
                 "referred_by", "funnel_stage", "first_purchase", "family", "group")

    def __init__(self, customer_id: int, source: int, now: float, stage: Stage):
        self.id = customer_id
        self.source = source
        self.entry_time = now
        self.stage = stage
        self.stage_since = now
        self.entered = [_NAN] * N_STATES
        self.entered[stage] = now
        self.years_in = [0.0] * 4
        self.n_purchases = 0
        self.revenue = 0.0
        self.cost_of_sales = 0.0
        self.acquisition_cost = 0.0
        self.service_cost = 0.0
        self.referral_damage_cost = 0.0
        self.value = 0.0
        self.n_referrals = 0
        self.n_damage = 0
        self.exit_time = _NAN
        self.tenure_year = 0  # year of a tenure table the customer is in; 0: not following one
        self.price_discounts = 0.0
        self.cross_sell_revenue = 0.0
        self.cross_sell_cost = 0.0
        self.adopted_at = _NAN
        self.cost_savings = 0.0
        self.referred_by = -1
        self.funnel_stage = 0 if stage is Stage.PROSPECT else -1  # step of the sales funnel reached
        self.first_purchase = _NAN
        self.family = -1  # the first-generation arrival this person descends from (assemble.GROUPS)
        self.group = 0


class _Run:
    """State of one simulation run: the SimPy environment, the generator, the tallies."""

    def __init__(self, scenario: Scenario, seed: int, keep_ledger: bool, keep_events: bool):
        self.scenario = scenario
        self.env = simpy.Environment()
        self.rng = RandomStream(np.random.default_rng(seed))
        self.horizon_years = scenario.horizon_years
        self.periods_per_year = scenario.periods_per_year
        self.n_periods = n = scenario.n_periods
        self.acquisition_price = scenario.arrivals.acquisition_cost
        self.damage_price = scenario.arrivals.referral_damage_cost
        rate = scenario.discounting
        self.inverse_discount = [1.0 / rate.discount_rate(year)
                                 for year in range(1, int(math.ceil(self.horizon_years)) + 2)]
        self.inverse_acquisition = [1.0 / rate.acquisition_rate(year)
                                    for year in range(1, int(math.ceil(self.horizon_years)) + 2)]
        self.stage_rules = {}
        for stage in (Stage.PROSPECT, Stage.NEW, Stage.LOYAL, Stage.DECLINE):
            p = scenario.stages[stage]
            targets = tuple(p.next_stage)
            cumulative = tuple(np.cumsum([p.next_stage[t] for t in targets]).tolist())
            self.stage_rules[stage] = _StageRule(
                p.mean_duration_years, p.duration_distribution == "fixed", targets, cumulative,
                _terms(p.orders_per_year, p.average_order_value, p.order_value_sd,
                       p.cost_of_sales_share, p.service_cost_per_year, p.referrals_per_year,
                       p.referral_damage_per_year, p.price_discount, p.cross_sell_adoption_per_year))
        self.tenure_rows = None
        if scenario.tenure is not None:
            t = scenario.tenure
            # (retention, spell terms, referral rate, referral incentive) per tenure year; the yearly
            # cost per customer is marketing/service plus every further cost line
            self.tenure_rows = [
                (t.retention_rate[i],
                 _terms(t.orders_per_year[i], t.average_order_value[i], t.order_value_sd[i],
                        t.cost_of_sales_share[i], t.yearly_cost_per_customer(i + 1), 0.0, 0.0),
                 t.referral_rate[i], t.referral_incentive[i])
                for i in range(t.n_years)]
        self.tenure_refers = self.tenure_rows is not None and any(row[2] > 0 for row in self.tenure_rows)
        self.replace_lost = scenario.arrivals.replace_lost
        # the sales funnel: (probability of moving on from each step, mean years in each step)
        funnel = scenario.funnel
        self.funnel = None if funnel is None else (funnel.step_probabilities(), funnel.mean_duration_years)
        cross = scenario.cross_sell
        self.cross_sell = (cross.orders_per_year, cross.average_order_value, cross.cost_of_sales_share)
        # the yardstick of cost savings (成本节约): what a new customer costs to serve per year
        self.reference_service = (scenario.tenure.yearly_cost_per_customer(1) if scenario.tenure is not None
                                  else scenario.stages.new.service_cost_per_year)
        # per-period tallies (plain lists: cheaper than numpy for one element at a time)
        self.money = {name: [0.0] * n for name in
                      ("revenue", "cost_of_sales", "acquisition_cost", "service_cost", "referral_damage_cost",
                       "cross_sell_revenue", "cross_sell_cost", "price_discounts")}
        self.counts = {name: [0] * n for name in
                       ("n_arrived", "n_acquired", "n_lost", "n_unconverted", "n_referred", "n_purchases",
                        "n_prospects_lost", "n_adopted", "n_cross_sell", "n_promoted", "n_declined")}
        # the lists a purchase touches, held directly (the hot path)
        self._revenue = self.money["revenue"]
        self._cost_of_sales = self.money["cost_of_sales"]
        self._n_purchases = self.counts["n_purchases"]
        self._n_arrived = self.counts["n_arrived"]
        self._n_acquired = self.counts["n_acquired"]
        self._acquisition_cost = self.money["acquisition_cost"]
        self._service_cost = self.money["service_cost"]
        self.flows = [[0] * N_STATES for _ in range(n)]
        # by period and stage: years customers spent there, and the profit they made there
        # (revenue - cost of sales - cost to serve - referral damage; acquisition is booked apart)
        self.stage_years = [[0.0] * 4 for _ in range(n)]
        self.stage_profit = [[0.0] * 4 for _ in range(n)]
        # the same by year of the relationship (years since entry): the inverted U along tenure
        n_years = int(math.ceil(self.horizon_years - 1e-9))
        self.tenure_years = [0.0] * n_years
        self.tenure_profit = [0.0] * n_years
        self.ltv_all = RunningStats()
        self.ltv_acquired = RunningStats()
        self.ledger_rows = [] if keep_ledger else None
        self.event_rows = [] if keep_events else None
        self.limits = current_limits()   # the run budget, held while the run goes (None outside run_simulation)
        self.next_id = 0
        self.next_family = 0
        self.group_profit = [[0.0] * n for _ in range(GROUPS)]  # profit per period of groups of families

    # -- time -------------------------------------------------------------
    def period_of(self, t: float) -> int:
        """Index of the period (k/ppy, (k+1)/ppy] holding time t; time 0 is in period 0."""
        k = math.ceil(t * self.periods_per_year - 1e-9) - 1
        return 0 if k < 0 else (k if k < self.n_periods else self.n_periods - 1)

    def period_starting(self, t: float) -> int:
        """Index of the period [k/ppy, (k+1)/ppy) holding time t: for what opens a period.

        Everything at a period boundary belongs to the period it ends (a churn at the year end),
        except a customer who joins for the period that starts there (referred for next year).
        """
        k = int(t * self.periods_per_year + 1e-9)
        return k if k < self.n_periods else self.n_periods - 1

    def _discount(self, customer: _Customer, t: float) -> float:
        year = int(t - customer.entry_time + 1e-12)
        table = self.inverse_discount
        return table[year] if year < len(table) else table[-1]

    def log(self, customer, event: str, stage: Stage, amount: float = 0.0):
        self.event_rows.append((customer.id, self.env.now, event, stage.label, amount))

    # -- what happens to customers -----------------------------------------
    def spawn(self, stage: Stage, source: int, tenure_year: int = 1, price: float | None = None,
              opening: bool = False, referred_by: int = -1, family: int = -1) -> _Customer:
        """A new person enters in ``stage`` (prospect, or new for an acquired customer).

        A new customer pays ``price`` (the acquisition cost unless given) and, under a tenure
        table, starts in ``tenure_year``.  ``opening``: the person joins for the period that
        starts now (a referred customer joining for the next tenure year), so at a period
        boundary it is booked in the next period rather than the one that ends.
        """
        now = self.env.now
        if self.limits is not None:
            self.limits.add_people(1)
        customer = _Customer(self.next_id, source, now, stage)
        customer.referred_by = referred_by
        self.next_id += 1
        if family < 0:  # a first-generation arrival heads a family of its own
            family = self.next_family
            self.next_family += 1
        customer.family = family
        customer.group = family % GROUPS
        k = self.period_starting(now) if opening else self.period_of(now)
        self.flows[k][stage] += 1
        self._n_arrived[k] += 1
        if self.event_rows is not None:
            self.log(customer, "arrive", stage)
        if stage is _NEW:
            self.acquire(customer, price, k)
            if self.tenure_rows is not None:
                customer.tenure_year = tenure_year
                if source != SOURCE_REFERRAL:  # a referred customer refers from its second year on
                    self.tenure_referrals(customer)
        Process(self.env, life(self, customer))
        return customer

    def acquire(self, customer: _Customer, price: float | None = None, period: int | None = None):
        """The customer converts: pay the acquisition cost (获得成本)."""
        if price is None:
            price = self.acquisition_price
        now = self.env.now
        k = self.period_of(now) if period is None else period
        self._n_acquired[k] += 1
        self._acquisition_cost[k] += price
        self.group_profit[customer.group][k] -= price
        customer.acquisition_cost += price
        if price:
            year = int(now - customer.entry_time + 1e-12)
            table = self.inverse_acquisition
            customer.value -= price * table[min(year, len(table) - 1)]
        if self.event_rows is not None:
            self.log(customer, "acquire", _NEW, price)

    def tenure_referrals(self, customer: _Customer):
        """At the start of a tenure year a retained customer brings referred customers (Hughes).

        Their number is Poisson with mean ``referral_rate`` of the year; they join at once, in the
        same tenure year, for the referral incentive instead of the acquisition cost.
        """
        rows = self.tenure_rows
        year = customer.tenure_year
        _, _, rate, incentive = rows[year - 1 if year <= len(rows) else -1]
        if rate <= 0.0 or self.env.now >= self.horizon_years - 1e-9:
            return  # at the horizon the year they would join lies outside the run
        count = self.rng.poisson(rate)
        if self.limits is not None:   # the run budget: referrals are events (as every referral of the NumPy engine)
            self.limits.add_events(count)
        for _ in range(count):
            customer.n_referrals += 1
            self.counts["n_referred"][self.period_starting(self.env.now)] += 1
            if self.event_rows is not None:
                self.log(customer, "refer", customer.stage)
            self.spawn(_NEW, SOURCE_REFERRAL, tenure_year=year, price=incentive, opening=True,
                       referred_by=customer.id, family=customer.family)

    def move(self, customer: _Customer, target: Stage):
        if self.limits is not None:   # the run budget: stage moves are events too (a loop of short stays makes many)
            self.limits.add_events(1)
        now = self.env.now
        k = self.period_of(now)
        flows = self.flows[k]
        flows[customer.stage] -= 1
        flows[target] += 1
        customer.years_in[customer.stage] += now - customer.stage_since
        if customer.entered[target] != customer.entered[target]:  # NaN: first visit
            customer.entered[target] = now
        customer.stage = target
        customer.stage_since = now
        if self.event_rows is not None:
            self.log(customer, "move", target)
        if target is _LOYAL:
            self.counts["n_promoted"][k] += 1
        elif target is _DECLINE:
            self.counts["n_declined"][k] += 1
        elif target is _LOST:
            self.counts["n_lost"][k] += 1
            customer.exit_time = now
            if self.replace_lost and now < self.horizon_years - 1e-9:
                # the replacement joins for the period that starts now (a loss at a year end: next year)
                self.spawn(_NEW, SOURCE_REPLACEMENT, family=customer.family, opening=True)
        elif target is _UNCONVERTED:
            self.counts["n_unconverted"][k] += 1
            customer.exit_time = now

    def book_purchases(self, customer: _Customer, start: float, times: list, values: list, cost_share: float,
                       discount: float = 0.0, cross_sell: bool = False):
        """Book the purchases of a spell that began at ``start`` (offsets ``times``, list-price spend ``values``).

        ``discount`` is the share of the list price given away (价格优惠); cost of sales is on
        the list price.  ``cross_sell``: purchases of the second product (关联利润).
        """
        n = len(times)
        listed = sum(values)
        revenue = listed * (1.0 - discount) if discount else listed
        cost = listed * cost_share
        margin = revenue - cost
        if cross_sell:
            customer.cross_sell_revenue += revenue
            customer.cross_sell_cost += cost
            revenue_by_period = self.money["cross_sell_revenue"]
            cost_by_period = self.money["cross_sell_cost"]
            count_by_period = self.counts["n_cross_sell"]
        else:
            if not customer.n_purchases:
                customer.first_purchase = start + times[0]
            customer.n_purchases += n
            customer.revenue += revenue
            customer.cost_of_sales += cost
            if discount:
                customer.price_discounts += listed - revenue
            revenue_by_period = self._revenue
            cost_by_period = self._cost_of_sales
            count_by_period = self._n_purchases
        ppy = self.periods_per_year
        first = start + times[0]
        final = start + times[-1]
        k = math.ceil(first * ppy - 1e-9) - 1
        if k >= 0 and k == math.ceil(final * ppy - 1e-9) - 1 and k < self.n_periods:
            revenue_by_period[k] += revenue
            cost_by_period[k] += cost
            count_by_period[k] += n
            self.stage_profit[k][customer.stage] += margin
            self.group_profit[customer.group][k] += margin
            if discount:
                self.money["price_discounts"][k] += listed - revenue
        else:
            stage = customer.stage
            period_of = self.period_of
            for offset, value in zip(times, values):
                k = period_of(start + offset)
                revenue_by_period[k] += value * (1.0 - discount)
                cost_by_period[k] += value * cost_share
                count_by_period[k] += 1
                self.stage_profit[k][stage] += value * (1.0 - discount - cost_share)
                self.group_profit[customer.group][k] += value * (1.0 - discount - cost_share)
                self.money["price_discounts"][k] += value * discount
        entry = customer.entry_time
        year = int(first - entry + 1e-12)
        table = self.inverse_discount
        if year == int(final - entry + 1e-12) and year < len(self.tenure_profit):
            customer.value += margin * table[year]
            self.tenure_profit[year] += margin
        else:
            last_year = len(self.tenure_profit) - 1
            unit_margin = 1.0 - discount - cost_share
            discount_of = self._discount
            for offset, value in zip(times, values):
                customer.value += value * unit_margin * discount_of(customer, start + offset)
                self.tenure_profit[min(int(start + offset - entry + 1e-12), last_year)] += value * unit_margin

    def adopt(self, customer: _Customer):
        """The customer adopts the firm's second product: a new customer of a new business (新业务的新客户)."""
        customer.adopted_at = self.env.now
        self.counts["n_adopted"][self.period_of(self.env.now)] += 1
        if self.event_rows is not None:
            self.log(customer, "adopt", customer.stage)

    def referral(self, customer: _Customer):
        """The customer recommends the firm: a new prospect arrives (推荐价值)."""
        customer.n_referrals += 1
        self.counts["n_referred"][self.period_of(self.env.now)] += 1
        if self.event_rows is not None:
            self.log(customer, "refer", customer.stage)
        self.spawn(Stage.PROSPECT, SOURCE_REFERRAL, referred_by=customer.id, family=customer.family)

    def referral_damage(self, customer: _Customer):
        """Bad word of mouth drives a prospect away (推荐破坏成本)."""
        price = self.damage_price
        k = self.period_of(self.env.now)
        self.counts["n_prospects_lost"][k] += 1
        self.money["referral_damage_cost"][k] += price
        self.stage_profit[k][customer.stage] -= price
        self.group_profit[customer.group][k] -= price
        year = int(self.env.now - customer.entry_time + 1e-12)
        self.tenure_profit[min(year, len(self.tenure_profit) - 1)] -= price
        customer.n_damage += 1
        customer.referral_damage_cost += price
        customer.value -= price * self._discount(customer, self.env.now)
        if self.event_rows is not None:
            self.log(customer, "damage", customer.stage, price)

    def pieces(self, start: float, end: float) -> list:
        """[start, end] cut at period boundaries: (period index, years) pairs."""
        ppy = self.periods_per_year
        k = int(start * ppy + 1e-9)
        if end <= (k + 1) / ppy + 1e-12 and k < self.n_periods:  # within one period: the usual case
            return [(k, end - start)]
        out = []
        t = start
        while t < end - 1e-12:
            edge = min((k + 1) / ppy, end)
            out.append((min(k, self.n_periods - 1), edge - t))
            t = edge
            k += 1
        return out

    def tenure_pieces(self, customer: _Customer, start: float, end: float) -> list:
        """[start, end] cut at the customer's anniversaries: (year of relationship - 1, years) pairs."""
        entry = customer.entry_time
        year = int(start - entry + 1e-9)
        if end <= entry + year + 1 + 1e-12:  # within one year of the relationship: the usual case
            return [(year, end - start)]
        out = []
        t = start
        while t < end - 1e-12:
            edge = min(entry + year + 1, end)
            out.append((year, edge - t))
            t = edge
            year += 1
        return out

    def end_spell(self, customer: _Customer, start: float, end: float, service_rate: float):
        """Book the time spent in the stage (exposure) and its cost to serve, by period and tenure year."""
        stage = customer.stage
        if stage:  # a customer (not a prospect) costing less to serve than a new one: cost savings (成本节约)
            customer.cost_savings += (self.reference_service - service_rate) * (end - start)
        k = int(start * self.periods_per_year + 1e-9)
        year = int(start - customer.entry_time + 1e-9)
        if (k < self.n_periods and end <= (k + 1) / self.periods_per_year + 1e-12
                and year < len(self.tenure_years) and end <= customer.entry_time + year + 1 + 1e-12):
            # the usual case: the spell lies within one period and one year of the relationship
            span = end - start
            self.stage_years[k][stage] += span
            self.tenure_years[year] += span
            if service_rate > 0.0:
                amount = service_rate * span
                customer.service_cost += amount
                self._service_cost[k] += amount
                self.stage_profit[k][stage] -= amount
                self.group_profit[customer.group][k] -= amount
                self.tenure_profit[year] -= amount
                customer.value -= amount * self.inverse_discount[year]
            return
        pieces = self.pieces(start, end)
        for k, years in pieces:
            self.stage_years[k][stage] += years
        by_tenure = self.tenure_pieces(customer, start, end)
        last_year = len(self.tenure_years) - 1
        for year, years in by_tenure:
            self.tenure_years[min(year, last_year)] += years
        if service_rate > 0.0:
            self.accrue_service(customer, end - start, service_rate, pieces, by_tenure)

    def accrue_service(self, customer: _Customer, span: float, rate: float, pieces: list, by_tenure: list):
        """Cost to serve at ``rate`` yuan per year over a spell, split by period and by tenure year."""
        customer.service_cost += rate * span
        service = self.money["service_cost"]
        stage_profit = self.stage_profit
        stage = customer.stage
        group_profit = self.group_profit[customer.group]
        for k, years in pieces:
            service[k] += rate * years
            stage_profit[k][stage] -= rate * years
            group_profit[k] -= rate * years
        table = self.inverse_discount
        last_year = len(self.tenure_profit) - 1
        for year, years in by_tenure:
            customer.value -= rate * years * table[min(year, len(table) - 1)]
            self.tenure_profit[min(year, last_year)] -= rate * years

    def finish(self, customer: _Customer):
        """The customer's story ends (lost, unconverted, or still active at the horizon)."""
        now = self.env.now
        if customer.stage < 4:  # still active at the horizon
            customer.years_in[customer.stage] += now - customer.stage_since
        self.ltv_all.add(customer.value)
        if customer.entered[_I_NEW] == customer.entered[_I_NEW]:  # not NaN: became a customer
            self.ltv_acquired.add(customer.value)
        if self.ledger_rows is not None:
            c = customer
            profit = (c.revenue - c.cost_of_sales + c.cross_sell_revenue - c.cross_sell_cost - c.acquisition_cost
                      - c.service_cost - c.referral_damage_cost)
            self.ledger_rows.append(
                (c.id, c.source, c.entry_time, c.entered[_I_NEW], c.entered[_I_LOYAL],
                 c.entered[_I_DECLINE], c.exit_time, int(c.stage), *c.years_in, c.n_purchases,
                 c.revenue, c.cost_of_sales, c.acquisition_cost, c.service_cost, c.referral_damage_cost,
                 profit, c.value, c.n_referrals, c.n_damage, c.price_discounts, c.cross_sell_revenue,
                 c.cross_sell_cost, c.adopted_at, c.cost_savings, c.referred_by,
                 c.funnel_stage if self.funnel is not None else -1, c.first_purchase, c.family))



def simulate(scenario: Scenario, ledger: bool, event_log: bool) -> SimulationResult:
    """The SimPy engine: every person a process."""
    run = _Run(scenario, scenario.seed, ledger, event_log)
    arrivals = scenario.arrivals
    # Python's cyclic garbage collector would scan every live customer again and again (the run
    # makes millions of short-lived events); a finished customer leaves no reference cycle behind,
    # so pausing the collector for the run changes no result and no memory peak, only the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(arrivals.cohort_size):
            run.spawn(arrivals.cohort_stage, SOURCE_COHORT)
        if arrivals.prospects_per_year > 0:
            run.env.process(prospect_stream(run, arrivals.prospects_per_year, SOURCE_STREAM))
        run.env.run(until=scenario.horizon_years + 1e-6)
    finally:
        if collecting:
            gc.enable()

    return assemble_result(
        scenario, flows=run.flows, money=run.money, counts=run.counts, stage_years=run.stage_years,
        stage_profit=run.stage_profit, tenure_years=run.tenure_years, tenure_profit=run.tenure_profit,
        ltv=run.ltv_all.summary(), ltv_acquired=run.ltv_acquired.summary(),
        ledger=Ledger.from_rows(sorted(run.ledger_rows)) if ledger else None,  # by customer id
        events=EventLog.from_rows(run.event_rows) if event_log else None, group_profit=run.group_profit)

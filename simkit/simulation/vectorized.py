"""The vectorized engine: whole populations at once, with NumPy array operations.

Same scenario model and the same law as the SimPy engine (the reference, one
process per customer), drawn another way.  Everybody who enters together --
the cohort and the prospects marketing brings (generation 0), then the
customers they refer and the replacements of those they lose (generation 1),
and so on -- lives *step by step in lock step*: at step s every person still
active draws the length of its s-th spell (a stay in one stage, or one year
of a tenure table), what happens during it (purchases and their spend,
referrals, referral damage, adoption of the second product and its
purchases) and what comes after it (the next stage, retention, the next
funnel step).  Each step is a handful of array operations over everyone
still active, so a run costs a few milliseconds per hundred thousand spells.

Common random numbers
---------------------
Every purpose has its own random stream, keyed by (seed, purpose,
generation, batch, step): the uniforms deciding the s-th stage length and the
s-th next stage of person i are the same in a scenario and in a changed copy
of it, and lengths and counts are made from them by inverting the
distribution (an exponential length is ``-mean * log(1 - u)``; a Poisson
count the smallest k whose cumulative probability exceeds u).  So when a
parameter changes, the same customers move by that change rather than being
shuffled anew, and a comparison of two scenarios run with one seed measures
the change, not the noise (:func:`simkit.compare`).  Purchase times and
spend, and the persons a referral brings, are drawn in order from their own
streams: they stay paired as long as the counts before them are the same.

>>> from simkit import load_scenario, run_simulation
>>> scenario = load_scenario("cohort_10000")
>>> fast = run_simulation(scenario, engine="numpy")
>>> int(fast.stage_counts[0].sum())
10000
>>> run_simulation(scenario, engine="numpy").ltv.mean == fast.ltv.mean     # same seed, same result
True
"""

from __future__ import annotations

import math

import numpy as np

from ..results import EventLog, Ledger
from ..stages import Stage
from .assemble import (COUNTS, MONEY, SOURCE_COHORT, SOURCE_REFERRAL, SOURCE_REPLACEMENT, SOURCE_STREAM,
                       ArrayStats, assemble_result)

__all__ = ["simulate"]

_EPS = 1e-9
#: persons simulated together at most (a large generation runs in batches of this size: bounded memory)
BATCH = 1 << 17
PROSPECT, NEW, LOYAL, DECLINE, LOST, UNCONVERTED = (int(s) for s in Stage)
# the terms of a spell, one column each (rows: the four stages, then the tenure years)
ORDERS, VALUE, SD, SHARE, SERVICE, REFERRALS, DAMAGE, DISCOUNT, ADOPTION = range(9)
# the purposes of random numbers, each its own stream
(_ARRIVALS, _DURATION, _NEXT, _PURCHASES, _PURCHASE_TIMES, _SPEND, _REFERRALS, _REFERRAL_TIMES, _DAMAGE,
 _DAMAGE_TIMES, _ADOPTION, _CROSS_SELL, _CROSS_SELL_TIMES, _TENURE_REFERRALS) = range(14)
EVENT_NAMES = ("arrive", "acquire", "purchase", "cross_sell", "move", "refer", "damage", "adopt")
_ARRIVE, _ACQUIRE, _PURCHASE, _CROSS, _MOVE, _REFER, _DAMAGED, _ADOPT = range(8)
_LEDGER_FLOATS = ("entry_time", "entered_new", "entered_loyal", "entered_decline", "exit_time",
                  "years_prospect", "years_new", "years_loyal", "years_decline", "revenue", "cost_of_sales",
                  "acquisition_cost", "service_cost", "referral_damage_cost", "lifetime_value",
                  "price_discounts", "cross_sell_revenue", "cross_sell_cost", "adopted_second_product",
                  "cost_savings", "first_purchase")
_LEDGER_INTS = ("n_purchases", "n_referrals", "n_prospects_lost")


def poisson_inverse(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion: the smallest k with P(N <= k) > u, for each pair (u, mean).

    The same uniform gives the same or a larger count when the mean grows,
    which is what keeps counts paired between a scenario and a changed copy.

    With mean 2, P(N <= 0) = 0.135, P(N <= 2) = 0.677, P(N <= 5) = 0.983, P(N <= 6) = 0.995:

    >>> poisson_inverse(np.array([0.1, 0.5, 0.99]), np.array([2.0, 2.0, 2.0])).tolist()
    [0, 2, 6]
    """
    mean = np.broadcast_to(np.asarray(mean, dtype=float), u.shape)
    counts = np.zeros(u.shape, dtype=np.int64)
    p = np.exp(-mean)
    cumulative = p.copy()
    todo = np.flatnonzero((u >= cumulative) & (mean > 0))
    k = 0
    while todo.size:
        k += 1
        counts[todo] = k
        p[todo] *= mean[todo] / k
        cumulative[todo] += p[todo]
        todo = todo[(u[todo] >= cumulative[todo]) & (p[todo] > 0)]
    return counts


class _Draws:
    """The random streams of one step of one batch: one ``numpy.random.Generator`` per purpose."""

    def __init__(self, seed: int, generation: int, batch: int, step: int, n: int):
        self.key = (seed, generation, batch, step)
        self.n = n  # persons in the batch: every person has its own draw, used or not (pairing)
        self._generators = {}

    def rng(self, purpose: int) -> np.random.Generator:
        generator = self._generators.get(purpose)
        if generator is None:
            seed, generation, batch, step = self.key
            generator = np.random.default_rng([seed, purpose, generation, batch, step])
            self._generators[purpose] = generator
        return generator

    def uniform(self, purpose: int, persons: np.ndarray) -> np.ndarray:
        """One uniform on [0, 1) for each of ``persons`` (indices in the batch), the same for a person
        whoever else is active."""
        return self.rng(purpose).random(self.n)[persons]

    def poisson(self, purpose: int, persons: np.ndarray, mean: np.ndarray) -> np.ndarray:
        """Poisson counts with the given means for ``persons``: inversion (paired draws) up to a mean of 30."""
        u = self.uniform(purpose, persons)
        counts = poisson_inverse(u, np.where(mean > 30.0, 0.0, mean))
        large = np.flatnonzero(mean > 30.0)
        if large.size:  # inversion would take too many steps; numpy's sampler has the same law
            counts[large] = self.rng(purpose).poisson(mean[large])
        return counts


class _Plan:
    """The scenario turned into arrays the steps read (nothing random here)."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.seed = scenario.seed
        self.horizon = scenario.horizon_years
        self.ppy = scenario.periods_per_year
        self.n_periods = scenario.n_periods
        self.n_years = int(math.ceil(self.horizon - 1e-9))
        rate = scenario.discounting
        self.inverse_discount = np.array([1.0 / rate.discount_rate(year)
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
        self.tenure = scenario.tenure
        if self.tenure is not None:
            t = self.tenure
            for i in range(t.n_years):
                terms.append((t.orders_per_year[i], t.average_order_value[i], t.order_value_sd[i],
                              t.cost_of_sales_share[i], t.yearly_cost_per_customer(i + 1), 0.0, 0.0, 0.0, 0.0))
            self.retention = np.array(t.retention_rate, dtype=float)
            self.referral_rate = np.array(t.referral_rate, dtype=float)
            self.referral_incentive = np.array(t.referral_incentive, dtype=float)
            self.tenure_refers = bool(np.any(self.referral_rate > 0))
            self.reference_service = t.yearly_cost_per_customer(1)
        else:
            self.tenure_refers = False
            self.reference_service = scenario.stages.new.service_cost_per_year
        self.terms = np.array(terms, dtype=float)
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
        return np.clip(np.ceil(t * self.ppy - 1e-9).astype(np.int64) - 1, 0, self.n_periods - 1)

    def period_starting(self, t):
        """Period [k/ppy, (k+1)/ppy) holding each time: for what joins a period as it opens."""
        return np.minimum((t * self.ppy + 1e-9).astype(np.int64), self.n_periods - 1)

    def inverse_discount_at(self, years_since_entry):
        """1 / discount rate of the year of the relationship each time falls in."""
        year = (years_since_entry + 1e-12).astype(np.int64)
        return self.inverse_discount[np.minimum(year, len(self.inverse_discount) - 1)]

    def tenure_row(self, year):
        """Row index (0-based, last repeating) of each tenure year (1-based)."""
        return np.minimum(year, self.tenure.n_years) - 1


class _Books:
    """Per-period tallies of the whole run (the same names as the SimPy engine's)."""

    def __init__(self, plan: _Plan):
        n = plan.n_periods
        self.money = {name: np.zeros(n) for name in MONEY}
        self.counts = {name: np.zeros(n, dtype=np.int64) for name in COUNTS}
        self.flows = np.zeros((n, 6), dtype=np.int64)
        self.stage_years = np.zeros((n, 4))
        self.stage_profit = np.zeros((n, 4))
        self.tenure_years = np.zeros(plan.n_years)
        self.tenure_profit = np.zeros(plan.n_years)
        self.n = n

    def add(self, name: str, periods, weights=None):
        target = self.money[name] if name in self.money else self.counts[name]
        if weights is None:
            target += np.bincount(periods, minlength=self.n)
        else:
            target += np.bincount(periods, weights=weights, minlength=self.n)

    def add_stage(self, table, periods, stages, weights):
        table += np.bincount(periods * 4 + stages, weights=weights, minlength=self.n * 4).reshape(self.n, 4)


class _Entrants:
    """People entering in one generation: when, in which stage, from where, on what terms."""

    FIELDS = ("time", "stage", "source", "parent", "tenure_year", "price", "opening")

    def __init__(self, **columns):
        self.columns = columns

    @classmethod
    def join(cls, parts: list) -> "_Entrants":
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls(**{f: np.zeros(0) for f in cls.FIELDS})
        return cls(**{f: np.concatenate([p.columns[f] for p in parts]) for f in cls.FIELDS})

    def __len__(self):
        return len(self.columns["time"])

    def part(self, start: int, stop: int) -> "_Entrants":
        return _Entrants(**{f: v[start:stop] for f, v in self.columns.items()})

    def __getattr__(self, name):
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None


def _entrants(time, stage, source, parent, tenure_year=1, price=0.0, opening=False) -> _Entrants:
    n = len(time)
    return _Entrants(time=np.asarray(time, dtype=float), stage=np.broadcast_to(stage, n).astype(np.int64),
                     source=np.broadcast_to(source, n).astype(np.int8),
                     parent=np.broadcast_to(parent, n).astype(np.int64),
                     tenure_year=np.broadcast_to(tenure_year, n).astype(np.int64),
                     price=np.broadcast_to(price, n).astype(float),
                     opening=np.broadcast_to(opening, n).astype(bool))


def _pieces(start, end, scale: float, origin):
    """[start, end] of each spell cut at the edges origin + k/scale: (spell, k, length) of every piece."""
    first = np.floor((start - origin) * scale + 1e-9).astype(np.int64)
    last = np.maximum(np.ceil((end - origin) * scale - 1e-9).astype(np.int64) - 1, first)
    n = last - first + 1
    owner = np.repeat(np.arange(len(start)), n)
    k = first[owner] + (np.arange(len(owner)) - np.repeat(np.cumsum(n) - n, n))
    low = np.maximum(start[owner], origin[owner] + k / scale)
    high = np.minimum(end[owner], origin[owner] + (k + 1) / scale)
    return owner, k, np.maximum(high - low, 0.0)


class _Batch:
    """Up to :data:`BATCH` people of one generation, living step by step."""

    def __init__(self, plan: _Plan, books: _Books, entrants: _Entrants, first_id: int, generation: int,
                 batch: int, keep_ledger: bool, keep_events: bool):
        self.plan, self.books = plan, books
        self.generation, self.batch = generation, batch
        n = self.n = len(entrants)
        self.ids = first_id + np.arange(n)
        self.entrants = entrants
        self.entry = entrants.time
        self.t = entrants.time.copy()
        self.stage = entrants.stage.copy()
        self.year = np.zeros(n, dtype=np.int64)          # tenure year (0: not following a tenure table)
        self.funnel_step = np.where(self.stage == PROSPECT, 0, -1) if plan.funnel else np.full(n, -1)
        self.adopted = np.full(n, np.nan)
        self.alive = np.ones(n, dtype=bool)
        self.value = np.zeros(n)                           # discounted lifetime value
        self.entered = {NEW: np.full(n, np.nan), LOYAL: np.full(n, np.nan), DECLINE: np.full(n, np.nan)}
        self.keep_ledger = keep_ledger
        self.f = {name: np.full(n, np.nan if name in ("exit_time", "first_purchase") else 0.0)
                  for name in _LEDGER_FLOATS} if keep_ledger else None
        self.i = {name: np.zeros(n, dtype=np.int64) for name in _LEDGER_INTS} if keep_ledger else None
        self.events = [] if keep_events else None
        self.children = []

    # -- small helpers --------------------------------------------------------
    def tally(self, name: str, who, amounts):
        """Add ``amounts`` to the ledger column ``name`` of persons ``who`` (when a ledger is kept)."""
        if self.keep_ledger:
            table = self.f if name in self.f else self.i
            np.add.at(table[name], who, amounts)

    def log(self, code: int, who, times, stages, amounts=0.0):
        if self.events is not None and len(who):
            n = len(who)
            self.events.append((self.ids[who], np.broadcast_to(times, n).astype(float),
                                np.full(n, code, dtype=np.int8), np.broadcast_to(stages, n).astype(np.int8),
                                np.broadcast_to(amounts, n).astype(float)))

    # -- entering -------------------------------------------------------------
    def enter(self, draws: _Draws):
        plan, books, e = self.plan, self.books, self.entrants
        everyone = np.arange(self.n)
        k = np.where(e.opening, plan.period_starting(e.time), plan.period_of(e.time))
        np.add.at(books.flows, (k, e.stage), 1)
        books.add("n_arrived", k)
        self.log(_ARRIVE, everyone, e.time, e.stage)
        new = np.flatnonzero(e.stage == NEW)
        if new.size:
            self.acquire(new, e.price[new], k[new])
            if plan.tenure is not None:
                self.year[new] = e.tenure_year[new]
                refer = new[e.source[new] != SOURCE_REFERRAL]  # referred customers refer from their 2nd year
                self.tenure_referrals(refer, draws)

    def acquire(self, who, price, periods):
        """``who`` become customers now: pay the acquisition cost (获得成本)."""
        plan, books = self.plan, self.books
        now = self.t[who]
        self.entered[NEW][who] = now
        books.add("n_acquired", periods)
        books.add("acquisition_cost", periods, price)
        self.value[who] -= price * plan.inverse_discount_at(now - self.entry[who])
        self.tally("acquisition_cost", who, price)
        self.log(_ACQUIRE, who, now, NEW, price)

    def tenure_referrals(self, who, draws: _Draws):
        """At the start of a tenure year each retained customer brings Poisson(referral_rate) customers."""
        plan = self.plan
        if not plan.tenure_refers or not len(who):
            return
        now = self.t[who]
        row = plan.tenure_row(self.year[who])
        mean = np.where(now < plan.horizon - 1e-9, plan.referral_rate[row], 0.0)
        counts = draws.poisson(_TENURE_REFERRALS, who, mean)
        if not counts.any():
            return
        parents = np.repeat(who, counts)
        times = self.t[parents]
        self.books.add("n_referred", plan.period_starting(times))
        self.tally("n_referrals", who, counts)
        self.log(_REFER, parents, times, self.stage[parents])
        year = self.year[parents]
        self.children.append(_entrants(times, NEW, SOURCE_REFERRAL, self.ids[parents], tenure_year=year,
                                       price=plan.referral_incentive[plan.tenure_row(year)], opening=True))

    # -- living -----------------------------------------------------------------
    def live(self):
        step = 0
        self.enter(self.draws(step))
        while True:
            active = np.flatnonzero(self.alive)
            if not active.size:
                break
            step += 1
            self.step(active, self.draws(step))

    def draws(self, step: int) -> _Draws:
        return _Draws(self.plan.seed, self.generation, self.batch, step, self.n)

    def step(self, a, draws: _Draws):
        """Every active person ``a`` lives one spell and decides what comes next."""
        plan = self.plan
        start, stage, year = self.t[a], self.stage[a], self.year[a]
        u = draws.uniform(_DURATION, a)
        tenure = year > 0
        funnel = (stage == PROSPECT) & plan.funnel
        mean = plan.mean_years[np.minimum(stage, 3)]
        with np.errstate(invalid="ignore"):
            duration = np.where(np.isinf(mean), np.inf,
                                np.where(plan.fixed[np.minimum(stage, 3)], mean, -mean * np.log1p(-u)))
        if plan.funnel and funnel.any():
            duration[funnel] = -plan.funnel_means[self.funnel_step[a[funnel]]] * np.log1p(-u[funnel])
        duration[tenure] = 1.0
        cut = start + duration > plan.horizon + _EPS
        span = np.where(cut, np.maximum(plan.horizon - start, 0.0), np.minimum(duration, plan.horizon - start))
        terms = plan.terms[np.where(tenure, 4 + plan.tenure_row(np.maximum(year, 1)), stage)
                           if plan.tenure is not None else stage]
        self.book_spell(a, start, span, stage, terms, draws)
        self.t[a] = start + span
        self.alive[a[cut]] = False
        self.decide(a[~cut], draws)

    @staticmethod
    def _event_times(persons, start, span, rate, counts_purpose, times_purpose, draws):
        """Poisson events at ``rate`` per year over each person's spell [start, start + span).

        Returns, for every event, its owner (an index into ``persons``) and its time.
        """
        counts = draws.poisson(counts_purpose, persons, rate * span)
        owner = np.repeat(np.arange(len(persons)), counts)
        times = start[owner] + span[owner] * draws.rng(times_purpose).random(len(owner))
        return owner, times

    def book_spell(self, a, start, span, stage, terms, draws: _Draws):
        plan, books = self.plan, self.books
        n_years_last = plan.n_years - 1
        # purchases of the main product (list-price spend, log-normal)
        owner, times = self._event_times(a, start, span, terms[:, ORDERS], _PURCHASES, _PURCHASE_TIMES, draws)
        if owner.size:
            mean, sd = terms[owner, VALUE], terms[owner, SD]
            spread = (sd > mean * 1e-6) & (mean > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                sigma2 = np.where(spread, np.log1p((sd / np.where(mean > 0, mean, 1.0)) ** 2), 0.0)
            z = draws.rng(_SPEND).standard_normal(len(owner))
            values = np.where(spread, mean * np.exp(np.sqrt(sigma2) * z - sigma2 / 2), mean)
            self.book_purchases(a, owner, times, values, terms[owner, SHARE], terms[owner, DISCOUNT], stage,
                                cross_sell=False)
        # adoption of the second product (新业务的新客户), then its purchases in this and every later spell
        adoption = terms[:, ADOPTION]
        wait = np.full(len(a), np.inf)
        can_adopt = (adoption > 0) & np.isnan(self.adopted[a])
        if can_adopt.any():
            u = draws.uniform(_ADOPTION, a)
            with np.errstate(divide="ignore"):
                wait = np.where(can_adopt, -np.log1p(-u) / np.where(can_adopt, adoption, 1.0), np.inf)
            now = np.flatnonzero(wait < span)
            if now.size:
                who, when = a[now], start[now] + wait[now]
                self.adopted[who] = when
                books.add("n_adopted", plan.period_of(when))
                self.log(_ADOPT, who, when, stage[now])
        if plan.cross_orders > 0:
            adopted_now = wait < span
            buying = np.flatnonzero(~np.isnan(self.adopted[a]))  # adopted before or during this spell
            if buying.size:
                begin = np.where(adopted_now[buying], wait[buying], 0.0)
                sub_owner, times = self._event_times(a[buying], start[buying] + begin, span[buying] - begin,
                                                     np.full(len(buying), plan.cross_orders), _CROSS_SELL,
                                                     _CROSS_SELL_TIMES, draws)
                if sub_owner.size:
                    owner = buying[sub_owner]
                    n = len(owner)
                    self.book_purchases(a, owner, times, np.full(n, plan.cross_value), np.full(n, plan.cross_share),
                                        np.zeros(n), stage, cross_sell=True)
        # referrals (推荐价值): each brings a prospect, who enters at once
        referring = np.flatnonzero(terms[:, REFERRALS] > 0)
        if referring.size:
            sub_owner, times = self._event_times(a[referring], start[referring], span[referring],
                                                 terms[referring, REFERRALS], _REFERRALS, _REFERRAL_TIMES, draws)
            if sub_owner.size:
                who = a[referring[sub_owner]]
                books.add("n_referred", plan.period_of(times))
                self.tally("n_referrals", who, 1)
                self.log(_REFER, who, times, self.stage[who])
                self.children.append(_entrants(times, PROSPECT, SOURCE_REFERRAL, self.ids[who]))
        # referral damage (推荐破坏成本): a prospect driven away, at a price
        damaging = np.flatnonzero(terms[:, DAMAGE] > 0)
        if damaging.size:
            sub_owner, times = self._event_times(a[damaging], start[damaging], span[damaging],
                                                 terms[damaging, DAMAGE], _DAMAGE, _DAMAGE_TIMES, draws)
            if sub_owner.size:
                who = a[damaging[sub_owner]]
                price = plan.damage_price
                k = plan.period_of(times)
                books.add("n_prospects_lost", k)
                books.add("referral_damage_cost", k, np.full(len(k), price))
                books.add_stage(books.stage_profit, k, self.stage[who], np.full(len(k), -price))
                since = times - self.entry[who]
                books.tenure_profit += np.bincount(np.minimum((since + 1e-12).astype(np.int64), n_years_last),
                                                   weights=np.full(len(k), -price), minlength=plan.n_years)
                self.value -= np.bincount(who, weights=price * plan.inverse_discount_at(since), minlength=self.n)
                self.tally("n_prospects_lost", who, 1)
                self.tally("referral_damage_cost", who, price)
                self.log(_DAMAGED, who, times, self.stage[who], price)
        self.book_time(a, start, span, stage, terms[:, SERVICE])

    def book_purchases(self, a, owner, times, values, cost_share, discount, stage, cross_sell: bool):
        """Book purchases at ``times`` of spells ``owner`` (index into a): list-price ``values``."""
        plan, books = self.plan, self.books
        who = a[owner]
        revenue = values * (1.0 - discount)
        cost = values * cost_share
        margin = revenue - cost
        k = plan.period_of(times)
        if cross_sell:
            books.add("cross_sell_revenue", k, revenue)
            books.add("cross_sell_cost", k, cost)
            books.add("n_cross_sell", k)
            self.tally("cross_sell_revenue", who, revenue)
            self.tally("cross_sell_cost", who, cost)
        else:
            books.add("revenue", k, revenue)
            books.add("cost_of_sales", k, cost)
            books.add("n_purchases", k)
            books.add("price_discounts", k, values - revenue)
            if self.keep_ledger:
                self.tally("n_purchases", who, 1)
                self.tally("revenue", who, revenue)
                self.tally("cost_of_sales", who, cost)
                self.tally("price_discounts", who, values - revenue)
                first = self.f["first_purchase"]
                unset = np.isnan(first)
                earliest = np.full(self.n, np.inf)
                np.minimum.at(earliest, who, times)
                fill = unset & np.isfinite(earliest)
                first[fill] = earliest[fill]
        books.add_stage(books.stage_profit, k, stage[owner], margin)
        since = times - self.entry[who]
        books.tenure_profit += np.bincount(np.minimum((since + 1e-12).astype(np.int64), plan.n_years - 1),
                                           weights=margin, minlength=plan.n_years)
        self.value += np.bincount(who, weights=margin * plan.inverse_discount_at(since), minlength=self.n)
        self.log(_CROSS if cross_sell else _PURCHASE, who, times, stage[owner], values)

    def book_time(self, a, start, span, stage, service_rate):
        """Exposure (years in each stage) and cost to serve, by period and by year of the relationship."""
        plan, books = self.plan, self.books
        end = start + span
        customer = stage != PROSPECT
        if self.keep_ledger:
            for s, name in enumerate(("years_prospect", "years_new", "years_loyal", "years_decline")):
                here = stage == s
                self.f[name][a[here]] += span[here]
            self.f["cost_savings"][a[customer]] += ((plan.reference_service - service_rate[customer])
                                                    * span[customer])
            self.f["service_cost"][a] += service_rate * span
        owner, k, length = _pieces(start, end, plan.ppy, np.zeros(len(a)))
        k = np.minimum(k, plan.n_periods - 1)
        books.add_stage(books.stage_years, k, stage[owner], length)
        charged = service_rate[owner] > 0
        if charged.any():
            cost = service_rate[owner] * length
            books.add("service_cost", k, cost)
            books.add_stage(books.stage_profit, k, stage[owner], -cost)
        owner, year, length = _pieces(start, end, 1.0, self.entry[a])
        last = plan.n_years - 1
        books.tenure_years += np.bincount(np.minimum(year, last), weights=length, minlength=plan.n_years)
        cost = service_rate[owner] * length
        if np.any(cost > 0):
            books.tenure_profit -= np.bincount(np.minimum(year, last), weights=cost, minlength=plan.n_years)
            table = plan.inverse_discount
            self.value -= np.bincount(a[owner], weights=cost * table[np.minimum(year, len(table) - 1)],
                                      minlength=self.n)

    # -- deciding -----------------------------------------------------------------
    def decide(self, d, draws: _Draws):
        """Persons ``d`` finished a spell before the horizon: the next stage, retention, the next funnel step."""
        if not d.size:
            return
        plan = self.plan
        u = draws.uniform(_NEXT, d)
        stage = self.stage[d]
        target = np.full(len(d), -1)
        year = self.year[d]
        tenure = year > 0
        if tenure.any():
            kept = u < plan.retention[plan.tenure_row(np.maximum(year, 1))]
            target[tenure & ~kept] = LOST
            stay = d[tenure & kept]
            self.year[stay] += 1
            target[tenure & kept & (stage == NEW)] = LOYAL
        rest = ~tenure
        if plan.funnel:
            funnel = rest & (stage == PROSPECT)
            step = self.funnel_step[d]
            lose = funnel & (u >= plan.funnel_steps[np.maximum(step, 0)])
            target[lose] = UNCONVERTED
            onward = funnel & ~lose & (step < len(plan.funnel_steps) - 1)
            self.funnel_step[d[onward]] += 1
            target[funnel & ~lose & ~onward] = NEW
            rest &= ~funnel
        if rest.any():
            s = np.minimum(stage[rest], 3)
            choice = (u[rest, None] >= plan.cumulative[s]).sum(axis=1)
            target[rest] = plan.targets[s, np.minimum(choice, 5)]
        moving = target >= 0
        self.move(d[moving], stage[moving], target[moving])
        if tenure.any():
            self.tenure_referrals(d[tenure & kept], draws)
        converted = d[target == NEW]
        if converted.size:
            self.acquire(converted, np.full(converted.size, plan.acquisition_price),
                         plan.period_of(self.t[converted]))
            if plan.tenure is not None:
                self.year[converted] = 1
                self.tenure_referrals(converted, draws)
        ended = d[(target == LOST) | (target == UNCONVERTED)]
        self.alive[ended] = False

    def move(self, who, source, target):
        plan, books = self.plan, self.books
        if not who.size:
            return
        now = self.t[who]
        k = plan.period_of(now)
        np.add.at(books.flows, (k, source), -1)
        np.add.at(books.flows, (k, target), 1)
        self.stage[who] = target
        for stage, name in ((LOYAL, "n_promoted"), (DECLINE, "n_declined"), (LOST, "n_lost"),
                            (UNCONVERTED, "n_unconverted")):
            here = target == stage
            if here.any():
                books.add(name, k[here])
                if stage in self.entered:
                    first = who[here][np.isnan(self.entered[stage][who[here]])]
                    self.entered[stage][first] = self.t[first]
        gone = (target == LOST) | (target == UNCONVERTED)
        if self.keep_ledger:
            self.f["exit_time"][who[gone]] = now[gone]
        self.log(_MOVE, who, now, target)
        if plan.replace_lost:
            lost = target == LOST
            if lost.any():
                self.children.append(_entrants(now[lost], NEW, SOURCE_REPLACEMENT, -1,
                                               price=plan.acquisition_price))

    # -- what is left ---------------------------------------------------------------
    def ledger_columns(self) -> dict:
        """This batch's rows of the ledger, as columns (ids before renumbering)."""
        f = dict(self.f)
        f["entry_time"] = self.entry
        f["entered_new"], f["entered_loyal"], f["entered_decline"] = (self.entered[NEW], self.entered[LOYAL],
                                                                      self.entered[DECLINE])
        f["lifetime_value"] = self.value
        f["adopted_second_product"] = self.adopted
        profit = (f["revenue"] - f["cost_of_sales"] + f["cross_sell_revenue"] - f["cross_sell_cost"]
                  - f["acquisition_cost"] - f["service_cost"] - f["referral_damage_cost"])
        funnel = self.funnel_step if self.plan.funnel else np.full(self.n, -1)
        return {"customer_id": self.ids, "source": self.entrants.source, "referred_by": self.entrants.parent,
                "final_stage": self.stage, "profit": profit, "funnel_reached": funnel, **f, **self.i}


def simulate(scenario, keep_ledger: bool, keep_events: bool):
    """Run a validated scenario on the vectorized engine (see :func:`simkit.run_simulation`)."""
    plan = _Plan(scenario)
    books = _Books(plan)
    arrivals = scenario.arrivals
    # generation 0: the cohort at time 0, then the prospects marketing brings (a Poisson process)
    stream = np.random.default_rng([plan.seed, _ARRIVALS])
    n_stream = int(stream.poisson(arrivals.prospects_per_year * plan.horizon)) if arrivals.prospects_per_year else 0
    generation = _Entrants.join([
        _entrants(np.zeros(arrivals.cohort_size), int(arrivals.cohort_stage), SOURCE_COHORT, -1,
                  price=plan.acquisition_price),
        _entrants(np.sort(stream.random(n_stream) * plan.horizon), PROSPECT, SOURCE_STREAM, -1)])
    ltv_all, ltv_acquired = ArrayStats(), ArrayStats()
    ledgers, events, entry_times = [], [], []
    next_id = 0
    g = 0
    while len(generation):
        children = []
        for b, start in enumerate(range(0, len(generation), BATCH)):
            batch = _Batch(plan, books, generation.part(start, start + BATCH), next_id, g, b, keep_ledger,
                           keep_events)
            next_id += batch.n
            batch.live()
            ltv_all.add(batch.value)
            ltv_acquired.add(batch.value[~np.isnan(batch.entered[NEW])])
            if keep_ledger:
                ledgers.append(batch.ledger_columns())
            if keep_events:
                events.extend(batch.events)
                entry_times.append(batch.entry)
            children.extend(batch.children)
        generation = _Entrants.join(children)
        if len(generation):  # in order of entry, each referrer's referrals together
            order = np.lexsort((generation.parent, generation.time))
            generation = _Entrants(**{f: v[order] for f, v in generation.columns.items()})
        g += 1
    ledger = _ledger(ledgers) if keep_ledger else None
    event_log = _event_log(events, np.concatenate(entry_times)) if keep_events else None
    return assemble_result(scenario, flows=books.flows, money=books.money, counts=books.counts,
                           stage_years=books.stage_years, stage_profit=books.stage_profit,
                           tenure_years=books.tenure_years, tenure_profit=books.tenure_profit,
                           ltv=ltv_all.summary(), ltv_acquired=ltv_acquired.summary(),
                           ledger=ledger, events=event_log)


def _renumbering(entry_time: np.ndarray) -> np.ndarray:
    """New id of each person: ids run in order of entry (ties: in order of creation), as in the SimPy engine."""
    order = np.argsort(entry_time, kind="stable")
    new_id = np.empty(len(order), dtype=np.int64)
    new_id[order] = np.arange(len(order))
    return new_id


def _ledger(parts: list) -> Ledger:
    data = {name: np.concatenate([np.asarray(p[name]) for p in parts]).astype(kind) for name, kind in Ledger.columns}
    new_id = _renumbering(data["entry_time"])
    order = np.argsort(new_id)
    data = {name: values[order] for name, values in data.items()}
    data["customer_id"] = np.arange(len(order), dtype=np.int64)
    referred = data["referred_by"] >= 0
    data["referred_by"][referred] = new_id[data["referred_by"][referred]]
    return Ledger.from_columns(data)


def _event_log(chunks: list, entry_time: np.ndarray) -> EventLog:
    if not chunks:
        return EventLog.from_rows([])
    ids, times, codes, stages, amounts = (np.concatenate(c) for c in zip(*chunks))
    ids = _renumbering(entry_time)[ids]
    order = np.lexsort((ids, times))
    labels = np.array([s.label for s in Stage], dtype=object)
    names = np.array(EVENT_NAMES, dtype=object)
    return EventLog({"customer_id": ids[order], "time": times[order], "event": names[codes[order]],
                     "stage": labels[stages[order]], "amount": amounts[order]})

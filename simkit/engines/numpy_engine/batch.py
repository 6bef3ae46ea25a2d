"""A batch's life: up to :data:`BATCH` people of one generation, living step by step in lock step.

At each step every person still active lives one spell (a stay in one stage, or one year of a tenure
table) and decides what comes next (:meth:`_Batch.step`); what the spells bring is booked as they are
lived, or for many steps at once (:meth:`_Batch.book`).

When everyone active lives the same year of a tenure table from the same
time (a cohort's year, textbook §4), the step takes a shortcut that computes
with one value where the general step holds one per person, and gives the
same result to the last bit (tests/test_tenure_step.py runs both).
"""

from __future__ import annotations

import math

import numpy as np

from ..assemble import GROUPS, SOURCE_REFERRAL, SOURCE_REPLACEMENT
from ..limits import current as current_limits
from .arrays import (_add_once, _all, _any, _as_slice, _column, _repeated_sums, _running_total,
                     _smallest_of_each, _which)
from .books import (_COUNT_CROSS_SELL, _COUNT_DAMAGE, _COUNT_PURCHASES, _COUNT_REFERRALS, _Books, _Spells,
                    _Step, _Steps, _spread)
from .draws import (_ADOPTION, _CROSS_SELL, _CROSS_SELL_TIMES, _DAMAGE, _DAMAGE_TIMES, _DURATION,
                    _LARGE_REFERRALS, _NEXT, _PURCHASES, _REFERRAL_TIMES, _REFERRALS, _SPEND, _TENURE_REFERRALS,
                    _TIMES, _Draws, _inverse_by_table, poisson_inverse)
from .entrants import _Entrants, _entrants
from .ledger import (_ACQUIRE, _ADOPT, _ARRIVE, _CROSS, _DAMAGED, _LEDGER_FLOATS, _LEDGER_INTS, _MOVE,
                     _PURCHASE, _REFER)
from .plan import (ADOPTION, DAMAGE, DECLINE, DISCOUNT, LOG_VARIANCE, LOST, LOYAL, NEW, ORDERS, PROSPECT,
                   REFERRALS, SERVICE, SHARE, UNCONVERTED, VALUE, _Plan)

_EPS = 1e-9
#: persons simulated together at most (a large generation runs in batches of this size: bounded memory)
BATCH = 1 << 17
#: moves into these stages are counted, each under its name
_COUNTED_MOVES = ((LOYAL, "n_promoted"), (DECLINE, "n_declined"), (LOST, "n_lost"), (UNCONVERTED, "n_unconverted"))


class _Batch:
    """Up to :data:`BATCH` people of one generation, living step by step."""

    def __init__(self, plan: _Plan, books: _Books, entrants: _Entrants, first_id: int, generation: int,
                 batch: int, keep_ledger: bool, keep_events: bool, joint=None):
        self.plan, self.books = plan, books
        self.limits = current_limits()   # the run budget, held while the run goes (None outside run_simulation)
        self.generation, self.batch = generation, batch
        n = self.n = len(entrants)
        self.ids = first_id + np.arange(n)
        self.entrants = entrants
        self.entry = entrants.time
        self.family = entrants.family
        self.group = entrants.family % GROUPS  # families in groups for paired intervals (assemble.py)
        self.slot = entrants.slot
        self.one_entry = bool(n) and entrants.time.min() == entrants.time.max()  # all entered at once
        self.together = None  # (time, stage, tenure year) when every active person shares them
        self.t = entrants.time.copy()
        self.stage = entrants.stage.copy()
        self.year = np.zeros(n, dtype=np.int64)          # tenure year (0: not following a tenure table)
        self.funnel_step = np.where(self.stage == PROSPECT, 0, -1) if plan.funnel else np.full(n, -1)
        self.adopted = np.full(n, np.nan)
        self.alive = np.ones(n, dtype=bool)
        self.value = np.zeros(n)                           # discounted lifetime value
        self.entered = {NEW: np.full(n, np.nan), LOYAL: np.full(n, np.nan), DECLINE: np.full(n, np.nan)}
        self.keep_ledger = keep_ledger
        if keep_ledger:
            self.f = {name: np.full(n, np.nan if name in ("exit_time", "first_purchase") else 0.0)
                      for name in _LEDGER_FLOATS}
            self.i = {name: np.zeros(n, dtype=np.int64) for name in _LEDGER_INTS}
            self.years_in = np.zeros((n, 4))
        self.events = [] if keep_events else None
        self.children = []
        # spells lived but not yet booked: a stage model's steps are booked together, every BATCH spells and
        # at the end (a tenure table's are booked as they are lived, as its lean year books them)
        self.pending, self.n_pending, self.defer = [], 0, plan.tenure is None
        self.joint = joint  # the run's joint book (_Joint), for a stage model's spells (None: each batch books its own)

    def log(self, code: int, who, times, stages, amounts=0.0):
        if self.events is not None and len(who):
            n = len(who)
            self.events.append((self.ids[who], _column(times, n, float), np.full(n, code, dtype=np.int8),
                                _column(stages, n, np.int8), _column(amounts, n, float)))

    # -- entering -------------------------------------------------------------
    def enter(self, draws: _Draws):
        plan, books, e = self.plan, self.books, self.entrants
        if self.events is None and self.one_entry and self.enter_together(draws):
            return
        k = np.where(e.opening, plan.period_starting(e.time), plan.period_of(e.time))
        books.add_flows(k, e.stage, 1)
        books.add("n_arrived", k)
        self.log(_ARRIVE, np.arange(self.n), e.time, e.stage)
        new = _which(e.stage == NEW)
        if new.size:
            self.acquire(new, e.price[new], k[new])
            if plan.tenure is not None:
                self.year[new] = e.tenure_year[new]
                refer = new[e.source[new] != SOURCE_REFERRAL]  # referred customers refer from their 2nd year
                self.tenure_referrals(refer, draws)

    def enter_together(self, draws: _Draws) -> bool:
        """:meth:`enter` for a batch whose people all enter at one time in one stage on the same terms (a
        cohort): counts and one value instead of a value per person.  False, having done nothing, if not."""
        plan, books, e = self.plan, self.books, self.entrants
        n, stage, price = self.n, int(e.stage[0]), float(e.price[0])
        if not all(_all(column == column[0]) for column in (e.stage, e.opening, e.price, e.source, e.tenure_year)):
            return False
        now = float(e.time[0])
        k = int(plan.period_starting(np.array([now]))[0]) if e.opening[0] else plan.period_at(now)
        books.flows[k, stage] += n
        books.counts["n_arrived"][k] += n
        if stage != NEW:
            return True
        everyone = np.arange(n)
        self.entered[NEW][:] = now
        books.counts["n_acquired"][k] += n
        # the acquisition cost (获得成本), as acquire() books it: n equal amounts added one after the other
        per_group = np.bincount(self.group, minlength=GROUPS)
        books.money["acquisition_cost"][k] += _repeated_sums(price, np.array([n]))[0]
        books.group_profit[:, k] += _repeated_sums(-price, per_group)
        year = plan.year_of(np.array([now - self.entry[0]]))[0]
        self.value -= price * plan.inverse_acquisition[min(year, len(plan.inverse_acquisition) - 1)]
        if self.keep_ledger:
            self.f["acquisition_cost"] += price
        if plan.tenure is not None:
            self.year[:] = e.tenure_year[0]
            if e.source[0] != SOURCE_REFERRAL:  # referred customers refer from their 2nd year
                self.tenure_referrals(everyone, draws)
            self.together = (now, NEW, int(e.tenure_year[0]))
        return True

    def acquire(self, who, price, periods):
        """``who`` become customers now: pay the acquisition cost (获得成本)."""
        plan, books = self.plan, self.books
        now = self.t[who]
        self.entered[NEW][who] = now
        books.add("n_acquired", periods)
        books.add("acquisition_cost", periods, price)
        books.add_group(self.group[who], periods, -price)
        year = plan.year_of(now - self.entry[who])
        self.value[who] -= price * plan.inverse_acquisition[np.minimum(year, len(plan.inverse_acquisition) - 1)]
        if self.keep_ledger:
            self.f["acquisition_cost"][who] += price
        self.log(_ACQUIRE, who, now, NEW, price)

    def tenure_referrals(self, who, draws: _Draws):
        """At the start of a tenure year each retained customer brings Poisson(referral_rate) customers."""
        plan = self.plan
        if not plan.tenure_refers or not len(who):
            return
        now = self.t[who]
        mean = np.where(now < plan.horizon - 1e-9, plan.referral_rate[plan.tenure_row(self.year[who])], 0.0)
        (counts,) = draws.poisson([(_TENURE_REFERRALS, who, mean)])
        if not _any(counts):
            return
        parents = who.repeat(counts)
        times = self.t[parents]
        self.books.add("n_referred", plan.period_starting(times))
        if self.keep_ledger:
            self.i["n_referrals"][who] += counts
        self.log(_REFER, parents, times, self.stage[parents])
        year = self.year[parents]
        self.children.append(_entrants(times, NEW, SOURCE_REFERRAL, self.ids[parents], self.family[parents],
                                       tenure_year=year,
                                       price=plan.referral_incentive[plan.tenure_row(year)], opening=True))

    # -- living -----------------------------------------------------------------
    def live(self):
        step = 0
        self.enter(self.draws(step, np.arange(self.n)))
        while True:
            active = _which(self.alive)
            if not active.size:
                break
            step += 1
            self.step(active, self.draws(step, active))
        if self.pending:
            self.book()

    def draws(self, step: int, active: np.ndarray) -> _Draws:
        return _Draws(self.plan.streams, self.plan.seed, self.generation, self.batch, step, self.slot, active,
                      self.plan.tenure is not None)

    def step(self, a, draws: _Draws):
        """Every active person ``a`` lives one spell and decides what comes next."""
        plan = self.plan
        together, self.together = self.together, None
        if together is not None and self.tenure_year(a, *together, draws):
            draws.release()
            return  # all still live the same tenure year: done with fewer array passes
        start, stage = self.t[a], self.stage[a]
        if plan.tenure is not None:
            year = self.year[a]
            tenure = year > 0
            all_tenure = _all(tenure)
            if (together is None and all_tenure and _all(start == start[0]) and _all(stage == stage[0])
                    and _all(year == year[0]) and self.tenure_year(a, start[0], int(stage[0]), year[0], draws)):
                draws.release()
                return
        else:  # (a stage model: nobody follows a tenure table)
            tenure, all_tenure = None, False
        if all_tenure:  # a year of the tenure table each (no draw needed)
            duration = np.ones(len(a))
        else:
            u = draws.uniform(_DURATION, a)
            rule = np.minimum(stage, 3)
            # exponential by inversion (-mean x log(1 - u)), or the fixed mean; a stage without an end lasts
            # for ever
            duration = plan.negative_means[rule] * np.log1p(-u)
            if plan.any_fixed:
                duration = np.where(plan.fixed[rule], plan.mean_years[rule], duration)
            if plan.any_endless:
                duration[np.isinf(plan.mean_years[rule])] = np.inf
            if plan.funnel:
                funnel = stage == PROSPECT
                if _any(funnel):
                    duration[funnel] = -plan.funnel_means[self.funnel_step[a[funnel]]] * np.log1p(-u[funnel])
            if tenure is not None:
                duration[tenure] = 1.0
        cut = start + duration > plan.horizon + _EPS
        span = np.where(cut, np.maximum(plan.horizon - start, 0.0), np.minimum(duration, plan.horizon - start))
        rows = stage if tenure is None else np.where(tenure, 4 + plan.tenure_row(np.maximum(year, 1)), stage)
        if len(a) > 64 and rows.min() == rows.max():  # everyone on the same terms (a cohort's tenure year): one
            # row, read-only (a few persons' rows are copied: cheaper than the test)
            terms = np.broadcast_to(plan.terms[rows[0]], (len(a), plan.terms.shape[1]))
        else:
            terms = plan.terms[rows]
        self.pending.append(self.spell(a, start, span, stage, terms, rows, draws))
        self.n_pending += len(a)
        if not self.defer or self.n_pending >= BATCH:
            self.book()
        self.t[a] = start + span
        self.alive[a[cut]] = False
        self.decide(a[~cut], draws)
        draws.release()

    def tenure_year(self, a, s0: float, here: int, y0: int, draws: _Draws) -> bool:
        """The step of persons ``a`` who all live the same year ``y0`` of the tenure table in the same stage
        ``here``, from the same time ``s0``, within one reporting period: a cohort's year (textbook §4).
        Does what :meth:`step` does -- the same draws, the same arithmetic in the same order, so the
        same result to the last bit -- with scalars where the general step has one equal value per
        person, and without the machinery such a year has no use for (stage lengths, split spells,
        adoption, referrals during the spell).

        Returns False, having done nothing, when the year is not that simple (or the event log is kept, or
        the horizon cuts the year short).
        """
        plan, books = self.plan, self.books
        n = len(a)
        row = plan.tenure_row(max(int(y0), 1))  # of the tenure table; the terms' rows follow the 4 stages'
        terms = plan.terms[4 + row]
        span = min(1.0, plan.horizon - s0)
        orders = terms[ORDERS] * span
        if (self.events is not None or not self.one_entry or orders > 30.0 or s0 + 1.0 > plan.horizon + _EPS
                or _any(terms[[REFERRALS, DAMAGE, DISCOUNT, ADOPTION]])
                or (plan.cross_orders > 0 and not _all(np.isnan(self.adopted[a])))):
            return False
        # the spell [s0, end] against the period edges and the anniversaries (as _Spells does it)
        end, entry = s0 + span, self.entry[0]
        first_period = math.floor(s0 * plan.ppy + 1e-9)
        first_year = math.floor(s0 - entry + 1e-9)
        if (max(math.ceil(end * plan.ppy - 1e-9) - 1, first_period) != first_period
                or max(math.ceil(end - entry - 1e-9) - 1, first_year) != first_year):
            return False  # the year crosses a period edge: the general step books each purchase by its time
        k = min(first_period, plan.n_periods - 1)
        year_index = min(first_year, plan.n_years - 1)
        discount_factor = plan.inverse_discount[min(first_year, len(plan.inverse_discount) - 1)]
        width = end - s0  # the spell's length as the general step's tables see it
        at = _as_slice(a)  # the persons, as a slice when they are consecutive (views, not copies)
        group = self.group[at]
        per_group = np.bincount(group, minlength=GROUPS)
        ledger = self.keep_ledger
        # purchases: a Poisson count each, list-price spend log-normal around the year's average
        counts = None
        if orders > 0:
            u = draws.uniform(_PURCHASES, a)
            counts = _inverse_by_table(u, float(orders)) if n > 64 else poisson_inverse(u, np.full(n, orders))
            if self.limits is not None:   # the run budget: events counted before any is laid out
                self.limits.add_events(int(counts.sum()))
        if counts is not None and _any(counts):
            slots = self.slot[at]
            layout = draws.items(slots, counts, group)
            owner = np.arange(n).repeat(counts)
            log_variance = terms[LOG_VARIANCE]
            if log_variance > 0:
                spend = draws.grouped(_SPEND, slots, counts, normal=True, layout=layout)
                spend *= np.sqrt(log_variance)
                spend -= log_variance / 2
                np.exp(spend, out=spend)
                spend *= terms[VALUE]
                revenue = np.bincount(owner, weights=spend, minlength=n)  # no price discount on a tenure year
            else:
                revenue = counts * terms[VALUE]
            cost = revenue * terms[SHARE]
            margin = revenue - cost
            total_margin = _running_total(margin)
            books.money["revenue"][k] += _running_total(revenue)
            books.money["cost_of_sales"][k] += _running_total(cost)
            books.counts["n_purchases"][k] += int(counts.sum())
            books.stage_profit[k, here] += total_margin
            books.group_profit[:, k] += np.bincount(group, weights=margin, minlength=GROUPS)
            books.tenure_profit[year_index] += total_margin
            margin *= discount_factor
            _add_once(self.value, at, margin)
            if ledger:
                _add_once(self.i["n_purchases"], at, counts)
                _add_once(self.f["revenue"], at, revenue)
                _add_once(self.f["cost_of_sales"], at, cost)
                first = self.f["first_purchase"]
                none_yet = np.isnan(first[at]) & (counts > 0)
                new = _which(none_yet)
                if len(new) == np.count_nonzero(counts):  # the earliest purchase of those who had none (see
                    # book_purchases), here every buyer's
                    u = draws.grouped(_TIMES, slots, counts, layout=layout)
                    first[a[new]] = s0 + span * _smallest_of_each(u, owner, n, new)
                elif len(new):  # only their purchases' times are needed
                    theirs = _which(none_yet.repeat(counts))  # (indices: cheaper than two gathers by a mask)
                    u = draws.grouped(_TIMES, None, None, layout=(layout[0][theirs], layout[1]))
                    first[a[new]] = s0 + span * _smallest_of_each(u, owner[theirs], n, new)
        # time: exposure and cost to serve (a sum of equal values: see _repeated_sums)
        service = terms[SERVICE]
        if ledger:
            _add_once(self.years_in[:, here], at, span)
            _add_once(self.f["cost_savings"], at, (plan.reference_service - service) * span)
            _add_once(self.f["service_cost"], at, service * span)
        years = _repeated_sums(width, np.array([n]))[0]
        books.stage_years[k, here] += years
        books.tenure_years[year_index] += years
        if service > 0:
            cost = service * width
            sums = _repeated_sums(cost, np.append(per_group, n))
            by_group, total = sums[:GROUPS], sums[GROUPS]
            books.money["service_cost"][k] += total
            books.stage_profit[k, here] -= total
            books.group_profit[:, k] -= by_group
            books.tenure_profit[year_index] -= total
            _add_once(self.value, at, -(cost * discount_factor))
        self.t[at] = end
        # retention (保持率) at the year's end, as decide() does it: the kept start their next year
        kept = draws.uniform(_NEXT, a) < plan.retention[row]
        stayed, lost = a[_which(kept)], a[_which(~kept)]  # (cheaper than a mask's subscript)
        self.year[stayed] = y0 + 1
        if here == NEW:  # the new are promoted, the others stay where they are; some are lost
            self.move_together(stayed, NEW, LOYAL, end)
        self.move_together(lost, here, LOST, end)
        if len(stayed):
            self.tenure_referrals(stayed, draws)
        self.alive[lost] = False
        if end >= plan.horizon - 1e-9:
            self.alive[at] = False  # decided at the horizon: nothing more to live
        else:  # the stayers live their next year together
            self.together = (end, LOYAL if here == NEW else here, y0 + 1)
        return True

    def spell(self, a, start, span, stage, terms, rows, draws: _Draws) -> _Step:
        """The spells of persons ``a`` in this step: adoption of the second product, and the uniforms of what
        happens during them (booked by :meth:`book`)."""
        plan, books = self.plan, self.books
        # adoption of the second product (新业务的新客户), then its purchases in this and every later spell
        begin = np.zeros(len(a))  # when in the spell the second product is bought from
        if plan.adopts:
            adoption = terms[:, ADOPTION]
            adopted = self.adopted[a]
            can_adopt = (adoption > 0) & np.isnan(adopted)
            if _any(can_adopt):
                with np.errstate(over="ignore"):  # a rate near zero: a wait beyond any horizon (inf) is right
                    wait = np.where(can_adopt, -np.log1p(-draws.uniform(_ADOPTION, a))
                                    / np.where(can_adopt, adoption, 1.0), np.inf)
                now = _which(wait < span)
                if now.size:
                    who, when = a[now], start[now] + wait[now]
                    self.adopted[who] = adopted[now] = when
                    begin[now] = wait[now]
                    books.add("n_adopted", plan.period_of(when))
                    self.log(_ADOPT, who, when, stage[now])
        if plan.cross_orders > 0:
            buying = _which(~np.isnan(adopted if plan.adopts else self.adopted[a]))
        else:
            buying = np.zeros(0, np.int64)
        referring = _which(terms[:, REFERRALS] > 0)
        damaging = _which(terms[:, DAMAGE] > 0)
        # how many of each, one Poisson count per person and purpose
        requests = [(_PURCHASES, a, terms[:, ORDERS] * span),
                    (_CROSS_SELL, a[buying], plan.cross_orders * (span[buying] - begin[buying])),
                    (_REFERRALS, a[referring], terms[referring, REFERRALS] * span[referring]),
                    (_DAMAGE, a[damaging], terms[damaging, DAMAGE] * span[damaging])]
        return _Step(draws=draws, a=a, start=start, span=span, stage=stage, rows=rows, begin=begin,
                     buying=buying, referring=referring, damaging=damaging,
                     # (a count of mean 0 is 0 whatever the uniform: a purpose nobody can count is not drawn)
                     uniforms=[draws.uniform(purpose, persons) if _any(means) else np.zeros(len(persons))
                               for purpose, persons, means in requests],
                     means=[means for _, _, means in requests])

    def add_to(self, column: np.ndarray, who, values, unique: bool):
        """``column[who] += values``, for persons ``who`` who may come more than once (unless ``unique``)."""
        if unique:
            column[who] += values
        else:
            np.add.at(column, who, values)

    def book(self):
        """Book what happened during the waiting spells: word of mouth at once (the next generation is made of
        it); purchases, the second product, referral damage and time now, or in the run's joint book with other
        batches' spells (:class:`_Joint`)."""
        steps = _Steps(self.pending)
        self.pending, self.n_pending = [], 0
        self.book_referrals(steps)
        if self.defer and self.joint is not None:
            self.joint.add(self, steps)
        else:
            self.book_spells(steps)

    def book_referrals(self, steps: _Steps):
        """Referrals (推荐价值) during the spells of ``steps``: each brings a prospect, who enters at once."""
        plan = self.plan
        (referrals,) = steps.counts((_COUNT_REFERRALS,), _LARGE_REFERRALS)
        if not _any(referrals):
            return
        a, start, span, stage, referring = steps.a, steps.start, steps.span, steps.stage, steps.referring
        owner = referring.repeat(referrals)
        when = start[owner] + span[owner] * steps.grouped(_REFERRAL_TIMES, steps.bounds(referring),
                                                          self.slot[a[referring]], referrals)
        who = a[owner]
        self.books.add("n_referred", plan.period_of(when))
        if self.keep_ledger:
            self.add_to(self.i["n_referrals"], a[referring], referrals, steps.unique)
        self.log(_REFER, who, when, stage[owner])
        self.children.append(_entrants(when, PROSPECT, SOURCE_REFERRAL, self.ids[who], self.family[who]))

    def book_spells(self, steps: _Steps):
        """Book what the spells of ``steps`` brought but word of mouth: purchases, second product, referral
        damage, time."""
        plan, books = self.plan, self.books
        a, start, span, stage, rows, begin = steps.a, steps.start, steps.span, steps.stage, steps.rows, steps.begin
        terms = plan.terms  # (each spell's terms are a row of the table: read the columns a book needs)
        buying, damaging = steps.buying, steps.damaging
        spells = _Spells(start, start + span, plan, self.entry[a])
        purchases, cross_sell, damage = steps.counts((_COUNT_PURCHASES, _COUNT_CROSS_SELL, _COUNT_DAMAGE))
        if _any(purchases):  # the main product: list-price spend, log-normal around the average
            self.book_purchases(a, spells, start, span, purchases, terms[rows, VALUE], terms[rows, LOG_VARIANCE],
                                terms[rows, SHARE], terms[rows, DISCOUNT], stage, steps, steps.bounds(), cross_sell=False)
        if _any(cross_sell):
            n = buying.size
            sub = _Spells(start[buying] + begin[buying], start[buying] + span[buying], plan, self.entry[a[buying]])
            self.book_purchases(a[buying], sub, start[buying] + begin[buying], span[buying] - begin[buying],
                                cross_sell, np.full(n, plan.cross_value), np.zeros(n), np.full(n, plan.cross_share),
                                np.zeros(n), stage[buying], steps, steps.bounds(buying), cross_sell=True)
        if _any(damage):  # referral damage (推荐破坏成本): a prospect driven away, at a price
            owner = damaging.repeat(damage)
            when = start[owner] + span[owner] * steps.grouped(_DAMAGE_TIMES, steps.bounds(damaging),
                                                              self.slot[a[damaging]], damage)
            who = a[owner]
            price = np.full(len(who), plan.damage_price)
            k = plan.period_of(when)
            books.add("n_prospects_lost", k)
            books.add("referral_damage_cost", k, price)
            self.book_margin(who, k, stage[owner], plan.year_of(when - self.entry[who]), -price)
            if self.keep_ledger:
                self.add_to(self.i["n_prospects_lost"], a[damaging], damage, steps.unique)
                self.add_to(self.f["referral_damage_cost"], a[damaging], damage * plan.damage_price, steps.unique)
            self.log(_DAMAGED, who, when, stage[owner], price)
        self.book_time(a, spells, span, stage, terms[rows, SERVICE], steps.unique)

    def book_margin(self, who, periods, stages, years, margin):
        """Profit (or loss) by period and stage, by year of the relationship, and in each person's value."""
        plan, books = self.plan, self.books
        books.add_stage(books.stage_profit, periods, stages, margin)
        books.add_group(self.group[who], periods, margin)
        books.tenure_profit += np.bincount(np.minimum(years, plan.n_years - 1), weights=margin,
                                           minlength=plan.n_years)
        discounted = margin * plan.inverse_discount[np.minimum(years, len(plan.inverse_discount) - 1)]
        self.value += np.bincount(who, weights=discounted, minlength=self.n)

    def book_purchases(self, a, spells, start, span, counts, mean, log_variance, cost_share, discount, stage,
                       steps: _Steps, bounds, cross_sell: bool):
        """``counts`` purchases during each spell of persons ``a`` (list-price spend log-normal around ``mean``,
        its log with variance ``log_variance``; each the average where that is 0).

        A spell within one period and one year of the relationship is booked as a whole (its count
        and total spend); a spell that crosses an edge books each purchase by its own time.
        """
        plan, books = self.plan, self.books
        owner = np.arange(len(a)).repeat(counts)
        layouts = steps.layouts(bounds, self.slot[a], counts)  # the same for spend and times
        if _any(log_variance > 0):  # log-normal with the given mean and standard deviation, one draw per purchase
            values = steps.grouped(_SPEND, bounds, None, None, normal=True, layouts=layouts)  # z, then spend
            values *= np.sqrt(log_variance).repeat(counts)  # mean x exp(sigma z - sigma^2 / 2)
            values -= (log_variance / 2).repeat(counts)
            np.exp(values, out=values)
            values *= mean.repeat(counts)
            listed = np.bincount(owner, weights=values, minlength=len(a))
        else:
            values = None
            listed = counts * mean
        names = (("cross_sell_revenue", "cross_sell_cost", "n_cross_sell") if cross_sell
                 else ("revenue", "cost_of_sales", "n_purchases"))
        buying = counts > 0
        whole = _which(spells.whole & buying)
        if whole.size:
            k = spells.period[whole]
            revenue = listed[whole] * (1.0 - discount[whole])
            cost = listed[whole] * cost_share[whole]
            books.add(names[0], k, revenue)
            books.add(names[1], k, cost)
            books.add(names[2], k, counts[whole])
            if not cross_sell:
                books.add("price_discounts", k, listed[whole] - revenue)
            self.book_margin(a[whole], k, stage[whole], spells.year[whole], revenue - cost)
        # every purchase has a time in a stream of its own, read only where it is needed -- the log shows
        # it, the ledger the first, a spell cut by an edge books by it -- so that reading it or not changes
        # no other draw: neither the reporting period nor what is kept changes a result
        first = self.f["first_purchase"] if self.keep_ledger and not cross_sell else None
        new = _which(np.isnan(first[a]) & buying) if first is not None else ()
        split = whole.size < np.count_nonzero(buying)
        if not (split or len(new) or self.events is not None):
            u = None  # no purchase needs its time: the stream is left unread (the others are unchanged)
        else:
            u = steps.grouped(_CROSS_SELL_TIMES if cross_sell else _TIMES, bounds, None, None, layouts=layouts)
        del layouts  # (arrays of one number per purchase are let go as soon as they are done with: a smaller
        # peak of memory, fewer fresh pages from the system)
        if len(new):  # the first purchase of those who had none: the earliest of a spell's, at the smallest of
            # its uniforms (a time start + span x u grows with u); of several spells, the first
            times = start[new] + span[new] * _smallest_of_each(u, owner, len(a), new)
            if steps.unique:
                first[a[new]] = times
            else:
                np.fmin.at(first, a[new], times)
        keep = self.events is not None  # the log shows every purchase: its time, spend and owner
        if split:
            if whole.size:  # the purchases of the spells that cross an edge
                items = _which((~spells.whole).repeat(counts))  # (indices: cheaper than gathers by a mask)
                mine, when = owner[items], u[items]
                value = mean[mine] if values is None else values[items]
                del items
            else:  # (every spell with purchases crosses one: all of them, as they are)
                mine, when = owner, (u.copy() if keep else u)
                value = mean[mine] if values is None else values
            if not keep:
                values = owner = u = None
            when *= span[mine]
            when += start[mine]  # start + span x u
            revenue = value * (1.0 - discount)[mine]
            cost = value * cost_share[mine]
            k = plan.period_of(when)
            books.add(names[0], k, revenue)
            books.add(names[1], k, cost)
            books.add(names[2], k)
            if not cross_sell:
                books.add("price_discounts", k, value - revenue)
            del value
            revenue -= cost  # the margin
            del cost
            when -= spells.entry[mine]
            years = plan.year_of(when)
            del when
            self.book_margin(a[mine], k, stage[mine], years, revenue)
            del mine, k, years, revenue
        if self.events is not None:
            self.log(_CROSS if cross_sell else _PURCHASE, a[owner], start[owner] + span[owner] * u, stage[owner],
                     mean[owner] if values is None else values)
        if self.keep_ledger:
            revenue, cost = listed * (1.0 - discount), listed * cost_share
            unique = steps.unique
            if cross_sell:
                self.add_to(self.f["cross_sell_revenue"], a, revenue, unique)
                self.add_to(self.f["cross_sell_cost"], a, cost, unique)
                return
            self.add_to(self.i["n_purchases"], a, counts, unique)
            self.add_to(self.f["revenue"], a, revenue, unique)
            self.add_to(self.f["cost_of_sales"], a, cost, unique)
            self.add_to(self.f["price_discounts"], a, listed - revenue, unique)

    def book_time(self, a, spells, span, stage, service_rate, unique: bool):
        """Exposure (years in each stage) and cost to serve, by period and by year of the relationship."""
        plan, books = self.plan, self.books
        if self.keep_ledger:
            if unique:
                self.years_in[a, stage] += span
            else:  # (a person's spells add one after the other, as np.add.at would add them)
                self.years_in += np.bincount(a * 4 + stage, weights=span, minlength=4 * self.n).reshape(self.n, 4)
            customer = stage != PROSPECT
            self.add_to(self.f["cost_savings"], a[customer],
                        (plan.reference_service - service_rate[customer]) * span[customer], unique)
            self.add_to(self.f["service_cost"], a, service_rate * span, unique)
        if self.defer and _any(service_rate > 0):
            # a stage model: one rate for each stage, so time by period, group and stage gives the cost too
            rate = plan.terms[:4, SERVICE]
            (by_group,) = _spread(spells.period_edges(), self.group[a] * 4 + stage, [None], plan.n_periods,
                                  GROUPS * 4)
            by_group = by_group.reshape(plan.n_periods, GROUPS, 4)
            years = by_group.sum(axis=1)
            cost = years * rate
            books.money["service_cost"] += cost.sum(axis=1)
            books.stage_profit -= cost
            books.group_profit -= (by_group @ rate).T
            by_year = spells.by_year_and_stage(stage)
            tenure_years = by_year.sum(axis=1)
            books.tenure_profit -= by_year @ rate
            self.value -= np.bincount(a, weights=spells.discounted(service_rate), minlength=self.n)
        elif _any(service_rate > 0):
            years, cost = spells.by_period(stage, None, service_rate)
            books.money["service_cost"] += cost.sum(axis=1)
            books.stage_profit -= cost
            books.group_profit -= spells.by_period_and_group(self.group[a], service_rate).T
            tenure_years, tenure_cost = spells.by_year(None, service_rate)
            books.tenure_profit -= tenure_cost
            self.value -= np.bincount(a, weights=spells.discounted(service_rate), minlength=self.n)
        else:
            (years,), (tenure_years,) = spells.by_period(stage, None), spells.by_year(None)
        books.stage_years += years
        books.tenure_years += tenure_years

    # -- deciding -----------------------------------------------------------------
    def decide(self, d, draws: _Draws):
        """Persons ``d`` finished a spell before the horizon: the next stage, retention, the next funnel step."""
        if not d.size:
            return
        plan = self.plan
        u = draws.uniform(_NEXT, d)
        stage = self.stage[d]
        if plan.tenure is None and not plan.funnel:  # a stage model: everyone moves on, by its stage's odds
            target = self.next_stage(stage, u)
            self.move(d, stage, target)
        else:
            target = np.full(len(d), -1)  # (-1: stays where it is, a customer kept for another tenure year)
            year = self.year[d]
            tenure = year > 0
            kept = np.zeros(len(d), dtype=bool)
            if _any(tenure):
                kept = tenure & (u < plan.retention[plan.tenure_row(np.maximum(year, 1))])
                target[tenure & ~kept] = LOST
                self.year[d[kept]] += 1
                target[kept & (stage == NEW)] = LOYAL
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
            if _any(rest):
                target[rest] = self.next_stage(stage[rest], u[rest])
            moving = target >= 0
            self.move(d[moving], stage[moving], target[moving])
            if _any(kept):
                self.tenure_referrals(d[kept], draws)
        converted = d[target == NEW]
        if converted.size:
            self.acquire(converted, np.full(converted.size, plan.acquisition_price),
                         plan.period_of(self.t[converted]))
            if plan.tenure is not None:
                self.year[converted] = 1
                self.tenure_referrals(converted, draws)
        self.alive[d[target >= LOST]] = False  # lost or unconverted
        self.alive[d[self.t[d] >= plan.horizon - 1e-9]] = False  # decided at the horizon: nothing more to live

    def next_stage(self, stage, u):
        """The stage each person moves to after ``stage``, by its uniform ``u`` and the stage's odds: the number
        of cumulative probabilities at or below ``u`` picks the target."""
        plan = self.plan
        s = np.minimum(stage, 3)
        choice = np.zeros(len(u), dtype=np.int64)
        for threshold in plan.thresholds:
            choice += u >= threshold[s]
        return plan.targets[s, choice]

    def move(self, who, source, target):
        """Persons ``who`` move from stages ``source`` to ``target``, each at its time."""
        plan, books = self.plan, self.books
        if not who.size:
            return
        if self.limits is not None:   # the run budget: stage moves are events too (a loop of short stays makes many)
            self.limits.add_events(len(who))
        now = self.t[who]
        k = plan.period_of(now)
        books.add_flows(k, source, -1)
        into = books.add_flows(k, target, 1)  # by period and stage: the moves into each stage
        self.stage[who] = target
        for stage, name in _COUNTED_MOVES:
            moved = into[:, stage]
            if _any(moved):
                books.counts[name] += moved
                here = _which(target == stage)
                self.landed(stage, who[here], now[here])
        self.log(_MOVE, who, now, target)

    def move_together(self, who, source: int, target: int, now: float):
        """Persons ``who`` all move from stage ``source`` to ``target`` at ``now``: :meth:`move` with counts."""
        if not len(who):
            return
        if self.limits is not None:   # the run budget: stage moves are events too
            self.limits.add_events(len(who))
        k = self.plan.period_at(now)
        self.books.flows[k, source] -= len(who)
        self.books.flows[k, target] += len(who)
        self.stage[who] = target
        name = dict(_COUNTED_MOVES).get(target)
        if name is not None:
            self.books.counts[name][k] += len(who)
        self.landed(target, who, now)
        self.log(_MOVE, who, now, target)

    def landed(self, stage: int, who, now):
        """What follows a move into ``stage`` at ``now`` (one time, or one per person): the first entry
        into a stage, the end of a customer's story, the replacement of a lost customer."""
        plan = self.plan
        if stage in self.entered:
            first = who[np.isnan(self.entered[stage][who])]
            self.entered[stage][first] = self.t[first]
        if stage >= LOST and self.keep_ledger:  # lost or unconverted
            self.f["exit_time"][who] = now
        if stage == LOST and plan.replace_lost:  # each replacement joins for the period that starts now
            joining = now < plan.horizon - 1e-9  # (none at the horizon)
            if np.ndim(now):
                who, now = who[joining], now[joining]
            elif not joining:
                return
            if len(who):
                self.children.append(_entrants(_column(now, len(who), float), NEW,
                                               SOURCE_REPLACEMENT, -1, self.family[who],
                                               price=plan.acquisition_price, opening=True))

    # -- what is left ---------------------------------------------------------------
    def ledger_columns(self) -> dict:
        """This batch's rows of the ledger, as columns (ids before renumbering)."""
        f = dict(self.f)
        f["entry_time"] = self.entry
        f["entered_new"], f["entered_loyal"], f["entered_decline"] = (self.entered[NEW], self.entered[LOYAL],
                                                                      self.entered[DECLINE])
        f["lifetime_value"] = self.value
        f["adopted_second_product"] = self.adopted
        for stage, name in enumerate(("years_prospect", "years_new", "years_loyal", "years_decline")):
            f[name] = self.years_in[:, stage]
        profit = (f["revenue"] - f["cost_of_sales"] + f["cross_sell_revenue"] - f["cross_sell_cost"]
                  - f["acquisition_cost"] - f["service_cost"] - f["referral_damage_cost"])
        funnel = self.funnel_step if self.plan.funnel else np.full(self.n, -1)
        return {"customer_id": self.ids, "source": self.entrants.source, "referred_by": self.entrants.parent,
                "family": self.family,
                "final_stage": self.stage, "profit": profit, "funnel_reached": funnel, **f, **self.i}

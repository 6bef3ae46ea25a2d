"""SimPy processes: the life of one customer, and the stream of prospects.

Each customer is one generator process (the SimPy idiom of ``carwash.py``:
behaviour as small generators taking the run first).  A life is a sequence of
*spells*: a stretch of time in one stage with fixed terms (purchase rate,
spend, costs, word of mouth).  A spell is lived as timeouts -- one per
purchase, referral or referral damage -- and ends with a decision (the next
stage, or the yearly retention draw of a tenure table).  Within a spell of
known length the Poisson events are drawn at once (a count, then uniform
times): the same law as exponential gaps drawn one by one, in fewer calls.

The decisions are plain functions (:func:`first_spell`, :func:`next_spell`);
only :func:`life` yields, so each event resumes a single generator frame.
"""

from __future__ import annotations

import math

from simpy.events import Timeout

from ...model.stages import Stage

PURCHASE, REFERRAL, DAMAGE, ADOPTION, CROSS_SELL = 0, 1, 2, 3, 4
_NEW, _LOYAL, _LOST = Stage.NEW, Stage.LOYAL, Stage.LOST
_EPS = 1e-9


class _Block:
    """Numbers from one numpy sampler, fetched 8,192 at a time and handed out in order."""

    SIZE = 8192

    def __init__(self, sample):
        self._sample = sample          # e.g. generator.random: size -> ndarray
        self._values, self._next = [], 0

    def one(self) -> float:
        if self._next == len(self._values):
            self._values, self._next = self._sample(self.SIZE).tolist(), 0
        self._next += 1
        return self._values[self._next - 1]

    def many(self, n: int) -> list:
        """``n`` numbers, in the order :meth:`one` would give them."""
        start = self._next
        if start + n <= len(self._values):
            self._next = start + n
            return self._values[start:start + n]
        return [self.one() for _ in range(n)]


class RandomStream:
    """Draws from one ``numpy.random.Generator``, fetched in blocks.

    A customer needs a handful of numbers per spell; asking numpy for each one
    costs more than the arithmetic.  Uniforms and standard normals are drawn
    8,192 at a time and handed out in order, so a seed still fixes every draw.

    >>> import numpy as np
    >>> a, b = RandomStream(np.random.default_rng(1)), RandomStream(np.random.default_rng(1))
    >>> [a.uniform() for _ in range(3)] == [b.uniform() for _ in range(3)]
    True
    """

    def __init__(self, generator):
        self.generator = generator
        uniforms, normals = _Block(generator.random), _Block(generator.standard_normal)
        self.uniform, self.uniforms = uniforms.one, uniforms.many    # uniform draws on [0, 1)
        self.normal, self.normals = normals.one, normals.many        # standard normal draws

    def exponential(self, mean: float) -> float:
        """An exponential draw with the given mean."""
        return -mean * math.log(1.0 - self.uniform())

    def poisson(self, mean: float) -> int:
        """A Poisson count: inversion for small means, numpy's sampler for large ones."""
        if mean > 30.0:
            return int(self.generator.poisson(mean))
        u = self.uniform()
        k = 0
        p = math.exp(-mean)
        cumulative = p
        while u >= cumulative and p > 0.0:
            k += 1
            p *= mean / k
            cumulative += p
        return k


def poisson_times(stream: RandomStream, rate: float, span: float, limits=None) -> list:
    """Times (offsets from the spell start) of a Poisson process of ``rate`` per year on [0, span).

    ``limits``: the run budget (:mod:`simkit.engines.limits`); the events are counted before they are drawn.
    """
    if rate <= 0.0 or span <= 0.0:
        return []
    n = stream.poisson(rate * span)
    if limits is not None:
        limits.add_events(n)
    if n == 0:
        return []
    return sorted([span * u for u in stream.uniforms(n)])


def order_values(stream: RandomStream, n: int, mean: float, sd: float) -> list:
    """Spend of ``n`` purchases: log-normal with the given mean and spread (constant if sd = 0)."""
    if n == 0:
        return []
    if sd <= mean * 1e-6 or mean <= 0.0:  # no spread to speak of; validation keeps sd <= 10 x mean
        return [mean] * n
    sigma2 = math.log1p((sd / mean) ** 2)
    sigma = math.sqrt(sigma2)
    scale = mean * math.exp(-sigma2 / 2)
    exp = math.exp
    return [scale * exp(sigma * z) for z in stream.normals(n)]


def _spell_length(run, duration: float) -> tuple[float, bool]:
    """Length of a spell starting now, cut at the horizon; and whether it was cut."""
    start = run.env.now
    if start + duration > run.horizon_years + _EPS:
        return max(run.horizon_years - start, 0.0), True
    return min(duration, run.horizon_years - start), False


def _stage_spell(run, customer):
    """The spell of a customer who just entered its stage (stage model, §1)."""
    rule = run.stage_rules[customer.stage]
    if run.funnel is not None and customer.stage is Stage.PROSPECT:  # a step of the sales funnel
        span, cut = _spell_length(run, run.rng.exponential(run.funnel[1][customer.funnel_stage]))
        return span, rule.terms, cut
    if rule.mean_years is None:
        duration = math.inf
    elif rule.fixed:
        duration = rule.mean_years
    else:
        duration = run.rng.exponential(rule.mean_years)
    span, cut = _spell_length(run, duration)
    return span, rule.terms, cut


def _tenure_spell(run, customer):
    """One year of a tenure table (LTV-table model, §4), cut at the horizon."""
    rows = run.tenure_rows
    year = customer.tenure_year
    terms = rows[year - 1 if year <= len(rows) else -1][1]
    start = run.env.now
    horizon = run.horizon_years
    if start + 1.0 > horizon + _EPS:
        return max(horizon - start, 0.0), terms, True
    return min(1.0, horizon - start), terms, False


def first_spell(run, customer):
    """The first spell of a customer who has just entered."""
    if run.tenure_rows is not None and customer.stage is Stage.NEW:
        return _tenure_spell(run, customer)
    return _stage_spell(run, customer)


def next_spell(run, customer):
    """Decide what happens when a spell ends; return the next spell, or None when the story ends."""
    rng = run.rng
    year = customer.tenure_year
    if year:
        rows = run.tenure_rows
        retention = rows[year - 1 if year <= len(rows) else -1][0]
        if rng.uniform() >= retention:
            run.move(customer, _LOST)
            return None
        customer.tenure_year += 1
        if customer.stage is _NEW:
            run.move(customer, _LOYAL)
        if run.tenure_refers:
            run.tenure_referrals(customer)
        return _tenure_spell(run, customer)
    rule = run.stage_rules[customer.stage]
    if run.funnel is not None and customer.stage is Stage.PROSPECT:
        steps = run.funnel[0]
        if rng.uniform() >= steps[customer.funnel_stage]:
            target = Stage.UNCONVERTED
        elif customer.funnel_stage < len(steps) - 1:
            customer.funnel_stage += 1  # one step further down the funnel, still a prospect
            return _stage_spell(run, customer)
        else:
            target = Stage.NEW
    elif len(rule.targets) == 1:
        target = rule.targets[0]
    else:
        draw = rng.uniform()
        target = rule.targets[-1]
        for candidate, threshold in zip(rule.targets, rule.cumulative):
            if draw < threshold:
                target = candidate
                break
    run.move(customer, target)
    if target is Stage.NEW:
        run.acquire(customer)
        if run.tenure_rows is not None:
            customer.tenure_year = 1
            run.tenure_referrals(customer)
            return _tenure_spell(run, customer)
    if target.is_terminal:
        return None
    return _stage_spell(run, customer)


def life(run, customer):
    """Whole life of a customer from entry to the end of its story or the horizon.

    Every purchase, referral, referral damage, adoption of the second product
    and purchase of it is a timeout at its own time; the spell's purchases
    are booked when the spell ends (nothing can cut a spell short, so the
    books are the same as booking each one as it happens, at a fraction of
    the cost).  ``terms`` of a spell = (orders_per_year, average_order_value,
    order_value_sd, cost_of_sales_share, service_cost_per_year,
    referrals_per_year, referral_damage_per_year, price_discount,
    cross_sell_adoption_per_year).
    """
    env = run.env
    rng = run.rng
    log = run.event_rows
    limits = run.limits   # the run budget: events counted as they are drawn
    cross_orders, cross_value, cross_share = run.cross_sell
    spell = first_spell(run, customer)
    while spell is not None:
        span, terms, cut = spell
        orders, value_mean, value_sd, cost_share, service_rate, referral_rate, damage_rate, discount, adoption = terms
        start = env.now
        times = poisson_times(rng, orders, span, limits)
        values = order_values(rng, len(times), value_mean, value_sd)
        adopt_at = None
        cross_times = []
        if adoption > 0.0 and customer.adopted_at != customer.adopted_at:  # NaN: not adopted yet
            wait = rng.exponential(1.0 / adoption)
            if wait < span:
                adopt_at = wait
        if cross_orders > 0.0 and (adopt_at is not None or customer.adopted_at == customer.adopted_at):
            begin = adopt_at or 0.0
            cross_times = [begin + t for t in poisson_times(rng, cross_orders, span - begin, limits)]
        last = 0.0
        if referral_rate > 0.0 or damage_rate > 0.0 or log is not None or adopt_at is not None or cross_times:
            timeline = [(t, PURCHASE, v) for t, v in zip(times, values)]
            timeline += [(t, REFERRAL, 0.0) for t in poisson_times(rng, referral_rate, span, limits)]
            timeline += [(t, DAMAGE, 0.0) for t in poisson_times(rng, damage_rate, span, limits)]
            timeline += [(t, CROSS_SELL, cross_value) for t in cross_times]
            if adopt_at is not None:
                timeline.append((adopt_at, ADOPTION, 0.0))
            timeline.sort()
            for offset, kind, value in timeline:
                yield Timeout(env, offset - last)
                last = offset
                if kind == PURCHASE or kind == CROSS_SELL:
                    if log is not None:
                        run.log(customer, "purchase" if kind == PURCHASE else "cross_sell", customer.stage, value)
                elif kind == REFERRAL:
                    run.referral(customer)
                elif kind == DAMAGE:
                    run.referral_damage(customer)
                else:
                    run.adopt(customer)
        else:
            for offset in times:
                yield Timeout(env, offset - last)
                last = offset
        yield Timeout(env, span - last)
        if times:
            run.book_purchases(customer, start, times, values, cost_share, discount)
        if cross_times:
            run.book_purchases(customer, start, cross_times, [cross_value] * len(cross_times), cross_share,
                               0.0, cross_sell=True)
        run.end_spell(customer, start, start + span, service_rate)
        spell = None if cut else next_spell(run, customer)
    run.finish(customer)


def prospect_stream(run, rate: float, source: int):
    """Prospects arriving from marketing as a Poisson process of ``rate`` per year."""
    env = run.env
    rng = run.rng
    mean_gap = 1.0 / rate
    while True:
        gap = rng.exponential(mean_gap)
        if env.now + gap > run.horizon_years:
            return
        yield Timeout(env, gap)
        run.spawn(Stage.PROSPECT, source)

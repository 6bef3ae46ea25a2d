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

from ..stages import Stage

PURCHASE, REFERRAL, DAMAGE = 0, 1, 2
_EPS = 1e-9


def poisson_times(rng, rate: float, span: float) -> list:
    """Times (offsets from the spell start) of a Poisson process of ``rate`` per year on [0, span)."""
    if rate <= 0.0 or span <= 0.0:
        return []
    n = rng.poisson(rate * span)
    if n == 0:
        return []
    return sorted([span * u for u in rng.random(n).tolist()])


def order_values(rng, n: int, mean: float, sd: float) -> list:
    """Spend of ``n`` purchases: gamma with the given mean and spread (constant if sd = 0)."""
    if n == 0:
        return []
    if sd <= mean * 1e-6 or mean <= 0.0:  # no spread to speak of; validation keeps sd <= 10 x mean
        return [mean] * n
    shape = (mean / sd) ** 2
    return rng.gamma(shape, mean / shape, n).tolist()


def _spell_length(run, duration: float) -> tuple[float, bool]:
    """Length of a spell starting now, cut at the horizon; and whether it was cut."""
    start = run.env.now
    if start + duration > run.horizon_years + _EPS:
        return max(run.horizon_years - start, 0.0), True
    return min(duration, run.horizon_years - start), False


def _stage_spell(run, customer):
    """The spell of a customer who just entered its stage (stage model, §1)."""
    rule = run.stage_rules[customer.stage]
    if rule.mean_years is None:
        duration = math.inf
    elif rule.fixed:
        duration = rule.mean_years
    else:
        duration = run.rng.exponential(rule.mean_years)
    span, cut = _spell_length(run, duration)
    return span, rule.terms, cut


def _tenure_spell(run, customer):
    """One year of a tenure table (LTV-table model, §4)."""
    rows = run.tenure_rows
    terms = rows[min(customer.tenure_year, len(rows)) - 1][1]
    span, cut = _spell_length(run, 1.0)
    return span, terms, cut


def first_spell(run, customer):
    """The first spell of a customer who has just entered."""
    if run.tenure_rows is not None and customer.stage is Stage.NEW:
        return _tenure_spell(run, customer)
    return _stage_spell(run, customer)


def next_spell(run, customer):
    """Decide what happens when a spell ends; return the next spell, or None when the story ends."""
    rng = run.rng
    if customer.tenure_year:
        retention = run.tenure_rows[min(customer.tenure_year, len(run.tenure_rows)) - 1][0]
        if rng.random() >= retention:
            run.move(customer, Stage.LOST)
            return None
        customer.tenure_year += 1
        if customer.stage is Stage.NEW:
            run.move(customer, Stage.LOYAL)
        return _tenure_spell(run, customer)
    rule = run.stage_rules[customer.stage]
    if len(rule.targets) == 1:
        target = rule.targets[0]
    else:
        draw = rng.random()
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
            return _tenure_spell(run, customer)
    if target.is_terminal:
        return None
    return _stage_spell(run, customer)


def life(run, customer):
    """Whole life of a customer from entry to the end of its story or the horizon.

    Every purchase, referral and referral damage is a timeout at its own
    time; the spell's purchases are booked when the spell ends (nothing can
    cut a spell short, so the books are the same as booking each one as it
    happens, at a fraction of the cost).  ``terms`` of a spell =
    (orders_per_year, average_order_value, order_value_sd,
    cost_of_sales_share, service_cost_per_year, referrals_per_year,
    referral_damage_per_year).
    """
    env = run.env
    rng = run.rng
    log = run.event_rows
    spell = first_spell(run, customer)
    while spell is not None:
        span, (orders, value_mean, value_sd, cost_share, service_rate, referral_rate, damage_rate), cut = spell
        start = env.now
        times = poisson_times(rng, orders, span)
        values = order_values(rng, len(times), value_mean, value_sd)
        last = 0.0
        if referral_rate > 0.0 or damage_rate > 0.0 or log is not None:
            timeline = [(t, PURCHASE, v) for t, v in zip(times, values)]
            timeline += [(t, REFERRAL, 0.0) for t in poisson_times(rng, referral_rate, span)]
            timeline += [(t, DAMAGE, 0.0) for t in poisson_times(rng, damage_rate, span)]
            timeline.sort()
            for offset, kind, value in timeline:
                yield Timeout(env, offset - last)
                last = offset
                if kind == PURCHASE:
                    if log is not None:
                        run.log(customer, "purchase", customer.stage, value)
                elif kind == REFERRAL:
                    run.referral(customer)
                else:
                    run.referral_damage(customer)
        else:
            for offset in times:
                yield Timeout(env, offset - last)
                last = offset
        yield Timeout(env, span - last)
        if times:
            run.book_purchases(customer, start, times, values, cost_share)
        if service_rate > 0.0:
            run.accrue_service(customer, start, start + span, service_rate)
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

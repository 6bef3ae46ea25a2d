"""SimPy processes: the life of one customer, and the stream of prospects.

Each customer is a generator process taking the run first (the SimPy idiom
of ``carwash.py``: behaviour as small generators).  A spell in a stage is
lived as a sequence of timeouts -- one per purchase, referral or referral
damage -- followed by the move to the next stage.  Within a spell of known
length the Poisson events are drawn at once (a count, then uniform times),
which is the same law as drawing exponential gaps one by one.
"""

from __future__ import annotations

import math

from ..stages import Stage

PURCHASE, REFERRAL, DAMAGE = 0, 1, 2
_EPS = 1e-9


def _poisson_times(rng, rate: float, span: float) -> list:
    """Times (offsets from the spell start) of a Poisson process on [0, span)."""
    if rate <= 0.0 or span <= 0.0:
        return []
    n = rng.poisson(rate * span)
    if n == 0:
        return []
    times = rng.uniform(0.0, span, n)
    times.sort()
    return times.tolist()


def _order_values(rng, n: int, mean: float, sd: float) -> list:
    """Spend of ``n`` purchases: gamma with the given mean and spread (constant if sd = 0)."""
    if sd <= 0.0 or mean <= 0.0:
        return [mean] * n
    shape = (mean / sd) ** 2
    return rng.gamma(shape, mean / shape, n).tolist()


def live_spell(run, customer, stage: Stage, span: float, terms):
    """Live ``span`` years in ``stage`` with the given terms; purchases and word of mouth are events.

    ``terms`` = (orders_per_year, average_order_value, order_value_sd,
    cost_of_sales_share, service_cost_per_year, referrals_per_year,
    referral_damage_per_year).
    """
    orders, value_mean, value_sd, cost_share, service_rate, referral_rate, damage_rate = terms
    env = run.env
    rng = run.rng
    start = env.now
    purchase_times = _poisson_times(rng, orders, span)
    values = _order_values(rng, len(purchase_times), value_mean, value_sd)
    if referral_rate > 0.0 or damage_rate > 0.0:
        timeline = [(t, PURCHASE, v) for t, v in zip(purchase_times, values)]
        timeline += [(t, REFERRAL, 0.0) for t in _poisson_times(rng, referral_rate, span)]
        timeline += [(t, DAMAGE, 0.0) for t in _poisson_times(rng, damage_rate, span)]
        timeline.sort()
        last = 0.0
        for offset, kind, value in timeline:
            yield env.timeout(offset - last)
            last = offset
            if kind == PURCHASE:
                run.purchase(customer, value, cost_share)
            elif kind == REFERRAL:
                run.referral(customer)
            else:
                run.referral_damage(customer)
    else:
        last = 0.0
        purchase = run.purchase
        for offset, value in zip(purchase_times, values):
            yield env.timeout(offset - last)
            last = offset
            purchase(customer, value, cost_share)
    yield env.timeout(span - last)
    if service_rate > 0.0:
        run.accrue_service(customer, start, start + span, service_rate)


def _spell_length(run, start: float, duration: float) -> tuple[float, bool]:
    """Length of a spell starting at ``start``, cut at the horizon; and whether it was cut."""
    end = start + duration
    if end > run.horizon_years + _EPS:
        return max(run.horizon_years - start, 0.0), True
    return min(duration, run.horizon_years - start), False


def staged_life(run, customer):
    """A customer moving through the stages of the scenario (stage model, §1)."""
    rng = run.rng
    while True:
        stage = customer.stage
        rule = run.stage_rules[stage]
        if rule.mean_years is None:
            duration = math.inf
        elif rule.fixed:
            duration = rule.mean_years
        else:
            duration = rng.exponential(rule.mean_years)
        span, cut = _spell_length(run, run.env.now, duration)
        yield from live_spell(run, customer, stage, span, rule.terms)
        if cut:
            return
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
                yield from tenure_life(run, customer)
                return
        if target.is_terminal:
            return


def tenure_life(run, customer):
    """A converted customer following a tenure table (LTV-table model, §4).

    Year 1 is spent as NEW, later years as LOYAL; at the end of tenure year n
    the customer stays with probability ``retention_rate[n - 1]``.
    """
    rng = run.rng
    rows = run.tenure_rows
    tenure_year = 1
    while True:
        retention, terms = rows[min(tenure_year, len(rows)) - 1]
        span, cut = _spell_length(run, run.env.now, 1.0)
        yield from live_spell(run, customer, customer.stage, span, terms)
        if cut:
            return
        if rng.random() < retention:
            tenure_year += 1
            if customer.stage is Stage.NEW:
                run.move(customer, Stage.LOYAL)
        else:
            run.move(customer, Stage.LOST)
            return


def life(run, customer):
    """Whole life of a customer from entry; ends the record when the story ends."""
    if customer.stage is Stage.NEW and run.tenure_rows is not None:
        yield from tenure_life(run, customer)
    else:
        yield from staged_life(run, customer)
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
        yield env.timeout(gap)
        run.spawn(Stage.PROSPECT, source)

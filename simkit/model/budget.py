"""How big will a run be?  The people and events a scenario creates, estimated before it runs.

A run's time and memory follow the people who enter and the events they
live (stage moves, purchases, referrals).  Both can be estimated from the
scenario alone, with closed forms: arrivals (the cohort and the prospect
stream), the stages each person visits and how long it stays, the purchase
and referral rates, and the *branching process* of referrals -- every
person brings on average ``m`` referred prospects over its life, who bring
``m`` each in turn.  With ``m < 1`` the referrals add a finite
``1 / (1 - m)`` times the arrivals; with ``m >= 1`` the population grows
geometrically, doubling every ``T ln 2 / ln m`` years (``T``: the time
between one generation and the next), and a long horizon explodes.

:func:`simkit.run_simulation` refuses a run whose estimate exceeds its
budget (:data:`DEFAULT_BUDGET`, sized so that a run ends in seconds on a
laptop) with a message that says why and how to raise the budget.

>>> import simkit
>>> estimate = estimate_run(simkit.load_scenario("cohort_10000"))
>>> round(estimate.people)                 # 10,000 customers, no referrals
10000
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.errors import ScenarioError
from ..core.language import N_, _
from .stages import ACTIVE_STAGES, Stage

__all__ = ["DEFAULT_BUDGET", "RunEstimate", "check_budget", "estimate_run"]

#: Largest run each engine takes without being asked: (people, events).  About ten seconds of a laptop.
DEFAULT_BUDGET = {"simpy": (250_000, 1_000_000), "numpy": (5_000_000, 50_000_000)}


@dataclass(frozen=True)
class RunEstimate:
    """What a run will create, in expectation.

    Attributes
    ----------
    people : float
        People who enter over the run (arrivals, referred, replacements).
    events : float
        Stage moves, purchases, referrals and other events they live.
    referrals_per_person : float
        Referred people each person brings on average over its life (m).
    doubling_years : float or None
        When ``m > 1``: the years in which the population doubles.
    cause : str
        What makes the run big, in a sentence.
    """

    people: float
    events: float
    referrals_per_person: float
    doubling_years: float | None
    cause: str


GRID = 240  # time steps of the renewal equation over the horizon


def _kernels(scenario, starts: tuple, ages: np.ndarray) -> dict:
    """For a person born in each of ``starts``: at each age, referrals per year, losses per year, and events
    per year (a dict by start).

    The stage model is a Markov chain of exponential stays (rate 1 / mean out of each active stage);
    the probability of each stage at each age follows from its generator by small steps.  A tenure
    table: survival by whole years, referrals at the start of each year.
    """
    n = len(ages)
    if scenario.tenure is not None:
        return {start: _tenure_kernels(scenario.tenure, start, ages) for start in starts}
    stages = list(ACTIVE_STAGES)
    index = {stage: i for i, stage in enumerate(stages)}
    generator = np.zeros((4, 4))
    to_lost = np.zeros(4)
    rates = np.zeros(4)
    cross = scenario.cross_sell.orders_per_year
    for stage in stages:
        params = scenario.stages[stage]
        i = index[stage]
        mean = params.mean_duration_years
        targets = dict(params.next_stage)
        if stage is Stage.PROSPECT and scenario.funnel is not None:
            mean = sum(scenario.funnel.mean_duration_years)
            win = float(np.prod(scenario.funnel.step_probabilities()))
            targets = {Stage.NEW: win, Stage.UNCONVERTED: 1 - win}
        out = 0.0 if mean is None else 1.0 / mean
        generator[i, i] -= out
        for target, probability in targets.items():
            if target in index:
                generator[i, index[target]] += out * probability
            elif target is Stage.LOST:
                to_lost[i] += out * probability
        rates[i] = (params.orders_per_year + params.referrals_per_year + params.referral_damage_per_year
                    + (cross if stage is not Stage.PROSPECT else 0.0) + out)
    # the stages' probabilities at each age (rows) for each start (columns, one-hot at age 0): the chain
    # is the same whatever the start, so every start moves along in one product
    states = np.zeros((1, 4, len(starts)))
    for j, start in enumerate(starts):
        states[0, index[start], j] = 1.0
    half = _expm(generator * ages[0]).T  # the first age on the grid is half a step
    states = half @ states               # at the first age on the grid
    move = half @ half                   # ... and from one age to the next, exactly
    while len(states) < n:  # by doubling: the ages k + len(states) from the ages k
        states = np.concatenate([states, move @ states])
        move = move @ move
    states = states[:n]
    referral_rates = np.array([scenario.stages[s].referrals_per_year for s in stages])
    per_age = [referral_rates @ states, to_lost @ states, rates @ states]  # (ages, starts) each
    return {start: tuple(np.ascontiguousarray(x[:, j]) for x in per_age) for j, start in enumerate(starts)}


def _tenure_kernels(tenure, start: Stage, ages: np.ndarray) -> tuple:
    """:func:`_kernels` under a tenure table: survival by whole years, referrals at the start of each year."""
    step = ages[1] - ages[0]
    n = len(ages)
    refer, lose, events = np.zeros(n), np.zeros(n), np.zeros(n)
    survival = 1.0
    for year in range(1, int(math.ceil(ages[-1] + step)) + 2):
        row = min(year, tenure.n_years) - 1  # the last row repeats
        retention, referral_rate = tenure.retention_rate[row], tenure.referral_rate[row]
        at = int(round((year - 1) / step))
        if at >= n:
            break
        end = min(int(round(year / step)), n)
        # a customer acquired by the firm refers at once; a referred one from its second year on
        if year > 1 or start is Stage.NEW:
            refer[at] += survival * referral_rate / step
        orders = tenure.orders_per_year[row] if tenure.margin_per_customer is None else 0.0
        events[at:end] += survival * (orders + referral_rate + 1)
        if end < n:
            lose[end] += survival * (1 - retention) / step
        survival *= retention
    return refer, lose, events


def _expm(matrix: np.ndarray) -> np.ndarray:
    """exp(matrix) by scaling and squaring of its Taylor series (small matrices: the stage chain)."""
    norm = np.abs(matrix).sum(axis=1).max()
    squarings = max(0, int(math.ceil(math.log2(norm / 0.25)))) if norm > 0.25 else 0
    scaled = matrix / 2 ** squarings
    result, term = np.eye(len(matrix)), np.eye(len(matrix))
    for k in range(1, 18):  # (the norm is at most 1/4: the terms fall below the last bit by the 13th)
        term = term @ scaled / k
        result = result + term
        if np.abs(term).max() < 1e-17:
            break
    for _square in range(squarings):
        result = result @ result
    return result


def estimate_run(scenario, n_customers: int | None = None) -> RunEstimate:
    """The people and events a run of ``scenario`` will create, in expectation (see the module text).

    Births of prospects (arrivals and referred) and of new customers (a cohort acquired at the start,
    replacements) follow the renewal equation b(t) = arrivals(t) + sum over ages of b(t - a) k(a),
    solved on a grid over the horizon.
    """
    arrivals = scenario.arrivals
    cohort = arrivals.cohort_size if n_customers is None else n_customers
    horizon = scenario.horizon_years
    step = horizon / GRID
    ages = (np.arange(GRID) + 0.5) * step  # the middle of each step: k[j] is the rate at age (j + 1/2) step
    kinds = (Stage.PROSPECT, Stage.NEW)
    kernel = _kernels(scenario, kinds, ages)
    births = {kind: np.zeros(GRID) for kind in kinds}
    births[arrivals.cohort_stage][0] += cohort / step           # the cohort, at time 0
    births[Stage.PROSPECT] += arrivals.prospects_per_year         # the stream, per year
    replace = arrivals.replace_lost
    if replace or any(kernel[kind][0].any() for kind in kinds):  # else the arrivals are everyone
        births = _renewal(births, kernel, step, replace)
    people = sum(births[kind].sum() * step for kind in kinds)
    events = sum(births[kind] * step @ np.cumsum(kernel[kind][2][::1])[::-1] * step for kind in kinds)
    # the branching process: referred per person over a life, and its growth when supercritical
    refer_p = kernel[Stage.PROSPECT][0]  # a referred person's referrals (a prospect; under a tenure table, a
                                         # customer who refers from its second year)
    m = float(refer_p.sum() * step)
    rate = _growth_rate(refer_p, ages) if m > 1 else None
    doubling = math.log(2) / rate if rate else None
    first = cohort + arrivals.prospects_per_year * horizon
    per_person = events / max(people, 1.0)
    if m > 1 and scenario.tenure is not None:
        cause = _("each referred customer brings {m} referred customers over its life, so the population "
                  "doubles every {doubling} years ({horizon} years simulated)").format(
            m=f"{m:.2f}", doubling=f"{doubling:.2g}", horizon=f"{horizon:g}")
    elif m > 1:
        cause = _("each prospect brings {m} referred prospects over its life, so the population doubles every "
                  "{doubling} years ({horizon} years simulated)").format(
            m=f"{m:.2f}", doubling=f"{doubling:.2g}", horizon=f"{horizon:g}")
    elif per_person > 1000:
        cause = _("each person lives about {n} events (purchases, moves, referrals)").format(n=f"{per_person:,.0f}")
    else:
        cause = _("{n} people arrive and each brings {m} referred people on average").format(
            n=f"{first:,.0f}", m=f"{m:.2f}")
    return RunEstimate(people=float(people), events=float(events), referrals_per_person=m, doubling_years=doubling,
                       cause=cause)


def _renewal(arrivals: dict, kernel: dict, step: float, replace: bool) -> dict:
    """Births of prospects and of new customers on the grid: b = arrivals + K b, solved as power series.

    A person born at step s brings ``kernel[parent][0][j] x step`` prospects (referrals) and, when the
    lost are replaced, ``kernel[parent][1][j] x step`` new customers at step s + 1 + j.  On the
    grid this is b(z) = a(z) + K(z) b(z), with K a 2 x 2 matrix of series with no constant term
    (nobody is born of someone born in the same step), so b = adj(I - K) a / det(I - K), every
    product truncated after the grid's last step.
    """
    n = GRID
    prospect, new = Stage.PROSPECT, Stage.NEW

    def lagged(rates):  # births one step later and on: z k(z) step
        return np.concatenate([[0.0], rates[:n - 1] * step])

    def times(x, y):
        return np.convolve(x, y)[:n]

    one = np.zeros(n)
    one[0] = 1.0
    m_pp, m_pn = one - lagged(kernel[prospect][0]), -lagged(kernel[new][0])   # prospects born of each kind
    a_p, a_n = arrivals[prospect], arrivals[new]
    if not replace:  # no new customer is born of anyone (K's second row is 0): the new are the arrivals
        return {prospect: times(_series_inverse(m_pp), a_p - times(m_pn, a_n)), new: a_n}
    m_np, m_nn = -lagged(kernel[prospect][1]), one - lagged(kernel[new][1])  # replacements of the lost
    inverse = _series_inverse(times(m_pp, m_nn) - times(m_pn, m_np))
    return {prospect: times(inverse, times(m_nn, a_p) - times(m_pn, a_n)),
            new: times(inverse, times(m_pp, a_n) - times(m_np, a_p))}


def _series_inverse(f: np.ndarray) -> np.ndarray:
    """1 / f(z) to as many terms as f has, for f(0) = 1: Newton's iteration g <- g (2 - f g), doubling the terms."""
    n = len(f)
    g = np.ones(1)
    while len(g) < n:
        m = min(2 * len(g), n)
        correction = -np.convolve(f[:m], g)[:m]
        correction[0] += 2.0
        g = np.convolve(g, correction)[:m]
    return g


def _growth_rate(refer: np.ndarray, ages: np.ndarray) -> float:
    """The Malthusian rate r (per year): the sum over ages of k(a) e^(-r a) = 1 (Euler-Lotka), by bisection."""
    step = ages[1] - ages[0]

    def k(r):
        return float((refer * np.exp(-r * ages)).sum() * step)

    low, high = 0.0, 1.0
    while k(high) > 1 and high < 1e6:
        high *= 2
    for _halving in range(80):
        middle = (low + high) / 2
        low, high = (middle, high) if k(middle) > 1 else (low, middle)
    return (low + high) / 2


#: the refusals of :func:`check_budget`, one whole sentence each (their words differ in Chinese)
_OVER_PEOPLE = N_("run budget: this run would create about {n} people ({cause}); the {engine} engine runs at most "
                  "{limit} people unless asked: pass max_people= / max_events= to run_simulation (python -m simkit "
                  "run --max-people N --max-events N), or make the run smaller")
_OVER_EVENTS = N_("run budget: this run would create about {n} events ({cause}); the {engine} engine runs at most "
                  "{limit} events unless asked: pass max_people= / max_events= to run_simulation (python -m simkit "
                  "run --max-people N --max-events N), or make the run smaller")


def check_budget(scenario, engine: str, n_customers: int | None = None, max_people: int | None = None,
                 max_events: int | None = None) -> RunEstimate:
    """Refuse, before it starts, a run that would take minutes or exhaust memory; return the estimate."""
    default_people, default_events = DEFAULT_BUDGET[engine]
    people_cap = default_people if max_people is None else max_people
    events_cap = default_events if max_events is None else max_events
    estimate = estimate_run(scenario, n_customers)
    for count, cap, message in ((estimate.people, people_cap, _OVER_PEOPLE), (estimate.events, events_cap, _OVER_EVENTS)):
        if count > cap:
            raise ScenarioError(_(message).format(n=f"{count:,.0f}", cause=estimate.cause, engine=engine,
                                                  limit=f"{cap:,}"), scenario.name)
    return estimate

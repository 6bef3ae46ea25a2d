"""How big will a run be?  The people and events a scenario creates, estimated before it runs.

A run's time and memory follow the people who enter and the events they
live (purchases, referrals, stage moves).  Both are derived from the
scenario's law, not sampled:

* **One life.**  A person's stages form a Markov chain of *phases*: an
  exponential stay is one phase, a fixed stay 16 phases of a sixteenth of it
  each (an Erlang stay: the same mean, a spread of a quarter of it), the sales
  funnel six, and with the second product every phase twice, before and after
  adoption.  The chance of each phase at each age is a matrix exponential,
  integrated exactly over each cell of the age axis (Van Loan), so that a
  stage of 0.01 years counts whole however coarse the cells: the expected
  referrals over a stay are its rate times the expected time spent there.
  Under a tenure table a life goes a year at a time (referrals at the start of
  each year, purchases through it, the retention draw at its end), and a
  referred customer lives on from its referrer's tenure year.
* **Generations.**  Every person brings referred prospects (and, when the lost
  are replaced, new customers), who bring more in turn: a branching process
  with several kinds of person (born a prospect, acquired, and under a tenure
  table referred in each year of the table), whose births follow the renewal equation
  b(t) = arrivals(t) + sum over ages a of b(t - a) k(a).  It is solved on a
  grid fine enough for the time between generations (at least 8 cells to a
  generation, up to :data:`MAX_GRID` cells), as power series, scaled by the
  population's growth rate (Euler-Lotka) so that nothing overflows.  Each
  prospect brings ``m`` referred prospects over its life: with ``m < 1`` the
  referrals add ``1 / (1 - m)`` times the arrivals; with ``m > 1`` the
  population doubles every ``ln 2 / r`` years and a long horizon explodes.

Checked against runs on a family of scenarios built to fool a grid (short
referring stages, fixed stays of awkward lengths, branching near 1, loops, the
funnel, the second product, tenure tables; ``tests/test_budget.py``): within
5 % on each.
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

#: Largest run each engine takes without being asked: (people, events).  About ten seconds of a laptop; held while
#: running, they bound a run's memory (bench/bench_budget_memory.py, docs/guide.md "The run budget"): about 1.9 GiB
#: on the NumPy engine with the ledger kept, 3.5 GiB with the event log as well; 0.9 and 1.3 GiB on the SimPy engine
DEFAULT_BUDGET = {"simpy": (250_000, 1_000_000), "numpy": (2_000_000, 20_000_000)}


@dataclass(frozen=True)
class RunEstimate:
    """What a run will create, in expectation.

    Attributes
    ----------
    people : float
        People who enter over the run (arrivals, referred, replacements).
    events : float
        Events they live: purchases (of either product), referrals, referral damage, stage moves.
    referrals_per_person : float
        Referred people each person brings on average over its life (m).
    doubling_years : float or None
        When the population grows: the years in which it doubles.
    cause : str
        What makes the run big, in a sentence.
    """

    people: float
    events: float
    referrals_per_person: float
    doubling_years: float | None
    cause: str


GRID = 256             # fewest cells of the horizon on which the renewal equation is solved
MAX_GRID = 1 << 14     # most cells: the finest step (horizon / 16,384) for generations shorter than 8 cells
PHASES = 16            # exponential phases standing for a fixed stay (Erlang: same mean, spread mean / 4)
_BLOCK = 64            # ages propagated at once


@dataclass
class _Chain:
    """One person's life as a Markov chain of phases (a stage model).

    ``generator[i, j]``: rate of moving from phase i to phase j; per phase, the rates of referrals, of losses
    (moves into lost), and of events (purchases, second-product purchases, referrals, referral damage, stage
    moves); ``start``: the phase where a person born as a prospect, or as a new customer, begins.
    """

    generator: np.ndarray
    refer: np.ndarray
    lose: np.ndarray
    events: np.ndarray
    start: dict
    stage: np.ndarray   # the stage of each phase


def _chain(scenario) -> _Chain:
    """The life of :func:`_kernels` as phases: an exponential stay is one phase, a fixed stay :data:`PHASES`
    (Erlang), the sales funnel six; with the second product, every phase twice, before and after adoption."""
    cross = scenario.cross_sell.orders_per_year
    adopting = cross > 0 and any(scenario.stages[s].cross_sell_adoption_per_year > 0 for s in ACTIVE_STAGES)
    # the phases of each stage: (mean of each, what follows the last: {target: probability})
    phases, first = [], {}
    for stage in ACTIVE_STAGES:
        params = scenario.stages[stage]
        first[stage] = len(phases)
        if stage is Stage.PROSPECT and scenario.funnel is not None:  # six steps, each won or lost
            steps = scenario.funnel.step_probabilities()
            for k, mean in enumerate(scenario.funnel.mean_duration_years):
                onward = ("next", steps[k]) if k < len(steps) - 1 else (Stage.NEW, steps[k])
                phases.append((stage, mean, dict([onward, (Stage.UNCONVERTED, 1 - steps[k])])))
        elif params.mean_duration_years is None:  # stays until the horizon
            phases.append((stage, None, {}))
        elif params.duration_distribution == "fixed":
            for _k in range(PHASES - 1):
                phases.append((stage, params.mean_duration_years / PHASES, {"next": 1.0}))
            phases.append((stage, params.mean_duration_years / PHASES, dict(params.next_stage)))
        else:
            phases.append((stage, params.mean_duration_years, dict(params.next_stage)))
    n = len(phases)
    size = 2 * n if adopting else n
    generator = np.zeros((size, size))
    refer, lose, events = np.zeros(size), np.zeros(size), np.zeros(size)
    for copy in ((0, 1) if adopting else (0,)):
        for i, (stage, mean, targets) in enumerate(phases):
            params = scenario.stages[stage]
            here = i + copy * n
            out = 0.0 if mean is None else 1.0 / mean
            for target, probability in targets.items():
                rate = out * probability
                generator[here, here] -= rate
                if target == "next":
                    generator[here, here + 1] += rate
                    continue
                events[here] += rate  # a stage move
                if target is Stage.LOST:
                    lose[here] += rate
                elif not target.is_terminal:
                    generator[here, first[target] + copy * n] += rate
            if copy == 0 and adopting and params.cross_sell_adoption_per_year > 0:
                generator[here, here] -= params.cross_sell_adoption_per_year
                generator[here, here + n] += params.cross_sell_adoption_per_year
            refer[here] = params.referrals_per_year
            events[here] += (params.orders_per_year + params.referrals_per_year + params.referral_damage_per_year
                             + (cross if copy == 1 else 0.0))
    stage = np.array([int(stage) for stage, _mean, _targets in phases] * (2 if adopting else 1))
    return _Chain(generator, refer, lose, events, {Stage.PROSPECT: first[Stage.PROSPECT], Stage.NEW: first[Stage.NEW]},
                  stage)


#: kinds of person the renewal equation follows, by index: born a prospect (arrivals, referred), or a new customer
#: acquired by the firm (the cohort at time 0, replacements); under a tenure table also 2 + y - 1 for a customer
#: referred in tenure year y, who lives on from that year (the table's last year stands for every later one)
PROSPECT, ACQUIRED = 0, 1


def _kernels(scenario, n: int, step: float) -> list:
    """What a person of each kind brings at each age: by kind (index), arrays (kinds + 1, ``n``) of the children of
    each kind it brings (referred; replacements of it, when the lost are replaced) and, last, the events of its
    life, integrated exactly over cells of the age axis.

    Two ways of cutting the axis: ``"lag"``, cells centred on the ages 0, ``step``, 2 ``step``, ... (the first
    cell is [0, step / 2)): the people born in a cell of the renewal grid are placed at its middle, and what they
    bring at an age in lag cell L falls into the cell L further on; ``"aligned"``, the cells [j step,
    (j + 1) step): for the cohort, born at time 0 exactly.  Integrals, not samples: a stage of 0.01 years in a
    cell of 0.4 is counted whole.
    """
    if scenario.tenure is not None:
        return _tenure_kernels(scenario, n, step)
    chain = _chain(scenario)
    lose = chain.lose if scenario.arrivals.replace_lost else np.zeros_like(chain.lose)
    return _phase_kernels(chain.generator, [chain.start[Stage.PROSPECT], chain.start[Stage.NEW]],
                          np.stack([chain.refer, lose, chain.events]), n, step)


def _phase_kernels(generator: np.ndarray, starts: list, rates: np.ndarray, n: int, step: float) -> list:
    """For a chain of phases started in each of ``starts``: ``rates`` (one row per quantity, one column per phase)
    times the chance of each phase, integrated over each cell of the age axis, both ways (see :func:`_kernels`).

    The chance of each phase at age a is exp(a G) p0 (G: the generator, transposed); its integral over
    [t, t + h] is exp(t G) Phi(h) p0, with Phi(h) the integral of exp(u G) over [0, h] (Van Loan).
    """
    columns = np.zeros((len(generator), len(starts)))
    for j, where in enumerate(starts):
        columns[where, j] = 1.0
    half_move, half = _expm_and_integral(generator.T, step / 2)
    move, whole = half_move @ half_move, half + half_move @ half   # a whole cell: two halves
    aligned = whole @ columns                  # cell j: move^j (Phi(step) p0)
    lagged = half_move @ aligned               # lag cell L >= 1: move^(L - 1) exp(G step / 2) Phi(step) p0
    ages = _propagate(move, np.concatenate([aligned, lagged], axis=1), n, rates)  # (n, rows, 2 x starts)
    out = []
    for j in range(len(starts)):
        lag = np.empty((len(rates), n))
        lag[:, 0] = rates @ (half @ columns[:, j])
        lag[:, 1:] = ages[:n - 1, :, len(starts) + j].T
        out.append({"lag": lag, "aligned": np.ascontiguousarray(ages[:, :, j].T)})
    return out


def _propagate(move: np.ndarray, vectors: np.ndarray, n: int, rates: np.ndarray) -> np.ndarray:
    """``rates @ move^j @ vectors`` for j = 0 ... n - 1, block by block: (n, len(rates), vectors' columns)."""
    block = [vectors]
    for _j in range(1, min(_BLOCK, n)):
        block.append(move @ block[-1])
    block = np.stack(block)                                  # (block, phases, columns)
    leap = np.linalg.matrix_power(move, len(block))
    out = []
    done = 0
    while done < n:
        out.append(rates @ block)                            # (block, 3, columns)
        done += len(block)
        block = leap @ block
    return np.concatenate(out)[:n]


def _expm_and_integral(matrix: np.ndarray, t: float) -> tuple:
    """exp(t A) and the integral of exp(u A) over [0, t], from one exponential of [[A, I], [0, 0]] t (Van Loan)."""
    size = len(matrix)
    augmented = np.zeros((2 * size, 2 * size))
    augmented[:size, :size] = matrix * t
    augmented[:size, size:] = np.eye(size) * t
    result = _expm(augmented)
    return result[:size, :size], result[:size, size:]


def _tenure_kernels(scenario, n: int, step: float) -> list:
    """:func:`_kernels` under a tenure table.  A customer lives a year at a time: referrals at the start of each
    year (a customer acquired by the firm at once, a referred one from its second year on), each joining in the
    same tenure year as its referrer; purchases through the year; the retention draw at its end (the lost leave,
    the new become loyal).  A prospect lives the stage model's prospect stage, then the life of an acquired
    customer from its conversion."""
    tenure = scenario.tenure
    kinds = 2 + tenure.n_years
    acquired = _tenure_life(scenario, 1, True, kinds, n, step)
    referred = [_tenure_life(scenario, year, False, kinds, n, step) for year in range(1, tenure.n_years + 1)]
    return [_prospect_then_tenure(scenario, acquired, kinds, n, step), acquired, *referred]


def _tenure_life(scenario, first_year: int, refers_at_once: bool, kinds: int, n: int, step: float) -> dict:
    """The kernels of a customer who enters in tenure year ``first_year``."""
    tenure, replace = scenario.tenure, scenario.arrivals.replace_lost
    points = []    # (row, age, expected number): children of each kind, events (row ``kinds``)
    spreads = []   # (from, to, events per year)
    survival = 1.0
    for age in range(int(math.ceil(n * step))):
        year = first_year + age
        row = min(year, tenure.n_years) - 1  # the last row repeats
        retention, rate = tenure.retention_rate[row], tenure.referral_rate[row]
        if age > 0 or refers_at_once:  # referred customers of this year's kind (2 + row)
            points += [(2 + row, age, survival * rate), (kinds, age, survival * rate)]
        if tenure.margin_per_customer is None:
            spreads.append((age, age + 1, survival * tenure.orders_per_year[row]))
        lost = survival * (1 - retention)
        if replace:  # (a replacement joins at the year's end: none at the horizon)
            points.append((ACQUIRED, age + 1, lost))
        # the retention draw at the year's end, made at the horizon too: the lost move, the new become loyal;
        # booked in the cell that ends there
        points.append((kinds, age + 1 - step / 2, lost + (survival * retention if age == 0 else 0.0)))
        survival *= retention
    cells = np.zeros((kinds + 1, n))
    for row, age, mass in points:
        where = int(math.floor(age / step + 1e-9))
        if where < n:
            cells[row, where] += mass
    edges = np.arange(n + 1) * step
    for low, high, rate in spreads:
        cells[kinds] += rate * np.diff(np.clip(edges, low, high))
    return {"lag": cells, "aligned": cells}   # (a tenure table's grid: everyone born at the start of a cell)


def _prospect_then_tenure(scenario, acquired: dict, kinds: int, n: int, step: float) -> dict:
    """The kernels of a prospect under a tenure table: the prospect stage (its referrals, its events), then, from
    the age it converts, those of an acquired customer (``acquired``)."""
    chain = _chain(scenario)
    prospect = np.flatnonzero(chain.stage == int(Stage.PROSPECT))
    later = np.flatnonzero(chain.stage != int(Stage.PROSPECT))
    convert = chain.generator[np.ix_(prospect, later)].sum(axis=1)   # conversions leave the chain
    start = int(np.flatnonzero(prospect == chain.start[Stage.PROSPECT])[0])
    (stage,) = _phase_kernels(chain.generator[np.ix_(prospect, prospect)], [start],
                              np.stack([chain.refer[prospect], convert, chain.events[prospect]]), n, step)
    stage = stage["aligned"]   # (a tenure table's grid: everyone born at the start of a cell)
    cells = np.array([np.convolve(stage[1], life)[:n] for life in acquired["aligned"]])
    cells[PROSPECT] += stage[0]
    cells[kinds] += stage[2]
    return {"lag": cells, "aligned": cells}


def _cells(scenario) -> tuple[int, float, float]:
    """The renewal grid: (cells, years per cell, where in its cell a person is born: 0.5 the middle, 0 the start).

    A tenure table's customers are born at anniversaries (referred at the start of a year, replacing one lost at
    its end) a whole number of years after the cohort: cells of a twelfth of a year or less, each person born at
    the start of a cell, so that every lag is a whole number of cells and the draws at the horizon are in it."""
    horizon = scenario.horizon_years
    if scenario.tenure is not None:
        per_year = 12 * max(1, math.ceil(GRID / (12 * horizon)))
        return int(round(horizon * per_year)), 1.0 / per_year, 0.0
    return GRID, horizon / GRID, 0.5


def estimate_run(scenario, n_customers: int | None = None) -> RunEstimate:
    """The people and events a run of ``scenario`` will create, in expectation (see the module text).

    Births of prospects (arrivals and referred) and of new customers (a cohort acquired at the start,
    replacements) follow the renewal equation b(t) = arrivals(t) + sum over ages of b(t - a) k(a),
    solved on a grid over the horizon fine enough for the time between generations (at least 8 cells to a
    generation, up to :data:`MAX_GRID` cells).
    """
    arrivals = scenario.arrivals
    cohort = arrivals.cohort_size if n_customers is None else n_customers
    horizon = scenario.horizon_years
    n, step, offset = _cells(scenario)
    kernel = _kernels(scenario, n, step)
    kinds = len(kernel)
    if scenario.tenure is None:  # a finer grid when generations follow each other within 8 cells
        generation = _generation_years(kernel, step)
        if generation is not None and generation < 8 * step and n < MAX_GRID:
            n = min(MAX_GRID, 1 << math.ceil(math.log2(8 * horizon / generation)))
            step = horizon / n
            kernel = _kernels(scenario, n, step)
    # lags[p, c, L]: the children of kind c a parent of kind p brings at lag L (referred; its replacement)
    lags = np.stack([k["lag"][:kinds] for k in kernel])
    # the first generation: the stream (per cell) and the cohort's children, born in the cell where they are
    first = kernel[PROSPECT if arrivals.cohort_stage is Stage.PROSPECT else ACQUIRED]["aligned"]
    born = cohort * first[:kinds]
    born[PROSPECT] += arrivals.prospects_per_year * step
    rate = _growth_rate(lags, step)
    if scenario.tenure is None:  # referred prospects a prospect brings
        m = float(lags[PROSPECT, PROSPECT].sum())
    else:                        # referred customers a customer referred in its first year brings
        m = float(lags[2, 2:].sum())
    events_from_birth = np.cumsum([k["lag"][kinds] for k in kernel], axis=1)   # (kinds, n): by age
    cohort_events = cohort * float(first[kinds].sum())
    births = None if rate * horizon > _MOST_GROWTH else _renewal(born, lags, step, rate, offset)
    if births is None:   # it grows past any budget within the horizon: its order of size is enough
        people = _grown(max(cohort + arrivals.prospects_per_year * horizon, 1.0), rate * horizon)
        events = _grown(max(cohort_events, people), 0.0)
    else:
        # b(t) = scaled(t) exp(rate t), t where in each cell they are born: summed as exp(rate horizon) x sum of
        # scaled(t) exp(-rate (horizon - t)), so that nothing overflows on the way; one born in cell s lives
        # the ages up to the horizon, n - s cells
        born_at = (np.arange(n) + offset) * step
        weighted = births * np.exp(-rate * (horizon - born_at))
        people = cohort + _grown(float(weighted.sum()), rate * horizon)
        events = cohort_events + _grown(float((weighted * events_from_birth[:, ::-1]).sum()), rate * horizon)
    # (growing within a cell: it doubles within a cell at least)
    doubling = None if rate == 0 else step if rate == math.inf else math.log(2) / rate
    first_people = cohort + arrivals.prospects_per_year * horizon
    per_person = events / max(people, 1.0)
    if m > 1 and scenario.tenure is not None and doubling:
        cause = _("each referred customer brings {m} referred customers over its life, so the population "
                  "doubles every {doubling} years ({horizon} years simulated)").format(
            m=f"{m:.2f}", doubling=f"{doubling:.2g}", horizon=f"{horizon:g}")
    elif m > 1 and doubling:
        cause = _("each prospect brings {m} referred prospects over its life, so the population doubles every "
                  "{doubling} years ({horizon} years simulated)").format(
            m=f"{m:.2f}", doubling=f"{doubling:.2g}", horizon=f"{horizon:g}")
    elif per_person > 1000:
        cause = _("each person lives about {n} events (purchases, moves, referrals)").format(n=f"{per_person:,.0f}")
    else:
        cause = _("{n} people arrive and each brings {m} referred people on average").format(
            n=f"{first_people:,.0f}", m=f"{m:.2f}")
    return RunEstimate(people=float(people), events=float(events), referrals_per_person=m, doubling_years=doubling,
                       cause=cause)


_MOST_GROWTH = 600.0   # rate x horizon above which a run is simply too big (e^600 times its arrivals and more)
_HUGE = 1e300          # the largest estimate given


def _grown(scaled: float, exponent: float) -> float:
    """scaled x exp(exponent), at most :data:`_HUGE`."""
    if scaled <= 0:
        return 0.0
    return math.exp(min(math.log(scaled) + exponent, math.log(_HUGE)))


def _count(x: float) -> str:
    """A count for a message: 1,234,567, or 2.6e+31 past a thousand million million."""
    return f"{x:,.0f}" if x < 1e15 else f"{x:.1e}"


def _generation_years(kernel: list, step: float) -> float | None:
    """The mean age at which a person brings the next generation (its referred; its replacement), over every
    kind of person; None when nobody is born of anyone."""
    children = np.stack([k["lag"][:len(kernel)] for k in kernel]).sum(axis=(0, 1))   # by lag
    total = children.sum()
    return float(children @ (np.arange(len(children)) * step)) / total if total > 1e-3 else None


def _growth_rate(lags: np.ndarray, step: float) -> float:
    """The Malthusian rate r (per year) of the births on the grid: the largest eigenvalue of the matrix of sums
    over lags of k(lag) e^(-r lag), one row and column per kind of person, is 1 (Euler-Lotka), by bisection; 0
    when the population does not grow; infinity when it grows within a cell."""
    times = np.arange(lags.shape[2]) * step

    def radius(r):
        discount = np.exp(-r * times) if r < math.inf else (times == 0).astype(float)
        return float(np.abs(np.linalg.eigvals(lags @ discount)).max())

    if radius(0.0) <= 1:
        return 0.0
    if radius(math.inf) >= 1:  # (the lag-0 cells: children born in their parent's own cell)
        return math.inf
    low, high = 0.0, 1.0
    while radius(high) > 1:
        low, high = high, high * 2
    for _halving in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if radius(middle) > 1 else (low, middle)
    return (low + high) / 2


def _renewal(born: np.ndarray, lags: np.ndarray, step: float, rate: float, offset: float = 0.5) -> np.ndarray | None:
    """Births of each kind of person on the grid, b = born + K b, scaled by exp(-rate t), t = (cell + ``offset``)
    x ``step``: (kinds, cells).

    A parent of kind p born in cell s brings ``lags[p, c, L]`` children of kind c in cell s + L.  Scaled by
    exp(-rate x time) (both sides: the lags by exp(-rate L step)), the births stay of the size of the arrivals
    even when the population grows.  As power series with matrix coefficients: b(z) = born(z) + K(z) b(z), so
    b = (I - K)^-1 born, every product truncated after the grid's last cell.  None when I - K(0) has no inverse
    (children born within their parent's cell, at least one each).
    """
    kinds, _kinds, n = lags.shape
    scaled = lags * np.exp(-rate * np.arange(n) * step)
    series = -np.transpose(scaled, (2, 1, 0))       # (lag, child, parent): I - K
    series[0] += np.eye(kinds)
    if np.linalg.det(series[0]) < 1e-9:
        return None
    arrivals = (born * np.exp(-rate * (np.arange(n) + offset) * step)).T[:, :, None]   # (cell, kind, 1)
    return _times(_series_inverse(series), arrivals)[:, :, 0].T


def _times(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The product of two power series whose coefficients are matrices (``x[k] @ y[j]`` for z^(k + j)), truncated
    to the length of ``x``; by FFT along the series."""
    n = len(x)
    size = 1 << (2 * n - 1).bit_length()
    product = np.fft.rfft(x, size, axis=0) @ np.fft.rfft(y[:n], size, axis=0)
    return np.fft.irfft(product, size, axis=0)[:n]


def _series_inverse(f: np.ndarray) -> np.ndarray:
    """f(z)^-1 to as many terms as f has, for a series of square matrices with f(0) invertible: Newton's
    iteration g <- g (2 - f g), doubling the terms."""
    n, size = len(f), f.shape[1]
    g = np.linalg.inv(f[:1])
    while len(g) < n:
        m = min(2 * len(g), n)
        g = np.concatenate([g, np.zeros((m - len(g), size, size))])
        correction = -_times(f[:m], g)
        correction[0] += 2 * np.eye(size)
        g = _times(g, correction)
    return g


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
            raise ScenarioError(_(message).format(n=_count(count), cause=estimate.cause, engine=engine,
                                                  limit=f"{cap:,}"), scenario.name)
    return estimate

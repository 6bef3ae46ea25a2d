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
In a stage model the steps only live and decide; what their spells bring is
booked for many steps at once (:class:`_Steps`): word of mouth when a batch
has lived (the next generation is made of it), everything else -- purchases,
the second product, referral damage, time and its cost -- in the run's joint
book, for the small generations together with the large (:class:`_Joint`):
the same draws, on fewer and longer arrays.
When everyone active lives the same year of a tenure table from the same
time (a cohort's year, textbook §4), the step takes a shortcut that computes
with one value where the general step holds one per person, and gives the
same result to the last bit (tests/test_tenure_step.py runs both).

Common random numbers
---------------------
Each generation has its own PCG64 stream, and every step and purpose (stage
length, next stage, purchase count, ...) reads its own block of it.
Within a purpose, a person always takes the same number: number ``slot`` of
the block, where the slot is the person's family number for the first
generation and (rank in its group of families, group) for later ones.  Lengths
and counts are made from those uniforms by inverting the distribution (an
exponential length is ``-mean * log(1 - u)``; a Poisson count the smallest k
whose cumulative probability exceeds u).  So when a parameter changes, the
same customers move by that change rather than being shuffled anew, and a
comparison of two scenarios run with one seed measures the change, not the
noise (:func:`simkit.compare`).  Numbers drawn per item (purchase times and
spend, referral times) are laid out by (rank within the group of families,
group) too, so a change can only reshuffle draws within a group: the 50
groups of a run stay independent, which is what makes their spread an
honest interval.

>>> from simkit import load_scenario, run_simulation
>>> scenario = load_scenario("cohort_10000")
>>> fast = run_simulation(scenario, engine="numpy")
>>> int(fast.stage_counts[0].sum())
10000
>>> run_simulation(scenario, engine="numpy").ltv.mean == fast.ltv.mean     # same seed, same result
True
"""

from __future__ import annotations

import functools
import itertools
import math
import threading

import numpy as np

from ..results import EventLog, Ledger
from ...model.stages import Stage
from ..assemble import (COUNTS, GROUPS, MONEY, SOURCE_COHORT, SOURCE_REFERRAL, SOURCE_REPLACEMENT,
                       SOURCE_STREAM, ArrayStats, assemble_result)

__all__ = ["simulate"]

_EPS = 1e-9
#: persons simulated together at most (a large generation runs in batches of this size: bounded memory)
BATCH = 1 << 17
PROSPECT, NEW, LOYAL, DECLINE, LOST, UNCONVERTED = (int(s) for s in Stage)
#: moves into these stages are counted, each under its name
_COUNTED_MOVES = ((LOYAL, "n_promoted"), (DECLINE, "n_declined"), (LOST, "n_lost"), (UNCONVERTED, "n_unconverted"))
# the terms of a spell, one column each (rows: the four stages, then the tenure years)
# (LOG_VARIANCE: the variance of log spend, log(1 + (sd / average)^2), or 0 for spend without spread)
ORDERS, VALUE, LOG_VARIANCE, SHARE, SERVICE, REFERRALS, DAMAGE, DISCOUNT, ADOPTION = range(9)
# aligned uniforms: one per purpose and person of the batch (common random numbers)
_DURATION, _NEXT, _ADOPTION, _PURCHASES, _CROSS_SELL, _REFERRALS, _DAMAGE, _TENURE_REFERRALS = range(8)
# streams drawn in order, each its own generator: purchase and event times, spend, the prospect stream
# (_LARGE, _LARGE_REFERRALS: Poisson counts of means above 30, the referrals' apart as they are booked apart)
_TIMES, _SPEND, _ARRIVALS, _REFERRAL_TIMES, _DAMAGE_TIMES, _CROSS_SELL_TIMES, _LARGE, _LARGE_REFERRALS = range(100, 108)
#: blocks of a step in a generation's stream: one per purpose, every purpose and kind of stream below it
_PURPOSES = 256
assert _LARGE_REFERRALS < _PURPOSES
# what a spell counts, in the order a step lists its uniforms (_Batch.spell)
_COUNT_PURCHASES, _COUNT_CROSS_SELL, _COUNT_REFERRALS, _COUNT_DAMAGE = range(4)
EVENT_NAMES = ("arrive", "acquire", "purchase", "cross_sell", "move", "refer", "damage", "adopt")
_ARRIVE, _ACQUIRE, _PURCHASE, _CROSS, _MOVE, _REFER, _DAMAGED, _ADOPT = range(8)
# ledger columns accumulated person by person (the others are set once, in ledger_columns)
_LEDGER_FLOATS = ("exit_time", "revenue", "cost_of_sales", "acquisition_cost", "service_cost",
                  "referral_damage_cost", "price_discounts", "cross_sell_revenue", "cross_sell_cost",
                  "cost_savings", "first_purchase")
_LEDGER_INTS = ("n_purchases", "n_referrals", "n_prospects_lost")
# the ledger columns a book of spells adds to besides word of mouth (_Batch.book_spells)
_BOOKED_FLOATS = ("revenue", "cost_of_sales", "service_cost", "referral_damage_cost", "price_discounts",
                  "cross_sell_revenue", "cross_sell_cost", "cost_savings", "first_purchase")
_BOOKED_INTS = ("n_purchases", "n_prospects_lost")


def poisson_inverse(u: np.ndarray, mean: np.ndarray, few_means: bool = False) -> np.ndarray:
    """Poisson counts by inversion: the smallest k with P(N <= k) > u, for each pair (u, mean).

    The same uniform gives the same or a larger count when the mean grows,
    which is what keeps counts paired between a scenario and a changed copy.
    ``few_means``: the means take a few values (a tenure table's years), so one
    table of cumulative probabilities per value is cheaper.

    With mean 2, P(N <= 0) = 0.135, P(N <= 2) = 0.677, P(N <= 5) = 0.983, P(N <= 6) = 0.995:

    >>> poisson_inverse(np.array([0.1, 0.5, 0.99]), np.array([2.0, 2.0, 2.0])).tolist()
    [0, 2, 6]
    """
    mean = np.asarray(mean, dtype=float)
    if few_means and u.size > 64:
        if mean.min() == mean.max():  # one mean for all (a cohort's tenure year)
            return _inverse_by_table(u, float(mean[0]))
        levels, which = np.unique(mean, return_inverse=True)
        if len(levels) <= 8:
            counts = np.zeros(u.shape, dtype=np.int64)
            for i, level in enumerate(levels):
                here = which == i
                counts[here] = _inverse_by_table(u[here], float(level))
            return counts
    counts = np.zeros(u.shape, dtype=np.int64)
    todo = _which(mean > 0)  # (a mean of 0 counts 0)
    u, mean = u[todo], mean[todo]
    p = np.exp(-mean)
    more = _which(u >= p)  # (the others count 0)
    todo, u, mean, p = todo[more], u[more], mean[more], p[more]
    cumulative = p.copy()
    k = 0
    # array rounds while many are open; round k gives count k to those still open.  The open are
    # gathered together again only when a third of the arrays is closed (a round on closed entries
    # changes nothing they keep); the last few go one by one (the same arithmetic)
    open_ = np.ones(todo.size, dtype=bool)
    reached = np.zeros(todo.size, dtype=np.int64)
    still, n_open = np.empty(todo.size, dtype=bool), todo.size
    while n_open > 16:
        k += 1
        reached += open_
        p *= mean
        p /= k
        cumulative += p
        np.greater_equal(u, cumulative, out=still)
        open_ &= still
        open_ &= p > 0
        n_open = np.count_nonzero(open_)
        if n_open * 3 < 2 * todo.size or n_open <= 16:
            counts[todo] = reached
            keep = _which(open_)  # (indices: cheaper than five gathers by the mask)
            todo, u, mean, p, cumulative = todo[keep], u[keep], mean[keep], p[keep], cumulative[keep]
            open_ = np.ones(n_open, dtype=bool)
            reached, still = np.full(n_open, k, dtype=np.int64), np.empty(n_open, dtype=bool)
    for i, u_i, mean_i, p_i, cumulative_i in zip(todo.tolist(), u.tolist(), mean.tolist(), p.tolist(),
                                                 cumulative.tolist()):
        k_i = k
        while True:
            k_i += 1
            p_i = p_i * mean_i / k_i
            cumulative_i = cumulative_i + p_i
            if not (u_i >= cumulative_i and p_i > 0):
                break
        counts[i] = k_i
    return counts


_GRID = 1 << 10  # cells of the unit interval in which a Poisson count is looked up (a power of 2: u x _GRID is exact)
_CELL_EDGES = np.arange(_GRID + 1) / _GRID


def _inverse_by_table(u: np.ndarray, mean: float) -> np.ndarray:
    """Poisson counts of one mean by inversion: the cumulative probabilities once, then a lookup."""
    if mean <= 0.0 or not u.size:
        return np.zeros(u.shape, dtype=np.int64)
    top = float(u.max())
    p = math.exp(-mean)
    cumulative = [p]
    k = 0
    while cumulative[-1] <= top and p > 0.0:
        k += 1
        p *= mean / k
        cumulative.append(cumulative[-1] + p)
    cumulative = np.array(cumulative)
    # the count of each u: how many cumulative probabilities are at or below it.  Looked up on a grid of
    # cells [c / 1024, (c + 1) / 1024) (u x 1024 is exact): a cell no cumulative probability cuts through
    # has one count; the u in the few cells one does cut are searched for (the same answer, faster)
    cell_count = cumulative.searchsorted(_CELL_EDGES[:-1], side="right")
    cut = cumulative.searchsorted(_CELL_EDGES[1:], side="left") > cell_count
    cell = (u * _GRID).astype(np.intp)
    counts = cell_count[cell]
    unsure = _which(cut[cell])
    counts[unsure] = cumulative.searchsorted(u[unsure], side="right")
    return counts


class _Streams:
    """The bit generators of a run, one per kind of draw, re-keyed at every step (cheaper than new ones)."""

    def __init__(self):
        self._pool = _thread_generators()
        self._free = []  # arrays to draw rows into, reused through the run (see buffer)

    def buffer(self, size: int) -> np.ndarray:
        """A float array of ``size`` to draw into, from the run's free arrays when one is large enough (give it
        back with :meth:`give_back`): rows drawn into reused memory spare the system fresh pages each step."""
        for i, held in enumerate(self._free):
            if len(held) >= size:
                return self._free.pop(i)[:size]
        return np.empty(size)

    def give_back(self, rows):
        for row in rows:
            self._free.append(row if row.base is None else row.base)

    def keyed(self, kind: int, state: dict, block: int, skip: int = 0) -> np.random.Generator:
        """The generator of ``kind`` set to ``state``, advanced by ``block`` x 2**64 + ``skip``.

        A generation's PCG64 stream has period 2**128; each step and purpose reads its own block
        of 2**64 numbers from it (block step x 256 + purpose), so they never overlap.
        """
        entry = self._pool.get(kind)
        if entry is None:
            bit_generator = np.random.PCG64(0)
            entry = self._pool[kind] = (bit_generator, np.random.Generator(bit_generator))
        bit_generator, generator = entry
        bit_generator.state = state
        bit_generator.advance((block << 64) + skip)
        return generator


_THREAD = threading.local()


def _thread_generators() -> dict:
    """This thread's bit generators by kind, shared by its runs: each is set to a state before every use, so
    what one run left in it never reaches another (one per thread: a panel runs in a worker thread)."""
    pool = getattr(_THREAD, "generators", None)
    if pool is None:
        pool = _THREAD.generators = {}
    return pool


@functools.lru_cache(maxsize=4096)
def _state(key: tuple) -> dict:
    """The PCG64 state of a generation's stream (read only).  Kept for reuse: a paired comparison, a replayed
    run or a panel's redraw with the same seed asks for the same keys (a state costs ~25 us to seed; a
    step's block of the stream is reached by advancing it, ~1 us)."""
    return np.random.PCG64(np.random.SeedSequence(list(key))).state


def _which(mask: np.ndarray) -> np.ndarray:
    """The indices where a 1-d ``mask`` holds (``np.flatnonzero``, at a quarter of its cost on small arrays:
    a step of a few persons makes dozens of such calls, and numpy's wrappers cost more than the work)."""
    return mask.nonzero()[0]


def _any(values: np.ndarray) -> bool:
    """Whether any of ``values`` is nonzero (``values.any()``, without the reduction's overhead)."""
    return np.count_nonzero(values) > 0


def _all(values: np.ndarray) -> bool:
    """Whether every one of ``values`` is nonzero (``values.all()``, without the reduction's overhead)."""
    return np.count_nonzero(values) == values.size


def _as_slice(persons: np.ndarray):
    """``persons`` (increasing indices) as a slice when they are consecutive, else as they are."""
    n = len(persons)
    if n and int(persons[-1]) - int(persons[0]) == n - 1:
        return slice(int(persons[0]), int(persons[-1]) + 1)
    return persons


def _add_once(column: np.ndarray, at, values):
    """``column[at] += values`` for persons ``at`` who come once each (a slice, or distinct indices)."""
    if isinstance(at, slice):
        column[at] += values
    else:
        np.add.at(column, at, values)


def _first_of_run(persons: np.ndarray, slots: np.ndarray) -> int | None:
    """The first slot when ``persons`` (increasing indices) are consecutive and so are their slots, else None."""
    at = _as_slice(persons)
    if not isinstance(at, slice):
        return None
    first = int(slots[at.start])
    return first if int(slots[at.stop - 1]) - first == len(persons) - 1 else None


class _Draws:
    """The random numbers of one step of one batch, laid out so that each family keeps its own.

    Every person has a *slot*: ``ordinal x GROUPS + group``, where group = family mod GROUPS
    and ordinal its rank in its group within its generation (in the first generation,
    the slot is the family number itself).  ``uniform(purpose, persons)`` gives each person
    number ``slot`` of the purpose's stream for this step and generation, whoever else is
    active; ``grouped(purpose, groups)`` gives the k-th item of a group in this step number
    ``k x GROUPS + group`` of the purpose's stream.  So a change to one family can only
    reshuffle draws within its group: the groups of a run stay independent, and the same
    customers get the same draws in a scenario and in a changed copy (common random
    numbers).
    """

    def __init__(self, streams: _Streams, seed: int, generation: int, batch: int, step: int, slots: np.ndarray,
                 active: np.ndarray, few_means: bool = False):
        """``slots``: every person's slot, increasing; ``active``: the persons (indices, increasing) who may draw."""
        self.streams, self.slots, self.few_means = streams, slots, few_means
        # (keys of three and four numbers: never the arrival stream's two)
        self.aligned_key = (seed, 0, generation)           # slots run across the batches of a generation
        self.batch_key = (seed, 1, generation, batch)      # items are counted within the batch
        self.block = step * _PURPOSES                      # this step's blocks of the streams
        # the aligned rows cover the active persons' slots only (numbers low, low + 1, ... of each block)
        self.low = int(slots[active[0]]) if len(active) else 0
        self.size = int(slots[active[-1]]) - self.low + 1 if len(active) else 0
        self._states = {}
        self._aligned = {}
        self._last = (None, None)

    def _keyed(self, kind: int, key: tuple, purpose: int, skip: int = 0) -> np.random.Generator:
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _state(key)
        return self.streams.keyed(kind, state, self.block + purpose, skip)

    def uniform(self, purpose: int, persons: np.ndarray) -> np.ndarray:
        if not len(persons):  # nobody draws: the row is left undrawn (each purpose has its own)
            return np.zeros(0)
        row = self._aligned.get(purpose)
        if row is None:
            row = self._aligned[purpose] = self._keyed(-1, self.aligned_key, purpose, self.low).random(
                out=self.streams.buffer(self.size))
        first = _first_of_run(persons, self.slots)
        if first is not None:  # persons with consecutive slots: their numbers are a stretch of the row
            first -= self.low
            return row[first:first + len(persons)].copy()  # (a copy: the row's memory is reused after the step)
        if persons is not self._last[0]:  # where the persons' numbers lie (the same persons often ask again)
            self._last = (persons, self.slots[persons] - self.low)
        return row[self._last[1]]

    def release(self):
        """Forget the aligned rows (the step has drawn and decided; what waits to be booked draws per item)."""
        self.streams.give_back(self._aligned.values())
        self._aligned.clear()
        self._last = (None, None)

    @staticmethod
    def items(slots: np.ndarray, counts: np.ndarray, groups: np.ndarray | None = None) -> tuple:
        """Where each item's number lies in a purpose's stream: (index of each item, numbers to draw).

        The k-th item of a group takes number k x GROUPS + group.  ``slots``: the slots of the
        persons the items belong to, in increasing order; ``counts``: how many items each has
        (items of a person together, persons in order).  A person's first rank in its group is
        the number of items of the persons before it in the same group: an exclusive running
        sum down the columns of a (rows x GROUPS) table of counts by slot, so no sorting is
        needed.  Item j of person i, the q-th item in all (q = items before i + j), takes
        (first_i + j) x GROUPS + group_i = start_i + q x GROUPS.
        """
        n = int(counts.sum())
        if not n:
            return np.zeros(0, dtype=np.int64), 0
        if np.count_nonzero(counts) * 2 < len(counts):  # few have items (referrals, damage): the others change no rank
            keep = counts.nonzero()[0]
            slots, counts = slots[keep], counts[keep]
            if groups is not None:
                groups = groups[keep]
        base = int(slots[0]) // GROUPS * GROUPS
        rows = (int(slots[-1]) - base) // GROUPS + 1
        table = np.zeros(rows * GROUPS, dtype=np.int64)
        where = slots - base
        table[where] = counts
        running = _running_counts_down(table.reshape(rows, GROUPS))
        # first_i - (items before i) = (first_i + counts_i) - (items up to i): both running sums
        start = running.ravel()[where]
        start -= counts.cumsum()
        start *= GROUPS
        start += slots % GROUPS if groups is None else groups  # the slot's group (slot = ordinal x GROUPS + group)
        index = start.repeat(counts)
        index += np.arange(0, n * GROUPS, GROUPS)
        return index, int(running[-1].max()) * GROUPS

    def grouped(self, purpose: int, slots: np.ndarray, counts: np.ndarray, normal: bool = False,
                layout: tuple | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """One uniform (or standard normal) per item, laid out by :meth:`items` (or its ``layout``, given);
        into ``out`` when given."""
        index, size = self.items(slots, counts) if layout is None else layout
        if not len(index):
            return np.zeros(0) if out is None else out
        generator = self._keyed(purpose, self.batch_key, purpose)
        row = self.streams.buffer(size)
        if normal:
            generator.standard_normal(out=row)
        else:
            generator.random(out=row)
        values = row.take(index, out=out, mode="clip")  # (every index lies in the row: "clip" skips the
        # buffered copy numpy makes for "raise" into an out array)
        self.streams.give_back([row])
        return values

    def poisson(self, requests: list) -> list:
        """Poisson counts for several purposes at once: ``requests`` = [(purpose, persons, means), ...]."""
        return _poisson_counts([(self, [self.uniform(purpose, persons) for purpose, persons, _ in requests],
                                 [means for _, _, means in requests])])[0]


def _poisson_counts(chunks: list, large_kind: int = _LARGE) -> list:
    """Poisson counts of several steps at once: ``chunks`` = [(draws, uniforms, means), ...], the uniforms
    and means listed by purpose; for each chunk, its counts by purpose.

    Inversion of each person's own uniform (paired draws) up to a mean of 30; above it numpy's
    sampler of the chunk's own step (stream ``large_kind``), which has the same law.
    """
    u = np.concatenate([x for _, uniforms, _ in chunks for x in uniforms])
    mean = np.concatenate([x for _, _, means in chunks for x in means])
    large = mean > 30.0
    counts = poisson_inverse(u, np.where(large, 0.0, mean), chunks[0][0].few_means)
    sizes = [len(x) for _, uniforms, _ in chunks for x in uniforms]
    if _any(large):
        start = 0
        for draws, uniforms, _ in chunks:
            stop = start + sum(len(x) for x in uniforms)
            here = _which(large[start:stop]) + start
            if here.size:
                counts[here] = draws._keyed(large_kind, draws.batch_key, large_kind).poisson(mean[here])
            start = stop
    ends = list(itertools.accumulate(sizes))
    parts = [counts[stop - size:stop] for size, stop in zip(sizes, ends)]
    out, i = [], 0
    for _, uniforms, _ in chunks:
        out.append(parts[i:i + len(uniforms)])
        i += len(uniforms)
    return out


class _Step:
    """The spells one step of a batch lived, waiting to be booked (:meth:`_Batch.book`), with the step's
    draws and the uniforms of its counts (purchases, second product, referrals, referral damage)."""

    __slots__ = ("draws", "a", "start", "span", "stage", "rows", "begin", "buying", "referring", "damaging",
                 "uniforms", "means")

    def __init__(self, **fields):
        for name, value in fields.items():
            setattr(self, name, value)


class _Steps:
    """The spells of several steps (of one batch, or of several joined: see :class:`_Joint`), booked
    together: the same arithmetic on fewer, longer arrays.  Each step keeps its own random numbers: what a
    spell draws is what it would draw if its step were booked alone."""

    def __init__(self, steps: list, shifts: list | None = None):
        """``shifts``: for each step, where its batch's persons start among joined batches (None: 0 each)."""
        self.steps = steps
        self.unique = len(steps) == 1  # each person at most once
        self.offsets = np.cumsum([0] + [len(step.a) for step in steps])
        join = (lambda parts: parts[0]) if self.unique else np.concatenate
        self.a = join([step.a if not shift else step.a + shift
                       for step, shift in zip(steps, shifts or [0] * len(steps))])
        for name in ("start", "span", "stage", "rows", "begin"):
            setattr(self, name, join([getattr(step, name) for step in steps]))
        for name in ("buying", "referring", "damaging"):  # indices into the joined spells
            setattr(self, name, join([getattr(step, name) + offset for step, offset in zip(steps, self.offsets)]))

    def bounds(self, subset=None) -> np.ndarray:
        """Where each step's spells start and end in ``subset`` (increasing indices; None: all spells)."""
        return self.offsets if subset is None else subset.searchsorted(self.offsets)

    def counts(self, which: tuple, large_kind: int = _LARGE) -> list:
        """The Poisson counts of every spell for the purposes ``which`` (of _COUNT_PURCHASES, ...)."""
        chunks = _poisson_counts([(step.draws, [step.uniforms[j] for j in which], [step.means[j] for j in which])
                                  for step in self.steps], large_kind)
        if self.unique:
            return chunks[0]
        return [np.concatenate([chunk[j] for chunk in chunks]) for j in range(len(which))]

    def layouts(self, bounds, slots, counts) -> list:
        """:meth:`_Draws.items` of each step's part of ``slots`` and ``counts`` (``bounds``: see :meth:`bounds`)."""
        return [step.draws.items(slots[lo:hi], counts[lo:hi])
                for step, lo, hi in zip(self.steps, bounds[:-1].tolist(), bounds[1:].tolist())]

    def grouped(self, purpose: int, bounds, slots, counts, normal: bool = False, layouts=None) -> np.ndarray:
        """:meth:`_Draws.grouped` of each step's part, joined."""
        if layouts is None:
            layouts = self.layouts(bounds, slots, counts)
        if self.unique:
            return self.steps[0].draws.grouped(purpose, None, None, normal, layouts[0])
        joined = np.empty(sum(len(index) for index, _ in layouts))  # each step's part drawn into its place
        start = 0
        for step, layout in zip(self.steps, layouts):
            step.draws.grouped(purpose, None, None, normal, layout, out=joined[start:start + len(layout[0])])
            start += len(layout[0])
        return joined


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
        self.group_profit = np.zeros((GROUPS, n))
        self.n = n

    def add(self, name: str, periods, weights=None):
        target = self.money[name] if name in self.money else self.counts[name]
        if weights is None:
            target += np.bincount(periods, minlength=self.n)
        elif target.dtype.kind == "i":  # counts weighted by whole numbers
            target += np.rint(np.bincount(periods, weights=weights, minlength=self.n)).astype(np.int64)
        else:
            target += np.bincount(periods, weights=weights, minlength=self.n)

    def add_group(self, groups, periods, amounts):
        self.group_profit += np.bincount(groups * self.n + periods, weights=amounts,
                                         minlength=GROUPS * self.n).reshape(GROUPS, self.n)

    def add_flows(self, periods, stages, sign: int) -> np.ndarray:
        """Count moves into (sign 1) or out of (-1) stages by period; return the counts, (periods, 6)."""
        moves = np.bincount(periods * 6 + stages, minlength=self.n * 6).reshape(self.n, 6)
        if sign > 0:
            self.flows += moves
        else:
            self.flows -= moves
        return moves

    def add_stage(self, table, periods, stages, weights):
        table += np.bincount(periods * 4 + stages, weights=weights, minlength=self.n * 4).reshape(self.n, 4)


class _Entrants:
    """People entering in one generation: when, in which stage, from where, on what terms."""

    FIELDS = ("time", "stage", "source", "parent", "family", "slot", "tenure_year", "price", "opening")

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


def _entrants(time, stage, source, parent, family, tenure_year=1, price=0.0, opening=False) -> _Entrants:
    n = len(time)
    return _Entrants(time=np.asarray(time, dtype=float), stage=_column(stage, n, np.int64),
                     source=_column(source, n, np.int8), parent=_column(parent, n, np.int64),
                     family=_column(family, n, np.int64),
                     slot=np.zeros(n, dtype=np.int64),  # set when the generation is laid out (_layout)
                     tenure_year=_column(tenure_year, n, np.int64), price=_column(price, n, float),
                     opening=_column(opening, n, bool))


def _column(value, n: int, dtype) -> np.ndarray:
    """A new array of ``n`` values of ``dtype``: ``value`` repeated (a number) or converted (an array)."""
    if isinstance(value, np.ndarray) and value.ndim:
        return value.astype(dtype)
    return np.full(n, value, dtype=dtype)


def _repeated_sums(value: float, counts: np.ndarray) -> np.ndarray:
    """For each count k: ``value`` added k times, one after the other from 0, as :func:`numpy.bincount`
    adds a column of equal weights (exactly k x value when that is a whole number below 2**53)."""
    top = int(counts.max()) if len(counts) else 0
    if value == math.floor(value) and abs(value) * top < 2.0 ** 53:
        return counts * value
    return np.concatenate(([0.0], np.full(top, value).cumsum()))[counts]


def _smallest_of_each(values: np.ndarray, owner: np.ndarray, n: int, chosen: np.ndarray) -> np.ndarray:
    """The smallest of the values each chosen person owns (``owner``: the person, 0 to n - 1, of each value)."""
    smallest = np.full(n, np.inf)
    np.minimum.at(smallest, owner, values)
    return smallest[chosen]


def _running_counts_down(table: np.ndarray) -> np.ndarray:
    """Running sums down the columns of a 2-d table of counts (``table.cumsum(axis=0)``, the same numbers).
    numpy's running sum of integers along the first axis of a row-major table strides across memory; a
    column-major copy, summed and copied back, takes ~40 % less time once there are many rows (not so
    for floats)."""
    if len(table) < 128:
        return table.cumsum(axis=0)
    return np.ascontiguousarray(np.asfortranarray(table).cumsum(axis=0))


def _running_total(values: np.ndarray) -> float:
    """The sum of ``values`` added one after the other, as :func:`numpy.bincount` adds them (numpy's
    ``sum`` adds pairwise, which can differ in the last bit)."""
    return float(values.cumsum()[-1]) if len(values) else 0.0


def _edges(start, end, origin, width: float, first, last, n_bins: int) -> tuple:
    """How spells [start, end] lie against bins [origin + k width, origin + (k+1) width): for :func:`_spread`.

    ``first``, ``last``: the bins each spell starts and ends in.
    """
    same = first == last
    f = np.minimum(first, n_bins - 1)
    if _all(same):
        return width, f, None, end - start, None, None, None
    cross = _which(~same)  # the spells that cross an edge (indices: cheaper than gathers by a mask)
    span = np.where(same, end - start, origin + (first + 1) * width - start)  # whole spell, or its head
    last = last[cross]
    tail = end[cross] - ((origin if np.ndim(origin) == 0 else origin[cross]) + last * width)
    return width, f, np.minimum(last, n_bins - 1), span, cross, tail, first[cross] + 1


def _spread(edges: tuple, column, weights, n_bins: int, n_columns: int):
    """Time that spells spend in each bin (laid out by :func:`_edges`), weighted.

    ``weights`` is a list of arrays (one value per spell; None: 1 for each); for each the result
    is an array (n_bins, n_columns) of weight x time, each spell adding to its ``column``.  A spell
    within one bin adds to it; one that crosses edges adds its head and tail to the first and last
    bins and a full ``width`` to each bin between (a difference array: no spell is cut up).
    """
    width, f, l, span, cross, tail, after = edges
    size = (n_bins + 1) * n_columns
    index = f * n_columns + column
    if cross is None:
        return [np.bincount(index, weights=span if w is None else w * span,
                            minlength=size).reshape(n_bins + 1, n_columns)[:n_bins] for w in weights]
    crossing_column = column if np.ndim(column) == 0 else column[cross]
    last_index = l * n_columns + crossing_column
    after_head = after * n_columns + crossing_column
    full = None
    out = []
    for w in weights:
        total = np.bincount(index, weights=span if w is None else w * span, minlength=size)
        if w is None:
            if full is None:
                full = np.full(len(tail), width)
            w_tail, w_full = tail, full
        else:
            w_cross = w[cross]
            w_tail, w_full = w_cross * tail, w_cross * width
        total += np.bincount(last_index, weights=w_tail, minlength=size)
        steps = np.bincount(after_head, weights=w_full, minlength=size)
        steps -= np.bincount(last_index, weights=w_full, minlength=size)
        total += steps.reshape(n_bins + 1, n_columns).cumsum(axis=0).ravel()
        out.append(total.reshape(n_bins + 1, n_columns)[:n_bins])
    return out


class _Spells:
    """Spells [start, end] of some persons, against the period edges and the anniversaries of entry.

    ``period`` and ``year``: the period and the year of the relationship (0-based) each
    spell starts in; ``whole``: the spell lies within one period and one year.
    """

    def __init__(self, start, end, plan: "_Plan", entry):
        self.start, self.end, self.plan, self.entry = start, end, plan, entry
        ppy = plan.ppy
        self.first_period = np.floor(start * ppy + 1e-9).astype(np.int64)
        self.last_period = np.maximum(np.ceil(end * ppy - 1e-9).astype(np.int64) - 1, self.first_period)
        self.first_year = np.floor(start - entry + 1e-9).astype(np.int64)
        self.last_year = np.maximum(np.ceil(end - entry - 1e-9).astype(np.int64) - 1, self.first_year)
        self.period = np.minimum(self.first_period, plan.n_periods - 1)
        self.year = self.first_year
        self.whole = (self.first_period == self.last_period) & (self.first_year == self.last_year)
        self._period_edges = None

    def by_period(self, stage, *weights) -> list:
        """For each weight array (None: 1 each): weight x years spent, by period and stage, (n_periods, 4)."""
        plan = self.plan
        return _spread(self.period_edges(), stage, weights, plan.n_periods, 4)

    def by_period_and_group(self, group, weights) -> np.ndarray:
        """weight x years spent, by period and group of families: (n_periods, GROUPS)."""
        plan = self.plan
        return _spread(self.period_edges(), group, [weights], plan.n_periods, GROUPS)[0]

    def period_edges(self) -> tuple:
        if self._period_edges is None:
            plan = self.plan
            self._period_edges = _edges(self.start, self.end, 0.0, 1.0 / plan.ppy, self.first_period,
                                        self.last_period, plan.n_periods)
        return self._period_edges

    def by_year(self, *weights) -> list:
        """For each weight array (None: 1 each): weight x years spent, by year of the relationship, (n_years,)."""
        return [w[:, 0] for w in _spread(self.year_edges(), 0, weights, self.plan.n_years, 1)]

    def by_year_and_stage(self, stage) -> np.ndarray:
        """Years spent, by year of the relationship and stage: (n_years, 4)."""
        return _spread(self.year_edges(), stage, [None], self.plan.n_years, 4)[0]

    def year_edges(self) -> tuple:
        plan = self.plan
        return _edges(self.start, self.end, self.entry, 1.0, self.first_year, self.last_year, plan.n_years)

    def discounted(self, rate) -> np.ndarray:
        """For each spell: rate x each year's share of it / that year's discount rate (yuan)."""
        table = self.plan.inverse_discount
        top = len(table) - 1
        f, l = np.minimum(self.first_year, top), np.minimum(self.last_year, top)
        out = rate * (self.end - self.start) * table[f]
        cross = _which(self.first_year != self.last_year)  # spells across an anniversary: year by year
        if cross.size:
            before = np.concatenate([[0.0], table.cumsum()])  # before[j]: sum of table[:j]
            entry, f, l = self.entry[cross], f[cross], l[cross]
            head = entry + self.first_year[cross] + 1 - self.start[cross]
            tail = self.end[cross] - (entry + self.last_year[cross])
            middle = before[l] - before[np.minimum(f + 1, top + 1)]
            out[cross] = ((rate if np.ndim(rate) == 0 else rate[cross])
                          * (head * table[f] + tail * table[l] + np.maximum(middle, 0.0)))
        return out


class _Batch:
    """Up to :data:`BATCH` people of one generation, living step by step."""

    def __init__(self, plan: _Plan, books: _Books, entrants: _Entrants, first_id: int, generation: int,
                 batch: int, keep_ledger: bool, keep_events: bool, joint: "_Joint | None" = None):
        self.plan, self.books = plan, books
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
        self.joint = joint  # the run's joint book, for a stage model's spells (None: each batch books its own)

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


class _Joined(_Batch):
    """The persons of several batches as one, for one book of their spells: the columns a book adds to,
    joined; booked (:meth:`_Batch.book_spells`); then each batch's part handed back to it."""

    def __init__(self, batches: list):
        first = batches[0]
        self.plan, self.books, self.keep_ledger, self.defer = first.plan, first.books, first.keep_ledger, True
        self.batches = batches
        self.bounds = np.cumsum([0] + [batch.n for batch in batches]).tolist()
        self.n = self.bounds[-1]
        for name in ("slot", "entry", "group", "ids", "value"):
            setattr(self, name, np.concatenate([getattr(batch, name) for batch in batches]))
        if self.keep_ledger:
            self.f = {name: np.concatenate([batch.f[name] for batch in batches]) for name in _BOOKED_FLOATS}
            self.i = {name: np.concatenate([batch.i[name] for batch in batches]) for name in _BOOKED_INTS}
            self.years_in = np.concatenate([batch.years_in for batch in batches])
        self.events = [] if first.events is not None else None

    def shifts(self) -> dict:
        """Where each batch's persons start among the joined (by the batch's id)."""
        return {id(batch): lo for batch, lo in zip(self.batches, self.bounds)}

    def hand_back(self):
        """Each batch's part of what was booked becomes the batch's columns (views of the joined: no copy)."""
        for batch, lo, hi in zip(self.batches, self.bounds[:-1], self.bounds[1:]):
            batch.value = self.value[lo:hi]
            if self.keep_ledger:
                for name in _BOOKED_FLOATS:
                    batch.f[name] = self.f[name][lo:hi]
                for name in _BOOKED_INTS:
                    batch.i[name] = self.i[name][lo:hi]
                batch.years_in = self.years_in[lo:hi]
        if self.events is not None:
            self.batches[-1].events.extend(self.events)


#: batches smaller than this (people), while fewer spells than this wait, are booked together (_Joint); a
#: larger one is booked as soon as it has lived (its people are let go before the next batch lives)
_JOIN_BELOW = BATCH // 4


class _Joint:
    """The run's joint book: what the spells of a stage model's batches bring but word of mouth (purchases,
    the second product, referral damage, time), booked for several batches -- small generations with
    the large -- at once: the same arithmetic on fewer, longer arrays, once per run instead of once per
    batch.  Booked when :data:`BATCH` spells wait, after a large batch (:data:`_JOIN_BELOW`: bounded
    memory) and at the run's end; each step keeps its own random numbers, so what a spell draws is what it
    would draw booked alone."""

    def __init__(self):
        self.parts, self.n = [], 0

    def add(self, batch: _Batch, steps: _Steps):
        self.parts.append((batch, steps))
        self.n += len(steps.a)
        if self.n >= BATCH:
            self.book()

    def book(self):
        if not self.parts:
            return
        parts, self.parts, self.n = self.parts, [], 0
        if len(parts) == 1:
            batch, steps = parts[0]
            batch.book_spells(steps)
            return
        batches = list({id(batch): batch for batch, _ in parts}.values())  # each once, in order
        joined = _Joined(batches) if len(batches) > 1 else None
        shift = joined.shifts() if joined else {id(batches[0]): 0}
        (joined or batches[0]).book_spells(_Steps([step for _, steps in parts for step in steps.steps],
                                                  [shift[id(batch)] for batch, steps in parts for _ in steps.steps]))
        if joined:
            joined.hand_back()


def simulate(scenario, keep_ledger: bool, keep_events: bool):
    """Run a validated scenario on the vectorized engine (see :func:`simkit.run_simulation`)."""
    plan = _Plan(scenario)
    books = _Books(plan)
    arrivals = scenario.arrivals
    # generation 0: the cohort at time 0, then the prospects marketing brings (a Poisson process)
    stream = np.random.default_rng([plan.seed, _ARRIVALS])  # (the generations' keys have three or four numbers)
    n_stream = int(stream.poisson(arrivals.prospects_per_year * plan.horizon)) if arrivals.prospects_per_year else 0
    n_first = arrivals.cohort_size + n_stream  # the first generation: each the head of a family
    generation = _Entrants.join([
        _entrants(np.zeros(arrivals.cohort_size), int(arrivals.cohort_stage), SOURCE_COHORT, -1,
                  np.arange(arrivals.cohort_size), price=plan.acquisition_price),
        _entrants(np.sort(stream.random(n_stream) * plan.horizon), PROSPECT, SOURCE_STREAM, -1,
                  np.arange(arrivals.cohort_size, n_first))])
    generation.columns["slot"] = generation.family.copy()  # the first generation: slot = family
    ltv_all, ltv_acquired = ArrayStats(), ArrayStats()
    ledgers, events, entry_times = [], [], []
    joint, lived = _Joint(), []  # batches lived, done when nothing of theirs waits in the joint book

    def done():
        for batch in lived:
            ltv_all.add(batch.value)
            ltv_acquired.add(batch.value[~np.isnan(batch.entered[NEW])])
            if keep_ledger:
                ledgers.append(batch.ledger_columns())
            if keep_events:
                events.extend(batch.events)
                entry_times.append(batch.entry)
        lived.clear()

    next_id = 0
    g = 0
    while len(generation):
        children = []
        for b, start in enumerate(range(0, len(generation), BATCH)):
            batch = _Batch(plan, books, generation.part(start, start + BATCH), next_id, g, b, keep_ledger,
                           keep_events, joint)
            next_id += batch.n
            batch.live()
            lived.append(batch)
            if batch.n >= _JOIN_BELOW or joint.n >= _JOIN_BELOW:  # a large batch is booked and let go at once
                joint.book()
            if not joint.parts:
                done()
            children.extend(batch.children)
        generation = _layout(_Entrants.join(children))
        g += 1
    joint.book()
    done()
    ledger = _ledger(ledgers) if keep_ledger else None
    event_log = _event_log(events, np.concatenate(entry_times)) if keep_events else None
    return assemble_result(scenario, flows=books.flows, money=books.money, counts=books.counts,
                           stage_years=books.stage_years, stage_profit=books.stage_profit,
                           tenure_years=books.tenure_years, tenure_profit=books.tenure_profit,
                           ltv=ltv_all.summary(), ltv_acquired=ltv_acquired.summary(),
                           ledger=ledger, events=event_log, group_profit=books.group_profit)


def _layout(generation: _Entrants) -> _Entrants:
    """Slots of a new generation: rank within the group, by family, referrer and time; ordered by slot."""
    if not len(generation):
        return generation
    order = np.lexsort((generation.time, generation.parent, generation.family))
    columns = {f: v[order] for f, v in generation.columns.items()}
    group = columns["family"] % GROUPS
    by_group = np.argsort(group.astype(np.uint8), kind="stable")
    counts = np.bincount(group, minlength=GROUPS)
    ordinal = np.empty(len(group), dtype=np.int64)
    ordinal[by_group] = np.arange(len(group)) - (counts.cumsum() - counts).repeat(counts)
    slot = ordinal * GROUPS + group
    order = np.argsort(slot)
    columns = {f: v[order] for f, v in columns.items()}
    columns["slot"] = slot[order]
    return _Entrants(**columns)


def _renumbering(order: np.ndarray) -> np.ndarray:
    """Each person's id in order of entry, as in the SimPy engine, from the persons in that order
    (:func:`_entry_order`)."""
    new_id = np.empty(len(order), dtype=np.int64)
    new_id[order] = np.arange(len(order))
    return new_id


def _entry_order(entry_time: np.ndarray) -> np.ndarray:
    """The persons in order of entry (ties: in order of creation)."""
    return np.argsort(entry_time, kind="stable")


def _ledger(parts: list) -> Ledger:
    """The batches' ledger rows as one ledger, in order of entry (ids 0, 1, 2, ...)."""
    entry = np.concatenate([p["entry_time"] for p in parts]) if len(parts) > 1 else parts[0]["entry_time"]
    if len(entry) > 1 and not _all(entry[1:] >= entry[:-1]):  # not yet in order of entry: renumber
        order = _entry_order(entry)
        # each column joined, then read in order of entry (a gather: cheaper than scattering each batch's
        # rows to their places); the ids are numbered afresh below
        data = {name: None if name == "customer_id" else
                np.concatenate([part[name] for part in parts], dtype=kind, casting="unsafe").take(order)
                for name, kind in Ledger.columns}
        referred = data["referred_by"] >= 0
        data["referred_by"][referred] = _renumbering(order)[data["referred_by"][referred]]
    elif len(parts) == 1:  # one batch in order: its columns as they are (no copy unless the type differs)
        data = {name: np.ascontiguousarray(parts[0][name], dtype=kind) for name, kind in Ledger.columns}
    else:
        data = {name: np.concatenate([p[name] for p in parts], dtype=kind) for name, kind in Ledger.columns}
    data["customer_id"] = np.arange(len(entry), dtype=np.int64)
    return Ledger.from_columns(data)


def _event_log(chunks: list, entry_time: np.ndarray) -> EventLog:
    if not chunks:
        return EventLog.from_rows([])
    ids, times, codes, stages, amounts = (np.concatenate(c) for c in zip(*chunks))
    ids = _renumbering(_entry_order(entry_time))[ids]
    order = np.lexsort((ids, times))
    labels = np.array([s.label for s in Stage], dtype=object)
    names = np.array(EVENT_NAMES, dtype=object)
    return EventLog({"customer_id": ids[order], "time": times[order], "event": names[codes[order]],
                     "stage": labels[stages[order]], "amount": amounts[order]})

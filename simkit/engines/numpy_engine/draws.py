"""Draws and streams: the engine's random numbers, and Poisson counts by inversion.

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
"""

from __future__ import annotations

import functools
import itertools
import math
import threading

import numpy as np

from ..assemble import GROUPS
from ..limits import current as current_limits
from .arrays import _any, _as_slice, _running_counts_down, _which

# aligned uniforms: one per purpose and person of the batch (common random numbers)
_DURATION, _NEXT, _ADOPTION, _PURCHASES, _CROSS_SELL, _REFERRALS, _DAMAGE, _TENURE_REFERRALS = range(8)
# streams drawn in order, each its own generator: purchase and event times, spend, the prospect stream
# (_LARGE, _LARGE_REFERRALS: Poisson counts of means above 30, the referrals' apart as they are booked apart)
_TIMES, _SPEND, _ARRIVALS, _REFERRAL_TIMES, _DAMAGE_TIMES, _CROSS_SELL_TIMES, _LARGE, _LARGE_REFERRALS = range(100, 108)
#: blocks of a step in a generation's stream: one per purpose, every purpose and kind of stream below it
_PURPOSES = 256
assert _LARGE_REFERRALS < _PURPOSES


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
    limits = current_limits()
    if limits is not None:   # the run budget: every count is of events, counted before any is laid out
        limits.add_events(int(counts.sum()))
    ends = list(itertools.accumulate(sizes))
    parts = [counts[stop - size:stop] for size, stop in zip(sizes, ends)]
    out, i = [], 0
    for _, uniforms, _ in chunks:
        out.append(parts[i:i + len(uniforms)])
        i += len(uniforms)
    return out

"""The run's books, and the spells that wait to be booked.

:class:`_Books` holds the per-period tallies of the whole run (the names of the SimPy engine's).  In
a stage model the steps of a batch only live and decide: the spells a step lived wait, with its draws
(:class:`_Step`), and are booked many steps at once (:class:`_Steps`), the same arithmetic on fewer,
longer arrays, each step keeping its own random numbers.  :class:`_Spells` lays spells against the
period edges and the anniversaries of entry (:func:`_edges`, :func:`_spread`).
"""

from __future__ import annotations

import numpy as np

from ..assemble import COUNTS, GROUPS, MONEY
from .arrays import _all, _which
from .draws import _LARGE, _poisson_counts
from .plan import _Plan

# what a spell counts, in the order a step lists its uniforms (_Batch.spell)
_COUNT_PURCHASES, _COUNT_CROSS_SELL, _COUNT_REFERRALS, _COUNT_DAMAGE = range(4)


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

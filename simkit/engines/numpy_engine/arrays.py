"""Small array helpers: numpy's idioms at a smaller cost on the small arrays of a step, and sums added one
after the other, as :func:`numpy.bincount` adds them (so that a shortcut gives the same result to the last bit)."""

from __future__ import annotations

import math

import numpy as np


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

"""Intervals for simulated figures: how far a number from one run may be from the truth.

A simulated figure is one draw of many possible ones.  These helpers give
the 95 % interval that goes with it, from numbers the run already holds:

- :func:`mean_interval`: the mean of independent values (replications, customers).
- :func:`sum_interval`: a total made of independent parts (the groups of
  families of one run, see :data:`simkit.engines.assemble.GROUPS`).

Both use Student's t distribution (:func:`t_quantile`), which matters for
the few parts a run is split into.

>>> low, high = mean_interval([1.0, 2.0, 3.0, 4.0])
>>> round(low, 3), round(high, 3)
(0.446, 4.554)
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ..core.language import _

__all__ = ["mean_interval", "sum_interval", "t_cdf", "t_quantile"]


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with a whole number ``df`` of degrees of freedom (Abramowitz & Stegun 26.7.3-4).

    >>> t_cdf(0.0, 7), round(t_cdf(2.228, 10), 4)      # tables: t(0.975, 10) = 2.228
    (0.5, 0.975)
    """
    theta = math.atan(abs(t) / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2:  # odd: 2/pi (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= (2 * k) / (2 * k + 1) * c2
            total += term
        inside = 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total) if df > 1 else 2 * theta / math.pi
    else:  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
        term, total = 1.0, 1.0
        for k in range(1, df // 2):
            term *= (2 * k - 1) / (2 * k) * c2
            total += term
        inside = math.sin(theta) * total
    return 0.5 + math.copysign(inside / 2, t)


def t_quantile(probability: float, df: float) -> float:
    """Quantile of Student's t distribution with ``df`` degrees of freedom.

    Exact (the distribution function solved by bisection) for a whole number of
    degrees of freedom below 100; above, the Cornish-Fisher expansion around the
    normal quantile (Abramowitz & Stegun 26.7.5), accurate to 1e-5 there.

    >>> round(t_quantile(0.975, 49), 3)      # tables: 2.010
    2.01
    >>> round(t_quantile(0.975, 3), 3)       # tables: 3.182
    3.182
    """
    if not 0 < probability < 1:
        raise ValueError(_("{path}: got {value}, expected {rule}").format(
            path="probability", value=repr(probability), rule=_("a number in (0, 1)")))
    if not df >= 1:
        raise ValueError(_("{path}: got {value}, expected {rule}").format(path="df", value=repr(df),
                                                                           rule=_("at least 1")))
    z = NormalDist().inv_cdf(probability)
    if df < 100 and df == int(df):
        low, high = -1.0, 1.0
        while t_cdf(low, int(df)) > probability:
            low *= 2
        while t_cdf(high, int(df)) < probability:
            high *= 2
        for _step in range(200):
            middle = (low + high) / 2
            if t_cdf(middle, int(df)) < probability:
                low = middle
            else:
                high = middle
            if high - low < 1e-12:
                break
        return (low + high) / 2
    g1 = (z ** 3 + z) / 4
    g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
    g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
    g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
    return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4


def mean_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for the mean of independent values (NaN where there are fewer than two)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2:
        return (math.nan, math.nan)
    mean = float(values.mean())
    half = t_quantile(0.5 + confidence / 2, n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return (mean - half, mean + half)


def sum_interval(parts, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Total of independent, alike parts and the half-width of its interval.

    ``parts`` has the parts along the first axis (e.g. groups x periods); the
    total is their sum and its standard error ``sqrt(n) x`` their spread.
    """
    parts = np.asarray(parts, dtype=float)
    n = parts.shape[0]
    total = parts.sum(axis=0)
    if n < 2:
        return total, np.full_like(total, math.nan)
    half = t_quantile(0.5 + confidence / 2, n - 1) * math.sqrt(n) * parts.std(axis=0, ddof=1)
    return total, half

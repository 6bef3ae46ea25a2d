"""Figures that redraw fast under a slider: change the data artists, keep everything else.

Drawing a figure is mostly drawing its text (titles, labels, tick labels,
legends): ~0.2 s for a four-panel dashboard.  A :class:`LiveFigure` draws
everything once, keeps that picture as a background, and on each change
paints only the artists that carry data (bars, lines, bands, value labels)
over it -- a few tens of milliseconds.  When an axis range has to change,
the whole figure is drawn (and laid out) again, so nothing is ever clipped
or left over from the last picture.  Ranges are chosen with headroom
(:func:`nice_limits`), so most changes keep them.

>>> from matplotlib.figure import Figure
>>> live = LiveFigure(Figure(figsize=(4, 3)))
>>> ax = live.figure.add_subplot()
>>> line, = ax.plot([0, 1], [0, 1])
>>> live.animate(line)
>>> png = live.render(); png[:4] == b"\\x89PNG"
True
>>> line.set_ydata([0, 0.5]); live.render() != png
True
"""

from __future__ import annotations

import io
import math

import numpy as np

__all__ = ["LiveFigure", "money_axis", "nice_limits"]


def nice_limits(low: float, high: float, current: tuple[float, float] | None = None,
                include_zero: bool = True) -> tuple[float, float]:
    """Axis limits that hold [low, high] with headroom, on round numbers; ``current`` kept when it still fits.

    The current limits stay while they hold the data and the data fill at least a third of them,
    so small changes never move an axis.

    >>> nice_limits(0, 9_310)
    (0.0, 12500.0)
    >>> nice_limits(0, 9_800, current=(0.0, 12500.0))
    (0.0, 12500.0)
    >>> nice_limits(-75_000, 40_000)
    (-100000.0, 50000.0)
    """
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if not (math.isfinite(low) and math.isfinite(high)):
        return current or (0.0, 1.0)
    span = high - low
    if current is not None:
        c_low, c_high = current
        if c_low <= low and high <= c_high and span >= (c_high - c_low) / 3:
            return current
    if span <= 0:
        span = abs(high) or 1.0
    padded_low = low - 0.08 * span if low < 0 else low
    padded_high = high + 0.08 * span if high > 0 else high
    step = _nice_step((padded_high - padded_low) / 5)
    return (math.floor(padded_low / step) * step + 0.0, math.ceil(padded_high / step) * step + 0.0)


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def money_axis(axis, decimals: int = 0):
    """Tick labels in yuan with thousands separators and a true minus sign (never ``1e6``)."""
    from matplotlib.ticker import FuncFormatter

    from .compare import format_money

    axis.set_major_formatter(FuncFormatter(lambda value, _: format_money(value, decimals)))


class LiveFigure:
    """A figure drawn in full once, then by its data artists only, rendered to PNG bytes."""

    def __init__(self, figure, dpi: float = 90):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.dpi = dpi
        figure.set_dpi(dpi)
        self.artists = []
        self._background = None
        self._limits = None
        self.full_draws = 0

    def animate(self, *artists):
        """Artists that change with the data: painted over the background on every render."""
        for artist in artists:
            artist.set_animated(True)
            self.artists.append(artist)

    def forget(self, *artists):
        """Remove artists that a new picture replaces (e.g. a band drawn anew)."""
        for artist in artists:
            if artist in self.artists:
                self.artists.remove(artist)
            artist.remove()

    def invalidate(self):
        """Draw everything again at the next render (texts or layout changed)."""
        self._background = None

    def _current_limits(self):
        return tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes)

    def render(self) -> bytes:
        """The figure as PNG bytes: the background if it still holds, the data artists over it."""
        from .plots import use_fonts

        limits = self._current_limits()
        if self._background is None or limits != self._limits:
            use_fonts(self.figure)
            self.canvas.draw()  # lays the figure out and draws everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._limits = self._current_limits()
            self.full_draws += 1
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self.artists:
            if artist.get_visible():
                artist.draw(renderer)
        return _png(np.asarray(self.canvas.buffer_rgba()))


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()

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

from .plots import money_axis

__all__ = ["LiveChurn", "LiveComparison", "LiveFigure", "LiveLifecycle", "LiveMoney", "LiveParts", "LivePlot",
           "LiveStages", "LiveTenure", "money_axis", "nice_limits"]


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
    if padded_high <= padded_low:   # all zero (a lever this scenario does not use): a range around zero
        padded_high = padded_low + span
    step = _nice_step((padded_high - padded_low) / 5)
    return (math.floor(padded_low / step) * step + 0.0, math.ceil(padded_high / step) * step + 0.0)


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


class LiveFigure:
    """A figure drawn in full once, then by its data artists only, rendered to PNG bytes."""

    def __init__(self, figure, dpi: float = 90, text_scale: float = 1.0):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = figure
        self.text_scale = text_scale  # of titles, axis and tick labels (simkit.views.plots.STYLE)
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

    def figure_legend(self, handles, ncols: int):
        """One legend above all the figure's plots, in rows of ``ncols`` (in place of any before): plots too small
        to hold their legends without covering their data give their ``handles`` here."""
        for old in list(self.figure.legends):
            old.remove()
        self.figure.legend(handles=handles, loc="outside upper center", ncols=ncols, fontsize="small",
                           frameon=False, handlelength=1.5, columnspacing=1.5)
        self.invalidate()

    def reset(self):
        """Start new pictures: forget every data artist, clear every axes, draw everything at the next render."""
        for artist in list(self.artists):
            self.forget(artist)
        for ax in self.figure.axes:
            ax.clear()
        self.invalidate()

    def _current_limits(self):
        return tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes)

    def render(self) -> bytes:
        """The figure as PNG bytes: the background if it still holds, the data artists over it."""
        from .placing import fit_texts
        from .plots import use_fonts

        limits = self._current_limits()
        legends = [ax.get_legend() for ax in self.figure.axes if ax.get_legend() is not None]
        if self._background is None or limits != self._limits:
            use_fonts(self.figure, self.text_scale)
            for legend in legends:  # legends go on top of the data: drawn after it, not in the background
                legend.set_animated(True)
            self.canvas.draw()  # lays the figure out and draws everything but the animated artists
            if fit_texts(self.figure):   # measured where the layout put each axes: a title or label broken anew
                self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._limits = self._current_limits()
            self.full_draws += 1
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self.artists + legends:
            if artist.get_visible():
                artist.draw(renderer)
        return _png(np.asarray(self.canvas.buffer_rgba()))


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


# ------------------------------------------------------------------ pictures that update in place
class LivePlot:
    """One picture on one axes of a :class:`LiveFigure`: texts made once, data artists updated by ``update``."""

    def __init__(self, live: LiveFigure, ax, legend: str | None = "axes"):
        """``legend``: "axes" in the plot (where it covers least); "figure": its entries kept in ``handles`` for
        one legend above the figure (:meth:`LiveFigure.figure_legend`); None: none."""
        self.live, self.ax, self.legend_place = live, ax, legend
        self.handles = []

    def show_legend(self, handles, **kwargs):
        """The picture's legend where ``legend`` said: in the plot, or kept for the figure's legend."""
        self.handles = list(handles)
        if self.legend_place == "axes":
            self.ax.legend(handles=self.handles, fontsize="small", frameon=False, **{"loc": "best", **kwargs})

    def limit_y(self, low: float, high: float):
        """Keep the y range unless the data leave it (or fill less than a third of it)."""
        self.ax.set_ylim(*nice_limits(float(low), float(high), self.ax.get_ylim()))

    def limit_x(self, low: float, high: float):
        """Keep the x range unless the data leave it (or fill less than a third of it)."""
        self.ax.set_xlim(*nice_limits(float(low), float(high), self.ax.get_xlim()))


class LiveStages(LivePlot):
    """Customers in each active stage at every period end, as stacked areas."""

    def __init__(self, live, ax, scenario, legend: str | None = "axes"):
        from matplotlib.patches import Patch

        from .plots import CUSTOMERS, STAGE_COLORS, YEARS, label
        from ..model.stages import ACTIVE_STAGES

        super().__init__(live, ax, legend)
        ax.set_title(label("Customers by stage", separator="\n"))
        ax.set_xlabel(label(YEARS))
        ax.set_ylabel(label(CUSTOMERS))
        ax.set_xlim(0, scenario.horizon_years)
        self.show_legend([Patch(color=STAGE_COLORS[s], label=label(s.label, s.chinese)) for s in ACTIVE_STAGES],
                         loc="upper right", ncols=2)
        self.stack = []

    def update(self, result):
        from .plots import STAGE_COLORS
        from ..model.stages import ACTIVE_STAGES

        if self.stack:
            self.live.forget(*self.stack)
        scenario = result.scenario
        x = np.concatenate([[0.0], result.period_end_years])
        start = np.zeros(result.stage_counts.shape[1], dtype=int)
        start[scenario.arrivals.cohort_stage] = scenario.arrivals.cohort_size
        counts = np.vstack([start, result.stage_counts])
        layers = [counts[:, s] for s in ACTIVE_STAGES]
        self.stack = self.ax.stackplot(x, *layers, colors=[STAGE_COLORS[s] for s in ACTIVE_STAGES])
        self.live.animate(*self.stack)
        top = float(np.sum(layers, axis=0).max())
        if self.ax.get_legend() is not None:   # a legend in the plot: the areas under it, never covered
            from .placing import top_under_legend

            top = top_under_legend(self.ax, self.ax.get_legend(), top)
        self.limit_y(0, top)


class LiveMoney(LivePlot):
    """Profit per period as bars (green above zero, red below), revenue as a line."""

    def __init__(self, live, ax, scenario, legend: str | None = "axes"):
        from .plots import MONEY_TITLE, PER_UNIT, YEARS, label, money_legend

        super().__init__(live, ax, legend)
        x = np.arange(1, scenario.n_periods + 1) / scenario.periods_per_year - scenario.period_years / 2
        self.bars = ax.bar(x, np.zeros(len(x)), width=scenario.period_years * 0.8)
        (self.revenue,) = ax.plot(x, np.zeros(len(x)), color="#3182bd", marker="o", markersize=3,
                                  label=label("revenue"))
        live.animate(*self.bars, self.revenue)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel(label(YEARS))
        ax.set_ylabel(label(PER_UNIT[scenario.time_unit]))
        ax.set_title(label(MONEY_TITLE[scenario.time_unit], separator="\n"))
        self.show_legend(money_legend(self.revenue))   # profit green, a loss red: never profit in red
        money_axis(ax.yaxis)

    def update(self, result):
        profit, revenue = result.periods["profit"], result.periods["revenue"]
        for bar, value in zip(self.bars, profit):
            bar.set_height(value)
            bar.set_color("#31a354" if value >= 0 else "#de2d26")
        self.revenue.set_ydata(revenue)
        low, high = min(profit.min(), 0.0), max(revenue.max(), profit.max())
        room = 0.45 * (high - low) if self.legend_place == "axes" else 0.0   # a legend in the plot: above the data
        self.limit_y(low, high + room)


class LiveLifecycle(LivePlot):
    """Profit per customer-year in each stage: the inverted U of §1 (倒U型)."""

    def __init__(self, live, ax):
        from .plots import STAGE_COLORS, label, stage_tick
        from ..model.stages import ACTIVE_STAGES

        super().__init__(live, ax)
        names = [stage_tick(s) for s in ACTIVE_STAGES]
        self.bars = ax.bar(names, np.zeros(4), color=[STAGE_COLORS[s] for s in ACTIVE_STAGES])
        (self.line,) = ax.plot(range(4), np.zeros(4), color="black", marker="o", linewidth=1)
        live.animate(*self.bars, self.line)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel(label("per customer-year"))   # the title says it is profit
        ax.set_title(label("Profit by stage", separator="\n"))
        money_axis(ax.yaxis)

    def update(self, result):
        from ..model.stages import ACTIVE_STAGES

        per_year = result.profit_per_customer_year()
        values = np.nan_to_num(np.array([per_year[s] for s in ACTIVE_STAGES]))
        for bar, value in zip(self.bars, values):
            bar.set_height(value)
        self.line.set_ydata(values)
        self.limit_y(values.min(), values.max())


class LiveParts(LivePlot):
    """Lifetime profit part by part (§1), per customer acquired, as a waterfall lying on its side.

    Horizontal, so each part's name reads on one line even in a quarter of a dashboard.
    """

    def __init__(self, live, ax):
        from .fonts import label
        from .plots import part_names

        super().__init__(live, ax)
        names = part_names(separator=" ")   # one line each, beside a bar
        y = np.arange(len(names))[::-1]
        self.bars = ax.barh(y, np.zeros(len(names)))
        self.texts = [ax.annotate("", (0.0, yy), xytext=(3, 0), textcoords="offset points", va="center",
                                  fontsize="small") for yy in y]
        live.animate(*self.bars, *self.texts)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, names)
        ax.set_xlabel(label("per customer acquired"))
        ax.set_title(label("Lifetime profit, part by part", separator="\n"))
        money_axis(ax.xaxis)

    def update(self, result):
        from ..core.formatting import format_money
        from .plots import waterfall

        bottoms, widths = waterfall(result.ledger)
        for index, (bar, left, width) in enumerate(zip(self.bars, bottoms, widths)):
            bar.set_x(left)
            bar.set_width(width)
            bar.set_color("#3182bd" if index == len(widths) - 1 else ("#31a354" if width >= 0 else "#de2d26"))
            text = self.texts[index]
            text.set_text(format_money(width, sign=True))
            text.xy = (max(left, left + width), text.xy[1])   # right of the bar, where the bars leave room
            text.set_position((3, 0))
        ends = np.concatenate([bottoms, bottoms + widths])
        low, high = float(ends.min()), float(ends.max())
        span = (high - low) or 1.0
        self.limit_x(low, high + 0.3 * span)  # room for the value labels right of the bars


class LiveComparison(LivePlot):
    """The profit difference a change makes over time, with its 95 % band (:func:`simkit.compare`)."""

    def __init__(self, live, ax, scenario, legend: str | None = "axes"):
        from matplotlib.patches import Patch

        from .plots import YEARS, label

        super().__init__(live, ax, legend)
        x = np.arange(1, scenario.n_periods + 1) / scenario.periods_per_year
        (self.line,) = ax.plot(x, np.zeros(len(x)), color="black", linewidth=1.5,
                               label=label("difference (same customers)", separator="\n"))
        self.band = None
        from .placing import ClearNote

        self.text = ClearNote.add(ax, "", fontsize="medium", fontweight="bold",   # where it covers no data
                                  bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
        live.animate(self.line, self.text)
        ax.set_xlim(0, x[-1])
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel(label(YEARS))
        ax.set_ylabel(label("cumulative profit difference", separator="\n"))
        ax.set_title(label("What the change makes", separator="\n"))
        self.show_legend([self.line, Patch(color="#9ecae1", label=label("95 % interval", separator="\n"))],
                         loc="upper left")
        money_axis(ax.yaxis)

    def update(self, comparison):
        from .fonts import interval_note

        x = comparison.base.period_end_years
        difference, half = comparison.difference, comparison.half_width
        self.line.set_ydata(difference)
        if self.band is not None:
            self.live.forget(self.band)
        self.band = self.ax.fill_between(x, difference - half, difference + half, color="#9ecae1", alpha=0.8,
                                         linewidth=0)
        self.live.animate(self.band)
        self.live.artists.insert(0, self.live.artists.pop())  # the band under the line
        self.text.set_text(interval_note(x[-1], comparison.total, half[-1], narrow=True))
        low, high = min((difference - half).min(), 0.0), max((difference + half).max(), 0.0)
        span = (high - low) or 1.0
        self.limit_y(low - 0.45 * span, high + 0.3 * span)   # room for the note and the legend off the data


class LiveChurn(LivePlot):
    """Customers and customers lost so far; for a closed cohort the law n r^t with the range of one run (§2)."""

    def __init__(self, live, ax, title: str, legend: str | None = "axes"):
        from .plots import CUSTOMERS, YEARS, label

        super().__init__(live, ax, legend)
        (self.active,) = ax.plot([], [], marker="o", markersize=3, color="#31a354",
                                 label=label("customers at the start of the year", separator="\n"))
        (self.lost,) = ax.plot([], [], marker="o", markersize=3, color="#de2d26", label=label("lost so far"))
        (self.law,) = ax.plot([], [], color="black", linestyle="--", linewidth=1,
                              label=label("n × r^t, 95 % range of one run", separator="\n"))
        self.band = None
        self.with_law = None
        live.animate(self.active, self.lost, self.law)
        ax.set_xlabel(label(YEARS))
        ax.set_ylabel(label(CUSTOMERS))
        ax.set_title(title, fontsize="medium")

    def update(self, result, retention: float | None):
        scenario = result.scenario
        start = scenario.arrivals.cohort_size
        x = np.concatenate([[0.0], result.period_end_years])
        active = result.customers_served()  # at the start of each period (see plots.plot_churn)
        lost = np.concatenate([[0], np.cumsum(result.periods["n_lost"])])
        self.active.set_data(x[:-1], active)
        self.lost.set_data(x, lost)
        if self.band is not None:
            self.live.forget(self.band)
            self.band = None
        if retention is None:
            self.law.set_data([], [])
        else:  # the law, and the range a single run falls in 95 % of the time (binomial(n, r^t))
            from ..exact.churn import closed_cohort_law

            t = np.linspace(0, x[-1], 200)
            expected, half = closed_cohort_law(start, retention, t)
            self.law.set_data(t, expected)
            self.band = self.ax.fill_between(t, expected - half, expected + half, color="black", alpha=0.12,
                                             linewidth=0)
            self.live.animate(self.band)
        if self.with_law != (retention is not None):  # the legend names the law only when it is drawn
            self.with_law = retention is not None
            self.show_legend([self.active, self.lost] + ([self.law] if self.with_law else []))
            self.live.invalidate()
        self.ax.set_xlim(0, x[-1])
        self.limit_y(0, max(active.max(), lost.max(), start))


class LiveTenure(LivePlot):
    """Whole years the starting customers stayed, against the geometric law with the range of one run (§2)."""

    def __init__(self, live, ax):
        from .plots import label

        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        super().__init__(live, ax)
        self.bars = []
        self.law = []
        ax.set_xlabel(label("years as a customer (k)"))
        ax.set_ylabel(label("customers lost after k years", separator="\n"))
        ax.set_title(label("Tenure, closed cohort", separator="\n"))
        ax.legend(handles=[Patch(color="#9ecae1", label=label("simulated")),
                           Line2D([], [], color="black", marker="o", linestyle="--",
                                  label=label("law n r^(k-1) (1-r), 95 % range of one run", separator="\n"))],
                  fontsize="small", frameon=False, loc="upper right")

    def update(self, result, retention: float):
        from ..exact.churn import tenure_distribution

        tenure = tenure_distribution(result, retention)
        k, counts, half = tenure["years"], tenure["simulated"], tenure["half"]
        expected = tenure["expected"]
        horizon = len(k)
        self.live.forget(*self.bars, *self.law)
        self.bars = list(self.ax.bar(k, counts, color="#9ecae1"))
        line, caps, bars = self.ax.errorbar(k, expected, yerr=half, fmt="o--", color="black", capsize=3).lines
        self.law = [line, *caps, *bars]
        self.live.animate(*self.bars, *self.law)
        self.ax.set_xlim(0.3, horizon + 0.7)
        self.limit_y(0, 1.7 * max(counts.max(initial=0), (expected + half).max()))   # the legend above the data

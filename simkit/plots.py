"""Plots of results: each takes a result and an optional axes, returns the axes.

Labels are English, with the classroom's Chinese term added when a font
with Chinese glyphs is installed (most Windows and macOS machines have one).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from simkit import load_scenario, run_simulation
>>> ax = plot_stage_counts(run_simulation(load_scenario("firm_a")))
>>> ax.get_ylabel()
'customers'
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np

from .stages import ACTIVE_STAGES, Stage

__all__ = ["STAGE_COLORS", "new_figure", "plot_period_money", "plot_stage_counts", "label"]

#: One colour per stage, used by every plot.
STAGE_COLORS = {
    Stage.PROSPECT: "#9ecae1",
    Stage.NEW: "#fdae6b",
    Stage.LOYAL: "#31a354",
    Stage.DECLINE: "#e6550d",
    Stage.LOST: "#bdbdbd",
    Stage.UNCONVERTED: "#e0e0e0",
}

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
              "PingFang SC", "Heiti SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Arial Unicode MS")


@functools.lru_cache(maxsize=1)
def _cjk_font() -> str | None:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def label(english: str, chinese: str = "") -> str:
    """``english`` plus the Chinese term when a Chinese font is available."""
    return f"{english} {chinese}" if chinese and _cjk_font() else english


@contextlib.contextmanager
def _fonts():
    """Let text fall back to a Chinese font for the glyphs the default font lacks."""
    import matplotlib

    font = _cjk_font()
    if font is None:
        yield
        return
    with matplotlib.rc_context({"font.family": ["sans-serif"],
                                "font.sans-serif": ["DejaVu Sans", font]}):
        yield


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 9.0, height: float = 3.6):
    """A figure not tracked by pyplot (so widgets that redraw never leak figures)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False)
    return figure, axes.ravel().tolist()


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=(8, 3.6), layout="constrained").add_subplot()


def plot_stage_counts(result, ax=None, include_ended: bool = False, **kwargs):
    """Customers in each stage at every period end, as stacked areas.

    Parameters
    ----------
    result : SimulationResult
    ax : matplotlib Axes, optional
    include_ended : bool
        Also stack the lost and unconverted (by default only the active stages).
    **kwargs
        Passed to ``Axes.stackplot``.
    """
    ax = _axes(ax)
    stages = list(ACTIVE_STAGES) + ([Stage.LOST, Stage.UNCONVERTED] if include_ended else [])
    x = np.concatenate([[0.0], result.period_end_years])
    start = np.zeros(len(Stage), dtype=int)
    start[result.scenario.arrivals.cohort_stage] = result.scenario.arrivals.cohort_size
    counts = np.vstack([start, result.stage_counts])
    with _fonts():
        ax.stackplot(x, *(counts[:, s] for s in stages),
                     labels=[label(s.label, s.chinese) for s in stages],
                     colors=[STAGE_COLORS[s] for s in stages], **kwargs)
        ax.set_xlabel("years")
        ax.set_ylabel("customers")
        ax.set_xlim(0, x[-1])
        ax.set_title(label("Customers by stage", "各阶段客户数"))
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    return ax


def plot_period_money(result, ax=None, **kwargs):
    """Profit per period as bars (green above zero, red below), revenue as a line."""
    ax = _axes(ax)
    periods = result.periods
    x = result.period_end_years - result.scenario.period_years / 2
    profit = periods["profit"]
    width = result.scenario.period_years * 0.8
    with _fonts():
        ax.bar(x, profit, width=width, color=np.where(profit >= 0, "#31a354", "#de2d26"),
               label=label("profit", "利润"), **kwargs)
        ax.plot(x, periods["revenue"], color="#3182bd", marker="o", markersize=3,
                label=label("revenue", "收入"))
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel("years")
        ax.set_ylabel(f"yuan per {result.scenario.time_unit}")
        ax.set_title(label(f"Revenue and profit per {result.scenario.time_unit}", "收入与利润"))
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    return ax

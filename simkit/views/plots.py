"""Plots of results: each takes a result and an optional axes, returns the axes.

Labels are in the language chosen with :func:`simkit.set_language` ("both" by
default: English and the textbook's Chinese term), English where no font with
Chinese glyphs is installed.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from simkit import load_scenario, run_simulation, set_language
>>> set_language("en")
>>> ax = plot_stage_counts(run_simulation(load_scenario("firm_a")))
>>> ax.get_ylabel(), ax.get_title()
('customers', 'Customers by stage')
>>> set_language("both")
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..core.formatting import format_money
from ..core.language import N_, _, get_language
from .fonts import MIN_FONT_SIZE, STYLE, _literal, font_families, interval_note, label, path_label, term_label
from .placing import ClearNote, _cjk, fit_texts, room_beside_bars, top_under_legend
from ..model.stages import ACTIVE_STAGES, Stage

__all__ = ["STAGE_COLORS", "alive_by_frequency", "font_families", "holdout_by_frequency", "label",
           "money_axis", "money_legend", "new_figure", "plot_alive_by_frequency",
           "plot_alive_calibration", "plot_churn", "plot_comparison", "plot_cumulative_npv", "plot_funnel",
           "plot_holdout_by_frequency", "plot_ltv_histogram", "plot_pareto", "plot_period_money",
           "plot_profit_by_stage", "plot_profit_parts", "plot_pyramid", "plot_sensitivity", "plot_stage_counts",
           "plot_sweep_effects", "plot_sweep_grid", "plot_tenure", "use_fonts"]

#: One colour per stage, used by every plot.
STAGE_COLORS = {
    Stage.PROSPECT: "#9ecae1",
    Stage.NEW: "#fdae6b",
    Stage.LOYAL: "#31a354",
    Stage.DECLINE: "#e6550d",
    Stage.LOST: "#bdbdbd",
    Stage.UNCONVERTED: "#e0e0e0",
}


#: the axes' words, in the figure's language when drawn (``label(YEARS)``)
YEARS = N_("years")
CUSTOMERS = N_("customers")

#: texts that name the time unit (``Scenario.time_unit``, "year" or "month"): one whole text per unit
PER_UNIT = {"year": N_("per year"), "month": N_("per month")}
MONEY_TITLE = {"year": N_("Revenue and profit per year"), "month": N_("Revenue and profit per month")}

#: words a template takes as a term (:func:`term_label`), marked for the catalog: a sweep's metrics, what a
#: Pareto curve adds up, a pyramid's bar width, the name of a CLV model not given one
_TERMS = (N_("profit"), N_("npv"), N_("revenue"), N_("acquired"), N_("ltv"), N_("sales"), N_("customers"),
          N_("model"))

#: the sales funnel's stages under its bars (``simkit.model.parts.FUNNEL_STAGES``, textbook §7), for the catalog
_FUNNEL_WORDS = (N_("leads"), N_("prospect"), N_("opportunity"), N_("pipeline"), N_("upside"), N_("committed"))


@contextlib.contextmanager
def _fonts(ax=None):
    """Give every text made inside (and the tick labels of ``ax``, made later) the explicit font list.

    matplotlib resolves a text's font when it is drawn, from the family stored on the text; a
    generic family ("sans-serif") would be looked up in the settings in force *then*, after this
    context has gone.  An explicit list stored on each text works whenever and wherever it is drawn,
    and falls back glyph by glyph to the Chinese font.
    """
    import matplotlib

    with matplotlib.rc_context({"font.family": font_families(), **STYLE}):
        yield
    if ax is not None:  # texts the axes made before (title, axis labels) or makes later (tick labels)
        use_fonts(ax.figure)


def use_fonts(figure, scale: float = 1.0):
    """Give every text of ``figure`` -- and the tick labels its axes make when drawn -- simkit's fonts and sizes.

    Call it on a figure after adding texts of your own (a legend, a note) that may hold Chinese.
    ``scale`` shrinks or enlarges titles, axis labels and tick labels together (a dashboard's
    four plots are drawn at 0.8), never below :data:`MIN_FONT_SIZE`; then titles and labels longer
    than their axes are broken onto lines (:func:`simkit.views.placing.fit_texts`).
    """
    from matplotlib.text import Text

    families = font_families()
    for ax in figure.axes:
        ax.tick_params(labelfontfamily=families, labelsize=max(STYLE["xtick.labelsize"] * scale, MIN_FONT_SIZE))
        for axis_label in (ax.xaxis.label, ax.yaxis.label):
            axis_label.set_fontsize(max(STYLE["axes.labelsize"] * scale, MIN_FONT_SIZE))
        ax.title.set_fontsize(max(STYLE["axes.titlesize"] * scale, MIN_FONT_SIZE))
    for text in figure.findobj(Text):
        text.set_fontfamily(families)
        if text.get_fontsize() < MIN_FONT_SIZE:   # "small" value labels and legends: never under the style's minimum
            text.set_fontsize(MIN_FONT_SIZE)
    fit_texts(figure)


def stage_tick(stage) -> str:
    """A stage's name under its bar: English, then the Chinese term on lines of its own (narrow bars)."""
    return label(stage.label, stage.chinese.replace("·", "\n"), separator="\n")


def money_axis(axis, decimals: int = 0):
    """Tick labels in yuan with thousands separators and a true minus sign (never ``1e6``, never ``¥-12``)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: format_money(value, decimals)))


def _text_room(ax, pixels: float, side: str = "height") -> float:
    """``pixels`` as a share of the axes' height (or width), as the axes is placed now (at least 0.05)."""
    size = getattr(ax.get_position(), side) * getattr(ax.figure.bbox, side)
    return max(0.05, pixels / max(size, 1.0))


def _pad_limits(ax, values, pad: float = 0.12):
    """Set the y range to ``values``' range plus ``pad`` of it each side: room for the value labels.

    Bars drawn from a ``bottom`` pin the automatic range to that bottom (matplotlib's sticky
    edges), so labels above a floating bar would be cut; an explicit range never is.  On a short
    axes (a panel's) the pad grows to a value label's height.
    """
    room = _text_room(ax, 2.2 * MIN_FONT_SIZE / 72 * ax.figure.dpi)
    pad = max(pad, room / max(1 - 2 * room, 0.3))
    low, high = float(np.min(values)), float(np.max(values))
    span = (high - low) or max(abs(high), 1.0)
    ax.set_ylim(low - pad * span if low < 0 else low, high + pad * span)


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


#: a period's profit above zero and below it (a loss)
PROFIT_COLOR, LOSS_COLOR = "#31a354", "#de2d26"


def money_legend(revenue, losses: bool = True) -> list:
    """The legend of a profit-and-revenue chart: the revenue line, profit in green and -- when there are
    losses -- a loss in red, each its own swatch (profit is never shown red)."""
    from matplotlib.patches import Patch

    return [revenue, Patch(color=PROFIT_COLOR, label=label("profit"))] + \
        ([Patch(color=LOSS_COLOR, label=label("loss"))] if losses else [])


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
    with _fonts(ax):
        ax.stackplot(x, *(counts[:, s] for s in stages),
                     labels=[label(s.label, s.chinese) for s in stages],
                     colors=[STAGE_COLORS[s] for s in stages], **kwargs)
        ax.set_xlabel(label(YEARS))
        ax.set_ylabel(label(CUSTOMERS))
        ax.set_xlim(0, x[-1])
        ax.set_title(label("Customers by stage"))
        legend = ax.legend(loc="upper right", ncols=2, fontsize="small", frameon=False)
        ax.set_ylim(0, top_under_legend(ax, legend, float(counts[:, stages].sum(axis=1).max())))   # never on the areas
    return ax


def plot_period_money(result, ax=None, **kwargs):
    """Profit per period as bars (green above zero, red below), revenue as a line."""
    ax = _axes(ax)
    periods = result.periods
    x = result.period_end_years - result.scenario.period_years / 2
    profit = periods["profit"]
    width = result.scenario.period_years * 0.8
    with _fonts(ax):
        ax.bar(x, profit, width=width, color=np.where(profit >= 0, PROFIT_COLOR, LOSS_COLOR), **kwargs)
        (revenue,) = ax.plot(x, periods["revenue"], color="#3182bd", marker="o", markersize=3,
                             label=label("revenue"))
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel(label(YEARS))
        ax.set_ylabel(label(PER_UNIT[result.scenario.time_unit]))
        ax.set_title(label(MONEY_TITLE[result.scenario.time_unit]))
        ax.legend(handles=money_legend(revenue, losses=bool((profit < 0).any())), loc="best",
                  fontsize="small", frameon=False)
        money_axis(ax.yaxis)
    return ax


def plot_cumulative_npv(table, ax=None, **kwargs):
    """Cumulative NPV of a cohort by year (bars), each labelled with the average LTV (§4)."""
    ax = _axes(ax)
    years = np.arange(1, table.years + 1)
    values = table.cumulative_npv
    with _fonts(ax):
        bars = ax.bar(years, values, color=np.where(values >= 0, "#31a354", "#de2d26"), **kwargs)
        for bar, ltv in zip(bars, table.ltv):
            ax.annotate(f"LTV {format_money(ltv, 2)}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        xytext=(0, 3 if ltv >= 0 else -3), textcoords="offset points", ha="center",
                        va="bottom" if ltv >= 0 else "top", fontsize="small")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(years, [label("year {n}", separator="\n", n=n) for n in years])   # "both": never run together
        _pad_limits(ax, np.concatenate([[0.0], values]))
        ax.set_title(label("Cumulative NPV of the cohort"))
        money_axis(ax.yaxis)
    return ax


def plot_sensitivity(effects, ax=None, **kwargs):
    """What each lever does to the final-year LTV: horizontal bars, largest on top (a tornado chart)."""
    ax = _axes(ax)
    effects = list(effects)[::-1]
    changes = [e.change for e in effects]
    with _fonts(ax):
        levers = [label(_literal(e.lever), separator="\n") for e in effects]   # translated if the catalog knows it
        ax.barh(levers, changes, color=["#31a354" if c >= 0 else "#de2d26" for c in changes], **kwargs)
        for y, change in enumerate(changes):
            ax.annotate(format_money(change, 2, sign=True), (change, y), xytext=(3 if change >= 0 else -3, 0),
                        textcoords="offset points", va="center", ha="left" if change >= 0 else "right",
                        fontsize="small")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(label("change in average LTV"))
        money_axis(ax.xaxis)
        ax.set_title(label("Levers on lifetime value"))
        # room for the value labels beside the bars, however narrow the axes
        widest = max(len(format_money(c, 2, sign=True)) for c in changes) * 0.62 * MIN_FONT_SIZE / 72 * ax.figure.dpi
        room = _text_room(ax, widest + 8, "width")
        ax.margins(x=max(0.2, room / max(1 - 2 * room, 0.3)))
    return ax


def plot_ltv_histogram(result, ax=None, exact: float | None = None, bins: int = 60, **kwargs):
    """Individual customers' discounted lifetime values, with their mean (and an exact value if given)."""
    if result.ledger is None:
        raise ValueError(_("result: has no ledger; run_simulation(..., ledger=True) keeps one row per customer"))
    ax = _axes(ax)
    from ..experiments.intervals import mean_interval

    values = result.ledger["lifetime_value"]
    low, high = mean_interval(values)
    with _fonts(ax):
        ax.hist(values, bins=bins, color="#9ecae1", edgecolor="white", **kwargs)
        ax.axvspan(low, high, color="#3182bd", alpha=0.25, linewidth=0)
        ax.axvline(values.mean(), color="#3182bd", linewidth=2,
                   label=label("simulated mean {mean} ± {half} (95 %)", separator="\n",
                               mean=format_money(values.mean(), 2), half=format_money((high - low) / 2, 2)))
        if exact is not None:
            ax.axvline(exact, color="black", linestyle="--",
                       label=label("exact {value}", separator="\n", value=format_money(exact, 2)))
        ax.set_xlabel(label("lifetime value of one customer"))
        ax.set_ylabel(label(CUSTOMERS))
        money_axis(ax.xaxis)
        ax.set_title(label("Lifetime value, customer by customer"))
        ax.legend(fontsize="small", frameon=False)
    return ax


def plot_churn(result, ax=None, retention: float | None = None, **kwargs):
    """Customers over time, and customers lost so far; with the closed-cohort law n r^t if given."""
    ax = _axes(ax)
    scenario = result.scenario
    start = scenario.arrivals.cohort_size
    x = np.concatenate([[0.0], result.period_end_years])
    # customers at the start of each period: those served in it (a replacement for a loss at a period
    # end joins for the next period), so a firm that replaces whom it loses stays at n
    served = result.customers_served()
    lost = np.concatenate([[0], np.cumsum(result.periods["n_lost"])])
    with _fonts(ax):
        ax.plot(x[:-1], served, marker="o", markersize=3, color="#31a354",
                label=label("customers at the start of the year"), **kwargs)
        ax.plot(x, lost, marker="o", markersize=3, color="#de2d26", label=label("lost so far"))
        if retention is not None:  # the law, and the range a single run falls in 95 % of the time
            from ..exact.churn import closed_cohort_law

            t = np.linspace(0, x[-1], 200)
            expected, half = closed_cohort_law(start, retention, t)
            ax.fill_between(t, expected - half, expected + half, color="black", alpha=0.12, linewidth=0,
                            label=label("95 % range of one run"))
            ax.plot(t, expected, color="black", linestyle="--", linewidth=1, label=f"n × {retention:g}^t")
        ax.axhline(start, color="grey", linewidth=0.6)
        ax.set_xlabel(label(YEARS))
        ax.set_ylabel(label(CUSTOMERS))
        ax.set_title(_churn_title(scenario, start))
        top = max(start, float(served.max()), float(lost.max()))
        # room above the lines for the legend, so that it covers none of them (in both languages: twice the lines)
        ax.set_ylim(0, (1.95 if get_language() == "both" else 1.65) * top)
        ax.legend(fontsize="small", frameon=False, loc="upper center")
    return ax


def _churn_title(scenario, start: int) -> str:
    """What the churn figure shows, in notebook 02's words: "Steady state: 100 customers, 20% lost a year" (each one
    lost replaced) or "Closed cohort: ..." (none replaced) -- never the scenario's file name.

    In both languages on two lines, English then Chinese: each line fits half of notebook 02's figure.
    """
    fields = {"customers": f"{start:,}", "separator": "\n"}
    if scenario.tenure:
        fields["lost"] = f"{1 - scenario.tenure.retention_rate[0]:.0%}"
        if scenario.arrivals.replace_lost:
            return label(N_("Steady state: {customers} customers, {lost} lost a year"), **fields)
        return label(N_("Closed cohort: {customers} customers, {lost} lost a year"), **fields)
    if scenario.arrivals.replace_lost:
        return label(N_("Steady state: {customers} customers"), **fields)
    return label(N_("Closed cohort: {customers} customers"), **fields)


def plot_tenure(result, retention: float, ax=None, **kwargs):
    """Whole years the lost customers stayed, against the geometric law P(T = k) = r^(k-1)(1 - r)."""
    from ..exact.churn import tenure_distribution

    tenure = tenure_distribution(result, retention)
    ax = _axes(ax)
    with _fonts(ax):
        ax.bar(tenure["years"], tenure["simulated"], color="#9ecae1", label=label("simulated"), **kwargs)
        ax.errorbar(tenure["years"], tenure["expected"], yerr=tenure["half"], fmt="o--", color="black", capsize=3,
                    label=label("n × {r}^(k-1) × {q}, 95 % range of one run", separator="\n",
                                r=format(retention, "g"), q=format(1 - retention, "g")))
        ax.set_xlabel(label("years as a customer (k)"))
        ax.set_ylabel(label("customers lost after k years", separator="\n"))   # "k 年后…" whole on its line
        ax.set_title(label("Tenure of the starting customers"))
        ax.legend(fontsize="small", frameon=False)
    return ax


def plot_comparison(comparison, ax=None, **kwargs):
    """The profit difference a change makes over time, with its 95 % band (:func:`simkit.compare`).

    Where the band covers zero, the run cannot tell the change from chance.
    """
    ax = _axes(ax)
    x = np.concatenate([[0.0], comparison.base.period_end_years])
    difference = np.concatenate([[0.0], comparison.difference])
    half = np.concatenate([[0.0], comparison.half_width])
    percent = f"{comparison.confidence * 100:.0f} %"
    with _fonts(ax):
        ax.fill_between(x, difference - half, difference + half, color="#9ecae1", alpha=0.8, linewidth=0,
                        label=label("{percent} interval", percent=percent))
        ax.plot(x, difference, color="black", linewidth=1.5,
                label=label("difference (same customers)") if comparison.paired
                else label("difference (independent runs)"), **kwargs)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlim(0, x[-1])
        ax.set_xlabel(label(YEARS))
        ax.set_ylabel(label("cumulative profit difference"))
        ax.set_title(label("Difference the change makes ({percent} band)", percent=percent))
        ax.legend(loc="upper left", fontsize="small", frameon=False)
        ClearNote.add(ax, interval_note(x[-1], comparison.total, comparison.half_width[-1]), fontweight="bold",
                      bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
        money_axis(ax.yaxis)
    return ax


def plot_sweep_effects(sweep_result, metric: str = "profit", ax=None, **kwargs):
    """What each variant of a sweep changes, against the base, with its paired 95 % interval (a tornado).

    Bars: the mean difference over the replications (same seeds, same customers); whiskers:
    its interval.  A whisker across zero: that lever cannot be told from chance at this size.
    """
    ax = _axes(ax)
    table = sweep_result.summary(metric)
    table = table[table["variant"] != "base"].sort_values("difference", key=abs)
    y = np.arange(len(table))
    lows = table["difference"] - table["difference_low"]
    highs = table["difference_high"] - table["difference"]
    from matplotlib.colors import to_rgba

    colors = [to_rgba("#31a354" if d > 0 else "#de2d26", 1.0 if sure else 0.35)  # faint: not beyond chance
              for d, sure in zip(table["difference"], table["distinguishable"])]
    with _fonts(ax):
        ax.barh(y, table["difference"], color=colors, **kwargs)
        ax.errorbar(table["difference"], y, xerr=[lows, highs], fmt="none", color="black", capsize=4)
        for yy, (_index, row) in zip(y, table.iterrows()):  # on the empty side of zero: never over a bar or a label
            half = (row["difference_high"] - row["difference_low"]) / 2
            gain = row["difference"] >= 0
            ax.annotate(f"{format_money(row['difference'], sign=True)} ± {format_money(half)}", (0, yy),
                        xytext=(-6 if gain else 6, 0), textcoords="offset points",
                        ha="right" if gain else "left", va="center", fontsize="small")
        ax.axvline(0, color="black", linewidth=0.8)
        changes = [sweep_result.variants[name] for name in table["variant"]]
        fields = {tuple(change) for change in changes}
        if len(fields) == 1 and len(changes[0]) > 1 and all(map(_generated, table["variant"], changes)):
            # a grid over several fields: a row's values, the fields named once (on lines of their own, the rows'
            # labels of a 3 x 2 grid ran into each other)
            ax.set_yticks(y, [", ".join(_value(value) for value in change.values()) for change in changes])
            ax.set_ylabel(", ".join(path_label(path) for path in changes[0]))
        else:
            ax.set_yticks(y, [_lever_label(name, change) for name, change in zip(table["variant"], changes)])
        reach = max(float(np.abs(table["difference_low"]).max()), float(np.abs(table["difference_high"]).max()))
        ax.set_xlim(-1.9 * reach or -1, 1.9 * reach or 1)
        ax.set_xlabel(term_label(N_("difference in {metric} from the base ({replications} paired replications)"),
                                 {"metric": metric}, separator="\n", replications=sweep_result.replications))
        ax.set_title(label("Which lever pays: difference with its 95 % interval", separator="\n"))
        money_axis(ax.xaxis)
        ax.margins(y=0.15)
    return ax


def _value(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else f"{value}"


def _generated(name: str, changes: dict) -> bool:
    """Whether a sweep variant is named by its values (a grid's, or the base), not by the student."""
    return name in (", ".join(f"{path}={_value(value)}" for path, value in changes.items()), "base")


def _lever_label(name: str, changes: dict) -> str:
    """A sweep variant as the student named it, in the words typed ("loyal customers stay 10 % longer"; never one
    name of four translated because the catalog happens to hold it), or -- for a grid's variants, named by their
    values -- the changes it makes."""
    if _generated(name, changes):
        return _variant_label(changes)
    return name


def _variant_label(changes: dict) -> str:
    """A sweep variant's changes, one per line: "loyal: orders per year = 5"."""
    return "\n".join(f"{path_label(path)} = {_value(value)}" for path, value in changes.items()) or label("base")


def plot_sweep_grid(sweep_result, x: str, y: str, metric: str = "profit", ax=None, **kwargs):
    """A two-way grid of a sweep as a heat map of the difference from the base, interval in each cell.

    ``x`` and ``y`` are the two dotted paths of the grid.  A cell whose interval covers zero is
    marked "≈ 0": at this size that combination cannot be told from the base.
    """

    ax = _axes(ax)
    table = sweep_result.summary(metric).set_index("variant")
    cells = {}
    for name, changes in sweep_result.variants.items():
        if set(changes) == {x, y}:
            cells[(changes[x], changes[y])] = table.loc[name]
    xs = sorted({k[0] for k in cells})
    ys = sorted({k[1] for k in cells})
    grid = np.array([[cells[(a, b)]["difference"] for a in xs] for b in ys])
    limit = np.abs(grid).max() or 1.0
    with _fonts(ax):
        image = ax.imshow(grid, cmap="RdYlGn", vmin=-limit, vmax=limit, origin="lower", aspect="auto", **kwargs)
        for i, b in enumerate(ys):
            for j, a in enumerate(xs):
                row = cells[(a, b)]
                half = (row["difference_high"] - row["difference_low"]) / 2
                if row["difference"] == 0 and half == 0:
                    text = label("base")  # the same values as the base scenario: the same customers, no difference
                elif row["distinguishable"]:
                    text = f"{format_money(row['difference'])}\n± {format_money(half)}"
                else:
                    text = f"≈ 0\n({format_money(row['difference'])} ± {format_money(half)})"
                dark = abs(row["difference"]) > 0.6 * limit
                ax.text(j, i, text, ha="center", va="center", fontsize="small", color="white" if dark else "black")
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
        ax.set_xlabel(path_label(x))
        ax.set_ylabel(path_label(y))
        ax.set_title(term_label(N_("Difference in {metric} from the base, 95 % interval"), {"metric": metric},
                                separator="\n"))
        bar = ax.figure.colorbar(image, ax=ax, label=term_label(N_("difference in {metric}"), {"metric": metric}))
        money_axis(bar.ax.yaxis)
    return ax


def plot_profit_by_stage(result, ax=None, **kwargs):
    """Profit per customer-year in each stage, from simulated customers: the inverted U of §1 (倒U型)."""
    ax = _axes(ax)
    per_year = result.profit_per_customer_year()
    stages = list(per_year)
    values = [per_year[s] for s in stages]
    with _fonts(ax):
        ax.bar([stage_tick(s) for s in stages], values,
               color=[STAGE_COLORS[s] for s in stages], **kwargs)
        ax.plot(range(len(stages)), values, color="black", marker="o", linewidth=1)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel(label("profit per customer-year"))
        money_axis(ax.yaxis)
        ax.set_title(label("Profit along the lifecycle"))
    return ax


_PART_LABELS = {
    "base_profit": N_("base profit"),
    "associated_profit": N_("associated (cross-sell)"),
    "cost_savings": N_("cost savings"),
    "referral_value": N_("referrals' profit"),
    "acquisition_cost": N_("acquisition cost"),
    "price_discounts": N_("price discounts"),
    "referral_damage": N_("referral damage"),
    "lifetime_profit": N_("lifetime profit"),
}


def part_names(separator: str = "\n") -> list[str]:
    """The waterfall's bar labels in the chosen language (English and Chinese on two lines by default)."""
    return [label(name, separator=separator) for name in _PART_LABELS.values()]


def waterfall(ledger, per_customer: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Bottoms and heights of the lifetime-profit waterfall's bars (yuan), in the order of :func:`part_names`.

    Each part starts where the one before ended; the last bar, lifetime profit, starts at zero.
    ``per_customer`` divides by the number of customers who converted.
    """
    parts = ledger.profit_parts()
    divisor = max(int(np.sum(~np.isnan(ledger["entered_new"]))), 1) if per_customer else 1
    heights = np.array([float(parts[key].sum()) / divisor for key in _PART_LABELS])
    bottoms = np.concatenate([[0.0], np.cumsum(heights[:-2]), [0.0]])
    return bottoms, heights


def _label_bar_ends(ax, bottoms, heights):
    """Each bar's signed value just beyond its end, and a y range with room for them."""
    texts = [ax.annotate(format_money(height, sign=True), (x, bottom + height), xytext=(0, 3 if height >= 0 else -3),
                         textcoords="offset points", ha="center", va="bottom" if height >= 0 else "top",
                         fontsize="small")
             for x, (bottom, height) in enumerate(zip(bottoms, heights))]
    _pad_limits(ax, np.concatenate([[0.0], bottoms, bottoms + heights]), pad=0.15)
    return texts


def plot_profit_parts(ledger, ax=None, per_customer: bool = True, **kwargs):
    """Lifetime profit = total profit - total investment (§1), as a waterfall of the ledger's parts.

    Each bar starts where the one before ended; the last bar is the lifetime profit.
    ``per_customer`` divides by the number of customers who converted.
    """
    if ledger is None:
        raise ValueError(_("ledger: got None; run_simulation(..., ledger=True) keeps one row per customer"))
    ax = _axes(ax)
    bottoms, heights = waterfall(ledger, per_customer)
    colors = ["#31a354" if h >= 0 else "#de2d26" for h in heights[:-1]] + ["#3182bd"]
    with _fonts(ax):
        ax.bar(part_names(), heights, bottom=bottoms, color=colors, **kwargs)
        _label_bar_ends(ax, bottoms, heights)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel(label("per customer") if per_customer else label("all customers"))
        money_axis(ax.yaxis)
        ax.set_title(label("Lifetime profit = total profit - total investment"))
        _slant(ax)
    return ax


def _slant(ax):
    """Tick labels of a bar chart slanted, so long part names never overlap."""
    for tick in ax.get_xticklabels():
        tick.set_rotation(30)
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")


def plot_funnel(result, ax=None, **kwargs):
    """The sales funnel (销售漏斗, §7): prospects that reached each stage, simulated against expected."""
    from ..exact.formulas import funnel_expected
    from ..model.parts import FUNNEL_STAGES

    funnel = result.scenario.funnel
    if funnel is None or result.ledger is None:
        raise ValueError(_("result: needs a scenario with a funnel and a ledger (run_simulation(..., ledger=True))"))
    ax = _axes(ax)
    ledger = result.ledger
    leads = ledger["funnel_reached"] >= 0
    reached = np.bincount(ledger["funnel_reached"][leads], minlength=6)[::-1].cumsum()[::-1]
    won = int(np.sum(leads & ~np.isnan(ledger["entered_new"])))
    expected = list(funnel_expected(funnel, int(leads.sum())).values())
    names = [*FUNNEL_STAGES, "customers"]
    y = np.arange(len(names))[::-1]
    simulated = [*reached.tolist(), won]
    n = int(leads.sum())
    share = np.array(expected) / max(n, 1)
    half = 1.96 * np.sqrt(n * share * (1 - share))  # each count is binomial(leads, chance of reaching the stage)
    with _fonts(ax):
        ax.barh(y, simulated, color="#9ecae1", label=label("simulated"), **kwargs)
        ax.errorbar(expected, y, xerr=half, fmt="o", color="black", capsize=3,
                    label=label("expected, with the 95 % range of one run"))
        for yy, value, right in zip(y, simulated, np.array(expected) + half):
            ax.annotate(f"{value:,}", (max(value, right), yy), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize="small")
        ax.set_yticks(y, [label(name) for name in names])
        ax.set_xlabel(label("prospects who reached the stage"))
        ax.set_title(label("Sales funnel"))
        ax.legend(fontsize="small", frameon=False, loc="lower right")
        ax.margins(x=0.15)
    return ax


def plot_pyramid(tiers, ax=None, value: str = "customers", **kwargs):
    """The customer pyramid drawn as a pyramid: one centred bar per tier, the top tier on top (§5).

    ``value``: "customers", "sales" or "profit" sets each bar's width; labels give all three.
    """
    if value not in ("customers", "sales", "profit"):
        raise ValueError(_("value: got {value}, expected 'customers', 'sales' or 'profit'").format(value=repr(value)))
    ax = _axes(ax)
    tiers = list(tiers)
    widths = np.array([abs(getattr(t, value)) for t in tiers], dtype=float)
    widths = widths / widths.max() if widths.max() > 0 else widths
    y = np.arange(len(tiers))[::-1]
    colors = ["#31a354" if t.profit >= 0 else "#de2d26" for t in tiers]
    with _fonts(ax):
        ax.barh(y, widths, left=-widths / 2, color=colors, edgecolor="white", height=0.9, alpha=0.85, **kwargs)
        # each tier's figures beside its bar's right end, never on a bar: the bars' widths are what the pyramid shows
        notes = [ax.annotate(_tier_text(t), (w / 2, yy), xytext=(4, 0), textcoords="offset points", ha="left",
                             va="center") for w, yy, t in zip(widths, y, tiers)]
        ax.set_yticks([])
        ax.set_xticks([])
        room_beside_bars(ax, widths / 2, notes)
        ax.set_title(term_label(N_("Customer pyramid (bar width: {value})"), {"value": value}))
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
    return ax


def _tier_text(tier) -> str:
    """A tier's name, customers, sales and profit, on two lines inside its bar."""
    numbers = {"customers": f"{tier.customers:,}", "sales": format_money(tier.sales),
               "profit": format_money(tier.profit)}
    template = N_("{tier}: {customers} customers\nsales {sales}, profit {profit}")
    if get_language() == "both":   # the name in both languages, the figures once: two lines fit a bar, four do not
        return template.format(tier=label(tier.name, tier.chinese), **numbers)
    return term_label(template, {"tier": (tier.name, tier.chinese)}, **numbers)


def plot_pareto(values, ax=None, what: str = "profit", **kwargs):
    """Cumulative share of ``what`` against the share of customers, most valuable first (80/20, 80/20/30, §6).

    With unprofitable customers the curve climbs above 100 % and falls back at the end.
    """
    from ..exact.value import pareto_curve

    ax = _axes(ax)
    customers, cumulative = pareto_curve(values)
    with _fonts(ax):
        ax.plot(customers * 100, cumulative * 100, color="#3182bd", **kwargs)
        ax.axhline(100, color="grey", linewidth=0.8)
        ax.axvline(20, color="grey", linewidth=0.8, linestyle=":")
        top = np.interp(0.2, customers, cumulative) * 100
        ax.annotate(term_label(N_("top 20 %: {share} % of {what}"), {"what": what}, separator="\n",
                               share=f"{top:.0f}"), (20, top),
                    xytext=(8, -8), textcoords="offset points", va="top")
        ax.set_xlabel(label("customers, most valuable first (%)"))
        ax.set_ylabel(term_label(N_("cumulative share of {what} (%)"), {"what": what}))
        ax.set_title(term_label(N_("Who brings the {what}"), {"what": what}))
    return ax


def holdout_by_frequency(summary, predicted, truth, top: int = 7):
    """Mean holdout purchases by calibration repeat purchases (0, 1, ..., ``top``+): what happened, with a
    95 % interval, what the model predicted and (if the world has one) the best possible prediction.

    Returns a dict of arrays: ``repeat_purchases``, ``customers``, ``actual``, ``actual_half``, ``predicted``,
    ``oracle``.
    """
    frequency = np.minimum(np.asarray(summary["frequency"], int), top)
    actual = truth["holdout_purchases"].to_numpy(float)
    oracle = truth["expected_holdout_purchases"].to_numpy(float)
    predicted = np.asarray(predicted, float)
    groups = np.arange(top + 1)
    rows = {key: [] for key in ("customers", "actual", "actual_half", "predicted", "oracle")}
    for group in groups:
        inside = frequency == group
        n = max(int(inside.sum()), 1)
        rows["customers"].append(int(inside.sum()))
        rows["actual"].append(actual[inside].mean() if inside.any() else np.nan)
        rows["actual_half"].append(1.96 * actual[inside].std(ddof=1) / np.sqrt(n) if inside.sum() > 1 else np.nan)
        rows["predicted"].append(predicted[inside].mean() if inside.any() else np.nan)
        rows["oracle"].append(oracle[inside].mean() if inside.any() else np.nan)
    return {"repeat_purchases": groups, **{key: np.array(value) for key, value in rows.items()}}


def _model_label(model: str, words: str) -> str:
    """"Pareto/NBD: predicted", the model's name once in any language ("Pareto/NBD：预测值", "Pareto/NBD:
    predicted 预测值"), never "Pareto/NBD: predicted Pareto/NBD：预测值"."""
    return f"{model}{'：' if _cjk(words[0]) else ': '}{words}"


def plot_holdout_by_frequency(summary, predicted, truth, ax=None, model: str = "model", top: int = 7, **kwargs):
    """Fader and Hardie's check of a CLV model: mean holdout purchases against calibration repeat purchases."""
    table = holdout_by_frequency(summary, predicted, truth, top)
    ax = _axes(ax)
    x = table["repeat_purchases"]
    with _fonts(ax):
        ax.bar(x, table["actual"], color="#c6dbef", label=label("what happened (95 % interval)"), **kwargs)
        ax.errorbar(x, table["actual"], yerr=table["actual_half"], fmt="none", ecolor="#3182bd", capsize=3)
        ax.plot(x, table["predicted"], "o-", color="#de2d26",
                label=_model_label(model, label("predicted")))
        if np.isfinite(table["oracle"]).all():
            ax.plot(x, table["oracle"], "s--", color="black", markersize=4,
                    label=label("best possible (the truth's expectation)"))
        ax.set_xticks(x, [str(v) for v in x[:-1]] + [f"{x[-1]}+"])
        ax.set_xlabel(label("repeat purchases in the calibration period"))
        ax.set_ylabel(label("mean holdout purchases"))
        ax.set_title(label("Holdout purchases by past frequency"))
        ax.legend(fontsize="small", frameon=False, loc="upper left")
    return ax


def plot_alive_calibration(tables: dict, ax=None, **kwargs):
    """Predicted P(alive) against the share truly alive (``tables``: name -> :func:`simkit.experiments.clv_models.alive_calibration`)."""
    ax = _axes(ax)
    colours = ["#de2d26", "black", "#3182bd", "#31a354"]
    with _fonts(ax):
        ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, linestyle=":")
        for (name, table), colour in zip(tables.items(), colours):
            ax.errorbar(table["predicted"], table["share_alive"],
                        yerr=[table["share_alive"] - table["low_95"], table["high_95"] - table["share_alive"]],
                        fmt="o-", color=colour, capsize=3, markersize=4, label=name, **kwargs)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(label("predicted P(alive) at the cutoff"))
        ax.set_ylabel(label("share truly alive"))
        ax.set_title(label("Is P(alive) calibrated?"))
        ax.legend(fontsize="small", frameon=False, loc="upper left", title=label("95 % intervals"),
                  title_fontsize="small")
    return ax


def alive_by_frequency(summary, probability_alive, alive, top: int = 7):
    """Mean predicted P(alive) and the share truly alive (95 % interval, Wilson's) by calibration repeat purchases
    (0, 1, ..., ``top``+).

    Returns a DataFrame: ``repeat_purchases``, ``customers``, ``predicted``, ``share_alive``, ``low_95``,
    ``high_95``.
    """
    import pandas as pd

    from ..experiments.clv_models import alive_calibration

    frequency = np.minimum(np.asarray(summary["frequency"], int), top)
    probability_alive, alive = np.asarray(probability_alive, float), np.asarray(alive, bool)
    rows = []
    for group in range(top + 1):
        inside = frequency == group
        if inside.any():
            row = alive_calibration(probability_alive[inside], alive[inside], bins=1).iloc[0]
            rows.append({"repeat_purchases": group, "customers": int(inside.sum()), "predicted": row["predicted"],
                         "share_alive": row["share_alive"], "low_95": row["low_95"], "high_95": row["high_95"]})
    return pd.DataFrame(rows)


def plot_alive_by_frequency(summary, probability_alive, alive, ax=None, model: str = "model", top: int = 7,
                            **kwargs):
    """Who is still a customer, by past frequency: a model's mean P(alive) against the share truly alive.

    Where a calibration plot of P(alive) is one point (a model that calls nearly everyone alive), this shows
    which customers it misreads: the groups of repeat purchases where the two part.
    """
    table = alive_by_frequency(summary, probability_alive, alive, top)
    ax = _axes(ax)
    x = table["repeat_purchases"].to_numpy()
    share = table["share_alive"].to_numpy()
    with _fonts(ax):
        ax.errorbar(x, share, yerr=[share - table["low_95"], table["high_95"] - share], fmt="o", color="black",
                    capsize=3, markersize=5, label=label("share truly alive (95 % interval)"), **kwargs)
        ax.plot(x, table["predicted"], "s-", color="#de2d26", markersize=4,
                label=_model_label(model, label("mean predicted P(alive)")))
        ax.set_xticks(x, [str(v) for v in x[:-1]] + [f"{x[-1]}+" if x[-1] == top else str(x[-1])])
        low = float(min(table["low_95"].min(), table["predicted"].min()))
        ax.set_ylim(max(0.0, low - 0.35 * (1.0 - low)), 1.0 + 0.1 * (1.0 - low))   # room for the legend below
        ax.set_xlabel(label("repeat purchases in the calibration period"))
        ax.set_ylabel(label("P(alive) at the cutoff"))
        ax.set_title(label("Who is still a customer, by past frequency"))
        ax.legend(fontsize="small", frameon=False, loc="best")
    return ax

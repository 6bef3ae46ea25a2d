"""The instructor's lifecycle dashboard (textbook §1): stage parameters, presets, an honest comparison.

Four pictures of one simulated population -- customers by stage, profit
per customer-year along the lifecycle (the inverted U), the parts of
lifetime profit, and profit per period -- and, when a lever is chosen, the
difference it makes with its 95 % interval, from a paired run (the same
customers with and without the change, :func:`simkit.compare`).

It runs on the vectorized engine and redraws only what changed
(:class:`simkit.live.LiveFigure`); while a run is in progress the panel says
so, and only the latest control values are computed: values set while a
run was going are not queued one by one.
"""

from __future__ import annotations

import html
import threading

import numpy as np

from .compare import compare, format_money
from .errors import ScenarioError
from .live import LiveFigure, money_axis, nice_limits
from .plots import _PART_LABELS, STAGE_COLORS, label, new_figure
from .presets import load_scenario
from .scenario import Arrivals, Scenario, StageParams, field_info
from .simulation import run_simulation
from .stages import ACTIVE_STAGES
from .widgets import _Base, _control, _figure_view, _lookup, _people, _refuse, _ScenarioPanel

__all__ = ["COMPARISONS", "LifecycleDashboard", "lifecycle_dashboard"]

_STAGE_SLIDERS = ("mean_duration_years", "orders_per_year", "average_order_value", "cost_of_sales_share",
                  "service_cost_per_year", "referrals_per_year", "referral_damage_per_year", "price_discount",
                  "cross_sell_adoption_per_year")

#: Levers the dashboard can compare against the scenario on the sliders: name -> changes of a scenario.
COMPARISONS = {
    "loyal customers stay 10 % longer": lambda s: {
        "stages.loyal.mean_duration_years": (s.stages.loyal.mean_duration_years or 1.0) * 1.1},
    "10 % more acquisition budget (prospects)": lambda s: {
        "arrivals.prospects_per_year": s.arrivals.prospects_per_year * 1.1,
        "arrivals.cohort_size": round(s.arrivals.cohort_size * 1.1)},
    "loyal customers buy 10 % more often": lambda s: {
        "stages.loyal.orders_per_year": s.stages.loyal.orders_per_year * 1.1},
}

#: The dashboard's slider ranges: classroom-sized, so that no single control reaches a redraw of more than
#: about half a second from a built-in scenario (measured by tests/test_views.py; values outside them can
#: still be run through a scenario file or :func:`simkit.run_simulation`).
CLASSROOM_MAXIMA = {"cohort_size": 10_000, "prospects_per_year": 2_000, "horizon_years": 10, "orders_per_year": 12,
                    "referrals_per_year": 1.0, "referral_damage_per_year": 2.0}

_BUSY = "<span style='color:#555'>⏳ simulating…</span>"
_READY = "<span style='color:#2b7a2b'>✓ up to date</span>"


class LifecycleDashboard(_ScenarioPanel):
    """One panel for the lifecycle lesson: stage parameters, presets, a comparison with its interval, exports.

    Parameters
    ----------
    scenario : str, Path or Scenario
        Starting scenario (a stage model); presets switch between the built-in ones.
    comparison : str, optional
        One of :data:`COMPARISONS`.
    background : bool, optional
        Run changes in a background thread, so that the kernel keeps taking control
        values while a run is going and only the latest is computed (default: when
        running in a Jupyter kernel).  Call :meth:`wait` to wait for the last change.
    """

    def __init__(self, scenario="lifecycle_textbook", comparison: str | None = None, background: bool | None = None):
        import ipywidgets as widgets

        from .presets import list_scenarios

        self.base = load_scenario(scenario)
        self.result = self.comparison_result = None
        self.background = _in_kernel() if background is None else background
        self._wanted = 0
        self._worker = None
        self._lock = threading.Lock()
        figure, self.axes = new_figure(ncols=2, nrows=2, width=12, height=7.2)
        self.live = LiveFigure(figure)
        self.figure = figure
        self._layout_key = None
        stage_models = [n for n in list_scenarios() if load_scenario(n).tenure is None]
        self.preset = widgets.Dropdown(options=stage_models, description="preset",
                                       value=self.base.name if self.base.name in stage_models else None)
        self.comparison = widgets.Dropdown(options=[("no comparison", None)] + [(k, k) for k in COMPARISONS],
                                           value=comparison, description="compare with")
        self.controls = {}
        self._build_controls()
        self.reset_button = widgets.Button(description="reset", icon="undo")
        self.png_button = widgets.Button(description="export PNG", icon="image")
        self.csv_button = widgets.Button(description="export CSV", icon="table")
        self.reset_button.on_click(lambda _: self.load(self.base))
        self.png_button.on_click(lambda _: self.export_png())
        self.csv_button.on_click(lambda _: self.export_csv())
        self.preset.observe(lambda change: change["new"] and self.load(load_scenario(change["new"])), names="value")
        self.comparison.observe(self._request, names="value")
        self.message = widgets.HTML()
        self.status = widgets.HTML()
        self.view = _figure_view()
        _Base.__init__(self)
        self._layout()
        self.refresh()

    # -- controls ------------------------------------------------------------
    def _build_controls(self):
        import ipywidgets as widgets

        base = self.base
        general = {"arrivals.cohort_size": ("customers at start", Arrivals, "cohort_size"),
                   "arrivals.prospects_per_year": ("prospects per year", Arrivals, "prospects_per_year"),
                   "arrivals.acquisition_cost": ("acquisition cost ¥", Arrivals, "acquisition_cost"),
                   "horizon": (f"horizon ({base.time_unit}s)", Scenario, "horizon")}
        self.controls = {}
        for path, (text, cls, name) in general.items():
            info = field_info(cls, name)
            if path == "horizon":
                info["slider"] = (1, CLASSROOM_MAXIMA["horizon_years"] * base.periods_per_year)
            elif name in CLASSROOM_MAXIMA:
                info["slider"] = (info["slider"][0], CLASSROOM_MAXIMA[name])
            self.controls[path] = _control(path, _lookup(base, path)[0], info, text)
        self.controls["seed"] = widgets.IntText(value=base.seed, description="seed",
                                                style={"description_width": "14em"})
        for stage in ("prospect", "new", "loyal", "decline"):
            for name in _STAGE_SLIDERS:
                path = f"stages.{stage}.{name}"
                value = getattr(getattr(base.stages, stage), name)
                if name == "mean_duration_years" and value is None:
                    continue  # a stage without an end keeps none
                info = field_info(StageParams, name)
                if name in CLASSROOM_MAXIMA:
                    info["slider"] = (info["slider"][0], CLASSROOM_MAXIMA[name])
                self.controls[path] = _control(path, value, info, name.replace("_", " "))
        for control in self.controls.values():
            control.observe(self._request, names="value")

    def _layout(self):
        import ipywidgets as widgets

        general = [c for p, c in self.controls.items() if not p.startswith("stages.")]
        tabs = [widgets.VBox(general)]
        titles = ["population"]
        for stage in ("prospect", "new", "loyal", "decline"):
            tabs.append(widgets.VBox([c for p, c in self.controls.items() if p.startswith(f"stages.{stage}.")]))
            titles.append(stage)
        tab = widgets.Tab(children=tabs)
        for index, title in enumerate(titles):
            tab.set_title(index, title)
        buttons = widgets.HBox([self.preset, self.comparison, self.reset_button, self.png_button, self.csv_button])
        self.children = [buttons, tab, self.status, self.message, self.view]

    def load(self, scenario: Scenario):
        """Show ``scenario`` on the controls (a preset, or the starting one)."""
        self.base = scenario
        self._build_controls()
        self._layout()
        self.refresh()

    # -- requests: only the latest values are computed -------------------------
    def _request(self, change=None):
        """A control changed: compute now, or (in a kernel) let the worker pick up the latest values."""
        if not self.background:
            self.refresh()
            return
        with self._lock:
            self._wanted += 1
            self.status.value = _BUSY
            if self._worker is not None and self._worker.is_alive():
                return  # the running worker sees the new request when its run ends
            self._worker = threading.Thread(target=self._work, daemon=True)
            self._worker.start()

    def _work(self):
        while True:
            with self._lock:
                wanted = self._wanted
            self.refresh()
            with self._lock:
                if wanted == self._wanted:  # no newer request came in: done
                    return

    def wait(self, timeout: float | None = None):
        """Wait until the last requested change has been drawn."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    # -- running and drawing -------------------------------------------------
    def refresh(self):
        """Run the scenario (and the compared one), redraw; a message instead of an error."""
        self.status.value = _BUSY
        try:
            self._refresh()
        except Exception as error:  # a background run must never fail silently
            self.message.value = (f"<span style='color:#b00020'>Something went wrong: "
                                  f"{html.escape(type(error).__name__)}: {html.escape(str(error))}</span>")
            self.view.layout.visibility = "hidden"
            raise
        finally:
            self.status.value = _READY

    def _refresh(self):
        try:
            scenario = self.current_scenario()
        except ScenarioError as error:
            _refuse(self.message, "Not run", error)
            self.view.layout.visibility = "hidden"  # never an old figure under the new values
            return
        other, note = None, ""
        if self.comparison.value:
            try:
                other = scenario.updated(COMPARISONS[self.comparison.value](scenario))
            except ScenarioError as error:
                note = (f" The comparison <i>{html.escape(self.comparison.value)}</i> does not apply to this "
                        f"scenario ({html.escape('; '.join(error.problems))}).")
        if other is not None:
            self.comparison_result = comparison = compare(scenario, other, ledger=True)
            self.result = result = comparison.base
        else:
            self.comparison_result = comparison = None
            self.result = result = run_simulation(scenario, engine="numpy")
        self._draw(result, comparison)
        profit = result.ledger["profit"].sum()
        text = (f"{_people(result.ltv.count)} entered; profit of the whole population {format_money(profit)} "
                f"(every customer's own profit, undiscounted).")
        if comparison is not None:
            text += (f" With <i>{html.escape(self.comparison.value)}</i>: <b>{html.escape(comparison.summary())}</b>")
        self.message.value = text + note
        self.view.layout.visibility = "visible"
        self.view.value = self.live.render()

    def _draw(self, result, comparison):
        key = (result.scenario.n_periods, result.scenario.time_unit,
               None if comparison is None else self.comparison.value)
        if key != self._layout_key:
            self._build_figure(result, comparison)
            self._layout_key = key
        self._update_stages(result)
        self._update_lifecycle(result)
        self._update_parts(result)
        if comparison is None:
            self._update_money(result)
        else:
            self._update_comparison(result, comparison)

    # -- the four pictures: built once, then updated -----------------------------
    def _build_figure(self, result, comparison):
        from matplotlib.patches import Patch

        live = self.live
        for artist in list(live.artists):
            live.forget(artist)
        for ax in self.axes:
            ax.clear()
        live.invalidate()
        scenario = result.scenario
        ax = self.axes[0]
        ax.set_title(label("Customers by stage", "各阶段客户数"))
        ax.set_xlabel("years")
        ax.set_ylabel("customers")
        ax.set_xlim(0, scenario.horizon_years)
        ax.legend(handles=[Patch(color=STAGE_COLORS[s], label=label(s.label, s.chinese)) for s in ACTIVE_STAGES],
                  loc="upper right", fontsize="small", frameon=False)
        self._stack = []
        ax = self.axes[1]
        names = [label(s.label, s.chinese).replace(" ", "\n", 1) for s in ACTIVE_STAGES]  # two short lines
        self._lifecycle_bars = ax.bar(names, np.zeros(4), color=[STAGE_COLORS[s] for s in ACTIVE_STAGES])
        (self._lifecycle_line,) = ax.plot(range(4), np.zeros(4), color="black", marker="o", linewidth=1)
        live.animate(*self._lifecycle_bars, self._lifecycle_line)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel("profit per customer-year")
        ax.set_title(label("Profit along the lifecycle", "客户生命周期利润"))
        money_axis(ax.yaxis)
        ax = self.axes[2]
        names = [label(*_PART_LABELS[key]) for key in _PART_LABELS] + [label("lifetime profit", "客户生命周期利润")]
        self._part_bars = ax.bar(names, np.zeros(len(names)))
        self._part_labels = [ax.annotate("", (x, 0.0), xytext=(0, 3), textcoords="offset points", ha="center",
                                         fontsize="small") for x in range(len(names))]
        live.animate(*self._part_bars, *self._part_labels)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel("per customer acquired")
        ax.set_title(label("Lifetime profit, part by part", "客户生命周期利润"))
        money_axis(ax.yaxis)
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
            tick.set_horizontalalignment("right")
        ax = self.axes[3]
        x = result.period_end_years
        if comparison is None:
            self._money_bars = ax.bar(x - scenario.period_years / 2, np.zeros(len(x)),
                                      width=scenario.period_years * 0.8, label=label("profit", "利润"))
            (self._revenue_line,) = ax.plot(x - scenario.period_years / 2, np.zeros(len(x)), color="#3182bd",
                                            marker="o", markersize=3, label=label("revenue", "收入"))
            live.animate(*self._money_bars, self._revenue_line)
            ax.set_ylabel(f"per {scenario.time_unit}")
            ax.set_title(label(f"Revenue and profit per {scenario.time_unit}", "收入与利润"))
            ax.legend(loc="upper left", fontsize="small", frameon=False)
        else:
            (self._difference_line,) = ax.plot(x, np.zeros(len(x)), color="black", linewidth=1.5,
                                               label="difference (same customers)")
            self._band = None
            self._difference_label = ax.text(0.98, 0.04, "", transform=ax.transAxes, ha="right", va="bottom",
                                             fontsize="medium", fontweight="bold",
                                             bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
            live.animate(self._difference_line, self._difference_label)
            ax.set_xlim(0, x[-1])
            ax.set_ylabel("cumulative profit difference")
            ax.set_title(label("Difference the change makes (95 % band)", "利润差异"))
            ax.legend(handles=[self._difference_line, Patch(color="#9ecae1", label="95 % interval")],
                      loc="upper left", fontsize="small", frameon=False)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel("years")
        money_axis(ax.yaxis)

    def _update_stages(self, result):
        ax = self.axes[0]
        live = self.live
        if self._stack:
            live.forget(*self._stack)
        scenario = result.scenario
        x = np.concatenate([[0.0], result.period_end_years])
        start = np.zeros(result.stage_counts.shape[1], dtype=int)
        start[scenario.arrivals.cohort_stage] = scenario.arrivals.cohort_size
        counts = np.vstack([start, result.stage_counts])
        layers = [counts[:, s] for s in ACTIVE_STAGES]
        self._stack = ax.stackplot(x, *layers, colors=[STAGE_COLORS[s] for s in ACTIVE_STAGES])
        live.animate(*self._stack)
        ax.set_ylim(*nice_limits(0, float(np.sum(layers, axis=0).max()), ax.get_ylim()))

    def _update_lifecycle(self, result):
        per_year = result.profit_per_customer_year()
        values = np.nan_to_num(np.array([per_year[s] for s in ACTIVE_STAGES]))
        for bar, value in zip(self._lifecycle_bars, values):
            bar.set_height(value)
        self._lifecycle_line.set_ydata(values)
        ax = self.axes[1]
        ax.set_ylim(*nice_limits(values.min(), values.max(), ax.get_ylim()))

    def _update_parts(self, result):
        ledger = result.ledger
        parts = ledger.profit_parts()
        divisor = max(int(np.sum(~np.isnan(ledger["entered_new"]))), 1)
        values = np.array([float(parts[key].sum()) / divisor for key in _PART_LABELS])
        total = float(parts["lifetime_profit"].sum()) / divisor
        starts = np.concatenate([[0.0], np.cumsum(values)[:-1]])
        bottoms = list(starts) + [0.0]
        heights = list(values) + [total]
        for index, (bar, bottom, height) in enumerate(zip(self._part_bars, bottoms, heights)):
            bar.set_y(bottom)
            bar.set_height(height)
            last = index == len(heights) - 1
            bar.set_color("#3182bd" if last else ("#31a354" if height >= 0 else "#de2d26"))
            text = self._part_labels[index]
            text.set_text(format_money(height) if abs(height) >= 0.5 else "0")
            text.xy = (index, bottom + height if height >= 0 else bottom + height)
            text.set_position((0, 3 if height >= 0 else -11))
        ends = np.array(bottoms + [b + h for b, h in zip(bottoms, heights)])
        ax = self.axes[2]
        ax.set_ylim(*nice_limits(ends.min(), ends.max(), ax.get_ylim()))

    def _update_money(self, result):
        profit = result.periods["profit"]
        revenue = result.periods["revenue"]
        for bar, value in zip(self._money_bars, profit):
            bar.set_height(value)
            bar.set_color("#31a354" if value >= 0 else "#de2d26")
        self._revenue_line.set_ydata(revenue)
        ax = self.axes[3]
        ax.set_ylim(*nice_limits(min(profit.min(), 0.0), max(revenue.max(), profit.max()),
                                 ax.get_ylim()))

    def _update_comparison(self, result, comparison):
        ax = self.axes[3]
        x = result.period_end_years
        difference, half = comparison.difference, comparison.half_width
        self._difference_line.set_ydata(difference)
        if self._band is not None:
            self.live.forget(self._band)
        self._band = ax.fill_between(x, difference - half, difference + half, color="#9ecae1", alpha=0.8,
                                     linewidth=0)
        self.live.animate(self._band)
        self.live.artists.insert(0, self.live.artists.pop())  # the band under the line
        self._difference_label.set_text(f"after {x[-1]:g} years: {format_money(comparison.total)} "
                                        f"± {format_money(half[-1])}")
        ax.set_ylim(*nice_limits(float((difference - half).min()), float((difference + half).max()),
                                 ax.get_ylim()))

    # -- exports ---------------------------------------------------------------
    def export_png(self, path="simkit_dashboard.png") -> str:
        """Save the current figure as PNG; returns the path."""
        from pathlib import Path

        Path(path).write_bytes(self.live.render())
        self.message.value += f" Saved {html.escape(str(path))}."
        return str(path)

    def export_csv(self, stem="simkit_dashboard") -> list:
        """Save the current run's periods and ledger as CSV; returns the paths."""
        from pathlib import Path

        if self.result is None:
            return []
        folder = Path(f"{stem}_csv")
        written = [str(p) for p in self.result.to_csv(folder)]
        self.message.value += f" Saved {html.escape(', '.join(written))}."
        return written


def _in_kernel() -> bool:
    """Whether we run inside a Jupyter kernel (where a worker thread keeps the controls responsive)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def lifecycle_dashboard(scenario="lifecycle_textbook", comparison: str | None = None,
                        background: bool | None = None) -> LifecycleDashboard:
    """The instructor's dashboard for the lifecycle lesson (textbook §1).

    Parameters
    ----------
    scenario : str, Path or Scenario
        Starting scenario (a stage model); presets switch between the built-in ones.
    comparison : str, optional
        One of :data:`COMPARISONS`, run beside the scenario with the same customers; the
        difference in profit is shown with its 95 % interval.
    background : bool, optional
        See :class:`LifecycleDashboard`.
    """
    return LifecycleDashboard(scenario, comparison, background)

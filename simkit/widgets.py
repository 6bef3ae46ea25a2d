"""Widget panels for the classroom: thin views over scenarios, engines and plots.

Controls take their ranges and units from the scenario's field metadata,
redraw only when a slider is released (``continuous_update=False``), and show
a message -- never a traceback -- when a value is not allowed.  A panel draws
its first figure when it is built, so it also works when a notebook runs
headless.
"""

from __future__ import annotations

import html
import math

import numpy as np

from .compare import format_money
from .errors import ScenarioError
from .language import readable
from .plots import new_figure
from .presets import load_scenario
from .scenario import Arrivals, Discounting, Scenario, StageParams, field_info
from .simulation import run_simulation

__all__ = ["COMPARISONS", "ChurnPanel", "LifecycleDashboard", "LtvTablePanel", "PyramidPanel", "SimulationPanel",
           "churn_panel", "lifecycle_dashboard", "ltv_table_panel", "pyramid_panel", "simulation_panel"]

_PART_CLASSES = {"arrivals": Arrivals, "discounting": Discounting}


def _lookup(scenario: Scenario, path: str):
    """Current value and field class of a dotted scalar path such as ``stages.loyal.orders_per_year``."""
    parts = path.split(".")
    node = scenario
    for part in parts:
        node = getattr(node, part, None)
        if node is None and part != parts[-1]:
            raise ValueError(f"parameter: got {path!r}, expected a dotted path to a scenario field")
    if parts[0] == "stages" and len(parts) == 3:
        cls = StageParams
    elif len(parts) == 2 and parts[0] in _PART_CLASSES:
        cls = _PART_CLASSES[parts[0]]
    elif len(parts) == 1:
        cls = Scenario
    else:
        raise ValueError(f"parameter: got {path!r}, expected a path like 'stages.loyal.orders_per_year', "
                         "'arrivals.prospects_per_year' or 'discounting.interest_rate'")
    return node, field_info(cls, parts[-1])


def slider_step(low: float, high: float, positions: int = 200) -> float:
    """A round step -- 1, 2 or 5 times a power of ten -- giving about ``positions`` stops from low to high.

    So round values stay reachable (6.6 orders, 10,000 customers), not 10,792 or 6.62.

    >>> slider_step(0, 24), slider_step(1, 20_000), slider_step(0.05, 10)
    (0.2, 100, 0.05)
    """
    raw = (high - low) / positions
    if raw <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= raw * 0.999)
    return int(round(step)) if step >= 1 else float(f"{step:.12g}")


def _control(path: str, value, info: dict, description: str | None = None):
    import ipywidgets as widgets

    low, high = info.get("slider") or (0, 1)
    label = description or readable(path)
    style = {"description_width": "14em"}
    layout = widgets.Layout(width="34em")
    unit = info.get("unit", "")
    tooltip = f"{info.get('doc', '')} ({unit})" if unit else info.get("doc", "")
    if isinstance(low, int) and isinstance(high, int) and isinstance(value, int):
        high = max(high, value)
        step = max(int(slider_step(low, high)), 1)
        return widgets.IntSlider(value=value, min=low // step * step, max=high, step=step,
                                 description=label, tooltip=tooltip, continuous_update=False,
                                 style=style, layout=layout)
    value = 0.0 if value is None else float(value)
    high = max(float(high), value)
    step = slider_step(float(low), high)
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return widgets.FloatSlider(value=value, min=round(math.floor(low / step) * step, 12), max=high, step=step,
                               description=label, tooltip=tooltip, continuous_update=False,
                               readout_format=f".{decimals}f", style=style, layout=layout)


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count:,} people"


def _refuse(message, verb: str, error: ValueError):
    """Say in the panel, in red, why the controls' values were not run -- instead of raising."""
    problems = getattr(error, "problems", None) or (str(error),)
    message.value = f"<span style='color:#b00020'>{verb}: {html.escape('; '.join(problems))}</span>"


def _figure_view():
    """The widget a panel's figure is shown in: an image whose bytes are replaced on each redraw."""
    import ipywidgets as widgets

    return widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="1100px"))


def _show(figure, view):
    """Render ``figure`` to PNG into the image widget ``view`` (no flicker, nothing left behind).

    The first drawing lays the figure out (constrained layout); the layout is
    then kept, because laying out again on every redraw costs more than the
    drawing itself.
    """
    import io

    from .plots import use_fonts

    use_fonts(figure)
    if figure.get_layout_engine() is not None and not getattr(figure, "_simkit_laid_out", False):
        figure.draw_without_rendering()
        figure.set_layout_engine(None)  # None, not "none": a placeholder engine would draw twice
        figure._simkit_laid_out = True
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
    view.value = buffer.getvalue()


#: Resolution of panel figures (dots per inch): sharp enough on a classroom projector, quick to draw.
FIGURE_DPI = 90


try:
    import ipywidgets as _widgets

    _Base = _widgets.VBox
except ImportError:  # pragma: no cover - ipywidgets is a dependency; keep import errors readable
    _Base = object


_BUSY = "<span style='color:#555'>⏳ simulating…</span>"
_READY = "<span style='color:#2b7a2b'>✓ up to date</span>"


def _in_kernel() -> bool:
    """Whether we run inside a Jupyter kernel (where a worker thread keeps the controls responsive)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _LatestOnly:
    """Control changes that compute only the latest values, with a status line ("simulating…", "up to date").

    In a Jupyter kernel (``background``) a worker thread runs the changes, so the kernel keeps
    taking control values while a run is going; when the run ends, the worker runs once more
    with the values as they are then -- the values set in between are never computed one by one.
    Outside a kernel (tests, scripts) a change runs at once.  A panel defines ``_refresh``.
    """

    def _start_requests(self, background: bool | None):
        import threading

        import ipywidgets as widgets

        self.background = _in_kernel() if background is None else background
        self.status = widgets.HTML()
        self._wanted = 0
        self._worker = None
        self._lock = threading.Lock()

    def _request(self, change=None):
        """A control changed: compute now, or (in a kernel) let the worker pick up the latest values."""
        if not self.background:
            self.refresh()
            return
        import threading

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

    def _scenario_or_refuse(self):
        """The scenario the controls describe, or None after saying why not (and hiding the old figure)."""
        try:
            return self.current_scenario()
        except ScenarioError as error:
            _refuse(self.message, "Not run", error)
            self.view.layout.visibility = "hidden"  # never an old figure under the new values
            return None

    def wait(self, timeout: float | None = None):
        """Wait until the last requested change has been drawn."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def refresh(self):
        """Run with the controls' current values and redraw; a message instead of an error."""
        self.status.value = _BUSY
        try:
            self._refresh()
        except ScenarioError as error:  # e.g. the run budget: a message, and no old figure under it
            _refuse(self.message, "Not run", error)
            self.view.layout.visibility = "hidden"
        except KeyboardInterrupt:  # the kernel was interrupted during a run: say so, show no stale figure
            self.message.value = "<span style='color:#b00020'>interrupted: change a control to run again</span>"
            self.view.layout.visibility = "hidden"
        except Exception as error:  # a background run must never fail silently
            self.message.value = (f"<span style='color:#b00020'>Something went wrong: "
                                  f"{html.escape(type(error).__name__)}: {html.escape(str(error))}</span>")
            self.view.layout.visibility = "hidden"
            raise
        finally:
            self.status.value = _READY


class _TablePanel(_Base):
    """A panel of controls, a message, an HTML table and a figure; any control change calls ``refresh``."""

    def _assemble(self, above: list, ncols: int, width: float, height: float = 3.6):
        """Create the message, table and figure views, wire ``self.controls``, lay out, draw the first time."""
        import ipywidgets as widgets

        self.message = widgets.HTML()
        self.table_view = widgets.HTML()
        self.view = _figure_view()
        self.figure, self.axes = new_figure(ncols=ncols, width=width, height=height)
        for control in self.controls.values():
            control.observe(self._request, names="value")
        status = [self.status] if hasattr(self, "status") else []
        _Base.__init__(self, [*above, *status, self.message, self.table_view, self.view])
        self.refresh()

    def _request(self, change=None):
        """A control changed (panels that simulate override this to compute only the latest values)."""
        self.refresh()


class _ScenarioPanel(_Base):
    """A panel whose controls are scenario fields by dotted path (``self.controls``) over ``self.base``."""

    def current_scenario(self) -> Scenario:
        """The scenario the controls describe (raises ScenarioError if they break a rule)."""
        return self.base.updated({path: control.value for path, control in self.controls.items()})


class SimulationPanel(_LatestOnly, _ScenarioPanel):
    """Customers by stage and profit per period, redrawn as the controls change (vectorized engine).

    Attributes
    ----------
    controls : dict
        Dotted scenario path -> widget.
    message : ipywidgets.HTML
        What the last run gave, or why a value was refused.
    status : ipywidgets.HTML
        "simulating…" while a run is going, "up to date" after.
    result : SimulationResult or None
        The last successful run.
    figure : matplotlib Figure
    """

    def __init__(self, scenario="lifecycle_basic", parameters=("stages.loyal.orders_per_year",),
                 background: bool | None = None):
        import ipywidgets as widgets

        from .live import LiveFigure

        self.base = load_scenario(scenario)
        self.result = None
        self._start_requests(background)
        self.figure, self.axes = new_figure(ncols=2, width=11, height=3.8)
        self.live = LiveFigure(self.figure)
        self._layout_key = None
        self.controls = {
            "arrivals.cohort_size": _control("arrivals.cohort_size", self.base.arrivals.cohort_size,
                                             field_info(Arrivals, "cohort_size"), "customers at start"),
            "horizon": _control("horizon", self.base.horizon, field_info(Scenario, "horizon"),
                                f"horizon ({self.base.time_unit}s)"),
        }
        for path in parameters:
            value, info = _lookup(self.base, path)
            self.controls[path] = _control(path, value, info)
        self.controls["seed"] = widgets.IntText(value=self.base.seed, description="seed",
                                                style={"description_width": "14em"})
        self.message = widgets.HTML()
        self.view = _figure_view()
        for control in self.controls.values():
            control.observe(self._request, names="value")
        super().__init__([*self.controls.values(), self.status, self.message, self.view])
        self.refresh()

    def _refresh(self):
        from .live import LiveMoney, LiveStages

        scenario = self._scenario_or_refuse()
        if scenario is None:
            return
        self.result = result = run_simulation(scenario, ledger=False, engine="numpy")
        key = (scenario.n_periods, scenario.time_unit)
        if key != self._layout_key:
            self.live.reset()
            self.pictures = [LiveStages(self.live, self.axes[0], scenario), LiveMoney(self.live, self.axes[1], scenario)]
            self._layout_key = key
        for picture in self.pictures:
            picture.update(result)
        ltv = result.ltv_acquired
        acquired = (f"average discounted lifetime value of the {ltv.count:,} acquired: "
                    f"{format_money(ltv.mean, 2)} ± {format_money(ltv.standard_error * 1.96, 2)} (95 %)"
                    if ltv.count > 1 else "too few were acquired for an average")
        self.message.value = f"{_people(result.ltv.count)} entered; {acquired}."
        self.view.layout.visibility = "visible"
        self.view.value = self.live.render()


def simulation_panel(scenario="lifecycle_basic", parameters=("stages.loyal.orders_per_year",)):
    """A panel: customers at start, horizon, seed and ``parameters`` drive a simulation and its plots.

    Parameters
    ----------
    scenario : str, Path or Scenario
        Built-in name, scenario file, or scenario.
    parameters : sequence of str
        Dotted paths of further numeric fields to put on sliders, e.g.
        ``"stages.loyal.orders_per_year"`` or ``"arrivals.prospects_per_year"``.
    """
    return SimulationPanel(scenario, parameters)


# ---------------------------------------------------------------- lifetime-value table (§4)
_TABLE_ROWS = (  # tenure row, label, slider range, step
    ("retention_rate", "retention rate", (0.0, 1.0), 0.01),
    ("orders_per_year", "orders per year", (0.0, 10.0), 0.1),
    ("average_order_value", "order value ¥", (0.0, 400.0), 1.0),
    ("cost_of_sales_share", "cost of sales share", (0.0, 1.0), 0.01),
    ("service_cost_per_year", "marketing ¥ per customer", (0.0, 100.0), 1.0),
)


class LtvTablePanel(_TablePanel):
    """The exact LTV table and its cumulative NPV, recomputed as the inputs change (textbook §4).

    One slider per row and year of the tenure table, plus acquisition cost,
    interest rate and risk factor; "reset" brings back the starting scenario.
    """

    def __init__(self, scenario="cohort_10000"):
        import ipywidgets as widgets

        from .cohort import cohort_table

        self.base = load_scenario(scenario)
        cohort_table(self.base)  # refuse, at once, a scenario that has no LTV table
        self.table = None
        tenure = self.base.tenure
        small = widgets.Layout(width="11em")
        self.controls = {}
        grid = [widgets.Label("")] + [widgets.Label(f"year {n}") for n in range(1, tenure.n_years + 1)]
        for key, text, (low, high), step in _TABLE_ROWS:
            grid.append(widgets.Label(text))
            for year, value in enumerate(getattr(tenure, key)):
                control = widgets.FloatSlider(value=value, min=low, max=max(high, value), step=step,
                                              continuous_update=False, readout_format=".2f", layout=small)
                self.controls[(key, year)] = control
                grid.append(control)
        style = {"description_width": "12em"}
        for path, text, (low, high), step in (("arrivals.acquisition_cost", "acquisition cost ¥", (0, 300), 1),
                                              ("discounting.interest_rate", "interest rate", (0, 0.3), 0.005),
                                              ("discounting.risk_factor", "risk factor", (0, 4), 0.1)):
            value, _ = _lookup(self.base, path)
            self.controls[path] = widgets.FloatSlider(value=value, min=low, max=max(high, value), step=step,
                                                      description=text, continuous_update=False, style=style,
                                                      layout=widgets.Layout(width="32em"))
        self.reset_button = widgets.Button(description="reset to textbook", icon="undo",
                                           layout=widgets.Layout(width="14em"))
        self.reset_button.on_click(lambda _: self.reset())
        self.grid = widgets.GridBox(grid, layout=widgets.Layout(
            grid_template_columns=f"15em repeat({tenure.n_years}, 12em)"))
        scalars = [c for k, c in self.controls.items() if isinstance(k, str)]
        self._assemble([self.grid, *scalars, self.reset_button], ncols=2, width=11)

    def current_scenario(self) -> Scenario:
        """The scenario the controls describe (raises ScenarioError if they break a rule)."""
        changes = {path: c.value for path, c in self.controls.items() if isinstance(path, str)}
        for key, *_ in _TABLE_ROWS:
            years = sorted(year for (k, year) in (p for p in self.controls if isinstance(p, tuple)) if k == key)
            changes[f"tenure.{key}"] = [self.controls[(key, year)].value for year in years]
        return self.base.updated(changes)

    def reset(self):
        """Put every control back to the starting scenario's value (one recomputation)."""
        self._resetting = True
        try:
            for key, *_ in _TABLE_ROWS:
                for year, value in enumerate(getattr(self.base.tenure, key)):
                    self.controls[(key, year)].value = value
            for path in ("arrivals.acquisition_cost", "discounting.interest_rate", "discounting.risk_factor"):
                self.controls[path].value = _lookup(self.base, path)[0]
        finally:
            self._resetting = False
        self.refresh()

    def refresh(self):
        """Recompute the exact table and redraw; show a message if the inputs break a rule."""
        if getattr(self, "_resetting", False):
            return
        from .cohort import cohort_table, ltv_sensitivity
        from .plots import plot_cumulative_npv, plot_sensitivity

        try:
            scenario = self.current_scenario()
        except ScenarioError as error:
            _refuse(self.message, "Not computed", error)
            return
        self.table = table = cohort_table(scenario)
        self.table_view.value = table._repr_html_()
        for ax in self.axes:
            ax.clear()
        plot_cumulative_npv(table, ax=self.axes[0])
        plot_sensitivity(ltv_sensitivity(scenario), ax=self.axes[1])
        even = table.break_even_year
        self.message.value = (f"average LTV after year {table.years}: <b>¥{table.ltv[-1]:,.2f}</b>; "
                              + (f"the cohort breaks even in year {even}." if even else
                                 "the cohort does not break even within the table."))
        _show(self.figure, self.view)


def ltv_table_panel(scenario="cohort_10000"):
    """A panel over the exact LTV table (textbook §4): sliders by row and year, reset, table and chart."""
    return LtvTablePanel(scenario)


# ---------------------------------------------------------------- churn (§2)
class ChurnPanel(_LatestOnly, _TablePanel):
    """Two firms with their churn rates: the exact table and both simulated readings (textbook §2)."""

    def __init__(self, churn_a: float = 0.20, churn_b: float = 0.10, customers: int = 100,
                 acquisition_cost: float = 60.0, horizon_years: int = 10, seed: int = 2,
                 background: bool | None = None):
        import ipywidgets as widgets

        style = {"description_width": "12em"}
        layout = widgets.Layout(width="32em")

        def slider(cls, value, low, high, step, text):
            return cls(value=value, min=low, max=max(high, value), step=step, description=text,
                       continuous_update=False, style=style, layout=layout)

        self.controls = {
            "churn_a": slider(widgets.FloatSlider, churn_a, 0.01, 0.6, 0.01, "Firm A churn"),
            "churn_b": slider(widgets.FloatSlider, churn_b, 0.01, 0.6, 0.01, "Firm B churn"),
            "customers": slider(widgets.IntSlider, customers, 1, 5000, 1, "customers at start"),
            "acquisition_cost": slider(widgets.FloatSlider, acquisition_cost, 0, 300, 1, "acquisition cost ¥"),
            "horizon_years": slider(widgets.IntSlider, horizon_years, 1, 30, 1, "horizon (years)"),
            "steady_state": widgets.ToggleButtons(options=[("steady state (replace lost)", True),
                                                           ("closed cohort", False)], value=True,
                                                  style={"button_width": "16em"}),
            "seed": widgets.IntText(value=seed, description="seed", style=style),
        }
        self.results = None
        self._start_requests(background)
        self._pictures = None
        self._assemble(list(self.controls.values()), ncols=3, width=13)

    def _refresh(self):
        """Recompute the table, simulate both firms, redraw; a message instead of an error."""
        from .churn import Firm, churn_table, firm_scenario
        from .live import LiveChurn, LiveFigure, LiveTenure

        values = {name: control.value for name, control in self.controls.items()}
        try:
            firms = [Firm(name, values["customers"], values["customers"] * values[key])
                     for name, key in (("Firm A", "churn_a"), ("Firm B", "churn_b"))]
            table = churn_table(firms, acquisition_cost=values["acquisition_cost"])
            scenarios = [firm_scenario(f, steady_state=values["steady_state"], horizon_years=values["horizon_years"],
                                       acquisition_cost=values["acquisition_cost"], seed=values["seed"])
                         for f in firms]
        except ValueError as error:  # ScenarioError is a ValueError
            _refuse(self.message, "Not run", error)
            self.view.layout.visibility = "hidden"
            return
        self.table_view.value = table._repr_html_()
        self.results = [run_simulation(s, engine="numpy") for s in scenarios]
        closed = run_simulation(firm_scenario(firms[0], steady_state=False, horizon_years=values["horizon_years"],
                                              seed=values["seed"]), engine="numpy")
        replaced = "all replaced" if values["steady_state"] else "closed cohort"
        titles = [f"{f.name}: {f.customers:,}, {f.churn_rate:.0%} lost a year, {replaced}" for f in firms]
        if self._pictures is None or self._titles != titles:  # titles are drawn once: new ones, a new picture
            if getattr(self, "live", None) is None:
                self.live = LiveFigure(self.figure)
            self.live.reset()
            self._pictures = [LiveChurn(self.live, ax, title) for ax, title in zip(self.axes[:2], titles)]
            self._pictures.append(LiveTenure(self.live, self.axes[2]))
            self._titles = titles
        for picture, result, firm in zip(self._pictures, self.results, firms):
            picture.update(result, None if values["steady_state"] else 1 - firm.churn_rate)
        self._pictures[2].update(closed, 1 - firms[0].churn_rate)
        lost = [round(f.customers * f.churn_rate) for f in firms]
        self.message.value = (f"Firm A: group lifetime {firms[0].group_lifetime:.1f} years ({lost[0]:,} customers lost "
                              f"a year); Firm B: {firms[1].group_lifetime:.1f} years ({lost[1]:,} a year). Firm A spends "
                              f"{format_money(table.extra_spending())} a year more on replacing lost customers.")
        self.view.layout.visibility = "visible"
        self.view.value = self.live.render()


def churn_panel(**kwargs):
    """A panel for the churn example (textbook §2): two firms, steady state or closed cohort."""
    return ChurnPanel(**kwargs)


# ---------------------------------------------------------------- the customer pyramid (§5)
class PyramidPanel(_TablePanel):
    """Move-up and move-down shares per tier: sales, profit and ROI per tier and in total, and the pyramid."""

    def __init__(self):
        import ipywidgets as widgets

        from .pyramid import TEXTBOOK_TIERS

        self.tiers = TEXTBOOK_TIERS
        style = {"description_width": "14em"}
        layout = widgets.Layout(width="32em")
        self.controls = {}
        for index, tier in enumerate(self.tiers):
            if index > 0:
                self.controls[("up", index)] = widgets.FloatSlider(
                    value=0.02 if tier.name == "small" else 0.0, min=0, max=0.3, step=0.005, readout_format=".1%",
                    description=f"{tier.name}: move up", continuous_update=False, style=style, layout=layout)
            if index < len(self.tiers) - 1:
                self.controls[("down", index)] = widgets.FloatSlider(
                    value=0.0, min=0, max=0.3, step=0.005, readout_format=".1%",
                    description=f"{tier.name}: move down", continuous_update=False, style=style, layout=layout)
        self.after = None
        self._assemble(list(self.controls.values()), ncols=2, width=13)

    def refresh(self):
        """Move the shares once (expected counts, rounded), show the table and both pyramids."""
        from .plots import plot_pyramid
        from .pyramid import expected_counts, migration_matrix, pyramid_table

        n = len(self.tiers)
        up = [self.controls.get(("up", i), None) for i in range(n)]
        down = [self.controls.get(("down", i), None) for i in range(n)]
        try:
            matrix = migration_matrix(self.tiers, up=[c.value if c else 0.0 for c in up],
                                      down=[c.value if c else 0.0 for c in down])
        except ValueError as error:
            _refuse(self.message, "Not computed", error)
            return
        counts = np.rint(expected_counts(self.tiers, matrix, 1)[1]).astype(int)[:n]
        from dataclasses import replace

        self.after = [replace(t, customers=int(c)) for t, c in zip(self.tiers, counts)]
        before, after = pyramid_table(self.tiers), pyramid_table(self.after)
        self.table_view.value = after._repr_html_()
        change = after.total_sales - before.total_sales
        self.message.value = (f"after one period of moves (expected counts, rounded): sales ¥{after.total_sales:,.0f} ({change:+,.0f}, "
                              f"{change / before.total_sales:+.1%}); profit ¥{after.total_profit:,.0f} "
                              f"({after.total_profit - before.total_profit:+,.0f}) from the tier figures.")
        for ax in self.axes:
            ax.clear()
        plot_pyramid(self.tiers, ax=self.axes[0])
        self.axes[0].set_title("before")
        plot_pyramid(self.after, ax=self.axes[1])
        self.axes[1].set_title("after the moves")
        _show(self.figure, self.view)


def pyramid_panel():
    """A panel for the customer pyramid (textbook §5): move shares per tier, the table and the pyramid."""
    return PyramidPanel()


def __getattr__(name):
    """The instructor's lifecycle dashboard (§1) lives in :mod:`simkit.dashboard`; its names are offered here too."""
    if name in ("COMPARISONS", "LifecycleDashboard", "lifecycle_dashboard"):
        from . import dashboard

        return getattr(dashboard, name)
    raise AttributeError(f"module 'simkit.widgets' has no attribute {name!r}")

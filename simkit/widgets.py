"""Widget panels for the classroom: thin views over scenarios, engines and plots.

Controls take their ranges and units from the scenario's field metadata,
redraw only when a slider is released (``continuous_update=False``), and show
a message -- never a traceback -- when a value is not allowed.  A panel draws
its first figure when it is built, so it also works when a notebook runs
headless.
"""

from __future__ import annotations

import html

from .errors import ScenarioError
from .plots import new_figure, plot_period_money, plot_stage_counts
from .presets import load_scenario
from .scenario import Arrivals, Discounting, Scenario, StageParams, field_info
from .simulation import run_simulation

__all__ = ["SimulationPanel", "simulation_panel"]

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


def _control(path: str, value, info: dict, description: str | None = None):
    import ipywidgets as widgets

    low, high = info.get("slider") or (0, 1)
    label = description or path.split(".")[-1].replace("_", " ")
    style = {"description_width": "14em"}
    layout = widgets.Layout(width="34em")
    unit = info.get("unit", "")
    tooltip = f"{info.get('doc', '')} ({unit})" if unit else info.get("doc", "")
    if isinstance(low, int) and isinstance(high, int) and isinstance(value, int):
        high = max(high, value)
        return widgets.IntSlider(value=value, min=low, max=high, step=max((high - low) // 200, 1),
                                 description=label, tooltip=tooltip, continuous_update=False,
                                 style=style, layout=layout)
    value = 0.0 if value is None else float(value)
    high = max(float(high), value)
    return widgets.FloatSlider(value=value, min=float(low), max=high, step=(high - low) / 200,
                               description=label, tooltip=tooltip, continuous_update=False,
                               readout_format=".2f", style=style, layout=layout)


try:
    import ipywidgets as _widgets

    _Base = _widgets.VBox
except ImportError:  # pragma: no cover - ipywidgets is a dependency; keep import errors readable
    _Base = object


class SimulationPanel(_Base):
    """Customers by stage and profit per period, redrawn as the controls change.

    Attributes
    ----------
    controls : dict
        Dotted scenario path -> widget.
    message : ipywidgets.HTML
        What the last run gave, or why a value was refused.
    result : SimulationResult or None
        The last successful run.
    figure : matplotlib Figure
    """

    def __init__(self, scenario="lifecycle_basic", parameters=("stages.loyal.orders_per_year",)):
        import ipywidgets as widgets

        self.base = load_scenario(scenario)
        self.result = None
        self.figure, self.axes = new_figure(ncols=2, width=11, height=3.8)
        self.controls = {
            "arrivals.cohort_size": _control("arrivals.cohort_size", self.base.arrivals.cohort_size,
                                             field_info(Arrivals, "cohort_size"), "customers at start"),
            "horizon": _control("horizon", self.base.horizon, field_info(Scenario, "horizon"),
                                f"horizon ({self.base.time_unit}s)"),
        }
        for path in parameters:
            value, info = _lookup(self.base, path)
            self.controls[path] = _control(path, value, info, " ".join(path.split(".")[-2:]).replace("_", " "))
        self.controls["seed"] = widgets.IntText(value=self.base.seed, description="seed",
                                                style={"description_width": "14em"})
        self.message = widgets.HTML()
        self.output = widgets.Output()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        super().__init__([*self.controls.values(), self.message, self.output])
        self.refresh()

    def _on_change(self, change):
        self.refresh()

    def current_scenario(self) -> Scenario:
        """The scenario the controls describe (raises ScenarioError if they break a rule)."""
        return self.base.updated({path: control.value for path, control in self.controls.items()})

    def refresh(self):
        """Run the scenario the controls describe and redraw; show a message if it is invalid."""
        try:
            scenario = self.current_scenario()
        except ScenarioError as error:
            self.message.value = ("<span style='color:#b00020'>Not run: "
                                  f"{html.escape('; '.join(error.problems))}</span>")
            return
        self.result = result = run_simulation(scenario, ledger=False)
        for ax in self.axes:
            ax.clear()
        plot_stage_counts(result, ax=self.axes[0])
        plot_period_money(result, ax=self.axes[1])
        ltv = result.ltv_acquired
        acquired = (f"average discounted lifetime value of the {ltv.count:,} acquired: ¥{ltv.mean:,.2f}"
                    if ltv.count else "nobody was acquired")
        people = "1 person" if result.ltv.count == 1 else f"{result.ltv.count:,} people"
        self.message.value = f"{people} entered; {acquired}."
        from IPython.display import display

        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)


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

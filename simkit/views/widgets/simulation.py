"""A simulation panel: customers at start, horizon, seed and chosen fields drive a run and its two plots."""

from __future__ import annotations

from ...core.formatting import format_money
from ...core.language import _
from ..plots import new_figure
from ...model.presets import load_scenario
from ...model.parts import Arrivals, field_info
from ...model.scenario import Scenario
from ...engines.run import run_simulation
from .base import LatestOnly, ScenarioPanel
from .controls import HORIZON, columns, field_control, figure_view, lookup, people, status_line

__all__ = ["SimulationPanel", "simulation_panel"]


class SimulationPanel(LatestOnly, ScenarioPanel):
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

        from ..live import LiveFigure

        self.base = load_scenario(scenario)
        self.result = None
        self._start_requests(background)
        self.figure, self.axes = new_figure(ncols=2, width=11, height=3.8)
        self.live = LiveFigure(self.figure)
        self._layout_key = None
        self.controls = {
            "arrivals.cohort_size": field_control("arrivals.cohort_size", self.base.arrivals.cohort_size,
                                             field_info(Arrivals, "cohort_size"), _("customers at start")),
            "horizon": field_control("horizon", self.base.horizon, field_info(Scenario, "horizon"),
                                     _(HORIZON[self.base.time_unit])),
        }
        for path in parameters:
            value, info = lookup(self.base, path)
            self.controls[path] = field_control(path, value, info)
        self.controls["seed"] = widgets.IntText(value=self.base.seed, description=_("seed"),
                                                style={"description_width": "14em"})
        self.message = widgets.HTML()
        self.view = figure_view()
        for control in self.controls.values():
            control.observe(self._request, names="value")
        super().__init__([columns(self.controls.values()),
                          status_line([self.status], self.message),
                          self.view])
        self.refresh()

    def _refresh(self):
        from ..live import LiveMoney, LiveStages

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
        entered = people(result.ltv.count)
        self.message.value = (
            _("{people} entered; average discounted lifetime value of the {count} acquired: {mean} ± {half} (95 %).")
            .format(people=entered, count=f"{ltv.count:,}", mean=format_money(ltv.mean, 2),
                    half=format_money(ltv.standard_error * 1.96, 2)) if ltv.count > 1 else
            _("{people} entered; too few were acquired for an average.").format(people=entered))
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

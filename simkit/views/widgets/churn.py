"""The churn panel (textbook §2): two firms, their exact table, and both simulated, steady state or closed."""

from __future__ import annotations

from ...core.formatting import format_money
from ...core.language import N_, _
from ...engines.run import run_simulation
from ..fonts import term_label
from .base import LatestOnly, TablePanel
from .controls import compact, refuse

__all__ = ["ChurnPanel", "churn_panel"]


class ChurnPanel(LatestOnly, TablePanel):
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
            "churn_a": slider(widgets.FloatSlider, churn_a, 0.01, 0.6, 0.01, _("Firm A churn")),
            "churn_b": slider(widgets.FloatSlider, churn_b, 0.01, 0.6, 0.01, _("Firm B churn")),
            "customers": slider(widgets.IntSlider, customers, 1, 5000, 1, _("customers at start")),
            "acquisition_cost": slider(widgets.FloatSlider, acquisition_cost, 0, 300, 1, _("acquisition cost ¥")),
            "horizon_years": slider(widgets.IntSlider, horizon_years, 1, 30, 1, _("horizon (years)")),
            "steady_state": widgets.ToggleButtons(options=[(_("steady state (replace lost)"), True),
                                                           (_("closed cohort"), False)], value=True,
                                                  style={"button_width": "16em"}),
            "seed": widgets.IntText(value=seed, description=_("seed"), style=style),
        }
        self.results = None
        self._start_requests(background)
        self._pictures = None
        self._legend = None
        self._assemble(list(self.controls.values()), ncols=3, width=13, height=3.3)

    def _refresh(self):
        """Recompute the table, simulate both firms, redraw; a message instead of an error."""
        from ...exact.churn import Firm, churn_table, firm_scenario
        from ..live import LiveChurn, LiveFigure, LiveTenure

        values = {name: control.value for name, control in self.controls.items()}
        try:
            firms = [Firm(name, values["customers"], values["customers"] * values[key])
                     for name, key in ((N_("Firm A"), "churn_a"), (N_("Firm B"), "churn_b"))]
            table = churn_table(firms, acquisition_cost=values["acquisition_cost"])
            scenarios = [firm_scenario(f, steady_state=values["steady_state"], horizon_years=values["horizon_years"],
                                       acquisition_cost=values["acquisition_cost"], seed=values["seed"])
                         for f in firms]
        except ValueError as error:  # ScenarioError is a ValueError
            refuse(self.message, _("Not run"), error)
            self.view.layout.visibility = "hidden"
            return
        self.table_view.value = compact(table._repr_html_())
        self.results = [run_simulation(s, engine="numpy") for s in scenarios]
        closed = run_simulation(firm_scenario(firms[0], steady_state=False, horizon_years=values["horizon_years"],
                                              seed=values["seed"]), engine="numpy")
        title = (N_("{firm}: {customers}, {rate} lost a year, all replaced") if values["steady_state"]
                 else N_("{firm}: {customers}, {rate} lost a year, closed cohort"))
        titles = [term_label(title, {"firm": f.name}, separator="\n", customers=f"{f.customers:,}",
                             rate=f"{f.churn_rate:.0%}") for f in firms]
        if self._pictures is None or self._titles != titles:  # titles are drawn once: new ones, a new picture
            if getattr(self, "live", None) is None:
                self.live = LiveFigure(self.figure, text_scale=0.85)
            self.live.reset()
            # the two firms' plots share one legend, above the figure: in either it would cover the lines
            self._pictures = [LiveChurn(self.live, ax, title, legend=place)
                              for ax, title, place in zip(self.axes[:2], titles, ("figure", None))]
            self._pictures.append(LiveTenure(self.live, self.axes[2]))
            self._titles = titles
        for picture, result, firm in zip(self._pictures, self.results, firms):
            picture.update(result, None if values["steady_state"] else 1 - firm.churn_rate)
        self._pictures[2].update(closed, 1 - firms[0].churn_rate)
        if self.live.figure.legends == [] or self._legend != self._pictures[0].handles:
            self._legend = self._pictures[0].handles
            self.live.figure_legend(self._legend, ncols=len(self._legend))
        lost = [round(f.customers * f.churn_rate) for f in firms]
        self.message.value = _("Firm A: group lifetime {years_a} years ({lost_a} customers lost a year); Firm B: "
                               "{years_b} years ({lost_b} a year). Firm A spends {amount} a year more on replacing "
                               "lost customers.").format(
            years_a=f"{firms[0].group_lifetime:.1f}", lost_a=f"{lost[0]:,}", years_b=f"{firms[1].group_lifetime:.1f}",
            lost_b=f"{lost[1]:,}", amount=format_money(table.extra_spending()))
        self.view.layout.visibility = "visible"
        self.view.value = self.live.render()


def churn_panel(**kwargs):
    """A panel for the churn example (textbook §2): two firms, steady state or closed cohort."""
    return ChurnPanel(**kwargs)

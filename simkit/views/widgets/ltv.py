"""The exact LTV table panel (textbook §4): sliders by row and year, reset, the table and its chart."""

from __future__ import annotations

from ...core.formatting import format_money
from ...core.errors import ScenarioError
from ...core.language import N_, _
from ...model.presets import load_scenario
from ...model.scenario import Scenario
from .base import TablePanel
from .controls import compact, lookup, refuse, show, text_em

__all__ = ["LtvTablePanel", "ltv_table_panel"]

_TABLE_ROWS = (  # tenure row, label, slider range, step
    ("retention_rate", N_("retention rate"), (0.0, 1.0), 0.01),
    ("orders_per_year", N_("orders per year"), (0.0, 10.0), 0.1),
    ("average_order_value", N_("order value ¥"), (0.0, 400.0), 1.0),
    ("cost_of_sales_share", N_("cost of sales share"), (0.0, 1.0), 0.01),
    ("service_cost_per_year", N_("marketing ¥ per customer"), (0.0, 100.0), 1.0),
)


class LtvTablePanel(TablePanel):
    """The exact LTV table and its cumulative NPV, recomputed as the inputs change (textbook §4).

    One typed number per row and year of the tenure table, sliders for acquisition cost,
    interest rate and risk factor; "reset" brings back the starting scenario.
    """

    def __init__(self, scenario="cohort_10000"):
        import ipywidgets as widgets

        from ...exact.cohort import cohort_table

        self.base = load_scenario(scenario)
        cohort_table(self.base)  # refuse, at once, a scenario that has no LTV table
        self.table = None
        tenure = self.base.tenure
        # the textbook's table of inputs, typed exactly (arrows and the mouse wheel move by one step):
        # a slider a table cell wide would be too coarse to reach 0.60 rather than 0.58
        cell = widgets.Layout(width="5em")
        self.controls = {}
        grid = [widgets.Label("")] + [widgets.Label(_("year {n}").format(n=n)) for n in range(1, tenure.n_years + 1)]
        for key, text, (low, high), step in _TABLE_ROWS:
            grid.append(widgets.Label(_(text)))
            for year, value in enumerate(getattr(tenure, key)):
                control = widgets.BoundedFloatText(value=value, min=low, max=max(high, value), step=step,
                                                   continuous_update=False, layout=cell)
                self.controls[(key, year)] = control
                grid.append(control)
        style = {"description_width": "9em"}
        for path, text, (low, high), step in (("arrivals.acquisition_cost", N_("acquisition cost ¥"), (0, 300), 1),
                                              ("discounting.interest_rate", N_("interest rate"), (0, 0.3), 0.005),
                                              ("discounting.risk_factor", N_("risk factor"), (0, 4), 0.1)):
            value, _info = lookup(self.base, path)
            self.controls[path] = widgets.FloatSlider(value=value, min=low, max=max(high, value), step=step,
                                                      description=_(text), continuous_update=False, style=style,
                                                      layout=widgets.Layout(width="24em"))
        self.reset_button = widgets.Button(description=_("reset to textbook"), icon="undo",
                                           layout=widgets.Layout(width="14em"))
        self.reset_button.on_click(lambda _: self.reset())
        # the rows' names whole ("marketing ¥ per customer", never "marketing ¥ per custome"), in either language
        names = max(text_em(_(text)) for _key, text, _range, _step in _TABLE_ROWS) + 1.2
        self.grid = widgets.GridBox(grid, layout=widgets.Layout(
            grid_template_columns=f"{max(13.0, names):.1f}em repeat({tenure.n_years}, 5.5em)"))
        scalars = [c for k, c in self.controls.items() if isinstance(k, str)]
        # the table beside the inputs and the three sliders, the message line (the LTV) and the chart under them:
        # one screen in the README's layout (JupyterLab's simple interface at 1280 x 720, measured by tests/browser)
        self._assemble([self.grid, *scalars, self.reset_button], ncols=2, width=9.4, height=2.6, arrangement="beside")

    def current_scenario(self) -> Scenario:
        """The scenario the controls describe (raises ScenarioError if they break a rule)."""
        changes = {path: c.value for path, c in self.controls.items() if isinstance(path, str)}
        for key, *_rest in _TABLE_ROWS:
            years = sorted(year for (k, year) in (p for p in self.controls if isinstance(p, tuple)) if k == key)
            changes[f"tenure.{key}"] = [self.controls[(key, year)].value for year in years]
        return self.base.updated(changes)

    def reset(self):
        """Put every control back to the starting scenario's value (one recomputation)."""
        self._resetting = True
        try:
            for key, *_rest in _TABLE_ROWS:
                for year, value in enumerate(getattr(self.base.tenure, key)):
                    self.controls[(key, year)].value = value
            for path in ("arrivals.acquisition_cost", "discounting.interest_rate", "discounting.risk_factor"):
                self.controls[path].value = lookup(self.base, path)[0]
        finally:
            self._resetting = False
        self.refresh()

    def refresh(self):
        """Recompute the exact table and redraw; show a message if the inputs break a rule."""
        if getattr(self, "_resetting", False):
            return
        from ...exact.cohort import cohort_table, ltv_sensitivity
        from ..plots import plot_cumulative_npv, plot_sensitivity

        try:
            scenario = self.current_scenario()
        except ScenarioError as error:
            refuse(self.message, _("Not computed"), error)
            return
        self.table = table = cohort_table(scenario)
        self.table_view.value = compact(table._repr_html_())
        for ax in self.axes:
            ax.clear()
        plot_cumulative_npv(table, ax=self.axes[0])
        plot_sensitivity(ltv_sensitivity(scenario), ax=self.axes[1])
        even = table.break_even_year
        ltv = f"<b>{format_money(table.ltv[-1], 2)}</b>"
        self.message.value = (
            _("average LTV after year {years}: {ltv}; the cohort breaks even in year {even}.").format(
                years=table.years, ltv=ltv, even=even) if even else
            _("average LTV after year {years}: {ltv}; the cohort does not break even within the table.").format(
                years=table.years, ltv=ltv))
        show(self.figure, self.view)


def ltv_table_panel(scenario="cohort_10000"):
    """A panel over the exact LTV table (textbook §4): sliders by row and year, reset, table and chart."""
    return LtvTablePanel(scenario)

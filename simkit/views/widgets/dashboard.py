"""The instructor's lifecycle dashboard (textbook §1): stage parameters, presets, an honest comparison.

Four pictures of one simulated population -- customers by stage, profit
per customer-year along the lifecycle (the inverted U), the parts of
lifetime profit, and profit per period -- and, when a lever is chosen, the
difference it makes with its 95 % interval, from a paired run (the same
customers with and without the change, :func:`simkit.compare`).

It runs on the vectorized engine and redraws only what changed
(:class:`simkit.views.live.LiveFigure`); while a run is in progress the panel says
so, and only the latest control values are computed: values set while a
run was going are not queued one by one.
"""

from __future__ import annotations

import html

from ...core.formatting import format_money
from ...core.language import N_, _, message_language
from ...experiments.compare import compare
from ...core.errors import ScenarioError
from ..live import LiveComparison, LiveFigure, LiveLifecycle, LiveMoney, LiveParts, LiveStages
from ...model.presets import load_scenario
from ...model.parts import Arrivals, StageParams, field_info
from ...model.scenario import Scenario
from ...engines.run import run_simulation
from .base import Base, LatestOnly, ScenarioPanel
from .controls import HORIZON, field_control, figure_view, lookup, people, side_by_side, status_line, text_em

__all__ = ["COMPARISONS", "LifecycleDashboard", "lifecycle_dashboard"]

_STAGE_SLIDERS = ("mean_duration_years", "orders_per_year", "average_order_value", "cost_of_sales_share",
                  "service_cost_per_year", "referrals_per_year", "referral_damage_per_year", "price_discount",
                  "cross_sell_adoption_per_year")

#: Controls beside the figure: narrow, so that controls and figure fit one 1280 x 720 screen.
_NARROW = {"width": "25em", "label_width": "11em"}

#: Levers the dashboard can compare against the scenario on the sliders: name -> changes of a scenario.
#: (The names are the dropdown's values; it shows them translated.)
COMPARISONS = {
    N_("loyal customers stay 10 % longer"): lambda s: {
        "stages.loyal.mean_duration_years": (s.stages.loyal.mean_duration_years or 1.0) * 1.1},
    N_("10 % more acquisition budget (prospects)"): lambda s: {
        "arrivals.prospects_per_year": s.arrivals.prospects_per_year * 1.1,
        "arrivals.cohort_size": round(s.arrivals.cohort_size * 1.1)},
    N_("loyal customers buy 10 % more often"): lambda s: {
        "stages.loyal.orders_per_year": s.stages.loyal.orders_per_year * 1.1},
}


def _reaches_loyal(scenario) -> bool:
    """Whether any customer of ``scenario`` can become loyal (a stage leads there)."""
    from ...model.stages import Stage

    return any((getattr(scenario.stages, stage).next_stage or {}).get(Stage.LOYAL, 0) > 0
               for stage in ("prospect", "new", "decline"))


#: Why a lever cannot be compared in a scenario (in a student's words), by lever: the check and the reason.
NOT_APPLICABLE = {
    N_("loyal customers stay 10 % longer"): (_reaches_loyal, N_("no customer becomes loyal in this scenario")),
    N_("loyal customers buy 10 % more often"): (_reaches_loyal, N_("no customer becomes loyal in this scenario")),
}

#: The dashboard's slider ranges: classroom-sized, so that no single control reaches a redraw of more than
#: about half a second from a built-in scenario (measured by tests/test_views.py; values outside them can
#: still be run through a scenario file or :func:`simkit.run_simulation`).
CLASSROOM_MAXIMA = {"cohort_size": 10_000, "prospects_per_year": 2_000, "horizon_years": 10, "orders_per_year": 12,
                    "referrals_per_year": 1.0, "referral_damage_per_year": 2.0}


class LifecycleDashboard(LatestOnly, ScenarioPanel):
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

        from ...model.presets import list_scenarios

        self.base = load_scenario(scenario)
        self.result = self.comparison_result = None
        self._start_requests(background)
        # drawn at the size it is shown beside the controls (text at its true size on a projector)
        figure, self.axes = _four_plots(width=8.4, height=6.2)
        self.live = LiveFigure(figure, text_scale=0.8)
        self.figure = figure
        self._layout_key = None
        stage_models = [n for n in list_scenarios() if load_scenario(n).tenure is None]
        self.preset = widgets.Dropdown(options=stage_models, description=_("preset"),
                                       value=self.base.name if self.base.name in stage_models else None)
        options = [(_("no comparison"), None)] + [(_(k), k) for k in COMPARISONS]
        # each choice shown whole: as wide as its longest choice and its description, in either language
        self.comparison = widgets.Dropdown(
            options=options, value=comparison, description=_("compare with"), style={"description_width": "initial"},
            layout={"width": f"{text_em(_('compare with')) + max(text_em(o[0]) for o in options) + 4:.1f}em",
                    "flex": "0 0 auto"})
        self.preset.layout = widgets.Layout(
            width=f"{text_em(_('preset')) + max(text_em(o) for o in stage_models) + 4:.1f}em", flex="0 0 auto")
        self.preset.style = {"description_width": "initial"}
        self.controls = {}
        self._build_controls()
        # buttons as wide as their words (never squeezed to "export P…"): the row wraps instead
        self.reset_button = widgets.Button(description=_("reset"), icon="undo", layout=_button_layout())
        self.png_button = widgets.Button(description=_("export PNG"), icon="image", layout=_button_layout())
        self.csv_button = widgets.Button(description=_("export CSV"), icon="table", layout=_button_layout())
        self.reset_button.on_click(lambda _: self.load(self.base))
        self.png_button.on_click(lambda _: self.export_png())
        self.csv_button.on_click(lambda _: self.export_csv())
        self.preset.observe(lambda change: change["new"] and self.load(load_scenario(change["new"])), names="value")
        self.comparison.observe(self._request, names="value")
        self.message = widgets.HTML()
        self.view = figure_view()
        Base.__init__(self)
        self._layout()
        self.refresh()

    # -- controls ------------------------------------------------------------
    def _build_controls(self):
        import ipywidgets as widgets

        base = self.base
        general = {"arrivals.cohort_size": (N_("customers at start"), Arrivals, "cohort_size"),
                   "arrivals.prospects_per_year": (N_("prospects per year"), Arrivals, "prospects_per_year"),
                   "arrivals.acquisition_cost": (N_("acquisition cost ¥"), Arrivals, "acquisition_cost"),
                   "horizon": (HORIZON[base.time_unit], Scenario, "horizon")}
        self.controls = {}
        for path, (text, cls, name) in general.items():
            info = field_info(cls, name)
            if path == "horizon":
                info["slider"] = (1, CLASSROOM_MAXIMA["horizon_years"] * base.periods_per_year)
            elif name in CLASSROOM_MAXIMA:
                info["slider"] = (info["slider"][0], CLASSROOM_MAXIMA[name])
            self.controls[path] = field_control(path, lookup(base, path)[0], info, _(text), **_NARROW)
        self.controls["seed"] = widgets.IntText(value=base.seed, description=_("seed"), layout={"width": "20em"},
                                                style={"description_width": _NARROW["label_width"]})
        for stage in ("prospect", "new", "loyal", "decline"):
            for name in _STAGE_SLIDERS:
                path = f"stages.{stage}.{name}"
                value = getattr(getattr(base.stages, stage), name)
                if name == "mean_duration_years" and value is None:
                    continue  # a stage without an end keeps none
                info = field_info(StageParams, name)
                if name in CLASSROOM_MAXIMA:
                    info["slider"] = (info["slider"][0], CLASSROOM_MAXIMA[name])
                # the field's words, which the catalog holds (simkit.model.scenario.field_words)
                self.controls[path] = field_control(path, value, info, _(name.replace("_", " ")), **_NARROW)
        for control in self.controls.values():
            control.observe(self._request, names="value")

    def _layout(self):
        import ipywidgets as widgets

        general = [c for p, c in self.controls.items() if not p.startswith("stages.")]
        tabs = [widgets.VBox(general)]
        titles = [_("people")]
        for stage in ("prospect", "new", "loyal", "decline"):
            tabs.append(widgets.VBox([c for p, c in self.controls.items() if p.startswith(f"stages.{stage}.")]))
            titles.append(_(stage))   # a stage's word, in the catalog (simkit.model.scenario.field_words)
        # the tab bar gives each tab an equal share of its width: wide enough for the longest title, whole
        tab_width = max(26.5, len(titles) * (max(text_em(t) for t in titles) + 1.7))   # 10 px padding each side
        tab = widgets.Tab(children=tabs, layout=widgets.Layout(width=f"{tab_width:.1f}em", flex="0 0 auto"))
        for index, title in enumerate(titles):
            tab.set_title(index, title)
        buttons = widgets.HBox([self.preset, self.comparison, self.reset_button, self.png_button, self.csv_button],
                               layout=widgets.Layout(flex_flow="row wrap"))
        # one 1280 x 720 screen: the choices on top, the stage controls beside the figure, the verdict under it
        self.children = [buttons, side_by_side(tab, self.view), status_line([self.status], self.message)]

    def load(self, scenario: Scenario):
        """Show ``scenario`` on the controls (a preset, or the starting one)."""
        self.base = scenario
        self._build_controls()
        self._layout()
        self.refresh()

    # -- running and drawing -------------------------------------------------
    def _refresh(self):
        scenario = self._scenario_or_refuse()
        if scenario is None:
            return
        other, note = None, ""
        if self.comparison.value:
            applies, reason = NOT_APPLICABLE.get(self.comparison.value, (lambda s: True, None))
            if applies(scenario):
                try:
                    other = scenario.updated(COMPARISONS[self.comparison.value](scenario))
                except ScenarioError:
                    reason = N_("the change breaks a rule of this scenario")
            if other is None:   # a short reason in a student's words, never a validator's field paths
                note = _gap() + _("Not compared: {name} does not apply here ({reason}).").format(
                    name=f"<i>{html.escape(_(self.comparison.value))}</i>", reason=html.escape(_(reason)))
        if other is not None:
            self.comparison_result = comparison = compare(scenario, other, ledger=True)
            self.result = result = comparison.base
        else:
            self.comparison_result = comparison = None
            self.result = result = run_simulation(scenario, engine="numpy")
        self._draw(result, comparison)
        profit = result.ledger["profit"].sum()
        text = _("{people} entered; profit of the whole population {profit} (every customer's own profit, "
                 "undiscounted).").format(people=people(result.ltv.count), profit=format_money(profit))
        if comparison is not None:
            text += _gap() + _("With {name}: {summary}").format(
                name=f"<i>{html.escape(_(self.comparison.value))}</i>",
                summary=f"<b>{html.escape(comparison.summary())}</b>")
        self.message.value = text + note
        self.view.layout.visibility = "visible"
        self.view.value = self.live.render()

    def _draw(self, result, comparison):
        scenario = result.scenario
        key = (scenario.n_periods, scenario.time_unit, None if comparison is None else self.comparison.value)
        if key != self._layout_key:  # a new set of pictures: the texts change, so everything is drawn again
            self.live.reset()
            # one legend above the four plots: each is too small to hold its own off its data
            self.pictures = [LiveStages(self.live, self.axes[0], scenario, legend="figure"),
                             LiveLifecycle(self.live, self.axes[1]),
                             LiveParts(self.live, self.axes[2]),
                             LiveMoney(self.live, self.axes[3], scenario, legend="figure") if comparison is None
                             else LiveComparison(self.live, self.axes[3], scenario, legend="figure")]
            self.live.figure_legend([h for p in self.pictures for h in p.handles], ncols=4)
            self._layout_key = key
        for picture in self.pictures[:3]:
            picture.update(result)
        self.pictures[3].update(result if comparison is None else comparison)

    # -- exports ---------------------------------------------------------------
    def export_png(self, path="exports/simkit_dashboard.png") -> str:
        """Save the current figure as PNG (by default in ``exports/``, which git ignores); returns the path."""
        from pathlib import Path

        from ...core.files import write_all

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        png = self.live.render()
        write_all({Path(path): lambda target: target.write_bytes(png)})
        self.message.value += _gap() + _("Saved {path}.").format(path=html.escape(str(path)))
        return str(path)

    def export_csv(self, folder="exports/simkit_dashboard_csv") -> list:
        """Save the current run's periods and ledger as CSV (by default in ``exports/``, which git ignores)."""
        from pathlib import Path

        if self.result is None:
            return []
        folder = Path(folder)
        written = [str(p) for p in self.result.to_csv(folder)]
        self.message.value += _gap() + _("Saved {path}.").format(path=html.escape(", ".join(written)))
        return written


def _four_plots(width: float, height: float):
    """A figure of four plots, two by two.  The plots of a column share its width, and the waterfall's long part
    names (left) take much of it: the left plots are drawn narrower, so the right ones keep room for their labels."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(2, 2, gridspec_kw={"width_ratios": [0.7, 1]})
    return figure, axes.ravel().tolist()


def _button_layout():
    import ipywidgets as widgets

    return widgets.Layout(width="auto", flex="0 0 auto", padding="0 1em")


def _gap() -> str:
    """What goes between two sentences of the message: a space in English, nothing after a Chinese "。"."""
    return "" if message_language() == "zh" else " "


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

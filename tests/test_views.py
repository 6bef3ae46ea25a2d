"""Plots and widgets: thin views that build headless and never raise on an edge value."""

import subprocess
from pathlib import Path

import matplotlib

import numpy as np
import pytest

import simkit
from simkit.views import plots

matplotlib.use("Agg")


@pytest.fixture
def result(lifecycle):
    return simkit.run_simulation(lifecycle)


def test_stage_plot_stacks_the_stage_counts(result):
    ax = plots.plot_stage_counts(result)
    tops = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    at_start = result.scenario.arrivals.cohort_size   # the cohort, before anything happens
    assert tops == max(at_start, result.active_customers.max())
    assert ax.get_xlabel().startswith("years") and ax.get_ylabel().startswith("customers")
    assert len(ax.collections) == 4
    assert len(plots.plot_stage_counts(result, include_ended=True).collections) == 6


def test_money_plot_draws_one_bar_per_period(result):
    fig, axes = plots.new_figure()
    ax = plots.plot_period_money(result, ax=axes[0])
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, result.periods["profit"])
    assert ax.get_ylabel().split("\n")[0].startswith("per year")   # "per year 每年" with a Chinese font


@pytest.fixture
def panel():
    widgets = pytest.importorskip("ipywidgets")
    from simkit.views.widgets import simulation_panel

    scenario = simkit.load_scenario("lifecycle_basic").updated({"arrivals.cohort_size": 200,
                                                                "arrivals.prospects_per_year": 50})
    built = simulation_panel(scenario, parameters=("stages.loyal.orders_per_year",
                                                   "arrivals.prospects_per_year"))
    assert isinstance(built, widgets.VBox)
    return built


def test_panel_draws_its_first_figure_when_built(panel):
    assert panel.result is not None
    assert len(panel.axes[0].collections) == 4
    assert "people entered" in panel.message.value
    assert all(getattr(c, "continuous_update", False) is False for c in panel.controls.values())


def test_panel_redraws_when_a_control_changes(panel):
    before = panel.result
    panel.controls["horizon"].value = 3
    assert panel.result is not before
    assert panel.result.scenario.horizon == 3
    assert len(panel.axes[1].patches) == 3


def test_panel_shows_a_message_instead_of_raising_on_a_refused_value(panel):
    panel.controls["arrivals.prospects_per_year"].value = 0
    panel.controls["arrivals.cohort_size"].value = 0   # nobody ever enters: a message, no old figure
    assert "Not run" in panel.message.value and "nobody ever enters" in panel.message.value
    assert panel.view.layout.visibility == "hidden"
    panel.controls["arrivals.cohort_size"].value = 1
    assert panel.result.ltv.count == 1 and "1 person entered" in panel.message.value
    # a value no slider allows, as an instructor could type into a scenario
    panel.base = panel.base.updated({"arrivals.cohort_size": 1})
    panel.controls["seed"].value = -1
    assert "Not run" in panel.message.value and "seed: got -1" in panel.message.value


def test_panel_rejects_an_unknown_parameter_path():
    pytest.importorskip("ipywidgets")
    from simkit.views.widgets import simulation_panel

    with pytest.raises(ValueError, match="parameter: got 'stages.vip.orders'"):
        simulation_panel("firm_a", parameters=("stages.vip.orders",))


def test_ltv_plots_carry_the_table_figures():
    table = simkit.cohort_table(simkit.load_scenario("cohort_10000"))
    ax = plots.plot_cumulative_npv(table)
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], table.cumulative_npv)
    assert [t.get_text() for t in ax.texts] == ["LTV −¥12.00", "LTV ¥30.37", "LTV ¥66.08"]  # textbook §4
    effects = simkit.ltv_sensitivity(table.scenario)
    ax = plots.plot_sensitivity(effects)
    assert sorted(bar.get_width() for bar in ax.patches) == sorted(e.change for e in effects)


def test_churn_and_tenure_plots(cohort):
    from simkit.exact.churn import TEXTBOOK_FIRMS, firm_scenario

    closed = simkit.run_simulation(firm_scenario(TEXTBOOK_FIRMS[0], steady_state=False), n_customers=500)
    ax = plots.plot_churn(closed, retention=0.8)
    customers = ax.lines[0].get_ydata()   # at the start of each year: 500, then the survivors of each year end
    assert customers[0] == 500 and customers[-1] == closed.active_customers[-2]
    ax = plots.plot_tenure(closed, 0.8)
    lost = closed.ledger["final_stage"] == simkit.Stage.LOST
    assert sum(bar.get_height() for bar in ax.patches) == lost.sum()
    with pytest.raises(ValueError, match="has no ledger"):
        plots.plot_ltv_histogram(simkit.run_simulation(cohort, n_customers=10, ledger=False))


def test_ltv_panel_recomputes_resets_and_refuses_without_raising():
    pytest.importorskip("ipywidgets")
    from simkit.views.widgets import ltv_table_panel

    panel = ltv_table_panel()
    assert f"{panel.table.ltv[-1]:.2f}" == "66.08"
    assert "66.08" in panel.table_view.value
    panel.controls[("retention_rate", 1)].value = 0.8          # year-2 retention 70 % -> 80 %
    by_hand = -12 + 0.6 * 81.92 / 1.16 + 0.6 * 0.8 * 114.4 / 1.16 ** 2
    assert panel.table.ltv[-1] == pytest.approx(by_hand)
    panel.controls["discounting.risk_factor"].value = 0.0      # no discounting
    assert panel.table["discount_rate"].tolist() == [1.0, 1.0, 1.0]
    panel.reset()
    assert f"{panel.table.ltv[-1]:.2f}" == "66.08"
    panel.base = panel.base.updated({"tenure.cost_of_sales_share": [0.7, 0.65, 0.65]})
    panel.controls[("average_order_value", 0)].value = 0.0    # an edge value: computes, no error
    assert panel.table.ltv[0] == pytest.approx(-60.0)
    with pytest.raises(simkit.ScenarioError, match="tenure: missing"):
        ltv_table_panel("lifecycle_basic")


def test_churn_panel_tables_and_simulates_both_readings():
    pytest.importorskip("ipywidgets")
    from simkit.views.widgets import churn_panel

    panel = churn_panel()
    assert "group lifetime 5.0 years" in panel.message.value and "¥600 a year more" in panel.message.value
    assert all(np.all(r.customers_served() == 100) for r in panel.results)   # steady state keeps the size
    panel.controls["steady_state"].value = False
    assert panel.results[0].active_customers[-1] < 100
    panel.controls["customers"].value = 1                          # one customer, 10 % churn: 0.1 a year
    assert "Not run" not in panel.message.value
    panel.controls["churn_a"].value = 0.6
    assert panel.results[0].scenario.tenure.retention_rate == (pytest.approx(0.4),)


def test_profit_by_stage_plot_shows_the_simulated_inverted_u(result):
    ax = plots.plot_profit_by_stage(result)
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == pytest.approx(list(result.profit_per_customer_year().values()))
    assert heights.index(max(heights)) == simkit.Stage.LOYAL   # highest in stability (稳定期)


def test_lifecycle_dashboard_runs_compares_refuses_and_exports(tmp_path, monkeypatch):
    pytest.importorskip("ipywidgets")
    from simkit.views.widgets import COMPARISONS, lifecycle_dashboard

    monkeypatch.chdir(tmp_path)
    small = simkit.load_scenario("lifecycle_textbook").updated({"arrivals.cohort_size": 150,
                                                                "arrivals.prospects_per_year": 40, "horizon": 24})
    board = lifecycle_dashboard(small, comparison=next(iter(COMPARISONS)))
    assert board.result is not None and board.comparison_result is not None
    assert "people entered" in board.message.value and "95 % interval" in board.message.value
    assert board.comparison_result.summary() in board.message.value
    parts = board.result.ledger.profit_parts()
    waterfall = [bar.get_width() for bar in board.axes[2].patches]   # the waterfall lies on its side
    assert waterfall[-1] == pytest.approx(parts["lifetime_profit"].sum()
                                          / np.sum(~np.isnan(board.result.ledger["entered_new"])))
    assert all(getattr(c, "continuous_update", False) is False for c in board.controls.values()
               if hasattr(c, "continuous_update"))
    board.controls["stages.loyal.orders_per_year"].value = 0.0     # an edge value: runs
    assert board.result.scenario.stages.loyal.orders_per_year == 0.0
    board.controls["seed"].value = -5                              # refused with a message, no old figure
    assert "Not run" in board.message.value and "seed: got -5" in board.message.value
    assert board.view.layout.visibility == "hidden"
    board.controls["seed"].value = 3
    assert board.view.layout.visibility == "visible"
    assert Path(board.export_png()).stat().st_size > 1000
    assert sorted(Path(p).name for p in board.export_csv()) == ["ledger.csv", "periods.csv"]
    assert {p.parts[0] for p in Path(".").rglob("*.*")} == {"exports"}      # everything in exports/, which
    ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", "exports/x.png"],  # git ignores
                             cwd=Path(simkit.__file__).parents[1], timeout=30)
    assert ignored.returncode == 0
    board.preset.value = "lifecycle_basic"
    assert board.result.scenario.name == "lifecycle_basic"


def test_funnel_plot():
    funnel = simkit.run_simulation(simkit.load_scenario("sales_funnel"))
    ax = plots.plot_funnel(funnel)
    widths = [bar.get_width() for bar in ax.patches]
    assert widths[0] == 2000 and widths == sorted(widths, reverse=True)
    assert widths[-1] == funnel.periods["n_acquired"].sum()
    with pytest.raises(ValueError, match="needs a scenario with a funnel"):
        plots.plot_funnel(simkit.run_simulation(simkit.load_scenario("firm_a")))


def test_pyramid_plot_panel_and_pareto():
    from simkit.exact.pyramid import TEXTBOOK_TIERS

    ax = plots.plot_pyramid(TEXTBOOK_TIERS)
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == pytest.approx([t.customers / 1701 for t in TEXTBOOK_TIERS])
    ax = plots.plot_pareto([50, 30, 10, 5, 5])
    assert ax.lines[0].get_ydata()[1] == pytest.approx(50.0)
    pytest.importorskip("ipywidgets")
    from simkit.views.widgets import pyramid_panel

    panel = pyramid_panel()
    assert [t.customers for t in panel.after][3] == 1701 - round(0.02 * 1701)   # 2 % of small move up
    panel.controls[("up", 3)].value = 0.0
    assert [t.customers for t in panel.after] == [t.customers for t in TEXTBOOK_TIERS]
    assert "+0" in panel.message.value


def test_dashboard_computes_only_the_latest_values_while_a_run_is_going(monkeypatch):
    """Five values arrive while a (deliberately slow) run is going: the worker then runs the latest once."""
    pytest.importorskip("ipywidgets")
    import time

    from simkit.views.widgets.dashboard import LifecycleDashboard

    small = simkit.load_scenario("lifecycle_textbook").updated({"arrivals.cohort_size": 100,
                                                                "arrivals.prospects_per_year": 20, "horizon": 12})
    board = LifecycleDashboard(small, background=True)
    runs = []
    refresh = board._refresh

    def slow_refresh():
        runs.append(board.controls["stages.loyal.orders_per_year"].value)
        time.sleep(0.3 if len(runs) == 1 else 0.0)
        refresh()

    monkeypatch.setattr(board, "_refresh", slow_refresh)
    slider = board.controls["stages.loyal.orders_per_year"]
    for value in (1.0, 2.0, 3.0, 4.0, 5.0):
        slider.value = value
    assert "simulating" in board.status.value
    board.wait(timeout=30)
    assert runs[-1] == 5.0 and len(runs) <= 2   # five changes, at most two runs: the values in between dropped
    assert board.result.scenario.stages.loyal.orders_per_year == 5.0
    assert "up to date" in board.status.value


def test_no_dashboard_control_at_its_maximum_makes_the_population_explode():
    """Classroom maxima: each control alone at its maximum keeps the run near its usual size.

    (Time is measured in bench/bench_dashboard.py --extremes; here the deterministic proxy: people simulated.)
    """
    pytest.importorskip("ipywidgets")
    from simkit.views.widgets.dashboard import LifecycleDashboard

    board = LifecycleDashboard("lifecycle_textbook", comparison="loyal customers stay 10 % longer", background=False)
    usual = board.result.ltv.count
    values = {path: control.value for path, control in board.controls.items()}
    assert board.current_scenario() == board.base.updated(values)
    for path, control in board.controls.items():
        if path == "seed" or path == "arrivals.cohort_size" or path == "arrivals.prospects_per_year":
            continue
        # the run the panel would make (without drawing it: only the run's size matters here)
        try:
            scenario = board.base.updated({**values, path: control.max})
        except simkit.ScenarioError:
            continue  # the panel says why and runs nothing
        count = simkit.run_simulation(scenario, engine="numpy", ledger=False).ltv.count
        assert count < 3 * usual, (path, control.max, count)


@pytest.mark.parametrize("build, control, values", [
    ("simulation_panel", "stages.loyal.orders_per_year", (6.2, 6.4, 6.6)),
    ("churn_panel", "seed", (3, 4, 5)),
])
def test_simulation_panels_redraw_in_place_and_hide_refused_values(build, control, values):
    """A change repaints the data over the kept background; only a moved axis range draws everything again."""
    pytest.importorskip("ipywidgets")
    import simkit.views.widgets as panels

    panel = getattr(panels, build)()
    assert "up to date" in panel.status.value
    pictures = {panel.view.value}
    for value in values:
        panel.controls[control].value = value
        pictures.add(panel.view.value)
    assert len(pictures) == len(values) + 1                     # every change shows a new figure
    assert panel.live.full_draws < len(values) + 1              # ... mostly without drawing everything again
    if build == "simulation_panel":
        panel.controls["seed"].value = -1
        assert panel.view.layout.visibility == "hidden" and "Not run" in panel.message.value


def test_an_interrupted_run_leaves_a_word_not_an_old_figure(monkeypatch):
    pytest.importorskip("ipywidgets")
    import simkit.views.widgets.simulation as module

    panel = module.simulation_panel()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "run_simulation", interrupted)
    panel.controls["stages.loyal.orders_per_year"].value = 7.0
    assert "interrupted" in panel.message.value and panel.view.layout.visibility == "hidden"
    assert "up to date" in panel.status.value


def test_every_dashboard_control_at_its_maximum_together_runs_or_shows_the_budget():
    pytest.importorskip("ipywidgets")
    from simkit.views.widgets.dashboard import LifecycleDashboard

    board = LifecycleDashboard("lifecycle_textbook", comparison="loyal customers stay 10 % longer", background=False)
    for path, control in board.controls.items():
        if path != "seed":
            control.value = control.max
    if board.view.layout.visibility == "hidden":
        assert "run budget" in board.message.value or "Not run" in board.message.value
    else:
        assert "people entered" in board.message.value


def test_sliders_stop_on_round_values_and_read_as_words():
    pytest.importorskip("ipywidgets")
    import math

    from simkit.views.widgets.dashboard import LifecycleDashboard
    from simkit.core.language import readable
    from simkit.views.widgets import simulation_panel

    board = LifecycleDashboard("lifecycle_textbook", background=False)
    for path, control in board.controls.items():
        if path == "seed":
            continue
        step = control.step
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 9) in (1, 2, 5), (path, step)                        # 1, 2 or 5 x 10^k
        assert abs(control.min / step - round(control.min / step)) < 1e-9, (path, control.min, step)
    cohort = board.controls["arrivals.cohort_size"]
    assert 10_000 in range(cohort.min, cohort.max + 1, cohort.step)                   # round values reachable
    panel = simulation_panel("lifecycle_basic", parameters=("arrivals.prospects_per_year",
                                                            "stages.loyal.orders_per_year"))
    assert panel.controls["arrivals.prospects_per_year"].description == "prospects per year"
    assert panel.controls["stages.loyal.orders_per_year"].description == "loyal: orders per year"
    assert readable("discounting.interest_rate") == "interest rate"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_comparison_that_does_not_apply_says_why_in_a_short_sentence_that_wraps(language):
    """The sales funnel preset has no loyal customers: the dashboard says so in words, not a validator's message."""
    import re

    from simkit.views import widgets
    from simkit.views.widgets.dashboard import COMPARISONS

    simkit.set_language(language)
    try:
        for lever in ("loyal customers stay 10 % longer", "loyal customers buy 10 % more often"):
            assert lever in COMPARISONS
            panel = widgets.lifecycle_dashboard("sales_funnel", comparison=lever, background=False)
            text = re.sub(r"<[^>]+>", "", panel.message.value)
            assert "stages." not in text and "next_stage" not in text and "mean_duration" not in text, text
            assert ("loyal" in text) if language == "en" else ("老客户" in text), text
            assert len(text) < 260, text
            assert panel.message.layout.flex == "1 1 0%" and panel.message.layout.min_width == "0"  # wraps
            assert panel.view.layout.visibility == "visible"   # the scenario itself is still shown
    finally:
        simkit.set_language("both")


def test_the_churn_table_marks_the_closed_cohort_as_an_expectation():
    from simkit.exact.churn import TEXTBOOK_FIRMS, churn_table

    rows = {row[0]: row[1:] for row in churn_table(TEXTBOOK_FIRMS).rows()}
    left = [label for label in rows if "after 5 years" in label]
    assert left and all("expected" in label for label in left), left
    assert rows[left[0]] == [f"{100 * 0.8 ** 5:.1f}", f"{100 * 0.9 ** 5:.1f}"]   # n r^5 of the textbook's firms


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_ltv_tables_row_names_have_room_to_show_whole(language):
    """Each row name of the LTV panel's input table fits its column ("marketing ¥ per custome" was cut): measured
    with a real sans-serif font at the width the column gets, not with simkit's own estimate."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    from simkit.views import fonts, widgets

    simkit.set_language(language)
    try:
        panel = widgets.ltv_table_panel()
        column = panel.grid.layout.grid_template_columns.split()[0]
        assert column.endswith("em")
        names = [child.value for child in panel.grid.children if isinstance(child, type(panel.grid.children[0]))]
        names = [n for n in names if n and not n.startswith(("year", "第"))]
        families = ["DejaVu Sans"] + ([fonts.chinese_font()] if fonts.chinese_font() else [])
        for name in names:   # width in em of the text drawn at 1 em (DejaVu Sans is wider than most UI fonts)
            width = TextPath((0, 0), name, size=1, prop=FontProperties(family=families)).get_extents().width
            assert width <= float(column[:-2]) - 0.5, f"{name!r}: {width:.1f} em in a column of {column}"
    finally:
        simkit.set_language("both")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_dashboards_tabs_choices_and_buttons_have_room_for_their_words(language):
    """Tab titles ("prospec", "总体设"), the comparison's choices and the buttons were cut: each gets the width its
    words take in a real font (DejaVu Sans, wider than most UI fonts; measured here, not simkit's estimate) plus
    the widget's padding, in either language."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    from simkit.views import fonts, widgets

    families = ["DejaVu Sans"] + ([fonts.chinese_font()] if fonts.chinese_font() else [])

    def em(text):   # the text's width at a font size of 1 em
        return TextPath((0, 0), text, size=1, prop=FontProperties(family=families)).get_extents().width if text else 0

    simkit.set_language(language)
    try:
        panel = widgets.lifecycle_dashboard(background=False)
        header, (tab, _figure), _status = panel.children[0], panel.children[1].children, panel.children[2]
        titles = [tab.get_title(index) for index in range(len(tab.children))]
        assert tab.layout.width.endswith("em")
        # the tab bar splits its width equally; a tab has 10 px padding each side (1.5 em of 13 px, with borders)
        assert float(tab.layout.width[:-2]) / len(titles) >= max(em(t) for t in titles) + 1.5, titles
        for dropdown in (panel.comparison, panel.preset):   # description, the longest choice, the arrow
            choices = [o[0] if isinstance(o, tuple) else o for o in dropdown.options]
            assert dropdown.layout.width and dropdown.layout.width.endswith("em"), dropdown.description
            assert float(dropdown.layout.width[:-2]) >= em(dropdown.description) + max(map(em, choices)) + 3
        for button in (panel.reset_button, panel.png_button, panel.csv_button):
            assert button.layout.width == "auto" and button.layout.flex == "0 0 auto", button.description
        assert header.layout.flex_flow == "row wrap"   # a narrow screen wraps the row, never squeezes a button
    finally:
        simkit.set_language("both")

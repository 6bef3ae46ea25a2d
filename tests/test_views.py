"""Plots and widgets: thin views that build headless and never raise on an edge value."""

import matplotlib
import numpy as np
import pytest

import simkit
from simkit import plots

matplotlib.use("Agg")


@pytest.fixture
def result(lifecycle):
    return simkit.run_simulation(lifecycle)


def test_stage_plot_stacks_the_stage_counts(result):
    ax = plots.plot_stage_counts(result)
    tops = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    at_start = result.scenario.arrivals.cohort_size   # the cohort, before anything happens
    assert tops == max(at_start, result.active_customers.max())
    assert ax.get_xlabel() == "years" and ax.get_ylabel() == "customers"
    assert len(ax.collections) == 4
    assert len(plots.plot_stage_counts(result, include_ended=True).collections) == 6


def test_money_plot_draws_one_bar_per_period(result):
    fig, axes = plots.new_figure()
    ax = plots.plot_period_money(result, ax=axes[0])
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, result.periods["profit"])
    assert ax.get_ylabel() == "yuan per year"


@pytest.fixture
def panel():
    widgets = pytest.importorskip("ipywidgets")
    from simkit.widgets import simulation_panel

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
    panel.controls["arrivals.cohort_size"].value = 0   # the slider stops at 1: one customer still runs
    assert panel.result.ltv.count == 1
    assert "1 person entered" in panel.message.value
    # a value no slider allows, as an instructor could type into a scenario
    panel.base = panel.base.updated({"arrivals.cohort_size": 1})
    panel.controls["seed"].value = -1
    assert "Not run" in panel.message.value and "seed: got -1" in panel.message.value


def test_panel_rejects_an_unknown_parameter_path():
    pytest.importorskip("ipywidgets")
    from simkit.widgets import simulation_panel

    with pytest.raises(ValueError, match="parameter: got 'stages.vip.orders'"):
        simulation_panel("firm_a", parameters=("stages.vip.orders",))

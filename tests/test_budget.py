"""The run budget: the size of a run estimated before it runs, and runs that would take minutes refused."""

import subprocess
import sys

import numpy as np
import pytest

import simkit
from simkit.model.budget import DEFAULT_BUDGET, estimate_run

BIG = {"max_people": 10 ** 9, "max_events": 10 ** 12}


@pytest.mark.parametrize("name, change", [
    ("lifecycle_basic", {}), ("lifecycle_textbook", {}), ("sales_funnel", {}), ("cohort_10000", {}),
    ("lifecycle_textbook", {"stages.new.referrals_per_year": 5.0}),          # supercritical: doubles every ~0.9 y
    ("lifecycle_textbook", {"stages.loyal.referrals_per_year": 2.0}),
    ("cohort_10000", {"tenure.referral_rate": [1.5, 1.5, 1.5]}),
    ("cohort_10000", {"tenure.referral_rate": [0.3, 0.3, 0.3], "arrivals.replace_lost": True}),
])
def test_the_estimate_is_close_to_the_people_a_run_creates(name, change):
    scenario = simkit.load_scenario(name).updated(change) if change else simkit.load_scenario(name)
    people = simkit.run_simulation(scenario, engine="numpy", ledger=False, **BIG).ltv.count
    assert estimate_run(scenario).people == pytest.approx(people, rel=0.2)


def test_a_subcritical_cascade_adds_one_over_one_minus_m():
    """1,000 prospects who never buy, stay 0.1 years and refer 5 a year: m = 0.5, so 1,000 / (1 - 0.5) = 2,000."""
    scenario = simkit.Scenario.from_dict({
        "name": "cascade", "horizon": 10,
        "arrivals": {"cohort_size": 1000},
        "stages": {"prospect": {"mean_duration_years": 0.1, "next_stage": {"unconverted": 1.0},
                                "referrals_per_year": 5.0}}})
    estimate = estimate_run(scenario)
    assert estimate.referrals_per_person == pytest.approx(0.5, rel=0.01)
    assert estimate.people == pytest.approx(2000, rel=0.02)
    assert not estimate.people == pytest.approx(1000 / (1 - 0.6), rel=0.02)   # a wrong m is told apart


def test_a_run_that_would_explode_is_refused_before_it_starts():
    scenario = simkit.load_scenario("lifecycle_textbook").updated({"stages.prospect.referrals_per_year": 5.0})
    with pytest.raises(simkit.ScenarioError) as caught:
        simkit.run_simulation(scenario)
    message = str(caught.value)
    assert "run budget" in message and "doubles every" in message and "max_people" in message
    assert f"{DEFAULT_BUDGET['simpy'][0]:,} people" in message
    # asked for, a bigger run goes ahead
    small = scenario.updated({"horizon": 6})
    assert simkit.run_simulation(small, engine="numpy", ledger=False, max_people=10 ** 7).ltv.count > 0


def test_tenure_referrals_of_ten_a_year_are_refused():
    scenario = simkit.load_scenario("cohort_10000").updated({"tenure.referral_rate": [10.0, 10.0, 10.0]})
    for engine in simkit.engines.run.ENGINES:
        with pytest.raises(simkit.ScenarioError, match="run budget"):
            simkit.run_simulation(scenario, engine=engine)


def test_stays_too_short_for_the_clock_are_refused_by_validation():
    with pytest.raises(simkit.ScenarioError, match=r"stages\.new\.mean_duration_years: got 1e-300"):
        simkit.load_scenario("lifecycle_basic").updated({"stages.new.mean_duration_years": 1e-300})


def test_panels_sweeps_and_the_command_line_show_the_budget(tmp_path):
    pytest.importorskip("ipywidgets")
    from simkit.views.widgets.dashboard import LifecycleDashboard

    explosive = simkit.load_scenario("lifecycle_textbook").updated({"stages.prospect.referrals_per_year": 5.0,
                                                                    "arrivals.cohort_size": 20_000})
    board = LifecycleDashboard(explosive, background=False)
    assert "run budget" in board.message.value and board.view.layout.visibility == "hidden"
    with pytest.raises(simkit.ScenarioError, match="variant 'boom'.*run budget"):
        simkit.sweep(simkit.load_scenario("lifecycle_textbook"), replications=2,
                     variants={"boom": {"stages.prospect.referrals_per_year": 8.0, "arrivals.cohort_size": 50_000}})
    path = tmp_path / "boom.toml"
    path.write_text(explosive.to_toml(), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "simkit", "run", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "run budget" in done.stderr and "--max-people" in done.stderr


def _renewal_step_by_step(births, kernel, step, replace):
    """The renewal equation solved one grid step at a time (what the power series must equal)."""
    from simkit.model.stages import Stage
    births = {kind: values.copy() for kind, values in births.items()}
    for t in range(1, len(births[Stage.PROSPECT])):
        for parent in (Stage.PROSPECT, Stage.NEW):
            past = births[parent][:t][::-1] * step            # born 1, 2, ... steps ago
            refer, lose, _ = kernel[parent]
            births[Stage.PROSPECT][t] += past @ refer[:t]
            if replace:
                births[Stage.NEW][t] += past @ lose[:t]
    return births


@pytest.mark.parametrize("name, change", [
    ("lifecycle_textbook", {}),
    ("lifecycle_textbook", {"stages.new.referrals_per_year": 5.0, "arrivals.replace_lost": True}),
    ("cohort_10000", {"tenure.referral_rate": [0.3, 0.3, 0.3], "arrivals.replace_lost": True}),
])
def test_the_renewal_equation_as_power_series_equals_it_step_by_step(name, change):
    from simkit.model import budget
    from simkit.model.stages import Stage
    scenario = simkit.load_scenario(name).updated(change)
    step = scenario.horizon_years / budget.GRID
    ages = (np.arange(budget.GRID) + 0.5) * step
    kernel = budget._kernels(scenario, (Stage.PROSPECT, Stage.NEW), ages)
    arrivals = {Stage.PROSPECT: np.full(budget.GRID, 400.0), Stage.NEW: np.zeros(budget.GRID)}
    arrivals[Stage.NEW][0] = 1000 / step
    replace = scenario.arrivals.replace_lost
    fast = budget._renewal(arrivals, kernel, step, replace)
    slow = _renewal_step_by_step(arrivals, kernel, step, replace)
    for kind in fast:
        np.testing.assert_allclose(fast[kind], slow[kind], rtol=1e-9, atol=1e-9)
    assert slow[Stage.PROSPECT][-1] > 1.1 * arrivals[Stage.PROSPECT][-1]  # referrals add people: not a trivial case


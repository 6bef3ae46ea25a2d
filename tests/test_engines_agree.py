"""The vectorized NumPy engine and the SimPy engine (the reference) are the same law.

For every built-in scenario both engines run the same replications (fixed
seeds, so the test is deterministic) and every output -- customers in each
stage at each period end, money and counts per period, exposure and profit
by stage and year, per-customer LTV mean and spread, the profit parts, spend
per purchase and its spread -- is compared with Welch's t-test.  Each of the
m outputs is tested at 0.001 / m (Bonferroni), so two engines with the same
law are flagged anywhere with probability at most 0.001 per scenario.

The check must be able to fail: an engine whose retention is 2 points low,
and one that draws spend with three times the spread, are both flagged.
"""

import pytest

import simkit
from equivalence import differences, runs

REPLICATIONS = 20
# sizes that keep each scenario's SimPy replications to a few seconds
SMALLER = {"cohort_10000": {"arrivals.cohort_size": 1000},
           "lifecycle_basic": {"arrivals.cohort_size": 300, "arrivals.prospects_per_year": 100.0},
           "lifecycle_textbook": {"arrivals.cohort_size": 300, "arrivals.prospects_per_year": 100.0},
           "sales_funnel": {"arrivals.cohort_size": 500}}


def _scenario(name):
    scenario = simkit.load_scenario(name)
    return scenario.updated(SMALLER[name]) if name in SMALLER else scenario


@pytest.mark.parametrize("name", simkit.list_scenarios())
def test_both_engines_give_the_same_law_on_every_built_in_scenario(name):
    scenario = _scenario(name)
    flagged = differences(runs(scenario, REPLICATIONS, "simpy"), runs(scenario, REPLICATIONS, "numpy"))
    assert not flagged, flagged[:10]


def test_the_check_catches_an_engine_whose_retention_is_two_points_low():
    scenario = _scenario("cohort_10000")
    wrong = scenario.updated({"tenure.retention_rate": [r - 0.02 for r in scenario.tenure.retention_rate]})
    flagged = differences(runs(scenario, REPLICATIONS, "simpy"), runs(wrong, REPLICATIONS, "numpy"))
    assert any(name.startswith("stage_counts") for name, *_ in flagged)


def test_the_check_catches_an_engine_that_draws_spend_with_the_wrong_spread():
    scenario = _scenario("lifecycle_textbook")
    wrong = scenario.updated({f"stages.{stage}.order_value_sd": 3 * scenario.stages[simkit.Stage.from_name(stage)]
                              .order_value_sd for stage in ("new", "loyal", "decline")})
    flagged = differences(runs(scenario, REPLICATIONS, "simpy"), runs(wrong, REPLICATIONS, "numpy"))
    assert "events.purchase.amount.std" in [name for name, *_ in flagged]

"""The run budget holds while a run goes: an estimate fooled, the engines still stop at the limit.

The estimator is replaced by one that says "100 people, no growth" for every scenario (what a scenario built to
fool a grid once achieved); each run below would otherwise grow without bound.  Each engine must stop with the
budget's message as soon as a count passes its limit: a few people or one spell's draws past it, not after the
whole population has been made.
"""

import pytest

import simkit
from simkit.engines import limits as run_limits
from simkit.model import budget

#: a referral chain that doubles about every half year (each prospect brings 1.4 referred prospects)
EXPLODING = {"name": "explode", "horizon": 100, "arrivals": {"cohort_size": 100},
             "stages": {"prospect": {"mean_duration_years": 0.25, "next_stage": {"new": 0.5, "unconverted": 0.5}},
                        "new": {"mean_duration_years": 0.01, "next_stage": {"lost": 1.0},
                                "referrals_per_year": 300}}}
#: 2,000 customers buying 9,000 times a year for ten years: 180 million purchases
BUYING = {"name": "buyers", "horizon": 10, "arrivals": {"cohort_size": 2000, "cohort_stage": "new"},
          "stages": {"new": {"orders_per_year": 9000, "average_order_value": 10}}}


@pytest.fixture
def fooled(monkeypatch):
    monkeypatch.setattr(budget, "estimate_run", lambda scenario, n_customers=None:
                        budget.RunEstimate(100.0, 100.0, 0.0, None, "fooled"))


@pytest.mark.parametrize("engine, people", [("numpy", 20_000), ("simpy", 2_000)])
def test_a_run_past_its_people_stops_at_the_limit(fooled, engine, people):
    with pytest.raises(simkit.ScenarioError, match=f"run budget: the run passed {people:,} people while running"
                       ) as caught:
        simkit.run_simulation(simkit.Scenario.from_dict(EXPLODING), engine=engine, max_people=people)
    made = int(str(caught.value).split("it had made ")[1].split(";")[0].replace(",", ""))
    assert people < made <= people + (131_072 if engine == "numpy" else 1)   # at most one batch past it
    assert "estimated 100 before it started" in str(caught.value)


@pytest.mark.parametrize("engine, events", [("numpy", 1_000_000), ("simpy", 200_000)])
def test_a_run_past_its_events_stops_before_laying_them_out(fooled, engine, events):
    with pytest.raises(simkit.ScenarioError, match=f"run budget: the run passed {events:,} events") as caught:
        simkit.run_simulation(simkit.Scenario.from_dict(BUYING), engine=engine, max_events=events)
    assert "it was stopped and its memory freed" in str(caught.value)


#: customers who never buy and move loyal -> decline -> loyal every 0.001 years: 2,000 moves each in 2 years
LOOPING = {"name": "loop", "horizon": 2, "arrivals": {"cohort_size": 1, "cohort_stage": "new"},
           "stages": {"new": {"mean_duration_years": 0.001, "next_stage": {"loyal": 1.0}},
                      "loyal": {"mean_duration_years": 0.001, "next_stage": {"decline": 1.0}},
                      "decline": {"mean_duration_years": 0.001, "next_stage": {"loyal": 1.0}}}}


@pytest.mark.parametrize("engine, customers, events", [("numpy", 1000, 200_000), ("simpy", 100, 20_000)])
def test_stage_moves_count_as_events_while_running(fooled, engine, customers, events):
    """A loop of short stays: no purchase, but 2,000 moves a customer (each a spell lived, and a row of the event
    log): counted, it stops at the limit, a tenth of the way."""
    scenario = simkit.Scenario.from_dict(LOOPING).updated({"arrivals.cohort_size": customers})
    with pytest.raises(simkit.ScenarioError, match=f"run budget: the run passed {events:,} events"):
        simkit.run_simulation(scenario, engine=engine, max_events=events)


@pytest.mark.parametrize("engine", ["numpy", "simpy"])
@pytest.mark.parametrize("name, change", [
    ("lifecycle_textbook", {"arrivals.cohort_size": 300}),
    ("cohort_10000", {"arrivals.cohort_size": 500, "tenure.referral_rate": [0.5, 0.3, 0.2],
                      "arrivals.replace_lost": True}),
    ("lifecycle_basic", {"arrivals.cohort_size": 300, "cross_sell.orders_per_year": 6.0,
                         "stages.loyal.cross_sell_adoption_per_year": 0.5,
                         "stages.decline.referral_damage_per_year": 1.0}),
])
def test_the_engines_count_the_events_the_budget_estimates(monkeypatch, engine, name, change):
    """What the engines count while running is what the estimate counts: every purchase (of either product),
    referral (a tenure table's too), referral damage and stage move, one row each in the event log."""
    from simkit.engines import run as running
    held = []

    def watching(limits):
        held.append(limits)
        return running.limits_enforced(limits)

    monkeypatch.setattr(running, "limits_enforced", running.enforced, raising=False)
    monkeypatch.setattr(running, "enforced", watching)
    result = simkit.run_simulation(simkit.load_scenario(name).updated(change), engine=engine, event_log=True)
    kinds = result.events["event"]
    logged = int(sum((kinds == kind).sum() for kind in ("purchase", "cross_sell", "refer", "damage", "move")))
    assert held[0].n_events == logged > 0
    assert held[0].n_people == len(result.ledger)


def test_without_a_run_nothing_is_counted():
    assert run_limits.current() is None


def test_the_limits_change_no_result():
    """Counting draws nothing: a run under the default limits and one under raised limits are the same run."""
    scenario = simkit.load_scenario("lifecycle_textbook").updated({"arrivals.cohort_size": 500})
    for engine in ("numpy", "simpy"):
        held = simkit.run_simulation(scenario, engine=engine)
        again = simkit.run_simulation(scenario, engine=engine, max_people=10**7, max_events=10**8)
        assert held.ltv.mean == again.ltv.mean and (held.stage_counts == again.stage_counts).all()


def test_the_budget_message_survives_a_worker_and_simpy():
    """Rebuilt from its arguments (pickle, SimPy's re-raise), a ScenarioError is the same error."""
    import pickle

    error = simkit.ScenarioError(["a: got 1", "b: got 2"], "x.toml")
    for copy in (pickle.loads(pickle.dumps(error)), type(error)(*error.args)):
        assert str(copy) == str(error) and copy.problems == error.problems

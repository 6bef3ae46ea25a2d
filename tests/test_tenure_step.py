"""The NumPy engine's lean step for a cohort's tenure year gives what its general step gives, to the last bit.

The lean step (``_Batch.tenure_year``) is a shortcut: everyone active lives the same year of the tenure
table from the same time, so it computes with one value where the general step holds one per person.
Each case runs a scenario twice, once as the engine runs it and once with the shortcut turned off, and
compares every array of the two results for equality.
"""

import dataclasses

import numpy as np
import pytest

import simkit
from simkit.engines.numpy_engine import arrays, batch


def result_arrays(result) -> dict:
    """Every number a result carries: tables, per-period columns, LTV summaries, ledger columns."""
    out = {}
    for name in ("period_end_years", "stage_counts", "stage_years", "stage_profit", "tenure_years",
                 "tenure_profit", "group_profit"):
        out[name] = np.asarray(getattr(result, name))
    for column, values in result.periods.items():
        out["periods." + column] = np.asarray(values)
    for summary in ("ltv", "ltv_acquired"):
        value = getattr(result, summary)
        out[summary] = np.array([float(getattr(value, f.name)) for f in dataclasses.fields(value)])
    if result.ledger is not None:
        for column, values in result.ledger.to_dict().items():
            out["ledger." + column] = np.asarray(values)
    return out


SHORTCUTS = ("tenure_year", "enter_together")  # each returns False, having done nothing, when it does not apply


def run_both(monkeypatch, scenario, ledger: bool):
    """(with the shortcuts, without them, how often each shortcut was taken)."""
    taken = {name: 0 for name in SHORTCUTS}
    for name in SHORTCUTS:
        original = getattr(batch._Batch, name)

        def counting(self, *args, original=original, name=name):
            done = original(self, *args)
            taken[name] += done
            return done

        monkeypatch.setattr(batch._Batch, name, counting)
    lean = simkit.run_simulation(scenario, engine="numpy", ledger=ledger)
    for name in SHORTCUTS:
        monkeypatch.setattr(batch._Batch, name, lambda self, *args: False)
    general = simkit.run_simulation(scenario, engine="numpy", ledger=ledger)
    return lean, general, taken


def differences(lean, general) -> list:
    a, b = result_arrays(lean), result_arrays(general)
    assert a.keys() == b.keys()
    return [name for name in a if not np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f")]


COHORT = simkit.load_scenario("cohort_10000")
CASES = {
    "the textbook's cohort": ({}, 3),
    "another seed": ({"seed": 7}, 3),
    "costs not whole numbers": ({"tenure.service_cost_per_year": [1.1, 12.345, 20.01],
                                 "arrivals.acquisition_cost": 59.99}, 3),
    "a small cohort (counts one by one)": ({"arrivals.cohort_size": 40}, 3),
    "spend without spread": ({"tenure.order_value_sd": [0.0, 0.0, 0.0]}, 3),
    "no purchases": ({"tenure.orders_per_year": [0.0, 0.0, 0.0]}, 3),
    # referred customers join the next generation at the anniversaries; the lost are replaced as they go
    "referrals and replacements": ({"tenure.referral_rate": [0.1, 0.2, 0.2], "arrivals.replace_lost": True,
                                    "horizon": 5}, 5),
    # monthly periods: every year crosses period edges, so the general step books each purchase by its time
    "monthly periods": ({"time_unit": "month", "horizon": 36}, 0),
}


@pytest.mark.parametrize("ledger", [True, False], ids=["ledger", "no ledger"])
@pytest.mark.parametrize("case", CASES)
def test_lean_tenure_year_equals_the_general_step(monkeypatch, case, ledger):
    changes, lean_steps = CASES[case]
    lean, general, taken = run_both(monkeypatch, COHORT.updated(changes), ledger)
    assert taken["tenure_year"] >= lean_steps if lean_steps else taken["tenure_year"] == 0
    assert taken["enter_together"] >= 1
    assert differences(lean, general) == []
    assert lean.ltv.count > 0


@pytest.mark.parametrize("name", ["lifecycle_basic", "lifecycle_textbook", "sales_funnel"])
def test_a_cohort_of_prospects_enters_together_as_the_general_step_enters_it(monkeypatch, name):
    """Without a tenure table the shortcut for entering is still taken when everyone arrives at once."""
    scenario = simkit.load_scenario(name).updated({"arrivals.prospects_per_year": 0.0})
    lean, general, taken = run_both(monkeypatch, scenario, ledger=True)
    assert taken["tenure_year"] == 0
    assert taken["enter_together"] >= 1  # the cohort (and any later generation that enters at one time)
    assert differences(lean, general) == []


def test_the_comparison_sees_the_last_bit(monkeypatch):
    """A lean step that adds its money pairwise (numpy's sum) instead of one after the other is caught."""
    monkeypatch.setattr(batch, "_running_total", lambda values: float(np.sum(values)))
    lean, general, taken = run_both(monkeypatch, COHORT, ledger=False)
    assert taken["tenure_year"] == 3
    assert "periods.revenue" in differences(lean, general)


@pytest.mark.parametrize("value", [1.0, 20.0, 0.1, 12.345, 1e-3])
def test_repeated_sums_add_one_after_the_other(value):
    counts = np.array([0, 1, 2, 7, 50, 1234])
    expected = [0.0 if k == 0 else np.bincount(np.zeros(k, dtype=np.int64), weights=np.full(k, value))[0]
                for k in counts]
    assert arrays._repeated_sums(value, counts).tolist() == expected

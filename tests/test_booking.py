"""The NumPy engine books a stage model's spells many steps at once; that gives what booking each step does.

In a stage model the steps only live and decide, and what their spells bring (purchases, the second
product, referrals, referral damage, time and its cost) waits to be booked together
(``_Batch.book``).  Each case runs a scenario twice, as the engine runs it and with every step booked as
it is lived (``defer`` off), and compares the results: every count, flow and event the same, every amount
of money the same up to the order in which a sum adds it (relative 1e-9).  A person's columns then add
spells of several steps, so a booking that let one spell overwrite another would show: the last case
breaks it on purpose and the comparison catches it.
"""

import numpy as np
import pytest

import simkit
from simkit.engines.numpy_engine import batch, engine, joint

from test_tenure_step import result_arrays


def run(scenario, defer: bool, monkeypatch) -> simkit.SimulationResult:
    original = batch._Batch.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.defer = self.defer and defer

    with monkeypatch.context() as patch:
        patch.setattr(batch._Batch, "__init__", init)
        return simkit.run_simulation(scenario, engine="numpy", event_log=True)


def mismatches(together, stepwise) -> list:
    a, b = result_arrays(together), result_arrays(stepwise)
    assert a.keys() == b.keys()
    found = []
    for name in a:
        x, y = a[name], b[name]
        if x.dtype.kind == "f":
            scale = float(np.nanmax(np.abs(x))) if x.size and not np.isnan(x).all() else 1.0
            same = np.allclose(x, y, rtol=1e-9, atol=1e-9 * scale, equal_nan=True)
        else:
            same = np.array_equal(x, y)
        if not same:
            found.append(name)
    events = [sorted(zip(r.events["customer_id"], r.events["time"], r.events["event"], r.events["amount"]))
              for r in (together, stepwise)]
    if len(events[0]) != len(events[1]) or any(
            e[:3] != f[:3] or not np.isclose(e[3], f[3], rtol=1e-12) for e, f in zip(*events)):
        found.append("events")
    return found


CASES = {
    "lifecycle_textbook": {"arrivals.cohort_size": 1500, "arrivals.replace_lost": True, "seed": 3},
    "lifecycle_basic": {"seed": 11},
    "sales_funnel": {},
}


@pytest.mark.parametrize("name", CASES)
def test_booking_steps_together_gives_what_booking_each_step_gives(name, monkeypatch):
    scenario = simkit.load_scenario(name).updated(CASES[name]) if CASES[name] else simkit.load_scenario(name)
    together, stepwise = run(scenario, True, monkeypatch), run(scenario, False, monkeypatch)
    assert mismatches(together, stepwise) == []
    # the cases exercise what the joint booking must get right: buyers, most with spells in several steps
    ledger = together.ledger.to_dict()
    assert np.count_nonzero(ledger["n_purchases"] > 0) > 50


def test_a_booking_that_drops_a_persons_second_spell_is_caught(monkeypatch):
    scenario = simkit.load_scenario("lifecycle_textbook").updated(CASES["lifecycle_textbook"])
    stepwise = run(scenario, False, monkeypatch)

    def careless(self, column, who, values, unique):  # fancy-index += : a person's repeated spells collapse
        column[who] += values

    monkeypatch.setattr(batch._Batch, "add_to", careless)
    together = run(scenario, True, monkeypatch)
    wrong = mismatches(together, stepwise)
    assert "ledger.revenue" in wrong and "ledger.n_purchases" in wrong


def test_the_joint_book_of_several_batches_gives_what_booking_each_step_gives(monkeypatch):
    """Small batches: generations in several batches, the run's joint book booked whenever BATCH spells wait
    (with persons of several batches in one book), after each large batch and at the end; the same as booking
    each step alone."""
    for module in (batch, joint, engine):  # each module that reads BATCH
        monkeypatch.setattr(module, "BATCH", 256)
    monkeypatch.setattr(engine, "_JOIN_BELOW", 128)
    booked = []
    original = joint._Joined.__init__

    def joined(self, batches):
        booked.append(len(batches))
        original(self, batches)

    monkeypatch.setattr(joint._Joined, "__init__", joined)
    scenario = simkit.load_scenario("lifecycle_textbook").updated(CASES["lifecycle_textbook"])
    together, stepwise = run(scenario, True, monkeypatch), run(scenario, False, monkeypatch)
    assert len(booked) >= 2 and max(booked) > 1  # books of several batches' persons happened
    assert mismatches(together, stepwise) == []

"""80/20, 80/20/30 and RFM (textbook §6), on hand-made data with known answers and on a simulated run."""

import numpy as np
import pytest

import simkit
from simkit.exact.value import RFM_TYPES, pareto_curve, rfm_measures, rfm_types, share_of_top


def test_eighty_twenty_on_a_hand_made_population():
    # ten customers: two bring 80 of 100
    profits = [50, 30, 5, 5, 2, 2, 2, 2, 1, 1]
    assert share_of_top(profits, 0.2) == pytest.approx(0.80)
    customers, cumulative = pareto_curve(profits)
    assert customers[2] == pytest.approx(0.2) and cumulative[2] == pytest.approx(0.8)
    assert cumulative[-1] == pytest.approx(1.0)


def test_eighty_twenty_thirty_rises_above_one_and_falls_back():
    """Sherden: the top 20 % make 80 %... of a total after the bottom 30 % lose half of it."""
    profits = [80, 80, 10, 10, 10, 10, 0, -20, -20, -40]   # total 120; bottom 30 % lose 80
    customers, cumulative = pareto_curve(profits)
    assert cumulative.max() == pytest.approx(200 / 120)       # at the last profitable customer
    assert cumulative[-1] == pytest.approx(1.0)
    assert share_of_top(profits, 0.2) == pytest.approx(160 / 120)
    with pytest.raises(ValueError, match="add up to 0"):
        pareto_curve([1, -1])


def test_rfm_types_on_hand_made_customers():
    recency = [0.1, 0.1, 0.1, 2.0, 2.0, 2.0, 0.1, 2.0]       # years since the last purchase; mean 1.05
    frequency = [10, 1, 10, 10, 10, 1, 1, 1]                 # mean 5.5
    monetary = [900, 900, 50, 900, 50, 50, 50, 900]          # mean 475
    labels = [t.number for t in rfm_types(recency, frequency, monetary)]
    assert labels == [1, 2, 3, 4, 5, 6, 0, 0]   # the last two patterns are not among the textbook's six
    assert RFM_TYPES[3].chinese == "重要挽留客户"
    with pytest.raises(ValueError, match="expected one of each per customer"):
        rfm_types([1, 2], [1], [1, 2])


def test_rfm_summary_from_an_event_log():
    events = {"customer_id": np.array([0, 0, 1, 2, 0, 1]),
              "time": np.array([0.1, 0.5, 0.2, 0.3, 0.9, 1.5]),
              "event": np.array(["purchase", "purchase", "purchase", "move", "purchase", "purchase"], dtype=object),
              "amount": np.array([10.0, 20.0, 5.0, 0.0, 30.0, 99.0])}
    summary = rfm_measures(events, as_of=1.0)
    assert summary["customer_id"].tolist() == [0, 1]
    assert summary["recency"].tolist() == pytest.approx([0.1, 0.8])
    assert summary["frequency"].tolist() == [3, 1]
    assert summary["monetary"].tolist() == pytest.approx([60.0, 5.0])
    with pytest.raises(ValueError, match="no purchase by"):
        rfm_measures(events, as_of=0.0)


def test_on_a_simulated_population():
    result = simkit.run_simulation(simkit.load_scenario("lifecycle_basic").updated({"horizon": 4}), event_log=True)
    profit = result.ledger["profit"][~np.isnan(result.ledger["entered_new"])]
    assert share_of_top(profit, 0.2) > 0.5          # value is concentrated in a few customers
    summary = rfm_measures(result.events, as_of=4.0)
    types = rfm_types(summary["recency"], summary["frequency"], summary["monetary"])
    assert len(types) == summary["customer_id"].size
    # a customer counted as "important to maintain" bought recently
    maintained = np.array([t.number == 1 for t in types])
    assert np.all(summary["recency"][maintained] < summary["recency"].mean())


def test_every_rfm_type_carries_the_textbook_advice():
    assert [t.number for t in RFM_TYPES] == [1, 2, 3, 4, 5, 6]
    assert all(t.advice for t in RFM_TYPES)
    assert "retain" in RFM_TYPES[3].advice   # type 4, 重要挽留客户: win them back

"""Churn and group lifetime (textbook §2): the exact table and the two simulated readings."""

import math

import numpy as np
import pytest

import simkit
from simkit.exact.churn import TEXTBOOK_FIRMS, Firm, churn_table, firm_scenario

Z = 4.0


def test_the_textbook_table():
    table = churn_table(acquisition_cost=60)
    firm_a, firm_b = table.firms
    assert (firm_a.churn_rate, firm_b.churn_rate) == (0.20, 0.10)
    assert (firm_a.group_lifetime, firm_b.group_lifetime) == (5.0, 10.0)
    assert (firm_a.replacements_per_year, firm_b.replacements_per_year) == (20, 10)
    assert table.extra_spending() == (20 - 10) * 60
    text = table.to_text()
    assert "Firm A spends ¥600 a year more than Firm B" in text
    assert firm_a.left_in_closed_cohort(5) == pytest.approx(100 * 0.8 ** 5)
    assert "<table>" in table._repr_html_()


def test_firms_are_checked():
    with pytest.raises(ValueError, match="Firm C: lost_per_year: got 120"):
        Firm("Firm C", 100, 120)
    with pytest.raises(ValueError, match="customers: got 0"):
        Firm("Firm D", 0, 1)
    with pytest.raises(ValueError, match="acquisition_cost: got -5"):
        churn_table(acquisition_cost=-5)
    with pytest.raises(ValueError, match="acquisition_cost: not given"):
        churn_table().extra_spending()


def test_steady_state_keeps_the_size_and_turns_the_customers_over():
    """A firm replacing whom it loses: always N customers; N x churn replaced a year; tenure 1 / churn."""
    n = 5_000
    scenario = firm_scenario(TEXTBOOK_FIRMS[0], steady_state=True, horizon_years=10, acquisition_cost=60)
    result = simkit.run_simulation(scenario, n_customers=n, seed=3)
    assert np.all(result.customers_served() == n)                 # every year it serves exactly n customers
    active = result.stage_counts[:, simkit.Stage.NEW:simkit.Stage.LOST].sum(axis=1)
    lost = result.periods["n_lost"]
    assert np.array_equal(active, n - lost)                        # at a year end, before the replacements join
    assert np.all(np.abs(lost - n * 0.2) < Z * math.sqrt(n * 0.2 * 0.8))
    assert np.array_equal(result.periods["n_acquired"][1:], lost[:-1])   # year k's losses replaced in year k + 1
    # average tenure = customer-years lived / customers lost -> 1 / churn = 5 years
    tenure = n * 10 / lost.sum()
    assert abs(tenure - 5.0) < Z * 5.0 * math.sqrt(0.8 / (n * 10 * 0.2))
    # turnover: as many customers lost in 5 years as the firm has
    assert abs(lost[:5].sum() - n) < Z * math.sqrt(5 * n * 0.2 * 0.8)


def test_closed_cohort_tenure_follows_the_geometric_law():
    """Without replacement, tenure in whole years is geometric: P(T = k) = 0.8^(k-1) x 0.2."""
    n = 20_000
    result = simkit.run_simulation(firm_scenario(TEXTBOOK_FIRMS[0], steady_state=False), n_customers=n, seed=4)
    ledger = result.ledger
    lost = ledger["final_stage"] == simkit.Stage.LOST
    years = np.round(ledger["exit_time"][lost] - ledger["entry_time"][lost]).astype(int)
    counts = np.bincount(years, minlength=11)[1:11]
    for k, count in enumerate(counts, start=1):
        p = 0.8 ** (k - 1) * 0.2
        assert abs(count - n * p) < Z * math.sqrt(n * p * (1 - p)), k
    assert abs(result.active_customers[4] - 100 / 100 * n * 0.8 ** 5) < Z * math.sqrt(n * 0.8 ** 5 * (1 - 0.8 ** 5))

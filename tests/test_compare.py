"""Comparisons with common random numbers: paired draws, and intervals that cover the truth 95 % of the time."""

import math

import numpy as np
import pytest
from scipy import stats

import simkit
from simkit.experiments.intervals import mean_interval, sum_interval, t_quantile


@pytest.fixture
def textbook_cohort():
    return simkit.load_scenario("cohort_10000").updated({"arrivals.cohort_size": 2000})


def test_t_quantiles_match_scipy():
    for probability in (0.025, 0.5, 0.9, 0.95, 0.975, 0.995):
        for df in (1, 2, 3, 4, 5, 9, 10, 49, 99, 100, 200, 1000):
            assert t_quantile(probability, df) == pytest.approx(stats.t.ppf(probability, df), abs=1e-4, rel=1e-6)


def test_mean_interval_by_hand():
    # mean 2.5, sd sqrt(5/3), n 4: half-width t(0.975, 3) x sd / 2; t(0.975, 3) = 3.1824 (tables)
    low, high = mean_interval([1.0, 2.0, 3.0, 4.0])
    half = 3.1824 * math.sqrt(5 / 3) / 2
    assert (low, high) == pytest.approx((2.5 - half, 2.5 + half), abs=1e-3)


def test_sum_interval_of_alike_parts():
    parts = np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 2.0]])
    total, half = sum_interval(parts)
    assert total.tolist() == [6.0, 6.0]
    assert half[1] == 0.0 and half[0] == pytest.approx(t_quantile(0.975, 2) * math.sqrt(3) * 1.0)


def test_a_change_to_spending_leaves_every_customer_on_the_same_path(lifecycle):
    """Common random numbers: the same customers, the same stays, moves and referrals; only spending moves."""
    result = simkit.compare(lifecycle, {"stages.loyal.orders_per_year": lifecycle.stages.loyal.orders_per_year * 1.1})
    assert np.array_equal(result.base.stage_counts, result.changed.stage_counts)
    assert np.array_equal(result.base.periods["n_referred"], result.changed.periods["n_referred"])
    assert result.changed.periods["revenue"].sum() > result.base.periods["revenue"].sum()
    assert result.distinguishable and result.total > 0


def test_comparing_a_scenario_with_itself_shows_no_difference_and_says_so(lifecycle):
    result = simkit.compare(lifecycle, {})
    assert result.total == 0 and result.half_width[-1] == 0
    assert not result.distinguishable
    assert "cannot be told from chance" in result.summary()


def test_the_interval_covers_the_exact_difference_95_percent_of_the_time(textbook_cohort):
    """Retention +5 points on the textbook cohort; the exact difference comes from the exact table (§4).

    Over 40 seeds a 95 % interval should miss about twice; 34 or more covers has probability 0.986
    for a true 95 % interval (binomial).  An interval half as wide -- a deliberately wrong one --
    must fail the same check.
    """
    changed = textbook_cohort.updated({"tenure.retention_rate": [r + 0.05 for r in
                                                                 textbook_cohort.tenure.retention_rate]})
    exact = (simkit.cohort_table(changed)["gross_profit"].sum()
             - simkit.cohort_table(textbook_cohort)["gross_profit"].sum())
    results = [simkit.compare(textbook_cohort, changed, seed=seed) for seed in range(40)]
    covered = sum(abs(r.total - exact) <= r.half_width[-1] for r in results)
    too_narrow = sum(abs(r.total - exact) <= r.half_width[-1] / 2 for r in results)
    assert covered >= 34
    assert too_narrow < 34


def test_common_random_numbers_narrow_the_comparison(lifecycle):
    """Paired runs (same seed) differ far less from seed to seed than independent runs do."""
    change = {"stages.loyal.mean_duration_years": lifecycle.stages.loyal.mean_duration_years * 1.1}
    changed = lifecycle.updated(change)
    paired = [simkit.compare(lifecycle, changed, seed=seed).total for seed in range(15)]
    independent = [simkit.run_simulation(changed, seed=seed, ledger=False, engine="numpy").periods["profit"].sum()
                   - simkit.run_simulation(lifecycle, seed=seed + 100, ledger=False, engine="numpy")
                   .periods["profit"].sum() for seed in range(15)]
    assert np.std(paired) < np.std(independent) / 3


def test_compare_refuses_what_it_cannot_pair(lifecycle):
    with pytest.raises(ValueError, match="different periods"):
        simkit.compare(lifecycle, lifecycle.updated({"horizon": 2}))
    with pytest.raises(TypeError, match="changed"):
        simkit.compare(lifecycle, 3)


def test_money_prints_with_a_true_minus_sign():
    assert simkit.compare.__module__ == "simkit.experiments.compare"  # the function, not a module
    from simkit.core.formatting import format_money

    assert format_money(-12.0, 2) == "−¥12.00"
    assert format_money(1234567) == "¥1,234,567"
    assert format_money(-0.001, 2) == "¥0.00"


def test_what_notebook_04_says_about_comparing_strategies():
    """The notebook's reading of its comparison cell, checked on the same runs."""
    scenario = simkit.load_scenario("lifecycle_textbook")
    longer = {"stages.loyal.mean_duration_years": scenario.stages.loyal.mean_duration_years * 1.1}
    for size in (100, 1_000):
        firm = scenario.updated({"arrivals.cohort_size": size, "arrivals.prospects_per_year": size * 0.4})
        paired, independent = simkit.compare(firm, longer), simkit.compare(firm, longer, engine="simpy")
        assert paired.distinguishable and paired.total > 0                  # "earns more, even for a hundred"
        assert independent.half_width[-1] > 10 * paired.half_width[-1]      # "more than ten times wider"
        if size == 100:
            assert not independent.distinguishable                          # "covers zero" for the small firm
    whole = simkit.compare(scenario, longer)
    assert np.all(np.abs(whole.difference[:12]) < 1_000)                    # "a few hundred yuan of zero"
    low = whole.difference - whole.half_width
    assert np.any(low[12:24] <= 0) and np.any(low[24:27] <= 0)             # "through the second year ... touches zero"
    assert np.all(low[27:] > 0)                                             # "early in the third year ... for good"

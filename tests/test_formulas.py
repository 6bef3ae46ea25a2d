"""Closed forms, checked against hand calculations written out here."""

import math

import pytest

import simkit
from simkit import Stage
from simkit.exact import formulas


def test_group_lifetime_is_one_over_churn():
    assert formulas.group_lifetime(0.20) == 5.0   # Firm A, textbook §2
    assert formulas.group_lifetime(0.10) == 10.0  # Firm B
    with pytest.raises(ValueError, match="churn_rate: got 0"):
        formulas.group_lifetime(0)


def test_survivors_and_discounting():
    assert formulas.survivors(100, 0.8, 5) == pytest.approx(32.768)
    assert formulas.discount_rate(1, 0.08, 2) == 1.0
    assert formulas.discount_rate(2, 0.08, 2) == pytest.approx(1.16)
    assert formulas.discount_rate(1, 0.10, 1, payment_delay_days=365) == pytest.approx(1.10)
    assert simkit.Discounting(0.08, 2.0).discount_rate(3) == pytest.approx(1.16 ** 2)


def test_expected_visits_of_the_lifecycle_scenario_by_hand():
    scenario = simkit.load_scenario("lifecycle_basic")
    visits = formulas.expected_stage_visits(scenario)
    # prospect once; new with probability 0.4; loyal and decline feed each other:
    #   loyal = 0.6 new + 0.15 decline,  decline = 0.2 new + 0.8 loyal
    new = 0.4
    loyal = (0.6 * new + 0.15 * 0.2 * new) / (1 - 0.15 * 0.8)
    decline = 0.2 * new + 0.8 * loyal
    assert visits[Stage.PROSPECT] == pytest.approx(1.0)
    assert visits[Stage.NEW] == pytest.approx(new)
    assert visits[Stage.LOYAL] == pytest.approx(loyal)
    assert visits[Stage.DECLINE] == pytest.approx(decline)
    years = formulas.expected_stage_years(scenario)
    assert years[Stage.LOYAL] == pytest.approx(3.0 * loyal)
    assert formulas.conversion_probability(scenario) == 0.4


def test_a_stage_that_never_ends_has_infinite_expected_years():
    scenario = simkit.Scenario(arrivals={"cohort_size": 1, "cohort_stage": "new"})
    assert math.isinf(formulas.expected_stage_years(scenario)[Stage.NEW])
    assert formulas.expected_stage_years(scenario)[Stage.LOYAL] == 0.0
    loop = simkit.Scenario(arrivals={"cohort_size": 1, "cohort_stage": "new"}, stages={
        "new": {"mean_duration_years": 1, "next_stage": {"loyal": 1}},
        "loyal": {"mean_duration_years": 1, "next_stage": {"decline": 1}},
        "decline": {"mean_duration_years": 1, "next_stage": {"loyal": 1}}})
    assert math.isinf(formulas.expected_stage_visits(loop)[Stage.LOYAL])
    with pytest.raises(ValueError, match="tenure table"):
        formulas.expected_stage_visits(simkit.load_scenario("cohort_10000"))


def test_one_customer_clv_textbook_cases():
    """§3: ¥100 a purchase, twice a month, 20 years -> ¥48,000; milk powder 8 bags a month, 4 years -> 384."""
    assert formulas.clv(100, 20, purchases_per_year=24) == 100 * 2 * 12 * 20 == 48_000
    assert formulas.clv(100, 20, years_between_purchases=1 / 24) == pytest.approx(48_000)
    assert formulas.clv(1, 4, purchases_per_year=8 * 12) == 384
    with pytest.raises(ValueError, match="exactly one of purchases_per_year and years_between_purchases"):
        formulas.clv(100, 20)
    with pytest.raises(ValueError, match="lifetime_years: got -1"):
        formulas.clv(100, -1, purchases_per_year=2)


def test_discounted_clv_is_a_geometric_sum():
    value, years, rate = 2400.0, 20, 0.05
    q = 1 / 1.05
    assert formulas.discounted_clv(value, years, rate) == pytest.approx(value * (1 - q ** years) / (1 - q))
    assert formulas.discounted_clv(value, years, 0.0) == pytest.approx(48_000)
    assert formulas.discounted_clv(100, 1.5, 0.1) == pytest.approx(100 + 0.5 * 100 / 1.1)

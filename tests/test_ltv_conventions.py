"""LTV tables in every published convention, and the wrong answers the calculator used to give (issue 10).

Every expected figure is written out here from its source: the textbook's table (§4), a hand
calculation in the test, or a closed form.
"""

import numpy as np
import pytest

import simkit
from simkit import hughes_table
from simkit.exact import formulas
from simkit.exact.cohort import round_half_away

TEXTBOOK = dict(customers=10_000, retention_rate=[0.6, 0.7, 0.8], orders_per_year=[1.6, 2.6, 3.2],
                average_order_value=[100, 112, 120], cost_of_sales_share=[0.7, 0.65, 0.65], acquisition_cost=60,
                marketing_cost=[0, 20, 20], interest_rate=0.08, risk_factor=2)


# ------------------------------------------------------------------ the defects
@pytest.mark.parametrize("name", ["marketing_cost", "acquisition_cost", "discount_rate", "total_cost", "npv", "ltv",
                                  "customers", "revenue"])
def test_a_cost_line_named_like_a_built_in_row_is_just_a_cost_line(name):
    """A further line of ¥4 per customer in years 2 and 3, whatever it is called.

    By hand: year 2, 6,000 customers x 4 = 24,000 / 1.16 = 20,689.66; year 3, 4,200 x 4 = 16,800 / 1.3456
    = 12,485.14; so the textbook's 66.08 falls by 33,174.80 / 10,000 = 3.32 to 62.76.
    """
    table = hughes_table(**TEXTBOOK, other_costs={name: [0, 4, 4]})
    assert [f"{v:.2f}" for v in table.ltv] == ["-12.00", "28.30", "62.76"]
    assert table["acquisition_cost"].tolist() == [600_000, 0, 0]
    assert table["marketing_cost"].tolist() == [0, 120_000, 84_000]
    assert table[f"other:{name}"].tolist() == [0, 24_000, 16_800]


def test_a_firm_that_replaces_its_lost_customers_serves_the_same_number_every_year():
    """1,000 customers, 20 % lost at each year end and replaced at once: 1,000 customers in every year."""
    firm = simkit.load_scenario("firm_a").updated({"arrivals.cohort_size": 1000, "arrivals.replace_lost": True,
                                                   "horizon": 3, "arrivals.acquisition_cost": 60.0})
    for engine in simkit.engines.run.ENGINES:
        result = simkit.run_simulation(firm, engine=engine)
        table = simkit.simulated_cohort_table(result)
        assert table["customers"].tolist() == [1000, 1000, 1000]
        lost, acquired = result.periods["n_lost"], result.periods["n_acquired"]
        assert acquired[0] == 1000 and acquired[1:].tolist() == lost[:-1].tolist()  # replaced the next year
        assert table["acquisition_cost"].tolist() == (60 * acquired).tolist()      # none at the horizon


def test_the_simulated_table_adds_up_with_a_second_product():
    result = simkit.run_simulation(simkit.load_scenario("lifecycle_textbook"), engine="numpy")
    assert result.periods["cross_sell_revenue"].sum() > 0
    table = simkit.simulated_cohort_table(result)
    np.testing.assert_allclose(table["revenue"] - table["total_cost"], table["gross_profit"], atol=1e-6)


@pytest.mark.parametrize("change, field", [({"arrivals.replace_lost": True}, "arrivals.replace_lost"),
                                           ({"arrivals.prospects_per_year": 100.0}, "arrivals.prospects_per_year")])
def test_the_exact_table_refuses_what_it_cannot_compute(change, field):
    scenario = simkit.load_scenario("cohort_10000").updated(change)
    with pytest.raises(simkit.ScenarioError, match=rf"{field}.*simulated_cohort_table"):
        simkit.cohort_table(scenario)


def test_printed_money_rounds_half_away_from_zero():
    assert (round_half_away(2.5), round_half_away(-2.5), round_half_away(3.5), round_half_away(0.125, 2)) == \
        (3.0, -3.0, 4.0, 0.13)
    # one customer buying once for ¥2.50, nothing else: revenue prints 3 (not 2, as round-half-even would)
    table = hughes_table(customers=1, retention_rate=[1.0], orders_per_year=[1], average_order_value=[2.5],
                         cost_of_sales_share=[0.0], acquisition_cost=5)
    revenue_line = next(line for line in table.to_text().splitlines() if line.startswith("revenue"))
    gross_line = next(line for line in table.to_text().splitlines() if line.startswith("gross profit"))
    assert revenue_line.split()[-1] == "3" and gross_line.split()[-1] == "-3"   # 2.5 - 5 = -2.5


# ------------------------------------------------------------------ the conventions
def test_printed_discount_factors_reproduce_a_table_that_prints_them_rounded():
    """The textbook cohort with the factors printed 1.00 / 1.16 / 1.35 (not 1.3456).

    By hand: NPV = gross profit / factor: -120,000 / 1; 491,520 / 1.16 = 423,724.14; 480,480 / 1.35 =
    355,911.11; cumulative 659,635.25; LTV 65.96.
    """
    table = hughes_table(**TEXTBOOK, discount_factors=[1, 1.16, 1.35])
    assert table["discount_rate"].tolist() == [1.0, 1.16, 1.35]
    assert [f"{v:,.2f}" for v in table["cumulative_npv"]] == ["-120,000.00", "303,724.14", "659,635.25"]
    assert f"{table.ltv[-1]:.2f}" == "65.96"
    with pytest.raises(simkit.ScenarioError, match=r"discount_factors\[1\]: got 0"):
        hughes_table(**TEXTBOOK, discount_factors=[1, 0, 1.35])
    with pytest.raises(simkit.ScenarioError, match="one per year of the table"):
        hughes_table(**TEXTBOOK, discount_factors=[1, 1.16])


def test_acquisition_at_year_0_and_end_of_year_discounting_by_hand():
    """1,000 customers, margin ¥100 a year, 80 % retained, ¥50 to acquire, 10 % a year, discounted at year end.

    By hand: year 0, -50,000; year 1, 1,000 x 100 / 1.1 = 90,909.09; year 2, 800 x 100 / 1.21 = 66,115.70;
    year 3, 640 x 100 / 1.331 = 48,084.15; cumulative 155,108.94, LTV 155.11.
    """
    table = hughes_table(customers=1000, retention_rate=[0.8] * 3, margin_per_customer=[100] * 3,
                         acquisition_cost=50, interest_rate=0.1, discount_timing="end", acquisition_at_start=True)
    assert table.columns == ["year 0", "year 1", "year 2", "year 3"]
    assert [f"{v:,.2f}" for v in table["npv"]] == ["-50,000.00", "90,909.09", "66,115.70", "48,084.15"]
    assert f"{table.ltv[-1]:.2f}" == "155.11"
    assert f"{formulas.ltv_closed_form(100, 0.8, 0.1, years=3, acquisition_cost=50):.2f}" == "155.11"
    assert "year 0" in table.to_text() and table.to_csv().startswith("row,year_0,year_1")


def test_the_same_customers_are_worth_different_amounts_in_each_convention():
    """Hughes (start of year, acquisition in year 1) >= acquisition at year 0 with end-of-year discounting."""
    hughes = hughes_table(**TEXTBOOK)
    textbook_end = hughes_table(**TEXTBOOK, discount_timing="end", acquisition_at_start=True)
    # every year's profit divided by one more year of interest (1.16); acquisition (at time 0) undiscounted:
    # LTV_end = (LTV_hughes x cohort + acquisition) / 1.16 - acquisition, per customer
    expected = (hughes.ltv[-1] * 10_000 + 600_000) / 1.16 / 10_000 - 60
    assert textbook_end.ltv[-1] == pytest.approx(expected, rel=1e-12)
    assert textbook_end.ltv[-1] < hughes.ltv[-1]


def test_margin_per_customer_gives_the_textbook_table():
    """Margins from the textbook's rows: 1.6 x 100 x 0.30 = 48, 2.6 x 112 x 0.35 = 101.92, 3.2 x 120 x 0.35 = 134.4."""
    rows = {k: v for k, v in TEXTBOOK.items() if k not in ("orders_per_year", "average_order_value",
                                                           "cost_of_sales_share")}
    table = hughes_table(**rows, margin_per_customer=[48, 101.92, 134.4])
    assert [f"{v:.2f}" for v in table.ltv] == ["-12.00", "30.37", "66.08"]   # the textbook's figures (§4)
    assert "revenue" not in table.rows and table["margin"].tolist() == pytest.approx([480_000, 611_520, 564_480])
    with pytest.raises(simkit.ScenarioError, match="margin_per_customer"):
        simkit.run_simulation(table.scenario)   # nothing to simulate purchases from: refused, named


def test_the_table_converges_to_the_closed_form_as_the_years_grow():
    """Constant margin ¥100, 80 % retained, 10 %: m / (1 + i - r) = 333.33 per customer, less ¥50 to acquire."""
    infinite = formulas.ltv_closed_form(100, 0.8, 0.1, acquisition_cost=50)
    assert infinite == pytest.approx(100 / 0.3 - 50)
    gaps = []
    for years in (5, 20, 80):
        table = hughes_table(customers=1000, retention_rate=[0.8] * years, margin_per_customer=[100] * years,
                             acquisition_cost=50, interest_rate=0.1, discount_timing="end", acquisition_at_start=True)
        finite = formulas.ltv_closed_form(100, 0.8, 0.1, years=years, acquisition_cost=50)
        assert table.ltv[-1] == pytest.approx(finite, rel=1e-12)   # the finite sum, exactly
        gaps.append(infinite - table.ltv[-1])
    assert gaps[0] > gaps[1] > gaps[2] > 0 and gaps[2] < 1e-6


def test_gupta_and_lehmanns_margin_multiples():
    """Their table: 90 % retention at 10 % -> 4.5; 80 % at 12 % -> 2.5 (r / (1 + i - r))."""
    assert formulas.margin_multiple(0.9, 0.10) == pytest.approx(4.5)
    assert formulas.margin_multiple(0.8, 0.12) == pytest.approx(2.5)
    # the multiple counts from the year after: margin x multiple = ltv_closed_form less the first year's margin
    assert 100 * formulas.margin_multiple(0.8, 0.1) == pytest.approx(
        formulas.ltv_closed_form(100, 0.8, 0.1, timing="start") - 100)


@pytest.mark.parametrize("engine", simkit.engines.run.ENGINES)
def test_both_engines_value_customers_in_the_end_of_year_convention(engine):
    """The simulated customers' mean lifetime value covers the exact table's LTV (4 standard errors)."""
    scenario = simkit.load_scenario("cohort_10000").updated({"discounting.timing": "end",
                                                             "discounting.acquisition_at_start": True})
    exact = simkit.cohort_table(scenario).ltv[-1]
    ltv = simkit.run_simulation(scenario, engine=engine, ledger=False).ltv
    assert abs(ltv.mean - exact) < 4 * ltv.standard_error


def test_the_command_line_takes_the_conventions(capsys):
    from simkit.cli import main

    assert main(["ltv", "--discount-timing", "end", "--acquisition-at-start"]) == 0
    out = capsys.readouterr().out
    assert "year 0" in out and "-60.00" in out
    assert main(["ltv", "--discount-factors", "1,1.16,1.35"]) == 0
    assert "65.96" in capsys.readouterr().out
    assert main(["ltv", "--discount-factors", "1,x"]) == 2

"""The exact cohort calculator against the textbook, a published Hughes table, hand sums and closed forms."""

import csv
import math

import numpy as np
import pytest

import simkit
from simkit import ScenarioError, cohort_table, hughes_table, ltv_sensitivity
from simkit.exact.cohort import simulated_cohort_table

Z = 4.0


@pytest.fixture
def textbook():
    return cohort_table(simkit.load_scenario("cohort_10000"))


def test_textbook_figures(textbook):
    """Textbook §4: average LTV -12 after year 1 and 66.08 after year 3 (the text's own figures)."""
    assert f"{textbook.ltv[0]:.2f}" == "-12.00"
    assert f"{textbook.ltv[2]:.2f}" == "66.08"


def test_textbook_reconstruction_row_by_row(textbook):
    """Every row of the reconstruction printed in shared/textbook.md §4."""
    expected = {
        "customers": [10_000, 6_000, 4_200],
        "revenue": [1_600_000, 1_747_200, 1_612_800],
        "cost_of_sales": [1_120_000, 1_135_680, 1_048_320],
        "acquisition_cost": [600_000, 0, 0],
        "marketing_cost": [0, 120_000, 84_000],
        "total_cost": [1_720_000, 1_255_680, 1_132_320],
        "gross_profit": [-120_000, 491_520, 480_480],
        "discount_rate": [1.0, 1.16, 1.3456],
        "npv": [-120_000.00, 423_724.14, 357_074.91],
        "cumulative_npv": [-120_000.00, 303_724.14, 660_799.05],
        "ltv": [-12.00, 30.37, 66.08],
    }
    for row, values in expected.items():
        np.testing.assert_allclose(textbook[row], values, atol=0.005, err_msg=row)


def test_a_published_hughes_table_comes_back_to_the_unit():
    """Hughes' 'Special lifetime value calculator' (dbmarketing.com, 2010): inputs typed in, table 2 out.

    Printed there: retained 200,000 / 121,200 / 86,537; referred 2,000 / 2,424 / 2,596; revenue
    $19,998,000 / $14,834,880 / $13,904,733; ... LTV ($1.23) / $17.86 / $36.50.
    """
    table = hughes_table(
        customers=200_000, orders_per_year=[1.1, 1.2, 1.3], average_order_value=[90, 100, 120],
        retention_rate=[0.60, 0.70, 0.80], referral_rate=[0.01, 0.02, 0.03],
        cost_of_sales_share=[0.60, 0.58, 0.57], acquisition_cost=32, marketing_cost=[3, 10, 10],
        other_costs={"special_programme": [2, 2, 2], "database": [4, 4, 4]}, referral_incentive=[15, 15, 15],
        interest_rate=0.06, risk_factor=1.6, payment_delay_days=30)
    printed = {
        "retained": [200_000, 121_200, 86_537],
        "referred": [2_000, 2_424, 2_596],
        "customers": [202_000, 123_624, 89_133],
        "revenue": [19_998_000, 14_834_880, 13_904_733],
        "cost_of_sales": [11_998_800, 8_604_230, 7_925_698],
        "acquisition_cost": [6_400_000, 0, 0],
        "marketing_cost": [606_000, 1_236_240, 891_329],
        "special_programme": [404_000, 247_248, 178_266],
        "database": [808_000, 494_496, 356_532],
        "referral_incentives": [30_000, 36_360, 38_942],
        "total_cost": [20_246_800, 10_618_574, 9_390_766],
        "gross_profit": [-248_800, 4_216_306, 4_513_967],
        "npv": [-246_933, 3_818_119, 3_729_625],
        "cumulative_npv": [-246_933, 3_571_186, 7_300_811],
    }
    for row, values in printed.items():
        assert np.round(table[row]).astype(int).tolist() == values, row
    assert np.round(table["discount_rate"], 2).tolist() == [1.01, 1.10, 1.21]
    assert [f"{v:.2f}" for v in table.ltv] == ["-1.23", "17.86", "36.50"]
    text = table.to_text()
    for figure in ("86,537", "13,904,733", "7,300,811.37", "36.50", "special programme"):
        assert figure in text


def test_a_small_table_by_hand():
    """Two years, 1,000 customers, referrals and a database cost, written out by hand."""
    table = hughes_table(customers=1000, retention_rate=[0.5, 0.5], orders_per_year=[2, 3],
                         average_order_value=[50, 60], cost_of_sales_share=[0.6, 0.5], acquisition_cost=30,
                         marketing_cost=[5, 5], other_costs={"database": [1, 1]}, referral_rate=[0.1, 0.2],
                         referral_incentive=[10, 10], interest_rate=0.1, risk_factor=1.5)
    # year 1: 1,000 retained + 100 referred = 1,100 customers
    y1_revenue = 1100 * 2 * 50                                  # 110,000
    y1_costs = 0.6 * y1_revenue + 1000 * 30 + 1100 * 5 + 1100 * 1 + 100 * 10   # 66,000 + 30,000 + 5,500 + 1,100 + 1,000
    y1_profit = y1_revenue - y1_costs                            # 6,400
    # year 2: 1,100 x 0.5 = 550 retained + 110 referred = 660 customers
    y2_revenue = 660 * 3 * 60                                    # 118,800
    y2_costs = 0.5 * y2_revenue + 660 * 5 + 660 * 1 + 110 * 10   # 59,400 + 3,300 + 660 + 1,100
    y2_profit = y2_revenue - y2_costs                            # 54,340
    ltv2 = (y1_profit + y2_profit / 1.15) / 1000
    assert y1_profit == pytest.approx(6_400) and y2_profit == pytest.approx(54_340)
    np.testing.assert_allclose(table["customers"], [1100, 660])
    np.testing.assert_allclose(table["gross_profit"], [y1_profit, y2_profit])
    assert table.ltv[1] == pytest.approx(ltv2)


@pytest.mark.parametrize("retention, margin, years", [(0.8, 50.0, 5), (0.6, 20.0, 10), (1.0, 10.0, 3)])
def test_constant_retention_and_margin_give_a_geometric_series(retention, margin, years):
    """LTV after Y years = m (1 - q^Y) / (1 - q) with q = retention / discount (no acquisition cost)."""
    discount = 1 + 0.05 * 2
    table = hughes_table(customers=500, retention_rate=[retention], orders_per_year=[1.0],
                         average_order_value=[margin], cost_of_sales_share=[0.0], interest_rate=0.05,
                         risk_factor=2, years=years)
    q = retention / discount
    assert table.years == years
    assert table.ltv[-1] == pytest.approx(margin * (1 - q ** years) / (1 - q))


def test_break_even_and_acquisition_alone(textbook):
    """§4: acquisition alone creates no profit; the cohort breaks even in year 2."""
    assert textbook.ltv[0] < 0
    assert textbook.break_even_year == 2
    never = hughes_table(customers=10, retention_rate=[0.1], orders_per_year=[1], average_order_value=[10],
                         cost_of_sales_share=[0.9], acquisition_cost=100)
    assert never.break_even_year is None


def test_levers_by_hand():
    """Each lever alone, against the hand calculation of its 3-year LTV."""
    def ltv(r=(0.6, 0.7), c=(0.70, 0.65, 0.65), acquisition=60.0):
        survivors = [1.0, r[0], r[0] * r[1]]
        margins = [1.6 * 100 * (1 - c[0]) - 0, 2.6 * 112 * (1 - c[1]) - 20, 3.2 * 120 * (1 - c[2]) - 20]
        return sum(s * m / 1.16 ** n for n, (s, m) in enumerate(zip(survivors, margins))) - acquisition

    base = ltv()
    expected = {"retention +10 points": ltv(r=(0.7, 0.8)),
                "acquisition cost -10 %": ltv(acquisition=54.0),
                "cost of sales -5 points": ltv(c=(0.65, 0.60, 0.60))}
    effects = ltv_sensitivity(simkit.load_scenario("cohort_10000"))
    assert [abs(e.change) for e in effects] == sorted((abs(e.change) for e in effects), reverse=True)
    for effect in effects:
        assert effect.ltv_before == pytest.approx(base)
        assert effect.ltv_after == pytest.approx(expected[effect.lever]), effect.lever
    assert next(e for e in effects if e.lever == "acquisition cost -10 %").change == pytest.approx(6.0)


def test_outputs(textbook, tmp_path):
    text = str(textbook)
    assert "-12.00" in text and "30.37" in text and "66.08" in text
    assert "retained customers" not in text  # without referrals the row would repeat 'customers'
    assert "retained customers" in textbook.to_text(show_all=True)
    html = textbook._repr_html_()
    assert html.startswith("<table>") and "66.08" in html and "客户保持率" in html
    path = textbook.to_csv(tmp_path / "ltv.csv")
    with path.open(encoding="utf-8", newline="") as file:
        rows = {r["row"]: r for r in csv.DictReader(file)}
    assert float(rows["ltv"]["year_3"]) == pytest.approx(66.0799, abs=1e-4)
    assert textbook.to_csv().startswith("row,year_1,year_2,year_3")
    pd = pytest.importorskip("pandas")
    frame = textbook.to_frame()
    assert isinstance(frame, pd.DataFrame) and frame.loc["average LTV ¥", "year 3"] == pytest.approx(66.0799, abs=1e-4)


@pytest.mark.parametrize("changes, message", [
    ({"tenure.retention_rate": [0.6, 1.2, 0.8]}, r"tenure\.retention_rate\[1\]: got 1\.2"),
    ({"tenure.orders_per_year": [1.6, -2.6, 3.2]}, r"tenure\.orders_per_year\[1\]: got -2\.6"),
    ({"tenure.average_order_value": [100, 112]}, r"tenure\.average_order_value: got 2 values, expected 3"),
    ({"tenure.other_costs_per_year": {"database": [1, 2]}}, r"tenure\.other_costs_per_year\.database: got 2 values"),
    ({"tenure.referral_incentive": [-1, 0, 0]}, r"tenure\.referral_incentive\[0\]: got -1"),
])
def test_bad_tables_are_refused_with_the_row_and_year(changes, message):
    with pytest.raises(ScenarioError, match=message):
        simkit.load_scenario("cohort_10000").updated(changes)


def test_the_calculator_needs_a_cohort_and_a_tenure_table():
    with pytest.raises(ScenarioError, match="tenure: missing"):
        cohort_table(simkit.load_scenario("lifecycle_basic"))
    with pytest.raises(ScenarioError, match=r"years: got 0"):
        cohort_table(simkit.load_scenario("cohort_10000"), years=0)
    with pytest.raises(TypeError, match="scenario: got dict"):
        cohort_table({})
    five = cohort_table(simkit.load_scenario("cohort_10000"), years=5)
    assert five.years == 5 and five["retention_rate"][-1] == 0.8  # the last year repeats


# ---------------------------------------------------------------- simulation against the exact table
def test_simulated_cohort_agrees_with_the_exact_table():
    """The textbook cohort run through the engine: the 95 % interval over replications covers 66.08."""
    scenario = simkit.load_scenario("cohort_10000")
    runs = simkit.replicate(scenario, 8, n_customers=5_000)
    finals = np.array([r.average_ltv()[-1] for r in runs])
    se = finals.std(ddof=1) / math.sqrt(len(finals))
    exact = cohort_table(scenario).ltv[-1]
    assert abs(finals.mean() - exact) < Z * se
    table = simulated_cohort_table(runs[0])
    assert table["customers"][0] == 5_000 and table["acquisition_cost"][0] == 300_000
    assert table.ltv[-1] == pytest.approx(runs[0].average_ltv()[-1])


def test_simulated_referrals_and_cost_lines_agree_with_the_exact_table():
    """A Hughes table with referrals, incentives and further cost lines, simulated customer by customer."""
    exact = hughes_table(customers=4000, retention_rate=[0.6, 0.7, 0.8], orders_per_year=[1.1, 1.2, 1.3],
                         average_order_value=[90, 100, 120], cost_of_sales_share=[0.6, 0.58, 0.57],
                         acquisition_cost=32, marketing_cost=[3, 10, 10], other_costs={"database": [4, 4, 4]},
                         referral_rate=[0.05, 0.1, 0.15], referral_incentive=[15, 15, 15],
                         interest_rate=0.06, risk_factor=1.6)
    runs = simkit.replicate(exact.scenario.replace(seed=5), 8)
    for row, values in (("customers", lambda r: r.customers_served()),
                        ("ltv", lambda r: r.average_ltv())):
        samples = np.array([values(r) for r in runs])
        se = samples.std(axis=0, ddof=1) / math.sqrt(len(runs))
        assert np.all(np.abs(samples.mean(axis=0) - exact[row]) < Z * se + 1e-9), row
    referred = np.array([r.periods["n_referred"] for r in runs]).mean(axis=0)
    se = np.array([r.periods["n_referred"] for r in runs]).std(axis=0, ddof=1) / math.sqrt(len(runs))
    assert np.all(np.abs(referred - exact["referred"]) < Z * se)

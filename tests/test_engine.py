"""Both engines: conservation, reproducibility, and agreement with closed forms.

Every test here runs once on the SimPy engine (the reference) and once on the
vectorized NumPy engine: the same promises hold for both.  Statistical tests
use a fixed seed (so they are deterministic) and a tolerance of four standard
errors derived from the model, not from the run.
"""

import functools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simkit
from simkit import Scenario, Stage, run_simulation

Z = 4.0  # tolerance in standard errors


@pytest.fixture(autouse=True, scope="module", params=simkit.engines.run.ENGINES)
def engine(request):
    """Run the module's tests on each engine: ``run_simulation`` here means that engine's."""
    global run_simulation
    original = run_simulation
    run_simulation = functools.partial(simkit.run_simulation, engine=request.param)
    yield request.param
    run_simulation = original


def _states_from_event_log(result):
    """Customers in each stage at every period end, rebuilt from the event log alone."""
    events = result.events
    ends = result.period_end_years
    counts = np.zeros((len(ends), len(Stage)), dtype=int)
    state = {}
    k = 0
    for cid, time, event, stage in zip(events["customer_id"], events["time"], events["event"],
                                       events["stage"]):
        while k < len(ends) and time > ends[k] + 1e-9:
            for s in state.values():
                counts[k, s] += 1
            k += 1
        if event in ("arrive", "move"):
            state[cid] = Stage.from_name(stage)
    while k < len(ends):
        for s in state.values():
            counts[k, s] += 1
        k += 1
    return counts


# ------------------------------------------------------------- conservation
def test_every_customer_is_in_exactly_one_state_at_every_period_end(lifecycle):
    result = run_simulation(lifecycle, event_log=True)
    entered = np.cumsum(result.periods["n_arrived"])
    assert np.array_equal(result.stage_counts.sum(axis=1), entered)
    assert np.array_equal(result.stage_counts, _states_from_event_log(result))
    final = np.bincount(result.ledger["final_stage"], minlength=len(Stage))
    assert np.array_equal(final, result.stage_counts[-1])
    assert len(result.ledger) == entered[-1] == result.ltv.count


def test_ledger_totals_match_the_period_totals(lifecycle):
    result = run_simulation(lifecycle)
    ledger, periods = result.ledger, result.periods
    for name in ("revenue", "cost_of_sales", "acquisition_cost", "service_cost", "referral_damage_cost",
                 "profit"):
        assert ledger[name].sum() == pytest.approx(periods[name].sum(), rel=1e-12, abs=1e-6), name
    assert ledger["n_purchases"].sum() == periods["n_purchases"].sum()
    assert ledger["n_referrals"].sum() == periods["n_referred"].sum() == np.sum(ledger["source"] == 2)
    assert ledger["n_prospects_lost"].sum() == periods["n_prospects_lost"].sum()
    assert np.sum(~np.isnan(ledger["entered_new"])) == periods["n_acquired"].sum()
    assert np.sum(ledger["final_stage"] == Stage.LOST) == periods["n_lost"].sum()
    assert np.sum(ledger["final_stage"] == Stage.UNCONVERTED) == periods["n_unconverted"].sum()
    # each customer's parts add up to its profit
    parts = (ledger["revenue"] - ledger["cost_of_sales"] - ledger["acquisition_cost"]
             - ledger["service_cost"] - ledger["referral_damage_cost"])
    np.testing.assert_allclose(parts, ledger["profit"], atol=1e-9)
    assert ledger["lifetime_value"].mean() == pytest.approx(result.ltv.mean, rel=1e-9)
    # time spent in the stages adds up to the time since entry
    spent = ledger["years_prospect"] + ledger["years_new"] + ledger["years_loyal"] + ledger["years_decline"]
    until = np.where(np.isnan(ledger["exit_time"]), lifecycle.horizon_years, ledger["exit_time"])
    np.testing.assert_allclose(spent, until - ledger["entry_time"], atol=1e-9)


def test_flows_between_stages_match_the_event_log(lifecycle):
    """Acquired, promoted (to loyal), declined and lost per period, counted from the event log alone."""
    result = run_simulation(lifecycle, event_log=True)
    events = result.events
    moves = events["event"] == "move"
    for stage, name in (("loyal", "n_promoted"), ("decline", "n_declined"), ("lost", "n_lost")):
        times = events["time"][moves & (events["stage"] == stage)]
        per_period = np.bincount(np.maximum(np.ceil(times - 1e-9).astype(int) - 1, 0), minlength=lifecycle.horizon)
        assert per_period.tolist() == result.periods[name].tolist(), name


def test_without_ledger_and_log_only_running_tallies_remain(lifecycle):
    lean = run_simulation(lifecycle, ledger=False)
    full = run_simulation(lifecycle, event_log=True)
    assert lean.ledger is None and lean.events is None
    assert np.array_equal(lean.stage_counts, full.stage_counts)
    assert lean.ltv == full.ltv
    for name, values in lean.periods.items():
        assert np.array_equal(values, full.periods[name]), name


# ------------------------------------------------------------- reproducibility
def test_same_scenario_and_seed_give_bit_identical_results(lifecycle):
    first = run_simulation(lifecycle, event_log=True)
    second = run_simulation(lifecycle, event_log=True)
    for name in first.ledger.names:
        assert np.array_equal(first.ledger[name], second.ledger[name], equal_nan=True), name
    assert first.events.to_csv() == second.events.to_csv()
    assert first.ltv == second.ltv


def test_different_seeds_give_independent_runs(cohort):
    one = run_simulation(cohort, seed=1, n_customers=4000)
    two = run_simulation(cohort, seed=2, n_customers=4000)
    assert one.ltv.mean != two.ltv.mean
    # the same customer ids under two seeds: their lifetime values are uncorrelated
    r = np.corrcoef(one.ledger["lifetime_value"], two.ledger["lifetime_value"])[0, 1]
    assert abs(r) < Z / math.sqrt(4000)


def test_months_and_years_tell_the_same_story(lifecycle):
    """Rates are per year whatever the period: twelve months add up to the year."""
    yearly = run_simulation(lifecycle)
    monthly = run_simulation(lifecycle.updated({"time_unit": "month", "horizon": lifecycle.horizon * 12}))
    assert monthly.periods["revenue"].shape == (48,)
    for name in ("revenue", "profit", "service_cost", "acquisition_cost"):
        np.testing.assert_allclose(monthly.periods[name].reshape(-1, 12).sum(axis=1),
                                   yearly.periods[name], rtol=1e-9, atol=1e-6)
    assert np.array_equal(monthly.stage_counts[11::12], yearly.stage_counts)


# ------------------------------------------------------------- closed forms
def test_survivors_of_a_closed_cohort_follow_retention_to_the_power_t():
    """Firm A (textbook §2): 20 % churn a year; n * 0.8**t left after t years, not zero after 5."""
    n = 20_000
    result = run_simulation(simkit.load_scenario("firm_a"), n_customers=n, seed=11, ledger=False)
    for t, active in enumerate(result.active_customers, start=1):
        p = 0.8 ** t
        expected = simkit.exact.formulas.survivors(n, 0.8, t)
        assert expected == n * p
        assert abs(active - expected) < Z * math.sqrt(n * p * (1 - p)), (t, active, expected)


def test_average_lifetime_value_of_the_textbook_cohort_covers_66_08(cohort):
    """The 10,000-customer cohort of §4: the engine's mean LTV agrees with the hand calculation."""
    # hand calculation: survivors at the start of years 1-3 are 1, 0.6, 0.6 * 0.7 of the cohort
    year1 = 1.00 * (1.6 * 100 * (1 - 0.70) - 0) / 1.16 ** 0 - 60   # = -12
    year2 = 0.60 * (2.6 * 112 * (1 - 0.65) - 20) / 1.16 ** 1
    year3 = 0.42 * (3.2 * 120 * (1 - 0.65) - 20) / 1.16 ** 2
    exact = year1 + year2 + year3
    assert round(year1, 2) == -12.00 and round(exact, 2) == 66.08   # the textbook's figures
    result = run_simulation(cohort, ledger=False)
    assert result.ltv.count == 10_000
    assert abs(result.ltv.mean - exact) < Z * result.ltv.standard_error
    low, high = result.ltv.confidence_interval(z=Z)
    assert low < exact < high
    # customers served in each year (active at the end of the year before)
    served = np.concatenate([[10_000], result.active_customers[:-1]])
    for expected, count in zip([10_000, 6_000, 4_200], served):
        p = expected / 10_000
        assert abs(count - expected) <= Z * math.sqrt(10_000 * p * (1 - p)) + 1e-9


_MEASURED = {
    "name": "measured",
    "horizon": 40,
    "seed": 3,
    "arrivals": {"cohort_size": 4000, "cohort_stage": "prospect", "acquisition_cost": 10.0},
    "stages": {
        "prospect": {"mean_duration_years": 0.25, "next_stage": {"new": 0.5, "unconverted": 0.5}},
        "new": {"mean_duration_years": 1.0, "next_stage": {"loyal": 1.0}},
        "loyal": {"mean_duration_years": 2.0, "next_stage": {"lost": 1.0}, "orders_per_year": 4.0,
                  "average_order_value": 50.0, "order_value_sd": 20.0},
    },
}


@pytest.fixture(scope="module")
def measured():
    return run_simulation(Scenario.from_dict(_MEASURED))


def test_mean_time_in_a_stage_matches_its_mean_duration(measured):
    ledger = measured.ledger
    left_prospect = np.where(np.isnan(ledger["entered_new"]), ledger["exit_time"], ledger["entered_new"])
    for stage, times in (("prospect", left_prospect - ledger["entry_time"]),
                         ("loyal", ledger["years_loyal"][ledger["final_stage"] == Stage.LOST])):
        mean = _MEASURED["stages"][stage]["mean_duration_years"]
        # exponential durations: the standard deviation equals the mean
        assert abs(times.mean() - mean) < Z * mean / math.sqrt(len(times)), stage


def test_conversion_share_matches_the_probability(measured):
    scenario = measured.scenario
    p = simkit.exact.formulas.conversion_probability(scenario)
    assert p == 0.5
    converted = measured.periods["n_acquired"].sum()
    n = measured.ltv.count
    assert abs(converted / n - p) < Z * math.sqrt(p * (1 - p) / n)
    visits = simkit.exact.formulas.expected_stage_years(scenario)
    assert visits[Stage.LOYAL] == 0.5 * 2.0


def test_purchases_per_customer_year_match_the_rate(measured):
    ledger = measured.ledger
    years = ledger["years_loyal"].sum()
    rate = measured.ledger["n_purchases"].sum() / years
    assert abs(rate - 4.0) < Z * math.sqrt(4.0 / years)
    spend = ledger["revenue"].sum() / ledger["n_purchases"].sum()
    assert abs(spend - 50.0) < Z * 20.0 / math.sqrt(ledger["n_purchases"].sum())


def test_prospect_stream_arrives_at_its_rate():
    scenario = Scenario(horizon=5, seed=4, arrivals={"prospects_per_year": 2000.0})
    result = run_simulation(scenario, ledger=False)
    arrived = result.periods["n_arrived"]
    assert arrived.shape == (5,)
    assert np.all(np.abs(arrived - 2000) < Z * math.sqrt(2000))
    # prospects with no stage duration stay prospects
    assert np.array_equal(result.customers_in("prospect"), np.cumsum(arrived))


def test_a_stage_without_duration_lasts_until_the_horizon():
    scenario = Scenario(horizon=2, arrivals={"cohort_size": 7, "cohort_stage": "new", "acquisition_cost": 5},
                        stages={"new": {"orders_per_year": 1.0, "average_order_value": 10.0}})
    result = run_simulation(scenario)
    assert result.customers_in(Stage.NEW).tolist() == [7, 7]
    assert result.periods["acquisition_cost"].tolist() == [35.0, 0.0]
    np.testing.assert_allclose(result.ledger["years_new"], 2.0)


def test_discounting_by_tenure_year():
    """A customer paying a constant ¥100 a year for 3 years at 8 % x 2: LTV = 100 (1 + 1/1.16 + 1/1.16^2)."""
    scenario = Scenario(horizon=3, arrivals={"cohort_size": 3, "cohort_stage": "new"},
                        stages={"new": {"service_cost_per_year": 100.0}},
                        discounting={"interest_rate": 0.08, "risk_factor": 2.0})
    result = run_simulation(scenario)
    expected = -100 * (1 + 1 / 1.16 + 1 / 1.16 ** 2)
    np.testing.assert_allclose(result.ledger["lifetime_value"], expected)
    np.testing.assert_allclose(result.periods["service_cost"], [300.0, 300.0, 300.0])


def test_referrals_and_referral_damage(lifecycle):
    result = run_simulation(lifecycle)
    ledger = result.ledger
    referred = ledger["source"] == 2
    converted = referred & ~np.isnan(ledger["entered_new"])
    assert converted.sum() > 0
    assert np.all(ledger["entered_new"][converted] >= ledger["entry_time"][converted])
    damage = result.periods["n_prospects_lost"].sum()
    assert damage > 0
    assert result.periods["referral_damage_cost"].sum() == pytest.approx(
        damage * lifecycle.arrivals.referral_damage_cost)


# ------------------------------------------------------------- exports
def test_event_log_exports_csv_that_pandas_reads(lifecycle, tmp_path):
    pd = pytest.importorskip("pandas")
    result = run_simulation(lifecycle, event_log=True)
    written = result.to_csv(tmp_path)
    assert sorted(p.name for p in written) == ["events.csv", "ledger.csv", "periods.csv"]
    events = pd.read_csv(tmp_path / "events.csv")
    assert list(events.columns) == ["customer_id", "time", "event", "stage", "amount"]
    assert len(events) == len(result.events)
    assert events["amount"][events["event"] == "purchase"].sum() == pytest.approx(
        result.periods["revenue"].sum())
    periods = pd.read_csv(tmp_path / "periods.csv")
    assert periods["profit"].sum() == pytest.approx(result.periods["profit"].sum())
    transactions = result.events.to_transactions()
    assert list(transactions.columns) == ["customer_id", "date", "amount"]
    assert transactions["date"].dtype.kind == "M"
    assert len(transactions) == result.periods["n_purchases"].sum() + result.periods["n_cross_sell"].sum()
    frame = result.to_frame()
    assert len(frame) == lifecycle.n_periods


def test_summary_is_a_readable_table(cohort):
    text = run_simulation(cohort, n_customers=100).summary()
    lines = text.splitlines()
    assert lines[0].startswith("cohort_10000: 100 people entered")
    assert lines[1].split()[:3] == ["year", "prospect", "new"]
    assert len(lines) == 3 + 3 + 1


def test_run_simulation_rejects_what_is_not_a_scenario(cohort):
    with pytest.raises(TypeError, match="scenario: got dict"):
        run_simulation({"horizon": 3})
    with pytest.raises(simkit.ScenarioError, match="arrivals.cohort_size: got -1"):
        run_simulation(cohort, n_customers=-1)
    with pytest.raises(simkit.ScenarioError, match="ledger: got 'yes'"):
        run_simulation(cohort, ledger="yes")


# ------------------------------------------------------------- any valid scenario
_rate = st.floats(0.0, 5.0)


@st.composite
def _stage(draw, targets):
    mean = draw(st.floats(0, 200))
    data = {"orders_per_year": draw(_rate), "average_order_value": mean,
            "order_value_sd": draw(st.floats(0, 10 * mean)), "cost_of_sales_share": draw(st.floats(0, 1)),
            "service_cost_per_year": draw(st.floats(0, 50)), "referrals_per_year": draw(st.floats(0, 1)),
            "referral_damage_per_year": draw(st.floats(0, 1)), "price_discount": draw(st.floats(0, 1)),
            "cross_sell_adoption_per_year": draw(st.floats(0, 2))}
    if draw(st.booleans()):
        weights = draw(st.lists(st.floats(0.01, 1), min_size=len(targets), max_size=len(targets)))
        probabilities = [w / sum(weights) for w in weights]
        probabilities[-1] = 1.0 - sum(probabilities[:-1])
        data["mean_duration_years"] = draw(st.floats(0.05, 3))
        data["duration_distribution"] = draw(st.sampled_from(["exponential", "fixed"]))
        data["next_stage"] = dict(zip(targets, probabilities))
    return data


@st.composite
def _scenarios(draw):
    return {
        "time_unit": draw(st.sampled_from(["year", "month"])),
        "horizon": draw(st.integers(1, 4)),
        "seed": draw(st.integers(0, 2**32)),
        "arrivals": {"cohort_size": draw(st.integers(1, 25)),
                     "cohort_stage": draw(st.sampled_from(["prospect", "new"])),
                     "prospects_per_year": draw(st.floats(0, 20)),
                     "acquisition_cost": draw(st.floats(0, 100)),
                     "referral_damage_cost": draw(st.floats(0, 100))},
        "stages": {name: draw(_stage([s.label for s in Stage.from_name(name).allowed_next]))
                   for name in ("prospect", "new", "loyal", "decline")},
        "cross_sell": {"orders_per_year": draw(_rate), "average_order_value": draw(st.floats(0, 100)),
                       "cost_of_sales_share": draw(st.floats(0, 1))},
    }


@settings(max_examples=40, deadline=None)
@given(data=_scenarios())
def test_any_valid_scenario_runs_and_conserves_customers(data):
    result = run_simulation(Scenario.from_dict(data), event_log=True)
    assert np.array_equal(result.stage_counts.sum(axis=1), np.cumsum(result.periods["n_arrived"]))
    assert np.array_equal(result.stage_counts, _states_from_event_log(result))
    assert result.ledger["profit"].sum() == pytest.approx(result.periods["profit"].sum(), abs=1e-6)
    parts = result.ledger.profit_parts()
    total = sum(value for key, value in parts.items() if key != "lifetime_profit")
    np.testing.assert_allclose(total, parts["lifetime_profit"], atol=1e-6)


def test_stage_tallies_add_up_to_the_ledger(lifecycle):
    """Years and profit by stage: they add up to the customers' own figures."""
    result = run_simulation(lifecycle)
    ledger = result.ledger
    for stage, column in ((Stage.PROSPECT, "years_prospect"), (Stage.NEW, "years_new"),
                          (Stage.LOYAL, "years_loyal"), (Stage.DECLINE, "years_decline")):
        assert result.stage_years[:, stage].sum() == pytest.approx(ledger[column].sum(), rel=1e-9)
    operating = ledger["profit"].sum() + ledger["acquisition_cost"].sum()   # profit before acquisition
    assert result.stage_profit.sum() == pytest.approx(operating, rel=1e-9)
    # the same profit and years, cut by year of the relationship instead of by stage
    assert result.tenure_profit.sum() == pytest.approx(operating, rel=1e-9)
    assert result.tenure_years.sum() == pytest.approx(result.stage_years.sum(), rel=1e-9)
    assert result.tenure_years.shape == (lifecycle.horizon,)
    per_year = result.profit_per_customer_year()
    # by hand from the scenario: a prospect only costs its sales contact, ¥8 a year
    assert per_year[Stage.PROSPECT] == pytest.approx(-lifecycle.stages.prospect.service_cost_per_year)


@st.composite
def _tenure_scenarios(draw):
    years = draw(st.integers(1, 4))

    def row(low, high):
        return draw(st.lists(st.floats(low, high), min_size=years, max_size=years))

    mean = row(0, 200)
    return {
        "time_unit": draw(st.sampled_from(["year", "month"])),
        "horizon": draw(st.integers(1, 4)),
        "seed": draw(st.integers(0, 2**32)),
        "arrivals": {"cohort_size": draw(st.integers(1, 30)), "cohort_stage": draw(st.sampled_from(["new", "prospect"])),
                     "prospects_per_year": draw(st.floats(0, 10)), "acquisition_cost": draw(st.floats(0, 100)),
                     "replace_lost": draw(st.booleans())},
        "stages": {"prospect": draw(_stage(["new", "unconverted"]))},
        "tenure": {"retention_rate": row(0, 1), "orders_per_year": row(0, 5), "average_order_value": mean,
                   "order_value_sd": [draw(st.floats(0, 10 * m)) for m in mean], "cost_of_sales_share": row(0, 1),
                   "service_cost_per_year": row(0, 50), "referral_rate": row(0, 0.5), "referral_incentive": row(0, 20),
                   "other_costs_per_year": {"database": row(0, 10)}},
    }


@settings(max_examples=40, deadline=None)
@given(data=_tenure_scenarios())
def test_any_valid_tenure_scenario_runs_and_conserves_customers(data):
    """Tenure tables with referrals, further cost lines and replacement of the lost: no error, nobody lost track of."""
    result = run_simulation(Scenario.from_dict(data))
    entered = np.cumsum(result.periods["n_arrived"])
    assert np.array_equal(result.stage_counts.sum(axis=1), entered)
    assert len(result.ledger) == entered[-1]
    assert np.array_equal(np.bincount(result.ledger["final_stage"], minlength=len(Stage)), result.stage_counts[-1])
    assert result.ledger["profit"].sum() == pytest.approx(result.periods["profit"].sum(), abs=1e-6)
    if data["arrivals"]["replace_lost"] and data["arrivals"]["cohort_stage"] == "new" \
            and data["arrivals"]["prospects_per_year"] == 0:
        # every move of a tenure cohort happens at an anniversary, a period's end: the lost leave at the
        # end of period k and their replacements (like the referred) join the period that opens then
        active = result.stage_counts[:, Stage.NEW:Stage.LOST].sum(axis=1)
        referred = np.cumsum(result.periods["n_referred"])
        lost_now = result.periods["n_lost"]
        assert np.all(active + lost_now == data["arrivals"]["cohort_size"] + referred)   # replacement keeps the size


# ------------------------------------------------------------- the parts of lifetime profit (§1)
@pytest.fixture(scope="module")
def with_parts():
    scenario = simkit.load_scenario("lifecycle_basic").updated({
        "horizon": 5, "arrivals.prospects_per_year": 100,
        "cross_sell": {"orders_per_year": 2.0, "average_order_value": 50.0, "cost_of_sales_share": 0.5},
        "stages.loyal.cross_sell_adoption_per_year": 0.5, "stages.new.price_discount": 0.1})
    return run_simulation(scenario, event_log=True)


def test_profit_parts_add_up_for_every_customer(with_parts):
    ledger = with_parts.ledger
    parts = ledger.profit_parts()
    total = sum(value for key, value in parts.items() if key != "lifetime_profit")
    np.testing.assert_allclose(total, parts["lifetime_profit"], atol=1e-8)
    np.testing.assert_allclose(parts["lifetime_profit"], ledger["profit"] + ledger["referral_value"], atol=1e-8)
    # every referred customer's profit is counted once, as its referrer's referral value
    referred = ledger["referred_by"] >= 0
    assert ledger["referral_value"].sum() == pytest.approx(ledger["profit"][referred].sum())
    assert ledger["profit"].sum() == pytest.approx(with_parts.periods["profit"].sum())


def test_new_customers_of_a_new_business(with_parts):
    """Only adopters buy the second product, and only after adopting it; adoption is logged."""
    ledger, events = with_parts.ledger, with_parts.events
    adopted = ~np.isnan(ledger["adopted_second_product"])
    assert adopted.sum() == with_parts.periods["n_adopted"].sum() > 0
    assert np.all(ledger["cross_sell_revenue"][~adopted] == 0)
    assert np.all(~np.isnan(ledger["entered_loyal"][adopted]))   # adoption is a loyal customer's event here
    cross = events["event"] == "cross_sell"
    adopted_at = dict(zip(ledger["customer_id"][adopted], ledger["adopted_second_product"][adopted]))
    assert all(t >= adopted_at[c] for c, t in zip(events["customer_id"][cross], events["time"][cross]))
    np.testing.assert_allclose(ledger["cross_sell_cost"], ledger["cross_sell_revenue"] * 0.5)


def test_price_discounts_and_cost_savings_by_hand():
    """A customer new for exactly one year, then loyal: 10 % off in year 1, ¥25 a year cheaper to serve after."""
    scenario = Scenario(horizon=3, arrivals={"cohort_size": 50, "cohort_stage": "new"}, stages={
        "new": {"mean_duration_years": 1, "duration_distribution": "fixed", "next_stage": {"loyal": 1},
                "orders_per_year": 4, "average_order_value": 100, "price_discount": 0.1,
                "service_cost_per_year": 40},
        "loyal": {"orders_per_year": 4, "average_order_value": 100, "service_cost_per_year": 15}})
    ledger = run_simulation(scenario).ledger
    np.testing.assert_allclose(ledger["cost_savings"], (40 - 15) * 2)
    new_spend = ledger["price_discounts"] / 0.1                 # list price of the year-1 purchases
    assert np.all(ledger["revenue"] >= new_spend * 0.9 - 1e-9)
    parts = ledger.profit_parts()
    np.testing.assert_allclose(parts["base_profit"], ledger["revenue"] + ledger["price_discounts"] - 40 * 3)


def test_waterfall_plot_of_the_parts(with_parts):
    import matplotlib

    matplotlib.use("Agg")
    from simkit.views import plots

    ax = plots.plot_profit_parts(with_parts.ledger, per_customer=False)
    heights = [bar.get_height() for bar in ax.patches]
    parts = with_parts.ledger.profit_parts()
    assert heights[-1] == pytest.approx(parts["lifetime_profit"].sum())
    assert sum(heights[:-1]) == pytest.approx(heights[-1])


# ------------------------------------------------------------- the sales funnel (§7)
def test_the_funnel_moves_prospects_as_the_win_probabilities_say():
    """How many leads reach each funnel stage, against leads x qualification x w(prospect) / w(stage)."""
    n = 20_000
    scenario = simkit.load_scenario("sales_funnel").updated({"arrivals.cohort_size": n})
    result = run_simulation(scenario)
    reached = np.bincount(result.ledger["funnel_reached"], minlength=6)
    at_least = reached[::-1].cumsum()[::-1]          # reached stage s or deeper
    # by hand: half the leads qualify; then 10 % of prospects win, 20 % of opportunities, ...
    expected = [n, n * 0.5, n * 0.5 * 0.10 / 0.20, n * 0.5 * 0.10 / 0.50, n * 0.5 * 0.10 / 0.60,
                n * 0.5 * 0.10 / 0.70]
    assert list(simkit.exact.formulas.funnel_expected(scenario.funnel, n).values())[:6] == pytest.approx(expected)
    for stage, (count, mean) in enumerate(zip(at_least, expected)):
        p = mean / n
        assert abs(count - mean) <= Z * math.sqrt(n * p * (1 - p)) + 1e-9, stage
    won = result.periods["n_acquired"].sum()
    assert abs(won - n * 0.05) < Z * math.sqrt(n * 0.05 * 0.95)
    assert simkit.exact.formulas.leads_needed(scenario.funnel, 100) == 100 / (0.5 * 0.10)


def test_prospects_by_time_to_first_order():
    scenario = simkit.load_scenario("sales_funnel")
    ledger = run_simulation(scenario).ledger
    converted = ~np.isnan(ledger["entered_new"])
    waited = ledger["first_purchase"][converted] - ledger["entry_time"][converted]
    assert np.all((waited >= ledger["entered_new"][converted] - ledger["entry_time"][converted]) | np.isnan(waited))
    classes = simkit.exact.formulas.prospect_temperature(waited)
    expected = ["hot" if w <= 1 / 12 else "warm" if w <= 3 / 12 else "cold" for w in np.nan_to_num(waited, nan=9)]
    assert classes == expected and set(classes) >= {"hot", "warm", "cold"}


def test_first_purchase_is_the_earliest_purchase_in_the_event_log(lifecycle):
    result = run_simulation(lifecycle, event_log=True)
    events = result.events
    purchases = events["event"] == "purchase"
    earliest = np.full(len(result.ledger), np.nan)
    for cid, time in zip(events["customer_id"][purchases], events["time"][purchases]):
        if not time >= earliest[cid]:
            earliest[cid] = time
    # the SimPy clock adds the waits one by one: equal to the last bit or two
    np.testing.assert_allclose(result.ledger["first_purchase"], earliest, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["cohort", "yearly"])
def test_keeping_the_event_log_changes_no_ledger_and_first_purchases_are_the_earliest(name, cohort, lifecycle):
    """Whole spells too (a tenure year; a stage stay within one year), where no purchase time is needed to book."""
    scenario = cohort if name == "cohort" else lifecycle.updated({"time_unit": "year"})
    lean, full = run_simulation(scenario), run_simulation(scenario, event_log=True)
    for column in lean.ledger.names:
        assert np.array_equal(lean.ledger[column], full.ledger[column], equal_nan=True), column
    events = full.events
    purchases = events["event"] == "purchase"
    earliest = np.full(len(full.ledger), np.inf)
    np.minimum.at(earliest, events["customer_id"][purchases], events["time"][purchases])
    earliest[np.isinf(earliest)] = np.nan
    assert np.count_nonzero(~np.isnan(earliest)) > 100
    np.testing.assert_allclose(lean.ledger["first_purchase"], earliest, rtol=1e-12, atol=1e-12)


def test_group_profits_add_up_to_the_profit_and_families_follow_referrals(lifecycle):
    result = run_simulation(lifecycle)
    np.testing.assert_allclose(result.group_profit.sum(axis=0), result.periods["profit"], rtol=1e-9, atol=1e-6)
    ledger = result.ledger
    referred = ledger["referred_by"] >= 0
    assert np.array_equal(ledger["family"][referred], ledger["family"][ledger["referred_by"][referred]])
    first = ledger["source"] <= 1  # the cohort and the prospects from marketing head their own families
    assert sorted(ledger["family"][first]) == list(range(first.sum()))


@pytest.mark.parametrize("engine", ["simpy", "numpy"])
def test_transactions_are_what_customers_paid_cross_sell_included_no_zero_rows(engine):
    """What the CLV libraries read must add up to the run's revenue, discounts taken off."""
    scenario = simkit.load_scenario("lifecycle_textbook").updated({"stages.new.price_discount": 0.25,
                                                                    "stages.decline.price_discount": 1.0})
    result = run_simulation(scenario, n_customers=300, event_log=True, engine=engine)
    transactions = result.events.to_transactions(start_date="2026-01-01")
    periods = result.periods
    assert periods["cross_sell_revenue"].sum() > 0 and periods["price_discounts"].sum() > 0   # both are exercised
    assert transactions["amount"].sum() == pytest.approx(periods["revenue"].sum() + periods["cross_sell_revenue"].sum())
    assert (transactions["amount"] > 0).all()                # a purchase given away is not a transaction
    events = result.events
    given_away = ((events["event"] == "purchase") & (events["stage"] == "decline")).sum()
    assert given_away > 0
    assert len(transactions) == periods["n_purchases"].sum() + periods["n_cross_sell"].sum() - given_away
    # the observation period's end travels with the data: the run's last day
    horizon_days = scenario.horizon_years * 365.25
    assert transactions.attrs["observation_end"] == str(np.datetime64("2026-01-01") + int(np.ceil(horizon_days)) - 1)
    assert transactions["date"].max() <= pd.Timestamp(transactions.attrs["observation_end"])

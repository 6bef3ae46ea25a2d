"""The scenario model: every field checked at construction, with a clear message."""

import copy
import dataclasses
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simkit
from simkit import Scenario, ScenarioError, Stage


# ---------------------------------------------------------------- valid input
def test_builtin_scenarios_load_and_describe_themselves():
    names = simkit.list_scenarios()
    assert {"cohort_10000", "lifecycle_basic", "firm_a", "firm_b"} <= set(names)
    for name in names:
        scenario = simkit.load_scenario(name)
        assert scenario.name == name
        assert scenario.description


def test_keywords_dicts_and_files_give_equal_scenarios(valid_dict, tmp_path):
    from_dict = Scenario.from_dict(valid_dict)
    from_keywords = Scenario(**valid_dict)
    assert from_dict == from_keywords
    for suffix in (".toml", ".json"):
        path = from_dict.save(tmp_path / f"s{suffix}")
        assert Scenario.from_file(path) == from_dict
        assert simkit.load_scenario(path) == from_dict


def test_round_trip_of_every_builtin_through_toml():
    for name in simkit.list_scenarios():
        scenario = simkit.load_scenario(name)
        assert Scenario.from_text(scenario.to_toml()) == scenario


def test_values_are_normalised(valid_dict):
    scenario = Scenario.from_dict(valid_dict)
    assert scenario.arrivals.cohort_stage is Stage.PROSPECT
    assert scenario.stages.new.next_stage == {Stage.LOYAL: 0.7, Stage.LOST: 0.3}
    assert isinstance(scenario.stages.new.orders_per_year, float)
    assert scenario.stages[Stage.LOYAL] is scenario.stages.loyal


def test_scenario_is_immutable(valid_dict):
    scenario = Scenario.from_dict(valid_dict)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.horizon = 10
    with pytest.raises(TypeError):
        scenario.stages.new.next_stage[Stage.LOST] = 1.0


def test_tenure_schedule_fills_optional_rows_and_repeats_the_last_year(cohort):
    tenure = cohort.tenure
    assert tenure.n_years == 3
    assert tenure.referral_rate == (0.0, 0.0, 0.0) and tenure.other_costs_per_year == {}
    assert tenure.row(5)["retention_rate"] == 0.80


def test_months_change_the_period_not_the_rates(valid_dict):
    scenario = Scenario.from_dict({**valid_dict, "time_unit": "month", "horizon": 36})
    assert scenario.horizon_years == 3.0
    assert scenario.period_years == pytest.approx(1 / 12)


def test_updated_changes_fields_by_dotted_path_and_checks_them(valid_dict):
    scenario = Scenario.from_dict(valid_dict)
    changed = scenario.updated({"stages.loyal.orders_per_year": 6, "seed": 9})
    assert changed.stages.loyal.orders_per_year == 6.0 and changed.seed == 9
    assert scenario.stages.loyal.orders_per_year == 4.0
    with pytest.raises(ScenarioError, match=r"stages\.loyal\.orders_per_year: got -1"):
        scenario.updated({"stages.loyal.orders_per_year": -1})


def test_field_info_gives_units_terms_and_slider_ranges():
    info = simkit.model.parts.field_info(simkit.TenureSchedule, "retention_rate")
    assert info["unit"] and "保持率" in info["term"] and info["slider"] == (0, 1)
    assert info["rule"] == "a fraction in [0, 1]"


# ---------------------------------------------------------------- broken input
def _broken(base, path, value):
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return data


_DELETE = object()

BROKEN = [
    # (dotted path, value, text the message must contain)
    ("horizon", 0, r"horizon: got 0, expected a whole number in \[1, 100\]"),
    ("horizon", 2.5, r"horizon: got 2\.5"),
    ("horizon", "3", r"horizon: got '3' \(str\)"),
    ("horizon", True, r"horizon: got True \(bool\)"),
    ("time_unit", "week", r"time_unit: got 'week', expected one of 'year', 'month'"),
    ("seed", -1, r"seed: got -1"),
    ("name", "", r"name: got ''"),
    ("bogus", 1, r"bogus: unknown key; allowed: name"),
    ("arrivals.cohort_size", -5, r"arrivals\.cohort_size: got -5"),
    ("arrivals.cohort_size", 10**30, r"arrivals\.cohort_size: got 1000000"),
    ("arrivals.cohort_stage", "loyal", r"arrivals\.cohort_stage: got 'loyal', expected one of 'prospect', 'new'"),
    ("arrivals.prospects_per_year", -1.0, r"arrivals\.prospects_per_year: got -1\.0"),
    ("arrivals.prospects_per_year", math.nan, r"arrivals\.prospects_per_year: got nan"),
    ("arrivals.acquisition_cost", math.inf, r"arrivals\.acquisition_cost: got inf, expected a finite number"),
    ("arrivals.extra", 1, r"arrivals\.extra: unknown key"),
    ("arrivals", [1, 2], r"arrivals: got \[1, 2\] \(list\), expected a table"),
    ("stages.vip", {}, r"stages\.vip: unknown key; allowed: prospect, new, loyal, decline"),
    ("stages.new.cost_of_sales_share", 1.2, r"stages\.new\.cost_of_sales_share: got 1\.2, expected a fraction in \[0, 1\]"),
    ("stages.new.orders_per_year", -2, r"stages\.new\.orders_per_year: got -2"),
    ("stages.new.mean_duration_years", 0, r"stages\.new\.mean_duration_years: got 0, expected a number in \[0\.001, 1,000\]"),
    ("stages.new.duration_distribution", "normal", r"stages\.new\.duration_distribution: got 'normal'"),
    ("stages.new.next_stage", {"loyal": 0.5, "lost": 0.3}, r"stages\.new\.next_stage: probabilities sum to 0\.8, expected 1"),
    ("stages.new.next_stage", {"vip": 1.0}, r"stages\.new\.next_stage\.vip: unknown stage"),
    ("stages.new.next_stage", {"prospect": 1.0}, r"stages\.new\.next_stage\.prospect: new cannot move to prospect"),
    ("stages.new.next_stage", {"loyal": 1.5, "lost": -0.5}, r"stages\.new\.next_stage\.loyal: got 1\.5"),
    ("stages.new.next_stage", _DELETE, r"stages\.new\.next_stage: missing"),
    ("stages.new.next_stage", "loyal", r"stages\.new\.next_stage: got 'loyal'"),
    ("stages.loyal.mean_duration_years", _DELETE, r"stages\.loyal\.next_stage: given, but mean_duration_years is not"),
    ("stages.loyal.referrals_per_year", "many", r"stages\.loyal\.referrals_per_year: got 'many' \(str\)"),
    ("stages.new.order_value_sd", 501.0, r"stages\.new\.order_value_sd: got 501, expected at most 10 x average_order_value \(50\)"),
    ("stages.new.price_discount", 1.5, r"stages\.new\.price_discount: got 1\.5, expected a fraction in \[0, 1\]"),
    ("stages.loyal.cross_sell_adoption_per_year", -1, r"stages\.loyal\.cross_sell_adoption_per_year: got -1"),
    ("cross_sell.orders_per_year", -1, r"cross_sell\.orders_per_year: got -1"),
    ("cross_sell.colour", "red", r"cross_sell\.colour: unknown key"),
    ("funnel.win_probability", [0.1, 0.5, 0.2, 0.6, 0.7], r"funnel\.win_probability: got \[0\.1, 0\.5, 0\.2, 0\.6, 0\.7\], expected chances that do not fall"),
    ("funnel.mean_duration_years", [0.1, 0.1], r"funnel\.mean_duration_years: got 2 values, expected 6 \(leads, prospect"),
    ("funnel.lead_qualification", 2, r"funnel\.lead_qualification: got 2, expected a fraction in \[0, 1\]"),
    ("discounting.interest_rate", 8, r"discounting\.interest_rate: got 8, expected a fraction in \[0, 1\]"),
    ("discounting.risk_factor", -2, r"discounting\.risk_factor: got -2"),
]


@pytest.mark.parametrize("path, value, message", BROKEN, ids=[f"{p}={v!r}"[:40] for p, v, _ in BROKEN])
def test_each_broken_field_is_named_with_its_value_and_rule(valid_dict, path, value, message):
    data = _broken(valid_dict, path, value)
    with pytest.raises(ScenarioError, match=message):
        Scenario.from_dict(data)


def test_nobody_entering_is_an_error(valid_dict):
    data = _broken(_broken(valid_dict, "arrivals.cohort_size", 0), "arrivals.prospects_per_year", 0)
    with pytest.raises(ScenarioError, match="nobody ever enters"):
        Scenario.from_dict(data)


def test_all_problems_are_reported_at_once(valid_dict):
    data = _broken(_broken(_broken(valid_dict, "horizon", 0), "stages.new.cost_of_sales_share", 2),
                   "typo", 1)
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    assert len(caught.value.problems) == 3
    assert "3 problems" in str(caught.value)


def test_keyword_construction_is_checked_too():
    with pytest.raises(ScenarioError, match=r"stages\.new\.orders_per_year: got -1"):
        Scenario(arrivals={"cohort_size": 1}, stages={"new": {"orders_per_year": -1}})
    with pytest.raises(ScenarioError, match=r"stages\.loyal\.average_order_value"):
        Scenario(arrivals=simkit.Arrivals(cohort_size=1),
                 stages=simkit.Stages(loyal=simkit.StageParams(average_order_value=-3)))


def test_tenure_rules(cohort):
    data = cohort.to_dict()
    data["tenure"]["orders_per_year"] = [1.0, 2.0]
    with pytest.raises(ScenarioError, match=r"tenure\.orders_per_year: got 2 values, expected 3"):
        Scenario.from_dict(data)
    data = cohort.to_dict()
    data["tenure"]["retention_rate"] = [0.6, 1.7, 0.8]
    with pytest.raises(ScenarioError, match=r"tenure\.retention_rate\[1\]: got 1\.7"):
        Scenario.from_dict(data)
    data = cohort.to_dict()
    data["tenure"]["average_order_value"] = 100
    with pytest.raises(ScenarioError, match=r"tenure\.average_order_value: got 100, expected a list"):
        Scenario.from_dict(data)
    data = cohort.to_dict()
    data["stages"] = {"loyal": {"orders_per_year": 3}}
    with pytest.raises(ScenarioError, match=r"stages\.loyal: not used when a tenure table is given"):
        Scenario.from_dict(data)


def test_files_are_parsed_safely_and_errors_name_the_file(tmp_path):
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("horizon = = 3\n")
    with pytest.raises(ScenarioError, match=r"bad\.toml: not valid TOML"):
        Scenario.from_file(bad_toml)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('horizon = 3\ncolour = "red"\n[arrivals]\ncohort_size = 5\n')
    with pytest.raises(ScenarioError, match=r"colour: unknown key"):
        Scenario.from_file(unknown)
    with pytest.raises(ScenarioError, match=r"does not exist"):
        Scenario.from_file(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match=r"expected a \.toml or \.json file"):
        Scenario.from_file(tmp_path / "scenario.pickle")
    not_a_table = tmp_path / "list.json"
    not_a_table.write_text("[1, 2, 3]")
    with pytest.raises(ScenarioError, match=r"scenario: got \[1, 2, 3\] \(list\), expected a table"):
        Scenario.from_file(not_a_table)
    with pytest.raises(ScenarioError, match="expected a built-in scenario"):
        simkit.load_scenario("no_such_scenario")


# ---------------------------------------------------------------- properties
_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                       st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
_json = st.recursive(_json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))


def _only_clear_errors(build):
    """``build()`` either succeeds or raises a ScenarioError whose every line names a field."""
    try:
        build()
    except ScenarioError as error:
        assert error.problems
        for problem in error.problems:
            assert ": " in problem, problem
    # any other exception propagates and fails the test


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_mutation_of_a_valid_scenario_gives_a_scenario_or_a_clear_error(valid_dict, data):
    mutated = copy.deepcopy(valid_dict)
    paths = [p for p in _paths(mutated) if p]
    path = data.draw(st.sampled_from(paths))
    node = mutated
    for key in path[:-1]:
        node = node[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        node[path[-1]] = data.draw(_json)
    elif action == "delete":
        del node[path[-1]]
    else:
        node[data.draw(st.text(max_size=10))] = data.draw(_json)
    _only_clear_errors(lambda: Scenario.from_dict(mutated))
    # the constructor itself: the same clear errors; an unknown keyword is Python's TypeError naming it
    unknown = [k for k in mutated if k not in {f.name for f in dataclasses.fields(Scenario)}]
    if unknown:
        with pytest.raises(TypeError, match="unexpected keyword argument"):
            Scenario(**mutated)
    else:
        _only_clear_errors(lambda: Scenario(**mutated))


@settings(max_examples=200, deadline=None)
@given(data=_json)
def test_arbitrary_data_and_text_give_only_clear_errors(data):
    _only_clear_errors(lambda: Scenario.from_dict(data))
    _only_clear_errors(lambda: Scenario.from_text(json.dumps(data), "json"))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_toml_text_gives_only_clear_errors(text):
    _only_clear_errors(lambda: Scenario.from_text(text, "toml"))


def test_toml_is_written_as_a_person_writes_it(cohort):
    text = cohort.to_toml()
    assert "retention_rate = [0.6, 0.7, 0.8]" in text
    assert "[stages]" not in text   # a tenure scenario has no stage tables to show
    assert Scenario.from_text(text) == cohort


def test_a_funnel_replaces_the_prospect_stage_rules(valid_dict):
    data = copy.deepcopy(valid_dict)
    data["funnel"] = {}
    with pytest.raises(ScenarioError, match="stages.prospect: mean_duration_years and next_stage are set by the funnel"):
        Scenario.from_dict(data)
    del data["stages"]["prospect"]
    scenario = Scenario.from_dict(data)
    assert scenario.funnel.step_probabilities() == pytest.approx((0.5, 0.5, 0.4, 0.5 / 0.6, 0.6 / 0.7, 0.7))
    assert simkit.exact.formulas.conversion_probability(scenario) == pytest.approx(0.5 * 0.10)

"""Hostile files: every input gives a valid scenario or one ScenarioError -- never another exception, a hang
or an unbounded read.  The corpus is made here; cases that could hang run in a subprocess under a timeout."""

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simkit
from simkit import Scenario, ScenarioError

VALID = 'name = "ok"\n[arrivals]\ncohort_size = 5\n'

CORPUS = {  # file name -> (bytes, a phrase the message must hold; None: the file is valid)
    "deep_toml.toml": ("a = " + "[" * 400 + "]" * 400 + "\n", "nested 9 levels deep"),
    "very_deep_toml.toml": ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    "deep_json.json": ("[" * 3000 + "]" * 3000, "nested"),   # the parser, or the depth check if a library
    # imported earlier (pytensor) raised the recursion limit
    "rather_deep_json.json": ('{"name": ' + "[" * 990 + "]" * 990 + "}", "nested"),   # parser or depth check
    "big_int.toml": ("seed = " + "9" * 5001 + "\n", "thousands of digits"),
    "big_int.json": ('{"seed": ' + "9" * 5001 + "}", "thousands of digits"),
    "bom.toml": ("\ufeff" + VALID, None),
    "gbk.toml": ('name = "客户"\n'.encode("gbk"), "save it as UTF-8"),
    "utf16.toml": (VALID.encode("utf-16"), "saved as UTF-16"),
    "repeated.json": ('{"name": "x", "horizon": 0, "horizon": 5, "arrivals": {"cohort_size": 5}}',
                      "horizon: given twice"),
    "surrogate.json": ('{"name": "\\ud800", "arrivals": {"cohort_size": 5}}', "lone surrogate"),
    "escape_codes.toml": ('"\\u001b[31mred" = 1\n', "\\x1b[31mred: unknown key"),
    "control_in_name.toml": ('name = "a\\u0007b"\n[arrivals]\ncohort_size = 5\n', "without control characters"),
    "many_keys.json": (json.dumps({f"k{i}": 1 for i in range(50_000)}), "... and 49,981 more"),
    "too_big.json": ("{}" + " " * 1_000_001, "expected at most 1,000,000"),
    "near_sum.toml": ('name = "s"\n[arrivals]\ncohort_size = 5\n[stages.new]\nmean_duration_years = 1\n'
                      'next_stage = {loyal = 0.5, lost = 0.50000001}\n', "sum to 1.00000001"),
    "largest_seed.toml": (f'name = "s"\nseed = {2 ** 63 - 1}\n' + VALID.split("\n", 1)[1], None),
    "seed_past_the_end.toml": (f'name = "s"\nseed = {2 ** 63}\n' + VALID.split("\n", 1)[1], "seed: got"),
    "not_a_table.json": ("[1, 2, 3]", "expected a table"),
    "garbage.toml": (b"\x00\x01\x02 = = [", "not valid TOML"),
    # a hexadecimal number past Python's 4,300 digits for text: once a traceback in formatting its message
    "hex_horizon.toml": ("horizon = 0x" + "f" * 5000 + "\n" + VALID.split("\n", 1)[1], "whole number of about 6,021"),
    # a name with a line break forged lines of `validate`'s report
    "two_line_name.toml": ('name = "ok\\nlifecycle_basic.toml: valid"\n' + VALID.split("\n", 1)[1],
                           "without control characters"),
    "empty.json": ("", "not valid JSON"),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_hostile_file_gets_one_clear_error(tmp_path, name):
    content, phrase = CORPUS[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    if phrase is None:
        assert isinstance(Scenario.from_file(path), Scenario)
        return
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_file(path)
    message = str(caught.value)
    assert phrase in message, message
    assert len(message) < 5_000 and "\x1b" not in message     # short, and no terminal codes reach the screen


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "folder"])
def test_what_is_not_a_regular_file_is_refused_at_once(tmp_path, kind):
    path = tmp_path / "x.toml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    done = subprocess.run([sys.executable, "-m", "simkit", "validate", str(path)], capture_output=True, text=True,
                          timeout=60)   # reading would block (a fifo) or never end (/dev/zero)
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([".toml", ".json"]))
def test_any_bytes_give_a_scenario_or_a_scenario_error(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"x{suffix}"
    path.write_bytes(content)
    try:
        Scenario.from_file(path)
    except ScenarioError:
        pass


def test_the_command_line_prints_a_hostile_name_safely(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"name": "\\ud800", "arrivals": {"cohort_size": 5}}', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "simkit", "validate", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "lone surrogate" in done.stderr
    assert simkit.ScenarioError.SHOWN == 20


@pytest.mark.parametrize("engine", simkit.engines.run.ENGINES)
def test_the_order_a_file_lists_next_stages_in_never_changes_results(engine):
    written = 'name = "o"\nhorizon = 3\nseed = 4\n[arrivals]\ncohort_size = 300\ncohort_stage = "new"\n' \
              '[stages.new]\nmean_duration_years = 1\norders_per_year = 2\naverage_order_value = 50\n'
    one = Scenario.from_text(written + 'next_stage = {loyal = 0.6, decline = 0.1, lost = 0.3}\n'
                             '[stages.loyal]\nmean_duration_years = 2\nnext_stage = {lost = 1}\n'
                             '[stages.decline]\nmean_duration_years = 1\nnext_stage = {lost = 0.7, loyal = 0.3}\n')
    two = Scenario.from_text(written + 'next_stage = {lost = 0.3, loyal = 0.6, decline = 0.1}\n'
                             '[stages.loyal]\nmean_duration_years = 2\nnext_stage = {lost = 1}\n'
                             '[stages.decline]\nmean_duration_years = 1\nnext_stage = {loyal = 0.3, lost = 0.7}\n')
    assert one == two
    a, b = (simkit.run_simulation(s, engine=engine, event_log=True) for s in (one, two))
    assert a.stage_counts.tolist() == b.stage_counts.tolist() and a.ltv == b.ltv
    assert a.events.to_csv() == b.events.to_csv()


CLV_VALID = 'name = "w"\nmodel = "pareto_nbd"\ncustomers = 100\n'
CLV_CORPUS = {  # the CLV loader has the lifecycle loader's guard rails (simkit.model.reading)
    "deep.toml": ("a = " + "[" * 400 + "]" * 400 + "\n", "nested"),
    "very_deep.toml": ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    "digits_4301.toml": (CLV_VALID.replace("100", "9" * 4301), "thousands of digits"),
    "digits_401.toml": (CLV_VALID + "r = " + "9" * 401 + "\n", "r: got"),
    "hex_customers.toml": (CLV_VALID.replace("100", "0x" + "f" * 5000), "whole number of about 6,021"),
    "two_line_name.toml": (CLV_VALID.replace('"w"', '"w\\nforged"'), "without control characters"),
    "gbk.toml": (CLV_VALID.replace('"w"', '"客户"').encode("gbk"), "save it as UTF-8"),
    "not_toml.toml": ("model = = \n", "not valid TOML"),
    "too_big.toml": (CLV_VALID + "#" * 1_000_001, "expected at most 1,000,000"),
}


@pytest.mark.parametrize("name", sorted(CLV_CORPUS))
def test_each_hostile_clv_file_gets_one_clear_error(tmp_path, name):
    from simkit.experiments.clv import load_clv_scenario

    content, phrase = CLV_CORPUS[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(ScenarioError) as caught:
        load_clv_scenario(str(path))
    assert phrase in str(caught.value), str(caught.value)


def test_a_clv_file_that_is_a_pipe_is_refused_at_once(tmp_path):
    from simkit.experiments.clv import load_clv_scenario

    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_clv_scenario(str(tmp_path / "pipe.toml"))


@pytest.mark.parametrize("command", [
    ["clv-data", "clv_pareto_nbd", "--calibration-weeks", "39", "--holdout-weeks", "13", "--seed", "-1"],
    ["sweep", "cohort_10000", "--set", "horizon=1,2", "--seed", "-1", "--replications", "2"],
    ["clv-data", "clv_pareto_nbd", "--calibration-weeks", "39", "--holdout-weeks", "13", "--customers", "2000000"],
])
def test_bad_numbers_on_the_command_line_are_one_clear_error(tmp_path, command):
    if command[0] == "clv-data":
        command = command + ["--out", str(tmp_path / "out")]
        if "--customers" in command:   # 2,000,000 customers of fast buyers: refused before allocating
            clv = tmp_path / "fast.toml"
            clv.write_text('name = "fast"\nmodel = "pareto_nbd"\ncustomers = 2000000\nalpha = 0.01\n',
                           encoding="utf-8")
            command[1] = str(clv)
    done = subprocess.run([sys.executable, "-m", "simkit", *command], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "seed: got -1" in done.stderr or "purchases, more than the 10,000,000" in done.stderr, done.stderr

"""The command line: readable output, clear errors, non-zero exit for bad input."""

import subprocess
import sys

import pytest

import simkit
from simkit.cli import main


def test_list_names_every_builtin(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in simkit.list_scenarios():
        assert name in out


def test_show_prints_toml_that_reads_back_as_the_same_scenario(capsys):
    assert main(["show", "cohort_10000"]) == 0
    text = capsys.readouterr().out
    assert simkit.Scenario.from_text(text) == simkit.load_scenario("cohort_10000")


def test_run_prints_a_period_table_and_writes_csv(capsys, tmp_path):
    assert main(["run", "firm_b", "--customers", "1000", "--horizon", "4", "--seed", "3",
                 "--csv", str(tmp_path), "--events"]) == 0
    out = capsys.readouterr().out
    assert "firm_b: 1,000 people entered, seed 3" in out
    assert out.count("\n") >= 7
    assert {p.name for p in tmp_path.iterdir()} == {"periods.csv", "ledger.csv", "events.csv"}
    assert (tmp_path / "periods.csv").read_text().count("\n") == 1 + 4


def test_run_accepts_a_scenario_file(capsys, tmp_path):
    path = simkit.load_scenario("firm_a").updated({"horizon": 2}).save(tmp_path / "mine.toml")
    assert main(["run", str(path)]) == 0
    assert "firm_a: 100 people entered" in capsys.readouterr().out


def test_validate_reports_each_file(capsys, tmp_path):
    good = simkit.load_scenario("firm_a").save(tmp_path / "good.json")
    bad = tmp_path / "bad.toml"
    bad.write_text('horizon = 0\n[arrivals]\ncohort_size = 10\n')
    assert main(["validate", str(good)]) == 0
    assert "good.json: ok" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "horizon: got 0" in captured.err


@pytest.mark.parametrize("argv, message", [
    (["run", "no_such_scenario"], "expected a built-in scenario"),
    (["run", "firm_a", "--customers", "-3"], "arrivals.cohort_size: got -3"),
    (["run", "firm_a", "--horizon", "0"], "horizon: got 0"),
    (["show", "missing.toml"], "does not exist"),
])
def test_bad_input_gives_a_message_and_exit_status_2(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bad_arguments_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit):
        main(["frobnicate"])


def test_python_dash_m_simkit_runs():
    done = subprocess.run([sys.executable, "-m", "simkit", "list"], capture_output=True, text=True)
    assert done.returncode == 0 and "cohort_10000" in done.stdout
    done = subprocess.run([sys.executable, "-m", "simkit", "run", "nope"], capture_output=True, text=True)
    assert done.returncode == 2 and "error:" in done.stderr and "Traceback" not in done.stderr


def test_ltv_prints_the_textbook_table(capsys, tmp_path):
    assert main(["ltv", "--csv", str(tmp_path / "ltv.csv")]) == 0
    out = capsys.readouterr().out
    last = [line for line in out.splitlines() if line.startswith("average LTV")][0]
    assert last.split()[-3:] == ["-12.00", "30.37", "66.08"]
    assert "breaks even in year 2" in out
    assert (tmp_path / "ltv.csv").read_text().startswith("row,year_1")


def test_ltv_reads_a_scenario_file(capsys, tmp_path):
    path = simkit.load_scenario("cohort_10000").updated({"arrivals.acquisition_cost": 0}).save(tmp_path / "c.toml")
    assert main(["ltv", str(path), "--years", "2"]) == 0
    out = capsys.readouterr().out
    last = [line for line in out.splitlines() if line.startswith("average LTV")][0]
    assert last.split()[-2:] == ["48.00", "90.37"]   # -12 + 60 and 30.37 + 60, by hand
    assert main(["ltv", "lifecycle_basic"]) == 2
    assert "tenure: missing" in capsys.readouterr().err


def test_churn_prints_lifetimes_and_replacements(capsys):
    assert main(["churn"]) == 0
    out = capsys.readouterr().out
    lifetime = [line for line in out.splitlines() if line.startswith("group lifetime")][0]
    assert lifetime.split()[-2:] == ["5", "10"]
    needed = [line for line in out.splitlines() if line.startswith("new customers needed")][0]
    assert needed.split()[-2:] == ["20", "10"]
    assert main(["churn", "--firm", "Shop", "50", "5", "--acquisition-cost", "10"]) == 0
    assert "Shop" in capsys.readouterr().out
    assert main(["churn", "--firm", "Shop", "50", "80"]) == 2
    assert "lost_per_year: got 80" in capsys.readouterr().err


def test_a_reader_that_goes_away_is_no_error():
    """`python -m simkit run ... | head -1`: the rest of the output is dropped without 'Broken pipe'."""
    import subprocess
    import sys

    shell = f"{sys.executable} -m simkit run lifecycle_textbook | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Broken pipe" not in done.stderr and done.stdout.startswith("lifecycle_textbook")


def test_a_mistyped_key_gets_a_suggestion(tmp_path, capsys):
    path = tmp_path / "typo.toml"
    path.write_text('name = "t"\n[arrivals]\ncohort_size = 5\n[stages.new]\norder_per_year = 3\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "stages.new.order_per_year: unknown key; did you mean orders_per_year?" in capsys.readouterr().err


def test_group_lifetime_prints_to_the_cent(capsys):
    assert main(["churn", "--firm", "X", "300", "90"]) == 0   # 1 / 0.3 = 3.33 years
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("group lifetime"))
    assert line.split()[-1] == "3.33"


def test_submodules_the_readme_uses_load_after_a_plain_import():
    import subprocess
    import sys

    code = "import simkit; simkit.exact.value.share_of_top; simkit.exact.pyramid.pyramid_table; simkit.experiments.intervals.t_quantile"
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


def test_exports_refuse_to_overwrite_unasked_and_never_leave_a_mix(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "firm_a", "--csv", str(out), "--events"]) == 0
    first = {p.name: p.read_text() for p in out.iterdir()}
    assert set(first) == {"periods.csv", "ledger.csv", "events.csv"}
    capsys.readouterr()
    # again without --force: refused before anything runs, nothing touched
    assert main(["run", "firm_a", "--csv", str(out)]) == 2
    captured = capsys.readouterr()
    assert "already exist" in captured.err and "--force" in captured.err and "people entered" not in captured.out
    assert {p.name: p.read_text() for p in out.iterdir()} == first
    # with --force and no event log: the old events.csv goes, and the output says so
    assert main(["run", "firm_a", "--csv", str(out), "--force", "--seed", "9"]) == 0
    assert "removed" in capsys.readouterr().out and sorted(p.name for p in out.iterdir()) == ["ledger.csv",
                                                                                             "periods.csv"]


def test_an_export_that_fails_halfway_leaves_the_previous_set(tmp_path, monkeypatch, capsys):
    import errno

    from simkit.engines.results import Ledger

    out = tmp_path / "out"
    assert main(["run", "firm_a", "--csv", str(out)]) == 0
    before = {p.name: p.read_text() for p in out.iterdir()}

    def disk_full(self, path=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Ledger, "to_csv", disk_full)
    assert main(["run", "firm_a", "--csv", str(out), "--force", "--seed", "5"]) == 2
    assert "could not write" in capsys.readouterr().err and "ledger.csv" in "".join(before)
    assert {p.name: p.read_text() for p in out.iterdir()} == before     # the old set, whole; no temporary files


def test_every_writing_command_checks_its_target_first(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["run", "firm_a", "--csv", str(blocker / "sub")]) == 2
    assert "cannot make the folder" in capsys.readouterr().err
    target = tmp_path / "new" / "folder" / "ltv.csv"           # a missing folder is made
    assert main(["ltv", "--csv", str(target)]) == 0 and target.exists()
    assert main(["ltv", "--csv", str(target)]) == 2 and "already exists" in capsys.readouterr().err
    assert main(["ltv", "--csv", str(target), "--force"]) == 0
    results = tmp_path / "sweep.csv"
    results.write_text("someone's file")
    assert main(["sweep", "firm_a", "--set", "arrivals.cohort_size=50,60", "--replications", "2",
                 "--out", str(results)]) == 2
    assert results.read_text() == "someone's file"


def test_ctrl_c_ends_a_long_run_with_a_word_not_a_traceback():
    """Interrupted, the command line says so and exits 130 (time to the prompt: bench/bench_interrupt.py)."""
    import signal
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "simkit", "run", "lifecycle_textbook", "--customers", "2000000",
               "--max-people", "100000000", "--max-events", "10000000000"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)   # a guard against a hang, not a speed target
    assert process.returncode == 130 and err.strip() == "interrupted"

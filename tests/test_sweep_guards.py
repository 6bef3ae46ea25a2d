"""A sweep's guard rails: refused before it runs when too big, and never a worker left behind.

Each test shows it can fail: the refusals name the estimate, and the process tests look for the
workers by their parent in /proc before the interrupt (so "none left" is not vacuous).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import simkit
from simkit.experiments import sweep as sweeping

ROOT = Path(__file__).resolve().parents[1]


def test_a_grid_of_a_million_variants_is_refused_before_any_is_made():
    started = time.perf_counter()
    with pytest.raises(simkit.ScenarioError, match="1,000,000 variants, more than the 1,000 a sweep takes"):
        simkit.sweep(simkit.load_scenario("lifecycle_basic"), {"seed": range(1_000), "horizon": range(1, 1_001)})
    assert time.perf_counter() - started < 1.0


def test_a_sweep_of_hours_is_refused_with_its_estimate(capsys):
    from simkit.cli import main

    assert main(["sweep", "lifecycle_textbook", "--set", "horizon=1,2", "--replications", "10000",
                 "--customers", "1000000"]) == 2
    err = capsys.readouterr().err
    assert "sweep budget: 30,000 runs (3 variants × 10,000 replications) would take about" in err
    assert "hours on this machine" in err and "--max-minutes" in err


def test_the_estimate_is_the_measured_speed_times_the_runs():
    """The estimate, by hand: (fixed cost + cost per unit x units of each variant) x replications / workers."""
    scenario = simkit.load_scenario("lifecycle_basic")
    fixed, per_unit = sweeping.machine_speed("numpy")
    estimate = simkit.model.budget.estimate_run(scenario, 1_000)
    seconds = (fixed + per_unit * sweeping._units(estimate, "numpy")) * 2 * 50
    with pytest.raises(simkit.ScenarioError, match="sweep budget"):
        sweeping._check_minutes([estimate, estimate], 50, "numpy", 1, 0.9 * seconds / 60, "x")
    sweeping._check_minutes([estimate, estimate], 50, "numpy", 1, 1.1 * seconds / 60, "x")      # just under: runs
    sweeping._check_minutes([estimate, estimate], 50, "numpy", 2, 0.6 * seconds / 60, "x")      # two workers


def test_the_estimate_is_within_a_factor_of_three_of_a_real_sweep():
    """The budget is an estimate: on this machine, now, a real sweep takes between a third and three times it."""
    scenario = simkit.load_scenario("lifecycle_textbook")
    grid = {"stages.loyal.orders_per_year": [4, 6]}
    estimates = [simkit.model.budget.estimate_run(scenario.updated(c) if c else scenario, 3_000)
                 for c in ({}, {"stages.loyal.orders_per_year": 4}, {"stages.loyal.orders_per_year": 6})]
    fixed, per_unit = sweeping.machine_speed("numpy")
    predicted = sum(fixed + per_unit * sweeping._units(e, "numpy") for e in estimates) * 8
    started = time.perf_counter()
    simkit.sweep(scenario, grid, replications=8, n_customers=3_000, metrics=("profit",))
    actual = time.perf_counter() - started
    assert predicted / 3 < actual < predicted * 3, (predicted, actual)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


SWEEP = ["-m", "simkit", "sweep", "lifecycle_textbook", "--set", "stages.loyal.orders_per_year=4,5,6,7",
         "--replications", "400", "--customers", "3000", "--workers", "2", "--max-minutes", "60"]


def start_with_workers():
    process = subprocess.Popen([sys.executable, *SWEEP], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(children_of(process.pid)) < 2:
        assert process.poll() is None and time.monotonic() < deadline, "the sweep never started its workers"
        time.sleep(0.05)
    return process, children_of(process.pid)


def gone(pids: list[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid) for pid in pids):
            return True
        time.sleep(0.02)
    return False


def _state(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0]).lower()
    except (OSError, IndexError):
        return "zombie"


pytestmark_linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytestmark_linux
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_sweep_leaves_no_worker(signum, status):
    process, workers = start_with_workers()
    process.send_signal(signum)
    assert process.wait(timeout=10) == status
    assert gone(workers, within=1.0), f"workers {workers} outlived the sweep"


@pytestmark_linux
def test_workers_end_with_a_parent_killed_outright():
    process, workers = start_with_workers()
    process.kill()                                   # SIGKILL: no handler runs in the parent
    process.wait(timeout=10)
    assert gone(workers, within=1.0), f"workers {workers} outlived their parent"


def test_a_cluster_without_workers_fails_within_a_bounded_time(monkeypatch):
    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setattr(sweeping, "NO_WORKERS_SECONDS", 2.0)
    small = simkit.load_scenario("cohort_10000")
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        started = time.monotonic()
        with pytest.raises(simkit.ScenarioError, match="no worker for 2 seconds"):
            simkit.sweep(small, {"horizon": [1, 2]}, replications=2, n_customers=100, client=client)
        assert time.monotonic() - started < 15

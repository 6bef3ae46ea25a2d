"""Sweeps: a grid of variants x replications, the same results however they run, honest summaries."""

import pandas as pd
import pytest
from scipy import stats

import simkit
from simkit.cli import main

VARIANTS = {"loyal stay 10 % longer": {"stages.loyal.mean_duration_years": 3.3},
            "loyal buy 10 % more": {"stages.loyal.orders_per_year": 6.6}}


@pytest.fixture(scope="module")
def small():
    return simkit.load_scenario("lifecycle_textbook").updated(
        {"arrivals.cohort_size": 200, "arrivals.prospects_per_year": 50, "horizon": 24})


@pytest.fixture(scope="module")
def in_process(small):
    return simkit.sweep(small, variants=VARIANTS, replications=6)


def test_a_grid_is_the_full_product_and_every_run_is_reproducible(small):
    result = simkit.sweep(small, {"stages.loyal.orders_per_year": [5, 6], "arrivals.acquisition_cost": [50, 70]},
                          replications=3, metrics=("profit",))
    assert len(result.variants) == 1 + 4 and len(result.runs) == 5 * 3
    again = simkit.sweep(small, {"stages.loyal.orders_per_year": [5, 6], "arrivals.acquisition_cost": [50, 70]},
                         replications=3, metrics=("profit",))
    pd.testing.assert_frame_equal(result.runs, again.runs)
    # replication r of every variant uses the same seed: the pairing behind the differences
    assert result.runs.groupby("replication")["seed"].nunique().eq(1).all()


def test_local_processes_give_the_same_results_with_a_progress_bar(small, in_process, capsys):
    on_two = simkit.sweep(small, variants=VARIANTS, replications=6, workers=2, progress=True)
    pd.testing.assert_frame_equal(on_two.runs, in_process.runs)
    assert "18/18" in capsys.readouterr().err   # the bar counted every run (3 variants x 6 replications)


def test_a_dask_cluster_gives_the_same_results(small, in_process):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_cluster = simkit.sweep(small, variants=VARIANTS, replications=6, client=client)
    pd.testing.assert_frame_equal(on_cluster.runs, in_process.runs)


def test_the_summary_is_the_mean_with_a_t_interval_and_paired_differences(in_process):
    runs = in_process.runs[in_process.runs["metric"] == "profit"]
    summary = in_process.summary("profit").set_index("variant")
    base = runs[runs["variant"] == "base"].sort_values("replication")["value"].to_numpy()
    longer = runs[runs["variant"] == "loyal stay 10 % longer"].sort_values("replication")["value"].to_numpy()
    row = summary.loc["loyal stay 10 % longer"]
    # independently: scipy's t interval of the mean and of the paired differences
    low, high = stats.t.interval(0.95, len(longer) - 1, loc=longer.mean(), scale=stats.sem(longer))
    assert (row["low"], row["high"]) == pytest.approx((low, high), rel=1e-4)
    d = longer - base
    d_low, d_high = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert (row["difference_low"], row["difference_high"]) == pytest.approx((d_low, d_high), rel=1e-4)
    assert row["distinguishable"] == bool(d_low > 0 or d_high < 0)
    assert summary.loc["base", "difference"] == 0


def test_every_variant_is_checked_before_anything_runs(small):
    with pytest.raises(simkit.ScenarioError, match=r"variant 'broken'.*stages\.loyal\.orders_per_year: got -1"):
        simkit.sweep(small, variants={"fine": {"stages.loyal.orders_per_year": 5},
                                      "broken": {"stages.loyal.orders_per_year": -1}}, replications=2)
    with pytest.raises(simkit.ScenarioError, match="nothing to vary"):
        simkit.sweep(small, replications=2)
    with pytest.raises(simkit.ScenarioError, match="replications"):
        simkit.sweep(small, variants=VARIANTS, replications=1)
    with pytest.raises(simkit.ScenarioError, match="metrics"):
        simkit.sweep(small, variants=VARIANTS, replications=2, metrics=("happiness",))


def test_the_command_line_sweeps_and_writes_every_run(tmp_path, capsys):
    out = tmp_path / "results.csv"
    assert main(["sweep", "lifecycle_basic", "--set", "stages.loyal.mean_duration_years=2,4", "--replications", "3",
                 "--customers", "100", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "stages.loyal.mean_duration_years=2" in printed and "95 % interval" in printed
    table = pd.read_csv(out)
    assert set(table.columns) == {"variant", "replication", "seed", "metric", "value"}
    assert len(table) == 3 * 3 * 5            # 3 variants (base + 2) x 3 replications x 5 metrics
    assert main(["sweep", "lifecycle_basic", "--set", "no_equals_sign", "--replications", "2"]) == 2


def test_what_notebook_07_says_about_the_levers():
    """The notebook's readings, checked on the same sweeps."""
    firm = simkit.load_scenario("lifecycle_textbook").updated(
        {"arrivals.cohort_size": 500, "arrivals.prospects_per_year": 200, "horizon": 36})
    loyal = firm.stages.loyal
    effects = simkit.sweep(firm, replications=20, metrics=("profit",), variants={
        "longer": {"stages.loyal.mean_duration_years": loyal.mean_duration_years * 1.1},
        "prospects": {"arrivals.prospects_per_year": firm.arrivals.prospects_per_year * 1.1},
        "spend": {"stages.loyal.average_order_value": loyal.average_order_value * 1.1},
        "serve": {"stages.loyal.service_cost_per_year": loyal.service_cost_per_year * 0.9}})
    s = effects.summary("profit").set_index("variant")
    assert (s.loc[["longer", "prospects", "spend", "serve"], "difference_low"] > 0).all()   # every lever pays
    assert s.loc["spend", "difference"] > 3 * s.loc["longer", "difference"]                  # several times
    assert 1.5 < s.loc["longer", "difference"] / s.loc["prospects", "difference"] < 2.5       # about twice
    width = s["difference_high"] - s["difference_low"]
    assert s.loc["serve", "difference"] == s.loc[["longer", "prospects", "spend", "serve"], "difference"].min()
    assert width.loc["serve"] == width.loc[["longer", "prospects", "spend", "serve"]].min()  # most surely
    grid = simkit.sweep(firm, {"stages.loyal.mean_duration_years": [2.5, 3.0, 3.5],
                               "arrivals.acquisition_cost": [40.0, 60.0, 80.0]}, replications=20, metrics=("profit",))
    g = grid.summary("profit").set_index("variant")["difference"]
    cell = lambda years, cost: g[f"stages.loyal.mean_duration_years={years:g}, arrivals.acquisition_cost={cost:g}"]
    for cost in (40.0, 60.0, 80.0):
        assert cell(2.5, cost) < cell(3.0, cost) < cell(3.5, cost)                          # along each row
    for years in (2.5, 3.0, 3.5):
        assert cell(years, 40.0) > cell(years, 60.0) > cell(years, 80.0)                    # along each column
    assert cell(3.5, 80.0) < 0                                                              # top-right below base
    question = simkit.sweep(firm, replications=20, metrics=("profit",), variants={
        "often": {"stages.loyal.orders_per_year": loyal.orders_per_year * 1.1},
        "cheaper": {"arrivals.acquisition_cost": firm.arrivals.acquisition_cost * 0.9}})
    q = question.summary("profit").set_index("variant")
    assert q.loc["cheaper", "difference_high"] < q.loc["often", "difference_low"]            # no overlap
    assert q.loc["often", "difference"] > 2 * q.loc["cheaper", "difference"]                 # more than twice

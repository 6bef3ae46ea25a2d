"""Buy-till-you-die data with the truth attached: consistent with itself, exactly the stated model.

Statistical checks use fixed seeds (deterministic) and a stated false-alarm rate; each is run
against a deliberately wrong model too, to show it can fail.
"""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

from simkit.experiments.clv import (ClvScenario, ClvScenarioError, clv_data, expected_holdout_purchases, load_clv_scenario,
                        probability_alive, simulate_clv)

FALSE_ALARM = 0.01


def _skip_without_pymc_marketing():
    import importlib.util

    if importlib.util.find_spec("pymc_marketing") is None:
        pytest.skip("pymc-marketing is not installed: pip install -e '.[clv]'")


def _pymc_marketing():
    """pymc-marketing's clv module through simkit (which sets PyTensor's flags before it is first imported)."""
    from simkit.experiments.clv_models import import_pymc_marketing

    _skip_without_pymc_marketing()

    return import_pymc_marketing()


@pytest.fixture(scope="module", params=["clv_pareto_nbd", "clv_bg_nbd"])
def data(request):
    return clv_data(load_clv_scenario(request.param), calibration_weeks=39, holdout_weeks=39)


def test_truth_and_transactions_agree_customer_by_customer(data, tmp_path):
    data.write(tmp_path)
    transactions = pd.read_csv(tmp_path / "transactions.csv", parse_dates=["date"])
    truth = pd.read_csv(tmp_path / "truth.csv", parse_dates=["first_purchase"])
    split = json.loads((tmp_path / "split.json").read_text())
    holdout = transactions[transactions.date >= pd.Timestamp(split["holdout_start"])]
    counts = holdout.groupby("customer_id").size().reindex(truth.customer_id, fill_value=0)
    days = holdout.groupby("customer_id").date.nunique().reindex(truth.customer_id, fill_value=0)
    revenue = holdout.groupby("customer_id").amount.sum().reindex(truth.customer_id, fill_value=0.0)
    assert (counts.to_numpy() == truth.holdout_transactions.to_numpy()).all()
    assert (days.to_numpy() == truth.holdout_purchases.to_numpy()).all()       # a purchase: a day with a transaction
    assert 0 < (truth.holdout_transactions - truth.holdout_purchases).sum() < 0.03 * truth.holdout_purchases.sum()
    assert np.allclose(revenue.to_numpy(), truth.holdout_revenue.to_numpy(), atol=0.005)
    first = transactions.groupby("customer_id").date.min().reindex(truth.customer_id)
    assert (first.to_numpy() == truth.first_purchase.to_numpy()).all()      # every customer bought at acquisition
    assert (transactions.amount > 0).all() and transactions.amount.round(2).eq(transactions.amount).all()
    assert transactions.date.max() <= pd.Timestamp(split["observation_end"])
    assert pd.Timestamp(split["calibration_end"]) + pd.Timedelta(days=1) == pd.Timestamp(split["holdout_start"])
    assert truth.first_purchase.max() <= pd.Timestamp(split["calibration_end"])
    # a customer who had left by the cutoff buys nothing in the holdout
    assert (truth.holdout_purchases[~truth.alive_at_cutoff] == 0).all()


def test_the_same_seed_gives_the_same_data_and_field_order_does_not_matter():
    world = load_clv_scenario("clv_bg_nbd")
    shuffled = ClvScenario.from_dict(dict(reversed(list(world.to_dict().items()))))
    one, two = clv_data(world, 39, 39), clv_data(shuffled, 39, 39)
    pd.testing.assert_frame_equal(one.transactions, two.transactions)
    assert not clv_data(world, 39, 39, seed=2).transactions.equals(one.transactions)


# ---------------------------------------------------------------- the population is the stated one
def test_population_moments_match_the_closed_forms():
    world = load_clv_scenario("clv_pareto_nbd").updated({"customers": 200_000})
    sample = simulate_clv(world, end_weeks=20)
    for values, mean, variance in (
            (sample.purchase_rate, world.r / world.alpha, world.r / world.alpha ** 2),
            (sample.dropout, world.s / world.beta, world.s / world.beta ** 2),
            (world.p / sample.spend_rate, world.p * world.gamma / (world.q - 1),
             (world.p * world.gamma) ** 2 / ((world.q - 1) ** 2 * (world.q - 2)))):
        z = (values.mean() - mean) / np.sqrt(variance / values.size)
        assert abs(z) < stats.norm.ppf(1 - FALSE_ALARM / 2), (mean, values.mean())


def _holdout_gaps(scenario, predict, seeds=range(12)):
    """Per seed: realized holdout purchases minus the prediction, summed over customers."""
    gaps = []
    for seed in seeds:
        data = clv_data(scenario, 39, 39, seed=seed)
        truth = data.truth
        predicted = predict(scenario, truth)
        gaps.append(truth.holdout_purchases.sum() - predicted.sum())
    return np.array(gaps)


def _oracle(scenario, truth):
    return truth.expected_holdout_purchases.to_numpy()


def _no_dropout_in_holdout(scenario, truth):   # deliberately wrong: nobody leaves after the cutoff
    return truth.probability_alive.to_numpy() * truth.purchase_rate.to_numpy() * 39


@pytest.mark.parametrize("name", ["clv_pareto_nbd", "clv_bg_nbd"])
def test_the_exact_expectation_predicts_the_holdout_and_a_wrong_one_is_caught(name):
    scenario = load_clv_scenario(name).updated({"customers": 20_000})
    right = _holdout_gaps(scenario, _oracle)
    assert stats.ttest_1samp(right, 0.0).pvalue > FALSE_ALARM, right
    wrong = _holdout_gaps(scenario, _no_dropout_in_holdout)
    assert stats.ttest_1samp(wrong, 0.0).pvalue < FALSE_ALARM, wrong


@pytest.mark.parametrize("name", ["clv_pareto_nbd", "clv_bg_nbd"])
def test_probability_alive_is_calibrated(name):
    scenario = load_clv_scenario(name).updated({"customers": 20_000})
    gaps, wrong = [], []
    for seed in range(12):
        truth = clv_data(scenario, 39, 39, seed=seed).truth
        gaps.append(truth.alive_at_cutoff.sum() - truth.probability_alive.sum())
        wrong.append(truth.alive_at_cutoff.sum() - (truth.probability_alive ** 0.8).sum())   # a deliberately bent one
    assert stats.ttest_1samp(gaps, 0.0).pvalue > FALSE_ALARM
    assert stats.ttest_1samp(wrong, 0.0).pvalue < FALSE_ALARM


def _fast_buyers(model):
    """Nearly alike customers buying about 4 times a week (λΔ = 0.57 a day): a day holds two purchases often."""
    dropout = {"s": 400.0, "beta": 8000.0} if model == "pareto_nbd" else {"a": 400.0, "b": 7600.0}
    return ClvScenario(name="fast", model=model, customers=4000, acquisition_weeks=6.0, r=1600.0, alpha=400.0,
                       **dropout)


@pytest.mark.parametrize("model", ["pareto_nbd", "bg_nbd"])
def test_the_expectation_counts_days_as_the_truth_does_and_counting_every_purchase_is_caught(model):
    """At about 4 purchases a week, days with a purchase are a quarter fewer than purchases: the day-counting
    expectation must predict ``holdout_purchases`` (days), and the every-purchase one must fail."""
    scenario = _fast_buyers(model)
    right, wrong = [], []
    for seed in range(6):
        truth = clv_data(scenario, 8, 8, seed=seed).truth
        alive = truth.probability_alive.to_numpy()
        args = (model, truth.purchase_rate.to_numpy(), truth.dropout.to_numpy(), alive, 8)
        right.append(truth.holdout_purchases.sum() - expected_holdout_purchases(*args, days_per_week=7).sum())
        wrong.append(truth.holdout_purchases.sum() - expected_holdout_purchases(*args).sum())
    assert stats.ttest_1samp(right, 0.0).pvalue > FALSE_ALARM, right
    assert stats.ttest_1samp(wrong, 0.0).pvalue < FALSE_ALARM, wrong


def test_expectations_by_hand():
    # Pareto/NBD, λ = 0.2, μ = 0.05, surely alive: 0.2 / 0.05 (1 - e^{-0.05 * 10})
    assert expected_holdout_purchases("pareto_nbd", 0.2, 0.05, 1.0, 10) == pytest.approx(4 * (1 - np.exp(-0.5)))
    # BG/NBD, λ = 0.2, p = 0.25: leaving at rate λp = 0.05; at most 1 / p purchases in the long run
    assert expected_holdout_purchases("bg_nbd", 0.2, 0.25, 1.0, 1e6) == pytest.approx(4.0)
    # P(alive) after x = 2 purchases, the last 5 weeks ago: BG/NBD (1-p) e^{-λ5} / ((1-p) e^{-λ5} + p)
    stay = 0.75 * np.exp(-0.2 * 5)
    assert probability_alive("bg_nbd", 0.2, 0.25, 2, 5, 10) == pytest.approx(stay / (stay + 0.25))
    assert probability_alive("bg_nbd", 0.2, 0.25, 0, 0, 10) == 1.0          # no repeat purchase: no chance to leave
    assert probability_alive("pareto_nbd", 0.2, 0.05, 3, 10, 10) == pytest.approx(1.0)   # bought just now
    # days with a purchase over 2 days (Δ = 1/7 week), summed day by day: Pareto/NBD, λ = 7, μ = 0.7 a week:
    # each day λ/(λ+μ) (1 - e^{-(λ+μ)/7}), alive at the second day's start with e^{-0.1}
    one_day = 7 / 7.7 * (1 - np.exp(-1.1))
    assert expected_holdout_purchases("pareto_nbd", 7.0, 0.7, 1.0, 2 / 7, days_per_week=7) == pytest.approx(
        one_day * (1 + np.exp(-0.1)))
    # BG/NBD, λ = 7, p = 0.5: a day holds a purchase with 1 - e^{-1}; alive after it with E[(1-p)^N] = e^{-λpΔ}
    assert expected_holdout_purchases("bg_nbd", 7.0, 0.5, 1.0, 2 / 7, days_per_week=7) == pytest.approx(
        (1 - np.exp(-1)) * (1 + np.exp(-0.5)))
    # a slow buyer hardly ever buys twice a day: days and purchases nearly agree
    assert expected_holdout_purchases("pareto_nbd", 0.05, 0.02, 1.0, 39, days_per_week=7) == pytest.approx(
        expected_holdout_purchases("pareto_nbd", 0.05, 0.02, 1.0, 39), rel=0.005)


# ---------------------------------------------------------------- a fitted BG/NBD recovers the truth
def _bg_nbd_log_likelihood(params, x, t_x, T):
    """Fader, Hardie & Lee (2005), eq. (6): the BG/NBD likelihood of (x, t_x, T), written out here."""
    r, alpha, a, b = np.exp(params)
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    alive = special.betaln(a, b + x) - special.betaln(a, b) + common - (r + x) * np.log(alpha + T)
    left = special.betaln(a + 1, b + x - 1) - special.betaln(a, b) + common - (r + x) * np.log(alpha + t_x)
    left = np.where(x > 0, left, -np.inf)
    return np.logaddexp(alive, left).sum()


def _fit_bg_nbd(data):
    """Maximum likelihood on the calibration period: log parameters and their standard errors."""
    cutoff = pd.Timestamp(data.split["holdout_start"])
    calibration = data.transactions[data.transactions.date < cutoff]
    grouped = calibration.groupby("customer_id").date
    first, last, count = grouped.min(), grouped.max(), grouped.size()
    x = (count - 1).to_numpy(float)
    t_x = ((last - first).dt.days / 7).to_numpy()
    T = ((cutoff - first).dt.days / 7).to_numpy()

    def loss(params):
        return -_bg_nbd_log_likelihood(params, x, t_x, T)

    fit = optimize.minimize(loss, np.log([0.5, 5.0, 1.0, 2.0]), method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-7, "maxiter": 6000})
    step, eye = 1e-4, np.eye(4) * 1e-4
    hessian = np.array([[(loss(fit.x + eye[i] + eye[j]) - loss(fit.x + eye[i] - eye[j])
                          - loss(fit.x - eye[i] + eye[j]) + loss(fit.x - eye[i] - eye[j])) / (4 * step * step)
                         for j in range(4)] for i in range(4)])
    return fit.x, np.sqrt(np.diag(np.linalg.inv(hessian)))


def test_a_bg_nbd_fitted_to_the_data_recovers_the_true_parameters_within_their_standard_errors():
    world = load_clv_scenario("clv_bg_nbd").updated({"customers": 20_000})
    true = np.log([world.r, world.alpha, world.a, world.b])
    fitted, standard_error = _fit_bg_nbd(clv_data(world, 39, 39))
    assert np.all(np.abs(fitted - true) < 3 * standard_error), np.exp(fitted)
    # a generator that drew dropout more often than stated (a = 1.2, not 0.793) is caught
    wrong, standard_error = _fit_bg_nbd(clv_data(world.updated({"a": 1.2}), 39, 39))
    assert np.any(np.abs(wrong - true) > 3 * standard_error), np.exp(wrong)


# ---------------------------------------------------------------- bad input
def test_bad_fields_are_named():
    for changes, field in (({"model": "bg"}, "model"), ({"customers": 0}, "customers"), ({"r": -1.0}, "r"),
                           ({"gamma": float("nan")}, "gamma"), ({"start_date": "soon"}, "start_date"),
                           ({"customrs": 5}, "customrs")):
        with pytest.raises(ClvScenarioError, match=f"^invalid scenario: {field}: "):
            load_clv_scenario("clv_bg_nbd").updated(changes)
    world = load_clv_scenario("clv_bg_nbd")
    with pytest.raises(ClvScenarioError, match="calibration_weeks: got 10"):
        clv_data(world, 10, 39)                         # shorter than the 12 weeks of acquisition
    with pytest.raises(ClvScenarioError, match="holdout_weeks: got 0.1"):
        clv_data(world, 39, 0.1)                        # not a whole number of days
    with pytest.raises(ClvScenarioError, match="scenario: got 'nope'"):
        load_clv_scenario("nope")


# ---------------------------------------------------------------- the libraries read the exports as they are
def _distinct_days(transactions):
    """Repeat-purchase days per customer, as the libraries count them (purchases on one day are one)."""
    days = transactions.drop_duplicates(["customer_id", "date"])
    return days.groupby("customer_id").size() - 1


def _lifetimes_summary():
    import warnings

    with warnings.catch_warnings():   # lifetimes (unmaintained since 2020) sets a pandas option pandas 3 retired
        warnings.simplefilter("ignore")
        utils = pytest.importorskip("lifetimes.utils")
    return utils.summary_data_from_transaction_data


def test_lifetimes_and_pymc_marketing_read_the_files_without_glue(tmp_path):
    from simkit.cli import main

    clv = _pymc_marketing()
    assert main(["clv-data", "clv_bg_nbd", "--calibration-weeks", "39", "--holdout-weeks", "39",
                 "--out", str(tmp_path), "--customers", "500"]) == 0
    transactions = pd.read_csv(tmp_path / "transactions.csv", parse_dates=["date"])
    split = json.loads((tmp_path / "split.json").read_text())
    end = split["observation_end"]
    ours = _lifetimes_summary()(transactions, "customer_id", "date", "amount", observation_period_end=end, freq="D")
    theirs = clv.utils.rfm_summary(transactions, "customer_id", "date", "amount", observation_period_end=end,
                                   time_unit="D").set_index("customer_id")
    expected = _distinct_days(transactions)
    first = transactions.groupby("customer_id").date.min()
    age = (pd.Timestamp(end) - first).dt.days
    for summary in (ours, theirs):
        assert (summary["frequency"].reindex(expected.index) == expected).all()
        assert (summary["T"].reindex(age.index) == age).all()
        assert (summary["monetary_value"] >= 0).all() and len(summary) == 500


def _lifetimes_utils():
    import warnings

    with warnings.catch_warnings():   # lifetimes (unmaintained since 2020) sets a pandas option pandas 3 retired
        warnings.simplefilter("ignore")
        return pytest.importorskip("lifetimes.utils")


@pytest.mark.parametrize("world", ["clv_bg_nbd", "clv_pareto_nbd"])
def test_truth_counts_what_lifetimes_and_pymc_marketing_count_at_the_unit_split_json_states(world, tmp_path):
    """The files read as a student reads them: the libraries' own functions, split.json's words as their
    arguments, and truth.csv agreeing customer by customer -- no glue between them."""
    import warnings

    from simkit.cli import main

    clv, lifetimes = _pymc_marketing(), _lifetimes_utils()
    assert main(["clv-data", world, "--calibration-weeks", "39", "--holdout-weeks", "39", "--customers", "3000",
                 "--out", str(tmp_path)]) == 0
    transactions = pd.read_csv(tmp_path / "transactions.csv")
    truth = pd.read_csv(tmp_path / "truth.csv").set_index("customer_id")
    split = json.loads((tmp_path / "split.json").read_text())
    unit = {"freq": split["time_unit"], "freq_multiplier": split["time_scaler"]}
    with warnings.catch_warnings():   # lifetimes writes into a slice of its own copy (pandas warns)
        warnings.simplefilter("ignore")
        # (under pandas 3 lifetimes' holdout count needs a money column to count with)
        theirs = lifetimes.calibration_and_holdout_data(transactions, "customer_id", "date", split["calibration_end"],
                                                        split["observation_end"], monetary_value_col="amount", **unit)
        whole = lifetimes.summary_data_from_transaction_data(
            transactions, "customer_id", "date", observation_period_end=split["observation_end"], **unit)
    ours = clv.utils.rfm_train_test_split(transactions, "customer_id", "date", split["calibration_end"],
                                          split["observation_end"], time_unit=split["time_unit"],
                                          time_scaler=split["time_scaler"],
                                          monetary_value_col="amount").set_index("customer_id")
    assert len(theirs) == len(ours) == len(whole) == len(truth)
    for holdout, calibration, weeks in ((theirs.frequency_holdout, theirs.frequency_cal, theirs.duration_holdout),
                                        (ours.test_frequency, ours.frequency, ours.test_T)):
        assert (holdout.reindex(truth.index) == truth.holdout_purchases).all()
        assert (weeks == split["holdout_weeks"]).all()
        # the whole period's repeat purchases: the calibration's and the holdout's (no day spans the cutoff)
        both = calibration.reindex(truth.index) + truth.holdout_purchases
        assert (whole.frequency.reindex(truth.index) == both).all()
    age = (pd.Timestamp(split["observation_end"]) - pd.to_datetime(truth.first_purchase)).dt.days / 7
    assert np.allclose(whole["T"].reindex(truth.index), age, rtol=0, atol=1e-12)
    assert truth.holdout_purchases.sum() < truth.holdout_transactions.sum()   # two on one day: one purchase


def test_a_lifecycle_runs_transactions_read_into_both_libraries():
    import simkit

    result = simkit.run_simulation(simkit.load_scenario("lifecycle_textbook"), n_customers=300, event_log=True,
                                   engine="numpy")
    transactions = result.events.to_transactions()
    end = transactions.attrs["observation_end"]
    ours = _lifetimes_summary()(transactions, "customer_id", "date", "amount", observation_period_end=end, freq="D")
    theirs = _pymc_marketing().utils.rfm_summary(transactions, "customer_id", "date", "amount",
                                                       observation_period_end=end).set_index("customer_id")
    expected = _distinct_days(transactions)
    for summary in (ours, theirs):
        assert (summary["frequency"].reindex(expected.index) == expected).all()
        assert (summary["T"] >= summary["recency"]).all()


def test_a_lifecycle_world_gives_the_same_kind_of_data_set():
    import simkit

    scenario = simkit.load_scenario("lifecycle_textbook").updated({"arrivals.cohort_size": 2000})
    data = clv_data(scenario, 39, 39)
    transactions, truth = data.transactions, data.truth
    holdout = transactions[transactions.date >= pd.Timestamp(data.split["holdout_start"])]
    counts = holdout.groupby("customer_id").size().reindex(truth.customer_id, fill_value=0)
    days = holdout.groupby("customer_id").date.nunique().reindex(truth.customer_id, fill_value=0)
    assert (counts.to_numpy() == truth.holdout_transactions.to_numpy()).all()
    assert (days.to_numpy() == truth.holdout_purchases.to_numpy()).all()
    assert truth.first_purchase.max() < pd.Timestamp(data.split["holdout_start"])
    assert truth.purchase_rate.isna().all() and data.split["model"] == "lifecycle stages"
    assert (truth.holdout_purchases[~truth.alive_at_cutoff] == 0).all()   # the lost buy nothing more
    assert 0.5 < truth.alive_at_cutoff.mean() < 1.0


def test_the_command_line_refuses_bad_input_before_writing_anything(tmp_path, capsys):
    from simkit.cli import main

    out = tmp_path / "data"
    assert main(["clv-data", "clv_bg_nbd", "--calibration-weeks", "39", "--out", str(out)]) == 2
    assert "--holdout-weeks" in capsys.readouterr().err
    assert main(["clv-data", "clv_bg_nbd", "--calibration-weeks", "8", "--holdout-weeks", "39",
                 "--out", str(out)]) == 2
    assert "calibration_weeks: got 8.0" in capsys.readouterr().err and not out.exists()
    assert main(["clv-data", "clv_bg_nbd", "--calibration-years", "0.75", "--holdout-years", "0.75",
                 "--customers", "50", "--out", str(out)]) == 0
    assert json.loads((out / "split.json").read_text())["holdout_start"] == "2026-10-05"   # 39 weeks after the start
    capsys.readouterr()
    assert main(["clv-data", "clv_bg_nbd", "--calibration-weeks", "39", "--holdout-weeks", "39",
                 "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_without_a_compiler_pytensor_is_switched_to_numba_quietly(tmp_path):
    """Most Windows laptops have no C++ compiler: PyTensor would warn and fall back to slow Python loops."""
    import os
    import subprocess
    import sys

    _skip_without_pymc_marketing()
    env = {k: v for k, v in os.environ.items() if k != "PYTENSOR_FLAGS"}
    env["PATH"] = str(tmp_path)                   # no g++ on it
    code = ("import os; from simkit.experiments.clv_models import import_pymc_marketing; import_pymc_marketing(); "
            "print(os.environ['PYTENSOR_FLAGS'])")
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "blas__ldflags=,cxx=,mode=NUMBA" and done.stderr == ""


def test_parameter_table_matches_a_likelihood_written_out_here():
    """pymc-marketing's BG/NBD fitted by MAP (its own parametrisation: a and b are derived) and read by
    parameter_table, against the maximum of the likelihood written out above and its curvature."""
    from simkit.experiments.clv_models import calibration_summary, parameter_table

    clv = _pymc_marketing()
    data = clv_data(load_clv_scenario("clv_bg_nbd").updated({"customers": 10_000}), 39, 39)
    model = clv.BetaGeoModel()
    model.fit(calibration_summary(data), method="map", progressbar=False)
    table = parameter_table(model, truth=data.split["parameters"]).loc[["r", "alpha", "a", "b"]]
    fitted, standard_error = _fit_bg_nbd(data)
    # priors that weigh little against 10,000 customers, and purchases on one day counted once by
    # pymc-marketing's summary: the estimates agree well within their errors, the errors within 10 %
    assert np.all(np.abs(np.log(table["estimate"]) - fitted) < 2 * standard_error), table
    assert np.allclose(table["log_se"], standard_error, rtol=0.1), (table["log_se"].to_numpy(), standard_error)
    assert table["within_2_se"].dtype == bool

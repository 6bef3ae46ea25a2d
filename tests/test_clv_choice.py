"""Choosing a CLV model by proper scores (simkit.experiments.clv_choice), held against independent sources.

The likelihoods against lifetimes' and pymc-marketing's own, the fits against lifetimes' fitters, the holdout
expectations against lifetimes, Pareto/NBD's holdout distribution against lifetimes' closed form (Fader &
Hardie's note; simkit integrates over the remaining lifetime instead), BG/NBD's against a double integral done
here by brute force.  The statistical check (the holdout distribution is calibrated) runs against a wrong
model too, to show it can fail; the notebook's reading of the comparison is held on the data sets it shows.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simkit.experiments import clv_choice as cc
from simkit.experiments.clv import clv_data, load_clv_scenario

FALSE_ALARM = 0.01
BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}          # the CDNOW fits (a < 1)
PARETO = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}      # alpha < beta
OTHER = {"bg_nbd": {"r": 0.4, "alpha": 8.0, "a": 1.7, "b": 6.0},    # a > 1
         "pareto_nbd": {"r": 0.7, "alpha": 12.0, "s": 0.5, "beta": 6.0}}   # alpha > beta
# histories (x, t_x, T) in weeks: one-time buyers, a recent and a lapsed repeat buyer, a frequent one
X = np.array([0, 0, 1, 2, 5, 12, 30])
T_X = np.array([0, 0, 2.0, 30.0, 3.5, 25.0, 36.0])
T = np.array([27.0, 39.0, 32.0, 31.0, 36.0, 29.0, 38.0])


def _lifetimes(model, params):
    with warnings.catch_warnings():   # lifetimes (unmaintained since 2020) sets a pandas option pandas 3 retired
        warnings.simplefilter("ignore")
        import lifetimes
    fitter = lifetimes.BetaGeoFitter() if model == "bg_nbd" else lifetimes.ParetoNBDFitter()
    fitter.params_ = pd.Series(params)
    return fitter


@pytest.mark.parametrize("model", ["bg_nbd", "pareto_nbd"])
def test_log_likelihood_is_lifetimes_and_pymc_marketings(model):
    import pymc as pm

    from simkit.experiments.clv_models import import_pymc_marketing

    import_pymc_marketing()
    from pymc_marketing.clv.distributions import BetaGeoNBD, ParetoNBD

    for params in ({"bg_nbd": BG, "pareto_nbd": PARETO}[model], OTHER[model]):
        ours = cc.log_likelihood(model, params, X, T_X, T)
        if model == "bg_nbd":
            log_params = np.log([params[k] for k in ("r", "alpha", "a", "b")])
            theirs = [-_lifetimes(model, params)._negative_log_likelihood(log_params, np.array([x]), np.array([t]),
                                                                         np.array([age]), np.ones(1), 0.0)
                      for x, t, age in zip(X, T_X, T)]
            dist = BetaGeoNBD.dist(T=T, **params)
        else:
            theirs = _lifetimes(model, params)._conditional_log_likelihood(
                [params[k] for k in ("r", "alpha", "s", "beta")], X, T_X, T)
            dist = ParetoNBD.dist(T=T, **params)
        pymc = pm.logp(dist, np.column_stack([T_X, X])).eval()
        assert np.allclose(ours, theirs, rtol=1e-10, atol=0), (ours, theirs)
        assert np.allclose(ours, pymc, rtol=0, atol=1e-6), (ours, pymc)      # pymc: 5e-8 apart, a constant


@pytest.mark.parametrize("model", ["bg_nbd", "pareto_nbd"])
def test_expected_holdout_purchases_are_lifetimes(model):
    for params in ({"bg_nbd": BG, "pareto_nbd": PARETO}[model], OTHER[model]):
        ours = cc.expected_holdout(model, params, X, T_X, T, 39.0)
        theirs = _lifetimes(model, params).conditional_expected_number_of_purchases_up_to_time(39.0, X, T_X, T)
        assert np.allclose(ours, theirs, rtol=1e-9), (ours, theirs)


def test_pareto_holdout_distribution_is_lifetimes_closed_form():
    """simkit integrates over the remaining lifetime (Gauss-Legendre); lifetimes sums Fader & Hardie's closed
    form (their eq. 16): two ways to the same probabilities."""
    for params in (PARETO, OTHER["pareto_nbd"]):
        fitter = _lifetimes("pareto_nbd", params)
        for k in (0, 1, 2, 5, 12):
            ours = cc.holdout_probability("pareto_nbd", params, X, T_X, T, 39.0, k)
            theirs = fitter.conditional_probability_of_n_purchases_up_to_time(k, 39.0, X, T_X, T)
            assert np.allclose(ours, theirs, rtol=1e-7, atol=1e-13), (k, ours, theirs)


def _panels(low, high, panels=40, order=20):
    """Nodes and weights of composite Gauss-Legendre quadrature on (low, high)."""
    nodes, weights = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(low, high, panels + 1)
    half = np.diff(edges)[:, None] / 2
    return ((edges[:-1, None] + half * (nodes + 1)).ravel(), (half * weights).ravel())


def _bg_by_brute_force(params, x, t_x, T, t, k):
    """P(k holdout purchases | history): the BG/NBD integrated over λ and p numerically (composite
    Gauss-Legendre on a 800 x 800 grid), from the individual model (Fader, Hardie & Lee 2005: P(X(t) = k | λ, p,
    alive) and the history's likelihood).  A density's pole at 0 (r < 1 or a < 1) is taken out by λ = w^(1/r),
    p = v^(1/a) (then λ^(r-1) dλ = dw / r, p^(a-1) dp = dv / a); their constants cancel in the ratio."""
    r, alpha, a, b = (params[name] for name in ("r", "alpha", "a", "b"))
    # a pole (shape below 1) is taken out by the power substitution; a density without one is integrated as it is
    lam_power, p_power = min(r, 1.0), min(a, 1.0)
    w, w_weight = _panels(0, 60 ** lam_power)
    v, v_weight = _panels(0, 1)
    lam, p = w[:, None] ** (1 / lam_power), v[None, :] ** (1 / p_power)
    weight = (w_weight[:, None] * v_weight[None, :] * lam ** (r - lam_power) * np.exp(-alpha * lam)
              * p ** (a - p_power) * (1 - p) ** (b - 1))
    alive = (1 - p) ** x * lam ** x * np.exp(-lam * T)
    left = p * (1 - p) ** (x - 1) * lam ** x * np.exp(-lam * t_x) if x > 0 else 0.0
    stay = (1 - p) ** k * stats.poisson.pmf(k, lam * t)
    holdout = stay + (p * (1 - p) ** (k - 1) * stats.poisson.sf(k - 1, lam * t) if k > 0 else 0.0)
    history = ((alive + left) * weight).sum()
    return ((alive * holdout + (left if k == 0 else 0.0)) * weight).sum() / history


def test_bg_holdout_distribution_is_the_model_integrated_by_brute_force():
    for params in (BG, OTHER["bg_nbd"]):
        for i, k in ((0, 0), (1, 2), (2, 0), (3, 1), (4, 3), (5, 6)):
            ours = cc.holdout_probability("bg_nbd", params, X[i], T_X[i], T[i], 39.0, k)
            brute = _bg_by_brute_force(params, X[i], T_X[i], T[i], 39.0, k)
            assert ours == pytest.approx(brute, rel=1e-6), (params, i, k)


@pytest.mark.parametrize("model", ["bg_nbd", "pareto_nbd"])
def test_holdout_probabilities_sum_to_one_and_average_to_the_expectation(model):
    k = np.arange(400)[:, None]
    for params in ({"bg_nbd": BG, "pareto_nbd": PARETO}[model], OTHER[model]):
        p = cc.holdout_probability(model, params, X, T_X, T, 39.0, k)
        assert np.allclose(p.sum(axis=0), 1.0, rtol=0, atol=1e-9)
        assert np.allclose((k * p).sum(axis=0), cc.expected_holdout(model, params, X, T_X, T, 39.0), rtol=1e-8)


def _histories(world, customers, seed):
    data = clv_data(load_clv_scenario(world).updated({"customers": customers}), 39, 39, seed=seed)
    summary = cc._summary(data)
    return data, [summary[c].to_numpy(float) for c in ("frequency", "recency", "T", "test_frequency")]


@pytest.mark.parametrize("world", ["clv_bg_nbd", "clv_pareto_nbd"])
def test_the_fit_is_lifetimes_maximum_likelihood(world):
    """Both models fitted to one data set: simkit's fit and lifetimes' reach the same maximum."""
    _data, (x, t_x, T, _holdout) = _histories(world, 2357, 1)
    for model in ("bg_nbd", "pareto_nbd"):
        ours = cc.fit(model, x, t_x, T)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitter = _lifetimes(model, {}).__class__().fit(x, t_x, T)
        theirs = fitter.params_.to_dict()
        assert cc.log_likelihood(model, ours, x, t_x, T).mean() == pytest.approx(
            cc.log_likelihood(model, theirs, x, t_x, T).mean(), abs=1e-7)
        assert np.allclose([ours[k] for k in cc.PARAMETERS[model]], [theirs[k] for k in cc.PARAMETERS[model]],
                           rtol=2e-2), (ours, theirs)


def _calibration_p_value(model, params, x, t_x, T, holdout):
    """Pearson's χ² of the customers with 0, 1, ..., 5 and 6+ holdout purchases against the model's
    probabilities, summed over customers (their histories differ; a sum of independent counts)."""
    bins = np.arange(6)
    p = cc.holdout_probability(model, params, x[:, None], t_x[:, None], T[:, None], 39.0, bins[None, :])
    expected = np.append(p.sum(axis=0), len(x) - p.sum())
    observed = np.append([(holdout == k).sum() for k in bins], (holdout >= bins[-1] + 1).sum())
    return stats.chisquare(observed, expected).pvalue


@pytest.mark.parametrize("world, wrong", [("clv_bg_nbd", {"a": 1.2}), ("clv_pareto_nbd", {"s": 1.2})])
def test_the_true_models_holdout_distribution_is_calibrated_and_a_wrong_one_is_caught(world, wrong):
    data, (x, t_x, T, holdout) = _histories(world, 10_000, 7)
    model = data.split["model"]
    true = {k: data.split["parameters"][k] for k in cc.PARAMETERS[model]}
    assert _calibration_p_value(model, true, x, t_x, T, holdout) > FALSE_ALARM
    assert _calibration_p_value(model, {**true, **wrong}, x, t_x, T, holdout) < FALSE_ALARM


def test_the_notebooks_reading_holds_on_every_data_set_it_shows():
    """Notebook 06 and exercise set 6 read the comparison of its four seeds as these lines say."""
    table = cc.compare_models(seeds=range(4))
    differences = cc.score_differences(table)
    for world, true in (("clv_bg_nbd", "bg_nbd"), ("clv_pareto_nbd", "pareto_nbd")):
        group = table[table.world == world]
        wide = {score: group.pivot(index="seed", columns="model", values=score) for score in ("log_likelihood", "mae")}
        other = "pareto_nbd" if true == "bg_nbd" else "bg_nbd"
        # the holdout log-likelihood chooses the true model on every data set, and its interval excludes zero
        assert (wide["log_likelihood"][true] > wide["log_likelihood"][other]).all()
        assert differences.loc[(world, "log_likelihood"), "better"] == true
        # RMSE cannot choose at this size: its interval covers zero
        assert differences.loc[(world, "rmse"), "better"] == ""
        # MAE prefers Pareto/NBD on every data set of both worlds, its interval excluding zero
        assert (wide["mae"]["pareto_nbd"] < wide["mae"]["bg_nbd"]).all()
        assert differences.loc[(world, "mae"), "better"] == "pareto_nbd"
    bg_world = table[table.world == "clv_bg_nbd"].pivot(index="seed", columns="model", values="mae")
    assert (bg_world["pareto_nbd"] < bg_world["true_parameters"]).all()   # even above BG/NBD at the truth
    bg_totals = table[table.world == "clv_bg_nbd"].pivot(index="seed", columns="model", values="predicted_total")
    assert (bg_totals["pareto_nbd"] < bg_totals["bg_nbd"]).all()          # Pareto/NBD predicts the lower total
    totals = table.assign(miss=(table.predicted_total / table.actual_total - 1).abs())
    closer = totals[totals.world == "clv_bg_nbd"].pivot(index="seed", columns="model", values="miss")
    assert (closer["pareto_nbd"] < closer["bg_nbd"]).sum() == 3            # one total favours the wrong model
    assert closer["truth"].max() > 0.10                                     # the best possible misses by 10 %+
    text = cc.describe_model_choice(table, differences)
    # the log-likelihood twice and MAE on the Pareto/NBD world choose the true model; MAE on the BG/NBD world does not
    assert text.count("the true model.") == 3 and text.count("no choice") == 2 and text.count("the wrong model") == 1


def test_the_description_claims_only_what_the_interval_shows():
    rows = []
    for seed, (bg, pareto) in enumerate([(-0.80, -0.81), (-0.82, -0.80), (-0.79, -0.81)]):   # mixed: no choice
        for model, value in (("bg_nbd", bg), ("pareto_nbd", pareto), ("true_parameters", bg), ("truth", np.nan)):
            rows.append({"world": "clv_bg_nbd", "true_model": "bg_nbd", "seed": seed, "customers": 100, "model": model,
                         "log_likelihood": value, "rmse": 1.0 + seed / 10 + (model == "bg_nbd") * 0.1,
                         "mae": 0.7, "predicted_total": 100.0, "actual_total": 100.0})
    table = pd.DataFrame(rows)
    differences = cc.score_differences(table)
    assert differences.loc[("clv_bg_nbd", "log_likelihood"), "better"] == ""
    assert differences.loc[("clv_bg_nbd", "rmse"), "better"] == "pareto_nbd"   # worse by 0.1 on every data set
    text = cc.describe_model_choice(table, differences)
    assert "holdout log-likelihood: BG/NBD − Pareto/NBD = +0.0033" in text
    assert "interval covers zero, no choice" in text and "it chooses Pareto/NBD, the wrong model" in text
    assert "BG/NBD scored better on 2 of 3" in text

"""Choosing between CLV (客户终身价值) models the right way: proper scores on the holdout, over several data sets.

Which model, BG/NBD or Pareto/NBD, describes a firm's customers better?  Both are fitted to the
calibration period and asked about the holdout.  This module scores them there, on worlds whose true model
is known (:mod:`simkit.experiments.clv`), so a class can see which score finds the true model:

* **holdout log-likelihood** (对数似然): the log of the probability the fitted model gave to the number of
  purchases each customer really made in the holdout, averaged over customers (higher is better).  It is a
  *proper* score: no forecast scores better on average than the true distribution.
* **RMSE** (root mean squared error, 均方根误差), in purchases per customer: the square root of the mean squared
  gap between the predicted (expected) and the actual holdout purchases.  Squared error is minimised on average
  by the expectation, so on average the truth's own expectation does best.
* **MAE** (mean absolute error), in purchases per customer: minimised by each customer's *median*, which for
  most customers is 0: it rewards a prediction nearer 0 whether or not it is true, and so it can prefer the
  wrong model.

Each score is computed on several data sets (seeds); both models are scored on the *same* data sets (common
random numbers), so their difference is read seed by seed and carries a 95 % interval over seeds (Student's t).

The models are fitted by maximum likelihood here (:func:`fit`, as lifetimes fits them; a pymc-marketing MAP fit,
with its priors, takes seconds): about a second for the sixteen fits of notebook 06 (2 models x 2 worlds x 4
data sets of 2,357 customers).  Purchases are what the libraries count: a customer's days with a transaction.
The likelihoods and predictions are the published closed forms (Fader, Hardie & Lee 2005 for BG/NBD; Fader &
Hardie 2005 for Pareto/NBD), time in weeks; a customer's history is (x, t_x, T): repeat purchases, the week of
the last one and the weeks since the first, all counted from the first purchase; t is the holdout's length in
weeks.

>>> import numpy as np
>>> p = holdout_probability("bg_nbd", {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}, 2, 10.0, 30.0, 39.0,
...                         np.arange(60))
>>> round(float(p.sum()), 6)
1.0
"""

from __future__ import annotations

import math

import numpy as np

from ..core.formatting import format_change, format_signed
from ..core.language import N_, _

__all__ = ["MODEL_NAMES", "compare_models", "describe_model_choice", "expected_holdout", "fit",
           "holdout_probability", "log_likelihood", "per_seed_table", "probability_alive_fitted", "score_differences"]

#: the models, by the names simkit and pymc-marketing give them
MODEL_NAMES = {"bg_nbd": "BG/NBD", "pareto_nbd": "Pareto/NBD"}
PARAMETERS = {"bg_nbd": ("r", "alpha", "a", "b"), "pareto_nbd": ("r", "alpha", "s", "beta")}
#: the fits keep each parameter between e^-BOUND and e^BOUND: where the likelihood rises along a ridge to
#: infinity (BG/NBD's a and b, Pareto/NBD's s and β, when the data hardly show dropout) the fit stops there
BOUND = 7.0
#: Gauss-Legendre nodes for Pareto/NBD's holdout distribution (an integral over the remaining lifetime)
_NODES = 64


def _special():
    from scipy import special, stats   # scipy comes with pymc-marketing (simkit[clv]) and lifetimes

    return special, stats


def _history(x, t_x, T):
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    return np.broadcast_arrays(x, t_x, T)


def _check_model(model: str) -> None:
    if model not in PARAMETERS:
        raise ValueError(_("{path}: got {value}, expected {rule}").format(
            path="model", value=repr(model), rule=_("one of {options}").format(
                options=", ".join(map(repr, PARAMETERS)))))


# ------------------------------------------------------------------ likelihoods of the calibration period
def _pareto_parts(params, x, t_x, T):
    """log of Pareto/NBD's likelihood and of its alive part, per customer (Fader & Hardie 2005, eq. 22)."""
    special, _stats = _special()
    r, alpha, s, beta = (params[k] for k in PARAMETERS["pareto_nbd"])
    x, t_x, T = _history(x, t_x, T)
    front = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) + s * math.log(beta)
    log_alive = front - (r + x) * np.log(alpha + T) - s * np.log(beta + T)
    m = r + s + x
    if alpha >= beta:
        b_arg, shift = s + 1.0, alpha
        z = lambda t: (alpha - beta) / (alpha + t)  # noqa: E731
    else:
        b_arg, shift = r + x, beta
        z = lambda t: (beta - alpha) / (beta + t)  # noqa: E731
    # A_0 = F(t_x) - F(T), F(t) = 2F1(m, b; m + 1; z(t)) / (shift + t)^m: the customer leaving between t_x and T
    first = np.log(special.hyp2f1(m, b_arg, m + 1.0, z(t_x))) - m * np.log(shift + t_x)
    second = np.log(special.hyp2f1(m, b_arg, m + 1.0, z(T))) - m * np.log(shift + T)
    with np.errstate(divide="ignore"):
        log_a0 = first + np.log(-np.expm1(np.minimum(second - first, 0.0)))
    log_dead = front + np.log(s / m) + log_a0
    return np.logaddexp(log_alive, log_dead), log_alive


def _bg_parts(params, x, t_x, T):
    """log of BG/NBD's likelihood and of its alive part, per customer (Fader, Hardie & Lee 2005, eq. 6)."""
    special, _stats = _special()
    r, alpha, a, b = (params[k] for k in PARAMETERS["bg_nbd"])
    x, t_x, T = _history(x, t_x, T)
    common = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
    log_alive = special.betaln(a, b + x) - special.betaln(a, b) + common - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_left = np.where(x > 0, special.betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - special.betaln(a, b)
                            + common - (r + x) * np.log(alpha + t_x), -np.inf)
    return np.logaddexp(log_alive, log_left), log_alive


def log_likelihood(model: str, params: dict, x, t_x, T) -> np.ndarray:
    """Each customer's log-likelihood of their calibration history (x, t_x, T) under ``model`` at ``params``."""
    _check_model(model)
    return (_bg_parts if model == "bg_nbd" else _pareto_parts)(params, x, t_x, T)[0]


def probability_alive_fitted(model: str, params: dict, x, t_x, T) -> np.ndarray:
    """P(alive at the end of calibration | history) under the fitted population ``params``."""
    _check_model(model)
    total, alive = (_bg_parts if model == "bg_nbd" else _pareto_parts)(params, x, t_x, T)
    return np.exp(alive - total)


def fit(model: str, x, t_x, T) -> dict:
    """Maximum-likelihood population parameters of ``model`` for the histories (x, t_x, T), time in weeks.

    The mean log-likelihood per customer is maximised (BFGS) over the logs of the four parameters, each kept
    within ±:data:`BOUND` by a smooth map (BOUND tanh(u / BOUND)), from a start of the CDNOW fits' order of size
    (not the truth's values); the fit is the one lifetimes' fitters find (tests/test_clv_choice.py).
    """
    from scipy import optimize

    _check_model(model)
    x, t_x, T = _history(x, t_x, T)
    # customers with the same history count once, weighted (most one-time buyers share a few)
    histories, weight = np.unique(np.column_stack([x.ravel(), t_x.ravel(), T.ravel()]), axis=0, return_counts=True)
    weight = weight / weight.sum()
    x, t_x, T = histories.T
    names = PARAMETERS[model]
    start = np.log([0.5, 5.0, 1.0, 2.0] if model == "bg_nbd" else [0.5, 10.0, 0.5, 10.0])
    parts = _bg_parts if model == "bg_nbd" else _pareto_parts

    def loss(free):      # per customer, so that the first step is of the parameters' own size
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = -parts(dict(zip(names, np.exp(BOUND * np.tanh(free / BOUND)))), x, t_x, T)[0] @ weight
        return value if np.isfinite(value) else 1e6     # out where the closed form overflows: far from the fit

    done = optimize.minimize(loss, BOUND * np.arctanh(start / BOUND), method="BFGS", options={"gtol": 1e-5})
    return dict(zip(names, np.exp(BOUND * np.tanh(done.x / BOUND)).tolist()))


# ------------------------------------------------------------------ predictions for the holdout
def expected_holdout(model: str, params: dict, x, t_x, T, t: float) -> np.ndarray:
    """E[purchases in the next ``t`` weeks | history] under the fitted population ``params`` (the libraries'
    ``conditional_expected_number_of_purchases_up_to_time`` / ``expected_purchases``).

    BG/NBD: Fader, Hardie & Lee (2005), eq. 10; Pareto/NBD: P(alive) (r+x)(β+T) / ((α+T)(s−1))
    × (1 − ((β+T)/(β+T+t))^(s−1)) (Schmittlein, Morrison & Colombo 1987).
    """
    special, _stats = _special()
    _check_model(model)
    x, t_x, T = _history(x, t_x, T)
    if model == "bg_nbd":
        r, alpha, a, b = (params[k] for k in PARAMETERS[model])
        z = t / (alpha + T + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        top = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
        return top / (1 + left)
    r, alpha, s, beta = (params[k] for k in PARAMETERS[model])
    span = np.log1p(t / (beta + T))
    # (1 - e^{-(s-1) span}) / (s - 1), tending to span as s -> 1
    spread = span if abs(s - 1) < 1e-9 else -np.expm1(-(s - 1) * span) / (s - 1)
    return probability_alive_fitted(model, params, x, t_x, T) * (r + x) * (beta + T) / (alpha + T) * spread


def _log_negative_binomial(k, n, rate, span):
    """log P(N = k), N ~ Poisson(λ span), λ ~ Gamma(n, rate): the negative binomial."""
    special, _stats = _special()
    p = rate / (rate + span)
    with np.errstate(divide="ignore"):
        return (special.gammaln(n + k) - special.gammaln(n) - special.gammaln(k + 1) + n * np.log(p)
                + np.where(k > 0, k * np.log1p(-p), 0.0))


def holdout_probability(model: str, params: dict, x, t_x, T, t: float, k) -> np.ndarray:
    """P(exactly ``k`` purchases in the next ``t`` weeks | history) under the fitted population ``params``.

    Given the history, the customer is alive with P(alive); alive, their purchase rate λ ~ Gamma(r+x, α+T).
    BG/NBD: closed form (their dropout p ~ Beta(a, b+x) given alive; after each purchase they leave with p).
    Pareto/NBD: alive, their remaining lifetime τ has density s(β+T)^s/(β+T+τ)^(s+1), and they make a negative
    binomial number of purchases over min(τ, t) weeks; the integral over τ in (0, t) by Gauss-Legendre
    (64 nodes).  A customer who has left makes none.
    """
    special, stats = _special()
    _check_model(model)
    x, t_x, T, k = np.broadcast_arrays(*_history(x, t_x, T), np.asarray(k, float))
    if model == "bg_nbd":
        r, alpha, a, b = (params[name] for name in PARAMETERS[model])
        n, rate = r + x, alpha + T
        p = rate / (rate + t)
        stay = np.exp(special.betaln(a, b + x + k) - special.betaln(a, b + x)
                      + _log_negative_binomial(k, n, rate, t))
        # left at the k-th holdout purchase: p(1-p)^(k-1), and at least k purchases by t
        with np.errstate(divide="ignore", invalid="ignore"):
            leave = np.where(k > 0, np.exp(special.betaln(a + 1, b + x + np.maximum(k, 1) - 1)
                                           - special.betaln(a, b + x)) * stats.nbinom.sf(k - 1, n, p), 0.0)
        alive = probability_alive_fitted(model, params, x, t_x, T)
        return alive * (stay + leave) + (1 - alive) * (k == 0)
    r, alpha, s, beta = (params[name] for name in PARAMETERS[model])
    nodes, weights = np.polynomial.legendre.leggauss(_NODES)
    tau = (nodes + 1) * t / 2                                   # (0, t), and the weights' factor t / 2
    span = (beta + T)[..., None]
    lifetime = s * span ** s / (span + tau) ** (s + 1) * weights * t / 2
    counts = np.exp(_log_negative_binomial(k[..., None], (r + x)[..., None], (alpha + T)[..., None], tau))
    outlives = (span[..., 0] / (span[..., 0] + t)) ** s
    when_alive = outlives * np.exp(_log_negative_binomial(k, r + x, alpha + T, t)) + (lifetime * counts).sum(-1)
    alive = probability_alive_fitted(model, params, x, t_x, T)
    return alive * when_alive + (1 - alive) * (k == 0)


# ------------------------------------------------------------------ scoring on several data sets
def _summary(data):
    """The calibration summary and the holdout count, read by pymc-marketing's rfm_train_test_split at the
    split's own words (time_unit, time_scaler), in the truth's customer order."""
    from .clv_models import import_pymc_marketing

    clv = import_pymc_marketing()
    split = data.split
    summary = clv.utils.rfm_train_test_split(
        data.transactions, "customer_id", "date", split["calibration_end"], split["observation_end"],
        time_unit=split["time_unit"], time_scaler=split["time_scaler"], monetary_value_col="amount")
    return summary.set_index("customer_id").reindex(data.truth["customer_id"])


def _scores(predicted, actual) -> dict:
    gap = np.asarray(predicted, float) - np.asarray(actual, float)
    return {"rmse": float(np.sqrt(np.mean(gap ** 2))), "mae": float(np.mean(np.abs(gap))),
            "predicted_total": float(np.sum(predicted)), "actual_total": float(np.sum(actual))}


def compare_models(worlds=("clv_bg_nbd", "clv_pareto_nbd"), seeds=range(4), customers: int = 2357,
                   calibration_weeks: float = 39, holdout_weeks: float = 39):
    """Both models fitted to each world's data set for each seed, and scored on its holdout.

    ``worlds``: built-in CLV scenarios or TOML files of one (:func:`simkit.experiments.clv.load_clv_scenario`).
    Returns a DataFrame with one row per world, seed and predictor (``true_model``: the world's own).
    ``model``: "bg_nbd" and "pareto_nbd" (fitted by :func:`fit`), "true_parameters" (the world's own model at its
    true population parameters: the best a model of that form can do without knowing each customer's rates) and
    "truth" (each customer's true expectation, ``truth.expected_holdout_purchases``: the best possible
    prediction).  Scores: ``log_likelihood`` (mean holdout log-likelihood per customer, in nats; none for
    "truth"), ``rmse`` and ``mae`` (purchases per customer), ``predicted_total`` and ``actual_total`` (holdout
    purchases, all customers); the fitted models' parameters.  Every predictor of a world and seed is scored on
    the same data set (common random numbers).
    """
    import pandas as pd

    from .clv import clv_data, load_clv_scenario

    rows = []
    for world in worlds:
        scenario = load_clv_scenario(world).updated({"customers": customers})
        for seed in seeds:
            data = clv_data(scenario, calibration_weeks, holdout_weeks, seed=seed)
            summary = _summary(data)
            x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
            actual = summary["test_frequency"].to_numpy(float)
            t = float(data.split["holdout_weeks"])
            base = {"world": world, "true_model": scenario.model, "seed": seed, "customers": len(actual)}
            true_parameters = {name: data.split["parameters"][name] for name in PARAMETERS[scenario.model]}
            for model, params in (("bg_nbd", None), ("pareto_nbd", None), ("true_parameters", true_parameters)):
                form = scenario.model if params is not None else model
                params = fit(model, x, t_x, T) if params is None else params
                with np.errstate(divide="ignore"):
                    log_p = np.log(holdout_probability(form, params, x, t_x, T, t, actual))
                rows.append({**base, "model": model, "log_likelihood": float(log_p.mean()),
                             **_scores(expected_holdout(form, params, x, t_x, T, t), actual),
                             **(params if model != "true_parameters" else {})})
            rows.append({**base, "model": "truth", "log_likelihood": np.nan,
                         **_scores(data.truth["expected_holdout_purchases"], actual)})
    return pd.DataFrame(rows)


def score_differences(table, first: str = "bg_nbd", second: str = "pareto_nbd"):
    """Paired differences ``first`` − ``second`` of each score, seed by seed, with a 95 % interval over seeds.

    Returns a DataFrame indexed by world and score (``log_likelihood``: higher is better; ``rmse``, ``mae``:
    lower is better) with ``mean``, ``low_95``, ``high_95`` (Student's t over the seeds), ``seeds``,
    ``first_better`` (seeds on which ``first`` scored better) and ``better`` (the model the interval favours,
    or "" when it covers zero).
    """
    import pandas as pd

    from .intervals import mean_interval

    rows = []
    for world, group in table.groupby("world", sort=False):
        one = group[group.model == first].set_index("seed")
        two = group[group.model == second].set_index("seed").reindex(one.index)
        for score, higher_better in (("log_likelihood", True), ("rmse", False), ("mae", False)):
            diff = (one[score] - two[score]).to_numpy()
            low, high = mean_interval(diff)
            sign = 1 if higher_better else -1
            better = first if min(sign * low, sign * high) > 0 else second if max(sign * low, sign * high) < 0 else ""
            rows.append({"world": world, "score": score, "mean": float(diff.mean()), "low_95": low, "high_95": high,
                         "seeds": len(diff), "first_better": int((sign * diff > 0).sum()), "better": better})
    return pd.DataFrame(rows).set_index(["world", "score"])


_SCORE_NAMES = {"log_likelihood": N_("holdout log-likelihood"), "rmse": N_("RMSE"), "mae": N_("MAE"),
                "total": N_("holdout total, error %")}
_PREDICTOR_NAMES = {"bg_nbd": "BG/NBD", "pareto_nbd": "Pareto/NBD", "true_parameters": N_("true parameters"),
                    "truth": N_("best possible")}


def per_seed_table(table):
    """:func:`compare_models` data set by data set: each score of each predictor (columns: score, predictor),
    the holdout total's error in %; rows: world and seed."""
    import pandas as pd

    columns = {"log_likelihood": ("bg_nbd", "pareto_nbd"), "rmse": ("bg_nbd", "pareto_nbd"),
               "mae": ("bg_nbd", "pareto_nbd", "true_parameters"), "total": ("bg_nbd", "pareto_nbd", "truth")}
    table = table.assign(total=(table.predicted_total / table.actual_total - 1) * 100)
    parts = {}
    for score, predictors in columns.items():
        wide = table.pivot(index=["world", "seed"], columns="model", values=score)
        for predictor in predictors:
            name = _PREDICTOR_NAMES[predictor]
            parts[(_(_SCORE_NAMES[score]), name if "/" in name else _(name))] = wide[predictor]
    result = pd.DataFrame(parts)
    result = result.reindex(table.drop_duplicates(["world", "seed"]).set_index(["world", "seed"]).index)
    result.index.names = [_("world"), _("seed")]
    return result


def describe_model_choice(table, differences=None) -> str:
    """:func:`compare_models` in sentences that claim only what the numbers show: per world, which model each
    score prefers (by its 95 % interval over seeds, and on how many seeds), how MAE ranks the wrong model against
    the true one at its true parameters, and how often one data set's holdout total favours the wrong model."""
    if differences is None:
        differences = score_differences(table)
    lines = []
    for world, group in table.groupby("world", sort=False):
        seeds = group.seed.nunique()
        true = group.true_model.iloc[0]
        wrong = "pareto_nbd" if true == "bg_nbd" else "bg_nbd"
        if lines:
            lines.append("")
        lines.append(_("{world} (true model {model}), {seeds} data sets of {customers} customers:").format(
            world=world, model=MODEL_NAMES[true], seeds=seeds, customers=f"{group.customers.iloc[0]:,}"))
        for score in ("log_likelihood", "rmse", "mae"):
            row = differences.loc[(world, score)]
            unit = _("per customer") if score == "log_likelihood" else _("purchases per customer")
            text = _("{score}: {first} − {second} = {difference} {unit} (95 % interval over data sets {low} to "
                     "{high}); {first} scored better on {wins} of {seeds}").format(
                score=_(_SCORE_NAMES[score]), first=MODEL_NAMES["bg_nbd"], second=MODEL_NAMES["pareto_nbd"],
                difference=format_signed(row["mean"]), unit=unit, low=format_signed(row.low_95),
                high=format_signed(row.high_95), wins=int(row.first_better), seeds=int(row.seeds))
            if not row.better:
                text += _(": the interval covers zero, no choice.")
            elif row.better == true:
                text += _(": it chooses {model}, the true model.").format(model=MODEL_NAMES[row.better])
            else:
                text += _(": it chooses {model}, the wrong model.").format(model=MODEL_NAMES[row.better])
            lines.append("  " + text)
        by_seed = group.pivot(index="seed", columns="model", values="mae")
        beaten = int((by_seed[wrong] < by_seed["true_parameters"]).sum())
        lines.append("  " + _("MAE ranks the fitted {wrong} above {true} at its true parameters on {beaten} of "
                              "{seeds} data sets.").format(wrong=MODEL_NAMES[wrong], true=MODEL_NAMES[true],
                                                          beaten=beaten, seeds=seeds))
        error = (group.predicted_total / group.actual_total - 1).to_numpy()
        error = group.assign(error=np.abs(error)).pivot(index="seed", columns="model", values="error")
        closer = int((error[wrong] < error[true]).sum())
        truth = group[group.model == "truth"]
        miss = truth.predicted_total / truth.actual_total - 1
        lines.append("  " + _("The holdout total came closer for {wrong} than for {true} on {closer} of {seeds} "
                              "data sets; the best possible prediction missed it by {low} to {high}.").format(
            wrong=MODEL_NAMES[wrong], true=MODEL_NAMES[true], closer=closer, seeds=seeds,
            low=format_change(miss.min()), high=format_change(miss.max())))
    return "\n".join(lines)

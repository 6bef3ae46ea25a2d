"""Fitting CLV models to simkit's data and scoring them against the truth (pymc-marketing; ``simkit[clv]``).

The fitting is pymc-marketing's own (``ParetoNBDModel``, ``BetaGeoModel``,
``GammaGammaModel``, each ``.fit(method="map")``); this module only prepares
the data the way those models expect and reads their answers against what
really happened (:func:`simkit.clv.clv_data` keeps the truth):

* :func:`calibration_summary` -- the calibration period as pymc-marketing's
  ``rfm_summary`` reads it, time in weeks (the unit of the published fits:
  the models' default priors assume it);
* :func:`parameter_table` -- fitted against true parameters, with standard
  errors from the curvature of the log posterior at the fit (Laplace);
* :func:`holdout_score` -- predicted against actual holdout purchases, in total
  (with a 95 % interval over customers) and customer by customer, next to the
  best possible prediction (the truth's own expectation);
* :func:`alive_calibration` -- P(alive) in bins against the share truly alive.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

__all__ = ["alive_calibration", "calibration_summary", "holdout_score", "import_pymc_marketing", "parameter_table"]


def import_pymc_marketing():
    """pymc-marketing's ``clv`` module, imported without its import-time notices.

    ArviZ announces its next major version and PyTensor that it found no BLAS library (it
    then uses its own loops, fine at these sizes); students read either as an error.
    """
    os.environ.setdefault("PYTENSOR_FLAGS", "blas__ldflags=")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pymc_marketing import clv
    except ImportError:
        raise ImportError("fitting CLV models needs pymc-marketing: pip install 'simkit[clv]'") from None
    return clv


def calibration_summary(data):
    """Each customer's calibration-period summary (frequency, recency, T in weeks; monetary value).

    Read by pymc-marketing's own ``rfm_summary`` from ``data.transactions``; the period ends
    where the holdout begins.
    """
    clv = import_pymc_marketing()
    split = data.split
    transactions = data.transactions
    calibration = transactions[transactions["date"] < np.datetime64(split["holdout_start"])]
    return clv.utils.rfm_summary(calibration, customer_id_col="customer_id", datetime_col="date",
                                 monetary_value_col="amount", observation_period_end=split["holdout_start"],
                                 time_unit="D", time_scaler=split["days_per_time_unit"])


def _map_point(model) -> dict:
    posterior = model.idata.posterior
    return {name: float(posterior[name].values.squeeze()) for name in posterior.data_vars
            if posterior[name].values.size == 1}


def parameter_table(model, truth: dict | None = None):
    """A fitted model's parameters with standard errors and 95 % intervals, beside ``truth``.

    The errors come from the log posterior's curvature at the MAP fit, on the log scale of each
    (positive) parameter, by finite differences (pymc-marketing's likelihoods have no second
    derivative).  ``within_2_se``: whether the truth lies within two standard errors.
    """
    import pandas as pd

    m = model.model
    free = list(m.free_RVs)
    names = [rv.name for rv in free]
    point = _map_point(model)
    values = [m.rvs_to_values[rv] for rv in free]
    for rv in free:
        transform = m.rvs_to_transforms[rv]
        if transform is None or type(transform).__name__ != "LogTransform":
            raise ValueError(f"parameter_table: {rv.name} is not a positive parameter on a log scale")
    x0 = np.log([point[name] for name in names])
    logp = m.compile_logp()

    def at(x):
        return float(logp({value.name: np.asarray(xi) for value, xi in zip(values, x)}))

    k, step = len(x0), 1e-3
    shift = np.eye(k) * step
    hessian = np.array([[(at(x0 + shift[i] + shift[j]) - at(x0 + shift[i] - shift[j])
                          - at(x0 - shift[i] + shift[j]) + at(x0 - shift[i] - shift[j])) / (4 * step * step)
                         for j in range(k)] for i in range(k)])
    log_se = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    table = pd.DataFrame({"parameter": names, "estimate": np.exp(x0),
                          "low_95": np.exp(x0 - 1.96 * log_se), "high_95": np.exp(x0 + 1.96 * log_se),
                          "log_se": log_se})
    if truth is not None:
        table.insert(1, "truth", [truth.get(name, np.nan) for name in names])
        table["within_2_se"] = np.abs(np.log(table["truth"]) - x0) <= 2 * log_se
    return table.set_index("parameter")


def holdout_score(predicted, truth, seed: int = 0, resamples: int = 2000) -> dict:
    """Predicted holdout purchases against what happened, and against the best possible prediction.

    ``predicted``: one number per customer, in ``truth``'s order.  The total's relative error
    carries a 95 % interval from resampling customers (the data's own noise; the fit is held
    fixed).  ``oracle_*``: the same for the truth's expectation (given each customer's true
    parameters and history), when the world has one.
    """
    rng = np.random.default_rng(seed)
    predicted = np.asarray(predicted, float)
    actual = truth["holdout_purchases"].to_numpy(float)
    oracle = truth["expected_holdout_purchases"].to_numpy(float)
    picks = rng.integers(0, actual.size, size=(resamples, actual.size))

    def relative(pred):
        errors = pred[picks].sum(axis=1) / actual[picks].sum(axis=1) - 1
        return pred.sum() / actual.sum() - 1, np.percentile(errors, [2.5, 97.5])

    score = {"actual_total": actual.sum(), "predicted_total": predicted.sum()}
    score["relative_error"], score["relative_error_95"] = relative(predicted)
    score["mean_absolute_error"] = np.abs(predicted - actual).mean()
    if np.isfinite(oracle).all():
        score["oracle_total"] = oracle.sum()
        score["oracle_relative_error"], score["oracle_relative_error_95"] = relative(oracle)
        score["oracle_mean_absolute_error"] = np.abs(oracle - actual).mean()
    return score


def alive_calibration(probability_alive, alive, bins: int = 10):
    """Predicted P(alive) in equal-width bins against the share of those customers truly alive.

    Returns a DataFrame: bin middle, customers, mean predicted, share alive, and a 95 % interval
    of that share (Wilson's).  A calibrated model lies on the diagonal.
    """
    import pandas as pd

    p = np.asarray(probability_alive, float)
    alive = np.asarray(alive, bool)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        if n == 0:
            continue
        share = alive[inside].mean()
        z = 1.96
        centre = (share + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        rows.append({"bin": (edges[b] + edges[b + 1]) / 2, "customers": n, "predicted": p[inside].mean(),
                     "share_alive": share, "low_95": centre - half, "high_95": centre + half})
    return pd.DataFrame(rows)

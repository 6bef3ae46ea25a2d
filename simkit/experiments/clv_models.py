"""Fitting CLV models to simkit's data and scoring them against the truth (pymc-marketing; ``simkit[clv]``).

The fitting is pymc-marketing's own (``ParetoNBDModel``, ``BetaGeoModel``,
``GammaGammaModel``, each ``.fit(method="map")``); this module only prepares
the data the way those models expect and reads their answers against what
really happened (:func:`simkit.experiments.clv.clv_data` keeps the truth):

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
import shutil
import warnings

import numpy as np

from ..core.formatting import format_change
from ..core.language import N_, _

__all__ = ["ExtraNeeded", "alive_calibration", "calibration_summary", "describe_holdout", "describe_parameters", "holdout_score",
           "expected_purchases_at", "import_pymc_marketing", "parameter_table"]


def import_pymc_marketing():
    """pymc-marketing's ``clv`` module, imported without its import-time notices.

    ArviZ announces its next major version and PyTensor that it found no BLAS library (it
    then uses its own loops, fine at these sizes); students read either as an error.  On a
    laptop without a C++ compiler (most Windows machines) PyTensor would warn and then run
    its slow Python fallback, a fit taking many minutes: there it compiles with Numba instead
    (installed with pymc-marketing), which fits in seconds once warmed up.  A ``PYTENSOR_FLAGS``
    already set is left as it is.
    """
    if "PYTENSOR_FLAGS" not in os.environ:
        no_compiler = shutil.which("g++") is None
        os.environ["PYTENSOR_FLAGS"] = "blas__ldflags=" + (",cxx=,mode=NUMBA" if no_compiler else "")
        if no_compiler:   # Numba notes, for some compiled functions, that it keeps them in memory only
            warnings.filterwarnings("ignore", message="Cannot cache compiled function")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pymc_marketing import clv
    except ImportError:
        raise ExtraNeeded(_("fitting CLV models needs pymc-marketing: pip install 'simkit[clv]'")) from None
    return clv


class ExtraNeeded(ImportError):
    """An optional part of simkit is not installed.  In a notebook it shows as its message and what to do, not as
    a traceback (IPython's ``_render_traceback_``), and Run All stops there: a student sees what to install."""

    def _render_traceback_(self) -> list[str]:
        return [str(self), _("Install it in a terminal, in the folder of simkit: .venv/bin/python -m pip install -e "
                             "\".[clv]\" (Windows: .venv\\Scripts\\python), then restart the kernel (Kernel menu) "
                             "and run this notebook again. It stops here until then.")]


def calibration_summary(data):
    """Each customer's calibration-period summary (frequency, recency, T in weeks; monetary value).

    Read by pymc-marketing's own ``rfm_summary`` from ``data.transactions`` at the split's ``time_unit`` (a day:
    transactions on one day are one purchase, *frequency* counts repeat purchase days) and ``time_scaler``
    (7: recency and T in weeks); the period ends where the holdout begins.
    """
    clv = import_pymc_marketing()
    split = data.split
    transactions = data.transactions
    calibration = transactions[transactions["date"] < np.datetime64(split["holdout_start"])]
    return clv.utils.rfm_summary(calibration, customer_id_col="customer_id", datetime_col="date",
                                 monetary_value_col="amount", observation_period_end=split["holdout_start"],
                                 time_unit=split["time_unit"], time_scaler=split["time_scaler"])


def parameter_table(model, truth: dict | None = None):
    """A fitted model's parameters with standard errors and 95 % intervals, beside ``truth``.

    The errors come from the log posterior's curvature at the MAP fit (a Laplace approximation),
    computed by finite differences in the model's unconstrained space (pymc-marketing's likelihoods
    have no second derivative) and carried to the log of each reported parameter (the delta
    method).  The parameters reported are those named in ``truth`` that the model has (BG/NBD's
    *a* and *b* are derived from its own parametrisation), else its free parameters.
    ``within_2_se``: whether the truth lies within two standard errors.
    """
    import pandas as pd

    m = model.model
    posterior = model.idata.posterior
    known = {rv.name for rv in m.free_RVs} | {d.name for d in m.deterministics}
    names = [name for name in (truth or {}) if name in known] or [rv.name for rv in m.free_RVs]
    values = [m.rvs_to_values[rv] for rv in m.free_RVs]
    x0 = []
    for rv in m.free_RVs:
        transform = m.rvs_to_transforms[rv]
        value = posterior[rv.name].values.squeeze()
        x0.append(float(transform.forward(value, *rv.owner.inputs).eval()) if transform is not None else float(value))
    x0 = np.array(x0)
    logp = m.compile_logp()
    reported = m.compile_fn(m.replace_rvs_by_values([m[name] for name in names]), inputs=m.value_vars,
                            on_unused_input="ignore")

    def point(x):
        return {value.name: np.asarray(xi) for value, xi in zip(values, x)}

    def at(x):
        return float(logp(point(x)))

    def log_reported(x):
        return np.log([float(v) for v in reported(point(x))])

    k, step = len(x0), 1e-3
    shift = np.eye(k) * step
    hessian = np.array([[(at(x0 + shift[i] + shift[j]) - at(x0 + shift[i] - shift[j])
                          - at(x0 - shift[i] + shift[j]) + at(x0 - shift[i] - shift[j])) / (4 * step * step)
                         for j in range(k)] for i in range(k)])
    covariance = np.linalg.inv(-hessian)
    jacobian = np.column_stack([(log_reported(x0 + shift[i]) - log_reported(x0 - shift[i])) / (2 * step)
                                for i in range(k)])
    log_estimate = log_reported(x0)
    log_se = np.sqrt(np.diag(jacobian @ covariance @ jacobian.T))
    table = pd.DataFrame({"parameter": names, "estimate": np.exp(log_estimate),
                          "low_95": np.exp(log_estimate - 1.96 * log_se),
                          "high_95": np.exp(log_estimate + 1.96 * log_se), "log_se": log_se})
    if truth is not None:
        table.insert(1, "truth", [truth.get(name, np.nan) for name in names])
        table["within_2_se"] = np.abs(np.log(table["truth"]) - log_estimate) <= 2 * log_se
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


def describe_holdout(score: dict, model: str = N_("the model")) -> str:
    """:func:`holdout_score` in sentences: the total's error with its interval, beside the best possible."""
    low, high = score["relative_error_95"]
    lines = [_("{model} predicted {predicted} holdout purchases; {actual} happened: {error} (95 % interval over "
               "customers {low} to {high}).").format(
        model=_(model), predicted=f"{score['predicted_total']:,.0f}", actual=f"{score['actual_total']:,.0f}",
        error=format_change(score["relative_error"]), low=format_change(low), high=format_change(high))]
    if low <= 0 <= high:
        lines.append(_("The interval covers zero: at this size the total cannot be told from what happened."))
    if "oracle_total" in score:
        low, high = score["oracle_relative_error_95"]
        lines.append(_("The best possible prediction (each customer's true expectation) was {error} ({low} to "
                       "{high}): that much is the data's own noise.").format(
            error=format_change(score["oracle_relative_error"]), low=format_change(low), high=format_change(high)))
        lines.append(_("Customer by customer, the mean absolute error is {error} purchases against {best} for the "
                       "best possible prediction.").format(error=f"{score['mean_absolute_error']:.2f}",
                                                           best=f"{score['oracle_mean_absolute_error']:.2f}"))
    else:
        lines.append(_("Customer by customer, the mean absolute error is {error} purchases.").format(
            error=f"{score['mean_absolute_error']:.2f}"))
    return "\n".join(lines)


def describe_parameters(table) -> str:
    """How many true parameters lie within two standard errors of the fit (a :func:`parameter_table`)."""
    inside = int(table["within_2_se"].sum())
    names = ", ".join(table.index[~table["within_2_se"]])
    if not names:
        return _("{inside} of {n} true parameters lie within two standard errors of the fit.").format(
            inside=inside, n=len(table))
    return _("{inside} of {n} true parameters lie within two standard errors of the fit; outside: {names}.").format(
        inside=inside, n=len(table), names=names)


def expected_purchases_at(model, parameters: dict, summary, future_t: float) -> np.ndarray:
    """A fitted pymc-marketing model's prediction (``expected_purchases``) with its parameters set to ``parameters``.

    With the true population parameters this is the best a model of this form can do without knowing each
    customer's own rates: what remains of its error is the data's noise, not the fit's.
    """
    posterior = model.idata.posterior
    saved = {name: posterior[name].values.copy() for name in parameters}
    try:
        for name, value in parameters.items():
            posterior[name].values[...] = value
        return model.expected_purchases(summary, future_t=future_t).mean(("chain", "draw")).to_numpy()
    finally:
        for name, value in saved.items():
            posterior[name].values[...] = value

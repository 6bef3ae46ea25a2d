"""Are two engines the same law?  Two-sample tests over replications, output by output.

Each replication is summarised by named numbers (customers in each stage at
each period end, money and counts per period, exposure and profit by stage,
per-customer LTV mean and spread, the profit parts).  For every number the
SimPy and NumPy replications are compared with Welch's t-test; with m numbers
each is tested at ``alpha / m`` (Bonferroni), so the chance that two engines
with the same law are flagged anywhere is at most ``alpha``.  Runs use fixed
seeds, so a test built on this is deterministic.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

import simkit


def outputs(result) -> dict:
    """The numbers compared, by name."""
    out = {}
    for k in range(result.stage_counts.shape[0]):
        for stage in simkit.Stage:
            out[f"stage_counts[{k}].{stage.label}"] = result.stage_counts[k, stage]
    for name, values in result.periods.items():
        for k, value in enumerate(values):
            out[f"periods.{name}[{k}]"] = value
    for stage in range(4):
        out[f"stage_years.{simkit.Stage(stage).label}"] = result.stage_years[:, stage].sum()
        out[f"stage_profit.{simkit.Stage(stage).label}"] = result.stage_profit[:, stage].sum()
    for year, value in enumerate(result.tenure_profit):
        out[f"tenure_profit[{year}]"] = value
        out[f"tenure_years[{year}]"] = result.tenure_years[year]
    for name in ("ltv", "ltv_acquired"):
        summary = getattr(result, name)
        out[f"{name}.count"] = summary.count
        out[f"{name}.mean"] = summary.mean
        out[f"{name}.std"] = summary.std
    if result.events is not None:  # spend per purchase: its level and its spread
        events = result.events
        spend = events["amount"][events["event"] == "purchase"]
        if len(spend) > 1:
            out["events.purchase.amount.mean"] = spend.mean()
            out["events.purchase.amount.std"] = spend.std()
        out["events.count"] = len(events)
    if result.ledger is not None:
        for part, values in result.ledger.profit_parts().items():
            out[f"profit_parts.{part}"] = values.sum()
        for column in ("years_loyal", "n_referrals", "first_purchase", "exit_time"):
            values = result.ledger[column]
            out[f"ledger.{column}.mean"] = np.nanmean(values) if np.any(~np.isnan(values.astype(float))) else 0.0
    return out


def runs(scenario, replications: int, engine: str) -> dict:
    """Every output of ``replications`` runs, as name -> array."""
    results = simkit.replicate(scenario, replications, ledger=True, event_log=True, engine=engine)
    table = [outputs(r) for r in results]
    return {name: np.array([row[name] for row in table], dtype=float) for name in table[0]}


def differences(reference: dict, candidate: dict, alpha: float = 0.001) -> list:
    """Outputs whose means differ beyond chance: (name, reference mean, candidate mean, p-value, threshold)."""
    m = len(reference)
    threshold = alpha / m
    flagged = []
    for name, a in reference.items():
        b = candidate[name]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        if len(a) < 2 or len(b) < 2:
            continue
        if a.std() == 0 and b.std() == 0:
            if not np.isclose(a.mean(), b.mean(), rtol=1e-9, atol=1e-9):
                flagged.append((name, a.mean(), b.mean(), 0.0, threshold))
            continue
        p = stats.ttest_ind(a, b, equal_var=False).pvalue
        if p < threshold:
            flagged.append((name, a.mean(), b.mean(), p, threshold))
    return flagged

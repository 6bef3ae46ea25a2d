"""Experiments: a grid of scenarios x replications, each answer with its interval, on one core, many, or a cluster.

"Is +5 points of retention worth more than +10 % acquisition budget, and for
which firm?"  :func:`sweep` runs every variant of a scenario (a full grid of
values, or named sets of changes) ``replications`` times and returns a
:class:`SweepResult`: a tidy table (one row per variant x replication x
metric) and a summary with each variant's mean, its 95 % interval, and its
difference from the base scenario with a *paired* interval.

Replication r of every variant uses the same seed, and the vectorized
engine gives the same customers the same draws (common random numbers), so
the differences between variants are measured on the same customers.  Each
run is a task that depends on nothing but its scenario and seed, so the
results are bit-identical whether the tasks run here (``workers=1``), on
local processes (``workers=N``) or on a Dask cluster (``client=``).

>>> import simkit
>>> result = simkit.sweep(simkit.load_scenario("lifecycle_basic"),
...                       {"stages.loyal.orders_per_year": [6.0, 6.6]}, replications=3, n_customers=200)
>>> result.summary(metric="profit")[["variant", "replications"]].to_dict("list")
{'variant': ['base', 'stages.loyal.orders_per_year=6', 'stages.loyal.orders_per_year=6.6'], 'replications': [3, 3, 3]}
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..core.errors import ScenarioError
from .intervals import mean_interval
from ..model.scenario import Scenario

__all__ = ["METRICS", "SweepResult", "sweep"]


def _profit(result) -> float:
    return float(result.periods["profit"].sum())


def _npv(result) -> float:
    return float(result.periods["discounted_profit"].sum())


def _revenue(result) -> float:
    return float((result.periods["revenue"] + result.periods["cross_sell_revenue"]).sum())


def _acquired(result) -> float:
    return float(result.periods["n_acquired"].sum())


def _ltv(result) -> float:
    return float(result.ltv_acquired.mean) if result.ltv_acquired.count else math.nan


#: What a sweep measures on every run: name -> (meaning, function of a SimulationResult).
METRICS = {
    "profit": ("profit of everyone over the run, undiscounted (yuan)", _profit),
    "npv": ("profit discounted by calendar year from the start (yuan)", _npv),
    "revenue": ("revenue, second product included (yuan)", _revenue),
    "acquired": ("customers acquired over the run", _acquired),
    "ltv": ("mean discounted lifetime value of the customers acquired (yuan)", _ltv),
}


def _run_task(task: tuple) -> tuple:
    """One run: (variant index, replication, scenario data, seed, customers, engine) -> metric values.

    A plain module-level function of plain data, so that any executor -- this process, a
    process pool, a Dask worker -- runs it the same way.
    """
    from ..engines.run import run_simulation

    variant, replication, data, seed, n_customers, engine, metrics = task
    scenario = Scenario.from_dict(data)
    result = run_simulation(scenario, seed=seed, n_customers=n_customers, ledger=False, engine=engine)
    years = scenario.horizon_years * (result.ltv.count or 0)
    return variant, replication, [METRICS[name][1](result) for name in metrics], years


def _variants(scenario: Scenario, grid, variants) -> list[tuple[str, dict]]:
    """The base scenario first, then every variant: (name, dotted-path changes)."""
    out = [("base", {})]
    if grid is not None:
        if not isinstance(grid, Mapping) or not grid:
            raise ScenarioError(f"grid: got {grid!r}, expected a table of dotted path -> list of values")
        paths = list(grid)
        for path in paths:
            values = grid[path]
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
                raise ScenarioError(f"grid.{path}: got {values!r}, expected a non-empty list of values")
        for combination in itertools.product(*(list(grid[path]) for path in paths)):
            changes = dict(zip(paths, combination))
            out.append((", ".join(f"{path}={value:g}" if isinstance(value, (int, float)) else f"{path}={value}"
                                  for path, value in changes.items()), changes))
    if variants is not None:
        if not isinstance(variants, Mapping):
            raise ScenarioError(f"variants: got {variants!r}, expected a table of name -> changes by dotted path")
        for name, changes in variants.items():
            if not isinstance(changes, Mapping):
                raise ScenarioError(f"variants.{name}: got {changes!r}, expected changes by dotted path")
            out.append((str(name), dict(changes)))
    if len(out) == 1:
        raise ScenarioError("sweep: nothing to vary; give grid= (dotted path -> values) or variants= (name -> changes)")
    names = [name for name, _ in out]
    if len(set(names)) != len(names):
        raise ScenarioError(f"variants: names repeat ({', '.join(n for n in names if names.count(n) > 1)})")
    return out


@dataclass(frozen=True)
class SweepResult:
    """The runs of a sweep and what they say.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per variant x replication x metric: ``variant``, ``replication``, ``seed``,
        ``metric``, ``value``.
    variants : dict
        Variant name -> its changes by dotted path (``"base"``: none).
    replications : int
    confidence : float
    customer_years : float
        Customers x years simulated (for throughput figures).
    """

    runs: object
    variants: dict
    replications: int
    confidence: float = 0.95
    customer_years: float = 0.0

    def summary(self, metric: str | None = None):
        """Per variant and metric: mean and its interval, and the paired difference from the base.

        The difference of replication r is variant r minus base r (same seed, same customers);
        its interval comes from the spread of those paired differences (Student's t).
        """
        import pandas as pd

        runs = self.runs if metric is None else self.runs[self.runs["metric"] == metric]
        rows = []
        for (variant, name), group in runs.groupby(["variant", "metric"], sort=False):
            values = group.sort_values("replication")["value"].to_numpy()
            base = runs[(runs["variant"] == "base") & (runs["metric"] == name)].sort_values("replication")
            difference = values - base["value"].to_numpy()
            low, high = mean_interval(values, self.confidence)
            d_low, d_high = mean_interval(difference, self.confidence)
            rows.append({"variant": variant, "metric": name, "replications": len(values), "mean": values.mean(),
                         "low": low, "high": high, "difference": difference.mean(),
                         "difference_low": d_low if variant != "base" else 0.0,
                         "difference_high": d_high if variant != "base" else 0.0})
        table = pd.DataFrame(rows)
        table["distinguishable"] = (table["difference_low"] > 0) | (table["difference_high"] < 0)
        return table

    def to_csv(self, path) -> str:
        """Write the tidy table of runs (one row per variant x replication x metric)."""
        self.runs.to_csv(path, index=False)
        return str(path)


def sweep(scenario: Scenario, grid: Mapping | None = None, *, variants: Mapping | None = None,
          replications: int = 10, seed: int | None = None, n_customers: int | None = None,
          metrics=("profit", "npv", "revenue", "acquired", "ltv"), engine: str = "numpy", workers: int = 1,
          client=None, progress: bool = False, confidence: float = 0.95) -> SweepResult:
    """Run a scenario's variants ``replications`` times each, with common random numbers across variants.

    Parameters
    ----------
    scenario : Scenario
        The base.
    grid : mapping of dotted path -> list of values, optional
        Every combination becomes a variant (the full product).
    variants : mapping of name -> changes, optional
        Named variants, each a mapping of dotted path -> value.
    replications : int, default 10
        Runs per variant; replication r of every variant uses the same seed (derived from
        ``seed``, default the scenario's), so variants are compared on the same customers.
    n_customers : int, optional
        Overrides the cohort size of every run.
    metrics : sequence of str
        Names from :data:`METRICS`.
    engine : {"numpy", "simpy"}, default "numpy"
    workers : int, default 1
        Local processes to run on (1: in this process).
    client : dask.distributed.Client, optional
        Run the tasks on a Dask cluster instead (``pip install simkit[scale]``).
    progress : bool, default False
        Show a progress bar (tqdm: in a notebook or a terminal).

    Every variant is built and checked before anything runs: a wrong path or value is one
    ScenarioError naming it.
    """
    from ..engines.run import ENGINES

    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: got {type(scenario).__name__}, expected a simkit.Scenario")
    if isinstance(replications, bool) or not isinstance(replications, int) or not 2 <= replications <= 10_000:
        raise ScenarioError(f"replications: got {replications!r}, expected a whole number in [2, 10,000] "
                            "(two at least, for an interval)")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
        raise ScenarioError(f"workers: got {workers!r}, expected a whole number in [1, 256]")
    if engine not in ENGINES:
        raise ScenarioError(f"engine: got {engine!r}, expected one of {', '.join(map(repr, ENGINES))}")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise ScenarioError(f"metrics: got {list(metrics)!r}, expected names from {', '.join(METRICS)}")
    metrics = tuple(metrics)
    listed = _variants(scenario, grid, variants)
    built = []
    problems = []
    from ..model.budget import check_budget

    for name, changes in listed:  # check every variant (and its run budget) before running any
        try:
            variant = scenario.updated(changes) if changes else scenario
            check_budget(variant, engine, n_customers=n_customers)
            built.append(variant.to_dict())
        except ScenarioError as error:
            problems.extend(f"variant {name!r}: {problem}" for problem in error.problems)
    if problems:
        raise ScenarioError(problems, scenario.name)
    base_seed = scenario.seed if seed is None else seed
    seeds = [int(s) for s in np.random.SeedSequence(base_seed).generate_state(replications, dtype=np.uint32)]
    tasks = [(v, r, data, seeds[r], n_customers, engine, metrics)
             for v, data in enumerate(built) for r in range(replications)]
    outcomes = _execute(tasks, workers, client, progress)
    import pandas as pd

    rows = []
    customer_years = 0.0
    for variant, replication, values, years in outcomes:
        customer_years += years
        for name, value in zip(metrics, values):
            rows.append((listed[variant][0], replication, seeds[replication], name, value))
    runs = pd.DataFrame(rows, columns=["variant", "replication", "seed", "metric", "value"])
    return SweepResult(runs=runs, variants={name: changes for name, changes in listed}, replications=replications,
                       confidence=confidence, customer_years=customer_years)


def _execute(tasks: list, workers: int, client, progress: bool) -> list:
    """Run the tasks here, on local processes or on a Dask client; results in the order of the tasks."""
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), desc="sweep", unit="run")
    try:
        if client is not None:
            from dask.distributed import as_completed

            futures = client.map(_run_task, tasks, pure=False)
            if bar is not None:
                for _ in as_completed(futures):
                    bar.update(1)
            return client.gather(futures)
        if workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            out = []
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for outcome in pool.map(_run_task, tasks, chunksize=max(1, len(tasks) // (4 * workers))):
                    out.append(outcome)
                    if bar is not None:
                        bar.update(1)
            return out
        out = []
        for task in tasks:
            out.append(_run_task(task))
            if bar is not None:
                bar.update(1)
        return out
    finally:
        if bar is not None:
            bar.close()

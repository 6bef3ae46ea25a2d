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

import functools
import itertools
import math
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..core.errors import ScenarioError
from ..core.language import N_, _
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


#: What a sweep measures on every run: name -> (meaning, function of a SimulationResult).  The meaning is
#: English; ``_(METRICS[name][0])`` shows it in the language of messages.
METRICS = {
    "profit": (N_("profit of everyone over the run, undiscounted (yuan)"), _profit),
    "npv": (N_("profit discounted by calendar year from the start (yuan)"), _npv),
    "revenue": (N_("revenue, second product included (yuan)"), _revenue),
    "acquired": (N_("customers acquired over the run"), _acquired),
    "ltv": (N_("mean discounted lifetime value of the customers acquired (yuan)"), _ltv),
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


#: the most variants a sweep takes (a grid's product is counted before any variant is made)
MAX_VARIANTS = 1_000
#: the minutes of computing a sweep may take without being asked (``max_minutes``), estimated before it runs
DEFAULT_MAX_MINUTES = 30.0


def _count_variants(grid, variants) -> int:
    """How many variants ``grid`` and ``variants`` make, without making them (0 when they are not tables)."""
    count = 0
    if isinstance(grid, Mapping) and grid:
        count = 1
        for values in grid.values():
            count *= len(values) if hasattr(values, "__len__") and not isinstance(values, (str, bytes)) else 1
    if isinstance(variants, Mapping):
        count += len(variants)
    return count


def _variants(scenario: Scenario, grid, variants) -> list[tuple[str, dict]]:
    """The base scenario first, then every variant: (name, dotted-path changes)."""
    count = _count_variants(grid, variants)
    if count > MAX_VARIANTS:
        raise ScenarioError(_("sweep: {n} variants, more than the {limit} a sweep takes: vary fewer fields, or "
                              "fewer values of each").format(n=f"{count:,}", limit=f"{MAX_VARIANTS:,}"))
    out = [("base", {})]
    if grid is not None:
        if not isinstance(grid, Mapping) or not grid:
            raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
                path="grid", value=repr(grid), rule=_("a table of dotted path -> list of values")))
        paths = list(grid)
        for path in paths:
            values = grid[path]
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
                raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
                    path=f"grid.{path}", value=repr(values), rule=_("a non-empty list of values")))
        for combination in itertools.product(*(list(grid[path]) for path in paths)):
            changes = dict(zip(paths, combination))
            out.append((", ".join(f"{path}={value:g}" if isinstance(value, (int, float)) else f"{path}={value}"
                                  for path, value in changes.items()), changes))
    if variants is not None:
        if not isinstance(variants, Mapping):
            raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
                path="variants", value=repr(variants), rule=_("a table of name -> changes by dotted path")))
        for name, changes in variants.items():
            if not isinstance(changes, Mapping):
                raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
                    path=f"variants.{name}", value=repr(changes), rule=_("changes by dotted path")))
            out.append((str(name), dict(changes)))
    if len(out) == 1:
        raise ScenarioError(_("sweep: nothing to vary; give grid= (dotted path -> values) or variants= "
                              "(name -> changes)"))
    names = [name for name, _changes in out]
    if len(set(names)) != len(names):
        raise ScenarioError(_("variants: names repeat ({names})").format(
            names=", ".join(n for n in names if names.count(n) > 1)))
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
        Runs per variant.
    confidence : float
        Of the intervals (0.95: 95 %).
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

        Parameters
        ----------
        metric : str, optional
            One metric's name (a name of :data:`~simkit.experiments.sweep.METRICS`);
            None: every metric of the sweep.

        Returns
        -------
        pandas.DataFrame
            One row per variant and metric: ``variant``, ``metric``, ``replications``,
            ``mean``, ``low``, ``high``, ``difference``, ``difference_low``,
            ``difference_high`` and ``distinguishable`` (the difference's interval
            excludes zero).
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
        """Write the tidy table of runs (one row per variant x replication x metric) as CSV.

        Parameters
        ----------
        path : str or pathlib.Path
            The file to write.

        Returns
        -------
        str
            The path written.
        """
        self.runs.to_csv(path, index=False)
        return str(path)


def sweep(scenario: Scenario, grid: Mapping | None = None, *, variants: Mapping | None = None,
          replications: int = 10, seed: int | None = None, n_customers: int | None = None,
          metrics=("profit", "npv", "revenue", "acquired", "ltv"), engine: str = "numpy", workers: int = 1,
          client=None, progress: bool = False, confidence: float = 0.95,
          max_minutes: float | None = None) -> SweepResult:
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
        Runs per variant, a whole number in [2, 10,000]; replication r of every variant uses
        the same seed (derived from ``seed``), so variants are compared on the same customers.
    seed : int, optional
        The seed the replications' seeds are derived from (default the scenario's).
    n_customers : int, optional
        Overrides the cohort size of every run.
    metrics : sequence of str
        Names from :data:`METRICS`.
    engine : {"numpy", "simpy"}, default "numpy"
        Which engine runs (see :func:`simkit.run_simulation`); common random numbers
        across variants need the NumPy engine.
    workers : int, default 1
        Local processes to run on, in [1, 256] (1: in this process).
    client : dask.distributed.Client, optional
        Run the tasks on a Dask cluster instead (``pip install simkit[scale]``).
    progress : bool, default False
        Show a progress bar (tqdm: in a notebook or a terminal).
    confidence : float, default 0.95
        Of the intervals :meth:`SweepResult.summary` gives (0.95: 95 %).
    max_minutes : float, optional
        The sweep budget: the minutes of computing it may take, estimated before anything runs from each
        variant's run estimate (:func:`simkit.model.budget.estimate_run`) and this machine's speed, measured
        once by a small run (default :data:`DEFAULT_MAX_MINUTES`; at most :data:`MAX_VARIANTS` variants).

    Returns
    -------
    SweepResult
        The tidy table of runs; ``.summary()`` gives each variant's mean with its
        interval and its paired difference from the base.

    Raises
    ------
    ScenarioError
        Every variant is built and checked before anything runs: a wrong path or value is one
        ScenarioError naming it; so is a sweep over its budget, with its estimated time, a bad
        ``replications``, ``workers``, ``engine`` or ``metrics``, nothing to vary, more than
        :data:`MAX_VARIANTS` variants, or repeated variant names.
    TypeError
        If ``scenario`` is not a :class:`~simkit.Scenario`.
    """
    from ..engines.run import ENGINES

    if not isinstance(scenario, Scenario):
        raise TypeError(_("{path}: got {value}, expected {rule}").format(
            path="scenario", value=type(scenario).__name__, rule=_("a simkit.Scenario")))
    if isinstance(replications, bool) or not isinstance(replications, int) or not 2 <= replications <= 10_000:
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="replications", value=repr(replications),
            rule=_("a whole number in [{low}, {high}] (two at least, for an interval)").format(low=2, high="10,000")))
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="workers", value=repr(workers), rule=_("a whole number in [{low}, {high}]").format(low=1, high=256)))
    if engine not in ENGINES:
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="engine", value=repr(engine), rule=_("one of {options}").format(options=", ".join(map(repr, ENGINES)))))
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="metrics", value=repr(list(metrics)), rule=_("names from {names}").format(names=", ".join(METRICS))))
    metrics = tuple(metrics)
    listed = _variants(scenario, grid, variants)
    built = []
    problems = []
    from ..model.budget import check_budget

    estimates = []
    for name, changes in listed:  # check every variant (and its run budget) before running any
        try:
            variant = scenario.updated(changes) if changes else scenario
            estimates.append(check_budget(variant, engine, n_customers=n_customers))
            built.append(variant.to_dict())
        except ScenarioError as error:
            problems.extend(_("variant {name}: {problem}").format(name=repr(name), problem=problem)
                            for problem in error.problems)
    if problems:
        raise ScenarioError(problems, scenario.name)
    _check_minutes(estimates, replications, engine, workers if client is None else _cluster_size(client),
                   DEFAULT_MAX_MINUTES if max_minutes is None else max_minutes, scenario.name,
                   tenure=scenario.tenure is not None)
    if seed is not None:   # the scenario's own rule for a seed, and its message
        scenario.updated({"seed": seed})
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


def machine_speed(engine: str, tenure: bool = False) -> tuple[float, float]:
    """This machine's speed, measured once per process: (seconds a run costs whatever its size, seconds per unit
    of work), a unit being a person or as many events as take the time of one (the default run budget's two
    limits take about the same time).  Two runs of a typical scenario, small and ten times larger, after one
    to warm up: the line through them.  ``tenure``: measured on a tenure table's cohort (textbook §4), whose
    runs cost far less per person than a stage model's."""
    return _measured_speed(engine, bool(tenure))


@functools.lru_cache(maxsize=None)
def _measured_speed(engine: str, tenure: bool) -> tuple[float, float]:
    from ..engines.run import run_simulation
    from ..model.budget import estimate_run
    from ..model.presets import load_scenario

    # a stream, stages, purchases and referrals: a typical stage model; or the textbook's LTV cohort
    sample = load_scenario("cohort_10000" if tenure else "lifecycle_basic")
    small = 5_000 if engine == "numpy" else 500
    points = []
    for customers in (small // 5, small, 10 * small):    # the first warms up (imports, caches) and is dropped
        started = time.perf_counter()
        run_simulation(sample, n_customers=customers, ledger=False, engine=engine)
        points.append((_units(estimate_run(sample, customers), engine), time.perf_counter() - started))
    (u1, t1), (u2, t2) = points[1], points[2]
    per_unit = max((t2 - t1) / (u2 - u1), t2 / u2 / 10)   # never below a tenth of the plain average (noise)
    return max(t1 - per_unit * u1, 0.0), per_unit


def _units(estimate, engine: str) -> float:
    from ..model.budget import DEFAULT_BUDGET

    people, events = DEFAULT_BUDGET[engine]
    return estimate.people + estimate.events * people / events


def _cluster_size(client, zero: bool = False) -> int:
    """The workers of a Dask cluster now (at least 1 unless ``zero``: a client that cannot say counts as one)."""
    try:
        count = len(client.scheduler_info()["workers"])
    except Exception:   # noqa: BLE001 - a client that cannot say: count it as one
        count = 1
    return count if zero else max(count, 1)


def _check_minutes(estimates: list, replications: int, engine: str, parallel: int, limit: float, name: str,
                   tenure: bool = False):
    """Refuse a sweep whose estimated computing time, shared by ``parallel`` workers, is over ``limit`` minutes."""
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit <= 10_000:
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="max_minutes", value=repr(limit), rule=_("a number of minutes in (0, 10,000]")))
    fixed, per_unit = machine_speed(engine, tenure)
    seconds = sum(fixed + per_unit * _units(e, engine) for e in estimates) * replications / parallel
    if seconds > limit * 60:
        raise ScenarioError(_("sweep budget: {runs} runs ({variants} variants × {replications} replications) would "
                              "take about {time} on this machine; the limit is {limit} minutes unless asked: pass "
                              "max_minutes= (python -m simkit sweep --max-minutes N), or run fewer replications, "
                              "variants or customers, or on more workers").format(
            runs=f"{len(estimates) * replications:,}", variants=f"{len(estimates):,}",
            replications=f"{replications:,}",
            time=_duration(seconds), limit=f"{limit:g}"), name)


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return _("{n} minutes").format(n=f"{seconds / 60:,.0f}")
    return _("{n} hours").format(n=f"{seconds / 3600:,.1f}")


def _execute(tasks: list, workers: int, client, progress: bool) -> list:
    """Run the tasks here, on local processes or on a Dask client; results in the order of the tasks."""
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), desc="sweep", unit="run")
    try:
        if client is not None:
            return _on_cluster(client, tasks, bar)
        if workers > 1:
            import multiprocessing

            out = []
            # leaving the with-block -- done, an error, Ctrl-C, SIGTERM -- terminates the workers at once; a parent
            # killed outright takes them along (_worker_start)
            with multiprocessing.Pool(workers, initializer=_worker_start) as pool:
                for outcome in pool.imap(_run_task, tasks, chunksize=max(1, len(tasks) // (4 * workers))):
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


def _worker_start() -> None:
    """A sweep's worker process: it ends with its parent, however the parent ends.

    On Linux the kernel sends it SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``), even if the parent
    is killed outright; Ctrl-C is the parent's to handle (it terminates the pool), so a worker ignores SIGINT
    instead of printing a traceback of its own.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):   # no glibc (musl, a sandbox): the pool's terminate still applies
            pass
        if os.getppid() == 1:   # the parent died before the line above: do not outlive it
            os._exit(1)


#: seconds a Dask cluster may have no worker at all before a sweep on it gives up
NO_WORKERS_SECONDS = 30.0


def _on_cluster(client, tasks: list, bar) -> list:
    """The tasks on a Dask cluster, in order; a cluster that has lost every worker is a clear error, not a hang."""
    from dask.distributed import wait

    futures = client.map(_run_task, tasks, pure=False)
    pending, without_workers, done_before = futures, None, 0
    try:
        while pending:
            try:
                wait(pending, timeout=1.0)
            except TimeoutError:
                pass
            pending = [f for f in pending if not f.done()]
            if bar is not None:
                bar.update(len(futures) - len(pending) - done_before)
                done_before = len(futures) - len(pending)
            if pending and not _cluster_size(client, zero=True):
                without_workers = without_workers or time.monotonic()
                if time.monotonic() - without_workers > NO_WORKERS_SECONDS:
                    raise ScenarioError(_("sweep: the Dask cluster has had no worker for {n} seconds ({left} of "
                                          "{total} runs not done); start workers, or run without client=").format(
                        n=f"{NO_WORKERS_SECONDS:g}", left=len(pending), total=len(futures)))
            else:
                without_workers = None
        return client.gather(futures)
    except BaseException:
        client.cancel(futures)
        raise

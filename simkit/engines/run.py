"""Run a scenario on either engine: the door every view, experiment and lesson goes through.

>>> from simkit import load_scenario, run_simulation
>>> result = run_simulation(load_scenario("cohort_10000"), n_customers=200)
>>> int(result.stage_counts[0].sum())          # everyone who entered is somewhere
200
>>> run_simulation(load_scenario("cohort_10000"), n_customers=200).ltv.mean == result.ltv.mean
True
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ScenarioError
from ..core.language import _
from ..model.budget import DEFAULT_BUDGET, check_budget
from .limits import RunLimits, enforced
from ..model.scenario import Scenario
from .numpy_engine import engine as numpy_engine
from .results import SimulationResult
from .simpy_engine import world as simpy_engine

__all__ = ["ENGINES", "replicate", "run_simulation"]

#: the engines of :func:`run_simulation`: the SimPy reference and the vectorized NumPy engine
ENGINES = ("simpy", "numpy")


def run_simulation(scenario: Scenario, *, seed: int | None = None, n_customers: int | None = None,
                   ledger: bool = True, event_log: bool = False, engine: str = "simpy",
                   max_people: int | None = None, max_events: int | None = None) -> SimulationResult:
    """Simulate a scenario on one of two engines of the same model.

    ``engine="simpy"`` (the default, the reference) makes every customer a
    SimPy process, event by event; ``engine="numpy"`` draws whole populations
    at once with array operations (:mod:`simkit.engines.numpy_engine`), about
    40 to 60 times faster on the textbook's lifecycle model and 115 to 210 on its
    10,000-customer cohort (bench/README.md), with common random numbers: a changed copy
    of a scenario run with the same seed gives the same customers the same
    draws.  The two agree in law (tests compare them on every built-in
    scenario), not draw for draw.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`simkit.load_scenario`).
    seed : int, optional
        Overrides ``scenario.seed``.  The same scenario and seed give
        bit-identical results; different seeds give independent runs.
    n_customers : int, optional
        Overrides ``scenario.arrivals.cohort_size`` (the cohort at time 0).
    ledger : bool, default True
        Keep one row per customer (:class:`~simkit.Ledger`).
    event_log : bool, default False
        Keep every event (customer id, time, event, stage, amount).  With both
        ``ledger`` and ``event_log`` off only running tallies are kept, so
        memory is bounded by the customers alive at once.
    engine : {"simpy", "numpy"}, default "simpy"
        Which engine draws the lives (see above).
    max_people, max_events : int, optional
        The run budget.  Before anything runs, the people and events the run will create
        are estimated (:func:`simkit.model.budget.estimate_run`, with the referral branching
        process); above the budget -- by default :data:`simkit.model.budget.DEFAULT_BUDGET`, a
        run of seconds -- the run is refused with a ScenarioError that says why.  While it runs,
        both engines count the people and events they make and stop it, with the same kind of
        message, the moment a count passes its limit (:mod:`simkit.engines.limits`).

    Returns
    -------
    SimulationResult
        Per-period money and counts, customers in each stage at every period
        end, lifetime-value summary, and the ledger and event log if kept.

    Raises
    ------
    ScenarioError
        If ``ledger`` or ``event_log`` is not True or False, ``engine`` is not
        one of the two, ``max_people`` or ``max_events`` is not a whole number
        >= 1, a tenure table is given by margin per customer (nothing to
        simulate), the run is estimated over its budget, or it passes a limit
        while running; also if ``seed`` or ``n_customers`` breaks the
        scenario's rules.
    TypeError
        If ``scenario`` is not a :class:`~simkit.Scenario`.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(_("{path}: got {value}, expected {rule}").format(
            path="scenario", value=type(scenario).__name__,
            rule=_("a simkit.Scenario (use simkit.load_scenario or simkit.Scenario(...))")))
    changes = {}
    if seed is not None:
        changes["seed"] = seed
    if n_customers is not None:
        changes["arrivals.cohort_size"] = n_customers
    if changes:
        scenario = scenario.updated(changes)
    for name, flag in (("ledger", ledger), ("event_log", event_log)):
        if not isinstance(flag, bool):
            raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
                path=name, value=repr(flag), rule=_("True or False")))
    if engine not in ENGINES:
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="engine", value=repr(engine), rule=_("one of {options}").format(options=", ".join(map(repr, ENGINES)))))
    for name, cap in (("max_people", max_people), ("max_events", max_events)):
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
                path=name, value=repr(cap), rule=_("a whole number >= {low}").format(low=1)))
    if scenario.tenure is not None and scenario.tenure.margin_per_customer is not None:
        raise ScenarioError(_("{path}: a table given by margin per customer has no purchases to simulate (orders, "
                              "order value, cost share); simkit.cohort_table computes it exactly, or give those three "
                              "rows to simulate it").format(path="tenure.margin_per_customer"), scenario.name)
    estimate = check_budget(scenario, engine, max_people=max_people, max_events=max_events)
    default_people, default_events = DEFAULT_BUDGET[engine]
    limits = RunLimits(people=default_people if max_people is None else max_people,
                       events=default_events if max_events is None else max_events,
                       estimated_people=estimate.people, estimated_events=estimate.events, engine=engine,
                       name=scenario.name)
    try:
        with enforced(limits):   # held while the run goes: the engines count people and events as they make them
            if engine == "numpy":
                return numpy_engine.simulate(scenario, ledger, event_log)
            return simpy_engine.simulate(scenario, ledger, event_log)
    except KeyboardInterrupt:
        # a fresh exception without the run's frames: IPython keeps the last traceback, which would
        # otherwise hold every customer of the interrupted run; unwound, they are freed at once
        raise KeyboardInterrupt(_("simulation of {name} interrupted").format(name=repr(scenario.name))) from None


def replicate(scenario: Scenario, n_replications: int, *, n_customers: int | None = None,
              ledger: bool = False, event_log: bool = False, engine: str = "simpy") -> list[SimulationResult]:
    """Run a scenario ``n_replications`` times with independent seeds derived from ``scenario.seed``.

    The seeds come from ``numpy.random.SeedSequence(scenario.seed)``, so the
    set of replications is itself reproducible.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`simkit.load_scenario`).
    n_replications : int
        Number of runs, a whole number in [1, 10,000].
    n_customers : int, optional
        Overrides ``scenario.arrivals.cohort_size`` (the cohort at time 0) in every run.
    ledger : bool, default False
        Keep one row per customer in every run (:class:`~simkit.Ledger`).
    event_log : bool, default False
        Keep every event of every run.
    engine : {"simpy", "numpy"}, default "simpy"
        Which engine draws the lives (see :func:`run_simulation`).

    Returns
    -------
    list of SimulationResult
        One per replication, in the order of their seeds.

    Raises
    ------
    ScenarioError
        If ``n_replications`` is not a whole number in [1, 10,000], or as
        :func:`run_simulation` raises (bad flags, an unknown engine, a run over
        its budget).

    Examples
    --------
    >>> from simkit import load_scenario
    >>> runs = replicate(load_scenario("cohort_10000"), 3, n_customers=100)
    >>> len({r.seed for r in runs})
    3
    """
    if isinstance(n_replications, bool) or not isinstance(n_replications, int) or not 1 <= n_replications <= 10_000:
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="n_replications", value=repr(n_replications),
            rule=_("a whole number in [{low}, {high}]").format(low=1, high="10,000")))
    seeds = np.random.SeedSequence(scenario.seed).generate_state(n_replications, dtype=np.uint32)
    return [run_simulation(scenario, seed=int(seed), n_customers=n_customers, ledger=ledger, event_log=event_log,
                           engine=engine) for seed in seeds]

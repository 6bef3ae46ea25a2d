"""The vectorized engine: whole populations at once, with NumPy array operations.

Same scenario model and the same law as the SimPy engine (the reference, one
process per customer), drawn another way.  Everybody who enters together --
the cohort and the prospects marketing brings (generation 0), then the
customers they refer and the replacements of those they lose (generation 1),
and so on -- lives *step by step in lock step*: at step s every person still
active draws the length of its s-th spell (a stay in one stage, or one year
of a tenure table), what happens during it (purchases and their spend,
referrals, referral damage, adoption of the second product and its
purchases) and what comes after it (the next stage, retention, the next
funnel step).  Each step is a handful of array operations over everyone
still active, so a run costs a few milliseconds per hundred thousand spells.
In a stage model the steps only live and decide; what their spells bring is
booked for many steps at once (:class:`~.books._Steps`): word of mouth when a batch
has lived (the next generation is made of it), everything else -- purchases,
the second product, referral damage, time and its cost -- in the run's joint
book, for the small generations together with the large (:class:`~.joint._Joint`):
the same draws, on fewer and longer arrays.

Its parts are the modules of this package (see :mod:`simkit.engines.numpy_engine`); the random
numbers, and why a changed scenario keeps its customers' draws, are in :mod:`.draws`.

>>> from simkit import load_scenario, run_simulation
>>> scenario = load_scenario("cohort_10000")
>>> fast = run_simulation(scenario, engine="numpy")
>>> int(fast.stage_counts[0].sum())
10000
>>> run_simulation(scenario, engine="numpy").ltv.mean == fast.ltv.mean     # same seed, same result
True
"""

from __future__ import annotations

import numpy as np

from ..assemble import SOURCE_COHORT, SOURCE_STREAM, ArrayStats, assemble_result
from ..limits import current as current_limits
from .batch import BATCH, _Batch
from .books import _Books
from .draws import _ARRIVALS
from .entrants import _Entrants, _entrants, _layout
from .joint import _Joint
from .ledger import _event_log, _ledger
from .plan import NEW, PROSPECT, _Plan

__all__ = ["simulate"]

#: batches smaller than this (people), while fewer spells than this wait, are booked together (_Joint); a
#: larger one is booked as soon as it has lived (its people are let go before the next batch lives)
_JOIN_BELOW = BATCH // 4


def simulate(scenario, keep_ledger: bool, keep_events: bool):
    """Run a validated scenario on the vectorized engine (see :func:`simkit.run_simulation`)."""
    plan = _Plan(scenario)
    books = _Books(plan)
    arrivals = scenario.arrivals
    # generation 0: the cohort at time 0, then the prospects marketing brings (a Poisson process)
    stream = np.random.default_rng([plan.seed, _ARRIVALS])  # (the generations' keys have three or four numbers)
    n_stream = int(stream.poisson(arrivals.prospects_per_year * plan.horizon)) if arrivals.prospects_per_year else 0
    n_first = arrivals.cohort_size + n_stream  # the first generation: each the head of a family
    generation = _Entrants.join([
        _entrants(np.zeros(arrivals.cohort_size), int(arrivals.cohort_stage), SOURCE_COHORT, -1,
                  np.arange(arrivals.cohort_size), price=plan.acquisition_price),
        _entrants(np.sort(stream.random(n_stream) * plan.horizon), PROSPECT, SOURCE_STREAM, -1,
                  np.arange(arrivals.cohort_size, n_first))])
    generation.columns["slot"] = generation.family.copy()  # the first generation: slot = family
    ltv_all, ltv_acquired = ArrayStats(), ArrayStats()
    ledgers, events, entry_times = [], [], []
    joint, lived = _Joint(), []  # batches lived, done when nothing of theirs waits in the joint book

    def done():
        for batch in lived:
            ltv_all.add(batch.value)
            ltv_acquired.add(batch.value[~np.isnan(batch.entered[NEW])])
            if keep_ledger:
                ledgers.append(batch.ledger_columns())
            if keep_events:
                events.extend(batch.events)
                entry_times.append(batch.entry)
        lived.clear()

    next_id = 0
    g = 0
    limits = current_limits()   # the run budget, held while the run goes (None outside run_simulation)
    while len(generation):
        children = []
        for b, start in enumerate(range(0, len(generation), BATCH)):
            if limits is not None:   # the people of the batch about to live, and the next generation so far
                limits.add_people(min(BATCH, len(generation) - start))
                limits.add_people(0, waiting=sum(len(c) for c in children))
            batch = _Batch(plan, books, generation.part(start, start + BATCH), next_id, g, b, keep_ledger,
                           keep_events, joint)
            next_id += batch.n
            batch.live()
            lived.append(batch)
            if batch.n >= _JOIN_BELOW or joint.n >= _JOIN_BELOW:  # a large batch is booked and let go at once
                joint.book()
            if not joint.parts:
                done()
            children.extend(batch.children)
        generation = _layout(_Entrants.join(children))
        g += 1
    joint.book()
    done()
    ledger = _ledger(ledgers) if keep_ledger else None
    event_log = _event_log(events, np.concatenate(entry_times)) if keep_events else None
    return assemble_result(scenario, flows=books.flows, money=books.money, counts=books.counts,
                           stage_years=books.stage_years, stage_profit=books.stage_profit,
                           tenure_years=books.tenure_years, tenure_profit=books.tenure_profit,
                           ltv=ltv_all.summary(), ltv_acquired=ltv_acquired.summary(),
                           ledger=ledger, events=event_log, group_profit=books.group_profit)

"""The run budget, held while a run goes: people and events counted as they are made, the run stopped past a limit.

:func:`simkit.model.budget.check_budget` refuses, before anything runs, a run whose *estimate* is over budget.
An estimate can be wrong (a scenario built to fool it, or plain bad luck in a run near the limit), so both
engines also count, as they go, the people who enter and the events they live (purchases, referrals, referral
damage, purchases of the second product, stage moves), and stop the moment a count passes its limit, with the same kind of
message as the refusal: what was reached, what was estimated, how to go on.  The exception unwinds the run,
so everything it held is freed.

>>> limits = RunLimits(people=10, events=100, estimated_people=5, estimated_events=50, engine="numpy", name="x")
>>> limits.add_people(8)
>>> limits.add_people(3)
Traceback (most recent call last):
...
simkit.core.errors.ScenarioError: invalid scenario in x: run budget: the run passed 10 people while running ...
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

from ..core.errors import ScenarioError
from ..core.language import _

__all__ = ["RunLimits", "current", "enforced"]


@dataclass
class RunLimits:
    """The limits of one run and what it has made so far."""

    people: int
    events: int
    estimated_people: float
    estimated_events: float
    engine: str
    name: str
    n_people: int = 0
    n_events: int = 0

    def add_people(self, n: int, waiting: int = 0) -> None:
        """Count ``n`` people who enter; ``waiting``: people already made who will enter later (a next generation)."""
        self.n_people += n
        if self.n_people + waiting > self.people:
            raise self._passed(_("the run passed {limit} people while running (it had made {n}; estimated "
                                 "{estimate} before it started)"), self.people, self.n_people + waiting,
                                self.estimated_people)

    def add_events(self, n: int) -> None:
        self.n_events += n
        if self.n_events > self.events:
            raise self._passed(_("the run passed {limit} events while running (it had made {n}; estimated "
                                 "{estimate} before it started)"), self.events, self.n_events, self.estimated_events)

    def _passed(self, what: str, limit: int, n: int, estimate: float) -> ScenarioError:
        reached = what.format(limit=f"{limit:,}", n=f"{n:,}", estimate=f"{estimate:,.0f}")
        return ScenarioError(_("run budget: {reached}; it was stopped and its memory freed. The {engine} engine runs "
                               "at most {people} people and {events} events unless asked: pass max_people= / "
                               "max_events= to run_simulation (python -m simkit run --max-people N --max-events N), "
                               "or make the run smaller").format(reached=reached, engine=self.engine,
                                                                 people=f"{self.people:,}", events=f"{self.events:,}"),
                             self.name)


_CURRENT: contextvars.ContextVar[RunLimits | None] = contextvars.ContextVar("simkit_run_limits", default=None)


def current() -> RunLimits | None:
    """The limits of the run going on in this thread (None outside a run)."""
    return _CURRENT.get()


@contextlib.contextmanager
def enforced(limits: RunLimits):
    """Hold ``limits`` for the run inside the ``with`` block (one run per thread; panels run in threads)."""
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)

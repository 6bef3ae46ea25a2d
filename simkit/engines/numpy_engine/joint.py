"""The run's joint book: what the spells of a stage model's batches bring but word of mouth, booked for
several batches -- small generations with the large -- at once (:class:`_Joint`), their persons joined
as one batch for the book (:class:`_Joined`)."""

from __future__ import annotations

import numpy as np

from .batch import BATCH, _Batch
from .books import _Steps
from .ledger import _BOOKED_FLOATS, _BOOKED_INTS


class _Joined(_Batch):
    """The persons of several batches as one, for one book of their spells: the columns a book adds to,
    joined; booked (:meth:`_Batch.book_spells`); then each batch's part handed back to it."""

    def __init__(self, batches: list):
        first = batches[0]
        self.plan, self.books, self.keep_ledger, self.defer = first.plan, first.books, first.keep_ledger, True
        self.batches = batches
        self.bounds = np.cumsum([0] + [batch.n for batch in batches]).tolist()
        self.n = self.bounds[-1]
        for name in ("slot", "entry", "group", "ids", "value"):
            setattr(self, name, np.concatenate([getattr(batch, name) for batch in batches]))
        if self.keep_ledger:
            self.f = {name: np.concatenate([batch.f[name] for batch in batches]) for name in _BOOKED_FLOATS}
            self.i = {name: np.concatenate([batch.i[name] for batch in batches]) for name in _BOOKED_INTS}
            self.years_in = np.concatenate([batch.years_in for batch in batches])
        self.events = [] if first.events is not None else None

    def shifts(self) -> dict:
        """Where each batch's persons start among the joined (by the batch's id)."""
        return {id(batch): lo for batch, lo in zip(self.batches, self.bounds)}

    def hand_back(self):
        """Each batch's part of what was booked becomes the batch's columns (views of the joined: no copy)."""
        for batch, lo, hi in zip(self.batches, self.bounds[:-1], self.bounds[1:]):
            batch.value = self.value[lo:hi]
            if self.keep_ledger:
                for name in _BOOKED_FLOATS:
                    batch.f[name] = self.f[name][lo:hi]
                for name in _BOOKED_INTS:
                    batch.i[name] = self.i[name][lo:hi]
                batch.years_in = self.years_in[lo:hi]
        if self.events is not None:
            self.batches[-1].events.extend(self.events)


class _Joint:
    """The run's joint book: what the spells of a stage model's batches bring but word of mouth (purchases,
    the second product, referral damage, time), booked for several batches -- small generations with
    the large -- at once: the same arithmetic on fewer, longer arrays, once per run instead of once per
    batch.  Booked when :data:`BATCH` spells wait, after a large batch (:data:`_JOIN_BELOW`: bounded
    memory) and at the run's end; each step keeps its own random numbers, so what a spell draws is what it
    would draw booked alone."""

    def __init__(self):
        self.parts, self.n = [], 0

    def add(self, batch: _Batch, steps: _Steps):
        self.parts.append((batch, steps))
        self.n += len(steps.a)
        if self.n >= BATCH:
            self.book()

    def book(self):
        if not self.parts:
            return
        parts, self.parts, self.n = self.parts, [], 0
        if len(parts) == 1:
            batch, steps = parts[0]
            batch.book_spells(steps)
            return
        batches = list({id(batch): batch for batch, _ in parts}.values())  # each once, in order
        joined = _Joined(batches) if len(batches) > 1 else None
        shift = joined.shifts() if joined else {id(batches[0]): 0}
        (joined or batches[0]).book_spells(_Steps([step for _, steps in parts for step in steps.steps],
                                                  [shift[id(batch)] for batch, steps in parts for _ in steps.steps]))
        if joined:
            joined.hand_back()

"""What a run keeps: the ledger (one row per person) and the event log, put together from the batches'
parts in order of entry, each person numbered as the SimPy engine numbers it."""

from __future__ import annotations

import numpy as np

from ...model.stages import Stage
from ..results import EventLog, Ledger
from .arrays import _all

EVENT_NAMES = ("arrive", "acquire", "purchase", "cross_sell", "move", "refer", "damage", "adopt")
_ARRIVE, _ACQUIRE, _PURCHASE, _CROSS, _MOVE, _REFER, _DAMAGED, _ADOPT = range(8)
# ledger columns accumulated person by person (the others are set once, in ledger_columns)
_LEDGER_FLOATS = ("exit_time", "revenue", "cost_of_sales", "acquisition_cost", "service_cost",
                  "referral_damage_cost", "price_discounts", "cross_sell_revenue", "cross_sell_cost",
                  "cost_savings", "first_purchase")
_LEDGER_INTS = ("n_purchases", "n_referrals", "n_prospects_lost")
# the ledger columns a book of spells adds to besides word of mouth (_Batch.book_spells)
_BOOKED_FLOATS = ("revenue", "cost_of_sales", "service_cost", "referral_damage_cost", "price_discounts",
                  "cross_sell_revenue", "cross_sell_cost", "cost_savings", "first_purchase")
_BOOKED_INTS = ("n_purchases", "n_prospects_lost")


def _renumbering(order: np.ndarray) -> np.ndarray:
    """Each person's id in order of entry, as in the SimPy engine, from the persons in that order
    (:func:`_entry_order`)."""
    new_id = np.empty(len(order), dtype=np.int64)
    new_id[order] = np.arange(len(order))
    return new_id


def _entry_order(entry_time: np.ndarray) -> np.ndarray:
    """The persons in order of entry (ties: in order of creation)."""
    return np.argsort(entry_time, kind="stable")


def _ledger(parts: list) -> Ledger:
    """The batches' ledger rows as one ledger, in order of entry (ids 0, 1, 2, ...)."""
    entry = np.concatenate([p["entry_time"] for p in parts]) if len(parts) > 1 else parts[0]["entry_time"]
    if len(entry) > 1 and not _all(entry[1:] >= entry[:-1]):  # not yet in order of entry: renumber
        order = _entry_order(entry)
        # each column joined, then read in order of entry (a gather: cheaper than scattering each batch's
        # rows to their places); the ids are numbered afresh below
        data = {name: None if name == "customer_id" else
                np.concatenate([part[name] for part in parts], dtype=kind, casting="unsafe").take(order)
                for name, kind in Ledger.columns}
        referred = data["referred_by"] >= 0
        data["referred_by"][referred] = _renumbering(order)[data["referred_by"][referred]]
    elif len(parts) == 1:  # one batch in order: its columns as they are (no copy unless the type differs)
        data = {name: np.ascontiguousarray(parts[0][name], dtype=kind) for name, kind in Ledger.columns}
    else:
        data = {name: np.concatenate([p[name] for p in parts], dtype=kind) for name, kind in Ledger.columns}
    data["customer_id"] = np.arange(len(entry), dtype=np.int64)
    return Ledger.from_columns(data)


def _event_log(chunks: list, entry_time: np.ndarray) -> EventLog:
    if not chunks:
        return EventLog.from_rows([])
    ids, times, codes, stages, amounts = (np.concatenate(c) for c in zip(*chunks))
    ids = _renumbering(_entry_order(entry_time))[ids]
    order = np.lexsort((ids, times))
    labels = np.array([s.label for s in Stage], dtype=object)
    names = np.array(EVENT_NAMES, dtype=object)
    return EventLog({"customer_id": ids[order], "time": times[order], "event": names[codes[order]],
                     "stage": labels[stages[order]], "amount": amounts[order]})

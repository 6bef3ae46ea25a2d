"""Identifying valuable customers (textbook §6): 80/20, Sherden's 80/20/30, and RFM types.

Works on any per-customer numbers (e.g. ``result.ledger["profit"]``) and on
the event log of a run (purchases as of a date).

>>> share_of_top([50, 30, 10, 5, 5], 0.2)      # the top 20 % of 5 customers is 1 customer
0.5
>>> [t.label for t in rfm_types(recency=[0.1, 2.0], frequency=[9, 1], monetary=[500, 20])]
['important to maintain', 'no value']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.language import N_, _, message_language

__all__ = ["RFM_TYPES", "RfmType", "pareto_curve", "rfm_measures", "rfm_types", "share_of_top"]


def _values(values, name: str = "values") -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(_("{name}: expected a non-empty list of finite numbers, got {count} values")
                         .format(name=name, count=array.size))
    return array


def pareto_curve(values) -> tuple[np.ndarray, np.ndarray]:
    """Customers ranked from the most to the least valuable: (share of customers, cumulative share of the total).

    With losses among the customers the cumulative share rises above 1 and falls back to 1 at the end
    (Sherden's 80/20/30: the top 20 % make ~80 % of profit, half of it lost to the unprofitable bottom 30 %).
    """
    array = np.sort(_values(values))[::-1]
    total = array.sum()
    if total == 0:
        raise ValueError(_("values: they add up to 0, so shares of the total are undefined"))
    customers = np.arange(0, array.size + 1) / array.size
    cumulative = np.concatenate([[0.0], np.cumsum(array)]) / total
    return customers, cumulative


def share_of_top(values, top: float = 0.2) -> float:
    """Share of the total that the top ``top`` fraction of customers bring (the 80/20 rule)."""
    if not 0 < top <= 1:
        raise ValueError(_("{path}: got {value}, expected {rule}").format(path="top", value=repr(top),
                                                                           rule=_("a fraction in (0, 1]")))
    array = np.sort(_values(values))[::-1]
    count = max(int(round(top * array.size)), 1)
    return float(array[:count].sum() / array.sum())


@dataclass(frozen=True)
class RfmType:
    """One of the textbook's six RFM types (§6): recent? frequent? high spend? and the advice.

    ``label`` and ``advice`` are English; ``chinese`` is the textbook's name; ``name`` and ``str(rfm_type)``
    speak the language of messages (``simkit.set_language``).
    """

    number: int
    label: str
    chinese: str
    recent: bool
    frequent: bool
    high_spend: bool
    advice: str = ""

    @property
    def name(self) -> str:
        """The type's name in the language of messages: the textbook's Chinese term, or the English label."""
        return self.chinese if message_language() == "zh" else self.label

    def __str__(self) -> str:
        """"1 important to maintain (重要维护客户): high value now and later: ...", in the language of messages."""
        return _("{number} {label} ({chinese}): {advice}").format(
            number=self.number, label=self.label, chinese=self.chinese, advice=_(self.advice))


#: The six types of §6 (R down = bought recently), with the textbook's advice; combinations the textbook
#: does not name are "unclassified".
RFM_TYPES = (
    RfmType(1, "important to maintain", "重要维护客户", True, True, True,
            N_("high value now and later: keep the relationship, it secures the firm's profit")),
    RfmType(2, "important to develop", "重要发展客户", True, False, True,
            N_("recent big spenders who buy seldom: learn their needs, market to them, raise how often they buy")),
    RfmType(3, "ordinary important", "一般重要客户", True, True, False,
            N_("active but small: keep the relationship at modest cost; heavy marketing spend is a risk")),
    RfmType(4, "important to win back", "重要挽留客户", False, True, True,
            N_("used to buy often and much, silent for long, at risk of leaving: try hard to retain them")),
    RfmType(5, "ordinary", "一般客户", False, True, False,
            N_("frequent but small and long ago: little more profit to be had")),
    RfmType(6, "no value", "无价值客户", False, False, False,
            N_("no reason to keep up the relationship")),
)
_UNCLASSIFIED = RfmType(0, "unclassified", "未分类", False, False, False, N_("a pattern the six types do not name"))


def rfm_types(recency, frequency, monetary) -> list[RfmType]:
    """Each customer's RFM type: recency (years since the last purchase), frequency, monetary value.

    A measure is "up" when it is above the average of all customers; recent means recency below
    its average.
    """
    r, f, m = _values(recency, "recency"), _values(frequency, "frequency"), _values(monetary, "monetary")
    if not r.size == f.size == m.size:
        raise ValueError(_("recency, frequency, monetary: got {r}, {f} and {m} values, expected one of each per "
                           "customer").format(r=r.size, f=f.size, m=m.size))
    by_pattern = {(t.recent, t.frequent, t.high_spend): t for t in RFM_TYPES}
    recent, frequent, high = r < r.mean(), f > f.mean(), m > m.mean()
    return [by_pattern.get(key, _UNCLASSIFIED) for key in zip(recent.tolist(), frequent.tolist(), high.tolist())]


def rfm_measures(events, as_of: float) -> dict:
    """Recency, frequency and monetary value of each customer who bought by ``as_of`` (years), from an event log.

    Returns numpy columns: customer_id, recency (years since the last purchase), frequency
    (purchases), monetary (total spend, yuan) -- the textbook's RFM (§6), for :func:`rfm_types`.

    Not the CLV libraries' ``rfm_summary`` (lifetimes, pymc-marketing), which measures for their
    models: frequency = *repeat* purchase periods, recency = time from the first purchase to the
    last, T = time from the first purchase to the end, monetary = the *mean* of repeat purchases.
    For those, export ``result.events.to_transactions()`` and call the library's own function.
    """
    purchase = (events["event"] == "purchase") & (events["time"] <= as_of)
    ids = events["customer_id"][purchase]
    if ids.size == 0:
        raise ValueError(_("as_of: no purchase by {value} years").format(value=repr(as_of)))
    customers, index = np.unique(ids, return_inverse=True)
    last = np.full(customers.size, -np.inf)
    np.maximum.at(last, index, events["time"][purchase])
    frequency = np.bincount(index)
    monetary = np.bincount(index, weights=events["amount"][purchase])
    return {"customer_id": customers, "recency": as_of - last, "frequency": frequency, "monetary": monetary}

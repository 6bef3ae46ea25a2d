"""Who enters in one generation -- when, in which stage, from where, on what terms -- and the slots
that give each its own random numbers (:func:`_layout`; see :mod:`.draws`)."""

from __future__ import annotations

import numpy as np

from ..assemble import GROUPS
from .arrays import _column


class _Entrants:
    """People entering in one generation: when, in which stage, from where, on what terms."""

    FIELDS = ("time", "stage", "source", "parent", "family", "slot", "tenure_year", "price", "opening")

    def __init__(self, **columns):
        self.columns = columns

    @classmethod
    def join(cls, parts: list) -> "_Entrants":
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls(**{f: np.zeros(0) for f in cls.FIELDS})
        return cls(**{f: np.concatenate([p.columns[f] for p in parts]) for f in cls.FIELDS})

    def __len__(self):
        return len(self.columns["time"])

    def part(self, start: int, stop: int) -> "_Entrants":
        return _Entrants(**{f: v[start:stop] for f, v in self.columns.items()})

    def __getattr__(self, name):
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None


def _entrants(time, stage, source, parent, family, tenure_year=1, price=0.0, opening=False) -> _Entrants:
    n = len(time)
    return _Entrants(time=np.asarray(time, dtype=float), stage=_column(stage, n, np.int64),
                     source=_column(source, n, np.int8), parent=_column(parent, n, np.int64),
                     family=_column(family, n, np.int64),
                     slot=np.zeros(n, dtype=np.int64),  # set when the generation is laid out (_layout)
                     tenure_year=_column(tenure_year, n, np.int64), price=_column(price, n, float),
                     opening=_column(opening, n, bool))


def _layout(generation: _Entrants) -> _Entrants:
    """Slots of a new generation: rank within the group, by family, referrer and time; ordered by slot."""
    if not len(generation):
        return generation
    order = np.lexsort((generation.time, generation.parent, generation.family))
    columns = {f: v[order] for f, v in generation.columns.items()}
    group = columns["family"] % GROUPS
    by_group = np.argsort(group.astype(np.uint8), kind="stable")
    counts = np.bincount(group, minlength=GROUPS)
    ordinal = np.empty(len(group), dtype=np.int64)
    ordinal[by_group] = np.arange(len(group)) - (counts.cumsum() - counts).repeat(counts)
    slot = ordinal * GROUPS + group
    order = np.argsort(slot)
    columns = {f: v[order] for f, v in columns.items()}
    columns["slot"] = slot[order]
    return _Entrants(**columns)

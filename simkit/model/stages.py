"""Lifecycle stages of a customer relationship (客户生命周期, textbook §1).

A customer moves prospect → new → loyal → decline → lost.  A prospect who
never buys leaves as *unconverted*.  Adopting a second product (新业务的新客户)
is an event of a loyal customer, not a stage.

>>> Stage.LOYAL.label
'loyal'
>>> Stage.from_name("decline") is Stage.DECLINE
True
>>> [s.label for s in Stage.LOYAL.allowed_next]
['decline', 'lost']
"""

from __future__ import annotations

import enum

from ..core.language import _

__all__ = ["Stage", "ACTIVE_STAGES", "TERMINAL_STAGES"]


class Stage(enum.IntEnum):
    """The states a customer can be in; the integer value indexes result arrays.

    Attributes
    ----------
    PROSPECT : int
        0, a prospect (潜在客户 / 考察期): inquires, has not bought yet.
    NEW : int
        1, a new customer (新客户 / 形成期): has made a first purchase.
    LOYAL : int
        2, a loyal customer (老客户 / 稳定期): buys repeatedly.
    DECLINE : int
        3, decline (退化期): the relationship weakens.
    LOST : int
        4, lost (流失客户): the relationship has ended (terminal).
    UNCONVERTED : int
        5, unconverted (未转化): a prospect who never bought (terminal).
    """

    PROSPECT = 0
    NEW = 1
    LOYAL = 2
    DECLINE = 3
    LOST = 4
    UNCONVERTED = 5

    @property
    def label(self) -> str:
        """Lower-case name used in scenario files and tables."""
        return self.name.lower()

    @property
    def chinese(self) -> str:
        """The classroom term (Chinese)."""
        return _CHINESE[self]

    @property
    def is_terminal(self) -> bool:
        """Whether nothing happens after this stage (True for LOST and UNCONVERTED)."""
        return self in TERMINAL_STAGES

    @property
    def allowed_next(self) -> tuple["Stage", ...]:
        """Stages a customer may move to from this one."""
        return _ALLOWED_NEXT[self]

    @classmethod
    def from_name(cls, name: str) -> "Stage":
        """The stage called ``name`` (case-insensitive).

        Parameters
        ----------
        name : str
            A stage's label, e.g. ``"loyal"`` or ``"LOYAL"``.

        Returns
        -------
        Stage

        Raises
        ------
        ValueError
            If no stage has that name; the message lists the allowed ones.
        """
        try:
            return cls[str(name).upper()]
        except KeyError:
            allowed = ", ".join(s.label for s in cls)
            raise ValueError(_("unknown stage {name}; allowed: {allowed}").format(name=repr(name), allowed=allowed)) \
                from None


_CHINESE = {
    Stage.PROSPECT: "潜在客户·考察期",
    Stage.NEW: "新客户·形成期",
    Stage.LOYAL: "老客户·稳定期",
    Stage.DECLINE: "退化期",
    Stage.LOST: "流失客户",
    Stage.UNCONVERTED: "未转化",
}

_ALLOWED_NEXT = {
    Stage.PROSPECT: (Stage.NEW, Stage.UNCONVERTED),
    Stage.NEW: (Stage.LOYAL, Stage.DECLINE, Stage.LOST),
    Stage.LOYAL: (Stage.DECLINE, Stage.LOST),
    Stage.DECLINE: (Stage.LOYAL, Stage.LOST),
    Stage.LOST: (),
    Stage.UNCONVERTED: (),
}

#: Stages in which a customer stays for a while and may buy.
ACTIVE_STAGES = (Stage.PROSPECT, Stage.NEW, Stage.LOYAL, Stage.DECLINE)
#: Stages that end a customer's story.
TERMINAL_STAGES = (Stage.LOST, Stage.UNCONVERTED)

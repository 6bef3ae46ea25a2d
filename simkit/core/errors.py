"""The one exception simkit raises for bad input."""

from __future__ import annotations

from .language import _

__all__ = ["ScenarioError"]


class ScenarioError(ValueError):
    """A scenario (or a file describing one) breaks one or more rules.

    Raised only at the boundary -- when a :class:`~simkit.Scenario` is built,
    read from a file or checked -- before anything is simulated.  Every problem
    is reported at once; each names the field path, the value received and the
    rule, e.g. ``stages.loyal.orders_per_year: got -1, expected a finite
    number >= 0``.

    Parameters
    ----------
    problems : str or iterable of str
        The broken rules, one line each (a single text is one problem).
        The message lists at most :attr:`SHOWN` of them and counts the rest.
    source : str, optional
        Where the scenario came from (a file name), named in the message.

    Attributes
    ----------
    problems : tuple of str
        One line per broken rule.
    source : str or None
        As given.
    message : str
        The whole message, as ``str(error)`` shows it.
    """

    #: problems listed in the message at most; the rest are counted ("... and N more")
    SHOWN = 20

    def __init__(self, problems, source: str | None = None):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = tuple(problems)
        self.source = source
        where = _("invalid scenario in {source}").format(source=source) if source else _("invalid scenario")
        if len(self.problems) == 1:
            message = _("{where}: {problem}").format(where=where, problem=self.problems[0])
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems[:self.SHOWN])
            more = len(self.problems) - self.SHOWN
            if more > 0:
                lines += "\n  " + _("... and {n} more").format(n=f"{more:,}")
            message = _("{where}, {n} problems:").format(where=where, n=f"{len(self.problems):,}") + "\n" + lines
        super().__init__(message)
        self.message = message
        # rebuilt from its arguments -- by pickle (a sweep's worker) or by SimPy (an error inside a process) --
        # it is the same error, not one whose single problem is the whole message
        self.args = (list(self.problems), source)

    def __str__(self) -> str:
        return self.message

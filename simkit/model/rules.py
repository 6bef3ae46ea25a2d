"""The rules a scenario's values must follow, and how a message shows a value.

Each rule (:class:`Number`, :class:`Choice`, :class:`Text`, :class:`Flag`, :class:`Factors`) describes
itself in words (the reference table and the sliders read it) and checks a value, adding a message that
names the field, the value received and the rule to a list of problems: every problem is reported at once.

>>> problems = []
>>> Number(0.0, 1.0).check("loyal.retention_rate", 1.2, problems), problems
(None, ['loyal.retention_rate: got 1.2, expected a fraction in [0, 1]'])
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..core.language import N_, _
from .stages import Stage

__all__ = ["FRACTION", "MAX_HORIZON_YEARS", "MONEY", "NON_NEGATIVE", "Choice", "Factors", "Flag", "Number", "Text",
           "check_values", "rule_field", "show_key", "show_value"]

MAX_HORIZON_YEARS = 100

#: how a number rule reads, by (whole number?, lower bound open?)
_ABOVE = {(True, False): N_("a whole number >= {low}"), (True, True): N_("a whole number > {low}"),
          (False, False): N_("a finite number >= {low}"), (False, True): N_("a finite number > {low}")}
_WITHIN = {(True, False): N_("a whole number in [{low}, {high}]"), (True, True): N_("a whole number in ({low}, {high}]"),
           (False, False): N_("a number in [{low}, {high}]"), (False, True): N_("a number in ({low}, {high}]")}


def show_value(value: Any) -> str:
    """A value as a message shows it: short, one line, control characters and lone surrogates escaped."""
    try:
        text = repr(value)  # escapes control characters and lone surrogates in texts
    except RecursionError:
        return _("(nested too deeply to show)")
    except ValueError:       # a whole number past Python's 4,300 digits for text (0x followed by 5,000 digits)
        return _("(a whole number of about {n} digits)").format(n=f"{int(value.bit_length() * 0.30103) + 1:,}")
    return text if len(text) <= 60 else text[:57] + "..."


def show_key(key: Any) -> str:
    """A key as a message names it: as written when printable, else escaped (no terminal codes reach the screen)."""
    if not isinstance(key, str):
        return show_value(key)
    shown = key if key.isprintable() else key.encode("unicode_escape", "backslashreplace").decode("ascii")
    return shown if len(shown) <= 60 else shown[:57] + "..."


@dataclass(frozen=True)
class Number:
    """A real number (or whole number) within bounds."""

    low: float = 0.0
    high: float = math.inf
    low_open: bool = False
    integer: bool = False
    optional: bool = False

    def describe(self) -> str:
        def show(bound: float) -> str:
            return f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"

        if (self.low, self.high) == (0.0, 1.0) and not self.integer:
            text = _("a fraction in (0, 1]") if self.low_open else _("a fraction in [0, 1]")
        elif math.isinf(self.high):
            text = _(_ABOVE[self.integer, self.low_open]).format(low=show(self.low))
        else:
            text = _(_WITHIN[self.integer, self.low_open]).format(low=show(self.low), high=show(self.high))
        return _("{rule}, or omitted").format(rule=text) if self.optional else text

    def check(self, path: str, value: Any, problems: list[str]):
        if value is None:
            if not self.optional:
                problems.append(_("{path}: missing, expected {rule}").format(path=path, rule=self.describe()))
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            problems.append(_("{path}: got {value} ({kind}), expected {rule}").format(
                path=path, value=show_value(value), kind=type(value).__name__, rule=self.describe()))
            return None
        try:
            number = float(value)
        except (OverflowError, ValueError):
            number = math.inf if value > 0 else -math.inf
        if self.integer:
            if math.isfinite(number) and number == int(number) and not isinstance(value, numbers.Integral):
                value = int(number)
            if not isinstance(value, numbers.Integral):
                problems.append(_("{path}: got {value}, expected {rule}").format(
                path=path, value=show_value(value), rule=self.describe()))
                return None
            value = int(value)
        exact = value if self.integer else number  # whole numbers compared exactly (no float rounding near 2**63)
        ok = (math.isfinite(number) and exact >= self.low and exact <= self.high
              and not (self.low_open and exact == self.low))
        if not ok:
            problems.append(_("{path}: got {value}, expected {rule}").format(
                path=path, value=show_value(value), rule=self.describe()))
            return None
        return value if self.integer else number


@dataclass(frozen=True)
class Choice:
    options: tuple

    def describe(self) -> str:
        return _("one of {options}").format(options=", ".join(repr(o) for o in self.options))

    def check(self, path: str, value: Any, problems: list[str]):
        if isinstance(value, Stage):
            value = value.label
        if isinstance(value, str) and value.lower() in self.options:
            return value.lower()
        problems.append(_("{path}: got {value}, expected {rule}").format(
                path=path, value=show_value(value), rule=self.describe()))
        return None


@dataclass(frozen=True)
class Text:
    max_length: int = 2000
    non_empty: bool = False
    #: one line (a name): no line break or tab, which could forge lines of a printed report
    single_line: bool = False

    def describe(self) -> str:
        if self.single_line:
            return _("a non-empty line of at most {n} characters").format(n=self.max_length)
        text = _("a non-empty text of at most {n} characters") if self.non_empty else _("a text of at most {n} characters")
        return text.format(n=self.max_length)

    def check(self, path: str, value: Any, problems: list[str]):
        if not isinstance(value, str) or len(value) > self.max_length or (self.non_empty and not value.strip()):
            problems.append(_("{path}: got {value}, expected {rule}").format(
                path=path, value=show_value(value), rule=self.describe()))
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(_("{path}: got {value}, which holds a character no file or screen can show "
                              "(a lone surrogate); expected ordinary text").format(path=path, value=show_value(value)))
            return None
        if any(not ch.isprintable() and (self.single_line or ch not in "\n\t") for ch in value):
            problems.append(_("{path}: got {value}, expected text without control characters").format(
                path=path, value=show_value(value)))
            return None
        return value


@dataclass(frozen=True)
class Flag:
    """True or false."""

    def describe(self) -> str:
        return _("true or false")

    def check(self, path: str, value: Any, problems: list[str]):
        if isinstance(value, bool):
            return value
        problems.append(_("{path}: got {value}, expected {rule}").format(
            path=path, value=show_value(value), rule=self.describe()))
        return None


@dataclass(frozen=True)
class Factors:
    """An optional list of positive numbers, one per year."""

    def describe(self) -> str:
        return _("a list of 1 to {n} numbers > 0, one per year, or omitted").format(n=MAX_HORIZON_YEARS)

    def check(self, path: str, value: Any, problems: list[str]):
        if value is None:
            return None
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__"):
            problems.append(_("{path}: got {value}, expected {rule}").format(
                path=path, value=show_value(value), rule=self.describe()))
            return None
        items = list(value)
        if not 1 <= len(items) <= MAX_HORIZON_YEARS:
            problems.append(_("{path}: got {count} values, expected {rule}").format(
                path=path, count=len(items), rule=self.describe()))
            return None
        rule = Number(0.0, 1e6, low_open=True)
        checked = tuple(rule.check(f"{path}[{i}]", item, problems) for i, item in enumerate(items))
        return None if None in checked else checked


FRACTION = Number(0.0, 1.0)
NON_NEGATIVE = Number(0.0)
MONEY = Number(0.0)


def rule_field(default, rule, unit: str = "", doc: str = "", term: str = "", slider: tuple | None = None):
    """A dataclass field carrying its rule and the text widgets and docs show."""
    meta = {"rule": rule, "unit": unit, "doc": doc, "term": term, "slider": slider}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def check_values(owner: str, checks) -> list:
    """Check (name, value, rule) triples with the scenario's rules; raise one ValueError naming every problem.

    For small value objects outside a scenario (a firm, a pyramid tier): the same rules and messages.
    Returns the clean values in order.
    """
    problems: list[str] = []
    clean = [rule.check(f"{owner}: {name}", value, problems) for name, value, rule in checks]
    if problems:
        raise ValueError("; ".join(problems))
    return clean

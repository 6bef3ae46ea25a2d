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

from .stages import Stage

__all__ = ["FRACTION", "MAX_HORIZON_YEARS", "MONEY", "NON_NEGATIVE", "Choice", "Factors", "Flag", "Number", "Text",
           "check_values", "rule_field", "show_key", "show_value"]

MAX_HORIZON_YEARS = 100


def show_value(value: Any) -> str:
    """A value as a message shows it: short, one line, control characters and lone surrogates escaped."""
    try:
        text = repr(value)  # escapes control characters and lone surrogates in texts
    except RecursionError:
        return "(nested too deeply to show)"
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

        kind = "a whole number" if self.integer else "a number"
        if (self.low, self.high) == (0.0, 1.0) and not self.integer:
            text = f"a fraction in {'(' if self.low_open else '['}0, 1]"
        elif math.isinf(self.high):
            text = f"{kind} {'>' if self.low_open else '>='} {show(self.low)}"
            if not self.integer:
                text = "a finite " + text[2:]
        else:
            text = f"{kind} in {'(' if self.low_open else '['}{show(self.low)}, {show(self.high)}]"
        return text + (", or omitted" if self.optional else "")

    def check(self, path: str, value: Any, problems: list[str]):
        if value is None:
            if not self.optional:
                problems.append(f"{path}: missing, expected {self.describe()}")
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            problems.append(f"{path}: got {show_value(value)} ({type(value).__name__}), "
                            f"expected {self.describe()}")
            return None
        try:
            number = float(value)
        except (OverflowError, ValueError):
            number = math.inf if value > 0 else -math.inf
        if self.integer:
            if math.isfinite(number) and number == int(number) and not isinstance(value, numbers.Integral):
                value = int(number)
            if not isinstance(value, numbers.Integral):
                problems.append(f"{path}: got {show_value(value)}, expected {self.describe()}")
                return None
            value = int(value)
        exact = value if self.integer else number  # whole numbers compared exactly (no float rounding near 2**63)
        ok = (math.isfinite(number) and exact >= self.low and exact <= self.high
              and not (self.low_open and exact == self.low))
        if not ok:
            problems.append(f"{path}: got {show_value(value)}, expected {self.describe()}")
            return None
        return value if self.integer else number


@dataclass(frozen=True)
class Choice:
    options: tuple

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def check(self, path: str, value: Any, problems: list[str]):
        if isinstance(value, Stage):
            value = value.label
        if isinstance(value, str) and value.lower() in self.options:
            return value.lower()
        problems.append(f"{path}: got {show_value(value)}, expected {self.describe()}")
        return None


@dataclass(frozen=True)
class Text:
    max_length: int = 2000
    non_empty: bool = False

    def describe(self) -> str:
        return f"{'a non-empty' if self.non_empty else 'a'} text of at most {self.max_length} characters"

    def check(self, path: str, value: Any, problems: list[str]):
        if not isinstance(value, str) or len(value) > self.max_length or (self.non_empty and not value.strip()):
            problems.append(f"{path}: got {show_value(value)}, expected {self.describe()}")
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(f"{path}: got {show_value(value)}, which holds a character no file or screen can show "
                            "(a lone surrogate); expected ordinary text")
            return None
        if any(not ch.isprintable() and ch not in "\n\t" for ch in value):
            problems.append(f"{path}: got {show_value(value)}, expected text without control characters")
            return None
        return value


@dataclass(frozen=True)
class Flag:
    """True or false."""

    def describe(self) -> str:
        return "true or false"

    def check(self, path: str, value: Any, problems: list[str]):
        if isinstance(value, bool):
            return value
        problems.append(f"{path}: got {show_value(value)}, expected true or false")
        return None


@dataclass(frozen=True)
class Factors:
    """An optional list of positive numbers, one per year."""

    def describe(self) -> str:
        return f"a list of 1 to {MAX_HORIZON_YEARS} numbers > 0, one per year, or omitted"

    def check(self, path: str, value: Any, problems: list[str]):
        if value is None:
            return None
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__"):
            problems.append(f"{path}: got {show_value(value)}, expected {self.describe()}")
            return None
        items = list(value)
        if not 1 <= len(items) <= MAX_HORIZON_YEARS:
            problems.append(f"{path}: got {len(items)} values, expected {self.describe()}")
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

"""Reading a scenario file safely: bytes -> text -> plain data, every failure a ScenarioError.

Only a regular file of at most :data:`MAX_FILE_BYTES` is read (never a pipe, a device or an endless
stream), as UTF-8 (a byte-order mark is allowed), with the standard library's safe parsers (TOML, JSON);
a key given twice, nesting deeper than :data:`MAX_DEPTH` or a number of thousands of digits is refused
with a sentence saying what to do.  Nothing is loaded with pickle or eval.
"""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path
from typing import Mapping

from ..core.errors import ScenarioError
from ..core.language import _
from .rules import show_key, show_value

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "parse_text", "read_text"]

#: largest scenario file read, in bytes (a real one is a few kilobytes)
MAX_FILE_BYTES = 1_000_000
#: deepest nesting of tables and lists in a scenario (stages.loyal.next_stage is three)
MAX_DEPTH = 8


def read_text(path) -> tuple[str, str]:
    """The text of the scenario file at ``path`` and its format (``"toml"`` or ``"json"``)."""
    path = Path(path)
    if path.suffix not in (".toml", ".json"):
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path=_("file"), value=show_value(str(path)), rule=_("a .toml or .json file")))
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError(_("file: {file} does not exist").format(file=show_value(str(path)))) from None
    except OSError as error:
        raise ScenarioError(_("file: cannot read {file}: {reason}").format(
            file=show_value(str(path)), reason=error.strerror or error)) from None
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(_("file: {file} is not a regular file (a folder, a pipe or a device); expected a "
                              "scenario file").format(file=show_value(str(path))))
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(_("file: {file} has {size} bytes, expected at most {limit} (a scenario is a few "
                              "kilobytes)").format(file=show_value(str(path)), size=f"{info.st_size:,}",
                                                   limit=f"{MAX_FILE_BYTES:,}"))
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError(_("file: cannot read {file}: {reason}").format(
            file=show_value(str(path)), reason=error.strerror or error)) from None
    return _decode(raw, str(path)), path.suffix[1:]


def parse_text(text: str, format: str = "toml", source: str | None = None):
    """TOML or JSON text as plain data (dicts, lists, numbers, texts); every failure of the parser -- bad
    syntax, nesting too deep, a number too long, a key given twice -- is a ScenarioError."""
    if format not in ("toml", "json"):
        raise ValueError(_("{path}: got {value}, expected {rule}").format(
            path="format", value=repr(format), rule=_("'toml' or 'json'")))
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(_("text: {n} characters, expected at most {limit}").format(
            n=f"{len(text):,}", limit=f"{MAX_FILE_BYTES:,}"), source)
    kind = format.upper()
    try:
        data = tomllib.loads(text) if format == "toml" else json.loads(text, object_pairs_hook=_no_repeats)
    except RecursionError:
        raise ScenarioError(_("not valid {kind}: nested too deeply (a scenario is at most a few tables deep)").format(
            kind=kind), source) from None
    except _RepeatedKey as error:
        raise ScenarioError(_("{path}: given twice; give each key once").format(path=show_key(error.key)),
                            source) from None
    except (tomllib.TOMLDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError; so are
        text_of = str(error)                                   # numbers past Python's digit limit
        if "digits" in text_of and ("int" in text_of or "limit" in text_of):
            text_of = _("a number has thousands of digits; scenario numbers are short")
        raise ScenarioError(_("not valid {kind}: {reason}").format(kind=kind, reason=text_of), source) from None
    depth = _depth(data)
    if depth > MAX_DEPTH:
        raise ScenarioError(_("not a scenario: nested {depth} levels deep, expected at most {limit} (tables of "
                              "stages, next stages, cost lines)").format(depth=depth, limit=MAX_DEPTH), source)
    return data


class _RepeatedKey(Exception):
    def __init__(self, key):
        self.key = key


def _no_repeats(pairs):
    """A JSON object whose keys are all different (json would silently keep the last of a repeated key)."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def _decode(raw: bytes, source: str) -> str:
    """File bytes as text: UTF-8, with or without a byte-order mark; anything else, a plain sentence."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(_("file: saved as UTF-16; save it as UTF-8 (in most editors: Save as, encoding UTF-8)"),
                            source)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(_("file: not UTF-8 text (byte {position} is {byte}; a file saved as GBK or another "
                              "local encoding?); save it as UTF-8").format(
            position=f"{error.start:,}", byte=f"{raw[error.start]:#04x}"), source) from None


def _depth(data) -> int:
    """How deeply tables and lists nest in ``data`` (counted without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, Mapping):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest



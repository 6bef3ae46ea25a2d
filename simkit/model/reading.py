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
        raise ScenarioError(f"file: got {show_value(str(path))}, expected a .toml or .json file")
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError(f"file: {show_value(str(path))} does not exist") from None
    except OSError as error:
        raise ScenarioError(f"file: cannot read {show_value(str(path))}: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(f"file: {show_value(str(path))} is not a regular file (a folder, a pipe or a device); "
                            "expected a scenario file")
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"file: {show_value(str(path))} has {info.st_size:,} bytes, expected at most "
                            f"{MAX_FILE_BYTES:,} (a scenario is a few kilobytes)")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError(f"file: cannot read {show_value(str(path))}: {error.strerror or error}") from None
    return _decode(raw, str(path)), path.suffix[1:]


def parse_text(text: str, format: str = "toml", source: str | None = None):
    """TOML or JSON text as plain data (dicts, lists, numbers, texts); every failure of the parser -- bad
    syntax, nesting too deep, a number too long, a key given twice -- is a ScenarioError."""
    if format not in ("toml", "json"):
        raise ValueError(f"format: got {format!r}, expected 'toml' or 'json'")
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(f"text: {len(text):,} characters, expected at most {MAX_FILE_BYTES:,}", source)
    kind = format.upper()
    try:
        data = tomllib.loads(text) if format == "toml" else json.loads(text, object_pairs_hook=_no_repeats)
    except RecursionError:
        raise ScenarioError(f"not valid {kind}: nested too deeply (a scenario is at most a few tables deep)",
                            source) from None
    except _RepeatedKey as error:
        raise ScenarioError(f"{show_key(error.key)}: given twice; give each key once", source) from None
    except (tomllib.TOMLDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError; so are
        text_of = str(error)                                   # numbers past Python's digit limit
        if "digits" in text_of and ("int" in text_of or "limit" in text_of):
            text_of = "a number has thousands of digits; scenario numbers are short"
        raise ScenarioError(f"not valid {kind}: {text_of}", source) from None
    depth = _depth(data)
    if depth > MAX_DEPTH:
        raise ScenarioError(f"not a scenario: nested {depth} levels deep, expected at most {MAX_DEPTH} "
                            "(tables of stages, next stages, cost lines)", source)
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
        raise ScenarioError("file: saved as UTF-16; save it as UTF-8 (in most editors: Save as, encoding UTF-8)",
                            source)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"file: not UTF-8 text (byte {error.start:,} is {raw[error.start]:#04x}; a file saved "
                            "as GBK or another local encoding?); save it as UTF-8", source) from None


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



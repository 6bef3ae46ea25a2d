"""Writing files: all or nothing, never over someone's files unasked, never a mix of two runs.

Every command that writes uses the two steps here:

1. :func:`check_targets` before anything is simulated: the folder exists or
   can be made and is writable; files already there are refused unless
   ``force`` (the message names them).
2. :func:`write_all` afterwards: each file is written under a temporary name
   in the same folder, and only when all are written are they renamed into
   place; if any write fails, the temporary files are removed and the
   previous files are left as they were.  Files of the same set that this
   write does not produce (``events.csv`` of an earlier run with the event
   log) are removed, and the returned list says which.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> check_targets([folder / "a.csv"], force=False)
>>> written, removed = write_all({folder / "a.csv": lambda path: path.write_text("x")})
>>> [p.name for p in written], (folder / "a.csv").read_text()
(['a.csv'], 'x')
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["ExportError", "check_targets", "write_all", "write_csv"]


class ExportError(OSError):
    """A file could not be written, or would overwrite files without being asked to."""


def check_targets(paths, force: bool, also_replaced=()) -> None:
    """Before simulating: can ``paths`` be written, and would they overwrite anything?

    ``also_replaced``: files of the same set that the write would remove (stale ones).
    """
    paths = [Path(p) for p in paths]
    for folder in sorted({p.parent for p in paths}):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ExportError(f"cannot make the folder {str(folder)!r}: {error.strerror or error}") from None
        if not folder.is_dir():
            raise ExportError(f"{str(folder)!r} is not a folder")
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".simkit-check-"):
                pass
        except OSError as error:
            raise ExportError(f"cannot write into {str(folder)!r}: {error.strerror or error}") from None
    existing = [p for p in [*paths, *map(Path, also_replaced)] if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise ExportError(f"{names} already exist{'s' if len(existing) == 1 else ''}; pass --force (force=True) to "
                          "replace them (the new files are written all together, or none)")


def write_all(writers: dict, stale=()) -> tuple[list[Path], list[Path]]:
    """Write every file (``path -> function writing to a given path``) all or nothing; remove ``stale`` files.

    Returns the files written and the stale files removed.
    """
    temporary = {}
    try:
        for path, write in writers.items():
            path = Path(path)
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
            os.close(handle)
            temporary[path] = Path(name)
            try:
                write(temporary[path])
            except OSError as error:
                raise ExportError(f"could not write {str(path)!r}: {error.strerror or error}; nothing was "
                                  "changed") from None
    except BaseException:
        for name in temporary.values():
            name.unlink(missing_ok=True)
        raise
    for path, name in temporary.items():
        os.replace(name, path)
    removed = [Path(p) for p in stale if Path(p).exists() and Path(p) not in temporary]
    for path in removed:
        path.unlink()
    return list(temporary), removed


def write_csv(path, headers, columns) -> Path | str:
    """Write columns to ``path``; with ``path=None`` return the CSV text."""
    buffer = io.StringIO() if path is None else None
    handle = buffer if path is None else open(path, "w", newline="", encoding="utf-8")
    try:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(zip(*[_csv_values(c) for c in columns]))
    finally:
        if path is not None:
            handle.close()
    return buffer.getvalue() if path is None else Path(path)


def _csv_values(column):
    column = np.asarray(column)
    if column.dtype.kind == "f":
        return ["" if math.isnan(v) else repr(v) for v in column.tolist()]
    return column.tolist()

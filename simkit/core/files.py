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

Only regular files are ever replaced: a device, a pipe, a socket, a folder or a symbolic link at a target is
refused before anything runs, with or without ``force``, and checked again just before the rename.  Files
get the permissions the process's umask gives (as ``open`` would), not the 0600 of a temporary file.

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
import stat
import tempfile
from pathlib import Path

import numpy as np

from .language import N_, _

__all__ = ["ExportError", "check_targets", "write_all", "write_csv"]


class ExportError(OSError):
    """A file could not be written, or would overwrite files without being asked to."""


def check_targets(paths, force: bool, also_replaced=()) -> None:
    """Before simulating: can ``paths`` be written, and would they overwrite anything?

    ``also_replaced``: files of the same set that the write would remove (stale ones).  Only regular files
    are ever replaced: a device, a pipe, a socket, a folder or a symbolic link at a target is refused, with
    or without ``force`` (as root, renaming a file onto ``/dev/null`` would replace the device itself).
    """
    paths = [Path(p) for p in paths]
    for path in [*paths, *map(Path, also_replaced)]:
        _refuse_unless_regular(path)
    for folder in sorted({p.parent for p in paths}):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ExportError(_("cannot make the folder {folder}: {reason}").format(
                folder=repr(str(folder)), reason=error.strerror or error)) from None
        if not folder.is_dir():
            raise ExportError(_("{folder} is not a folder").format(folder=repr(str(folder))))
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".simkit-check-"):
                pass
        except OSError as error:
            raise ExportError(_("cannot write into {folder}: {reason}").format(
                folder=repr(str(folder)), reason=error.strerror or error)) from None
    existing = [p for p in [*paths, *map(Path, also_replaced)] if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        text = (_("{names} already exists; pass --force (force=True) to replace it (the new files are written all "
                  "together, or none)") if len(existing) == 1 else
                _("{names} already exist; pass --force (force=True) to replace them (the new files are written all "
                  "together, or none)"))
        raise ExportError(text.format(names=names))


#: what a path that is not a regular file is, as a message names it
_KINDS = ((stat.S_ISDIR, N_("a folder")), (stat.S_ISCHR, N_("a device")), (stat.S_ISBLK, N_("a device")),
          (stat.S_ISFIFO, N_("a pipe (FIFO)")), (stat.S_ISSOCK, N_("a socket")), (stat.S_ISLNK, N_("a symbolic link")))


def _refuse_unless_regular(path: Path) -> None:
    """Nothing, when ``path`` is a regular file or does not exist; else an ExportError naming what it is."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):   # nothing there yet (a folder the check makes, or cannot)
        return
    except OSError as error:
        raise ExportError(_("cannot look at {path}: {reason}").format(
            path=repr(str(path)), reason=error.strerror or error)) from None
    if stat.S_ISREG(mode):
        return
    kind = next((_(name) for test, name in _KINDS if test(mode)), _("not a regular file"))
    raise ExportError(_("{path} is {kind}; simkit writes only regular files and never replaces anything else, "
                        "with or without --force: choose a file name").format(path=repr(str(path)), kind=kind))


def _umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux), else by setting it back."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
                os.chmod(temporary[path], 0o666 & ~_umask())   # as open() would make it (mkstemp makes 0600)
            except OSError as error:
                raise ExportError(_("could not write {path}: {reason}; nothing was changed").format(
                    path=repr(str(path)), reason=error.strerror or error)) from None
        for path in temporary:       # again, just before renaming: a device made since the check is never replaced
            _refuse_unless_regular(path)
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

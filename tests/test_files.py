"""Writes that never touch anything but a regular file, and files with the permissions the umask gives.

Device nodes and pipes are made in a temporary folder (never the machine's own /dev): as root,
``os.replace`` onto a device node replaces the node itself, which is how ``--out /dev/full --force``
once replaced a device with a CSV file.
"""

import os
import re
import socket
import stat

import pytest

from simkit.cli import main
from simkit.core.files import ExportError, check_targets, write_all


def write(path):
    path.write_text("new", encoding="utf-8")


def special_files(folder):
    """A pipe, a folder, a symbolic link, a socket, and (as root) a character device, each at a target path."""
    made = {}
    os.mkfifo(folder / "pipe.csv")
    made["a pipe (FIFO)"] = folder / "pipe.csv"
    (folder / "folder.csv").mkdir()
    made["a folder"] = folder / "folder.csv"
    (folder / "real.csv").write_text("old", encoding="utf-8")
    (folder / "link.csv").symlink_to(folder / "real.csv")
    made["a symbolic link"] = folder / "link.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "socket.csv"))
    made["a socket"] = folder / "socket.csv"
    try:
        os.mknod(folder / "null.csv", stat.S_IFCHR | 0o666, os.makedev(1, 3))   # a null device of our own
        made["a device"] = folder / "null.csv"
    except (PermissionError, OSError):
        pass   # not root, or a file system without device nodes: the other kinds still run
    return made, server


@pytest.mark.parametrize("force", [False, True])
def test_nothing_but_a_regular_file_is_ever_replaced(tmp_path, force):
    made, server = special_files(tmp_path)
    try:
        before = {path: os.lstat(path).st_mode for path in made.values()}
        for kind, path in made.items():
            with pytest.raises(ExportError, match=re.escape(f"is {kind}; simkit writes only regular files")):
                check_targets([path], force=force)
            with pytest.raises(ExportError, match=re.escape(f"is {kind}")):     # and at the rename, had the check been passed
                write_all({path: write})
        assert {path: os.lstat(path).st_mode for path in made.values()} == before
        assert (tmp_path / "real.csv").read_text(encoding="utf-8") == "old"
        assert not list(tmp_path.glob(".*.part")), "a temporary file was left behind"
    finally:
        server.close()


def test_the_device_case_really_ran_as_root():
    """On CI (root) the device node is made, so the refusal above is tested on a real device."""
    if os.geteuid() != 0:
        pytest.skip("not root: device nodes cannot be made")


def test_the_sweep_command_refuses_a_device_even_with_force(tmp_path, capsys):
    made, server = special_files(tmp_path)
    server.close()
    target = made.get("a device", made["a pipe (FIFO)"])
    mode = os.lstat(target).st_mode
    assert main(["sweep", "cohort_10000", "--set", "horizon=1,2", "--replications", "2", "--customers", "50",
                 "--out", str(target), "--force"]) == 2
    assert "simkit writes only regular files" in capsys.readouterr().err
    assert os.lstat(target).st_mode == mode


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_get_the_permissions_of_the_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        written, _ = write_all({tmp_path / "a.csv": write})
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(written[0]).st_mode) == mode


def test_a_regular_file_is_still_replaced_with_force(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(ExportError, match="already exists; pass --force"):
        check_targets([target], force=False)
    check_targets([target], force=True)
    write_all({target: write})
    assert target.read_text(encoding="utf-8") == "new"

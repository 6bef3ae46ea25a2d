"""Instructor commands given a wrong place or a broken solution: one clear error, never a traceback or a hang."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path):
    """A copy of the course's solutions and notebooks, with a symbolic link to the solutions."""
    for folder in ("solutions", "notebooks"):
        (tmp_path / folder).mkdir()
        for notebook in sorted((ROOT / folder).glob("0[12]_*.ipynb")):
            (tmp_path / folder / notebook.name).write_bytes(notebook.read_bytes())
    (tmp_path / "link").symlink_to(tmp_path / "solutions")
    return tmp_path


def simkit_cli(folder, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", "simkit", *args], cwd=folder, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "SIMKIT_LANGUAGE": "en"})


@pytest.mark.parametrize("args", [
    ["exercises", "pack", "solutions"],
    ["exercises", "pack", "solutions/sub"],
    ["exercises", "pack", "link"],
    ["exercises", "pack", "link/sub"],
    ["exercises", "export", "--nbgrader", "solutions/course"],
    ["exercises", "export", "--nbgrader", "link"],
])
def test_no_target_inside_the_solutions(course, args):
    done = simkit_cli(course, *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "expected a folder outside 'solutions'" in done.stderr
    assert sorted(p.name for p in (course / "solutions").iterdir()) == sorted(
        p.name for p in (ROOT / "solutions").glob("0[12]_*.ipynb"))          # nothing written there


def test_a_broken_solution_notebook_is_named(course):
    (course / "solutions" / "09_broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    for args in (["exercises", "pack", "out"], ["exercises", "build", "--exercises", "built"]):
        done = simkit_cli(course, *args)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "09_broken.ipynb" in done.stderr


def solution_with(code: str) -> dict:
    notebook = json.loads((ROOT / "solutions" / "01_churn_and_lifetime.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].insert(1, {"cell_type": "code", "id": "probe", "metadata": {}, "outputs": [],
                                 "execution_count": None, "source": code})
    return notebook


@pytest.mark.parametrize("code, phrase, timeout", [
    ("raise RuntimeError('a slip in the solution')", "RuntimeError: a slip in the solution", "60"),
    ("while True:\n    pass", "ran longer than 3 seconds", "3"),
])
def test_a_failing_or_endless_solution_stops_the_export_clearly(tmp_path, code, phrase, timeout):
    pytest.importorskip("nbclient")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "01_churn_and_lifetime.ipynb").write_text(json.dumps(solution_with(code)),
                                                                         encoding="utf-8")
    started = time.monotonic()
    done = simkit_cli(tmp_path, "exercises", "export", "--nbgrader", "course", "--timeout", timeout)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert phrase in done.stderr and "01_churn_and_lifetime.ipynb" in done.stderr, done.stderr
    assert time.monotonic() - started < 90
    assert not [p for p in (tmp_path / "course").rglob("*") if p.is_file()]   # all or nothing: no file written

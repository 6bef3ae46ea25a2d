"""Keep what nbval executes, so the course website (``tools/site.py``) is built without running it again;
fail a notebook cell that shows a warning.

Every notebook, exercise set and solution runs under nbval in the test suite (``--nbval-lax``).  This plugin
keeps each cell's outputs as nbval received them from the kernel and, on request, writes the executed
notebooks to a folder: ``tests/site`` builds the website from there (``tools/site.py --executed``), which
saves executing both editions a second time (about two minutes on two cores).  It also fails a cell whose
output holds stderr (a warning), which nbval alone lets pass.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

EXECUTED = pytest.StashKey[dict]()


def pytest_configure(config):
    config.stash[EXECUTED] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        result = yield
    finally:
        _keep_outputs(item)
    _no_warning_shown(item)
    return result


def _no_warning_shown(item):
    """A notebook cell that wrote to stderr (a warning, a deprecation, a missing glyph) fails: a student reads it
    as an error.  nbval itself only fails a cell that raises, so this holds every notebook of both editions."""
    outputs = getattr(item, "test_outputs", None) or []
    written = [output.get("text", "") for output in outputs
               if output.get("output_type") == "stream" and output.get("name") == "stderr"]
    if written:
        raise AssertionError(f"the cell wrote to stderr, which a student reads as an error:\n{''.join(written)[:800]}")


def _keep_outputs(item):
    """After a notebook cell ran under nbval: its outputs, into the executed copy of its notebook."""
    cell = getattr(item, "cell", None)
    outputs = getattr(item, "test_outputs", None)
    notebook = getattr(item.parent, "nb", None)
    if cell is None or outputs is None or notebook is None:
        return
    executed = item.config.stash[EXECUTED]
    path = Path(str(item.parent.path)).resolve()
    if path not in executed:
        copy_ = copy.deepcopy(notebook)
        for each in copy_.cells:
            if each.cell_type == "code":
                each.outputs, each.execution_count = [], None
        executed[path] = {"notebook": copy_, "count": 0}
    entry = executed[path]
    index = next((i for i, each in enumerate(notebook.cells) if each is cell), None)
    if index is None:
        return
    entry["count"] += 1
    target = entry["notebook"].cells[index]
    target.outputs = [copy.deepcopy(output) for output in outputs]
    target.execution_count = entry["count"]
    for output in target.outputs:
        if output.get("output_type") == "execute_result":
            output["execution_count"] = entry["count"]


@pytest.fixture(scope="session")
def write_executed(request):
    """A function writing every notebook nbval has executed so far in this session under a folder.

    ``write_executed(folder)`` keeps each notebook's path from the repository's root and returns those paths;
    a notebook whose cells did not all run is written as far as they ran.
    """
    return lambda folder: _write_executed(request.config, Path(str(request.config.rootpath)), Path(folder))


def _write_executed(config, root: Path, folder: Path) -> list[Path]:
    import nbformat

    written = []
    for path, entry in config.stash[EXECUTED].items():
        try:
            relative = path.relative_to(root)
        except ValueError:
            continue
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(entry["notebook"], target)
        written.append(relative)
    return written


SITE_TESTS = "tests/browser/test_site.py"


def pytest_collection_modifyitems(session, config, items):
    """The website's tests run last: the site is built from the notebooks the session has executed by then."""
    items[:] = [item for item in items if not item.nodeid.startswith(SITE_TESTS)] + [
        item for item in items if item.nodeid.startswith(SITE_TESTS)]

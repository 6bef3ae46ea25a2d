"""The tree is the flow: rooms on floors, imports pointing down, no cycle, one import path per name.

The floors are the package docstring's table (``simkit/__init__.py``); these tests read every module's
imports from its source (``ast``, the lazy ones inside functions included) and hold the rules a newcomer
relies on when reading one room alone.
"""

import ast
import json
import pathlib
import re

import pytest

import simkit

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simkit"

#: floor of each room, from the package docstring's table
FLOORS = {room: int(floor) for floor, room in re.findall(r"^(\d)\s+``(\w+)``", simkit.__doc__, re.M)}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: pathlib.Path) -> set[str]:
    """The simkit modules ``path`` imports, at module level or inside functions (absolute names)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "simkit":
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)  # "from . import world"
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "simkit")
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {t for t in found if t in modules and t != name}


GRAPH = {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_the_package_docstring_names_every_room():
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms | {"cli"} == set(FLOORS), "a room missing from the table in simkit/__init__.py, or a stale row"
    assert sorted(FLOORS.values()) == list(range(len(FLOORS)))


def test_imports_point_down_the_floors():
    upward = [f"{source} imports {target} (floor {FLOORS[room(target)]} above {FLOORS[room(source)]})"
              for source, targets in GRAPH.items() if room(source) in FLOORS
              for target in targets if room(target) in FLOORS and FLOORS[room(target)] > FLOORS[room(source)]]
    assert not upward, "\n".join(upward)


def find_cycle(graph: dict) -> list | None:
    """A cycle of the graph as a list of modules, or None (depth-first search, colours)."""
    colour, stack = {}, []

    def visit(node):
        colour[node] = "grey"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt) == "grey":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in colour and (cycle := visit(nxt)):
                return cycle
        colour[node] = "black"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in colour and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle():
    # a package's __init__ re-exporting its modules is not a cycle a reader follows: leave those edges out
    graph = {src: {t for t in targets if not (src.endswith("__init__") or GRAPH.get(t) is None
                                               or src == t.rpartition(".")[0])}
             for src, targets in GRAPH.items()}
    graph = {src: {t for t in targets if not src.startswith(t + ".")} for src, targets in graph.items()}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    """The test above can fail: the cycle the layout removed (results -> compare -> run -> results)."""
    assert find_cycle({"results": {"compare"}, "compare": {"run"}, "run": {"results"}, "other": set()}) == \
        ["compare", "run", "results", "compare"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_floor_check_catches_an_upward_import(tmp_path):
    """The floor test can fail: a model module that reaches up into views is reported."""
    bad = PACKAGE / "model" / "_upward_probe.py"
    bad.write_text("from ..views import plots\n", encoding="utf-8")
    try:
        targets = imports_of(bad)
    finally:
        bad.unlink()
    assert "simkit.views.plots" in targets and FLOORS["views"] > FLOORS["model"]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_800_lines_without_a_reason(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) > 800:
        head = "\n".join(lines[:40]).lower()
        assert "why this module is long" in head, f"{path.name}: {len(lines)} lines and no reason at its top"


def user_sources():
    """The code of every notebook, exercise, solution, and the Python blocks of the README and the guide."""
    for folder in ("notebooks", "exercises", "solutions"):
        for nb in sorted((ROOT / folder).glob("*.ipynb")):
            cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
            yield nb.name, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for page in ("README.md", "docs/guide.md"):
        text = (ROOT / page).read_text(encoding="utf-8")
        yield page, "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))


def test_one_import_path_per_public_name():
    """A name of ``simkit.__all__`` is imported from ``simkit`` itself, never from the module that defines it."""
    offenders = []
    for where, code in user_sources():
        for module, names in re.findall(r"from (simkit\.[\w.]+) import \(?([\w, \n]+)\)?", code):
            offenders += [f"{where}: from {module} import {n}" for n in re.split(r"[,\s]+", names)
                          if n in simkit.__all__]
    assert not offenders, offenders


def test_rooms_do_not_reexport_other_rooms_names():
    """A room's ``__init__`` holds its map, not another room's names (one path per name)."""
    for init in PACKAGE.glob("*/__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        foreign = [node.module for node in tree.body if isinstance(node, ast.ImportFrom)
                   and node.level == 2 and node.module != "core.lazy"]
        assert not foreign, f"{init.relative_to(ROOT)} re-exports from {foreign}"

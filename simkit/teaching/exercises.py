"""Exercises from solutions: one source, the nbgrader convention.

The worked notebooks in ``solutions/`` are the source.  Code between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes ``# YOUR CODE HERE``
followed by ``name = ...`` for every name the solution assigns, so the
student's notebook runs top to bottom and each check says "no answer yet"
until the blank is filled.  In markdown cells the block becomes
``*YOUR ANSWER HERE*``.  Outputs are dropped, and so is the
``# NBVAL_CHECK_OUTPUT`` marker (a student's notebook has nothing to compare).

    python -m simkit exercises build --force   # solutions/*.ipynb -> exercises/*.ipynb (replacing them)

>>> print(strip_solution("x = 1\\n### BEGIN SOLUTION\\nanswer = 6 * 7\\n### END SOLUTION\\ncheck('q', answer)"))
x = 1
# YOUR CODE HERE
answer = ...
check('q', answer)
"""

from __future__ import annotations

import ast
import copy
import json
import textwrap
from pathlib import Path

from ..core.language import _

__all__ = ["build_exercises", "cell_source", "exercise_from_solution", "pack_for_students", "strip_solution"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"


def cell_source(cell) -> str:
    """A notebook cell's text (stored as one string or as a list of lines)."""
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _assigned_names(block: list[str]) -> list[str]:
    """Names a solution block assigns at its top level, in order."""
    try:
        tree = ast.parse(textwrap.dedent("\n".join(block)))
    except SyntaxError as error:
        raise ValueError(_("solution block is not valid Python: {error}").format(error=error)) from None
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id not in names:
                    names.append(name.id)
    return names


def strip_solution(source: str, markdown: bool = False) -> str:
    """``source`` with every solution block replaced by its blank."""
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            if block is not None:
                raise ValueError(_("{begin} inside a solution block").format(begin=BEGIN))
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif marker == END:
            if block is None:
                raise ValueError(_("{end} without {begin}").format(end=END, begin=BEGIN))
            if markdown:
                out.append(f"{indent}*YOUR ANSWER HERE*")
            else:
                out.append(f"{indent}# YOUR CODE HERE")
                names = _assigned_names(block)
                out.extend(f"{indent}{name} = ..." for name in names)
                if not names:
                    out.append(f"{indent}pass")
            block = None
        elif block is not None:
            block.append(line)
        elif not (not markdown and marker == CHECK_MARKER):
            out.append(line)
    if block is not None:
        raise ValueError(_("{begin} without {end}").format(begin=BEGIN, end=END))
    return "\n".join(out)


def exercise_from_solution(notebook: dict) -> dict:
    """The student's notebook made from a solution notebook (nbformat 4 JSON as a dict)."""
    exercise = copy.deepcopy(notebook)
    for index, cell in enumerate(exercise["cells"]):
        source = cell_source(cell)
        try:
            stripped = strip_solution(source, markdown=cell["cell_type"] == "markdown")
        except ValueError as error:
            raise ValueError(_("cell {index}: {error}").format(index=index, error=error)) from None
        cell["source"] = stripped
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return exercise


def _write(notebook: dict, path: Path) -> None:
    lines = []
    for cell in notebook["cells"]:
        source = cell["source"]
        if isinstance(source, str):
            cell["source"] = source.splitlines(keepends=True)
        lines.append(cell)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def build_exercises(solutions: Path | str = "solutions", exercises: Path | str = "exercises",
                    force: bool = True) -> list[Path]:
    """Write ``exercises/NAME.ipynb`` for every ``solutions/NAME.ipynb``, all or none; return the files written.

    ``force=False`` refuses to replace notebooks already there (a student's answers live in them).
    """
    from ..core.files import check_targets, write_all

    solutions, exercises = Path(solutions), Path(exercises)
    if not solutions.is_dir():
        raise FileNotFoundError(_("{name}: {folder} is not a folder").format(name="solutions",
                                                                           folder=repr(str(solutions))))
    built = {}
    for source in sorted(solutions.glob("*.ipynb")):
        try:
            built[exercises / source.name] = exercise_from_solution(json.loads(source.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as error:   # not JSON, not a notebook, a broken block
            raise ValueError(_("{where}: {problem}").format(where=source, problem=error)) from None
    check_targets(list(built), force)
    written, _removed = write_all({target: (lambda path, exercise=exercise: _write(exercise, path))
                                   for target, exercise in built.items()})
    return written


def outside(target: Path, *folders: Path) -> None:
    """Refuse a ``target`` that is one of ``folders`` or lies inside one (through a symbolic link too)."""
    where = Path(target).resolve()
    for folder in folders:
        home = Path(folder).resolve()
        if where == home or home in where.parents:
            raise ValueError(_("target: got {value}, expected a folder outside {folder}").format(
                value=repr(str(target)), folder=repr(str(folder))))


def pack_for_students(target: Path | str, solutions: Path | str = "solutions", notebooks: Path | str = "notebooks",
                      force: bool = False) -> list[Path]:
    """Write what students get into ``target``: ``exercises/`` (built afresh from the solutions) and ``notebooks/``.

    Nothing else: no solution notebook, no solution block, no stored output.  Hand out the folder
    (or open JupyterLab in it); students who run notebooks there change nothing of the repository's.
    ``force=False`` refuses to replace notebooks already there (a student's answers live in them).
    """
    from ..core.files import check_targets, write_all

    target, solutions, notebooks = Path(target), Path(solutions), Path(notebooks)
    for folder, name in ((solutions, "solutions"), (notebooks, "notebooks")):
        if not folder.is_dir():
            raise FileNotFoundError(_("{name}: {folder} is not a folder").format(name=name, folder=repr(str(folder))))
    outside(target, solutions, notebooks)
    files = {}
    for source in sorted(solutions.glob("*.ipynb")):
        try:
            exercise = exercise_from_solution(json.loads(source.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as error:   # not JSON, not a notebook, a broken block
            raise ValueError(_("{where}: {problem}").format(where=source, problem=error)) from None
        files[target / "exercises" / source.name] = exercise
    for source in sorted(notebooks.glob("*.ipynb")):
        notebook = json.loads(source.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:   # the student runs them: no stored output to read ahead
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        files[target / "notebooks" / source.name] = notebook
    check_targets(list(files), force)
    written, _removed = write_all({path: (lambda path, notebook=notebook: _write(notebook, path))
                                   for path, notebook in files.items()})
    return written

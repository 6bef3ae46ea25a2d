"""Reading a submission's code for what an exercise never needs: rebinding, reaching the system, forging answers.

A graded notebook runs in the student's own kernel, so its code can change anything in it.
simkit's grading does not depend on that kernel (:mod:`simkit.teaching.marking` compares the
recorded answers with the key in the instructor's process), but code that rebinds simkit's or
Python's names, reaches files, the system or the interpreter's machinery, or builds objects that
claim to equal anything has no place in an exercise set.  :func:`concerns` lists such code, each
with the line it is on, so that the submission is flagged for the instructor to grade by hand.

It is a screen, not a sandbox: it reads the code as written (IPython magics and shell lines
included) and cannot follow code that builds code at run time — which it flags in turn (``exec``,
``eval``, ``getattr`` on a module name held in a string, ...).

>>> concerns("answer_1 = 100 / 400")
[]
>>> concerns("import numpy as np\\nnp.float64 = float")
['line 2: assigns to np.float64, a name of a module']
>>> concerns("float = str")
['line 1: rebinds float, a name Python provides']
"""

from __future__ import annotations

import ast
import builtins
import re

from ..core.language import _

__all__ = ["ALLOWED_MODULES", "concerns"]

#: modules an exercise may import (with their submodules)
ALLOWED_MODULES = frozenset({"simkit", "numpy", "pandas", "math", "statistics", "fractions", "decimal",
                             "matplotlib", "scipy", "itertools", "functools", "collections", "datetime"})

_PYTHON_NAMES = frozenset(dir(builtins))
# calls that reach the interpreter's machinery, files or the system, or run code built at run time
_FORBIDDEN_CALLS = frozenset({"exec", "eval", "compile", "__import__", "setattr", "delattr", "globals", "locals",
                              "vars", "open", "get_ipython", "breakpoint", "input"})
# attribute names that read or write files, run commands or reach the interpreter (numpy.load, pandas.read_csv,
# DataFrame.to_csv, module.os, module.sys, ...): simkit's own modules hold os, sys and subprocess as attributes
_INPUT_OUTPUT = re.compile(r"^(read_\w+|to_(csv|json|pickle|excel|parquet|html|sql|feather|hdf|stata|latex|markdown"
                           r"|xml|clipboard|records)|load|loads|loadtxt|loadmat|save|savez\w*|savetxt|savemat|savefig|genfromtxt"
                           r"|fromfile|fromregex|tofile|memmap"
                           r"|imsave|imread|print_\w+|mmread|mmwrite|ujson_\w+|DataSource|system|popen|Popen|spawn\w*"
                           r"|exec\w*|check_output|check_call|getoutput|open|remove|unlink|rmdir|rmtree|rename|chmod"
                           r"|os|sys|subprocess|shutil|pathlib|Path|io|builtins|modules|importlib|ctypes|gc|inspect"
                           r"|get_ipython|events|user_ns|input_transformers_\w+|ast_transformers|set_custom_exc"
                           r"|displayhook|excepthook)$")
# simkit's grading and self-study machinery: a graded notebook needs none of it (`your_numbers` is asked for by name)
_GRADING = frozenset({"checks", "grading", "marking", "handin", "screening", "is_right", "verdict", "check",
                      "load_key", "key_entry", "agrees", "record", "plain", "load_course_key"})


def _python(source: str) -> str:
    """The cell as the kernel runs it: IPython's magics and ``!`` lines become ``get_ipython()`` calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:      # without IPython a notebook cannot have run at all
        return source
    return TransformerManager().transform_cell(source)


def _root(node: ast.AST) -> str | None:
    """The name an attribute or item chain starts from (``a`` of ``a.b[0].c``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


class _Reader(ast.NodeVisitor):
    def __init__(self, modules: set[str]):
        self.modules = modules           # names bound to modules by imports, across the notebook's cells
        self.found: list[tuple[int, str]] = []

    def flag(self, node: ast.AST, text: str) -> None:
        self.found.append((getattr(node, "lineno", 0), text))

    # imports: only the allowed modules; what they bind is a module name from then on
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)
            bound = (alias.asname or alias.name).split(".")[0]
            if bound in _PYTHON_NAMES:
                self._binds(node, bound)
            self.modules.add(bound)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._module(node, "." * node.level + (node.module or ""))
        for alias in node.names:
            if alias.name == "*":
                self.flag(node, _("imports * from {module}").format(module=node.module))
            elif alias.name in _GRADING or alias.name.startswith("_"):
                self.flag(node, _("uses {name}").format(name=f"{node.module}.{alias.name}"))
            bound = alias.asname or alias.name
            if bound in _PYTHON_NAMES:
                self._binds(node, bound)
            self.modules.add(bound)

    def _module(self, node: ast.AST, name: str) -> None:
        parts = name.split(".")
        if parts[0] not in ALLOWED_MODULES:
            self.flag(node, _("imports {name}, which an exercise does not need").format(name=name))
        elif any(part in _GRADING or part.startswith("_") for part in parts[1:]):
            self.flag(node, _("uses {name}").format(name=name))

    # names: rebinding Python's own, or a name an import bound
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._binds(node, node.id)
        elif node.id.startswith("__"):
            self.flag(node, _("uses {name}").format(name=node.id))

    def _binds(self, node: ast.AST, name: str) -> None:
        if name in _PYTHON_NAMES:
            self.flag(node, _("rebinds {name}, a name Python provides").format(name=name))
        elif name in self.modules:
            self.flag(node, _("rebinds {name}, a name an import gave").format(name=name))

    def visit_FunctionDef(self, node) -> None:
        self._binds(node, node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.flag(node, _("defines a class ({name}): an exercise needs none, and an object of one can claim "
                          "to equal any answer").format(name=node.name))
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._binds(node, node.name)
        self.generic_visit(node)

    def visit_Global(self, node) -> None:
        for name in node.names:
            self._binds(node, name)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.flag(node, _("uses {name}").format(name=node.attr))     # dunders and private names alike
        elif isinstance(node.ctx, (ast.Store, ast.Del)):
            self.flag(node, _("assigns to {name}, a name of a module").format(name=ast.unparse(node))
                      if _root(node.value) in self.modules else
                      _("assigns to the attribute {name}").format(name=ast.unparse(node)))
        elif node.attr in _GRADING:
            self.flag(node, _("uses {name}").format(name=node.attr))
        elif _INPUT_OUTPUT.match(node.attr):
            self.flag(node, _("uses {name}, which reaches files, the system or the interpreter").format(name=node.attr))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and re.fullmatch(r"_\w*", node.value.strip()):
            self.flag(node, _("uses {name}").format(name=node.value.strip()))   # getattr(x, "__builtins__")

    def visit_MatchAs(self, node) -> None:
        if node.name:
            self._binds(node, node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node) -> None:
        if node.name:
            self._binds(node, node.name)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)) and _root(node.value) in self.modules:
            self.flag(node, _("assigns to {name}, a part of a module").format(name=ast.unparse(node)))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in _FORBIDDEN_CALLS:
            self.flag(node, _("calls {name}").format(name=node.func.id))
        if isinstance(node.func, ast.Name) and node.func.id == "type" and len(node.args) == 3:
            self.flag(node, _("builds a class with type()"))
        if (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2
                and not isinstance(node.args[1], ast.Constant)):
            self.flag(node, _("calls getattr with a name computed at run time"))
        self.generic_visit(node)


def concerns(source: str, modules: set[str] | None = None) -> list[str]:
    """What in one cell's ``source`` an exercise never needs, as ``"line N: ..."`` (empty when nothing).

    ``modules`` collects the names the notebook's imports bound so far (pass one set through the
    cells in order, so a later cell's ``np.float64 = ...`` is seen as a module's name).  A cell
    that is not valid Python is not a concern: it did not run.
    """
    try:
        tree = ast.parse(_python(source))
    except (SyntaxError, ValueError):
        return []
    reader = _Reader(modules if modules is not None else set())
    reader.visit(tree)
    return [_("line {n}: {concern}").format(n=line, concern=text) for line, text in sorted(set(reader.found))]

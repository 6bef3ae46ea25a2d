"""One docstring style for the public API (issue #35): NumPy style, as the site's API page renders it.

Every name of ``simkit.__all__`` that is a function, or a class whose constructor takes parameters, has a
``Parameters`` section naming each parameter of its signature -- or, for a result class (one the engines
and calculators build, not the user), an ``Attributes`` section naming each of its fields; a function that
returns something has a ``Returns`` section.  The public methods of those classes that take parameters
follow the same rules.  The sections are parsed, not searched: an entry is a line ``name : type`` (or
``name1, name2 : type``) at the section's own indentation.
"""

import dataclasses
import enum
import inspect
import re

import pytest

import simkit

#: classes users do not construct: their docstrings describe what they hold (``Attributes``)
RESULT_CLASSES = {"SimulationResult", "Ledger", "EventLog", "Comparison", "SweepResult", "CohortTable",
                  "LifetimeValueSummary"}
#: column tables (not dataclasses): their constructor's parameters are not attributes, so they have both
#: sections -- ``Parameters`` for the constructor, ``Attributes`` for what they hold
COLUMN_TABLES = {"Ledger", "EventLog"}


def sections(doc: str) -> dict[str, list[str]]:
    """A NumPy-style docstring's sections: header -> the lines under its dashes (header-less prose is left out)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    found, current = {}, None
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", following.strip()) and len(following.strip()) == len(line.strip()):
            current = line.strip()
            found[current] = []
            continue
        if current is not None and re.fullmatch(r"-{3,}", line.strip()) and found[current] == []:
            continue  # the header's dashes
        if current is not None:
            found[current].append(line)
    return found


def entries(section: list[str]) -> list[str]:
    """The names a Parameters/Attributes/Returns section describes (``a, b : type`` gives a and b)."""
    body = [line for line in section if line.strip()]
    if not body:
        return []
    indent = len(body[0]) - len(body[0].lstrip())
    names = []
    for line in body:
        if len(line) - len(line.lstrip()) != indent:
            continue
        head = line.strip().split(" : ")[0]
        names += [name.strip().lstrip("*") for name in head.split(",") if name.strip()]
    return names


def parameters(func) -> list[str]:
    return [p.name for p in inspect.signature(func).parameters.values() if p.name not in ("self", "cls")]


def returns_something(func) -> bool:
    annotation = inspect.signature(func).return_annotation
    return annotation not in (None, "None")


def public(name: str):
    return getattr(simkit, name)


FUNCTIONS = [n for n in simkit.__all__ if inspect.isfunction(public(n))]
CLASSES = [n for n in simkit.__all__ if inspect.isclass(public(n)) and not issubclass(public(n), enum.Enum)]
ENUMS = [n for n in simkit.__all__ if inspect.isclass(public(n)) and issubclass(public(n), enum.Enum)]


def methods():
    """(class name, method name) of every public method, defined in the class itself, that takes parameters."""
    for name in CLASSES + ENUMS:
        cls = public(name)
        for attribute, value in vars(cls).items():
            if attribute.startswith("_"):
                continue
            func = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            if inspect.isfunction(func) and parameters(func):
                yield name, attribute


def test_every_public_name_is_checked():
    data = [n for n in simkit.__all__ if n not in FUNCTIONS + CLASSES + ENUMS]
    assert data == ["LANGUAGES"], "a public name this test does not know how to check"
    assert len(FUNCTIONS) + len(CLASSES) + len(ENUMS) == 29


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_function_documents_every_parameter_and_what_it_returns(name):
    func = public(name)
    found = sections(func.__doc__)
    assert "Parameters" in found or not parameters(func), f"{name}: no Parameters section"
    missing = [p for p in parameters(func) if p not in entries(found.get("Parameters", []))]
    assert not missing, f"{name}: Parameters does not name {missing}"
    if returns_something(func):
        assert entries(found.get("Returns", [])), f"{name}: no Returns section"


@pytest.mark.parametrize("name", CLASSES)
def test_a_class_documents_its_constructor(name):
    cls = public(name)
    found = sections(cls.__doc__)
    if name in RESULT_CLASSES:
        assert entries(found.get("Attributes", [])), f"{name}: no Attributes section"
    if name in RESULT_CLASSES and name not in COLUMN_TABLES:
        fields = [f.name for f in dataclasses.fields(cls)]
        missing = [f for f in fields if f not in entries(found["Attributes"])]
        assert not missing, f"{name}: Attributes does not name {missing}"
        return
    params = parameters(cls)
    assert params, f"{name}: a class without constructor parameters"
    missing = [p for p in params if p not in entries(found.get("Parameters", []))]
    assert not missing, f"{name}: Parameters does not name {missing}"


@pytest.mark.parametrize("name", ENUMS)
def test_an_enum_documents_its_members(name):
    cls = public(name)
    missing = [m.name for m in cls if m.name not in entries(sections(cls.__doc__).get("Attributes", []))]
    assert not missing, f"{name}: Attributes does not name {missing}"


@pytest.mark.parametrize("owner, method", list(methods()))
def test_a_public_method_documents_its_parameters(owner, method):
    value = vars(public(owner))[method]
    func = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
    found = sections(func.__doc__)
    missing = [p for p in parameters(func) if p not in entries(found.get("Parameters", []))]
    assert not missing, f"{owner}.{method}: Parameters does not name {missing}"
    if returns_something(func):
        assert entries(found.get("Returns", [])), f"{owner}.{method}: no Returns section"


def test_the_parser_reads_numpy_sections():
    doc = """Summary.

    Parameters
    ----------
    a, b : int
        Two numbers.
    c : str, optional
        A text: with a colon.

    Returns
    -------
    int
    """
    found = sections(doc)
    assert entries(found["Parameters"]) == ["a", "b", "c"]
    assert entries(found["Returns"]) == ["int"]

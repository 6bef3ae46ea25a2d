"""Rooms load their modules when first used: ``simkit.views.plots`` brings matplotlib, ``simkit.views.widgets``
ipywidgets, ``simkit.experiments.clv_models`` pymc-marketing; ``import simkit`` stays light."""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["submodule_loader"]


def submodule_loader(package: str, path):
    """A module ``__getattr__`` that imports ``package.<name>`` on first access, for names that are its modules."""
    names = {info.name for info in pkgutil.iter_modules(path)}

    def __getattr__(name: str):
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__

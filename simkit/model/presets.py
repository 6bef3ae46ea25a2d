"""Built-in scenarios: TOML files shipped inside the package (``simkit/model/scenarios/``).

>>> "cohort_10000" in list_scenarios()
True
>>> load_scenario("cohort_10000").arrivals.cohort_size
10000
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..core.errors import ScenarioError
from ..core.language import _
from .scenario import Scenario

__all__ = ["list_scenarios", "load_scenario", "scenario_path"]


def _folder():
    return resources.files("simkit.model") / "scenarios"


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios.

    Returns
    -------
    list of str
        The names :func:`load_scenario` accepts, sorted.
    """
    return sorted(p.name[:-5] for p in _folder().iterdir() if p.name.endswith(".toml"))


def scenario_path(name: str):
    """The file of a built-in scenario."""
    names = list_scenarios()
    if name not in names and (_folder() / "clv" / f"{name}.toml").is_file():
        raise ScenarioError(_("scenario name: {quoted} is a buy-till-you-die world, not a lifecycle scenario: load it "
                              "with simkit.experiments.clv.load_clv_scenario({quoted}), or write its data with "
                              "python -m simkit clv-data {name}").format(quoted=repr(name), name=name))
    if name not in names:
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path=_("scenario name"), value=repr(name),
            rule=_("a built-in scenario ({names}) or a .toml/.json file").format(names=", ".join(names))))
    return _folder() / f"{name}.toml"


def load_scenario(name_or_path) -> Scenario:
    """A built-in scenario by name, or a scenario read from a ``.toml``/``.json`` file.

    Parameters
    ----------
    name_or_path : str, pathlib.Path or Scenario
        A built-in name (see :func:`list_scenarios`), or a file: a
        :class:`~pathlib.Path`, or a text ending in ``.toml`` or ``.json`` or
        holding a ``/``.  A :class:`~simkit.Scenario` is returned as it is.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        For an unknown name (the message lists the built-in ones; a
        buy-till-you-die world's name says how to load it), an argument that
        is neither a name nor a path, a file that cannot be read or parsed,
        or a scenario that breaks a rule.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    if not isinstance(name_or_path, (str, Path)):
        raise ScenarioError(_("{path}: got {value}, expected {rule}").format(
            path="scenario", value=repr(name_or_path), rule=_("a built-in name or a file path")))
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith((".toml", ".json")) or "/" in text:
        return Scenario.from_file(name_or_path)
    path = scenario_path(text)
    return Scenario.from_text(path.read_text(encoding="utf-8"), "toml", source=f"built-in {text}")

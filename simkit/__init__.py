"""simkit: simulate and teach customer-relationship economics (客户关系管理).

One scenario, several views: a validated :class:`Scenario` is run by the
SimPy engine (:func:`run_simulation`), drawn by :mod:`simkit.plots`, driven
by :mod:`simkit.widgets` and the command line (``python -m simkit``).

>>> import simkit
>>> result = simkit.run_simulation(simkit.load_scenario("lifecycle_basic"), n_customers=50)
>>> result.stage_counts.shape[1] == len(simkit.Stage)
True
"""

from . import formulas
from .churn import Firm, churn_table
from .compare import Comparison, compare
from .cohort import CohortTable, cohort_table, hughes_table, ltv_sensitivity, simulated_cohort_table
from .errors import ScenarioError
from .language import LANGUAGES, get_language, set_language
from .presets import list_scenarios, load_scenario
from .results import EventLog, Ledger, LifetimeValueSummary, SimulationResult
from .scenario import Arrivals, Discounting, Scenario, StageParams, Stages, TenureSchedule
from .simulation import replicate, run_simulation
from .stages import Stage
from .sweep import SweepResult, sweep

__version__ = "0.1.0"

_LAZY_SUBMODULES = ("plots", "widgets", "live", "cli", "value", "pyramid", "intervals")


def __getattr__(name):
    """Submodules load when first used: ``simkit.plots`` and ``simkit.widgets`` bring matplotlib and ipywidgets."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'simkit' has no attribute {name!r}")


__all__ = [
    "Arrivals",
    "CohortTable",
    "Comparison",
    "Firm",
    "LANGUAGES",
    "Discounting",
    "EventLog",
    "Ledger",
    "LifetimeValueSummary",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "Stage",
    "StageParams",
    "Stages",
    "TenureSchedule",
    "churn_table",
    "cohort_table",
    "compare",
    "formulas",
    "get_language",
    "hughes_table",
    "list_scenarios",
    "load_scenario",
    "ltv_sensitivity",
    "replicate",
    "run_simulation",
    "set_language",
    "simulated_cohort_table",
    "sweep",
    "SweepResult",
]

"""simkit: simulate and teach customer-relationship economics (客户关系管理).

One scenario, several views.  The package is laid out as the flow it implements, one room a
floor; a room imports only from the floors below it (``tests/test_layout.py`` holds this):

=====  ===============  ======================================================================
floor  room             what it holds
=====  ===============  ======================================================================
0      ``core``         the error for bad input, the language, money, tables, safe writes
1      ``model``        the scenario: stages, rules, safe reading, presets, the run budget
2      ``engines``      the SimPy reference and the NumPy engine of one law; their results
3      ``exact``        closed forms and exact tables: formulas, cohort LTV, churn, pyramid, value
4      ``experiments``  compare with common random numbers, intervals, sweeps, CLV worlds
5      ``views``        figures, live redraws, classroom panels (matplotlib, ipywidgets)
6      ``teaching``     exercises, checks, each student's own numbers, grading
7      ``cli``          the command line, ``python -m simkit``
=====  ===============  ======================================================================

The names below are the public API, imported from ``simkit`` itself; everything else is
imported from its room's module (``from simkit.views import plots``, ``from simkit.exact
import formulas``).  Rooms load when first used, so ``import simkit`` brings neither
matplotlib nor ipywidgets.

>>> import simkit
>>> result = simkit.run_simulation(simkit.load_scenario("lifecycle_basic"), n_customers=50)
>>> result.stage_counts.shape[1] == len(simkit.Stage)
True
"""

from .exact.churn import Firm, churn_table
from .experiments.compare import Comparison, compare
from .exact.cohort import CohortTable, cohort_table, hughes_table, ltv_sensitivity, simulated_cohort_table
from .core.errors import ScenarioError
from .core.lazy import submodule_loader
from .core.language import LANGUAGES, get_language, set_language
from .model.presets import list_scenarios, load_scenario
from .engines.results import EventLog, Ledger, LifetimeValueSummary, SimulationResult
from .model.parts import Arrivals, Discounting, StageParams, Stages, TenureSchedule
from .model.scenario import Scenario
from .engines.run import replicate, run_simulation
from .model.stages import Stage
from .experiments.sweep import SweepResult, sweep

__version__ = "0.1.0"

__getattr__ = submodule_loader(__name__, __path__)

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

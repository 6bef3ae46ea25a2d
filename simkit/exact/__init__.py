"""Exact answers: the textbook's closed forms and tables, against which every simulation is checked.

==============  ==============================================================
module          what it holds
==============  ==============================================================
``formulas``    lifetime = 1/churn, CLV, discounting, funnels (§2-§4, §7)
``cohort``      the exact LTV table of a cohort, Hughes' layout (§4)
``churn``       Firm A and Firm B: churn and lifetimes (§2)
``pyramid``     the customer pyramid and its move-up (§5)
``value``       customer value: RFM, Pareto share of the top (§3)
==============  ==============================================================
"""

from ..core.lazy import submodule_loader

__getattr__ = submodule_loader(__name__, __path__)

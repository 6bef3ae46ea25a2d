"""Experiments and data: honest comparisons, sweeps, and CLV worlds with the truth attached.

================  ============================================================
module            what it holds
================  ============================================================
``intervals``     Student's t intervals for means and sums
``compare``       :func:`~simkit.compare`: a change against the base, paired
``sweep``         :func:`~simkit.sweep`: grids of variants, seeds shared
``clv``           CLV worlds: transaction data with each customer's truth
``clv_models``    BG/NBD, Pareto/NBD fitted and scored against that truth
================  ============================================================
"""

from ..core.lazy import submodule_loader

__getattr__ = submodule_loader(__name__, __path__)

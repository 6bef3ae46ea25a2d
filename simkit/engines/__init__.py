"""The engines: one law of customer behaviour, drawn two ways, assembled into one kind of result.

=================  ===========================================================
module             what it holds
=================  ===========================================================
``run``            :func:`~simkit.run_simulation` and :func:`~simkit.replicate`
``simpy_engine``   the reference: each customer a SimPy process, event by event
``numpy_engine``   the fast engine: whole populations at once, same draws
``assemble``       per-customer arrays -> a :class:`~simkit.SimulationResult`
``results``        what engines return: periods, ledger, event log, CSV
=================  ===========================================================

Same scenario and seed give bit-identical results on either engine.  Engines never print, plot, or
touch widgets; they read the model (:mod:`simkit.model`) and nothing above it.
"""

from ..core.lazy import submodule_loader

__getattr__ = submodule_loader(__name__, __path__)

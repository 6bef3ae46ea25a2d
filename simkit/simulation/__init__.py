"""The SimPy discrete-event engine (each customer a process)."""

from .engine import replicate, run_simulation

__all__ = ["replicate", "run_simulation"]

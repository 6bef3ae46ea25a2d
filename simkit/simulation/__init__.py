"""The SimPy discrete-event engine (each customer a process)."""

from .engine import run_simulation

__all__ = ["run_simulation"]

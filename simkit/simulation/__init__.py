"""The engines: SimPy (each customer a process, the reference) and vectorized NumPy (whole populations)."""

from .engine import ENGINES, replicate, run_simulation

__all__ = ["ENGINES", "replicate", "run_simulation"]

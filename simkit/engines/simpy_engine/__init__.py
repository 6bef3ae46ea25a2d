"""The reference engine: each customer a SimPy process, event by event (readable first, then fast enough)."""

"""The vectorized engine: the SimPy engine's law drawn for whole populations at once with NumPy."""

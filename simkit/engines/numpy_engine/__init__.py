"""The vectorized engine: the SimPy engine's law drawn for whole populations at once with NumPy.

=============  ===================================================================================
module         what it holds
=============  ===================================================================================
``engine``     ``simulate``: the generations, each lived in batches, then the result (the overview)
``joint``      the run's joint book: the spells of several batches booked at once
``batch``      a batch's life: up to ``BATCH`` people of one generation, step by step
``books``      the run's per-period books; the spells that wait to be booked; spells against time
``entrants``   who enters in a generation, and the slots that give each its random numbers
``ledger``     what a run keeps: the ledger and the event log
``plan``       the scenario turned into arrays the steps read (nothing random)
``draws``      the random numbers: streams, common random numbers, Poisson counts by inversion
``arrays``     small array helpers
=============  ===================================================================================

Each module imports only modules below it in this table.
"""

"""Benchmark: the instructor's lifecycle dashboard at 10,000 customers over 5 years.

Run:  python bench/bench_dashboard.py

A change of one control -> the scenario rebuilt and checked, simulated, the
four panels redrawn and the figure rendered to the PNG the front end gets.
Target (issue: lifecycle notebook): median <= 0.3 s.  Also prints the time
of the simulation alone, which bounds what any redraw can reach.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import simkit  # noqa: E402


def main(repeat: int = 5):
    from simkit.widgets import lifecycle_dashboard

    scenario = simkit.load_scenario("lifecycle_textbook").updated(
        {"arrivals.cohort_size": 10_000, "arrivals.prospects_per_year": 0, "horizon": 60})
    board = lifecycle_dashboard(scenario)
    slider = board.controls["stages.loyal.orders_per_year"]
    changes, runs = [], []
    for i in range(repeat):
        start = time.perf_counter()
        slider.value = 6.0 + (i % 2)
        changes.append(time.perf_counter() - start)
        start = time.perf_counter()
        simkit.run_simulation(board.current_scenario())
        runs.append(time.perf_counter() - start)
    print(f"10,000 customers x 5 years (monthly), median of {repeat}:")
    print(f"  control change -> figure rendered: {statistics.median(changes):6.2f} s")
    print(f"  the simulation alone             : {statistics.median(runs):6.2f} s")


if __name__ == "__main__":
    main()

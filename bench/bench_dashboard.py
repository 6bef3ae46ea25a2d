"""Benchmark: the instructor's lifecycle dashboard at 10,000 customers over 5 years, with a comparison.

Run:  python bench/bench_dashboard.py [--repeat N] [--extremes]

A change of one control -> the scenario rebuilt and checked, the scenario
and the compared one ("loyal customers stay 10 % longer") simulated on the
vectorized engine with common random numbers, the difference and its 95 %
interval computed, the four pictures updated and the figure rendered to
the PNG the front end gets.  Target: median <= 0.2 s.  Also prints the time
of the two runs alone and how many changes needed a full redraw (an axis
range moved) rather than the data painted over the kept background.
``--extremes``: every control alone at its maximum on the built-in
``lifecycle_textbook`` (with the comparison): the slowest redraws.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import simkit  # noqa: E402


def main(repeat: int):
    from simkit.views.widgets.dashboard import lifecycle_dashboard

    scenario = simkit.load_scenario("lifecycle_textbook").updated(
        {"arrivals.cohort_size": 10_000, "arrivals.prospects_per_year": 0, "horizon": 60})
    board = lifecycle_dashboard(scenario, comparison="loyal customers stay 10 % longer", background=False)
    slider = board.controls["stages.loyal.orders_per_year"]
    full_before = board.live.full_draws
    changes, runs = [], []
    for i in range(repeat):
        start = time.perf_counter()
        slider.value = 6.0 + 0.1 * (i % 5)
        changes.append(time.perf_counter() - start)
        start = time.perf_counter()
        scenario = board.current_scenario()
        simkit.compare(scenario, simkit.views.widgets.COMPARISONS[board.comparison.value](scenario), ledger=True)
        runs.append(time.perf_counter() - start)
    print(f"10,000 customers x 5 years (monthly), with the comparison and its interval, median of {repeat}:")
    print(f"  control change -> figure rendered: {statistics.median(changes):6.3f} s")
    print(f"  the two paired runs alone        : {statistics.median(runs):6.3f} s")
    print(f"  full redraws: {board.live.full_draws - full_before} of {repeat} changes")


def extremes():
    from simkit.views.widgets.dashboard import lifecycle_dashboard

    board = lifecycle_dashboard("lifecycle_textbook", comparison="loyal customers stay 10 % longer", background=False)
    times = []
    for path, control in board.controls.items():
        if path == "seed":
            continue
        before = control.value
        start = time.perf_counter()
        control.value = control.max
        times.append((time.perf_counter() - start, path, control.max, board.result.ltv.count))
        control.value = before
    times.sort(reverse=True)
    print(f"each of {len(times)} controls alone at its maximum (lifecycle_textbook, with the comparison); slowest:")
    for seconds, path, value, people in times[:5]:
        print(f"  {path} = {value:g}: {seconds:.2f} s, {people:,} people")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--extremes", action="store_true")
    args = parser.parse_args()
    main(args.repeat)
    if args.extremes:
        extremes()

"""Benchmark: the lifetime-value path of the classroom (issue: textbook reproductions).

Run:  python bench/bench_ltv.py

1. The exact table (``cohort_table``) for the textbook cohort and for a
   20-year table: target well under 10 ms.
2. A widget change to a redrawn table and chart (``LtvTablePanel``): the
   control changes, the table is recomputed, the HTML rebuilt and the figure
   rendered to the PNG the front end receives: target median <= 0.2 s.
3. The simulated 10,000-customer cohort over 3 years: target <= 1 s.
Medians of repeated runs; the machines are shared, so read them as orders of
magnitude against the targets.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import simkit  # noqa: E402


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    scenario = simkit.load_scenario("cohort_10000")
    long = scenario.updated({"horizon": 20})
    exact = median_time(lambda: simkit.cohort_table(scenario), 200)
    exact_long = median_time(lambda: simkit.cohort_table(long), 200)
    print(f"exact table, 3 years : {exact * 1e3:7.3f} ms (median of 200)")
    print(f"exact table, 20 years: {exact_long * 1e3:7.3f} ms (median of 200)")

    from simkit.views.widgets import ltv_table_panel

    panel = ltv_table_panel(scenario)
    slider = panel.controls[("retention_rate", 1)]
    values = [0.70, 0.75]

    def change():  # the panel recomputes, rebuilds the HTML table and renders the PNG it sends
        slider.value = values[0] if slider.value != values[0] else values[1]
        assert bytes(panel.view.value[:4]) == b"\x89PNG"

    widget = median_time(change, 21)
    print(f"widget change -> table + chart rendered: {widget:6.3f} s (median of 21)")

    simulated = median_time(lambda: simkit.run_simulation(scenario, ledger=False), 5)
    with_ledger = median_time(lambda: simkit.run_simulation(scenario), 5)
    print(f"simulated cohort of 10,000 x 3 years: {simulated:6.3f} s (ledger off), {with_ledger:6.3f} s "
          f"(ledger on), median of 5")


if __name__ == "__main__":
    main()

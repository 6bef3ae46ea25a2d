"""Benchmark: the vectorized NumPy engine against the SimPy engine, and the NumPy engine at scale.

Run:  python bench/bench_engines.py [--repeat N] [--scale]

1. The same scenario on both engines, in this process, alternating, on CPU
   time (``time.process_time``); the ratio of the minimum times is printed
   (the machines are shared and noisy: read ratios measured in one run).
   Cases: ``lifecycle_textbook`` at 10,000 customers x 5 years (monthly
   periods) and ``cohort_10000`` (3 years), each with the ledger (the
   default of ``run_simulation``) and without.
2. ``--scale``: 1,000,000 customers on the NumPy engine with the ledger
   off, for 1 and 10 years, each in a fresh interpreter: time and peak
   resident memory (memory must not grow with the horizon beyond the
   per-period tables).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import simkit

CASES = (
    ("lifecycle_textbook", {"arrivals.cohort_size": 10_000}, "10,000 customers x 5 years, monthly"),
    ("cohort_10000", {}, "the textbook's 10,000 customers x 3 years"),
)


def cpu_time(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def compare(repeat: int):
    print(f"{'scenario':<20} {'ledger':<7} {'SimPy min s':>12} {'NumPy min s':>12} {'ratio':>7}")
    for name, changes, text in CASES:
        scenario = simkit.load_scenario(name).updated(changes) if changes else simkit.load_scenario(name)
        for ledger in (True, False):
            simkit.run_simulation(scenario, ledger=ledger, engine="numpy")  # warm up
            simpy_times, numpy_times = [], []
            for _ in range(repeat):
                simpy_times.append(cpu_time(lambda: simkit.run_simulation(scenario, ledger=ledger)))
                for _ in range(5):  # the fast engine's times are short: take several
                    numpy_times.append(cpu_time(lambda: simkit.run_simulation(scenario, ledger=ledger,
                                                                             engine="numpy")))
            a, b = min(simpy_times), min(numpy_times)
            print(f"{name:<20} {str(ledger):<7} {a:>12.3f} {b:>12.4f} {a / b:>7.0f}   ({text})")


_SCALE = """
import resource, time, simkit
scenario = simkit.load_scenario("lifecycle_textbook").updated(
    {{"arrivals.cohort_size": 1_000_000, "arrivals.prospects_per_year": 0, "time_unit": "year", "horizon": {years}}})
start = time.process_time()
result = simkit.run_simulation(scenario, ledger=False, engine="numpy")
elapsed = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{result.ltv.count:,}} people, {{elapsed:.1f}} s CPU, peak memory {{peak:,.0f}} MiB")
"""


def scale():
    print("\n1,000,000 customers (lifecycle_textbook's stages, yearly periods), NumPy engine, ledger off:")
    for years in (1, 10):
        out = subprocess.run([sys.executable, "-c", _SCALE.format(years=years)], capture_output=True, text=True,
                             check=True).stdout.strip()
        print(f"  {years:>2} years: {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of the SimPy engine (default 3)")
    parser.add_argument("--scale", action="store_true", help="also run 1,000,000 customers for 1 and 10 years")
    args = parser.parse_args()
    compare(args.repeat)
    if args.scale:
        scale()


if __name__ == "__main__":
    main()

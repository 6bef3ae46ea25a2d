"""Benchmark: simkit's engine against a bare hand-written SimPy loop, and at scale.

Run:  python bench/bench_engine.py [--scale] [--instructions] [--repeat N]

1. The textbook's 3-year cohort (built-in ``cohort_10000``): each customer a
   SimPy process, a yearly retention draw, Poisson orders with gamma order
   values.  The bare loop is what one writes by hand in a lecture: a generator
   per customer, exponential gaps between orders, plain float tallies.  Both
   run in this process, alternating, on CPU time; the ratios of the minimum
   and median times are printed (the machines are shared and noisy: read
   ratios, not absolute times).  ``--instructions`` also counts instructions
   under valgrind's callgrind, which does not depend on the machine's load.
2. ``--scale``: 100,000 prospects a year arriving as a stream, for 1 year
   (100,000 people) and for 10 years (1,000,000), ledger and event log off,
   each in a fresh interpreter; prints time and peak resident memory, to show
   that memory follows the customers alive at once, not all who ever lived.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import simpy

import simkit


def bare_loop(n_customers: int, seed: int, tenure) -> float:
    """The same cohort model written directly with SimPy; returns mean discounted LTV."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    retention = tenure.retention_rate
    orders = tenure.orders_per_year
    mean_value = tenure.average_order_value
    sd = tenure.order_value_sd
    cost_share = tenure.cost_of_sales_share
    service = tenure.service_cost_per_year
    discount = [1.0 / 1.16 ** n for n in range(len(retention))]
    totals = []

    def customer(env):
        value = -60.0
        year = 0
        while year < 3:
            end = env.now + 1.0
            while True:
                gap = rng.exponential(1.0 / orders[year])
                if env.now + gap > end:
                    break
                yield env.timeout(gap)
                shape = (mean_value[year] / sd[year]) ** 2
                spend = rng.gamma(shape, mean_value[year] / shape)
                value += spend * (1 - cost_share[year]) * discount[year]
            yield env.timeout(end - env.now)
            value -= service[year] * discount[year]
            if rng.random() >= retention[year]:
                break
            year += 1
        totals.append(value)

    for _ in range(n_customers):
        env.process(customer(env))
    env.run()
    return sum(totals) / len(totals)


def compare(n_customers: int, repeat: int):
    """Alternate bare loop and simkit ``repeat`` times; report min and median CPU times and their ratios."""
    scenario = simkit.load_scenario("cohort_10000")
    tenure = scenario.tenure
    bare_times, simkit_times = [], []
    for i in range(repeat):  # alternate so both see the same machine load
        start = time.process_time()
        bare_ltv = bare_loop(n_customers, i, tenure)
        bare_times.append(time.process_time() - start)
        start = time.process_time()
        result = simkit.run_simulation(scenario, n_customers=n_customers, seed=i, ledger=False)
        simkit_times.append(time.process_time() - start)
    events = int(result.periods["n_purchases"].sum()) + result.ltv.count * 3
    print(f"cohort of {n_customers:,} customers x 3 years, {repeat} alternating runs (CPU seconds):")
    print(f"  bare SimPy loop : min {min(bare_times):6.3f}  median {statistics.median(bare_times):6.3f}"
          f"   mean LTV {bare_ltv:6.2f}")
    print(f"  simkit engine   : min {min(simkit_times):6.3f}  median {statistics.median(simkit_times):6.3f}"
          f"   mean LTV {result.ltv.mean:6.2f}  (~{events / min(simkit_times):,.0f} events/s)")
    print(f"  ratio simkit / bare: min {min(simkit_times) / min(bare_times):.2f}, "
          f"median {statistics.median(simkit_times) / statistics.median(bare_times):.2f}")


_SCALE_CHILD = """
import resource, sys, time
import simkit
total, years = int(sys.argv[1]), int(sys.argv[2])
# a shop with quick turnover: a customer's story lasts months, so the population alive at once
# settles within the first year and stays there (Little's law: arrivals per year x years per life)
scenario = simkit.Scenario.from_dict({
    "name": "quick_turnover", "horizon": years, "seed": 1,
    "arrivals": {"prospects_per_year": total / years, "acquisition_cost": 30.0},
    "stages": {
        "prospect": {"mean_duration_years": 0.1, "next_stage": {"new": 0.3, "unconverted": 0.7}},
        "new": {"mean_duration_years": 0.3, "next_stage": {"loyal": 0.5, "lost": 0.5},
                "orders_per_year": 4.0, "average_order_value": 80.0, "cost_of_sales_share": 0.7},
        "loyal": {"mean_duration_years": 0.5, "next_stage": {"decline": 1.0}, "orders_per_year": 8.0,
                  "average_order_value": 100.0, "cost_of_sales_share": 0.6, "service_cost_per_year": 10.0},
        "decline": {"mean_duration_years": 0.2, "next_stage": {"lost": 1.0}, "orders_per_year": 2.0,
                    "average_order_value": 70.0, "cost_of_sales_share": 0.7},
    },
})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
result = simkit.run_simulation(scenario, ledger=False, event_log=False, max_people=2 * total + 100_000)   # a measured run, past the classroom budget
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(result.ltv.count, elapsed, before, peak, int(result.active_customers.max()))
"""


def scale(total: int, years: int):
    """Run ``total`` arrivals over ``years`` in a fresh interpreter; report time and peak resident memory."""
    out = subprocess.run([sys.executable, "-c", _SCALE_CHILD, str(total), str(years)], capture_output=True,
                         text=True, check=True).stdout.split()
    count, elapsed, before, peak, alive = int(out[0]), float(out[1]), int(out[2]), int(out[3]), int(out[4])
    print(f"  {count:>9,} entered over {years:>2} years: {elapsed:6.1f} s ({elapsed / count * 1e6:.0f} µs each), "
          f"peak resident memory {peak / 1024:6.1f} MiB ({before / 1024:.1f} MiB after imports), "
          f"at most {alive:,} alive at a period end")
    return peak


def instructions(n_customers: int):
    """Instruction counts under valgrind's callgrind: repeatable whatever else the machine is doing.

    Each model runs in its own interpreter; a run that only imports and loads
    the scenario is subtracted from both.
    """
    if shutil.which("valgrind") is None:
        print("instruction counts: valgrind is not installed (apt-get install valgrind)")
        return None
    counts = {}
    for which in ("none", "bare", "simkit"):
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out",
                 sys.executable, __file__, "--child", which, "--customers", str(n_customers)],
                capture_output=True, text=True, check=True)
        counts[which] = int(re.search(r"Collected : (\d+)", done.stderr).group(1))
    bare, ours = counts["bare"] - counts["none"], counts["simkit"] - counts["none"]
    print(f"cohort of {n_customers:,} customers x 3 years, instructions (callgrind, imports subtracted):")
    print(f"  bare SimPy loop : {bare / 1e6:8.1f} M")
    print(f"  simkit engine   : {ours / 1e6:8.1f} M")
    print(f"  ratio simkit / bare = {ours / bare:.2f}")
    return ours / bare


def child(which: str, n_customers: int):
    scenario = simkit.load_scenario("cohort_10000")
    if which == "bare":
        bare_loop(n_customers, 0, scenario.tenure)
    elif which == "simkit":
        simkit.run_simulation(scenario, n_customers=n_customers, seed=0, ledger=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", action="store_true", help="also run 100,000 and 1,000,000 arrivals")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions with valgrind (3,000 customers; slow but noise-free)")
    parser.add_argument("--child", choices=("none", "bare", "simkit"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.customers)
        return
    compare(args.customers, args.repeat)
    if args.instructions:
        instructions(3000)
    if args.scale:
        print("100,000 prospects a year, ledger and event log off (memory follows who is alive, not who lived):")
        small = scale(100_000, 1)
        large = scale(1_000_000, 10)
        print(f"  peak memory ratio 1,000,000 / 100,000 = {large / small:.2f}")


if __name__ == "__main__":
    main()

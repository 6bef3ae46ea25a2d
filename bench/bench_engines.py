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
3. ``--instructions``: the NumPy engine's instructions per run under
   valgrind's callgrind (the machines are noisy; instruction counts are not):
   six runs less one, each run with fresh stream states.
4. ``--floor``: what a bare NumPy loop costs for ``cohort_10000`` -- the same
   law and the same random numbers per purchase (spend drawn per purchase in
   the engine's layout by group of families, the first purchase's time),
   but nothing else: no per-period, per-stage or per-group tables, no
   ledger beyond five columns, no validation or run budget.  The ratio of
   SimPy to this loop is the ceiling any engine of this design can reach.
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import simkit
from simkit.engines.numpy_engine import draws
from simkit.engines.assemble import GROUPS  # groups of families: the engine's layout of random numbers

CASES = (
    ("lifecycle_textbook", {"arrivals.cohort_size": 10_000}, "10,000 customers x 5 years, monthly"),
    ("cohort_10000", {}, "the textbook's 10,000 customers x 3 years"),
)


def cpu_time(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def minor_faults() -> int:
    """Minor page faults of this process so far (fresh pages from the system; 0 where not counted)."""
    try:
        import resource
    except ImportError:  # (Windows)
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def fresh():
    """Forget the streams' seeded states, as a run with a new seed would (a rerun with the same seed reuses them)."""
    draws._state.cache_clear()


def compare(repeat: int):
    # (faults: minor page faults per NumPy run, each a fresh page from the system at ~2 us: a share of the
    # NumPy engine's time that moves with the C library's allocator, see bench/README.md)
    print(f"{'scenario':<20} {'ledger':<7} {'SimPy min s':>12} {'NumPy min s':>12} {'ratio':>7} {'faults':>7}")
    for name, _, text in CASES:
        scenario = case_scenario(name)
        for ledger in (True, False):
            simkit.run_simulation(scenario, ledger=ledger, engine="numpy")  # warm up
            simpy_times, numpy_times, faults = [], [], 0
            for _ in range(repeat):
                simpy_times.append(cpu_time(lambda: simkit.run_simulation(scenario, ledger=ledger)))
                for _ in range(5):  # the fast engine's times are short: take several
                    fresh()
                    before = minor_faults()
                    numpy_times.append(cpu_time(lambda: simkit.run_simulation(scenario, ledger=ledger,
                                                                             engine="numpy")))
                    faults += minor_faults() - before
            a, b = min(simpy_times), min(numpy_times)
            print(f"{name:<20} {str(ledger):<7} {a:>12.3f} {b:>12.4f} {a / b:>7.0f} {faults / len(numpy_times):>7.0f}"
                  f"   ({text})")


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


def case_scenario(name: str):
    changes = {case: changes for case, changes, _ in CASES}[name]
    return simkit.load_scenario(name).updated(changes) if changes else simkit.load_scenario(name)


def child(name: str, ledger: bool, runs: int):
    scenario = case_scenario(name)
    for _ in range(runs):
        fresh()
        simkit.run_simulation(scenario, ledger=ledger, engine="numpy")


def instructions():
    """Instructions per NumPy-engine run under callgrind: (six runs - one run) / 5, so imports cancel out."""
    if shutil.which("valgrind") is None:
        print("instruction counts: valgrind is not installed (apt-get install valgrind)")
        return
    print("\nNumPy engine, instructions per run (callgrind, six runs less one):")
    for name, _, _ in CASES:
        for ledger in (True, False):
            counts = []
            for runs in (1, 6):
                with tempfile.TemporaryDirectory() as folder:
                    done = subprocess.run(
                        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out", sys.executable,
                         __file__, "--child", name, str(int(ledger)), str(runs)],
                        capture_output=True, text=True, check=True)
                counts.append(int(re.search(r"Collected : (\d+)", done.stderr).group(1)))
            print(f"  {name:<20} ledger {str(ledger):<5} {(counts[1] - counts[0]) / 5 / 1e6:8.1f} M")


def bare_cohort(scenario, seed: int, ledger: bool, tables: bool = False) -> float:
    """A tenure-table cohort in bare NumPy: the mean discounted lifetime value (yuan).

    Each year: Poisson orders by inversion of one uniform per customer, log-normal spend per
    order laid out by group of families, cost of sales and service, discounting by year,
    retention by one uniform per customer; with ``ledger``, per-customer revenue, cost,
    purchases, exit and the first purchase's time (the smallest of a year's uniforms).
    ``tables``: also what else a result carries -- money and counts per period, flows,
    exposure and profit by stage, by group of families and by tenure year, and the ledger's
    service, stage-time and promotion columns: a prototype of a lean tenure-year step.
    """
    tenure, n = scenario.tenure, scenario.arrivals.cohort_size
    years = min(tenure.n_years, math.ceil(scenario.horizon_years))
    discount = [1.0 / scenario.discounting.discount_rate(y) for y in range(1, tenure.n_years + 1)]
    alive = np.arange(n)
    group, stage = alive % GROUPS, np.ones(n, dtype=np.int64)
    value = np.full(n, -scenario.arrivals.acquisition_cost)
    if ledger:
        revenue, cost, purchases = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64)
        first, exit_time = np.full(n, np.nan), np.full(n, np.nan)
        if tables:
            service_paid, years_new, years_loyal, loyal_from = np.zeros(n), np.zeros(n), np.zeros(n), np.full(n, np.nan)
    if tables:
        money, counts_per_year = np.zeros((years, 3)), np.zeros((years, 3), dtype=np.int64)
        flows, by_stage, by_group = np.zeros((years, 6), dtype=np.int64), np.zeros((years, 2, 4)), np.zeros((GROUPS, years))
        by_tenure = np.zeros((years, 2))
    for year in range(years):
        rng = np.random.Generator(np.random.PCG64([seed, year]))
        mean = tenure.orders_per_year[year]
        cumulative, p = [math.exp(-mean)], math.exp(-mean)
        for k in range(1, 60):
            p *= mean / k
            cumulative.append(cumulative[-1] + p)
        counts = np.searchsorted(np.array(cumulative), rng.random(n)[alive], side="right")
        groups = group[alive]
        totals = np.bincount(groups, weights=counts, minlength=GROUPS).astype(np.int64)
        picked = np.arange(totals.max()) < totals[:, None]      # the k-th order of a group: number k x GROUPS + group
        z = rng.standard_normal(totals.max() * GROUPS).reshape(-1, GROUPS).T[picked]
        average, sd = tenure.average_order_value[year], tenure.order_value_sd[year]
        sigma2 = math.log1p((sd / average) ** 2)
        owner = np.repeat(np.arange(len(alive)), counts)
        listed = np.bincount(owner, weights=average * np.exp(math.sqrt(sigma2) * z - sigma2 / 2),
                             minlength=len(alive))
        share, service = tenure.cost_of_sales_share[year], tenure.yearly_cost_per_customer(year + 1)
        profit = listed * (1 - share) - service
        value[alive] += profit * discount[year]
        retained = rng.random(n)[alive] < tenure.retention_rate[year]
        if tables:
            stages = stage[alive]
            money[year] += (listed.sum(), (listed * share).sum(), service * len(alive))  # revenue, cost, service
            counts_per_year[year] += (counts.sum(), np.count_nonzero(~retained), np.count_nonzero(retained & (stages == 1)))
            flows[year] += np.bincount(np.where(retained, np.where(stages == 1, 2, stages), 4), minlength=6)
            by_stage[year] += (np.bincount(stages, minlength=4), np.bincount(stages, weights=profit, minlength=4))
            by_group[:, year] += np.bincount(groups, weights=profit, minlength=GROUPS)
            by_tenure[year] += (len(alive), profit.sum())
        if ledger:
            revenue[alive] += listed
            cost[alive] += listed * share
            purchases[alive] += counts
            u = rng.random(totals.max() * GROUPS).reshape(-1, GROUPS).T[picked]
            buying = counts > 0
            earliest = np.minimum.reduceat(u, (np.cumsum(counts) - counts)[buying])
            who = alive[buying]
            new = np.isnan(first[who])
            first[who[new]] = year + earliest[new]
            exit_time[alive[~retained]] = year + 1
            if tables:
                service_paid[alive] += service
                (years_new if year == 0 else years_loyal)[alive] += 1.0
                loyal_from[alive[retained & (stages == 1)]] = year + 1
        if tables:
            stage[alive[retained & (stage[alive] == 1)]] = 2
        alive = alive[retained]
    return float(value.mean())


def floor(repeat: int):
    scenario = simkit.load_scenario("cohort_10000")
    print("\ncohort_10000: the engines against a bare NumPy loop of the same law (the floor of this design)")
    print("(ratios of SimPy's CPU time to each; 'with tables': the bare loop plus what else a result carries)")
    print(f"{'ledger':<7} {'SimPy s':>8} {'engine s':>9} {'bare s':>8} {'tables s':>9} "
          f"{'engine':>7} {'bare':>6} {'with tables':>12}")
    for ledger in (True, False):
        simpy_times, engine_times, bare_times, table_times = [], [], [], []
        for _ in range(repeat):
            simpy_times.append(cpu_time(lambda: simkit.run_simulation(scenario, ledger=ledger)))
            for _ in range(5):
                fresh()
                engine_times.append(cpu_time(lambda: simkit.run_simulation(scenario, ledger=ledger, engine="numpy")))
                bare_times.append(cpu_time(lambda: bare_cohort(scenario, 1, ledger)))
                table_times.append(cpu_time(lambda: bare_cohort(scenario, 1, ledger, tables=True)))
        a, b, c, d = min(simpy_times), min(engine_times), min(bare_times), min(table_times)
        print(f"{str(ledger):<7} {a:>8.3f} {b:>9.4f} {c:>8.4f} {d:>9.4f} {a / b:>7.0f} {a / c:>6.0f} {a / d:>12.0f}")
    # the same law: the bare loop's average lifetime value against the engine's, over seeds
    bare = [bare_cohort(scenario, seed, False) for seed in range(20)]
    engine = [simkit.run_simulation(scenario, seed=seed, ledger=False, engine="numpy").ltv.mean for seed in range(20)]
    print(f"average LTV over 20 seeds: bare loop {np.mean(bare):.2f} +/- {1.96 * np.std(bare) / math.sqrt(20):.2f}, "
          f"engine {np.mean(engine):.2f} +/- {1.96 * np.std(engine) / math.sqrt(20):.2f} (yuan)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of the SimPy engine (default 3)")
    parser.add_argument("--scale", action="store_true", help="also run 1,000,000 customers for 1 and 10 years")
    parser.add_argument("--floor", action="store_true", help="also time a bare NumPy loop of cohort_10000's law")
    parser.add_argument("--instructions", action="store_true",
                        help="also count the NumPy engine's instructions per run under valgrind (slow, noise-free)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, ledger, runs = args.child
        child(name, ledger == "1", int(runs))
        return
    compare(args.repeat)
    if args.instructions:
        instructions()
    if args.floor:
        floor(args.repeat)
    if args.scale:
        scale()


if __name__ == "__main__":
    main()

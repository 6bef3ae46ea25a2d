"""Benchmark: simkit's engine against a bare hand-written SimPy loop, and at scale.

Run:  python bench/bench_engine.py [--scale] [--repeat N]

1. The textbook's 3-year cohort (built-in ``cohort_10000``): each customer a
   SimPy process, a yearly retention draw, Poisson orders with gamma order
   values.  The bare loop is what one writes by hand in a lecture: a generator
   per customer, exponential gaps between orders, plain float tallies.  Both
   run in this process, alternating, and the ratio of median times is printed
   (the machines are shared and noisy: read ratios, not absolute times).
2. ``--scale``: customers arriving as a stream over 10 years (100,000 and
   1,000,000 in total), ledger and event log off; prints time and peak memory
   (tracemalloc) for each, to show that memory follows the customers alive
   at once, not all who ever lived.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

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


def time_it(fn, repeat: int) -> tuple[float, object]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def compare(n_customers: int, repeat: int):
    scenario = simkit.load_scenario("cohort_10000")
    tenure = scenario.tenure
    bare_times, simkit_times = [], []
    for i in range(repeat):  # alternate so both see the same machine load
        t_bare, bare_ltv = time_it(lambda: bare_loop(n_customers, i, tenure), 1)
        t_simkit, result = time_it(lambda: simkit.run_simulation(scenario, n_customers=n_customers,
                                                                 seed=i, ledger=False), 1)
        bare_times.append(t_bare)
        simkit_times.append(t_simkit)
    bare, ours = statistics.median(bare_times), statistics.median(simkit_times)
    events = int(result.periods["n_purchases"].sum()) + result.ltv.count * 3
    print(f"cohort of {n_customers:,} customers x 3 years (median of {repeat}):")
    print(f"  bare SimPy loop : {bare:7.3f} s   mean LTV {bare_ltv:7.2f}")
    print(f"  simkit engine   : {ours:7.3f} s   mean LTV {result.ltv.mean:7.2f}  (~{events / ours:,.0f} events/s)")
    print(f"  ratio simkit / bare = {ours / bare:.2f}")
    return ours / bare


def scale(total: int):
    scenario = simkit.load_scenario("lifecycle_basic").updated({
        "horizon": 10, "arrivals.cohort_size": 0, "arrivals.prospects_per_year": total / 10})
    tracemalloc.start()
    start = time.perf_counter()
    result = simkit.run_simulation(scenario, ledger=False, event_log=False)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    alive = int(result.active_customers.max())
    print(f"  {result.ltv.count:>9,} entered over 10 years: {elapsed:7.1f} s, peak memory "
          f"{peak / 2**20:6.1f} MiB, at most {alive:,} alive at a period end")
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", action="store_true", help="also run 100,000 and 1,000,000 arrivals")
    args = parser.parse_args()
    compare(args.customers, args.repeat)
    if args.scale:
        print("stream of prospects, ledger and event log off (tracemalloc slows both runs alike):")
        small = scale(100_000)
        large = scale(1_000_000)
        print(f"  peak memory ratio 1,000,000 / 100,000 = {large / small:.2f}")


if __name__ == "__main__":
    main()

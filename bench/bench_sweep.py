"""Benchmark: a sweep's throughput on one core, on two local processes and on a Dask LocalCluster of two workers.

Run:  python bench/bench_sweep.py [--replications N]

The same sweep (``lifecycle_textbook`` at 2,000 customers x 5 years, the base and
three levers, N replications each) three ways; prints wall time, customer-years
simulated per second (people who entered x the horizon in years) and checks that
the three give identical results.  Needs ``pip install "simkit[scale]"`` for the
cluster.
"""

from __future__ import annotations

import argparse
import time

import simkit

LEVERS = {"loyal stay 10 % longer": {"stages.loyal.mean_duration_years": 3.3},
          "10 % more prospects": {"arrivals.prospects_per_year": 880.0},
          "loyal spend 10 % more": {"stages.loyal.average_order_value": 121.0}}


def main(replications: int):
    from dask.distributed import Client, LocalCluster

    scenario = simkit.load_scenario("lifecycle_textbook").updated(
        {"arrivals.cohort_size": 2_000, "arrivals.prospects_per_year": 800.0})
    simkit.sweep(scenario, variants=LEVERS, replications=2)  # warm up imports
    rows, results = [], []
    for label, kwargs in (("1 process", {}), ("2 local processes", {"workers": 2})):
        start = time.perf_counter()
        result = simkit.sweep(scenario, variants=LEVERS, replications=replications, **kwargs)
        rows.append((label, time.perf_counter() - start, result.customer_years))
        results.append(result)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: __import__("simkit"))  # the workers import simkit before the clock starts
        start = time.perf_counter()
        result = simkit.sweep(scenario, variants=LEVERS, replications=replications, client=client)
        rows.append(("Dask LocalCluster, 2 workers", time.perf_counter() - start, result.customer_years))
        results.append(result)
    runs = result.runs["variant"].nunique() * replications
    print(f"{runs} runs (4 variants x {replications} replications), lifecycle_textbook 2,000 + 800/year x 5 years")
    for label, seconds, years in rows:
        print(f"  {label:<30} {seconds:6.2f} s   {years / seconds:12,.0f} customer-years per second")
    same = all(r.runs.equals(results[0].runs) for r in results[1:])
    print(f"  identical results: {same}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=25)
    main(parser.parse_args().replications)

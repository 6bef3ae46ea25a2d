"""Benchmark: how soon Ctrl-C gives the prompt back, on the command line and inside a kernel's process.

Run:  python bench/bench_interrupt.py

1. ``python -m simkit run`` on a run of millions of customers (budget raised), SIGINT after 4 s:
   the time until the process has ended.
2. In this process (as in a Jupyter kernel), the largest run the default budget allows on each
   engine, interrupted after 3 s: the time until ``run_simulation`` has given the interrupt back
   (its customers unwound and freed).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import simkit
from simkit.model.budget import DEFAULT_BUDGET, estimate_run


def command_line():
    command = [sys.executable, "-m", "simkit", "run", "lifecycle_textbook", "--customers", "2000000",
               "--max-people", "100000000", "--max-events", "10000000000"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    start = time.perf_counter()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=300)
    print(f"command line, 2,000,000 customers: exit {process.returncode} "
          f"{time.perf_counter() - start:.2f} s after Ctrl-C ({err.strip()!r})")


def in_process():
    scenario = simkit.load_scenario("lifecycle_textbook")
    fired = {}

    def fire(*_):
        fired["at"] = time.perf_counter()
        raise KeyboardInterrupt

    for engine in simkit.engines.run.ENGINES:
        n = 1000
        while estimate_run(scenario.updated({"arrivals.cohort_size": n * 2})).events < DEFAULT_BUDGET[engine][1] \
                and estimate_run(scenario.updated({"arrivals.cohort_size": n * 2})).people < DEFAULT_BUDGET[engine][0]:
            n *= 2
        signal.signal(signal.SIGALRM, fire)
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        try:
            simkit.run_simulation(scenario, engine=engine, n_customers=n, ledger=False)
            signal.setitimer(signal.ITIMER_REAL, 0)
            print(f"in a kernel, {engine}, {n:,} customers: the run ended before the interrupt")
        except KeyboardInterrupt:
            print(f"in a kernel, {engine}, {n:,} customers (the budget's largest): back "
                  f"{time.perf_counter() - fired['at']:.2f} s after the interrupt")


if __name__ == "__main__":
    command_line()
    in_process()

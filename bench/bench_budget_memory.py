"""Benchmark: the peak memory of the largest runs the run budget lets through.

Run:  python bench/bench_budget_memory.py            (NumPy engine, every case, each in a fresh interpreter)
      python bench/bench_budget_memory.py --engine simpy
      python bench/bench_budget_memory.py --case buyers --events 20000000 --event-log   (one case, other limits)

The run budget (simkit.model.budget.DEFAULT_BUDGET) holds while a run goes: a run stops when a count passes its
limit (simkit.engines.limits).  What a kernel must survive is therefore the largest run *just under* the limits,
each case built to reach them:

* ``buyers``: one batch of heavy buyers whose purchases come in one step, just under the events limit: all of
  them laid out at once (the worst for events);
* ``chain``: a referral chain, its estimate fooled (as tests/test_run_limits.py does), stopped while running at the
  people limit;
* ``both``: a cohort just under the people limit whose purchases come just under the events limit;
* ``late``: the same, but the purchases are all made by a few referred prospects, a small generation whose spells
  are booked together at the end of the run, while the ledger of everyone else is held: the largest layout of
  purchases on top of the largest ledger.

Each case runs in a fresh interpreter; the figure is the process's maximum resident set size from
``/usr/bin/time -v``, with the ledger kept (run_simulation's default) and with the event log as well.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys

#: the child: run one case at the given limits and say what it made
CHILD = r"""
import json, sys, time
import simkit
from simkit.engines import run as running
from simkit.model.budget import DEFAULT_BUDGET, estimate_run

case, events, people, event_log = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
data, fooled, engine = json.loads(sys.argv[5]), sys.argv[6] == "1", sys.argv[7]
scenario = simkit.Scenario.from_dict(data)
made = {}
enforced = running.enforced
if fooled:   # an estimate fooled (as tests/test_run_limits.py does it): only the limits while running hold
    import simkit.model.budget as budget
    budget.estimate_run = lambda scenario, n_customers=None: budget.RunEstimate(100.0, 100.0, 0.0, None, "fooled")

def watching(limits):      # keep the run's counter, to read what it made
    made["limits"] = limits
    return enforced(limits)

running.enforced = watching
started = time.perf_counter()
try:
    simkit.run_simulation(scenario, engine=engine, event_log=event_log, max_people=people, max_events=events)
    outcome = "ran"
except simkit.ScenarioError as error:
    outcome = "stopped" if "while running" in str(error) else "refused"
limits = made.get("limits")
estimate = estimate_run(scenario)
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - started,
                  "people": limits.n_people if limits else 0, "events": limits.n_events if limits else 0,
                  "estimated_people": estimate.people, "estimated_events": estimate.events}))
"""


def scenarios(people: int, events: int) -> dict:
    """The cases, sized for the given limits: each just under them (95 %)."""
    # buyers: 2,000 new customers (fewer under a low limit) buying 9,000 times a year for a whole number of months:
    # 95 % of the events limit
    buyers = min(2000, int(0.95 * events / 9000))
    months = max(1, int(0.95 * events / (buyers * 9000 / 12)))
    # both: customers for one year, each buying so that the cohort makes 95 % of the events limit
    cohort = int(0.95 * people)
    late = 0.9 * events - cohort                    # the purchases of the late case
    referred = max(2000, math.ceil(late / (9000 * 1.5)))   # (at most 10,000 purchases a year each)
    return {
        "buyers": {"name": "buyers", "time_unit": "month", "horizon": months,
                   "arrivals": {"cohort_size": buyers, "cohort_stage": "new"},
                   "stages": {"new": {"orders_per_year": 9000, "average_order_value": 10, "order_value_sd": 5}}},
        "chain": {"name": "chain", "horizon": 100, "arrivals": {"cohort_size": 100},
                  "stages": {"prospect": {"mean_duration_years": 0.25,
                                          "next_stage": {"new": 0.5, "unconverted": 0.5}},
                             "new": {"mean_duration_years": 0.01, "next_stage": {"lost": 1.0},
                                     "referrals_per_year": 300}}},
        # late: a cohort new for exactly a year who never buy, and refer 2,000 prospects over the year (more under
        # high limits); each buys until the horizon of 2 years, on average 1.5 years (born uniformly in the first
        # year): with the cohort's moves into lost, 90 % of the events limit (the number referred varies by about
        # 2 % from run to run)
        "late": {"name": "late", "horizon": 2,
                 "arrivals": {"cohort_size": cohort, "cohort_stage": "new"},
                 "stages": {"prospect": {"orders_per_year": round(late / (referred * 1.5), 3),
                                         "average_order_value": 10, "order_value_sd": 5},
                            "new": {"mean_duration_years": 1.0, "duration_distribution": "fixed",
                                    "next_stage": {"lost": 1.0}, "referrals_per_year": referred / cohort}}},
        "both": {"name": "both", "horizon": 1,
                 "arrivals": {"cohort_size": cohort, "cohort_stage": "new"},
                 "stages": {"new": {"orders_per_year": round(0.95 * events / cohort, 3), "average_order_value": 10,
                                    "order_value_sd": 5}}},
    }


def measure(case: str, people: int, events: int, event_log: bool, engine: str) -> dict:
    data = scenarios(people, events)[case]
    # the chain's estimate is far over budget (it is refused before it starts): it runs with the estimate fooled,
    # so that only the limits held while running stop it
    command = ["/usr/bin/time", "-v", sys.executable, "-c", CHILD, case, str(events), str(people),
               "1" if event_log else "0", json.dumps(data), "1" if case == "chain" else "0", engine]
    done = subprocess.run(command, capture_output=True, text=True)
    if not done.stdout.strip():
        raise SystemExit(f"{case}: the run failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rss = [line for line in done.stderr.splitlines() if "Maximum resident set size" in line]
    result["peak_mib"] = int(rss[0].split(":")[1]) / 1024
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=("buyers", "chain", "both", "late"), action="append")
    parser.add_argument("--people", type=int)
    parser.add_argument("--events", type=int)
    parser.add_argument("--event-log", action="store_true", help="only with the event log")
    parser.add_argument("--engine", choices=("numpy", "simpy"), default="numpy")
    args = parser.parse_args()
    from simkit.model.budget import DEFAULT_BUDGET
    people, events = DEFAULT_BUDGET[args.engine]
    people, events = args.people or people, args.events or events
    print(f"limits: {people:,} people, {events:,} events ({args.engine} engine)")
    print("| case | event log | outcome | people | events | time | peak memory |")
    print("|---|---|---|---|---|---|---|")
    for case in args.case or ("buyers", "chain", "both", "late"):
        for log in ((True,) if args.event_log else (False, True)):
            r = measure(case, people, events, log, args.engine)
            print(f"| {case} | {'kept' if log else 'off'} | {r['outcome']} | {r['people']:,} | {r['events']:,} | "
                  f"{r['seconds']:.1f} s | {r['peak_mib']:,.0f} MiB |", flush=True)


if __name__ == "__main__":
    main()

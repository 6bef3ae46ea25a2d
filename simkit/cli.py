"""Command line: ``python -m simkit`` (or ``simkit``).

    python -m simkit list                       the built-in scenarios
    python -m simkit show cohort_10000          a scenario as TOML (copy it, edit it)
    python -m simkit validate my.toml           check scenario files
    python -m simkit run lifecycle_basic        simulate and print a per-period table
    python -m simkit run my.toml --seed 7 --csv out/

Bad arguments or files give a clear message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .errors import ScenarioError
from .presets import list_scenarios, load_scenario
from .simulation import run_simulation

EXIT_BAD_INPUT = 2


def _cmd_list(args) -> int:
    for name in list_scenarios():
        scenario = load_scenario(name)
        print(f"{name:<18} {scenario.description}")
    return 0


def _cmd_show(args) -> int:
    print(load_scenario(args.scenario).to_toml(), end="")
    return 0


def _cmd_validate(args) -> int:
    status = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            print(f"{path}: {error}", file=sys.stderr)
            status = EXIT_BAD_INPUT
        else:
            print(f"{path}: ok ({scenario.name}, {scenario.horizon} {scenario.time_unit}s)")
    return status


def _cmd_run(args) -> int:
    scenario = load_scenario(args.scenario)
    changes = {}
    if args.horizon is not None:
        changes["horizon"] = args.horizon
    if args.customers is not None:
        changes["arrivals.cohort_size"] = args.customers
    if args.seed is not None:
        changes["seed"] = args.seed
    if changes:
        scenario = scenario.updated(changes)
    result = run_simulation(scenario, ledger=args.csv is not None, event_log=args.events)
    print(result.summary())
    if args.csv is not None:
        for path in result.to_csv(args.csv):
            print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simkit",
        description="Simulate and teach customer-relationship economics (客户关系管理).")
    parser.add_argument("--version", action="version", version=f"simkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("list", help="list the built-in scenarios")
    p.set_defaults(handler=_cmd_list)

    p = commands.add_parser("show", help="print a scenario as TOML")
    p.add_argument("scenario", help="built-in name or .toml/.json file")
    p.set_defaults(handler=_cmd_show)

    p = commands.add_parser("validate", help="check scenario files; exit status 2 if any is invalid")
    p.add_argument("files", nargs="+", help=".toml or .json scenario files (or built-in names)")
    p.set_defaults(handler=_cmd_validate)

    p = commands.add_parser("run", help="simulate a scenario and print a per-period summary")
    p.add_argument("scenario", help="built-in name or .toml/.json file")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--customers", type=int, help="size of the cohort at time 0")
    p.add_argument("--horizon", type=int, help="number of periods (years or months)")
    p.add_argument("--csv", metavar="DIR", help="write periods.csv and ledger.csv into DIR")
    p.add_argument("--events", action="store_true", help="also keep the event log (events.csv with --csv)")
    p.set_defaults(handler=_cmd_run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Command line: ``python -m simkit`` (or ``simkit``).

    python -m simkit list                       the built-in scenarios
    python -m simkit show cohort_10000          a scenario as TOML (copy it, edit it)
    python -m simkit validate my.toml           check scenario files
    python -m simkit run lifecycle_basic        simulate and print a per-period table
    python -m simkit run my.toml --seed 7 --csv out/
    python -m simkit ltv                        the textbook's 10,000-customer LTV table (§4)
    python -m simkit ltv my.toml --csv ltv.csv  the table of your own cohort
    python -m simkit ltv --discount-timing end --acquisition-at-start   another textbook's convention
    python -m simkit sweep lifecycle_basic --set stages.loyal.mean_duration_years=2,3,4 --replications 50 --out r.csv
    python -m simkit churn                      Firm A / Firm B: churn and group lifetime (§2)
    python -m simkit pyramid                    the customer pyramid and its move-up (§5)
    python -m simkit exercises build --force    exercises/ from solutions/ (solution blocks stripped)
    python -m simkit exercises pack DIR         what students get: exercises/ and notebooks/, no solutions
    python -m simkit exercises export --nbgrader DIR   an nbgrader course: answers only in its key
    python -m simkit clv-data clv_pareto_nbd --calibration-weeks 39 --holdout-weeks 39 --out data/

Bad arguments or files give a clear message and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__
from .exact.churn import TEXTBOOK_FIRMS, Firm, churn_table
from .exact.cohort import cohort_table
from .core.errors import ScenarioError
from .core.language import _, message_language
from .core.files import check_targets, write_all
from .model.presets import list_scenarios, load_scenario
from .engines.run import run_simulation

EXIT_BAD_INPUT = 2


def _cmd_list(args) -> int:
    from .experiments.clv import list_clv_scenarios, load_clv_scenario

    for name in list_scenarios():
        scenario = load_scenario(name)
        print(f"{name:<18} {scenario.description}")
    for name in list_clv_scenarios():
        print(f"{name:<18} {load_clv_scenario(name).description} (python -m simkit clv-data {name})")
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
            print(_("{where}: {problem}").format(where=path, problem=error), file=sys.stderr)
            status = EXIT_BAD_INPUT
        else:
            ok = (_("{path}: ok ({name}, {horizon} months)") if scenario.time_unit == "month"
                  else _("{path}: ok ({name}, {horizon} years)"))
            print(ok.format(path=path, name=scenario.name, horizon=scenario.horizon))
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
    if args.csv is not None:  # before simulating: can the set be written, would it replace files?
        folder = Path(args.csv)
        files = [folder / "periods.csv", folder / "ledger.csv"] + ([folder / "events.csv"] if args.events else [])
        check_targets(files, args.force, also_replaced=[] if args.events else [folder / "events.csv"])
    result = run_simulation(scenario, ledger=args.csv is not None, event_log=args.events,
                            max_people=args.max_people, max_events=args.max_events, engine=args.engine)
    print(result.summary())
    if args.csv is not None:
        written, removed = result.write_csv(args.csv, force=True)
        for path in written:
            print(_("wrote {path}").format(path=path))
        for path in removed:
            print(_("removed {path} (of an earlier run; this run kept no event log)").format(path=path))
    return 0


def _cmd_ltv(args) -> int:
    scenario = load_scenario(args.scenario)
    changes = {}
    if args.discount_timing:
        changes["discounting.timing"] = args.discount_timing
    if args.acquisition_at_start:
        changes["discounting.acquisition_at_start"] = True
    if args.discount_factors:
        try:
            changes["discounting.discount_factors"] = [float(x) for x in args.discount_factors.split(",")]
        except ValueError:
            print(_("error: --discount-factors: got {value}, expected numbers separated by commas, e.g. 1,1.16,1.35")
                  .format(value=repr(args.discount_factors)), file=sys.stderr)
            return EXIT_BAD_INPUT
    if changes:
        scenario = scenario.updated(changes)
    if args.csv:
        check_targets([args.csv], args.force)
    table = cohort_table(scenario, years=args.years)
    print(table.to_text(show_all=args.all))
    if table.break_even_year is not None:
        print(_("the cohort breaks even in year {year}").format(year=table.break_even_year))
    else:
        print(_("the cohort does not break even within the table"))
    if args.csv:
        write_all({Path(args.csv): table.to_csv})
        print(_("wrote {path}").format(path=args.csv))
    return 0


def _parse_set(text: str):
    """``path=v1,v2,...`` -> (path, [values]); numbers where they read as numbers."""
    if "=" not in text:
        raise ValueError(_("--set: got {value}, expected PATH=VALUE[,VALUE...], e.g. stages.loyal.orders_per_year=6,8")
                         .format(value=repr(text)))
    path, _equals, values = text.partition("=")
    out = []
    for item in values.split(","):
        item = item.strip()
        try:
            number = float(item)
            out.append(int(number) if number.is_integer() and "." not in item else number)
        except ValueError:
            out.append({"true": True, "false": False}.get(item.lower(), item))
    if not path.strip() or not values.strip():
        raise ValueError(_("--set: got {value}, expected PATH=VALUE[,VALUE...]").format(value=repr(text)))
    return path.strip(), out


def _cmd_sweep(args) -> int:
    from .core.formatting import format_table
    from .experiments.sweep import sweep

    scenario = load_scenario(args.scenario)
    try:
        grid = dict(_parse_set(text) for text in args.set)
    except ValueError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.out:
        check_targets([args.out], args.force)
    result = sweep(scenario, grid, replications=args.replications, seed=args.seed, n_customers=args.customers,
                   workers=args.workers, progress=sys.stderr.isatty(), max_minutes=args.max_minutes)
    table = result.summary(args.metric)
    between = _("{low} to {high}")
    rows = [[row.variant, row.mean, between.format(low=f"{row.low:,.0f}", high=f"{row.high:,.0f}"), row.difference,
             between.format(low=f"{row.difference_low:,.0f}", high=f"{row.difference_high:,.0f}"),
             _("yes") if row.distinguishable else ("" if row.variant == "base" else _("no"))]
            for row in table.itertuples()]
    print(format_table([_("variant"), _("mean {metric}").format(metric=args.metric), _("95 % interval"),
                        _("difference from base"), _("95 % interval"), _("beyond chance")], rows,
                       _("{name}: {n} replications per variant, the same seeds for all (paired differences)")
                       .format(name=scenario.name, n=args.replications), right_from=1))
    if args.out:
        write_all({Path(args.out): result.to_csv})
        print(_("wrote {path} (one row per variant, replication and metric)").format(path=args.out))
    return 0


def _cmd_churn(args) -> int:
    firms = TEXTBOOK_FIRMS
    if args.firm:
        firms = []
        for name, customers, lost in args.firm:
            try:
                firms.append(Firm(name, int(customers), float(lost)))
            except ValueError as error:
                print(_("error: --firm: {error}").format(error=error), file=sys.stderr)
                return EXIT_BAD_INPUT
    try:
        table = churn_table(firms, acquisition_cost=args.acquisition_cost)
    except ValueError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(table.to_text())
    return 0


def _cmd_pyramid(args) -> int:
    from .exact.pyramid import TEXTBOOK_MOVE_UP, TEXTBOOK_TIERS, compare_text, move_up, move_up_share, pyramid_table

    try:
        moves = TEXTBOOK_MOVE_UP if args.share is None else move_up_share(TEXTBOOK_TIERS, args.share)
        after = pyramid_table(move_up(TEXTBOOK_TIERS, moves))
    except ValueError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return EXIT_BAD_INPUT
    names = {t.name: t.local_name for t in TEXTBOOK_TIERS}   # the tiers as the table names them (大客户 in Chinese)
    described = ("，" if message_language() == "zh" else ", ").join(
        _("{count} {source}->{target}").format(count=n, source=names.get(a, a), target=names.get(b, b))
        for (a, b), n in moves.items())
    print(compare_text(pyramid_table(TEXTBOOK_TIERS), after))
    print(_("moves: {moves}").format(moves=described))
    return 0


def _cmd_clv_data(args) -> int:
    from .experiments.clv import check_split, clv_data, is_clv_scenario, load_clv_scenario

    given = [(args.calibration_weeks, args.holdout_weeks), (args.calibration_years, args.holdout_years)]
    if sum(c is not None or h is not None for c, h in given) != 1 or any((c is None) != (h is None) for c, h in given):
        print(_("error: calibration and holdout: give --calibration-weeks and --holdout-weeks, "
                "or --calibration-years and --holdout-years (a year is 52 weeks)"), file=sys.stderr)
        return EXIT_BAD_INPUT
    calibration, holdout = given[0] if args.calibration_weeks is not None else (
        args.calibration_years * 52, args.holdout_years * 52)
    if is_clv_scenario(args.scenario):
        scenario = load_clv_scenario(args.scenario)
        if args.customers is not None:
            scenario = scenario.updated({"customers": args.customers})
    else:
        scenario = load_scenario(args.scenario)
        if args.customers is not None:
            scenario = scenario.updated({"arrivals.cohort_size": args.customers})
    check_split(scenario, calibration, holdout)
    folder = Path(args.out)
    files = [folder / "transactions.csv", folder / "truth.csv", folder / "split.json"]
    check_targets(files, args.force)          # before simulating
    data = clv_data(scenario, calibration, holdout, seed=args.seed)
    for path in data.write(folder, force=True):
        print(_("wrote {path}").format(path=path))
    print(_("{customers} customers, {transactions} transactions; calibration to {calibration_end}, holdout "
            "{holdout_start} to {observation_end}").format(customers=f"{len(data.truth):,}",
                                                          transactions=f"{len(data.transactions):,}",
                                                          calibration_end=data.split["calibration_end"],
                                                          holdout_start=data.split["holdout_start"],
                                                          observation_end=data.split["observation_end"]))
    return 0


#: the editions of the course: English (the source) and Chinese (zh/, generated by tools/editions.py)
EDITIONS = ("en", "zh")


def _edition(language: str, folder: str) -> str:
    """The folder of an edition: ``solutions`` or ``zh/solutions``."""
    return f"zh/{folder}" if language == "zh" else folder


def _cmd_exercises(args) -> int:
    try:
        return _exercises(args)
    except ValueError as error:   # a target inside the solutions, a broken or failing solution notebook
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return EXIT_BAD_INPUT


def _exercises(args) -> int:
    from .teaching.checks import key_entry
    from .teaching.exercises import build_exercises

    if args.action == "build":
        for path in build_exercises(args.solutions, args.exercises, force=args.force):
            print(_("wrote {path}").format(path=path))
        return 0
    if args.action == "pack":
        from .teaching.exercises import pack_for_students

        written = pack_for_students(args.folder, args.solutions or _edition(args.language, "solutions"),
                                    args.notebooks or _edition(args.language, "notebooks"), force=args.force)
        print(_("wrote {n} notebooks for students into {folder} (exercises/, notebooks/; no solutions)")
              .format(n=len(written), folder=args.folder))
        return 0
    if args.action == "export":
        from .teaching.grading import export_nbgrader

        written = export_nbgrader(args.nbgrader, args.solutions or _edition(args.language, "solutions"),
                                  force=args.force, timeout=args.timeout, course_key=args.course_key)
        print(_("wrote an nbgrader course of {n} assignments into {folder}; next: cd there and run "
                "nbgrader generate_assignment NAME (INSTRUCTORS.md)").format(n=len(written) - 2, folder=args.nbgrader))
        return 0
    value = args.value
    if not args.choice:
        try:
            value = float(value)
        except ValueError:
            raise ScenarioError(_("value: got {value}, expected a number (or use --choice for a letter)")
                                .format(value=repr(args.value))) from None
    entry = key_entry(args.question, value, decimals=args.decimals, hint=args.hint,
                      kind="choice" if args.choice else "number")
    print(f'["{args.question}"]')
    for name, item in entry.items():
        print(f"{name} = {json.dumps(item, ensure_ascii=False) if isinstance(item, str) else item}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simkit",
        description=_("Simulate and teach customer-relationship economics (客户关系管理)."))
    parser.add_argument("--version", action="version", version=f"simkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("list", help=_("list the built-in scenarios"))
    p.set_defaults(handler=_cmd_list)

    p = commands.add_parser("show", help=_("print a scenario as TOML"))
    p.add_argument("scenario", help=_("built-in name or .toml/.json file"))
    p.set_defaults(handler=_cmd_show)

    p = commands.add_parser("validate", help=_("check scenario files; exit status 2 if any is invalid"))
    p.add_argument("files", nargs="+", help=_(".toml or .json scenario files (or built-in names)"))
    p.set_defaults(handler=_cmd_validate)

    p = commands.add_parser("run", help=_("simulate a scenario and print a per-period summary"))
    p.add_argument("scenario", help=_("built-in name or .toml/.json file"))
    p.add_argument("--seed", type=int, help=_("random seed (default: the scenario's)"))
    p.add_argument("--customers", type=int, help=_("size of the cohort at time 0"))
    p.add_argument("--horizon", type=int, help=_("number of periods (years or months)"))
    p.add_argument("--csv", metavar="DIR", help=_("write periods.csv and ledger.csv into DIR"))
    p.add_argument("--events", action="store_true", help=_("also keep the event log (events.csv with --csv)"))
    p.add_argument("--force", action="store_true", help=_("replace files already there (otherwise refused)"))
    p.add_argument("--engine", choices=("simpy", "numpy"), default="simpy",
                   help=_("simpy: every customer a process (default); numpy: whole populations at once, faster"))
    p.add_argument("--max-people", type=int, metavar="N",
                   help=_("run budget: refuse a run estimated to create more people (default: seconds of work)"))
    p.add_argument("--max-events", type=int, metavar="N",
                   help=_("run budget: refuse a run estimated to live more events (purchases, moves, referrals)"))
    p.set_defaults(handler=_cmd_run)

    p = commands.add_parser("ltv", help=_("print the exact lifetime-value table (Hughes format, textbook §4)"))
    p.add_argument("scenario", nargs="?", default="cohort_10000",
                   help=_("built-in name or .toml/.json file with a [tenure] table (default: cohort_10000)"))
    p.add_argument("--years", type=int, help=_("number of years (default: the scenario's horizon)"))
    p.add_argument("--csv", metavar="FILE", help=_("also write the table as CSV"))
    p.add_argument("--all", action="store_true", help=_("show rows that are zero every year too"))
    p.add_argument("--force", action="store_true", help=_("replace files already there (otherwise refused)"))
    p.add_argument("--discount-timing", choices=("start", "end"),
                   help=_("year n divided by (1 + i x risk)^(n-1) (start, Hughes) or ^n (end)"))
    p.add_argument("--acquisition-at-start", action="store_true",
                   help=_("the acquisition cost in a year-0 column, never discounted"))
    p.add_argument("--discount-factors", metavar="F1,F2,...",
                   help=_("discount factors as a book prints them, one per year, e.g. 1,1.16,1.35"))
    p.set_defaults(handler=_cmd_ltv)

    p = commands.add_parser("sweep", help=_("run a grid of variants x replications with paired intervals"))
    p.add_argument("scenario", help=_("built-in name or .toml/.json file"))
    p.add_argument("--set", action="append", required=True, metavar="PATH=V1,V2,...",
                   help=_("a field by dotted path and its values; several --set make a full grid"))
    p.add_argument("--replications", type=int, default=20, help=_("runs per variant (default 20)"))
    p.add_argument("--seed", type=int, help=_("random seed (default: the scenario's)"))
    p.add_argument("--customers", type=int, help=_("size of the cohort at time 0 in every run"))
    p.add_argument("--workers", type=int, default=1, help=_("local processes to run on (default 1)"))
    p.add_argument("--max-minutes", type=float, metavar="N",
                   help=_("the sweep budget: refuse a sweep estimated to take longer (default 30 minutes)"))
    p.add_argument("--metric", default="profit", choices=("profit", "npv", "revenue", "acquired", "ltv"),
                   help=_("what the printed summary shows (the CSV has every metric)"))
    p.add_argument("--out", metavar="FILE",
                   help=_("write every run as CSV (variant, replication, seed, metric, value)"))
    p.add_argument("--force", action="store_true", help=_("replace files already there (otherwise refused)"))
    p.set_defaults(handler=_cmd_sweep)

    p = commands.add_parser("churn", help=_("print the churn and group-lifetime table (Firm A/B, textbook §2)"))
    p.add_argument("--acquisition-cost", type=float, default=60.0,
                   help=_("yuan per new customer (default 60, the §4 example's figure)"))
    p.add_argument("--firm", nargs=3, action="append", metavar=("NAME", "CUSTOMERS", "LOST_PER_YEAR"),
                   help=_("a firm of your own (repeat for several); default: the textbook's Firm A and B"))
    p.set_defaults(handler=_cmd_churn)

    p = commands.add_parser("pyramid", help=_("the customer pyramid before and after a move-up (textbook §5)"))
    p.add_argument("--share", type=float, help=_("move this share of each tier up one tier (default: the "
                                                 "textbook's move of 36 small, 18 medium and 8 large customers)"))
    p.set_defaults(handler=_cmd_pyramid)

    p = commands.add_parser("clv-data", help=_("write a CLV data set with the truth: transactions.csv, truth.csv, "
                                               "split.json (calibration and holdout)"))
    p.add_argument("scenario", help=_("clv_pareto_nbd, clv_bg_nbd (buy-till-you-die worlds), a lifecycle scenario, "
                                      "or a .toml file of either"))
    p.add_argument("--calibration-weeks", type=float, metavar="C", help=_("weeks of calibration data (CDNOW: 39)"))
    p.add_argument("--holdout-weeks", type=float, metavar="H", help=_("weeks of holdout data after it (CDNOW: 39)"))
    p.add_argument("--calibration-years", type=float, metavar="C", help=_("the same in years of 52 weeks"))
    p.add_argument("--holdout-years", type=float, metavar="H", help=_("the same in years of 52 weeks"))
    p.add_argument("--out", required=True, metavar="DIR", help=_("the folder to write"))
    p.add_argument("--customers", type=int, help=_("customers (a lifecycle scenario: customers at the start)"))
    p.add_argument("--seed", type=int, help=_("random seed (default: the scenario's)"))
    p.add_argument("--force", action="store_true", help=_("replace files already there (otherwise refused)"))
    p.set_defaults(handler=_cmd_clv_data)

    p = commands.add_parser("exercises", help=_("build exercises from solutions, or make an answer-key entry"))
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    b = actions.add_parser("build", help=_("write exercises/*.ipynb from solutions/*.ipynb (solution blocks stripped)"))
    b.add_argument("--solutions", default="solutions", help=_("folder of solution notebooks (default: solutions)"))
    b.add_argument("--exercises", default="exercises", help=_("folder to write (default: exercises)"))
    b.add_argument("--force", action="store_true",
                   help=_("replace the notebooks already there (a student's answers in them are lost)"))
    pk = actions.add_parser("pack",
                            help=_("write what students get into FOLDER: exercises and notebooks, no solutions"))
    pk.add_argument("folder", help=_("the folder to write (outside the repository's solutions/)"))
    pk.add_argument("--language", choices=EDITIONS, default="en",
                    help=_("the edition: en (notebooks/, solutions/) or zh, the Chinese edition (zh/notebooks/, "
                           "zh/solutions/)"))
    pk.add_argument("--solutions", help=_("folder of solution notebooks (default: the edition's solutions)"))
    pk.add_argument("--notebooks", help=_("folder of teaching notebooks (default: the edition's notebooks)"))
    pk.add_argument("--force", action="store_true",
                    help=_("replace the notebooks already there (a student's answers in them are lost)"))
    ex = actions.add_parser("export", help=_("write an nbgrader course (needs simkit[grading]): one assignment per "
                                             "exercise set, answers only in the course folder's key"))
    ex.add_argument("--nbgrader", required=True, metavar="DIR", help=_("the course folder to write"))
    ex.add_argument("--language", choices=EDITIONS, default="en",
                    help=_("the edition: en (solutions/) or zh, the Chinese edition (zh/solutions/)"))
    ex.add_argument("--solutions", help=_("folder of solution notebooks (default: the edition's solutions)"))
    ex.add_argument("--force", action="store_true", help=_("replace the course files already there"))
    ex.add_argument("--timeout", type=int, default=120, metavar="SECONDS",
                    help=_("seconds a solution cell may run while its answers are read (default 120)"))
    ex.add_argument("--course-key", metavar="TEXT",
                    help=_("draws the students' own numbers for this course, e.g. 2026-autumn (default: the course "
                           "folder's key, or a random one)"))
    k = actions.add_parser("key", help=_("print the answer-key entry of a question (paste it into exercise_key.toml)"))
    k.add_argument("question", help=_("question id, e.g. churn.lifetime"))
    k.add_argument("value", help=_("the right answer: a number, or a letter with --choice"))
    k.add_argument("--decimals", type=int, default=2, help=_("answers are compared after rounding to this many"))
    k.add_argument("--hint", default="", help=_("shown when an answer is wrong (never the answer)"))
    k.add_argument("--choice", action="store_true", help=_("the answer is a letter (multiple choice)"))
    p.set_defaults(handler=_cmd_exercises)
    _translate_help(parser)
    return parser


def _translate_help(parser: argparse.ArgumentParser) -> None:
    """argparse's own -h line, in the language of messages (argparse's words come from Python, in English)."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = _("show this help message and exit")
        elif isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _translate_help(sub)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, as Unix tools do; point stdout at nothing so that
        # Python's own flush at exit does not complain again
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, ImportError) as error:   # a missing folder, file or optional extra: its message says which
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return EXIT_BAD_INPUT


def entry() -> None:
    """The command line as a program: ``main``, and Ctrl-C (or SIGTERM) ends it at once.

    An interrupted run may hold millions of customers; freeing them one by one before the
    prompt comes back can take many seconds, so the process ends without tearing them down
    (exit status 130, the shell's convention for Ctrl-C).  Files are written under temporary
    names and renamed at the end (:mod:`simkit.core.files`), so an interrupt never leaves half a set.
    """
    import os
    import signal

    def stop(signum, frame):  # at once, in the handler: no unwinding of a run's millions of objects
        sys.stdout.flush()
        print(_("interrupted"), file=sys.stderr, flush=True)
        os._exit(128 + signum)   # 130 for Ctrl-C, 143 for SIGTERM; a sweep's workers end with us (their pdeathsig)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()

"""Render every figure simkit draws to PNG files, for people to look at (not a test).

    python bench/gallery.py [--language both|zh|en] [--out bench/output/gallery]

Each plot function is drawn at the size a notebook shows it; open the folder and look.
The panels are photographed in a real browser by tests/browser (screenshots in tests/browser/screenshots/).
"""

from __future__ import annotations

import argparse
import pathlib
import warnings

import matplotlib

matplotlib.use("Agg")

import simkit  # noqa: E402
from simkit.views import plots  # noqa: E402


def figures():
    """(name, function drawing on a fresh axes) for every plot of simkit.views.plots."""
    lifecycle = simkit.run_simulation(simkit.load_scenario("lifecycle_textbook"), seed=1, engine="numpy")
    firm = simkit.load_scenario("firm_a")
    churned = simkit.run_simulation(firm, seed=1)
    funnel = simkit.run_simulation(simkit.load_scenario("sales_funnel"), seed=1, engine="numpy")
    cohort = simkit.load_scenario("cohort_10000")
    table = simkit.cohort_table(cohort)
    longer = lifecycle.scenario.updated({"stages.loyal.mean_duration_years":
                                         lifecycle.scenario.stages.loyal.mean_duration_years * 1.1})
    comparison = simkit.compare(lifecycle.scenario, longer, seed=1)
    textbook = simkit.load_scenario("lifecycle_textbook")
    notebook_04 = simkit.compare(textbook, {"stages.loyal.mean_duration_years":
                                            textbook.stages.loyal.mean_duration_years * 1.1})
    sweep = simkit.sweep(lifecycle.scenario, {"stages.loyal.orders_per_year": [5, 6, 7],
                                              "discounting.interest_rate": [0.05, 0.1]}, replications=3)
    levers = simkit.sweep(lifecycle.scenario, variants={   # named as a notebook names its levers (notebook 07)
        "loyal customers stay 10 % longer": {"stages.loyal.mean_duration_years":
                                             lifecycle.scenario.stages.loyal.mean_duration_years * 1.1},
        "10 % more prospects (acquisition budget)": {"arrivals.prospects_per_year":
                                                     lifecycle.scenario.arrivals.prospects_per_year * 1.1}},
        replications=3)
    from simkit.exact.cohort import ltv_sensitivity
    from simkit.exact.pyramid import TEXTBOOK_TIERS

    retention = firm.tenure.retention_rate[0]
    from simkit.experiments.clv import clv_data, load_clv_scenario
    from simkit.experiments.clv_models import alive_calibration

    clv = clv_data(load_clv_scenario("clv_pareto_nbd"), 39, 39)
    calibration = clv.transactions[clv.transactions.date < clv.split["holdout_start"]]
    days = calibration.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()
    clv_summary = {"frequency": days.reindex(clv.truth.customer_id).to_numpy() - 1}
    alive = clv.truth["alive_at_cutoff"]
    return [
        ("stage_counts", lambda ax: plots.plot_stage_counts(lifecycle, ax=ax)),
        ("period_money", lambda ax: plots.plot_period_money(lifecycle, ax=ax)),
        ("cumulative_npv", lambda ax: plots.plot_cumulative_npv(table, ax=ax)),
        ("sensitivity", lambda ax: plots.plot_sensitivity(ltv_sensitivity(cohort), ax=ax)),
        ("ltv_histogram", lambda ax: plots.plot_ltv_histogram(lifecycle, ax=ax, exact=1000.0)),
        ("churn", lambda ax: plots.plot_churn(churned, ax=ax, retention=retention)),
        ("tenure", lambda ax: plots.plot_tenure(churned, retention, ax=ax)),
        ("comparison", lambda ax: plots.plot_comparison(comparison, ax=ax)),
        ("comparison_notebook_04", lambda ax: plots.plot_comparison(notebook_04, ax=ax)),   # as notebook 04 draws it
        ("sweep_effects", lambda ax: plots.plot_sweep_effects(sweep, ax=ax)),
        ("sweep_levers", lambda ax: plots.plot_sweep_effects(levers, ax=ax)),
        ("sweep_grid", lambda ax: plots.plot_sweep_grid(sweep, "stages.loyal.orders_per_year",
                                                        "discounting.interest_rate", ax=ax)),
        ("profit_by_stage", lambda ax: plots.plot_profit_by_stage(lifecycle, ax=ax)),
        ("profit_parts", lambda ax: plots.plot_profit_parts(lifecycle.ledger, ax=ax)),
        ("funnel", lambda ax: plots.plot_funnel(funnel, ax=ax)),
        ("pyramid", lambda ax: plots.plot_pyramid(TEXTBOOK_TIERS, ax=ax)),
        ("pareto", lambda ax: plots.plot_pareto(lifecycle.ledger["lifetime_value"], ax=ax)),
        # a fitted model's predictions stand in for the truth's expectation here (no pymc-marketing needed)
        ("holdout_by_frequency", lambda ax: plots.plot_holdout_by_frequency(
            clv_summary, clv.truth["expected_holdout_purchases"] * 1.05, clv.truth, ax=ax, model="a model")),
        # a model that calls nearly everyone alive (a Pareto/NBD fit on a stage world, notebook 06) stands in here
        ("alive_by_frequency", lambda ax: plots.plot_alive_by_frequency(
            clv_summary, 0.95 + 0.05 * clv.truth["probability_alive"], alive, ax=ax, model="a model")),
        ("alive_calibration", lambda ax: plots.plot_alive_calibration(
            {"the truth's P(alive)": alive_calibration(clv.truth["probability_alive"], alive),
             "a bent one": alive_calibration(clv.truth["probability_alive"] ** 0.7, alive)}, ax=ax)),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="both", choices=simkit.LANGUAGES)
    parser.add_argument("--out", default=pathlib.Path(__file__).parent / "output" / "gallery", type=pathlib.Path)
    args = parser.parse_args(argv)
    simkit.set_language(args.language)
    args.out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph warning is a defect: fail loudly
        for name, draw in figures():
            figure, (ax,) = plots.new_figure(width=9, height=4.2)
            draw(ax)
            path = args.out / f"{name}_{args.language}.png"
            figure.savefig(path, dpi=100)
            print(path)


if __name__ == "__main__":
    main()

"""Exercises and solutions: one source, checks that accept the right answer and refuse a wrong one."""

import json
import math
from pathlib import Path

import pytest

import simkit
from simkit.teaching import checks
from simkit.teaching.exercises import build_exercises, exercise_from_solution, strip_solution

ROOT = Path(__file__).resolve().parents[1]

# Right answers from independent sources: the textbook's figures and hand calculations.
RIGHT = {
    "churn.lifetime": 400 / 100,
    "churn.replacements": 100,
    "churn.extra_spending": (20 - 10) * 80,
    "churn.left_after_5": 10_000 * 0.8 ** 5,
    "churn.why_not_empty": "b",
    "clv.textbook": 100 * 2 * 12 * 20,
    "clv.coffee": 30 * 26 * 5,
    "clv.discounted": sum(2400 / 1.05 ** (n - 1) for n in range(1, 21)),
    "clv.milk": 8 * 12 * 4,
    "clv.pizza_years": 8000 / (20 * 26),
    "clv.why_discount": "a",
    "ltv.revenue_year2": 6000 * 2.6 * 112,
    "ltv.npv_year2": (6000 * 2.6 * 112 * (1 - 0.65) - 6000 * 20) / 1.16,
    "ltv.year3": 66.08,
    "ltv.break_even": 2,
    "ltv.retention_for_zero": 12 * 1.16 / (2.6 * 112 * (1 - 0.65) - 20),
    "ltv.best_lever": "c",   # cost of sales -5 points: +21.52 against +18.96 and +6.00 (tests/test_cohort.py)
    "ltv.simulated": 66.08,
    # the textbook's 66.08 with the acquisition at time 0 and one more year of interest on every year's profit
    "ltv.end_of_year": (66.08 * 10_000 + 600_000) / 1.16 / 10_000 - 60,
    "life.conversion": 0.4,
    "life.expected_loyal_years": 3.0 * (0.6 * 0.4 + 0.15 * 0.2 * 0.4) / (1 - 0.15 * 0.8),
    "life.peak_stage": "c",
    "life.predict": "a",
    "value.sales_total": 21 * 114_000 + 85 * 31_600 + 319 * 9_100 + 1_701 * 1_160,
    "value.sales_growth": 1_350_040 / 9_956_060,                       # textbook.md §5
    "value.profit_added": 8 * 45_600 + 10 * 9_480 + 18 * 1_820 + 36 * 522,   # textbook.md §5: 511,152
    "value.small_roi": -887_922 / (1_973_160 + 887_922),
    "value.top20_share": (50 + 30) / 100,
    "value.migration_vip": 21 * (1 - 0.01 - 0.03) + 85 * 0.02,
    "value.rfm_type": "b",
    "clvfit.pareto_expected": 0.2 / 0.05 * (1 - math.exp(-0.05 * 10)),   # λ/μ (1 - e^(-μt)), worked by hand
    "clvfit.bg_repeat_purchases": 1 / 0.25,                              # the mean of a geometric count
    "clvfit.steady_rate": "a",
    "clvfit.calibrated": "a",
    # the mean log of the probabilities each model gave to what happened, A's minus B's, worked by hand
    "clvfit.log_score": (math.log(0.5) + math.log(0.25) + math.log(0.1) - math.log(0.4) - math.log(0.3)
                         - math.log(0.2)) / 3,
    "clvfit.median_wins": "b",   # expected absolute error: 0.4 x 3 = 1.2 for 0, against 1.44 for 1.2 and 1.8 for 3
    "clvfit.proper_score": "b",  # tests/test_clv_choice.py holds it on notebook 06's four data sets of each world
}


# Questions asked with a student's own numbers: the right answer by hand from the numbers shown.
def _by_hand(question, numbers):
    n = numbers
    if question == "churn.your_firm_left":
        return n.customers * (1 - n.lost_per_year / n.customers) ** n.years
    if question == "clv.your_customer":
        per_year = n.profit_per_purchase * n.purchases_per_month * 12
        return sum(per_year / (1 + n.interest_rate) ** (year - 1) for year in range(1, n.years + 1))
    if question == "ltv.your_cohort":     # the cohort_10000 table written out: 3 years, discounted at 1.16
        first, second = n.retention_rate[0], n.retention_rate[1]
        customers = [10_000, 10_000 * first, 10_000 * first * second]
        margin = [1.6 * 100 * 0.30 - 0, 2.6 * 112 * 0.35 - 20, 3.2 * 120 * 0.35 - 20]
        npv = sum(c * m / 1.16 ** year for year, (c, m) in enumerate(zip(customers, margin)))
        return (npv - 10_000 * n.acquisition_cost) / 10_000
    if question == "life.your_loyal_years":  # new -> loyal 0.6, new -> decline 0.2, decline -> loyal 0.15
        visits = n.conversion_share * (0.6 + 0.2 * 0.15) / (1 - n.loyal_to_decline * 0.15)
        return n.loyal_mean_years * visits
    if question == "clvfit.your_customer":
        rate, dropout = n.purchase_rate, n.dropout_rate
        return rate / dropout * (1 - math.exp(-dropout * n.weeks))
    if question == "value.your_pyramid_profit":
        return (n.vip_customers * 114_000 * 0.40 + n.large_customers * 31_600 * 0.30
                + n.medium_customers * 9_100 * 0.20 + n.small_customers * 1_160 * -0.45)
    raise KeyError(question)


PERSONAL = sorted(q for q, entry in checks.load_key().items() if entry["kind"] == "personal")


def _simulated(question):
    """Answers read off a simulation: what a student running the solution's code gets."""
    if question == "clvfit.alive_share":
        from simkit.experiments.clv import clv_data, load_clv_scenario

        return clv_data(load_clv_scenario("clv_bg_nbd"), 39, 39).truth["alive_at_cutoff"].mean()
    scenario = simkit.load_scenario("lifecycle_basic")
    if question == "life.loyal_year5":
        return simkit.run_simulation(scenario).customers_in("loyal")[4]
    changed = scenario.updated({"stages.loyal.orders_per_year": 8})
    return simkit.run_simulation(changed).profit_per_customer_year()[simkit.Stage.LOYAL]


def _right(question):
    return RIGHT[question] if question in RIGHT else _simulated(question)


def _wrong(answer):
    if isinstance(answer, str):
        return "d" if answer != "d" else "a"
    return answer * 1.5 + 7


def test_every_question_has_a_right_answer_here():
    assert set(checks.load_key()) == (set(RIGHT) | {"life.loyal_year5", "life.loyal_profit_8", "clvfit.alive_share"}
                                      | set(PERSONAL))
    sets = {q.split(".")[0] for q in checks.load_key()}
    assert {q.split(".")[0] for q in PERSONAL} == sets == {"churn", "clv", "ltv", "life", "value", "clvfit"}


@pytest.mark.parametrize("question", sorted(set(checks.load_key()) - set(PERSONAL)))
def test_each_check_accepts_the_right_answer_and_refuses_a_wrong_one(question, capsys):
    right = _right(question)
    assert checks.check(question, right) is None           # a notebook shows the verdict once, no bare True
    assert capsys.readouterr().out == f"{question}: ✓ right\n"
    assert checks.verdict(question, right) == (True, f"{question}: ✓ right")
    assert checks.verdict(question, _wrong(right))[0] is False
    checks.check(question, _wrong(right))
    out = capsys.readouterr().out
    assert "✗ not yet" in out
    if not isinstance(right, str):
        assert f"{right:.2f}" not in out and f"{right:,.0f}" not in out  # the hint never gives the answer


def test_numbers_are_compared_after_rounding():
    entry = checks.key_entry("demo", 66.08, decimals=2)
    assert checks.is_right(entry, "demo", 66.0799)
    assert checks.is_right(entry, "demo", 66.09)          # one unit in the last place
    assert not checks.is_right(entry, "demo", 66.11)
    assert not checks.is_right(entry, "other", 66.08)     # the question is part of the hash
    assert not checks.is_right(entry, "demo", "66.08")    # a string is not a number


def test_check_explains_missing_or_mistyped_answers(capsys):
    for answer, question, words in ((..., "churn.lifetime", "no answer yet"),
                                    ("four", "churn.lifetime", "expected a number"),
                                    (2, "churn.why_not_empty", "expected a letter")):
        checks.check(question, answer)
        assert words in capsys.readouterr().out and not checks.verdict(question, answer)[0]
    with pytest.raises(KeyError, match="question: got 'churn.nope'"):
        checks.check("churn.nope", 1)


def test_the_key_holds_no_answers():
    text = (ROOT / "simkit" / "teaching" / "exercise_key.toml").read_text(encoding="utf-8")
    for answer in ("48000", "48,000", "66.08", "423724", "1747200", "0.859", "15.38"):
        assert answer not in text


# ---------------------------------------------------------------- one source
def test_exercises_are_up_to_date_with_the_solutions(tmp_path):
    built = build_exercises(ROOT / "solutions", tmp_path)
    assert sorted(p.name for p in built) == sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    for path in built:
        fresh = json.loads(path.read_text(encoding="utf-8"))
        stored = json.loads((ROOT / "exercises" / path.name).read_text(encoding="utf-8"))
        assert fresh == stored, f"exercises/{path.name} is stale: run `python -m simkit exercises build --force`"


def test_every_solution_check_is_a_question_of_the_key_and_every_question_is_asked():
    asked = set()
    for path in (ROOT / "solutions").glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if "check(" in source and cell["cell_type"] == "code":
                asked.add(source.split("check('", 1)[1].split("'", 1)[0])
                assert "# NBVAL_CHECK_OUTPUT" in source   # a failing check fails CI
                printed = "".join("".join(o.get("text", "")) for o in cell["outputs"])
                assert "✓ right" in printed
    assert asked == set(checks.load_key())


def test_exercises_hold_blanks_not_solutions():
    for path in (ROOT / "exercises").glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "NBVAL_CHECK_OUTPUT" not in text
        assert "# YOUR CODE HERE" in text
        notebook = json.loads(text)
        assert all(not cell.get("outputs") for cell in notebook["cells"])


def test_strip_solution_rules():
    code = "a = 1\n    ### BEGIN SOLUTION\n    x, y = 2, 3\n    z += 1\n    ### END SOLUTION\nprint(a)"
    assert strip_solution(code) == "a = 1\n    # YOUR CODE HERE\n    x = ...\n    y = ...\n    z = ...\nprint(a)"
    assert strip_solution("### BEGIN SOLUTION\nplot()\n### END SOLUTION") == "# YOUR CODE HERE\npass"
    assert strip_solution("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", markdown=True) == \
        "Why?\n*YOUR ANSWER HERE*"
    for broken, message in (("### BEGIN SOLUTION\nx = 1", "without ### END"),
                            ("x = 1\n### END SOLUTION", "without ### BEGIN"),
                            ("### BEGIN SOLUTION\n### BEGIN SOLUTION", "inside a solution block")):
        with pytest.raises(ValueError, match=message):
            strip_solution(broken)
    with pytest.raises(ValueError, match="cell 0: "):
        exercise_from_solution({"cells": [{"cell_type": "code", "source": "### END SOLUTION", "outputs": []}]})


def test_building_exercises_never_replaces_a_students_notebooks_unasked(tmp_path, capsys):
    from simkit.cli import main

    folder = tmp_path / "exercises"
    assert main(["exercises", "build", "--solutions", str(ROOT / "solutions"), "--exercises", str(folder)]) == 0
    mine = folder / "01_churn_and_lifetime.ipynb"
    mine.write_text(mine.read_text(encoding="utf-8").replace("answer_1 = ...", "answer_1 = 4"), encoding="utf-8")
    assert main(["exercises", "build", "--solutions", str(ROOT / "solutions"), "--exercises", str(folder)]) == 2
    assert "already exist" in capsys.readouterr().err and "answer_1 = 4" in mine.read_text(encoding="utf-8")
    assert main(["exercises", "build", "--solutions", str(ROOT / "solutions"), "--exercises", str(folder),
                 "--force"]) == 0
    assert "answer_1 = 4" not in mine.read_text(encoding="utf-8")


# ---------------------------------------------------------------- what students get
def _solution_lines() -> set[str]:
    """Lines found only inside solution blocks of the solutions (what the students must not receive)."""
    inside_lines, outside_lines = set(), set()
    for path in (ROOT / "solutions").glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            inside = False
            for line in "".join(cell["source"]).splitlines():
                if line.strip() == "### BEGIN SOLUTION":
                    inside = True
                elif line.strip() == "### END SOLUTION":
                    inside = False
                elif len(line.strip()) > 12:
                    (inside_lines if inside else outside_lines).add(line.strip())
    return inside_lines - outside_lines


def test_pack_writes_exercises_and_notebooks_without_any_solution(tmp_path, capsys):
    from simkit.cli import main

    folder = tmp_path / "class"
    assert main(["exercises", "pack", str(folder), "--solutions", str(ROOT / "solutions"),
                 "--notebooks", str(ROOT / "notebooks")]) == 0
    assert "no solutions" in capsys.readouterr().out
    packed = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    expected = sorted([f"exercises/{p.name}" for p in (ROOT / "solutions").glob("*.ipynb")]
                      + [f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")])
    assert packed == expected
    secret = _solution_lines()
    assert len(secret) > 20                       # the check below has something to find
    for path in folder.rglob("*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        text = json.dumps(notebook, ensure_ascii=False)
        assert "BEGIN SOLUTION" not in text and "✓ right" not in text
        assert all(not cell.get("outputs") for cell in notebook["cells"]), path
        code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
        leaked = [line for line in secret if line in code] if path.parent.name == "exercises" else []
        assert not leaked, f"{path.name}: {leaked[:3]}"
    # a second pack never replaces a student's notebooks unasked
    assert main(["exercises", "pack", str(folder), "--solutions", str(ROOT / "solutions"),
                 "--notebooks", str(ROOT / "notebooks")]) == 2
    assert "--force" in capsys.readouterr().err

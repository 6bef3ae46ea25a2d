"""Documentation that code generates must match the code."""

from pathlib import Path

import pytest

from simkit.scenario import scenario_reference

ROOT = Path(__file__).resolve().parents[1]


def test_readme_scenario_reference_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- scenario-reference")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- end scenario-reference -->")
    assert readme[start:end].strip() == scenario_reference().strip(), (
        "README's scenario reference is stale: paste simkit.scenario.scenario_reference() into it")


def test_readme_example_scenarios_are_valid():
    import simkit

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in readme.split("```toml\n")[1:]]
    names = [simkit.Scenario.from_text(block).name for block in blocks]
    assert names == ["my_cohort", "my_shop"]
    cohort = simkit.Scenario.from_text(blocks[0])
    # the textbook's cohort with a ¥4 database cost per customer in years 2 and 3, by hand:
    # 6,000 and 4,200 customers pay it, discounted by 1.16 and 1.16^2, per 10,000 first acquired
    by_hand = 66.0799 - 0.6 * 4 / 1.16 - 0.42 * 4 / 1.16 ** 2
    assert simkit.cohort_table(cohort).ltv[-1] == pytest.approx(by_hand, abs=1e-4)

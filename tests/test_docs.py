"""Documentation that code generates must match the code."""

from pathlib import Path

from simkit.scenario import scenario_reference

ROOT = Path(__file__).resolve().parents[1]


def test_readme_scenario_reference_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- scenario-reference")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- end scenario-reference -->")
    assert readme[start:end].strip() == scenario_reference().strip(), (
        "README's scenario reference is stale: paste simkit.scenario.scenario_reference() into it")


def test_readme_example_scenario_is_valid():
    import simkit

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    scenario = simkit.Scenario.from_text(block)
    assert scenario.name == "my_shop"

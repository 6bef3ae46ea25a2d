"""Documentation that code generates must match the code."""

import re
from pathlib import Path

import pytest

from simkit.model.scenario import scenario_reference

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide.md"


def test_guide_scenario_reference_is_current():
    guide = GUIDE.read_text(encoding="utf-8")
    start = guide.index("<!-- scenario-reference")
    start = guide.index("\n", start) + 1
    end = guide.index("<!-- end scenario-reference -->")
    assert guide[start:end].strip() == scenario_reference().strip(), (
        "docs/guide.md's scenario reference is stale: paste simkit.model.scenario.scenario_reference() into it")


def test_guide_example_scenarios_are_valid():
    import simkit

    guide = GUIDE.read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in guide.split("```toml\n")[1:]]
    names = [simkit.Scenario.from_text(block).name for block in blocks]
    assert names == ["my_cohort", "my_shop"]
    cohort = simkit.Scenario.from_text(blocks[0])
    # the textbook's cohort with a ¥4 database cost per customer in years 2 and 3, by hand:
    # 6,000 and 4,200 customers pay it, discounted by 1.16 and 1.16^2, per 10,000 first acquired
    by_hand = 66.0799 - 0.6 * 4 / 1.16 - 0.42 * 4 / 1.16 ** 2
    assert simkit.cohort_table(cohort).ltv[-1] == pytest.approx(by_hand, abs=1e-4)


def _money(value: float, places: int) -> str:
    """A reading as the guides print it: rounded to ``places`` (-2: hundreds), with thousands separators."""
    return f"¥{round(value, places):,.0f}"


def test_comparison_line_is_what_the_code_prints():
    """The guide's comparison and the README's tour quote the same line: both must be what the code prints."""
    import simkit

    longer = simkit.compare(simkit.load_scenario("lifecycle_textbook"), {"stages.loyal.mean_duration_years": 3.3})
    for page in (GUIDE, ROOT / "README.md"):
        assert f"print(longer.summary())   # {longer.summary()}" in page.read_text(encoding="utf-8"), page.name


def test_readme_tour_runs():
    """The README's tour is about ten lines of Python, and it runs as printed."""
    import matplotlib.pyplot as plt

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (tour,) = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len([line for line in tour.splitlines() if line.strip()]) <= 12
    try:
        exec(compile(tour, "README.md (tour)", "exec"), {"__name__": "readme_tour"})
    finally:
        plt.close("all")


def test_instructors_guide_comparison_readings_are_what_the_code_gives():
    """INSTRUCTORS.md reads the dashboard's comparison at the notebook's settings, at 2,000 customers, and
    paired against independent runs at 100 customers: each figure the guide quotes, recomputed."""
    import simkit
    from simkit.views.widgets.dashboard import COMPARISONS

    guide = " ".join((ROOT / "INSTRUCTORS.md").read_text(encoding="utf-8").split())
    lever = COMPARISONS["loyal customers stay 10 % longer"]
    base = simkit.load_scenario("lifecycle_textbook").updated({"horizon": 36, "arrivals.prospects_per_year": 200})
    for size in (500, 2_000):
        firm = base.updated({"arrivals.cohort_size": size})
        paired = simkit.compare(firm, lever(firm), ledger=True)
        reading = f"about {_money(paired.total, -2)} ± {_money(float(paired.half_width[-1]), -2)}"
        assert reading in guide, reading
    small = base.updated({"arrivals.cohort_size": 100, "arrivals.prospects_per_year": 40})
    paired, independent = simkit.compare(small, lever(small)), simkit.compare(small, lever(small), engine="simpy")
    assert paired.distinguishable and not independent.distinguishable
    assert f"about {_money(paired.total, -1)} ± {_money(float(paired.half_width[-1]), -1)}" in guide
    assert f"(about ±{_money(float(independent.half_width[-1]), -3)}) covers zero" in guide


def test_the_readmes_open_commands_open_notebooks_that_exist():
    """Both editions' open commands start JupyterLab's simple interface (/doc) on a notebook of the repository."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    opened = re.findall(r"jupyter lab --ServerApp\.root_dir=\. --LabApp\.default_url=/doc/tree/(\S+\.ipynb)", readme)
    assert opened == ["notebooks/01_first_simulation.ipynb", "zh/notebooks/01_first_simulation.ipynb"]
    assert all((ROOT / path).is_file() for path in opened)

"""The project's set-up promises: pip and conda install the same packages; CI runs the README's command."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """Normalised distribution name of a requirement ('tomli_w>=1' -> 'tomli-w')."""
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pip_side() -> dict:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_name(r): r.replace(" ", "") for r in requirements}


def _conda_side() -> tuple[dict, list]:
    yaml = pytest.importorskip("yaml")
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    plain = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)]
    return env, plain, pip


def test_environment_yml_and_pyproject_list_the_same_packages():
    env, plain, pip = _conda_side()
    assert env["channels"] == ["conda-forge"]
    conda = {_name(d): d.replace(" ", "") for d in plain if _name(d) not in ("python", "pip")}
    assert conda == _pip_side(), "environment.yml and pyproject.toml (dependencies + dev) disagree"


def test_environment_yml_pins_python_and_installs_simkit_itself():
    env, plain, pip = _conda_side()
    python = [d for d in plain if _name(d) == "python"]
    assert python == ["python=3.11"]
    assert pip == [{"pip": ["-e ."]}]


def test_ci_runs_exactly_the_readme_test_command():
    lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith(("#", "set ", "cd ", "export "))]
    assert commands, ".ci/run runs nothing"
    assert commands[-1] in (ROOT / "README.md").read_text()
    # before it, only system packages, and never a failure that stops CI (no Chromium: tests skipped)
    before = "\n".join(commands[:-1])
    assert "pip" not in before and "|| echo" in before


def test_binder_installs_a_chinese_font():
    assert "fonts-noto-cjk" in (ROOT / "apt.txt").read_text().split()


def test_builtin_scenarios_ship_inside_the_package():
    import simkit

    folder = Path(simkit.__file__).parent / "model" / "scenarios"
    assert sorted(p.stem for p in folder.glob("*.toml")) == simkit.list_scenarios()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "model/scenarios/*.toml" in package_data["simkit"]

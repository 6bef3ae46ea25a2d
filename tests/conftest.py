"""Shared fixtures: keep them tiny (SimPy's tests/conftest.py)."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
# messages in English whatever the machine's locale (simkit.core.language's rule), in the tests' process and in the
# notebooks' kernels they start; tests/test_catalogs.py checks the rule itself and the Chinese
os.environ["SIMKIT_LANGUAGE"] = "en"

import pytest  # noqa: E402

import simkit  # noqa: E402


@pytest.fixture
def lifecycle():
    """The built-in stage-model scenario, shortened to keep tests fast."""
    return simkit.load_scenario("lifecycle_basic").updated({"horizon": 4, "arrivals.cohort_size": 300,
                                                            "arrivals.prospects_per_year": 100})


@pytest.fixture
def cohort():
    """The textbook's LTV cohort (tenure model)."""
    return simkit.load_scenario("cohort_10000")


@pytest.fixture
def valid_dict():
    """A small valid scenario as plain data, touching every part of the model."""
    return {
        "name": "small",
        "time_unit": "year",
        "horizon": 3,
        "seed": 5,
        "arrivals": {"cohort_size": 50, "cohort_stage": "prospect", "prospects_per_year": 20.0,
                     "acquisition_cost": 40.0, "referral_damage_cost": 10.0},
        "stages": {
            "prospect": {"mean_duration_years": 0.2, "next_stage": {"new": 0.5, "unconverted": 0.5}},
            "new": {"mean_duration_years": 1.0, "next_stage": {"loyal": 0.7, "lost": 0.3},
                    "orders_per_year": 2.0, "average_order_value": 50.0, "order_value_sd": 10.0,
                    "cost_of_sales_share": 0.6, "service_cost_per_year": 10.0},
            "loyal": {"mean_duration_years": 2.0, "next_stage": {"decline": 1.0},
                      "orders_per_year": 4.0, "average_order_value": 60.0, "cost_of_sales_share": 0.5,
                      "referrals_per_year": 0.5},
            "decline": {"mean_duration_years": 0.5, "duration_distribution": "fixed",
                        "next_stage": {"lost": 0.9, "loyal": 0.1}, "orders_per_year": 1.0,
                        "average_order_value": 40.0, "referral_damage_per_year": 1.0},
        },
        "discounting": {"interest_rate": 0.05, "risk_factor": 2.0},
    }

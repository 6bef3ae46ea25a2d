"""The exact cohort calculator: lifetime-value tables in Arthur Hughes' format (textbook §4).

A cohort of customers is acquired at the start and followed year by year.
No randomness: every row is an expected value, computed in full precision
and shown rounded (counts and money to the unit, rates and LTV to the cent),
so a published table typed in comes back figure for figure.

The rows, year n = 1, 2, ...:

==========================  ==================================================
retained customers          year 1: the cohort; then customers(n-1) x retention(n-1)
referred customers          retained(n) x referral_rate(n); they join at once
customers                   retained + referred
revenue                     customers x orders_per_year x average_order_value
cost of sales               revenue x cost_of_sales_share
acquisition cost            cohort x acquisition_cost, in year 1 only
marketing / service cost    customers x service_cost_per_year
further cost lines          customers x each ``other_costs_per_year`` line
referral incentives         referred x referral_incentive
gross profit                revenue - all costs
discount rate               (1 + interest_rate x risk_factor) ** (n - 1 + payment_delay_days / 365)
NPV of profit               gross profit / discount rate
cumulative NPV              running sum of NPV
average LTV                 cumulative NPV / the cohort first acquired
==========================  ==================================================

>>> from simkit import cohort_table, load_scenario
>>> table = cohort_table(load_scenario("cohort_10000"))
>>> [f"{v:.2f}" for v in table.ltv]
['-12.00', '30.37', '66.08']
>>> table.break_even_year
2
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from .errors import ScenarioError
from .results import _write_csv
from .scenario import Scenario
from .stages import Stage

__all__ = ["CohortTable", "DEFAULT_LEVERS", "LeverEffect", "cohort_table", "format_sensitivity", "hughes_table",
           "ltv_sensitivity", "simulated_cohort_table"]

# row key -> (label, Chinese term, format): "count", "rate", "number", "money" (to the yuan),
# "factor", "cents"
_ROWS = {
    "retained": ("retained customers", "保留客户", "count"),
    "referral_rate": ("referral rate", "推荐率", "rate"),
    "referred": ("referred customers", "推荐客户", "count"),
    "customers": ("customers", "客户数", "count"),
    "retention_rate": ("retention rate", "客户保持率", "rate"),
    "orders_per_year": ("orders per year", "年购买次数", "number"),
    "average_order_value": ("average order value ¥", "平均订单金额", "cents"),
    "revenue": ("revenue ¥", "收入", "money"),
    "cost_of_sales_share": ("cost of sales %", "销售成本率", "rate"),
    "cost_of_sales": ("cost of sales ¥", "销售成本", "money"),
    "acquisition_cost": ("acquisition cost ¥", "获得成本", "money"),
    "marketing_cost": ("marketing & service ¥", "营销与服务成本", "money"),
    "referral_incentives": ("referral incentives ¥", "推荐奖励", "money"),
    "total_cost": ("total cost ¥", "总成本", "money"),
    "gross_profit": ("gross profit ¥", "毛利", "money"),
    "discount_rate": ("discount rate", "贴现率", "factor"),
    "npv": ("NPV of profit ¥", "利润净现值", "cents"),
    "cumulative_npv": ("cumulative NPV ¥", "累计净现值", "cents"),
    "ltv": ("average LTV ¥", "平均客户终身价值", "cents"),
}
# rows hidden from the printed table when they are zero every year (they still exist)
_OPTIONAL_ROWS = ("retained", "referral_rate", "referred", "referral_incentives")


def _format(value: float, kind: str) -> str:
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "rate":
        return f"{value * 100:.1f} %"
    if kind == "number":
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    if kind == "factor":
        return f"{value:.4f}"
    if kind == "cents":
        return f"{round(value, 2) + 0.0:,.2f}"
    return f"{round(value) + 0.0:,.0f}"  # money to the yuan, as Hughes prints it


@dataclass(frozen=True)
class CohortTable:
    """A lifetime-value table: one row per quantity, one column per year.

    Attributes
    ----------
    scenario : Scenario
        What the table was computed from.
    rows : dict of str -> ndarray
        Every row by key (see the module docstring), in display order;
        further cost lines appear under their own names.
    labels : dict of str -> (str, str)
        English label and Chinese term of each row.
    """

    scenario: Scenario
    rows: dict
    labels: dict
    title: str = ""

    @property
    def years(self) -> int:
        return len(self.rows["customers"])

    @property
    def ltv(self) -> np.ndarray:
        """Average lifetime value per customer first acquired, yuan, after each year."""
        return self.rows["ltv"]

    @property
    def cumulative_npv(self) -> np.ndarray:
        return self.rows["cumulative_npv"]

    @property
    def break_even_year(self) -> int | None:
        """First year after which the cohort's cumulative NPV is no longer negative (None: never)."""
        positive = np.flatnonzero(self.cumulative_npv >= 0)
        return int(positive[0]) + 1 if positive.size else None

    def __getitem__(self, key: str) -> np.ndarray:
        try:
            return self.rows[key]
        except KeyError:
            raise KeyError(f"no row {key!r}; rows: {', '.join(self.rows)}") from None

    def _shown(self, show_all: bool):
        no_referrals = "referred" in self.rows and not np.any(self.rows["referred"])
        for key, values in self.rows.items():
            if not show_all and key in _OPTIONAL_ROWS and (not np.any(values) or no_referrals):
                continue  # without referrals, retained customers are just the customers
            yield key, values

    def _kind(self, key: str) -> str:
        return _ROWS[key][2] if key in _ROWS else "money"

    def to_text(self, show_all: bool = False) -> str:
        """The table as text, years as columns (Hughes' layout)."""
        header = ["", *(f"year {n}" for n in range(1, self.years + 1))]
        lines = [[self.labels[key][0], *(_format(v, self._kind(key)) for v in values)]
                 for key, values in self._shown(show_all)]
        widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]

        def line(cells):
            return "  ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])

        title = f"{self.scenario.name}: {self.title}"
        return "\n".join([title, line(header), line(["-" * w for w in widths]), *(line(r) for r in lines)])

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:right'>year {n}</th>" for n in range(1, self.years + 1))
        body = []
        for key, values in self._shown(False):
            english, chinese = self.labels[key]
            strong = key in ("ltv",)
            cells = "".join(f"<td style='text-align:right'>{'<b>' if strong else ''}"
                            f"{_format(v, self._kind(key))}{'</b>' if strong else ''}</td>" for v in values)
            body.append(f"<tr><td style='text-align:left'>{html.escape(english)} "
                        f"<span style='color:#777'>{html.escape(chinese)}</span></td>{cells}</tr>")
        return (f"<table><caption>{html.escape(self.scenario.name)}: {html.escape(self.title)}</caption>"
                f"<thead><tr><th></th>{head}"
                f"</tr></thead><tbody>{''.join(body)}</tbody></table>")

    def to_dict(self) -> dict:
        """Rows as a dict of numpy arrays (key -> one value per year)."""
        return dict(self.rows)

    def to_csv(self, path=None):
        """CSV with one row per quantity and one column per year; ``path=None`` returns the text."""
        keys = list(self.rows)
        headers = ["row", *(f"year_{n}" for n in range(1, self.years + 1))]
        columns = [keys] + [[self.rows[k][n] for k in keys] for n in range(self.years)]
        return _write_csv(path, headers, columns)

    def to_frame(self):
        """A pandas DataFrame, rows as in the table, one column per year (pandas is optional)."""
        import pandas as pd

        return pd.DataFrame({f"year {n + 1}": [self.rows[k][n] for k in self.rows] for n in range(self.years)},
                            index=[self.labels[k][0] for k in self.rows])


def cohort_table(scenario: Scenario, years: int | None = None) -> CohortTable:
    """Compute the LTV table of a scenario's cohort, exactly.

    Parameters
    ----------
    scenario : Scenario
        Needs a tenure table (``[tenure]``) and a cohort acquired at time 0
        (``arrivals.cohort_stage = "new"``, ``arrivals.cohort_size > 0``).
    years : int, optional
        Number of years (default: the scenario's horizon in years).  Beyond
        the tenure table its last year repeats.

    Raises
    ------
    ScenarioError
        If the scenario has no tenure table or no acquired cohort, or
        ``years`` is not a whole number of at least 1.
    """
    problems = []
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: got {type(scenario).__name__}, expected a simkit.Scenario")
    if scenario.tenure is None:
        problems.append("tenure: missing; an LTV table needs retention, orders, order value and cost share "
                        "by year ([tenure])")
    if scenario.arrivals.cohort_stage is not Stage.NEW or scenario.arrivals.cohort_size == 0:
        problems.append("arrivals: an LTV table follows a cohort acquired at the start; expected "
                        f"cohort_stage = 'new' and cohort_size > 0, got {scenario.arrivals.cohort_stage.label!r} "
                        f"and {scenario.arrivals.cohort_size}")
    if years is None:
        years = scenario.horizon_years
        if years != int(years):
            problems.append(f"horizon: {scenario.horizon} months is not a whole number of years; pass years=")
    if isinstance(years, bool) or not isinstance(years, (int, float)) or years != int(years) or not 1 <= years <= 100:
        problems.append(f"years: got {years!r}, expected a whole number in [1, 100]")
    if problems:
        raise ScenarioError(problems, scenario.name)
    years = int(years)

    tenure = scenario.tenure
    cohort = float(scenario.arrivals.cohort_size)
    rows = {key: np.zeros(years) for key in
            ("retained", "referral_rate", "referred", "customers", "retention_rate", "orders_per_year",
             "average_order_value", "revenue", "cost_of_sales_share", "cost_of_sales", "acquisition_cost",
             "marketing_cost")}
    others = {name: np.zeros(years) for name in tenure.other_costs_per_year}
    rows.update(others)
    for key in ("referral_incentives", "total_cost", "gross_profit", "discount_rate", "npv"):
        rows[key] = np.zeros(years)
    retained = cohort
    for n in range(1, years + 1):
        i = n - 1
        row = tenure.row(n)
        referred = retained * row["referral_rate"]
        customers = retained + referred
        revenue = customers * row["orders_per_year"] * row["average_order_value"]
        values = {
            "retained": retained, "referral_rate": row["referral_rate"], "referred": referred,
            "customers": customers, "retention_rate": row["retention_rate"],
            "orders_per_year": row["orders_per_year"], "average_order_value": row["average_order_value"],
            "revenue": revenue, "cost_of_sales_share": row["cost_of_sales_share"],
            "cost_of_sales": revenue * row["cost_of_sales_share"],
            "acquisition_cost": cohort * scenario.arrivals.acquisition_cost if n == 1 else 0.0,
            "marketing_cost": customers * row["service_cost_per_year"],
            "referral_incentives": referred * row["referral_incentive"],
            "discount_rate": scenario.discounting.discount_rate(n),
        }
        for name, cost in row["other_costs_per_year"].items():
            values[name] = customers * cost
        values["total_cost"] = (values["cost_of_sales"] + values["acquisition_cost"] + values["marketing_cost"]
                                + sum(values[name] for name in others) + values["referral_incentives"])
        values["gross_profit"] = revenue - values["total_cost"]
        values["npv"] = values["gross_profit"] / values["discount_rate"]
        for key, value in values.items():
            rows[key][i] = value
        retained = customers * row["retention_rate"]
    rows["cumulative_npv"] = np.cumsum(rows["npv"])
    rows["ltv"] = rows["cumulative_npv"] / cohort
    return CohortTable(scenario=scenario, rows=rows, labels=_labels(rows),
                       title=f"exact lifetime-value table of {cohort:,.0f} customers acquired at the start")


def _labels(rows: dict) -> dict:
    return {key: _ROWS[key][:2] if key in _ROWS else (f"{key.replace('_', ' ')} ¥", "") for key in rows}


def simulated_cohort_table(result) -> CohortTable:
    """The same layout from a simulation run: what the customers actually did, year by year.

    Money is summed over each year; ``acquisition_cost`` includes referral
    incentives and replacements; ``marketing_cost`` holds every yearly
    per-customer cost line.  LTV is the cumulative NPV per customer of the
    cohort at time 0 (:meth:`SimulationResult.average_ltv`).
    """
    scenario = result.scenario
    per_year = scenario.periods_per_year
    if scenario.n_periods % per_year:
        raise ValueError(f"horizon: {scenario.horizon} months is not a whole number of years")
    years = scenario.n_periods // per_year

    def yearly(values):
        return np.asarray(values, dtype=float).reshape(years, per_year).sum(axis=1)

    served = result.customers_served()
    active_before = served - result.periods["n_acquired"]
    rows = {
        "customers": active_before[::per_year] + yearly(result.periods["n_acquired"]),
        "revenue": yearly(result.periods["revenue"]),
        "cost_of_sales": yearly(result.periods["cost_of_sales"]),
        "acquisition_cost": yearly(result.periods["acquisition_cost"]),
        "marketing_cost": yearly(result.periods["service_cost"]),
        "total_cost": yearly(result.periods["cost_of_sales"] + result.periods["acquisition_cost"]
                             + result.periods["service_cost"] + result.periods["referral_damage_cost"]),
        "gross_profit": yearly(result.periods["profit"]),
        "discount_rate": np.array([scenario.discounting.discount_rate(n) for n in range(1, years + 1)]),
        "npv": yearly(result.periods["discounted_profit"]),
    }
    rows["cumulative_npv"] = np.cumsum(rows["npv"])
    rows["ltv"] = rows["cumulative_npv"] / scenario.arrivals.cohort_size
    return CohortTable(scenario=scenario, rows=rows, labels=_labels(rows),
                       title=f"simulated, {scenario.arrivals.cohort_size:,} customers, seed {result.seed}")


def hughes_table(*, customers: int, retention_rate, orders_per_year, average_order_value, cost_of_sales_share,
                 acquisition_cost: float = 0.0, marketing_cost=None, other_costs: dict | None = None,
                 referral_rate=None, referral_incentive=None, interest_rate: float = 0.0,
                 risk_factor: float = 1.0, payment_delay_days: float = 0.0, years: int | None = None,
                 name: str = "hughes_table") -> CohortTable:
    """Type in a Hughes-format table from a book and get its figures back.

    Every per-year argument is a list with one value per year (the lists
    must have the same length); rates are fractions (60 % is 0.60).  The
    inputs are checked like any scenario (they become one).

    >>> t = hughes_table(customers=10_000, retention_rate=[0.6, 0.7, 0.8], orders_per_year=[1.6, 2.6, 3.2],
    ...                  average_order_value=[100, 112, 120], cost_of_sales_share=[0.7, 0.65, 0.65],
    ...                  acquisition_cost=60, marketing_cost=[0, 20, 20], interest_rate=0.08, risk_factor=2)
    >>> f"{t.ltv[-1]:.2f}"
    '66.08'
    """
    tenure = {"retention_rate": retention_rate, "orders_per_year": orders_per_year,
              "average_order_value": average_order_value, "cost_of_sales_share": cost_of_sales_share}
    for key, value in (("service_cost_per_year", marketing_cost), ("referral_rate", referral_rate),
                       ("referral_incentive", referral_incentive)):
        if value is not None:
            tenure[key] = value
    if other_costs:
        tenure["other_costs_per_year"] = other_costs
    n_years = len(retention_rate) if hasattr(retention_rate, "__len__") else 1
    scenario = Scenario.from_dict({
        "name": name,
        "horizon": years if years is not None else n_years,
        "arrivals": {"cohort_size": customers, "cohort_stage": "new", "acquisition_cost": acquisition_cost},
        "tenure": tenure,
        "discounting": {"interest_rate": interest_rate, "risk_factor": risk_factor,
                        "payment_delay_days": payment_delay_days},
    })
    return cohort_table(scenario)


# ------------------------------------------------------------------ levers
def _retention_up(scenario: Scenario) -> Scenario:
    return scenario.updated({"tenure.retention_rate": [min(r + 0.10, 1.0) for r in scenario.tenure.retention_rate]})


def _acquisition_down(scenario: Scenario) -> Scenario:
    return scenario.updated({"arrivals.acquisition_cost": scenario.arrivals.acquisition_cost * 0.9})


def _cost_of_sales_down(scenario: Scenario) -> Scenario:
    return scenario.updated({"tenure.cost_of_sales_share": [max(c - 0.05, 0.0)
                                                            for c in scenario.tenure.cost_of_sales_share]})


#: The textbook's levers (§4): name -> function giving the changed scenario.
DEFAULT_LEVERS = {
    "retention +10 points": _retention_up,
    "acquisition cost -10 %": _acquisition_down,
    "cost of sales -5 points": _cost_of_sales_down,
}


@dataclass(frozen=True)
class LeverEffect:
    """What one lever does to the final-year average LTV (yuan)."""

    lever: str
    ltv_before: float
    ltv_after: float

    @property
    def change(self) -> float:
        return self.ltv_after - self.ltv_before


def ltv_sensitivity(scenario: Scenario, levers: dict | None = None, years: int | None = None) -> list[LeverEffect]:
    """Pull each lever alone and recompute the exact table; largest effect first.

    >>> from simkit import load_scenario
    >>> effects = ltv_sensitivity(load_scenario("cohort_10000"))
    >>> [(e.lever, f"{e.change:+.2f}") for e in effects]
    [('cost of sales -5 points', '+21.52'), ('retention +10 points', '+18.96'), ('acquisition cost -10 %', '+6.00')]
    """
    base = cohort_table(scenario, years).ltv[-1]
    effects = [LeverEffect(name, float(base), float(cohort_table(change(scenario), years).ltv[-1]))
               for name, change in (levers or DEFAULT_LEVERS).items()]
    return sorted(effects, key=lambda e: -abs(e.change))


def format_sensitivity(effects: list[LeverEffect]) -> str:
    """The levers as a small text table."""
    from .results import format_table

    return format_table(["lever", "LTV before ¥", "LTV after ¥", "change ¥"],
                        [[e.lever, e.ltv_before, e.ltv_after, e.change] for e in effects])

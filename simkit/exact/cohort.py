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
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from ..core.errors import ScenarioError
from ..core.files import write_csv
from ..core.formatting import display_width, pad
from ..core.language import N_, _, message_language
from ..model.scenario import Scenario
from ..model.stages import Stage

__all__ = ["CohortTable", "DEFAULT_LEVERS", "LeverEffect", "cohort_table", "format_sensitivity", "hughes_table",
           "ltv_sensitivity", "simulated_cohort_table"]

# row key -> (label, Chinese term, format): "count", "rate", "number", "money" (to the yuan),
# "factor", "cents"
_ROWS = {
    "retained": (N_("retained customers"), "保留客户", "count"),
    "referral_rate": (N_("referral rate"), "推荐率", "rate"),
    "referred": (N_("referred customers"), "推荐客户", "count"),
    "customers": (N_("customers"), "客户数", "count"),
    "retention_rate": (N_("retention rate"), "客户保持率", "rate"),
    "orders_per_year": (N_("orders per year"), "年购买次数", "number"),
    "average_order_value": (N_("average order value ¥"), "平均订单金额", "cents"),
    "margin_per_customer": (N_("margin per customer ¥"), "每客户利润", "cents"),
    "revenue": (N_("revenue ¥"), "收入", "money"),
    "margin": (N_("margin ¥"), "利润", "money"),
    "cost_of_sales_share": (N_("cost of sales %"), "销售成本率", "rate"),
    "cost_of_sales": (N_("cost of sales ¥"), "销售成本", "money"),
    "acquisition_cost": (N_("acquisition cost ¥"), "获得成本", "money"),
    "marketing_cost": (N_("marketing & service ¥"), "营销与服务成本", "money"),
    "referral_incentives": (N_("referral incentives ¥"), "推荐奖励", "money"),
    "referral_damage": (N_("referral damage ¥"), "推荐破坏成本", "money"),
    "total_cost": (N_("total cost ¥"), "总成本", "money"),
    "gross_profit": (N_("gross profit ¥"), "毛利", "money"),
    "discount_rate": (N_("discount rate"), "贴现率", "factor"),
    "npv": (N_("NPV of profit ¥"), "利润净现值", "cents"),
    "cumulative_npv": (N_("cumulative NPV ¥"), "累计净现值", "cents"),
    "ltv": (N_("average LTV ¥"), "平均客户终身价值", "cents"),
}
# rows hidden from the printed table when they are zero every year (they still exist)
_OPTIONAL_ROWS = ("retained", "referral_rate", "referred", "referral_incentives")


def round_half_away(value: float, digits: int = 0) -> float:
    """Round as accountants and textbooks print: halves away from zero (2.5 -> 3, -2.5 -> -3, 0.125 -> 0.13).

    Python's ``round`` rounds halves to even (2.5 -> 2).  The decimal shown by ``repr`` is rounded,
    so a figure typed as 2.675 prints as 2.68.

    >>> round_half_away(2.5), round_half_away(-2.5), round_half_away(0.125, 2)
    (3.0, -3.0, 0.13)
    """
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0  # never "-0"


def _format(value: float, kind: str) -> str:
    if value != value:  # NaN: no figure in this column (the year-0 column of most rows)
        return ""
    if kind == "count":
        return f"{round_half_away(value):,.0f}"
    if kind == "rate":
        return f"{round_half_away(value * 100, 1):.1f} %"
    if kind == "number":
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    if kind == "factor":
        return f"{round_half_away(value, 4):.4f}"
    if kind == "cents":
        return f"{round_half_away(value, 2):,.2f}"
    return f"{round_half_away(value):,.0f}"  # money to the yuan, as Hughes prints it


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
    title : str
        What the table is (exact, or simulated with its seed), in English.
    first_year : int
        The first column's year: 1, or 0 when the acquisition stands in a
        year-0 column (``discounting.acquisition_at_start``).
    title_parts : tuple or None
        The English template of the title and its fields, so that it is shown
        in the language of messages.
    """

    scenario: Scenario
    rows: dict
    labels: dict
    title: str = ""
    first_year: int = 1
    # (English template, fields) the title was made of: shown in the language of messages (see Attributes)
    title_parts: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def years(self) -> int:
        """Years of the relationship the table follows (a year-0 column is not one)."""
        return len(self.rows["customers"]) - (1 - self.first_year)

    @property
    def columns(self) -> list[str]:
        return [f"year {n}" for n in range(self.first_year, self.first_year + len(self.rows["customers"]))]

    @property
    def ltv(self) -> np.ndarray:
        """Average lifetime value per customer first acquired, ¥, after each year."""
        return self.rows["ltv"]

    @property
    def cumulative_npv(self) -> np.ndarray:
        return self.rows["cumulative_npv"]

    @property
    def break_even_year(self) -> int | None:
        """First year after which the cohort's cumulative NPV is no longer negative, or None if it stays negative."""
        positive = np.flatnonzero(self.cumulative_npv >= 0)
        return int(positive[0]) + self.first_year if positive.size else None

    def __getitem__(self, key: str) -> np.ndarray:
        """A row by key; a further cost line also by its own name (``table["database"]``), unless a
        built-in row has that name (then ``table["other:<name>"]``)."""
        for candidate in (key, f"other:{key}"):
            if candidate in self.rows:
                return self.rows[candidate]
        raise KeyError(_("no row {key}; rows: {rows}").format(key=repr(key), rows=", ".join(self.rows)))

    def _shown(self, show_all: bool):
        no_referrals = "referred" in self.rows and not np.any(np.nan_to_num(self.rows["referred"]))
        for key, values in self.rows.items():
            if not show_all and key in _OPTIONAL_ROWS and (not np.any(np.nan_to_num(values)) or no_referrals):
                continue  # without referrals, retained customers are just the customers
            yield key, values

    def _kind(self, key: str) -> str:
        return _ROWS[key][2] if key in _ROWS else "money"

    def _label(self, key: str) -> str:
        """A row's label as shown: a built-in row's in the language of messages, a further cost line's as named."""
        return _(self.labels[key][0]) if key in _ROWS else self.labels[key][0]

    def _headings(self) -> list[str]:
        """The year columns as shown ("year 1", ...), in the language of messages."""
        years = range(self.first_year, self.first_year + len(self.rows["customers"]))
        return [_("year {n}").format(n=n) for n in years]

    def _title(self) -> str:
        if self.title_parts is None:
            return self.title
        template, fields = self.title_parts
        return _(template).format(**fields)

    def to_text(self, show_all: bool = False) -> str:
        """The table as text, years as columns (Hughes' layout).

        Parameters
        ----------
        show_all : bool, default False
            Also show the referral rows (retained, referral rate, referred,
            referral incentives) when there are no referrals.

        Returns
        -------
        str
        """
        header = ["", *self._headings()]
        lines = [[self._label(key), *(_format(v, self._kind(key)) for v in values)]
                 for key, values in self._shown(show_all)]
        widths = [max(display_width(row[i]) for row in [header, *lines]) for i in range(len(header))]

        def line(cells):
            return "  ".join([pad(cells[0], widths[0])]
                             + [pad(c, w, right=True) for c, w in zip(cells[1:], widths[1:])])

        title = _("{name}: {title}").format(name=self.scenario.name, title=self._title())
        return "\n".join([title, line(header), line(["-" * w for w in widths]), *(line(r) for r in lines)])

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        """The table for a notebook: each row's English label with its Chinese term (in Chinese: the label alone)."""
        head = "".join(f"<th style='text-align:right'>{column}</th>" for column in self._headings())
        body = []
        for key, values in self._shown(False):
            english, chinese = self.labels[key]
            strong = key in ("ltv",)
            cells = "".join(f"<td style='text-align:right'>{'<b>' if strong else ''}"
                            f"{_format(v, self._kind(key))}{'</b>' if strong else ''}</td>" for v in values)
            if message_language() == "zh":
                body.append(f"<tr><td style='text-align:left'>{html.escape(self._label(key))}</td>{cells}</tr>")
                continue
            body.append(f"<tr><td style='text-align:left'>{html.escape(english)} "
                        f"<span style='color:#777'>{html.escape(chinese)}</span></td>{cells}</tr>")
        caption = _("{name}: {title}").format(name=html.escape(self.scenario.name), title=html.escape(self._title()))
        return (f"<table><caption>{caption}</caption>"
                f"<thead><tr><th></th>{head}"
                f"</tr></thead><tbody>{''.join(body)}</tbody></table>")

    def to_dict(self) -> dict:
        """Rows as a dict of numpy arrays (key -> one value per year)."""
        return dict(self.rows)

    def to_csv(self, path=None):
        """CSV with one row per quantity and one column per year.

        Parameters
        ----------
        path : str or pathlib.Path, optional
            The file to write; None returns the CSV text instead.

        Returns
        -------
        str or pathlib.Path
            The CSV text when ``path`` is None, else the file written.
        """
        keys = list(self.rows)
        headers = ["row", *(column.replace(" ", "_") for column in self.columns)]
        columns = [keys] + [[self.rows[k][n] for k in keys] for n in range(len(self.columns))]
        return write_csv(path, headers, columns)

    def to_frame(self):
        """A pandas DataFrame, rows as in the table, one column per year (pandas is optional)."""
        import pandas as pd

        return pd.DataFrame({column: [self.rows[k][n] for k in self.rows] for n, column in enumerate(self.columns)},
                            index=[self.labels[k][0] for k in self.rows])


def cohort_table(scenario: Scenario, years: int | None = None) -> CohortTable:
    """Compute the LTV table of a scenario's cohort, exactly.

    Parameters
    ----------
    scenario : Scenario
        Needs a tenure table (``[tenure]``) and a cohort acquired at time 0
        (``arrivals.cohort_stage = "new"``, ``arrivals.cohort_size > 0``).
        ``[discounting]`` sets the convention: ``timing`` ("start", Hughes; or
        "end"), ``acquisition_at_start`` (a year-0 column) and printed
        ``discount_factors``; ``tenure.margin_per_customer`` replaces orders,
        order value and cost share.
    years : int, optional
        Number of years (default: the scenario's horizon in years).  Beyond
        the tenure table its last year repeats.

    Returns
    -------
    CohortTable
        The group LTV table (群体客户终身价值): one column per year, rows as in
        the module's description; ``.ltv`` is the average LTV (客户终身价值) per
        customer first acquired, ¥, after each year.

    Raises
    ------
    ScenarioError
        If the scenario has no tenure table or no acquired cohort, ``years`` is
        not a whole number in [1, 100] (or is left out while the horizon is not
        a whole number of years), printed ``discount_factors`` are fewer than
        the years, or the scenario has what an exact
        cohort table cannot hold (replacement of lost customers, a stream of
        prospects): those are simulated (:func:`simulated_cohort_table`).
    TypeError
        If ``scenario`` is not a :class:`~simkit.Scenario`.
    """
    problems = []
    if not isinstance(scenario, Scenario):
        raise TypeError(_("scenario: got {kind}, expected a simkit.Scenario").format(kind=type(scenario).__name__))
    if scenario.tenure is None:
        problems.append(_("tenure: missing; an LTV table needs retention, orders, order value and cost share "
                          "by year ([tenure])"))
    arrivals = scenario.arrivals
    if arrivals.cohort_stage is not Stage.NEW or arrivals.cohort_size == 0:
        problems.append(_("arrivals: an LTV table follows a cohort acquired at the start; expected "
                          "cohort_stage = 'new' and cohort_size > 0, got {stage} and {size}")
                        .format(stage=repr(arrivals.cohort_stage.label), size=arrivals.cohort_size))
    simulate = _("simulate it instead: simkit.simulated_cohort_table(simkit.run_simulation(scenario)), "
                 "or python -m simkit run")
    if arrivals.replace_lost:
        problems.append(_("arrivals.replace_lost: the exact table follows one cohort and the customers it refers; "
                          "a firm that replaces every lost customer is not a cohort table; {simulate}")
                        .format(simulate=simulate))
    if arrivals.prospects_per_year > 0:
        problems.append(_("arrivals.prospects_per_year: got {value}; prospects arriving over time are not a cohort "
                          "acquired at the start; {simulate}")
                        .format(value=f"{arrivals.prospects_per_year:g}", simulate=simulate))
    if years is None:
        years = scenario.horizon_years
        if years != int(years):
            problems.append(_("horizon: {months} months is not a whole number of years; pass years=")
                            .format(months=scenario.horizon))
    if isinstance(years, bool) or not isinstance(years, (int, float)) or years != int(years) or not 1 <= years <= 100:
        problems.append(_("{path}: got {value}, expected {rule}").format(
            path="years", value=repr(years), rule=_("a whole number in [{low}, {high}]").format(low=1, high=100)))
    factors = scenario.discounting.discount_factors
    if not problems and factors is not None and len(factors) < int(years):
        problems.append(_("discounting.discount_factors: got {count} values, expected one per year of the table "
                          "({years})").format(count=len(factors), years=int(years)))
    if problems:
        raise ScenarioError(problems, scenario.name)
    years = int(years)

    tenure = scenario.tenure
    rate = scenario.discounting
    by_margin = tenure.margin_per_customer is not None
    at_start = rate.acquisition_at_start
    cohort = float(arrivals.cohort_size)
    acquisition = cohort * arrivals.acquisition_cost
    purchase_rows = (("margin_per_customer", "margin") if by_margin else
                     ("orders_per_year", "average_order_value", "revenue", "cost_of_sales_share", "cost_of_sales"))
    keys = ("retained", "referral_rate", "referred", "customers", "retention_rate", *purchase_rows,
            "acquisition_cost", "marketing_cost")
    others = [f"other:{name}" for name in tenure.other_costs_per_year]  # never clash with a built-in row
    keys += (*others, "referral_incentives", "total_cost", "gross_profit", "discount_rate", "npv")
    columns = []
    retained = cohort
    for n in range(1, years + 1):
        row = tenure.row(n)
        referred = retained * row["referral_rate"]
        customers = retained + referred
        value = {"retained": retained, "referral_rate": row["referral_rate"], "referred": referred,
                 "customers": customers, "retention_rate": row["retention_rate"],
                 "acquisition_cost": acquisition if n == 1 and not at_start else 0.0,
                 "marketing_cost": customers * row["service_cost_per_year"],
                 "referral_incentives": referred * row["referral_incentive"],
                 "discount_rate": rate.discount_rate(n)}
        if by_margin:
            value["margin_per_customer"] = row["margin_per_customer"]
            value["margin"] = earned = customers * row["margin_per_customer"]
            cost_of_sales = 0.0
        else:
            revenue = customers * row["orders_per_year"] * row["average_order_value"]
            cost_of_sales = revenue * row["cost_of_sales_share"]
            value.update({"orders_per_year": row["orders_per_year"], "average_order_value": row["average_order_value"],
                          "revenue": revenue, "cost_of_sales_share": row["cost_of_sales_share"],
                          "cost_of_sales": cost_of_sales})
            earned = revenue
        for name, cost in row["other_costs_per_year"].items():
            value[f"other:{name}"] = customers * cost
        value["total_cost"] = (cost_of_sales + value["acquisition_cost"] + value["marketing_cost"]
                               + sum(value[key] for key in others) + value["referral_incentives"])
        value["gross_profit"] = earned - value["total_cost"]
        value["npv"] = value["gross_profit"] / value["discount_rate"]
        columns.append(value)
        retained = customers * row["retention_rate"]
    if at_start:  # year 0: the cohort is acquired at time 0, before any year's profit, never discounted
        columns.insert(0, {key: np.nan for key in keys} | {
            "customers": cohort, "acquisition_cost": acquisition, "total_cost": acquisition,
            "gross_profit": -acquisition, "discount_rate": 1.0, "npv": -acquisition})
    rows = {key: np.array([column[key] for column in columns], dtype=float) for key in keys}
    rows["cumulative_npv"] = np.cumsum(rows["npv"])
    rows["ltv"] = rows["cumulative_npv"] / cohort
    title = (N_("exact lifetime-value table of {customers} customers acquired at the start"),
             {"customers": f"{cohort:,.0f}"})
    return CohortTable(scenario=scenario, rows=rows, labels=_labels(rows), first_year=0 if at_start else 1,
                       title=title[0].format(**title[1]), title_parts=title)


def _labels(rows: dict) -> dict:
    """English label and Chinese term of each row; a further cost line shows its own name."""
    return {key: _ROWS[key][:2] if key in _ROWS else (f"{key.removeprefix('other:').replace('_', ' ')} ¥", "")
            for key in rows}


def simulated_cohort_table(result) -> CohortTable:
    """The same layout from a simulation run: what the customers actually did, year by year.

    Money is summed over each year; ``acquisition_cost`` includes referral
    incentives and replacements; ``marketing_cost`` holds every yearly
    per-customer cost line.  LTV is the cumulative NPV per customer of the
    cohort at time 0 (:meth:`SimulationResult.average_ltv`).

    Parameters
    ----------
    result : SimulationResult
        A run of :func:`simkit.run_simulation` over a whole number of years.

    Returns
    -------
    CohortTable
        Rows ``customers``, ``revenue``, ``cost_of_sales``, ``acquisition_cost``,
        ``marketing_cost``, ``referral_damage``, ``total_cost``, ``gross_profit``,
        ``discount_rate``, ``npv``, ``cumulative_npv``, ``ltv`` (¥); a year-0
        column when the scenario pays acquisition at the start.

    Raises
    ------
    ValueError
        If the run's horizon is not a whole number of years.
    """
    scenario = result.scenario
    per_year = scenario.periods_per_year
    if scenario.n_periods % per_year:
        raise ValueError(_("horizon: {months} months is not a whole number of years").format(months=scenario.horizon))
    years = scenario.n_periods // per_year

    def yearly(values):
        return np.asarray(values, dtype=float).reshape(years, per_year).sum(axis=1)

    served = result.customers_served()
    active_before = served - result.periods["n_acquired"]
    periods = result.periods
    rows = {  # the second product's sales and costs count with the first's (revenue - total cost = gross profit)
        "customers": active_before[::per_year] + yearly(periods["n_acquired"]),
        "revenue": yearly(periods["revenue"] + periods["cross_sell_revenue"]),
        "cost_of_sales": yearly(periods["cost_of_sales"] + periods["cross_sell_cost"]),
        "acquisition_cost": yearly(periods["acquisition_cost"]),
        "marketing_cost": yearly(periods["service_cost"]),
        "referral_damage": yearly(periods["referral_damage_cost"]),
        "total_cost": yearly(periods["cost_of_sales"] + periods["cross_sell_cost"] + periods["acquisition_cost"]
                             + periods["service_cost"] + periods["referral_damage_cost"]),
        "gross_profit": yearly(periods["profit"]),
        "discount_rate": np.array([scenario.discounting.discount_rate(n) for n in range(1, years + 1)]),
        "npv": yearly(periods["discounted_profit"]),
    }
    first_year = 1
    arrivals = scenario.arrivals
    if scenario.discounting.acquisition_at_start and arrivals.cohort_stage is Stage.NEW:
        # year 0: the cohort acquired at time 0 (its acquisition is undiscounted in the NPV row already)
        at_zero = arrivals.cohort_size * arrivals.acquisition_cost
        zero = {key: np.nan for key in rows} | {"customers": float(arrivals.cohort_size), "acquisition_cost": at_zero,
                                                 "total_cost": at_zero, "gross_profit": -at_zero,
                                                 "discount_rate": 1.0, "npv": -at_zero}
        rows["customers"] = rows["customers"] - np.eye(years)[0] * arrivals.cohort_size
        for key in ("acquisition_cost", "total_cost"):
            rows[key] = rows[key] - np.eye(years)[0] * at_zero
        for key in ("gross_profit", "npv"):
            rows[key] = rows[key] + np.eye(years)[0] * at_zero
        rows = {key: np.concatenate([[zero[key]], values]) for key, values in rows.items()}
        first_year = 0
    rows["cumulative_npv"] = np.cumsum(rows["npv"])
    rows["ltv"] = rows["cumulative_npv"] / arrivals.cohort_size
    title = (N_("simulated, {customers} customers, seed {seed}"),
             {"customers": f"{arrivals.cohort_size:,}", "seed": result.seed})
    return CohortTable(scenario=scenario, rows=rows, labels=_labels(rows), first_year=first_year,
                       title=title[0].format(**title[1]), title_parts=title)


def hughes_table(*, customers: int, retention_rate, orders_per_year=None, average_order_value=None,
                 cost_of_sales_share=None, margin_per_customer=None, acquisition_cost: float = 0.0,
                 marketing_cost=None, other_costs: dict | None = None, referral_rate=None, referral_incentive=None,
                 interest_rate: float = 0.0, risk_factor: float = 1.0, payment_delay_days: float = 0.0,
                 discount_timing: str = "start", acquisition_at_start: bool = False, discount_factors=None,
                 years: int | None = None, name: str = "hughes_table") -> CohortTable:
    """Type in a lifetime-value table from a book and get its figures back.

    Every per-year argument is a list with one value per year (the lists
    must have the same length); rates are fractions (60 % is 0.60).  The
    inputs are checked like any scenario (they become one).

    Conventions (books differ; each reproduces its own tables):

    - ``discount_timing="start"`` (Hughes, textbook §4): year n's profit is divided by
      (1 + interest x risk)^(n-1); ``"end"`` (Gupta & Lehmann, Berger & Nasr, Kotler &
      Keller): by (1 + interest x risk)^n.
    - ``acquisition_at_start=True``: the acquisition cost stands in a year-0 column, paid at
      time 0 and never discounted; otherwise it is in year 1 with that year's profit.
    - ``discount_factors=[1, 1.16, 1.35]``: the factors as the book prints them (rounded),
      used instead of the computed ones, so the book's figures come back to the unit.
    - ``margin_per_customer=[...]``: the margin per customer and year given directly,
      instead of ``orders_per_year``, ``average_order_value`` and ``cost_of_sales_share``.

    Parameters
    ----------
    customers : int
        Customers acquired at the start (the cohort), a whole number in [1, 10,000,000].
    retention_rate : list of float
        Share of each year's customers still customers the next year, each in
        [0, 1] (客户保持率, §4; churn rate 客户流失率 = 1 - retention).
    orders_per_year : list of float, optional
        Purchase frequency (购买频率), purchases per customer per year.
    average_order_value : list of float, optional
        Mean spend per purchase (平均订单金额), ¥.
    cost_of_sales_share : list of float, optional
        Cost of sales as a share of revenue, each in [0, 1] (产品销售成本率).
        These three are required unless ``margin_per_customer`` is given.
    margin_per_customer : list of float, optional
        Margin (revenue - cost of sales) per customer and year, ¥, instead of
        the three above.
    acquisition_cost : float, default 0.0
        Cost of winning one customer (获得成本), ¥ per customer.
    marketing_cost : list of float, optional
        Marketing and service cost (营销与服务成本), ¥ per customer per year
        (omitted: 0).
    other_costs : dict of str -> list of float, optional
        Further cost lines by name, ¥ per customer per year, one value per year.
    referral_rate : list of float, optional
        Customers each retained customer brings by recommendation in the year
        (omitted: 0).
    referral_incentive : list of float, optional
        ¥ paid for each referred customer (omitted: 0).
    interest_rate : float, default 0.0
        Interest rate per year, in [0, 1].
    risk_factor : float, default 1.0
        Multiplies the interest rate in the discount rate (贴现率), in [0, 10]
        (Hughes uses about 2).
    payment_delay_days : float, default 0.0
        Days customers take to pay, in [0, 3650].
    discount_timing : {'start', 'end'}, default 'start'
        See the conventions above.
    acquisition_at_start : bool, default False
        See the conventions above.
    discount_factors : list of float, optional
        Printed discount factors, one per year (numbers > 0), instead of interest
        and risk; at least one per year of the table.
    years : int, optional
        Years of the table, in [1, 100] (default: the length of the lists;
        beyond them the last year repeats).
    name : str, default "hughes_table"
        The table's name (the scenario's), shown in its title.

    Returns
    -------
    CohortTable
        As :func:`cohort_table` computes it; ``.ltv`` is the average LTV
        (客户终身价值) per customer first acquired, ¥, after each year.

    Raises
    ------
    ScenarioError
        Listing every broken rule at once (lists of different lengths, a rate
        outside [0, 1], a missing row, ...).

    Examples
    --------
    >>> t = hughes_table(customers=10_000, retention_rate=[0.6, 0.7, 0.8], orders_per_year=[1.6, 2.6, 3.2],
    ...                  average_order_value=[100, 112, 120], cost_of_sales_share=[0.7, 0.65, 0.65],
    ...                  acquisition_cost=60, marketing_cost=[0, 20, 20], interest_rate=0.08, risk_factor=2)
    >>> f"{t.ltv[-1]:.2f}"
    '66.08'
    """
    tenure = {"retention_rate": retention_rate}
    for key, value in (("orders_per_year", orders_per_year), ("average_order_value", average_order_value),
                       ("cost_of_sales_share", cost_of_sales_share), ("margin_per_customer", margin_per_customer),
                       ("service_cost_per_year", marketing_cost), ("referral_rate", referral_rate),
                       ("referral_incentive", referral_incentive)):
        if value is not None:
            tenure[key] = value
    if other_costs:
        tenure["other_costs_per_year"] = other_costs
    discounting = {"interest_rate": interest_rate, "risk_factor": risk_factor,
                   "payment_delay_days": payment_delay_days, "timing": discount_timing,
                   "acquisition_at_start": acquisition_at_start}
    if discount_factors is not None:
        discounting["discount_factors"] = discount_factors
    n_years = len(retention_rate) if hasattr(retention_rate, "__len__") else 1
    scenario = Scenario.from_dict({
        "name": name,
        "horizon": years if years is not None else n_years,
        "arrivals": {"cohort_size": customers, "cohort_stage": "new", "acquisition_cost": acquisition_cost},
        "tenure": tenure,
        "discounting": discounting,
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
    N_("retention +10 points"): _retention_up,
    N_("acquisition cost -10 %"): _acquisition_down,
    N_("cost of sales -5 points"): _cost_of_sales_down,
}


@dataclass(frozen=True)
class LeverEffect:
    """What one lever does to the final-year average LTV (¥)."""

    lever: str
    ltv_before: float
    ltv_after: float

    @property
    def change(self) -> float:
        return self.ltv_after - self.ltv_before


def ltv_sensitivity(scenario: Scenario, levers: dict | None = None, years: int | None = None) -> list[LeverEffect]:
    """Pull each lever alone and recompute the exact table; largest effect first.

    The default levers (textbook §4): retention +10 points in every year (at
    most 100 %), acquisition cost -10 %, cost of sales -5 points in every year.

    Parameters
    ----------
    scenario : Scenario
        A scenario :func:`cohort_table` accepts (a tenure table and a cohort
        acquired at the start).
    levers : dict of str -> callable, optional
        Lever name -> a function of the scenario returning the changed
        scenario (default :data:`~simkit.exact.cohort.DEFAULT_LEVERS`).
    years : int, optional
        Years of the tables (default: the scenario's horizon in years).

    Returns
    -------
    list of LeverEffect
        Each lever's average LTV (客户终身价值) in the final year before and
        after (``ltv_before``, ``ltv_after``, ``change``, ¥), largest absolute
        change first.

    Raises
    ------
    ScenarioError
        As :func:`cohort_table` raises.

    Examples
    --------
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
    from ..core.formatting import format_table

    return format_table([_("lever"), _("LTV before ¥"), _("LTV after ¥"), _("change ¥")],
                        [[_lever_name(e.lever), e.ltv_before, e.ltv_after, e.change] for e in effects])


def _lever_name(name: str) -> str:
    """A lever's name as shown: the textbook's levers in the language of messages, any other as given."""
    return _(name) if name in DEFAULT_LEVERS else name

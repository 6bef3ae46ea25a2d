"""Churn and group lifetime (客户流失率, textbook §2).

churn rate = customers lost per year / customers;  group lifetime = 1 / churn.
A firm that keeps its size must win as many new customers a year as it loses,
so a higher churn costs acquisition spending every year.

Two readings of "Firm A loses all 100 customers in 5 years":

* **steady state** (the firm replaces whom it loses): the average customer
  stays 1 / churn years and 100 customers are replaced every 1 / churn years
  -- turnover, not an empty customer base;
* **closed cohort** (no replacement): 100 x (1 - churn)^t are left after t
  years -- about 33 after five years at 20 % churn.

>>> table = churn_table(acquisition_cost=60)
>>> [f.group_lifetime for f in table.firms]
[5.0, 10.0]
>>> table.extra_spending()
600.0
"""

from __future__ import annotations

import numpy as np

import html
from dataclasses import dataclass

from .formulas import group_lifetime, survivors
from ..core.formatting import format_table
from ..core.language import N_, _
from ..model.rules import Number, check_values
from ..model.scenario import Scenario

__all__ = ["ChurnTable", "Firm", "TEXTBOOK_FIRMS", "churn_table", "closed_cohort_law", "firm_scenario",
           "tenure_distribution"]


@dataclass(frozen=True)
class Firm:
    """A firm with ``customers`` customers losing ``lost_per_year`` of them a year (textbook §2).

    Its churn rate (客户流失率) is ``lost_per_year / customers`` and its group
    customer lifetime (企业客户群体生命周期) 1 / churn rate, in years.

    Parameters
    ----------
    name : str
        The firm's name (the textbook's are "Firm A" and "Firm B", 企业A / 企业B).
    customers : int
        Customers it has, a whole number in [1, 10^9].
    lost_per_year : float
        Customers lost per year, in (0, ``customers``].

    Raises
    ------
    ValueError
        If ``customers`` or ``lost_per_year`` is out of its range; the message
        names the firm, the field, the value and the rule.

    Examples
    --------
    >>> Firm("Firm A", 100, 20).group_lifetime
    5.0
    """

    name: str
    customers: int
    lost_per_year: float

    def __post_init__(self):
        (customers,) = check_values(self.name, [("customers", self.customers, Number(1, 10**9, integer=True))])
        check_values(self.name, [("lost_per_year", self.lost_per_year,
                                  Number(0.0, customers, low_open=True))])  # at most the customers it has

    @property
    def churn_rate(self) -> float:
        """Share of customers lost per year."""
        return self.lost_per_year / self.customers

    @property
    def group_lifetime(self) -> float:
        """Group customer lifetime (企业客户群体生命周期) in years, 1 / churn rate."""
        return group_lifetime(self.churn_rate)

    @property
    def replacements_per_year(self) -> float:
        """New customers needed per year to stay at the same size."""
        return float(self.lost_per_year)

    def acquisition_spending(self, acquisition_cost: float) -> float:
        """¥ per year spent on replacing lost customers.

        Parameters
        ----------
        acquisition_cost : float
            Cost of winning one customer (获得成本), ¥ per customer.

        Returns
        -------
        float
            ``lost_per_year * acquisition_cost``, ¥ per year.
        """
        return self.replacements_per_year * acquisition_cost

    def left_in_closed_cohort(self, years: float) -> float:
        """Customers expected to be left of a closed cohort (no replacement): n (1 - churn)^years.

        Parameters
        ----------
        years : float
            Years since the start.

        Returns
        -------
        float
            Expected customers left.
        """
        return survivors(self.customers, 1.0 - self.churn_rate, years)


#: The textbook's two firms (§2).
TEXTBOOK_FIRMS = (Firm(N_("Firm A"), 100, 20), Firm(N_("Firm B"), 100, 10))


def _firm_name(firm: Firm) -> str:
    """The firm's name as shown: the textbook's two firms in the language of messages, any other as given."""
    return _(firm.name) if firm.name in ("Firm A", "Firm B") else firm.name


@dataclass(frozen=True)
class ChurnTable:
    """The churn example as a table: one column per firm."""

    firms: tuple
    acquisition_cost: float | None = None

    def extra_spending(self, first: int = 0, second: int = 1) -> float:
        """How much more ``firms[first]`` spends a year on acquisition than ``firms[second]`` (¥)."""
        if self.acquisition_cost is None:
            raise ValueError(_("acquisition_cost: not given; churn_table(acquisition_cost=...) sets it"))
        a, b = self.firms[first], self.firms[second]
        return a.acquisition_spending(self.acquisition_cost) - b.acquisition_spending(self.acquisition_cost)

    def rows(self) -> list:
        """The table's rows, each a label (in the language of messages) and one value per firm."""
        rows = [[_("customers"), *(f.customers for f in self.firms)],
                [_("lost per year"), *(f.lost_per_year for f in self.firms)],
                [_("churn rate"), *(f"{f.churn_rate:.1%}" for f in self.firms)],
                [_("group lifetime = 1 / churn (years)"), *(_plain(round(f.group_lifetime, 2)) for f in self.firms)],
                [_("new customers needed per year"), *(f.replacements_per_year for f in self.firms)]]
        if self.acquisition_cost is not None:
            spending = _("acquisition spending per year ¥ (at ¥{cost} each)")
            rows.append([spending.format(cost=f"{self.acquisition_cost:g}"),
                         *(f.acquisition_spending(self.acquisition_cost) for f in self.firms)])
        rows.append([_("expected left after 5 years without replacement"),   # n (1 - churn)^5: an expectation
                     *(f"{f.left_in_closed_cohort(5):.1f}" for f in self.firms)])
        return rows

    def to_text(self) -> str:
        title = _("churn and group lifetime (客户流失率, §2)")
        text = format_table([title, *(_firm_name(f) for f in self.firms)],
                            [[r[0], *(_plain(v) for v in r[1:])] for r in self.rows()], right_from=1)
        if self.acquisition_cost is not None and len(self.firms) >= 2:
            a, b = self.firms[0], self.firms[1]
            text += "\n" + _("{first} spends ¥{amount} a year more than {second} on replacing lost customers.").format(
                first=_firm_name(a), amount=f"{self.extra_spending():,.0f}", second=_firm_name(b))
        return text

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(_firm_name(f))}</th>" for f in self.firms)
        body = "".join("<tr><td style='text-align:left'>" + html.escape(r[0]) + "</td>"
                       + "".join(f"<td style='text-align:right'>{html.escape(_plain(v))}</td>" for v in r[1:])
                       + "</tr>"
                       for r in self.rows())
        return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"


def _plain(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def churn_table(firms=TEXTBOOK_FIRMS, acquisition_cost: float | None = None) -> ChurnTable:
    """The textbook's churn table (客户流失率, §2): churn, group lifetime and replacements, one column per firm.

    Parameters
    ----------
    firms : sequence of Firm, default Firm A and Firm B
        The firms to compare (default: the textbook's, 100 customers each,
        losing 20 and 10 a year).
    acquisition_cost : float, optional
        Cost of winning one customer (获得成本), ¥ per customer, finite and
        >= 0.  When given, the table adds each firm's yearly spending on
        replacing lost customers, and :meth:`ChurnTable.extra_spending` works.

    Returns
    -------
    ChurnTable
        Prints as a text table, shows as HTML in a notebook; ``.firms`` holds
        the firms.

    Raises
    ------
    ValueError
        If ``firms`` is empty or holds something other than a :class:`Firm`,
        or ``acquisition_cost`` is not a finite number >= 0.

    Examples
    --------
    >>> churn_table(acquisition_cost=60).extra_spending()     # Firm A spends ¥600 a year more than Firm B
    600.0
    """
    firms = tuple(firms)
    if not firms or not all(isinstance(f, Firm) for f in firms):
        raise ValueError(_("firms: got {value}, expected one or more simkit.exact.churn.Firm")
                         .format(value=repr(firms)))
    if acquisition_cost is not None and (isinstance(acquisition_cost, bool)
                                         or not isinstance(acquisition_cost, (int, float))
                                         or not 0 <= acquisition_cost < float("inf")):
        raise ValueError(_("{path}: got {value}, expected {rule}").format(
            path="acquisition_cost", value=repr(acquisition_cost), rule=_("a finite number >= {low}").format(low=0)))
    return ChurnTable(firms, None if acquisition_cost is None else float(acquisition_cost))


def firm_scenario(firm: Firm, *, steady_state: bool, horizon_years: int = 10, acquisition_cost: float = 0.0,
                  seed: int = 2) -> Scenario:
    """A scenario for the engine: the firm's customers at time 0, a constant yearly retention.

    ``steady_state=True`` replaces each lost customer at once (the firm keeps
    its size); ``False`` is the closed cohort.
    """
    return Scenario.from_dict({
        "name": f"{firm.name.lower().replace(' ', '_')}_{'steady' if steady_state else 'cohort'}",
        "description": f"{firm.name}: {firm.customers} customers, {firm.lost_per_year:g} lost a year"
                       f"{', each replaced at once' if steady_state else ', no replacement'}.",
        "horizon": horizon_years,
        "seed": seed,
        "arrivals": {"cohort_size": firm.customers, "cohort_stage": "new", "acquisition_cost": acquisition_cost,
                     "replace_lost": steady_state},
        "tenure": {"retention_rate": [1.0 - firm.churn_rate], "orders_per_year": [0.0],
                   "average_order_value": [0.0], "cost_of_sales_share": [0.0]},
    })


def closed_cohort_law(customers: int, retention_rate: float, years):
    """Customers left of a closed cohort after ``years`` (n r^t) and the half-width of one run's 95 % range.

    Each customer is still there with probability r^t, so the count is binomial(n, r^t):
    1.96 x sqrt(n r^t (1 - r^t)) either side of n r^t.

    >>> expected, half = closed_cohort_law(100, 0.8, 1.0)
    >>> round(float(expected), 1), round(float(half), 2)       # 80 left, give or take 1.96 x 4
    (80.0, 7.84)
    """
    share = retention_rate ** np.asarray(years, dtype=float)
    return customers * share, 1.96 * np.sqrt(customers * share * (1 - share))


def tenure_distribution(result, retention_rate: float) -> dict:
    """Whole years the starting customers stayed before being lost, simulated and by the geometric law (§2).

    Returns ``years`` (k = 1 ... horizon), ``simulated`` (customers lost after k years), ``expected``
    (n r^(k-1) (1 - r)) and ``half`` (the 95 % range of one run, binomial).  Needs the ledger.
    """
    from ..model.stages import Stage

    if result.ledger is None:
        raise ValueError(_("result: has no ledger; run_simulation(..., ledger=True) keeps one row per customer"))
    ledger = result.ledger
    cohort = (ledger["final_stage"] == Stage.LOST) & (ledger["source"] == 0)
    stayed = np.round(ledger["exit_time"][cohort] - ledger["entry_time"][cohort]).astype(int)
    horizon = int(result.scenario.horizon_years)
    k = np.arange(1, horizon + 1)
    n = result.scenario.arrivals.cohort_size
    p = retention_rate ** (k - 1) * (1 - retention_rate)
    return {"years": k, "simulated": np.bincount(stayed, minlength=horizon + 1)[1:horizon + 1],
            "expected": n * p, "half": 1.96 * np.sqrt(n * p * (1 - p))}

"""The parts of a scenario: who arrives, each stage, the tenure table, the funnel, the second product,
discounting.  Each field carries its rule, unit, meaning and textbook term (:func:`field_info`), which
the reference table, the sliders and the messages read.

>>> field_info(StageParams, "orders_per_year")["unit"]
'purchases per year'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping

from ..core.language import _
from .rules import FRACTION, MONEY, Choice, Factors, Flag, Number, rule_field
from .stages import Stage

__all__ = ["Arrivals", "CrossSell", "Discounting", "FUNNEL_STAGES", "Funnel", "StageParams", "Stages",
           "TenureSchedule", "field_info"]

#: shortest mean stay in a stage (years, about 9 hours): shorter stays would let the clock stall
MIN_DURATION_YEARS = 0.001
MAX_ENTRANTS = 10_000_000
PERIODS_PER_YEAR = {"year": 1, "month": 12}
DURATION_DISTRIBUTIONS = ("exponential", "fixed")
COHORT_STAGES = (Stage.PROSPECT, Stage.NEW)


def field_info(cls, name: str) -> dict:
    """Unit, meaning, textbook term and a sensible slider range of a field.

    """
    for f in dataclasses.fields(cls):
        if f.name == name:
            info = dict(f.metadata)
            info["rule"] = info["rule"].describe() if info.get("rule") else ""
            return info
    raise KeyError(_("{owner} has no field {name}").format(owner=cls.__name__, name=repr(name)))


@dataclass(frozen=True)
class Arrivals:
    """Who enters the population, and what winning a customer costs.

    People enter as a cohort at time 0, as a stream of prospects brought by
    marketing, or both (a scenario with neither is refused).

    The values are checked when a :class:`~simkit.Scenario` holding them is
    built (a :class:`~simkit.ScenarioError` names every broken rule), not here.

    Parameters
    ----------
    cohort_size : int, default 0
        People entering together at time 0, a whole number in [0, 10,000,000].
    cohort_stage : {'prospect', 'new'}, default 'prospect'
        Stage the cohort starts in: ``'prospect'`` (潜在客户, not yet bought) or
        ``'new'`` (新客户, already acquired, acquisition cost paid at time 0).
        A validated scenario holds it as a :class:`~simkit.Stage`.
    prospects_per_year : float, default 0.0
        Prospects per year brought by marketing (a Poisson process), in
        [0, 10,000,000].
    acquisition_cost : float, default 0.0
        Cost of winning one customer (获得成本, textbook §1, §4), ¥ per
        customer, paid when a prospect converts; >= 0.
    referral_damage_cost : float, default 0.0
        Business lost per prospect driven away by bad word of mouth
        (推荐破坏成本, §1), ¥ per lost prospect; >= 0.
    replace_lost : bool, default False
        Replace each lost customer at once by a newly acquired one, who joins
        for the period that starts then (acquisition cost paid; none at the
        horizon): a firm holding its size, the steady state of §2.
    """

    cohort_size: int = rule_field(0, Number(0, MAX_ENTRANTS, integer=True), "people",
                              "people entering together at time 0", slider=(1, 20000))
    cohort_stage: Stage = rule_field("prospect", Choice(("prospect", "new")), "",
                                 "stage the cohort starts in: 'prospect' (not yet bought) or "
                                 "'new' (already acquired, acquisition cost paid at time 0)")
    prospects_per_year: float = rule_field(0.0, Number(0.0, MAX_ENTRANTS), "prospects per year",
                                       "stream of prospects brought by marketing (a Poisson process)",
                                       slider=(0, 5000))
    acquisition_cost: float = rule_field(0.0, MONEY, "yuan per customer",
                                     "cost of winning one customer, paid when a prospect converts",
                                     "获得成本 (§1, §4)", slider=(0, 500))
    referral_damage_cost: float = rule_field(0.0, MONEY, "yuan per lost prospect",
                                         "business lost per prospect driven away by bad word of mouth",
                                         "推荐破坏成本 (§1)", slider=(0, 500))
    replace_lost: bool = rule_field(False, None, "",
                                "replace each lost customer at once by a newly acquired one, who joins for "
                                "the period that starts then (acquisition cost paid; none at the horizon): a "
                                "firm holding its size, the steady state of §2")


@dataclass(frozen=True)
class StageParams:
    """What a customer does while in one lifecycle stage.

    A stage lasts ``mean_duration_years`` on average (exponentially distributed,
    or exactly that long when ``duration_distribution = "fixed"``); then the
    customer moves to a next stage drawn from ``next_stage`` (stage name ->
    probability, summing to 1).  Leave ``mean_duration_years`` out and the
    customer stays in the stage until the horizon.

    The values are checked when a :class:`~simkit.Scenario` holding them is
    built (a :class:`~simkit.ScenarioError` names every broken rule), not here.

    Parameters
    ----------
    mean_duration_years : float, optional
        Mean time spent in the stage, years, in [0.001, 1000] (0.001 years is
        about 9 hours: shorter would stall the clock).  Omitted (None): the
        stage lasts until the horizon.
    duration_distribution : {'exponential', 'fixed'}, default 'exponential'
        ``'exponential'`` (a constant rate of moving on) or ``'fixed'``
        (exactly the mean).
    next_stage : mapping of str -> float, default {}
        Probability of going to each next stage, e.g. ``{"loyal": 0.7,
        "lost": 0.3}``; each a share in [0, 1], summing to 1, with stages
        from :attr:`Stage.allowed_next <simkit.Stage.allowed_next>`.  Required
        when ``mean_duration_years`` is set, not allowed when it is not.
    orders_per_year : float, default 0.0
        Purchase frequency (购买频率), purchases per year (a Poisson process),
        in [0, 10000].
    average_order_value : float, default 0.0
        Mean spend per purchase (消费额, §3), ¥ per purchase, in [0, 1e9].
    order_value_sd : float, default 0.0
        Spread (standard deviation) of spend per purchase, ¥ per purchase, at
        most 10 x ``average_order_value``.
    cost_of_sales_share : float, default 0.0
        Cost of sales as a share of revenue in [0, 1] (产品销售成本率, §4).
    service_cost_per_year : float, default 0.0
        Cost to serve and retain the customer (服务/保持成本), ¥ per year; >= 0.
    referrals_per_year : float, default 0.0
        New prospects the customer brings by recommendation (推荐价值, §1),
        prospects per year, in [0, 1000].
    referral_damage_per_year : float, default 0.0
        Prospects driven away by bad word of mouth (推荐破坏, §1), prospects
        per year, in [0, 1000]; each costs ``arrivals.referral_damage_cost``.
    price_discount : float, default 0.0
        Share of the list price given away on this stage's purchases, in
        [0, 1] (价格优惠, §1), e.g. to win new customers.
    cross_sell_adoption_per_year : float, default 0.0
        Rate per year, in [0, 100], at which a customer here adopts the second
        product (``Scenario.cross_sell``), becoming a new customer of a new
        business (新业务的新客户, §1).
    """

    mean_duration_years: float | None = rule_field(
        None, Number(MIN_DURATION_YEARS, 1000.0, optional=True), "years",
        "mean time spent in the stage (at least 0.001 years, about 9 hours: shorter would stall the clock); "
        "omitted: the stage lasts until the horizon", slider=(0.05, 10))
    duration_distribution: str = rule_field(
        "exponential", Choice(DURATION_DISTRIBUTIONS), "",
        "'exponential' (a constant rate of moving on) or 'fixed' (exactly the mean)")
    next_stage: Mapping = rule_field({}, None, "",
                                 "probability of going to each next stage, e.g. {loyal = 0.7, lost = 0.3}")
    orders_per_year: float = rule_field(0.0, Number(0.0, 10000.0), "purchases per year",
                                    "purchase frequency (a Poisson process)", "购买频率", slider=(0, 24))
    average_order_value: float = rule_field(0.0, Number(0.0, 1e9), "yuan per purchase",
                                        "mean spend per purchase", "消费额 (§3)", slider=(0, 1000))
    order_value_sd: float = rule_field(0.0, Number(0.0, 1e9), "yuan per purchase",
                                   "spread (standard deviation) of spend per purchase, at most 10 x the average",
                                   slider=(0, 500))
    cost_of_sales_share: float = rule_field(0.0, FRACTION, "share of revenue",
                                        "cost of sales as a fraction of revenue", "销售成本率 (§4)",
                                        slider=(0, 1))
    service_cost_per_year: float = rule_field(0.0, MONEY, "yuan per year",
                                          "cost to serve and retain the customer", "服务/保持成本",
                                          slider=(0, 200))
    referrals_per_year: float = rule_field(0.0, Number(0.0, 1000.0), "prospects per year",
                                       "new prospects the customer brings by recommendation",
                                       "推荐价值 (§1)", slider=(0, 5))
    referral_damage_per_year: float = rule_field(0.0, Number(0.0, 1000.0), "prospects per year",
                                             "prospects driven away by bad word of mouth",
                                             "推荐破坏 (§1)", slider=(0, 5))
    price_discount: float = rule_field(0.0, FRACTION, "share of the list price",
                                   "price given away on this stage's purchases (e.g. to win new customers)",
                                   "价格优惠 (§1)", slider=(0, 0.5))
    cross_sell_adoption_per_year: float = rule_field(0.0, Number(0.0, 100.0), "per year",
                                                 "rate at which a customer here adopts the second product, "
                                                 "becoming a new customer of a new business ([cross_sell])",
                                                 "新业务的新客户 (§1)", slider=(0, 2))


_STAGE_FIELDS = ("prospect", "new", "loyal", "decline")


@dataclass(frozen=True)
class Stages:
    """Parameters of the four active stages (lost and unconverted are terminal).

    ``stages[Stage.LOYAL]`` (or ``stages[2]``) is the same as ``stages.loyal``.

    The values are checked when a :class:`~simkit.Scenario` holding them is
    built (a :class:`~simkit.ScenarioError` names every broken rule), not here.

    Parameters
    ----------
    prospect : StageParams, default StageParams()
        The prospect stage (潜在客户 / 考察期).
    new : StageParams, default StageParams()
        The new-customer stage (新客户 / 形成期).
    loyal : StageParams, default StageParams()
        The loyal-customer stage (老客户 / 稳定期).
    decline : StageParams, default StageParams()
        The decline stage (退化期).
    """

    prospect: StageParams = field(default_factory=StageParams)
    new: StageParams = field(default_factory=StageParams)
    loyal: StageParams = field(default_factory=StageParams)
    decline: StageParams = field(default_factory=StageParams)

    def __getitem__(self, stage: Stage) -> StageParams:
        return getattr(self, Stage(stage).label)


@dataclass(frozen=True)
class TenureSchedule:
    """Parameters by year of tenure: the form of an LTV table (textbook §4).

    Entry ``n - 1`` of each list applies in the customer's n-th year as a
    customer; the last entry repeats beyond the table.  At the end of tenure
    year n a customer stays with probability ``retention_rate[n - 1]``.
    Every list has one value per tenure year, as many as ``retention_rate``
    (1 to 100 values).

    The values are checked when a :class:`~simkit.Scenario` holding them is
    built (a :class:`~simkit.ScenarioError` names every broken rule), not here.

    Parameters
    ----------
    retention_rate : tuple of float
        Share of this year's customers still customers next year, each in
        [0, 1] (客户保持率 / 客户保留率, §4); 1 - retention is the churn rate
        (客户流失率, §2).  Required.
    orders_per_year : tuple of float
        Purchase frequency (购买频率, §4), purchases per year, each in
        [0, 10000].  Required unless ``margin_per_customer`` is given.
    average_order_value : tuple of float
        Mean spend per purchase (平均订单金额, §4), ¥ per purchase, each in
        [0, 1e9].  Required unless ``margin_per_customer`` is given.
    cost_of_sales_share : tuple of float
        Cost of sales as a share of revenue, each in [0, 1] (产品销售成本率,
        §4).  Required unless ``margin_per_customer`` is given.
    order_value_sd : tuple of float, optional
        Spread of spend per purchase, ¥ per purchase, each at most 10 x the
        year's average (omitted: 0).
    service_cost_per_year : tuple of float, optional
        Marketing and service cost (营销与服务成本, §4), ¥ per customer per
        year, each >= 0 (omitted: 0).
    referral_rate : tuple of float, optional
        Customers each retained customer brings by recommendation in the year,
        each in [0, 10]; they join at once and follow the table (omitted: 0).
    referral_incentive : tuple of float, optional
        ¥ paid for each referred customer, instead of the acquisition cost,
        each >= 0 (omitted: 0).
    margin_per_customer : tuple of float, optional
        Margin (revenue - cost of sales) per customer in the year, ¥ per
        customer per year, given directly instead of orders, order value and
        cost share.  For the exact table only (:func:`simkit.cohort_table`):
        there is nothing to simulate purchases from.
    other_costs_per_year : mapping of str -> tuple of float, default {}
        Further cost lines by name, ¥ per customer per year, one value per
        year, e.g. ``{"database": [4, 4, 4], "special_programme": [2, 2, 2]}``.
    """

    retention_rate: tuple = rule_field((), FRACTION, "share per year",
                                   "share of this year's customers still customers next year",
                                   "客户保持率 (§4)", slider=(0, 1))
    orders_per_year: tuple = rule_field((), Number(0.0, 10000.0), "purchases per year",
                                    "purchase frequency", "购买频率 (§4)", slider=(0, 24))
    average_order_value: tuple = rule_field((), Number(0.0, 1e9), "yuan per purchase",
                                        "mean spend per purchase", "平均订单金额 (§4)", slider=(0, 1000))
    cost_of_sales_share: tuple = rule_field((), FRACTION, "share of revenue",
                                        "cost of sales as a fraction of revenue", "销售成本率 (§4)",
                                        slider=(0, 1))
    order_value_sd: tuple | None = rule_field(None, Number(0.0, 1e9), "yuan per purchase",
                                          "spread of spend per purchase, at most 10 x the average (omitted: 0)",
                                          slider=(0, 500))
    service_cost_per_year: tuple | None = rule_field(None, MONEY, "yuan per customer per year",
                                                 "marketing and service cost (omitted: 0)",
                                                 "营销与服务成本 (§4)", slider=(0, 200))
    referral_rate: tuple | None = rule_field(None, Number(0.0, 10.0), "referred customers per customer",
                                         "customers each retained customer brings by recommendation in "
                                         "the year; they join at once and follow the table (omitted: 0)",
                                         "推荐率 (Hughes)", slider=(0, 0.2))
    referral_incentive: tuple | None = rule_field(None, MONEY, "yuan per referred customer",
                                              "paid for each referred customer, instead of the acquisition "
                                              "cost (omitted: 0)", "推荐奖励", slider=(0, 100))
    margin_per_customer: tuple | None = rule_field(None, Number(-1e9, 1e9), "yuan per customer per year",
                                               "margin (revenue - cost of sales) per customer in the year, "
                                               "given directly instead of orders, order value and cost share "
                                               "(the exact table only: nothing to simulate purchases from)",
                                               "每客户利润 (§4)")
    other_costs_per_year: Mapping = rule_field({}, None, "yuan per customer per year",
                                           "further cost lines by name, one value per year, e.g. "
                                           "{database = [4, 4, 4], special_programme = [2, 2, 2]}")

    @property
    def n_years(self) -> int:
        """Number of tenure years the table gives."""
        return len(self.retention_rate)

    def row(self, tenure_year: int) -> dict:
        """The parameters of one tenure year (the last row repeats).

        Parameters
        ----------
        tenure_year : int
            Year of the relationship, 1-based; years beyond the table give its
            last row, years below 1 its first.

        Returns
        -------
        dict
            Field name -> that year's value (None for an optional row left
            out); ``other_costs_per_year`` comes back as a dict of name -> ¥
            for that year.
        """
        index = min(max(tenure_year, 1), self.n_years) - 1
        row = {f.name: (None if getattr(self, f.name) is None else getattr(self, f.name)[index])
               for f in dataclasses.fields(self) if f.name != "other_costs_per_year"}
        row["other_costs_per_year"] = {name: values[index] for name, values in self.other_costs_per_year.items()}
        return row

    def yearly_cost_per_customer(self, tenure_year: int) -> float:
        """Marketing/service cost plus every further cost line, in one tenure year.

        Parameters
        ----------
        tenure_year : int
            Year of the relationship, 1-based (the last row repeats).

        Returns
        -------
        float
            ¥ per customer in that year.
        """
        index = min(max(tenure_year, 1), self.n_years) - 1
        return self.service_cost_per_year[index] + sum(values[index] for values in self.other_costs_per_year.values())


FUNNEL_STAGES = ("leads", "prospect", "opportunity", "pipeline", "upside", "committed")


@dataclass(frozen=True)
class Funnel:
    """The prospect stage as a sales funnel (销售漏斗, textbook §7).

    Leads (导引) -> prospect (潜在机会) -> opportunity (机会) -> pipeline (评估中) ->
    upside (高可能) -> committed (承诺).  ``win_probability`` gives, for the five
    stages after leads, the chance that a prospect there becomes a customer
    (the textbook's 10, 20, 50, 60, 70 %); so a prospect moves on from stage
    s with probability w(s) / w(s + 1), and a committed one buys with w(committed).
    A lead becomes a prospect with probability ``lead_qualification``.
    Each funnel stage lasts ``mean_duration_years`` (exponential) on average.
    """

    win_probability: tuple = rule_field((0.10, 0.20, 0.50, 0.60, 0.70), Number(0.0, 1.0, low_open=True),
                                    "probability", "chance of winning a prospect in each stage after leads "
                                    "(prospect, opportunity, pipeline, upside, committed)", "赢单概率 (§7)")
    mean_duration_years: tuple = rule_field((0.02, 0.04, 0.04, 0.04, 0.02, 0.02), Number(MIN_DURATION_YEARS, 10.0),
                                        "years", "mean time in each funnel stage (leads ... committed), at least "
                                        "0.001 years")
    lead_qualification: float = rule_field(0.5, FRACTION, "share of leads",
                                       "leads that turn out to be prospects (M.A.N.: money, authority, need)",
                                       "资格认定 (§6)", slider=(0, 1))

    def step_probabilities(self) -> tuple:
        """Probability of moving on from each funnel stage (leads ... upside), then of winning from committed."""
        w = self.win_probability
        return (self.lead_qualification, *(w[i] / w[i + 1] for i in range(4)), w[4])


@dataclass(frozen=True)
class CrossSell:
    """The firm's second product, bought by customers who adopted it (associated profit, 关联利润, §1)."""

    orders_per_year: float = rule_field(0.0, Number(0.0, 10000.0), "purchases per year",
                                    "purchases of the second product by an adopter, in every active stage",
                                    slider=(0, 12))
    average_order_value: float = rule_field(0.0, Number(0.0, 1e9), "yuan per purchase",
                                        "spend per purchase of the second product", slider=(0, 1000))
    cost_of_sales_share: float = rule_field(0.0, FRACTION, "share of revenue",
                                        "cost of sales of the second product", slider=(0, 1))


@dataclass(frozen=True)
class Discounting:
    """Discounting of future profit (贴现, textbook §4, Hughes' format).

    The discount rate (贴现率) for year n is ``(1 + interest_rate * risk_factor) **
    (n - 1 + payment_delay_days / 365)``; profit of year n is divided by it.
    With ``timing="end"`` the exponent is ``n + payment_delay_days / 365``.

    The values are checked when a :class:`~simkit.Scenario` holding them is
    built (a :class:`~simkit.ScenarioError` names every broken rule), not here.

    Parameters
    ----------
    interest_rate : float, default 0.0
        Interest rate (利率), per year, in [0, 1].
    risk_factor : float, default 1.0
        Risk factor (风险系数) multiplying the interest rate, in [0, 10]
        (Hughes uses about 2).
    payment_delay_days : float, default 0.0
        Days customers take to pay, in [0, 3650].
    timing : {'start', 'end'}, default 'start'
        When a year's profit is counted: ``'start'`` (Hughes, textbook §4:
        year n divided by (1 + interest x risk)^(n-1)) or ``'end'`` (Gupta &
        Lehmann, Kotler & Keller: ^n).
    acquisition_at_start : bool, default False
        Acquisition paid at time 0, before year 1 (a year-0 column, never
        discounted); False: in year 1 with the year's profit, as Hughes.
    discount_factors : tuple of float, optional
        Discount factors as a book prints them, one per year (1 to 100 numbers
        > 0, e.g. ``[1, 1.16, 1.35]``), used instead of interest and risk; the
        last repeats beyond the list.
    """

    interest_rate: float = rule_field(0.0, Number(0.0, 1.0), "per year", "interest rate",
                                  "利率", slider=(0, 0.3))
    risk_factor: float = rule_field(1.0, Number(0.0, 10.0), "", "risk factor multiplying the "
                                "interest rate (Hughes uses about 2)", "风险系数", slider=(0, 4))
    payment_delay_days: float = rule_field(0.0, Number(0.0, 3650.0), "days",
                                       "days customers take to pay", slider=(0, 180))
    timing: str = rule_field("start", Choice(("start", "end")), "",
                         "when a year's profit is counted: 'start' (Hughes, textbook §4: year n divided by "
                         "(1 + interest x risk)^(n-1)) or 'end' (Gupta & Lehmann, Kotler & Keller: ^n)")
    acquisition_at_start: bool = rule_field(False, Flag(), "",
                                        "acquisition paid at time 0, before year 1 (a year-0 column, never "
                                        "discounted); false: in year 1 with the year's profit, as Hughes")
    discount_factors: tuple | None = rule_field(None, Factors(), "",
                                            "discount factors as a book prints them, one per year (e.g. "
                                            "[1, 1.16, 1.35]), used instead of interest and risk; the last "
                                            "repeats beyond the list")

    def discount_rate(self, year: int) -> float:
        """The divisor for profit earned in one year (the discount rate, 贴现率).

        Parameters
        ----------
        year : int
            Calendar year of the profit, 1-based.

        Returns
        -------
        float
            Profit of that year divided by it is its present value (净现值).

        Examples
        --------
        >>> round(Discounting(interest_rate=0.08, risk_factor=2).discount_rate(3), 4)
        1.3456
        >>> round(Discounting(interest_rate=0.1, timing="end").discount_rate(1), 4)    # end of year 1
        1.1
        """
        if self.discount_factors:
            return self.discount_factors[min(max(year, 1), len(self.discount_factors)) - 1]
        start = 1 if self.timing == "start" else 0
        exponent = year - start + self.payment_delay_days / 365.0
        return (1.0 + self.interest_rate * self.risk_factor) ** exponent

    def acquisition_rate(self, year: int) -> float:
        """The divisor for an acquisition cost paid in one year.

        With ``acquisition_at_start`` it is paid at the start of the year (time 0 for year 1:
        never discounted); otherwise it counts with the year's profit (Hughes).

        Parameters
        ----------
        year : int
            Calendar year the acquisition is paid in, 1-based.

        Returns
        -------
        float
            Without ``acquisition_at_start``: :meth:`discount_rate` of that year.
            With it: 1.0 for year 1, and for a later year the discount rate at
            the start of that year.
        """
        if not self.acquisition_at_start:
            return self.discount_rate(year)
        if year <= 1:
            return 1.0
        if self.discount_factors:  # the start of year n: where year n starts (start) or year n - 1 ends (end)
            return self.discount_rate(year if self.timing == "start" else year - 1)
        return (1.0 + self.interest_rate * self.risk_factor) ** (year - 1)

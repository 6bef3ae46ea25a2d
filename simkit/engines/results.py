"""What engines return: per-period results, the customer ledger, the event log.

Results carry their scenario and seed, print as readable text tables, and
export to CSV (``to_csv``) and, when pandas is installed, to DataFrames
(``to_frame``).  pandas is optional: nothing here imports it unless asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.files import write_csv
from ..core.formatting import format_money, format_table
from ..core.language import N_, _
from ..model.stages import Stage

__all__ = ["EventLog", "Ledger", "LifetimeValueSummary", "SimulationResult"]


class RunningStats:
    """Count, mean and spread of a stream of numbers (Welford), in constant memory."""

    __slots__ = ("count", "mean", "_m2", "minimum", "maximum")

    def __init__(self):
        self.count = 0
        self.mean = 0.0
        self._m2 = 0.0
        self.minimum = math.inf
        self.maximum = -math.inf

    def add(self, x: float):
        self.count += 1
        delta = x - self.mean
        self.mean += delta / self.count
        self._m2 += delta * (x - self.mean)
        if x < self.minimum:
            self.minimum = x
        if x > self.maximum:
            self.maximum = x

    def summary(self) -> "LifetimeValueSummary":
        n = self.count
        sd = math.sqrt(self._m2 / (n - 1)) if n > 1 else math.nan
        return LifetimeValueSummary(
            count=n, mean=self.mean if n else math.nan, std=sd,
            minimum=self.minimum if n else math.nan, maximum=self.maximum if n else math.nan)


@dataclass(frozen=True)
class LifetimeValueSummary:
    """Count, mean and spread of customers' discounted lifetime value (¥, to the horizon).

    The lifetime value (客户终身价值) of one customer is its profit discounted
    by tenure year from entry, to the horizon for customers still active
    (the ledger's ``lifetime_value``).

    Attributes
    ----------
    count : int
        Customers summarised.
    mean : float
        Mean lifetime value, ¥ per customer (NaN when ``count`` is 0).
    std : float
        Sample standard deviation (divisor ``count - 1``), ¥; NaN for fewer
        than two customers.
    minimum, maximum : float
        Smallest and largest lifetime value, ¥ (NaN when ``count`` is 0).
    """

    count: int
    mean: float
    std: float
    minimum: float
    maximum: float

    @property
    def standard_error(self) -> float:
        """Standard error of the mean, ``std / sqrt(count)``."""
        return self.std / math.sqrt(self.count) if self.count > 1 else math.nan

    def confidence_interval(self, z: float = 1.96) -> tuple[float, float]:
        """Normal-approximation interval for the mean (95 % by default).

        Parameters
        ----------
        z : float, default 1.96
            Standard normal quantile: 1.96 gives 95 %, 2.576 gives 99 %.

        Returns
        -------
        (float, float)
            ``mean -/+ z * standard_error``, ¥; NaN for fewer than two customers.
        """
        return (self.mean - z * self.standard_error, self.mean + z * self.standard_error)


class _Columns:
    """A table held as named numpy columns."""

    columns: tuple = ()

    def __init__(self, data: dict):
        self._data = data

    @classmethod
    def from_rows(cls, rows):
        if not rows:
            return cls({name: np.array([], dtype=kind) for name, kind in cls.columns})
        transposed = list(zip(*rows))
        return cls({name: np.array(values, dtype=kind)
                    for (name, kind), values in zip(cls.columns, transposed)})

    def __len__(self) -> int:
        return len(next(iter(self._data.values())))

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._data[name]
        except KeyError:
            raise KeyError(_("no column {name}; columns: {names}").format(name=repr(name),
                                                                          names=", ".join(self._data))) from None

    @property
    def names(self) -> list[str]:
        return list(self._data)

    def to_dict(self) -> dict:
        return dict(self._data)

    def to_csv(self, path=None):
        """Write CSV to ``path``, or return the CSV text if ``path`` is None."""
        return write_csv(path, self.names, [self._data[n] for n in self.names])

    def to_frame(self):
        """A pandas DataFrame (pandas is an optional dependency)."""
        import pandas as pd

        return pd.DataFrame(self._data)

    def __repr__(self) -> str:
        return _("<{kind}: {n} rows; columns {names}>").format(kind=type(self).__name__, n=len(self),
                                                               names=", ".join(self.names))


class Ledger(_Columns):
    """One row per customer: entry, stage times, purchases, money, lifetime value.

    Times are years since the start of the run (NaN: never happened);
    ``final_stage`` is a :class:`~simkit.Stage` value; ``lifetime_value`` is
    the customer's profit discounted by tenure year from entry (¥), to the
    horizon for customers still active.  ``source``: 0 cohort, 1 marketing
    stream, 2 referral, 3 replacement of a lost customer; ``referred_by`` the
    referrer's id (-1: none).  ``revenue`` is net of price discounts;
    ``adopted_second_product`` is when the customer became a new customer of
    a new business (NaN: never); ``funnel_reached`` the deepest step of the
    sales funnel (0 leads ... 5 committed; -1 without a funnel);
    ``first_purchase`` the time of the first order; ``family`` the first-generation
    arrival (cohort member or prospect from marketing, numbered 0, 1, 2, ... in order
    of arrival) the customer descends from through referrals and replacements.
    See :meth:`profit_parts`.

    Engines build the ledger (:func:`simkit.run_simulation` with ``ledger=True``,
    the default); ``ledger["revenue"]`` is a column, one value per customer, and
    ``ledger.to_frame()`` a pandas DataFrame.

    Parameters
    ----------
    data : dict of str -> ndarray
        The columns by name, one value per customer.  :meth:`from_rows` and
        :meth:`from_columns` also add ``referral_value`` and ``lifetime_profit``.

    Attributes
    ----------
    names : list of str
        The column names, in order.

    Notes
    -----
    The columns, one value per customer (money in ¥, to the horizon, undiscounted
    unless said; times in years since the start of the run):

    - who: ``customer_id``, ``source``, ``referred_by``, ``family``;
    - when: ``entry_time``, ``entered_new``, ``entered_loyal``, ``entered_decline``,
      ``exit_time``, ``first_purchase``, ``adopted_second_product``;
      ``final_stage``; ``funnel_reached``;
    - years spent in each active stage: ``years_prospect``, ``years_new``,
      ``years_loyal``, ``years_decline``;
    - counts: ``n_purchases``, ``n_referrals`` (people it referred),
      ``n_prospects_lost`` (prospects driven away by bad word of mouth);
    - money: ``revenue``, ``cost_of_sales``, ``acquisition_cost`` (获得成本),
      ``service_cost``, ``referral_damage_cost`` (推荐破坏成本),
      ``price_discounts`` (价格优惠), ``cross_sell_revenue`` and ``cross_sell_cost``
      (the second product, 关联利润), ``cost_savings`` (成本节约);
      ``profit`` = revenue - cost of sales + cross-sell revenue - cross-sell cost -
      acquisition - service - referral damage; ``lifetime_value`` (discounted);
      ``referral_value`` (推荐价值) and ``lifetime_profit`` = profit + referral value
      (客户生命周期利润).
    """

    columns = (
        ("customer_id", np.int64), ("source", np.int8), ("entry_time", float),
        ("entered_new", float), ("entered_loyal", float), ("entered_decline", float),
        ("exit_time", float), ("final_stage", np.int8),
        ("years_prospect", float), ("years_new", float), ("years_loyal", float), ("years_decline", float),
        ("n_purchases", np.int64), ("revenue", float), ("cost_of_sales", float),
        ("acquisition_cost", float), ("service_cost", float), ("referral_damage_cost", float),
        ("profit", float), ("lifetime_value", float), ("n_referrals", np.int64),
        ("n_prospects_lost", np.int64), ("price_discounts", float), ("cross_sell_revenue", float),
        ("cross_sell_cost", float), ("adopted_second_product", float), ("cost_savings", float),
        ("referred_by", np.int64), ("funnel_reached", np.int8), ("first_purchase", float),
        ("family", np.int64),
    )

    @classmethod
    def from_rows(cls, rows):
        """Build the ledger; add each customer's referral value (推荐价值) from the customers it referred.

        Parameters
        ----------
        rows : sequence of tuple
            One tuple per customer, values in the order of :attr:`columns`, ids
            0, 1, 2, ... in order of entry.

        Returns
        -------
        Ledger
        """
        return cls.from_columns(super().from_rows(rows)._data)

    @classmethod
    def from_columns(cls, data: dict):
        """Build the ledger from named columns, adding referral value and lifetime profit.

        Parameters
        ----------
        data : dict of str -> ndarray
            Every column of :attr:`columns`, customer ids 0, 1, 2, ... in order of
            entry.  ``referral_value`` and ``lifetime_profit`` are added to it.

        Returns
        -------
        Ledger
        """
        ledger = cls(data)
        referral_value = np.zeros(len(ledger))
        referred = data["referred_by"] >= 0
        # customer ids run 0, 1, 2, ... in the order people entered, and the ledger is sorted by id
        np.add.at(referral_value, data["referred_by"][referred], data["profit"][referred])
        data["referral_value"] = referral_value
        data["lifetime_profit"] = data["profit"] + referral_value
        return ledger

    def profit_parts(self) -> dict:
        """Lifetime profit split as the textbook splits it (§1), one array per part, one value per customer.

        lifetime profit = base profit + associated profit + cost savings + referral value
        - (acquisition cost + price discounts + referral damage).  Base profit is counted at
        list price and at a new customer's cost to serve; cost savings are what the customer
        costs less to serve than that; referral value is the profit of the customers it referred.
        """
        d = self._data
        base = (d["revenue"] + d["price_discounts"] - d["cost_of_sales"] - d["service_cost"] - d["cost_savings"])
        return {
            "base_profit": base,
            "associated_profit": d["cross_sell_revenue"] - d["cross_sell_cost"],
            "cost_savings": d["cost_savings"],
            "referral_value": d["referral_value"],
            "acquisition_cost": -d["acquisition_cost"],
            "price_discounts": -d["price_discounts"],
            "referral_damage": -d["referral_damage_cost"],
            "lifetime_profit": d["lifetime_profit"],
        }


class EventLog(_Columns):
    """Every event of a run: customer id, time (years), event, stage, amount (¥).

    Events: ``arrive``, ``acquire`` (amount = acquisition cost), ``purchase``
    and ``cross_sell`` (amount = what the customer paid: the list price less
    the stage's price discount), ``move`` (stage = the stage entered), ``refer``,
    ``damage`` (amount = referral damage cost) and ``adopt``.
    ``horizon_years``: the end of the run (the observation period's end).

    Engines build the log (:func:`simkit.run_simulation` with ``event_log=True``);
    ``events["time"]`` is a column, ``events.to_frame()`` a pandas DataFrame and
    :meth:`to_transactions` the purchases as CLV libraries read them.

    Parameters
    ----------
    data : dict of str -> ndarray
        The columns ``customer_id``, ``time``, ``event``, ``stage``, ``amount``,
        one value per event.
    horizon_years : float, optional
        The end of the run, years.

    Attributes
    ----------
    horizon_years : float or None
        The end of the run (the observation period's end), years.
    names : list of str
        The column names, in order.
    """

    columns = (("customer_id", np.int64), ("time", float), ("event", object), ("stage", object),
               ("amount", float))

    def __init__(self, data: dict, horizon_years: float | None = None):
        super().__init__(data)
        self.horizon_years = horizon_years

    def at_prices_paid(self, discounts: dict, horizon_years: float) -> "EventLog":
        """The log with each purchase at the price paid.

        Parameters
        ----------
        discounts : dict of str -> float
            Stage name -> share of the list price given away on that stage's
            purchases (价格优惠), in [0, 1].
        horizon_years : float
            The end of the run, years, kept by the new log.

        Returns
        -------
        EventLog
            A new log; ``purchase`` amounts are multiplied by 1 - discount.
        """
        data = dict(self._data)
        amount = data["amount"].copy()
        purchase = data["event"] == "purchase"
        for stage, discount in discounts.items():
            if discount:
                amount[purchase & (data["stage"] == stage)] *= 1.0 - discount
        data["amount"] = amount
        return EventLog(data, horizon_years)

    def to_transactions(self, start_date: str = "2026-01-01"):
        """Purchases as CLV libraries read them: a pandas DataFrame of ``customer_id``, ``date``, ``amount``.

        Every purchase of the main product and of the cross-sold one (关联销售), at the price the
        customer paid; no zero-amount row (a purchase given away is not a transaction).  Times
        become dates at 365.25 days a year from ``start_date``.  ``.attrs["observation_end"]`` is
        the last day observed (the run's end), for the libraries' ``observation_period_end``.

        Parameters
        ----------
        start_date : str, default "2026-01-01"
            The date of time 0, ISO format.

        Returns
        -------
        pandas.DataFrame
            Columns ``customer_id``, ``date``, ``amount`` (¥), one row per purchase.
        """
        import pandas as pd

        start = np.datetime64(start_date, "D")
        bought = np.isin(self["event"], ("purchase", "cross_sell")) & (self["amount"] > 0)
        days = np.floor(self["time"][bought] * 365.25).astype(np.int64).astype("timedelta64[D]")
        frame = pd.DataFrame({"customer_id": self["customer_id"][bought], "date": start + days,
                              "amount": self["amount"][bought].astype(float)})
        if self.horizon_years is not None:
            last = start + np.timedelta64(int(np.ceil(self.horizon_years * 365.25)) - 1, "D")
            frame.attrs["observation_end"] = str(last)
        return frame


#: the first column of a result's tables (period numbers), and their titles, by time unit
_UNIT_HEADER = {"year": N_("year"), "month": N_("month")}
_SUMMARY_TITLE = {
    "year": N_("{name}: {n} people entered, seed {seed} (customers in each stage at the end of each year)"),
    "month": N_("{name}: {n} people entered, seed {seed} (customers in each stage at the end of each month)")}
_FLOWS_TITLE = {"year": N_("{name}: moves between stages per year"),
                "month": N_("{name}: moves between stages per month")}

PERIOD_MONEY = ("revenue", "cost_of_sales", "cross_sell_revenue", "cross_sell_cost", "price_discounts",
                "acquisition_cost", "service_cost", "referral_damage_cost", "profit", "discounted_profit")
PERIOD_COUNTS = ("n_arrived", "n_acquired", "n_promoted", "n_declined", "n_lost", "n_unconverted", "n_referred",
                 "n_purchases", "n_prospects_lost", "n_adopted", "n_cross_sell")


@dataclass(frozen=True)
class SimulationResult:
    """The outcome of :func:`simkit.run_simulation`.

    Attributes
    ----------
    scenario : Scenario
        What was run.
    seed : int
        The seed it was run with.
    period_end_years : ndarray, shape (n_periods,)
        End of each reporting period, in years.
    stage_counts : ndarray of int, shape (n_periods, 6)
        Customers in each :class:`~simkit.Stage` at each period end (after
        everything that happened at that instant); rows sum to everyone who
        has entered so far.
    periods : dict of ndarray
        Per period: revenue, cost_of_sales, acquisition_cost, service_cost,
        referral_damage_cost, profit, discounted_profit (¥; discounted
        by calendar year from the start) and the counts n_arrived, n_promoted
        (moves to loyal), n_declined (moves to decline),
        n_acquired, n_lost, n_unconverted, n_referred, n_purchases,
        n_prospects_lost.
    stage_years, stage_profit : ndarray, shape (n_periods, 4)
        By period and active stage (prospect, new, loyal, decline): the years
        customers spent there, and the profit they made there (revenue - cost
        of sales - cost to serve - referral damage; acquisition is apart).
    tenure_years, tenure_profit : ndarray, shape (ceil(horizon years),)
        The same by year of the relationship (year 1 = the first year after
        entry), over everyone.
    ltv, ltv_acquired : LifetimeValueSummary
        Discounted lifetime value of everyone who entered, and of those who
        became customers.
    ledger : Ledger or None
        One row per customer, if kept (``run_simulation(..., ledger=True)``).
    events : EventLog or None
        Every event, if kept (``run_simulation(..., event_log=True)``).
    group_profit : ndarray, shape (50, n_periods)
        Profit per period of 50 groups of families (a family: a first-generation
        arrival with the customers it brought in by referral or replacement;
        family f in group f mod 50).  The groups are independent, so their
        spread gives intervals from one run (:func:`simkit.compare`).
    """

    scenario: object
    seed: int
    period_end_years: np.ndarray
    stage_counts: np.ndarray
    periods: dict
    stage_years: np.ndarray
    stage_profit: np.ndarray
    tenure_years: np.ndarray
    tenure_profit: np.ndarray
    ltv: LifetimeValueSummary
    ltv_acquired: LifetimeValueSummary
    ledger: Ledger | None = None
    events: EventLog | None = field(default=None, repr=False)
    group_profit: np.ndarray | None = field(default=None, repr=False)

    def customers_in(self, stage) -> np.ndarray:
        """Customers in one stage at each period end.

        Parameters
        ----------
        stage : Stage or str
            The stage, or its name (``"loyal"``).

        Returns
        -------
        ndarray of int, shape (n_periods,)

        Raises
        ------
        ValueError
            For an unknown stage name.
        """
        stage = stage if isinstance(stage, Stage) else Stage.from_name(stage)
        return self.stage_counts[:, stage]

    @property
    def active_customers(self) -> np.ndarray:
        """Prospects and customers (new, loyal, decline) at each period end."""
        return self.stage_counts[:, :4].sum(axis=1)

    def profit_per_customer_year(self) -> dict:
        """Profit per customer-year in each active stage over the whole run (¥ per year).

        The inverted U of §1: small in exploration, rising in formation,
        highest in stability, falling in decline.  NaN for a stage nobody visited.
        """
        years = self.stage_years.sum(axis=0)
        profit = self.stage_profit.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_year = np.where(years > 0, profit / years, np.nan)
        return {stage: float(per_year[stage]) for stage in (Stage.PROSPECT, Stage.NEW, Stage.LOYAL, Stage.DECLINE)}

    def profit_per_customer_by_tenure(self) -> np.ndarray:
        """Profit per customer-year in each year of the relationship (year 1 first), ¥ per year.

        Acquisition is left out, as in :meth:`profit_per_customer_year`; NaN for
        a year nobody reached.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.tenure_years > 0, self.tenure_profit / self.tenure_years, np.nan)

    def cumulative_npv(self) -> np.ndarray:
        """Running sum of profit discounted by calendar year from the start (¥), per period."""
        return np.cumsum(self.periods["discounted_profit"])

    def average_ltv(self) -> np.ndarray:
        """Cumulative NPV per customer of the starting cohort, per period: Hughes' LTV row (§4).

        Everyone's profit counts -- referred and replacement customers too --
        and is divided by the cohort that entered at time 0.
        """
        cohort = self.scenario.arrivals.cohort_size
        if cohort == 0:
            raise ValueError(_("average_ltv: the scenario has no cohort at time 0 (arrivals.cohort_size = 0)"))
        return self.cumulative_npv() / cohort

    def customers_served(self) -> np.ndarray:
        """Customers during each period: active at the end of the one before, plus those acquired in it."""
        active = self.stage_counts[:, Stage.NEW:Stage.LOST].sum(axis=1)
        return np.concatenate([[0], active[:-1]]) + self.periods["n_acquired"]

    def period_table(self) -> dict:
        """Per-period results as named columns (money, counts, stage populations)."""
        table = {"period": np.arange(1, len(self.period_end_years) + 1),
                 "end_year": self.period_end_years}
        table.update({name: self.periods[name] for name in PERIOD_MONEY + PERIOD_COUNTS})
        table.update({f"in_{s.label}": self.stage_counts[:, s] for s in Stage})
        return table

    def to_frame(self):
        """Per-period results as a pandas DataFrame (pandas is optional)."""
        import pandas as pd

        return pd.DataFrame(self.period_table())

    #: the files of a run's CSV set
    CSV_SET = ("periods.csv", "ledger.csv", "events.csv")

    def csv_files(self, directory) -> list[Path]:
        """The files :meth:`to_csv` writes into a folder.

        Parameters
        ----------
        directory : str or pathlib.Path
            The folder.

        Returns
        -------
        list of pathlib.Path
            ``periods.csv``, and ``ledger.csv`` and ``events.csv`` if kept.
        """
        directory = Path(directory)
        names = ["periods.csv"] + (["ledger.csv"] if self.ledger is not None else []) + (
            ["events.csv"] if self.events is not None else [])
        return [directory / name for name in names]

    def to_csv(self, directory, force: bool = True) -> list[Path]:
        """Write ``periods.csv`` (and ``ledger.csv``, ``events.csv`` if kept) into ``directory``, all or nothing.

        Files of the set this run does not produce (``events.csv`` of an earlier run) are removed, so
        the folder never mixes two runs.

        Parameters
        ----------
        directory : str or pathlib.Path
            The folder to write into.
        force : bool, default True
            Replace files already there; False refuses to.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        return self.write_csv(directory, force)[0]

    def write_csv(self, directory, force: bool = True) -> tuple[list[Path], list[Path]]:
        """:meth:`to_csv`, returning the files written and the stale files of the set removed.

        Parameters
        ----------
        directory : str or pathlib.Path
            The folder to write into.
        force : bool, default True
            Replace files already there; False refuses to.

        Returns
        -------
        written, removed : list of pathlib.Path
            The files written, and the files of an earlier run's set removed.
        """
        from ..core.files import check_targets, write_all

        directory = Path(directory)
        files = self.csv_files(directory)
        stale = [directory / name for name in self.CSV_SET if directory / name not in files]
        check_targets(files, force, also_replaced=stale)
        table = self.period_table()
        writers = {directory / "periods.csv": lambda path: write_csv(path, list(table), list(table.values()))}
        if self.ledger is not None:
            writers[directory / "ledger.csv"] = self.ledger.to_csv
        if self.events is not None:
            writers[directory / "events.csv"] = self.events.to_csv
        return write_all(writers, stale)

    def flows_table(self) -> str:
        """Moves between stages in each period: acquired, promoted to loyal, declined, lost, unconverted."""
        names = ("n_arrived", "n_acquired", "n_promoted", "n_declined", "n_lost", "n_unconverted", "n_adopted")
        rows = [[k + 1, *(int(self.periods[name][k]) for name in names)] for k in range(len(self.period_end_years))]
        unit = self.scenario.time_unit
        headers = [_(_UNIT_HEADER[unit]), _("entered"), _("acquired"), _("to loyal"), _("to decline"), _("lost"),
                   _("unconverted"), _("second product")]
        return format_table(headers, rows, _(_FLOWS_TITLE[unit]).format(name=self.scenario.name))

    def summary(self) -> str:
        """A readable per-period table with the lifetime-value line under it."""
        unit = self.scenario.time_unit
        rows = []
        for k in range(len(self.period_end_years)):
            rows.append([k + 1, *(int(self.stage_counts[k, s]) for s in Stage),
                         int(self.periods["n_acquired"][k]),
                         float(self.periods["revenue"][k]), float(self.periods["profit"][k])])
        headers = [_(_UNIT_HEADER[unit]), *(_(s.label) for s in Stage), _("acquired"), _("revenue ¥"), _("profit ¥")]
        title = _(_SUMMARY_TITLE[unit]).format(name=self.scenario.name, n=f"{self.ltv.count:,}", seed=self.seed)
        text = format_table(headers, rows, title)
        low, high = self.ltv_acquired.confidence_interval()
        if self.ltv_acquired.count:

            text += "\n" + _("average lifetime value of {n} acquired customers: {mean} (95% interval {low} to {high}), "
                             "discounted, to the horizon").format(
                n=f"{self.ltv_acquired.count:,}", mean=format_money(self.ltv_acquired.mean, 2),
                low=format_money(low, 2), high=format_money(high, 2))
        return text

    def __str__(self) -> str:
        return self.summary()

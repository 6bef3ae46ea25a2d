"""The customer pyramid (客户金字塔, textbook §5): tiers, their sales and profit, and moving customers up.

The textbook's firm has 2,126 existing customers in four tiers.  Its tier
table reproduces: sales add up to ¥9,956,060 (printed rounded as
¥9,956,000), and after 36 small customers move up -- 8 large to VIP, 18
medium to large, 36 small to medium -- sales are ¥11,306,100
(+¥1,350,040, +13.6 %).  Profit per customer is sales × a round margin
(40, 30, 20, −45 %); summed over the tiers it is ¥1,456,058, and the move
adds ¥511,152 (+35.1 %).  The text's profit headlines (¥850,000 →
¥1,367,308, +60.9 %) and its tier ROIs do not follow from its own tier
figures; simkit quotes them and does not force them.

>>> table = pyramid_table()
>>> f"{table.total_sales:,.0f}", f"{table.total_profit:,.0f}"
('9,956,060', '1,456,058')
>>> after = pyramid_table(move_up(TEXTBOOK_TIERS, TEXTBOOK_MOVE_UP))
>>> f"{after.total_sales - table.total_sales:+,.0f}"
'+1,350,040'
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

import numpy as np

from ..core.formatting import format_table
from ..core.language import N_, _, message_language
from ..model.rules import Number, check_values

__all__ = ["HEADLINES", "OTHER_GROUPS", "PyramidTable", "TEXTBOOK_MOVE_UP", "TEXTBOOK_TIERS", "Tier", "compare_text",
           "expected_counts", "migration_matrix", "move_up", "move_up_share", "pyramid_table", "sales_and_profit",
           "simulate_migration"]


@dataclass(frozen=True)
class Tier:
    """A tier of existing customers: how many, their average sales (yuan a year) and profit margin."""

    name: str
    chinese: str
    customers: int
    average_sales: float
    profit_margin: float

    @property
    def local_name(self) -> str:
        """The tier's name in the language of messages: the textbook's term in Chinese ("小客户"), else its name."""
        return self.chinese if message_language() == "zh" else self.name

    def __post_init__(self):
        check_values(self.name, [("customers", self.customers, Number(0, 10**9, integer=True)),
                                 ("average_sales", self.average_sales, Number(0.0)),
                                 ("profit_margin", self.profit_margin, Number(-10.0, 1.0))])

    @property
    def sales(self) -> float:
        return self.customers * self.average_sales

    @property
    def profit_per_customer(self) -> float:
        return self.average_sales * self.profit_margin

    @property
    def profit(self) -> float:
        return self.customers * self.profit_per_customer

    @property
    def roi(self) -> float:
        """Return on what the tier costs: profit / (sales - profit)."""
        cost = self.sales - self.profit
        return self.profit / cost if cost else float("nan")


#: The textbook's four tiers of existing customers (top to bottom).
TEXTBOOK_TIERS = (
    Tier("VIP", "VIP客户", 21, 114_000.0, 0.40),
    Tier("large", "大客户", 85, 31_600.0, 0.30),
    Tier("medium", "中级客户", 319, 9_100.0, 0.20),
    Tier("small", "小客户", 1_701, 1_160.0, -0.45),
)

#: The textbook's move-up: (from tier, to tier) -> customers moving.
TEXTBOOK_MOVE_UP = {("large", "VIP"): 8, ("medium", "large"): 18, ("small", "medium"): 36}

#: Figures the textbook prints but its tier table does not produce: quoted, never computed.
HEADLINES = {"sales": 9_956_000, "profit": 850_000, "profit_after": 1_367_308, "profit_growth": 0.609,
             "roi": {"VIP": 1.14, "large": 1.39, "medium": 0.74, "small": -0.53}}


def move_up(tiers, moves: dict) -> tuple:
    """The tiers after ``moves`` ((from, to) -> customers); the number of customers is unchanged."""
    counts = {t.name: t.customers for t in tiers}
    for (source, target), count in moves.items():
        for name in (source, target):
            if name not in counts:
                raise ValueError(_("moves: unknown tier {name}; tiers: {tiers}").format(name=repr(name),
                                                                                       tiers=", ".join(counts)))
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(_("{path}: got {value}, expected {rule}").format(
                path=f"moves[{source!r}, {target!r}]", value=repr(count),
                rule=_("a whole number >= {low}").format(low=0)))
        counts[source] -= count
        counts[target] += count
    for name, count in counts.items():
        if count < 0:
            raise ValueError(_("moves: tier {name} would have {count} customers").format(name=repr(name), count=count))
    return tuple(replace(t, customers=counts[t.name]) for t in tiers)


def move_up_share(tiers, share: float) -> dict:
    """Moves of ``share`` of each tier's customers up one tier (rounded), from the bottom tier up."""
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ValueError(_("{path}: got {value}, expected {rule}").format(path="share", value=repr(share),
                                                                           rule=_("a fraction in [0, 1]")))
    return {(lower.name, upper.name): round(share * lower.customers) for upper, lower in zip(tiers, tiers[1:])}


@dataclass(frozen=True)
class PyramidTable:
    """Counts, sales, profit and ROI per tier and in total."""

    tiers: tuple

    @property
    def total_customers(self) -> int:
        return sum(t.customers for t in self.tiers)

    @property
    def total_sales(self) -> float:
        return sum(t.sales for t in self.tiers)

    @property
    def total_profit(self) -> float:
        return sum(t.profit for t in self.tiers)

    def sales_shares(self) -> dict:
        return {t.name: t.sales / self.total_sales for t in self.tiers}

    def rows(self) -> list:
        """One row per tier and a total; a tier is named in English and Chinese (in Chinese: its Chinese term)."""
        rows = [[_tier_name(t), t.customers, f"{t.customers / self.total_customers:.1%}", t.average_sales,
                 t.sales, f"{t.sales / self.total_sales:.1%}", t.profit_per_customer, t.profit, f"{t.roi:.0%}"]
                for t in self.tiers]
        cost = self.total_sales - self.total_profit
        rows.append([_("total"), self.total_customers, "100.0%", self.total_sales / self.total_customers,
                     self.total_sales, "100.0%", self.total_profit / self.total_customers, self.total_profit,
                     f"{self.total_profit / cost:.0%}" if cost else ""])
        return rows

    def to_text(self, title: str | None = None) -> str:
        """The table as text under ``title`` (default: "customer pyramid (客户金字塔, §5)")."""
        title = _("customer pyramid (客户金字塔, §5)") if title is None else title
        return format_table(_headers(), [[_show(v) for v in row] for row in self.rows()], title, right_from=1)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in _headers())
        body = "".join("<tr>" + "".join(f"<td style='text-align:{'left' if i == 0 else 'right'}'>"
                                        f"{html.escape(_show(v))}</td>" for i, v in enumerate(row)) + "</tr>"
                       for row in self.rows())
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


#: the columns of a pyramid table
_HEADERS = (N_("tier"), N_("customers"), N_("share"), N_("avg sales ¥"), N_("sales ¥"), N_("of sales"),
            N_("profit each ¥"), N_("profit ¥"), N_("ROI"))


def _headers() -> list[str]:
    return [_(h) for h in _HEADERS]


def _tier_name(tier: Tier) -> str:
    """"large 大客户" (or "VIP客户", which holds the English already); in Chinese the Chinese term alone."""
    if message_language() == "zh" or tier.name in tier.chinese:
        return tier.chinese
    return f"{tier.name} {tier.chinese}"


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def pyramid_table(tiers=TEXTBOOK_TIERS) -> PyramidTable:
    """The pyramid as a table (default: the textbook's tiers)."""
    tiers = tuple(tiers)
    if not tiers or not all(isinstance(t, Tier) for t in tiers):
        raise ValueError(_("tiers: got {value}, expected one or more simkit.exact.pyramid.Tier")
                         .format(value=repr(tiers)))
    if sum(t.customers for t in tiers) == 0:
        raise ValueError(_("tiers: no customers in any tier"))
    return PyramidTable(tiers)


def compare_text(before: PyramidTable, after: PyramidTable) -> str:
    """Both tables and what the move changed, with the textbook's headline figures quoted, not computed."""
    sales_change = after.total_sales - before.total_sales
    profit_change = after.total_profit - before.total_profit
    lines = [before.to_text(_("before (客户金字塔, §5)")), "", after.to_text(_("after the move-up")), "",
             _("sales ¥{before} -> ¥{after}: {change} ({growth}); the textbook prints ¥{printed} "
               "(¥{before} rounded down to the thousand)").format(
                 before=f"{before.total_sales:,.0f}", after=f"{after.total_sales:,.0f}", change=f"{sales_change:+,.0f}",
                 growth=f"{sales_change / before.total_sales:+.1%}", printed=f"{HEADLINES['sales']:,}"),
             _("profit ¥{before} -> ¥{after}: {change} ({growth}) from the tier figures; the textbook's headlines "
               "(¥{printed} -> ¥{printed_after}, +{printed_growth}) do not follow from its tiers and are quoted only")
             .format(before=f"{before.total_profit:,.0f}", after=f"{after.total_profit:,.0f}",
                     change=f"{profit_change:+,.0f}", growth=f"{profit_change / before.total_profit:+.1%}",
                     printed=f"{HEADLINES['profit']:,}", printed_after=f"{HEADLINES['profit_after']:,}",
                     printed_growth=f"{HEADLINES['profit_growth']:.1%}")]
    return "\n".join(lines)


# ---------------------------------------------------------------- migration between tiers, exact and simulated
#: Groups below the existing customers (no sales): they take part in migration only as destinations here.
OTHER_GROUPS = (Tier("inactive", "不积极的客户", 154, 0.0, 0.0), Tier("prospects", "潜在客户", 250, 0.0, 0.0),
                Tier("suspects", "需置疑的客户", 1000, 0.0, 0.0))


def migration_matrix(tiers, up=0.0, down=0.0, drop=0.0) -> np.ndarray:
    """Per-period transition matrix over ``tiers`` + inactive (the last row/column).

    ``up``, ``down``, ``drop``: a share, or one share per tier (top to bottom), of each tier's
    customers who move up one tier, down one tier, or drop out to inactive in a period.  The top
    tier cannot move up, the bottom one cannot move down; inactive customers stay inactive.
    """
    n = len(tiers)
    shares = {}
    for name, value in (("up", up), ("down", down), ("drop", drop)):
        values = np.broadcast_to(np.asarray(value, dtype=float), (n,)) if np.ndim(value) == 0 else \
            np.asarray(value, dtype=float)
        if values.shape != (n,) or np.any(values < 0) or np.any(values > 1) or not np.all(np.isfinite(values)):
            raise ValueError(_("{name}: got {value}, expected a fraction in [0, 1] or one per tier ({n})")
                             .format(name=name, value=repr(value), n=n))
        shares[name] = values
    matrix = np.zeros((n + 1, n + 1))
    for i in range(n):
        up_i = shares["up"][i] if i > 0 else 0.0
        down_i = shares["down"][i] if i < n - 1 else 0.0
        stay = 1.0 - up_i - down_i - shares["drop"][i]
        if stay < -1e-12:
            raise ValueError(_("{tier}: up + down + drop = {total}, expected at most 1").format(tier=tiers[i].name,
                                                                                                 total=f"{1 - stay:g}"))
        matrix[i, i] = max(stay, 0.0)
        if i > 0:
            matrix[i, i - 1] = up_i
        if i < n - 1:
            matrix[i, i + 1] = down_i
        matrix[i, n] = shares["drop"][i]
    matrix[n, n] = 1.0
    return matrix


def expected_counts(tiers, matrix: np.ndarray, periods: int) -> np.ndarray:
    """Expected customers in each tier (+ inactive) at the end of periods 0..``periods``: counts x P^t."""
    counts = np.array([t.customers for t in tiers] + [0], dtype=float)
    out = [counts]
    for _period in range(periods):
        counts = counts @ matrix
        out.append(counts)
    return np.array(out)


def simulate_migration(tiers, matrix: np.ndarray, periods: int, seed: int = 0) -> np.ndarray:
    """Each customer a SimPy process that draws its next tier from its row of ``matrix`` every period.

    Returns the customers in each tier (+ inactive) at the end of periods 0..``periods``.
    """
    import simpy

    rng = np.random.default_rng(seed)
    n = len(tiers) + 1
    cumulative = np.cumsum(matrix, axis=1)
    counts = np.zeros((periods + 1, n), dtype=np.int64)
    env = simpy.Environment()

    def customer(tier: int):
        counts[0, tier] += 1
        for period in range(1, periods + 1):
            yield env.timeout(1)
            tier = min(int(np.searchsorted(cumulative[tier], rng.random(), side="right")), n - 1)
            counts[period, tier] += 1

    for index, tier in enumerate(tiers):
        for _customer in range(tier.customers):
            env.process(customer(index))
    env.run()
    return counts


def sales_and_profit(tiers, counts) -> tuple[float, float]:
    """Sales and profit of a row of counts (tiers + inactive), yuan a period."""
    counts = np.asarray(counts)[: len(tiers)]
    return (float(sum(c * t.average_sales for c, t in zip(counts, tiers))),
            float(sum(c * t.profit_per_customer for c, t in zip(counts, tiers))))

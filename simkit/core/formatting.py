"""How simkit writes numbers: money in yuan, plain-text tables that line up with Chinese in them.

>>> format_money(-1234), format_money(1234.5, 2)
('−¥1,234', '¥1,234.50')
>>> print(format_table(["year", "客户"], [[1, 1000], [2, 600]]))
year   客户
----  -----
   1  1,000
   2    600
"""

from __future__ import annotations

import math
import unicodedata

import numpy as np

__all__ = ["display_width", "format_change", "format_money", "format_signed", "format_table", "pad"]


def format_money(amount: float, decimals: int = 0, sign: bool = False) -> str:
    """Yuan with thousands separators and a true minus sign; ``sign`` also marks gains with "+".

    >>> format_money(-1234), format_money(1234.5, 2), format_money(6, sign=True), format_money(-0.001, 2)
    ('−¥1,234', '¥1,234.50', '+¥6', '¥0.00')
    """
    text = f"¥{abs(amount):,.{decimals}f}"
    rounded = round(amount, decimals)
    if rounded < 0:
        return "−" + text
    return ("+" + text) if sign and rounded > 0 else text


def format_signed(value: float, decimals: int = 4) -> str:
    """A number with its sign always shown and a true minus sign.

    >>> format_signed(-0.01234), format_signed(2, 1)
    ('−0.0123', '+2.0')
    """
    return f"{value:+.{decimals}f}".replace("-", "−")


def format_change(share: float, decimals: int = 1) -> str:
    """A relative change (a share: 0.015 is 1.5 %) in per cent, its sign always shown.

    >>> format_change(0.015), format_change(-0.057)
    ('+1.5 %', '−5.7 %')
    """
    return format_signed(share * 100, decimals) + " %"


def format_table(headers, rows, title: str | None = None, right_from: int | None = None) -> str:
    """A plain-text table: numbers right-aligned, text left-aligned.

    ``right_from``: right-align every column from this index on, whatever it holds.
    """
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(display_width(str(h)), *(display_width(r[i]) for r in cells)) if cells
              else display_width(str(h)) for i, h in enumerate(headers)]
    numeric = [(right_from is not None and i >= right_from)
               or (all(_is_number(row[i]) for row in rows) if rows else False) for i in range(len(headers))]

    def line(values):
        return "  ".join(pad(v, w, right=n) for v, w, n in zip(values, widths, numeric)).rstrip()

    out = [title] if title else []
    out += [line([str(h) for h in headers]), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else f"{value:,.2f}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)

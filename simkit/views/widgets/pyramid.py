"""The customer pyramid panel (textbook §5): move-up and move-down shares per tier, table and pyramids."""

from __future__ import annotations

import numpy as np

from ...core.formatting import format_money
from ...core.language import _
from ..fonts import label
from .base import TablePanel
from .controls import compact, refuse, show, text_em

__all__ = ["PyramidPanel", "pyramid_panel"]


class PyramidPanel(TablePanel):
    """Move-up and move-down shares per tier: sales, profit and ROI per tier and in total, and the pyramid."""

    def __init__(self):
        import ipywidgets as widgets

        from ...exact.pyramid import TEXTBOOK_TIERS

        self.tiers = TEXTBOOK_TIERS
        self.controls = {}
        descriptions = [_("{tier}: move up").format(tier=tier.local_name) for tier in self.tiers] + \
                       [_("{tier}: move down").format(tier=tier.local_name) for tier in self.tiers]
        described = max(text_em(text) for text in descriptions) + 2    # each description whole, either language
        style = {"description_width": f"{described:.1f}em"}
        layout = widgets.Layout(width=f"{described + 12:.1f}em")
        for index, tier in enumerate(self.tiers):
            if index > 0:
                self.controls[("up", index)] = widgets.FloatSlider(
                    value=0.02 if tier.name == "small" else 0.0, min=0, max=0.3, step=0.005, readout_format=".1%",
                    description=_("{tier}: move up").format(tier=tier.local_name), continuous_update=False,
                    style=style, layout=layout)
            if index < len(self.tiers) - 1:
                self.controls[("down", index)] = widgets.FloatSlider(
                    value=0.0, min=0, max=0.3, step=0.005, readout_format=".1%",
                    description=_("{tier}: move down").format(tier=tier.local_name), continuous_update=False,
                    style=style, layout=layout)
        self.after = None
        # moves up in one column, moves down in the other, a tier a row; the table (ROI included) across the
        # panel under them: beside the controls it would not fit the README's layout
        ups = [self.controls[key] for key in sorted(k for k in self.controls if k[0] == "up")]
        downs = [self.controls[key] for key in sorted(k for k in self.controls if k[0] == "down")]
        controls = widgets.HBox([widgets.VBox(downs), widgets.VBox(ups)], layout=widgets.Layout(grid_gap="1em"))
        self._assemble(controls, ncols=2, width=9.4, height=2.7, arrangement="below")

    def refresh(self):
        """Move the shares once (expected counts, rounded), show the table and both pyramids."""
        from ..plots import plot_pyramid
        from ...exact.pyramid import expected_counts, migration_matrix, pyramid_table

        n = len(self.tiers)
        up = [self.controls.get(("up", i), None) for i in range(n)]
        down = [self.controls.get(("down", i), None) for i in range(n)]
        try:
            matrix = migration_matrix(self.tiers, up=[c.value if c else 0.0 for c in up],
                                      down=[c.value if c else 0.0 for c in down])
        except ValueError as error:
            refuse(self.message, _("Not computed"), error)
            return
        counts = np.rint(expected_counts(self.tiers, matrix, 1)[1]).astype(int)[:n]
        from dataclasses import replace

        self.after = [replace(t, customers=int(c)) for t, c in zip(self.tiers, counts)]
        before, after = pyramid_table(self.tiers), pyramid_table(self.after)
        self.table_view.value = compact(after._repr_html_())
        change = after.total_sales - before.total_sales
        profit_change = after.total_profit - before.total_profit
        self.message.value = _("after one period of moves (expected counts, rounded): sales {sales} ({change}, "
                               "{share}); profit {profit} ({profit_change}) from the tier figures.").format(
            sales=format_money(after.total_sales), change=format_money(change, sign=True),
            share=f"{change / before.total_sales:+.1%}", profit=format_money(after.total_profit),
            profit_change=format_money(profit_change, sign=True))
        for ax in self.axes:
            ax.clear()
        plot_pyramid(self.tiers, ax=self.axes[0])
        self.axes[0].set_title(label("before"))
        plot_pyramid(self.after, ax=self.axes[1])
        self.axes[1].set_title(label("after the moves"))
        show(self.figure, self.view)


def pyramid_panel():
    """A panel for the customer pyramid (textbook §5): move shares per tier, the table and the pyramid."""
    return PyramidPanel()

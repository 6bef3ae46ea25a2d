"""Controls and figure views every panel shares: sliders from a scenario's field rules, refusals, PNG views.

A slider takes its range, unit and label from the scenario's field metadata
(:func:`simkit.model.parts.field_info`), stops on round values (:func:`slider_step`)
and redraws only when released (``continuous_update=False``); its readout is a
box the value can be typed into exactly.
"""

from __future__ import annotations

import html
import math

from ...core.language import N_, _, pgettext, readable
from ...model.scenario import FIELD_DOC, FIELD_UNIT
from ...model.parts import Arrivals, Discounting, StageParams, field_info
from ...model.scenario import Scenario

_PART_CLASSES = {"arrivals": Arrivals, "discounting": Discounting}

#: the horizon slider's label by time unit (``Scenario.time_unit``): one whole text per unit
HORIZON = {"year": N_("horizon (years)"), "month": N_("horizon (months)")}


def lookup(scenario: Scenario, path: str):
    """Current value and field class of a dotted scalar path such as ``stages.loyal.orders_per_year``."""
    parts = path.split(".")
    node = scenario
    for part in parts:
        node = getattr(node, part, None)
        if node is None and part != parts[-1]:
            raise ValueError(_("parameter: got {value}, expected a dotted path to a scenario field")
                             .format(value=repr(path)))
    if parts[0] == "stages" and len(parts) == 3:
        cls = StageParams
    elif len(parts) == 2 and parts[0] in _PART_CLASSES:
        cls = _PART_CLASSES[parts[0]]
    elif len(parts) == 1:
        cls = Scenario
    else:
        raise ValueError(_("parameter: got {value}, expected a path like 'stages.loyal.orders_per_year', "
                           "'arrivals.prospects_per_year' or 'discounting.interest_rate'").format(value=repr(path)))
    return node, field_info(cls, parts[-1])


def slider_step(low: float, high: float, positions: int = 200) -> float:
    """A round step -- 1, 2 or 5 times a power of ten -- giving about ``positions`` stops from low to high.

    So round values stay reachable (6.6 orders, 10,000 customers), not 10,792 or 6.62.

    >>> slider_step(0, 24), slider_step(1, 20_000), slider_step(0.05, 10)
    (0.2, 100, 0.05)
    """
    raw = (high - low) / positions
    if raw <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= raw * 0.999)
    return int(round(step)) if step >= 1 else float(f"{step:.12g}")


def field_control(path: str, value, info: dict, description: str | None = None, width: str = "34em",
                  label_width: str = "14em"):
    """A slider for the scenario field at ``path``: its range from the field's rules, a round step, its label.

    ``width`` is the whole control's, ``label_width`` the description's; the readout beside the
    slider takes a typed value exactly.
    """
    import ipywidgets as widgets

    low, high = info.get("slider") or (0, 1)
    label = description or readable(path)
    style = {"description_width": label_width}
    layout = widgets.Layout(width=width)
    unit = pgettext(FIELD_UNIT, info["unit"]) if info.get("unit") else ""
    doc = pgettext(FIELD_DOC, info["doc"]) if info.get("doc") else ""
    tooltip = _("{doc} ({unit})").format(doc=doc, unit=unit) if unit else doc
    if isinstance(low, int) and isinstance(high, int) and isinstance(value, int):
        high = max(high, value)
        step = max(int(slider_step(low, high)), 1)
        return widgets.IntSlider(value=value, min=low // step * step, max=high, step=step,
                                 description=label, tooltip=tooltip, continuous_update=False,
                                 style=style, layout=layout)
    value = 0.0 if value is None else float(value)
    high = max(float(high), value)
    step = slider_step(float(low), high)
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return widgets.FloatSlider(value=value, min=round(math.floor(low / step) * step, 12), max=high, step=step,
                               description=label, tooltip=tooltip, continuous_update=False,
                               readout_format=f".{decimals}f", style=style, layout=layout)


def text_em(text: str) -> float:
    """About how wide ``text`` is in a control, in em of the control's font: a Chinese character 1 em, a capital
    0.72, a space 0.3, any other character 0.56 (a little more than sans-serif fonts take, so a width from it
    shows the text whole)."""
    return sum(1.0 if ord(c) > 0x2e80 else 0.72 if c.isupper() else 0.3 if c == " " else 0.56 for c in text)


def people(count: int) -> str:
    return _("1 person") if count == 1 else _("{count} people").format(count=f"{count:,}")


def refuse(message, verb: str, error: ValueError):
    """Say in the panel, in red, why the controls' values were not run -- instead of raising."""
    problems = getattr(error, "problems", None) or (str(error),)
    text = _("{where}: {problem}").format(where=verb, problem="; ".join(problems))
    message.value = f"<span style='color:#b00020'>{html.escape(text)}</span>"


def figure_view(max_width: str = "1100px"):
    """The widget a panel's figure is shown in: an image whose bytes are replaced on each redraw."""
    import ipywidgets as widgets

    return widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width=max_width))


def columns(controls, count: int = 2, width: str = "34em"):
    """Controls in ``count`` columns, filled row by row: a panel's controls in few rows, so it fits a screen.

    Each column is at most ``width`` and narrower when the notebook is (the README's layout, with the file
    browser shown): a slider then shortens, and its label and readout stay whole.
    """
    import ipywidgets as widgets

    controls = list(controls)
    for control in controls:
        control.layout.width, control.layout.max_width = "auto", width
    return widgets.GridBox(controls, layout=widgets.Layout(
        grid_template_columns=f"repeat({count}, minmax(0, {width}))", grid_gap="0 1em"))


def compact(table_html: str) -> str:
    """A table's HTML with tight rows and no caption (JupyterLab pads table cells for reading, not for a panel;
    the panel says what the table is), the row names on one line."""
    return ("<style>.simkit-compact td, .simkit-compact th {padding: 1px 8px !important; line-height: 1.2 !important;"
            " font-size: 12px !important} .simkit-compact caption {display: none}"
            " .simkit-compact tbody th, .simkit-compact td:first-child {white-space: nowrap}</style>"
            f"<div class='simkit-compact'>{table_html}</div>")


def status_line(status: list, message):
    """The status ("simulating…", "up to date"; none for a panel that computes at once) and the message, in a row."""
    import ipywidgets as widgets

    for widget in status:
        widget.layout.flex = "0 0 auto"   # never squeezed onto two lines by a long message
        widget.layout.min_width = "7.5em"
    message.layout.flex = "1 1 0%"    # the message takes the rest of the row and wraps there, never past the edge
    message.layout.min_width = "0"
    return widgets.HBox([*status, message], layout=widgets.Layout(grid_gap="1em"))


def side_by_side(left, right):
    """Two widgets beside each other, tops aligned (controls and a table, controls and a figure)."""
    import ipywidgets as widgets

    right.layout.flex = "1 1 0%"   # the right one takes the room left, and shrinks (a figure scales down)
    right.layout.min_width = "0"
    return widgets.HBox([left, right], layout=widgets.Layout(align_items="flex-start", grid_gap="1.5em"))


def show(figure, view):
    """Render ``figure`` to PNG into the image widget ``view`` (no flicker, nothing left behind).

    The first drawing lays the figure out (constrained layout); the layout is
    then kept, because laying out again on every redraw costs more than the
    drawing itself.
    """
    import io

    from ..placing import fit_texts
    from ..plots import use_fonts

    use_fonts(figure)
    if figure.get_layout_engine() is not None and not getattr(figure, "_simkit_laid_out", False):
        figure.draw_without_rendering()
        if fit_texts(figure):   # measured where the layout put each axes: a title or label broken anew
            figure.draw_without_rendering()
        figure.set_layout_engine(None)  # None, not "none": a placeholder engine would draw twice
        figure._simkit_laid_out = True
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
    view.value = buffer.getvalue()


#: Resolution of panel figures (dots per inch): sharp enough on a classroom projector, quick to draw.
FIGURE_DPI = 90

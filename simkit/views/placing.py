"""Text that fits its figure: labels broken to their axes' size, notes placed where they cover no data.

A figure's words come in three languages' lengths ("en", "zh", "both"), so no fixed size or place suits all:
:func:`fit_texts` breaks a title, an axis label or a note that runs past its axes -- between its English and
its Chinese first, then between words -- and :class:`ClearNote` puts a note in the corner of its axes where
it covers no data line and no legend, each time it is drawn; :func:`room_beside_bars` gives notes written beside
their bars (the pyramid's tiers) the room they take, so that no note lies on a bar, and :func:`top_under_legend`
the y range that keeps a plot's data under its legend.
"""

from __future__ import annotations

import numpy as np

from .fonts import MIN_FONT_SIZE, font_families

__all__ = ["ClearNote", "fit_texts", "room_beside_bars", "top_under_legend", "wrap_to"]


#: characters a line never starts with (Chinese closing punctuation) or ends with (opening)
_NO_START = set("）》」』】，。、；：！？%）)")
_NO_END = set("（《「『【(")


def _cjk(character: str) -> bool:
    return "\u2e80" <= character <= "\u9fff" or "\uff00" <= character <= "\uffef"


def _break_at(line: str) -> int | None:
    """Where to break ``line`` in two: between its English and its Chinese if it holds both, else at the space
    (or, in Chinese, between the characters) nearest its middle; None if it cannot be broken."""
    for index in range(1, len(line)):   # "profit per customer-year 每客户每年利润": English, then Chinese
        if line[index - 1] == " " and _cjk(line[index]) and not any(_cjk(c) for c in line[:index]) \
                and any(c.isascii() and c.isalpha() for c in line[:index]):
            return index
    for allowed in (lambda i: line[i - 1] in "，、：；" or line[i - 1] == " ",   # after a comma or a space first,
                    lambda i: _cjk(line[i - 1]) and _cjk(line[i])):              # between two characters if not
        places = [i for i in range(1, len(line))
                  if allowed(i) and line[i] not in _NO_START and line[i - 1] not in _NO_END]
        if places:
            return min(places, key=lambda i: abs(i - len(line) / 2))
    return None


def wrap_to(text: str, fits) -> str:
    """``text`` broken into lines until ``fits(line)`` holds for every line (or no line can be broken further)."""
    def split(line, depth=0):
        at = _break_at(line)
        if fits(line) or at is None or depth > 4:
            return [line]
        return split(line[:at].rstrip(), depth + 1) + split(line[at:].lstrip(), depth + 1)

    return "\n".join(part for line in text.split("\n") for part in split(line))


def fit_texts(figure):
    """Break titles, axis labels and notes that would run past their axes onto more lines.

    A y label longer than its axes is high runs off the top, a title wider than its column is cut at the
    figure's edge ("收入与利"): each is broken -- between its English and its Chinese first, then between words
    -- until it fits.  A title reads in two lines (or as many as it was written on): one that would take more
    is drawn smaller first, never under the style's minimum (:data:`simkit.views.fonts.MIN_FONT_SIZE`).
    Measured on the axes as they are placed now (a figure laid out again moves them a little: the limits keep
    a margin; a panel fits again once laid out).  Returns whether a text changed.
    """
    renderer = figure._get_renderer()
    changed = False
    width, height = figure.bbox.width, figure.bbox.height
    for ax in figure.axes:
        box = ax.get_position()
        spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
        columns = spec.get_gridspec().ncols if spec is not None else 1
        # centred over an axes that the y labels push right: within 80 % of its column and within the figure
        centre = (box.x0 + box.x1) / 2 * width
        column = min(0.8 * width / columns, 1.96 * min(centre, width - centre))
        limits = ((ax.yaxis.label, 0.9 * box.height * height, "height"), (ax.xaxis.label, column, "width"),
                  (ax.title, column, "width"))
        for text, limit, side in limits:
            original = getattr(text, "_simkit_text", None)
            if original is None or text.get_text() not in (original, getattr(text, "_simkit_wrapped", None)):
                original = text.get_text()   # a new text since the last fit
            if not original.strip() or not text.get_visible():
                continue

            def fits(line, text=text, limit=limit, side=side):
                text.set_text(line)
                extent = text.get_window_extent(renderer)
                return getattr(extent, side) <= limit

            before = getattr(text, "_simkit_wrapped", None), getattr(text, "_simkit_fitted_size", None)
            size = text.get_fontsize()
            if size != before[1] or getattr(text, "_simkit_size", None) is None:
                text._simkit_size = size   # a size set since the last fit (use_fonts sets the style's every time)
            size = text._simkit_size
            wrapped = wrap_to(original, fits)
            lines = max(2, original.count("\n") + 1)
            while text is ax.title and wrapped.count("\n") >= lines and size > MIN_FONT_SIZE:
                size = max(size - 0.5, MIN_FONT_SIZE)   # a title on three lines: smaller, down to the minimum
                text.set_fontsize(size)
                wrapped = wrap_to(original, fits)
            text.set_fontsize(size)
            text.set_text(wrapped)
            text._simkit_text, text._simkit_wrapped, text._simkit_fitted_size = original, wrapped, size
            changed = changed or (wrapped, size) != before
    return changed


def room_beside_bars(ax, ends, notes, left: float = -0.52):
    """Set the x range so that each note, beside its bar's right end (``ends``, data units), fits in the axes.

    Measured on the axes as placed now: a figure laid out later (constrained layout) only widens an axes
    without tick labels, and a wider axes leaves each note more room.
    """
    renderer = ax.figure._get_renderer()
    width = ax.get_window_extent(renderer).width
    gap = 4 / 72 * ax.figure.dpi + 3     # the notes' offset, and a margin at the axes' right edge
    scales = [(width - gap - note.get_window_extent(renderer).width) / (end - left) for end, note in zip(ends, notes)]
    scale = max(min(scales), width / 4)   # pixels per unit of bar width: never under a quarter of the axes
    ax.set_xlim(left, max(left + width / scale, -left))


def top_under_legend(ax, legend, top: float, low: float = 0.0) -> float:
    """The top of a y range from ``low`` in which data up to ``top`` stay under ``legend`` (at the top of ``ax``).

    Measured on the axes as placed now, with a margin: a figure laid out later (constrained layout) makes an
    axes a little shorter, its legend then a little larger a share of it.
    """
    for text in legend.get_texts():   # measured as drawn: simkit's fonts, never under the minimum (use_fonts)
        text.set_fontfamily(font_families())
        text.set_fontsize(max(text.get_fontsize(), MIN_FONT_SIZE))
    renderer = ax.figure._get_renderer()
    share = legend.get_window_extent(renderer).height / max(ax.get_window_extent(renderer).height, 1.0)
    share = min(1.2 * share + 0.04, 0.6)
    return low + (top - low) / (1 - share)

def _covers(box, ax, renderer) -> float:
    """How badly a text at ``box`` (display coordinates) covers what ``ax`` shows: each data line it crosses (a
    point or a segment inside the box) and the legend count 1; a band (filled area) it lies on counts 0.1."""
    from matplotlib.collections import PolyCollection

    score = 0.0
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
        xy = xy[np.isfinite(xy).all(axis=1)]
        joined = line.get_linestyle() not in ("None", "none", "", " ")
        if len(xy) > 1 and joined:   # each segment sampled every pixel along it
            lengths = np.ceil(np.abs(np.diff(xy, axis=0)).max(axis=1)).astype(int) + 1
            t = [np.linspace(0, 1, n + 1) for n in lengths]
            xy = np.concatenate([a + tt[:, None] * (b - a) for a, b, tt in zip(xy[:-1], xy[1:], t)])
        if np.any((xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)):
            score += 1
    legend = ax.get_legend()
    if legend is not None and legend.get_visible() and legend.get_window_extent(renderer).overlaps(box):
        score += 1
    for collection in ax.collections:
        if isinstance(collection, PolyCollection) and collection.get_visible():
            transform = collection.get_transform()
            if any(path.transformed(transform).intersects_bbox(box) for path in collection.get_paths()):
                score += 0.1
    return score


class ClearNote:
    """Where a note in a plot's corner goes: the first corner (or side) of the axes where it covers no data line,
    no legend and, if it can, no band -- chosen each time it is drawn, so it follows the data of a live figure.

    ``ClearNote.add(ax, text, **kwargs)`` puts the note in ``ax`` (``kwargs`` as for ``Axes.text``).
    """

    #: (x, y, horizontal alignment, vertical alignment) in the axes' fractions, tried in this order
    PLACES = ((0.98, 0.04, "right", "bottom"), (0.02, 0.96, "left", "top"), (0.98, 0.96, "right", "top"),
              (0.02, 0.04, "left", "bottom"), (0.5, 0.96, "center", "top"), (0.5, 0.04, "center", "bottom"),
              (0.02, 0.5, "left", "center"), (0.98, 0.5, "right", "center"), (0.5, 0.5, "center", "center"))

    @classmethod
    def add(cls, ax, text: str = "", **kwargs):
        from matplotlib.text import Text

        class Note(Text):
            def draw(self, renderer):
                if self.get_visible() and self.get_text().strip():
                    cls.place(self, renderer)
                super().draw(renderer)

        note = Note(*cls.PLACES[0][:2], text, transform=ax.transAxes, ha=cls.PLACES[0][2], va=cls.PLACES[0][3],
                    **kwargs)
        ax._add_text(note)
        return note

    @staticmethod
    def extent(note, renderer):
        """What the note hides: its text and the white box around it (display coordinates)."""
        from matplotlib.transforms import Bbox

        box = note.get_window_extent(renderer)
        if note.get_bbox_patch() is None:
            return box
        note.update_bbox_position_size(renderer)
        return Bbox.union([box, note.get_bbox_patch().get_window_extent(renderer)])

    @classmethod
    def place(cls, note, renderer):
        """Move ``note`` to the place where it covers least (the first of the best, in :data:`PLACES`' order)."""
        best = None
        for x, y, ha, va in cls.PLACES:
            note.set_position((x, y))
            note.set_horizontalalignment(ha)
            note.set_verticalalignment(va)
            score = _covers(cls.extent(note, renderer).padded(2), note.axes, renderer)
            if best is None or score < best[0]:
                best = (score, x, y, ha, va)
            if score == 0:
                break
        _score, x, y, ha, va = best
        note.set_position((x, y))
        note.set_horizontalalignment(ha)
        note.set_verticalalignment(va)

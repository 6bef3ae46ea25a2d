"""What a figure shows: the chosen language, Chinese that renders (or clean English), nothing clipped.

Every plot of simkit.views.plots is drawn by bench/gallery.py; these tests draw the same set and check
what a student would see: no missing-glyph warning, no text outside the figure or over the
title, money printed as money.
"""

import importlib.util
import pathlib
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import simkit
from simkit.views import fonts
from simkit.views import plots
from simkit.core.formatting import format_money

matplotlib.use("Agg")

_spec = importlib.util.spec_from_file_location("gallery", pathlib.Path(__file__).parents[1] / "bench" / "gallery.py")
gallery = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gallery)


@pytest.fixture(scope="module")
def figures():
    return gallery.figures()


@pytest.fixture
def restore_language():
    yield
    simkit.set_language("both")


def _draw(draw):
    """Draw one plot as a notebook would, really rendering it (glyphs, layout)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure, (ax,) = plots.new_figure(width=9, height=4.2)
    FigureCanvasAgg(figure)
    draw(ax)
    figure.canvas.draw()
    return figure, ax


def _visible_texts(figure):
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_set_language_chooses_every_label(restore_language, monkeypatch):
    monkeypatch.setattr(fonts, "chinese_font", lambda: "Noto Sans CJK SC")  # as on a machine with one
    simkit.set_language("zh")
    assert fonts.label("Sales funnel", "销售漏斗") == "销售漏斗"
    simkit.set_language("en")
    assert fonts.label("Sales funnel", "销售漏斗") == "Sales funnel"
    simkit.set_language("both")
    assert fonts.label("Sales funnel", "销售漏斗") == "Sales funnel 销售漏斗"
    assert fonts.label("VIP", "VIP客户") == "VIP客户"          # never "VIP VIP客户"
    assert fonts.label("loyal", "老客户", separator="\n") == "loyal\n老客户"
    with pytest.raises(ValueError, match="language: got 'fr', expected one of 'both', 'zh', 'en'"):
        simkit.set_language("fr")


def test_titles_follow_the_language(restore_language, monkeypatch):
    monkeypatch.setattr(fonts, "chinese_font", lambda: "Noto Sans CJK SC")
    result = simkit.run_simulation(simkit.load_scenario("firm_a"), seed=1)
    titles = {}
    for choice in simkit.LANGUAGES:
        simkit.set_language(choice)
        titles[choice] = plots.plot_stage_counts(result).get_title()
    assert titles == {"en": "Customers by stage", "zh": "各阶段客户数", "both": "Customers by stage 各阶段客户数"}


def test_without_a_chinese_font_every_label_is_english_and_nothing_warns(figures, monkeypatch):
    monkeypatch.setattr(fonts, "chinese_font", lambda: None)   # a bare Linux or Binder image
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, draw in figures:
            figure, _ = _draw(draw)
            chinese = [t.get_text() for t in _visible_texts(figure)
                       if any("\u4e00" <= c <= "\u9fff" for c in t.get_text())]
            assert not chinese, f"{name}: Chinese without a font to draw it: {chinese}"


@pytest.mark.skipif(fonts.chinese_font() is None, reason="no Chinese font on this machine (apt-get install "
                    "fonts-noto-cjk); the English fallback is tested without one")
def test_with_a_chinese_font_chinese_renders_without_a_warning(figures):
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # "Glyph ... missing from font(s) DejaVu Sans" would fail here
        for name, draw in figures:
            figure, _ = _draw(draw)
            assert any("\u4e00" <= c <= "\u9fff" for t in _visible_texts(figure) for c in t.get_text()), name


def test_a_font_installed_after_matplotlib_listed_the_fonts_is_found(monkeypatch):
    """matplotlib keeps its list of the system's fonts in a cache; a Chinese font installed after the list was
    made is not in it.  simkit looks at the system's font files when the list has none."""
    import os

    from matplotlib import font_manager

    if not any(fonts._CJK_FILES.search(os.path.basename(path)) for path in font_manager.findSystemFonts()):
        pytest.skip("no Chinese font file on this machine (apt-get install fonts-noto-cjk)")
    stale = [font for font in font_manager.fontManager.ttflist if font.name not in fonts._CJK_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)   # the list as it was before the install
    fonts.chinese_font.cache_clear()
    try:
        assert fonts.chinese_font() in fonts._CJK_FONTS
    finally:
        fonts.chinese_font.cache_clear()


def test_no_text_is_clipped_or_over_the_title(figures):
    for name, draw in figures:
        figure, ax = _draw(draw)
        renderer = figure.canvas.get_renderer()
        page = figure.bbox
        title = ax.title.get_window_extent(renderer)
        for axes in figure.axes:   # everything drawn, tick labels included (a tick outside the range is not)
            box = axes.get_tightbbox(renderer)
            assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1 and page.y0 - 1 <= box.y0 \
                and box.y1 <= page.y1 + 1, f"{name}: something is cut by the figure's edge"
        ticks = {t for axes in figure.axes for t in axes.xaxis.get_ticklabels(which="both")
                 + axes.yaxis.get_ticklabels(which="both")}
        for text in set(_visible_texts(figure)) - ticks:
            box = text.get_window_extent(renderer)
            inside = (box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1
                      and box.y1 <= page.y1 + 1)
            assert inside, f"{name}: {text.get_text()!r} is cut by the figure's edge"
            if text is not ax.title and text.axes is ax and text in ax.texts:
                assert not box.overlaps(title), f"{name}: {text.get_text()!r} runs into the title"
                inner = ax.get_window_extent(renderer)
                assert inner.y0 - 1 <= box.y0 and box.y1 <= inner.y1 + 1, \
                    f"{name}: {text.get_text()!r} sticks out of the plot area"


def test_money_reads_as_money_on_every_axis(figures):
    for name, draw in figures:
        figure, ax = _draw(draw)
        for axis in (ax.xaxis, ax.yaxis):
            assert axis.get_offset_text().get_text() == "", f"{name}: an axis prints an exponent ({axis})"
        for text in _visible_texts(figure):
            assert "¥-" not in text.get_text(), f"{name}: {text.get_text()!r} (negative money prints −¥)"


def test_waterfall_keeps_its_parts_and_labels_them_signed():
    result = simkit.run_simulation(simkit.load_scenario("lifecycle_textbook"), seed=3, engine="numpy")
    bottoms, heights = plots.waterfall(result.ledger)
    parts = result.ledger.profit_parts()
    converted = np.sum(~np.isnan(result.ledger["entered_new"]))
    # the parts add up to the lifetime profit (§1): the last bar ends where the chain of parts ends
    assert heights[:-1].sum() == pytest.approx(heights[-1])
    assert heights[-1] == pytest.approx(parts["lifetime_profit"].sum() / converted)
    assert bottoms[-1] == 0 and bottoms[1] == pytest.approx(heights[0])
    ax = plots.plot_profit_parts(result.ledger)
    assert [t.get_text() for t in ax.texts] == [format_money(h, sign=True) for h in heights]


# ------------------------------------------------------------------ what a class reads (#32, items 3 and 4)
#: the smallest text of simkit's style: the smallest size its STYLE table gives (points, as in the table)
SMALLEST = min(plots.STYLE.values())
#: the built-in scenarios' file names (read from the folder, not from simkit's list), and the churn
#: firms' scenario names built the way simkit.exact.churn.firm_scenario documents them
SCENARIO_FILES = sorted({p.stem for p in (pathlib.Path(simkit.__file__).parent / "model" / "scenarios").rglob("*.toml")}
                        | {f"firm_{firm}_{kind}" for firm in "ab" for kind in ("steady", "cohort")})


def _panels():
    """(name, build) for every panel, in the states a class sees: the dashboard with and without a comparison and
    on the sales funnel preset, the churn panel steady and closed, the LTV, pyramid and simulation panels."""
    from simkit.views import widgets

    def dashboard(comparison=None, preset=None):
        def build():
            panel = widgets.lifecycle_dashboard(simkit.load_scenario("lifecycle_textbook").updated(
                {"horizon": 36, "arrivals.cohort_size": 500, "arrivals.prospects_per_year": 200}),
                comparison=comparison, background=False)
            if preset is not None:
                panel.preset.value = preset
            return panel
        return build

    def churn(steady):
        def build():
            panel = widgets.churn_panel(background=False)
            panel.controls["steady_state"].value = steady
            return panel
        return build

    return [("dashboard", dashboard()), ("dashboard_compared", dashboard("loyal customers stay 10 % longer")),
            ("dashboard_sales_funnel", dashboard(preset="sales_funnel")),
            *((f"dashboard_sales_funnel_{index}", dashboard(comparison, "sales_funnel"))
              for index, comparison in enumerate(widgets.COMPARISONS)),
            ("churn_steady", churn(True)), ("churn_closed", churn(False)),
            ("ltv_panel", widgets.ltv_table_panel), ("pyramid_panel", widgets.pyramid_panel),
            ("simulation_panel", lambda: widgets.SimulationPanel(background=False))]


@pytest.fixture(scope="module", params=["en", "zh", "both"])
def every_figure(request):
    """Every figure simkit draws, drawn in one language: each plot function at the size a notebook shows it
    (8 x 3.6 inches, what a plot makes when given no axes), each panel's figure as the panel shows it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    simkit.set_language(request.param)
    drawn = []
    try:
        for name, draw in gallery.figures():
            figure, (ax,) = plots.new_figure(width=8, height=3.6)
            FigureCanvasAgg(figure)
            draw(ax)
            figure.canvas.draw()
            drawn.append((f"{name} [{request.param}]", figure))
        for name, build in _panels():
            panel = build()
            figure = panel.figure
            if getattr(panel, "live", None) is not None:
                panel.live.invalidate()
                panel.live.render()      # as the panel shows it: laid out, data drawn over the background
            else:   # drawn into PNG bytes by savefig: drawn again on a canvas that keeps its renderer
                FigureCanvasAgg(figure)
                figure.canvas.draw()
            drawn.append((f"{name} [{request.param}]", figure))
    finally:
        simkit.set_language("both")
    return drawn


def _shown_texts(figure):
    """Every text a student sees in the figure: titles, labels, tick labels, legends, notes, values."""
    ticks = {t for ax in figure.axes for axis in (ax.xaxis, ax.yaxis) for tick in axis.get_major_ticks()
             + axis.get_minor_ticks() for t in (tick.label1, tick.label2)}
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip() and t not in ticks]
    for ax in figure.axes:   # the tick labels drawn: those of ticks inside the axis' range
        for axis in (ax.xaxis, ax.yaxis):
            texts += [label_ for tick in axis._update_ticks() for label_ in (tick.label1, tick.label2)
                      if label_.get_visible() and label_.get_text().strip()]
    return list(dict.fromkeys(texts))


def test_every_plot_function_is_in_the_gallery():
    drawn = {name for name, _draw in gallery.figures()}
    public = {name[len("plot_"):] for name in plots.__all__ if name.startswith("plot_")}
    assert public <= drawn, f"plot functions no test draws: {sorted(public - drawn)}"


def test_no_text_is_smaller_than_the_styles_smallest(every_figure):
    small = [(name, t.get_text(), round(t.get_fontsize(), 2)) for name, figure in every_figure
             for t in _shown_texts(figure) if t.get_fontsize() < SMALLEST - 1e-9]
    assert not small, f"{len(small)} texts under {SMALLEST} pt, e.g. {small[:8]}"


def _data_lines(ax):
    """Each line carrying data in ``ax``, as display coordinates (points, and segments when it is drawn as a line)."""
    lines = []
    for line in ax.get_lines():
        if not line.get_visible() or (line.get_linestyle() in ("None", "none", "", " ")
                                      and line.get_marker() in (None, "None", "none", "", " ")):
            continue
        xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy):
            lines.append((line, xy, line.get_linestyle() not in ("None", "none", "", " ")))
    return lines


def _hits(box, xy, joined: bool) -> bool:
    """Whether a point of ``xy`` -- or, for a drawn line, a point of a segment between two -- lies inside ``box``."""
    x, y = xy[:, 0], xy[:, 1]
    if np.any((x > box.x0) & (x < box.x1) & (y > box.y0) & (y < box.y1)):
        return True
    if not joined or len(xy) < 2:
        return False
    # sample every segment each pixel along its length: a segment crossing the box has a sample inside it
    for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:]):
        steps = int(np.ceil(max(abs(x1 - x0), abs(y1 - y0)))) + 1
        t = np.linspace(0, 1, steps + 1)
        sx, sy = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        if np.any((sx > box.x0) & (sx < box.x1) & (sy > box.y0) & (sy < box.y1)):
            return True
    return False


def _data_patches(ax, renderer):
    """Each bar (or other patch) carrying data in ``ax``, as its box in display coordinates."""
    boxes = []
    for patch in ax.patches:
        box = patch.get_window_extent(renderer)
        if patch.get_visible() and box.width >= 0.5 and box.height >= 0.5:
            boxes.append((patch, box))
    return boxes


def _data_areas(ax):
    """Each filled area carrying data in ``ax`` (a stacked area; not a pale interval band, which a note may cover),
    as its outlines in display coordinates."""
    from matplotlib.collections import PolyCollection

    areas = []
    for collection in ax.collections:
        colours = collection.get_facecolor()
        alpha = collection.get_alpha() if collection.get_alpha() is not None else \
            (float(np.min(colours[:, 3])) if len(colours) else 0.0)
        if isinstance(collection, PolyCollection) and collection.get_visible() and alpha >= 0.9:
            transform = collection.get_transform()
            areas += [(collection, path.transformed(transform)) for path in collection.get_paths()]
    return areas


def test_no_note_or_value_label_lies_over_a_data_line_and_every_text_is_in_the_figure(every_figure):
    """Notes, value labels and legends cover no point or segment of a data line, no bar and no stacked area; every
    text is inside the figure."""
    problems = []
    for name, figure in every_figure:
        renderer = figure.canvas.get_renderer()
        page = figure.bbox
        for text in _shown_texts(figure):
            box = text.get_window_extent(renderer)
            if not (box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1
                    and box.y1 <= page.y1 + 1):
                problems.append(f"{name}: {text.get_text()!r} is cut by the figure's edge")
        for ax in figure.axes:
            inner = ax.get_window_extent(renderer)
            for text in ax.texts:   # notes and value labels drawn in the plot area
                if not (text.get_visible() and text.get_text().strip()):
                    continue
                box = text.get_window_extent(renderer)
                if text.get_bbox_patch() is not None:   # a note on a white box hides what the box covers
                    text.update_bbox_position_size(renderer)
                    box = Bbox.union([box, text.get_bbox_patch().get_window_extent(renderer)])
                if not (inner.x0 - 1 <= box.x0 and box.x1 <= inner.x1 + 1 and inner.y0 - 1 <= box.y0
                        and box.y1 <= inner.y1 + 1):
                    problems.append(f"{name}: {text.get_text()!r} runs out of its axes")
                for line, xy, joined in _data_lines(ax):
                    if _hits(box.padded(-1), xy, joined):
                        problems.append(f"{name}: {text.get_text()!r} lies over the line {line.get_label()!r}")
                if any(outline.intersects_bbox(box.padded(-1), filled=True) for _area, outline in _data_areas(ax)):
                    problems.append(f"{name}: {text.get_text()!r} lies over a filled area")
                for patch, patch_box in _data_patches(ax, renderer):   # a bar's length is its data: never covered
                    if box.padded(-1).overlaps(patch_box):
                        problems.append(f"{name}: {text.get_text()!r} lies over a bar ({patch_box.x0:.0f}-"
                                        f"{patch_box.x1:.0f} px across, {patch_box.y0:.0f}-{patch_box.y1:.0f} up)")
                        break
            legends = [ax.get_legend()] if ax.get_legend() is not None else []
            for legend in legends + list(figure.legends):   # a legend's labels too: off every line of the plot
                box = legend.get_window_extent(renderer)
                for line, xy, joined in _data_lines(ax):
                    if _hits(box.padded(-2), xy, joined):
                        problems.append(f"{name}: the legend ({legend.get_texts()[0].get_text()!r}, ...) lies "
                                        f"over the line {line.get_label()!r}")
                if any(box.padded(-2).overlaps(patch_box) for _patch, patch_box in _data_patches(ax, renderer)):
                    problems.append(f"{name}: the legend ({legend.get_texts()[0].get_text()!r}, ...) lies over a bar")
                for area, outline in _data_areas(ax):   # a legend on stacked areas hides them
                    if outline.intersects_bbox(box.padded(-2), filled=True):
                        problems.append(f"{name}: the legend ({legend.get_texts()[0].get_text()!r}, ...) lies over "
                                        f"the area {area.get_label()!r}")
                        break
    assert not problems, "\n".join(problems)


def test_no_title_names_a_scenario_file(every_figure):
    titles = [(name, t.get_text()) for name, figure in every_figure for ax in figure.axes
              for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
    titles += [(name, figure._suptitle.get_text()) for name, figure in every_figure if figure._suptitle]
    named = [(name, title) for name, title in titles if any(file in title for file in SCENARIO_FILES)]
    assert titles and not named, f"titles with a scenario's file name: {named}"


def test_every_y_label_fits_the_height_of_its_axes(every_figure):
    tall = []
    for name, figure in every_figure:
        renderer = figure.canvas.get_renderer()
        for ax in figure.axes:
            label_ = ax.yaxis.label
            if not (label_.get_visible() and label_.get_text().strip()):
                continue
            height = ax.get_window_extent(renderer).height
            extent = label_.get_window_extent(renderer).height
            if extent > height + 1:
                tall.append(f"{name}: {label_.get_text()!r} is {extent:.0f} px on an axes {height:.0f} px high")
    assert not tall, "\n".join(tall)


def _is_red(colour) -> bool:
    """Red as a reader sees it: much more red than green or blue."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return r > 0.6 and g < 0.4 and b < 0.4


def test_profit_is_never_shown_red_in_a_legend(every_figure):
    """A first-year loss draws the first profit bar red; the legend's swatch for profit must still not be red."""
    profit_words = {"profit", "利润", "profit 利润"}
    seen = []
    for name, figure in every_figure:
        legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None] + list(figure.legends)
        for legend in legends:
            for handle, text in zip(legend.legend_handles, legend.get_texts()):
                if text.get_text() in profit_words and hasattr(handle, "get_facecolor"):
                    seen.append(name)
                    assert not _is_red(handle.get_facecolor()), f"{name}: profit's legend swatch is red"
    assert any("period_money" in name for name in seen) and any("dashboard [" in name for name in seen), seen


def test_a_tornado_of_named_levers_shows_their_names(restore_language, monkeypatch):
    """Notebook 07 names its levers; the tornado shows those names as typed, not the fields they change -- and in
    "both" not one of them translated because the catalog holds it (one lever of notebook 07's four was)."""
    simkit.set_language("en")
    scenario = simkit.load_scenario("lifecycle_basic").updated({"arrivals.cohort_size": 200, "horizon": 12})
    levers = {"loyal customers stay 10 % longer": {"stages.loyal.mean_duration_years": 3.3},
              "cheaper acquisition": {"arrivals.acquisition_cost": 50.0}}
    named = simkit.sweep(scenario, variants=levers, replications=2)
    ax = plots.plot_sweep_effects(named)
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == sorted(levers)
    monkeypatch.setattr(fonts, "chinese_font", lambda: "Noto Sans CJK SC")
    simkit.set_language("both")
    ax = plots.plot_sweep_effects(named)
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == sorted(levers)
    simkit.set_language("en")
    grid = simkit.sweep(scenario, {"stages.loyal.orders_per_year": [5.0, 7.0]}, replications=2)
    ax = plots.plot_sweep_effects(grid)   # a grid's variants are named by their values: the change is shown
    assert {t.get_text() for t in ax.get_yticklabels()} == {"loyal: orders per year = 5", "loyal: orders per year = 7"}


def test_every_title_reads_in_two_lines_at_the_styles_size_or_more(every_figure):
    """A title takes two lines at most (English and Chinese in "both"), drawn smaller if it must, never under the
    style's minimum (the churn panel's closed-cohort titles took three in "both")."""
    long = [f"{name}: {ax.title.get_text()!r} ({ax.title.get_fontsize():.1f} pt)" for name, figure in every_figure
            for ax in figure.axes if ax.title.get_text().count("\n") > 1 or ax.title.get_fontsize() < SMALLEST - 1e-9]
    assert not long, "\n".join(long)


@pytest.mark.parametrize("language", simkit.LANGUAGES)
def test_notebook_02s_churn_titles_read_in_two_lines_in_every_language(language, restore_language):
    """Notebook 02 draws both churn plots side by side at 12 x 4 inches; in "both" their titles took four lines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from simkit.exact.churn import TEXTBOOK_FIRMS, firm_scenario

    simkit.set_language(language)
    firm_a = TEXTBOOK_FIRMS[0]
    figure = Figure(figsize=(12, 4), layout="constrained")   # as plt.subplots(1, 2, figsize=(12, 4)) makes it
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2)
    plots.plot_churn(simkit.run_simulation(firm_scenario(firm_a, steady_state=True, acquisition_cost=60)), ax=axes[0])
    plots.plot_churn(simkit.run_simulation(firm_scenario(firm_a, steady_state=False)), ax=axes[1], retention=0.8)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    for index, ax in enumerate(axes):
        title = ax.title
        box = title.get_window_extent(renderer)
        assert title.get_text().count("\n") <= 1, f"{title.get_text()!r} takes more than two lines"
        assert title.get_fontsize() >= SMALLEST, f"{title.get_text()!r} at {title.get_fontsize()} pt"
        half = figure.bbox.width / 2
        assert index * half - 1 <= box.x0 and box.x1 <= (index + 1) * half + 1, f"{title.get_text()!r} leaves its half"


def test_no_two_tick_labels_of_an_axis_run_into_each_other(every_figure):
    """Tick labels side by side (x) or stacked (y) keep apart: in "both" the LTV panel's years read
    "year 1 第 1 年year 2 第 2 年", and a grid tornado's two-line row labels ran into each other.  (Slanted labels
    are laid out by their angle, not held here.)"""
    crowded = []
    for name, figure in every_figure:
        renderer = figure.canvas.get_renderer()
        for ax in figure.axes:
            for axis, side in ((ax.xaxis, "x"), (ax.yaxis, "y")):
                labels = [t for tick in axis._update_ticks() for t in (tick.label1, tick.label2)
                          if t.get_visible() and t.get_text().strip() and t.get_rotation() == 0]
                boxes = sorted(((t.get_window_extent(renderer), t.get_text()) for t in labels),
                               key=lambda box: getattr(box[0], f"{side}0"))
                for (first, a), (second, b) in zip(boxes, boxes[1:]):
                    if getattr(second, f"{side}0") < getattr(first, f"{side}1"):
                        crowded.append(f"{name}: {a!r} and {b!r}")
    assert not crowded, "\n".join(crowded)


def test_a_chinese_label_that_starts_with_a_letter_keeps_it(restore_language):
    """The tenure plot's y label in "both" broke as "customers lost after k years k" / "年后流失的客户数": the
    Chinese begins with the "k" it counts, and a break between the languages must leave it there."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from simkit.core.language import chinese

    if fonts.chinese_font() is None:
        pytest.skip("no Chinese font on this machine: every label is English")
    simkit.set_language("both")
    firm = simkit.load_scenario("firm_a")
    figure, (ax,) = plots.new_figure(width=8, height=3.6)
    FigureCanvasAgg(figure)
    plots.plot_tenure(simkit.run_simulation(firm, seed=1), firm.tenure.retention_rate[0], ax=ax)
    figure.canvas.draw()
    assert ax.get_ylabel().split("\n")[-1] == chinese("customers lost after k years")

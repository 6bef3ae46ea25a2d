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

"""The course website's parts that need no build (``tools/site.py``); the built site is read in
``tests/browser/test_site.py``."""

from __future__ import annotations

import base64
import importlib.util
import sys
from pathlib import Path

import pytest

import simkit

ROOT = Path(__file__).parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def site():
    spec = importlib.util.spec_from_file_location("simkit_site_parts", ROOT / "tools" / "site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_panel_offers_the_still_of_its_figure_beside_the_widget():
    """What a static page shows of a panel is the PNG the panel shows now -- and nothing once it is refused."""
    from simkit.views.widgets.pyramid import PyramidPanel

    panel = PyramidPanel()
    bundle = panel._repr_mimebundle_()
    assert WIDGET_VIEW in bundle
    assert base64.b64decode(bundle["image/png"]) == bytes(panel.view.value)
    assert bytes(panel.view.value).startswith(b"\x89PNG")
    panel.view.layout.visibility = "hidden"          # what a refused value leaves: no old figure as a still
    assert "image/png" not in panel._repr_mimebundle_()


def test_the_api_reference_lists_every_public_name_once(site):
    listed = [name for names in site.API_GROUPS.values() for name in names]
    assert sorted(listed) == sorted(simkit.__all__)
    assert len(set(listed)) == len(listed)


def test_a_page_shows_a_panel_as_its_still_with_a_note_and_drops_other_widgets(site, tmp_path):
    png = base64.b64encode(b"\x89PNG fake").decode()
    widget = {"model_id": "x", "version_major": 2, "version_minor": 0}
    notebook = {"metadata": {"widgets": {"state": {}}}, "nbformat": 4, "nbformat_minor": 5, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": 1,
         "source": "# NBVAL_CHECK_OUTPUT\npanel", "outputs": [
             {"output_type": "display_data", "metadata": {},
              "data": {WIDGET_VIEW: widget, "text/plain": "VBox()", "image/png": png}}]},
        {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": 2, "source": "bar", "outputs": [
            {"output_type": "display_data", "metadata": {}, "data": {WIDGET_VIEW: widget, "text/plain": "x"}}]},
        {"cell_type": "markdown", "id": "c", "metadata": {},
         "source": "### BEGIN SOLUTION\nSee [the guide](../../docs/guide.md#exercises).\n### END SOLUTION"}]}
    edition = site.EDITIONS["zh"]
    pages = {Path("docs/guide.md"): "docs/guide"}
    staged = site.stage_notebook(notebook, edition, "notebooks/01_first_simulation", tmp_path, pages,
                                 Path("zh/notebooks/01_first_simulation.ipynb"), "example/simkit")
    first, note, second, prose = staged["cells"]
    assert first["source"] == "panel"                                   # the test suite's mark is gone
    assert first["outputs"][0]["data"] == {"image/png": png}            # the still, not the widget
    assert "静态图" in note["source"] and note["id"] == "a-still"
    assert "https://mybinder.org/v2/gh/example/simkit/HEAD?urlpath=doc/tree/zh/notebooks/01_first_simulation.ipynb" \
        in note["source"]
    assert second["outputs"] == []                                      # a widget with no still shows nothing
    assert prose["source"] == "See [the guide](../docs/guide.md#exercises)."   # nbgrader's marks gone, link kept
    assert "widgets" not in staged["metadata"]


def test_links_to_files_outside_the_site_go_to_the_repository_or_keep_their_words(site):
    pages = {Path("notebooks/01_first_simulation.ipynb"): "notebooks/01_first_simulation"}
    text = "[one](../notebooks/01_first_simulation.ipynb#plot) [bench](../bench/README.md) [web](https://x.org)"
    linked = site.relink(text, Path("docs/guide.md"), pages, "docs/guide", "example/simkit")
    assert linked == ("[one](../notebooks/01_first_simulation.md#plot) "
                      "[bench](https://github.com/example/simkit/blob/HEAD/bench/README.md) [web](https://x.org)")
    assert site.relink(text, Path("docs/guide.md"), pages, "docs/guide", None).split(" ")[1] == "bench"


def test_formulas_become_images_with_their_tex_as_alt_text(site, tmp_path):
    """Typeset here, Chinese included, with no missing glyph (warnings fail the suite)."""
    text = r"Before $$\text{客户流失率} = \frac{1}{T}$$ after"
    out = site.typeset_formulas(text, 1, tmp_path)
    assert "$$" not in out and r'alt="\text{客户流失率} = \frac{1}{T}"' in out
    (svg,) = tmp_path.glob("formula-*.svg")
    assert f'src="../_formulas/{svg.name}"' in out
    assert svg.stat().st_size > 1000


def test_a_build_never_empties_a_folder_it_did_not_make(site, tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("years of work")
    with pytest.raises(site.SiteError, match="--out: .*notes exists and is not a site this tool built"):
        site._clear(mine, "--out")
    assert (mine / "thesis.txt").read_text() == "years of work"
    built = tmp_path / "site"
    site._clear(built, "--out")
    (built / "old.html").write_text("old")
    site._clear(built, "--out")                                        # an earlier build: emptied
    assert not (built / "old.html").exists()

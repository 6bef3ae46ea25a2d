"""The notebooks and exercises in JupyterLab in Chromium, as a class opens them.

Solutions are not run here: they are the exercises with the answers filled in, nbval runs each
of them, and students do not open them (keeping the suite within CI's ten minutes).

Runs every notebook with a panel and fails on any error or warning output; photographs every notebook and
every panel at 1280 x 720; moves one control of every panel and waits for a new figure; reads the rendered
prose of the others; answers an exercise wrong, then right, and reads the check's verdict.
"""

from __future__ import annotations

import json
import re

import pytest

from .browsing import FOLDERS, ROOT, screenshot

NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for folder in FOLDERS if not folder.endswith("solutions")
                   for p in (ROOT / folder).glob("*.ipynb"))
#: Notebooks with a panel, and the panel's builder (each panel is one output holding an image).
PANELS = {p: re.search(r"simkit\.views\.widgets\.(\w+)\(", (ROOT / p).read_text(encoding="utf-8")).group(1)
          for p in NOTEBOOKS if "simkit.views.widgets." in (ROOT / p).read_text(encoding="utf-8")}
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


class Lab:
    """One notebook open in JupyterLab."""

    def __init__(self, page, lab, path: str):
        """Open ``path`` in the layout the README's command opens: JupyterLab's simple interface (``/doc``), one
        notebook across the screen and no file browser."""
        url, token, _ = lab
        self.page = page
        page.goto(f"{url}/doc/tree/{path}?reset&token={token}")   # reset: no tabs left from the last test
        page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
        self.wait_idle()
        assert not page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").count(), \
            "the README's command opens the simple interface, with no side panel shown"

    def visible_area(self) -> dict:
        """The part of the screen where the notebook's cells show (under JupyterLab's bars, beside the browser)."""
        return self.page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer").first.bounding_box()

    def wait_idle(self, timeout: float = 300):
        """Wait until the kernel is idle and no cell is queued or running."""
        self.page.wait_for_function(
            """() => {
                const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
                if (!status || status.getAttribute('data-status') !== 'idle') return false;
                return ![...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                    .some(p => p.textContent.includes('*'));
            }""", timeout=timeout * 1000, polling=250)

    def menu(self, top: str, item: str):
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).first.click()

    def run_all(self, name: str):
        """Run All Cells; wait until every code cell has run ("[n]:") or one failed (Run All stops there)."""
        # the kernel may still be connecting although the indicator says idle: until a cell starts, ask again.
        # A cell has started when a prompt shows "*" or a number above any shown before: a kernel kept from an
        # earlier test runs the whole notebook between two looks, and its numbers go on from where they were
        self.page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=120_000)
        highest = """() => Math.max(0, ...[...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                                  .map(p => parseInt((p.textContent.match(/\\[(\\d+)\\]/) || [0, 0])[1])))"""
        before = self.page.evaluate(highest)
        for _ in range(3):
            self.menu("Run", "Run All Cells")
            try:
                self.page.wait_for_function(
                    f"""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                             .some(p => p.textContent.includes('*')) || ({highest})() > {before}""",
                    timeout=20_000, polling=100)
                break
            except Exception:  # playwright's TimeoutError
                continue
        try:
            self.page.wait_for_function(
                """() => document.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
                     || [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                        .every(p => /\\[\\d+\\]/.test(p.textContent))""", timeout=300_000, polling=500)
            self.wait_idle()
        finally:
            screenshot(self.page, name)

    def prose_problems(self, path: str) -> list[str]:
        """What the rendered markdown gets wrong: mathematics typeset where the notebook has none (a "$" in prose
        turns the text between two into TeX), or an amount of money the notebook writes that does not show."""
        cells = json.loads((ROOT / path).read_text(encoding="utf-8"))["cells"]
        markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
        expected = sum(len(re.findall(r"\$\$.+?\$\$", m, flags=re.S)) for m in markdown)
        if expected:   # MathJax typesets after the cells render
            self.page.wait_for_function(f"() => document.querySelectorAll('.jp-MarkdownCell mjx-container').length"
                                        f" >= {expected}", timeout=30_000)
        found = self.page.locator(".jp-MarkdownCell mjx-container").count()
        problems = [f"{found} typeset formulas, the notebook has {expected}"] if found != expected else []
        rendered = "\n".join(self.page.locator(".jp-MarkdownCell .jp-RenderedMarkdown").all_inner_texts())
        amounts = {a.rstrip(".,") for m in markdown for a in re.findall(r"(?:¥|USD )\d[\d,.]*", re.sub(r"`[^`]*`", "", m))}
        problems += [f"{amount} is not shown" for amount in sorted(amounts) if amount not in rendered]
        return problems

    def problems(self) -> list[str]:
        return [e.inner_text()[:500] for e in self.page.query_selector_all(STDERR)]

    def code_cell(self, containing: str):
        """The first code cell whose text holds ``containing``.

        CodeMirror draws an editor's lines only when it is on screen, so each cell is scrolled
        into view before its text is read.
        """
        cells = self.page.locator(".jp-CodeCell")
        for index in range(cells.count()):
            cell = cells.nth(index)
            cell.scroll_into_view_if_needed()
            if containing in cell.locator(".cm-content").inner_text():
                return cell
        raise AssertionError(f"no code cell holds {containing!r}")

    def type_into(self, cell, text: str):
        """Replace a code cell's text and run it (Shift+Enter)."""
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        self.page.keyboard.press("Shift+Enter")
        self.wait_idle()


def _name(path: str) -> str:
    return path.replace("/", "_").removesuffix(".ipynb")


#: the notebooks the other tests open anyway (each panel notebook, and the first exercise set of each edition), and
#: the Chinese edition where it shows nothing the English one does not: the lessons without a panel and the
#: exercise sets after the first.  Their code is the English edition's to the letter (tests/test_editions.py),
#: nbval runs them, and the prose rule is held for them by tests/test_notebook_hygiene.py
RUN_ELSEWHERE = set(PANELS) | {"exercises/01_churn_and_lifetime.ipynb"} | {
    path for path in NOTEBOOKS if path.startswith("zh/") and path not in PANELS}


@pytest.mark.parametrize("path", sorted(set(NOTEBOOKS) - RUN_ELSEWHERE))
def test_notebook_prose_renders_as_written(page, lab, path):
    """The notebooks not run here show their prose as written: no TeX where the notebook has none, every amount.

    Their code runs under nbval, where a cell that raises or shows a warning (stderr) fails (the repository's
    ``conftest.py``); running them again in the browser showed nothing more and took a minute of the suite."""
    notebook = Lab(page, lab, path)
    screenshot(page, _name(path))
    assert not notebook.prose_problems(path), notebook.prose_problems(path)


@pytest.mark.parametrize("path", sorted(PANELS))
def test_panel_fits_the_screen_and_redraws_on_a_control_change(page, lab, path):
    notebook = Lab(page, lab, path)
    notebook.run_all(f"{_name(path)}_for_panel")
    assert not notebook.problems(), notebook.problems()[0]
    panel = page.locator(".jp-OutputArea-output:has(.widget-slider)").last
    panel.scroll_into_view_if_needed()
    edition = "zh_" if path.startswith("zh/") else ""
    tabs = panel.locator(".widget-tab > .lm-TabBar .lm-TabBar-tab")
    if tabs.count() and not panel.locator("img").first.is_visible():   # a table and a figure on two tabs
        screenshot(panel, f"panel_{edition}{PANELS[path]}_table")
        box = panel.bounding_box()
        assert box["height"] <= notebook.visible_area()["height"], f"{PANELS[path]}: table tab {box['height']:.0f} px"
        tabs.last.click()
    image = panel.locator("img").first
    image.wait_for()
    box = panel.bounding_box()
    # the figure is shown at (nearly) the size it is drawn: its smallest text, the style's minimum in points at the
    # panels' dpi, must show at 10 px or more (a figure squeezed beside the controls showed it at 6 px)
    from simkit.views.plots import MIN_FONT_SIZE
    from simkit.views.widgets.controls import FIGURE_DPI

    scale = image.evaluate("img => img.getBoundingClientRect().width / img.naturalWidth")
    smallest = MIN_FONT_SIZE * FIGURE_DPI / 72 * scale
    assert smallest >= 10, f"{PANELS[path]}: the figure shows at {scale:.2f} of its size, its smallest text {smallest:.1f} px"
    screenshot(panel, f"panel_{edition}{PANELS[path]}")
    if edition:   # the Chinese edition runs simkit.set_language("zh"): controls, tabs and status lines in Chinese
        words = panel.inner_text()
        assert len(re.findall(r"[\u4e00-\u9fff]", words)) > 10, f"{PANELS[path]}: no Chinese in {words[:200]!r}"
        english = [s for s in re.findall(r"[A-Za-z][A-Za-z ,'-]{24,}", words)]
        assert not english, f"{PANELS[path]}: English sentences in the Chinese panel: {english[:3]}"
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0
    assert not notebook.prose_problems(path), notebook.prose_problems(path)
    # one screen: the whole panel -- controls and figure -- fits the notebook's visible area, measured in the
    # README's layout at 1280 x 720
    area = notebook.visible_area()
    assert box["height"] <= area["height"], f"{PANELS[path]}: {box['height']:.0f} px high in {area['height']:.0f}"
    assert box["width"] <= area["width"], f"{PANELS[path]}: {box['width']:.0f} px wide in {area['width']:.0f}"
    assert page.evaluate("() => [...document.querySelectorAll('.jp-NotebookPanel .jp-WindowedPanel-outer')]"
                         ".every(e => e.scrollWidth <= e.clientWidth + 1)"), f"{PANELS[path]}: scrolls sideways"
    clipped = page.evaluate("""(panel) => [...panel.querySelectorAll('table, .widget-label, .widget-tab .lm-TabBar-tabLabel, '
                                  + 'button, select')].filter(e => e.scrollWidth > e.clientWidth + 1)
                                  .map(e => e.textContent.trim().slice(0, 40))""", panel.element_handle())
    assert not clipped, f"{PANELS[path]}: text cut in {clipped[:5]}"
    right = area["x"] + area["width"] + 1
    beyond = page.evaluate("""([panel, right]) => [...panel.querySelectorAll('td, th, .widget-label, button, select, '
                                 + '.widget-readout')].filter(e => e.getBoundingClientRect().right > right)
                                 .map(e => e.textContent.trim().slice(0, 40))""", [panel.element_handle(), right])
    assert not beyond, f"{PANELS[path]}: past the visible area's right edge: {beyond[:5]}"
    before = image.get_attribute("src")
    readout = panel.locator(".widget-slider .widget-readout").first
    value = readout.inner_text()
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(_nudged(value))
    page.keyboard.press("Enter")
    page.wait_for_function("([img, before]) => img.getAttribute('src') !== before",
                           arg=[image.element_handle(), before], timeout=60_000)
    notebook.wait_idle()
    busy, ready = ("模拟中", "已是最新") if edition else ("simulating", "up to date")
    if panel.locator(".widget-html", has_text=busy).count():   # a simulation panel: wait for its run
        panel.locator(".widget-html", has_text=ready).first.wait_for(timeout=60_000)
    assert not notebook.problems()
    screenshot(panel, f"panel_{edition}{PANELS[path]}_changed")


def _nudged(readout: str) -> str:
    """A value next to a slider's readout ("0.40" -> "0.5", "5,000" -> "6000", "2.0%" -> "3.0")."""
    number = float(readout.replace(",", "").rstrip("%"))
    return f"{number + 1:g}" if number >= 5 else f"{round(number + 0.1, 3):g}"


def test_exercise_checks_give_a_hint_then_right(page, lab):
    notebook = Lab(page, lab, "exercises/01_churn_and_lifetime.ipynb")
    notebook.run_all("exercise_before_answers")                    # every check: "no answer yet"
    assert "no answer yet" in notebook.code_cell("check('churn.lifetime'").inner_text()
    answer = notebook.code_cell("answer_1 = ...")
    check = notebook.code_cell("check('churn.lifetime'")
    notebook.type_into(answer, "answer_1 = 100 / 400")            # churn rate, not lifetime: wrong
    notebook.type_into(check, "check('churn.lifetime', answer_1)")
    verdict = check.locator(".jp-OutputArea-output").first.inner_text()
    assert "✗ not yet" in verdict and "hint" in verdict
    notebook.type_into(answer, "answer_1 = 1 / (100 / 400)")      # group lifetime = 1 / churn (§2)
    notebook.type_into(check, "check('churn.lifetime', answer_1)")
    outputs = check.locator(".jp-OutputArea-output")
    assert outputs.count() == 1 and outputs.first.inner_text().strip() == "churn.lifetime: ✓ right"
    screenshot(check, "exercise_check_right")
    assert not notebook.problems()


def test_chinese_exercise_checks_speak_chinese(page, lab):
    notebook = Lab(page, lab, "zh/exercises/01_churn_and_lifetime.ipynb")
    notebook.run_all("zh_exercise_before_answers")
    answer = notebook.code_cell("answer_1 = ...")
    check = notebook.code_cell("check('churn.lifetime'")
    assert "还没有作答" in check.inner_text()
    notebook.type_into(answer, "answer_1 = 100 / 400")
    notebook.type_into(check, "check('churn.lifetime', answer_1)")
    verdict = check.locator(".jp-OutputArea-output").first.inner_text()
    assert "✗ 还不对" in verdict and "提示" in verdict
    notebook.type_into(answer, "answer_1 = 1 / (100 / 400)")
    notebook.type_into(check, "check('churn.lifetime', answer_1)")
    assert check.locator(".jp-OutputArea-output").first.inner_text().strip() == "churn.lifetime：✓ 正确"
    screenshot(check, "zh_exercise_check_right")
    assert not notebook.problems()
    assert not notebook.problems()

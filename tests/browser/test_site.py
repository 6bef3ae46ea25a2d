"""The course website (``tools/site.py``): both editions built offline, then read in Chromium.

The site is built once, from the notebooks nbval executed earlier in this session (``conftest.py`` at the
repository's root keeps their outputs and runs these tests last); run alone, this file lets the builder
execute them (a few minutes).  It is built with the solutions as a part and with Binder buttons for a
repository named ``example/simkit``, so every page kind is checked.  The files are read first (nothing
fetched from elsewhere, every link and image there, every page's language switch), then Chromium opens
the pages from a local server at a projector's and a phone's size.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import json
import re
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from .browsing import ROOT, SCREEN, screenshot

PHONE = {"width": 390, "height": 844}
REPOSITORY = "example/simkit"


def _site_module():
    spec = importlib.util.spec_from_file_location("simkit_site_builder", ROOT / "tools" / "site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module       # its dataclasses and worker processes look it up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def builder():
    pytest.importorskip("jupyter_book", reason="Jupyter Book is not installed (pip install -e '.[docs]')")
    return _site_module()


@pytest.fixture(scope="module")
def executed(builder, write_executed, tmp_path_factory) -> Path:
    """Every notebook of both editions, executed: by nbval earlier in this session, else here."""
    folder = tmp_path_factory.mktemp("executed")
    write_executed(folder)
    every = [path for edition in builder.EDITIONS.values()
             for paths in builder.contents(edition, solutions=True).values() for path in paths]
    missing = [path for path in every if not (folder / path).exists()]
    if missing:
        builder.execute(missing, folder, workers=2)
    return folder


@pytest.fixture(scope="module")
def site(builder, executed, tmp_path_factory) -> Path:
    return builder.build(tmp_path_factory.mktemp("site") / "site", solutions=True, executed=executed,
                         repository=REPOSITORY)


class _Page(html.parser.HTMLParser):
    """What a built page refers to: links, scripts, styles, images, and the ids it has."""

    def __init__(self):
        super().__init__()
        self.links, self.resources, self.ids, self.switch = [], [], set(), None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if "simkit-language" in (attrs.get("class") or ""):
                self.switch = attrs["href"]
        elif tag in ("script", "img", "iframe", "source", "embed") and attrs.get("src"):
            self.resources.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and attrs.get("rel") not in ("canonical",):
            self.resources.append(attrs["href"])


@functools.cache
def _read(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pages(site: Path) -> list[Path]:
    """Every page of the editions under ``site`` (the root's index.html only sends the reader to 中文)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and p != site / "index.html"
                  and p.name not in ("search.html", "genindex.html"))


def _is_external(url: str) -> bool:
    return bool(re.match(r"[a-z][a-z0-9+.-]*:|//", url, re.I))


def test_both_editions_hold_every_lesson_exercise_and_solution(site, builder):
    for key, edition in builder.EDITIONS.items():
        for paths in builder.contents(edition, solutions=True).values():
            for path in paths:
                assert (site / key / f"{builder.page_name(edition, path)}.html").is_file(), path
    assert "url=zh/index.html" in (site / "index.html").read_text(encoding="utf-8")   # 中文 first


def test_nothing_is_fetched_from_elsewhere(site):
    """No script, style, font or image from a CDN: the site reads the same offline (formulas are images)."""
    fetched = {(str(path.relative_to(site)), url) for path in _pages(site) for url in _read(path).resources
               if _is_external(url) and not url.startswith("data:")}
    assert not fetched, sorted(fetched)[:10]


def test_every_link_and_image_in_the_site_is_there(site):
    missing = []
    for path in _pages(site):
        page = _read(path)
        for url in page.links + page.resources:
            if _is_external(url) or url.startswith("data:"):
                continue
            target, _, anchor = urljoin(path.as_uri(), url).partition("#")
            file = Path(unquote(urlparse(target).path))
            if file.is_dir():
                file = file / "index.html"
            if not file.exists():
                missing.append((str(path.relative_to(site)), url))
            elif anchor and file.suffix == ".html" and anchor not in _read(file).ids:
                missing.append((str(path.relative_to(site)), url))
    assert not missing, missing[:10]


def test_every_page_switches_to_the_same_page_in_the_other_edition(site):
    for edition, other in (("zh", "en"), ("en", "zh")):
        for path in _pages(site / edition):
            switch = _read(path).switch
            assert switch, f"{path.relative_to(site)} has no language switch"
            target = Path(unquote(urlparse(urljoin(path.as_uri(), switch)).path)).resolve()
            same = (site / other / path.relative_to(site / edition)).resolve()
            assert target == same or (not same.exists() and target == (site / other / "index.html").resolve()), \
                (str(path.relative_to(site)), switch)


def test_panels_show_their_figure_and_how_to_open_them_live(site):
    """A lesson with a panel shows the panel's figure as an image, then how to open it live (and Binder)."""
    for edition, words in (("zh", "静态图"), ("en", "a still of the interactive panel")):
        page = site / edition / "notebooks" / "01_first_simulation.html"
        text = page.read_text(encoding="utf-8")
        note = text.index(words)
        assert text.rfind('src="data:image/png;base64,', 0, note) > 0 or \
            re.search(r'<img[^>]+src="[^"]*_images/[^"]+\.png"', text[:note]), "no still before the note"
        binder = f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=doc/tree/"
        binder += ("zh/" if edition == "zh" else "") + "notebooks/01_first_simulation.ipynb"
        assert binder in text


def test_lessons_show_every_figure_their_notebook_drew(site, builder, executed):
    """As many images on each lesson page as image outputs in the executed notebook (panel stills included)."""
    for key, edition in builder.EDITIONS.items():
        for path in builder.notebooks_of(edition, "notebooks"):
            notebook = json.loads((executed / path).read_text(encoding="utf-8"))
            drawn = sum("image/png" in output.get("data", {}) for cell in notebook["cells"]
                        for output in cell.get("outputs", []))
            html_text = (site / key / f"{builder.page_name(edition, path)}.html").read_text(encoding="utf-8")
            shown = len(re.findall(r'<img[^>]+(?:_images/[^"]+\.png|data:image/png)', html_text))
            assert shown >= drawn > 0 or drawn == shown == 0, (str(path), drawn, shown)


# -- in Chromium ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(site):
    """The built site on a local static server (as a student's browser reads it): its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Watched:
    """A page whose loads are watched: console errors, failed or refused requests, images that did not load."""

    def __init__(self, page):
        self.page, self.problems = page, {}
        page.on("console", lambda message: message.type == "error" and self._add("console", message.text))
        page.on("pageerror", lambda error: self._add("console", str(error)))
        # a request the next page's load cut short (net::ERR_ABORTED, e.g. a favicon) is not a failure
        page.on("requestfailed", lambda request: "ERR_ABORTED" not in (request.failure or "")
                and self._add("requests", f"{request.url}: {request.failure}"))
        page.on("response", lambda response: response.status >= 400 and self._add("requests", response.url))

    def _add(self, kind: str, what: str):
        self.problems.setdefault(kind, []).append(what)

    def open(self, url: str) -> dict:
        self.problems = {}
        self.page.goto(url, wait_until="load")
        broken = self.page.evaluate(
            "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        if broken:
            self.problems["images"] = broken
        return self.problems


def test_every_page_loads_clean_and_fits_a_projector_and_a_phone(browser, served, site):
    """Every page at 1280 x 720: no console error, failed request or broken image, nothing wider than the screen;
    then the same page narrowed to a phone's 390 px, nothing wider either.  Two lessons of each edition also load
    afresh at a phone's size (what a student opening a link on a phone gets), photographed at both sizes."""
    context = browser.new_context(viewport=SCREEN, device_scale_factor=1)
    page = context.new_page()
    watched = _Watched(page)
    bad = []

    def wider_than_the_screen(url, screen):
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            bad.append((url, f"{overflow} px wider than a {screen['width']} px screen"))

    for path in _pages(site):
        url = f"{served}/{path.relative_to(site).as_posix()}"
        page.set_viewport_size(SCREEN)
        problems = watched.open(url)
        if problems:
            bad.append((url, problems))
        wider_than_the_screen(url, SCREEN)
        page.set_viewport_size(PHONE)
        wider_than_the_screen(url, PHONE)
    for edition in ("zh", "en"):
        for screen in (PHONE, SCREEN):
            page.set_viewport_size(screen)
            for name in ("01_first_simulation", "03_customer_lifetime_value"):
                url = f"{served}/{edition}/notebooks/{name}.html"
                problems = watched.open(url)
                if problems:
                    bad.append((url, problems))
                wider_than_the_screen(url, screen)
                screenshot(page, f"site-{edition}-{name}-{screen['width']}")
                page.locator(".cell_output img").first.scroll_into_view_if_needed()     # its first figure
                screenshot(page, f"site-{edition}-{name}-{screen['width']}-figure")
    context.close()
    assert not bad, bad[:5]


def test_chinese_pages_show_chinese_glyphs(page, served):
    """Every Chinese character of a page's title is drawn with a font that has it (no empty boxes)."""
    client = page.context.new_cdp_session(page)
    for name in ("index", "notebooks/02_churn_and_lifetime", "exercises/03_group_ltv_table", "docs/glossary"):
        page.goto(f"{served}/zh/{name}.html")
        title = page.locator("article h1").first.inner_text()
        han = len(re.findall(r"[\u4e00-\u9fff]", title))
        assert han > 0, title
        client.send("DOM.enable")
        client.send("CSS.enable")
        node = client.send("DOM.querySelector", {"nodeId": client.send("DOM.getDocument")["root"]["nodeId"],
                                                 "selector": "article h1"})["nodeId"]
        fonts = client.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        cjk = sum(f["glyphCount"] for f in fonts if re.search(r"CJK|Han|Hei|WenQuanYi|PingFang|YaHei|Source Han",
                                                                f["familyName"]))
        assert cjk >= han, (name, title, fonts)


def test_the_language_switch_goes_to_the_same_lesson(page, served):
    page.goto(f"{served}/zh/notebooks/03_customer_lifetime_value.html")
    page.locator("a.simkit-language").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/en/notebooks/03_customer_lifetime_value.html")
    assert page.evaluate("document.documentElement.lang").startswith("en")
    page.locator("a.simkit-language").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/zh/notebooks/03_customer_lifetime_value.html")
    assert page.evaluate("document.documentElement.lang").startswith("zh")


def test_a_phone_reader_finds_the_other_lessons_and_the_pages_contents(browser, served):
    """On a phone the sidebars are menus behind the header's buttons: the lessons' list opens and leads on, and
    so does the page's own contents (pydata-sphinx-theme 0.17 left sphinx-book-theme's buttons dead)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{served}/zh/notebooks/01_first_simulation.html")
    page.locator(".primary-toggle:visible").first.click()
    lesson = page.locator("dialog[open] a[href$='02_churn_and_lifetime.html']")
    lesson.first.wait_for(state="visible", timeout=5_000)
    screenshot(page, "site-zh-phone-menu")
    lesson.first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/zh/notebooks/02_churn_and_lifetime.html")
    page.locator(".secondary-toggle:visible").first.click()
    page.locator("dialog[open] nav.page-toc a").first.wait_for(state="visible", timeout=5_000)
    context.close()


def test_a_figure_opens_at_its_full_size(page, served):
    page.goto(f"{served}/zh/notebooks/01_first_simulation.html")
    link = page.locator(".cell_output a.simkit-figure-link").first
    image = link.locator("img")
    assert link.get_attribute("href") == image.get_attribute("src")
    assert image.evaluate("i => i.naturalWidth") > 0

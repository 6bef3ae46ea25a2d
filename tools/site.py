"""The course website (课程网站): both editions as Jupyter Books with their figures, built offline.

    python tools/site.py                       # execute every notebook, build build/site/ (中文 first)
    python tools/site.py --solutions part      # with the solutions as a part of their own (the default: none)
    python tools/site.py --repository OWNER/NAME   # Binder and repository buttons for that GitHub repository
    python tools/site.py --executed DIR        # notebooks executed elsewhere (the test suite does this)

Needs the ``docs`` extra (``pip install -e ".[docs]"``: Jupyter Book 1, which brings Sphinx, MyST-NB and the
book theme) and, for the Chinese labels in figures, a Chinese font.  Opens as ``build/site/index.html``
(it sends the reader to the Chinese edition, ``zh/``; ``en/`` is the English one), from the file system or
any static server.  Nothing is fetched while building or reading: every script, style and font is in the
site, formulas are typeset into images here (no MathJax from a CDN), and an interactive panel is shown as
a still of its figure with a note on opening it live.

Each edition is staged under ``build/site-src/<edition>/`` with the paths the repository has (the Chinese
edition's ``zh/notebooks/...`` becomes ``notebooks/...``), so a page and its Binder link name the same file,
and the language switch on every page goes to the same page in the other edition.  A warning fails the
build (``-W``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_FILES = ROOT / "docs" / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@dataclass
class Edition:
    """One language's book: where its files are in the repository, and the words of its own pages."""

    folder: str                 # the edition's folder in the site: "zh" or "en"
    source: str                 # where its notebooks are in the repository: "zh" or "" (the root)
    language: str               # Sphinx's language code
    name: str                   # as the language switch shows it
    title: str
    parts: dict = field(default_factory=dict)      # part caption by folder
    words: dict = field(default_factory=dict)      # the sentences of the front page and the notes


EDITIONS = {
    "zh": Edition(
        folder="zh", source="zh", language="zh_CN", name="中文", title="客户关系管理：模拟与计算",
        parts={"notebooks": "课程", "exercises": "练习", "solutions": "练习解答", "reference": "教师与参考"},
        words={
            "intro": "本课程配合教材讲授客户关系管理中的经济计算：客户流失率与客户生命周期、客户终身价值、"
                     "客户金字塔、客户生命周期各阶段的利润。每一课先复现教材的例题（引用为“教材第 N 节”），"
                     "再用模拟做进一步的探讨，并如实给出每个模拟结果的置信区间。",
            "pages": "本网站的每一页都与课程笔记本一致，图表是运行笔记本得到的。点击页面顶部的 "
                     "**English** 按钮可切换到同一页的英文版；点击图可以看大图。",
            "live": "在自己的电脑上运行",
            "live_how": "交互面板（滑块、下拉菜单）在网页上只显示静态图。要拖动控件，请在本机打开笔记本"
                        "（需要 Python 3.11 和 git；Windows 上把 `.venv/bin/` 换成 `.venv\\Scripts\\`），"
                        "逐行运行：",
            "binder": "或者在 Binder 上打开（无需安装，启动需要几分钟）：",
            "guide": "参考指南（英文）",
            "still": "上图是交互面板在初始设置下的静态图。要拖动控件、看图表随之变化，请在本机打开这个笔记本"
                     "（见[首页](../index.md)的命令）{binder}。",
            "still_binder": "，或在 [Binder]({url}) 上打开",
            "api_intro": "从 `simkit` 直接导入的公开接口。说明文字来自代码中的文档字符串，只有英文版。",
            "guide_note": "本指南只有英文版。",
        }),
    "en": Edition(
        folder="en", source="", language="en", name="English",
        title="Customer relationship economics: simulate and compute",
        parts={"notebooks": "Lessons", "exercises": "Exercises", "solutions": "Solutions",
               "reference": "Instructors and reference"},
        words={
            "intro": "The course teaches the economics of customer relationship management from a Chinese "
                     "textbook: churn and customer lifetime, customer lifetime value, the customer pyramid, "
                     "profit over the customer lifecycle. Each lesson first reproduces the textbook's worked "
                     "example (cited as \"textbook §N\"), then goes beyond it by simulation, with the interval "
                     "every simulated number carries.",
            "pages": "Every page is a course notebook, its figures those the notebook draws. **中文** at the top "
                     "of each page switches to the same page in the Chinese edition; a figure opens at its full "
                     "size when clicked.",
            "live": "Run it on your own computer",
            "live_how": "An interactive panel (sliders, menus) shows here as a still. To move its controls, open "
                        "the notebook on your computer (Python 3.11 and git; on Windows use `.venv\\Scripts\\` in "
                        "place of `.venv/bin/`), one line at a time:",
            "binder": "Or open it on Binder (nothing to install; it takes a few minutes to start):",
            "guide": "Reference guide",
            "still": "Above: a still of the interactive panel at its starting values. To move its controls and "
                     "watch the figure follow, open this notebook live (the commands are on the "
                     "[front page](../index.md)){binder}.",
            "still_binder": ", or on [Binder]({url})",
            "api_intro": "The public API: every name imported from `simkit` itself, with its docstring.",
            "guide_note": "",
        }),
}

#: the public API, by the room it lives in (``simkit/__init__.py``); the build fails when this and
#: ``simkit.__all__`` differ, so a new public name cannot miss the reference
API_GROUPS = {
    "Scenarios (model)": ["Scenario", "Stages", "StageParams", "Arrivals", "Discounting", "TenureSchedule",
                          "Stage", "load_scenario", "list_scenarios", "ScenarioError"],
    "Running a scenario (engines)": ["run_simulation", "replicate", "SimulationResult", "Ledger", "EventLog",
                                     "LifetimeValueSummary"],
    "Exact tables (exact)": ["churn_table", "Firm", "cohort_table", "hughes_table", "CohortTable",
                             "ltv_sensitivity", "simulated_cohort_table"],
    "Experiments (experiments)": ["compare", "Comparison", "sweep", "SweepResult"],
    "Language": ["set_language", "get_language", "LANGUAGES"],
}


#: the groups' headings in the Chinese edition (the docstrings themselves are English)
API_GROUPS_ZH = {"Scenarios (model)": "情景（model）", "Running a scenario (engines)": "运行情景（engines）",
                 "Exact tables (exact)": "精确计算表（exact）", "Experiments (experiments)": "实验（experiments）",
                 "Language": "语言"}


class SiteError(Exception):
    """Why the site could not be built, in one sentence."""


# -- what each edition holds ------------------------------------------------------------------------------

def notebooks_of(edition: Edition, folder: str) -> list[Path]:
    """The edition's notebooks in ``folder`` ("notebooks", "exercises", "solutions"), as repository paths."""
    base = ROOT / edition.source / folder if edition.source else ROOT / folder
    return sorted(path.relative_to(ROOT) for path in base.glob("*.ipynb"))


def page_name(edition: Edition, repository_path: Path) -> str:
    """The page's name in its book: the repository path without the edition's folder and suffix."""
    parts = repository_path.with_suffix("").parts
    return "/".join(parts[1:] if edition.source and parts[0] == edition.source else parts)


def markdown_pages(edition: Edition) -> dict[Path, str]:
    """The edition's pages written in markdown, by repository path: the instructor guide, the glossary (one,
    in both languages) and, in English, the reference guide."""
    instructors = Path(edition.source) / "INSTRUCTORS.md" if edition.source else Path("INSTRUCTORS.md")
    pages = {instructors: "INSTRUCTORS", Path("docs/glossary.md"): "docs/glossary"}
    if edition.folder == "en":
        pages[Path("docs/guide.md")] = "docs/guide"
    return pages


def pages_of(edition: Edition, solutions: bool) -> dict[Path, str]:
    """Every page made from a repository file, by that file's path (the front page and the API's are not)."""
    pages = {path: page_name(edition, path) for paths in contents(edition, solutions).values() for path in paths}
    return {**pages, **markdown_pages(edition)}


def contents(edition: Edition, solutions: bool) -> dict[str, list[Path]]:
    """Each part's notebooks, in order."""
    folders = ["notebooks", "exercises"] + (["solutions"] if solutions else [])
    return {folder: notebooks_of(edition, folder) for folder in folders}


# -- executing ----------------------------------------------------------------------------------------------

def _execute_one(path: str) -> tuple[str, str, bool]:
    """Execute one notebook in its own folder: (path, the executed notebook or why it failed, whether it ran)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(ROOT / path, as_version=4)
    client = NotebookClient(notebook, timeout=600, startup_timeout=60, kernel_name="python3",
                            extra_arguments=["--log-level=ERROR"],
                            resources={"metadata": {"path": str((ROOT / path).parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        return path, f"a cell failed: {str(error).strip().splitlines()[-1] if str(error).strip() else error!r}", False
    except Exception as error:     # the kernel did not start, or died: say so, never a traceback
        return path, f"{type(error).__name__}: {error}", False
    return path, nbformat.writes(notebook), True


def execute(paths: list[Path], into: Path, workers: int) -> None:
    """Execute ``paths`` (repository paths), writing each executed notebook under ``into`` at the same path.

    The first notebook that fails stops the build (the ones not started are cancelled) with the reason."""
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(_execute_one, str(path)) for path in paths]
        for future in concurrent.futures.as_completed(futures):
            path, text, ran = future.result()
            if not ran:
                raise SiteError(f"{path}: could not execute it for the site: {text}")
            target = into / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- staging: what each page shows -------------------------------------------------------------------------

#: nbgrader's marks around a solution (``### BEGIN SOLUTION``) and the test suite's (``# NBVAL_CHECK_OUTPUT``)
MARKS = re.compile(r"^\s*(#+ (BEGIN|END) (SOLUTION|HIDDEN TESTS)|# NBVAL_\w+)\s*$")
FORMULA = re.compile(r"\$\$(.+?)\$\$", re.S)
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def formula_image(tex: str, folder: Path) -> str:
    """Typeset a display formula with matplotlib's mathtext into an SVG in ``folder``; its file name."""
    import matplotlib
    from matplotlib.figure import Figure     # not pyplot: nothing registered, nothing left open

    from simkit.views.fonts import chinese_font

    tex = " ".join(tex.split())
    name = "formula-" + hashlib.sha1(tex.encode()).hexdigest()[:12] + ".svg"
    font = chinese_font()
    if font is None and re.search(r"[\u4e00-\u9fff]", tex):
        raise SiteError("a formula has Chinese text and this computer has no Chinese font to draw it: install one "
                        "(apt-get install fonts-noto-cjk on Debian/Ubuntu; Windows and macOS have one)")
    font = font or "DejaVu Sans"
    style = {"mathtext.fontset": "custom", "mathtext.rm": font, "mathtext.it": "DejaVu Sans:italic",
             "mathtext.bf": "DejaVu Sans:bold", "mathtext.cal": "DejaVu Sans", "mathtext.sf": "DejaVu Sans",
             "mathtext.tt": "DejaVu Sans Mono", "font.family": ["DejaVu Sans", font], "svg.fonttype": "path",
             "font.size": 15}
    with matplotlib.rc_context(style):
        figure = Figure(figsize=(0.1, 0.1))
        figure.text(0, 0, f"${tex}$")
        folder.mkdir(parents=True, exist_ok=True)
        figure.savefig(folder / name, bbox_inches="tight", pad_inches=0.05, transparent=True)
    return name


def typeset_formulas(text: str, depth: int, formulas: Path) -> str:
    """Each ``$$...$$`` in ``text`` replaced by its image (alt text: the formula's TeX)."""
    def image(match):
        tex = match.group(1)
        name = formula_image(tex, formulas)
        alt = " ".join(tex.split()).replace('"', "'")
        return f'\n<img class="simkit-formula" src="{"../" * depth}_formulas/{name}" alt="{alt}">\n'
    return FORMULA.sub(image, text)


def relink(text: str, repository_path: Path, pages: dict[Path, str], page: str, repository: str | None) -> str:
    """Links to repository files: to their page in the book, else to the repository, else their words only."""
    depth = page.count("/")

    def one(match):
        words, target = match.groups()
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)
        file, _, anchor = target.partition("#")
        resolved = Path(os.path.normpath(repository_path.parent / file))
        if resolved in pages:
            return f"[{words}]({'../' * depth}{pages[resolved]}.md{'#' + anchor if anchor else ''})"
        if repository:
            return f"[{words}](https://github.com/{repository}/blob/HEAD/{resolved.as_posix()})"
        return words
    return LINK.sub(one, text)


def still_note(edition: Edition, page: str, repository: str | None) -> str:
    """The note under a panel's still: how to open it live (and on Binder when the repository is known)."""
    words = edition.words
    binder = ""
    if repository:
        binder = words["still_binder"].format(url=binder_url(repository, edition, page))
    return words["still"].format(binder=binder)


def binder_url(repository: str, edition: Edition, page: str) -> str:
    path = (f"{edition.source}/" if edition.source else "") + page + ".ipynb"
    return f"https://mybinder.org/v2/gh/{repository}/HEAD?urlpath=doc/tree/{path}"


def stage_notebook(executed: dict, edition: Edition, page: str, formulas: Path, pages: dict,
                   repository_path: Path, repository: str | None) -> dict:
    """The notebook as its page shows it: panels as stills with a note, formulas as images, no marks."""
    notebook = copy.deepcopy(executed)
    notebook.get("metadata", {}).pop("widgets", None)
    depth = page.count("/")
    cells = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        source = "\n".join(line for line in source.split("\n") if not MARKS.match(line))
        if cell["cell_type"] == "markdown":
            source = typeset_formulas(relink(source, repository_path, pages, page, repository), depth, formulas)
            cells.append({**cell, "source": source})
            continue
        if cell["cell_type"] != "code":
            cells.append(cell)
            continue
        outputs, still = [], False
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                if "image/png" not in data:
                    continue        # a widget with no still (a progress bar, a live figure's frame)
                output = {**output, "data": {"image/png": data["image/png"]}, "metadata": {}}
                still = True
            outputs.append(output)
        cells.append({**cell, "source": source, "outputs": outputs})
        if still:
            cells.append({"cell_type": "markdown", "metadata": {}, "id": f"{cell.get('id', 'cell')}-still",
                          "source": "```{note}\n" + still_note(edition, page, repository) + "\n```"})
    notebook["cells"] = cells
    return notebook


def stage_markdown(text: str, repository_path: Path, pages: dict, page: str, repository: str | None,
                   note: str = "") -> str:
    text = relink(text, repository_path, pages, page, repository)
    if note:
        lines = text.split("\n", 1)
        text = lines[0] + "\n\n```{note}\n" + note + "\n```\n" + (lines[1] if len(lines) > 1 else "")
    return text


def front_page(edition: Edition, repository: str | None) -> str:
    words = edition.words
    notebook = f"{edition.source + '/' if edition.source else ''}notebooks/01_first_simulation.ipynb"
    clone = ([f"git clone https://github.com/{repository}.git", f"cd {repository.split('/')[1]}"] if repository
             else [])
    commands = clone + ["python3 -m venv .venv", '.venv/bin/python -m pip install -e ".[notebooks]"',
                        f".venv/bin/jupyter lab --LabApp.default_url=/doc/tree/{notebook}"]
    text = [f"# {edition.title}", "", words["intro"], "", words["pages"], "", f"## {words['live']}", "",
            words["live_how"], "", "```bash", *commands, "```", ""]
    if repository:
        url = binder_url(repository, edition, "notebooks/01_first_simulation")
        text += [words["binder"], "", f"[![Binder](_static/binder-badge.svg)]({url})", ""]
    if edition.folder != "en":
        text += [f'<p><a href="../en/docs/guide.html">{words["guide"]}</a></p>', ""]
    return "\n".join(text)


def api_page(edition: Edition) -> str:
    import simkit

    listed = [name for names in API_GROUPS.values() for name in names]
    if sorted(listed) != sorted(simkit.__all__):
        missing = sorted(set(simkit.__all__) - set(listed))
        extra = sorted(set(listed) - set(simkit.__all__))
        raise SiteError(f"tools/site.py API_GROUPS and simkit.__all__ differ: missing {missing}, not public {extra}")
    title = "API 参考" if edition.folder == "zh" else "API reference"
    text = [f"# {title}", "", edition.words["api_intro"], ""]
    for group, names in API_GROUPS.items():
        heading = API_GROUPS_ZH[group] if edition.folder == "zh" else group
        text += [f"## {heading}", "", "```{eval-rst}", ".. currentmodule:: simkit", ""]
        for name in names:
            value = getattr(simkit, name)
            kind = "autoclass" if isinstance(value, type) else (
                "autofunction" if callable(value) else "autodata")
            text += [f".. {kind}:: {name}"] + (["   :members:"] if kind == "autoclass" else []) + [""]
        text += ["```", ""]
    return "\n".join(text)


def stage(edition: Edition, executed_root: Path, into: Path, solutions: bool, repository: str | None) -> None:
    """Write the edition's book sources into ``into``."""
    into.mkdir(parents=True)
    parts = contents(edition, solutions)
    markdown = markdown_pages(edition)
    pages = pages_of(edition, solutions)
    formulas = into / "_formulas"
    for path in (p for paths in parts.values() for p in paths):
        executed = json.loads((executed_root / path).read_text(encoding="utf-8"))
        page = pages[path]
        staged = stage_notebook(executed, edition, page, formulas, pages, path, repository)
        (into / page).parent.mkdir(parents=True, exist_ok=True)
        (into / f"{page}.ipynb").write_text(json.dumps(staged, ensure_ascii=False, indent=1), encoding="utf-8")
    for path, page in markdown.items():
        note = edition.words["guide_note"] if page == "docs/guide" else ""
        text = stage_markdown((ROOT / path).read_text(encoding="utf-8"), path, pages, page, repository, note)
        (into / page).parent.mkdir(parents=True, exist_ok=True)
        (into / f"{page}.md").write_text(text, encoding="utf-8")
    (into / "index.md").write_text(front_page(edition, repository), encoding="utf-8")
    (into / "api.md").write_text(api_page(edition), encoding="utf-8")
    shutil.copytree(SITE_FILES / "_static", into / "_static")
    chapters = {folder: [pages[p] for p in paths] for folder, paths in parts.items()}
    chapters["reference"] = list(markdown.values()) + ["api"]
    toc = {"format": "jb-book", "root": "index",
           "parts": [{"caption": edition.parts[folder], "chapters": [{"file": page} for page in names]}
                     for folder, names in chapters.items()]}
    _write_yaml(into / "_toc.yml", toc)
    other = EDITIONS["en" if edition.folder == "zh" else "zh"]
    config = {
        "title": edition.title, "author": "", "copyright": "2026", "only_build_toc_files": True,
        "exclude_patterns": ["_formulas"],
        "execute": {"execute_notebooks": "off"},
        "html": {"use_multitoc_numbering": False, "home_page_in_navbar": True},
        "launch_buttons": {"binderhub_url": "https://mybinder.org" if repository else "",
                           "notebook_interface": "jupyterlab"},
        "parse": {"myst_enable_extensions": ["colon_fence", "html_image"]},
        "sphinx": {
            "local_extensions": {"simkit_site": str(SITE_FILES)},
            "config": {
                "language": edition.language,
                "simkit_edition": edition.folder,
                "simkit_other_edition": {"folder": other.folder, "name": other.name,
                                         "language": other.language,
                                         "pages": ["index", "api", *pages_of(other, solutions).values()]},
                "myst_heading_anchors": 4,
                "napoleon_google_docstring": False, "napoleon_numpy_docstring": True,
                "autodoc_typehints": "none", "autodoc_member_order": "bysource",
                "nb_mime_priority_overrides": [["html", WIDGET_VIEW, None]],
                "html_show_copyright": False, "html_last_updated_fmt": None,
                # light, as on a projector; no stored mode, so the theme script has nothing to reset (it says
                # so in the console otherwise)
                "html_context": {"default_mode": "light"},
                "html_favicon": "_static/favicon.svg",
            },
        },
    }
    if repository:
        config["repository"] = {"url": f"https://github.com/{repository}", "branch": "HEAD",
                                "path_to_book": edition.source}
        config["html"]["use_repository_button"] = True
    _write_yaml(into / "_config.yml", config)


MARKER = ".simkit-site"


def _clear(folder: Path, option: str) -> None:
    """Empty ``folder`` for a new build -- only if it is new, empty, or a build of this tool (its marker file)."""
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir()) and not (folder / MARKER).is_file())):
        raise SiteError(f"{option}: {folder} exists and is not a site this tool built; "
                        "expected a new or empty folder, or one from an earlier build")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("built by tools/site.py; emptied by its next build\n", encoding="utf-8")


def _write_yaml(path: Path, data) -> None:
    import yaml

    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# -- building ------------------------------------------------------------------------------------------------

def build(out: Path, solutions: bool = False, executed: Path | None = None, repository: str | None = None,
          workers: int = 2) -> Path:
    """Stage and build both editions into ``out`` (``out/index.html`` sends the reader to 中文); return ``out``."""
    work = out.parent / (out.name + "-src")
    if executed is not None and executed.resolve().is_relative_to(work.resolve()):
        raise SiteError(f"--executed: {executed} is inside {work}, which the build empties; expected another folder")
    for folder, option in ((out, "--out"), (work, "--out (its sources, beside it)")):
        _clear(folder, option)
    every = [p for edition in EDITIONS.values() for paths in contents(edition, solutions).values() for p in paths]
    if executed is None or any(not (executed / p).exists() for p in every):
        missing = [p for p in every if executed is None or not (executed / p).exists()]
        executed = executed or work / "executed"
        print(f"executing {len(missing)} notebooks for the site ...", flush=True)
        execute(missing, executed, workers)
    for key, edition in EDITIONS.items():
        source = work / key
        stage(edition, executed, source, solutions, repository)
        command = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()",   # jupyter-book, this venv's
                   "build", str(source), "--builder", "html", "-W", "--keep-going",
                   "--path-output", str(work / f"{key}-build")]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-40:])
            raise SiteError(f"the {edition.name} edition did not build cleanly (a warning fails it):\n{tail}")
        shutil.copytree(work / f"{key}-build" / "_build" / "html", out / key)
    (out / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">\n'
        '<meta http-equiv="refresh" content="0; url=zh/index.html">\n'
        f'<title>{EDITIONS["zh"].title}</title></head>\n'
        '<body><p><a href="zh/index.html">中文</a> · <a href="en/index.html">English</a></p></body></html>\n',
        encoding="utf-8")
    (out / ".nojekyll").write_text("", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site", help="where the site goes")
    parser.add_argument("--solutions", choices=["none", "part"], default="none",
                        help="leave the solutions out (default) or add them as a part of their own")
    parser.add_argument("--executed", type=Path, help="a folder of notebooks already executed, at their "
                                                      "repository paths; the others are executed here")
    parser.add_argument("--repository", help="GitHub OWNER/NAME: adds Binder and repository buttons")
    args = parser.parse_args(argv)
    if args.repository and not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", args.repository):
        parser.error(f"--repository: got {args.repository!r}, expected OWNER/NAME as on GitHub")
    try:
        out = build(args.out, args.solutions == "part", args.executed, args.repository)
    except SiteError as error:
        print(f"site: {error}", file=sys.stderr)
        return 1
    print(f"site written to {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

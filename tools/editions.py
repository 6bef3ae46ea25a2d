"""The Chinese edition of the course (中文版), generated from the English source and one catalog per notebook.

    python tools/editions.py            # update the catalogs from the English, then write the Chinese edition
    python tools/editions.py --check    # change nothing: list what is missing, fuzzy or stale
    python tools/store_outputs.py zh/notebooks/*.ipynb zh/solutions/*.ipynb   # then refresh checked outputs

English is the source: ``notebooks/`` and ``solutions/`` (``exercises/`` are built from the solutions).
Each source notebook has a catalog ``<folder>/locale/zh_CN/<name>.po`` (gettext, as Sphinx translates
prose) with one entry for each

* paragraph of a markdown cell (blocks between blank lines),
* comment in a code cell (``msgctxt "comment"``; the text after ``# ``),
* string in a code cell that holds words a student reads -- two words, or any word ``print`` shows --
  (``msgctxt "string"``; the whole Python literal, quotes and ``f`` included, so an f-string's
  ``{expressions}`` stay visible).

The edition is written to ``zh/<folder>/<name>.ipynb``: the same cells, ids and code, each entry replaced by
its Chinese, and ``simkit.set_language("both")`` made ``simkit.set_language("zh")`` so that the package speaks
Chinese too.  ``zh/exercises/`` is built from ``zh/solutions/`` by the package's own builder.  Outputs of checked
cells (``# NBVAL_CHECK_OUTPUT``) stay as the edition last stored them while the cell's code is unchanged; a
changed cell gets the English outputs until ``tools/store_outputs.py`` runs it (nbval then fails, so a stale
output cannot pass).  A string that must not change (a dictionary key the code looks up) is "translated" to
itself.  An English paragraph changed since it was translated turns *fuzzy*: the edition shows the English
until a translator reviews it, and the tests fail meanwhile.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import io
import json
import re
import sys
import tokenize
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("notebooks", "solutions")
#: guides in Markdown translated the same way, paragraph by paragraph (catalogs in docs/locale/zh_CN/)
GUIDES = ("INSTRUCTORS.md",)
EDITION = ROOT / "zh"
CHECKED = "# NBVAL_CHECK_OUTPUT"
FIXED_DATE = datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)
#: comments that are markers, not prose (nbval, nbgrader, linters)
MARKERS = re.compile(r"^(NBVAL_\w+|#+ *(BEGIN|END) (SOLUTION|HIDDEN TESTS)|noqa\b.*|YOUR CODE HERE|type: .*)$")
#: a string holding words a student reads: a letter, a space and a letter
WORDS = re.compile(r"[A-Za-z].*\s.*[A-Za-z]", re.S)


def sources() -> list[Path]:
    """Every English source: the notebooks, then the guides."""
    return sorted(p for folder in SOURCES for p in (ROOT / folder).glob("*.ipynb")) + [ROOT / g for g in GUIDES]


def catalog_path(source: Path) -> Path:
    if source.suffix == ".md":
        return ROOT / "docs" / "locale" / "zh_CN" / f"{source.stem}.po"
    return source.parent / "locale" / "zh_CN" / f"{source.stem}.po"


def edition_path(source: Path) -> Path:
    if source.suffix == ".md":
        return EDITION / source.name
    return EDITION / source.parent.name / source.name


# ------------------------------------------------------------------ what is translated
def paragraphs(markdown: str) -> list[str]:
    """The blocks of a markdown cell between blank lines (a fenced block or a $$ formula stays whole)."""
    blocks, current, fenced = [], [], False
    for line in markdown.split("\n"):
        if line.strip().startswith("```") or line.count("$$") % 2 == 1:   # a fence, or a formula opened or closed
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def code_pieces(code: str) -> list[tuple[str, str, tuple, tuple]]:
    """The comments and readable strings of ``code``: (context, text, start, end) with tokenize positions."""
    pieces = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return pieces
    printing = []      # paren depths of the print( calls the tokens are inside
    depth, previous = 0, None
    for token in tokens:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
            if previous is not None and previous.type == tokenize.NAME and previous.string == "print":
                printing.append(depth)
        elif token.type == tokenize.OP and token.string in ")]}":
            if printing and printing[-1] == depth:
                printing.pop()
            depth -= 1
        if token.type == tokenize.COMMENT:
            text = token.string[1:].strip()
            if text and not MARKERS.match(text) and re.search(r"[A-Za-z]", text):
                pieces.append(("comment", text, token.start, token.end))
        elif token.type == tokenize.STRING and (WORDS.search(token.string) or (
                printing and printing[-1] == depth and re.search(r"[A-Za-z]{2}", token.string))):
            pieces.append(("string", token.string, token.start, token.end))   # words, or anything printed
        previous = token
    return pieces


def template_of(source: Path) -> Catalog:
    template = Catalog(project="simkit course", domain=source.stem, charset="utf-8")
    if source.suffix == ".md":
        for block in paragraphs(source.read_text(encoding="utf-8")):
            template.add(block, locations=[(source.name, 0)])
        return template
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        text = "".join(cell["source"])
        where = [(f"{source.parent.name}/{source.name}#cell-{index}", 0)]
        if cell["cell_type"] == "markdown":
            for block in paragraphs(text):
                template.add(block, locations=where)
        elif cell["cell_type"] == "code":
            for context, piece, _, _ in code_pieces(text):
                template.add(piece, locations=where, context=context)
    return template


# ------------------------------------------------------------------ catalogs
def read_catalog(path: Path, domain: str) -> Catalog:
    if path.exists():
        with open(path, "rb") as handle:
            return read_po(handle, locale="zh_CN", domain=domain)
    catalog = Catalog(locale="zh_CN", domain=domain, project="simkit course", version="0.1", fuzzy=False,
                      charset="utf-8", header_comment=f"# 中文版 of {domain}: python tools/editions.py updates it.")
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, include_previous=False, sort_output=False)   # Babel writes a multi-line previous msgid that polib cannot read
    return buffer.getvalue()


def merged(source: Path) -> Catalog:
    catalog = read_catalog(catalog_path(source), source.stem)
    catalog.update(template_of(source), no_fuzzy_matching=False, update_header_comment=False,
                   update_creation_date=False)
    catalog.revision_date = FIXED_DATE
    catalog.obsolete.clear()
    return catalog


def lookup(catalog: Catalog, text: str, context: str | None = None) -> str | None:
    """The Chinese of ``text``, or None when it is missing, untranslated or fuzzy."""
    entry = catalog.get(text, context=context)
    if entry is None or entry.fuzzy or not entry.string:
        return None
    return entry.string


# ------------------------------------------------------------------ the edition
def translate_code(code: str, catalog: Catalog) -> str:
    lines = code.split("\n")
    for context, text, (row, col), (end_row, end_col) in reversed(code_pieces(code)):
        chinese = lookup(catalog, text, context)
        if chinese is None:
            continue
        replacement = f"# {chinese}" if context == "comment" else chinese
        head, tail = lines[row - 1][:col], lines[end_row - 1][end_col:]
        lines[row - 1:end_row] = (head + replacement + tail).split("\n")
    return "\n".join(lines).replace('simkit.set_language("both")', 'simkit.set_language("zh")')


def translate_markdown(markdown: str, catalog: Catalog) -> str:
    out = markdown
    for block in paragraphs(markdown):
        chinese = lookup(catalog, block)
        if chinese is not None:
            out = out.replace(block, chinese, 1)
    return out


def as_source(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def edition_of(source: Path, catalog: Catalog, previous: dict | None) -> dict:
    """The Chinese notebook of ``source`` (``previous``: the edition as stored, whose checked outputs are kept
    where the translated code is unchanged)."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    stored = {c.get("id"): c for c in (previous or {}).get("cells", [])}
    zh = copy.deepcopy(notebook)
    for cell in zh["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            cell["source"] = as_source(translate_markdown(text, catalog))
        elif cell["cell_type"] == "code":
            translated = translate_code(text, catalog)
            cell["source"] = as_source(translated)
            old = stored.get(cell.get("id"))
            if CHECKED in text and old is not None and "".join(old["source"]) == translated:
                cell["outputs"] = old["outputs"]
    zh["metadata"]["simkit"] = {"edition": "zh_CN", "source": f"{source.parent.name}/{source.name}"}
    return zh


def notebook_text(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def edition_text(source: Path, catalog: Catalog) -> str:
    """The Chinese file of ``source`` as it should be stored (a notebook keeps its stored checked outputs)."""
    if source.suffix == ".md":
        return translate_markdown(source.read_text(encoding="utf-8"), catalog)
    target = edition_path(source)
    previous = json.loads(target.read_text(encoding="utf-8")) if target.exists() else None
    return notebook_text(edition_of(source, catalog, previous))


def exercises_of_zh_solutions() -> list[tuple[Path, str]]:
    """``zh/exercises/NAME`` and its text, built from ``zh/solutions/NAME`` by the package's own builder."""
    sys.path.insert(0, str(ROOT))
    from simkit.teaching.exercises import exercise_from_solution

    built = []
    for solution in sorted((EDITION / "solutions").glob("*.ipynb")):
        exercise = exercise_from_solution(json.loads(solution.read_text(encoding="utf-8")))
        for cell in exercise["cells"]:      # stored as the English exercises are (simkit.teaching.exercises)
            if isinstance(cell["source"], str):
                cell["source"] = cell["source"].splitlines(keepends=True)
        built.append((EDITION / "exercises" / solution.name, notebook_text(exercise)))
    return built


def problems() -> list[str]:
    """What is out of step, one line each (empty: every catalog translated and the edition current)."""
    found = []
    for source in sources():
        catalog = merged(source)
        name = f"{source.parent.name}/{source.name}"
        for entry in catalog:
            if not entry.id:
                continue
            if entry.fuzzy:
                found.append(f"{name}: fuzzy (the English changed since it was translated): {entry.id[:70]!r}")
            elif not entry.string:
                found.append(f"{name}: untranslated: {entry.id[:70]!r}")
        path = catalog_path(source)
        if not path.exists() or path.read_bytes() != po_bytes(catalog):
            found.append(f"{name}: its catalog is not up to date with the English; run python tools/editions.py")
        target = edition_path(source)
        if not target.exists() or target.read_text(encoding="utf-8") != edition_text(source, catalog):
            found.append(f"{name}: the Chinese edition is stale; run python tools/editions.py")
    for exercise, text in exercises_of_zh_solutions():
        if not exercise.exists() or exercise.read_text(encoding="utf-8") != text:
            found.append(f"zh/exercises/{exercise.name}: not built from zh/solutions; run python tools/editions.py")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; list what is out of step")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        print("\n".join(found) or "the Chinese edition is in step with the English")
        return 1 if found else 0
    todo = 0
    for source in sources():
        catalog = merged(source)
        path = catalog_path(source)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(po_bytes(catalog))
        todo += sum(1 for m in catalog if m.id and (m.fuzzy or not m.string))
        target = edition_path(source)
        text = edition_text(source, catalog)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for exercise, text in exercises_of_zh_solutions():
        exercise.parent.mkdir(parents=True, exist_ok=True)
        exercise.write_text(text, encoding="utf-8")
    print(f"{len(sources())} notebooks; {todo} entries to translate or review")
    return 0


if __name__ == "__main__":
    sys.exit(main())

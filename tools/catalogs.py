"""The Chinese catalog of everything simkit says, kept in step with the English source (gettext, Babel).

    python tools/catalogs.py            # extract, update the zh_CN catalog, compile it
    python tools/catalogs.py --check    # what a test checks: nothing missing, untranslated, fuzzy or stale

English in the code is the source.  ``extract()`` collects every message the package marks -- ``_("...")``
and ``N_("...")`` in ``simkit/`` -- and the hints of the exercise key (``simkit/teaching/exercise_key.toml``),
into a template.  ``update()`` merges the template into ``simkit/core/locale/zh_CN/LC_MESSAGES/simkit.po``
the way ``pybabel update`` does: a message whose English changed since it was translated becomes *fuzzy*
(its old Chinese kept as a suggestion), a new one is added untranslated, one no longer used is dropped.
Then the ``.po`` is compiled into the ``.mo`` the package reads (the compiled file is committed, since a
student installs files, not builds; ``--check`` fails when it is stale).

Translators edit the ``.po`` (any PO editor, or a text editor): write the ``msgstr``, remove the ``fuzzy``
flag once the Chinese says what the English now says, and run this script again.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simkit"
PO = PACKAGE / "core" / "locale" / "zh_CN" / "LC_MESSAGES" / "simkit.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "label": (1,)}   # label(english, ...): a figure's label
#: the catalog's dates stay put, so that the file changes only when a message does
FIXED_DATE = datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)


def extract() -> Catalog:
    """Every message of the package and of the exercise key, with where it comes from."""
    template = Catalog(project="simkit", domain="simkit", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)):
        template.add(message, locations=[(f"simkit/{filename}", lineno)], auto_comments=comments, context=context)
    sys.path.insert(0, str(ROOT))
    from simkit.model.scenario import field_texts, field_words

    for words in field_words():   # how a scenario field reads on a slider or in a message (language.readable)
        template.add(words, locations=[("simkit/model/parts.py", 0)], auto_comments=["a scenario field or stage"])
    for context, text in field_texts():   # a field's meaning and unit: a slider's tooltip
        template.add(text, locations=[("simkit/model/parts.py", 0)], context=context)
    from simkit.teaching.checks import load_key

    for question, entry in load_key().items():
        if entry.get("hint"):
            template.add(entry["hint"], locations=[("simkit/teaching/exercise_key.toml", 0)],
                         auto_comments=[f"hint of {question}"])
    return template


def read_catalog(path: Path | None = None) -> Catalog:
    path = path or PO
    if not path.exists():
        catalog = Catalog(locale="zh_CN", domain="simkit", project="simkit", version="0.1",
                          copyright_holder="simkit developers", charset="utf-8", fuzzy=False,
                          header_comment="# The Chinese (zh_CN) catalog of simkit: python tools/catalogs.py updates it.")
        catalog.creation_date = catalog.revision_date = FIXED_DATE
        return catalog
    with open(path, "rb") as handle:
        return read_po(handle, locale="zh_CN")


def merged(template: Catalog, catalog: Catalog) -> Catalog:
    """``catalog`` updated to ``template``: changed English fuzzy, new English untranslated, unused dropped."""
    catalog.update(template, no_fuzzy_matching=False, update_header_comment=False, update_creation_date=False)
    catalog.revision_date = FIXED_DATE
    catalog.obsolete.clear()
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, omit_header=False, include_previous=False)   # Babel wraps a long previous msgid into lines polib cannot read
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compiled_messages(data: bytes) -> dict:
    """The (English -> Chinese) pairs of a compiled catalog."""
    return {m.id: m.string for m in read_mo(io.BytesIO(data)) if m.id}


def problems(template: Catalog | None = None) -> list[str]:
    """What is wrong with the catalog now, one line each (empty: in step with the code)."""
    template = template or extract()
    catalog = read_catalog()
    found = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        where = f"{message.locations[0][0]}:{message.locations[0][1]}" if message.locations else ""
        if entry is None:
            found.append(f"missing: {message.id!r} ({where}); run python tools/catalogs.py and translate it")
        elif entry.fuzzy:
            found.append(f"fuzzy (the English changed since it was translated): {message.id!r} ({where})")
        elif not entry.string:
            found.append(f"untranslated: {message.id!r} ({where})")
    unused = [m.id for m in catalog if m.id and template.get(m.id, context=m.context) is None]
    found += [f"unused (no longer in the code): {m!r}" for m in unused]
    if not MO.exists() or compiled_messages(MO.read_bytes()) != compiled_messages(mo_bytes(catalog)):
        found.append(f"stale: {MO.name} is not the compiled {PO.name}; run python tools/catalogs.py")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; list what is out of step")
    args = parser.parse_args(argv)
    template = extract()
    if args.check:
        found = problems(template)
        print("\n".join(found) or "the zh_CN catalog is in step with the code")
        return 1 if found else 0
    catalog = merged(template, read_catalog())
    PO.parent.mkdir(parents=True, exist_ok=True)
    PO.write_bytes(po_bytes(catalog))
    MO.write_bytes(mo_bytes(catalog))
    todo = sum(1 for m in catalog if m.id and (m.fuzzy or not m.string))
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages, {todo} to translate or review (untranslated or fuzzy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

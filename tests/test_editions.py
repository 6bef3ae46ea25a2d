"""The Chinese edition (zh/) is generated from the English notebooks and one catalog each, and cannot drift.

``tools/editions.py`` builds ``zh/notebooks``, ``zh/solutions`` and ``zh/exercises``.  These tests fail when an
entry of a catalog is untranslated or fuzzy (the English changed after it was translated), when a catalog or
a generated notebook is stale, when the two editions' code differs in anything but comments and strings,
when a checked output holds other numbers than the English one, and when an English cell uses a term of
the glossary (docs/glossary.md, the textbook's §9) whose Chinese term the matching Chinese cell lacks.
"""

import importlib.util
import io
import json
import re
import tokenize
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("babel")

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("editions", ROOT / "tools" / "editions.py")
editions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(editions)

SOURCES = editions.sources()
IDS = [f"{p.parent.name}/{p.name}" for p in SOURCES]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def pairs():
    """(English notebook, Chinese notebook), exercises included (built from the solutions of each edition)."""
    for source in SOURCES:
        if source.suffix == ".ipynb":
            yield source, editions.edition_path(source)
    for exercise in sorted((ROOT / "exercises").glob("*.ipynb")):
        yield exercise, editions.EDITION / "exercises" / exercise.name


PAIRS = list(pairs())
PAIR_IDS = [f"{en.parent.name}/{en.name}" for en, _ in PAIRS]


def test_every_catalog_is_translated_and_every_edition_current():
    assert editions.problems() == []


def test_the_drift_check_catches_a_changed_english_paragraph(tmp_path, monkeypatch):
    """It can fail: an English paragraph edited after translation turns its entry fuzzy, and is reported."""
    source = SOURCES[1]
    notebook = load(source)
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "markdown")
    cell["source"] = ["".join(cell["source"]).replace("textbook", "course book", 1)]
    folder = tmp_path / source.parent.name
    (folder / "locale" / "zh_CN").mkdir(parents=True)
    copy = folder / source.name
    copy.write_text(json.dumps(notebook), encoding="utf-8")
    (folder / "locale" / "zh_CN" / f"{source.stem}.po").write_bytes(editions.catalog_path(source).read_bytes())
    catalog = editions.merged(copy)
    fuzzy = [m for m in catalog if m.id and m.fuzzy]
    assert len(fuzzy) == 1 and "course book" in fuzzy[0].id
    # and the edition shows the English of that paragraph, not the old Chinese, until it is reviewed
    zh = editions.edition_of(copy, catalog, None)
    assert "course book" in "".join(next(c for c in zh["cells"] if c["cell_type"] == "markdown")["source"])


def without_comments_and_strings(code: str) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [(t.type, t.string) for t in tokens if t.type not in (tokenize.COMMENT, tokenize.STRING, tokenize.NL)]


@pytest.mark.parametrize("english, chinese", PAIRS, ids=PAIR_IDS)
def test_both_editions_run_the_same_code(english, chinese):
    en, zh = load(english), load(chinese)
    assert [c["cell_type"] for c in en["cells"]] == [c["cell_type"] for c in zh["cells"]]
    for index, (a, b) in enumerate(zip(en["cells"], zh["cells"])):
        if a["cell_type"] == "code":
            assert without_comments_and_strings("".join(a["source"])) == \
                without_comments_and_strings("".join(b["source"])), f"cell {index}"


def test_the_code_comparison_can_fail():
    assert without_comments_and_strings("x = f(1)  # one") == without_comments_and_strings("x = f(1)  # 一")
    assert without_comments_and_strings("x = f(1)") != without_comments_and_strings("x = f(2)")


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def checked_numbers(notebook: dict) -> list[Counter]:
    """The numbers each checked cell prints, as a multiset (a sentence may order them otherwise in Chinese).

    >>> checked_numbers({"cells": [{"cell_type": "code", "source": ["# NBVAL_CHECK_OUTPUT"],
    ...                             "outputs": [{"text": ["LTV 66.08 after year 3, -5 points"]}]}]})
    [Counter({'66.08': 1, '3': 1, '5': 1})]
    """
    out = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and editions.CHECKED in "".join(cell["source"]):
            text = "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                           for o in cell["outputs"])
            # magnitudes: Chinese may say a sign in words ("降低 5 个百分点" for "-5 points")
            out.append(Counter(n.replace(",", "").lstrip("-") for n in NUMBER.findall(text)))
    return out


@pytest.mark.parametrize("english, chinese", PAIRS, ids=PAIR_IDS)
def test_checked_outputs_hold_the_same_numbers(english, chinese):
    assert checked_numbers(load(english)) == checked_numbers(load(chinese))


# ------------------------------------------------------------------ the textbook's terms
def glossary() -> list[tuple[str, list[str]]]:
    """(English term, its Chinese terms) from docs/glossary.md's table."""
    terms = []
    for row in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("English", "---"):
            continue
        for english, chinese in ((cells[0], cells[1]), (cells[3], cells[4])):
            terms += term_pairs(english, chinese)
    return terms


def term_pairs(english: str, chinese: str) -> list[tuple[str, list[str]]]:
    english = re.sub(r"\s*\([^)]*\)", "", english).strip()
    alternatives = [c.strip() for c in re.split(r"/|\(also|\(|\)", chinese) if c.strip()]
    words = [w.strip() for w in english.split("/")]
    chinese_parts = [c.strip() for c in re.sub(r"\s*\([^)]*\)", "", chinese).split("/")]
    if len(words) >= 3 and all(" " not in w for w in words[:-1]):      # "hot / warm / cold prospects"
        tail = words[-1].split(" ", 1)[1]
        words = [f"{w} {tail}" for w in words[:-1]] + [words[-1]]
    if len(words) == len(chinese_parts) > 1:
        return [(w, [c]) for w, c in zip(words, chinese_parts)]
    return [(w, alternatives) for w in words]


def test_the_glossary_reads_as_the_textbook_lists_it():
    terms = dict(glossary())
    assert terms["prospect"] == ["潜在客户"] and terms["exploration stage"] == ["考察期"]
    assert terms["medium customers"] == ["中级客户"] and terms["cold prospects"] == ["冷客"]
    assert terms["retention rate"] == ["客户保留率", "客户保持率"]
    assert terms["group LTV table"] == ["群体客户终身价值"]


def missing_terms(english: str, chinese: str) -> list[str]:
    squeezed = re.sub(r"\s+", "", chinese)
    return [term for term, options in glossary()
            if re.search(rf"\b{re.escape(term)}s?\b", english, 0 if term != term.lower() else re.IGNORECASE)
            and not any(re.sub(r"\s+", "", option) in squeezed for option in options)]


def test_the_term_check_can_fail():
    assert missing_terms("The churn rate of Firm A", "企业A的流失率") == ["churn rate"]
    assert missing_terms("The churn rate of Firm A", "企业 A 的客户流失率") == []
    assert missing_terms("the firm as it is", "企业现状") == []        # "Firm A" is a name: its case counts


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_every_textbook_term_has_its_chinese_term(source):
    """Paragraph by paragraph (each catalog entry of prose: a markdown paragraph, a guide's paragraph)."""
    catalog = editions.read_catalog(editions.catalog_path(source), source.stem)
    missing = [f"{term} in {entry.id[:50]!r}" for entry in catalog if entry.id and not entry.context
               for term in missing_terms(entry.id, entry.string)]
    assert not missing, missing


def test_an_instructor_hands_out_the_chinese_edition(tmp_path, monkeypatch, capsys):
    """`exercises pack --language zh` packs zh/exercises (built afresh from zh/solutions) and zh/notebooks."""
    from simkit.cli import main

    monkeypatch.chdir(ROOT)
    assert main(["exercises", "pack", str(tmp_path / "class"), "--language", "zh"]) == 0
    packed = load(tmp_path / "class" / "exercises" / "01_churn_and_lifetime.ipynb")
    assert packed["metadata"]["simkit"]["edition"] == "zh_CN"
    assert load(tmp_path / "class" / "exercises" / "01_churn_and_lifetime.ipynb") == \
        load(editions.EDITION / "exercises" / "01_churn_and_lifetime.ipynb")
    assert load(tmp_path / "class" / "notebooks" / "02_churn_and_lifetime.ipynb")["metadata"]["simkit"]["edition"] \
        == "zh_CN"
    assert not (tmp_path / "class" / "solutions").exists()


def _quoted_english_labels(text: str, labels: dict[str, set[str]]) -> list[str]:
    """Words in quotes that are the English of a package label whose Chinese differs: the student sees the
    Chinese on the control, so prose naming it must too."""
    return [q for q in re.findall(r'[“"「]([^”"」\n]{2,60})[”"」]', text) if q in labels and q not in labels[q]]


def _package_labels() -> dict[str, set[str]]:
    from babel.messages.pofile import read_po

    labels: dict[str, set[str]] = {}
    with open(ROOT / "simkit" / "core" / "locale" / "zh_CN" / "LC_MESSAGES" / "simkit.po", "rb") as po:
        for message in read_po(po):
            if message.id and message.string and isinstance(message.id, str):
                labels.setdefault(message.id, set()).add(message.string)
    return labels


def test_chinese_prose_names_controls_as_the_chinese_panels_show_them():
    labels = _package_labels()
    texts = {"zh/INSTRUCTORS.md": (ROOT / "zh" / "INSTRUCTORS.md").read_text(encoding="utf-8")}
    for path in sorted((ROOT / "zh").glob("*/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts[str(path.relative_to(ROOT))] = "\n".join("".join(c["source"]) for c in cells
                                                     if c["cell_type"] == "markdown")
    named = {path: found for path, text in texts.items() if (found := _quoted_english_labels(text, labels))}
    assert not named, named


def test_the_control_name_check_can_fail():
    labels = _package_labels()
    assert _quoted_english_labels("点击“reset to textbook”按钮", labels) == ["reset to textbook"]
    assert _quoted_english_labels("点击“恢复教材数值”按钮", labels) == []

"""One source, two languages: the zh_CN catalog in step with the English in the code, and used where shown.

English in the code is the source; ``tools/catalogs.py`` extracts it and merges it into
``simkit/core/locale/zh_CN/LC_MESSAGES/simkit.po`` (Babel).  These tests fail when a message is missing,
untranslated or fuzzy (the English changed after it was translated: the drift separate translations
suffer), when the compiled ``.mo`` is stale, when a translation loses or invents a placeholder, or
when its Chinese uses half-width punctuation.
"""

import importlib.util
import re
from pathlib import Path

import pytest

import simkit
from simkit.core import language

babel = pytest.importorskip("babel")

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("catalogs", ROOT / "tools" / "catalogs.py")
catalogs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(catalogs)


@pytest.fixture
def restore_language():
    yield
    simkit.set_language("both")


@pytest.fixture(scope="module")
def template():
    return catalogs.extract()


def test_the_catalog_is_in_step_with_the_code(template):
    assert catalogs.problems(template) == []


def test_a_changed_english_message_is_caught_as_fuzzy(template, tmp_path, monkeypatch):
    """The drift test can fail: the catalog merged with one message's English changed marks it fuzzy."""
    changed = catalogs.Catalog(project="simkit", domain="simkit")
    for message in template:
        if message.id:
            text = message.id.replace("✓ right", "✓ correct") if "✓ right" in message.id else message.id
            changed.add(text, locations=message.locations, context=message.context)
    merged = catalogs.merged(changed, catalogs.read_catalog())
    fuzzy = [m.id for m in merged if m.id and m.fuzzy]
    assert fuzzy == ["{question}: ✓ correct"]
    monkeypatch.setattr(catalogs, "PO", tmp_path / "simkit.po")
    monkeypatch.setattr(catalogs, "MO", tmp_path / "simkit.mo")
    (tmp_path / "simkit.po").write_bytes(catalogs.po_bytes(merged))
    (tmp_path / "simkit.mo").write_bytes(catalogs.mo_bytes(merged))
    found = catalogs.problems(changed)
    assert any(line.startswith("fuzzy") and "✓ correct" in line for line in found), found


def test_a_stale_compiled_catalog_is_caught(tmp_path, monkeypatch, template):
    """The .mo students install must be the compiled .po: one with a message missing is reported."""
    catalog = catalogs.read_catalog()
    stale = catalogs.read_catalog()
    stale.delete("{question}: ✓ right")
    monkeypatch.setattr(catalogs, "MO", tmp_path / "simkit.mo")
    (tmp_path / "simkit.mo").write_bytes(catalogs.mo_bytes(stale))
    assert any(line.startswith("stale") for line in catalogs.problems(template))
    (tmp_path / "simkit.mo").write_bytes(catalogs.mo_bytes(catalog))
    assert catalogs.problems(template) == []


PLACEHOLDER = re.compile(r"\{(\w*)\}")
#: a Chinese character next to half-width punctuation that Chinese prose writes full-width (，。：；？！（）)
HALF_WIDTH = re.compile(r"[\u4e00-\u9fff][,.:;?!()]|[,:;?!()](?=[\u4e00-\u9fff])")


def translations():
    return [(m.id, m.string) for m in catalogs.read_catalog() if m.id]


@pytest.mark.parametrize("english, chinese", translations(), ids=lambda s: s[:40])
def test_a_translation_keeps_its_placeholders_and_writes_chinese_punctuation(english, chinese):
    assert sorted(PLACEHOLDER.findall(chinese)) == sorted(PLACEHOLDER.findall(english))
    # code, intervals, quoted values and formulas aside: (1 + 利率) ** (n - 1) keeps its ASCII brackets
    prose = re.sub(r"[\w.]+\([^)]*\)|\[[^\]]*\]|'[^']*'|\([^()（）]*[+−\-/×*][^()（）]*\)", "", chinese)
    assert not HALF_WIDTH.search(prose), f"half-width punctuation beside Chinese: {chinese!r}"


def test_the_punctuation_check_can_fail():
    assert HALF_WIDTH.search("客户保持率,年利率")
    assert HALF_WIDTH.search("(获得成本)")
    assert not HALF_WIDTH.search("客户保持率，年利率（获得成本）")


# ------------------------------------------------------------------ who speaks which language when
def test_messages_follow_the_chosen_language(restore_language):
    from simkit.teaching.checks import verdict

    simkit.set_language("zh")
    right, line = verdict("churn.lifetime", 3.0)
    assert not right and line.startswith("churn.lifetime：✗ 还不对——提示：企业客户群体生命周期")
    with pytest.raises(simkit.ScenarioError) as error:
        simkit.Scenario(horizon=0, arrivals={"cohort_size": 10})
    assert str(error.value) == "情景有误：horizon：收到 0，应为介于 [1, 100] 之间的整数"
    simkit.set_language("en")
    assert verdict("churn.lifetime", 3.0)[1].startswith("churn.lifetime: ✗ not yet — hint: group lifetime")
    with pytest.raises(simkit.ScenarioError, match=r"^invalid scenario: horizon: got 0, expected a whole number"):
        simkit.Scenario(horizon=0, arrivals={"cohort_size": 10})


def test_both_or_no_choice_follows_the_environment(restore_language, monkeypatch):
    simkit.set_language("both")
    monkeypatch.setenv("SIMKIT_LANGUAGE", "zh")
    assert language.message_language() == "zh" and language._("true or false") == "布尔值 true 或 false"
    monkeypatch.setenv("SIMKIT_LANGUAGE", "en")
    assert language.message_language() == "en"
    monkeypatch.delenv("SIMKIT_LANGUAGE")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert language.message_language() == "zh"
    simkit.set_language("en")            # an explicit choice wins over the system
    assert language.message_language() == "en"
    assert language.system_language({"LANGUAGE": "zh_TW:en"}) == "zh"
    assert language.system_language({"LC_ALL": "C.UTF-8", "LANG": "zh_CN"}) == "en"   # the first one set decides


def test_your_numbers_speak_chinese(restore_language):
    from simkit.teaching.personal import your_numbers

    simkit.set_language("zh")
    text = str(your_numbers("ltv", "2026001"))
    assert text.startswith("你在练习 'ltv' 中的数据（学生 2026001）：")
    assert "客户保持率" in text and "获得成本" in text


def test_slider_words_speak_chinese(restore_language):
    simkit.set_language("zh")
    assert language.readable("stages.loyal.orders_per_year") == "老客户：年购买次数"
    assert language.readable("arrivals.acquisition_cost") == "获得成本"
    simkit.set_language("en")
    assert language.readable("stages.loyal.orders_per_year") == "loyal: orders per year"


# ------------------------------------------------------------------ what a panel shows, in Chinese
#: an English sentence: three English words in a row (units, ¥, model names such as BG/NBD may stay)
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,}){2,}\b")


def texts_of(widget) -> list[str]:
    """Every text a student reads on a panel: descriptions, tooltips, labels, HTML, options, tab titles."""
    found, stack, seen = [], [widget], set()
    while stack:
        w = stack.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        for name in ("description", "tooltip", "placeholder"):
            value = getattr(w, name, None)
            if isinstance(value, str) and value:
                found.append(value)
        if type(w).__name__ in ("HTML", "Label", "HTMLMath") and isinstance(getattr(w, "value", None), str):
            found.append(re.sub(r"<style.*?</style>|<[^>]+>|&[a-z]+;", " ", w.value, flags=re.S))
        found += [str(o[0] if isinstance(o, tuple) else o) for o in getattr(w, "_options_labels", ()) or ()]
        found += [t for t in (getattr(w, "titles", None) or ()) if t]
        stack += list(getattr(w, "children", ()) or ())
        for attr in ("widget", "panel", "box", "view"):
            inner = getattr(w, attr, None)
            if inner is not None and hasattr(inner, "children"):
                stack.append(inner)
    return found


PANELS = ("churn_panel", "ltv_table_panel", "pyramid_panel", "simulation_panel", "lifecycle_dashboard")


@pytest.mark.parametrize("builder", PANELS)
def test_every_panel_speaks_chinese(builder, restore_language):
    pytest.importorskip("ipywidgets")
    import matplotlib.pyplot as plt

    from simkit.views import widgets

    simkit.set_language("zh")
    kwargs = {"background": False} if builder == "lifecycle_dashboard" else {}
    panel = getattr(widgets, builder)(**kwargs)
    root = panel if hasattr(panel, "children") else getattr(panel, "widget", panel)
    texts = texts_of(root)
    plt.close("all")
    assert sum(len(re.findall(r"[\u4e00-\u9fff]", t)) for t in texts) > 20, texts
    english = [m.group(0) for t in texts for m in ENGLISH.finditer(t)]
    assert not english, f"{builder}: English in the Chinese panel: {english[:5]}"


def test_the_panel_check_finds_english():
    assert ENGLISH.search("reset to textbook") and ENGLISH.search("customers at start, people")
    assert not ENGLISH.search("¥66.08 · BG/NBD · 95 % 区间")

"""Chinese in figures: the font every label is drawn with, and labels in the chosen language.

>>> import simkit
>>> simkit.set_language("en")
>>> label("Sales funnel", "销售漏斗")
'Sales funnel'
>>> simkit.set_language("both")

The Chinese terms are the textbook's (客户生命周期, 客户终身价值, ...).  Chinese is
drawn with the first Chinese font the system has (Microsoft YaHei or SimHei on
Windows, PingFang SC on macOS, Noto Sans CJK or WenQuanYi on Linux).  Where there
is none -- a bare Linux image -- every label falls back to English, silently: a
figure never shows empty boxes and never prints a missing-glyph warning.
Install one with ``apt-get install fonts-noto-cjk`` (Debian, Ubuntu; Binder reads
the repository's ``apt.txt``).
"""

from __future__ import annotations

import functools
import os
import re

from ..core.formatting import format_money
from ..core.language import N_, path_words
from ..core.language import chinese as language_chinese
from ..core.language import get_language

__all__ = ["MIN_FONT_SIZE", "STYLE", "chinese_font", "font_families", "interval_note", "label", "path_label",
           "term_label"]

#: Text sizes (points) of every simkit figure: readable on a projector at 1280 x 720.
STYLE = {"font.size": 11, "axes.titlesize": 13, "axes.labelsize": 11, "xtick.labelsize": 10.5,
         "ytick.labelsize": 10.5, "legend.fontsize": 10}

#: The smallest text any simkit figure draws (points): the smallest size of :data:`STYLE`.  Value labels, legends
#: and notes are drawn at it; a figure drawn smaller (a dashboard's four plots) shrinks nothing below it.
MIN_FONT_SIZE = min(STYLE.values())

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
              "PingFang SC", "Heiti SC", "Hiragino Sans GB", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
              "Arial Unicode MS")

#: file names of those fonts (Noto and Source Han Sans CJK, YaHei msyh, SimHei, PingFang, Hiragino, WenQuanYi,
#: Heiti, Arial Unicode)
_CJK_FILES = re.compile(r"(NotoSansCJK|NotoSansSC|SourceHanSans|msyh|simhei|PingFang|Hiragino|wqy|STHeiti|"
                        r"Arial Unicode)", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def chinese_font() -> str | None:
    """The name of the first installed font with Chinese glyphs simkit knows, or None.

    matplotlib lists the system's fonts once and keeps the list in a cache (``~/.cache/matplotlib``); a
    font installed after that is not in it.  So when the list has none, the system's font files that look
    like one (by file name) are added to it: a student who installs a font needs no cache to clear.
    """
    from matplotlib import font_manager

    def first() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in _CJK_FONTS if name in installed), None)

    found = first()
    if found is None:
        for path in font_manager.findSystemFonts():
            if _CJK_FILES.search(os.path.basename(path)):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a file matplotlib cannot read: not a font for us
                    pass
        found = first()
    return found


def font_families() -> list[str]:
    """The font list every simkit text is drawn with: Latin from DejaVu Sans, Chinese from a CJK font if any."""
    font = chinese_font()
    return ["DejaVu Sans", font] if font else ["DejaVu Sans"]


def label(english: str, chinese: str | None = None, separator: str = " ", **fields) -> str:
    """A figure's label in the chosen language: English, Chinese or both ("Sales funnel 销售漏斗").

    The Chinese is the catalog's translation of ``english`` (``simkit/core/locale``), unless given:
    ``chinese`` is for a term the model itself holds (a stage's or a tier's textbook name).
    ``fields`` fill ``{placeholders}`` of both texts (``label("Revenue and profit per {unit}", unit="year")``);
    ``separator`` goes between the two ("\\n": on two lines, for a bar's tick label).

    English whenever there is no Chinese term or no Chinese font.  In "both", a Chinese
    term that already holds the English word ("VIP客户") is shown alone, never "VIP VIP客户".
    """
    if chinese is None:
        chinese = language_chinese(english)
        chinese = "" if chinese == english else chinese
    english, chinese = english.format(**fields), chinese.format(**fields)
    if not chinese or get_language() == "en" or chinese_font() is None:
        return english
    if get_language() == "zh" or english.lower() in chinese.lower():
        return chinese
    return f"{english}{separator}{chinese}"


def _literal(text: str) -> str:
    """``text`` as a template that formats to itself (its braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def term_label(english: str, terms: dict, separator: str = " ", **fields) -> str:
    """:func:`label` of a template some of whose fields are terms: words that differ by language.

    A term is an English word the catalog translates ("profit", "loyal") or an (English, Chinese)
    pair the model holds (a tier's name and its textbook term).  The English text gets the English
    word, the Chinese text the Chinese one: "Who brings the profit" / "利润从哪些客户来", never a
    Chinese title around an English word.  ``english`` is marked for the catalog where it is
    written: ``term_label(N_("Who brings the {what}"), {"what": what})``.
    """
    english_words = {name: term[0] if isinstance(term, tuple) else term for name, term in terms.items()}
    chinese_words = {name: term[1] if isinstance(term, tuple) else language_chinese(term)
                     for name, term in terms.items()}
    template = language_chinese(english)
    chinese = template.format(**fields, **chinese_words) if template != english else ""
    return label(_literal(english.format(**fields, **english_words)), _literal(chinese), separator=separator)


def path_label(path: str) -> str:
    """A scenario field's dotted path as a figure reads it ("loyal: orders per year"), in the figure's language.

    What :func:`simkit.core.language.readable` says in a message, said in a figure.
    """
    stage, words = path_words(path)
    if stage is not None:
        return term_label(N_("{stage}: {field}"), {"stage": stage, "field": words})
    return label(_literal(words))


def interval_note(years: float, total: float, half: float, narrow: bool = False) -> str:
    """"after 3 years: ¥1,471 ± ¥526" in the figure's language, the amounts once ("after 3 years / 3 年后：...").

    ``narrow``: the amounts on a line of their own (a note in a quarter of a dashboard).
    """
    words = label(N_("after {years} year") if years == 1 else N_("after {years} years"), separator="\n",
                  years=format(years, "g"))
    colon = "：" if "\u4e00" <= words[-1] <= "\u9fff" else ":"
    gap = "\n" if narrow else " " if colon == ":" else ""
    return f"{words}{colon}{gap}{format_money(total)} ± {format_money(half)}"

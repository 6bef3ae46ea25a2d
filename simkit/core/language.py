"""The language simkit speaks: Chinese, English or both, chosen once with :func:`set_language`.

Two things follow the choice:

* **figures** (titles, axes, legends): ``"zh"``, ``"en"`` or ``"both"`` ("Sales funnel 销售漏斗"), the
  default; drawn with the fonts of :mod:`simkit.views.fonts`.
* **messages** -- check verdicts and hints, panel controls and status lines, tables, errors, the
  command line: ``"zh"`` gives Chinese and ``"en"`` English.  With ``"both"``, or before any choice,
  messages follow the environment: ``SIMKIT_LANGUAGE`` (``zh`` or ``en``) if set, else the system's
  language (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; on Windows and macOS the locale
  Python reports): Chinese when it is Chinese (``zh_CN``, ``zh_TW``, "Chinese (Simplified)_China"),
  English otherwise.  A sentence is never shown in both languages at once.

English is the source: the code holds English, and the Chinese comes from the ``zh_CN`` catalog
shipped in ``simkit/core/locale`` (gettext, made with Babel: ``python tools/catalogs.py``).  A message
is looked up when it is shown, never when a module is imported, so a new choice takes effect at once.

>>> import simkit
>>> simkit.set_language("en")
>>> _("true or false"), get_language()
('true or false', 'en')
>>> simkit.set_language("zh")
>>> _("true or false")
'布尔值 true 或 false'
>>> simkit.set_language("both")
"""

from __future__ import annotations

import contextlib
import functools
import gettext as _gettext
import locale
import os
from pathlib import Path

__all__ = ["LANGUAGES", "N_", "_", "get_language", "message_language", "pgettext", "path_words", "readable",
           "set_language", "speaking"]

#: The choices of :func:`set_language`.
LANGUAGES = ("both", "zh", "en")

#: the folder of the catalogs (``zh_CN/LC_MESSAGES/simkit.po`` and its compiled ``.mo``)
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "simkit"

_chosen: str | None = None


def set_language(language: str) -> None:
    """Speak ``"zh"`` (Chinese), ``"en"`` (English) or ``"both"`` from now on.

    Figures draw their labels in that language (``"both"``: English and Chinese, the default);
    messages -- hints, verdicts, panels, errors -- in Chinese for ``"zh"``, English for ``"en"``, and
    in the system's language for ``"both"`` (see the module's description).  Figures drawn before
    keep their labels; panels use the new language at their next redraw.  Without a Chinese font,
    figures draw English.

    Parameters
    ----------
    language : {'both', 'zh', 'en'}
        One of :data:`LANGUAGES`.

    Raises
    ------
    ValueError
        For any other value.
    """
    global _chosen
    if language not in LANGUAGES:
        raise ValueError(_("language: got {value}, expected one of 'both', 'zh', 'en'").format(value=repr(language)))
    _chosen = language


def get_language() -> str:
    """The language of figures set by :func:`set_language`.

    Returns
    -------
    str
        ``"both"`` (the default, also before any choice), ``"zh"`` or ``"en"``.
    """
    return _chosen or "both"


@contextlib.contextmanager
def speaking(language: str):
    """Messages and figures in ``language`` inside a ``with`` block, as before after it (a document in English).

    >>> with speaking("en"):
    ...     _("true or false")
    'true or false'
    """
    global _chosen
    before = _chosen
    set_language(language)
    try:
        yield
    finally:
        _chosen = before


def system_language(environ=os.environ) -> str:
    """``"zh"`` when the environment or the system speaks Chinese, else ``"en"`` (see the module's rule).

    >>> system_language({"SIMKIT_LANGUAGE": "zh"}), system_language({"LANG": "zh_CN.UTF-8"})
    ('zh', 'zh')
    >>> system_language({"LANG": "en_US.UTF-8", "LANGUAGE": ""}), system_language({"LC_ALL": "C", "LANG": "zh_CN"})
    ('en', 'en')
    """
    forced = environ.get("SIMKIT_LANGUAGE", "").strip().lower()
    if forced in ("zh", "en"):
        return forced
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip()
        if value:   # the first one set decides, as gettext does (LANGUAGE may list several: the first)
            return "zh" if value.split(":")[0].lower().startswith("zh") else "en"
    if environ is os.environ:   # Windows and macOS set no variable: ask the locale Python sees
        try:
            name = locale.getlocale()[0] or ""
        except ValueError:
            name = ""
        return "zh" if name.lower().startswith(("zh", "chinese")) else "en"
    return "en"


def message_language() -> str:
    """The language of messages now: ``"zh"`` or ``"en"``."""
    if _chosen in ("zh", "en"):
        return _chosen
    return system_language()


@functools.lru_cache(maxsize=1)
def _catalog() -> _gettext.NullTranslations:
    """The zh_CN catalog (compiled ``.mo``), or a catalog that changes nothing if it is missing."""
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=["zh_CN"], fallback=True)


def _(message: str) -> str:
    """``message`` (English, the source) in the language of messages now."""
    if message_language() == "zh" and message:
        return _catalog().gettext(message)
    return message


def pgettext(context: str, message: str) -> str:
    """``message`` in the language of messages now, as the catalog translates it in ``context`` (the same English
    word may need two Chinese words: a scenario field's unit "people" is not a tab titled "people")."""
    if message_language() == "zh" and message:
        return _catalog().pgettext(context, message)
    return message


def chinese(message: str) -> str:
    """The catalog's Chinese for ``message`` whatever the language (figures in "both" show both)."""
    return _catalog().gettext(message) if message else message


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it now (a table of texts built at import,
    translated with :func:`_` when shown)."""
    return message


def readable(path: str) -> str:
    """A scenario field's dotted path as a student reads it.

    >>> set_language("en"); readable("stages.loyal.orders_per_year"), readable("arrivals.prospects_per_year")
    ('loyal: orders per year', 'prospects per year')
    >>> set_language("both")
    """
    stage, words = path_words(path)
    if stage is not None:
        return _("{stage}: {field}").format(stage=_(stage), field=_(words))
    return _(words)


def path_words(path: str) -> tuple[str | None, str]:
    """A dotted path's stage (for a ``stages.<stage>.<field>`` path, else None) and its field as words (English).

    >>> path_words("stages.loyal.orders_per_year"), path_words("arrivals.acquisition_cost")
    (('loyal', 'orders per year'), (None, 'acquisition cost'))
    """
    parts = path.split(".")
    stage = parts[1] if parts[0] == "stages" and len(parts) == 3 else None
    return stage, parts[-1].replace("_", " ")

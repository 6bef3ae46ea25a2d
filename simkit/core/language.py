"""The language simkit speaks: Chinese, English or both, chosen once with :func:`set_language`.

>>> import simkit
>>> simkit.set_language("en")
>>> simkit.get_language()
'en'
>>> simkit.set_language("both")

Figures draw their labels in the chosen language with the fonts of :mod:`simkit.views.fonts`.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "get_language", "readable", "set_language"]

#: The choices of :func:`set_language`.
LANGUAGES = ("both", "zh", "en")

_language = "both"


def set_language(language: str) -> None:
    """Draw labels in ``"zh"`` (Chinese), ``"en"`` (English) or ``"both"`` (the default), from now on.

    Figures drawn before keep their labels; panels use the new language at their next redraw.
    Without a Chinese font, ``"zh"`` and ``"both"`` draw English.
    """
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"language: got {language!r}, expected one of 'both', 'zh', 'en'")
    _language = language


def get_language() -> str:
    """The language set by :func:`set_language`: ``"both"``, ``"zh"`` or ``"en"``."""
    return _language


def readable(path: str) -> str:
    """A scenario field's dotted path as a student reads it.

    >>> readable("stages.loyal.orders_per_year"), readable("arrivals.prospects_per_year")
    ('loyal: orders per year', 'prospects per year')
    """
    parts = path.split(".")
    words = parts[-1].replace("_", " ")
    return f"{parts[1]}: {words}" if parts[0] == "stages" and len(parts) == 3 else words

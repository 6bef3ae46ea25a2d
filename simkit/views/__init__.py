"""Views: what a student sees of a scenario and its results.  No economics lives here.

==============  ==============================================================
module          what it holds
==============  ==============================================================
``fonts``       Chinese in figures: the font, labels in the chosen language
``placing``     text that fits: labels broken to their axes, notes off the data
``plots``       matplotlib figures: ``(result, ax=None, **kw) -> ax``
``live``        figures kept alive and updated in place, for fast redraws
``widgets``     the classroom panels (ipywidgets), one module per panel
==============  ==============================================================
"""

from ..core.lazy import submodule_loader

__getattr__ = submodule_loader(__name__, __path__)

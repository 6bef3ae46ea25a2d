"""Views: what a student sees of a scenario and its results.  No economics lives here.

==============  ==============================================================
module          what it holds
==============  ==============================================================
``fonts``       Chinese in figures: the font, a label in the chosen language
``plots``       matplotlib figures: ``(result, ax=None, **kw) -> ax``
``live``        figures kept alive and updated in place, for fast redraws
``widgets``     the classroom panels (ipywidgets), one module per panel
==============  ==============================================================
"""

from ..core.lazy import submodule_loader

__getattr__ = submodule_loader(__name__, __path__)

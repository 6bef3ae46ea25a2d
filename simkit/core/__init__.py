"""The floor every room stands on: the error for bad input, the language, how numbers, tables and files are written.

==============  ==============================================================
module          what it holds
==============  ==============================================================
``errors``      :class:`~simkit.ScenarioError`, the one error for bad input
``language``    :func:`~simkit.set_language`: Chinese, English or both
``formatting``  money in yuan, plain-text tables that line up with Chinese
``files``       writes that are all or nothing and never over a file unasked
``lazy``        rooms that load their modules when first used
==============  ==============================================================

Nothing here imports any other room of simkit.
"""

from .lazy import submodule_loader

__getattr__ = submodule_loader(__name__, __path__)

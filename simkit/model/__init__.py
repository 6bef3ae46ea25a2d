"""The model: one validated, immutable description of a customer population (textbook §1-§7).

==============  ==============================================================
module          what it holds
==============  ==============================================================
``stages``      the lifecycle stages (客户生命周期, §1): prospect ... lost
``rules``       the rules a value must follow, and how a message shows it
``reading``     a scenario file read safely: size, encoding, parsers, nesting
``scenario``    :class:`~simkit.Scenario` and its parts; every check, at once
``presets``     the textbook's scenarios by name (``scenarios/*.toml``)
``budget``      the run budget: people and events a run will create, estimated
==============  ==============================================================

The model knows nothing of engines, views or teaching: every other room reads it.
"""

from ..core.lazy import submodule_loader

__getattr__ = submodule_loader(__name__, __path__)

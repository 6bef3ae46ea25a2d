"""Teaching: self-checking exercises, each student's own numbers, and grading a class.

===============  =============================================================
module           what it holds
===============  =============================================================
``exercises``    exercise sets built from their solutions (nbgrader markers)
``checks``       ``check(question, answer)``: right, or a hint
``personal``     each student's own numbers, from the student id
``grading``      an nbgrader course: export, autograde, feedback
``handin``       in a graded notebook: record an answer, judge nothing
``screening``    what in a submission's code an exercise never needs
``marking``      autograde's step: recorded answers against the course key
===============  =============================================================
"""

from ..core.lazy import submodule_loader

__getattr__ = submodule_loader(__name__, __path__)

"""Store notebooks the way the repository keeps them: outputs only where nbval checks them.

    python tools/store_outputs.py notebooks/03_customer_lifetime_value.ipynb solutions/*.ipynb

Each notebook is executed top to bottom (a failing cell stops it); then every output is
dropped except in cells marked ``# NBVAL_CHECK_OUTPUT`` (the textbook's figures, the
solutions' "✓ right"), execution counts are renumbered and widget state is not kept.  So a
stored notebook changes only when a checked figure changes, and a student who runs it
in class changes nothing that the next ``git pull`` brings (tests/test_notebook_hygiene.py
holds this).
"""

from __future__ import annotations

import sys
from pathlib import Path

CHECKED = "# NBVAL_CHECK_OUTPUT"


def strip(notebook) -> None:
    """Keep outputs of checked cells only, in place; drop run-time metadata.

    Checked cells are numbered 1, 2, 3, ... in order (nbval compares only cells that carry a
    count); every other cell has none.  So the stored file is the same whoever ran it.
    """
    notebook.metadata.pop("widgets", None)
    checked = 0
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        count = None
        if CHECKED in cell.source:
            checked += 1
            count = checked
        else:
            cell.outputs = []
        cell.execution_count = count
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = count


def store(path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    strip(notebook)
    nbformat.write(notebook, path)
    print(f"stored {path}")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        store(Path(name))

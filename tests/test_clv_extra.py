"""Notebook 06 without the [clv] extra: one short message in its first cell, and Run All stops there."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("edition", ["notebooks", "zh/notebooks"])
def test_notebook_06_without_pymc_marketing_stops_at_once_with_what_to_install(edition, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    source = json.loads((ROOT / edition / "06_clv_models_vs_truth.ipynb").read_text(encoding="utf-8"))
    first = next(c for c in source["cells"] if c["cell_type"] == "code")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import sys\nsys.modules['pymc_marketing'] = None   # as without the extra"),
        nbformat.v4.new_code_cell("".join(first["source"])),
        nbformat.v4.new_code_cell("print('not reached')"),
    ])
    with pytest.raises(CellExecutionError):
        NotebookClient(notebook, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    error = notebook.cells[1].outputs[-1]
    assert error["output_type"] == "error"
    assert len(error["traceback"]) == 2, error["traceback"]          # the message and what to do, no frames
    assert "simkit[clv]" in error["traceback"][0] and ".[clv]" in error["traceback"][1]
    assert notebook.cells[2].outputs == []                              # Run All stopped at the first cell
    if edition.startswith("zh"):
        assert "pymc-marketing" in error["traceback"][0] and "安装" in error["traceback"][1]

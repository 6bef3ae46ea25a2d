"""How notebooks are stored: outputs only where nbval checks them, counts 1, 2, 3 there, no widget state.

So running a notebook in class changes nothing the next ``git pull`` brings in a conflict but the
checked cells' figures, which a run reproduces exactly.  ``python tools/store_outputs.py NOTEBOOK``
stores a notebook this way.
"""

import importlib.util
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parents[1]
NOTEBOOKS = sorted(p for folder in ("notebooks", "exercises", "solutions", "zh/notebooks", "zh/exercises", "zh/solutions")
                   for p in (ROOT / folder).glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("store_outputs", ROOT / "tools" / "store_outputs.py")
store_outputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(store_outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_stored_stripped(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in notebook["metadata"], "widget state is stored"
    checked = 0
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        expected = None
        if store_outputs.CHECKED in source:
            checked += 1
            expected = checked
        else:
            assert cell["outputs"] == [], f"cell {index}: outputs stored in a cell nbval does not check"
        assert cell["execution_count"] == expected, f"cell {index}: execution count {cell['execution_count']}"
        for output in cell["outputs"]:
            assert output.get("execution_count", expected) == expected, f"cell {index}: an execution count"
            assert output["output_type"] != "error" and output.get("name") != "stderr", f"cell {index}: {output}"


def test_strip_keeps_checked_outputs_only():
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(66.08)", execution_count=3, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="66.08\n")]),
        nbformat.v4.new_code_cell("1 + 1", execution_count=4, outputs=[
            nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=4)]),
    ])
    notebook.metadata["widgets"] = {"state": {}}
    store_outputs.strip(notebook)
    assert [c.execution_count for c in notebook.cells] == [1, None]
    assert notebook.cells[0].outputs[0].text == "66.08\n" and notebook.cells[1].outputs == []
    assert "widgets" not in notebook.metadata


def _prose_dollars(markdown: str) -> list[str]:
    """Each ``$`` in prose: outside code spans, code blocks and display math (``$$ ... $$``).  JupyterLab typesets
    what stands between two such signs as TeX, so "$8,000 ... $20" reads "8,000overalifetime...20" (and ``\\$``
    does not escape it there): money is written as ¥, 元 or USD."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return [text[max(0, m.start() - 30):m.end() + 30] for m in re.finditer(r"\$", text)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_prose_has_no_dollar_sign_that_would_turn_into_mathematics(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    found = [(index, place) for index, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "markdown"
             for place in _prose_dollars("".join(cell["source"]))]
    assert not found, f"{path.name}: {found[:3]}"


def test_the_dollar_rule_catches_what_jupyterlab_would_typeset():
    """Exercise set 2, question 5, as it read before it was fixed, and display math, which is meant."""
    assert _prose_dollars(r"worth \$8,000 over a lifetime. If the customer spends \$20 a visit")
    assert not _prose_dollars("$$\\text{CLV} = \\frac{s}{t} \\times T$$ and `x = '$'` and ¥8,000")

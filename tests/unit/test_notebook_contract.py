"""Every source notebook follows the contract in CONTRIBUTING.md (checked statically)."""

import ast
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers import config

NOTEBOOKS = sorted(Path(__file__).resolve().parents[2].glob("notebooks/[0-9][0-9]*.ipynb"))
COMMON = {"dataset", "interim_dir", "processed_dir", "reports_dir", "cutoff", "seed", "key_file"}
# A literal result number in prose: 4+ digit figures, decimals or percentages in markdown cells.
LITERAL_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(,\d{3})+|\d+\.\d+|\d+(\.\d+)?\s?%)(?![\w.])")


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def nb(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_no_outputs_committed(nb):
    path, book = nb
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


def test_title_parameters_and_findings(nb):
    path, book = nb
    first = book.cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith(f"# {path.stem[:2]}"), path.name
    tagged = [c for c in book.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters'"
    declared = set(papermill.inspect_notebook(str(path)))
    assert COMMON <= declared, f"{path.name}: missing common parameters {COMMON - declared}"
    text = "\n".join(c.source for c in book.cells if c.cell_type == "markdown")
    assert "## Findings" in text and "## Exercises" in text, path.name
    code = "\n".join(c.source for c in book.cells if c.cell_type == "code")
    assert "versions_table" in code, path.name
    assert not re.search(r"^\s*(def|class) ", code, re.M), f"{path.name}: def/class in a notebook"
    assert book.metadata.get("kernelspec", {}).get("name") == "crm-workbook", path.name


def functions_in_disguise(source: str) -> list[str]:
    """Names bound to a lambda in notebook code (``f = lambda ...``, ``f: T = lambda ...``,
    ``(f := lambda ...)``): a function the notebook needs belongs in a tested helper, like a
    ``def`` does. Lambdas passed as arguments (``.assign(x=lambda d: ...)``) are fine."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and isinstance(
                node.value, ast.Lambda):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [ast.unparse(t) for t in targets]
    return names


def test_functions_in_disguise_are_found():
    src = "f = lambda x: x\ng: object = lambda: 1\nif (h := lambda: 2):\n    pass\n"
    assert functions_in_disguise(src) == ["f", "g", "h"]
    assert functions_in_disguise("d = df.assign(x=lambda d: d.a)\nsorted(v, key=lambda t: t)") == []


def test_no_named_lambdas(nb):
    path, book = nb
    named = [n for c in book.cells if c.cell_type == "code"
             for n in functions_in_disguise(c.source)]
    assert named == [], f"{path.name}: lambdas assigned to names {named}; make them tested helpers"


def test_common_parameter_defaults_are_valid(nb):
    path, _ = nb
    declared = papermill.inspect_notebook(str(path))
    import ast

    values = {k: ast.literal_eval(v["default"]) for k, v in declared.items() if k in COMMON}
    config.validate_params({k: values[k] for k in config.COMMON_PARAMS if k in values}, {})


def test_prose_quotes_no_literal_results(nb):
    """Numbers in prose come from metrics (Markdown built in code), not typed in markdown."""
    path, book = nb
    offenders = []
    for cell in book.cells:
        if cell.cell_type != "markdown":
            continue
        body = re.sub(r"`[^`]*`|\$[^$]*\$", "", cell.source)  # code spans and formulas are fine
        offenders += [m.group(0) for m in LITERAL_NUMBER.finditer(body)]
    assert offenders == [], f"{path.name}: literal numbers in markdown {offenders[:10]}"


def test_papermill_sees_every_parameter(nb):
    """A parameter papermill cannot parse (e.g. '=' in its comment) would be silently ignored
    when overridden: every assignment in the parameters cell must be declared."""
    path, book = nb
    cell = next(c for c in book.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    names = [ln.split(":")[0].strip() for ln in cell.source.splitlines()
             if re.match(r"^[a-z_][a-z0-9_]*\s*:", ln)]
    declared = set(papermill.inspect_notebook(str(path)))
    assert [n for n in names if n not in declared] == [], path.name

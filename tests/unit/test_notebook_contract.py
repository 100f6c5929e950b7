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
            node.value, ast.Lambda
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [ast.unparse(t) for t in targets]
    return names


def test_functions_in_disguise_are_found():
    src = "f = lambda x: x\ng: object = lambda: 1\nif (h := lambda: 2):\n    pass\n"
    assert functions_in_disguise(src) == ["f", "g", "h"]
    assert (
        functions_in_disguise("d = df.assign(x=lambda d: d.a)\nsorted(v, key=lambda t: t)") == []
    )


def test_no_named_lambdas(nb):
    path, book = nb
    named = [
        n for c in book.cells if c.cell_type == "code" for n in functions_in_disguise(c.source)
    ]
    assert named == [], f"{path.name}: lambdas assigned to names {named}; make them tested helpers"


def test_common_parameter_defaults_are_valid(nb):
    path, _ = nb
    declared = papermill.inspect_notebook(str(path))
    import ast

    values = {k: ast.literal_eval(v["default"]) for k, v in declared.items() if k in COMMON}
    config.validate_params({k: values[k] for k in config.COMMON_PARAMS if k in values}, {})


# Markdown cells with hand arithmetic: their numbers are checked by the next code cell.
WORKED_TAG = "worked-example"
# Code spans, display formulas ($$...$$) and inline formulas ($...$) may hold numbers.
CODE_OR_MATH = re.compile(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", re.S)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def literal_numbers(source: str) -> list[str]:
    """Result-like numbers in markdown prose outside code spans and formulas."""
    return [m.group(0) for m in LITERAL_NUMBER.finditer(CODE_OR_MATH.sub("", source))]


def test_literal_numbers_skip_code_and_formulas():
    assert literal_numbers("shares `95%` and $0.5$ and $$x = 0.25$$") == []
    assert literal_numbers("$$\n\\frac{a}{b} = 0.25\n$$ then 12% of 1,234 or 0.25") == [
        "12%",
        "1,234",
        "0.25",
    ]


def test_prose_quotes_no_literal_results(nb):
    """Numbers in prose come from metrics (Markdown built in code), not typed in markdown;
    only worked examples (tagged cells whose numbers the next code cell checks) may type them."""
    path, book = nb
    offenders = []
    for cell in book.cells:
        if cell.cell_type != "markdown" or WORKED_TAG in tags(cell):
            continue
        offenders += literal_numbers(cell.source)
    assert offenders == [], f"{path.name}: literal numbers in markdown {offenders[:10]}"


def test_worked_examples_are_checked_by_the_next_code_cell(nb):
    """A markdown cell tagged 'worked-example' is followed at once by a code cell that calls
    helpers.results.worked, so the numbers typed in its prose are reproduced by the package."""
    path, book = nb
    for i, cell in enumerate(book.cells):
        if WORKED_TAG not in tags(cell):
            continue
        assert cell.cell_type == "markdown", f"{path.name} cell {i}: {WORKED_TAG} tag on code"
        nxt = book.cells[i + 1] if i + 1 < len(book.cells) else None
        assert nxt is not None and nxt.cell_type == "code" and "worked." in nxt.source, (
            f"{path.name} cell {i}: a {WORKED_TAG} cell must be followed by a code cell calling "
            "worked.check(...) on the same example"
        )


def test_every_worked_example_is_shown_in_a_notebook():
    from helpers.results import worked

    code = "\n".join(
        c.source
        for p in NOTEBOOKS
        for c in nbformat.read(p, as_version=4).cells
        if c.cell_type == "code"
    )
    shown = set(re.findall(r"worked\.check\(\s*[\"'](\w+)[\"']", code))
    assert shown == set(worked.EXAMPLES), (
        f"worked examples not shown: {set(worked.EXAMPLES) - shown}; unknown: {shown - set(worked.EXAMPLES)}"
    )


def test_papermill_sees_every_parameter(nb):
    """A parameter papermill cannot parse (e.g. '=' in its comment) would be silently ignored
    when overridden: every assignment in the parameters cell must be declared."""
    path, book = nb
    cell = next(c for c in book.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    names = [
        ln.split(":")[0].strip()
        for ln in cell.source.splitlines()
        if re.match(r"^[a-z_][a-z0-9_]*\s*:", ln)
    ]
    declared = set(papermill.inspect_notebook(str(path)))
    assert [n for n in names if n not in declared] == [], path.name

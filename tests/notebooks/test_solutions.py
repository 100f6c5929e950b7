"""The solutions notebook answers every exercise and its assertions hold on a fresh run.

``notebooks/solutions/solutions.ipynb`` reads only the tables the main notebooks write. The slow
test takes the session's synthetic run of every notebook (the ``chain`` fixture in conftest.py,
shared with ``test_chain.py``), then executes the solutions against that run: any failing solution cell (including its asserts) fails the test. The fast test checks that
each exercise names a solution section that exists, and that every section answers an exercise.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "notebooks" / "solutions" / "solutions.ipynb"
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]*.ipynb"))
NEEDED = ("01_collect_clean", "03_behaviour_lifecycle", "04_value_classification",
          "05_model_selection")
SECTION = re.compile(r"^## (\d\d[a-z]?\.\d+) ", re.M)
CITED = re.compile(r"solutions\.ipynb`, section `(\d\d[a-z]?\.\d+)`")


def _exercises(path: Path) -> str:
    cells = [c.source for c in nbformat.read(path, as_version=4).cells
             if c.cell_type == "markdown" and c.source.lstrip().startswith("## Exercises")]
    assert len(cells) == 1, f"{path.name}: expected one '## Exercises' cell, found {len(cells)}"
    return cells[0]


@pytest.fixture(scope="module")
def run_dirs(chain):
    """The session's synthetic run of every notebook (tests/notebooks/conftest.py)."""
    status, dirs, _ = chain
    failed = [stem for stem in NEEDED if status.get(stem) != 0]
    assert not failed, f"{failed} failed; the solutions cannot run without them ({status})"
    return dirs["reports_dir"].parent, dirs


@pytest.mark.slow
@pytest.mark.notebooks
def test_solutions_run_and_their_checks_hold(run_dirs):
    import papermill

    tmp, dirs = run_dirs
    out = tmp / "solutions_executed.ipynb"
    # raises PapermillExecutionError (naming the cell) if any solution or its assert fails
    papermill.execute_notebook(
        str(SOLUTIONS), str(out), kernel_name="crm-workbook", cwd=str(ROOT), progress_bar=False,
        parameters={**{k: str(v) for k, v in dirs.items()}, "seed": 7})
    done = nbformat.read(out, as_version=4)
    sections = SECTION.findall("\n".join(c.source for c in done.cells if c.cell_type == "markdown"))
    assert len(sections) >= 2 * len(NOTEBOOKS)
    # every section displayed something (a table or a computed sentence), not just ran
    shown, current = set(), None
    for c in done.cells:
        if c.cell_type == "markdown" and SECTION.match(c.source):
            current = SECTION.match(c.source).group(1)
        elif c.cell_type == "code" and current and any(
                o.get("output_type") in ("display_data", "execute_result") for o in c.outputs):
            shown.add(current)
    assert shown == set(sections), sorted(set(sections) - shown)


def test_every_exercise_names_an_existing_solution_and_back():
    book = nbformat.read(SOLUTIONS, as_version=4)
    params = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for name in ("interim_dir", "processed_dir", "reports_dir", "seed"):
        assert re.search(rf"^{name}: ", params[0].source, re.M), name
    assert all(c.outputs == [] for c in book.cells if c.cell_type == "code"), "outputs committed"
    sections = SECTION.findall("\n".join(c.source for c in book.cells if c.cell_type == "markdown"))
    assert len(sections) == len(set(sections)), "duplicate section numbers"
    cited = []
    for nb in NOTEBOOKS:
        text = _exercises(nb)
        items = re.findall(r"^\d+\. ", text, re.M)
        refs = CITED.findall(text)
        assert 2 <= len(items) <= 3 and len(refs) == len(items), (nb.name, len(items), refs)
        prefix = nb.stem.split("_")[0]
        assert all(r.split(".")[0] == prefix for r in refs), (nb.name, refs)
        cited += refs
    assert sorted(cited) == sorted(sections), (sorted(set(cited) ^ set(sections)))

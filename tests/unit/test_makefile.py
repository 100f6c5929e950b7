"""The Makefile passes its variables safely and knows a custom run's inputs (issue 17, item 4).

Make runs in a sandbox folder (symlinks to notebooks/, src/, .venv/), only on cheap targets
(``check-params``, ``data`` for a custom run, the vars stamp) and dry runs: no notebook runs.
Each shell-injection attempt points at a canary file that must never appear.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"
USER_VARS = (
    "DATASET",
    "RUN",
    "CRM_DATA_DIR",
    "CUTOFF",
    "SEED",
    "MAPPING",
    "ENGINE",
    "PARAMS",
    "OFFLINE",
    "SYNTH_CUSTOMERS",
)

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "python").exists(),
    reason="needs GNU make and the project's .venv",
)


@pytest.fixture()
def sandbox(tmp_path):
    for name in ("notebooks", "src", ".venv", "pyproject.toml", "constraints.txt"):
        (tmp_path / name).symlink_to(ROOT / name)
    folder = tmp_path / "my data"
    folder.mkdir()
    (folder / "export file.csv").write_bytes((ROOT / "examples" / "shop_export.csv").read_bytes())
    text = (ROOT / "examples" / "mapping_example.yaml").read_text(encoding="utf-8")
    (folder / "map ping.yaml").write_text(
        text.replace("path: shop_export.csv", 'path: "export file.csv"'), encoding="utf-8"
    )
    return tmp_path


def make(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``make -f Makefile ARGS`` in ``cwd``, never (re)building the venv, with a clean env."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in USER_VARS and not k.startswith(("MAKE", "MFLAGS", "CRM_MAKE_"))
    }
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(MAKEFILE), "-o", ".venv/.installed", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "params,named",
    [
        ("x=1;touch {c}", "'{c}' is not name=value"),
        ("x=$(touch {c})", "'{c})' is not name=value"),
        ("x=$$(touch {c})", "'{c})' is not name=value"),
        ("x=`touch {c}`", "'{c}`' is not name=value"),
        ("x=$(shell touch {c})", "'{c})' is not name=value"),
        ("cutoff=2024-06-01;touch${{IFS}}{c}", "cutoff='2024-06-01;touch${{IFS}}{c}'"),
    ],
)
def test_shell_syntax_in_params_is_refused_never_run(sandbox, params, named):
    canary = sandbox / "canary"
    res = make(sandbox, "check-params", "DATASET=synthetic", "PARAMS=" + params.format(c=canary))
    assert res.returncode != 0, res.stdout
    assert named.format(c=canary) in res.stderr
    assert not canary.exists()


def test_shell_syntax_in_values_is_taken_literally(sandbox):
    canary = sandbox / "canary"
    value = f"k;touch {canary} $(touch {canary}) `touch {canary}`"
    res = make(
        sandbox,
        "check-params",
        "DATASET=synthetic",
        f"PARAMS=key_file='{value}'",
        "CUTOFF=2011-06-01",
    )
    assert res.returncode == 0, res.stderr
    assert f"key_file={value!r}" in res.stdout and "cutoff='2011-06-01'" in res.stdout
    assert not canary.exists()
    res = make(sandbox, "check-params", "DATASET=synthetic", f"CUTOFF=2011;touch {canary}")
    assert res.returncode != 0 and "cutoff='2011;touch" in res.stderr
    res = make(
        sandbox,
        "data",
        "DATASET=custom",
        "MAPPING=x.yaml",
        f"CRM_DATA_DIR=/no where;touch {canary};$(touch {canary})`touch {canary}`",
    )
    assert res.returncode == 0, res.stderr
    assert not canary.exists()


def test_mapping_path_with_spaces_and_shell_syntax(sandbox):
    folder = sandbox / "my data"
    odd = folder / "map ping;`touch canary1`$(touch canary2).yaml"
    shutil.copy(folder / "map ping.yaml", odd)
    res = make(sandbox, "check-params", "DATASET=custom", "RUN=odd", f"MAPPING=my data/{odd.name}")
    assert res.returncode == 0, res.stderr
    assert f"mapping='my data/{odd.name}'" in res.stdout
    assert f"inputs      {odd}, {folder / 'export file.csv'}" in res.stdout
    assert not list(sandbox.rglob("canary*"))


@pytest.mark.parametrize(
    "run", ["a b", "x;touch canary", "../up", "$(shell touch canary)", "notebooks", "synthetic"]
)
def test_bad_run_is_refused_by_make(sandbox, run):
    res = make(
        sandbox, "check-params", "DATASET=custom", "MAPPING=my data/map ping.yaml", f"RUN={run}"
    )
    assert res.returncode != 0 and f"RUN={run}" in res.stderr
    assert not list(sandbox.rglob("canary*"))


def test_runs_live_side_by_side(sandbox):
    res = make(
        sandbox, "-n", "all", "DATASET=custom", "MAPPING=my data/map ping.yaml", "RUN=cdnow"
    )
    assert res.returncode == 0, res.stderr
    assert "reports/cdnow/.stamps/01_collect_clean.done" in res.stdout
    assert "reports/custom" not in res.stdout
    # the notebooks get the run's folders from helpers.cli (see test_cli: dataset_paths)


def _set_stamps_done(stamps: Path, notebooks: list[Path], t: float) -> None:
    """Pretend every notebook ran (in order) at ``t`` and later."""
    for i, name in enumerate(["vars", "data"] + [nb.stem + ".done" for nb in notebooks]):
        f = stamps / name
        f.touch()
        os.utime(f, (t + i, t + i))


def test_mapping_and_export_are_inputs_of_the_first_notebook(sandbox):
    args = ("DATASET=custom", "MAPPING=my data/map ping.yaml", "RUN=t1")
    stamps = sandbox / "reports" / "t1" / ".stamps"
    res = make(sandbox, "reports/t1/.stamps/vars", *args)  # the real vars stamp (cheap)
    assert res.returncode == 0, res.stderr
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
    first = f"helpers.cli run {notebooks[0].relative_to(ROOT)}"
    later = time.time() + 600  # stamps newer than any source, even one edited meanwhile

    def dry_run() -> str:
        # -o: do not remake the vars and data stamps (they are FORCE'd and touched only on a
        # change, so a dry run would assume they changed). `notebooks` is what `make all` runs
        # (after the first notebook alone): make does not hand -o on to a sub-make.
        res = make(sandbox, "-n", "-o", "reports/t1/.stamps/vars", "-o", "reports/t1/.stamps/data",
                   "notebooks", *args)
        assert res.returncode == 0, res.stderr
        return res.stdout

    _set_stamps_done(stamps, notebooks, later)
    assert first not in dry_run()
    for changed in ("export file.csv", "map ping.yaml"):
        _set_stamps_done(stamps, notebooks, later)
        os.utime(sandbox / "my data" / changed, (later + 100, later + 100))
        out = dry_run()
        assert first in out, changed
        assert "helpers.cli run notebooks/07" in out, changed  # and everything after it


def test_make_lab_opens_jupyterlab_on_the_notebooks():
    import subprocess

    out = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert "jupyter lab --notebook-dir=notebooks" in out
    assert "lab" in subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True,
                                   check=True).stdout


def test_the_data_stamp_moves_only_when_the_raw_data_changed(sandbox):
    """The raw data of a dataset is shared by its runs: the data step runs on every `make all`
    but touches the run's stamp (and so re-runs the notebooks) only when a raw file is newer."""
    args = ("DATASET=custom", "MAPPING=my data/map ping.yaml", "RUN=t2")
    stamp = sandbox / "reports" / "t2" / ".stamps" / "data"
    assert make(sandbox, "reports/t2/.stamps/data", *args).returncode == 0
    assert stamp.exists()  # a new stamp
    old = time.time() - 1000
    os.utime(stamp, (old, old))
    res = make(sandbox, "reports/t2/.stamps/data", *args)
    assert res.returncode == 0 and "raw data comes from the mapping" in res.stdout  # it ran
    assert stamp.stat().st_mtime == pytest.approx(old)  # nothing newer: left alone
    raw = sandbox / "data" / "raw" / "custom"
    raw.mkdir(parents=True)
    (raw / "regenerated.parquet").write_bytes(b"x")  # e.g. another run regenerated the data
    assert make(sandbox, "reports/t2/.stamps/data", *args).returncode == 0
    assert stamp.stat().st_mtime > old + 500


# --- which notebook needs which (make all runs the others side by side) ----------------------

NOTEBOOK_FILES = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
STEMS = [nb.stem for nb in NOTEBOOK_FILES]
PRODUCED_BY = {
    # tables and models a notebook writes for later ones (the data layer's tables are 01's)
    "lifecycle.parquet": "03_behaviour_lifecycle",
    "customer_value.parquet": "04_value_classification",
    "churn_test_scores.parquet": "05_model_selection",
    "forecast_backtest.parquet": "05_model_selection",
    "models.json": "05_model_selection",
}


def _makefile_needs() -> dict[str, set[str]]:
    import re

    text = MAKEFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    needs = {m.group(1): set(m.group(2).split())
             for m in re.finditer(r"^NEEDS_(\w+) := (.*)$", text, flags=re.M)}
    # a notebook not listed waits for the one before it
    return {s: needs.get(s, {STEMS[i - 1]} if i else set()) for i, s in enumerate(STEMS)}


def _ancestors(needs: dict[str, set[str]], stem: str) -> set[str]:
    seen: set[str] = set()
    todo = list(needs[stem])
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo.extend(needs[s])
    return seen


def _code(stem: str) -> str:
    import json

    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_every_notebook_waits_for_what_it_reads():
    """What a notebook reads from another (a table or model file, or its metrics section, named
    in its code) must come from a notebook it waits for in the Makefile, directly or not."""
    needs = _makefile_needs()
    assert set(needs) == set(STEMS) and all(set(v) <= set(STEMS) for v in needs.values())
    assert set(PRODUCED_BY.values()) <= set(STEMS)
    for name, producer in PRODUCED_BY.items():
        assert name in _code(producer) or name == "customer_value.parquet", (name, producer)
    for stem in STEMS[1:]:
        before = _ancestors(needs, stem)
        assert STEMS[0] in before, f"{stem} must wait for {STEMS[0]} (the data layer)"
        code = _code(stem)
        read = {p for n, p in PRODUCED_BY.items() if n in code and p != stem}
        read |= {s for s in STEMS if s != stem and f'"{s}"' in code}
        assert read <= before, f"{stem} reads {sorted(read - before)} without waiting for it"
    assert _ancestors(needs, STEMS[-1]) == set(STEMS[:-1])  # the case study reads them all


def test_the_needs_check_can_fail(monkeypatch):
    """The check above would catch a notebook that reads another it does not wait for."""
    real = _makefile_needs()
    monkeypatch.setitem(globals(), "_makefile_needs",
                        lambda: {**real, "06_validation": {"01_collect_clean", "04_value_classification"}})
    with pytest.raises(AssertionError, match="06_validation reads"):
        test_every_notebook_waits_for_what_it_reads()


def test_make_all_runs_independent_notebooks_side_by_side(sandbox):
    """A dry run lists the chain's first notebook alone, then the rest under -jN (auto from the
    CPUs and memory, or JOBS), the longest chain first; each HTML is a step of its own."""
    res = make(sandbox, "-n", "all", "DATASET=synthetic", "RUN=t3", "JOBS=2")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "make all: 2 notebooks at a time" in res.stderr and "(JOBS=2)" in res.stderr
    runs = [line.split()[4] for line in out.splitlines() if "helpers.cli run notebooks/" in line]
    assert runs[0] == "notebooks/01_collect_clean.ipynb"
    rest = [r for r in runs[1:] if not r.startswith("notebooks/01")]
    assert rest[0] == "notebooks/04_value_classification.ipynb"
    assert sorted(rest) == [f"notebooks/{s}.ipynb" for s in STEMS[1:]]
    assert "--no-render" in out and "helpers.cli render notebooks/07_case_study.ipynb" in out
    bad = make(sandbox, "-n", "all", "DATASET=synthetic", "RUN=t3", "JOBS=$(touch canary)")
    assert bad.returncode != 0 and "JOBS='$(touch canary)'" in bad.stderr
    assert not (sandbox / "canary").exists()

"""The data layer on two engines gives the same tables: compare two runs of notebook 01.

Notebooks 02-07 read only the tables notebook 01 writes to ``data/interim/<run>/`` (the engine
plays no part in them), so two runs of 01 that write equal tables and equal metrics give equal
studies. CI runs 01 on DuckDB (the demo) and again on Apache Spark into another run folder,
then calls::

    .venv/bin/python scripts/compare_engines.py synthetic synthetic_spark

Every Parquet table must be equal (same columns, dtypes, rows and values, in order) and the
``01_collect_clean`` section of the two ``metrics.json`` files must agree within
:func:`helpers.results.verify.compare_metrics` (rtol 1e-9), except the keys that name the run
folder or the engine. Exit code 0 when all agree, 1 otherwise (the differences listed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from helpers.results.verify import compare_metrics

ROOT = Path(__file__).resolve().parents[1]
SECTION = "01_collect_clean"


def _metrics(run: str) -> dict:
    path = ROOT / "reports" / run / "metrics.json"
    if run == "online_retail_ii":
        path = ROOT / "reports" / "metrics.json"
    return json.loads(path.read_text(encoding="utf-8"))[SECTION]


def _without_run_names(tree: object, names: tuple[str, ...]) -> object:
    """The metrics with the run folder names and engine names blanked in strings."""
    if isinstance(tree, dict):
        return {k: _without_run_names(v, names) for k, v in tree.items() if k != "engine"}
    if isinstance(tree, list):
        return [_without_run_names(v, names) for v in tree]
    if isinstance(tree, str):
        for n in sorted(names, key=len, reverse=True):
            tree = tree.replace(n, "<run>")
        return tree
    return tree


def compare_tables(ref_dir: Path, new_dir: Path) -> list[str]:
    """Differences between the Parquet tables of two interim folders (names and contents)."""
    ref = {p.name for p in ref_dir.glob("*.parquet")}
    new = {p.name for p in new_dir.glob("*.parquet")}
    out = [f"only in {ref_dir.name}: {n}" for n in sorted(ref - new)]
    out += [f"only in {new_dir.name}: {n}" for n in sorted(new - ref)]
    for name in sorted(ref & new):
        a, b = pd.read_parquet(ref_dir / name), pd.read_parquet(new_dir / name)
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        except AssertionError as exc:
            out.append(f"{name}: {str(exc).splitlines()[0]}")
    if not ref:
        out.append(f"{ref_dir}: no Parquet tables (run notebook 01 first)")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reference_run", help="run folder name of the reference (e.g. synthetic)")
    ap.add_argument("run", help="run folder name to compare (e.g. synthetic_spark)")
    args = ap.parse_args(argv)
    names = (args.reference_run, args.run)
    diffs = compare_tables(ROOT / "data" / "interim" / args.reference_run,
                           ROOT / "data" / "interim" / args.run)
    old = _without_run_names(_metrics(args.reference_run), names)
    new = _without_run_names(_metrics(args.run), names)
    diffs += [f"metrics {p}: {a!r} -> {b!r}" for p, a, b in compare_metrics(old, new, 1e-9, 1e-12)]
    if diffs:
        print(f"compare_engines: {len(diffs)} difference(s) between {args.reference_run} "
              f"and {args.run}:")
        for d in diffs[:100]:
            print("  " + d)
        return 1
    n_tables = len(list((ROOT / "data" / "interim" / args.run).glob("*.parquet")))
    print(f"compare_engines: {args.run} equals {args.reference_run}: {n_tables} tables and the "
          f"{SECTION} metrics")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The cleaning rules in SQL (DuckDB, the default) against the pandas code they replaced.

On the Online Retail II raw lines (``make data`` first): the reason and detail of every line
must be the same, and both are timed. The pandas code is kept as a test reference
(``tests/reference/reference_cleaning.py``).

    .venv/bin/python bench/bench_sql_rules.py [--raw-dir data/raw/online_retail_ii] [--json-out F]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.reference


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw-dir", default=str(ROOT / "data/raw/online_retail_ii"))
    ap.add_argument("--json-out", default="")
    args = ap.parse_args(argv)
    from helpers.data import cleaning
    from helpers.data.adapters import get_adapter
    from tests.reference.reference_cleaning import reference_reasons

    try:
        raw = get_adapter("online_retail_ii")(args.raw_dir).lines
    except FileNotFoundError as exc:
        print(f"bench_sql_rules: {exc} (run `make data` first)", file=sys.stderr)
        return 2
    t = time.perf_counter()
    got = cleaning.clean(raw)
    sql_s = time.perf_counter() - t
    t = time.perf_counter()
    want = reference_reasons(raw).set_index("line_id")
    pandas_s = time.perf_counter() - t
    have = pd.concat([got.quarantine, got.kept.assign(reason=pd.NA, detail=pd.NA)])
    have = have.set_index("line_id").sort_index()
    diff = {c: int((have[c].astype("string").fillna("<kept>") != want[c].fillna("<kept>")).sum())
            for c in ("reason", "detail")}
    out = {"raw_lines": len(raw), "sql_duckdb_s": round(sql_s, 2),
           "pandas_reference_s": round(pandas_s, 2), "lines_with_different_reason": diff["reason"],
           "lines_with_different_detail": diff["detail"]}
    print(json.dumps(out, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=2))
    return 0 if not any(diff.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

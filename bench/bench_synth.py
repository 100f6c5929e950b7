"""Benchmark of the synthetic CRM generator: time and peak memory for 100k, 1M and 10M lines.

Each size runs in its own subprocess so that the peak resident set size (``ru_maxrss``) is
that of one size alone. Prints a table and a JSON list (one record per size).

Usage::

    .venv/bin/python bench/bench_synth.py                 # 100k, 1M, 10M lines
    .venv/bin/python bench/bench_synth.py --lines 100000  # one size
    .venv/bin/python bench/bench_synth.py --no-write      # generation only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START, END = "2009-12-01", "2011-12-09"


def run_one(target_lines: int, seed: int, write: bool) -> dict:
    """Generate (and write) about ``target_lines`` raw lines; time and peak RSS of this process."""
    from helpers import synth

    t0 = time.perf_counter()
    n = synth.n_customers_for_lines(target_lines, START, END, seed=0)
    t1 = time.perf_counter()
    crm = synth.simulate_crm(n, START, END, seed)
    t2 = time.perf_counter()
    out = {"target_lines": target_lines, "n_customers": n,
           "raw_lines": len(crm.transactions), "sizing_s": round(t1 - t0, 2),
           "simulate_s": round(t2 - t1, 2)}
    if write:
        with tempfile.TemporaryDirectory() as d:
            paths = synth.write_synthetic(crm, d)
            out["write_s"] = round(time.perf_counter() - t2, 2)
            out["files_mb"] = round(sum(os.path.getsize(p) for p in paths) / 2**20, 1)
    out["frames_mb"] = round(sum(
        getattr(crm, k).memory_usage(deep=True).sum() for k in synth.RAW_FILES) / 2**20, 1)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, action="append",
                    help="target raw lines (repeatable); default 100k, 1M, 10M")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-write", action="store_true", help="skip writing the Parquet files")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json-out", help="also write the JSON records to this file")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_one(args.lines[0], args.seed, not args.no_write)))
        return 0
    sizes = args.lines or [100_000, 1_000_000, 10_000_000]
    records = []
    for size in sizes:
        cmd = [sys.executable, __file__, "--child", "--lines", str(size), "--seed", str(args.seed)]
        if args.no_write:
            cmd.append("--no-write")
        res = subprocess.run(cmd, capture_output=True, text=True, check=False,
                             cwd=Path(__file__).resolve().parents[1])
        if res.returncode != 0:
            sys.stderr.write(res.stderr)
            return 1
        records.append(json.loads(res.stdout.strip().splitlines()[-1]))
    cols = ["target_lines", "n_customers", "raw_lines", "simulate_s", "write_s", "peak_rss_mb",
            "frames_mb", "files_mb"]
    sys.stdout.write(" ".join(f"{c:>12}" for c in cols) + "\n")
    for r in records:
        sys.stdout.write(" ".join(f"{r.get(c, ''):>12}" for c in cols) + "\n")
    text = json.dumps(records, indent=2)
    sys.stdout.write(text + "\n")
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The data layer on Spark (local mode) against the embedded engine (DuckDB), same SQL.

For each size, synthetic raw lines (source-standard columns) are written once to parquet, then
``helpers.data.datalayer.run`` is timed in a fresh subprocess per engine: start the engine, clean and
ledger, write the quarantine and canonical order lines, and the per-customer tables (RFM,
BG/NBD, calibration/holdout, cohorts). The outputs of the two engines are compared table by
table (they must be identical). Peak memory is the Python process's ``ru_maxrss`` and, for
Spark, the largest of its children (the JVM, counted after the session stops). Each step runs in
its own process, started from a small parent: Linux carries a parent's peak into a forked child.

    .venv/bin/python bench/bench_spark.py                       # 1M lines
    .venv/bin/python bench/bench_spark.py --lines 1000000 --lines 10000000 \
        --json-out bench/results/spark.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "2009-12-01", "2011-12-09"


def prepare(target_lines: int, folder: Path, seed: int) -> dict:
    from helpers import synth
    from helpers.data import engines
    from helpers.data.adapters import synthetic

    t0 = time.perf_counter()
    n = synth.n_customers_for_lines(target_lines, START, END, seed=0)
    synth.write_synthetic(synth.simulate_crm(n, START, END, seed), folder / "synthetic")
    lines = synthetic.read(folder / "synthetic").lines
    engines.write_parquet_for_spark(lines, folder / "raw_lines.parquet")
    return {"raw_lines": int(len(lines)), "n_customers": n,
            "prepare_s": round(time.perf_counter() - t0, 1)}


def run_engine(engine: str, raw: str, out: str) -> dict:
    from helpers.data import datalayer

    summary = datalayer.run(engine, [raw], out)
    if engine == "spark":  # end the JVM so that its peak memory is counted as a child's
        from pyspark import SparkContext

        gw = SparkContext._gateway
        if gw is not None and getattr(gw, "proc", None) is not None:
            gw.shutdown()
            gw.proc.stdin.close()
            gw.proc.wait(timeout=120)
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {**summary["timings"], "customers": summary["customers"],
            "rows_kept": summary["totals"]["rows_kept"],
            "peak_rss_python_mb": round(self_mb), "peak_rss_jvm_mb": round(child_mb)}


def identical(a: Path, b: Path) -> bool:
    import pandas as pd

    for name in ("ledger", "rfm", "bgnbd", "calibration_holdout", "cohorts"):
        x, y = pd.read_parquet(a / f"{name}.parquet"), pd.read_parquet(b / f"{name}.parquet")
        try:
            pd.testing.assert_frame_equal(x, y, check_exact=True, check_dtype=False)
        except AssertionError as exc:
            print(f"  {name}: engines differ: {str(exc)[:200]}")
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, action="append", help="target raw lines (repeatable)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json-out", default="")
    ap.add_argument("--child", nargs=3, metavar=("ENGINE", "RAW", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--prepare", nargs=2, metavar=("LINES", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_engine(*args.child)))
        return 0
    if args.prepare:  # in its own process: a child forked from a big parent inherits its peak
        print(json.dumps(prepare(int(args.prepare[0]), Path(args.prepare[1]), args.seed)))
        return 0
    from helpers.data import engines

    ok, why = engines.spark_available()
    if not ok:
        print(f"bench_spark: {why}", file=sys.stderr)
        return 2
    results = []
    for target in args.lines or [1_000_000]:
        with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
            folder = Path(tmp)
            res = subprocess.run([sys.executable, __file__, "--prepare", str(target), str(folder),
                                  "--seed", str(args.seed)], capture_output=True, text=True, cwd=ROOT)
            if res.returncode != 0:
                print(res.stderr[-2000:], file=sys.stderr)
                return 1
            row = {"target_lines": target, **json.loads(res.stdout.strip().splitlines()[-1])}
            for engine in ("duckdb", "spark"):
                out = folder / f"out_{engine}"
                res = subprocess.run(
                    [sys.executable, __file__, "--child", engine,
                     str(folder / "raw_lines.parquet"), str(out)],
                    capture_output=True, text=True, cwd=ROOT)
                if res.returncode != 0:
                    print(res.stderr[-2000:], file=sys.stderr)
                    return 1
                row[engine] = json.loads(res.stdout.strip().splitlines()[-1])
            row["identical"] = identical(folder / "out_duckdb", folder / "out_spark")
            row["spark_over_duckdb"] = round(row["spark"]["total_s"] / row["duckdb"]["total_s"], 1)
        results.append(row)
        d, s = row["duckdb"], row["spark"]
        print(f"{row['raw_lines']:>11,} lines  duckdb {d['total_s']:7.1f} s "
              f"(peak {d['peak_rss_python_mb']:,} MB)   spark local[2] {s['total_s']:7.1f} s "
              f"(start {s['start_engine_s']:.0f} s; peak python {s['peak_rss_python_mb']:,} MB, "
              f"JVM {s['peak_rss_jvm_mb']:,} MB)   x{row['spark_over_duckdb']}  "
              f"identical={row['identical']}", flush=True)
    doc = {"machine": "2 cores, 24 GB", "when": time.strftime("%Y-%m-%d"),
           "command": "bench/bench_spark.py " + " ".join(f"--lines {n}" for n in args.lines or []),
           "results": results}
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(doc, indent=2))
    return 0 if all(r["identical"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

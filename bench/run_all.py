"""All benchmarks in one command (``make bench``): tables on stdout, JSON in bench/results/.

    .venv/bin/python bench/run_all.py [--search-dir DIR] [--full] [--e2e]

default  synthetic generator and data layer at 100k and 1M lines, the tool comparison
         (lifetimes, pandas groupby) on about 1M synthetic lines and on Online Retail II, the
         SQL cleaning rules against the former pandas code, Spark vs DuckDB at 1M lines
         (when pyspark and Java are installed)
--full   adds 10M lines to the generator, data-layer scaling and the Spark comparison
--e2e    adds `make all` on Online Retail II, cold and warm (rebuilds data/interim and
         data/processed of that dataset; about six minutes), and the end-to-end scaling table:
         `make all` on the synthetic CRM at 100k and 1M lines (10M with --full), and the 1M run
         again beside one busy process per CPU (bench/bench_scaling.py; regenerates
         data/raw/synthetic, which `make demo` regenerates back)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def run(title: str, args: list[str]) -> int:
    print(f"\n=== {title}\n$ {' '.join(args)}", flush=True)
    t = time.perf_counter()
    rc = subprocess.run([PY, *args], cwd=ROOT).returncode
    print(f"=== {title}: exit {rc} after {time.perf_counter() - t:.0f} s", flush=True)
    return rc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--search-dir", default="", help="folder with the Online Retail II files")
    ap.add_argument("--full", action="store_true", help="include 10M lines")
    ap.add_argument("--e2e", action="store_true", help="include make all, cold and warm")
    args = ap.parse_args(argv)
    sizes = ["100000", "1000000"] + (["10000000"] if args.full else [])
    lines_args = [a for s in sizes for a in ("--lines", s)]
    tag = "" if args.full else "_quick"  # the committed synth.json / datalayer.json are --full
    rcs = [
        run("synthetic generator", ["bench/bench_synth.py", *lines_args,
                                    "--json-out", f"bench/results/synth{tag}.json"]),
        run("data layer scaling", ["bench/bench_datalayer.py", *lines_args,
                                   "--json-out", f"bench/results/datalayer{tag}.json"]),
        run("tools on synthetic data", ["bench/bench_tools.py", "--lines", "1000000",
                                        "--json-out", "bench/results/tools_synthetic.json"]),
    ]
    if (ROOT / "data/interim/online_retail_ii/order_lines.parquet").exists():
        rcs.append(run("tools on Online Retail II", ["bench/bench_tools.py", "--real",
                                                     "--json-out", "bench/results/tools_online_retail_ii.json"]))
    else:
        print("\n(no data/interim/online_retail_ii: run `make all` first for the real-data comparison)")
    if (ROOT / "data/raw/online_retail_ii").exists():
        rcs.append(run("cleaning rules: SQL vs the former pandas code", [
            "bench/bench_sql_rules.py", "--json-out", "bench/results/sql_rules.json"]))
    from helpers.data import engines

    ok, why = engines.spark_available()
    if ok:
        rcs.append(run("data layer: Spark local mode vs DuckDB", [
            "bench/bench_spark.py", *lines_args[2:], "--json-out", f"bench/results/spark{tag}.json"]))
    else:
        print(f"\n(Spark benchmark skipped: {why})")
    if args.e2e:
        e2e = ["bench/bench_e2e.py"] + (["--search-dir", args.search_dir] if args.search_dir else [])
        rcs.append(run("make all, cold and warm", e2e))
        rcs.append(run("make all on the synthetic CRM: scaling and contention", [
            "bench/bench_scaling.py", *lines_args, "--contention", "1000000"]))
    return max(rcs)


if __name__ == "__main__":
    sys.exit(main())

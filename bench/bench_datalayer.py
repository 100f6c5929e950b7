"""Scaling of the data layer on synthetic data: load -> clean -> canonical -> per-customer features.

For each size the synthetic raw files are generated first (not timed here: see
``bench_synth.py``), then a fresh subprocess times each stage and reports its own peak
resident set (``ru_maxrss``):

- ``load``: read the raw Parquet files (``helpers.data.adapters.synthetic.read``);
- ``clean``: the cleaning rules and ledger (``helpers.data.cleaning.clean``);
- ``canonical``: the canonical tables (``helpers.data.ingest.build_canonical``);
- ``features``: RFM (``rfm.rfm_table``), the BG/NBD summary (``clv.summarise_transactions``)
  and the calibration/holdout summary (``clv.calibration_holdout``).

The growth exponent is the least-squares slope of log(time) on log(lines) over the sizes
(1 = linear). Usage::

    .venv/bin/python bench/bench_datalayer.py                      # 100k and 1M lines
    .venv/bin/python bench/bench_datalayer.py --lines 10000000     # one size
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
START, END = "2009-12-01", "2011-12-09"


def generate(target_lines: int, raw_dir: Path, seed: int) -> dict:
    from helpers import synth

    t0 = time.perf_counter()
    n = synth.n_customers_for_lines(target_lines, START, END, seed=0)
    crm = synth.simulate_crm(n, START, END, seed)
    synth.write_synthetic(crm, raw_dir)
    return {"n_customers": n, "generate_s": round(time.perf_counter() - t0, 2)}


def run_stages(raw_dir: Path) -> dict:
    import pandas as pd

    from helpers.data import cleaning, ingest
    from helpers.data.adapters import synthetic
    from helpers.value import clv, rfm

    out: dict = {}
    t = time.perf_counter()
    src = synthetic.read(raw_dir)
    out["raw_lines"] = int(len(src.lines))
    out["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    res = cleaning.clean(src.lines, cleaning.CleaningRules())
    out["clean_s"] = time.perf_counter() - t
    t = time.perf_counter()
    tables = ingest.build_canonical(res.kept, src)
    out["canonical_s"] = time.perf_counter() - t
    lines = tables["order_lines"]
    out["kept_lines"] = int(len(lines))
    cutoff = (lines["order_ts"].max() + pd.Timedelta(days=1)).normalize()
    t = time.perf_counter()
    r = rfm.rfm_table(lines, cutoff)
    s = clv.summarise_transactions(lines, cutoff, "W")
    ch = clv.calibration_holdout(lines, cutoff - pd.Timedelta(weeks=26), cutoff, "W")
    out["features_s"] = time.perf_counter() - t
    out["customers"] = int(len(r))
    assert len(s) == len(r) and len(ch) <= len(r)
    out["total_s"] = out["load_s"] + out["clean_s"] + out["canonical_s"] + out["features_s"]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}


def growth_exponent(sizes: list[int], times: list[float]) -> float | None:
    """Slope of log(time) on log(size); None with fewer than two sizes."""
    if len(sizes) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, action="append", help="target raw lines (repeatable)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--json-out", default=str(ROOT / "bench" / "results" / "datalayer.json"))
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_stages(Path(args.child))))
        return 0
    sizes = args.lines or [100_000, 1_000_000]
    records = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="crm_bench_") as d:
            print(f"  generating ~{size:,} raw lines ...", flush=True)
            gen = generate(size, Path(d), args.seed)
            res = subprocess.run([sys.executable, __file__, "--child", d], capture_output=True,
                                 text=True, cwd=ROOT, check=False)
            if res.returncode != 0:
                sys.stderr.write(res.stderr[-3000:])
                return 1
            rec = {"target_lines": size, **gen, **json.loads(res.stdout.strip().splitlines()[-1])}
            records.append(rec)
            print(f"  {size:>11,} lines: total {rec['total_s']} s, peak {rec['peak_rss_mb']} MB",
                  flush=True)
    exp = growth_exponent([r["raw_lines"] for r in records], [r["total_s"] for r in records])
    cols = ["raw_lines", "customers", "load_s", "clean_s", "canonical_s", "features_s", "total_s",
            "peak_rss_mb"]
    print("\ndata layer scaling (synthetic)")
    print(" ".join(f"{c:>12}" for c in cols))
    for r in records:
        print(" ".join(f"{r[c]:>12}" for c in cols))
    print(f"growth exponent of total time: {exp:.2f}" if exp is not None else "")
    doc = {"records": records, "growth_exponent_total": exp,
           "targets": {"10M_lines_under_s": 60, "10M_lines_under_mb": 6144}}
    Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json_out).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

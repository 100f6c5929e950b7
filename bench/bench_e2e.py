"""End-to-end benchmark: wall time and peak memory of `make all`, cold and warm, per notebook.

    .venv/bin/python bench/bench_e2e.py [--dataset online_retail_ii] [--search-dir DIR]

cold: derived data (data/interim/<ds>, data/processed/<ds>) and run stamps removed, so every
      step re-reads the raw files; warm: only the run stamps removed (the same work, with the
      OS file cache and Python bytecode warm). Peak memory is the largest resident set of any
      process of the run (the notebook kernels included), from getrusage(RUSAGE_CHILDREN).
Prints a table and writes bench/results/e2e_<dataset>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def latest_timings(reports: Path, dataset: str, since: float) -> dict[str, float]:
    f = reports / "logs" / "timings.tsv"
    out: dict[str, float] = {}
    if not f.exists():
        return out
    for row in f.read_text().splitlines():
        when, ds, stem, secs = row.split("\t")
        t = time.mktime(time.strptime(when, "%Y-%m-%dT%H:%M:%S"))
        if ds == dataset and t >= since - 1:
            out[stem] = float(secs)
    return out


def run_make(dataset: str, search_dir: str, mode: str) -> dict:
    reports = ROOT / ("reports" if dataset == "online_retail_ii" else f"reports/{dataset}")
    shutil.rmtree(reports / ".stamps", ignore_errors=True)
    if mode == "cold":
        for d in ("interim", "processed"):
            shutil.rmtree(ROOT / "data" / d / dataset, ignore_errors=True)
    cmd = ["make", "--no-print-directory", "all", f"DATASET={dataset}"]
    if search_dir:
        cmd.append(f"CRM_DATA_DIR={search_dir}")
    t0 = time.time()
    p0 = time.perf_counter()
    # a fresh interpreter per run so RUSAGE_CHILDREN covers only this run
    code = (
        "import resource,subprocess,sys,json;"
        f"r=subprocess.run({cmd!r},cwd={str(ROOT)!r},stdout=subprocess.DEVNULL);"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps({'rc':r.returncode,'maxrss_kb':u.ru_maxrss}))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.perf_counter() - p0
    info = json.loads(res.stdout.strip().splitlines()[-1])
    return {
        "mode": mode,
        "wall_s": round(wall, 1),
        "exit_code": info["rc"],
        "peak_rss_mb": round(info["maxrss_kb"] / 1024, 1),
        "per_notebook_s": latest_timings(reports, dataset, t0),
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dataset", default="online_retail_ii")
    ap.add_argument("--search-dir", default="")
    ap.add_argument("--modes", default="cold,warm")
    args = ap.parse_args()
    runs = [run_make(args.dataset, args.search_dir, m) for m in args.modes.split(",")]
    print(f"\nmake all on {args.dataset} ({platform.machine()}, {resource.getpagesize()} B pages)")
    print(f"{'mode':<6} {'wall s':>8} {'peak RSS MB':>12} {'exit':>5}")
    for r in runs:
        print(f"{r['mode']:<6} {r['wall_s']:>8.1f} {r['peak_rss_mb']:>12.1f} {r['exit_code']:>5}")
    stems = sorted({s for r in runs for s in r["per_notebook_s"]})
    print(f"\n{'notebook':<28}" + "".join(f"{r['mode']:>10}" for r in runs))
    for s in stems:
        print(
            f"{s:<28}"
            + "".join(f"{r['per_notebook_s'].get(s, float('nan')):>10.1f}" for r in runs)
        )
    out = ROOT / "bench" / "results" / f"e2e_{args.dataset}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"dataset": args.dataset, "runs": runs}, indent=2))
    print(f"\nwrote {out}")
    return 0 if all(r["exit_code"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())

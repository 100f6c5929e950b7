"""End-to-end scaling: `make all` on the synthetic CRM at several sizes, and under contention.

    .venv/bin/python bench/bench_scaling.py [--lines 100000 --lines 1000000 --lines 10000000]
                                            [--contention 1000000] [--json-out FILE]

Each size runs the whole workbook from the raw data (the synthetic CRM is generated for it:
about 37.7 order lines per customer, so 26,537 customers give about 1M lines) into its own run
folders (RUN=scale_<lines>), which are removed first. Reported per run: wall time and peak
resident memory of the whole `make all` (its process tree's resident memory summed, sampled every
0.25 s: notebooks that run side by side count together), and per notebook its
time and its kernel's peak memory (from the run's logs/timings.tsv). The growth exponent is the
slope of log(wall) on log(lines) between consecutive sizes.

--contention N: the N-line run again with one CPU-bound process per usable CPU beside it (busy
loops in other Python processes), and its slowdown against the quiet run of the same size.

Writes bench/results/scaling.json (or --json-out) and prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.cli import order_lines_count  # noqa: E402
from helpers.progress import usable_cpus  # noqa: E402

LINES_PER_CUSTOMER = 1_000_000 / 26_537


def customers_for(lines: int) -> int:
    return max(200, round(lines / LINES_PER_CUSTOMER))


def _clear(run: str) -> None:
    for d in (ROOT / "reports" / run, ROOT / "data" / "interim" / run,
              ROOT / "data" / "processed" / run):
        shutil.rmtree(d, ignore_errors=True)


def _timings(run: str) -> dict[str, dict[str, float]]:
    f = ROOT / "reports" / run / "logs" / "timings.tsv"
    out: dict[str, dict[str, float]] = {}
    if f.exists():
        for row in f.read_text().splitlines():
            parts = row.split("\t")
            rec = {"s": float(parts[3])}
            if len(parts) == 5:
                rec["peak_mb"] = float(parts[4])
            out[parts[2]] = rec
    return out


def _n_lines(run: str) -> int | None:
    return order_lines_count(ROOT / "data" / "interim" / run) or None


def _run_sampling_memory(cmd: list[str], every_s: float = 0.25) -> tuple[int, float]:
    """Run ``cmd``; return its exit code and the peak, over samples every ``every_s`` seconds,
    of the resident memory summed over it and all its descendants (notebooks running side by
    side count together; pages shared between processes count once per process, so this errs
    high)."""
    import psutil

    proc = subprocess.Popen(cmd, cwd=ROOT)
    top = psutil.Process(proc.pid)
    peak = 0.0
    while proc.poll() is None:
        total = 0
        try:
            procs = [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        peak = max(peak, total / 2**20)
        time.sleep(every_s)
    return proc.wait(), peak


def run_size(lines: int, contention: bool = False) -> dict:
    run = f"scale_{lines}" + ("_busy" if contention else "")
    _clear(run)
    n_cust = customers_for(lines)
    cmd = ["make", "--no-print-directory", "all", "DATASET=synthetic", "OFFLINE=1",
           f"SYNTH_CUSTOMERS={n_cust}", f"RUN={run}"]
    burners = []
    if contention:
        burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                   for _ in range(usable_cpus())]
    print(f"\n=== {' '.join(cmd)}" + (f"  (+{len(burners)} busy processes)" if burners else ""),
          flush=True)
    t0 = time.perf_counter()
    try:
        rc, peak_mb = _run_sampling_memory(cmd)
    finally:
        for b in burners:
            b.kill()
            b.wait()
    wall = time.perf_counter() - t0
    return {"lines_asked": lines, "customers": n_cust, "lines": _n_lines(run), "run": run,
            "contention_processes": len(burners), "exit_code": rc,
            "wall_s": round(wall, 1), "peak_rss_mb": round(peak_mb),
            "notebooks": _timings(run)}


def exponents(runs: list[dict]) -> list[dict]:
    """Slope of log(time) on log(lines) between consecutive quiet sizes: of the whole run (when
    both finished) and of every notebook both ran."""
    quiet = sorted((r for r in runs if not r["contention_processes"] and r["lines"]),
                   key=lambda r: r["lines"])
    out = []
    for a, b in zip(quiet, quiet[1:], strict=False):
        span = math.log(b["lines"] / a["lines"])
        whole = (round(math.log(b["wall_s"] / a["wall_s"]) / span, 2)
                 if a["exit_code"] == 0 and b["exit_code"] == 0 else None)
        per = {nb: round(math.log(b["notebooks"][nb]["s"] / a["notebooks"][nb]["s"]) / span, 2)
               for nb in a["notebooks"] if nb in b["notebooks"]}
        out.append({"from_lines": a["lines"], "to_lines": b["lines"], "exponent": whole,
                    "per_notebook": per})
    return out


def markdown(result: dict) -> str:
    runs = result["runs"]
    stems = sorted({s for r in runs for s in r["notebooks"]})
    head = ["order lines", "customers", "busy processes", "wall", "peak memory", *stems]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in runs:
        done = r["exit_code"] == 0
        peak = max([r["peak_rss_mb"]] + [nb.get("peak_mb", 0) for nb in r["notebooks"].values()])
        cells = [f"{r['lines'] or r['lines_asked']:,}", f"{r['customers']:,}",
                 str(r["contention_processes"]),
                 f"{r['wall_s']:,.0f} s" if done else f"stopped after {r['wall_s']:,.0f} s",
                 f"{peak / 1024:.1f} GB"]
        for s in stems:
            nb = r["notebooks"].get(s)
            cells.append(f"{nb['s']:.0f} s / {nb.get('peak_mb', 0) / 1024:.1f} GB" if nb else "")
        rows.append("| " + " | ".join(cells) + " |")
    lines = ["\n".join(rows), ""]
    for e in result["exponents"]:
        whole = f"{e['exponent']}" if e["exponent"] is not None else "(run incomplete)"
        per = ", ".join(f"{nb[:3].rstrip('_')} {k}" for nb, k in e.get("per_notebook", {}).items())
        lines.append(f"- growth exponent {e['from_lines']:,} -> {e['to_lines']:,} lines: "
                     f"{whole}; per notebook: {per}")
    for c in result.get("contention", []):
        lines.append(f"- with {c['busy_processes']} busy processes beside it, the "
                     f"{c['lines']:,}-line run took {c['slowdown']}x as long")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, action="append")
    ap.add_argument("--contention", type=int, default=0,
                    help="also run this size with one busy process per usable CPU")
    ap.add_argument("--keep", action="store_true", help="keep the run folders")
    ap.add_argument("--json-out", default=str(ROOT / "bench" / "results" / "scaling.json"))
    ap.add_argument("--add", action="store_true",
                    help="keep the runs already in --json-out (sizes not run again), add these")
    args = ap.parse_args(argv)
    sizes = args.lines or [100_000, 1_000_000]
    runs = [run_size(n) for n in sizes]
    earlier: dict = {}
    if args.add and Path(args.json_out).exists():
        earlier = json.loads(Path(args.json_out).read_text())
        again = {(r["lines_asked"], r["contention_processes"] > 0) for r in runs}
        if args.contention:  # its busy run is made again below
            again.add((args.contention, True))
        runs = [r for r in earlier["runs"]
                if (r["lines_asked"], r["contention_processes"] > 0) not in again] + runs
        runs.sort(key=lambda r: (r["lines_asked"], r["contention_processes"]))
    contention = earlier.get("contention", []) if not args.contention else []
    if args.contention:
        quiet = next((r for r in runs if r["lines_asked"] == args.contention), None)
        if quiet is None:
            quiet = run_size(args.contention)
            runs.append(quiet)
        busy = run_size(args.contention, contention=True)
        runs.append(busy)
        runs.sort(key=lambda r: (r["lines_asked"], r["contention_processes"]))
        contention.append({"lines": busy["lines"], "busy_processes": busy["contention_processes"],
                           "quiet_s": quiet["wall_s"], "busy_s": busy["wall_s"],
                           "slowdown": round(busy["wall_s"] / quiet["wall_s"], 2)})
    result = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(),
              "usable_cpus": usable_cpus(), "python": platform.python_version(),
              "command": "; ".join(
                  ([earlier["command"]] if earlier else [])
                  + ["bench/bench_scaling.py " + " ".join(sys.argv[1:] if argv is None else argv)]),
              "dates": sorted({*earlier.get("dates", [earlier.get("date")] if earlier else []),
                               time.strftime("%Y-%m-%d")} - {None}),
              "runs": runs, "exponents": exponents(runs), "contention": contention}
    Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json_out).write_text(json.dumps(result, indent=2))
    print("\n" + markdown(result))
    print(f"\nwrote {args.json_out}")
    if not args.keep:
        for r in runs:
            _clear(r["run"])
        # the next `make demo` finds data/raw/synthetic generated for another size and
        # regenerates the default one (helpers.cli.synthetic_settings_changed)
    return 0 if all(r["exit_code"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())

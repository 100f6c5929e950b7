"""Run the whole workbook on every export of the gallery and write docs/gallery.md.

For each gallery mapping (``examples/gallery/{european, single_country_product,
one_year_no_attributes, b2b_few_large}.yaml``, plus ``cdnow.yaml`` and any other mapping in that
folder when present) this runs

    make all DATASET=custom MAPPING=examples/gallery/<name>.yaml RUN=<name> OFFLINE=1

(an argument list, never a shell string), times it, and reads ``reports/<name>/metrics.json``:
every notebook's section there carries ``skipped`` = {section: reason} for the parts the data
could not support (a missing key means nothing was skipped). A run that exits non-zero is
"failed", with the tail of its log. Results are kept per export in
``reports/logs/gallery/<name>.json`` (with the full log next to it), so ``--only`` refreshes one
row of docs/gallery.md and keeps the others.

    .venv/bin/python scripts/run_gallery.py                 # all exports, then docs/gallery.md
    .venv/bin/python scripts/run_gallery.py --only european # one export
    .venv/bin/python scripts/run_gallery.py --render        # only rewrite docs/gallery.md

Each run starts fresh: the run's stamps (``reports/<name>/.stamps``) and metrics.json are removed
first, so the wall time is that of a whole-workbook run and the notebooks that completed are
exactly those with a new stamp. The four generated exports are (re)written first by
``examples/gallery/make_gallery.py`` (deterministic, about two seconds); the CDNOW file is fetched
by ``scripts/fetch_cdnow.py`` when its mapping names a file that is not there.

Exit status: 0 when every run succeeded, 1 when any failed.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "examples" / "gallery"
RESULTS = ROOT / "reports" / "logs" / "gallery"  # git-ignored (reports/logs/)
DOC = ROOT / "docs" / "gallery.md"
ORDER = ("european", "single_country_product", "one_year_no_attributes", "b2b_few_large", "cdnow")
GENERATED = ORDER[:4]
"""Exports written by examples/gallery/make_gallery.py."""
TAIL_LINES = 25


# --------------------------------------------------------------------------- what to run
def gallery_names() -> list[str]:
    """Mapping stems in the gallery folder: the known ones in order, then any others."""
    present = {p.stem for p in GALLERY.glob("*.yaml")}
    return [n for n in ORDER if n in present] + sorted(present - set(ORDER))


def mapping_source(mapping: Path) -> Path | None:
    """The export file a mapping names (``source.path`` relative to the mapping's folder)."""
    try:
        doc = yaml.safe_load(mapping.read_text(encoding="utf-8")) or {}
        path = (doc.get("source") or {}).get("path")
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    return None if not path else (mapping.parent / str(path))


def mapping_currency(mapping: Path) -> str:
    """The currency code the mapping declares (GBP when it says none)."""
    try:
        cur = (yaml.safe_load(mapping.read_text(encoding="utf-8")) or {}).get("currency", "GBP")
    except (OSError, yaml.YAMLError):
        return "?"
    if isinstance(cur, dict):
        cur = cur.get("code", "GBP")
    return str(cur).strip().upper() or "?"


def notebooks() -> list[str]:
    """Notebook stems in the order Make runs them (notebooks/[0-9][0-9]*.ipynb, sorted)."""
    return sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))


def make_knows_run() -> bool:
    """Whether the Makefile uses a RUN variable (reports/<RUN>/); else reports/custom/."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return re.search(r"\$\(RUN\)|\$\{RUN\}", text) is not None


def prepare(names: list[str], python: str, generate: bool = True) -> dict[str, str]:
    """Write the generated exports and fetch CDNOW if needed; returns {name: problem}."""
    problems: dict[str, str] = {}
    gen = [n for n in names if n in GENERATED] if generate else []
    if gen:
        args = [python, str(GALLERY / "make_gallery.py"), "--out", str(GALLERY)]
        if len(gen) == 1:
            args += ["--only", gen[0]]
        subprocess.run(args, cwd=ROOT, check=True)
    fetch = ROOT / "scripts" / "fetch_cdnow.py"
    for n in names:
        src = mapping_source(GALLERY / f"{n}.yaml")
        if src is not None and not src.exists() and n.startswith("cdnow") and fetch.exists():
            subprocess.run([python, str(fetch), str(src.parent)], cwd=ROOT, check=False)
        if src is not None and not src.exists():
            problems[n] = f"export file {src.relative_to(ROOT)} not found"
    return problems


# --------------------------------------------------------------------------- one run
def run_make(name: str, log_path: Path, timeout: float) -> tuple[int, float]:
    """``make all`` for one export; returns (exit code, wall seconds). Output goes to the log."""
    cmd = [
        "make",
        "all",
        "DATASET=custom",
        f"MAPPING=examples/gallery/{name}.yaml",
        f"RUN={name}",
        "OFFLINE=1",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        # own session, so that a timeout stops make and the notebook kernels it started
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log.write(f"\nrun_gallery: timed out after {timeout:.0f} s\n")
            code = 124
    return code, time.perf_counter() - t0


NOISE = re.compile(r"\[IPKernelApp\] WARNING|WARNING traitlets: Alternative text")
"""Log lines that say nothing about the run (kernel transport, image alt text)."""
FAILED_LINE = re.compile(r"^FAILED (?P<nb>\S+?)\.ipynb\b.*?: (?P<why>.*)$")
"""How helpers.cli reports a notebook that raised: ``FAILED 06_x.ipynb after 9.1 s at cell 7:
ValueError: ...``."""


def log_lines(path: Path) -> list[str]:
    """The log without the noise lines."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [ln for ln in text.splitlines() if not NOISE.search(ln)]


def tail(path: Path, n: int = TAIL_LINES) -> str:
    """Last ``n`` meaningful lines of a log."""
    return "\n".join(log_lines(path)[-n:])


def failures(path: Path) -> dict[str, str]:
    """{notebook: error} from the ``FAILED ...`` lines of a log."""
    out = {}
    for ln in log_lines(path):
        m = FAILED_LINE.match(ln.strip())
        if m:
            out[m["nb"]] = m["why"].strip()
    return out


def skipped_of(section: Any) -> dict[str, str]:
    """The ``skipped`` entry of a notebook's metrics as {section: reason} (missing = none)."""
    if not isinstance(section, dict):
        return {}
    sk = section.get("skipped") or {}
    if isinstance(sk, dict):
        return {str(k): str(v) for k, v in sk.items()}
    if isinstance(sk, list):  # tolerate [{"section": ..., "reason": ...}] or plain names
        out = {}
        for item in sk:
            if isinstance(item, dict):
                out[str(item.get("section", item))] = str(item.get("reason", ""))
            else:
                out[str(item)] = ""
        return out
    return {str(sk): ""}


def notebook_rows(
    metrics: dict,
    stamps: Path,
    failed: bool,
    use_stamps: bool,
    errors: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Per notebook: status (ran / failed / not reached), its skipped sections, and for the
    notebook that failed the error (from ``errors``, {notebook: message})."""
    rows, broken = [], False
    for nb in notebooks():
        done = (stamps / f"{nb}.done").exists() if use_stamps else nb in metrics
        if done and not broken:
            status = "ran"
        elif failed and not broken:
            status, broken = "failed", True
        else:
            status = "not reached" if failed else "ran"
        sk = skipped_of(metrics.get(nb)) if status == "ran" else {}
        row = {"notebook": nb, "status": status, "skipped": sk}
        if status == "failed":
            row["error"] = (errors or {}).get(nb, "")
        rows.append(row)
    return rows


def metric(metrics: dict, key: str) -> Any:
    """A value of notebook 01's metrics (None when absent)."""
    first = metrics.get("01_collect_clean")
    return first.get(key) if isinstance(first, dict) else None


def currency_of(metrics: dict, mapping: Path) -> str:
    """The currency the run recorded (notebook 01), else the mapping's."""
    cur = metric(metrics, "currency")
    if isinstance(cur, dict):
        cur = cur.get("code")
    return str(cur) if cur else mapping_currency(mapping)


def manifest_entry(name: str) -> dict:
    """make_gallery.py's manifest entry for a generated export (lines, customers), if any."""
    try:
        entries = json.loads((GALLERY / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return next((e for e in entries if e.get("name") == name), {})


def run_one(name: str, timeout: float, keep_stamps: bool, problem: str | None) -> dict:
    """Run one export and return its result record (also saved as RESULTS/<name>.json)."""
    mapping = GALLERY / f"{name}.yaml"
    has_run = make_knows_run()
    reports = ROOT / "reports" / (name if has_run else "custom")
    stamps = reports / ".stamps"
    log_path = RESULTS / f"{name}.log"
    started = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    if problem:
        code, wall = 2, 0.0
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(f"run_gallery: {problem}\n", encoding="utf-8")
    else:
        if not keep_stamps:
            shutil.rmtree(stamps, ignore_errors=True)
            if has_run:  # our own run's folder: start from no metrics at all
                (reports / "metrics.json").unlink(missing_ok=True)
        print(f"[gallery] {name}: make all ... (log {log_path.relative_to(ROOT)})", flush=True)
        code, wall = run_make(name, log_path, timeout)
    try:
        metrics = json.loads((reports / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metrics = {}
    failed = code != 0
    use_stamps = stamps.is_dir() and any(stamps.glob("*.done"))
    man = manifest_entry(name)
    rec = {
        "name": name,
        "mapping": str(mapping.relative_to(ROOT)),
        "started": started,
        "exit_code": code,
        "status": "failed" if failed else "ok",
        "wall_s": round(wall, 1),
        "lines": metric(metrics, "rows_in") or man.get("lines"),
        "customers": metric(metrics, "n_customers") or man.get("customers"),
        "currency": currency_of(metrics, mapping),
        "reports_dir": str(reports.relative_to(ROOT)),
        "note": ""
        if has_run
        else "Makefile has no RUN variable yet: results read from reports/custom/",
        "notebooks": notebook_rows(metrics, stamps, failed, use_stamps, failures(log_path)),
        "log_tail": tail(log_path) if failed else "",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(rec, indent=1) + "\n", encoding="utf-8")
    n_skip = sum(len(r["skipped"]) for r in rec["notebooks"])
    print(
        f"[gallery] {name}: {rec['status']} in {wall:.0f} s, {n_skip} section(s) skipped",
        flush=True,
    )
    if failed:
        print(rec["log_tail"], flush=True)
    return rec


# --------------------------------------------------------------------------- docs/gallery.md
def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _wall(s: float | None) -> str:
    if not s:
        return "—"
    m, sec = divmod(round(s), 60)
    return f"{m} min {sec:02d} s" if m else f"{sec} s"


def _count(x: Any) -> str:
    return f"{x:,}" if isinstance(x, int) else ("—" if x is None else str(x))


def render(names: list[str]) -> str:
    """docs/gallery.md from the saved results of ``names`` (exports never run are listed)."""
    recs = {}
    for n in names:
        try:
            recs[n] = json.loads((RESULTS / f"{n}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            recs[n] = None
    out = [
        "# Gallery: exports the workbook must run end to end",
        "",
        "Fake exports shaped like real ones (see the header of each mapping in "
        "[`examples/gallery/`](../examples/gallery/)), each run through every notebook with",
        "",
        "```bash",
        "make all DATASET=custom MAPPING=examples/gallery/<name>.yaml RUN=<name> OFFLINE=1",
        "```",
        "",
        "by `scripts/run_gallery.py`, which also writes this page (do not edit it by hand; "
        "re-run `.venv/bin/python scripts/run_gallery.py`, or `--only <name>` for one export). "
        "A section the data cannot support is skipped with a visible note in the report and "
        "recorded under `skipped` in the run's `metrics.json`; the tables below list them.",
        "",
        "## Summary",
        "",
        "| export | lines | customers | currency | wall time of `make all` | status | "
        "sections skipped | run on |",
        "|---|---:|---:|---|---:|---|---:|---|",
    ]
    for n in names:
        r = recs[n]
        if r is None:
            out.append(f"| {n} | — | — | — | — | not run yet | — | — |")
            continue
        n_skip = sum(len(nb["skipped"]) for nb in r["notebooks"])
        out.append(
            f"| [{n}](#{n}) | {_count(r['lines'])} | {_count(r['customers'])} | "
            f"{r['currency']} | {_wall(r['wall_s'])} | {r['status']} | {n_skip} | "
            f"{r['started'][:10]} |"
        )
    for n in names:
        r = recs[n]
        out += ["", f"## {n}", ""]
        if r is None:
            out.append(f"Not run yet: `.venv/bin/python scripts/run_gallery.py --only {n}`.")
            continue
        out.append(
            f"Mapping [`{r['mapping']}`](../{r['mapping']}); {r['status']} "
            f"(exit code {r['exit_code']}) in {_wall(r['wall_s'])}; reports in "
            f"`{r['reports_dir']}/`." + (f" {r['note']}." if r.get("note") else "")
        )
        out += ["", "| notebook | status | sections skipped (why) |", "|---|---|---|"]
        errors = failures(RESULTS / f"{n}.log")
        for nb in r["notebooks"]:
            if nb["status"] == "failed" and not nb.get("error"):
                nb["error"] = errors.get(nb["notebook"], "")
            if nb["status"] == "failed" and nb.get("error"):
                why = f"`{_cell(nb['error'])}`"
            elif nb["status"] != "ran":
                why = "—"
            elif nb["skipped"]:
                why = "<br>".join(
                    f"**{_cell(k)}**: {_cell(v)}" if v else f"**{_cell(k)}**"
                    for k, v in nb["skipped"].items()
                )
            else:
                why = "none: every section ran"
            out.append(f"| {nb['notebook']} | {nb['status']} | {why} |")
        if r["status"] == "failed" and r.get("log_tail"):
            out += ["", "Last lines of the log:", "", "```text", r["log_tail"], "```"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    ap.add_argument(
        "--only", metavar="NAME", help="run one export (a mapping stem in examples/gallery/)"
    )
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run (default 1800)")
    ap.add_argument(
        "--keep-stamps",
        action="store_true",
        help="do not clear the run's stamps first (re-run only what changed)",
    )
    ap.add_argument(
        "--no-generate", action="store_true", help="do not (re)write the generated exports first"
    )
    ap.add_argument(
        "--render", action="store_true", help="only rewrite docs/gallery.md from the saved results"
    )
    args = ap.parse_args(argv)
    names = gallery_names()
    if args.only and args.only not in names:
        ap.error(
            f"--only {args.only!r}: no examples/gallery/{args.only}.yaml; "
            f"known: {', '.join(names)}"
        )
    todo = [args.only] if args.only else names
    results = []
    if not args.render:
        python = str(ROOT / ".venv" / "bin" / "python")
        python = python if Path(python).exists() else sys.executable
        problems = prepare(todo, python, generate=not args.no_generate)
        for n in todo:
            results.append(run_one(n, args.timeout, args.keep_stamps, problems.get(n)))
    DOC.write_text(render(names), encoding="utf-8")
    print(f"[gallery] wrote {DOC.relative_to(ROOT)}")
    failed = [r["name"] for r in results if r["status"] != "ok"]
    if failed:
        print(f"[gallery] failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

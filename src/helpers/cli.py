"""Command-line driver used by the Makefile: acquire data, run notebooks, render HTML.

``python -m helpers.cli data --dataset online_retail_ii --search-dir ../shared/datasets``
``python -m helpers.cli run notebooks/01_collect_clean.ipynb --dataset online_retail_ii``

Errors the user can fix (no data, bad parameters, a failing notebook) end with a clear message
and exit code 2 (data/parameters) or 1 (notebook failed); never a bare traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from helpers import config

log = logging.getLogger("helpers.cli")

KERNEL = "crm-workbook"


def dataset_paths(dataset: str, root: Path = Path(".")) -> dict[str, str]:
    """Standard folders for ``dataset`` (relative to the project root)."""
    reports = "reports" if dataset == "online_retail_ii" else f"reports/{dataset}"
    return {
        "raw_dir": str(root / "data" / "raw" / dataset),
        "interim_dir": str(root / "data" / "interim" / dataset),
        "processed_dir": str(root / "data" / "processed" / dataset),
        "reports_dir": str(root / reports),
    }


def load_params(dataset: str, notebook: str, params_dir: Path, overrides: dict[str, Any]) -> dict:
    """Parameters for one notebook: dataset paths < params YAML (common, then per notebook) <
    command-line overrides."""
    params: dict[str, Any] = {"dataset": dataset}
    paths = dataset_paths(dataset)
    params.update({k: v for k, v in paths.items() if k != "raw_dir"})
    f = params_dir / f"{dataset}.yaml"
    if f.exists():
        doc = yaml.safe_load(f.read_text()) or {}
        params.update(doc.get("common", {}) or {})
        params.update(doc.get(Path(notebook).stem, {}) or {})
    params.update(overrides)
    return params


def _coerce(value: str) -> Any:
    """Make/CLI strings to Python literals: ints, floats, booleans, else the string."""
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def check_against_notebook(nb_path: Path, params: dict[str, Any]) -> dict[str, Any]:
    """Validate parameters against the notebook's ``parameters`` cell: unknown names, types.

    Returns only the parameters the notebook declares (others, e.g. raw_dir, are dropped).
    """
    import papermill

    declared = papermill.inspect_notebook(str(nb_path))
    problems = []
    out = {}
    for name, val in params.items():
        if name not in declared:
            continue
        want = (declared[name].get("inferred_type_name") or "").strip()
        kinds = {"int": int, "float": (int, float), "str": str, "bool": bool}
        if want in kinds and not isinstance(val, kinds[want]):
            problems.append(f"{name}={val!r}: expected {want} (see the parameters cell)")
        if want == "int" and isinstance(val, bool):
            problems.append(f"{name}={val!r}: expected int")
        out[name] = val
    specs = {k: v for k, v in config.COMMON_PARAMS.items() if k in out}
    try:
        config.validate_params({k: out[k] for k in specs}, {})
    except config.ParameterError as exc:
        problems.append(str(exc))
    if problems:
        valid = ", ".join(f"{k}: {v.get('inferred_type_name')}" for k, v in declared.items())
        raise config.ParameterError(
            f"{nb_path.name}: " + "; ".join(problems) + f"\n  valid parameters: {valid}"
        )
    return out


def check_known_overrides(overrides: dict[str, Any], notebook_dir: Path) -> None:
    """Refuse a command-line parameter that no notebook declares (a typo must not pass).

    A parameter declared by *some* notebook is passed to each notebook that declares it and
    ignored by the others (e.g. ``churn_horizon_days`` only matters to 05 and 06).
    """
    import papermill

    known: set[str] = {"raw_dir", "engine", "mapping"}
    for nb in sorted(notebook_dir.glob("[0-9][0-9]*.ipynb")):
        known |= set(papermill.inspect_notebook(str(nb)))
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise config.ParameterError(
            f"unknown parameter(s) {', '.join(unknown)}; no notebook declares them.\n"
            f"  valid parameters: {', '.join(sorted(known))}"
        )


def cmd_data(args: argparse.Namespace) -> int:
    from helpers.data import ingest

    paths = dataset_paths(args.dataset)
    raw_dir = Path(args.raw_dir or paths["raw_dir"])
    t0 = time.perf_counter()
    if args.dataset == "online_retail_ii":
        files = ingest.acquire_online_retail_ii(
            raw_dir, tuple(d for d in args.search_dir if d), allow_download=not args.no_download
        )
        for f in files:
            print(f"  ok  {f}  (SHA-256 verified)")
    elif args.dataset == "synthetic":
        if (raw_dir / "transactions.parquet").exists() and not args.force:
            print(f"  ok  {raw_dir}/transactions.parquet exists (make data-clean to regenerate)")
        else:
            from helpers import synth

            crm = synth.simulate_crm(
                n_customers=args.synth_customers,
                start=args.synth_start,
                end=args.synth_end,
                seed=args.seed,
            )
            synth.write_synthetic(crm, raw_dir)
            print(f"  ok  generated synthetic CRM in {raw_dir}")
    else:
        print(f"  ok  dataset {args.dataset!r}: raw data comes from the mapping file at run time")
    print(f"data: {args.dataset} ready in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = Path(args.notebook)
    if not nb.exists():
        raise config.ParameterError(f"notebook {nb} not found")
    overrides = dict(_split_kv(kv) for kv in args.param)
    check_known_overrides(overrides, nb.parent)
    params = load_params(args.dataset, nb.name, Path(args.params_dir), overrides)
    params = check_against_notebook(nb, params)
    if str(params.get("engine", "")).lower() == "spark":
        from helpers.data import engines

        ok, why = engines.spark_available()
        if not ok:
            raise config.ParameterError(f"engine=spark: {why}; or run with ENGINE=duckdb")
    reports_dir = Path(params.get("reports_dir", dataset_paths(args.dataset)["reports_dir"]))
    out_nb = reports_dir / "notebooks" / nb.name
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    print(f"==> {nb.name}  [{args.dataset}]  ->  {out_nb}", flush=True)
    t0 = time.perf_counter()
    failed = None
    try:
        papermill.execute_notebook(
            str(nb),
            str(out_nb),
            parameters=params,
            kernel_name=args.kernel,
            cwd=str(Path.cwd()),
            progress_bar=sys.stderr.isatty() or args.progress,
            log_output=False,
            request_save_on_cell_execute=True,
        )
    except PapermillExecutionError as exc:
        failed = exc
    elapsed = time.perf_counter() - t0
    html = render_html(out_nb, reports_dir / f"{nb.stem}.html", no_input=nb.stem in args.no_input)
    if failed is not None:
        print(
            f"\nFAILED {nb.name} after {elapsed:.1f} s at cell {failed.exec_count}: "
            f"{failed.ename}: {failed.evalue}\n"
            f"  executed copy kept for debugging: {out_nb}\n  rendered: {html}",
            file=sys.stderr,
        )
        return 1
    print(f"    done {nb.name} in {elapsed:.1f} s  ->  {html}", flush=True)
    timings = reports_dir / "logs" / "timings.tsv"
    timings.parent.mkdir(parents=True, exist_ok=True)
    with open(timings, "a", encoding="utf-8") as fh:
        fh.write(
            f"{time.strftime('%Y-%m-%dT%H:%M:%S')}\t{args.dataset}\t{nb.stem}\t{elapsed:.2f}\n"
        )
    return 0


def cmd_timings(args: argparse.Namespace) -> int:
    """Print the latest run time of each notebook of ``dataset`` (from logs/timings.tsv)."""
    reports_dir = Path(dataset_paths(args.dataset)["reports_dir"])
    f = reports_dir / "logs" / "timings.tsv"
    if not f.exists():
        print(f"no timings yet in {f}")
        return 0
    latest: dict[str, tuple[str, float]] = {}
    for row in f.read_text(encoding="utf-8").splitlines():
        parts = row.split("\t")
        if len(parts) == 4 and parts[1] == args.dataset:
            latest[parts[2]] = (parts[0], float(parts[3]))
    print(f"\nstep timings, dataset {args.dataset} (latest run of each notebook):")
    for stem in sorted(latest):
        when, secs = latest[stem]
        print(f"  {stem:<28} {secs:8.1f} s   ({when})")
    print(f"  {'total':<28} {sum(s for _, s in latest.values()):8.1f} s")
    print(f"reports: {reports_dir}/")
    return 0


MATH_BLOCK = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
MATH_INLINE = re.compile(r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\d)")  # pandoc rule
CDN_SCRIPT = re.compile(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>\s*')


def math_to_mathml(markdown: str) -> str:
    """Replace ``$$...$$`` and ``$...$`` LaTeX in markdown with MathML (renders offline)."""
    from latex2mathml.converter import convert

    def block(m: re.Match) -> str:
        return "\n\n" + convert(m.group(1).strip(), display="block") + "\n\n"

    def inline(m: re.Match) -> str:
        return convert(m.group(1).strip())

    return MATH_INLINE.sub(inline, MATH_BLOCK.sub(block, markdown))


def render_html(executed: Path, html_path: Path, no_input: bool = False) -> Path:
    """Render an executed notebook to standalone HTML that needs no network.

    Formulas become MathML (browsers render it natively) instead of MathJax from a CDN, and
    the template's CDN scripts (MathJax, require.js; unused by static output) are removed.
    Code is hidden when ``no_input`` (the case study).
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source)
        for out in cell.get("outputs", []):
            md = out.get("data", {}).get("text/markdown")
            if md is not None:
                out["data"]["text/markdown"] = math_to_mathml(md)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = no_input
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    body = CDN_SCRIPT.sub("", body)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    from helpers.files import write_text

    write_text(body, html_path)
    return html_path


def _split_kv(kv: str) -> tuple[str, Any]:
    if "=" not in kv:
        raise config.ParameterError(f"parameter {kv!r}: expected name=value")
    k, v = kv.split("=", 1)
    return k.strip(), _coerce(v.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.cli", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("data", help="acquire / generate the raw data")
    d.add_argument("--dataset", required=True)
    d.add_argument("--raw-dir")
    d.add_argument("--search-dir", action="append", default=[])
    d.add_argument("--no-download", action="store_true")
    d.add_argument("--force", action="store_true")
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--synth-customers", type=int, default=4000)
    d.add_argument("--synth-start", default="2009-12-01")
    d.add_argument("--synth-end", default="2011-12-09")
    r = sub.add_parser("run", help="run one notebook with papermill and render it")
    r.add_argument("notebook")
    r.add_argument("--dataset", required=True)
    r.add_argument("--params-dir", default="notebooks/params")
    r.add_argument("-p", "--param", action="append", default=[], help="name=value override")
    r.add_argument("--kernel", default=KERNEL)
    r.add_argument("--progress", action="store_true")
    r.add_argument("--no-input", action="append", default=["07_case_study"])
    t = sub.add_parser("timings", help="print the latest timing of each notebook")
    t.add_argument("--dataset", required=True)
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if os.environ.get("CRM_VERBOSE") else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if getattr(args, "dataset", None) not in config.DATASETS:
        print(
            f"error: dataset {args.dataset!r} unknown; valid: {', '.join(config.DATASETS)}",
            file=sys.stderr,
        )
        return 2
    try:
        if args.cmd == "timings":
            return cmd_timings(args)
        return cmd_data(args) if args.cmd == "data" else cmd_run(args)
    except (config.ParameterError, FileNotFoundError, ValueError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

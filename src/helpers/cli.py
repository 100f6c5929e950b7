"""Command-line driver used by the Makefile: acquire data, run notebooks, render HTML.

``python -m helpers.cli data --dataset online_retail_ii --search-dir ../shared/datasets``
``python -m helpers.cli run notebooks/01_collect_clean.ipynb --dataset online_retail_ii``
``python -m helpers.cli inputs --mapping examples/mapping_example.yaml`` (files a mapping reads)

The Makefile passes its variables (DATASET, RUN, SEED, ENGINE, CUTOFF, MAPPING, PARAMS) through
the environment as ``CRM_MAKE_<NAME>`` and calls ``run --from-make`` / ``make-vars``: the values
are split and checked here, in Python, and taken literally; no shell ever evaluates them.

Errors the user can fix (no data, bad parameters, a failing notebook) end with a clear message
and exit code 2 (data/parameters) or 1 (notebook failed); never a bare traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shlex
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from helpers import config, progress

log = logging.getLogger("helpers.cli")

KERNEL = "crm-workbook"

MAKE_ENV = {
    k: f"CRM_MAKE_{k.upper()}"
    for k in ("dataset", "run", "seed", "engine", "cutoff", "mapping", "params")
}
"""Environment variables through which the Makefile passes its variables to this driver."""

RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
RESERVED_RUNS = ("notebooks", "figures", "logs", "exports")
"""Folders of reports/ that a run name must not take (nor another dataset's name)."""

PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SET_BY_MAKE = ("dataset", "interim_dir", "processed_dir", "reports_dir")
"""Parameters PARAMS may not set: they follow DATASET and RUN (the stamps live there too)."""


def check_run(run: str, dataset: str) -> str:
    """Validate a run name (the folder under reports/ and data/interim|processed/)."""
    if not RUN_NAME.fullmatch(run):
        raise config.ParameterError(
            f"RUN={run!r}: a run name is one word of letters, digits, '_', '-' and '.' "
            "(not starting with '-' or '.'); it names reports/RUN/ and data/*/RUN/"
        )
    if run in RESERVED_RUNS or (run in config.DATASETS and run != dataset):
        raise config.ParameterError(
            f"RUN={run!r} is reserved (folders of reports/: {', '.join(RESERVED_RUNS)}; "
            f"dataset names other than DATASET={dataset}); choose another name"
        )
    return run


def dataset_paths(dataset: str, root: Path = Path("."), run: str | None = None) -> dict[str, str]:
    """Standard folders for ``dataset`` (relative to the project root).

    ``run`` (default: the dataset name) names the output folders, so that several runs of one
    dataset (e.g. two custom exports) live side by side; raw data stays per dataset.
    """
    run = dataset if run is None else check_run(run, dataset)
    reports = "reports" if run == "online_retail_ii" else f"reports/{run}"
    return {
        "raw_dir": str(root / "data" / "raw" / dataset),
        "interim_dir": str(root / "data" / "interim" / run),
        "processed_dir": str(root / "data" / "processed" / run),
        "reports_dir": str(root / reports),
    }


def load_params(
    dataset: str,
    notebook: str,
    params_dir: Path,
    overrides: dict[str, Any],
    run: str | None = None,
) -> dict:
    """Parameters for one notebook: dataset paths (of ``run``) < params YAML (common, then per
    notebook) < command-line overrides."""
    params: dict[str, Any] = {"dataset": dataset}
    paths = dataset_paths(dataset, run=run)
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


def parse_params(text: str) -> dict[str, Any]:
    """Split Make's ``PARAMS`` into ``{name: value}``: whitespace-separated ``name=value`` words.

    Nothing is evaluated: ``;``, ``$(...)`` and backticks are plain characters of a value (which
    is then checked like any other); a value with spaces is quoted, ``name='a b'``. A word that is
    not ``name=value`` with a valid name is refused, naming the word.
    """
    try:
        words = shlex.split(text, comments=False, posix=True)
    except ValueError as exc:
        raise config.ParameterError(
            f"PARAMS={text!r}: {exc}; quote a value with spaces as name='a b'"
        ) from None
    out: dict[str, Any] = {}
    problems = []
    for word in words:
        name, eq, value = word.partition("=")
        if not eq:
            problems.append(f"{word!r} is not name=value")
        elif not PARAM_NAME.fullmatch(name):
            problems.append(f"{name!r} (in {word!r}) is not a parameter name")
        elif name in SET_BY_MAKE:
            problems.append(f"{name} is set by make from DATASET and RUN (use RUN=name)")
        else:
            out[name] = _coerce(value)
    if problems:
        raise config.ParameterError(
            "PARAMS: " + "; ".join(problems) + "\n  PARAMS is a list of name=value words, e.g. "
            'PARAMS="churn_horizon_days=60 n_quantiles=4"; values are taken literally, never run'
        )
    return out


def make_settings(environ: Mapping[str, str]) -> tuple[str, str, dict[str, Any]]:
    """Dataset, run name and notebook overrides from the Makefile's ``CRM_MAKE_*`` variables.

    SEED, ENGINE, CUTOFF and MAPPING become the parameters seed, engine, cutoff and mapping
    (taken literally; empty means the default), then PARAMS (:func:`parse_params`) adds to or
    replaces them. Raises :class:`config.ParameterError` naming the variable at fault.
    """

    def get(key: str) -> str:
        return environ.get(MAKE_ENV[key], "")

    dataset = get("dataset")
    if dataset not in config.DATASETS:
        raise config.ParameterError(
            f"DATASET={dataset!r} unknown; valid: {', '.join(config.DATASETS)}"
        )
    run = check_run(get("run") or dataset, dataset)
    overrides: dict[str, Any] = {}
    seed = get("seed").strip()
    if seed:
        if not seed.isascii() or not seed.isdigit():
            raise config.ParameterError(f"SEED={seed!r}: expected a non-negative integer")
        overrides["seed"] = int(seed)
    for key in ("engine", "cutoff", "mapping"):
        value = get(key) if key == "mapping" else get(key).strip()
        if value:
            overrides[key] = value
    overrides.update(parse_params(get("params")))
    if dataset == "custom" and not str(overrides.get("mapping", "")).strip():
        raise config.ParameterError(
            "DATASET=custom needs MAPPING=path/to/mapping.yaml (see docs/mapping.md)"
        )
    config.validate_params({k: v for k, v in overrides.items() if k in config.COMMON_PARAMS})
    return dataset, run, overrides


_MAKE_SPECIAL = re.compile(r"([ :;*?\[])")


def make_escape(path: str) -> str | None:
    """``path`` written for a Make prerequisite list; ``None`` if Make cannot express it."""
    if any(c in path for c in "\\\n\r\t"):
        return None
    return _MAKE_SPECIAL.sub(r"\\\1", path)


def mapping_inputs(mapping: str | Path) -> list[Path]:
    """The files a custom run reads: the mapping file and the export(s) it names (absolute).

    Resolved by :func:`helpers.data.mapping.load_mapping` (``source.path`` is relative to the
    mapping's folder; an ``sql`` source has no file). A mapping that does not load yields only
    itself (notebook 01 then says what is wrong); a missing mapping file yields nothing.
    """
    from helpers.data.mapping import load_mapping

    path = Path(mapping)
    if not str(mapping).strip() or not path.is_file():
        return []
    files = [path]
    try:
        m = load_mapping(path)
    except (ValueError, OSError, yaml.YAMLError):
        return [Path(os.path.abspath(path))]
    named = getattr(m, "paths", None) or [m.path]
    files += [Path(p) for p in named if p is not None]
    return list(dict.fromkeys(Path(os.path.abspath(f)) for f in files))


def _signature(files: list[Path]) -> list[list[Any]]:
    out = []
    for f in files:
        try:
            st = f.stat()
            out.append([str(f), st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([str(f), None, None])
    return out


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


SYNTH_RETENTION_SHARE = 0.5
"""Treated share of the randomised retention campaign in the synthetic CRM that ``data``
generates (``SynthConfig.retention_share``; the generator's own default, 0, has none)."""


def synthetic_settings_changed(raw_dir: Path, args: argparse.Namespace) -> str:
    """What differs between the synthetic CRM in ``raw_dir`` and the one ``args`` ask for
    (customers, seed, window, campaign share), read from its ``ground_truth.json``; "" when
    nothing does or there is no CRM yet. A changed ``SYNTH_CUSTOMERS`` or ``SEED`` must not
    silently reuse the old files."""
    truth_file = raw_dir / "ground_truth.json"
    if not (raw_dir / "transactions.parquet").exists() or not truth_file.exists():
        return ""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    have = {
        "customers": truth.get("n_customers"),
        "seed": truth.get("seed"),
        "start": truth.get("window", {}).get("start"),
        "end": truth.get("window", {}).get("end"),
        "retention share": truth.get("config", {}).get("retention_share"),
    }
    want = {
        "customers": args.synth_customers,
        "seed": args.seed,
        "start": str(args.synth_start)[:10],
        "end": str(args.synth_end)[:10],
        "retention share": args.synth_retention_share,
    }
    return ", ".join(f"{k} {have[k]} -> {want[k]}" for k in want if have[k] != want[k])


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
        stale = synthetic_settings_changed(raw_dir, args)
        if (raw_dir / "transactions.parquet").exists() and not args.force and not stale:
            print(f"  ok  {raw_dir}/transactions.parquet exists with these settings "
                  "(make clean-data to regenerate)")
        else:
            if stale:
                print(f"  regenerating {raw_dir}: {stale}", flush=True)
            from helpers import synth

            crm = synth.simulate_crm(
                n_customers=args.synth_customers,
                start=args.synth_start,
                end=args.synth_end,
                seed=args.seed,
                retention_share=args.synth_retention_share,
            )
            synth.write_synthetic(crm, raw_dir)
            print(f"  ok  generated synthetic CRM in {raw_dir}")
    else:
        print(f"  ok  dataset {args.dataset!r}: raw data comes from the mapping file at run time")
    print(f"data: {args.dataset} ready in {time.perf_counter() - t0:.1f} s")
    return 0


def _skip_slow_iri_checker() -> None:
    """Spare each notebook run a second of start-up: jsonschema (through nbformat) builds the
    ``rfc3987_syntax`` IRI grammars when it is imported (python-jsonschema/jsonschema#1428).
    Notebook schemas use no ``iri`` format, so the checker is not needed here; jsonschema skips
    it when the import fails. A module the user imported already is left alone."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def cmd_run(args: argparse.Namespace) -> int:
    _skip_slow_iri_checker()
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = Path(args.notebook)
    if not nb.exists():
        raise config.ParameterError(f"notebook {nb} not found")
    overrides = {**args.make_overrides, **dict(_split_kv(kv) for kv in args.param)}
    check_known_overrides(overrides, nb.parent)
    params = load_params(args.dataset, nb.name, Path(args.params_dir), overrides, run=args.run)
    params = check_against_notebook(nb, params)
    if str(params.get("engine", "")).lower() == "spark":
        from helpers.data import engines

        ok, why = engines.spark_available()
        if not ok:
            raise config.ParameterError(f"engine=spark: {why}; or run with ENGINE=duckdb")
    reports_dir = Path(
        params.get("reports_dir", dataset_paths(args.dataset, run=args.run)["reports_dir"])
    )
    out_nb = reports_dir / "notebooks" / nb.name
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    print(f"==> {nb.name}  [{args.dataset}]  ->  {out_nb}", flush=True)
    t0 = time.perf_counter()
    failed = None
    # the kernel appends progress lines (helpers.progress) to this file; a thread prints them
    prog_file = reports_dir / "logs" / f"progress-{nb.stem}.log"
    prog_file.parent.mkdir(parents=True, exist_ok=True)
    prog_file.write_text("", encoding="utf-8")
    os.environ[progress.ENV_FILE] = str(prog_file.resolve())
    stop = threading.Event()
    follower = threading.Thread(
        target=progress.follow, args=(prog_file, f"    [{nb.stem[:3].rstrip('_')}] ", stop),
        daemon=True)
    follower.start()
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
    finally:
        stop.set()
        follower.join(timeout=5)
        os.environ.pop(progress.ENV_FILE, None)
    elapsed = time.perf_counter() - t0
    html = reports_dir / f"{nb.stem}.html"
    if failed is not None or not args.no_render:  # a failed run is rendered for debugging
        render_html(out_nb, html, no_input=nb.stem in args.no_input)
    if failed is not None:
        print(
            f"\nFAILED {nb.name} after {elapsed:.1f} s at cell {failed.exec_count}: "
            f"{failed.ename}: {failed.evalue}\n"
            f"  executed copy kept for debugging: {out_nb}\n  rendered: {html}",
            file=sys.stderr,
        )
        return 1
    # the kernel is this process's child: its peak resident memory once it has exited
    peak_mb = kernel_peak_mb()
    print(f"    done {nb.name} in {elapsed:.1f} s, peak memory {peak_mb:,.0f} MB  ->  "
          f"{out_nb if args.no_render else html}", flush=True)
    timings = reports_dir / "logs" / "timings.tsv"
    timings.parent.mkdir(parents=True, exist_ok=True)
    with open(timings, "a", encoding="utf-8") as fh:
        fh.write(
            f"{time.strftime('%Y-%m-%dT%H:%M:%S')}\t{args.dataset}\t{nb.stem}\t{elapsed:.2f}"
            f"\t{peak_mb:.0f}\n"
        )
    return 0


NOTEBOOK_BASE_MB = 400
"""Memory of a notebook kernel before it reads the data (interpreter, pandas, scikit-learn...)."""
NOTEBOOK_BYTES_PER_LINE = 1_100
"""A notebook's peak memory per order line beyond :data:`NOTEBOOK_BASE_MB`: the largest of
02-06 measured 1.1 kB per line at 1M synthetic lines and 0.96 kB at 10M (bench/results/
scaling.json), Online Retail II 1.2 kB (notebook 06, 1.07M lines)."""
MEMORY_SHARE = 0.75
"""Share of the available memory that notebooks running side by side may plan to use."""


def notebook_jobs(cpus: int, available_mb: float, lines: int, asked: str = "") -> tuple[int, str]:
    """How many notebooks ``make all`` runs at a time, and why (one line).

    ``asked`` is the Makefile's JOBS: a positive integer is taken as given; empty or ``auto``
    means one per usable CPU, as far as :data:`MEMORY_SHARE` of the available memory holds that
    many kernels of the estimated size (:data:`NOTEBOOK_BASE_MB` + :data:`NOTEBOOK_BYTES_PER_LINE`
    per order line), and at least one.
    """
    asked = asked.strip()
    if asked and asked != "auto":
        if not asked.isascii() or not asked.isdigit() or int(asked) < 1:
            raise config.ParameterError(
                f"JOBS={asked!r}: expected a positive integer (notebooks at a time) or auto"
            )
        return int(asked), f"JOBS={int(asked)}"
    each_mb = NOTEBOOK_BASE_MB + lines * NOTEBOOK_BYTES_PER_LINE / 1e6
    by_memory = int(MEMORY_SHARE * available_mb // each_mb)
    n = max(1, min(cpus, by_memory))
    why = (f"{cpus} usable CPU{'s' if cpus != 1 else ''}; about {each_mb / 1024:,.1f} GB per "
           f"notebook for {lines:,} order lines, {available_mb / 1024:,.1f} GB available")
    return n, why


def available_mb() -> float:
    """Memory this process may still take, in MB: the system's available memory, or less when a
    cgroup (container) limit leaves less."""
    import psutil

    avail = psutil.virtual_memory().available / 2**20
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit.isdigit() and used.isdigit():
            avail = min(avail, (int(limit) - int(used)) / 2**20)
    except OSError:
        pass
    return max(avail, 0.0)


def order_lines_count(interim_dir: str | Path) -> int:
    """Rows of ``interim_dir/order_lines.parquet`` from its footer (0 when it is not there yet)."""
    path = Path(interim_dir) / "order_lines.parquet"
    if not path.exists():
        return 0
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def cmd_jobs(args: argparse.Namespace) -> int:
    """Print the number of notebooks ``make all`` runs at a time (stdout) and why (stderr)."""
    interim = dataset_paths(args.dataset, run=args.run)["interim_dir"]
    n, why = notebook_jobs(progress.usable_cpus(), available_mb(), order_lines_count(interim),
                           os.environ.get("CRM_MAKE_JOBS", ""))
    print(f"make all: {n} notebook{'s' if n != 1 else ''} at a time where they do not need "
          f"each other ({why})", file=sys.stderr, flush=True)
    print(n)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """Render an executed notebook of a run (``run --no-render`` leaves this to ``make``)."""
    nb = Path(args.notebook)
    reports_dir = Path(dataset_paths(args.dataset, run=args.run)["reports_dir"])
    executed = reports_dir / "notebooks" / nb.name
    if not executed.exists():
        raise FileNotFoundError(f"{executed} not found: run the notebook first")
    t0 = time.perf_counter()
    html = render_html(executed, reports_dir / f"{nb.stem}.html",
                       no_input=nb.stem in args.no_input)
    print(f"    rendered {html} in {time.perf_counter() - t0:.1f} s", flush=True)
    return 0


def kernel_peak_mb() -> float:
    """Largest resident set of the processes this one has waited for (the notebook kernel and
    its workers), in MB; 0 where the platform does not say."""
    try:
        import resource
    except ImportError:  # not on Unix
        return 0.0
    kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def cmd_timings(args: argparse.Namespace) -> int:
    """Print the latest run time of each notebook of ``dataset`` (from logs/timings.tsv)."""
    reports_dir = Path(dataset_paths(args.dataset, run=args.run)["reports_dir"])
    f = reports_dir / "logs" / "timings.tsv"
    if not f.exists():
        print(f"no timings yet in {f}")
        return 0
    latest: dict[str, tuple[str, float, str]] = {}
    for row in f.read_text(encoding="utf-8").splitlines():
        parts = row.split("\t")  # when, dataset, notebook, seconds[, peak MB]
        if len(parts) in (4, 5) and parts[1] == args.dataset:
            peak = f"{float(parts[4]):8,.0f} MB" if len(parts) == 5 else f"{'':>11}"
            latest[parts[2]] = (parts[0], float(parts[3]), peak)
    print(f"\nstep timings, dataset {args.dataset} (latest run of each notebook; peak memory):")
    for stem in sorted(latest):
        when, secs, peak = latest[stem]
        print(f"  {stem:<28} {secs:8.1f} s {peak}   ({when})")
    print(f"  {'total':<28} {sum(v[1] for v in latest.values()):8.1f} s")
    print(f"reports: {reports_dir}/")
    return 0


def cmd_make_vars(args: argparse.Namespace) -> int:
    """Check the Makefile's variables; record them in a stamp (``--stamp``) or print them."""
    dataset, run, overrides = args.dataset, args.run, args.make_overrides
    inputs = mapping_inputs(overrides.get("mapping", "")) if dataset == "custom" else []
    if args.stamp:
        text = (
            json.dumps(
                {
                    "dataset": dataset,
                    "run": run,
                    "parameters": overrides,
                    "inputs": _signature(inputs),
                },
                indent=1,
                sort_keys=True,
                default=str,
            )
            + "\n"
        )
        stamp = Path(args.stamp)
        if not stamp.exists() or stamp.read_text(encoding="utf-8") != text:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(text, encoding="utf-8")
    if args.check:
        check_known_overrides(overrides, Path(args.notebook_dir))
        paths = dataset_paths(dataset, run=run)
        print(f"dataset     {dataset}")
        print(f"run         {run}")
        print(
            "folders     "
            + "  ".join(paths[k] for k in ("reports_dir", "interim_dir", "processed_dir"))
        )
        print("parameters  " + (", ".join(f"{k}={v!r}" for k, v in overrides.items()) or "-"))
        if dataset == "custom":
            print("inputs      " + (", ".join(map(str, inputs)) or "-"))
        print("ok: nothing was run")
    return 0


def cmd_inputs(args: argparse.Namespace) -> int:
    """Print the files a mapping reads, one per line (``--make``: escaped, on one line)."""
    files = mapping_inputs(args.mapping)
    if not args.make:
        for f in files:
            print(f)
        return 0
    words = []
    for f in files:
        word = make_escape(str(f))
        if word is None:
            print(
                f"inputs: {f!r} cannot be a Make prerequisite; the vars stamp still tracks it",
                file=sys.stderr,
            )
        else:
            words.append(word)
    print(" ".join(words))
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
    _skip_slow_iri_checker()
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
            _image_with_alt(out)
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


def _image_with_alt(out: dict[str, Any]) -> None:
    """Give a PNG output its alt text in the HTML (``store.save_fig`` puts it in the output's
    metadata; nbconvert's lab template ignores that and writes a placeholder alt)."""
    import html

    alt = out.get("metadata", {}).get("image/png", {}).get("alt")
    data = out.get("data", {})
    if alt and "image/png" in data:
        png = data.pop("image/png")
        data["text/html"] = f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt)}">'


def _split_kv(kv: str) -> tuple[str, Any]:
    if "=" not in kv:
        raise config.ParameterError(f"parameter {kv!r}: expected name=value")
    k, v = kv.split("=", 1)
    return k.strip(), _coerce(v.strip())


def _run_arguments(p: argparse.ArgumentParser) -> None:
    """The options that name a run: --dataset and --run, or --from-make (CRM_MAKE_*)."""
    p.add_argument("--dataset")
    p.add_argument("--run", help="name of the output folders (default: the dataset)")
    p.add_argument("--from-make", action="store_true")


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
    d.add_argument("--synth-retention-share", type=float, default=SYNTH_RETENTION_SHARE,
                   help="share of eligible customers the synthetic CRM's randomised retention "
                   "campaign treats (0 = no campaign; the demo runs one for notebook 05's "
                   "campaign uplift section)")
    r = sub.add_parser("run", help="run one notebook with papermill and render it")
    r.add_argument("notebook")
    r.add_argument("--dataset")
    r.add_argument("--run", help="name of the output folders (default: the dataset)")
    r.add_argument(
        "--from-make",
        action="store_true",
        help="dataset, run and parameters from the CRM_MAKE_* environment",
    )
    r.add_argument("--params-dir", default="notebooks/params")
    r.add_argument("-p", "--param", action="append", default=[], help="name=value override")
    r.add_argument("--kernel", default=KERNEL)
    r.add_argument("--progress", action="store_true")
    r.add_argument("--no-input", action="append", default=["07_case_study"])
    r.add_argument("--no-render", action="store_true",
                   help="leave the HTML to `helpers.cli render` (make renders it beside the next "
                   "notebook); a failed run is rendered all the same")
    h = sub.add_parser("render", help="render an executed notebook of a run to HTML")
    h.add_argument("notebook")
    _run_arguments(h)
    h.add_argument("--no-input", action="append", default=["07_case_study"])
    j = sub.add_parser("jobs", help="how many notebooks make all runs at a time (JOBS=auto)")
    _run_arguments(j)
    t = sub.add_parser("timings", help="print the latest timing of each notebook")
    _run_arguments(t)
    v = sub.add_parser("make-vars", help="check the Makefile's variables (CRM_MAKE_*)")
    v.add_argument("--stamp", help="record them in this file (rewritten only on a change)")
    v.add_argument("--check", action="store_true", help="also check names; print what is passed")
    v.add_argument("--notebook-dir", default="notebooks")
    i = sub.add_parser("inputs", help="files a mapping reads (the mapping and its export)")
    i.add_argument("--mapping", required=True)
    i.add_argument("--make", action="store_true", help="escaped for a Make prerequisite list")
    args = ap.parse_args(argv)
    # Native thread pools sized to the CPUs this process may use, OpenMP threads waiting
    # passively (helpers.progress.thread_environment): kernels started from here inherit them;
    # a value set by the user wins.
    os.environ.update(progress.thread_environment())
    if args.cmd == "make-vars":
        args.from_make = True
    logging.basicConfig(
        level=logging.INFO if os.environ.get("CRM_VERBOSE") else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.cmd == "inputs":
        return cmd_inputs(args)
    args.make_overrides = {}
    try:
        if getattr(args, "from_make", False):
            args.dataset, args.run, args.make_overrides = make_settings(os.environ)
    except config.ParameterError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    if args.dataset not in config.DATASETS:
        print(
            f"error: dataset {args.dataset!r} unknown; valid: {', '.join(config.DATASETS)}",
            file=sys.stderr,
        )
        return 2
    try:
        if args.cmd == "make-vars":
            return cmd_make_vars(args)
        if args.cmd == "timings":
            return cmd_timings(args)
        if args.cmd == "render":
            return cmd_render(args)
        if args.cmd == "jobs":
            return cmd_jobs(args)
        return cmd_data(args) if args.cmd == "data" else cmd_run(args)
    except (config.ParameterError, FileNotFoundError, ValueError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

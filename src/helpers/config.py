"""Run parameters: the dataset registry, validation of notebook/Make parameters, small utilities.

Every parameter papermill or Make passes is checked here before work starts
(:func:`validate_params`), with a message that lists the valid values.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as _md
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

DATASETS: tuple[str, ...] = ("online_retail_ii", "synthetic", "custom")
"""Known dataset names: the real case study, the offline synthetic CRM, a user's own export."""


PROJECT_NAME = "crm-workbook-helpers"
"""The ``name`` in the workbook's pyproject.toml: how :func:`enter_project_root` knows its root."""


def project_root(start: str | Path | None = None) -> Path | None:
    """The workbook checkout that contains ``start`` (default: the working directory), or None.

    The root is the nearest folder upwards holding a ``pyproject.toml`` that names
    :data:`PROJECT_NAME` and a ``notebooks/`` folder.
    """
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        toml = folder / "pyproject.toml"
        if (folder / "notebooks").is_dir() and toml.is_file():
            try:
                text = toml.read_text(encoding="utf-8")
            except OSError:
                continue
            if f'name = "{PROJECT_NAME}"' in text:
                return folder
    return None


def enter_project_root() -> Path:
    """Make the workbook's root the working directory and return it.

    The notebooks' default paths (``data/interim/online_retail_ii``, ``reports``) are relative to
    the root. ``make all`` runs them from there; JupyterLab starts a notebook's kernel in
    ``notebooks/``, so the first code cell of every notebook calls this to run the same when
    opened by hand. Outside a checkout (the package installed elsewhere) nothing changes.
    """
    root = project_root()
    if root is not None and Path.cwd().resolve() != root:
        os.chdir(root)
    return Path.cwd()


class ParameterError(ValueError):
    """A run parameter is of the wrong type, out of range or inconsistent."""


@dataclass(frozen=True)
class ParamSpec:
    """Type and allowed range/values of one parameter."""

    type: type
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    help: str = ""


COMMON_PARAMS: dict[str, ParamSpec] = {
    "dataset": ParamSpec(str, choices=DATASETS, help="dataset name"),
    "interim_dir": ParamSpec(str, help="folder of canonical tables"),
    "processed_dir": ParamSpec(str, help="folder of derived tables"),
    "reports_dir": ParamSpec(str, help="folder of metrics.json and figures"),
    "cutoff": ParamSpec(str, help="ISO date (YYYY-MM-DD) or empty for the day after the last order"),
    "seed": ParamSpec(int, min=0, max=2**32 - 1, help="random seed"),
    "key_file": ParamSpec(str, help="pseudonymisation key file"),
}


def validate_params(params: dict[str, Any], specs: dict[str, ParamSpec] | None = None) -> None:
    """Check every parameter against its spec; raise :class:`ParameterError` listing all problems.

    Unknown names are errors too (a typo in a Make variable must not pass silently).
    """
    specs = {**COMMON_PARAMS, **(specs or {})}
    problems = []
    for name, val in params.items():
        spec = specs.get(name)
        if spec is None:
            problems.append(f"unknown parameter {name!r}; known: {', '.join(sorted(specs))}")
            continue
        if spec.type is float and isinstance(val, int) and not isinstance(val, bool):
            val = float(val)
        if not isinstance(val, spec.type) or (spec.type is int and isinstance(val, bool)):
            problems.append(
                f"{name}={val!r}: expected {spec.type.__name__}, got {type(val).__name__}"
            )
            continue
        if spec.choices is not None and val not in spec.choices:
            problems.append(f"{name}={val!r}: not one of {', '.join(map(str, spec.choices))}")
        if spec.min is not None and val < spec.min:
            problems.append(f"{name}={val!r}: below the minimum {spec.min}")
        if spec.max is not None and val > spec.max:
            problems.append(f"{name}={val!r}: above the maximum {spec.max}")
    if "cutoff" in params and isinstance(params["cutoff"], str) and params["cutoff"]:
        try:
            parse_date(params["cutoff"], "cutoff")
        except ParameterError as exc:
            problems.append(str(exc))
    if problems:
        raise ParameterError("invalid parameters:\n  - " + "\n  - ".join(problems))


def parse_date(value: str, name: str) -> pd.Timestamp:
    """Parse an ISO date (``YYYY-MM-DD``) or date and time (``YYYY-MM-DDTHH:MM:SS``, e.g. the
    last second of a day) with an error naming the parameter."""
    try:
        return pd.Timestamp(_dt.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        raise ParameterError(
            f"{name}={value!r}: not an ISO date YYYY-MM-DD (or date and time YYYY-MM-DDTHH:MM:SS)"
        ) from None


def resolve_cutoff(cutoff: str, order_ts: pd.Series) -> pd.Timestamp:
    """The analysis date: ``cutoff`` if given, else midnight after the last order.

    Raises
    ------
    ParameterError
        If ``cutoff`` is not an ISO date or lies outside the data's date range, or there are
        no dated orders at all.
    """
    first, last = order_ts.min(), order_ts.max()
    if pd.isna(first) or pd.isna(last):
        raise ParameterError(
            "cutoff: the data has no dated orders (every line was set aside by cleaning, or no "
            "timestamp could be parsed); see the cleaning ledger of notebook 01"
        )
    if not cutoff:
        return (last + pd.Timedelta(days=1)).normalize()
    ts = parse_date(cutoff, "cutoff")
    if ts <= first or ts > (last + pd.Timedelta(days=1)).normalize():
        raise ParameterError(
            f"cutoff={cutoff!r} lies outside the data ({first:%Y-%m-%d} .. {last:%Y-%m-%d})"
        )
    return ts


def versions_table(packages: tuple[str, ...] = (
    "pandas", "numpy", "scipy", "scikit-learn", "statsmodels", "xgboost", "shap", "lifelines",
    "matplotlib", "seaborn", "papermill", "pyarrow", "duckdb",
)) -> pd.DataFrame:
    """Package versions and the run date, for the last cell of every notebook."""
    rows = [("python", platform.python_version())]
    for p in packages:
        try:
            rows.append((p, _md.version(p)))
        except _md.PackageNotFoundError:
            rows.append((p, "not installed"))
    rows.append(("run date (UTC)", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d")))
    return pd.DataFrame(rows, columns=["package", "version"]).set_index("package")

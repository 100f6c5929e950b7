"""Safe reading and writing of the workbook's tables and result files.

Every write goes to a temporary name in the same folder and is renamed into place, so an
interrupted run never leaves a half-written file that a later run would trust.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)
_UMASK = os.umask(0)
os.umask(_UMASK)


def _atomic_target(path: Path) -> tuple[int, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual permissions
    return fd, Path(tmp)


def _write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """``write(tmp)`` to a temporary file beside ``path``, then rename it to ``path``: a reader
    never sees a half-written file, and an interrupted write leaves none behind."""
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to ``path`` as Parquet atomically (temporary file, then rename).

    The output is byte-identical for identical frames: no pandas index, fixed compression.
    """
    path = _write_atomically(Path(path), lambda tmp: df.to_parquet(
        tmp, index=False, compression="zstd", engine="pyarrow"))
    log.info("wrote %s (%d rows)", path, len(df))
    return path


def write_joblib(obj: Any, path: str | Path) -> Path:
    """Write a Python object (a fitted model) with joblib, atomically."""
    import joblib

    path = _write_atomically(Path(path), lambda tmp: joblib.dump(obj, tmp))
    log.info("wrote %s", path)
    return path


def read_parquet(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet table, with an error that says which step makes it when it is missing."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: run the notebook that writes it first (`make all` runs them in order)"
        )
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=columns, use_pandas_metadata=True)
    return table.replace_schema_metadata(_arrow_text(table.schema.metadata)).to_pandas()


def _arrow_text(metadata: dict[bytes, bytes] | None) -> dict[bytes, bytes] | None:
    """Parquet metadata in which the columns written as pandas ``string`` (Python-backed) read
    back as Arrow-backed ``string``: the same dtype semantics (pd.NA, boolean comparisons), at
    about 40% of the memory and three times the read speed (1M order lines: 99 MB, not 248 MB).
    Object columns stay object."""
    if not metadata or b"pandas" not in metadata:
        return metadata
    meta = json.loads(metadata[b"pandas"])
    for col in meta.get("columns", []):
        if col.get("numpy_type") == "string":  # pandas "string", either storage
            col["numpy_type"] = "string[pyarrow]"
    return {**metadata, b"pandas": json.dumps(meta).encode()}


def write_text(text: str, path: str | Path) -> Path:
    """Write text atomically."""
    path = Path(path)
    fd, tmp = _atomic_target(path)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return path


def write_json(obj: Any, path: str | Path) -> Path:
    """Write JSON atomically, sorted keys, two-space indent, NaN written as null."""
    return write_text(json.dumps(_jsonable(obj), indent=2, sort_keys=True, allow_nan=False) + "\n", path)


def read_json(path: str | Path) -> Any:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found")
    return json.loads(path.read_text(encoding="utf-8"))


def _jsonable(obj: Any) -> Any:
    """Convert numpy / pandas scalars and containers to plain JSON types (NaN/inf -> None)."""
    import math

    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj

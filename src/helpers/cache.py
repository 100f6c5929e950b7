"""Per-cutoff tables shared between notebooks, as Parquet keyed by a hash of their inputs.

Notebook 05 builds the churn and spend data sets at its cutoffs, and fits the churn model at
its training cutoff; notebook 06 needs the same tables at some of the same cutoffs for its
backtests and explanations, and the same fit at its last backtest cutoff. Rather than rebuilding
them from all order lines, both ask a :class:`FrameCache`:

    cache = FrameCache(f"{processed_dir}/cache", inputs=[lines_file, reversed_file, products_file],
                       cutoff=cutoff_ts)
    x, y = cache.xy("churn", lambda: churn.build_dataset(...), cutoff=c, horizon_days=H)
    fit = cache.obj("churn_fit", lambda: churn.fit_model(...), model=..., cutoff=c, ...)

The key is a SHA-256 of: the bytes of every input file, the source code of the ``helpers``
package (any change to the code invalidates every entry), the settings given to the cache and
the arguments of the call. A hit returns exactly the frame that was written (index, column
order and dtypes round-trip through Parquet; the unit tests check it). Files are written
atomically, so an interrupted run leaves no entry a later run would trust. ``make clean``
removes the folder with the rest of ``data/processed``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from helpers import files

log = logging.getLogger(__name__)

_Y_PREFIX = "__y__:"
_INDEX_PREFIX = "__index__:"


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, or ``"absent"`` when there is no such file."""
    path = Path(path)
    if not path.exists():
        return "absent"
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over the ``helpers`` package's Python sources (relative path and bytes)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


class FrameCache:
    """Tables built from ``inputs`` under ``settings``, stored in ``folder`` (see the module)."""

    def __init__(self, folder: str | Path, inputs: list[str | Path], **settings: Any) -> None:
        self.folder = Path(folder)
        self.base = {"inputs": {Path(p).name: file_digest(p) for p in inputs},
                     "code": code_digest(), "settings": settings}
        self.hits = 0
        self.misses = 0

    def key(self, name: str, **args: Any) -> str:
        """The entry's hash: the cache's inputs and settings, ``name`` and ``args``."""
        text = json.dumps({**self.base, "name": name, "args": args}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def path(self, name: str, **args: Any) -> Path:
        return self.folder / f"{name}-{self.key(name, **args)}.parquet"

    def frame(self, name: str, build: Callable[[], pd.DataFrame], **args: Any) -> pd.DataFrame:
        """``build()`` the first time for these inputs and arguments, the stored copy after."""
        path = self.path(name, **args)
        if path.exists():
            self.hits += 1
            log.info("cache hit %s", path.name)
            return _restore(files.read_parquet(path))
        self.misses += 1
        df = build()
        self.folder.mkdir(parents=True, exist_ok=True)
        files.write_parquet(_flatten(df), path)
        return df

    def xy(self, name: str, build: Callable[[], tuple[pd.DataFrame, pd.Series]],
           **args: Any) -> tuple[pd.DataFrame, pd.Series]:
        """:meth:`frame` for a (features, labels) pair on the same index."""
        path = self.path(name, **args)
        if path.exists():
            self.hits += 1
            df = _restore(files.read_parquet(path))
            ycol = next(c for c in df.columns if str(c).startswith(_Y_PREFIX))
            return df.drop(columns=ycol), df[ycol].rename(ycol[len(_Y_PREFIX):] or None)
        self.misses += 1
        x, y = build()
        if not x.index.equals(y.index):
            raise ValueError(f"FrameCache.xy({name!r}): features and labels differ in index")
        self.folder.mkdir(parents=True, exist_ok=True)
        files.write_parquet(_flatten(x.assign(**{f"{_Y_PREFIX}{y.name or ''}": y})), path)
        return x, y

    def obj(self, name: str, build: Callable[[], Any], **args: Any) -> Any:
        """``build()`` the first time for these inputs and arguments, the stored copy after,
        for Python objects such as fitted models (joblib files). The key also holds the
        versions of the libraries a model is made of, so an upgrade refits."""
        path = self.folder / f"{name}-{self.key(name, **args, libraries=library_versions())}.joblib"
        if path.exists():
            self.hits += 1
            log.info("cache hit %s", path.name)
            return joblib.load(path)
        self.misses += 1
        out = build()
        files.write_joblib(out, path)
        return out


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    """Versions of the libraries whose objects :meth:`FrameCache.obj` stores."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for lib in ("numpy", "scipy", "scikit-learn", "xgboost", "joblib"):
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "absent"
    return out


def cached_obj(cache: FrameCache | None, name: str, build: Callable[[], Any], **args: Any) -> Any:
    """``cache.obj(name, build, **args)``, or just ``build()`` without a cache."""
    return build() if cache is None else cache.obj(name, build, **args)


def cached_xy(cache: FrameCache | None, name: str,
              build: Callable[[], tuple[pd.DataFrame, pd.Series]],
              **args: Any) -> tuple[pd.DataFrame, pd.Series]:
    """``cache.xy(name, build, **args)``, or just ``build()`` without a cache."""
    return build() if cache is None else cache.xy(name, build, **args)


def _flatten(df: pd.DataFrame) -> pd.DataFrame:
    """The index as a column named after it (``write_parquet`` stores no index)."""
    if df.index.nlevels != 1:
        raise ValueError("FrameCache: a MultiIndex is not supported")
    name = df.index.name
    out = df.reset_index(names=f"{_INDEX_PREFIX}{'' if name is None else name}")
    return out


def _restore(df: pd.DataFrame) -> pd.DataFrame:
    icol = df.columns[0]
    name = icol[len(_INDEX_PREFIX):] or None
    out = df.set_index(icol)
    out.index.name = name
    return out

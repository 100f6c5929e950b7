"""Array helpers shared by the synthetic tables: group offsets and Arrow-backed string columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _group_starts(group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts per group and the first position of each group in a group-sorted array."""
    counts = np.bincount(group, minlength=n_groups)
    return counts, np.cumsum(counts) - counts


def _strings(values: list[str] | tuple[str, ...] | np.ndarray,
             index: np.ndarray | None = None) -> pd.Series:
    """A ``string`` Series from a dictionary of values and integer codes (-1 = null)."""
    dictionary = pa.array(list(values), type=pa.string())
    if index is None:
        arr = dictionary
    else:
        idx = pa.array(index, mask=index < 0, type=pa.int64())
        arr = pc.take(dictionary, idx)
    return pd.Series(pd.arrays.ArrowStringArray(arr), dtype=pd.StringDtype("pyarrow"))

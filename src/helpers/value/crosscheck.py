"""The data layer's per-customer tables checked against the pandas helpers the notebooks use.

:mod:`helpers.data.datalayer` computes RFM, the BG/NBD summaries and the cohorts in SQL; this
module recomputes them with :mod:`helpers.value.rfm`, :mod:`helpers.value.clv` and
:mod:`helpers.analysis.lifecycle` and reports the largest difference per column. It lives here,
above both, so that the data layer imports nothing from the later stages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis import lifecycle
from helpers.value import clv, rfm


def check_against_helpers(tables: dict[str, pd.DataFrame], lines: pd.DataFrame,
                          cutoff: pd.Timestamp, time_unit: str = "W",
                          calibration_weeks: int = 26) -> pd.DataFrame:
    """Largest absolute difference, column by column, between the engine's tables and the
    pandas helpers the notebooks use (``helpers.value.rfm``, ``helpers.value.clv``, ``helpers.analysis.lifecycle``).

    Tables whose customers (for cohorts: cohorts and active cells) differ are flagged with
    ``same_customers`` False.
    """
    cut = pd.Timestamp(cutoff)
    cal_end = cut - pd.Timedelta(weeks=calibration_weeks)
    ref = {
        "rfm": rfm.rfm_table(lines, cut),
        "bgnbd": clv.summarise_transactions(lines, cut, time_unit),
        "calibration_holdout": clv.calibration_holdout(lines, cal_end, cut, time_unit),
    }
    rows = []
    for name, want in ref.items():
        got = tables[name].set_index("customer_id")
        same = got.index.equals(want.index)
        for col in want.columns:
            a, b = got[col], want[col]
            if pd.api.types.is_datetime64_any_dtype(b):
                diff = float(np.abs((a.to_numpy("datetime64[ns]") - b.to_numpy()) /
                                    np.timedelta64(1, "s")).max()) if same else np.nan
            else:
                diff = float(np.max(np.abs(a.to_numpy(float) - b.to_numpy(float)))) if same else np.nan
            rows.append({"table": name, "column": col, "rows": len(got),
                         "same_customers": same, "max_abs_diff": diff})
    coh = lifecycle.cohort_tables(lines, cut)
    long = tables["cohorts"].pivot(index="cohort", columns="k", values="customers")
    counts = coh["counts"].where(coh["counts"] > 0)
    cols = long.columns.union(counts.columns)
    a = long.reindex(columns=cols).to_numpy(float)
    b = counts.reindex(index=long.index, columns=cols).to_numpy(float)
    # the same cohorts, and the same cells with activity (a lost cell is a mismatch)
    same = long.index.equals(counts.index) and bool((np.isnan(a) == np.isnan(b)).all())
    diff = float(np.nanmax(np.abs(a - b)))
    rows.append({"table": "cohorts", "column": "customers", "rows": len(tables["cohorts"]),
                 "same_customers": same, "max_abs_diff": diff})
    return pd.DataFrame(rows)

"""Market trends: which countries, categories and segments grow or shrink, with a trend test.

Per group the monthly revenue series (complete calendar months only) gets a Mann-Kendall
trend test (implemented here, tie-corrected variance, normal approximation with continuity
correction), Sen's slope (median pairwise slope, GBP per month) and a short projection along
the Sen line. With ~24 months and a strong Q4 peak the test has little power and seasonality
inflates the variance: read "no significant trend" as "not enough evidence", not "flat".
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import stats

log = logging.getLogger(__name__)


def mann_kendall(x: np.ndarray | pd.Series) -> dict[str, float]:
    """Mann-Kendall trend test on a series in time order.

    S = Σ_{i<j} sign(x_j - x_i); Var(S) = [n(n-1)(2n+5) - Σ_t t(t-1)(2t+5)] / 18 (t = tie
    group sizes); z = (S - sign(S)) / sqrt(Var S); two-sided p from the normal; Kendall's
    tau = S / (n(n-1)/2); Sen's slope = median of (x_j - x_i)/(j - i), units of x per step.

    Raises
    ------
    ValueError
        With fewer than 4 values or NaN.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 4:
        raise ValueError(f"mann_kendall: need >= 4 values, got {n}")
    if np.isnan(x).any():
        raise ValueError("mann_kendall: x contains NaN")
    i, j = np.triu_indices(n, k=1)
    d = x[j] - x[i]
    s = float(np.sign(d).sum())
    _, counts = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - np.sum(counts * (counts - 1) * (2 * counts + 5))) / 18
    z = 0.0 if s == 0 or var == 0 else (s - np.sign(s)) / np.sqrt(var)
    p = float(2 * stats.norm.sf(abs(z)))
    return {"s": s, "var_s": float(var), "z": float(z), "p": p,
            "tau": s / (n * (n - 1) / 2), "sen_slope": float(np.median(d / (j - i)))}


def monthly_revenue(lines: pd.DataFrame, group_col: str) -> pd.DataFrame:
    """Revenue (GBP) per complete calendar month (rows) and group (columns), 0 where none.

    The first and last months are dropped when the data start after the 1st / end before the
    month's last day.
    """
    for col in ("order_ts", "revenue_amt", group_col):
        if col not in lines.columns:
            raise ValueError(f"monthly_revenue: lines has no column {col!r}")
    month = lines["order_ts"].dt.to_period("M")
    wide = (
        lines.groupby([month, lines[group_col].astype(str)])["revenue_amt"].sum()
        .unstack(fill_value=0.0).sort_index()
    )
    first, last = lines["order_ts"].min(), lines["order_ts"].max()
    if first.day != 1:
        wide = wide.iloc[1:]
    if last.normalize() < last.to_period("M").end_time.normalize():
        wide = wide.iloc[:-1]
    wide.index.name = "month"
    return wide


def trend_table(
    monthly: pd.DataFrame, alpha: float = 0.05, min_share: float = 0.01, horizon: int = 3
) -> pd.DataFrame:
    """Mann-Kendall test, Sen slope and a ``horizon``-month projection for each group.

    Parameters
    ----------
    monthly
        Months × groups revenue (GBP), from :func:`monthly_revenue`.
    alpha
        Significance level for calling a trend ``growing`` / ``declining``.
    min_share
        Groups with less than this share of total revenue are pooled into ``(other)``.
    horizon
        Months to project along the Sen line (level = median(y_t - slope·t)).

    Returns
    -------
    One row per group: ``revenue_amt``, ``share``, ``tau``, ``p``, ``sen_slope_amt_month``,
    ``slope_pct_of_mean`` (percent of the group's mean month), ``direction``, and
    ``projection_amt`` (sum of the next ``horizon`` months, floored at 0), sorted by slope %.
    """
    if monthly.shape[0] < 4:
        raise ValueError(f"trend_table: need >= 4 months, got {monthly.shape[0]}")
    tot = monthly.sum()
    share = tot / tot.sum()
    small = share[share < min_share].index
    m = monthly.drop(columns=small)
    if len(small):
        m = m.assign(**{"(other)": monthly[small].sum(axis=1)})
    t = np.arange(m.shape[0])
    rows = []
    for g in m.columns:
        y = m[g].to_numpy(float)
        mk = mann_kendall(y)
        level = float(np.median(y - mk["sen_slope"] * t))
        fut = level + mk["sen_slope"] * np.arange(m.shape[0], m.shape[0] + horizon)
        direction = "no trend"
        if mk["p"] < alpha:
            direction = "growing" if mk["s"] > 0 else "declining"
        rows.append({
            "group": g, "revenue_amt": y.sum(), "share": y.sum() / monthly.to_numpy().sum(),
            "tau": mk["tau"], "p": mk["p"], "sen_slope_amt_month": mk["sen_slope"],
            "slope_pct_of_mean": 100 * mk["sen_slope"] / y.mean() if y.mean() > 0 else np.nan,
            "direction": direction, "projection_amt": float(np.maximum(fut, 0).sum()),
        })
    return pd.DataFrame(rows).set_index("group").sort_values("slope_pct_of_mean", ascending=False)


def attach_group(
    lines: pd.DataFrame, mapping: pd.Series, name: str, key: str = "customer_id"
) -> pd.DataFrame:
    """Lines with a ``name`` column looked up from ``mapping`` (index = ``key`` values).

    Lines whose key is missing from the mapping (e.g. guests) are dropped.
    """
    if key not in lines.columns:
        raise ValueError(f"attach_group: lines has no column {key!r}")
    out = lines.assign(**{name: lines[key].map(mapping)})
    return out[out[name].notna()]

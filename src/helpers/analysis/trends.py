"""Market trends: which countries, categories and segments grow or shrink, with a trend test.

Per group the monthly revenue series (complete calendar months only) gets the *seasonal*
Mann-Kendall test (Hirsch, Slack & Smith 1982): each calendar month is compared only with the
same month of other years, so a strong fourth-quarter peak is not mistaken for a trend, and the
per-month statistics are summed (tie-corrected variance, normal approximation with continuity
correction). The slope is the seasonal Sen slope (median of the same-month year-over-year
slopes, money per month). Groups under a minimum share of revenue are pooled as ``(other)`` and
not tested; the p-values of the tested groups of one table are adjusted for testing many groups
at once (Benjamini-Hochberg), and a group is called growing or declining on the adjusted value.
With about two years of data each month gives one comparison: read "no trend" as "not enough
evidence", not "flat".
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


def seasonal_mann_kendall(x: np.ndarray | pd.Series, period: int = 12) -> dict[str, float]:
    """Seasonal Mann-Kendall test on a series in time order with ``period`` seasons.

    Season k holds the values at positions k, k + period, k + 2·period, ...; a season with n_k
    values gives S_k = Σ_{i<j} sign(x_j - x_i) and Var(S_k) (tie-corrected, as in
    :func:`mann_kendall`). S = Σ S_k, Var S = Σ Var S_k; z = (S - sign S) / sqrt(Var S); two-sided
    p from the normal; tau = S / Σ n_k(n_k - 1)/2; Sen's seasonal slope = median over all
    same-season pairs of (x_j - x_i) / (j - i), units of x per step. ``pairs`` is the number of
    same-season comparisons (0: the series is shorter than period + 1; then p is 1).

    Raises
    ------
    ValueError
        With period < 2, NaN, or fewer than 2 values.
    """
    x = np.asarray(x, dtype=float)
    if period < 2:
        raise ValueError(f"seasonal_mann_kendall: period={period} must be >= 2")
    if x.size < 2:
        raise ValueError(f"seasonal_mann_kendall: need >= 2 values, got {x.size}")
    if np.isnan(x).any():
        raise ValueError("seasonal_mann_kendall: x contains NaN")
    s_total, var_total, pairs, slopes = 0.0, 0.0, 0, []
    for k in range(period):
        pos = np.arange(k, x.size, period)
        n = pos.size
        if n < 2:
            continue
        v = x[pos]
        i, j = np.triu_indices(n, k=1)
        d = v[j] - v[i]
        s_total += float(np.sign(d).sum())
        _, counts = np.unique(v, return_counts=True)
        var_total += (n * (n - 1) * (2 * n + 5) - np.sum(counts * (counts - 1) * (2 * counts + 5))) / 18
        pairs += i.size
        slopes.append(d / ((pos[j] - pos[i]).astype(float)))
    z = 0.0 if s_total == 0 or var_total == 0 else (s_total - np.sign(s_total)) / np.sqrt(var_total)
    return {"s": s_total, "var_s": float(var_total), "z": float(z),
            "p": float(2 * stats.norm.sf(abs(z))), "pairs": int(pairs),
            "tau": s_total / pairs if pairs else 0.0,
            "sen_slope": float(np.median(np.concatenate(slopes))) if slopes else 0.0}


def bh_adjust(p: np.ndarray | pd.Series) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) of a family of tests.

    q_(i) = min_{k >= i} p_(k) · m / k over the p-values sorted ascending, capped at 1; NaN
    entries are left out of the family and stay NaN.
    """
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    order = np.argsort(p[ok], kind="stable")
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    q[ok] = out
    return q


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


POOLED = "(other)"
#: directions a group can get; "not tested" for the pooled small groups
DIRECTIONS = ("growing", "declining", "no trend", "not tested")


def trend_table(
    monthly: pd.DataFrame, alpha: float = 0.05, min_share: float = 0.01, horizon: int = 3,
    period: int = 12,
) -> pd.DataFrame:
    """Seasonal Mann-Kendall test, Sen slope and a ``horizon``-month projection per group.

    Parameters
    ----------
    monthly
        Months × groups revenue (data's currency), from :func:`monthly_revenue`.
    alpha
        Level for calling a trend ``growing`` / ``declining``, applied to the
        Benjamini-Hochberg adjusted p-value ``q`` of the tested groups.
    min_share
        Groups with less than this share of total revenue are pooled into ``(other)``, which is
        shown but not tested (direction ``not tested``).
    horizon
        Months to project along the Sen line (level = median(y_t - slope·t)).
    period
        Seasons per year (12 for months): values are compared with the same season only.

    Returns
    -------
    One row per group: ``revenue_amt``, ``share``, ``tau``, ``p``, ``q``, ``pairs`` (same-month
    comparisons), ``sen_slope_amt_month``, ``slope_pct_of_mean`` (percent of the group's mean
    month), ``direction``, and ``projection_amt`` (sum of the next ``horizon`` months, floored
    at 0), sorted by slope %.
    """
    if monthly.shape[0] < period + 1:
        raise ValueError(
            f"trend_table: {monthly.shape[0]} complete months; a seasonal trend test needs at "
            f"least {period + 1} (one month of the year seen twice)")
    tot = monthly.sum()
    share = tot / tot.sum()
    small = share[share < min_share].index
    m = monthly.drop(columns=small)
    if len(small):
        m = m.assign(**{POOLED: monthly[small].sum(axis=1)})
    t = np.arange(m.shape[0])
    rows = []
    for g in m.columns:
        y = m[g].to_numpy(float)
        mk = seasonal_mann_kendall(y, period)
        level = float(np.median(y - mk["sen_slope"] * t))
        fut = level + mk["sen_slope"] * np.arange(m.shape[0], m.shape[0] + horizon)
        rows.append({
            "group": g, "revenue_amt": y.sum(), "share": y.sum() / monthly.to_numpy().sum(),
            "tau": mk["tau"], "p": mk["p"] if g != POOLED else np.nan, "pairs": mk["pairs"],
            "sen_slope_amt_month": mk["sen_slope"],
            "slope_pct_of_mean": 100 * mk["sen_slope"] / y.mean() if y.mean() > 0 else 0.0,
            "s": mk["s"], "projection_amt": float(np.maximum(fut, 0).sum()),
        })
    out = pd.DataFrame(rows).set_index("group")
    out["q"] = bh_adjust(out["p"])
    out["direction"] = np.where(out["q"] < alpha, np.where(out["s"] > 0, "growing", "declining"),
                                "no trend")
    out.loc[out.index == POOLED, "direction"] = "not tested"
    cols = ["revenue_amt", "share", "tau", "p", "q", "pairs", "sen_slope_amt_month",
            "slope_pct_of_mean", "direction", "projection_amt"]
    return out[cols].sort_values("slope_pct_of_mean", ascending=False)


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

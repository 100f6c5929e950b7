"""RFM: recency, frequency and monetary value per customer, quintile scores and named segments.

Definitions at an analysis ``cutoff`` (exclusive: lines with ``order_ts < cutoff``):

* ``recency_days`` = days from the customer's last order day to the cutoff day (1 = bought on
  the last day before the cutoff);
* ``frequency`` = distinct orders (``order_id``);
* ``monetary_amt`` = total kept revenue, GBP.

Scores 1..n (n = best): recent, frequent and high-spending customers score high.

Tie handling (deterministic, no seed): the n equal-size score groups are laid over the rank
positions 1..N of the sorted values (``qcut`` of the positions), and customers who share a value
all get the score of the *lowest* position their value occupies. Equal values therefore always
get equal scores, whatever the row order or seed, and no customer is promoted by a tie; the
price is that score groups are unequal where one value covers more than a fifth of the
customers (on retail data about half have exactly one order: all of them get F = 1, and F = 2
may stay empty). :func:`tie_report` counts customers who share a value with someone given a
different score (zero by construction) and :func:`score_shares` shows how unequal the groups are.

Segments follow the widely used R x F grid (the "RFM segments" of e.g. Putler and the common
Kaggle mapping), extended so all 11 names occur: see :data:`SEGMENT_GRID` and
:func:`segment_mapping_table`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.data.schema import require_columns

log = logging.getLogger(__name__)

SEGMENTS: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential_loyalists",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
)
"""The 11 named segments, from most to least engaged."""

# rows: recency score 5 (most recent) .. 1; columns: frequency score 1 .. 5
SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("new", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    4: ("promising", "potential_loyalists", "potential_loyalists", "loyal", "loyal"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    1: ("lost", "hibernating", "at_risk", "at_risk", "cant_lose"),
}
"""Segment of each (recency score, frequency score) cell of the 5 x 5 grid."""


def rfm_table(lines: pd.DataFrame, cutoff: str | pd.Timestamp) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer at ``cutoff``.

    Parameters
    ----------
    lines
        Canonical ``order_lines`` (``customer_id``, ``order_id``, ``order_ts``,
        ``revenue_amt``); guest lines (null ``customer_id``) are ignored.
    cutoff
        Exclusive analysis date.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): ``recency_days``, ``frequency`` (orders),
        ``monetary_amt``, ``first_order_ts``, ``last_order_ts``, ``tenure_days``.
    """
    require_columns(lines, ("customer_id", "order_id", "order_ts", "revenue_amt"), "rfm_table")
    cut = pd.Timestamp(cutoff)
    keep = lines["customer_id"].notna() & (lines["order_ts"] < cut)
    df = lines.loc[keep, ["customer_id", "order_id", "order_ts", "revenue_amt"]]
    if df.empty:
        raise ValueError(f"rfm_table: no customer lines before the cutoff {cut.date()}")
    g = df.groupby(df["customer_id"].astype("int64"), sort=True)
    out = pd.DataFrame(
        {
            "first_order_ts": g["order_ts"].min(),
            "last_order_ts": g["order_ts"].max(),
            "frequency": g["order_id"].nunique().astype("int64"),
            "monetary_amt": g["revenue_amt"].sum().astype(float),
        }
    )
    cut_day = cut.floor("D")
    out["recency_days"] = (cut_day - out["last_order_ts"].dt.floor("D")).dt.days.astype("int64")
    out["tenure_days"] = (cut_day - out["first_order_ts"].dt.floor("D")).dt.days.astype("int64")
    out.index.name = "customer_id"
    cols = ["recency_days", "frequency", "monetary_amt", "first_order_ts", "last_order_ts"]
    return out[[*cols, "tenure_days"]]


def quantile_score(
    values: pd.Series,
    n_quantiles: int = 5,
    higher_is_better: bool = True,
) -> pd.Series:
    """Score values 1..n: equal-size groups over the rank positions, ties share the lowest score.

    Parameters
    ----------
    values
        The raw measure.
    n_quantiles
        Number of score levels.
    higher_is_better
        False for recency (fewer days is better).

    >>> quantile_score(pd.Series([10, 20, 30, 40, 50]), 5).tolist()
    [1, 2, 3, 4, 5]
    >>> quantile_score(pd.Series([1, 1, 1, 2, 3]), 5).tolist()  # the three 1s share position 1
    [1, 1, 1, 4, 5]
    """
    if n_quantiles < 2:
        raise ValueError(f"quantile_score: n_quantiles={n_quantiles} must be >= 2")
    if values.isna().any():
        raise ValueError(f"quantile_score: column {values.name!r} has null values")
    if len(values) < n_quantiles:
        raise ValueError(
            f"quantile_score: {len(values)} values in {values.name!r} cannot fill "
            f"{n_quantiles} groups"
        )
    v = values.to_numpy(dtype=float)  # float first: negating unsigned ints would wrap around
    v = v if higher_is_better else -v
    by_position = pd.qcut(np.arange(1, len(v) + 1), n_quantiles, labels=False).astype("int64") + 1
    lowest = pd.Series(v).rank(method="min").to_numpy(dtype=np.int64)  # 1-based lowest position
    return pd.Series(by_position[lowest - 1], index=values.index, name=values.name)


def rfm_scores(rfm: pd.DataFrame, n_quantiles: int = 5) -> pd.DataFrame:
    """Add ``r_score``, ``f_score``, ``m_score`` (1..n, n best), ``rfm_cell`` and ``fm_score``.

    ``rfm_cell`` is the three digits as text (``"545"``); ``fm_score`` the mean of F and M.
    Ties share the lowest score their value reaches (see :func:`quantile_score`).
    """
    require_columns(rfm, ("recency_days", "frequency", "monetary_amt"), "rfm_scores")
    out = rfm.copy()
    out["r_score"] = quantile_score(rfm["recency_days"], n_quantiles, False)
    out["f_score"] = quantile_score(rfm["frequency"], n_quantiles, True)
    out["m_score"] = quantile_score(rfm["monetary_amt"], n_quantiles, True)
    out["rfm_cell"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    out["fm_score"] = (out["f_score"] + out["m_score"]) / 2
    return out


def score_shares(scores: pd.DataFrame) -> pd.DataFrame:
    """Share of customers at each score level (rows 1..n) of R, F and M (columns)."""
    require_columns(scores, ("r_score", "f_score", "m_score"), "score_shares")
    out = pd.DataFrame({c: scores[c].value_counts(normalize=True)
                        for c in ("r_score", "f_score", "m_score")})
    levels = range(1, int(scores[["r_score", "f_score", "m_score"]].to_numpy().max()) + 1)
    out = out.reindex(levels).fillna(0.0)
    out.index.name = "score"
    return out


def tie_report(rfm: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """How many customers share a raw value with someone given a different score, per measure."""
    rows = []
    for raw, sc in (
        ("recency_days", "r_score"),
        ("frequency", "f_score"),
        ("monetary_amt", "m_score"),
    ):
        n_scores = scores.groupby(rfm[raw])[sc].transform("nunique")
        rows.append((raw, int((n_scores > 1).sum()), float((n_scores > 1).mean())))
    return pd.DataFrame(rows, columns=["measure", "customers_split", "share_split"]).set_index(
        "measure"
    )


def segment_mapping_table() -> pd.DataFrame:
    """The R x F grid as a table: rows recency score 5..1, columns frequency score 1..5."""
    t = pd.DataFrame.from_dict(SEGMENT_GRID, orient="index", columns=[1, 2, 3, 4, 5])
    t.index.name = "r_score"
    t.columns.name = "f_score"
    return t.sort_index(ascending=False)


def assign_segments(scores: pd.DataFrame) -> pd.Series:
    """Segment name per customer from ``r_score`` and ``f_score`` (5-level scores only)."""
    require_columns(scores, ("r_score", "f_score"), "assign_segments")
    r, f = scores["r_score"], scores["f_score"]
    if not (r.between(1, 5).all() and f.between(1, 5).all()):
        raise ValueError("assign_segments: r_score and f_score must be 1..5 (n_quantiles=5)")
    grid = np.array([SEGMENT_GRID[s] for s in (1, 2, 3, 4, 5)], dtype=object)
    seg = grid[r.to_numpy() - 1, f.to_numpy() - 1]
    return pd.Series(
        pd.Categorical(seg, categories=list(SEGMENTS)), index=scores.index, name="segment"
    )


def segment_summary(rfm: pd.DataFrame, segment: pd.Series) -> pd.DataFrame:
    """Size, shares and typical R, F, M per segment (all 11 rows, empty ones with 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by segment: ``n_customers``, ``share_customers``, ``revenue_amt``,
        ``share_revenue``, ``median_recency_days``, ``median_frequency``, ``median_monetary_amt``.
    """
    require_columns(rfm, ("recency_days", "frequency", "monetary_amt"), "segment_summary")
    if not segment.index.equals(rfm.index):
        raise ValueError("segment_summary: segment index does not match the rfm index")
    out = group_profile(rfm, segment, order=SEGMENTS)
    out.index.name = "segment"
    return out


def group_profile(
    rfm: pd.DataFrame, groups: pd.Series, order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Size, shares and median R, F, M per group (RFM segment or k-means cluster).

    Parameters
    ----------
    rfm
        Output of :func:`rfm_table` (``recency_days``, ``frequency``, ``monetary_amt``).
    groups
        Group label per customer, aligned with ``rfm``; empty categories of a categorical
        are kept.
    order
        If given, the rows in this order; a label not listed is an error (it would silently
        drop customers), listed groups without customers get 0 customers and 0 (null medians).

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``n_customers``, ``share_customers``, ``revenue_amt``,
        ``share_revenue``, ``median_recency_days``, ``median_frequency``, ``median_monetary_amt``.
    """
    require_columns(rfm, ("recency_days", "frequency", "monetary_amt"), "group_profile")
    if order is not None:
        unknown = sorted(set(groups.dropna().astype(str)) - {str(o) for o in order})
        if unknown:
            raise ValueError(f"group_profile: labels {unknown} are not among the groups "
                             f"{list(order)}; fix the labels (a typo would drop customers)")
    g = rfm.groupby(groups, observed=False)
    out = pd.DataFrame(
        {
            "n_customers": g.size(),
            "revenue_amt": g["monetary_amt"].sum(),
            "median_recency_days": g["recency_days"].median(),
            "median_frequency": g["frequency"].median(),
            "median_monetary_amt": g["monetary_amt"].median(),
        }
    )
    if order is not None:
        out = out.reindex(list(order))
        out["n_customers"] = out["n_customers"].fillna(0).astype("int64")
        out["revenue_amt"] = out["revenue_amt"].fillna(0.0)
    out.insert(1, "share_customers", out["n_customers"] / out["n_customers"].sum())
    out.insert(3, "share_revenue", out["revenue_amt"] / out["revenue_amt"].sum())
    return out


def rf_grid_counts(scores: pd.DataFrame) -> pd.DataFrame:
    """Customers per (r_score, f_score) cell: rows R n..1, columns F 1..n."""
    require_columns(scores, ("r_score", "f_score"), "rf_grid_counts")
    t = pd.crosstab(scores["r_score"], scores["f_score"])
    return t.sort_index(ascending=False)


def segments_at(lines: pd.DataFrame, cutoff: str | pd.Timestamp, n_quantiles: int = 5) -> pd.Series:
    """RFM segment of each customer at ``cutoff``: :func:`rfm_table` -> :func:`rfm_scores`
    -> :func:`assign_segments` (deterministic: no seed)."""
    return assign_segments(rfm_scores(rfm_table(lines, cutoff), n_quantiles))

"""Customer segments: k-means on RFM, value tiers from CLV, a playbook and the CRM export.

* **Clustering**: k-means on log1p-transformed, standardised recency / frequency / monetary
  (RFM is heavily right-skewed; without the log a handful of wholesalers form their own
  clusters). k is chosen by the mean silhouette over several seeds among the k whose solutions
  are stable across seeds (mean pairwise adjusted Rand index >= ``min_stability``).
  Clusters are renumbered 1..k from the most to the least valuable (mean of standardised
  frequency + monetary - recency), so labels do not depend on the seed.
* **Value tiers** (:func:`value_tiers`): one-time buyers (RFM frequency <= 1) are
  ``potential`` while their order lies within the repurchase window (the time within which
  90 % of second orders come, :func:`repurchase_window`) and ``lost`` after it (BG/NBD gives
  every one-time buyer P(alive) = 1, so it cannot say this itself); repeat buyers by predicted
  CLV: ``high`` = top ``high_share`` (default 20 %), ``medium`` = the next ``medium_share``
  (30 %), ``low`` = the rest.
* **Playbook** (:func:`playbook_table`): one action per tier (:data:`TIER_ACTIONS`, read from
  :data:`helpers.value.actions.PLAYBOOK`) and per segment, combined for every tier x segment
  cell that has customers.
* **Export** (:func:`export_customer_value`): Parquet in ``data/processed/<dataset>/`` with the
  surrogate ``customer_id`` (internal) and a CSV for a CRM with the keyed pseudonym only.
"""

from __future__ import annotations

import logging
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, pairwise_distances, silhouette_score
from sklearn.utils import check_random_state

from helpers import files
from helpers.data import privacy
from helpers.data.schema import require_columns
from helpers.value.actions import TIER_ACTIONS
from helpers.value.clv import find_clv_column, find_purchases_column
from helpers.value.rfm import group_profile

log = logging.getLogger(__name__)

TIERS: tuple[str, ...] = ("high", "medium", "low", "potential", "lost")

WINDOW_QUANTILE: float = 0.9
"""Share of second orders the repurchase window covers (:func:`repurchase_window`)."""

SEGMENT_ACTIONS: dict[str, str] = {
    "champions": "reward, ask for reviews and referrals",
    "loyal": "upsell higher-value lines, loyalty programme",
    "potential_loyalists": "membership offer, personalised recommendations",
    "new": "welcome series, make the second order easy",
    "promising": "brand story, free-shipping threshold",
    "need_attention": "limited-time offer based on past purchases",
    "about_to_sleep": "reconnect with popular products, small discount",
    "at_risk": "personal win-back message, ask what went wrong",
    "cant_lose": "call them: win back before a competitor does",
    "hibernating": "seasonal reminder, otherwise leave alone",
    "lost": "one last win-back; then stop spending",
}
"""What to do with each RFM segment (see :mod:`helpers.value.rfm`)."""

EXPORT_COLUMNS: tuple[str, ...] = (
    "customer_key",
    "segment",
    "cluster",
    "tier",
    "r_score",
    "f_score",
    "m_score",
    "p_alive",
)
"""Columns of the CRM export before the model outputs named after their horizon
(``expected_purchases_52w``, ``clv_12m``: :func:`helpers.value.clv.purchases_column`)."""


# --------------------------------------------------------------------------------------------
# clustering
# --------------------------------------------------------------------------------------------
def cluster_features(rfm: pd.DataFrame) -> pd.DataFrame:
    """log1p then z-score of ``recency_days``, ``frequency`` and ``monetary_amt``."""
    cols = ["recency_days", "frequency", "monetary_amt"]
    require_columns(rfm, cols, "cluster_features")
    if (rfm[cols] < 0).to_numpy().any():
        raise ValueError("cluster_features: negative recency, frequency or monetary values")
    x = np.log1p(rfm[cols].astype(float))
    sd = x.std(ddof=0).replace(0.0, 1.0)
    return (x - x.mean()) / sd


def _kmeans(x: np.ndarray, k: int, seed: int) -> KMeans:
    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)


SILHOUETTE_PRECOMPUTE_MAX = 10_000
"""Largest silhouette sample whose distance matrix is computed once and shared by every k."""


def choose_k(
    features: pd.DataFrame,
    k_min: int = 2,
    k_max: int = 8,
    seed: int = 42,
    n_seeds: int = 4,
    min_stability: float = 0.8,
    silhouette_sample: int = 4000,
) -> tuple[int, pd.DataFrame]:
    """Silhouette and seed stability for k = k_min..k_max; return the chosen k and the table.

    Parameters
    ----------
    features
        Output of :func:`cluster_features`.
    k_min, k_max
        Range of k tried (inclusive).
    seed
        Base seed; run i uses ``seed + i``.
    n_seeds
        Runs per k; stability is the mean adjusted Rand index over all pairs of runs.
    min_stability
        Smallest stability for a k to be eligible; if none is, the most stable k is used.
    silhouette_sample
        Customers sampled (with ``seed``) for the silhouette, which is O(n²).

    Returns
    -------
    (int, pandas.DataFrame)
        The chosen k, and per k: ``silhouette`` (mean over runs), ``stability_ari``,
        ``inertia`` (first run), ``eligible``, ``chosen``.
    """
    if not 2 <= k_min <= k_max:
        raise ValueError(f"choose_k: need 2 <= k_min <= k_max, got {k_min}, {k_max}")
    if n_seeds < 2:
        raise ValueError("choose_k: n_seeds must be >= 2 to measure stability")
    x = features.to_numpy(dtype=float)
    if len(x) <= k_max:
        raise ValueError(f"choose_k: {len(x)} customers are too few for k_max={k_max}")
    # silhouette_score(x, labels, sample_size=..., random_state=seed) draws the same customers
    # for every k and run, so their distances are computed once (28 times before, the O(n²)
    # part) and each run scores its labels on them: sklearn's own sample and formula
    # (up to SILHOUETTE_PRECOMPUTE_MAX customers: 10,000 make an 800 MB matrix)
    idx = check_random_state(seed).permutation(len(x))[: min(silhouette_sample, len(x))]
    if len(idx) <= SILHOUETTE_PRECOMPUTE_MAX:
        dist = pairwise_distances(x[idx])
        def silhouette(labels: np.ndarray) -> float:
            return silhouette_score(dist, labels[idx], metric="precomputed")
    else:
        def silhouette(labels: np.ndarray) -> float:
            return silhouette_score(x, labels, sample_size=len(idx), random_state=seed)
    rows = []
    for k in range(k_min, k_max + 1):
        fits = [_kmeans(x, k, seed + i) for i in range(n_seeds)]
        sil = [silhouette(f.labels_) for f in fits]
        ari = [adjusted_rand_score(a.labels_, b.labels_) for a, b in combinations(fits, 2)]
        rows.append((k, float(np.mean(sil)), float(np.mean(ari)), float(fits[0].inertia_)))
    t = pd.DataFrame(rows, columns=["k", "silhouette", "stability_ari", "inertia"]).set_index("k")
    t["eligible"] = t["stability_ari"] >= min_stability
    pool = (
        t[t["eligible"]]
        if t["eligible"].any()
        else t[t["stability_ari"] == t["stability_ari"].max()]
    )
    k_best = int(pool["silhouette"].idxmax())
    t["chosen"] = t.index == k_best
    log.info("choose_k: k=%d (silhouette %.3f)", k_best, t.loc[k_best, "silhouette"])
    return k_best, t


def fit_clusters(features: pd.DataFrame, k: int, seed: int = 42) -> pd.Series:
    """k-means labels 1..k, numbered from the most to the least valuable cluster."""
    if k < 2 or k >= len(features):
        raise ValueError(f"fit_clusters: k={k} must be in 2..{len(features) - 1}")
    km = _kmeans(features.to_numpy(dtype=float), k, seed)
    c = pd.DataFrame(km.cluster_centers_, columns=features.columns)
    value = c["frequency"] + c["monetary_amt"] - c["recency_days"]
    order = value.sort_values(ascending=False).index.to_numpy()
    relabel = np.empty(k, dtype=np.int64)
    relabel[order] = np.arange(1, k + 1)
    return pd.Series(relabel[km.labels_], index=features.index, name="cluster")


def describe_clusters(rfm: pd.DataFrame, cluster: pd.Series) -> pd.DataFrame:
    """Size, revenue share and median R, F, M per cluster (:func:`rfm.group_profile`)."""
    return group_profile(rfm, cluster)


def crosstab_segments(segment: pd.Series, cluster: pd.Series) -> pd.DataFrame:
    """Customers per RFM segment (rows) and cluster (columns), with the adjusted Rand index.

    The ARI between the two partitions is stored in ``.attrs["adjusted_rand"]``.
    """
    if not segment.index.equals(cluster.index):
        raise ValueError("crosstab_segments: segment and cluster indexes differ")
    t = pd.crosstab(segment, cluster)
    t.attrs["adjusted_rand"] = float(adjusted_rand_score(segment.astype(str), cluster))
    return t


def value_separation(value: pd.Series, groups: pd.Series) -> float:
    """Share of the variance of ``log(1 + value)`` that lies between the groups (eta squared).

    0 = the groups have the same mean, 1 = each group holds one value. The log keeps a handful
    of very large customers from deciding the comparison.
    """
    if not value.index.equals(groups.index):
        raise ValueError("value_separation: value and groups indexes differ")
    if (value < 0).any():
        raise ValueError("value_separation: value must be >= 0 (money per customer)")
    y = np.log1p(value.to_numpy(dtype=float))
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    g = pd.Series(y, index=value.index).groupby(groups.astype(str).to_numpy())
    between = float((g.size() * (g.mean() - y.mean()) ** 2).sum())
    return between / total


def segment_cluster_agreement(scores: pd.DataFrame, segment: pd.Series, cluster: pd.Series,
                              value: pd.Series) -> dict[str, float | int]:
    """How far RFM segments and k-means clusters agree, measured where the comparison is fair.

    The adjusted Rand index of 11 segments against k clusters is low by construction, so the
    clusters are also compared with k RFM groups of the total score R + F + M (equal-size groups
    over the rank positions, ties sharing the lowest, as in :func:`helpers.value.rfm.quantile_score`),
    and all three partitions by how much of customer value they separate
    (:func:`value_separation`).

    Returns ``ari_segments_vs_clusters``, ``k``, ``ari_rfm_k_groups_vs_clusters``,
    ``separation_segments``, ``separation_clusters``, ``separation_rfm_k_groups``.
    """
    for c in ("r_score", "f_score", "m_score"):
        if c not in scores.columns:
            raise ValueError(f"segment_cluster_agreement: scores has no column {c!r}")
    if not (segment.index.equals(cluster.index) and scores.index.equals(cluster.index)):
        raise ValueError("segment_cluster_agreement: scores, segment and cluster indexes differ")
    k = int(cluster.nunique())
    total = (scores["r_score"] + scores["f_score"] + scores["m_score"]).astype(float)
    by_position = pd.qcut(np.arange(1, len(total) + 1), k, labels=False) + 1
    groups_k = pd.Series(by_position[total.rank(method="min").to_numpy(dtype=np.int64) - 1],
                         index=total.index)
    return {
        "ari_segments_vs_clusters": float(adjusted_rand_score(segment.astype(str), cluster)),
        "k": k,
        "ari_rfm_k_groups_vs_clusters": float(adjusted_rand_score(groups_k, cluster)),
        "separation_segments": value_separation(value, segment),
        "separation_clusters": value_separation(value, cluster),
        "separation_rfm_k_groups": value_separation(value, groups_k),
    }


# --------------------------------------------------------------------------------------------
# tiers and playbook
# --------------------------------------------------------------------------------------------
def second_order_gaps(lines: pd.DataFrame, cutoff: str | pd.Timestamp) -> pd.Series:
    """Days from each repeat customer's first order to their second, orders before ``cutoff``.

    Needs ``customer_id``, ``order_id`` and ``order_ts``; guest lines (no customer) are
    ignored. Returns a float Series indexed by customer (customers with one order are absent).

    Examples
    --------
    Orders on 1 Jan, 11 Jan and 1 Mar give a gap of 10 days; a one-order customer, none.
    """
    require_columns(lines, ("customer_id", "order_id", "order_ts"), "second_order_gaps")
    end = pd.Timestamp(cutoff)
    c = lines.loc[lines["customer_id"].notna() & (lines["order_ts"] < end)]
    orders = c.groupby(["customer_id", "order_id"], observed=True)["order_ts"].min()
    ts = orders.reset_index().sort_values(["customer_id", "order_ts", "order_id"])
    nth = ts.groupby("customer_id").cumcount()
    first = ts[nth == 0].set_index("customer_id")["order_ts"]
    second = ts[nth == 1].set_index("customer_id")["order_ts"]
    gap = (second - first.reindex(second.index)).dt.total_seconds() / 86400.0
    return gap.rename("days_to_second_order")


def repurchase_window(gaps: pd.Series, quantile: float = 0.9, min_gaps: int = 20) -> float | None:
    """Days within which ``quantile`` of second orders come: the repurchase window.

    Returns None (no window: nobody can be called lapsed) when fewer than ``min_gaps`` repeat
    customers are observed. Second orders that fall after the cutoff are not seen, so on a
    short history the window is an underestimate.
    """
    if not 0 < quantile < 1:
        raise ValueError(f"repurchase_window: quantile must be in (0, 1), got {quantile}")
    g = pd.Series(gaps, dtype=float).dropna()
    if (g < 0).any():
        raise ValueError("repurchase_window: a gap is negative")
    if len(g) < min_gaps:
        return None
    return float(np.quantile(g.to_numpy(), quantile))


def value_tiers(
    clv: pd.Series,
    frequency: pd.Series,
    high_share: float = 0.2,
    medium_share: float = 0.3,
    recency_days: pd.Series | None = None,
    window_days: float | None = None,
) -> pd.Series:
    """Tier per customer: lost or potential (one order), else high/medium/low by CLV rank.

    Parameters
    ----------
    clv
        Predicted CLV (data currency, any horizon), indexed by customer.
    frequency
        RFM frequency (orders) with the same index.
    high_share, medium_share
        Shares of the repeat buyers put in ``high`` and ``medium`` (by CLV rank, ties broken
        by order); the rest is ``low``.
    recency_days, window_days
        Days since the last order (same index) and the repurchase window
        (:func:`repurchase_window`): a one-time buyer whose order is more than
        ``window_days`` old is ``lost``, the others ``potential``. Without them (or with
        ``window_days`` None) every one-time buyer is ``potential``.

    Examples
    --------
    With a 60-day window, one-time buyers 10 and 200 days ago are potential and lost.
    """
    if not clv.index.equals(frequency.index):
        raise ValueError("value_tiers: clv and frequency indexes differ")
    if clv.isna().any():
        raise ValueError("value_tiers: clv has null values")
    if not (0 < high_share and 0 <= medium_share and high_share + medium_share <= 1):
        raise ValueError("value_tiers: shares must be positive and sum to at most 1")
    tier = pd.Series("potential", index=clv.index, dtype=object)
    rep = frequency > 1
    if rep.any():
        pct = clv[rep].rank(method="first", ascending=False) / int(rep.sum())
        tier[rep] = np.where(
            pct <= high_share, "high", np.where(pct <= high_share + medium_share, "medium", "low")
        )
    if recency_days is not None and window_days is not None:
        if not recency_days.index.equals(clv.index):
            raise ValueError("value_tiers: recency_days and clv indexes differ")
        if recency_days.isna().any() or not window_days >= 0:
            raise ValueError("value_tiers: recency_days has nulls or window_days is negative")
        tier[~rep & (recency_days > window_days)] = "lost"
    return pd.Series(pd.Categorical(tier, categories=list(TIERS)), index=clv.index, name="tier")


def recalibration_factor(actual: ArrayLike, predicted: ArrayLike, n_boot: int = 1000,
                         seed: int = 42, level: float = 0.95) -> tuple[float, float, float] | None:
    """Σ actual / Σ predicted for a group, with a bootstrap interval (customers resampled).

    Used to check a model on a subgroup in a holdout (e.g. lapsed one-time buyers' repeat
    purchases): a factor whose interval excludes 1 says the model is off for that group.
    Returns None when the group is empty or nothing was predicted.

    Examples
    --------
    Actual (0, 1, 0, 1), predicted (0.5, 0.5, 0.5, 0.5): factor 2 / 2 = 1.
    """
    y, p = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if y.shape != p.shape:
        raise ValueError(f"recalibration_factor: {y.shape} actual vs {p.shape} predicted")
    if len(y) == 0 or p.sum() <= 0:
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), size=(n_boot, len(y)))
    ps = p[idx].sum(axis=1)
    ratios = y[idx].sum(axis=1)[ps > 0] / ps[ps > 0]
    tail = (1 - level) / 2
    lo, hi = np.quantile(ratios, [tail, 1 - tail])
    return float(y.sum() / p.sum()), float(lo), float(hi)


def tier_change(before: pd.Series, after: pd.Series, clv: pd.Series,
                clv_after: pd.Series | None = None) -> pd.DataFrame:
    """Customers and CLV per tier under two tierings (e.g. without and with ``lost``).

    Returns one row per tier of :data:`TIERS` with ``customers_before``, ``customers_after``,
    ``clv_before_amt``, ``clv_after_amt`` and the two differences. ``clv_after`` (default:
    ``clv``, regrouped) is the CLV after any change that came with the new tiers.
    """
    clv_after = clv if clv_after is None else clv_after
    for name, s in (("before", before), ("after", after), ("clv_after", clv_after)):
        if not s.index.equals(clv.index):
            raise ValueError(f"tier_change: {name} and clv indexes differ")
    out = pd.DataFrame(index=pd.Index(list(TIERS), name="tier"))
    for name, s, v in (("before", before, clv), ("after", after, clv_after)):
        t = s.astype(str)
        out[f"customers_{name}"] = t.value_counts().reindex(out.index, fill_value=0)
        out[f"clv_{name}_amt"] = v.groupby(t).sum().reindex(out.index, fill_value=0.0)
    out["customers_change"] = out["customers_after"] - out["customers_before"]
    out["clv_change_amt"] = out["clv_after_amt"] - out["clv_before_amt"]
    return out[["customers_before", "customers_after", "clv_before_amt", "clv_after_amt",
                "customers_change", "clv_change_amt"]]


def playbook_table(values: pd.DataFrame) -> pd.DataFrame:
    """Action per tier x segment cell with customers, their count and predicted CLV.

    ``values`` needs ``tier``, ``segment`` and a CLV column (``clv_12m`` or the like: the output
    column is named after it, ``clv_12m_amt``).
    """
    require_columns(values, ("tier", "segment"), "playbook_table")
    clv_col = find_clv_column(values)
    g = values.groupby(["tier", "segment"], observed=True)
    t = pd.DataFrame({"n_customers": g.size(), f"{clv_col}_amt": g[clv_col].sum()}).reset_index()
    t = t[t["n_customers"] > 0]
    t["action"] = [
        f"{TIER_ACTIONS[str(tr)]}; {SEGMENT_ACTIONS[str(sg)]}"
        for tr, sg in zip(t["tier"], t["segment"], strict=True)
    ]
    return t.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------------
def customer_value_table(
    scores: pd.DataFrame,
    segment: pd.Series,
    cluster: pd.Series,
    tier: pd.Series,
    model: pd.DataFrame,
    key: bytes,
) -> pd.DataFrame:
    """One row per customer: ids, RFM scores, segment, cluster, tier and model outputs.

    ``model`` holds ``p_alive``, expected purchases and CLV over the horizon (e.g.
    ``expected_purchases_52w`` and ``clv_12m``, names kept), optionally the probability of no
    purchase over the horizon (``p_no_purchase_52w``), indexed by customer_id. Every
    index must match ``scores``'s (each customer exactly once).
    """
    for name, obj in (
        ("segment", segment),
        ("cluster", cluster),
        ("tier", tier),
        ("model", model),
    ):
        if not obj.index.equals(scores.index):
            raise ValueError(f"customer_value_table: {name} index differs from the scores index")
    if scores.index.duplicated().any():
        raise ValueError("customer_value_table: duplicate customer_id in scores")
    require_columns(model, ("p_alive",), "customer_value_table(model)")
    ep_col, clv_col = find_purchases_column(model), find_clv_column(model)
    ids = pd.Series(scores.index.to_numpy(), index=scores.index)
    out = pd.DataFrame(
        {
            "customer_id": ids.astype("int64"),
            "customer_key": privacy.pseudonymise(ids, key),
            "r_score": scores["r_score"],
            "f_score": scores["f_score"],
            "m_score": scores["m_score"],
            "rfm_cell": scores["rfm_cell"],
            "segment": segment.astype(str),
            "cluster": cluster.astype("int64"),
            "tier": tier.astype(str),
            "p_alive": model["p_alive"].astype(float),
            ep_col: model[ep_col].astype(float),
            clv_col: model[clv_col].astype(float),
        }
    )
    for col in model.columns:  # P(no purchase over the horizon), e.g. p_no_purchase_52w
        if col.startswith("p_no_purchase_"):
            out[col] = model[col].astype(float)
    return out.reset_index(drop=True)


def export_customer_value(
    table: pd.DataFrame, processed_dir: str | Path, reports_dir: str | Path,
    currency: str | None = None,
) -> tuple[Path, Path]:
    """Write ``customer_value.parquet`` (internal) and ``exports/customer_value.csv`` (CRM).

    The CSV carries :data:`EXPORT_COLUMNS` and the two model outputs only: the pseudonymised
    key, never customer_id; with ``currency`` (an ISO code) a last column says in which
    currency the CLV is, so the CRM does not have to guess.
    """
    require_columns(table, EXPORT_COLUMNS, "export_customer_value")
    ep_col, clv_col = find_purchases_column(table), find_clv_column(table)
    pq = files.write_parquet(table, Path(processed_dir) / "customer_value.parquet")
    csv = table.loc[:, [*EXPORT_COLUMNS, ep_col, clv_col]].round(
        {"p_alive": 4, ep_col: 4, clv_col: 2}
    )
    if currency is not None:
        csv["currency"] = str(currency).upper()
    path = Path(reports_dir) / "exports" / "customer_value.csv"
    files.write_text(csv.to_csv(index=False), path)
    log.info("exported %d customers to %s", len(csv), path)
    return pq, path

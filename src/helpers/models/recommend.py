"""Cross-sell recommendations: item-kNN, EASE, recency weighting, replenishment, baselines.

Item-kNN (the classic Amazon "customers who bought this also bought"): let ``X`` be the
order × product 0/1 matrix (a product counts once per order). The similarity of products i
and j is the cosine of their columns, ``s_ij = c_ij / sqrt(n_i n_j)`` with ``c_ij`` the number
of orders holding both and ``n_i`` the orders holding i (``s_ii = 0``). A customer's score for
product j is ``Σ_i h_i s_ij`` over the products i the customer has bought, and the
recommendation is the top ``k`` products by score that the customer has **not** bought.

Stronger candidates: EASE (Steck 2019, :func:`ease_weights`: a closed-form linear item-item
model on the customer × product matrix), recency-weighted histories (:func:`recency_matrix`:
an order ``half_life_days`` old weighs one half), popularity over a recent window or decayed
(:func:`item_popularity`), blends of a model score with a popularity prior
(:func:`recommend_scored`), and replenishment for the "any product" task (recency-weighted own
purchases plus a model score). :func:`candidate_recs` runs named candidates on one split.

Baselines: *popularity* (the ``k`` products in most orders that the customer has not bought),
*recent popularity* (the same over the last window) and *repeat* (the customer's own ``k``
most-bought products: it only re-recommends, so it can hit only in the "any product" task).

Evaluation (:func:`evaluate`, :func:`compare`) on what each customer bought after the cutoff:
hit rate@k (at least one recommended product bought), precision@k (hits / k), recall@k (hits /
products bought), catalogue coverage (distinct products recommended / products), novelty (mean
``−log2`` share of orders holding a recommended product, bits), and paired bootstrap
differences of hit rate between methods (:func:`paired_difference`). Ties in every ranking go
to the lower item index; nothing here is random except the bootstrap (seeded).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import linalg, sparse

from helpers.data.schema import require_columns
from helpers.models import metrics

log = logging.getLogger(__name__)


def item_similarity(lines: pd.DataFrame, min_orders: int = 1) -> tuple[sparse.csr_matrix, pd.Index, pd.Series]:
    """Cosine item-item similarity over orders for products in at least ``min_orders`` orders.

    Returns (similarity matrix, product ids in its row/column order, orders per product).
    """
    require_columns(lines, ("order_id", "product_id"), "item_similarity")
    if min_orders < 1:
        raise ValueError(f"item_similarity: min_orders={min_orders} must be >= 1")
    pairs = lines[["order_id", "product_id"]].drop_duplicates()
    n_orders = pairs["product_id"].value_counts()
    items = pd.Index(sorted(n_orders[n_orders >= min_orders].index))
    if len(items) < 2:
        raise ValueError(f"item_similarity: fewer than 2 products with >= {min_orders} orders")
    pairs = pairs[pairs["product_id"].isin(items)]
    o_codes, _ = pd.factorize(pairs["order_id"])
    x = sparse.csr_matrix((np.ones(len(pairs), dtype=np.float32),
                           (o_codes, items.get_indexer(pairs["product_id"]))),
                          shape=(o_codes.max() + 1, len(items)))
    co = (x.T @ x).tocsr()
    n = np.asarray(co.diagonal(), dtype=np.float64)
    co.setdiag(0)
    co.eliminate_zeros()
    inv = sparse.diags(1.0 / np.sqrt(n))
    sim = (inv @ co @ inv).astype(np.float32).tocsr()
    return sim, items, n_orders.reindex(items).astype(int)


def purchase_matrix(lines: pd.DataFrame, customers: pd.Index, items: pd.Index) -> sparse.csr_matrix:
    """Customer × product matrix of the number of orders in which the customer bought the
    product (rows in ``customers`` order, columns in ``items`` order; other products ignored)."""
    require_columns(lines, ("customer_id", "order_id", "product_id"), "purchase_matrix")
    c = lines[lines["customer_id"].notna() & lines["product_id"].isin(items)]
    c = c[["customer_id", "order_id", "product_id"]].drop_duplicates()
    rows = customers.get_indexer(c["customer_id"].astype("int64"))
    keep = rows >= 0
    m = sparse.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32),
                           (rows[keep], items.get_indexer(c["product_id"][keep]))),
                          shape=(len(customers), len(items)))
    m.sum_duplicates()
    return m


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores per row, best first (ties by lower index)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.lexsort((part, -np.take_along_axis(scores, part, axis=1)), axis=1)
    return np.take_along_axis(part, order, axis=1)


def recommend_item_knn(bought: sparse.csr_matrix, sim: sparse.csr_matrix, k: int,
                       batch: int = 2000) -> np.ndarray:
    """Top-``k`` item indices per customer by summed cosine similarity, excluding bought items
    (customers × k array; -1 where fewer than k products have a positive score)."""
    if k < 1:
        raise ValueError(f"recommend_item_knn: k={k} must be >= 1")
    if bought.shape[1] != sim.shape[0]:
        raise ValueError("recommend_item_knn: bought and sim have different product axes")
    b = (bought > 0).astype(np.float32).tocsr()
    out = []
    for s in range(0, b.shape[0], batch):
        blk = b[s: s + batch]
        sc = np.asarray((blk @ sim).todense(), dtype=np.float64)
        sc[blk.nonzero()] = -np.inf
        sc[sc <= 0] = -np.inf
        top = _top_k(sc, k)
        top[np.take_along_axis(sc, top, axis=1) == -np.inf] = -1
        out.append(top)
    return np.vstack(out)


def recommend_popular(bought: sparse.csr_matrix, popularity: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` most popular items each customer has not bought (customers × k)."""
    if len(popularity) != bought.shape[1]:
        raise ValueError("recommend_popular: popularity length differs from the product axis")
    if k < 1:
        raise ValueError(f"recommend_popular: k={k} must be >= 1")
    p = np.asarray(popularity, dtype=np.float64)
    b = sparse.csr_matrix(bought)
    out = []
    for s in range(0, b.shape[0], 1000):
        sc = np.tile(p, (min(1000, b.shape[0] - s), 1))
        sc[b[s: s + 1000].nonzero()] = -np.inf
        top = _top_k(sc, k)
        top[np.take_along_axis(sc, top, axis=1) == -np.inf] = -1
        out.append(top)
    return np.vstack(out) if out else np.empty((0, min(k, len(p))), dtype=np.int64)


def recommend_repeat(bought: sparse.csr_matrix, k: int) -> np.ndarray:
    """Each customer's own ``k`` most-bought items (ties by lower index; -1 to pad)."""
    b = bought.tocsr()
    out = np.full((b.shape[0], k), -1, dtype=np.int64)
    for r in range(b.shape[0]):
        idx, val = b.indices[b.indptr[r]: b.indptr[r + 1]], b.data[b.indptr[r]: b.indptr[r + 1]]
        o = np.lexsort((idx, -val))[:k]
        out[r, : len(o)] = idx[o]
    return out


def evaluate(recs: np.ndarray, truth: list[set[int]], n_items: int) -> tuple[pd.DataFrame, float]:
    """Per-customer hit, precision@k and recall@k, and the catalogue coverage.

    ``truth[r]`` is the set of item indices customer r bought after the cutoff (non-empty).
    """
    if recs.shape[0] != len(truth):
        raise ValueError("evaluate: recs and truth have different numbers of customers")
    if any(len(t) == 0 for t in truth):
        raise ValueError("evaluate: every customer needs at least one purchase to evaluate")
    k = recs.shape[1]
    hits = np.array([len({int(i) for i in row if i >= 0} & t) for row, t in zip(recs, truth, strict=True)])
    n_true = np.array([len(t) for t in truth])
    per = pd.DataFrame({"hit": (hits > 0).astype(float), "precision": hits / k,
                        "recall": hits / n_true})
    coverage = len(np.unique(recs[recs >= 0])) / n_items
    return per, float(coverage)


def recommend_hybrid(bought: sparse.csr_matrix, sim: sparse.csr_matrix, popularity: np.ndarray,
                     k: int, beta: float, batch: int = 2000) -> np.ndarray:
    """Item-kNN blended with popularity: ``score_j = knn_j / max_j knn_j + beta · pop_j / max pop``.

    The kNN scores are scaled per customer to [0, 1] so ``beta`` has the same meaning for
    everyone: at ``beta = 0`` this is :func:`recommend_item_knn` (but fills all k slots), large
    ``beta`` tends to :func:`recommend_popular`. Bought items are excluded.
    """
    if k < 1 or beta < 0:
        raise ValueError(f"recommend_hybrid: need k >= 1 and beta >= 0 (got {k}, {beta})")
    p = np.asarray(popularity, dtype=np.float64)
    if len(p) != sim.shape[0] or bought.shape[1] != sim.shape[0]:
        raise ValueError("recommend_hybrid: bought, sim and popularity have different product axes")
    prior = beta * p / max(p.max(), 1e-12)
    b = (bought > 0).astype(np.float32).tocsr()
    out = []
    for s in range(0, b.shape[0], batch):
        blk = b[s: s + batch]
        sc = np.asarray((blk @ sim).todense(), dtype=np.float64)
        sc = sc / np.maximum(sc.max(axis=1, keepdims=True), 1e-12) + prior
        sc[blk.nonzero()] = -np.inf
        out.append(_top_k(sc, k))
    return np.vstack(out)


def fit_past(lines: pd.DataFrame, cut: pd.Timestamp, min_orders: int = 5,
             customers: pd.Index | None = None, similarity: bool = True) -> dict[str, object]:
    """What every recommender needs from the lines before ``cut``.

    Returns ``sim`` (cosine item-kNN similarity, or None when ``similarity`` is False),
    ``items`` (products in at least ``min_orders`` orders), ``n_orders``, ``customers``
    (given, or everyone with a purchase before ``cut``) and ``bought`` (customer × item order
    counts): the input of :func:`candidate_recs`.
    """
    require_columns(lines, ("order_ts", "customer_id", "order_id", "product_id"), "fit_past")
    past = lines[lines["order_ts"] < pd.Timestamp(cut)]
    if similarity:
        sim, items, n_orders = item_similarity(past, min_orders)
    else:
        if min_orders < 1:
            raise ValueError(f"fit_past: min_orders={min_orders} must be >= 1")
        n = past[["order_id", "product_id"]].drop_duplicates()["product_id"].value_counts()
        items = pd.Index(sorted(n[n >= min_orders].index))
        if len(items) < 2:
            raise ValueError(f"fit_past: fewer than 2 products with >= {min_orders} orders")
        sim, n_orders = None, n.reindex(items).astype(int)
    if customers is None:
        customers = pd.Index(np.sort(past["customer_id"].dropna().astype("int64").unique()))
    return {"sim": sim, "items": items, "n_orders": n_orders, "customers": customers,
            "bought": purchase_matrix(past, customers, items)}


def out_of_time_split(lines: pd.DataFrame, cut: pd.Timestamp, days: int,
                      min_orders: int = 5) -> dict[str, object]:
    """Fit on lines before ``cut``, test on ``[cut, cut + days)``.

    Returns a dict with ``sim``, ``items``, ``n_orders`` (fitted on the past), ``customers``
    (bought before and during the test window), ``bought`` (customer × item matrix, past),
    ``truth_any`` / ``truth_new`` (per customer, item indices bought in the window / of those,
    the ones not bought before).
    """
    require_columns(
        lines, ("order_ts", "customer_id", "order_id", "product_id"), "out_of_time_split"
    )
    cut = pd.Timestamp(cut)
    past = lines[lines["order_ts"] < cut]
    win = lines[(lines["order_ts"] >= cut) & (lines["order_ts"] < cut + pd.Timedelta(days=days))]
    if past.empty or win.empty:
        raise ValueError(f"out_of_time_split: no lines before or after {cut:%Y-%m-%d}")
    cust = pd.Index(np.intersect1d(past["customer_id"].dropna().astype("int64").unique(),
                                   win["customer_id"].dropna().astype("int64").unique()))
    fit = fit_past(past, cut, min_orders, cust)
    sim, items, n_orders, bought = fit["sim"], fit["items"], fit["n_orders"], fit["bought"]
    after = purchase_matrix(win, cust, items).tocsr()
    b = bought.tocsr()
    truth_any = [set(after.indices[after.indptr[r]: after.indptr[r + 1]]) for r in range(len(cust))]
    had = [set(b.indices[b.indptr[r]: b.indptr[r + 1]]) for r in range(len(cust))]
    return {"sim": sim, "items": items, "n_orders": n_orders, "customers": cust, "bought": bought,
            "truth_any": truth_any, "truth_new": [t - h for t, h in zip(truth_any, had, strict=True)]}


# ---------------------------------------------------------------------------------------------
# Stronger candidates (EASE, recency weighting, replenishment) and their comparison
# ---------------------------------------------------------------------------------------------

EASE_MAX_ITEMS = 6000
"""Largest item set :func:`ease_weights` accepts (its dense inverse grows as items², items³)."""


def _check_before(lines: pd.DataFrame, cut: pd.Timestamp, where: str) -> None:
    late = lines["order_ts"] >= cut
    if late.any():
        raise ValueError(
            f"{where}: order_ts has {int(late.sum())} lines on or after the cutoff "
            f"{cut:%Y-%m-%d} (first at row {int(np.argmax(late.to_numpy()))}); pass the past only"
        )


def _decay(ages_days: np.ndarray, half_life_days: float | None) -> np.ndarray:
    if half_life_days is None:
        return np.ones(len(ages_days))
    return np.power(0.5, ages_days / float(half_life_days))


def recency_matrix(lines: pd.DataFrame, customers: pd.Index, items: pd.Index, cut: pd.Timestamp,
                   half_life_days: float | None) -> sparse.csr_matrix:
    """Customer × product matrix of recency-weighted order counts.

    Each order in which the customer bought the product adds ``0.5 ** (age / half_life_days)``
    with ``age`` the days (fractional) from the order to ``cut``: an order ``half_life_days``
    old weighs one half, one twice that old one quarter. ``half_life_days=None`` weighs every
    order 1 (then this is :func:`purchase_matrix`).

    Parameters
    ----------
    lines
        Order lines with ``customer_id``, ``order_id``, ``product_id``, ``order_ts``, all before
        ``cut``.
    customers, items
        Row and column order; other customers and products are ignored.
    cut
        The cutoff the ages are measured to (timestamp).
    half_life_days
        Half-life of a purchase's weight, days (> 0), or None for no decay.
    """
    require_columns(lines, ("customer_id", "order_id", "product_id", "order_ts"), "recency_matrix")
    if half_life_days is not None and not half_life_days > 0:
        raise ValueError(f"recency_matrix: half_life_days={half_life_days} must be > 0 or None")
    cut = pd.Timestamp(cut)
    _check_before(lines, cut, "recency_matrix")
    c = lines[lines["customer_id"].notna() & lines["product_id"].isin(items)]
    c = c.drop_duplicates(["customer_id", "order_id", "product_id"])
    rows = customers.get_indexer(c["customer_id"].astype("int64"))
    keep = rows >= 0
    age = ((cut - c["order_ts"]).dt.total_seconds().to_numpy() / 86400.0)[keep]
    m = sparse.csr_matrix((_decay(age, half_life_days),
                           (rows[keep], items.get_indexer(c["product_id"][keep]))),
                          shape=(len(customers), len(items)))
    m.sum_duplicates()
    return m


def item_popularity(lines: pd.DataFrame, items: pd.Index, cut: pd.Timestamp | None = None,
                    window_days: int | None = None,
                    half_life_days: float | None = None) -> np.ndarray:
    """Orders holding each product (in ``items`` order), optionally recent or decayed.

    ``window_days`` keeps orders in ``[cut - window_days, cut)`` ("recent popularity");
    ``half_life_days`` weighs each order ``0.5 ** (age / half_life_days)`` (age in days to
    ``cut``). Both need ``cut``; with neither, this is the all-time order count.
    """
    require_columns(lines, ("order_id", "product_id", "order_ts"), "item_popularity")
    if (window_days is not None or half_life_days is not None) and cut is None:
        raise ValueError("item_popularity: window_days or half_life_days needs cut")
    if window_days is not None and window_days < 1:
        raise ValueError(f"item_popularity: window_days={window_days} must be >= 1")
    if half_life_days is not None and not half_life_days > 0:
        raise ValueError(f"item_popularity: half_life_days={half_life_days} must be > 0")
    o = lines[["order_id", "product_id", "order_ts"]].drop_duplicates(["order_id", "product_id"])
    if cut is not None:
        cut = pd.Timestamp(cut)
        _check_before(o, cut, "item_popularity")
        if window_days is not None:
            o = o[o["order_ts"] >= cut - pd.Timedelta(days=window_days)]
        age = (cut - o["order_ts"]).dt.total_seconds().to_numpy() / 86400.0
        w = _decay(age, half_life_days)
    else:
        w = np.ones(len(o))
    s = pd.Series(w, index=o["product_id"].to_numpy()).groupby(level=0).sum()
    return s.reindex(items, fill_value=0.0).to_numpy(dtype=np.float64)


def ease_weights(x: sparse.spmatrix | np.ndarray, lam: float) -> np.ndarray:
    """EASE item-item weights (Steck 2019), closed form, float64.

    ``P = (XᵀX + λI)⁻¹`` and ``B = I − P · diagMat(1 / diag(P))``, i.e.
    ``B_ij = −P_ij / P_jj`` off the diagonal and ``B_jj = 0``. A customer's score for product
    ``j`` is ``(x_u B)_j``. ``X`` is users (or orders) × items; its columns should be restricted
    beforehand (e.g. to the most-ordered products) since the inverse is dense, items × items.

    Parameters
    ----------
    x
        Rows × items interaction matrix (0/1 or weights), at least 2 items and at most
        :data:`EASE_MAX_ITEMS`.
    lam
        L2 penalty λ (> 0), in units of co-occurrence counts.
    """
    if not lam > 0:
        raise ValueError(f"ease_weights: lam={lam} must be > 0")
    if x.ndim != 2 or not 2 <= x.shape[1] <= EASE_MAX_ITEMS:
        raise ValueError(f"ease_weights: x must be 2-D with 2..{EASE_MAX_ITEMS} item columns, "
                         f"got shape {x.shape}")
    xs = sparse.csr_matrix(x, dtype=np.float64)
    g = np.asarray((xs.T @ xs).todense(), dtype=np.float64)
    g[np.diag_indices_from(g)] += lam
    c, info = linalg.lapack.dpotrf(g, lower=0)
    if info != 0:
        raise ValueError(f"ease_weights: XᵀX + λI is not positive definite (LAPACK info {info})")
    p, info = linalg.lapack.dpotri(c, lower=0)
    p = np.triu(p) + np.triu(p, 1).T  # dpotri fills the upper triangle only
    b = -p / np.diag(p)[None, :]
    b[np.diag_indices_from(b)] = 0.0
    return b


def _row_scale(sc: np.ndarray) -> np.ndarray:
    """Scores divided by each row's largest absolute *finite* score (rows of zeros stay zero).

    ``-inf`` (an item ruled out, as :func:`candidate_recs` marks non-positive kNN scores) stays
    ``-inf``: scaling by an infinite maximum would turn every score into 0 and ``-inf`` into NaN.
    """
    finite = np.where(np.isfinite(sc), np.abs(sc), 0.0)
    return sc / np.maximum(finite.max(axis=1, keepdims=True), 1e-12)


def recommend_scored(history: sparse.spmatrix, weights: sparse.spmatrix | np.ndarray, k: int,
                     exclude: sparse.spmatrix | None = None, prior: np.ndarray | None = None,
                     beta: float = 0.0, repeat: sparse.spmatrix | None = None,
                     alpha: float = 1.0, columns: np.ndarray | None = None,
                     batch: int = 1000) -> np.ndarray:
    """Top-``k`` items per customer by a scaled model score, a popularity prior and repeats.

    ``score = alpha · s / max|s| + beta · prior / max prior + r / max r`` per customer, with
    ``s = history @ weights`` (item-kNN: ``weights`` = cosine similarity; EASE: ``B``),
    ``r`` the customer's row of ``repeat`` (e.g. a :func:`recency_matrix`; omitted: 0). Items
    in ``exclude`` (> 0) are never recommended; ties go to the lower item index; -1 pads rows
    where fewer than ``k`` items are allowed.

    Parameters
    ----------
    history
        Customers × items (weights of what each bought; recency-weighted or counts).
    weights
        Items × items (sparse or dense).
    k
        Recommendations per customer (>= 1).
    exclude
        Customers × items; items > 0 are excluded (cross-sell: what the customer bought).
    prior, beta
        Popularity per item (>= 0) and its weight (>= 0).
    repeat, alpha
        Customers × items repeat propensity and the weight of the model score (>= 0).
    columns
        When ``weights`` covers a subset of the items (e.g. EASE on the most-ordered ones):
        their item indices, in ``weights``' order; the other items get model score 0.
    """
    if k < 1 or beta < 0 or alpha < 0:
        raise ValueError(f"recommend_scored: need k >= 1, beta >= 0, alpha >= 0 "
                         f"(got {k}, {beta}, {alpha})")
    n = history.shape[1]
    cols = np.arange(n) if columns is None else np.asarray(columns, dtype=np.int64)
    if weights.shape != (len(cols), len(cols)) or (len(cols) and cols.max() >= n):
        raise ValueError("recommend_scored: history and weights have different product axes")
    for name, mat in (("exclude", exclude), ("repeat", repeat)):
        if mat is not None and mat.shape != history.shape:
            raise ValueError(f"recommend_scored: {name} has shape {mat.shape}, "
                             f"history {history.shape}")
    pr = np.zeros(n)
    if prior is not None:
        pr = np.asarray(prior, dtype=np.float64)
        if len(pr) != n or (pr < 0).any():
            raise ValueError("recommend_scored: prior must be >= 0 with one value per product")
        pr = beta * pr / max(pr.max(), 1e-12)
    return _rank(model_scores(history, weights, columns, batch), k, exclude, pr, repeat, alpha,
                 batch)


def model_scores(history: sparse.spmatrix, weights: sparse.spmatrix | np.ndarray,
                 columns: np.ndarray | None = None, batch: int = 1000) -> np.ndarray:
    """Dense customers × items ``history @ weights`` (``columns``: see :func:`recommend_scored`)."""
    n = history.shape[1]
    m = n if columns is None else len(columns)
    if weights.shape != (m, m):
        raise ValueError(f"model_scores: weights has shape {weights.shape}, need ({m}, {m}) "
                         "for the history's products (or the given columns)")
    h = sparse.csr_matrix(history, dtype=np.float64)
    w = weights.toarray() if sparse.issparse(weights) else np.asarray(weights)
    out = np.zeros((h.shape[0], n), dtype=np.float64)
    for s in range(0, h.shape[0], batch):
        blk = h[s: s + batch]
        if columns is None:
            out[s: s + batch] = blk @ w
        else:
            out[s: s + batch, columns] = blk[:, columns] @ w
    return out


def _rank(model: np.ndarray, k: int, exclude: sparse.spmatrix | None, prior: np.ndarray,
          repeat: sparse.spmatrix | None, alpha: float, batch: int = 1000) -> np.ndarray:
    """Top-k of ``alpha · scaled model + prior (already weighted) + scaled repeat``."""
    ex = None if exclude is None else sparse.csr_matrix(exclude)
    rp = None if repeat is None else sparse.csr_matrix(repeat, dtype=np.float64)
    out = []
    for s in range(0, model.shape[0], batch):
        sc = alpha * _row_scale(model[s: s + batch]) + prior
        if rp is not None:
            sc += _row_scale(rp[s: s + batch].toarray())
        if ex is not None:
            sc[ex[s: s + batch].nonzero()] = -np.inf
        top = _top_k(sc, k)
        top[np.take_along_axis(sc, top, axis=1) == -np.inf] = -1
        out.append(top)
    return np.vstack(out) if out else np.empty((0, min(k, model.shape[1])), dtype=np.int64)


def paired_difference(hit_a: np.ndarray, hit_b: np.ndarray, n_boot: int = 1000, seed: int = 0,
                      level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``hit_a − hit_b`` over the same customers with a paired bootstrap interval.

    Customers are resampled with their pair of outcomes, so what both methods get right or
    wrong together cancels. Returns (difference, low, high) in the units of the inputs
    (hit rate: a share; × 100 for points).
    """
    a, b = np.asarray(hit_a, dtype=float), np.asarray(hit_b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired_difference: hit_a and hit_b must be 1-D of one length "
                         f"(got {a.shape}, {b.shape})")
    return metrics.bootstrap_ci(a - b, np.mean, n_boot=n_boot, seed=seed, level=level)


def novelty(recs: np.ndarray, share: np.ndarray) -> float:
    """Mean self-information of the recommended items, ``−log2 share_i``, bits.

    ``share[i]`` is the share of (past) orders holding item ``i`` (in (0, 1]); -1 entries of
    ``recs`` (padding) are ignored. A best-seller in every second order carries 1 bit.
    """
    sh = np.asarray(share, dtype=np.float64)
    r = np.asarray(recs)
    r = r[r >= 0]
    if r.size == 0:
        raise ValueError("novelty: recs holds no recommendation")
    if r.max() >= len(sh):
        raise ValueError("novelty: recs refers to items beyond share")
    p = sh[r]
    if (p <= 0).any() or (p > 1).any():
        raise ValueError("novelty: share must be in (0, 1] for every recommended item")
    return float(np.mean(-np.log2(p)))


def catalogue_coverage(recs: np.ndarray, n_items: int) -> float:
    """Distinct items recommended (ignoring -1) / ``n_items``."""
    if n_items < 1:
        raise ValueError(f"catalogue_coverage: n_items={n_items} must be >= 1")
    r = np.asarray(recs)
    return float(len(np.unique(r[r >= 0])) / n_items)


def segment_differences(diff: np.ndarray, segments: pd.Series | np.ndarray, min_customers: int,
                        n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per-segment mean of a per-customer difference with a bootstrap interval.

    Segments with fewer than ``min_customers`` customers (or a missing segment) are left out.
    Returns a frame indexed by segment with ``customers``, ``difference``, ``lo``, ``hi`` and
    ``excludes_zero``, sorted by difference (largest first).
    """
    d = np.asarray(diff, dtype=float)
    s = pd.Series(np.asarray(segments, dtype=object))
    if len(d) != len(s):
        raise ValueError("segment_differences: diff and segments have different lengths")
    if min_customers < 2:
        raise ValueError(f"segment_differences: min_customers={min_customers} must be >= 2")
    rows = {}
    for seg in sorted(s.dropna().unique()):
        v = d[(s == seg).to_numpy()]
        if len(v) >= min_customers:
            pt, lo, hi = metrics.bootstrap_ci(v, np.mean, n_boot=n_boot, seed=seed)
            rows[seg] = {"customers": len(v), "difference": pt, "lo": lo, "hi": hi,
                         "excludes_zero": bool(lo > 0 or hi < 0)}
    out = pd.DataFrame(rows).T
    if out.empty:
        return pd.DataFrame(columns=["customers", "difference", "lo", "hi", "excludes_zero"])
    out = out.astype({"customers": int, "difference": float, "lo": float, "hi": float,
                      "excludes_zero": bool})
    return out.sort_values("difference", ascending=False, kind="stable")


METHODS: tuple[str, ...] = ("popularity", "recent_popularity", "decayed_popularity", "repeat",
                            "item_knn", "hybrid", "knn_recency", "ease", "replenish")
"""Methods :func:`candidate_recs` knows (see there for their parameters)."""


def ease_columns(n_orders: np.ndarray, max_items: int) -> np.ndarray:
    """Indices of the ``max_items`` most-ordered items (ties: lower index), ascending."""
    if max_items < 2:
        raise ValueError(f"ease_columns: max_items={max_items} must be >= 2")
    n = np.asarray(n_orders, dtype=float)
    order = np.lexsort((np.arange(len(n)), -n))[:max_items]
    return np.sort(order)


def candidate_recs(lines: pd.DataFrame, split: dict[str, object], cut: pd.Timestamp,
                   specs: dict[str, dict], k: int, rows: np.ndarray | None = None,
                   window_days: int = 90, ease_max_items: int = 1500) -> dict[str, np.ndarray]:
    """Recommendations of several methods on one out-of-time split (shared fits are cached).

    Parameters
    ----------
    lines
        Order lines (``customer_id``, ``order_id``, ``product_id``, ``order_ts``); only those
        before ``cut`` are used.
    split
        :func:`out_of_time_split` fitted at ``cut``.
    cut
        The split's cutoff.
    specs
        ``{name: {"method": m, ...parameters}}`` with ``m`` in :data:`METHODS`:
        ``popularity`` (all-time), ``recent_popularity`` (orders in the ``window_days``
        before ``cut``), ``decayed_popularity`` (``half_life_days``), ``repeat``,
        ``item_knn``, ``hybrid`` (``beta``, all-time prior), ``knn_recency``
        (``half_life_days``, ``beta``, ``prior``), ``ease`` (``lam``, ``half_life_days``,
        ``beta``, ``prior``), ``replenish`` (``half_life_days`` of the repeat part, ``alpha``
        the weight of the model part over the plain history, ``lam``: EASE, or None: cosine
        kNN; bought items stay eligible). ``prior`` is ``"recent"`` (default)
        or ``"all_time"``; ``half_life_days`` None means no decay.
    k
        Recommendations per customer.
    rows
        Boolean mask or indices of the split's customers to score (default all).
    window_days
        Days of "recent" popularity.
    ease_max_items
        EASE is fitted on this many most-ordered items (all past customers × items, 0/1).

    Returns
    -------
    ``{name: customers × k item indices}`` (-1 pads), for the selected rows.
    """
    require_columns(lines, ("customer_id", "order_id", "product_id", "order_ts"), "candidate_recs")
    cut = pd.Timestamp(cut)
    past = lines[lines["order_ts"] < cut]
    items, cust = split["items"], split["customers"]
    sel = np.arange(len(cust)) if rows is None else np.arange(len(cust))[np.asarray(rows)]
    bought = sparse.csr_matrix(split["bought"])[sel]
    binary = (bought > 0).astype(np.float64)
    n_orders = np.asarray(split["n_orders"], dtype=float)
    cache: dict[tuple, object] = {}

    def pop(kind: str, hl: float | None = None) -> np.ndarray:
        key = ("pop", kind, hl)
        if key not in cache:
            cache[key] = (n_orders if kind == "all_time" else
                          item_popularity(past, items, cut, window_days=window_days)
                          if kind == "recent" else item_popularity(past, items, cut,
                                                                   half_life_days=hl))
        return cache[key]

    def hist(hl: float | None) -> sparse.csr_matrix:
        key = ("hist", hl)
        if key not in cache:
            cache[key] = (binary if hl is None else
                          recency_matrix(past, cust[sel], items, cut, hl))
        return cache[key]

    def ease(lam: float) -> tuple[np.ndarray, np.ndarray]:
        key = ("ease", lam)
        if key not in cache:
            cols = ease_columns(n_orders, ease_max_items)
            if "ease_x" not in cache:
                allc = pd.Index(np.sort(past["customer_id"].dropna().astype("int64").unique()))
                cache["ease_x"] = (purchase_matrix(past, allc, items[cols]) > 0).astype(np.float64)
            cache[key] = (ease_weights(cache["ease_x"], lam), cols)
        return cache[key]

    def dense_sim() -> np.ndarray:
        if "sim" not in cache:
            cache["sim"] = split["sim"].toarray().astype(np.float64)
        return cache["sim"]

    def raw_key(sp: dict) -> tuple:
        m = sp["method"]
        if m in ("item_knn", "hybrid"):
            return ("knn", None)
        if m == "replenish":  # the model part reads the plain history; the decay is in repeats
            return ("knn", None) if sp.get("lam") is None else ("ease", sp["lam"], None)
        if m == "knn_recency":
            return ("knn", sp.get("half_life_days"))
        if m == "ease":
            return ("ease", sp["lam"], sp.get("half_life_days"))
        return ("none",)

    for name, sp in specs.items():
        if sp.get("method") not in METHODS:
            raise ValueError(f"candidate_recs: {name}: method {sp.get('method')!r} is not one "
                             f"of {METHODS}")
    out: dict[str, np.ndarray] = {}
    raw: tuple = (None, None)
    for name in sorted(specs, key=lambda nm: str(raw_key(specs[nm]))):  # one score matrix at a time
        sp = specs[name]
        m, hl, rk = sp["method"], sp.get("half_life_days"), raw_key(sp)
        if rk[0] != "none" and raw[0] != rk:
            if rk[0] == "knn":
                raw = (rk, model_scores(hist(rk[1]), dense_sim()))
            else:
                b, cols = ease(rk[1])
                raw = (rk, model_scores(hist(rk[2]), b, cols))
        if m == "popularity":
            out[name] = recommend_popular(bought, n_orders, k)
        elif m == "recent_popularity":
            out[name] = recommend_popular(bought, pop("recent"), k)
        elif m == "decayed_popularity":
            out[name] = recommend_popular(bought, pop("decayed", hl), k)
        elif m == "repeat":
            out[name] = recommend_repeat(bought, k)
        elif m == "item_knn":
            sc = np.where(raw[1] > 0, raw[1], -np.inf)
            out[name] = _rank(sc, k, bought, np.zeros(len(items)), None, 1.0)
        else:
            p = n_orders if m == "hybrid" else pop(sp.get("prior", "recent"))
            pr = sp.get("beta", 0.0) * p / max(p.max(), 1e-12)
            if m == "replenish":
                rep = hist(hl) if hl is not None else bought
                out[name] = _rank(raw[1], k, None, pr, rep, sp.get("alpha", 0.0))
            else:
                out[name] = _rank(raw[1], k, bought, pr, None, 1.0)
    return {name: out[name] for name in specs}


def compare(recs: dict[str, np.ndarray], truth: list[set[int]], share: np.ndarray,
            baselines: tuple[str, ...] = (), n_boot: int = 1000,
            seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hit rate@k with intervals, precision, recall, coverage, novelty and paired differences.

    Parameters
    ----------
    recs
        ``{name: customers × k}`` on the same customers as ``truth`` (each non-empty).
    truth
        Item indices each customer bought in the window.
    share
        Share of past orders holding each item (for :func:`novelty`, bits).
    baselines
        Names in ``recs``; for each, ``minus_<b>`` with ``_lo``/``_hi``: paired bootstrap
        difference of hit rate (share, not points) of every method minus ``b``.

    Returns
    -------
    (table indexed by method, per-customer 0/1 hits: one column per method).
    """
    miss = [b for b in baselines if b not in recs]
    if miss:
        raise ValueError(f"compare: baselines {miss} are not among the methods {list(recs)}")
    n_items = len(share)
    hits, rows = {}, {}
    for name, rc in recs.items():
        per, _ = evaluate(rc, truth, n_items)
        hits[name] = per["hit"].to_numpy()
        v, lo, hi = metrics.bootstrap_ci(hits[name], np.mean, n_boot=n_boot, seed=seed)
        rows[name] = {"hit": v, "hit_lo": lo, "hit_hi": hi, "precision": per["precision"].mean(),
                      "recall": per["recall"].mean(),
                      "coverage": catalogue_coverage(rc, n_items),
                      "novelty_bits": novelty(rc, share) if (rc >= 0).any() else float("nan")}
    for b in baselines:
        for name in recs:
            d = paired_difference(hits[name], hits[b], n_boot=n_boot, seed=seed)
            rows[name].update({f"minus_{b}": d[0], f"minus_{b}_lo": d[1], f"minus_{b}_hi": d[2]})
    return pd.DataFrame(rows).T.astype(float), pd.DataFrame(hits)

"""Cross-sell recommendations: item-to-item cosine similarity over orders, with baselines.

Model (item-kNN, the classic Amazon "customers who bought this also bought"): let ``X`` be the
order × product 0/1 matrix (a product counts once per order). The similarity of products i
and j is the cosine of their columns, ``s_ij = c_ij / sqrt(n_i n_j)`` with ``c_ij`` the number
of orders holding both and ``n_i`` the orders holding i (``s_ii = 0``). A customer's score for
product j is ``Σ_i h_i s_ij`` over the products i the customer has bought (``h_i`` = 1), and
the recommendation is the top ``k`` products by score that the customer has **not** bought.

Baselines: *popularity* (the ``k`` products in most orders that the customer has not bought)
and *repeat* (the customer's own ``k`` most-bought products: by construction it only
re-recommends, so it can hit only in the "any product" evaluation).

Evaluation (:func:`evaluate`) on what each customer bought after the fitting cutoff:
hit rate@k (at least one recommended product bought), precision@k (hits / k), recall@k
(hits / products bought), and catalogue coverage (distinct products recommended / products).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import sparse

from helpers.data.schema import require_columns

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
    order = np.argsort(-np.asarray(popularity, dtype=float), kind="stable")
    head = order[: k + int(bought.getnnz(axis=1).max(initial=0))]
    b = bought.tocsr()
    out = np.full((b.shape[0], k), -1, dtype=np.int64)
    for r in range(b.shape[0]):
        have = set(b.indices[b.indptr[r]: b.indptr[r + 1]])
        picks = [i for i in head if i not in have][:k]
        out[r, : len(picks)] = picks
    return out


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
    sim, items, n_orders = item_similarity(past, min_orders)
    cust = pd.Index(np.intersect1d(past["customer_id"].dropna().astype("int64").unique(),
                                   win["customer_id"].dropna().astype("int64").unique()))
    bought = purchase_matrix(past, cust, items)
    after = purchase_matrix(win, cust, items).tocsr()
    b = bought.tocsr()
    truth_any = [set(after.indices[after.indptr[r]: after.indptr[r + 1]]) for r in range(len(cust))]
    had = [set(b.indices[b.indptr[r]: b.indptr[r + 1]]) for r in range(len(cust))]
    return {"sim": sim, "items": items, "n_orders": n_orders, "customers": cust, "bought": bought,
            "truth_any": truth_any, "truth_new": [t - h for t, h in zip(truth_any, had, strict=True)]}

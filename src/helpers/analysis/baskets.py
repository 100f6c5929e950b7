"""Basket analysis: pairwise association rules A → B over orders (invoices).

For ``n`` baskets (orders), products A and B:

- ``support(A)`` = share of baskets holding A; ``support(A, B)`` = share holding both;
- ``confidence(A → B)`` = support(A, B) / support(A);
- ``lift(A → B)`` = confidence(A → B) / support(B) (1 = independent, > 1 = bought together).

Only products with ``support >= min_support`` enter (the Apriori pruning: a pair cannot be
more frequent than either of its items), and the co-occurrence counts come from one sparse
product ``Xᵀ X`` of the basket × product incidence matrix. Non-product codes (postage, fees)
are already removed from ``order_lines`` by cleaning.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import sparse

log = logging.getLogger(__name__)


def basket_matrix(lines: pd.DataFrame, min_support: float) -> tuple[sparse.csr_matrix, pd.Index, int]:
    """Basket × frequent-product 0/1 matrix, the product ids, and the number of baskets."""
    for c in ("order_id", "product_id"):
        if c not in lines.columns:
            raise ValueError(f"basket_matrix: missing column {c!r}")
    if not 0 < min_support <= 1:
        raise ValueError(f"basket_matrix: min_support={min_support} must be in (0, 1]")
    pairs = lines[["order_id", "product_id"]].drop_duplicates()
    if pairs.empty:
        raise ValueError("basket_matrix: no lines")
    b_codes, baskets = pd.factorize(pairs["order_id"])
    n = len(baskets)
    sup = pairs["product_id"].value_counts() / n
    frequent = pd.Index(sup[sup >= min_support].index)
    sel = pairs["product_id"].isin(frequent).to_numpy()
    p_codes = frequent.get_indexer(pairs["product_id"][sel])
    x = sparse.csr_matrix((np.ones(sel.sum(), dtype=np.float32), (b_codes[sel], p_codes)),
                          shape=(n, len(frequent)))
    return x, frequent, n


def association_rules(
    lines: pd.DataFrame,
    min_support: float = 0.01,
    min_confidence: float = 0.2,
    min_lift: float = 1.0,
) -> pd.DataFrame:
    """All rules A → B between frequent products meeting the three thresholds.

    Returns columns ``antecedent``, ``consequent``, ``n_both``, ``support``, ``confidence``,
    ``lift``, ``support_antecedent``, ``support_consequent``, sorted by lift then support.
    """
    x, prods, n = basket_matrix(lines, min_support)
    cols = ["antecedent", "consequent", "n_both", "support", "confidence", "lift",
            "support_antecedent", "support_consequent"]
    if len(prods) < 2:
        return pd.DataFrame(columns=cols)
    co = (x.T @ x).tocoo()
    item = np.asarray(x.sum(axis=0)).ravel()
    off = co.row != co.col
    a, b, nab = co.row[off], co.col[off], co.data[off].astype(float)
    supp = nab / n
    keep = supp >= min_support
    a, b, nab, supp = a[keep], b[keep], nab[keep], supp[keep]
    conf = nab / item[a]
    lift = conf / (item[b] / n)
    keep = (conf >= min_confidence) & (lift >= min_lift)
    out = pd.DataFrame({
        "antecedent": prods[a[keep]], "consequent": prods[b[keep]], "n_both": nab[keep].astype(int),
        "support": supp[keep], "confidence": conf[keep], "lift": lift[keep],
        "support_antecedent": item[a[keep]] / n, "support_consequent": item[b[keep]] / n,
    })
    out = out.sort_values(["lift", "support", "antecedent", "consequent"],
                          ascending=[False, False, True, True]).reset_index(drop=True)
    log.info("%d rules from %d frequent products over %d baskets", len(out), len(prods), n)
    return out[cols]


def pairs_recovered(rules: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """For each planted pair (A, B): is A → B or B → A among ``rules``, and its best lift."""
    if not {"antecedent", "consequent", "lift"} <= set(rules.columns):
        raise ValueError("pairs_recovered: rules need antecedent, consequent and lift columns")
    rows = []
    for a, b in pairs:
        m = ((rules["antecedent"] == a) & (rules["consequent"] == b)) | (
            (rules["antecedent"] == b) & (rules["consequent"] == a))
        rows.append({"a": a, "b": b, "found": bool(m.any()),
                     "lift": float(rules.loc[m, "lift"].max()) if m.any() else np.nan})
    return pd.DataFrame(rows)

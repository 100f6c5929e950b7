"""Item-kNN recommendations and their evaluation on a hand-made basket set."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from helpers.models import recommend as R

# orders: 1 {A,B}, 2 {A,B}, 3 {A,C}, 4 {B,D}; customers: 10 bought order 1 and 3, 20 order 4
LINES = pd.DataFrame({
    "order_id": ["1", "1", "2", "2", "3", "3", "4", "4"],
    "customer_id": pd.array([10, 10, 30, 30, 10, 10, 20, 20], dtype="Int64"),
    "product_id": ["A", "B", "A", "B", "A", "C", "B", "D"],
})


def test_cosine_similarity_by_hand():
    sim, items, n = R.item_similarity(LINES)
    assert list(items) == ["A", "B", "C", "D"] and n.tolist() == [3, 3, 1, 1]
    s = sim.toarray()
    # c_AB = 2 (orders 1, 2): 2 / sqrt(3·3) = 2/3; c_AC = 1: 1 / sqrt(3·1); c_BD = 1 / sqrt(3)
    assert s[0, 1] == pytest.approx(2 / 3, rel=1e-6)
    assert s[0, 2] == pytest.approx(1 / np.sqrt(3), rel=1e-6)
    assert s[1, 3] == pytest.approx(1 / np.sqrt(3), rel=1e-6)
    assert s[0, 0] == 0 and s[2, 3] == 0
    with pytest.raises(ValueError, match="fewer than 2"):
        R.item_similarity(LINES, min_orders=4)


def test_item_knn_top_k_excludes_bought():
    sim, items, _ = R.item_similarity(LINES)
    cust = pd.Index([10, 20])
    b = R.purchase_matrix(LINES, cust, items)
    assert b.toarray().tolist() == [[2, 1, 1, 0], [0, 1, 0, 1]]
    recs = R.recommend_item_knn(b, sim, k=2)
    # customer 10 bought A, B, C: score(D) = s_AD + s_BD + s_CD = 0 + 1/sqrt(3) + 0 -> only D
    assert recs[0].tolist() == [3, -1]
    # customer 20 bought B, D: score(A) = 2/3 + 0; score(C) = 0 + 0 -> only A positive
    assert recs[1].tolist() == [0, -1]
    with pytest.raises(ValueError, match="k="):
        R.recommend_item_knn(b, sim, k=0)


def test_baselines():
    b = sparse.csr_matrix(np.array([[2, 1, 0, 0], [0, 0, 0, 3]], dtype=np.float32))
    pop = np.array([5, 9, 1, 7])  # order by popularity: 1, 3, 0, 2
    assert R.recommend_popular(b, pop, 2).tolist() == [[3, 2], [1, 0]]
    assert R.recommend_repeat(b, 2).tolist() == [[0, 1], [3, -1]]
    with pytest.raises(ValueError, match="popularity"):
        R.recommend_popular(b, pop[:2], 2)


def test_evaluate_by_hand():
    recs = np.array([[1, 2, 3], [4, -1, -1]])
    truth = [{2, 5}, {7}]
    per, cov = R.evaluate(recs, truth, n_items=10)
    # customer 0: one hit (2): precision 1/3, recall 1/2; customer 1: no hit
    assert per["hit"].tolist() == [1.0, 0.0]
    assert per["precision"].tolist() == pytest.approx([1 / 3, 0.0])
    assert per["recall"].tolist() == pytest.approx([0.5, 0.0])
    assert cov == pytest.approx(4 / 10)  # items 1, 2, 3, 4
    with pytest.raises(ValueError, match="at least one purchase"):
        R.evaluate(recs, [{1}, set()], 10)


def test_planted_pair_is_recommended():
    # 40 orders: product P always with Q, other products random singles -> Q tops P's neighbours
    rng = np.random.default_rng(0)
    rows = []
    for o in range(40):
        rows += [(str(o), 1, "P"), (str(o), 1, "Q")] if o % 2 == 0 else [(str(o), 2, f"X{rng.integers(5)}")]
    rows += [("99", 3, "P")]  # customer 3 bought P only
    lines = pd.DataFrame(rows, columns=["order_id", "customer_id", "product_id"])
    sim, items, _ = R.item_similarity(lines)
    b = R.purchase_matrix(lines, pd.Index([3]), items)
    top = R.recommend_item_knn(b, sim, k=1)
    assert items[top[0, 0]] == "Q"


def test_hybrid_blends_knn_and_popularity():
    sim, items, _ = R.item_similarity(LINES)
    b = R.purchase_matrix(LINES, pd.Index([20]), items)  # bought B, D
    pop = np.array([3.0, 3.0, 1.0, 1.0])
    # knn scores: A 2/3, C 0 -> scaled A 1, C 0; beta 0.5: A 1 + 0.5 = 1.5, C 0 + 0.5/3 = 0.167
    assert R.recommend_hybrid(b, sim, pop, 2, 0.5)[0].tolist() == [0, 2]
    # beta = 0 still fills both slots, knn order
    assert R.recommend_hybrid(b, sim, pop, 2, 0.0)[0].tolist() == [0, 2]
    with pytest.raises(ValueError, match="beta"):
        R.recommend_hybrid(b, sim, pop, 2, -1)

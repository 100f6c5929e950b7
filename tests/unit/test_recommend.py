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


# --- stronger candidates ------------------------------------------------------------------

X4 = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1], [1, 0, 0, 1], [0, 0, 1, 1]], dtype=float)


def test_ease_matches_direct_solve():
    lam = 2.0
    b = R.ease_weights(sparse.csr_matrix(X4), lam)
    # direct: P = inv(XᵀX + λI); B = I − P diag(1/diag P)
    p = np.linalg.solve(X4.T @ X4 + lam * np.eye(4), np.eye(4))
    expect = np.eye(4) - p / np.diag(p)[None, :]
    assert np.allclose(b, expect, atol=1e-12) and np.allclose(np.diag(b), 0)
    # 2-item case by hand: XᵀX = [[2,1],[1,2]] + 1·I = [[3,1],[1,3]]; P = [[3,-1],[-1,3]]/8
    # B_01 = -P_01 / P_11 = (1/8) / (3/8) = 1/3
    b2 = R.ease_weights(np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), 1.0)
    assert b2[0, 1] == pytest.approx(1 / 3) and b2[1, 0] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="lam"):
        R.ease_weights(X4, 0.0)
    with pytest.raises(ValueError, match="item columns"):
        R.ease_weights(X4[:, :1], 1.0)


TS = pd.DataFrame({
    "customer_id": pd.array([1, 1, 1, 2], dtype="Int64"),
    "order_id": ["a", "b", "b", "c"],
    "product_id": ["P", "P", "Q", "Q"],
    "order_ts": pd.to_datetime(["2024-01-01", "2024-01-21", "2024-01-21", "2024-01-31"]),
})
CUT = pd.Timestamp("2024-01-31")


def test_recency_matrix_by_hand():
    m = R.recency_matrix(TS[TS.order_ts < CUT], pd.Index([1, 2]), pd.Index(["P", "Q"]), CUT, 10.0)
    # customer 1: P at ages 30 and 10 days -> 0.5**3 + 0.5 = 0.625; Q at 10 days -> 0.5
    assert m.toarray()[0].tolist() == pytest.approx([0.625, 0.5])
    assert m.toarray()[1].tolist() == [0.0, 0.0]
    flat = R.recency_matrix(TS[TS.order_ts < CUT], pd.Index([1]), pd.Index(["P", "Q"]), CUT, None)
    assert flat.toarray().tolist() == [[2.0, 1.0]]
    with pytest.raises(ValueError, match="on or after the cutoff"):
        R.recency_matrix(TS, pd.Index([1]), pd.Index(["P"]), CUT, 10.0)
    with pytest.raises(ValueError, match="half_life_days"):
        R.recency_matrix(TS[TS.order_ts < CUT], pd.Index([1]), pd.Index(["P"]), CUT, 0)


def test_item_popularity_recent_and_decayed():
    past, items = TS[TS.order_ts < CUT], pd.Index(["P", "Q", "Z"])
    assert R.item_popularity(past, items).tolist() == [2.0, 1.0, 0.0]
    assert R.item_popularity(past, items, CUT, window_days=15).tolist() == [1.0, 1.0, 0.0]
    assert R.item_popularity(past, items, CUT, half_life_days=10).tolist() == pytest.approx([0.625, 0.5, 0])
    with pytest.raises(ValueError, match="needs cut"):
        R.item_popularity(past, items, window_days=5)


def test_recommend_scored_ties_exclusion_and_repeat():
    hist = sparse.csr_matrix(np.array([[1.0, 0, 0, 0]]))
    w = np.array([[0, 2, 2, 1], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
    # scores 0, 2, 2, 1 scaled to 0, 1, 1, 0.5; item 0 excluded; tie 1 vs 2 -> lower index first
    assert R.recommend_scored(hist, w, 3, exclude=hist).tolist() == [[1, 2, 3]]
    # prior [0, 0, 1, 0] with beta 1 lifts item 2 above item 1
    assert R.recommend_scored(hist, w, 2, exclude=hist, prior=np.array([0, 0, 1.0, 0]),
                              beta=1.0).tolist() == [[2, 1]]
    # replenishment: no exclusion, repeat 1 on item 0, model weight 0.5 -> 0: 1, 1: .5, 2: .5
    assert R.recommend_scored(hist, w, 2, repeat=hist, alpha=0.5).tolist() == [[0, 1]]
    # EASE on a column subset: weights over items (1, 3); item 0 drives nothing -> scores 0
    sub = R.recommend_scored(sparse.csr_matrix(np.array([[0, 1.0, 0, 0]])),
                             np.array([[0, 3.0], [0, 0]]), 1, columns=np.array([1, 3]),
                             exclude=sparse.csr_matrix(np.array([[0, 1.0, 0, 0]])))
    assert sub.tolist() == [[3]]
    with pytest.raises(ValueError, match="product axes"):
        R.recommend_scored(hist, w[:3, :3], 2)


def test_paired_difference_novelty_coverage():
    a = np.array([1.0, 0.0, 1.0, 1.0])
    assert R.paired_difference(a, a, n_boot=50, seed=1) == (0.0, 0.0, 0.0)
    d = R.paired_difference(a, np.zeros(4), n_boot=200, seed=1)
    assert d[0] == 0.75 and 0 <= d[1] <= 0.75 <= d[2] <= 1
    with pytest.raises(ValueError, match="one length"):
        R.paired_difference(a, a[:3])
    recs = np.array([[0, 1], [0, -1]])
    share = np.array([0.5, 0.25, 1.0])
    # slots: item 0 (1 bit), item 1 (2 bits), item 0 (1 bit) -> mean 4/3 bits
    assert R.novelty(recs, share) == pytest.approx(4 / 3)
    assert R.catalogue_coverage(recs, 4) == 0.5
    with pytest.raises(ValueError, match="share must be"):
        R.novelty(recs, np.array([0.0, 0.5, 1.0]))
    with pytest.raises(ValueError, match="n_items"):
        R.catalogue_coverage(recs, 0)


def test_segment_differences_minimum_size():
    diff = np.array([1, 1, 1, 0, 0, 1, -1, 0], dtype=float)
    seg = ["a", "a", "a", "b", "b", "b", "c", None]
    t = R.segment_differences(diff, seg, min_customers=2, n_boot=100, seed=0)
    assert list(t.index) == ["a", "b"]  # c has 1 customer, None is dropped
    assert t.loc["a", "difference"] == 1.0 and t.loc["a", "lo"] == 1.0 and bool(t.loc["a", "excludes_zero"])
    assert t.loc["b", "difference"] == pytest.approx(1 / 3) and not t.loc["b", "excludes_zero"]
    with pytest.raises(ValueError, match="min_customers"):
        R.segment_differences(diff, seg, 1)


def test_candidate_recs_and_compare():
    lines = LINES.assign(order_ts=pd.to_datetime(["2024-01-01"] * 4 + ["2024-02-01"] * 4))
    cut = pd.Timestamp("2024-03-01")
    fit = R.fit_past(lines, cut, 1)
    specs = {"pop": {"method": "popularity"}, "ease": {"method": "ease", "lam": 1.0},
             "rep": {"method": "repeat"}}
    recs = R.candidate_recs(lines, fit, cut, specs, 2, window_days=30, ease_max_items=4)
    assert list(recs) == ["pop", "ease", "rep"]
    # customer 20 bought B, D; popularity A=C? A in 3 orders, C 1 -> [A, C]
    assert recs["pop"][list(fit["customers"]).index(20)].tolist() == [0, 2]
    tab, hits = R.compare(recs, [{0}, {0}, {1}], np.array([0.75, 0.75, 0.25, 0.25]), ("pop",),
                          n_boot=20)
    assert tab.loc["pop", "minus_pop"] == 0.0 and list(hits.columns) == ["pop", "ease", "rep"]
    with pytest.raises(ValueError, match="not one of"):
        R.candidate_recs(lines, fit, cut, {"x": {"method": "magic"}}, 2)
    with pytest.raises(ValueError, match="baselines"):
        R.compare(recs, [{0}, {0}, {1}], np.ones(4) / 2, ("nope",))


def test_fit_past_ease_columns_model_scores_failures():
    lines = LINES.assign(order_ts=pd.Timestamp("2024-01-01"))
    fit = R.fit_past(lines, pd.Timestamp("2024-02-01"), 1, similarity=False)
    assert fit["sim"] is None and list(fit["items"]) == ["A", "B", "C", "D"]
    assert fit["bought"].toarray().tolist() == [[2, 1, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]]
    with pytest.raises(ValueError, match="fewer than 2 products"):
        R.fit_past(lines, pd.Timestamp("2024-02-01"), 4, similarity=False)
    # most-ordered 2 of [3, 1, 3, 0]: items 0 and 2 (tie at 3 -> both), ascending
    assert R.ease_columns(np.array([3, 1, 3, 0]), 2).tolist() == [0, 2]
    assert R.ease_columns(np.array([1, 3, 3, 0]), 1 + 1).tolist() == [1, 2]
    with pytest.raises(ValueError, match="max_items"):
        R.ease_columns(np.array([1, 2]), 1)
    h = sparse.csr_matrix(np.array([[1.0, 0, 2]]))
    assert R.model_scores(h, np.eye(3) * 2).tolist() == [[2.0, 0.0, 4.0]]
    with pytest.raises(ValueError, match="weights has shape"):
        R.model_scores(h, np.eye(2))

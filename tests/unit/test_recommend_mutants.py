"""Hand-worked checks of helpers.models.recommend written against surviving mutmut mutants.

The split below (six products, four customers and a guest) is small enough to work by hand:
the popularity, recent, decayed and repeat recommendations, the truth sets and the purchase
matrix are computed in the comments. The model-based candidates of :func:`candidate_recs`
(item-kNN, hybrid, kNN with recency, EASE, replenishment) are checked against the same
recommendation assembled from the public building blocks, each of which has its own
hand-worked test in test_recommend.py.

Surviving mutants left on purpose (equivalent, or not worth a test):
- ``dtype=None`` / dropped ``dtype=`` on arrays that are already float (or int) with the same
  values: the results are identical.
- batch sizes (``batch=2000 -> 2001``, ``1000 -> 1001`` in recommend_popular, model_scores,
  _rank): batching only splits the work; tests use fewer customers than one batch.
- ``ease_max_items=1500 -> 1501`` default: only matters with more than 1,500 products.
- cache keys renamed (``"pop" -> "XXpopXX"``, ``"ease_x"``/``"sim"`` membership checks): a key
  only has to be unique; a missed cache hit recomputes the same matrix.
- the ``1e-12`` floor in ``max(p.max(), 1e-12)`` -> ``1.000000000001``: popularity maxima in
  the tests are >= 1, where both floors give the same scaling.
- ``_rank(..., 1.0) -> 2.0`` for item-kNN: doubling every score keeps the ranking.
- dropping ``axis=1`` in ``np.take_along_axis`` / ``argpartition`` / ``lexsort``: the default
  axis -1 is axis 1 on these 2-D arrays.
- ``zip(..., strict=True)`` in evaluate: the lengths are checked just before.
- ``recommend_hybrid``: ``sim.shape[1]`` for ``sim.shape[0]`` (similarity matrices are square);
  excluded items set to NaN instead of -inf (NumPy's partition puts NaN last, like -inf).
- ``recommend_scored`` / ``_rank``: dropping ``batch`` when passing it on, the loop bound
  ``model.shape[1]`` (batching only: tests fit in one batch); ``_rank``'s ``repeat`` conversion
  dtype (float either way). The kNN/EASE candidates of candidate_recs are checked against
  recommend_scored, which shares ``_rank``: ``_rank`` itself is pinned by the hand-worked
  recommend_scored tests.
- ``ease_weights``: ``<= EASE_MAX_ITEMS`` -> ``<`` (a test would invert a 6,000 x 6,000 matrix);
  ``lower=0`` -> default (0 is LAPACK's default); the "not positive definite" message
  (XᵀX + λI with λ > 0 is positive definite: the guard is unreachable from valid input).
- ``recency_matrix``: ``astype("int64") -> astype(None)`` on Int64 ids (same lookup).
- ``segment_differences`` ``kind="stable"`` -> default: NumPy sorts arrays this small by
  insertion sort, which is stable; ``dtype=object`` -> default for the segment labels.
- ``candidate_recs``: the ``kind == "all_time"`` branch of ``pop`` (its fallback,
  item_popularity without window or decay, is the same all-time count); ``pop("decayed")``
  renamed (only "all_time"/"recent" are tested for); the ``sorted(..., key=...)`` order of the
  specs (it only groups specs sharing a score matrix); the 1e-12 floor of the prior (priors are
  order counts >= 1); replenishment without a half-life using the 0/1 history instead of order
  counts for the repeat part, and the EASE cache key set to None, both of which give the same
  ranking on this split.
- ``item_similarity``: ``shape=None`` / ``o_codes.max() + 2`` (an extra empty order row does not
  change co-occurrences); ``item_popularity`` ``drop_duplicates(None)`` (an order has one
  timestamp, so whole-row and (order, product) duplicates are the same).
- ``out_of_time_split`` ``min_orders=5 -> 6`` default and ``strict=`` in ``zip`` (lengths equal
  by construction); the batch bound ``min(1000, n - s) -> n + s`` (one batch in tests).
- ``compare``: the default ``n_boot``/``seed`` and ``float("NAN")``/``astype(None)``: on 0/1 hits
  the percentile end points of 1,000 and 1,001 resamples usually coincide (the passing of
  ``n_boot``/``seed`` is checked with 60 resamples); ``float("NAN")`` is NaN.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from helpers.models import metrics
from helpers.models import recommend as R

CUT = pd.Timestamp("2024-04-01")
# order, customer, date, products. Ages to CUT: o1 122 d, o2 12 d, o3 90.5 d (inside 91 days,
# outside 90), o4 7 d, o5 45 d, o6 2 d, o7 22 d (guest), o8 1 h. Window lines from CUT:
# w4 and w6 exactly at CUT (window lines, not past ones: customer 6 has no past), w5 exactly
# CUT + 30 d (outside 30 days).
_ORDERS = [
    ("o1", 1, "2023-12-01", "AB"), ("o2", 1, "2024-03-20", "AC"),
    ("o3", 2, "2024-01-01 12:00", "BD"), ("o4", 2, "2024-03-25", "E"),
    ("o5", 3, "2024-02-15", "ADF"), ("o6", 4, "2024-03-30", "CF"),
    ("o7", None, "2024-03-10", "BE"), ("o8", 3, "2024-03-31 23:00", "F"),
    ("w1", 1, "2024-04-05", "DA"), ("w2", 2, "2024-04-10", "C"), ("w3", 5, "2024-04-03", "A"),
    ("w4", 3, "2024-04-01", "BE"), ("w5", 4, "2024-05-01", "B"), ("w6", 6, "2024-04-01", "C"),
]
LINES = pd.DataFrame(
    [(o, c, pd.Timestamp(t), p) for o, c, t, ps in _ORDERS for p in ps],
    columns=["order_id", "customer_id", "order_ts", "product_id"],
).astype({"customer_id": "Int64"})
PAST = LINES[LINES["order_ts"] < CUT]
A, B, C, D, E, F = range(6)


def _split():
    return R.out_of_time_split(LINES, CUT, 30, min_orders=1)


def test_out_of_time_split_by_hand():
    s = _split()
    # past orders per product: A o1 o2 o5, B o1 o3 o7, C o2 o6, D o3 o5, E o4 o7, F o5 o6 o8
    assert list(s["items"]) == list("ABCDEF") and s["n_orders"].tolist() == [3, 3, 2, 2, 2, 3]
    # customers with a past and a window order: 1, 2, 3 (4's only window order is at CUT + 30
    # days, outside; 5 and 6 have no past: 6's order at CUT is a window order)
    assert list(s["customers"]) == [1, 2, 3]
    assert s["bought"].toarray().tolist() == [[2, 1, 1, 0, 0, 0], [0, 1, 0, 1, 1, 0],
                                              [1, 0, 0, 1, 0, 2]]
    assert s["truth_any"] == [{A, D}, {C}, {B, E}]
    assert s["truth_new"] == [{D}, {C}, {B, E}]  # customer 1 had bought A
    # cosine A-B: one shared order (o1) of 3 and 3 -> 1/3
    assert s["sim"][A, B] == pytest.approx(1 / 3)
    # min_orders reaches the fit: with 3, only A, B, F remain
    assert list(R.out_of_time_split(LINES, CUT, 30, min_orders=3)["items"]) == list("ABF")
    with pytest.raises(ValueError, match="^out_of_time_split: no lines before or after 2023-01-01$"):
        R.out_of_time_split(LINES, pd.Timestamp("2023-01-01"), 30)
    with pytest.raises(ValueError, match="^out_of_time_split: no lines before or after 2025-01-01$"):
        R.out_of_time_split(LINES, pd.Timestamp("2025-01-01"), 30)
    with pytest.raises(ValueError, match=r"^out_of_time_split: missing column\(s\) \['order_ts'\]"):
        R.out_of_time_split(LINES.drop(columns="order_ts"), CUT, 30)


def test_fit_past_by_hand():
    fit = R.fit_past(LINES, CUT, 1)  # lines at or after CUT are ignored
    assert list(fit["customers"]) == [1, 2, 3, 4] and fit["sim"] is not None
    assert fit["bought"].toarray()[3].tolist() == [0, 0, 1, 0, 0, 1]  # customer 4: C, F
    assert R.fit_past(LINES, CUT, 3)["n_orders"].tolist() == [3, 3, 3]  # A, B, F
    flat = R.fit_past(LINES, CUT, 3, similarity=False)
    assert flat["n_orders"].tolist() == [3, 3, 3] and flat["n_orders"].dtype.kind == "i"
    with pytest.raises(ValueError, match="^fit_past: min_orders=0 must be >= 1$"):
        R.fit_past(LINES, CUT, 0, similarity=False)
    with pytest.raises(ValueError, match="^fit_past: fewer than 2 products with >= 4 orders$"):
        R.fit_past(LINES, CUT, 4, similarity=False)
    with pytest.raises(ValueError, match=r"^fit_past: missing column\(s\) \['order_ts'\]"):
        R.fit_past(LINES.drop(columns="order_ts"), CUT)
    # exactly two products qualify: allowed
    two = PAST[PAST["product_id"].isin(["A", "B"])]
    assert len(R.fit_past(two, CUT, 1, similarity=False)["items"]) == 2
    assert R.fit_past(two, CUT, 1)["sim"].shape == (2, 2)


def _oracle(split, specs, k, rows=None):
    """The recommendations of ``specs`` assembled from the public building blocks."""
    cust = split["customers"] if rows is None else split["customers"][rows]
    bought = sparse.csr_matrix(split["bought"])
    if rows is not None:
        bought = bought[np.flatnonzero(rows)]
    binary = (bought > 0).astype(float)
    items, n = split["items"], np.asarray(split["n_orders"], float)
    sim = split["sim"]
    recent = R.item_popularity(PAST, items, CUT, window_days=90)
    cols = R.ease_columns(n, 4)
    allc = pd.Index([1, 2, 3, 4])  # every past customer, as candidate_recs fits EASE on
    x = (R.purchase_matrix(PAST, allc, items[cols]) > 0).astype(float)
    out = {}
    for name, sp in specs.items():
        m, hl = sp["method"], sp.get("half_life_days")
        hist = binary if hl is None else R.recency_matrix(PAST, cust, items, CUT, hl)
        prior = n if sp.get("prior") == "all_time" else recent
        if m == "item_knn":
            out[name] = R.recommend_item_knn(bought, sim, k)
        elif m == "hybrid":
            out[name] = R.recommend_hybrid(bought, sim, n, k, sp["beta"])
        elif m == "knn_recency":
            out[name] = R.recommend_scored(hist, sim, k, exclude=bought, prior=prior,
                                           beta=sp.get("beta", 0.0))
        elif m == "ease":
            out[name] = R.recommend_scored(hist, R.ease_weights(x, sp["lam"]), k, exclude=bought,
                                           prior=prior, beta=sp.get("beta", 0.0), columns=cols)
        elif m == "replenish":
            rep = bought if hl is None else hist
            w, c = (sim, None) if sp.get("lam") is None else (R.ease_weights(x, sp["lam"]), cols)
            out[name] = R.recommend_scored(binary, w, k, prior=prior, beta=sp.get("beta", 0.0),
                                           repeat=rep, alpha=sp.get("alpha", 0.0), columns=c)
    return out


SPECS = {
    "pop": {"method": "popularity"}, "recent": {"method": "recent_popularity"},
    "decayed": {"method": "decayed_popularity", "half_life_days": 10}, "rep": {"method": "repeat"},
    "knn": {"method": "item_knn"}, "hyb": {"method": "hybrid", "beta": 0.5},
    "knnr": {"method": "knn_recency", "half_life_days": 30, "beta": 5.0, "prior": "all_time"},
    "knnr0": {"method": "knn_recency", "half_life_days": 5},
    "ease": {"method": "ease", "lam": 1.0, "beta": 0.1},
    "easer": {"method": "ease", "lam": 1.0, "half_life_days": 20, "beta": 0.3},
    "repl": {"method": "replenish", "half_life_days": 15, "alpha": 0.5},
    "repl0": {"method": "replenish", "half_life_days": 15},
    "replE": {"method": "replenish", "lam": 2.0, "alpha": 0.3, "beta": 0.4},
}


def test_candidate_recs_popularity_and_repeat_by_hand():
    split = _split()
    recs = R.candidate_recs(LINES, split, CUT, SPECS, 2, ease_max_items=4)
    assert list(recs) == list(SPECS)
    # bought: customer 1 A B C, 2 B D E, 3 A D F
    # all-time orders A3 B3 C2 D2 E2 F3 -> A, B, F, C, D, E
    assert recs["pop"].tolist() == [[F, D], [A, F], [B, C]]
    # last 90 days (o3 at 90.5 days is out): A2 B1 C2 D1 E2 F3 -> F, A, C, E, B, D
    # (with 91 days B2 D2 and customer 1 would get F, D)
    assert recs["recent"].tolist() == [[F, E], [F, A], [C, E]]
    # half-life 10 days: A .48, B .22, C 1.31, D .05, E .83, F 1.91 -> F, C, E, A, B, D
    assert recs["decayed"].tolist() == [[F, E], [F, C], [C, E]]
    # own most-bought: 1 A2 B1 C1 -> A, B; 2 B D E (1 each) -> B, D; 3 F2 A1 D1 -> F, A
    assert recs["rep"].tolist() == [[A, B], [B, D], [F, A]]


def test_candidate_recs_models_match_building_blocks():
    split = _split()
    recs = R.candidate_recs(LINES, split, CUT, SPECS, 2, ease_max_items=4)
    for name, want in _oracle(split, SPECS, 2).items():
        assert recs[name].tolist() == want.tolist(), name
    # item-kNN by hand: customer 1 (A, B, C) scores D by s_AD + s_BD = 1/sqrt(6) + 1/sqrt(6),
    # E by s_BE = 1/sqrt(6), F by s_AF + s_CF = 1/3 + 1/sqrt(6) -> D, F
    assert recs["knn"][0].tolist() == [D, F]
    # a subset of rows gives those rows of the full run (boolean mask and indices)
    mask = np.array([False, True, True])
    sub = R.candidate_recs(LINES, split, CUT, SPECS, 2, rows=mask, ease_max_items=4)
    for name in SPECS:
        assert sub[name].tolist() == recs[name][1:].tolist(), name
    for name, want in _oracle(split, SPECS, 2, rows=mask).items():
        assert sub[name].tolist() == want.tolist(), name
    idx = R.candidate_recs(LINES, split, CUT, {"r": SPECS["repl"]}, 2, rows=np.array([2]))
    assert idx["r"].tolist() == recs["repl"][2:].tolist()


def test_candidate_recs_window_and_errors():
    split = _split()
    # window 30 days: o2 o4 o6 o7 o8 -> A1 B1 C2 E2 F2 -> C, E, F, A, B, D
    r = R.candidate_recs(LINES, split, CUT, {"r": {"method": "recent_popularity"}}, 2,
                         window_days=30)
    assert r["r"].tolist() == [[E, F], [C, F], [C, E]]
    # lines at or after the cutoff are dropped before the recency weights are computed
    assert R.candidate_recs(LINES, split, CUT, {"k": SPECS["knnr"]}, 2)["k"].tolist() == \
        _oracle(split, {"k": SPECS["knnr"]}, 2)["k"].tolist()
    with pytest.raises(ValueError, match="^candidate_recs: x: method 'magic' is not one of"):
        R.candidate_recs(LINES, split, CUT, {"x": {"method": "magic"}}, 2)
    with pytest.raises(ValueError, match=r"^candidate_recs: missing column\(s\) \['order_ts'\]"):
        R.candidate_recs(LINES.drop(columns="order_ts"), split, CUT, SPECS, 2)


def test_item_knn_candidate_keeps_excluded_and_unrelated_items_out():
    # the bug this file found: candidate_recs marks non-positive kNN scores -inf; _row_scale
    # divided by the row's |max| = inf, so every score became 0 and the ranking fell back to
    # item order. Customer 2 (B, D, E) has positive scores for A (s_AB + s_AD) and F (s_DF)
    # and C (s_CE = 0, s_BC = 0, s_CD = 0) must be left out: -1
    split = _split()
    recs = R.candidate_recs(LINES, split, CUT, {"knn": {"method": "item_knn"}}, 4)
    assert recs["knn"][1].tolist() == [A, F, -1, -1]
    assert R._row_scale(np.array([[-np.inf, 0.5, -0.25]])).tolist() == [[-np.inf, 1.0, -0.5]]
    assert R._row_scale(np.array([[0.0, 0.0], [2.0, -4.0]])).tolist() == [[0, 0], [0.5, -1]]


def test_compare_by_hand():
    recs = {"a": np.array([[0, 1], [2, -1]]), "b": np.array([[3, -1], [-1, -1]])}
    truth = [{1}, {3}]
    share = np.array([0.5, 0.25, 0.125, 1.0])
    tab, hits = R.compare(recs, truth, share, ("b",), n_boot=50, seed=2)
    # a: customer 0 hits (1), customer 1 not -> hit 0.5, precision (1/2 + 0) / 2, recall 1/2
    assert hits["a"].tolist() == [1.0, 0.0] and hits["b"].tolist() == [0.0, 0.0]
    assert tab.loc["a", "hit"] == 0.5 and tab.loc["a", "precision"] == 0.25
    assert tab.loc["a", "recall"] == 0.5 and tab.loc["a", "coverage"] == 0.75
    # novelty of a: items 0, 1, 2 -> 1, 2, 3 bits -> 2; b: item 3, share 1 -> 0 bits
    assert tab.loc["a", "novelty_bits"] == 2.0 and tab.loc["b", "novelty_bits"] == 0.0
    lo, hi = metrics.bootstrap_ci(np.array([1.0, 0.0]), np.mean, n_boot=50, seed=2)[1:]
    assert (tab.loc["a", "hit_lo"], tab.loc["a", "hit_hi"]) == (lo, hi)
    d = R.paired_difference(hits["a"].to_numpy(), hits["b"].to_numpy(), n_boot=50, seed=2)
    assert tuple(tab.loc["a", ["minus_b", "minus_b_lo", "minus_b_hi"]]) == d
    assert d[0] == 0.5 and d[1] == 0.0 and d[2] == 1.0
    # defaults: 1000 resamples, seed 0
    tab0, _ = R.compare(recs, truth, share, ("b",))
    assert tab0.loc["a", "hit_lo"] == metrics.bootstrap_ci(np.array([1.0, 0.0]), np.mean,
                                                           n_boot=1000, seed=0)[1]
    d0 = R.paired_difference(np.array([1.0, 0.0]), np.zeros(2), n_boot=1000, seed=0)
    assert tuple(tab0.loc["a", ["minus_b", "minus_b_lo", "minus_b_hi"]]) == d0
    # a method with no recommendation at all has no novelty; one with only item 0 has 1 bit
    t2, _ = R.compare({"none": np.full((2, 2), -1), "zero": np.array([[0, -1], [0, -1]])},
                      truth, share)
    assert np.isnan(t2.loc["none", "novelty_bits"]) and t2.loc["zero", "novelty_bits"] == 1.0
    assert t2.dtypes.eq(float).all()
    with pytest.raises(ValueError, match=r"^compare: baselines \['x'\] are not among the methods"):
        R.compare(recs, truth, share, ("x",))


def test_paired_difference_and_segments_defaults():
    a, b = np.array([1, 0, 1, 1]), np.array([0, 0, 1, 0])  # ints are accepted
    assert R.paired_difference(a, b) == metrics.bootstrap_ci(
        np.array([1.0, 0, 0, 1]), np.mean, n_boot=1000, seed=0, level=0.95)
    assert R.paired_difference(a, b, n_boot=200, seed=4, level=0.5) == metrics.bootstrap_ci(
        np.array([1.0, 0, 0, 1]), np.mean, n_boot=200, seed=4, level=0.5)
    with pytest.raises(ValueError, match=r"^paired_difference: hit_a and hit_b must be 1-D"):
        R.paired_difference(a.reshape(2, 2), b.reshape(2, 2))
    diff = np.array([1, 0, 1, 0, 1, 1, 0])
    seg = np.array(["x", "x", "x", "y", "y", "z", "z"], dtype=object)
    t = R.segment_differences(diff, seg, min_customers=2)
    # sorted by difference, largest first; x 2/3, y 1/2, z 1/2 (ties keep segment order)
    assert list(t.index) == ["x", "y", "z"] and t["customers"].tolist() == [3, 2, 2]
    want = metrics.bootstrap_ci(np.array([1.0, 0, 1]), np.mean, n_boot=1000, seed=0)
    assert tuple(t.loc["x", ["difference", "lo", "hi"]]) == want
    t7 = R.segment_differences(diff, seg, 2, n_boot=300, seed=7)
    assert tuple(t7.loc["y", ["difference", "lo", "hi"]]) == metrics.bootstrap_ci(
        np.array([0.0, 1.0]), np.mean, n_boot=300, seed=7)
    assert t.dtypes.to_dict() == {"customers": np.dtype(int), "difference": float, "lo": float,
                                  "hi": float, "excludes_zero": bool}
    # exactly min_customers is enough; an interval [-1, -1] excludes zero (hi < 0), [0, 0] not
    neg = R.segment_differences(np.array([-1.0, -1.0, 0.0, 0.0]), ["n", "n", "o", "o"], 2,
                                n_boot=20)
    assert list(neg.index) == ["o", "n"] and bool(neg.loc["n", "excludes_zero"])
    assert not bool(neg.loc["o", "excludes_zero"])
    empty = R.segment_differences(diff, seg, 5)
    assert empty.empty and list(empty.columns) == ["customers", "difference", "lo", "hi",
                                                   "excludes_zero"]
    with pytest.raises(ValueError, match="^segment_differences: diff and segments have different"):
        R.segment_differences(diff, seg[:3], 2)
    with pytest.raises(ValueError, match="^segment_differences: min_customers=1 must be >= 2$"):
        R.segment_differences(diff, seg, 1)


def test_novelty_coverage_evaluate_edges():
    share = np.array([0.5, 1.0, 0.25])
    assert R.novelty(np.array([[1]]), share) == 0.0  # one recommendation, share 1: 0 bits
    assert R.novelty([[2, -1]], [0.5, 1, 0.25]) == 2.0  # lists are accepted
    with pytest.raises(ValueError, match="^novelty: recs holds no recommendation$"):
        R.novelty(np.array([[-1, -1]]), share)
    with pytest.raises(ValueError, match="^novelty: recs refers to items beyond share$"):
        R.novelty(np.array([[3]]), share)
    with pytest.raises(ValueError, match=r"^novelty: share must be in \(0, 1\] for every"):
        R.novelty(np.array([[0]]), np.array([1.5]))
    assert R.catalogue_coverage(np.array([[0, -1]]), 1) == 1.0
    with pytest.raises(ValueError, match="^catalogue_coverage: n_items=0 must be >= 1$"):
        R.catalogue_coverage(np.array([[0]]), 0)
    per, cov = R.evaluate(np.array([[0, 1]]), [{1, 2}], 4)
    assert per["hit"].dtype == float and per.iloc[0].tolist() == [1.0, 0.5, 0.5] and cov == 0.5
    with pytest.raises(ValueError, match="^evaluate: recs and truth have different numbers of"):
        R.evaluate(np.array([[0, 1]]), [{1}, {2}], 4)
    with pytest.raises(ValueError, match="^evaluate: every customer needs at least one purchase"):
        R.evaluate(np.array([[0, 1]]), [set()], 4)


def test_item_similarity_purchase_matrix_edges():
    # exactly two products qualify: allowed; the order axis has one row per order
    two = pd.DataFrame({"order_id": ["1", "1", "2"], "product_id": ["A", "B", "A"]})
    sim, items, n = R.item_similarity(two)
    assert np.allclose(sim.toarray(), [[0, 1 / np.sqrt(2)], [1 / np.sqrt(2), 0]])
    assert sim.dtype == np.float32 and n.tolist() == [2, 1] and n.dtype.kind == "i"
    with pytest.raises(ValueError, match="^item_similarity: min_orders=0 must be >= 1$"):
        R.item_similarity(two, 0)
    with pytest.raises(ValueError, match="^item_similarity: fewer than 2 products with >= 2"):
        R.item_similarity(two, 2)
    with pytest.raises(ValueError, match=r"^item_similarity: missing column\(s\) \['order_id'\]"):
        R.item_similarity(two.drop(columns="order_id"))
    # guests (no customer) and products outside items are ignored, even together
    lines = pd.DataFrame({"customer_id": pd.array([1, None, None, 2], dtype="Int64"),
                          "order_id": ["a", "b", "c", "d"], "product_id": ["A", "A", "Z", "Z"]})
    m = R.purchase_matrix(lines, pd.Index([1, 2]), pd.Index(["A", "B"]))
    assert m.toarray().tolist() == [[1.0, 0.0], [0.0, 0.0]] and m.dtype == np.float32
    with pytest.raises(ValueError, match=r"^purchase_matrix: missing column\(s\) \['customer_id'\]"):
        R.purchase_matrix(lines.drop(columns="customer_id"), pd.Index([1]), pd.Index(["A"]))


def test_recency_popularity_edges_and_messages():
    items = pd.Index(list("ABCDEF"))
    # guests and products outside items are ignored by recency_matrix; an order counts once
    dup = pd.concat([PAST, PAST[PAST["order_id"] == "o2"]])
    m = R.recency_matrix(dup, pd.Index([1]), pd.Index(["A", "Z"]), CUT, None)
    assert m.toarray().tolist() == [[2.0, 0.0]]
    # half-life 0.5 day: o8 is 1 hour old -> 0.5 ** (1/12)
    m = R.recency_matrix(PAST, pd.Index([3]), items, CUT, 0.5)
    assert m.toarray()[0, F] == pytest.approx(0.5 ** (1 / 12) + 0.5 ** 90)
    with pytest.raises(ValueError, match="^recency_matrix: half_life_days=-1 must be > 0 or None$"):
        R.recency_matrix(PAST, pd.Index([1]), items, CUT, -1)
    with pytest.raises(ValueError, match=r"^recency_matrix: order_ts has 8 lines on or after the "
                                         r"cutoff 2024-04-01 \(first at row 15\); pass the past"):
        R.recency_matrix(LINES, pd.Index([1]), items, CUT, 10.0)
    with pytest.raises(ValueError, match=r"^recency_matrix: missing column\(s\) \['order_ts'\]"):
        R.recency_matrix(PAST.drop(columns="order_ts"), pd.Index([1]), items, CUT, 1.0)
    # popularity: window 1 day holds o6? no (2 days) - only o8 (F); half-life 0.5 as above
    assert R.item_popularity(PAST, items, CUT, window_days=1).tolist() == [0, 0, 0, 0, 0, 1]
    assert R.item_popularity(PAST, items, CUT, half_life_days=0.5)[F] == pytest.approx(
        0.5 ** (1 / 12) + 0.5 ** 4 + 0.5 ** 90)
    # without cut: plain counts, and no cutoff check
    assert R.item_popularity(LINES, items).tolist() == [5, 5, 4, 3, 3, 3]
    # an order exactly window_days before the cut is inside: o4 (E, 7 days), o6, o8
    assert R.item_popularity(PAST, items, CUT, window_days=7).tolist() == [0, 0, 1, 0, 1, 2]
    with pytest.raises(ValueError, match="^item_popularity: window_days or half_life_days needs"):
        R.item_popularity(PAST, items, half_life_days=3)
    with pytest.raises(ValueError, match="^item_popularity: window_days=0 must be >= 1$"):
        R.item_popularity(PAST, items, CUT, window_days=0)
    with pytest.raises(ValueError, match="^item_popularity: half_life_days=0 must be > 0$"):
        R.item_popularity(PAST, items, CUT, half_life_days=0)
    with pytest.raises(ValueError, match="^item_popularity: order_ts has 8 lines on or after"):
        R.item_popularity(LINES, items, CUT)
    with pytest.raises(ValueError, match=r"^item_popularity: missing column\(s\) \['order_ts'\]"):
        R.item_popularity(PAST.drop(columns="order_ts"), items)


def test_baseline_recommenders_edges_and_messages():
    b = sparse.csr_matrix(np.array([[1.0, 0, 0], [0, 0, 0]]))
    # k = 1 is allowed; an empty customer set gives a 0 x min(k, items) array
    assert R.recommend_popular(b, np.array([3.0, 2.0, 1.0]), 1).tolist() == [[1], [0]]
    empty = R.recommend_popular(b[:0], np.array([3.0, 2.0, 1.0]), 5)
    assert empty.shape == (0, 3) and empty.dtype == np.int64
    # k larger than the items not bought pads with -1
    assert R.recommend_popular(b, np.array([3.0, 2.0, 1.0]), 3).tolist() == [[1, 2, -1], [0, 1, 2]]
    with pytest.raises(ValueError, match="^recommend_popular: k=0 must be >= 1$"):
        R.recommend_popular(b, np.ones(3), 0)
    with pytest.raises(ValueError, match="^recommend_popular: popularity length differs from"):
        R.recommend_popular(b, np.ones(2), 1)
    # more customers (5) than products (2): every customer is scored
    five = sparse.csr_matrix(np.array([[1.0, 0], [0, 1], [0, 0], [1, 1], [0, 0]]))
    assert R.recommend_popular(five, np.array([1.0, 2.0]), 1).tolist() == [[1], [0], [1], [-1], [1]]
    rep = R.recommend_repeat(sparse.csr_matrix(np.array([[0, 2.0, 1.0]])), 3)
    assert rep.tolist() == [[1, 2, -1]] and rep.dtype == np.int64
    # more customers than items: the loops run over customers, not products
    many = sparse.csr_matrix(np.eye(4)[[0, 1, 2, 3, 0]][:, :2])
    sim = sparse.csr_matrix(np.array([[0, 0.5], [0.5, 0]], dtype=np.float32))
    assert R.recommend_item_knn(many, sim, 1, batch=2).tolist() == [[1], [0], [-1], [-1], [1]]
    # beta 0: customers without a positive score tie at 0 -> the lower index
    assert R.recommend_hybrid(many, sim, np.array([1.0, 2.0]), 1, 0.0, batch=2).tolist() == \
        [[1], [0], [0], [0], [1]]
    assert R.recommend_hybrid(many, sim, np.array([1.0, 2.0]), 1, 0.1, batch=2).tolist() == \
        [[1], [0], [1], [1], [1]]
    with pytest.raises(ValueError, match="^recommend_item_knn: bought and sim have different"):
        R.recommend_item_knn(many, sparse.csr_matrix(np.zeros((3, 2))), 1)
    with pytest.raises(ValueError, match=r"^recommend_hybrid: need k >= 1 and beta >= 0 \(got 0, 1\)"):
        R.recommend_hybrid(many, sim, np.ones(2), 0, 1)
    assert R.recommend_hybrid(many[:1], sim, np.ones(2), 1, 0).tolist() == [[1]]  # k = 1 fine
    with pytest.raises(ValueError, match="^recommend_hybrid: bought, sim and popularity have"):
        R.recommend_hybrid(many, sim, np.ones(3), 1, 0.5)
    with pytest.raises(ValueError, match="^recommend_hybrid: bought, sim and popularity have"):
        R.recommend_hybrid(sparse.csr_matrix(np.ones((1, 3))), sparse.csr_matrix(np.ones((2, 3))),
                           np.ones(2), 1, 0.5)


def test_hybrid_scaling_by_hand():
    # one customer bought item 0; kNN scores items 1, 2, 3 = 0.2, 0.4, 0 -> scaled .5, 1, 0;
    # popularity 4, 1, 2, 8 scaled by beta/8: beta 1 -> .5, .125, .25, 1; totals 1 -> .625,
    # 2 -> 1.25, 3 -> 1 -> items 2, 3, 1
    sim = sparse.csr_matrix(np.array([[0, 0.2, 0.4, 0], [0.2, 0, 0, 0], [0.4, 0, 0, 0],
                                      [0, 0, 0, 0]]))
    b = sparse.csr_matrix(np.array([[1.0, 0, 0, 0]]))
    pop = np.array([4, 1, 2, 8])  # ints are accepted
    assert R.recommend_hybrid(b, sim, pop, 3, 1.0).tolist() == [[2, 3, 1]]
    # beta 0.3: 1 -> .5 + .0375, 2 -> 1 + .075, 3 -> .3 -> items 2, 1, 3
    assert R.recommend_hybrid(b, sim, pop, 3, 0.3).tolist() == [[2, 1, 3]]
    # scaling is per customer: a second customer with tenfold scores ranks the same
    b2 = sparse.csr_matrix(np.array([[1.0, 0, 0, 0], [1.0, 0, 0, 0]]))
    sim10 = sparse.csr_matrix(sim.toarray() * 10)
    assert R.recommend_hybrid(b2, sim10, pop, 3, 0.3).tolist() == [[2, 1, 3]] * 2


def test_scored_model_scores_rank_edges_and_messages():
    hist = sparse.csr_matrix(np.array([[1.0, 0, 0], [0, 2.0, 0], [0, 0, 0], [1.0, 1.0, 0]]))
    w = sparse.csr_matrix(np.array([[0, 1.0, 2.0], [3.0, 0, 1.0], [0, 0, 0]]))
    s = R.model_scores(hist, w, batch=3)  # sparse weights, more rows than a batch
    assert s.tolist() == [[0, 1, 2], [6, 0, 2], [0, 0, 0], [3, 1, 3]]
    sub = R.model_scores(hist, np.array([[0, 2.0], [1.0, 0]]), np.array([0, 2]), batch=2)
    assert sub.tolist() == [[0, 0, 2], [0, 0, 0], [0, 0, 0], [0, 0, 2]]
    with pytest.raises(ValueError, match=r"^model_scores: weights has shape \(2, 2\), need \(3, 3\) "
                                         r"for the history's products"):
        R.model_scores(hist, np.eye(2))
    # replenish-like: model weight 0.5 plus repeat; item 2 has the top model score for row 0
    rp = sparse.csr_matrix(np.array([[0, 4.0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]))
    top = R.recommend_scored(hist, w, 1, repeat=rp, alpha=0.5)
    # row 0: model 0, .5, 1 -> x .5 = 0, .25, .5; repeat 0, 1, 0 -> 1: 1.25 -> item 1
    assert top[:, 0].tolist() == [1, 0, 0, 0]
    # the model part is added to the repeat part: second choice item 2 (.5), not item 0 (0)
    assert R.recommend_scored(hist, w, 2, repeat=rp, alpha=0.5)[0].tolist() == [1, 2]
    none = R.recommend_scored(hist[:0], w, 2)
    assert none.shape == (0, 2) and none.dtype == np.int64
    with pytest.raises(ValueError, match=r"^recommend_scored: need k >= 1, beta >= 0, alpha >= 0 "
                                         r"\(got 1, -1, 1.0\)"):
        R.recommend_scored(hist, w, 1, beta=-1)
    with pytest.raises(ValueError, match=r"^recommend_scored: need k >= 1"):
        R.recommend_scored(hist, w, 1, alpha=-0.1)
    with pytest.raises(ValueError, match=r"^recommend_scored: exclude has shape \(1, 3\), history"):
        R.recommend_scored(hist, w, 1, exclude=hist[:1])
    with pytest.raises(ValueError, match=r"^recommend_scored: repeat has shape \(1, 3\), history"):
        R.recommend_scored(hist, w, 1, repeat=hist[:1])
    with pytest.raises(ValueError, match="^recommend_scored: prior must be >= 0 with one value"):
        R.recommend_scored(hist, w, 1, prior=np.array([1.0, -1.0, 0.0]))
    with pytest.raises(ValueError, match="^recommend_scored: prior must be >= 0 with one value"):
        R.recommend_scored(hist, w, 1, prior=np.ones(2))
    with pytest.raises(ValueError, match="^recommend_scored: history and weights have different"):
        R.recommend_scored(hist, np.eye(2), 1, columns=np.array([0, 3]))


def test_ease_messages_and_columns():
    with pytest.raises(ValueError, match="^ease_weights: lam=0 must be > 0$"):
        R.ease_weights(np.eye(3), 0)
    with pytest.raises(ValueError, match=r"^ease_weights: x must be 2-D with 2\.\.6000 item columns, "
                                         r"got shape \(3,\)"):
        R.ease_weights(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="^ease_weights: x must be 2-D"):
        R.ease_weights(np.ones((2, R.EASE_MAX_ITEMS + 1)), 1.0)
    with pytest.raises(ValueError, match="^ease_columns: max_items=1 must be >= 2$"):
        R.ease_columns(np.array([1, 2, 3]), 1)
    assert R.ease_columns([2, 5, 5, 1], 2).tolist() == [1, 2]  # lists are accepted


H61 = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1,
                0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0,
                0, 0, 1, 0, 1], dtype=float)
SCORES7 = np.array([0.13, 0.71, 0.42, 0.95, 0.28, 0.66, 0.07])  # continuous: every draw counts


def test_bootstrap_arguments_reach_the_interval():
    # continuous per-customer differences: the interval depends on every resample, so the
    # defaults (1000 resamples, seed 0, 95%) and the passed arguments are visible
    assert R.paired_difference(SCORES7, np.zeros(7)) == metrics.bootstrap_ci(
        SCORES7, np.mean, n_boot=1000, seed=0, level=0.95)
    assert R.paired_difference(SCORES7, np.zeros(7), n_boot=60, seed=3) == metrics.bootstrap_ci(
        SCORES7, np.mean, n_boot=60, seed=3)
    t = R.segment_differences(SCORES7, ["s"] * 7, 2)
    assert tuple(t.loc["s", ["difference", "lo", "hi"]]) == metrics.bootstrap_ci(
        SCORES7, np.mean, n_boot=1000, seed=0)
    t = R.segment_differences(SCORES7, ["s"] * 7, 2, n_boot=60, seed=3)
    assert tuple(t.loc["s", ["difference", "lo", "hi"]]) == metrics.bootstrap_ci(
        SCORES7, np.mean, n_boot=60, seed=3)
    # compare on 61 customers' hits: 60 resamples with seed 3 are passed through
    recs = {"a": np.where(H61[:, None] > 0, 0, 1), "b": np.ones((61, 1), dtype=int)}
    truth = [{0}] * 61
    tab, _ = R.compare(recs, truth, np.array([0.5, 0.5]), ("b",), n_boot=60, seed=3)
    assert tuple(tab.loc["a", ["hit", "hit_lo", "hit_hi"]]) == metrics.bootstrap_ci(
        H61, np.mean, n_boot=60, seed=3)
    assert tuple(tab.loc["a", ["minus_b", "minus_b_lo", "minus_b_hi"]]) == R.paired_difference(
        H61, np.zeros(61), n_boot=60, seed=3)


def test_hybrid_scales_each_customer_by_its_own_maximum():
    # customer 0 bought item 0: kNN 2 (item 1), 4 (item 2), 0 (item 3) -> scaled .5, 1, 0;
    # customer 1 bought item 1: kNN 2 (item 0) only -> scaled 1 (a global maximum would give .5).
    # Popularity shares .4 .1 .2 .8 (max .8), beta 1.5 -> prior .75 .1875 .375 1.5.
    # customer 0: 1 -> .6875, 2 -> 1.375, 3 -> 1.5 -> [3, 2]; customer 1: 0 -> 1.75, 3 -> 1.5
    sim = sparse.csr_matrix(np.array([[0, 2.0, 4.0, 0], [2.0, 0, 0, 0], [4.0, 0, 0, 0],
                                      [0, 0, 0, 0]]))
    b = sparse.csr_matrix(np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]]))
    pop = np.array([0.4, 0.1, 0.2, 0.8])
    assert R.recommend_hybrid(b, sim, pop, 2, 1.5).tolist() == [[3, 2], [0, 3]]
    # popularity axis of the length of sim's columns but not of its rows is still rejected
    with pytest.raises(ValueError, match="^recommend_hybrid: bought, sim and popularity have"):
        R.recommend_hybrid(sparse.csr_matrix(np.ones((1, 2))), sparse.csr_matrix(np.ones((2, 3))),
                           np.ones(3), 1, 0.5)


def test_recommend_scored_prior_needs_beta_and_small_priors_scale():
    hist = sparse.csr_matrix(np.array([[1.0, 0, 0]]))
    w = np.array([[0, 1.0, 0.5], [0, 0, 0], [0, 0, 0]])
    prior = np.array([0.0, 0.1, 0.4])  # shares below 1: scaled by their maximum .4
    # beta defaults to 0: the prior is ignored -> model order 1 (1), 2 (.5)
    assert R.recommend_scored(hist, w, 2, exclude=hist, prior=prior).tolist() == [[1, 2]]
    # beta .8: 1 -> 1 + .2 = 1.2, 2 -> .5 + .8 = 1.3 -> [2, 1] (scaling by 1 would give
    # 1 + .08, .5 + .32 -> [1, 2])
    assert R.recommend_scored(hist, w, 2, exclude=hist, prior=prior, beta=0.8).tolist() == [[2, 1]]


def test_recency_matrix_counts_an_order_once_whatever_its_other_columns():
    # order o2 appears twice for customer 1 and product A with different quantities
    extra = PAST[PAST["order_id"] == "o2"].assign(qty=5)
    m = R.recency_matrix(pd.concat([PAST.assign(qty=1), extra]), pd.Index([1]),
                         pd.Index(["A"]), CUT, None)
    assert m.toarray().tolist() == [[2.0]]  # orders o1 and o2

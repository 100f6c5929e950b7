"""Tests for helpers.value.segments: clustering, tiers, playbook and export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.value import actions, segments

KEY = b"k" * 32


def _blobs(seed: int = 0) -> pd.DataFrame:
    """Three well separated groups of 30 customers in raw RFM units."""
    rng = np.random.default_rng(seed)
    groups = [(5, 40, 4000), (60, 5, 500), (300, 1, 50)]  # recency d, orders, GBP
    rows = []
    for r, f, m in groups:
        for _ in range(30):
            rows.append((r * rng.uniform(0.9, 1.1), round(f * rng.uniform(0.9, 1.1)),
                         m * rng.uniform(0.9, 1.1)))  # fmt: skip
    df = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary_amt"])
    df.index = pd.Index(range(100, 190), name="customer_id")
    return df


def test_cluster_features_standardised() -> None:
    f = segments.cluster_features(_blobs())
    np.testing.assert_allclose(f.mean().to_numpy(), 0, atol=1e-12)
    np.testing.assert_allclose(f.std(ddof=0).to_numpy(), 1, atol=1e-12)
    # log1p: frequency 0 and 1 differ by log(2) before scaling
    raw = pd.DataFrame({"recency_days": [0, 1], "frequency": [0, 1], "monetary_amt": [0, 0]})
    g = segments.cluster_features(raw)
    assert g["monetary_amt"].tolist() == [0.0, 0.0]  # constant column: sd replaced by 1
    with pytest.raises(ValueError, match="negative"):
        segments.cluster_features(raw.assign(frequency=[-1, 1]))


def test_choose_k_finds_three_blobs() -> None:
    k, table = segments.choose_k(segments.cluster_features(_blobs()), 2, 5, seed=1)
    assert k == 3
    assert table.loc[3, "stability_ari"] == pytest.approx(1.0)
    assert table["chosen"].sum() == 1
    with pytest.raises(ValueError, match="k_min"):
        segments.choose_k(segments.cluster_features(_blobs()), 1, 3)


@pytest.mark.parametrize("sample", [40, 90, 500])
def test_choose_k_shared_distances_give_sklearns_sampled_silhouette(monkeypatch, sample) -> None:
    # the distances of the sampled customers are computed once for every k and run; the table
    # must be exactly the one of silhouette_score(x, labels, sample_size, random_state=seed)
    f = segments.cluster_features(_blobs(2))
    _, shared = segments.choose_k(f, 2, 5, seed=7, silhouette_sample=sample)
    monkeypatch.setattr(segments, "SILHOUETTE_PRECOMPUTE_MAX", 0)  # sklearn's sampling each time
    _, plain = segments.choose_k(f, 2, 5, seed=7, silhouette_sample=sample)
    pd.testing.assert_frame_equal(shared, plain, check_exact=True)
    # and by hand for k = 3: sklearn on the seeded sample of customers
    from sklearn.metrics import silhouette_score

    x = f.to_numpy(float)
    runs = [segments._kmeans(x, 3, 7 + i).labels_ for i in range(4)]
    want = np.mean([silhouette_score(x, lab, sample_size=min(sample, len(x)), random_state=7)
                    for lab in runs])
    assert shared.loc[3, "silhouette"] == pytest.approx(want, rel=1e-12)


def test_fit_clusters_orders_by_value() -> None:
    raw = _blobs()
    lab = segments.fit_clusters(segments.cluster_features(raw), 3, seed=7)
    # group 1 (recent, frequent, high spend) is cluster 1; group 3 (lapsed) is cluster 3
    assert lab.iloc[:30].eq(1).all() and lab.iloc[30:60].eq(2).all() and lab.iloc[60:].eq(3).all()
    # labels do not depend on the seed
    assert lab.equals(segments.fit_clusters(segments.cluster_features(raw), 3, seed=99))
    d = segments.describe_clusters(raw, lab)
    assert d["n_customers"].tolist() == [30, 30, 30]
    with pytest.raises(ValueError, match="k=1"):
        segments.fit_clusters(segments.cluster_features(raw), 1)


def test_crosstab_segments() -> None:
    seg = pd.Series(["a", "a", "b", "b"], index=[1, 2, 3, 4])
    cl = pd.Series([1, 1, 2, 2], index=[1, 2, 3, 4])
    t = segments.crosstab_segments(seg, cl)
    assert t.loc["a", 1] == 2 and t.attrs["adjusted_rand"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="indexes differ"):
        segments.crosstab_segments(seg, cl.set_axis([5, 6, 7, 8]))


def test_value_tiers_hand_worked() -> None:
    idx = pd.Index(range(1, 13), name="customer_id")
    # customers 1, 2 have one order -> potential whatever their CLV;
    # 10 repeat buyers with CLV 100, 90, ..., 10: top 20 % (2) high, next 30 % (3) medium, 5 low
    clv = pd.Series([500.0, 0.0] + [100.0 - 10 * i for i in range(10)], index=idx)
    freq = pd.Series([1, 1] + [2] * 10, index=idx)
    t = segments.value_tiers(clv, freq).astype(str).tolist()
    assert t == ["potential"] * 2 + ["high"] * 2 + ["medium"] * 3 + ["low"] * 5
    with pytest.raises(ValueError, match="indexes differ"):
        segments.value_tiers(clv, freq.iloc[1:])


def test_value_tiers_lost_after_the_repurchase_window() -> None:
    idx = pd.Index(range(1, 13), name="customer_id")
    clv = pd.Series([500.0, 0.0] + [100.0 - 10 * i for i in range(10)], index=idx)
    freq = pd.Series([1, 1] + [2] * 10, index=idx)
    # customer 1 ordered 60 days ago, customer 2 61 days ago; window 60 days: 1 potential, 2 lost;
    # a repeat buyer (3) long ago stays in the CLV tiers
    rec = pd.Series([60, 61] + [400] + [5] * 9, index=idx)
    t = segments.value_tiers(clv, freq, recency_days=rec, window_days=60.0).astype(str).tolist()
    assert t == ["potential", "lost"] + ["high"] * 2 + ["medium"] * 3 + ["low"] * 5
    # no window (too few repeat customers): every one-time buyer is potential
    t = segments.value_tiers(clv, freq, recency_days=rec, window_days=None).astype(str).tolist()
    assert t[:2] == ["potential", "potential"]
    with pytest.raises(ValueError, match="recency_days and clv indexes differ"):
        segments.value_tiers(clv, freq, recency_days=rec.iloc[1:], window_days=60.0)
    with pytest.raises(ValueError, match="negative"):
        segments.value_tiers(clv, freq, recency_days=rec, window_days=-1.0)


def test_second_order_gaps_and_the_repurchase_window() -> None:
    ts = pd.to_datetime(["2024-01-01 00:00", "2024-01-11 00:00", "2024-03-01 00:00",
                         "2024-01-05 00:00", "2024-02-01 12:00", "2024-02-01 00:00",
                         "2024-06-01 00:00"])
    lines = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 3, 4],
        "order_id": ["a", "b", "c", "d", "e", "f", "g"],
        "order_ts": ts,
    })
    lines = pd.concat([lines, lines.iloc[[0]]])  # two lines of order a: still one order
    g = segments.second_order_gaps(lines, "2024-05-01")
    # customer 1: 10 days; 2: 27.5 days; 3 has one order; 4's order is after the cutoff
    assert g.to_dict() == {1: 10.0, 2: 27.5}
    # before 2024-02-01 12:00 customer 2 has one order
    assert segments.second_order_gaps(lines, "2024-02-01 12:00").to_dict() == {1: 10.0}
    # the 90 % quantile of 1..20 days (linear rule): position 0.9 * 19 = 17.1 (0-based), between
    # the 18th and 19th values: 18 + 0.1 * (19 - 18) = 18.1
    assert segments.repurchase_window(pd.Series(range(1, 21)), 0.9) == pytest.approx(18.1)
    assert segments.repurchase_window(pd.Series(range(1, 21)), 0.5) == pytest.approx(10.5)
    assert segments.repurchase_window(pd.Series(range(1, 20)), 0.9) is None  # 19 < 20 gaps
    with pytest.raises(ValueError, match="quantile"):
        segments.repurchase_window(pd.Series(range(1, 21)), 1.0)
    with pytest.raises(ValueError, match="negative"):
        segments.repurchase_window(pd.Series([-1.0] * 30))


def test_recalibration_factor_by_hand() -> None:
    f = segments.recalibration_factor([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    assert f[0] == 1.0 and f[1] < 1.0 < f[2]
    # the model predicts 4x too many for every customer: factor 0.25, no resample differs
    f = segments.recalibration_factor([1.0] * 50, [4.0] * 50, n_boot=200)
    assert f == pytest.approx((0.25, 0.25, 0.25))
    # same seed, same interval; another seed, another interval
    a = segments.recalibration_factor(np.arange(30.0), np.ones(30), seed=1)
    assert a == segments.recalibration_factor(np.arange(30.0), np.ones(30), seed=1)
    assert a[0] == pytest.approx(435 / 30)
    assert segments.recalibration_factor([], []) is None
    assert segments.recalibration_factor([1.0], [0.0]) is None
    with pytest.raises(ValueError, match="actual vs"):
        segments.recalibration_factor([1.0, 2.0], [1.0])


def test_tier_change_regroups_the_same_value() -> None:
    idx = pd.Index([1, 2, 3, 4])
    clv = pd.Series([10.0, 20.0, 30.0, 40.0], index=idx)
    before = pd.Series(["potential", "potential", "high", "low"], index=idx)
    after = pd.Series(["potential", "lost", "high", "low"], index=idx)
    t = segments.tier_change(before, after, clv)
    assert t.loc["potential"].tolist() == [2, 1, 30.0, 10.0, -1, -20.0]
    assert t.loc["lost"].tolist() == [0, 1, 0.0, 20.0, 1, 20.0]
    assert t["clv_before_amt"].sum() == t["clv_after_amt"].sum() == 100.0
    with pytest.raises(ValueError, match="after and clv"):
        segments.tier_change(before, after.iloc[1:], clv)
    # lost CLV halved after the change: the lost row shows 10, the total drops by 10
    t = segments.tier_change(before, after, clv, clv.where(after != "lost", clv / 2))
    assert t.loc["lost", "clv_after_amt"] == 10.0 and t.loc["lost", "clv_before_amt"] == 0.0
    assert t["clv_after_amt"].sum() == 90.0 and t.loc["potential", "clv_change_amt"] == -20.0


def test_playbook_table() -> None:
    v = pd.DataFrame(
        {"tier": ["high", "high", "potential"], "segment": ["champions", "champions", "new"],
         "clv_12m": [100.0, 50.0, 5.0]}
    )  # fmt: skip
    p = segments.playbook_table(v)
    assert len(p) == 2
    row = p[p.tier == "high"].iloc[0]
    assert row.n_customers == 2 and row.clv_12m_amt == 150.0
    assert row.action.startswith("VIP treatment") and "referrals" in row.action
    with pytest.raises(ValueError, match="clv_12m"):
        segments.playbook_table(v.drop(columns="clv_12m"))


def test_playbook_tier_advice_is_the_case_study_wording() -> None:
    v = pd.DataFrame({"tier": ["high", "potential"], "segment": ["at_risk", "new"],
                      "clv_12m": [10.0, 1.0]})  # fmt: skip
    p = segments.playbook_table(v).set_index("tier")
    # one playbook: the tier part of each cell is the case study's action for that tier
    assert p.loc["high", "action"].startswith(actions.ACTIONS["vip"] + "; ")
    assert p.loc["potential", "action"].startswith(actions.ACTIONS["nurture"] + "; ")
    assert segments.TIER_ACTIONS is actions.TIER_ACTIONS


def _value_inputs() -> tuple:
    idx = pd.Index([7, 8, 9], name="customer_id")
    scores = pd.DataFrame(
        {"r_score": [5, 3, 1], "f_score": [5, 3, 1], "m_score": [4, 3, 1],
         "rfm_cell": ["554", "333", "111"]}, index=idx,
    )  # fmt: skip
    seg = pd.Series(["champions", "need_attention", "lost"], index=idx)
    cl = pd.Series([1, 2, 3], index=idx)
    tier = pd.Series(["high", "medium", "potential"], index=idx)
    model = pd.DataFrame(
        {"p_alive": [0.9, 0.5, 1.0], "expected_purchases_52w": [5.0, 1.0, 0.2],
         "clv_12m": [500.0, 80.0, 10.0]}, index=idx,
    )  # fmt: skip
    return scores, seg, cl, tier, model


def test_customer_value_table_and_export(tmp_path) -> None:
    t = segments.customer_value_table(*_value_inputs(), key=KEY)
    assert t["customer_id"].tolist() == [7, 8, 9]
    assert t["customer_key"].str.startswith("c_").all() and t["customer_key"].nunique() == 3
    pq, csv = segments.export_customer_value(t, tmp_path / "proc", tmp_path / "rep")
    back = pd.read_parquet(pq)
    assert len(back) == 3 and "customer_id" in back
    exp = pd.read_csv(csv)
    assert list(exp.columns) == [*segments.EXPORT_COLUMNS, "expected_purchases_52w", "clv_12m"]
    assert "customer_id" not in exp.columns and csv.name == "customer_value.csv"
    assert csv.parent.name == "exports"


def test_value_table_columns_follow_the_horizon(tmp_path) -> None:
    scores, seg, cl, tier, model = _value_inputs()
    model = model.rename(columns={"expected_purchases_52w": "expected_purchases_26w",
                                  "clv_12m": "clv_6m"})
    t = segments.customer_value_table(scores, seg, cl, tier, model, key=KEY)
    assert {"expected_purchases_26w", "clv_6m"} <= set(t.columns) and "clv_12m" not in t
    _, csv = segments.export_customer_value(t, tmp_path / "proc", tmp_path / "rep")
    assert list(pd.read_csv(csv).columns)[-2:] == ["expected_purchases_26w", "clv_6m"]
    _, csv = segments.export_customer_value(t, tmp_path / "proc", tmp_path / "rep", "usd")
    back = pd.read_csv(csv)
    assert list(back.columns)[-3:] == ["expected_purchases_26w", "clv_6m", "currency"]
    assert set(back["currency"]) == {"USD"}
    assert "clv_6m_amt" in segments.playbook_table(t).columns


def test_customer_value_table_rejects_misaligned() -> None:
    scores, seg, cl, tier, model = _value_inputs()
    with pytest.raises(ValueError, match="tier index"):
        segments.customer_value_table(scores, seg, cl, tier.iloc[:2], model, KEY)
    with pytest.raises(ValueError, match="missing column"):
        segments.export_customer_value(pd.DataFrame({"customer_key": ["c_1"]}), "/tmp", "/tmp")


def test_value_separation_hand_worked():
    # log1p values: group a = [0, 0] (values 0, 0), group b = [log 2, log 2] (values 1, 1)
    # all variance is between the groups -> 1; one group -> 0
    v = pd.Series([0.0, 0.0, 1.0, 1.0])
    assert segments.value_separation(v, pd.Series(["a", "a", "b", "b"])) == pytest.approx(1.0)
    assert segments.value_separation(v, pd.Series(["a", "b", "a", "b"])) == pytest.approx(0.0)
    # y = log1p(0, 1, 3) = 0, .6931, 1.3863; mean .6931; total SS = 2 * .6931^2 = .9609
    # groups {0, 1} and {3}: means .3466, 1.3863 -> between = 2*.3466^2 + 1*.6931^2 = .7206
    v3 = pd.Series([0.0, 1.0, 3.0])
    assert segments.value_separation(v3, pd.Series(["x", "x", "y"])) == pytest.approx(0.75)
    with pytest.raises(ValueError, match=">= 0"):
        segments.value_separation(pd.Series([-1.0, 2.0]), pd.Series(["a", "b"]))


def test_segment_cluster_agreement_at_equal_granularity():
    # 6 customers; clusters split them into the low-scoring and the high-scoring half
    sc = pd.DataFrame({"r_score": [1, 1, 2, 4, 5, 5], "f_score": [1, 2, 1, 4, 5, 4],
                       "m_score": [1, 1, 1, 5, 5, 5]})
    cluster = pd.Series([0, 0, 0, 1, 1, 1])
    # 6 different segment labels vs 2 clusters: ARI 0 by construction
    seg = pd.Series(list("abcdef"))
    value = pd.Series([1.0, 2.0, 1.5, 50.0, 80.0, 60.0])
    a = segments.segment_cluster_agreement(sc, seg, cluster, value)
    assert a["k"] == 2 and a["ari_segments_vs_clusters"] == pytest.approx(0.0)
    # totals 3, 4, 4, 13, 15, 14 -> 2 groups over positions: lowest three / highest three
    # -> exactly the clusters: ARI 1
    assert a["ari_rfm_k_groups_vs_clusters"] == pytest.approx(1.0)
    assert a["separation_segments"] == pytest.approx(1.0)   # one customer per label
    assert a["separation_clusters"] == a["separation_rfm_k_groups"]
    with pytest.raises(ValueError, match="m_score"):
        segments.segment_cluster_agreement(sc.drop(columns="m_score"), seg, cluster, value)

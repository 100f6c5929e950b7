"""Tests for helpers.models.uplift: hand-worked Qini, learners on planted data, targeting.

Stated tolerances:
- Qini curve and area on 8 customers: exact (hand-worked below).
- T- and X-learner on a planted two-group dataset (2,000 customers, true uplift +0.30 and
  -0.20): the mean prediction per group has the planted sign and lies within 0.12 of it.
- On a generated CRM (4,000 customers, 50 % treated, contact budget = 20 % of the eligible):
  targeting by cross-fitted T-learner uplift × value reaches more true incremental purchasers
  than targeting by churn risk, by value at stake and at random (k x mean true uplift) (point
  estimates, strictly), the
  paired 95 % bootstrap interval of (uplift - value at stake) lies above 0, and the predicted
  uplift correlates positively with the planted one (Pearson > 0.1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import synth
from helpers.models import uplift

# 8 customers (given in shuffled order); by score: T1 C0 T1 C1 T0 C0 T0 C0
QINI_ROWS = pd.DataFrame({
    "score": [0.5, 0.9, 0.2, 0.7, 0.4, 0.8, 0.6, 0.3],
    "treated": [True, True, False, True, False, False, False, True],
    "y": [0, 1, 0, 1, 0, 0, 1, 0],
})


def test_qini_curve_hand_worked():
    c = uplift.qini_curve(QINI_ROWS["y"], QINI_ROWS["treated"], QINI_ROWS["score"])
    # n: (N_T, Y_T, N_C, Y_C) -> Q = Y_T - Y_C N_T / N_C (0 while N_C = 0)
    # 1: (1,1,0,0) 0 | 2: (1,1,1,0) 1 | 3: (2,2,1,0) 2 | 4: (2,2,2,1) 2-1 = 1
    # 5: (3,2,2,1) 2-1.5 = .5 | 6: (3,2,3,1) 1 | 7: (4,2,3,1) 2-4/3 | 8: (4,2,4,1) 1
    want = [0, 0, 1, 2, 1, 0.5, 1, 2 - 4 / 3, 1]
    np.testing.assert_allclose(c["qini"], want)
    np.testing.assert_allclose(c["random"], np.arange(9) / 8 * 1.0)
    # area: (sum Q - sum random) / N^2 = (7 1/6 - 4.5) / 64 = (8/3) / 64 = 1/24
    area = uplift.qini_area(QINI_ROWS["y"], QINI_ROWS["treated"], QINI_ROWS["score"])
    assert area == pytest.approx(1 / 24)
    # the reverse order: Q(n) for the bottom-first ranking
    rev = uplift.qini_area(QINI_ROWS["y"], QINI_ROWS["treated"], -QINI_ROWS["score"])
    assert rev < 0


def test_uplift_by_decile_hand_worked():
    t = uplift.uplift_by_decile(QINI_ROWS["y"], QINI_ROWS["treated"], QINI_ROWS["score"],
                                truth=QINI_ROWS["score"], n_bins=2)
    # top half: treated y = 1, 1 (rate 1), controls 0, 1 (rate .5); bottom half: all 0
    assert t["n"].tolist() == [4, 4] and t["n_treated"].tolist() == [2, 2]
    np.testing.assert_allclose(t["uplift_observed"], [0.5, 0.0])
    np.testing.assert_allclose(t["uplift_true_mean"], [0.75, 0.35])


def test_randomised_difference_hand_worked():
    est, lo, hi = uplift.randomised_difference([1, 1, 0, 1, 0, 0], [1, 1, 1, 0, 0, 0],
                                               n_boot=200)
    assert est == pytest.approx(2 / 3 - 1 / 3)
    assert lo <= est <= hi


def test_targeting_comparison_hand_worked():
    idx = pd.Index([10, 11, 12, 13])
    scores = pd.DataFrame({"risk": [4.0, 3.0, 2.0, 1.0], "other": [1.0, 2.0, 3.0, 4.0]},
                          index=idx)
    tu = pd.Series([0.5, 0.1, -0.2, 0.3], index=idx)
    tr = pd.Series([50.0, 10.0, -20.0, 30.0], index=idx)
    out = uplift.targeting_comparison(scores, tu, tr, k=2, n_boot=50)
    assert out.loc["risk", "incremental_purchasers"] == pytest.approx(0.6)
    assert out.loc["other", "incremental_purchasers"] == pytest.approx(0.1)
    assert out.loc["other", "incremental_revenue_amt"] == pytest.approx(10.0)
    assert out.loc["other", "diff_purchasers_vs_risk"] == pytest.approx(-0.5)
    assert out.loc["risk", "diff_purchasers_vs_risk_lo"] == 0.0


def _two_groups(n=2000, seed=0):
    """Group A (x0 = 1): base 0.3, uplift +0.3; group B: base 0.6, uplift -0.2; noise column."""
    rng = np.random.default_rng(seed)
    g = rng.random(n) < 0.5
    t = rng.random(n) < 0.5
    p = np.where(g, 0.3 + 0.3 * t, 0.6 - 0.2 * t)
    y = (rng.random(n) < p).astype(int)
    x = pd.DataFrame({"x0": g.astype(float), "noise": rng.normal(size=n)})
    return x, t, y, g


@pytest.mark.parametrize("learner", [uplift.fit_t_learner, uplift.fit_x_learner])
def test_learners_recover_the_planted_sign_by_group(learner):
    x, t, y, g = _two_groups()
    pred = learner(x, t, y, seed=0).predict(x)
    assert pred[g].mean() == pytest.approx(0.3, abs=0.12)
    assert pred[~g].mean() == pytest.approx(-0.2, abs=0.12)


def test_cross_fit_scores_everyone_out_of_fold():
    x, t, y, g = _two_groups()
    pred = uplift.cross_fit_uplift(x, t, y, "t", n_folds=2, seed=0)
    assert pred.notna().all() and pred.index.equals(x.index)
    assert pred[g].mean() > 0 > pred[~g].mean()


def test_cross_fit_learners_equals_one_learner_at_a_time_in_any_number_of_processes():
    x, t, y, _ = _two_groups()
    one = {lrn: uplift.cross_fit_uplift(x, t, y, lrn, n_folds=3, seed=4) for lrn in ("t", "x")}
    for n_jobs in (1, 2):
        both = uplift.cross_fit_learners(x, t, y, ("t", "x"), n_folds=3, seed=4, n_jobs=n_jobs)
        assert list(both) == ["t", "x"]
        for lrn in ("t", "x"):  # the same folds and fits: equal to the last bit
            pd.testing.assert_series_equal(both[lrn], one[lrn])
    only_x = uplift.cross_fit_learners(x, t, y, ("x",), n_folds=3, seed=4)
    pd.testing.assert_series_equal(only_x["x"], one["x"])
    with pytest.raises(ValueError, match=r"^cross_fit_learners: learners=\['t', 'z'\]; choose"):
        uplift.cross_fit_learners(x, t, y, ("t", "z"))


def test_cross_fitting_model_by_model_equals_fitting_fold_by_fold():
    """The cross-fitting fits one model per task (both arms' outcome models, then both arms'
    effect models); it must equal fitting each fold's T- and X-learner whole with the public
    fitters, on the same stratified folds, to the last bit, in one process or two."""
    from sklearn.model_selection import StratifiedKFold

    x, t, y, _ = _two_groups()
    t, y = np.asarray(t, bool), np.asarray(y, float)
    folds = StratifiedKFold(3, shuffle=True, random_state=4).split(np.zeros(len(t)), 2 * t + (y > 0))
    want = {"t": np.full(len(t), np.nan), "x": np.full(len(t), np.nan)}
    for train, test in folds:
        base = uplift.fit_t_learner(x.iloc[train], t[train], y[train], seed=4)
        xl = uplift.fit_x_learner(x.iloc[train], t[train], y[train], seed=4, base=base)
        want["t"][test] = base.predict(x.iloc[test])
        want["x"][test] = xl.predict(x.iloc[test])
    for n_jobs in (1, 2):
        got = uplift.cross_fit_learners(x, t, y, ("t", "x"), n_folds=3, seed=4, n_jobs=n_jobs)
        for lrn in ("t", "x"):
            np.testing.assert_array_equal(got[lrn].to_numpy(), want[lrn])
    assert not np.allclose(want["t"], want["x"])  # two learners, two answers


# ----------------------------------------------------------------------------- generated CRM


@pytest.fixture(scope="module")
def study():
    crm = synth.simulate_crm(4000, "2009-12-01", "2011-12-09", seed=2024, retention_share=0.5)
    tx = crm.transactions
    tx = tx[tx["source_customer_id"].notna() & ~tx["invoice"].str.startswith("C")
            & ~tx["stock_code"].isin(["POST", "M"])]
    lines = pd.DataFrame({
        "customer_id": tx["source_customer_id"].astype("int64"),
        "order_id": tx["invoice"],
        "order_ts": tx["invoice_ts"],
        "revenue_amt": tx["quantity"] * tx["unit_price"],
        "country": tx["country"],
    })

    def keyed(df):
        return df.assign(customer_id=df["source_customer_id"].astype("int64"))

    camp = keyed(crm.campaign)
    x = uplift.uplift_features(lines, camp, keyed(crm.customers))
    gt = keyed(crm.ground_truth_customers).set_index("customer_id").loc[x.index]
    y, t = camp["purchased_in_window"].to_numpy(), camp["treated"].to_numpy()
    pred = uplift.cross_fit_uplift(x, t, y, "t", seed=0)
    return x, y, t, pred, gt


def test_features_use_history_before_the_campaign_only(study):
    x, *_ = study
    assert (x["recency_days"] > 0).all()
    assert {"income_band=high", "bg_p_no_purchase", "aov_amt"} <= set(x.columns)


def test_uplift_targeting_beats_risk_and_value_on_the_planted_truth(study):
    x, y, t, pred, gt = study
    scores = uplift.targeting_scores(x, pred)
    k = len(x) // 5
    out = uplift.targeting_comparison(scores, gt["true_uplift_purchase"],
                                      gt["true_uplift_revenue_amt"], k, n_boot=200)
    ip = out["incremental_purchasers"]
    assert ip["uplift_value"] > ip["risk"]
    assert ip["uplift_value"] > k * gt["true_uplift_purchase"].mean()  # random targeting
    assert ip["uplift_value"] > ip["value_at_stake"]
    vs = uplift.targeting_comparison(scores, gt["true_uplift_purchase"],
                                     gt["true_uplift_revenue_amt"], k,
                                     reference="value_at_stake", n_boot=200)
    assert vs.loc["uplift_value", "diff_purchasers_vs_value_at_stake_lo"] > 0
    rev = out["incremental_revenue_amt"]
    assert rev["uplift_value"] > rev["risk"]
    for rule in out.index:  # each interval brackets its point
        assert out.loc[rule, "incremental_purchasers_lo"] <= ip[rule]
        assert ip[rule] <= out.loc[rule, "incremental_purchasers_hi"]


def test_predicted_uplift_tracks_the_planted_one(study):
    x, y, t, pred, gt = study
    ev = uplift.evaluate_against_truth(y, t, pred, gt["true_uplift_purchase"])
    assert ev["pearson"] > 0.1
    assert ev["qini_area_truth"] > 0  # the truth ranks responders first on the outcomes
    dec = uplift.uplift_by_decile(y, t, pred, gt["true_uplift_purchase"])
    assert dec["uplift_true_mean"].iloc[:3].mean() > dec["uplift_true_mean"].iloc[-3:].mean()


# ----------------------------------------------------------------------------- failure modes


def test_rejects_one_arm_and_bad_budget():
    with pytest.raises(ValueError, match="treated and control"):
        uplift.qini_curve([1, 0], [True, True], [0.1, 0.2])
    with pytest.raises(ValueError, match="one non-NaN value"):
        uplift.qini_curve([1, 0], [True, False], [0.1, np.nan])
    with pytest.raises(ValueError, match="learner"):
        uplift.cross_fit_uplift(pd.DataFrame({"a": [1.0, 2.0]}), [1, 0], [1, 0], "z")
    scores = pd.DataFrame({"risk": [1.0, 2.0]})
    tu = pd.Series([0.1, 0.2])
    with pytest.raises(ValueError, match="k=3"):
        uplift.targeting_comparison(scores, tu, tu, k=3)
    with pytest.raises(ValueError, match="reference"):
        uplift.targeting_comparison(scores, tu, tu, k=1, reference="value")


def test_uplift_features_rejects_missing_columns_and_unknown_customers():
    lines = pd.DataFrame({"customer_id": [1, 1], "order_id": ["a", "b"],
                          "order_ts": pd.to_datetime(["2024-01-01", "2024-02-01"]),
                          "revenue_amt": [10.0, 20.0]})
    with pytest.raises(ValueError, match="campaign_ts"):
        uplift.uplift_features(lines, pd.DataFrame({"customer_id": [1]}))
    camp = pd.DataFrame({"customer_id": [1, 2],
                         "campaign_ts": pd.to_datetime(["2024-03-01"] * 2),
                         "outcome_end_ts": pd.to_datetime(["2024-04-01"] * 2)})
    with pytest.raises(ValueError, match="no order before"):
        uplift.uplift_features(lines, camp)


# ----------------------------------------------------------------------------- policy gain


def test_policy_gain_randomised_hand_worked():
    # 8 customers, alternately treated; rule a contacts 0-3, rule b contacts 4-7 (k = 4)
    scores = pd.DataFrame({"a": [8, 7, 6, 5, 4, 3, 2, 1], "b": [1, 2, 3, 4, 5, 6, 7, 8]},
                          dtype=float)
    t = np.array([1, 0, 1, 0, 1, 0, 1, 0], bool)
    bought = [1, 0, 1, 1, 0, 0, 0, 0]
    revenue = [10, 0, 30, 5, 0, 0, 0, 4]
    out = uplift.policy_gain_randomised(scores, t, {"p": bought, "r": revenue}, 4, "b",
                                        n_boot=50)
    # a: treated {0, 2} buy 1, 1; control {1, 3} buy 0, 1 -> 4 * (1 - 0.5) = 2
    # b: treated {4, 6} buy 0, 0; control {5, 7} buy 0, 0 -> 0
    assert out.loc["a", "incremental_p"] == pytest.approx(2.0)
    assert out.loc["b", "incremental_p"] == pytest.approx(0.0)
    # revenue a: 4 * ((10 + 30) / 2 - (0 + 5) / 2) = 70; b: 4 * (0 - (0 + 4) / 2) = -8
    assert out.loc["a", "incremental_r"] == pytest.approx(70.0)
    assert out.loc["b", "incremental_r"] == pytest.approx(-8.0)
    assert out.loc["a", "diff_r_vs_b"] == pytest.approx(78.0)
    assert out.loc["b", "diff_r_vs_b"] == 0.0 == out.loc["b", "diff_r_vs_b_hi"]
    assert (out["k"] == 4).all()
    with pytest.raises(ValueError, match="reference 'c'"):
        uplift.policy_gain_randomised(scores, t, {"p": bought}, 4, "c")
    with pytest.raises(ValueError, match="k=9"):
        uplift.policy_gain_randomised(scores, t, {"p": bought}, 9, "a")


def test_choose_targeting_keeps_the_reference_unless_the_interval_excludes_zero():
    won = uplift.choose_targeting(3.0, 0.5, 6.0, "uplift_value", "value_at_stake")
    assert won["winner"] == "uplift_value" and won["beats_reference"]
    for lo in (-0.5, 0.0, float("nan")):
        kept = uplift.choose_targeting(3.0, lo, 6.0, "uplift_value", "value_at_stake")
        assert kept["winner"] == "value_at_stake" and not kept["beats_reference"]


def test_policy_gain_from_the_arms_brackets_the_planted_gain(study):
    """On the generated campaign the randomised estimate of each rule's gain has a 95 %
    interval containing the planted gain of the same customers (tolerance: the interval)."""
    x, y, t, pred, gt = study
    scores = uplift.targeting_scores(x, pred)
    k = len(x) // 5
    truth = uplift.targeting_comparison(scores, gt["true_uplift_purchase"],
                                        gt["true_uplift_revenue_amt"], k, n_boot=20)
    est = uplift.policy_gain_randomised(scores, t, {"purchasers": y}, k, "value_at_stake",
                                        n_boot=300, seed=1)
    for rule in scores.columns:
        assert est.loc[rule, "incremental_purchasers_lo"] <= \
            truth.loc[rule, "incremental_purchasers"] <= est.loc[rule, "incremental_purchasers_hi"]
    assert est.loc["uplift_value", "incremental_purchasers"] > \
        est.loc["risk", "incremental_purchasers"]
    assert "diff_revenue_amt_vs_risk" in truth.columns

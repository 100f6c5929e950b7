"""Tests for helpers.models.churn: hand-worked features and labels, the leakage guard, models."""

import functools

import numpy as np
import pandas as pd
import pytest

from helpers.models import churn
from helpers.value import clv


def _lines(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_ts", "revenue_amt",
                                     "country"])
    df["customer_id"] = df["customer_id"].astype("Int64")
    df["order_ts"] = pd.to_datetime(df["order_ts"])
    df["order_id"] = df["order_id"].astype("string")
    df["product_id"] = "p" + df.index.astype(str)
    df["line_id"] = np.arange(len(df))
    return df


TINY = _lines([
    (1, "a", "2024-01-01", 4.0, "United Kingdom"),
    (1, "a", "2024-01-01", 6.0, "United Kingdom"),
    (1, "b", "2024-01-11", 30.0, "France"),
    (2, "c", "2024-01-05", 5.0, "United Kingdom"),
    (None, "g", "2024-01-06", 99.0, "United Kingdom"),  # guest: ignored
    (2, "d", "2024-01-21", 50.0, "United Kingdom"),  # at the cutoff: not history
    (1, "e", "2024-01-25", 8.0, "United Kingdom"),
    (3, "f", "2024-02-20", 8.0, "United Kingdom"),
])
CUT = pd.Timestamp("2024-01-21")


def _synthetic(n=600, days=540, seed=0):
    """Customers with a Gamma purchase rate and an exponential lifetime (known churn signal)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-03")
    rows = []
    for c in range(1, n + 1):
        first = rng.integers(0, days // 2)
        rate = rng.gamma(2.0, 0.02)  # orders per day
        death = first + rng.exponential(250)
        t = float(first)
        k = 0
        while t < min(death, days):
            rows.append((c, f"{c}_{k}", start + pd.Timedelta(days=int(t)),
                         float(rng.gamma(2, 20)), "United Kingdom" if c % 4 else "Germany"))
            t += rng.exponential(1 / rate)
            k += 1
    return _lines(rows)


def test_build_features_hand_worked():
    f = churn.build_features(TINY, CUT)
    assert list(f.index) == [1, 2]
    c1 = f.loc[1]
    # orders 01-01 (£10, 2 lines, UK) and 01-11 (£30, France); cutoff 01-21
    assert c1["recency_days"] == 10 and c1["tenure_days"] == 20
    assert c1["n_orders"] == 2 and c1["revenue_amt"] == 40 and c1["aov_amt"] == 20
    assert c1["gap_mean_days"] == 10 and c1["recency_gap_ratio"] == 1.0
    assert c1["lines_per_order"] == 1.5 and c1["uk_share"] == 0.5
    # window 90 days: both orders recent, none previous -> trend log(41) - log(1)
    assert c1["spend_trend"] == pytest.approx(np.log(41))
    # customer 2: one order 01-05 (the 01-21 order is at the cutoff and excluded)
    assert f.loc[2, "n_orders"] == 1 and f.loc[2, "recency_days"] == 16
    assert np.isnan(f.loc[2, "gap_mean_days"])


def test_build_features_errors():
    with pytest.raises(ValueError, match="no customer orders"):
        churn.build_features(TINY, pd.Timestamp("2023-01-01"))
    with pytest.raises(ValueError, match="order_id"):
        churn.build_features(TINY.drop(columns="order_id"), CUT)


def test_make_labels_hand_worked():
    # window [01-21, 01-31): customer 1 buys 01-25 -> 0; customer 2 buys 01-21 -> 0
    y = churn.make_labels(TINY, pd.Index([1, 2]), CUT, 10)
    assert y.tolist() == [0, 0]
    # window [01-22, 02-01): customer 2's 01-21 order is before it -> churned
    y = churn.make_labels(TINY, pd.Index([1, 2]), pd.Timestamp("2024-01-22"), 10)
    assert y.tolist() == [0, 1]


def test_make_labels_incomplete_window_raises():
    with pytest.raises(ValueError, match="ends after the data"):
        churn.make_labels(TINY, pd.Index([1]), pd.Timestamp("2024-02-15"), 30)


def test_cutoffs_spacing():
    c = churn.cutoffs(pd.Timestamp("2024-12-31"), 90)
    assert c["test"] == pd.Timestamp("2024-10-02")
    assert c["test"] - c["train"] == pd.Timedelta(days=90) == c["train"] - c["tune"]


def test_no_leakage_in_build_features():
    churn.assert_no_leakage(churn.build_features, TINY, CUT)
    lines = _synthetic(200, 300)
    cut = lines["order_ts"].min() + pd.Timedelta(days=200)
    churn.assert_no_leakage(churn.build_features, lines, cut)
    full = functools.partial(churn.build_features, products=PRODUCTS, horizon_days=30,
                             extended=True)
    churn.assert_no_leakage(full, lines, cut)  # BG/NBD inputs, categories, last-year window


PRODUCTS = pd.DataFrame({"product_id": pd.Series([f"p{i}" for i in range(3000)], dtype="string"),
                         "category": pd.Series(["toys" if i % 3 else "home decor"
                                                for i in range(3000)], dtype="string")})


def test_build_features_new_columns_hand_worked():
    # customer 1: orders 01-01 (10, p0 p1) and 01-11 (30, p2); cutoff 01-21
    f = churn.build_features(TINY, CUT, products=PRODUCTS, extended=True)
    assert "gap_cv" not in churn.build_features(TINY, CUT)  # the base set stays as it was
    c1 = f.loc[1]
    assert np.isnan(c1["gap_cv"])  # one gap: no spread
    assert c1["recency_minus_gap_days"] == 0.0  # recency 10 - mean gap 10
    assert c1["n_products"] == 3 and c1["q4_share"] == 0.0  # January only
    # basket trend: log(30) - log(10)
    assert c1["basket_trend"] == pytest.approx(np.log(3))
    # p0 is "home decor" (index 0), p1, p2 "toys": home decor 4 / 40, toys 36 / 40
    assert c1["cat_home_decor"] == pytest.approx(0.1) and c1["cat_toys"] == pytest.approx(0.9)
    assert c1["n_categories"] == 2
    assert churn.category_columns(PRODUCTS) == ["cat_toys", "cat_home_decor"]  # by count
    assert churn.category_columns(None) == [] and churn.category_columns(PRODUCTS.head(1)) == []
    # gap CV: gaps 10, 20 and 276 days -> sample std / mean
    three = _lines([(1, "a", "2024-01-01", 10.0, "UK"), (1, "b", "2024-01-11", 10.0, "UK"),
                    (1, "c", "2024-01-31", 10.0, "UK"), (1, "d", "2024-11-02", 50.0, "UK")])
    g = churn.build_features(three, pd.Timestamp("2024-11-03"), extended=True)
    assert g.loc[1, "gap_cv"] == pytest.approx(np.std([10, 20, 276], ddof=1) / np.mean([10, 20, 276]))
    assert g.loc[1, "q4_share"] == pytest.approx(50 / 80)
    # basket trend: log(50) - mean(log 10 x3)
    assert g.loc[1, "basket_trend"] == pytest.approx(np.log(5))


def test_btyd_features_match_the_baseline():
    lines = _synthetic(200, 300)
    cut = lines["order_ts"].min() + pd.Timedelta(days=200)
    f = churn.build_features(lines, cut, horizon_days=30)
    fit = clv.fit_at(lines, cut, "W")
    p0 = churn.bgnbd_prob_no_purchase(fit.bgnbd, *fit.frt, 30 / 7)
    assert f["bg_p_no_purchase"].to_numpy() == pytest.approx(
        pd.Series(p0, index=fit.summary.index).reindex(f.index).to_numpy())
    assert ((f["bg_p_alive"] > 0) & (f["bg_p_alive"] <= 1)).all()
    # P(no purchase) can never be below 1 - P(alive)
    assert (f["bg_p_no_purchase"] >= 1 - f["bg_p_alive"] - 1e-12).all()
    # orders in [cut - 365, cut - 335): none, the history is shorter than a year
    assert (f["orders_same_window_ly"] == 0).all()
    with pytest.raises(ValueError, match="horizon_days"):
        churn.btyd_features(lines, cut, 0)


def test_paired_bootstrap_diff_hand_worked():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    p = rng.random(400)
    same = churn.paired_bootstrap_diff(y, p, p, n_boot=100, seed=0)
    for m in ("roc_auc", "brier"):
        assert same[m]["diff"] == 0 and same[m]["ci_low"] == 0 and same[m]["ci_high"] == 0
        assert not same[m]["excludes_zero"]
    perfect = y * 0.9 + 0.05  # planted perfect model: AUC 1, Brier 0.0025
    d = churn.paired_bootstrap_diff(y, perfect, p, n_boot=100, seed=0)
    assert d["roc_auc"]["challenger"] == 1.0 and d["brier"]["challenger"] == pytest.approx(0.0025)
    assert d["roc_auc"]["ci_low"] > 0.3 and d["brier"]["ci_high"] < -0.2
    assert d["roc_auc"]["excludes_zero"] and d["brier"]["excludes_zero"]
    # deterministic in the seed
    assert churn.paired_bootstrap_diff(y, perfect, p, n_boot=20, seed=3) == \
        churn.paired_bootstrap_diff(y, perfect, p, n_boot=20, seed=3)
    with pytest.raises(ValueError, match="equal length"):
        churn.paired_bootstrap_diff(y, p[:5], p)


def test_bootstrap_score_draws_hand_worked():
    # two customers: every draw is (0,0), (0,1), (1,0) or (1,1); Brier of p=y is always 0,
    # of the constant 0.5 always 0.25; one-class draws give NaN ROC-AUC, the others 1
    d = churn.bootstrap_score_draws(np.array([0, 1]), {"exact": np.array([0.0, 1.0]),
                                                       "coin": np.array([0.5, 0.5])}, 50, seed=0)
    assert (d["brier"]["exact"] == 0).all() and (d["brier"]["coin"] == 0.25).all()
    auc = d["roc_auc"]["exact"]
    assert np.isnan(auc).any() and (auc[~np.isnan(auc)] == 1).all()
    with pytest.raises(ValueError, match="differ in length"):
        churn.bootstrap_score_draws(np.array([0, 1]), {"a": np.array([0.1])}, 5, seed=0)
    # the vectorised ROC-AUC equals sklearn's on each resample, ties included
    from sklearn.metrics import roc_auc_score

    y = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    p = np.array([0.1, 0.4, 0.4, 0.4, 0.9, 0.2, 0.7, 0.3])
    d = churn.bootstrap_score_draws(y, {"p": p}, 20, seed=1)
    idx = np.random.default_rng(1).integers(0, len(y), size=(20, len(y)))
    want = [roc_auc_score(y[i], p[i]) if len(set(y[i])) == 2 else np.nan for i in idx]
    np.testing.assert_allclose(d["roc_auc"]["p"], want)


def test_deployment_decision():
    win = {"roc_auc": {"ci_low": 0.01, "ci_high": 0.03}, "brier": {"ci_low": 0.0, "ci_high": 0.01}}
    tie = {"roc_auc": {"ci_low": -0.01, "ci_high": 0.03}, "brier": {"ci_low": -0.01, "ci_high": 0.01}}
    brier_win = {"roc_auc": {"ci_low": -0.01, "ci_high": 0.0}, "brier": {"ci_low": -0.02, "ci_high": -0.001}}
    assert churn.deployment_decision(win, brier_win)["challenger_deployed"]
    assert not churn.deployment_decision(win, tie)["challenger_deployed"]  # backtest fails
    assert not churn.deployment_decision(tie, win)["challenger_deployed"]  # test fails
    r = churn.deployment_decision(win, None)
    assert not r["challenger_deployed"] and not r["backtest_available"]


def test_leakage_guard_fails_on_future_feature():
    def leaky(lines, cutoff):
        f = churn.build_features(lines, cutoff)
        # a "feature" counting every order, including those after the cutoff
        known = lines[lines["customer_id"].notna()]
        total = known.groupby(known["customer_id"].astype("int64"))["order_id"].nunique()
        return f.assign(orders_all=total.reindex(f.index).astype(float))

    with pytest.raises(churn.LeakageError, match="orders_all"):
        churn.assert_no_leakage(leaky, TINY, CUT)

    def shifted(lines, cutoff):  # looks one week past the cutoff
        return churn.build_features(lines, cutoff + pd.Timedelta(days=7))

    with pytest.raises(churn.LeakageError):
        churn.assert_no_leakage(shifted, TINY, CUT)

    def one_day(lines, cutoff):  # the full feature set, cutoff shifted by a single day
        return churn.build_features(lines, cutoff + pd.Timedelta(days=1), products=PRODUCTS,
                                    horizon_days=30, extended=True)

    lines = _synthetic(150, 300)
    with pytest.raises(churn.LeakageError):
        churn.assert_no_leakage(one_day, lines, lines["order_ts"].min() + pd.Timedelta(days=200))


def test_assert_no_leakage_needs_history():
    with pytest.raises(ValueError, match="no lines before"):
        churn.assert_no_leakage(churn.build_features, TINY, pd.Timestamp("2020-01-01"))


@pytest.fixture(scope="module")
def synth_sets():
    lines = _synthetic()
    end = (lines["order_ts"].max() + pd.Timedelta(days=1)).normalize()
    cuts = churn.cutoffs(end, 90)
    return {k: churn.build_dataset(lines, c, 90, end) for k, c in cuts.items()}


def test_churn_model_beats_majority_class(synth_sets):
    (xt, yt), (xtr, ytr), (xte, yte) = synth_sets["tune"], synth_sets["train"], synth_sets["test"]
    tuned = churn.tune_models(xt, yt, xtr, ytr, seed=0, n_jobs=1)
    assert set(tuned) == {"logistic", "random_forest", "xgboost"}
    for name in ("logistic", "xgboost"):
        m = churn.fit_model(name, tuned[name].best_params, xtr, ytr, seed=0, n_jobs=1)
        s = churn.classification_scores(yte, m.predict_proba(xte)[:, 1])
        majority = churn.classification_scores(yte, np.full(len(yte), ytr.mean()))
        assert majority["roc_auc"] == 0.5
        assert s["roc_auc"] > 0.7 and s["brier"] < majority["brier"]
    cal = churn.fit_model("logistic", tuned["logistic"].best_params, xtr, ytr, seed=0,
                          calibrate=True)
    p = cal.predict_proba(xte)[:, 1]
    assert ((p >= 0) & (p <= 1)).all()


def test_tune_and_fit_failures(synth_sets):
    x, y = synth_sets["train"]
    with pytest.raises(ValueError, match="two classes"):
        churn.tune_models(x, y * 0, x, y, seed=0)
    with pytest.raises(ValueError, match="unknown model"):
        churn.fit_model("svm", {}, x, y, seed=0)


def test_classification_scores_hand_worked():
    # perfect ranking: AUC 1 -> alarm; Brier = mean((0.9-1)^2, (0.1-0)^2) = 0.01
    s = churn.classification_scores([1, 0], [0.9, 0.1])
    assert s["roc_auc"] == 1.0 and s["auc_alarm"] and s["brier"] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="single class"):
        churn.classification_scores([1, 1], [0.2, 0.3])


def test_bgnbd_prob_no_purchase_hand_worked():
    # stand-in model: r=1, alpha=1, p_alive = 0.5 for everyone
    # customer x=1, T=1, t=2: stay0 = ((1+1)/(1+1+2))^(1+1) = (1/2)^2 = 0.25
    # P(no purchase) = 0.5 + 0.5*0.25 = 0.625
    class Bg:
        r, alpha = 1.0, 1.0

        @staticmethod
        def p_alive(f, r, t):
            return np.full(len(np.atleast_1d(f)), 0.5)

    p = churn.bgnbd_prob_no_purchase(Bg(), [1.0], [0.5], [1.0], 2.0)
    assert p == pytest.approx([0.625])
    with pytest.raises(ValueError, match="t must be > 0"):
        churn.bgnbd_prob_no_purchase(Bg(), [1.0], [0.5], [1.0], 0.0)


def test_label_window_is_half_open_at_cutoff_plus_horizon() -> None:
    """An order exactly at cutoff + H falls in the next window: that customer churned in this
    one; an order one second earlier keeps the customer."""
    cut = pd.Timestamp("2011-01-01")
    end = cut + pd.Timedelta(days=30)
    lines = pd.DataFrame({
        "customer_id": pd.array([1, 2, 3], dtype="Int64"),
        "order_ts": [end, end - pd.Timedelta(seconds=1), cut],
        "order_id": ["a", "b", "c"], "revenue_amt": [1.0, 1.0, 1.0],
    })
    y = churn.make_labels(lines, pd.Index([1, 2, 3]), cut, 30,
                          data_end=end + pd.Timedelta(days=1))
    assert y.to_dict() == {1: 1, 2: 0, 3: 0}

"""Tests for helpers.models.churn: hand-worked features and labels, the leakage guard, models."""

# Surviving mutants left on purpose (mutmut 3.8.1, issue 22; all equivalent: no output changes):
# - _slug: strip("XX_XX") for strip("_"): after lower() no name has an upper-case X to strip.
# - _boot_index: rng.integers(n, size) draws the same stream as rng.integers(0, n, size).
# - assert_no_leakage: replace=None (falsy, = False); unit="d" (= "D"); check_exact=None or
#   left out (pandas' default is False for the float features compared).
# - paired_bootstrap_diff, bootstrap_score_draws: np.asarray without dtype=float (every later
#   step casts: the draws, ranks and sklearn scores are the same); np.errstate arguments
#   (warnings only); n1 >= 0, n0 >= 0 or "|" in the denominator guard: a one-class draw then
#   divides 0 by 0, which is the same NaN.
# - bgnbd_prob_no_purchase: np.asarray without dtype=float (float arithmetic follows).
# - make_labels: the buyers' ids cast with astype(None) (float ids match the int index in isin).
# - build_features: DataFrame(index=None) (the first column sets the same index); astype(None)
#   ids (float ids align with the int index); gap_cv / q4_share guards ">= 0" for "> 0" (0 / 0
#   is NaN either way); q4 filler None for 0.0 (sum skips NaN); unknown products' label
#   ("cat_unknown", "XXXX", or the slug of "") only feeds n_categories, where any distinct
#   label counts the same; unstack fill None and n_categories reindex fill (every customer
#   with history has spend rows).
# - _orders: groupby observed=False/None (ids are not categorical); the id copy renamed or
#   cast with astype(None) (same groups); sort kind None or mis-spelt (pandas ignores kind
#   for a multi-column sort).
# - classification_scores: np.asarray(p) without dtype=float (sklearn casts).

import functools
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

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


def test_orders_in_the_same_window_last_year_by_hand():
    """[cut - 365 d, cut - 365 d + horizon): the start day counts, the end day and the day
    before the start do not (planted on two extra customers of a synthetic base)."""
    base = _synthetic(200, 300)
    cut = base["order_ts"].min() + pd.Timedelta(days=200)
    ly0 = cut - pd.Timedelta(days=365)
    day = pd.Timedelta(days=1)
    extra = _lines([(9001, "x1", ly0, 10.0, "UK"), (9001, "x2", ly0 + 30 * day, 10.0, "UK"),
                    (9002, "y1", ly0 - day, 10.0, "UK")])
    extra["product_id"] = "p_extra_" + extra.index.astype(str)
    f = churn.build_features(pd.concat([base, extra], ignore_index=True), cut, horizon_days=30)
    assert f.loc[9001, "orders_same_window_ly"] == 1  # ly0 in, ly0 + 30 days out
    assert f.loc[9002, "orders_same_window_ly"] == 0  # the day before the window


def test_category_columns_keep_the_twelve_largest_by_default():
    cats = [f"c{i:02d}" for i in range(13) for _ in range(20 - i)]  # c00 largest, c12 smallest
    products = pd.DataFrame({"product_id": [f"p{i}" for i in range(len(cats))], "category": cats})
    assert churn.category_columns(products) == [f"cat_c{i:02d}" for i in range(12)]


def test_category_columns_need_both_product_id_and_category():
    assert churn.category_columns(pd.DataFrame({"category": ["toys", "home"]})) == []
    assert churn.category_columns(pd.DataFrame({"product_id": ["a", "b"]})) == []


def test_a_category_nobody_bought_before_the_cutoff_has_share_zero():
    garden = pd.DataFrame({"product_id": pd.Series(["g1", "g2"], dtype="string"),
                           "category": pd.Series(["garden", "garden"], dtype="string")})
    products = pd.concat([PRODUCTS, garden], ignore_index=True)
    assert "cat_garden" in churn.category_columns(products)
    f = churn.build_features(TINY, CUT, products=products)
    assert (f["cat_garden"] == 0.0).all()  # a column of zeros, not missing and not ones
    assert f[["cat_toys", "cat_home_decor"]].sum(axis=1).to_numpy() == pytest.approx(1.0)


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


@pytest.mark.parametrize("n", [3, 50, 401])
def test_bootstrap_score_draws_equal_ranking_every_resample(n):
    # the draws' ranks come from counts along each score's sorted order; the reference ranks
    # every resample (scipy's mid-ranks) as the Mann-Whitney form says, and averages Brier
    from scipy.stats import rankdata

    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n).astype(float)
    scores = {"smooth": rng.random(n), "ties": rng.random(n).round(1), "flat": np.full(n, 0.3)}
    got = churn.bootstrap_score_draws(y, scores, 60, seed=11)
    idx = np.random.default_rng(11).integers(0, n, size=(60, n))
    yb = y[idx]
    n1 = yb.sum(axis=1)
    for k, p in scores.items():
        pb = p[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            auc = ((rankdata(pb, axis=1) * yb).sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * (n - n1))
        auc[(n1 == 0) | (n1 == n)] = np.nan
        np.testing.assert_allclose(got["roc_auc"][k], auc, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got["brier"][k], ((pb - yb) ** 2).mean(axis=1), rtol=1e-12)


def test_bootstrap_score_draws_in_blocks_equal_one_block(monkeypatch):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 40)
    scores = {"a": rng.random(40), "b": rng.random(40).round(1)}  # b with ties
    whole = churn.bootstrap_score_draws(y, scores, 25, seed=9)
    monkeypatch.setattr(churn, "BOOT_BLOCK_CELLS", 40 * 3)  # blocks of 3 draws (3+...+3+1)
    blocks = churn.bootstrap_score_draws(y, scores, 25, seed=9)
    for m in ("roc_auc", "brier"):
        for k in scores:
            assert blocks[m][k].shape == (25,)
            np.testing.assert_array_equal(blocks[m][k], whole[m][k])


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


def test_tuning_in_two_processes_equals_one_and_the_sample_is_seeded(synth_sets):
    (xt, yt), (xtr, ytr) = synth_sets["tune"], synth_sets["train"]
    one = churn.tune_models(xt, yt, xtr, ytr, seed=0, n_jobs=1, max_customers=300)
    two = churn.tune_models(xt, yt, xtr, ytr, seed=0, n_jobs=2, max_customers=300)
    for name in one:  # the same fits, whichever process ran them
        assert one[name].best_params == two[name].best_params
        pd.testing.assert_frame_equal(one[name].grid, two[name].grid)
    # the sample: 300 of the rows, in their order, the same for the same seed, y aligned
    xs, ys = churn.tuning_sample(xt, yt, 300, seed=5)
    assert len(xs) == 300 and xs.index.is_monotonic_increasing == xt.index.is_monotonic_increasing
    assert xs.index.equals(ys.index) and set(xs.index) <= set(xt.index)
    assert churn.tuning_sample(xt, yt, 300, seed=5)[0].index.equals(xs.index)
    assert not churn.tuning_sample(xt, yt, 300, seed=6)[0].index.equals(xs.index)
    # no more rows than the cap, or no cap: everything, untouched
    assert churn.tuning_sample(xt, yt, len(xt), seed=5)[0] is xt
    assert churn.tuning_sample(xt, yt, None, seed=5)[1] is yt
    with pytest.raises(ValueError, match=r"^tuning_sample: max_rows=0 must be >= 1$"):
        churn.tuning_sample(xt, yt, 0, seed=5)
    with pytest.raises(ValueError, match=r"^tuning_sample: x has \d+ rows, y 3$"):
        churn.tuning_sample(xt, yt.iloc[:3], 10, seed=5)


def test_calibrated_fit_is_the_same_in_one_or_three_processes(synth_sets):
    (xtr, ytr), (xte, _) = synth_sets["train"], synth_sets["test"]
    params = {"max_depth": 2, "min_child_weight": 1}
    p1 = churn.fit_model("xgboost", params, xtr, ytr, seed=0, n_jobs=1,
                         calibrate=True).predict_proba(xte)[:, 1]
    p3 = churn.fit_model("xgboost", params, xtr, ytr, seed=0, n_jobs=3,
                         calibrate=True).predict_proba(xte)[:, 1]
    np.testing.assert_array_equal(p1, p3)


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


class HalfAliveBg:
    """Stand-in BG/NBD fit: r = 1, alpha = 1, P(alive) = 0.5 for everyone."""

    r, alpha = 1.0, 1.0

    @staticmethod
    def p_alive(f, r, t):
        return np.full(len(np.atleast_1d(f)), 0.5)


def test_bgnbd_prob_no_purchase_hand_worked():
    # stand-in model: r=1, alpha=1, p_alive = 0.5 for everyone
    # customer x=1, T=1, t=2: stay0 = ((1+1)/(1+1+2))^(1+1) = (1/2)^2 = 0.25
    # P(no purchase) = 0.5 + 0.5*0.25 = 0.625
    p = churn.bgnbd_prob_no_purchase(HalfAliveBg(), [1.0], [0.5], [1.0], 2.0)
    assert p == pytest.approx([0.625])
    with pytest.raises(ValueError, match="t must be > 0"):
        churn.bgnbd_prob_no_purchase(HalfAliveBg(), [1.0], [0.5], [1.0], 0.0)


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


# ---------------------------------------------------------------- tests written against mutants


def test_category_slugs_of_awkward_names():
    # punctuation runs become one "_", leading/trailing "_" go, a name of symbols only is "blank"
    products = pd.DataFrame({"product_id": ["p0", "p1", "p2", "p3", "p4", "p5"],
                             "category": ["_Home & Garden!", "_Home & Garden!", "_Home & Garden!",
                                          "***", "***", "Toys"]})
    assert churn.category_columns(products) == ["cat_home_garden", "cat_blank", "cat_toys"]
    assert churn.category_columns(products, max_categories=2) == ["cat_home_garden", "cat_blank"]


def _history(n_past=120, n_future=10):
    """n_past lines on distinct days before CUT (3 customers in turn), n_future from CUT on."""
    rows = [(1 + i % 3, f"o{i}", CUT - pd.Timedelta(days=n_past - i), float(i + 1), "France")
            for i in range(n_past)]
    rows += [(1 + i % 3, f"n{i}", CUT + pd.Timedelta(days=i), 1.0, "France")
             for i in range(n_future)]
    return _lines(rows)


def test_assert_no_leakage_injects_the_documented_future_lines():
    """(b) is the lines strictly before the cutoff; (c) appends max(5, n // 10) past lines drawn
    without replacement (generator seeded with ``seed``), moved 0-59 whole days past the cutoff,
    every third exactly to it, revenue x 10, order ids FUT0.., line ids after the largest."""
    lines = _history()
    seen = []

    def spy(data, cutoff):
        seen.append(data.copy())
        return pd.DataFrame({"x": [1.0]})

    churn.assert_no_leakage(spy, lines, CUT)
    past, full, injected = seen
    assert len(past) == 120 and (past["order_ts"] < CUT).all()
    assert full.equals(lines)
    rng = np.random.default_rng(0)
    take = rng.choice(120, size=12, replace=False)
    days = rng.integers(0, 60, 12)
    fut = injected.iloc[120:]
    assert len(injected) == 132 and injected.index.equals(pd.RangeIndex(132))
    src = past.iloc[take]
    want_ts = [CUT if i % 3 == 0 else CUT + pd.Timedelta(days=int(d)) for i, d in enumerate(days)]
    assert fut["order_ts"].tolist() == want_ts
    assert fut["revenue_amt"].tolist() == (src["revenue_amt"] * 10).tolist()
    assert fut["customer_id"].tolist() == src["customer_id"].tolist()
    assert fut["order_id"].tolist() == [f"FUT{i}" for i in range(12)]
    assert fut["order_id"].dtype == lines["order_id"].dtype
    assert fut["line_id"].tolist() == list(range(130, 142))  # lines' line ids are 0..129
    # another seed draws other lines
    seen.clear()
    churn.assert_no_leakage(spy, lines, CUT, seed=1)
    other = np.random.default_rng(1).choice(120, size=12, replace=False)
    assert seen[2]["revenue_amt"].iloc[120:].tolist() == (
        past["revenue_amt"].iloc[other] * 10).tolist()
    # five lines at least: 40 past lines -> 5 injected
    seen.clear()
    churn.assert_no_leakage(spy, _history(40, 0), CUT)
    assert len(seen[2]) == 45
    with pytest.raises(ValueError,
                       match=r"^assert_no_leakage: no lines before the cutoff$"):
        churn.assert_no_leakage(spy, lines, CUT - pd.Timedelta(days=200))


def test_assert_no_leakage_tolerance_and_messages():
    lines = _history(30, 5)

    def drift(rel):  # the feature moves by a relative ``rel`` once there are lines >= cutoff
        def fn(data, cutoff):
            return pd.DataFrame({"x": [1.0 + rel * float((data["order_ts"] >= cutoff).any())]})
        return fn

    churn.assert_no_leakage(drift(1e-12), lines, CUT)  # below rtol = 1e-9: the same features
    with pytest.raises(churn.LeakageError,
                       match=r"^features at cutoff 2024-01-21 change with the full lines: "):
        churn.assert_no_leakage(drift(1e-7), lines, CUT)
    past_only = lines[lines["order_ts"] < CUT]
    with pytest.raises(churn.LeakageError, match=(
            r"^features at cutoff 2024-01-21 change with injected future lines: ")):
        churn.assert_no_leakage(drift(1e-7), past_only, CUT)


def test_build_dataset_is_the_extended_features_and_labels():
    lines = _synthetic(60, 300, seed=2)
    end = (lines["order_ts"].max() + pd.Timedelta(days=1)).normalize()
    cut = end - pd.Timedelta(days=30)
    x, y = churn.build_dataset(lines, cut, 30, products=PRODUCTS)
    want = churn.build_features(lines, cut, products=PRODUCTS, horizon_days=30, extended=True)
    pd.testing.assert_frame_equal(x, want)
    assert {"gap_cv", "cat_toys", "bg_p_no_purchase", "orders_same_window_ly"} <= set(x.columns)
    pd.testing.assert_series_equal(y, churn.make_labels(lines, x.index, cut, 30))
    # the BG/NBD columns: a fit on the lines before the cutoff, horizon 30 days = 30/7 weeks
    fit = clv.fit_at(lines, cut, "W")
    bg = x[["bg_p_alive", "bg_expected_purchases"]].loc[fit.summary.index]
    np.testing.assert_allclose(bg["bg_p_alive"], fit.p_alive(), rtol=1e-12)
    np.testing.assert_allclose(bg["bg_expected_purchases"],
                               fit.bgnbd.expected_purchases(30 / 7, *fit.frt), rtol=1e-12)
    # a one-day horizon is allowed; in daily units the fit and the horizon are in days
    one = churn.btyd_features(lines, cut, 1, time_unit="D")
    assert one.index.name == "customer_id"
    assert list(one.columns) == ["bg_p_no_purchase", "bg_p_alive", "bg_expected_purchases"]
    daily = clv.fit_at(lines, cut, "D")
    np.testing.assert_allclose(one["bg_expected_purchases"],
                               daily.bgnbd.expected_purchases(1.0, *daily.frt), rtol=1e-12)
    # data_end is passed on: a label window past it is refused
    with pytest.raises(ValueError, match="ends after the data"):
        churn.build_dataset(lines, cut, 30, data_end=cut + pd.Timedelta(days=29))


def test_candidate_models_are_the_documented_pipelines():
    models = churn.candidate_models(7, n_jobs=3)
    lr, lr_grid = models["logistic"]
    assert [name for name, _ in lr.steps] == ["simpleimputer", "functiontransformer",
                                              "standardscaler", "logisticregression"]
    imp, fn, _, reg = (step for _, step in lr.steps)
    assert (imp.strategy, imp.fill_value) == ("constant", 0.0)
    assert fn.func is np.arcsinh and reg.max_iter == 2000
    assert lr_grid == {"logisticregression__C": [0.1, 1.0, 10.0]}
    rf, rf_grid = models["random_forest"]
    imp, forest = (step for _, step in rf.steps)
    assert (imp.strategy, imp.fill_value) == ("constant", -1.0)
    assert (forest.n_estimators, forest.random_state, forest.n_jobs) == (200, 7, 1)
    assert rf_grid == {"randomforestclassifier__max_depth": [4, 8],
                       "randomforestclassifier__min_samples_leaf": [10, 30]}
    xgb, xgb_grid = models["xgboost"]
    p = xgb.get_params()
    assert {k: p[k] for k in ("n_estimators", "learning_rate", "subsample", "colsample_bytree",
                              "random_state", "n_jobs", "eval_metric")} == {
        "n_estimators": 300, "learning_rate": 0.05, "subsample": 0.8, "colsample_bytree": 0.8,
        "random_state": 7, "n_jobs": 3, "eval_metric": "logloss"}
    assert xgb_grid == {"max_depth": [2, 3, 4], "min_child_weight": [1, 10]}
    assert churn.candidate_models(7)["xgboost"][0].get_params()["n_jobs"] == 2


def test_paired_bootstrap_diff_interval_defaults_and_checks():
    y = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1])
    a = np.array([0.2, 0.7, 0.4, 0.6, 0.9, 0.1, 0.5, 0.8, 0.3, 0.4])
    b = np.linspace(0.1, 0.9, 10)
    d = churn.paired_bootstrap_diff(y, a, b, n_boot=10, seed=5, level=0.8)
    draws = churn.bootstrap_score_draws(y, {"a": a, "b": b}, 10, seed=5)
    for m in ("roc_auc", "brier"):
        diff = draws[m]["a"] - draws[m]["b"]
        lo, hi = np.quantile(diff[np.isfinite(diff)], [0.1, 0.9])
        assert set(d[m]) == {"challenger", "baseline", "diff", "ci_low", "ci_high",
                             "excludes_zero"}
        assert (d[m]["ci_low"], d[m]["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
        assert d[m]["diff"] == pytest.approx(d[m]["challenger"] - d[m]["baseline"])
    # Brier of the baseline: mean((b - y)^2) computed by hand
    assert d["brier"]["baseline"] == pytest.approx(float(np.mean((b - y) ** 2)))
    # defaults: 1000 resamples, seed 0
    assert churn.paired_bootstrap_diff(y, a, b) == churn.paired_bootstrap_diff(
        y, a, b, n_boot=1000, seed=0)
    with pytest.raises(ValueError, match=re.escape(
            "paired_bootstrap_diff: y, p_challenger and p_baseline must be non-empty and of "
            "equal length")):
        churn.paired_bootstrap_diff([], [], [])
    with pytest.raises(ValueError, match=r"^paired_bootstrap_diff: y has a single class$"):
        churn.paired_bootstrap_diff([1, 1], [0.2, 0.3], [0.2, 0.3])
    for n_boot, level in ((9, 0.95), (100, 0.0), (100, 1.0), (100, 1.5)):
        with pytest.raises(ValueError, match=re.escape(
                f"paired_bootstrap_diff: need n_boot >= 10 and 0 < level < 1, got {n_boot}, "
                f"{level}")):
            churn.paired_bootstrap_diff(y, a, b, n_boot=n_boot, level=level)


def test_bootstrap_score_draws_one_positive_and_shapes():
    # two customers y = (0, 1), perfect scores: a draw holding both classes has AUC exactly 1
    # (one positive, one negative is enough), a one-class draw NaN
    y = np.array([0, 1])
    d = churn.bootstrap_score_draws(y, {"exact": np.array([0.0, 1.0])}, 40, seed=2)
    idx = np.random.default_rng(2).integers(0, 2, size=(40, 2))
    mixed = idx[:, 0] != idx[:, 1]
    assert mixed.any() and (~mixed).any()
    np.testing.assert_array_equal(d["roc_auc"]["exact"], np.where(mixed, 1.0, np.nan))
    assert d["brier"]["exact"].shape == (40,)
    one = churn.bootstrap_score_draws(y, {"coin": np.array([0.5, 0.5])}, 1, seed=0)
    assert one["brier"]["coin"].tolist() == [0.25]
    with pytest.raises(ValueError, match="y is empty"):
        churn.bootstrap_score_draws(np.array([]), {}, 5, seed=0)


def test_deployment_decision_needs_the_interval_strictly_past_zero():
    edge = {"roc_auc": {"ci_low": 0.0, "ci_high": 0.02},
            "brier": {"ci_low": -0.02, "ci_high": 0.0}}
    win = {"roc_auc": {"ci_low": 0.01, "ci_high": 0.03}, "brier": {"ci_low": 0.0, "ci_high": 0.01}}
    r = churn.deployment_decision(edge, win)
    assert r == {"test": {"roc_auc": False, "brier": False},
                 "backtest": {"roc_auc": True, "brier": False},
                 "backtest_available": True, "challenger_deployed": False}


def _wide(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_ts", "revenue_amt",
                                     "country", "product_id"])
    df["customer_id"] = df["customer_id"].astype("Int64")
    df["order_ts"] = pd.to_datetime(df["order_ts"])
    df["order_id"] = df["order_id"].astype("string")
    return df


WIDE = _wide([
    (1, "a", "2023-01-01 00:00", 60.0, "Germany", "p0"),  # = cutoff - 365 d: last-year window
    (1, "a", "2023-01-01 00:00", 40.0, "Germany", "p1"),
    (1, "b", "2023-07-05 00:00", 50.0, "United Kingdom", "p2"),  # = cutoff - 180 d: previous
    (1, "c", "2023-10-03 00:00", 25.0, "United Kingdom", "p0"),  # = cutoff - 90 d: recent, Q4
    (2, "d", "2023-12-31 12:00", 10.0, "United Kingdom", "p9"),  # p9: not in the catalogue
    (3, "e", "2023-12-01 00:00", 5.0, "France", "p1"),
    (3, "f", "2023-12-01 12:00", 15.0, "France", "p1"),  # half a day after e
    (1, "g", "2024-01-01 00:00", 99.0, "United Kingdom", "p1"),  # at the cutoff: not history
    (4, "h", "2023-12-10 00:00", 0.0, "France", "p1"),  # a free order, then two small ones
    (4, "i", "2023-12-10 12:00", 0.3, "France", "p1"),
    (4, "j", "2023-12-11 00:00", 0.4, "France", "p1"),
])
WIDE_PRODUCTS = pd.DataFrame({"product_id": ["p0", "p1", "p2"],
                              "category": ["Home decor", "Toys", "Toys"]})


def test_build_features_windows_gaps_and_shares_hand_worked(monkeypatch):
    # the BG/NBD columns are tested elsewhere (a fit on three customers is degenerate and slow)
    monkeypatch.setattr(churn, "btyd_features", lambda lines, cutoff, h: pd.DataFrame(
        index=pd.Index([], dtype="int64", name="customer_id")))
    cut = pd.Timestamp("2024-01-01")
    f = churn.build_features(WIDE, cut, products=WIDE_PRODUCTS, horizon_days=30, extended=True)
    assert list(f.index) == [1, 2, 3, 4] and f.index.name == "customer_id"
    assert f.index.dtype == "int64"
    c1, c2, c3 = (f.loc[i] for i in (1, 2, 3))
    # customer 1: orders 2023-01-01 (£100, 2 lines, 2 products, DE), 07-05 (£50, UK), 10-03
    # (£25, UK); gaps 185 and 90 days
    assert (c1["recency_days"], c1["tenure_days"], c1["n_orders"]) == (90, 365, 3)
    assert c1["revenue_amt"] == 175 and c1["aov_amt"] == pytest.approx(175 / 3)
    assert (c1["orders_recent"], c1["revenue_recent_amt"], c1["revenue_prev_amt"]) == (1, 25, 50)
    assert c1["spend_trend"] == pytest.approx(np.log(26 / 51))
    assert c1["gap_mean_days"] == 137.5
    assert c1["gap_std_days"] == pytest.approx(95 / np.sqrt(2))
    assert c1["recency_gap_ratio"] == pytest.approx(90 / 137.5)
    assert c1["lines_per_order"] == pytest.approx(4 / 3)
    assert c1["products_per_order"] == pytest.approx(4 / 3)
    assert c1["uk_share"] == pytest.approx(2 / 3)
    assert c1["orders_per_30d"] == pytest.approx(3 / 365 * 30)
    assert c1["gap_cv"] == pytest.approx(95 / np.sqrt(2) / 137.5)
    assert c1["recency_minus_gap_days"] == -47.5 and c1["n_products"] == 3
    assert c1["q4_share"] == pytest.approx(25 / 175)  # October counts as Q4
    assert c1["basket_trend"] == pytest.approx(np.log(25) - (np.log(100) + np.log(50)) / 2)
    # categories: home decor 60 + 25, toys 40 + 50
    assert c1["cat_home_decor"] == pytest.approx(85 / 175)
    assert c1["cat_toys"] == pytest.approx(90 / 175)
    assert c1["n_categories"] == 2
    # orders in [cutoff - 365 d, cutoff - 335 d): the order of 2023-01-01
    assert f["orders_same_window_ly"].tolist() == [1, 0, 0, 0]
    # customer 2: one order half a day ago; tenure floored at one day for the rate
    assert (c2["recency_days"], c2["tenure_days"], c2["orders_per_30d"]) == (0.5, 0.5, 30)
    assert np.isnan(c2["gap_mean_days"]) and np.isnan(c2["basket_trend"])
    assert c2["q4_share"] == 1 and c2["spend_trend"] == pytest.approx(np.log(11))
    # an uncatalogued product counts as a category of its own but has no share column
    assert (c2["n_categories"], c2["cat_toys"], c2["cat_home_decor"]) == (1, 0, 0)
    # customer 3: gap of half a day: the ratio divides by at least one day
    assert c3["gap_mean_days"] == 0.5 and c3["recency_gap_ratio"] == 30.5
    assert c3["orders_per_30d"] == pytest.approx(2 / 31 * 30) and c3["uk_share"] == 0
    assert np.isnan(c3["gap_cv"]) and c3["basket_trend"] == pytest.approx(np.log(3))
    # customer 4: gaps of half a day (spread 0: CV 0), revenue below 1, a free order (its log
    # value is floored at log(1e-9))
    c4 = f.loc[4]
    assert c4["gap_mean_days"] == 0.5 and c4["gap_cv"] == 0.0
    assert c4["n_categories"] == 1 and c4["cat_toys"] == 1.0  # £0.70 of toys is a category
    # a product listed twice in the catalogue keeps its first category
    dup = pd.concat([WIDE_PRODUCTS, pd.DataFrame({"product_id": ["p0"], "category": ["Toys"]})])
    assert churn.build_features(WIDE, cut, products=dup).loc[1, "cat_home_decor"] == (
        pytest.approx(85 / 175))
    assert c4["q4_share"] == 1.0 and c4["revenue_amt"] == pytest.approx(0.7)
    assert c4["basket_trend"] == pytest.approx(np.log(0.4) - (np.log(1e-9) + np.log(0.3)) / 2)
    # a shorter spend window: only the October order is recent with 90, none with 30 days
    short = churn.build_features(WIDE, cut, window_days=30)
    assert short.loc[1, ["orders_recent", "revenue_recent_amt", "revenue_prev_amt"]].tolist() == [
        0, 0, 0]
    # one day later the order at the old cutoff (£99) is history and recent, the October order
    # (now 91 days back) moves from the default 90-day window to the previous one, and the
    # July order (181 days) leaves that
    later = churn.build_features(WIDE, cut + pd.Timedelta(days=1))
    assert later.loc[1, ["orders_recent", "revenue_recent_amt", "revenue_prev_amt"]].tolist() == [
        1, 99, 25]
    with pytest.raises(ValueError, match=r"^build_features: lines has no column 'order_id'$"):
        churn.build_features(WIDE.drop(columns="order_id"), cut)


class _Flip(ClassifierMixin, BaseEstimator):
    """Stand-in classifier: P(y=1) is the first feature column (``1 - it`` when ``flip``)."""

    def __init__(self, flip=False, tag=0):
        self.flip, self.tag = flip, tag

    def fit(self, x, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, x):
        s = np.asarray(x, dtype=float)[:, 0]
        s = 1 - s if self.flip else s
        return np.column_stack([1 - s, s])


def test_tune_models_scores_each_grid_point_on_the_validation_cutoff(monkeypatch, caplog):
    asked = []

    def fake_models(seed, n_jobs=2):
        asked.append((seed, n_jobs))
        return {"flip": (_Flip(), {"flip": [True, False]}), "tie": (_Flip(), {"tag": [1, 2]})}

    monkeypatch.setattr(churn, "candidate_models", fake_models)
    x_fit = pd.DataFrame({"s": [0.1, 0.9], "t": [0.5, 0.5]})
    y = pd.Series([0, 1])
    # validation columns in another order: they are put in the training order first
    x_val = pd.DataFrame({"t": [0.9, 0.8, 0.7, 0.1], "s": [0.2, 0.8, 0.6, 0.4]})
    y_val = pd.Series([0, 1, 1, 0])
    with caplog.at_level("INFO", logger="helpers.models.churn"):
        out = churn.tune_models(x_fit, y, x_val, y_val, seed=11, n_jobs=1)
    assert asked == [(11, 1)]  # every fit single-threaded: the grid points run side by side
    assert caplog.messages == ["tuned flip: {'flip': False} val AUC 1.000",
                               "tuned tie: {'tag': 1} val AUC 1.000"]
    assert out["flip"].name == "flip" and isinstance(out["flip"].best_val_auc, float)
    assert list(out["flip"].grid.columns) == ["flip", "val_auc"]
    # s ranks y_val perfectly: AUC 1 unflipped, 0 flipped
    assert out["flip"].best_params == {"flip": False} and out["flip"].best_val_auc == 1.0
    assert out["flip"].grid["val_auc"].tolist() == [0.0, 1.0]
    assert out["tie"].best_params == {"tag": 1}  # the first of equal scores
    churn.tune_models(x_fit, y, x_val, y_val, seed=3, n_jobs=1)
    assert asked[-1] == (3, 1)
    with pytest.raises(ValueError, match=(
            r"^tune_models: y_fit and y_val must both contain two classes$")):
        churn.tune_models(x_fit, y, x_val, y_val * 0, seed=0)


def test_fit_model_passes_seed_jobs_and_calibration(monkeypatch):
    asked = []

    def fake_models(seed, n_jobs=2):
        asked.append((seed, n_jobs))
        return {"flip": (_Flip(), {"flip": [False]})}

    monkeypatch.setattr(churn, "candidate_models", fake_models)
    x = pd.DataFrame({"s": np.linspace(0.05, 0.95, 12)})
    y = pd.Series([0, 1] * 6)
    m = churn.fit_model("flip", {"flip": True}, x, y, seed=4)
    assert isinstance(m, _Flip) and m.flip is True and asked == [(4, 2)]
    cal = churn.fit_model("flip", {}, x, y, seed=9, n_jobs=1, calibrate=True)
    assert asked[-1] == (9, 1)
    churn.fit_model("flip", {}, x, y, seed=9, n_jobs=3)
    assert asked[-1] == (9, 3)  # uncalibrated: the model's own threads
    churn.fit_model("flip", {}, x, y, seed=9, n_jobs=3, calibrate=True)
    assert asked[-1] == (9, 1)  # calibrated: single-threaded fits, folds side by side
    assert type(cal).__name__ == "CalibratedClassifierCV" and cal.method == "isotonic"
    assert (cal.cv.n_splits, cal.cv.shuffle, cal.cv.random_state) == (3, True, 9)
    with pytest.raises(ValueError,
                       match=re.escape("fit_model: unknown model 'svm'; have ['flip']")):
        churn.fit_model("svm", {}, x, y, seed=0)


def test_make_labels_default_data_end_and_messages():
    # TINY's last line is on 2024-02-20: the data end defaults to midnight after it, 02-21
    y = churn.make_labels(TINY, pd.Index([1, 2, 3]), pd.Timestamp("2024-01-22"), 30)
    assert y.name == "churned" and y.dtype == int
    assert y.to_dict() == {1: 0, 2: 1, 3: 0}  # [01-22, 02-21): c1 on 01-25, c3 on 02-20
    with pytest.raises(ValueError, match=(
            r"^make_labels: label window 2024-01-23\+30d ends after the data \(2024-02-21\)$")):
        churn.make_labels(TINY, pd.Index([1]), pd.Timestamp("2024-01-23"), 30)
    # a one-day window [01-21, 01-22): customer 2 buys on 01-21, customer 1 does not
    assert churn.make_labels(TINY, pd.Index([1, 2]), CUT, 1).tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"^make_labels: horizon_days must be >= 1, got 0$"):
        churn.make_labels(TINY, pd.Index([1]), CUT, 0)
    with pytest.raises(ValueError, match=r"^make_labels: lines has no column 'revenue_amt'$"):
        churn.make_labels(TINY.drop(columns="revenue_amt"), pd.Index([1]), CUT, 10)


def test_classification_scores_pr_auc_and_alarm_edge(monkeypatch):
    # 4 positives, 5 negatives, one misordered pair (0.35 < 0.4): ROC-AUC 19/20 = 0.95 exactly,
    # which raises the alarm; ranked by p the positives sit at 1, 2, 3 and 5:
    # AP = (1/1 + 2/2 + 3/3 + 4/5) / 4 = 0.95
    y = [1, 1, 1, 1, 0, 0, 0, 0, 0]
    p = [0.9, 0.8, 0.7, 0.35, 0.4, 0.3, 0.2, 0.1, 0.05]
    s = churn.classification_scores(y, p)
    assert s["roc_auc"] == pytest.approx(0.95) and s["auc_alarm"] is True
    assert s["pr_auc"] == pytest.approx(0.95)
    # Brier: (0.01 + 0.04 + 0.09 + 0.4225 + 0.16 + 0.09 + 0.04 + 0.01 + 0.0025) / 9
    assert s["brier"] == pytest.approx(0.865 / 9) and s["base_rate"] == pytest.approx(4 / 9)
    low = churn.classification_scores([1, 0, 1, 0], [0.9, 0.1, 0.2, 0.3])  # AUC 0.75
    assert low["roc_auc"] == 0.75 and low["auc_alarm"] is False
    monkeypatch.setattr(churn, "AUC_ALARM", 0.75)  # an AUC at the threshold raises the alarm
    assert churn.classification_scores([1, 0, 1, 0], [0.9, 0.1, 0.2, 0.3])["auc_alarm"] is True
    with pytest.raises(ValueError, match=r"^classification_scores: y has a single class$"):
        churn.classification_scores([1, 1], [0.2, 0.3])


def test_bgnbd_prob_no_purchase_short_horizon():
    # r = 1, alpha = 1, P(alive) = 0.5; x = 1, T = 1, t = 0.5: stay0 = (2 / 2.5)^2 = 0.64
    assert churn.bgnbd_prob_no_purchase(HalfAliveBg(), [1.0], [0.5], [1.0], 0.5) == pytest.approx([0.82])

"""Tests for helpers.models.spend: targets, baselines, the CLV prediction and scores."""

import numpy as np
import pandas as pd
import pytest

from helpers.models import spend


def _lines(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_ts", "revenue_amt"])
    df["customer_id"] = df["customer_id"].astype("Int64")
    df["order_ts"] = pd.to_datetime(df["order_ts"])
    df["order_id"] = df["order_id"].astype("string")
    df["country"] = "United Kingdom"
    df["product_id"] = "p"
    return df


TINY = _lines([
    (1, "a", "2024-01-01", 10.0),
    (1, "b", "2024-01-15", 30.0),
    (2, "c", "2024-01-20", 5.0),
    (None, "g", "2024-01-20", 99.0),
    (1, "d", "2024-02-05", 7.0),
    (2, "e", "2024-02-19", 2.0),
    (3, "f", "2024-03-30", 1.0),
])


def test_spend_target_hand_worked():
    # window [02-01, 02-15): customer 1 £7; customer 2 nothing (02-19 is after) -> 0
    y = spend.spend_target(TINY, pd.Index([1, 2]), pd.Timestamp("2024-02-01"), 14)
    assert y.tolist() == [7.0, 0.0]
    with pytest.raises(ValueError, match="days"):
        spend.spend_target(TINY, pd.Index([1]), pd.Timestamp("2024-02-01"), 0)


def test_last_period_hand_worked():
    # cutoff 02-01, H 31 days: [01-01, 02-01): customer 1 £40, customer 2 £5
    p = spend.last_period_prediction(TINY, pd.Index([1, 2]), pd.Timestamp("2024-02-01"), 31)
    assert p.tolist() == [40.0, 5.0]


def test_build_dataset_hand_worked_and_window_check():
    x, y = spend.build_dataset(TINY, pd.Timestamp("2024-02-01"), 28)
    # customers with history before 02-01: 1, 2; spend in [02-01, 02-29): 7 and 2
    assert list(x.index) == [1, 2] and y.tolist() == [7.0, 2.0]
    with pytest.raises(ValueError, match="ends after the data"):
        spend.build_dataset(TINY, pd.Timestamp("2024-03-15"), 28)


def test_regression_scores_hand_worked():
    # errors 1, 1, 2 -> MAE 4/3, RMSE sqrt(6/3); same order -> Spearman 1
    s = spend.regression_scores([1.0, 2.0, 3.0], [2.0, 3.0, 5.0])
    assert s["mae_amt"] == pytest.approx(4 / 3) and s["rmse_amt"] == pytest.approx(np.sqrt(2))
    assert s["spearman"] == pytest.approx(1.0)
    # a constant prediction has no ranking
    assert np.isnan(spend.regression_scores([1.0, 2.0], [1.0, 1.0])["spearman"])
    with pytest.raises(ValueError, match="shapes"):
        spend.regression_scores([1.0], [1.0, 2.0])


def _synthetic(n=300, weeks=80, seed=0):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-04")
    rows = []
    for c in range(1, n + 1):
        first = rng.integers(0, weeks // 2)
        lam, p_drop, size = min(rng.gamma(2, 0.15), 0.9), rng.beta(1, 8), rng.gamma(4, 10)
        for w in range(first, weeks):
            if w == first or rng.random() < lam:
                rows.append((c, f"{c}_{w}", start + pd.Timedelta(days=7 * w + 1),
                             float(rng.gamma(5, size / 5))))
                if rng.random() < p_drop:
                    break
    return _lines(rows)


def test_clv_and_xgb_rank_future_spend():
    pytest.importorskip("helpers.value.clv")
    lines = _synthetic()
    cut = pd.Timestamp("2021-01-04") + pd.Timedelta(weeks=68)
    x, y = spend.build_dataset(lines, cut, 56)
    pred = spend.clv_prediction(lines, x.index, cut, 56)
    assert (pred >= 0).all() and pred.index.equals(x.index)
    assert spend.regression_scores(y, pred)["spearman"] > 0.3
    xt, yt = spend.build_dataset(lines, cut - pd.Timedelta(days=56), 56)
    params, grid = spend.tune_xgb(xt, yt, x, y, seed=0, n_jobs=1)
    assert set(params) == {"max_depth", "learning_rate"} and len(grid) == 4
    m = spend.make_xgb(params, seed=0, n_jobs=1).fit(xt, yt)
    assert spend.regression_scores(y, m.predict(x))["spearman"] > 0.3


def test_paired_mae_difference_hand_worked():
    y = np.array([10.0, 0.0, 5.0, 5.0])
    pred = np.array([10.0, 0.0, 5.0, 5.0])   # perfect: MAE 0
    ref = np.array([12.0, 1.0, 5.0, 2.0])    # |2|, |1|, 0, |3| -> MAE 1.5
    d = spend.paired_mae_difference(y, pred, ref, n_boot=200, seed=1)
    assert d["diff"] == pytest.approx(-1.5)
    assert d["ci_low"] <= -1.5 <= d["ci_high"] and d["ci_high"] < 0   # every loss <= 0
    same = spend.paired_mae_difference(y, ref, ref, n_boot=50, seed=1)
    assert same == {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    with pytest.raises(ValueError, match="differ in length"):
        spend.paired_mae_difference(y, pred[:3], ref)


def test_select_spend_model_prefers_the_simple_reference_unless_clearly_beaten():
    val = {"xgboost": 90.0, "clv_bgnbd_gg": 100.0, "last_period": 120.0}
    # the reference is the simple model with the lower validation MAE: the CLV model
    lose = spend.select_spend_model(val, {"diff": -3.0, "ci_low": -8.0, "ci_high": 1.0})
    assert lose["reference"] == "clv_bgnbd_gg" and lose["deployed"] == "clv_bgnbd_gg"
    assert lose["complex_deployed"] is False
    win = spend.select_spend_model(val, {"diff": -3.0, "ci_low": -5.0, "ci_high": -0.5})
    assert win["deployed"] == "xgboost" and win["complex_deployed"] is True
    with pytest.raises(ValueError, match="last_period"):
        spend.select_spend_model({"xgboost": 1.0}, {"diff": 0, "ci_low": 0, "ci_high": 0})

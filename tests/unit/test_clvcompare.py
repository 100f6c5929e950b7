"""Tests for helpers.models.clvcompare: hand-worked scores, the paired interval, the selection
rule, and that nothing of the holdout reaches the XGBoost features or training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.models import clvcompare as cc
from helpers.value import clv


def _lines(n_customers: int = 400, seed: int = 3) -> pd.DataFrame:
    """Two years of purchases: Poisson buying until an exponential drop-out, gamma spend
    (purchase and drop-out rates vary between customers, as Pareto/NBD assumes)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-01")
    rows = []
    for c in range(n_customers):
        first = rng.uniform(0, 500)
        lam, life = rng.gamma(1.0, 1 / 20), rng.exponential(rng.gamma(1.0, 300))
        t, days = first, [first]
        while True:
            t += rng.exponential(1 / lam)
            if t > min(first + life, 729):
                break
            days.append(t)
        scale = rng.gamma(3.0, 10.0)
        for d in days:
            rows.append((c + 1, start + pd.Timedelta(days=float(d)), round(rng.gamma(2.0, scale), 2)))
    df = pd.DataFrame(rows, columns=["customer_id", "order_ts", "revenue_amt"])
    df["customer_id"] = df["customer_id"].astype("Int64")
    df["order_id"] = np.arange(len(df))
    return df


CAL_END, OBS_END = pd.Timestamp("2023-07-01"), pd.Timestamp("2023-12-30")


@pytest.fixture(scope="module")
def comparison() -> cc.ClvComparison:
    return cc.compare_clv_models(_lines(), CAL_END, OBS_END, seed=1, n_boot=200)


# --------------------------------------------------------------------------------------------
# hand-worked scores
# --------------------------------------------------------------------------------------------
def test_top_decile_capture_hand_worked() -> None:
    # 20 customers: top 10% = 2 customers, those with predictions 9 and 8 (positions 3 and 7)
    actual = np.zeros(20)
    actual[[3, 7, 10, 15]] = [50.0, 30.0, 15.0, 5.0]  # total 100
    pred = np.linspace(0.1, 2.0, 20)
    pred[3], pred[7] = 9.0, 8.0
    assert cc.top_decile_capture(actual, pred) == pytest.approx(0.80)
    # customer 10 (15) instead of 7 in the top two: (50 + 15) / 100
    pred[10] = 8.5
    assert cc.top_decile_capture(actual, pred) == pytest.approx(0.65)
    # 15 customers: ceil(1.5) = 2 in the top; ties keep input order (positions 0 and 1)
    a15 = np.r_[10.0, 0.0, 30.0, np.zeros(12)]
    assert cc.top_decile_capture(a15, np.ones(15)) == pytest.approx(10 / 40)
    # a perfect ranking captures the top two's share, a reversed one the bottom two's
    y = np.arange(1.0, 11.0)  # 1..10, total 55; top 10% of 10 = 1 customer
    assert cc.top_decile_capture(y, y) == pytest.approx(10 / 55)
    assert cc.top_decile_capture(y, -y) == pytest.approx(1 / 55)
    with pytest.raises(ValueError, match="share"):
        cc.top_decile_capture(y, y, share=0.0)
    with pytest.raises(ValueError, match="sums to 0"):
        cc.top_decile_capture(np.zeros(5), np.ones(5))


def test_decile_table_hand_worked() -> None:
    # 20 customers, predictions 1..20 -> bins of two: bin k holds predictions 2k-1 and 2k
    pred = np.arange(1.0, 21.0)
    actual = np.r_[np.zeros(18), 40.0, 60.0]
    t = cc.decile_table(actual, pred)
    assert t["decile"].tolist() == list(range(1, 11)) and (t["customers"] == 2).all()
    assert t["mean_predicted_amt"].tolist() == [2 * k - 0.5 for k in range(1, 11)]
    assert t["mean_actual_amt"].iloc[-1] == 50.0 and t["mean_actual_amt"].iloc[:-1].eq(0).all()
    assert t["share_actual"].iloc[-1] == 1.0
    with pytest.raises(ValueError, match="n_bins"):
        cc.decile_table(actual[:5], pred[:5])


def test_score_hand_worked() -> None:
    s = cc.score([10.0, 0.0, 30.0, 0.0], [20.0, 5.0, 10.0, 5.0])
    # totals 40 vs 40 -> 0%; MAE (10 + 5 + 20 + 5) / 4 = 10
    assert s["aggregate_pct_error"] == 0.0 and s["mae_amt"] == 10.0
    # ranks: actual (3, 1.5, 4, 1.5), predicted (4, 1.5, 3, 1.5); centred (.5, -1, 1.5, -1)
    # and (1.5, -1, .5, -1): Pearson of ranks = 3.5 / 4.5 = 7/9
    assert s["spearman"] == pytest.approx(7 / 9)
    assert s["top_decile_capture"] == pytest.approx(10 / 40)
    with pytest.raises(ValueError, match="NaN"):
        cc.score([1.0, np.nan], [1.0, 2.0])


def test_paired_interval_on_identical_predictions_is_zero() -> None:
    rng = np.random.default_rng(0)
    y, p = rng.gamma(1.0, 50.0, 300), rng.gamma(1.0, 50.0, 300)
    assert cc.paired_mae_difference(y, p, p.copy(), n_boot=200, seed=1) == (0.0, 0.0, 0.0)
    # a model that is worse for every customer by 5: difference exactly +5 on every resample
    point, lo, hi = cc.paired_mae_difference(y, y + 5.0, y, n_boot=200, seed=1)
    assert (point, lo, hi) == pytest.approx((5.0, 5.0, 5.0))
    with pytest.raises(ValueError, match="must be equal"):
        cc.paired_mae_difference(y, p[:10], p)


def test_selection_rule() -> None:
    mae = {"bgnbd": 100.0, "mbgnbd": 99.0, "pareto_nbd": 98.0, "xgboost": 97.0}
    straddle = {"mbgnbd": (-1.0, -3.0, 1.0), "pareto_nbd": (-2.0, -4.0, 0.5),
                "xgboost": (-3.0, -9.0, 2.0)}  # fmt: skip
    sel = cc.select_model(mae, straddle)
    assert sel["winner"] == "bgnbd" and not any(sel["beats_incumbent"].values())
    assert sel["best_challenger"] == "xgboost" and sel["margin"] == (-3.0, -9.0, 2.0)
    # an interval entirely below zero wins
    one = {**straddle, "mbgnbd": (-1.0, -2.0, -0.1)}
    assert cc.select_model(mae, one)["winner"] == "mbgnbd"
    # an interval that touches zero does not
    assert cc.select_model(mae, {**straddle, "mbgnbd": (-1.0, -2.0, 0.0)})["winner"] == "bgnbd"
    # several qualify: the lowest MAE; an exact MAE tie goes to the simpler one
    two = {**one, "pareto_nbd": (-2.0, -4.0, -0.5)}
    assert cc.select_model(mae, two)["winner"] == "pareto_nbd"
    tied = {**mae, "mbgnbd": 98.0}
    assert cc.select_model(tied, two)["winner"] == "mbgnbd"
    # only purchase models allowed (the CLV column needs a horizon forecast)
    all_win = {k: (-1.0, -2.0, -0.5) for k in straddle}
    assert cc.select_model(mae, all_win)["winner"] == "xgboost"
    assert cc.select_model(mae, all_win, candidates=("mbgnbd", "pareto_nbd"))["winner"] == "pareto_nbd"
    with pytest.raises(ValueError, match="incumbent"):
        cc.select_model({"mbgnbd": 1.0}, {"mbgnbd": (0.0, -1.0, 1.0)})


# --------------------------------------------------------------------------------------------
# no leakage
# --------------------------------------------------------------------------------------------
def test_holdout_does_not_reach_features_or_training() -> None:
    lines = _lines(150, seed=5)
    ch = clv.calibration_holdout(lines, CAL_END, OBS_END)
    # rewrite the holdout: every holdout line 10x, plus a purchase for every customer
    changed = lines.copy()
    late = changed["order_ts"] >= CAL_END
    changed.loc[late, "revenue_amt"] *= 10
    extra = pd.DataFrame({"customer_id": pd.array(ch.index, dtype="Int64"),
                          "order_ts": CAL_END + pd.Timedelta(days=3), "revenue_amt": 99.0,
                          "order_id": -1 - np.arange(len(ch))})  # fmt: skip
    changed = pd.concat([changed, extra], ignore_index=True)
    ch2 = clv.calibration_holdout(changed, CAL_END, OBS_END)
    assert cc.holdout_revenue(ch2).sum() > 5 * cc.holdout_revenue(ch).sum()  # holdout changed
    pd.testing.assert_frame_equal(cc.calibration_features(ch), cc.calibration_features(ch2))
    assert not any(c.endswith("_holdout") for c in cc.calibration_features(ch).columns)
    p1 = cc.xgb_prediction(lines, ch, CAL_END, seed=1)
    p2 = cc.xgb_prediction(changed, ch2, CAL_END, seed=1)
    pd.testing.assert_series_equal(p1, p2)
    with pytest.raises(ValueError, match="monetary_value"):
        cc.calibration_features(ch.drop(columns="monetary_value"))


def test_holdout_revenue_is_days_times_mean_day_value() -> None:
    ch = pd.DataFrame({"frequency_holdout": [0.0, 2.0], "monetary_value_holdout": [0.0, 12.5]})
    assert cc.holdout_revenue(ch).tolist() == [0.0, 25.0]
    with pytest.raises(ValueError, match="monetary_value_holdout"):
        cc.holdout_revenue(ch.drop(columns="monetary_value_holdout"))


def test_xgb_prediction_needs_a_training_window() -> None:
    lines = _lines(60, seed=2)
    early = pd.Timestamp("2022-03-01")  # 26-week training window would start before the data
    ch = clv.calibration_holdout(lines, early, early + pd.Timedelta(weeks=26))
    with pytest.raises(ValueError, match="no training window"):
        cc.xgb_prediction(lines, ch, early)


# --------------------------------------------------------------------------------------------
# the whole comparison
# --------------------------------------------------------------------------------------------
def test_compare_clv_models(comparison: cc.ClvComparison) -> None:
    c = comparison
    assert list(c.table.index) == ["bgnbd", "mbgnbd", "pareto_nbd", "xgboost"]
    y = c.summary["holdout_amt"]
    # the table is the scores of the stored predictions
    for name in c.table.index:
        assert c.table.loc[name, "mae_amt"] == pytest.approx(np.abs(y - c.revenue[name]).mean())
    assert c.table.loc["bgnbd", ["mae_diff_amt", "mae_diff_lo", "mae_diff_hi"]].eq(0).all()
    diff = c.table.loc["mbgnbd", "mae_amt"] - c.table.loc["bgnbd", "mae_amt"]
    assert c.table.loc["mbgnbd", "mae_diff_amt"] == pytest.approx(diff)
    # revenue = purchases x Gamma-Gamma spend, the incumbent's purchases are clv.BGNBD's
    gg = c.fits["gamma_gamma"]
    s = c.summary
    want = c.fits["bgnbd"].expected_purchases(float(s["duration_holdout"].iloc[0]), s["frequency"],
                                              s["recency"], s["T"])  # fmt: skip
    np.testing.assert_allclose(c.purchases["bgnbd"], want)
    np.testing.assert_allclose(c.revenue["bgnbd"],
                               want * gg.expected_spend(s["frequency"], s["monetary_value"]))  # fmt: skip
    assert set(c.deciles["model"]) == set(c.table.index) and len(c.deciles) == 40
    m = c.to_metrics()
    assert m["winner"] == c.selection["winner"] and m["rule"] == cc.SELECTION_RULE
    assert m["clv_model"] in ("bgnbd", "mbgnbd", "pareto_nbd")
    assert m["models"]["xgboost"]["mae_purchases"] is None


def test_compare_is_deterministic(comparison: cc.ClvComparison) -> None:
    again = cc.compare_clv_models(_lines(), CAL_END, OBS_END, seed=1, n_boot=200)
    pd.testing.assert_frame_equal(again.table, comparison.table)


def test_compare_fails_clearly_without_holdout_buyers() -> None:
    lines = _lines(50, seed=4)
    lines = lines[lines["order_ts"] < CAL_END]
    with pytest.raises(ValueError, match="no calibration customer bought"):
        cc.compare_clv_models(lines, CAL_END, OBS_END, n_boot=20, xgboost=False)


def test_backtest_clv_models() -> None:
    lines = _lines(200, seed=6)
    ends = [pd.Timestamp("2023-04-01"), pd.Timestamp("2021-01-01")]  # the second has no data
    bt = cc.backtest_clv_models(lines, ends, 91, seed=1, n_boot=50)
    ok = bt[bt["failed"].isna()]
    assert set(ok["calibration_end"]) == {"2023-04-01"} and len(ok) == 4
    assert bt.loc[bt["calibration_end"] == "2021-01-01", "failed"].str.contains("no customer").all()
    with pytest.raises(ValueError, match="holdout_days"):
        cc.backtest_clv_models(lines, ends, 0)

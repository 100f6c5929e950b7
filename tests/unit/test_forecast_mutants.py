"""Hand-worked checks of the forecast baselines, evaluation and calibrated intervals of
helpers.models.forecast, written against surviving mutmut mutants (issue 22).

Scope: the baselines and interval functions (fc_naive, fc_seasonal_naive, fc_moving_average,
make_origins, origin_plan, rolling_origin, score_predictions, summarise_scores,
total_with_bounds, conformal_quantile, calibration_origins, conformal_intervals,
interval_scores, block_bootstrap_mean, paired_difference, select_forecaster,
calibrate_forecast and their private helpers). ETS, SARIMAX, XGBoost and the bottom-up model
are out of scope (their tests fit models and take seconds per mutant).

Surviving mutants left on purpose (equivalent, or not worth a test):
- ``dtype=None`` / dropped ``dtype=float`` on inputs that are already float arrays.
- ``groupby(..., sort=None)`` in score_predictions: pandas treats None as False.
- ``paired_difference``: ``max(d.size, 1) -> max(d.size, 2)`` only differs for fewer than two
  paired origins, where block_bootstrap_mean rejects the input before it reads ``block``.
- the log message texts and counts (``log.warning("XX...XX")``): logging only (the origin_plan
  warning is checked once; its "XX" variant contains the checked text).
- rolling_origin: the log calls' arguments and texts (logging only); ``pd.concat(...,
  ignore_index=...)`` (the index is reset two lines later).
- conformal_quantile: ``k_hi > n and k_lo < 1`` / ``n == 0 and ...`` / ``n == 1``: k_hi > n
  implies k_lo < 1 ((n+1)(1 - alpha/2) > n means (n+1) alpha/2 < 1), and n <= 1 gives k_lo = 0.
- _step_quantiles: ``range(span + 2)`` (an extra width selects the same errors),
  ``cal_step.max() ... else 1`` (steps.max() >= 1 anyway), ``signed or True`` (absolute
  quantiles tried twice), ``isfinite(lo) or isfinite(hi)`` (both or neither are finite).
- _relative_errors ``mean >= 0``: an error over a zero forecast is infinite or NaN and is
  dropped as non-finite either way.
- conformal_intervals / interval_scores ``groupby(sort=...)`` where the result is re-indexed to
  the input rows; ``to_numpy(None)`` / ``np.array(how, dtype=None)`` (same values);
  ``DataFrame.from_dict(orient="INDEX")`` and ``pd.Series(False, index=None)`` (same result).
- block_bootstrap_mean: ``rng.integers(0, n)`` -> ``rng.integers(n)`` (the same draws) and
  ``reshape(n_boot, -2)`` (NumPy reads any negative size as "infer").
"""

import logging

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.models import forecast as F

Z80, Z95 = stats.norm.ppf(0.9), stats.norm.ppf(0.975)


def _weekly(values, start="2020-01-05"):
    idx = pd.date_range(start, periods=len(values), freq="W-SUN", name="week")
    return pd.Series(np.asarray(values, float), index=idx, name="revenue_amt")


# --------------------------------------------------------------------------- baselines


def test_fc_naive_all_bounds_by_hand():
    # last value 13; diffs 1, 2 -> sd (ddof 1) = 0.7071; sigma_h = 0.7071 sqrt(h)
    fc = F.fc_naive(_weekly([10, 11, 13]), 3)
    sd = np.sqrt(0.5)
    steps = np.sqrt([1, 2, 3])
    assert list(fc.columns) == ["mean", "lo80", "hi80", "lo95", "hi95"]
    assert fc["mean"].tolist() == [13.0] * 3
    assert fc["lo80"].to_numpy() == pytest.approx(13 - Z80 * sd * steps)
    assert fc["hi95"].to_numpy() == pytest.approx(13 + Z95 * sd * steps)
    assert list(fc.index) == list(pd.date_range("2020-01-26", periods=3, freq="W-SUN"))
    assert fc.index.name == "week"
    # lower bounds are floored at 0: last value 0, diffs 1, -1 -> sd sqrt(2)
    low = F.fc_naive(_weekly([0, 1, 0]), 1)
    assert low["lo80"].tolist() == [0.0] and low["hi80"].iloc[0] == pytest.approx(Z80 * np.sqrt(2))
    with pytest.raises(ValueError, match="^fc_naive: train has 2 weeks, needs >= 3$"):
        F.fc_naive(_weekly([1, 2]), 1)
    with pytest.raises(ValueError, match="^fc_naive: train has NaN values$"):
        F.fc_naive(_weekly([1, np.nan, 2]), 1)
    with pytest.raises(ValueError, match="^fc_naive: train must be a Series with a DatetimeIndex$"):
        F.fc_naive(pd.Series([1.0, 2.0, 3.0]), 1)
    with pytest.raises(ValueError, match="^fc_naive: train must be a Series with a DatetimeIndex$"):
        F.fc_naive(np.array([1.0, 2.0, 3.0]), 1)
    with pytest.raises(ValueError, match="^h must be >= 1, got 0$"):
        F.fc_naive(_weekly([1, 2, 3]), 0)


def test_future_index_steps_and_checks():
    two = _weekly([1, 2], start="2021-01-03")
    assert list(F.future_index(two, 2)) == list(pd.to_datetime(["2021-01-17", "2021-01-24"]))
    daily = pd.Series([1.0, 2.0], index=pd.to_datetime(["2021-01-01", "2021-01-03"]))
    assert list(F.future_index(daily, 1)) == [pd.Timestamp("2021-01-05")]  # step = last gap
    with pytest.raises(ValueError, match="^train needs >= 2 weeks, has 1$"):
        F.future_index(two.iloc[:1], 1)


def test_fc_seasonal_naive_bounds_by_hand():
    # m = 3, y = 1,2,3,2,3,5: y_t - y_{t-3} = 1, 1, 2 -> sd = sqrt(1/3);
    # horizons 1..4: floor((h-1)/3) + 1 = 1, 1, 1, 2 seasons
    fc = F.fc_seasonal_naive(_weekly([1, 2, 3, 2, 3, 5]), 4, m=3)
    sd = np.sqrt(1 / 3)
    assert fc["mean"].tolist() == [2, 3, 5, 2]
    assert fc["hi80"].to_numpy() == pytest.approx(fc["mean"] + Z80 * sd * np.sqrt([1, 1, 1, 2]))
    assert fc["lo95"].to_numpy() == pytest.approx(
        np.maximum(fc["mean"] - Z95 * sd * np.sqrt([1, 1, 1, 2]), 0))
    # exactly m + 2 = 5 weeks is enough for the seasonal rule: y[2], y[3] of 1, 2, 4, 8, 9
    assert F.fc_seasonal_naive(_weekly([1, 2, 4, 8, 9]), 2, m=3)["mean"].tolist() == [4, 8]
    # the default season is 52 weeks: 54 weeks 0..53 -> week 2 of the last season, not 53
    assert F.fc_seasonal_naive(_weekly(np.arange(54.0)), 1)["mean"].tolist() == [2.0]
    with pytest.raises(ValueError, match="^fc_seasonal_naive: train has 2 weeks, needs >= 3$"):
        F.fc_seasonal_naive(_weekly([1, 2]), 1, m=3)


def test_fc_seasonal_naive_fallback_logs(caplog):
    with caplog.at_level(logging.WARNING, logger="helpers.models.forecast"):
        fc = F.fc_seasonal_naive(_weekly([1, 2, 3, 5]), 1, m=3)
    assert fc["mean"].tolist() == [5.0]
    assert "seasonal naive: 4 weeks < m + 2 = 5; using naive" in caplog.text


def test_fc_moving_average_bounds_by_hand():
    # window 2 over 1, 3, 2, 6, 4, 8: trailing means 2, 2.5, 4, 5, 6; one-step errors
    # y_t - mean(y_{t-2}, y_{t-1}) = 2-2, 6-2.5, 4-4, 8-5 = 0, 3.5, 0, 3
    fc = F.fc_moving_average(_weekly([1, 3, 2, 6, 4, 8]), 3, window=2)
    sd = np.std([0, 3.5, 0, 3], ddof=1)
    widen = np.sqrt(1 + np.array([0, 1, 2]) / 2)  # sqrt(1 + (h-1)/window)
    assert fc["mean"].tolist() == [6.0] * 3
    assert fc["hi80"].to_numpy() == pytest.approx(6 + Z80 * sd * widen)
    assert fc["lo95"].to_numpy() == pytest.approx(6 - Z95 * sd * widen)
    assert list(fc.index) == list(pd.date_range("2020-02-16", periods=3, freq="W-SUN"))
    # default window 4: mean of the last four weeks 5, 6, 7, 9 = 6.75
    assert F.fc_moving_average(_weekly([1, 2, 3, 4, 5, 6, 7, 9]), 1)["mean"].tolist() == [6.75]
    with pytest.raises(ValueError, match="^fc_moving_average: train has 6 weeks, needs >= 7$"):
        F.fc_moving_average(_weekly(range(6)), 1)


# --------------------------------------------------------------------------- origins


def test_make_origins_boundaries():
    # n 40, 2 origins 12 apart, h 8: the first trains on exactly 20 weeks -> allowed
    assert F.make_origins(40, 2, 8, 12) == [20, 32]
    with pytest.raises(ValueError, match="^make_origins: the first origin would train on only 19 weeks$"):
        F.make_origins(39, 2, 8, 12)
    for args in ((40, 0, 8, 1), (40, 1, 0, 1), (40, 1, 8, 0)):
        with pytest.raises(ValueError, match="^make_origins: n_origins, h and step must be >= 1$"):
            F.make_origins(*args)
    assert F.make_origins(40, 1, 1, 1) == [39]


def test_origin_plan_boundaries_and_messages(caplog):
    base = {"n": 40, "h": 4, "n_test": 6, "step": 1, "n_eval": 12, "min_calib": 4}
    for key in ("h", "n_test", "step", "n_eval", "min_calib"):
        with pytest.raises(ValueError, match="^origin_plan: h, n_test, step, n_eval and "
                                             "min_calib must be >= 1$"):
            F.origin_plan(**{**base, key: 0})
    # n 30, h 4, 3 test origins 2 apart: last 26, test 22, 24, 26; min_train 22 is allowed
    p = F.origin_plan(30, 4, 3, 2, 3, 1, min_train=22)
    assert p["test"] == [22, 24, 26] and p["all"] == [22, 24, 26]
    with pytest.raises(ValueError, match=r"^origin_plan: the first test origin would train on "
                                         r"only 22 weeks \(n=30, h=4, n_test=3, step=2; need >= 23\)$"):
        F.origin_plan(30, 4, 3, 2, 3, 1, min_train=23)
    # step 1: the grid ends exactly at n - h; grid from 18, so 18 and 19 are dropped
    with caplog.at_level(logging.WARNING, logger="helpers.models.forecast"):
        q = F.origin_plan(**base)
    assert q["all"] == list(range(20, 37)) and q["evaluation"] == list(range(25, 37))
    assert "origin_plan: 2 origins shorter than 20 weeks dropped" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="helpers.models.forecast"):
        F.origin_plan(104, 8, 12, 2, 24, 4)  # grid 36..96: nothing dropped, nothing logged
    assert caplog.text == ""
    with pytest.raises(ValueError, match="^origin_plan: n_eval=5 must be >= n_test=6$"):
        F.origin_plan(**{**base, "n_eval": 5})


# --------------------------------------------------------------------------- rolling origin


def _const(level=32.0):
    def f(train, h):
        return pd.DataFrame({"mean": [level] * h, "lo80": [level - 1] * h,
                             "hi80": [level + 1] * h, "lo95": [level - 2] * h,
                             "hi95": [level + 2] * h})
    return f


def test_rolling_origin_scores_by_hand():
    # y = 1..40 with week 30 (index 29) raised to 60. Origin 30: actuals 31..34
    y = _weekly(np.arange(1.0, 41.0))
    y.iloc[29] = 60.0
    preds, scores = F.rolling_origin(y, {"zconst": _const(), "anaive": F.fc_naive}, [30, 36], 4)
    s = scores.set_index(["model", "origin"])
    o30 = y.index[29]
    row = s.loc[("zconst", o30)]
    # const 32 vs 31, 32, 33, 34: errors 1, 0, 1, 2 -> MAE 1; in-sample naive MAE of the train
    # 1..29, 60: 28 steps of 1 and one of 31 -> 59/29
    assert row["mase"] == pytest.approx(1 / (59 / 29))
    assert row["rmse"] == pytest.approx(np.sqrt(6 / 4))
    assert row["smape"] == pytest.approx(100 * np.mean([2 / 63, 0, 2 / 65, 4 / 66]))
    assert row["cover80"] == 0.75 and row["cover95"] == 1.0  # 31..33 in [31, 33]; all in [30, 34]
    # naive forecasts 60 for weeks 31..34 (+/- 0 coverage: sd of the diffs is large)
    assert s.loc[("anaive", o30), "rmse"] == pytest.approx(np.sqrt(np.mean(
        (np.array([31, 32, 33, 34]) - 60.0) ** 2)))
    assert list(scores.columns) == ["model", "origin", "mase", "rmse", "smape", "cover80", "cover95"]
    assert list(scores["model"]) == ["zconst", "anaive"] * 2  # origin by origin, models in order
    assert scores.attrs["failed"] == {}
    # prediction rows: one per (model, origin, week)
    p = preds[(preds["model"] == "zconst") & (preds["origin"] == o30)]
    assert list(preds.columns) == ["week", "mean", "lo80", "hi80", "lo95", "hi95", "actual",
                                   "step", "model", "origin", "n_train"]
    assert p["week"].tolist() == list(y.index[30:34]) and p["step"].tolist() == [1, 2, 3, 4]
    assert p["actual"].tolist() == [31.0, 32.0, 33.0, 34.0] and (p["n_train"] == 30).all()
    assert p[["lo80", "hi80", "lo95", "hi95"]].iloc[0].tolist() == [31.0, 33.0, 30.0, 34.0]
    # seasonal MASE scale (m = 2): train diffs at lag 2: 27 of 2, then 60 - 28 = 32 -> 86/28
    _, sc2 = F.rolling_origin(y, {"c": _const()}, [30], 4, mase_m=2)
    assert sc2["mase"].iloc[0] == pytest.approx(1 / (86 / 28))
    # the last origin may leave exactly h weeks
    assert len(F.rolling_origin(y, {"c": _const()}, [36], 4)[1]) == 1
    # rescoring the predictions gives the same scores, in the same order
    again = F.score_predictions(preds, y)
    pd.testing.assert_frame_equal(again, scores, check_like=False)
    again2 = F.score_predictions(preds[preds["model"] == "zconst"], y, mase_m=2)
    assert again2["mase"].iloc[0] == pytest.approx(1 / (86 / 28))
    with pytest.raises(ValueError, match="^rolling_origin: no models given$"):
        F.rolling_origin(y, {}, [30], 4)
    with pytest.raises(ValueError, match="^rolling_origin: origin 37 \\+ h 4 exceeds 40 weeks$"):
        F.rolling_origin(y, {"c": _const()}, [37], 4)


def test_rolling_origin_failures_by_hand():
    y = _weekly(np.arange(1.0, 41.0))

    def broken(train, h):
        raise RuntimeError("boom")

    preds, scores = F.rolling_origin(y, {"c": _const(), "b": broken}, [30, 32], 2)
    assert scores.attrs["failed"] == {"b": "RuntimeError at origin 2020-07-26: boom"}
    assert set(preds["model"]) == {"c"} and len(scores) == 2
    assert list(scores.index) == [0, 1] and list(preds.index) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r"^rolling_origin: every model failed: \{'b': "
                                         r"'RuntimeError at origin 2020-07-26: boom'\}$"):
        F.rolling_origin(y, {"b": broken}, [30], 2)


def test_summarise_scores_by_hand():
    o = pd.date_range("2021-01-03", periods=3, freq="W-SUN")
    sc = pd.DataFrame({"model": ["a"] * 3 + ["b"] * 3, "origin": list(o) * 2,
                       "mase": [1.0, 2.0, 3.0, 0.5, 0.5, 0.5], "rmse": [1, 1, 4, 2, 2, 2],
                       "smape": [3.0] * 6, "cover80": [1, 0, 1, 0, 0, 0],
                       "cover95": [1.0] * 6})
    s = F.summarise_scores(sc)
    assert list(s.index) == ["b", "a"]  # sorted by mean MASE
    assert s.loc["a", "mase"] == 2.0 and s.loc["a", "rmse"] == 2.0
    assert s.loc["a", "cover80"] == pytest.approx(2 / 3) and s.loc["a", "mase_sd"] == 1.0
    assert s.loc["b", "mase_sd"] == 0.0 and s["n_origins"].tolist() == [3, 3]
    assert list(s.columns) == ["mase", "rmse", "smape", "cover80", "cover95", "mase_sd",
                               "n_origins"]
    with pytest.raises(ValueError, match="^summarise_scores: no scores$"):
        F.summarise_scores(sc.iloc[:0])


def test_total_with_bounds_message():
    with pytest.raises(ValueError, match="^total_with_bounds: forecast has no column 'hi95'$"):
        F.total_with_bounds(pd.DataFrame({"mean": [1.0], "lo95": [0.5]}), 95)


# --------------------------------------------------------------------------- conformal


E10 = [0.1, -0.3, 0.4, 0.0, -0.1, 0.2, 0.05, -0.2, 0.3, 0.15]
# sorted: -0.3, -0.2, -0.1, 0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4


def test_conformal_quantile_ten_residuals_by_hand():
    # n = 10, level 50 (alpha .5): k_hi = ceil(11 * .75) = 9 -> 0.3; k_lo = floor(11 * .25) = 2
    assert F.conformal_quantile(E10, 50) == (-0.2, 0.3)
    # level 80: k_hi = ceil(11 * .9) = 10 -> 0.4; k_lo = floor(1.1) = 1 -> -0.3
    assert F.conformal_quantile(E10, 80) == (-0.3, 0.4)
    # absolute, level 50: |e| sorted 0, .05, .1, .1, .15, .2, .2, .3, .3, .4; k = ceil(5.5) = 6
    assert F.conformal_quantile(E10, 50, signed=False) == (-0.2, 0.2)
    # absolute 90: k = ceil(11 * .9) = 10 -> 0.4; 95: ceil(10.45) = 11 > 10 -> infinite
    assert F.conformal_quantile(E10, 90, signed=False) == (-0.4, 0.4)
    assert F.conformal_quantile(E10, 95, signed=False) == (-np.inf, np.inf)
    # exact ranks: n = 19, level 90 -> (n+1)(1 - alpha/2) = 19 exactly, (n+1) alpha/2 = 1
    e19 = np.arange(19.0)
    assert F.conformal_quantile(e19, 90) == (0.0, 18.0)
    # n = 3 at 50%: k_hi = ceil(4 * .75) = 3, k_lo = floor(4 * .25) = 1 -> min and max
    assert F.conformal_quantile([2.0, -1.0, 5.0], 50) == (-1.0, 5.0)
    # n = 2 at 50%: k_lo = floor(3 * .25) = 0 < 1 -> infinite; empty -> infinite
    assert F.conformal_quantile([2.0, -1.0], 50) == (-np.inf, np.inf)
    assert F.conformal_quantile([], 50) == (-np.inf, np.inf)
    assert F.conformal_quantile([], 50, signed=False) == (-np.inf, np.inf)
    # absolute with one error at 40%: k = ceil(2 * .4) = 1 -> |e|
    assert F.conformal_quantile([-3.0], 40, signed=False) == (-3.0, 3.0)
    for bad in (0, 100):
        with pytest.raises(ValueError, match=f"^conformal_quantile: level must be in \\(0, 100\\) "
                                             f"percent, got {bad}$"):
            F.conformal_quantile(E10, bad)
    with pytest.raises(ValueError, match="^conformal_quantile: resid has NaN values$"):
        F.conformal_quantile([0.1, np.nan], 50)


def _preds(errors, mean=100.0, h=1, model="m", start="2021-01-03"):
    """One row per origin i (week label i), forecasting week i+1, actual = mean (1 + e_i)."""
    o = pd.date_range(start, periods=len(errors), freq="W-SUN")
    return pd.DataFrame({"model": model, "origin": o, "week": o + pd.Timedelta(weeks=1),
                         "step": 1, "mean": mean, "actual": mean * (1 + np.asarray(errors)),
                         "lo50": 90.0, "hi50": 110.0, "n_train": 30 + np.arange(len(errors))})


def test_conformal_intervals_ten_residuals_by_hand():
    # origins 0..10; origin 10 calibrates on origins 0..9 (their week ends by it): E10
    p = _preds(E10 + [0.0])
    cal = F.conformal_intervals(p, levels=(50,))
    last = cal.iloc[-1]
    assert (last["lo50"], last["hi50"]) == pytest.approx((80.0, 130.0))  # 100 (1 - .2), (1 + .3)
    assert last["calib50"] == "step" and last["n_calib50"] == 10
    assert last["n_calib_origins"] == 10 and last["calib_regime"] == "single"
    assert (last["lo50_model"], last["hi50_model"]) == (90.0, 110.0)
    # origin 9 has 9 errors < min_errors 10: the model's own bounds, flagged
    nine = cal.iloc[-2]
    assert nine["calib50"] == "fallback" and (nine["lo50"], nine["hi50"]) == (90.0, 110.0)
    assert nine["n_calib50"] == 0
    # absolute: (80, 120); min_errors 9 lets origin 9 calibrate on e_0..e_8 (9 errors):
    # 50% signed k_hi = ceil(7.5) = 8, k_lo = floor(2.5) = 2 -> sorted -.3 -.2 -.1 0 .05 .1 .2 .3 .4
    ab = F.conformal_intervals(p, levels=(50,), signed=False).iloc[-1]
    assert (ab["lo50"], ab["hi50"]) == pytest.approx((80.0, 120.0))
    nine9 = F.conformal_intervals(p, levels=(50,), min_errors=9).iloc[-2]
    assert (nine9["lo50"], nine9["hi50"]) == pytest.approx((80.0, 130.0))
    # the output keeps the input's row order and index
    shuffled = p.iloc[::-1]
    assert list(F.conformal_intervals(shuffled, levels=(50,)).index) == list(shuffled.index)
    with pytest.raises(ValueError, match="^conformal_intervals: min_errors must be >= 1, got 0$"):
        F.conformal_intervals(p, levels=(50,), min_errors=0)
    with pytest.raises(ValueError, match=r"^conformal_intervals: preds has no column\(s\) "
                                         r"\['mean', 'step'\]$"):
        F.conformal_intervals(p.drop(columns=["mean", "step"]))


def test_conformal_intervals_floor_zero_mean_and_missing_model_bounds():
    # an error of -1.5 (a negative actual) gives q_lo < -1: the lower bound is floored at 0
    p = _preds([-1.5, 0.0, 0.1, 0.2])
    out = F.conformal_intervals(p, levels=(50,), min_errors=3).iloc[-1]
    # errors -1.5, 0, .1: n 3 -> k_lo 1, k_hi 3
    assert out["lo50"] == 0.0 and out["hi50"] == pytest.approx(110.0)
    # a non-positive point forecast cannot be scaled: model bounds kept, flagged fallback;
    # its own error is not finite and is not used by later origins
    q = _preds([0.1, 0.2, 0.3, 0.0, 0.0])
    q.loc[3, "mean"] = 0.0
    r = F.conformal_intervals(q, levels=(50,), min_errors=3)
    assert r.loc[3, "calib50"] == "fallback" and r.loc[3, "lo50"] == 90.0
    assert r.loc[4, "n_calib50"] == 3  # origins 0..3 ended, origin 3's error is not finite
    # levels without model bounds in preds: NaN model bounds when no calibration is possible
    s = F.conformal_intervals(_preds([0.1, 0.2]).drop(columns=["lo50", "hi50"]), levels=(80,))
    assert s["lo80_model"].isna().all() and s["lo80"].isna().all()
    assert (s["calib80"] == "fallback").all() and (s["n_calib80"] == 0).all()


def test_step_pooling_labels_by_hand():
    # h = 3, origins 0..5; origin 5 calibrates on origins 0..2 (last week <= 5): 3 errors per
    # step. min_errors 4: step 1 pools steps 1-2 (6 errors), step 3 pools 2-3 (6)
    rows = []
    w = pd.date_range("2021-01-03", periods=9, freq="W-SUN")
    for i in range(6):
        for k in (1, 2, 3):
            rows.append({"model": "m", "origin": w[i], "week": w[i + k], "step": k, "mean": 100.0,
                         "actual": 100.0 + 10 * k + i, "lo80": 1.0, "hi80": 2.0})
    p = pd.DataFrame(rows)
    out = F.conformal_intervals(p, levels=(80,), min_errors=4, signed=False)
    last = out[out["origin"] == w[5]].set_index("step")
    assert last["calib80"].tolist() == ["pooled+-1", "pooled+-1", "pooled+-1"]
    assert last["n_calib80"].tolist() == [6, 9, 6]
    # step 1 pools steps 1, 2 of origins 0..2: errors .10 .11 .12 .20 .21 .22; absolute 80%:
    # k = ceil(7 * .8) = 6 -> .22
    assert last.loc[1, "hi80"] == pytest.approx(122.0) and last.loc[1, "lo80"] == pytest.approx(78.0)
    # min_errors 7: steps 1 and 3 need +-2, step 2 +-1 (9 errors each); signed 80% with 9
    # errors: k_lo = floor(1) = 1, k_hi = ceil(9) = 9 -> the extremes .10 and .32
    out2 = F.conformal_intervals(p, levels=(80,), min_errors=7).query("origin == @w[5]")
    assert out2["calib80"].tolist() == ["pooled+-2", "pooled+-1", "pooled+-2"]
    assert out2["n_calib80"].tolist() == [9] * 3
    assert out2["lo80"].tolist() == pytest.approx([110.0] * 3)
    assert out2["hi80"].tolist() == pytest.approx([132.0] * 3)
    # signed 95% is impossible with 9 errors (k_lo = floor(.25) = 0): absolute 95% needs
    # k = ceil(9.5) = 10 > 9 too -> fallback
    out3 = F.conformal_intervals(p, levels=(95,), min_errors=7).query("origin == @w[5]")
    assert out3["calib95"].tolist() == ["fallback"] * 3
    # signed 50% at min_errors 1: step 1 alone has 3 errors .10 .11 .12: k_lo = floor(1) = 1,
    # k_hi = ceil(3) = 3 -> "step"
    out4 = F.conformal_intervals(p, levels=(50,), min_errors=1).query("origin == @w[5]")
    assert out4["calib50"].tolist() == ["step"] * 3
    # 80% signed from 3 or 6 errors: k_lo = floor(.4) or floor(.7) = 0 -> pooled up to 9
    # errors (k_lo = 1); absolute 80% would need only ceil(3.2) = 4 errors but signed is
    # tried first over every pooling width
    out5 = F.conformal_intervals(p, levels=(80,), min_errors=1).query("origin == @w[5]")
    assert out5["calib80"].tolist() == ["pooled+-2", "pooled+-1", "pooled+-2"]
    # origin 4 has origins 0, 1 ended: 2 errors per step, 6 in all, too few for signed 80%
    # (k_lo = floor(.7) = 0); absolute 80% from 2 errors needs ceil(2.4) = 3 > 2, from the 4
    # of +-1 steps ceil(4) = 4 -> "absolute pooled+-1" (step 2: steps 1-3, 6 errors)
    out6 = F.conformal_intervals(p, levels=(80,), min_errors=1).query("origin == @w[4]")
    assert out6["calib80"].tolist() == ["absolute pooled+-1"] * 3
    assert out6["n_calib80"].tolist() == [4, 6, 4]


# --------------------------------------------------------------------------- regimes, calibrate


def test_regime_threshold():
    assert F._regime_threshold(None, "m") == 0
    assert F._regime_threshold(25, "m") == 25
    assert F._regime_threshold({"m": 30}, "m") == 30 and F._regime_threshold({"m": 30}, "x") == 0


def test_calibration_origins_messages_and_boundaries():
    o = pd.date_range("2021-01-03", periods=5, freq="W-SUN")
    t = pd.DataFrame({"origin": o, "last_week": o + pd.Timedelta(weeks=1),
                      "n_train": [10, 11, 12, 13, 14]})
    # last_week equal to the origin counts as ended
    assert F.calibration_origins(t, o[4])[0] == list(o[:4])
    # the target's history exactly at the threshold is in the full regime; min_regime_origins 1
    use, reg = F.calibration_origins(t, o[4], 12, 12, None, 1)
    assert use == [o[2], o[3]] and reg == "full"
    use, reg = F.calibration_origins(t, o[4], 12, 12, None, 2)
    assert use == [o[2], o[3]] and reg == "full"
    assert F.calibration_origins(t, o[4], 12, 12, None, 3)[1] == F.MIXED_REGIME
    assert F.calibration_origins(t, o[4], 11, 12, 1, 2) == ([o[1]], "short")
    assert F.calibration_origins(t.sort_values("origin", ascending=False), o[4])[0] == list(o[:4])
    with pytest.raises(ValueError, match=r"^calibration_origins: origins has no column\(s\) "
                                         r"\['last_week', 'n_train'\]$"):
        F.calibration_origins(t[["origin"]], o[4], 12, 12)
    with pytest.raises(ValueError, match="^calibration_origins: window must be >= 1 or None, got 0$"):
        F.calibration_origins(t, o[4], window=0)
    with pytest.raises(ValueError, match="^calibration_origins: min_regime_origins must be >= 1, got 0$"):
        F.calibration_origins(t, o[4], min_regime_origins=0)


def test_calibrate_forecast_defaults_by_hand():
    # backtest: origins 0..10 with E10 + [0] (no n_train needed without a regime)
    bt = _preds(E10 + [0.0]).drop(columns=["n_train"])
    fc = pd.DataFrame({"mean": [100.0, 50.0], "lo50": [1.0, 1.0], "hi50": [2.0, 2.0]})
    end = bt["origin"].iloc[-1] + pd.Timedelta(weeks=1)  # every backtest week has ended
    out = F.calibrate_forecast(fc, bt, "m", end, levels=(50,))
    # 11 errors (E10 and 0): 50% signed k_hi = ceil(9) = 9 -> .2 ... sorted with the 0:
    # -.3 -.2 -.1 0 0 .05 .1 .15 .2 .3 .4 -> k_lo = floor(3) = 3 -> -.1, k_hi = 9 -> .2
    assert out["lo50"].tolist() == pytest.approx([90.0, 45.0])
    assert out["hi50"].tolist() == pytest.approx([120.0, 60.0])
    assert out["calib50"].tolist() == ["step", "pooled+-1"]
    assert out["n_calib_origins"].tolist() == [11, 11] and "step" not in out.columns
    # min_errors defaults to 10: at the origin 10 there are exactly 10 errors -> step
    ten = F.calibrate_forecast(fc.iloc[:1], bt, "m", bt["origin"].iloc[-1], levels=(50,))
    assert ten["calib50"].tolist() == ["step"] and ten["n_calib50"].tolist() == [10]
    assert F.calibrate_forecast(fc.iloc[:1], bt, "m", bt["origin"].iloc[-1], levels=(50,),
                                min_errors=11)["calib50"].tolist() == ["fallback"]
    assert (ten["lo50"].iloc[0], ten["hi50"].iloc[0]) == pytest.approx((80.0, 130.0))
    # regime by model name: n_train 30..40; threshold 38 -> full-regime origins 8, 9, 10;
    # exactly 3 = the default min_regime_origins
    btr = _preds(E10 + [0.0])
    reg = F.calibrate_forecast(fc, btr, "m", end, levels=(50,), min_errors=1,
                               min_history_weeks={"m": 38})
    assert reg["calib_regime"].tolist() == ["full"] * 2 and reg["n_calib_origins"].iloc[0] == 3
    assert F.calibrate_forecast(fc, btr, "m", end, levels=(50,), min_errors=1,
                                min_history_weeks={"m": 38},
                                min_regime_origins=4)["calib_regime"].iloc[0] == F.MIXED_REGIME
    with pytest.raises(ValueError, match="^calibrate_forecast: model 'x' not in the backtest$"):
        F.calibrate_forecast(fc, bt, "x", end)


def test_interval_scores_by_hand():
    o = pd.to_datetime(["2021-01-03", "2021-01-10"])
    p = pd.DataFrame({"model": ["a", "a", "b"], "origin": [o[0], o[1], o[0]],
                      "actual": [10.0, 20.0, 5.0], "lo80": [8.0, 22.0, 5.0],
                      "hi80": [12.0, 25.0, 5.0], "calib80": ["step", "fallback", "step"],
                      "calib_regime": ["full", F.MIXED_REGIME, F.MIXED_REGIME]})
    s = F.interval_scores(p, levels=(80,))
    # a: 10 in [8, 12], 20 below [22, 25] -> cover .5; widths 4, 3 -> 3.5;
    # Winkler (alpha .2): 4, 3 + (2 / .2)(22 - 20) = 23 -> 13.5
    assert s.loc["a"].to_dict() == pytest.approx({
        "n_weeks": 2, "n_origins": 2, "cover80": 0.5, "width80": 3.5, "winkler80": 13.5,
        "fallback80": 0.5, "mixed_regime": 0.5})
    assert s.loc["b", "cover80"] == 1.0 and s.loc["b", "width80"] == 0.0
    assert list(s.index) == ["a", "b"] and s.index.name == "model"
    by2 = F.interval_scores(p, levels=(80,), by=["model", "origin"])
    assert by2.index.name is None and len(by2) == 3
    plain = F.interval_scores(p.drop(columns=["calib80", "calib_regime"]), levels=(80,))
    assert plain.loc["a", "fallback80"] == 0.0 and "mixed_regime" not in plain.columns


# --------------------------------------------------------------------------- bootstrap and rule


def _circular_block_means(x, block, n_boot, seed):
    # the definition, written out: n_blocks = ceil(n / block) starts drawn uniformly from
    # 0..n-1 per resample, each block runs forward (wrapping), the resample is cut to n values
    x = np.asarray(x, float)
    n = len(x)
    n_blocks = -(-n // block)
    starts = np.random.default_rng(seed).integers(0, n, size=(n_boot, n_blocks))
    means = []
    for row in starts:
        vals = [x[(s + j) % n] for s in row for j in range(block)][:n]
        means.append(np.mean(vals))
    return np.array(means)


def test_block_bootstrap_mean_matches_its_definition():
    x = [1.0, 4.0, 2.0, 8.0, 3.0]
    m = _circular_block_means(x, 2, 40, 5)
    point, lo, hi = F.block_bootstrap_mean(x, block=2, n_boot=40, seed=5, level=0.8)
    assert point == pytest.approx(3.6)
    assert (lo, hi) == pytest.approx(tuple(np.quantile(m, [0.1, 0.9])))
    # defaults: block 1, 1000 resamples, seed 0, 95%
    m1 = _circular_block_means(x, 1, 1000, 0)
    assert F.block_bootstrap_mean(x)[1:] == pytest.approx(tuple(np.quantile(m1, [0.025, 0.975])))
    # two values with block 1: resample means 0, .5, 1 -> the 95% interval is [0, 1]
    assert F.block_bootstrap_mean([0, 1], n_boot=10) == (0.5, 0.0, 1.0)
    for kw, msg in (({"values": [1.0]}, r"need >= 2 values without NaN, got 1"),
                    ({"values": [1.0, np.nan, 2.0]}, r"need >= 2 values without NaN, got 3"),
                    ({"values": [1.0, 2.0], "level": 1.0}, r"level must be in \(0, 1\), got 1.0"),
                    ({"values": [1.0, 2.0], "level": 0.0}, r"level must be in \(0, 1\), got 0.0"),
                    ({"values": [1.0, 2.0], "n_boot": 9}, r"n_boot must be >= 10, got 9"),
                    ({"values": [1.0, 2.0], "block": 0}, r"block must be in 1..2, got 0")):
        with pytest.raises(ValueError, match=f"^block_bootstrap_mean: {msg}$"):
            F.block_bootstrap_mean(**kw)


def _scores(**cols):
    o = pd.date_range("2021-01-03", periods=len(next(iter(cols.values()))), freq="W-SUN")
    return pd.concat([pd.DataFrame({"model": name, "origin": o, "mase": v, "rmse": v[::-1]})
                      for name, v in cols.items()], ignore_index=True)


def test_paired_difference_and_select_forecaster_defaults():
    sc = _scores(base=[1.0, 1.0, 1.0, 1.0], fancy=[0.5, 1.0, 0.2, 0.9])
    d = F.paired_difference(sc, "fancy", "base")
    # differences -.5, 0, -.8, -.1: mean -.35; defaults block 1, 1000 resamples, seed 0, 95%
    assert d == pytest.approx(F.block_bootstrap_mean([-0.5, 0.0, -0.8, -0.1], 1, 1000, 0, 0.95))
    assert d[0] == pytest.approx(-0.35)
    # the column is chosen by col (rmse is mase reversed per model); level and seed pass through
    assert F.paired_difference(sc, "fancy", "base", col="rmse", block=2, n_boot=50, seed=3,
                               level=0.5) == pytest.approx(F.block_bootstrap_mean([-0.1, -0.8, 0.0, -0.5],
                                                                                  2, 50, 3, 0.5))
    with pytest.raises(ValueError, match="^paired_difference: scores has no column 'x'$"):
        F.paired_difference(sc, "fancy", "base", col="x")
    with pytest.raises(ValueError, match="^paired_difference: model 'nope' not in scores$"):
        F.paired_difference(sc, "nope", "base")
    rule = F.select_forecaster(sc, ["base"])
    assert rule == {"winner": "fancy", "leader": "fancy", "best_baseline": "base",
                    "decided_by_interval": True, "diff": d}
    assert F.select_forecaster(sc, ["base"], col="rmse", block=2, n_boot=50, seed=3,
                               level=0.5)["diff"] == pytest.approx(F.block_bootstrap_mean(
        [-0.1, -0.8, 0.0, -0.5], 2, 50, 3, 0.5))
    # the leader is a baseline: no interval
    assert F.select_forecaster(sc, ["base", "fancy"]) == {
        "winner": "fancy", "leader": "fancy", "best_baseline": "fancy",
        "decided_by_interval": False, "diff": None}
    # an interval that reaches exactly 0 is not "wholly below zero": differences -1, 0 (block
    # 1, 1000 draws: the 97.5% point of resample means -1, -.5, 0 is 0)
    tie = _scores(base=[1.0, 1.0], fancy=[0.0, 1.0])
    r = F.select_forecaster(tie, ["base"])
    assert r["diff"] == (-0.5, -1.0, 0.0)
    assert r["winner"] == "base" and r["leader"] == "fancy" and not r["decided_by_interval"]
    assert r["best_baseline"] == "base"
    with pytest.raises(ValueError, match=r"^select_forecaster: none of the baselines \['x'\] is in"):
        F.select_forecaster(sc, ["x"])


X7 = [1.13, 4.71, 2.29, 8.93, 3.05, 0.37, 6.21]  # continuous: every resample moves the interval


def test_bootstrap_defaults_reach_the_interval():
    # the defaults (block 1, 1000 resamples, seed 0, 95%) written out via the definition
    m = _circular_block_means(X7, 1, 1000, 0)
    assert F.block_bootstrap_mean(X7)[1:] == pytest.approx(tuple(np.quantile(m, [0.025, 0.975])))
    base = [5.0] * 7
    sc = _scores(base=base, fancy=[b - x / 10 for b, x in zip(base, X7, strict=True)])
    diffs = [-x / 10 for x in X7]
    want = F.block_bootstrap_mean(diffs, 1, 1000, 0, 0.95)
    assert F.paired_difference(sc, "fancy", "base") == pytest.approx(want)
    rule = F.select_forecaster(sc, ["base"])
    assert rule["diff"] == pytest.approx(want) and rule["winner"] == "fancy"
    assert F.select_forecaster(sc, ["base"], n_boot=60, seed=4)["diff"] == pytest.approx(
        F.block_bootstrap_mean(diffs, 1, 60, 4, 0.95))


def test_more_boundaries_by_hand():
    # upper bounds are floored at 0, not at 1: last value .1, diffs 0, .1 -> sd .0707
    fc = F.fc_naive(_weekly([0.0, 0.0, 0.1]), 1)
    assert fc["hi80"].iloc[0] == pytest.approx(0.1 + Z80 * np.sqrt(0.005))
    # the seasonal naive keeps the future week labels
    sn = F.fc_seasonal_naive(_weekly([1, 2, 3, 2, 3, 5]), 2, m=3)
    assert list(sn.index) == list(pd.date_range("2020-02-16", periods=2, freq="W-SUN"))
    # level 1% is valid: alpha .99 on E10: k_hi = ceil(11 * .505) = 6 -> .1, k_lo = floor(5.445)
    # = 5 -> .05
    assert F.conformal_quantile(E10, 1) == (0.05, 0.1)
    # absolute 50% on |e| = 1..100: k = ceil(101 * .5) = 51
    assert F.conformal_quantile(np.arange(1.0, 101.0), 50, signed=False) == (-51.0, 51.0)
    # relative errors need a positive forecast (a forecast below 1 is fine)
    assert F._relative_errors(np.array([1.0, 2.0]), np.array([0.5, 0.0]))[0] == 1.0
    assert np.isnan(F._relative_errors(np.array([1.0, 2.0]), np.array([0.5, 0.0]))[1])


def test_regime_defaults_and_thresholds():
    o = pd.date_range("2021-01-03", periods=5, freq="W-SUN")
    t = pd.DataFrame({"origin": o, "last_week": o + pd.Timedelta(weeks=1),
                      "n_train": [10, 11, 12, 13, 14]})
    # ended origins 0..3; from 11 weeks on: 1, 2, 3 -> exactly the default 3 -> "full"
    assert F.calibration_origins(t, o[4], 14, 11) == ([o[1], o[2], o[3]], "full")
    # a threshold of 1 week is a regime too (every origin is in the full regime)
    assert F.calibration_origins(t, o[4], 14, 1)[1] == "full"
    with pytest.raises(ValueError, match="n_train"):
        F.calibration_origins(t[["origin", "last_week"]], o[4], 14, 1)
    # conformal_intervals: n_train 30..40; from 37 weeks: ended full origins 7, 8, 9 -> 3
    p = _preds(E10 + [0.0])
    last = F.conformal_intervals(p, levels=(50,), min_errors=1, min_history_weeks=37).iloc[-1]
    assert last["calib_regime"] == "full" and last["n_calib_origins"] == 3
    four = F.conformal_intervals(p, levels=(50,), min_errors=1, min_history_weeks=37,
                                 min_regime_origins=4).iloc[-1]
    assert four["calib_regime"] == F.MIXED_REGIME and four["n_calib_origins"] == 10


def test_calibrate_forecast_pools_beyond_its_own_steps_and_small_means():
    # a one-week forecast calibrated on a 3-step backtest: step 1 pools steps 1-3 (+-2)
    w = pd.date_range("2021-01-03", periods=9, freq="W-SUN")
    p = pd.DataFrame([{"model": "m", "origin": w[i], "week": w[i + k], "step": k, "mean": 100.0,
                       "actual": 100.0 + 10 * k + i} for i in range(6) for k in (1, 2, 3)])
    fc = pd.DataFrame({"mean": [100.0], "lo80": [1.0], "hi80": [2.0]})
    out = F.calibrate_forecast(fc, p, "m", w[5], levels=(80,), min_errors=7)
    assert out["calib80"].tolist() == ["pooled+-2"] and out["n_calib80"].tolist() == [9]
    # a point forecast below 1 is calibrated like any positive one: errors E10 + [0] as in
    # test_calibrate_forecast_defaults_by_hand -> (1 - .1, 1 + .2) x 0.5
    bt = _preds(E10 + [0.0]).drop(columns=["n_train"])
    end = bt["origin"].iloc[-1] + pd.Timedelta(weeks=1)
    small = F.calibrate_forecast(pd.DataFrame({"mean": [0.5], "lo50": [0.0], "hi50": [1.0]}),
                                 bt, "m", end, levels=(50,))
    assert (small["lo50"].iloc[0], small["hi50"].iloc[0]) == pytest.approx((0.45, 0.6))


def test_interval_scores_keeps_group_order_and_counts_mixed_rows():
    o = pd.to_datetime(["2021-01-03", "2021-01-10"])
    p = pd.DataFrame({"model": ["b", "a", "a"], "origin": [o[0], o[0], o[1]],
                      "actual": [1.0, 2.0, 3.0], "lo80": [0.0, 0.0, 0.0], "hi80": [4.0] * 3,
                      "calib_regime": [F.MIXED_REGIME, "full", "full"]})
    s = F.interval_scores(p, levels=(80,))
    assert list(s.index) == ["b", "a"]  # first appearance, not sorted
    assert s.loc["b", "mixed_regime"] == 1.0 and s.loc["a", "mixed_regime"] == 0.0
    with pytest.raises(ValueError, match="^interval_scores: no predictions$"):
        F.interval_scores(p.iloc[:0])


def test_rolling_origin_keeps_scoring_after_a_failure():
    # the failing model comes first: the models after it still run at every origin
    y = _weekly(np.arange(1.0, 41.0))

    def broken(train, h):
        raise RuntimeError("boom")

    preds, scores = F.rolling_origin(y, {"b": broken, "c": _const()}, [30, 32, 34], 2)
    assert scores["model"].tolist() == ["c"] * 3 and len(preds) == 6

"""Tests for helpers.models.forecast: series building, forecasters, rolling origin, bottom-up."""

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.models import forecast as F


def _weekly(values, start="2020-01-05"):
    idx = pd.date_range(start, periods=len(values), freq="W-SUN", name="week")
    return pd.Series(np.asarray(values, float), index=idx, name="revenue_amt")


def _seasonal_trend(n=112, seed=0):
    # known signal: level 1000, trend +5/week, annual sine amplitude 300, noise sd 20
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return _weekly(1000 + 5 * t + 300 * np.sin(2 * np.pi * t / 52.18) + rng.normal(0, 20, n))


def test_weekly_revenue_drops_partial_weeks():
    # Mon 01-01 £10, Wed 01-03 £5 -> week ending Sun 01-07 = 15
    # Mon 01-08 £7, Sun 01-14 £3 -> week ending 01-14 = 10
    # Tue 01-16 £4 -> week ending 01-21 ends after the cutoff 01-17 -> dropped
    lines = pd.DataFrame({
        "order_ts": pd.to_datetime(["2024-01-01", "2024-01-03 10:00:00", "2024-01-08",
                                    "2024-01-14 23:00:00", "2024-01-16"], format="ISO8601"),
        "revenue_amt": [10.0, 5.0, 7.0, 3.0, 4.0],
    })
    s = F.weekly_revenue(lines)
    assert s.tolist() == [15.0, 10.0]
    assert list(s.index) == list(pd.to_datetime(["2024-01-07", "2024-01-14"]))
    # a first line on a Tuesday makes the first week partial
    assert F.weekly_revenue(lines.iloc[1:]).tolist() == [10.0]


def test_weekly_revenue_missing_column():
    with pytest.raises(ValueError, match="revenue_amt"):
        F.weekly_revenue(pd.DataFrame({"order_ts": pd.to_datetime(["2024-01-01"])}))


def test_fc_naive_hand_worked():
    # last value 4; diffs 1, 2 -> sd (ddof 1) = 0.7071; 80% z = 1.2816
    fc = F.fc_naive(_weekly([1, 2, 4]), 2)
    assert fc["mean"].tolist() == [4.0, 4.0]
    sd = np.std([1, 2], ddof=1)
    assert fc["hi80"].iloc[0] == pytest.approx(4 + stats.norm.ppf(0.9) * sd)
    assert fc["hi80"].iloc[1] == pytest.approx(4 + stats.norm.ppf(0.9) * sd * np.sqrt(2))
    assert fc.index[0] == pd.Timestamp("2020-01-26")


def test_fc_naive_too_short():
    with pytest.raises(ValueError, match="needs >= 3"):
        F.fc_naive(_weekly([1, 2]), 1)


def test_fc_seasonal_naive_hand_worked_and_fallback():
    # m=3, y = 1,2,3,2,3,4: next season repeats 2,3,4 then 2
    fc = F.fc_seasonal_naive(_weekly([1, 2, 3, 2, 3, 4]), 4, m=3)
    assert fc["mean"].tolist() == [2, 3, 4, 2]
    # shorter than m + 2 -> naive (last value)
    assert F.fc_seasonal_naive(_weekly([1, 2, 3, 5]), 2, m=3)["mean"].tolist() == [5, 5]


def test_fc_moving_average_hand_worked():
    # window 2 over 1..6: mean(5, 6) = 5.5; one-step errors y_t - mean(y_{t-2}, y_{t-1}) = 1.5
    fc = F.fc_moving_average(_weekly([1, 2, 3, 4, 5, 6]), 3, window=2)
    assert fc["mean"].tolist() == [5.5, 5.5, 5.5]
    with pytest.raises(ValueError, match="needs >= 5"):
        F.fc_moving_average(_weekly([1, 2, 3, 4]), 3, window=2)


def test_fc_ets_and_sarimax_shapes():
    y = _seasonal_trend(80)
    for fn in (F.fc_ets, F.fc_sarimax_fourier, functools.partial(F.fc_xgboost, seed=1, n_jobs=1)):
        fc = fn(y, 6)
        assert len(fc) == 6 and (fc["lo95"] <= fc["lo80"]).all()
        assert (fc["lo80"] <= fc["mean"]).all() and (fc["mean"] <= fc["hi80"]).all()
        assert (fc["hi80"] <= fc["hi95"]).all()
    with pytest.raises(ValueError, match="NaN"):
        F.fc_ets(_weekly([1.0] * 5 + [np.nan] * 10), 2)


def test_fc_xgboost_reproducible_and_short_input():
    y = _seasonal_trend(80)
    a = F.fc_xgboost(y, 4, seed=3)
    b = F.fc_xgboost(y, 4, seed=3)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="needs >= 20"):
        F.fc_xgboost(_weekly(range(10)), 2)


def test_forecaster_beats_seasonal_naive_on_seasonal_trend_series():
    # trend 5/week: seasonal naive is biased by 52*5 = 260 per week; the Fourier regression
    # with a linear trend knows both components
    y = _seasonal_trend()
    models = {"snaive": F.fc_seasonal_naive, "sarimax": F.fc_sarimax_fourier,
              "xgboost": functools.partial(F.fc_xgboost, seed=0, n_jobs=1)}
    _, scores = F.rolling_origin(y, models, F.make_origins(len(y), 3, 8, 4), 8)
    summ = F.summarise_scores(scores)
    assert summ.loc["sarimax", "mase"] < summ.loc["snaive", "mase"]
    assert summ.loc["xgboost", "mase"] < summ.loc["snaive", "mase"]


def test_make_origins():
    # n=104, 4 origins, h=8, step 4: last = 96, then 92, 88, 84
    assert F.make_origins(104, 4, 8, 4) == [84, 88, 92, 96]
    with pytest.raises(ValueError, match="only"):
        F.make_origins(30, 4, 8, 4)


def test_rolling_origin_and_combination():
    y = _weekly(np.arange(1.0, 41.0))
    preds, scores = F.rolling_origin(y, {"naive": F.fc_naive}, [30, 32], 4)
    assert len(preds) == 8 and len(scores) == 2
    # origin 30 (value 30): actuals 31..34, forecast 30 -> MAE 2.5; in-sample naive MAE 1
    assert scores["mase"].iloc[0] == pytest.approx(2.5)
    twice = preds.assign(model="n2", mean=preds["mean"] + 2.0)
    comb = F.combine_forecasts(pd.concat([preds, twice]), ["naive", "n2"], "combo")
    assert (comb["mean"].to_numpy() == preds["mean"].to_numpy() + 1).all()
    rescored = F.score_predictions(preds, y)
    assert rescored["mase"].tolist() == pytest.approx(scores["mase"].tolist())
    with pytest.raises(ValueError, match="exceeds"):
        F.rolling_origin(y, {"naive": F.fc_naive}, [38], 4)
    with pytest.raises(ValueError, match="not in predictions"):
        F.combine_forecasts(preds, ["naive", "nope"], "x")


def test_seasonal_ratio_hand_worked():
    # season 4, window 2, y = 1,1,2,4,1,1 (n=6): base = mean(y[0:2]) = 1
    # last year's next weeks y[2..5] = 2, 4, 1, 1 -> ratios 2, 4 (clipped to 2), 1, 1;
    # week 5 is not observed last year -> 1
    r = F.seasonal_ratio(np.array([1, 1, 2, 4, 1, 1.0]), 5, window=2, season=4)
    assert r.tolist() == [2.0, 2.0, 1.0, 1.0, 1.0]
    assert F.seasonal_ratio(np.ones(5), 3, window=2, season=4).tolist() == [1, 1, 1]


def test_new_revenue_forecast_short_history_is_trailing_mean():
    fc = F.new_revenue_forecast(_weekly([10.0] * 6 + [20.0] * 4), 3, window=4)
    assert fc["mean"].tolist() == [20.0, 20.0, 20.0]
    with pytest.raises(ValueError):
        F.new_revenue_forecast(_weekly([1.0, 2.0]), 3, window=4)


def _customer_lines(n_cust=300, weeks=70, seed=0):
    # BG/NBD-like: weekly purchase probability ~ Gamma(2, 0.15) (capped 0.9), drop-out after
    # each purchase with probability ~ Beta(1, 8); random start week; £20-£60 an order
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-04")
    rows = []
    for c in range(n_cust):
        first = rng.integers(0, weeks // 2)
        lam, p_drop = min(rng.gamma(2, 0.15), 0.9), rng.beta(1, 8)
        for w in range(first, weeks):
            if w == first or rng.random() < lam:
                rows.append((c + 1, f"o{c}_{w}", start + pd.Timedelta(days=7 * w + 2),
                             float(rng.uniform(20, 60))))
                if rng.random() < p_drop:
                    break
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_ts", "revenue_amt"])
    df["customer_id"] = df["customer_id"].astype("Int64")
    df["country"] = "United Kingdom"
    df["product_id"] = "p1"
    return df


def test_bottom_up_forecast_adds_up():
    pytest.importorskip("helpers.value.clv")
    lines = _customer_lines()
    origin = pd.Timestamp("2021-01-04") + pd.Timedelta(weeks=60)
    fc = F.bottom_up_forecast(lines, origin, 4, seasonal=False)
    assert len(fc) == 4 and np.isfinite(fc["mean"]).all()
    assert fc["mean"].to_numpy() == pytest.approx(fc["existing_amt"] + fc["other_amt"])
    # the forecast level should be near the recent weekly revenue (no trend, no new customers)
    actual = F.weekly_revenue(lines[lines["order_ts"] < origin])
    assert 0.6 < fc["mean"].mean() / actual.iloc[-8:].mean() < 1.4


def test_make_bottom_up_wraps_and_checks():
    pytest.importorskip("helpers.value.clv")
    lines = _customer_lines()
    y = F.weekly_revenue(lines)
    fc = F.make_bottom_up(lines, seasonal=False)(y.iloc[:60], 3)
    assert list(fc.index) == list(y.index[60:63])
    with pytest.raises(ValueError, match="customer_id"):
        F.make_bottom_up(lines.drop(columns="customer_id"))


def test_forward_forecast_averages_members_and_totals():
    idx = pd.date_range("2024-01-07", periods=30, freq="W-SUN")
    y = pd.Series(np.arange(30, dtype=float), index=idx)
    # naive forecasts the last value 29; a constant-100 model forecasts 100: the combination
    # is (29 + 100) / 2 = 64.5 per week, total over 3 weeks = 193.5
    const = lambda train, h: pd.DataFrame(  # noqa: E731
        {"mean": [100.0] * h, "lo80": [90.0] * h, "hi80": [110.0] * h,
         "lo95": [80.0] * h, "hi95": [120.0] * h})
    fcs = {"naive": F.fc_naive, "const": const}
    out = F.forward_forecast(y, fcs, ["naive", "const"], 3)
    assert list(out.index) == list(pd.date_range("2024-08-04", periods=3, freq="W-SUN"))
    assert np.allclose(out["mean"], 64.5)
    tot = F.total_with_bounds(out)
    assert tot["total_amt"] == pytest.approx(193.5)
    single = F.forward_forecast(y, fcs, ["const"], 2)
    assert F.total_with_bounds(single, 95) == {"total_amt": 200.0, "lo95_amt": 160.0,
                                                      "hi95_amt": 240.0}
    with pytest.raises(ValueError, match="unknown"):
        F.forward_forecast(y, fcs, ["nope"], 2)
    with pytest.raises(ValueError, match="no column"):
        F.total_with_bounds(out.drop(columns="lo80"))


def test_rolling_origin_reports_a_failing_model_and_keeps_the_others() -> None:
    idx = pd.date_range("2020-01-05", periods=80, freq="W-SUN")
    y = pd.Series(100.0 + np.arange(80) % 7, index=idx)

    def broken(train: pd.Series, h: int) -> pd.DataFrame:
        if len(train) > 60:
            raise ValueError("coverage: some lo > hi")
        return F.fc_naive(train, h)

    preds, scores = F.rolling_origin(
        y, {"naive": F.fc_naive, "broken": broken}, [50, 58, 66], 4)
    assert set(scores["model"]) == {"naive"} and set(preds["model"]) == {"naive"}
    assert len(scores) == 3  # the broken model's early origins are dropped too: paired scores
    assert scores.attrs["failed"]["broken"].startswith("ValueError at origin")
    assert "lo > hi" in scores.attrs["failed"]["broken"]
    with pytest.raises(ValueError, match="every model failed"):
        F.rolling_origin(y, {"broken": broken}, [66], 4)


def _breaks_after(n: int):
    def f(train: pd.Series, h: int) -> pd.DataFrame:
        if len(train) > n:
            raise ValueError(f"more than {n} weeks")
        return F.fc_naive(train, h)
    return f


def test_rolling_origin_in_worker_processes_equals_one_process() -> None:
    idx = pd.date_range("2020-01-05", periods=80, freq="W-SUN")
    y = pd.Series(100.0 + np.arange(80) % 7 + np.arange(80) * 0.5, index=idx)
    local = functools.partial(F.fc_moving_average, window=3)
    local.slow = True  # scheduled first (as the bottom-up model): the order of the output stays
    models = {"late": _breaks_after(60), "naive": F.fc_naive, "local": local,
              "early": _breaks_after(52), "snaive": F.fc_seasonal_naive}
    one = F.rolling_origin(y, models, [50, 58, 66], 4, n_jobs=1)
    two = F.rolling_origin(y, models, [50, 58, 66], 4, n_jobs=2)
    for a, b in zip(one, two, strict=False):
        pd.testing.assert_frame_equal(a, b)
    # origin by origin, models in the given order; failures in the order they happened
    assert one[1]["model"].tolist() == ["naive", "local", "snaive"] * 3
    assert list(one[1].attrs["failed"]) == ["early", "late"] == list(two[1].attrs["failed"])
    assert one[1].attrs["failed"]["late"] == "ValueError at origin 2021-04-04: more than 60 weeks"


# --------------------------------------------------------------------------- calibrated intervals


def test_conformal_quantile_hand_worked():
    # 9 errors -1..7 (sorted: -1, 0, 1, 2, 3, 4, 5, 6, 7), level 80, alpha 0.2:
    # signed: k_hi = ceil(10 * 0.9) = 9 -> 7; k_lo = floor(10 * 0.1) = 1 -> -1
    e = [3, -1, 0, 5, 1, 7, 2, 6, 4]
    assert F.conformal_quantile(e, 80) == (-1.0, 7.0)
    # absolute: |e| sorted 0, 1, 1, 2, 3, 4, 5, 6, 7; k = ceil(10 * 0.8) = 8 -> 6
    assert F.conformal_quantile(e, 80, signed=False) == (-6.0, 6.0)
    # 95% signed needs k_hi = ceil(10 * 0.975) = 10 > 9 errors: infinite
    assert F.conformal_quantile(e, 95) == (-np.inf, np.inf)
    # 4 errors at 80% absolute: k = ceil(5 * 0.8) = 4 -> the largest |e|
    assert F.conformal_quantile([1, -2, 3, -4], 80, signed=False) == (-4.0, 4.0)
    with pytest.raises(ValueError, match="level"):
        F.conformal_quantile(e, 0.8 * 100 + 20)


def _fast_const_preds(n_weeks, h, sd, seed):
    # the frame rolling_origin would return for a constant-100 forecaster, built directly
    rng = np.random.default_rng(seed)
    y = _weekly(100 * (1 + rng.normal(0, sd, n_weeks)))
    rows = [(y.index[o - 1], y.index[o - 1 + k], k, y.iloc[o - 1 + k])
            for o in range(10, n_weeks - h + 1) for k in range(1, h + 1)]
    p = pd.DataFrame(rows, columns=["origin", "week", "step", "actual"])
    return y, p.assign(model="const", mean=100.0, lo80=99.0, hi80=101.0, lo95=98.0, hi95=102.0)


def _const_preds(n_weeks=60, h=3, noise=None, seed=0):
    # a constant-100 forecaster over origins 10..n-h, with actuals 100 * (1 + noise)
    rng = np.random.default_rng(seed)
    y = _weekly(100 * (1 + (rng.normal(0, 0.1, n_weeks) if noise is None else noise)))
    const = lambda train, h: pd.DataFrame(  # noqa: E731
        {"mean": [100.0] * h, "lo80": [99.0] * h, "hi80": [101.0] * h,
         "lo95": [98.0] * h, "hi95": [102.0] * h})
    preds, _ = F.rolling_origin(y, {"const": const}, list(range(10, n_weeks - h + 1)), h)
    return y, preds


def test_conformal_intervals_hand_worked_and_fallback():
    # relative errors e_t = y_t/100 - 1; h = 1, min_errors 1. Origins sit at week index 9..38;
    # the origin at index 20 calibrates on origins 9..19, whose forecast weeks 10..20 end by it
    # (11 errors): 80% signed: k_hi = ceil(12 * 0.9) = 11 (largest), k_lo = floor(1.2) = 1
    noise = np.linspace(-0.2, 0.2, 40)[np.random.default_rng(1).permutation(40)]
    y, preds = _const_preds(40, 1, noise)
    cal = F.conformal_intervals(preds, min_errors=1)
    row = cal[cal["origin"] == y.index[20]].iloc[0]
    e = noise[10:21]  # actuals of the calibrating origins' weeks (week index 10..20)
    assert row["lo80"] == pytest.approx(100 * (1 + e.min()))
    assert row["hi80"] == pytest.approx(100 * (1 + e.max()))
    assert row["calib80"] == "step" and row["n_calib80"] == 11
    # the first origin has no past errors: the model's own bounds, flagged
    first = cal[cal["origin"] == y.index[9]].iloc[0]
    assert first["calib80"] == "fallback" and (first["lo80"], first["hi80"]) == (99.0, 101.0)
    assert (first["lo80_model"], first["hi80_model"]) == (99.0, 101.0)
    with pytest.raises(ValueError, match="actual"):
        F.conformal_intervals(preds.drop(columns="actual"))


def test_conformal_intervals_pool_neighbouring_steps():
    # h = 3; origins at index 9..; the origin at index 16 has origins 9..13 whose weeks end
    # by it: 5 errors per step. min_errors 6: one step is too few; step 1 pools steps 1-2 (10),
    # step 2 pools steps 1-3 (15)
    y, preds = _const_preds(40, 3)
    cal = F.conformal_intervals(preds, min_errors=6)
    rows = cal[cal["origin"] == y.index[16]].set_index("step")
    assert rows.loc[1, "calib80"] == "pooled+-1" and rows.loc[1, "n_calib80"] == 10
    assert rows.loc[2, "n_calib80"] == 15
    later = cal[cal["origin"] == y.index[30]].set_index("step")
    assert later.loc[1, "calib80"] == "step"


def test_conformal_intervals_never_use_test_weeks():
    # plant a huge error in the first forecast week of origin o (a test week for o): the
    # intervals of o and every earlier origin must not change (the week lies in the windows of
    # origins o-h+1..o, none of which ends by o), while a later origin does see it
    h = 4
    y, preds = _const_preds(50, h)
    o_idx = 30
    wk = y.index[o_idx + 1]
    planted = preds.copy()
    planted.loc[planted["week"] == wk, "actual"] = 1e6
    a = F.conformal_intervals(preds, min_errors=3)
    b = F.conformal_intervals(planted, min_errors=3)
    cols = ["lo80", "hi80", "lo95", "hi95"]
    for k in range(o_idx - 5, o_idx + 1):
        pd.testing.assert_frame_equal(a.loc[a["origin"] == y.index[k], cols],
                                      b.loc[b["origin"] == y.index[k], cols])
    late_a = a.loc[a["origin"] == y.index[o_idx + 1 + h], "hi95"].to_numpy()
    late_b = b.loc[b["origin"] == y.index[o_idx + 1 + h], "hi95"].to_numpy()
    assert (late_b > late_a).any()


def test_conformal_coverage_is_nominal_on_known_noise():
    # iid relative noise N(0, 0.1) around a correct constant forecast: calibrated 80% / 95%
    # intervals should cover about 80% / 95% of later weeks (raw bounds +-1% cover ~8%)
    y, preds = _fast_const_preds(300, 2, 0.1, seed=3)
    cal = F.conformal_intervals(preds)
    late = cal[cal["origin"] >= y.index[100]]
    sc = F.interval_scores(late)
    assert 0.76 < sc.loc["const", "cover80"] < 0.84
    assert 0.92 < sc.loc["const", "cover95"] < 0.98
    # 80% width ~ 2 * 1.2816 * 10 = 25.6; the raw model bounds are 2 wide
    assert 22 < sc.loc["const", "width80"] < 30
    assert sc.loc["const", "fallback80"] == 0.0
    raw = F.interval_scores(late.assign(lo80=late["lo80_model"], hi80=late["hi80_model"],
                                        lo95=late["lo95_model"], hi95=late["hi95_model"]))
    assert raw.loc["const", "cover80"] < 0.2
    assert raw.loc["const", "winkler80"] > sc.loc["const", "winkler80"]
    with pytest.raises(ValueError, match="no predictions"):
        F.interval_scores(late.iloc[:0])


def test_calibrate_forecast_and_forward_forecast_use_backtest_errors():
    noise = np.tile([-0.1, 0.0, 0.1, 0.2], 10)
    y, preds = _const_preds(40, 1, noise)
    const = lambda train, h: pd.DataFrame(  # noqa: E731
        {"mean": [100.0] * h, "lo80": [99.0] * h, "hi80": [101.0] * h,
         "lo95": [98.0] * h, "hi95": [102.0] * h})
    # every origin's week ends by the last week: 30 errors, a quarter each of -0.1, 0, .1, .2;
    # 80% signed: k_lo = floor(31 * 0.1) = 3 -> -0.1, k_hi = ceil(31 * 0.9) = 28 -> 0.2
    fwd = F.forward_forecast(y, {"const": const}, ["const"], 2, backtest=preds, model="const")
    assert fwd["lo80"].tolist() == pytest.approx([90.0, 90.0])
    assert fwd["hi80"].tolist() == pytest.approx([120.0, 120.0])
    assert fwd["calib80"].tolist() == ["step", "pooled+-1"]  # no step-2 errors when h = 1
    with pytest.raises(ValueError, match="not in the backtest"):
        F.calibrate_forecast(fwd, preds, "nope", y.index[-1])


def test_origin_plan_hand_worked():
    # n 104, h 8, 12 test origins 2 apart: last 96, test 74..96; 24 evaluated: 50..96;
    # the first evaluated origin needs min_calib 4 origins t <= 42: 36, 38, 40, 42 -> grid 36..96
    p = F.origin_plan(104, 8, 12, 2, 24, 4)
    assert p["test"] == list(range(74, 97, 2))
    assert p["evaluation"] == list(range(50, 97, 2))
    assert p["all"] == list(range(36, 97, 2))
    assert p["validation"] == list(range(36, 67, 2))  # t + 8 <= 74
    # a short series keeps its test origins and drops origins under 20 weeks
    # (n 40, h 4: last 36, first evaluated 25, grid from 25 - (4 + 4 - 1) = 18 -> 20)
    q = F.origin_plan(40, 4, 6, 1, 12, 4)
    assert q["all"][0] == 20 and q["test"] == list(range(31, 37))
    assert q["validation"][-1] == 27
    with pytest.raises(ValueError, match="first test origin"):
        F.origin_plan(30, 8, 12, 2, 12, 4)
    with pytest.raises(ValueError, match="n_eval"):
        F.origin_plan(104, 8, 12, 2, 6, 4)


def test_block_bootstrap_and_paired_difference_and_rule():
    # constant differences: the interval collapses onto the mean
    assert F.block_bootstrap_mean([2.0, 2.0, 2.0], block=2, n_boot=50) == (2.0, 2.0, 2.0)
    # a block as long as the series resamples rotations only: every resample has the same mean
    point, lo, hi = F.block_bootstrap_mean([1.0, 2.0, 3.0, 6.0], block=4, n_boot=50)
    assert point == lo == hi == 3.0
    with pytest.raises(ValueError, match="block"):
        F.block_bootstrap_mean([1.0, 2.0], block=3)
    origins = pd.date_range("2021-01-03", periods=8, freq="W-SUN")
    sc = pd.DataFrame({"model": ["base"] * 8 + ["fancy"] * 8 + ["close"] * 8,
                       "origin": list(origins) * 3,
                       "mase": [1.0] * 8 + [0.5, 0.6] * 4 + [0.9, 1.2] * 4})
    d = F.paired_difference(sc, "fancy", "base", block=2, n_boot=200)
    assert d[0] == pytest.approx(-0.45) and d[2] < 0
    rule = F.select_forecaster(sc, ["base"], block=2, n_boot=200)
    assert rule["winner"] == "fancy" and rule["decided_by_interval"]
    # "close" has mean 1.05 > base; with fancy removed the base is the leader and wins
    rule2 = F.select_forecaster(sc[sc["model"] != "fancy"], ["base"], n_boot=200)
    assert rule2["winner"] == "base" and rule2["diff"] is None
    # a leader whose interval straddles zero does not replace the baseline
    sc3 = sc[sc["model"] != "fancy"].copy()
    sc3.loc[sc3["model"] == "close", "mase"] = [0.5, 1.4] * 4
    rule3 = F.select_forecaster(sc3, ["base"], block=1, n_boot=200)
    assert rule3["leader"] == "close" and rule3["winner"] == "base"
    assert rule3["diff"][1] < 0 < rule3["diff"][2]
    with pytest.raises(ValueError, match="baselines"):
        F.select_forecaster(sc, ["nope"])
    with pytest.raises(ValueError, match="not in scores"):
        F.paired_difference(sc, "fancy", "nope")


def test_bottom_up_prepared_data_matches_plain_lines():
    pytest.importorskip("helpers.value.clv")
    lines = _customer_lines()
    origin = pd.Timestamp("2021-01-04") + pd.Timedelta(weeks=60)
    a = F.bottom_up_forecast(lines, origin, 3, seasonal=False)
    b = F.bottom_up_forecast(F.BottomUpData(lines), origin, 3, seasonal=False)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="order_ts"):
        F.BottomUpData(lines.drop(columns="order_ts"))


def test_conformal_intervals_fall_back_to_absolute_quantiles():
    # h = 1, origin at index 14 calibrates on origins 9..13: 5 errors. Signed 80% needs
    # k_lo = floor(6 * 0.1) = 0 < 1 -> impossible; absolute: k = ceil(6 * 0.8) = 5 -> max |e|
    noise = np.array([0.01, -0.01] * 5 + [0.05, -0.2, 0.1, 0.0, 0.15] + [0.01, -0.01] * 7 + [0.0])
    y, preds = _const_preds(30, 1, noise)
    row = F.conformal_intervals(preds, min_errors=1).query("origin == @y.index[14]").iloc[0]
    assert row["calib80"] == "absolute step"
    assert (row["lo80"], row["hi80"]) == pytest.approx((80.0, 120.0))


# --------------------------------------------------------------------------- trailing window, regimes


def _origin_table():
    # 8 origins 2 weeks apart (weeks labelled 1..), h = 4: origin i has n_train 50 + 2i and its
    # last forecast week 4 weeks after it
    o = pd.date_range("2021-01-03", periods=8, freq="2W-SUN")
    return pd.DataFrame({"origin": o, "last_week": o + pd.Timedelta(weeks=4),
                         "n_train": [50 + 2 * i for i in range(8)]})


def test_calibration_origins_leakage_window_and_regime_hand_worked():
    t = _origin_table()
    o = t["origin"]
    # origin 7 (n_train 64): origins 0..5 end by it (origin 5 ends o5 + 4w = o7), origin 6 not
    use, reg = F.calibration_origins(t, o[7])
    assert use == list(o[:6]) and reg == "single"
    # trailing window of 3: the 3 most recent of those
    assert F.calibration_origins(t, o[7], window=3)[0] == list(o[3:6])
    # regime from 56 weeks: origin 7 is in the full regime; full-regime origins 3, 4, 5
    # (n_train 56, 58, 60) -> 3 >= min_regime_origins 3
    use, reg = F.calibration_origins(t, o[7], 64, 56, None, 3)
    assert use == list(o[3:6]) and reg == "full"
    # with a window of 2 after the regime filter: origins 4, 5
    assert F.calibration_origins(t, o[7], 64, 56, 2, 3)[0] == list(o[4:6])
    # origin 5 (n_train 60): ended origins 0..3, of which only origin 3 is full-regime (1 < 3):
    # all four are used, flagged
    use, reg = F.calibration_origins(t, o[5], 60, 56, None, 3)
    assert use == list(o[:4]) and reg == F.MIXED_REGIME
    # the same origin with a short history (54 < 56 weeks) is calibrated on the ended
    # short-regime origins only: 0, 1, 2 (n_train 50, 52, 54)
    use, reg = F.calibration_origins(t, o[5], 54, 56, None, 3)
    assert use == list(o[:3]) and reg == "short"
    # history_weeks None = full regime (a forward forecast from the whole series)
    assert F.calibration_origins(t, o[7], None, 56, None, 3)[1] == "full"
    with pytest.raises(ValueError, match="n_train"):
        F.calibration_origins(t.drop(columns="n_train"), o[7], 64, 56)
    with pytest.raises(ValueError, match="window"):
        F.calibration_origins(t, o[7], window=0)


def test_conformal_intervals_trailing_window_hand_worked():
    # h = 1, min_errors 1; the origin at index 20 has ended origins 9..19; window 9 keeps
    # origins 11..19, whose weeks are 12..20: 9 errors, 80% signed k_hi = ceil(10 * .9) = 9
    # (largest), k_lo = floor(10 * .1) = 1 (smallest)
    noise = np.linspace(-0.2, 0.2, 40)[np.random.default_rng(1).permutation(40)]
    y, preds = _const_preds(40, 1, noise)
    assert (preds["n_train"] == preds["origin"].map({w: i + 1 for i, w in enumerate(y.index)})).all()
    cal = F.conformal_intervals(preds, min_errors=1, window=9)
    row = cal[cal["origin"] == y.index[20]].iloc[0]
    e = noise[12:21]
    assert (row["lo80"], row["hi80"]) == pytest.approx((100 * (1 + e.min()), 100 * (1 + e.max())))
    assert row["n_calib_origins"] == 9 and row["calib_regime"] == "single"


def test_conformal_intervals_regime_excludes_short_history_errors():
    # h = 1, constant forecast 100; origins 9..38 (n_train 10..39); weeks 0..9 (training only)
    # carry +-1%. Weeks 10..24 (the forecast
    # weeks of the short-history origins, n_train < 25) carry +-50% errors, later weeks +-5%.
    # With min_history_weeks 25 the origin with n_train 39 (index 38) calibrates only on
    # origins n_train 25..38 (weeks 25..38): bounds within +-5%; without it the +-50% errors
    # widen them
    noise = np.array([0.01, -0.01] * 5 + [0.5, -0.5] * 7 + [0.5] + [0.05, -0.05] * 7 + [0.0])
    y, preds = _const_preds(40, 1, noise)
    plain = F.conformal_intervals(preds, min_errors=1)
    reg = F.conformal_intervals(preds, min_errors=1, min_history_weeks={"const": 25})
    last = y.index[38]
    r_reg = reg[reg["origin"] == last].iloc[0]
    r_plain = plain[plain["origin"] == last].iloc[0]
    assert (r_reg["lo80"], r_reg["hi80"]) == pytest.approx((95.0, 105.0))
    assert r_reg["calib_regime"] == "full" and r_reg["n_calib_origins"] == 14
    assert r_plain["hi80"] == pytest.approx(150.0)
    # the first full-regime origin (n_train 25) has no ended full-regime origin: all earlier
    # origins, flagged; a short origin (n_train 20) uses short ones only
    first = reg[reg["origin"] == y.index[24]].iloc[0]
    assert first["calib_regime"] == F.MIXED_REGIME
    short = reg[reg["origin"] == y.index[19]].iloc[0]
    assert short["calib_regime"] == "short" and short["n_calib_origins"] == 10
    sc = F.interval_scores(reg)
    assert 0 < sc.loc["const", "mixed_regime"] < 1
    with pytest.raises(ValueError, match="n_train"):
        F.conformal_intervals(preds.drop(columns="n_train"), min_history_weeks=25)


def test_window_and_regime_never_use_test_weeks():
    # as test_conformal_intervals_never_use_test_weeks, with the trailing window and a regime
    h = 4
    y, preds = _const_preds(50, h)
    o_idx = 30
    wk = y.index[o_idx + 1]
    planted = preds.copy()
    planted.loc[planted["week"] == wk, "actual"] = 1e6
    kw = {"min_errors": 3, "window": 6, "min_history_weeks": 25}
    a = F.conformal_intervals(preds, **kw)
    b = F.conformal_intervals(planted, **kw)
    cols = ["lo80", "hi80", "lo95", "hi95"]
    for k in range(o_idx - 5, o_idx + 1):
        pd.testing.assert_frame_equal(a.loc[a["origin"] == y.index[k], cols],
                                      b.loc[b["origin"] == y.index[k], cols])
    late = y.index[o_idx + 1 + h]
    assert (b.loc[b["origin"] == late, "hi95"].to_numpy()
            > a.loc[a["origin"] == late, "hi95"].to_numpy()).any()


def test_calibrate_forecast_uses_window_and_regime():
    # the same data as the regime test; a forward forecast from the end (history None = full
    # regime) with window 4 uses origins n_train 36..39 only (weeks 37..40: errors +-5%, 0)
    noise = np.array([0.01, -0.01] * 5 + [0.5, -0.5] * 7 + [0.5] + [0.05, -0.05] * 7 + [0.0])
    y, preds = _const_preds(40, 1, noise)
    fc = preds[preds["origin"] == y.index[38]][["mean", "lo80", "hi80", "lo95", "hi95"]]
    out = F.calibrate_forecast(fc, preds, "const", y.index[-1], min_errors=1, window=4,
                               min_history_weeks=25)
    assert out["n_calib_origins"].iloc[0] == 4 and out["calib_regime"].iloc[0] == "full"
    assert out["hi80"].iloc[0] <= 105.0 + 1e-9
    short = F.calibrate_forecast(fc, preds, "const", y.index[-1], min_errors=1,
                                 min_history_weeks=25, history_weeks=20)
    assert short["calib_regime"].iloc[0] == "short" and short["hi80"].iloc[0] == pytest.approx(150.0)

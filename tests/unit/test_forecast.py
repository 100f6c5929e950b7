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
    for fn in (F.fc_ets, F.fc_sarimax_fourier, functools.partial(F.fc_xgboost, seed=1)):
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
              "xgboost": functools.partial(F.fc_xgboost, seed=0)}
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

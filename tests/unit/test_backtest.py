"""Validation helpers on hand-worked examples."""

import numpy as np
import pandas as pd
import pytest

from helpers.models import backtest, forecast


def test_backtest_cutoffs():
    c = backtest.backtest_cutoffs(pd.Timestamp("2023-06-30"), 3, 30)
    assert c == [pd.Timestamp("2023-05-01"), pd.Timestamp("2023-05-31"), pd.Timestamp("2023-06-30")]
    with pytest.raises(ValueError):
        backtest.backtest_cutoffs(pd.Timestamp("2023-06-30"), 0, 30)


def test_calibration_table_and_ece():
    # p sorted into 2 bins of 2: [0.1, 0.2] with y [0, 1]; [0.7, 0.9] with y [1, 1]
    t = backtest.calibration_table([0, 1, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
    assert t["mean_predicted"].tolist() == pytest.approx([0.15, 0.8])
    assert t["observed_rate"].tolist() == [0.5, 1.0]
    # ECE = 0.5 * |0.5 - 0.15| + 0.5 * |1 - 0.8| = 0.175 + 0.1 = 0.275
    assert backtest.expected_calibration_error(t) == pytest.approx(0.275)
    with pytest.raises(ValueError, match="outside"):
        backtest.calibration_table([0, 1], [0.5, 1.5])


def test_calibration_error_is_the_tables_ece():
    # hand-worked as above, then random scores with ties and sizes that do not divide evenly
    assert backtest.calibration_error([0, 1, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2) == pytest.approx(0.275)
    rng = np.random.default_rng(3)
    for n, bins in ((7, 10), (10, 10), (101, 10), (1000, 7), (2500, 10)):
        p = np.round(rng.uniform(0, 1, n), 1)  # many ties: rank "first" decides their bins
        y = (rng.uniform(0, 1, n) < p).astype(float)
        want = backtest.expected_calibration_error(backtest.calibration_table(y, p, bins))
        assert backtest.calibration_error(y, p, bins) == pytest.approx(want, rel=1e-12, abs=1e-15)
    with pytest.raises(ValueError, match=r"^calibration_error: probabilities outside \[0, 1\]$"):
        backtest.calibration_error([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match=r"^calibration_error: y and p must be non-empty"):
        backtest.calibration_error([], [])


def test_churn_fit_is_stored_once_per_set_and_arguments(tmp_path, monkeypatch):
    from helpers.cache import FrameCache

    lines = _churn_lines()
    cache = FrameCache(tmp_path, inputs=[])
    c = pd.Timestamp("2023-01-20")
    x, y = backtest.churn_set(cache, lines, None, c, 60)
    args = dict(seed=0, n_jobs=1)
    a = backtest.churn_fit(cache, "logistic", {"logisticregression__C": 1.0}, x, y, c, 60, **args)
    b = backtest.churn_fit(cache, "logistic", {"logisticregression__C": 1.0}, x, y, c, 60,
                           seed=0, n_jobs=2)  # any n_jobs: the same fit, read back
    np.testing.assert_array_equal(a.predict_proba(x)[:, 1], b.predict_proba(x)[:, 1])
    assert (cache.misses, cache.hits) == (2, 1)  # the set, then the fit built once, read once
    # another parameter, seed, calibration or library version: fitted anew
    backtest.churn_fit(cache, "logistic", {"logisticregression__C": 0.1}, x, y, c, 60, **args)
    backtest.churn_fit(cache, "logistic", {"logisticregression__C": 1.0}, x, y, c, 60, seed=1,
                       n_jobs=1)
    from helpers import cache as C

    monkeypatch.setattr(C, "library_versions", lambda: {"scikit-learn": "0.0"})
    backtest.churn_fit(cache, "logistic", {"logisticregression__C": 1.0}, x, y, c, 60, **args)
    assert (cache.misses, cache.hits) == (5, 1)
    # without a cache: fitted each time, the same model
    d = backtest.churn_fit(None, "logistic", {"logisticregression__C": 1.0}, x, y, c, 60, **args)
    np.testing.assert_array_equal(d.predict_proba(x)[:, 1], a.predict_proba(x)[:, 1])


def test_label_change_five_customers():
    a = pd.Series(["x", "x", "y", "y", "z"], index=[1, 2, 3, 4, 5])
    b = pd.Series(["x", "y", "y", "y"], index=[1, 2, 3, 4])  # customer 5 gone; 2 changed
    r = backtest.label_change(a, b)
    assert r["customers"] == 4 and r["share_changed"] == pytest.approx(0.25)
    # Wilson 95% for 1 of 4, worked by hand: centre 0.3725, half-width 0.3269
    assert r["share_changed_ci_low"] == pytest.approx(0.0456, abs=1e-4)
    assert r["share_changed_ci_high"] == pytest.approx(0.6994, abs=1e-4)
    assert backtest.wilson_interval(0, 10)[0] == 0.0
    assert backtest.wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert backtest.wilson_interval(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)  # 3.84/13.84
    # renamed but identical partition -> ARI 1, every label "changed"
    r2 = backtest.label_change(pd.Series([0, 0, 1], index=[1, 2, 3]),
                                 pd.Series([5, 5, 7], index=[1, 2, 3]))
    assert r2["adjusted_rand"] == pytest.approx(1.0) and r2["share_changed"] == 1.0
    with pytest.raises(ValueError, match="no customer"):
        backtest.label_change(a, pd.Series(["x"], index=[9]))


def test_rank_agreement():
    a = pd.Series({"f1": 3.0, "f2": 2.0, "f3": 1.0})
    assert backtest.rank_agreement(a, pd.Series({"f1": 30, "f2": 20, "f3": 10})) == 1.0
    assert backtest.rank_agreement(a, pd.Series({"f1": 1, "f2": 2, "f3": 3})) == -1.0
    with pytest.raises(ValueError, match="3 common"):
        backtest.rank_agreement(a, pd.Series({"f1": 1.0}))


def test_sensitivity_frame_changes():
    rows = [
        {"choice": "horizon", "variant": "90", "metric": "auc", "value": 0.8, "baseline": True},
        {"choice": "horizon", "variant": "60", "metric": "auc", "value": 0.76, "baseline": False},
        {"choice": "unit", "variant": "W", "metric": "r", "value": 2.0, "baseline": True},
        {"choice": "unit", "variant": "D", "metric": "r", "value": 1.0, "baseline": False},
    ]
    t = backtest.sensitivity_frame(rows)
    r60 = t[(t.choice == "horizon") & (t.variant == "60")].iloc[0]
    assert r60["change"] == pytest.approx(-0.04) and r60["change_pct"] == pytest.approx(-5.0)
    assert t[(t.choice == "unit") & (t.variant == "D")]["change_pct"].iloc[0] == pytest.approx(-50)
    with pytest.raises(ValueError, match="more than one baseline"):
        backtest.sensitivity_frame(rows + [{**rows[0], "variant": "x"}])
    with pytest.raises(ValueError, match="no rows"):
        backtest.sensitivity_frame([])


def test_seasonal_ratio_shift_hand_worked():
    # n = 62 weeks, season 52, window 8: before = mean(y[2:10]); ratio_1 = y[10] / before
    y = np.arange(62, dtype=float) + 1.0  # y[i] = i + 1
    before = np.mean(y[2:10])  # 3..10 -> 6.5
    r0 = forecast.seasonal_ratio(y, 2, window=8)
    assert r0.tolist() == pytest.approx([11 / 6.5, 12 / 6.5])
    # shift 1 week later: ratio_1 uses y[9] = 10
    r1 = forecast.seasonal_ratio(y, 2, window=8, shift=1)
    assert r1.tolist() == pytest.approx([10 / before, 11 / before])


def test_sensitivity_row_feeds_sensitivity_frame() -> None:
    rows = [backtest.sensitivity_row("k", "base", "auc", 0.8, True),
            backtest.sensitivity_row("k", "other", "auc", 0.7)]
    assert rows[1] == {"choice": "k", "variant": "other", "metric": "auc", "value": 0.7,
                       "baseline": False}
    df = backtest.sensitivity_frame(rows)
    assert df.loc[1, "change"] == pytest.approx(-0.1)
    assert df.loc[1, "change_pct"] == pytest.approx(-12.5)


def _churn_lines(n=300, days=500, seed=0):
    """Customers with a Gamma purchase rate and an exponential lifetime."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-03")
    rows = []
    for c in range(1, n + 1):
        t, rate, k = float(rng.integers(0, days // 2)), rng.gamma(2.0, 0.02), 0
        death = t + rng.exponential(250)
        while t < min(death, days):
            rows.append((c, f"{c}_{k}", start + pd.Timedelta(days=int(t)), float(rng.gamma(2, 20))))
            t += rng.exponential(1 / rate)
            k += 1
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_ts", "revenue_amt"])
    df["customer_id"] = df["customer_id"].astype("Int64")
    df["order_id"] = df["order_id"].astype("string")
    return df


def test_churn_backtest_against_baseline():
    from helpers.models import churn

    lines = _churn_lines()
    cuts = [pd.Timestamp("2023-01-20"), pd.Timestamp("2023-02-19")]
    # the baseline against itself: every paired difference and its interval is exactly 0
    same = backtest.churn_backtest(lines, cuts, 60, churn.BASELINE, {}, seed=0, n_boot=30)
    assert (same["d_roc_auc"] == 0).all() and (same["d_brier_lo"] == 0).all()
    assert same.attrs["mean"]["d_roc_auc"] == {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    # the mean AUC's interval is a real bootstrap of the mean, around the mean of the cutoffs
    mu = same.attrs["mean"]["roc_auc"]
    assert mu["value"] == pytest.approx(same["roc_auc"].mean())
    assert mu["ci_low"] < mu["value"] < mu["ci_high"]
    # it is narrower than the average of the per-cutoff intervals (two independent samples)
    assert mu["ci_high"] - mu["ci_low"] < (same["roc_auc_hi"] - same["roc_auc_lo"]).mean()
    bt = backtest.churn_backtest(lines, cuts, 60, "logistic", {"logisticregression__C": 1.0},
                                 seed=0, n_boot=30, n_jobs=1)
    assert bt["d_roc_auc"].to_numpy() == pytest.approx(
        (bt["roc_auc"] - bt["baseline_roc_auc"]).to_numpy())
    # t interval of the mean difference over the two cutoffs, by hand: t(0.975, 1) = 12.706
    d = bt["d_roc_auc"].to_numpy()
    half = 12.7062 * abs(d[0] - d[1]) / np.sqrt(2) / np.sqrt(2)
    t_int = bt.attrs["mean"]["d_roc_auc_t"]
    assert t_int["ci_high"] - t_int["value"] == pytest.approx(half, rel=1e-4)
    with pytest.raises(ValueError, match="test_cutoffs is empty"):
        backtest.churn_backtest(lines, [], 60, "logistic", {}, seed=0)


def test_backtests_through_the_cache_equal_the_rebuilt_ones(tmp_path):
    from helpers.cache import FrameCache

    lines = _churn_lines()
    cuts = [pd.Timestamp("2023-01-20"), pd.Timestamp("2023-02-19")]
    cache = FrameCache(tmp_path, inputs=[])
    args = dict(seed=0, n_boot=30, n_jobs=1)
    plain = backtest.churn_backtest(lines, cuts, 60, "logistic", {"logisticregression__C": 1.0},
                                    **args)
    for _ in range(2):  # the first call fills the cache, the second reads it
        cached = backtest.churn_backtest(lines, cuts, 60, "logistic",
                                         {"logisticregression__C": 1.0}, cache=cache, **args)
        pd.testing.assert_frame_equal(cached, plain)
        assert cached.attrs == plain.attrs
    # two cutoffs x (train set, test set, fitted model), built once and read back once
    assert (cache.misses, cache.hits) == (6, 6)
    assert len(list(tmp_path.glob("churn_fit-*.joblib"))) == 2
    sp_plain = backtest.spend_backtest(lines, cuts, 60, {"max_depth": 2}, **args)
    sp_cached = backtest.spend_backtest(lines, cuts, 60, {"max_depth": 2}, cache=cache, **args)
    pd.testing.assert_frame_equal(sp_cached, sp_plain)
    # a set read back is the set built
    x, y = backtest.churn_set(cache, lines, None, cuts[0], 60)
    x0, y0 = backtest.churn_set(None, lines, None, cuts[0], 60)
    pd.testing.assert_frame_equal(x, x0)
    pd.testing.assert_series_equal(y, y0)

"""Tests for helpers.models.metrics: hand-worked values for every metric."""

import numpy as np
import pytest

from helpers.models import metrics


def test_mae_rmse_hand_worked():
    # errors 1, 0, 2 -> MAE 3/3 = 1; RMSE sqrt((1 + 0 + 4)/3) = sqrt(5/3)
    assert metrics.mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert metrics.rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(np.sqrt(5 / 3))


def test_mae_shape_mismatch_raises():
    with pytest.raises(ValueError, match="shape"):
        metrics.mae([1, 2], [1, 2, 3])


def test_rmse_nan_raises():
    with pytest.raises(ValueError, match="NaN"):
        metrics.rmse([1, np.nan], [1, 2])


def test_smape_hand_worked():
    # term 1: 2*|100-110|/(100+110) = 20/210 = 0.095238; term 2: 0/0 -> 0
    # sMAPE = 100 * (0.095238 + 0)/2 = 4.7619 %
    assert metrics.smape([100, 0], [110, 0]) == pytest.approx(100 * (20 / 210) / 2)


def test_smape_bounds_and_empty():
    # forecast 0 for a positive actual gives the maximum term 2 -> 200 %
    assert metrics.smape([5], [0]) == pytest.approx(200.0)
    with pytest.raises(ValueError, match="empty"):
        metrics.smape([], [])


def test_mase_hand_worked():
    # y_train 1,3,2,4: one-step naive errors |3-1|,|2-3|,|4-2| = 2,1,2 -> scale 5/3
    # test MAE of (5,5) vs (4,6) = 1 -> MASE = 1/(5/3) = 0.6
    assert metrics.mase([5, 5], [4, 6], [1, 3, 2, 4]) == pytest.approx(0.6)
    # m=2: errors |2-1|, |4-3| = 1, 1 -> scale 1 -> MASE 1
    assert metrics.mase([5, 5], [4, 6], [1, 3, 2, 4], m=2) == pytest.approx(1.0)


def test_mase_failures():
    with pytest.raises(ValueError, match="more than m"):
        metrics.mase([1], [1], [1, 2], m=2)
    with pytest.raises(ValueError, match="scale is zero"):
        metrics.mase([1], [2], [3, 3, 3])


def test_coverage_hand_worked():
    # 1 in [0,2] yes; 2 in [2.5,3] no; 3 in [3,4] yes (closed) -> 2/3
    assert metrics.coverage([1, 2, 3], [0, 2.5, 3], [2, 3, 4]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="lo > hi"):
        metrics.coverage([1], [2], [1])


def test_lift_table_hand_worked():
    # scores descending 10..1; y = 1,1,0,0,1,0,0,0,0,0; 5 bins of 2
    # bins: (1,1) (0,0) (1,0) (0,0) (0,0); base rate 0.3
    # rates 1, 0, .5, 0, 0 -> lift 3.333, 0, 1.667, 0, 0; cum gain 2/3, 2/3, 1, 1, 1
    y = [1, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    t = metrics.lift_table(y, np.arange(10, 0, -1), n_bins=5)
    assert t["positives"].tolist() == [2, 0, 1, 0, 0]
    assert t["lift"].to_numpy() == pytest.approx([1 / 0.3, 0, 0.5 / 0.3, 0, 0])
    assert t["cum_gain"].to_numpy() == pytest.approx([2 / 3, 2 / 3, 1, 1, 1])
    # cumulative lift at decile 3: 3 positives in 6 rows = 0.5 / 0.3
    assert t.loc[3, "cum_lift"] == pytest.approx(0.5 / 0.3)


def test_lift_table_failures():
    with pytest.raises(ValueError, match="0/1"):
        metrics.lift_table([0, 2], [1, 2], n_bins=2)
    with pytest.raises(ValueError, match="no positives"):
        metrics.lift_table([0, 0], [1, 2], n_bins=2)


def test_bootstrap_ci_constant_and_reproducible():
    assert metrics.bootstrap_ci(np.full(20, 5.0), np.mean, n_boot=50, seed=1) == (5.0, 5.0, 5.0)
    x = np.arange(100.0)
    a = metrics.bootstrap_ci(x, np.mean, n_boot=200, seed=3)
    b = metrics.bootstrap_ci(x, np.mean, n_boot=200, seed=3)
    assert a == b
    point, lo, hi = a
    # mean 49.5; se = 28.87/sqrt(100) = 2.89 -> 95% interval roughly 49.5 ± 5.7
    assert point == pytest.approx(49.5) and 42 < lo < point < hi < 57


def test_bootstrap_ci_pairs():
    # paired resampling keeps rows together: the difference y - x is always 1
    x = np.arange(30.0)
    point, lo, hi = metrics.bootstrap_ci((x, x + 1), lambda a, b: float(np.mean(b - a)), 50, 0)
    assert (point, lo, hi) == pytest.approx((1.0, 1.0, 1.0))


def test_bootstrap_ci_failures():
    with pytest.raises(ValueError, match="level"):
        metrics.bootstrap_ci([1, 2, 3], np.mean, level=1.5)
    with pytest.raises(ValueError, match="different lengths"):
        metrics.bootstrap_ci(([1, 2], [1, 2, 3]), lambda a, b: 0.0)


def test_diebold_mariano_hand_worked():
    from scipy import stats

    from helpers.models.metrics import diebold_mariano

    # e1 = [1, 2, 1, 2], e2 = [2, 2, 2, 2], squared loss: d = [1-4, 4-4, 1-4, 4-4] = [-3, 0, -3, 0]
    # mean -1.5; gamma0 = mean((d+1.5)^2) = 2.25; DM = -1.5 / sqrt(2.25/4) = -2
    # HLN factor sqrt((4 + 1 - 2) / 4) = sqrt(0.75); DM* = -2 * 0.8660254 = -1.7320508
    stat, p = diebold_mariano([1, 2, 1, 2], [2, 2, 2, 2])
    assert stat == pytest.approx(-1.7320508, rel=1e-6)
    # two-sided t with 3 df at 1.7320508: 2 * 0.0908... = 0.1817
    assert p == pytest.approx(2 * stats.t.sf(1.7320508, 3), rel=1e-6)
    with pytest.raises(ValueError, match="zero variance"):
        diebold_mariano([1, 1, 1], [1, 1, 1])
    with pytest.raises(ValueError, match="h must"):
        diebold_mariano([1, 2, 3], [1, 2, 4], h=0)


def test_diebold_mariano_long_run_variance_with_h2_by_hand() -> None:
    # e2 = 0, so d = e1^2 = [1, 3, 2, 4, 5]: mean 3, centred [-2, 0, -1, 1, 2], n = 5
    # gamma0 = 10 / 5 = 2.0; gamma1 = (0*-2 + -1*0 + 1*-1 + 2*1) / 5 = 0.2
    # V = gamma0 + 2 * gamma1 = 2.4; DM = 3 / sqrt(2.4 / 5) = 4.3301
    # HLN factor sqrt((5 + 1 - 4 + 2/5) / 5) = sqrt(0.48) -> DM = 3 / sqrt(0.48) * sqrt(0.48) = 3
    e1 = np.sqrt([1.0, 3.0, 2.0, 4.0, 5.0])
    dm, p = metrics.diebold_mariano(e1, np.zeros(5), h=2)
    assert dm == pytest.approx(3.0, abs=1e-12)
    from scipy import stats
    assert p == pytest.approx(2 * stats.t.sf(3.0, df=4), abs=1e-12)


def test_bootstrap_ci_level_is_two_sided() -> None:
    """A 95% percentile interval of the mean of 0..99 spans about +-1.96 standard errors
    (se = 28.87 / 10 = 2.887, half-width 5.66), a 90% one +-1.645 (4.75)."""
    x = np.arange(100, dtype=float)
    _, lo95, hi95 = metrics.bootstrap_ci(x, np.mean, n_boot=4000, seed=1, level=0.95)
    _, lo90, hi90 = metrics.bootstrap_ci(x, np.mean, n_boot=4000, seed=1, level=0.90)
    assert 5.2 < (hi95 - lo95) / 2 < 6.1
    assert 4.3 < (hi90 - lo90) / 2 < 5.2


def test_winkler_score_hand_worked() -> None:
    # 80% interval [10, 20], alpha = 0.2, penalty factor 2 / 0.2 = 10:
    # y = 15 inside -> 10; y = 8 below by 2 -> 10 + 10 * 2 = 30; y = 21 above by 1 -> 20
    # mean = (10 + 30 + 20) / 3 = 20
    s = metrics.winkler_score([15.0, 8.0, 21.0], [10.0] * 3, [20.0] * 3, 0.8)
    assert s == pytest.approx(20.0)
    # 95%: factor 2 / 0.05 = 40 -> (10 + 90 + 50) / 3 = 50
    assert metrics.winkler_score([15.0, 8.0, 21.0], [10.0] * 3, [20.0] * 3, 0.95) == pytest.approx(50.0)
    with pytest.raises(ValueError, match="fraction"):
        metrics.winkler_score([1.0], [0.0], [2.0], 80)
    with pytest.raises(ValueError, match="lo > hi"):
        metrics.winkler_score([1.0], [3.0], [2.0], 0.8)

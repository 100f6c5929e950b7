"""helpers.models.metrics: boundaries, messages, defaults and dtypes, all worked by hand.

(The main metric values are in test_metrics.py; these add the cases mutation testing showed
were unguarded: closed-interval edges, threshold counts, the percentile arithmetic of the
bootstrap, error messages naming the function.)
"""

# Surviving mutants (mutmut 3.8.1, make mutate) and why they are left:
# x_smape__mutmut_15 (outer np.where condition None), _37 (safe denominator 2.0 instead of 1.0):
#   equivalent - a 0/0 term has |y - y_hat| = 0, so the inner guarded division already gives 0.
# x_lift_table__mutmut_37 (kind="STABLE"): equivalent - numpy reads the sort kind case-insensitively.
# x_bootstrap_ci__mutmut_47 (n_boot / 2 instead of n_boot // 2): NOT equivalent - the mutant is the
#   correct reading of "failed on more than half": with an odd n_boot (11) the code accepts 6
#   failures. Reported to the lead as a src bug; no test pins the current behaviour.

import warnings

import numpy as np
import pytest
from scipy import stats

from helpers.models import metrics

# ---------------------------------------------------------------- shared input checks (_pair)

NAMED = [
    (metrics.mae, "mae"),
    (metrics.rmse, "rmse"),
    (metrics.smape, "smape"),
    (lambda a, b: metrics.mase(a, b, [1.0, 2.0, 4.0]), "mase"),
    (lambda a, b: metrics.lift_table(a, b, n_bins=1), "lift_table"),
    (metrics.diebold_mariano, "diebold_mariano"),
]


@pytest.mark.parametrize("fn,name", NAMED)
def test_shape_error_names_the_function(fn, name):
    with pytest.raises(ValueError, match=rf"^{name}: y_true has shape \(2,\) but y_pred has "
                                         r"shape \(3,\)$"):
        fn([1.0, 0.0], [1.0, 0.0, 1.0])


@pytest.mark.parametrize("fn,name", NAMED)
def test_empty_error_names_the_function(fn, name):
    with pytest.raises(ValueError, match=rf"^{name}: empty input$"):
        fn([], [])


def test_none_is_treated_as_missing_in_either_argument():
    # a list from JSON with a null: converted to NaN and refused with the NaN message
    with pytest.raises(ValueError, match=r"^mae: NaN in y_true or y_pred$"):
        metrics.mae([1.0, None], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"^mae: NaN in y_true or y_pred$"):
        metrics.mae([1.0, 2.0], [1.0, None])


def test_unsigned_integer_inputs_do_not_wrap_around():
    # counts stored as uint8: |1 - 3| must be 2, not 254 (uint8 wrap-around)
    a, b = np.array([1, 5], dtype=np.uint8), np.array([3, 4], dtype=np.uint8)
    assert metrics.mae(a, b) == pytest.approx(1.5)  # (2 + 1) / 2
    assert metrics.rmse(a, b) == pytest.approx(np.sqrt(2.5))  # sqrt((4 + 1) / 2)


# ---------------------------------------------------------------- smape


def test_smape_unit_denominator_and_zero_terms():
    # y = 1, y_hat = 0: 2 * 1 / (1 + 0) = 2 -> 200 %  (a denominator of exactly 1)
    assert metrics.smape([1.0], [0.0]) == pytest.approx(200.0)
    # y = 0.5, y_hat = 0.5: |y| + |y_hat| = 1, error 0 -> 0 %
    assert metrics.smape([0.5], [0.5]) == 0.0


def test_smape_zero_over_zero_is_zero_without_a_warning():
    # 0/0 terms count as 0 by definition; no division by zero may happen on the way
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.smape([0.0, 0.0], [0.0, 0.0]) == 0.0
        # terms 0 (0/0) and 2*|2-1|/(2+1) = 2/3 -> 100 * (2/3) / 2 = 33.33 %
        assert metrics.smape([0.0, 2.0], [0.0, 1.0]) == pytest.approx(100 / 3)


# ---------------------------------------------------------------- mase


def test_mase_unsigned_training_series():
    # y_train 3, 1, 2 (uint8): naive errors |1-3| = 2, |2-1| = 1 -> scale 1.5
    # test MAE |2-3| = 1 -> MASE 1 / 1.5 = 2/3
    train = np.array([3, 1, 2], dtype=np.uint8)
    assert metrics.mase([2.0], [3.0], train) == pytest.approx(2 / 3)


def test_mase_messages():
    with pytest.raises(ValueError, match=r"^mase: m must be >= 1, got 0$"):
        metrics.mase([1.0], [1.0], [1.0, 2.0], m=0)
    with pytest.raises(ValueError, match=r"^mase: y_train is constant at lag m, the scale is zero$"):
        metrics.mase([1.0], [2.0], [3.0, 3.0, 3.0])
    with pytest.raises(ValueError, match=r"^mase: y_train has 2 values, need more than m=2$"):
        metrics.mase([1.0], [2.0], [3.0, 4.0], m=2)


# ---------------------------------------------------------------- coverage


def test_coverage_closed_interval_edges():
    # 3 in [1, 3] (upper edge, counts); 5 in [1, 4] no -> 1/2
    assert metrics.coverage([3.0, 5.0], [1.0, 1.0], [3.0, 4.0]) == 0.5
    # 1 in [1, 2] (lower edge, counts) -> 1
    assert metrics.coverage([1.0], [1.0], [2.0]) == 1.0
    # a point interval lo == hi is allowed and covers an actual equal to it
    assert metrics.coverage([2.0], [2.0], [2.0]) == 1.0


def test_coverage_messages_name_the_function():
    shape = r"^coverage: y_true has shape \(2,\) but y_pred has shape \(1,\)$"
    with pytest.raises(ValueError, match=shape):
        metrics.coverage([1.0, 2.0], [0.0], [3.0, 3.0])  # lo too short
    with pytest.raises(ValueError, match=shape):
        metrics.coverage([1.0, 2.0], [0.0, 0.0], [3.0])  # hi too short
    with pytest.raises(ValueError, match=r"^coverage: some lo > hi$"):
        metrics.coverage([1.0, 1.0], [0.0, 2.0], [1.0, 1.0])


# ---------------------------------------------------------------- lift_table


def test_lift_table_default_is_ten_deciles():
    # 20 rows, scores 20..1, the two top-scored rows positive: base rate 2/20 = 0.1
    # default n_bins = 10 -> 10 groups of 2; decile 1 rate 1 -> lift 1 / 0.1 = 10
    y = [1, 1] + [0] * 18
    t = metrics.lift_table(y, np.arange(20, 0, -1))
    assert list(t.index) == list(range(1, 11)) and t.index.dtype.kind == "i"
    assert t["n"].tolist() == [2] * 10
    assert t["lift"].tolist() == pytest.approx([10.0] + [0.0] * 9)
    assert t["cum_gain"].tolist() == pytest.approx([1.0] * 10)


def test_lift_table_deciles_are_numbered_from_one():
    # 5 rows, 5 bins of 1: the labels are 1..5, decile 1 = highest score (row with score 9)
    t = metrics.lift_table([0, 1, 0, 0, 1], [1, 9, 3, 2, 5], n_bins=5)
    assert list(t.index) == [1, 2, 3, 4, 5]
    # order by score 9, 5, 3, 2, 1 -> y 1, 1, 0, 0, 0
    assert t["positives"].tolist() == [1, 1, 0, 0, 0]


def test_lift_table_single_bin():
    # n_bins = 1 is allowed: one group, lift and cumulative lift 1, gain 1
    t = metrics.lift_table([0, 1, 1, 0], [4, 3, 2, 1], n_bins=1)
    assert t.loc[1, "n"] == 4 and t.loc[1, "positives"] == 2
    assert (t.loc[1, "lift"], t.loc[1, "cum_gain"], t.loc[1, "cum_lift"]) == (1.0, 1.0, 1.0)


def test_lift_table_ties_keep_input_order():
    # scores alternate 1, 0 over 20 rows: the ten score-1 rows are 0, 2, ..., 18 and the
    # documented tie rule keeps them in input order. n_bins = 4 -> groups of 5, so decile 1 =
    # rows 0, 2, 4, 6, 8 and decile 2 = rows 10..18. Positives: exactly rows 0, 2, 4, 6, 8.
    score = np.array([1.0, 0.0] * 10)
    y = np.zeros(20)
    y[[0, 2, 4, 6, 8]] = 1
    t = metrics.lift_table(y, score, n_bins=4)
    assert t["positives"].tolist() == [5, 0, 0, 0]
    assert t["lift"].tolist() == pytest.approx([4.0, 0.0, 0.0, 0.0])  # rate 1 / base 0.25


def test_lift_table_messages():
    with pytest.raises(ValueError, match=r"^lift_table: n_bins=0 must be in 1\.\.4$"):
        metrics.lift_table([0, 1, 0, 1], [1, 2, 3, 4], n_bins=0)
    with pytest.raises(ValueError, match=r"^lift_table: n_bins=5 must be in 1\.\.4$"):
        metrics.lift_table([0, 1, 0, 1], [1, 2, 3, 4], n_bins=5)
    with pytest.raises(ValueError, match=r"^lift_table: y_true must be 0/1$"):
        metrics.lift_table([0, 2], [1, 2], n_bins=2)
    with pytest.raises(ValueError, match=r"^lift_table: y_true has no positives$"):
        metrics.lift_table([0, 0], [1, 2], n_bins=2)


# ---------------------------------------------------------------- bootstrap_ci


def _counting_stat(fail_calls=()):
    """stat_fn that returns its call number (call 1 = the point estimate on the full data) and
    raises ValueError on the listed call numbers: makes the percentile arithmetic exact."""
    calls = {"n": 0}

    def stat(_x):
        calls["n"] += 1
        if calls["n"] in fail_calls:
            raise ValueError("one class only")
        return float(calls["n"] - 1)

    return stat, calls


def test_bootstrap_ci_percentiles_by_hand():
    # resample statistics are exactly 1, 2, ..., 100; level 0.8 -> alpha/2 = 0.1
    # numpy linear quantile: position 0.1 * 99 = 9.9 -> 1 + 9.9 = 10.9; 0.9 * 99 = 89.1 -> 90.1
    stat, calls = _counting_stat()
    point, lo, hi = metrics.bootstrap_ci(np.arange(5.0), stat, n_boot=100, seed=0, level=0.8)
    assert (point, lo, hi) == pytest.approx((0.0, 10.9, 90.1))
    assert calls["n"] == 101  # one point estimate + 100 resamples


def test_bootstrap_ci_defaults():
    # defaults: 1000 resamples (1001 calls with the point estimate), seed 0, level 0.95
    stat, calls = _counting_stat()
    point, lo, hi = metrics.bootstrap_ci(np.arange(5.0), stat)
    assert calls["n"] == 1001
    # statistics 1..1000: 0.025 * 999 = 24.975 -> 25.975; 0.975 * 999 = 974.025 -> 975.025
    assert (lo, hi) == pytest.approx((25.975, 975.025))
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    assert metrics.bootstrap_ci(x, np.mean) == metrics.bootstrap_ci(
        x, np.mean, n_boot=1000, seed=0, level=0.95)


def test_bootstrap_ci_resamples_every_row():
    # two observations 0 and 1: a resample mean is 0 (p 1/4), 0.5 (1/2) or 1 (1/4), so with
    # 1000 resamples the 2.5% and 97.5% quantiles are 0 and 1 (about 250 of each extreme)
    point, lo, hi = metrics.bootstrap_ci(np.array([0.0, 1.0]), np.mean)
    assert (point, lo, hi) == (0.5, 0.0, 1.0)


def test_bootstrap_ci_skips_failed_resamples_up_to_half():
    # n_boot 10; calls 2..6 (5 resamples) fail -> 5 of 10 failed, not more than half: kept
    # statistics are the call numbers 7..11 minus 1 = 6..10
    stat, _ = _counting_stat(fail_calls=range(2, 7))
    point, lo, hi = metrics.bootstrap_ci(np.arange(5.0), stat, n_boot=10, level=0.5)
    # level 0.5 -> quantiles 0.25, 0.75 of [6..10]: 6 + 0.25*4 = 7, 6 + 0.75*4 = 9
    assert (point, lo, hi) == (0.0, 7.0, 9.0)
    # 6 of 10 failed -> more than half -> refused
    stat, _ = _counting_stat(fail_calls=range(2, 8))
    with pytest.raises(ValueError, match=r"^bootstrap_ci: stat_fn failed on more than half of "
                                         r"the resamples$"):
        metrics.bootstrap_ci(np.arange(5.0), stat, n_boot=10)


def test_bootstrap_ci_boundaries_and_messages():
    x = np.arange(5.0)
    for bad in (0, 1):
        with pytest.raises(ValueError, match=rf"^bootstrap_ci: level must be in \(0, 1\), got {bad}$"):
            metrics.bootstrap_ci(x, np.mean, level=bad)
    with pytest.raises(ValueError, match=r"^bootstrap_ci: n_boot must be >= 10, got 9$"):
        metrics.bootstrap_ci(x, np.mean, n_boot=9)
    assert metrics.bootstrap_ci(x, np.mean, n_boot=10)[0] == 2.0  # 10 is allowed
    with pytest.raises(ValueError, match=r"^bootstrap_ci: arrays in the tuple have different "
                                         r"lengths$"):
        metrics.bootstrap_ci(([1, 2], [1, 2, 3]), lambda a, b: 0.0)
    with pytest.raises(ValueError, match=r"^bootstrap_ci: need at least 2 observations, got 1 "
                                         r"\(an interval over customers needs at least 2 "
                                         r"customers\)$"):
        metrics.bootstrap_ci([1.0], np.mean)
    # two observations are enough (see test_bootstrap_ci_resamples_every_row)
    assert metrics.bootstrap_ci([1.0, 3.0], np.mean, n_boot=10)[0] == 2.0


# ---------------------------------------------------------------- diebold_mariano


def test_diebold_mariano_squared_loss_with_unit_errors():
    # e1 = [1, 3, 1, 3], e2 = 1: d = e1^2 - 1 = [0, 8, 0, 8], mean 4, centred +-4, gamma0 16
    # DM = 4 / sqrt(16 / 4) = 2; HLN factor sqrt((4 + 1 - 2) / 4) = sqrt(3)/2 -> sqrt(3)
    dm, p = metrics.diebold_mariano([1.0, 3.0, 1.0, 3.0], [1.0, 1.0, 1.0, 1.0])
    assert dm == pytest.approx(np.sqrt(3.0))
    assert p == pytest.approx(2 * stats.t.sf(np.sqrt(3.0), df=3))


def test_diebold_mariano_absolute_loss_small_variance():
    # power 1, e1 = [1, 2, 2, 2], e2 = 1.5: d = [-0.5, 0.5, 0.5, 0.5], mean 0.25,
    # centred [-0.75, 0.25, 0.25, 0.25], gamma0 = (0.5625 + 3 * 0.0625) / 4 = 0.1875 (< 1)
    # DM = 0.25 / sqrt(0.1875 / 4) = 2/sqrt(3); times sqrt(3)/2 -> exactly 1
    dm, p = metrics.diebold_mariano([1.0, 2.0, 2.0, 2.0], [1.5] * 4, power=1)
    assert dm == pytest.approx(1.0)
    assert p == pytest.approx(2 * stats.t.sf(1.0, df=3))


def test_diebold_mariano_messages():
    with pytest.raises(ValueError, match=r"^diebold_mariano: need at least 3 paired errors$"):
        metrics.diebold_mariano([1.0, 2.0], [2.0, 1.0])
    with pytest.raises(ValueError, match=r"^diebold_mariano: the loss differential has zero "
                                         r"variance$"):
        metrics.diebold_mariano([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^diebold_mariano: h must be >= 1, got 0$"):
        metrics.diebold_mariano([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], h=0)


def test_bootstrap_ci_refuses_more_than_half_failed_for_odd_n_boot():
    # n_boot = 11: 6 failed resamples are more than half (5.5); the old check n_boot // 2 = 5
    # let 5 successes through
    calls = {"n": 0}

    def stat(v):
        calls["n"] += 1
        if calls["n"] == 1:
            return float(np.mean(v))      # the point estimate on the full data
        if calls["n"] <= 7:               # resamples 1..6 fail
            raise ValueError("one class only")
        return float(np.mean(v))

    with pytest.raises(ValueError, match="more than half"):
        metrics.bootstrap_ci(np.arange(10.0), stat, n_boot=11, seed=0)

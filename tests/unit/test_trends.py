"""Tests for helpers.analysis.trends: Mann-Kendall against hand-worked values, monthly series, table."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analysis import trends


def test_mann_kendall_no_ties_hand_worked():
    # x = 1,2,3,4: all 6 pairs increase -> S = 6; Var S = 4*3*13/18 = 8.6667
    # z = (6 - 1)/sqrt(8.6667) = 1.6984; p = 2*(1 - Phi(1.6984)) = 0.0894; tau = 6/6 = 1
    r = trends.mann_kendall([1, 2, 3, 4])
    assert r["s"] == 6 and r["var_s"] == pytest.approx(156 / 18)
    assert r["z"] == pytest.approx(5 / np.sqrt(156 / 18))
    assert r["p"] == pytest.approx(2 * stats.norm.sf(5 / np.sqrt(156 / 18)))
    assert r["tau"] == 1.0 and r["sen_slope"] == 1.0


def test_mann_kendall_ties_hand_worked():
    # x = 1,2,2,3: pairs (1,2)+ (1,2)+ (1,3)+ (2,2)0 (2,3)+ (2,3)+ -> S = 5
    # one tie group of size 2: Var S = (4*3*13 - 2*1*9)/18 = 138/18 = 7.6667
    # z = 4/sqrt(7.6667) = 1.4446
    # pairwise slopes 1, 1/2, 2/3, 0, 1/2, 1 -> sorted 0, .5, .5, .667, 1, 1 -> median 0.5833
    r = trends.mann_kendall([1, 2, 2, 3])
    assert r["s"] == 5 and r["var_s"] == pytest.approx(138 / 18)
    assert r["z"] == pytest.approx(4 / np.sqrt(138 / 18))
    assert r["sen_slope"] == pytest.approx((0.5 + 2 / 3) / 2)


def test_mann_kendall_decreasing_and_errors():
    r = trends.mann_kendall([5, 4, 3, 2, 1])
    assert r["s"] == -10 and r["tau"] == -1 and r["sen_slope"] == -1
    with pytest.raises(ValueError, match=">= 4"):
        trends.mann_kendall([1, 2, 3])
    with pytest.raises(ValueError, match="NaN"):
        trends.mann_kendall([1, 2, np.nan, 4])


def _lines():
    # 2023-01-15 .. 2023-07-10: January starts mid-month, July ends early -> both dropped
    # group A grows +10/month from 100, group B falls -10/month from 100, C is tiny
    rows = []
    for k, month in enumerate(pd.period_range("2023-01", "2023-07", freq="M")):
        day = month.start_time + pd.Timedelta(days=14 if k == 0 else 9)
        rows += [(day, 100.0 + 10 * k, "A"), (day, 100.0 - 10 * k, "B"), (day, 0.5, "C")]
    return pd.DataFrame(rows, columns=["order_ts", "revenue_amt", "country"])


def test_monthly_revenue_complete_months():
    m = trends.monthly_revenue(_lines(), "country")
    assert [str(p) for p in m.index] == ["2023-02", "2023-03", "2023-04", "2023-05", "2023-06"]
    assert m["A"].tolist() == [110, 120, 130, 140, 150]
    with pytest.raises(ValueError, match="segment"):
        trends.monthly_revenue(_lines(), "segment")


def test_seasonal_mann_kendall_hand_worked():
    # period 2: season 0 = 1, 2, 3 (S0 = 3), season 1 = 10, 12, 11 (+, +, - -> S1 = 1)
    # Var S_k = 3*2*11/18 = 11/3 each -> Var S = 22/3; z = (4 - 1)/sqrt(22/3); tau = 4/6
    # same-season slopes: 1/2, 2/4, 1/2 and 2/2, 1/4, -1/2 -> median of
    # (-0.5, 0.25, 0.5, 0.5, 0.5, 1) = 0.5
    r = trends.seasonal_mann_kendall([1, 10, 2, 12, 3, 11], period=2)
    assert r["s"] == 4 and r["var_s"] == pytest.approx(22 / 3) and r["pairs"] == 6
    assert r["z"] == pytest.approx(3 / np.sqrt(22 / 3))
    assert r["p"] == pytest.approx(2 * stats.norm.sf(3 / np.sqrt(22 / 3)))
    assert r["tau"] == pytest.approx(4 / 6) and r["sen_slope"] == 0.5


def test_seasonal_mann_kendall_ignores_a_repeated_seasonal_peak():
    # two identical years with a December peak, starting in December: the plain test sees the
    # high first value and the high last-but-one value; the seasonal test sees no change at all
    year = [300.0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 110, 200]
    r = trends.seasonal_mann_kendall(year * 2, period=12)
    assert r["s"] == 0 and r["p"] == 1.0 and r["sen_slope"] == 0.0 and r["pairs"] == 12
    short = trends.seasonal_mann_kendall(year, period=12)  # no month seen twice
    assert short["pairs"] == 0 and short["p"] == 1.0
    with pytest.raises(ValueError, match="period=1"):
        trends.seasonal_mann_kendall(year, period=1)
    with pytest.raises(ValueError, match="NaN"):
        trends.seasonal_mann_kendall([1.0, np.nan, 2.0], period=2)


def test_bh_adjust_hand_worked():
    # sorted p 0.01, 0.03, 0.04, 0.20 (m = 4): p*m/k = 0.04, 0.06, 0.0533, 0.20
    # running minimum from the top: 0.04, 0.0533, 0.0533, 0.20
    q = trends.bh_adjust([0.01, 0.04, 0.03, 0.20, np.nan])
    assert q[:4] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert np.isnan(q[4])
    assert trends.bh_adjust([0.9, 0.8]).tolist() == [0.9, 0.9]   # capped by the running minimum


def _monthly():
    # 25 months from January: January seen 3 times, other months twice; December triples
    idx = pd.period_range("2021-01", "2023-01", freq="M")
    t = np.arange(len(idx))
    prof = np.where(idx.month == 12, 3.0, 1.0)
    return pd.DataFrame({
        "A": prof * (100 + 5 * t),            # grows 5 a month (x3 in December)
        "B": prof * (300 - 5 * t),            # shrinks
        "D": prof * 100,                      # seasonal, no trend
        "C": np.full(len(idx), 0.5),          # tiny: pooled, not tested
    }, index=pd.Index(idx, name="month"))


def test_trend_table_directions_multiple_testing_and_projection():
    t = trends.trend_table(_monthly(), alpha=0.05, min_share=0.01, horizon=2)
    # A: S = 3 (January, 3 values) + 11 x 1 = 14; Var = 11/3 + 11 x 1 = 44/3
    # z = 13/sqrt(44/3) = 3.394, p = 0.000689; B mirrors A; D: S = 0, p = 1
    p_a = 2 * stats.norm.sf(13 / np.sqrt(44 / 3))
    assert t.loc["A", "p"] == pytest.approx(p_a) and t.loc["B", "p"] == pytest.approx(p_a)
    # BH over the 3 tested groups: ranks 1, 2 of A and B -> min(3p/1, 3p/2) = 1.5 p for both
    assert t.loc["A", "q"] == pytest.approx(1.5 * p_a) and t.loc["D", "q"] == 1.0
    assert t.loc["A", "direction"] == "growing" and t.loc["B", "direction"] == "declining"
    assert t.loc["D", "direction"] == "no trend"
    assert "C" not in t.index and t.loc["(other)", "direction"] == "not tested"
    assert np.isnan(t.loc["(other)", "q"])
    # A: same-month slopes are 5 (x3 = 15 for December's one pair) -> median 5;
    # level = median(y - 5t) = 100 -> months 25, 26: 225 + 230 = 455
    assert t.loc["A", "sen_slope_amt_month"] == 5 and t.loc["A", "projection_amt"] == 455
    with pytest.raises(ValueError, match="at least 13"):
        trends.trend_table(_monthly().iloc[:12])


def test_attach_group():
    lines = pd.DataFrame({"customer_id": pd.array([1, 2, None], dtype="Int64"),
                          "revenue_amt": [1.0, 2.0, 3.0]})
    out = trends.attach_group(lines, pd.Series({1: "loyal"}), "segment")
    assert out["segment"].tolist() == ["loyal"]
    with pytest.raises(ValueError, match="customer_id"):
        trends.attach_group(lines.drop(columns="customer_id"), pd.Series(dtype=str), "s")

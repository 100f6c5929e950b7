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


def test_trend_table_directions_and_projection():
    m = trends.monthly_revenue(_lines(), "country")
    t = trends.trend_table(m, alpha=0.05, min_share=0.01, horizon=2)
    # 5 strictly monotone months: S = ±10, Var = 5*4*15/18 = 16.67, z = 9/4.08 = 2.20, p = 0.028
    assert t.loc["A", "direction"] == "growing" and t.loc["B", "direction"] == "declining"
    assert "C" not in t.index and "(other)" in t.index
    # A: Sen slope 10, level 110 -> months 5 and 6 = 160 + 170 = 330
    assert t.loc["A", "sen_slope_amt_month"] == 10 and t.loc["A", "projection_amt"] == 330
    with pytest.raises(ValueError, match=">= 4 months"):
        trends.trend_table(m.iloc[:3])


def test_attach_group():
    lines = pd.DataFrame({"customer_id": pd.array([1, 2, None], dtype="Int64"),
                          "revenue_amt": [1.0, 2.0, 3.0]})
    out = trends.attach_group(lines, pd.Series({1: "loyal"}), "segment")
    assert out["segment"].tolist() == ["loyal"]
    with pytest.raises(ValueError, match="customer_id"):
        trends.attach_group(lines.drop(columns="customer_id"), pd.Series(dtype=str), "s")

"""Lifecycle, cohort, transition and survival helpers on hand-worked examples."""

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import lifecycle as L


def _lines(rows):
    """rows: (customer_id or None, 'YYYY-MM-DD', revenue)."""
    return pd.DataFrame({
        "customer_id": pd.array([r[0] for r in rows], dtype="Int64"),
        "order_ts": pd.to_datetime([r[1] for r in rows]),
        "revenue_amt": [float(r[2]) for r in rows],
    })


# c1 orders every 10 days; c2 once long ago; c3 twice 100 days apart; c4 brand new; guest.
LINES = _lines([
    (1, "2023-01-01", 10), (1, "2023-01-11", 10), (1, "2023-01-21", 10), (1, "2023-01-21", 5),
    (2, "2021-06-01", 50),
    (3, "2022-06-01", 20), (3, "2022-09-09", 20),
    (4, "2023-02-20", 30),
    (None, "2023-01-15", 99),
])
CUTOFF = pd.Timestamp("2023-03-01")


def test_gaps_and_cadence():
    days = L.order_days(LINES, CUTOFF)
    assert len(days) == 7  # c1 3 (two orders on 01-21 are one day), c2 1, c3 2, c4 1; no guest
    gaps = L.interpurchase_gaps(days)
    assert sorted(gaps.tolist()) == [10, 10, 100]
    t = L.cadence_table(LINES, CUTOFF)
    assert t.loc[1, "median_gap_days"] == 10 and t.loc[1, "days_since_last"] == 39
    assert t.loc[1, "revenue_amt"] == 35.0
    assert np.isnan(t.loc[2, "median_gap_days"])


def test_assign_stages_by_hand():
    # fallback cadence = median of the customers' median gaps (10 and 100) = 55
    s = L.assign_stages(LINES, CUTOFF, new_days=30, at_risk_mult=1.5, dormant_mult=3.0,
                        churn_days=365)
    st = s["stage"].astype(str).to_dict()
    # c1: 39 days since last / cadence 10 = 3.9 > 3 -> dormant
    # c2: 638 days since last > 365 -> churned
    # c3: 173 days since last / 100 = 1.73 -> at-risk
    # c4: first order 9 days ago -> new
    assert st == {1: "dormant", 2: "churned", 3: "at-risk", 4: "new"}
    s2 = L.assign_stages(LINES, CUTOFF, at_risk_mult=4.0, dormant_mult=5.0)
    assert s2.loc[1, "stage"] == "active"  # 3.9 <= 4
    assert s["cadence_days"][4] == pytest.approx(55.0)
    with pytest.raises(ValueError, match="at_risk_mult"):
        L.assign_stages(LINES, CUTOFF, at_risk_mult=3.0, dormant_mult=2.0)
    with pytest.raises(ValueError, match="no customer lines"):
        L.assign_stages(LINES, pd.Timestamp("2020-01-01"))


def test_cohort_tables_three_customers():
    lines = _lines([(1, "2023-01-05", 10), (1, "2023-02-07", 5), (2, "2023-01-20", 20),
                    (3, "2023-02-02", 8), (3, "2023-03-03", 4)])
    t = L.cohort_tables(lines, pd.Timestamp("2023-03-31"))
    jan, feb = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01")
    assert t["sizes"].to_dict() == {jan: 2, feb: 1}
    # Jan cohort: month 0 both, month 1 only c1, month 2 nobody (observed: March)
    assert t["retention"].loc[jan].tolist() == [1.0, 0.5, 0.0]
    # Feb cohort: month 0 and 1 (March) observed, month 2 (April) not -> NaN
    assert t["retention"].loc[feb, 1] == 1.0 and np.isnan(t["retention"].loc[feb, 2])
    # revenue retention Jan: month 1 revenue 5 / month 0 revenue 30
    assert t["revenue_retention"].loc[jan, 1] == pytest.approx(5 / 30)
    assert t["sizes"].sum() == 3


def test_transition_matrix_and_stationary():
    before = pd.Series(["active", "active", "dormant", "prospect"], index=[1, 2, 3, 4])
    after = pd.Series(["active", "dormant", "churned", "new"], index=[1, 2, 3, 4])
    counts, probs = L.transition_matrix(before, after)
    assert counts.loc["active", "active"] == 1 and counts.loc["active", "dormant"] == 1
    assert counts.to_numpy().sum() == 3  # the prospect is not counted
    assert probs.loc["active", "dormant"] == 0.5
    # two-state chain P = [[0.9, 0.1], [0.5, 0.5]]: pi = (5/6, 1/6)
    p = pd.DataFrame([[0.9, 0.1], [0.5, 0.5]], index=["a", "b"], columns=["a", "b"])
    pi = L.stationary_distribution(p)
    assert pi["a"] == pytest.approx(5 / 6) and pi["b"] == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="different customers"):
        L.transition_matrix(before, after.iloc[:2])


def test_stage_snapshots_prospects():
    snap = L.stage_snapshots(LINES, [pd.Timestamp("2022-07-01"), CUTOFF])
    assert snap.loc[4].tolist() == ["prospect", "new"]
    assert snap.loc[1].iloc[0] == "prospect"
    with pytest.raises(ValueError, match="two dates"):
        L.stage_snapshots(LINES, [CUTOFF])


def test_survival_table_by_hand():
    s = L.survival_table(LINES, CUTOFF, churn_days=365)
    # c2: one order 2021-06-01, declared churned 2022-06-01 (< cutoff): 365 days, event
    assert (s.loc[2, "duration_days"], s.loc[2, "event"]) == (365, 1)
    # c3: last order 2022-09-09 + 365 = 2023-09-09 > cutoff: censored at cutoff,
    #     2022-06-01 -> 2023-03-01 = 273 days
    assert (s.loc[3, "duration_days"], s.loc[3, "event"]) == (273, 0)
    # with churn_days = 90: c3's first gap 100 > 90 -> declared 2022-08-30, 90 days
    s90 = L.survival_table(LINES, CUTOFF, churn_days=90)
    assert (s90.loc[3, "duration_days"], s90.loc[3, "event"]) == (90, 1)
    with pytest.raises(ValueError, match="churn_days"):
        L.survival_table(LINES, CUTOFF, churn_days=0)


def test_stage_rules_table_lists_values():
    t = L.stage_rules_table(30, 1.5, 3.0, 365)
    assert list(t.index) == ["new", "churned", "active", "at-risk", "dormant"]
    assert "365" in t.loc["churned", "rule"] and "1.5" in t.loc["active", "rule"]

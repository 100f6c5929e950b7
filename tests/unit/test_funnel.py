"""Funnel conversion and satisfaction vs repeat purchase, worked by hand."""

import pandas as pd
import pytest

from helpers.analysis import funnel

OPPS = pd.DataFrame({
    "rep_id": ["R1", "R1", "R1", "R2", "R2", "R2"],
    "furthest_stage": ["won", "proposal", "lead", "qualified", "won", "negotiation"],
    "outcome": ["won", "lost", "lost", "lost", "won", "open"],
    "amount": [100.0, 50.0, 20.0, 10.0, 300.0, 999.0],
})


def test_funnel_table_by_hand():
    t = funnel.funnel_table(OPPS)
    # closed: won, proposal, lead, qualified, won (the open one is left out)
    # reached: lead 5, qualified 4, proposal 3, negotiation 2, won 2
    assert t["reached"].tolist() == [5, 4, 3, 2, 2]
    assert t.loc["lead", "pass_rate_to_next"] == pytest.approx(0.8)
    assert t.loc["negotiation", "pass_rate_to_next"] == pytest.approx(1.0)
    assert t.loc["won", "share_of_leads"] == pytest.approx(0.4)
    with pytest.raises(ValueError, match="unknown stage"):
        funnel.funnel_table(OPPS.assign(furthest_stage="demo"))


def test_funnel_by_rep():
    r = funnel.funnel_by_rep(OPPS)
    # R1: 3 closed, 1 won (100); R2: 2 closed, 1 won (300)
    assert r.loc["R1", "win_rate"] == pytest.approx(1 / 3)
    assert r.loc["R2", "won_amt"] == 300.0 and r.index[0] == "R2"
    with pytest.raises(ValueError, match="rep_id"):
        funnel.funnel_by_rep(OPPS.drop(columns="rep_id"))


def test_satisfaction_vs_repeat():
    fb = pd.DataFrame({"customer_id": [1, 1, 2, 3], "csat": [5, 4, 2, 5],
                       "feedback_ts": pd.to_datetime(["2023-01-01", "2023-01-02", "2023-01-03",
                                                      "2023-05-01"])})
    lines = pd.DataFrame({"customer_id": pd.array([1, 2], dtype="Int64"),
                          "order_ts": pd.to_datetime(["2023-02-10", "2023-09-01"])})
    t = funnel.satisfaction_vs_repeat(fb, lines, pd.Timestamp("2023-02-01"), window_days=90)
    # before Feb 1: c1 mean 4.5 -> band 4 (round half to even), bought on Feb 10; c2 2 -> no
    assert t.loc[4, "repeat_rate"] == 1.0 and t.loc[2, "repeat_rate"] == 0.0
    assert t["customers"].sum() == 2
    with pytest.raises(ValueError, match="no feedback"):
        funnel.satisfaction_vs_repeat(fb, lines, pd.Timestamp("2020-01-01"))

"""Funnel conversion and satisfaction vs repeat purchase, worked by hand."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers import synth
from helpers.analysis import funnel
from helpers.data import schema
from helpers.synth.settings import LEAD_SOURCES, OPP_CHANNELS

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


# ============================================================ deeper funnel (issue 20)
# Stated tolerances (recovery of what helpers.synth planted, seed 5, 3,000 customers, every
# customer with 1 + Poisson(2) opportunities: about 9,100 deals):
# - stage pass rates (stage_conversion, all deals whose fate at the stage is known): each within
#   3 binomial standard errors of the planted population rate; P(win | lead) within 10 %
#   (relative) of the planted win rate;
# - win rate by lead source and by channel (deals created 121+ days before the end, all
#   closed): each within 3 binomial standard errors of the planted rate;
# - stage durations (Kaplan-Meier, open deals censored at the end): median and quartiles of
#   each stage within 10 % of the planted lognormal quantiles;
# - sales cycle at an as-of date 200 days before the end: the KM median within 5 % of the
#   realised median cycle of the deals open by then (known from the later data), and closer
#   than the median of the closed deals alone;
# - rep shrinkage (20 reps of unequal workload, 1,500 customers, seeds 0-5): Spearman
#   correlation with the planted skill order higher for the shrunk than for the raw win rate
#   in every seed, and on average higher again after the lead-source adjustment;
# - pipeline forecast backtest (monthly as-of dates, 56-day horizon): the summed forecast of
#   the open deals within 10 % of what those deals went on to win.

START, END = "2010-01-01", "2011-06-30"
BIG = {"opp_customer_share": 1.0, "opp_extra_mean": 2.0}


def _ts(*days):
    return pd.to_datetime(list(days))


# Hand frame: six closed deals before 2024-03-01, three open ones (o1 at lead, o2 at proposal,
# o3 at negotiation), f1 open at the as-of date but won on 03-05, g1 created after it.
NAT = None
HAND = pd.DataFrame({
    "opportunity_id": range(1, 12),
    "rep_id": ["A"] * 11,
    "created_ts": _ts("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05",
                      "2024-01-06", "2024-02-20", "2024-02-01", "2024-02-05", "2024-02-27",
                      "2024-03-02"),
    "qualified_ts": _ts("2024-01-05", "2024-01-06", NAT, "2024-01-08", "2024-01-07",
                        "2024-01-10", NAT, "2024-02-10", "2024-02-08", "2024-03-02",
                        "2024-03-03"),
    "proposal_ts": _ts("2024-01-10", NAT, NAT, "2024-01-12", "2024-01-09", "2024-01-14", NAT,
                       "2024-02-20", "2024-02-12", "2024-03-03", "2024-03-04"),
    "negotiation_ts": _ts("2024-01-20", NAT, NAT, NAT, "2024-01-11", "2024-01-16", NAT, NAT,
                          "2024-02-25", "2024-03-04", "2024-03-05"),
    "closed_ts": _ts("2024-01-30", "2024-01-08", "2024-01-04", "2024-01-15", "2024-01-21",
                     "2024-01-18", NAT, NAT, NAT, "2024-03-05", "2024-03-08"),
    "furthest_stage": ["won", "qualified", "lead", "proposal", "won", "negotiation", "lead",
                       "proposal", "negotiation", "won", "won"],
    "outcome": ["won", "lost", "lost", "lost", "won", "lost", "open", "open", "open", "won",
                "won"],
    "amount": [100.0, 10.0, 10.0, 10.0, 100.0, 10.0, 1000.0, 500.0, 300.0, 50.0, 70.0],
})
AT = pd.Timestamp("2024-03-01")


def test_wilson_interval_published_answers():
    # Newcombe (1998), Stat Med 17:857, Table I, method 3 (Wilson score, no continuity
    # correction): 81/263 -> 0.2553-0.3662, 15/148 -> 0.0624-0.1605, 0/20 -> 0-0.1611,
    # 1/29 -> 0.0061-0.1718
    lo, hi = funnel.wilson_interval([81, 15, 0, 1], [263, 148, 20, 29])
    np.testing.assert_allclose(lo, [0.2553, 0.0624, 0.0, 0.0061], atol=6e-5)
    np.testing.assert_allclose(hi, [0.3662, 0.1605, 0.1611, 0.1718], atol=6e-5)
    # by hand, 8/10: (0.8 + 1.96^2/20 -/+ 1.96 sqrt(0.016 + 1.96^2/400)) / (1 + 1.96^2/10)
    lo, hi = funnel.wilson_interval(8, 10)
    assert (float(lo), float(hi)) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert np.isnan(funnel.wilson_interval(0, 0)[0])
    with pytest.raises(ValueError, match="0 <= k <= n"):
        funnel.wilson_interval(3, 2)


def test_wilson_interval_exact_coverage():
    # nominal 95 %; exact coverage sum_k Binom(k; n, p) 1[p in CI(k)] at the sizes the funnel
    # tables see: n = 30 -> 0.930-0.974 over p in {.05, .1, .2, .3, .5}; n = 1000 -> 0.946-0.951
    for n, tol in ((30, 0.025), (1000, 0.005)):
        k = np.arange(n + 1)
        lo, hi = funnel.wilson_interval(k, np.full(n + 1, n))
        for p in (0.05, 0.1, 0.2, 0.3, 0.5):
            cover = float((stats.binom.pmf(k, n, p) * ((lo <= p) & (p <= hi))).sum())
            assert abs(cover - 0.95) < tol, (n, p, cover)


def test_stage_conversion_by_hand():
    t = funnel.stage_conversion(OPPS)
    # ranks 4, 2, 0, 1, 4 and 3 (open, left out at negotiation only):
    # lead 5 passed + 1 lost; qualified 4 + 1; proposal 3 + 1; negotiation 2 + 0
    assert t["resolved"].tolist() == [6, 5, 4, 2]
    assert t["pass_rate"].tolist() == pytest.approx([5 / 6, 4 / 5, 3 / 4, 1.0])
    assert t["p_win_from_stage"].tolist() == pytest.approx([0.5, 0.6, 0.75, 1.0])
    lo, hi = funnel.wilson_interval(5, 6)
    assert (t.loc["lead", "pass_low"], t.loc["lead", "pass_high"]) == pytest.approx(
        (float(lo), float(hi)))
    with pytest.raises(ValueError, match="furthest_stage"):
        funnel.stage_conversion(OPPS.drop(columns="furthest_stage"))
    with pytest.raises(ValueError, match="unknown stage"):
        funnel.stage_conversion(OPPS.assign(furthest_stage="demo"))


def test_win_rate_by_hand():
    t = funnel.win_rate_by(OPPS.assign(src=["a", "a", "b", "b", "b", "a"]), "src")
    # a: closed R1-won, R1-lost (the open one left out) -> 1/2; b: lost, lost, won -> 1/3
    assert t.loc["a", "win_rate"] == 0.5 and t.loc["b", "closed"] == 3
    assert t.index[0] == "a"
    assert t.loc["b", "win_low"] == pytest.approx(float(funnel.wilson_interval(1, 3)[0]))
    with pytest.raises(ValueError, match="lead_source"):
        funnel.win_rate_by(OPPS, "lead_source")


def test_as_of_view_by_hand():
    v = funnel.as_of_view(HAND, AT).set_index("opportunity_id")
    assert 11 not in v.index  # g1 created after the as-of date
    assert v.loc[10, "outcome"] == "open" and v.loc[10, "furthest_stage"] == "lead"
    assert pd.isna(v.loc[10, "qualified_ts"]) and pd.isna(v.loc[10, "closed_ts"])
    assert v.loc[8, "furthest_stage"] == "proposal" and v.loc[1, "outcome"] == "won"
    with pytest.raises(ValueError, match="negotiation_ts"):
        funnel.as_of_view(HAND.drop(columns="negotiation_ts"), AT)


def test_stage_durations_km_by_hand():
    t = funnel.stage_durations(funnel.as_of_view(HAND, AT), AT)
    # time in lead (days): 4, 4, 1 (lost), 4, 2, 4, 9, 3 and censored 10 (o1), 2 (f1).
    # KM: S(1) = 9/10 = .9; S(2) = .9 * 8/9 = .8 (f1 censored at 2, at risk there);
    # S(3) = .8 * 6/7 = .6857; S(4) = .6857 * 2/6 = .2286; S(9) = .1143
    # quantiles as lifelines takes them: first t where S falls strictly below 1 - q:
    # q1 (S < .75) -> 3; median (S < .5) -> 4; q3 (S < .25) -> 4
    assert t.loc["lead", ["entered", "exited"]].tolist() == [10, 8]
    assert t.loc["lead", ["q1_days", "median_days", "q3_days"]].tolist() == [3.0, 4.0, 4.0]
    # negotiation: h1 10 (won), h5 10 (won), h6 2 (lost), o3 censored 5 -> S(2) = 3/4 (not
    # below .75), S(10) = 0: q1 = median = q3 = 10
    assert t.loc["negotiation", ["q1_days", "median_days", "q3_days"]].tolist() == [10.0] * 3
    with pytest.raises(ValueError, match="proposal_ts"):
        funnel.stage_durations(HAND.drop(columns="proposal_ts"), AT)


def test_sales_cycle_km_by_hand():
    d = pd.DataFrame({
        "created_ts": _ts("2024-01-01", "2024-01-01", "2024-01-08", "2024-01-01"),
        "closed_ts": _ts("2024-01-03", "2024-01-05", NAT, "2024-01-20"),
        "outcome": ["won", "lost", "open", "won"],
    })
    sc = funnel.sales_cycle(d, "2024-01-11")
    # cycles: 2 (closed), 4 (closed), 3 (open, censored), 10 (closes after the as-of date,
    # censored at 10): S(2) = 3/4, S(4) = 3/4 * 1/2 = 0.375 -> KM median 4; naive 3
    assert sc.attrs["median_days"] == 4.0 and sc.attrs["naive_median_days"] == 3.0
    assert sc.set_index("days").loc[4.0, "share_open"] == pytest.approx(0.375)
    assert (sc.attrs["n"], sc.attrs["n_closed"]) == (4, 2)
    with pytest.raises(ValueError, match="no opportunity created before"):
        funnel.sales_cycle(d, "2023-01-01")


def test_rep_shrinkage_three_reps_by_hand():
    d = pd.DataFrame({"rep_id": ["A"] * 10 + ["B"] * 10 + ["C"] * 2,
                      "outcome": ["won"] * 7 + ["lost"] * 3 + ["won"] * 5 + ["lost"] * 5
                      + ["won"] * 2})
    t = funnel.rep_shrinkage(d)
    # m = 14/22 = .636364; w = 10/22, 10/22, 2/22; residuals .063636, -.136364, .363636
    # S = sum w r^2 = .0018407 + .0084523 + .0120210 = .0223140
    # noise = m(1-m) sum w(1-w)/n = .231405 * (.0247934 + .0247934 + .0413223) = .0210368
    # tau2 = (.0223140 - .0210368) / sum w(1-w) (= .578512) = .0022077
    # kappa = .231405 / .0022077 - 1 = 103.82
    # A: (7 + 103.82 * .636364) / 113.82 = .6420; B: (5 + 66.067) / 113.82 = .6244;
    # C: (2 + 66.067) / 105.82 = .6432 (the 2-deal rep moves .357, the 10-deal ones .058, .124)
    assert t.attrs["tau2"] == pytest.approx(0.0022077, rel=1e-3)
    assert t.attrs["kappa"] == pytest.approx(103.82, rel=1e-3)
    assert t.loc[["A", "B", "C"], "shrunk_win_rate"].tolist() == pytest.approx(
        [0.6420, 0.6244, 0.6432], abs=1e-4)
    assert t.index.tolist() == ["C", "A", "B"]  # ranked by the shrunk rate
    # no spread beyond binomial noise: everybody pulled all the way to the mean
    d2 = pd.DataFrame({"rep_id": ["A"] * 10 + ["B"] * 10,
                       "outcome": ["won"] * 5 + ["lost"] * 5 + ["won"] * 6 + ["lost"] * 4})
    t2 = funnel.rep_shrinkage(d2)
    assert t2.attrs["tau2"] < 0 and t2["shrunk_win_rate"].tolist() == pytest.approx([0.55] * 2)
    with pytest.raises(ValueError, match="at least 2 reps"):
        funnel.rep_shrinkage(d[d["rep_id"] == "A"])
    with pytest.raises(ValueError, match="lead_source"):
        funnel.rep_shrinkage(d, adjust_for="lead_source")


def test_rep_shrinkage_mix_adjustment_by_hand():
    d = pd.DataFrame({"rep_id": ["R1"] * 4 + ["R2"] * 4,
                      "lead_source": ["x", "x", "x", "y", "x", "y", "y", "y"],
                      "outcome": ["won", "won", "lost", "lost", "won", "won", "lost", "lost"]})
    t = funnel.rep_shrinkage(d, adjust_for="lead_source")
    # source x: 3 of 4 won (.75), y: 1 of 4 (.25); R1 expects (3 * .75 + .25) / 4 = .625,
    # R2 (.75 + 3 * .25) / 4 = .375; both won 2 of 4, so R2 did better than its mix
    assert t.loc["R1", "expected_win_rate"] == pytest.approx(0.625)
    assert t.loc["R2", "expected_win_rate"] == pytest.approx(0.375)
    # spread S = .5 * .125^2 * 2 = .015625 < noise .25 * (.234375 / 4) * 2 = .0293: full pooling
    # to each rep's expectation, so the adjusted rates (m * shrunk / expected) are both m = .5
    assert t["adjusted_win_rate"].tolist() == pytest.approx([0.5, 0.5])


def test_pipeline_forecast_three_open_deals_by_hand():
    fc = funnel.pipeline_forecast(HAND.drop(index=[9]), AT).set_index("opportunity_id")
    # pass rates known at 03-01: lead 7/8, qualified 6/7, proposal 4/5, negotiation 2/3
    # P(win): negotiation 2/3, proposal 8/15, qualified 16/35, lead 0.4
    assert fc.attrs["stage_p_win"]["lead"] == pytest.approx(0.4)
    assert fc["p_win"].tolist() == pytest.approx([0.4, 8 / 15, 2 / 3])
    # 1000 * .4 + 500 * 8/15 + 300 * 2/3 = 400 + 266.667 + 200
    assert fc.attrs["expected_won_amt"] == pytest.approx(866.6667, abs=1e-3)
    # 10-day horizon: past winners (h1, h5) took from lead 29 and 16 days, from proposal 20
    # and 12, from negotiation 10 and 10. o1 in lead 10 days: of T > 10 (29, 16) one is
    # <= 20 -> 1/2; o2 in proposal 10 days: 20, 12 both in (10, 20] -> 1; o3 in negotiation
    # 5 days: 10, 10 in (5, 15] -> 1
    fc = funnel.pipeline_forecast(HAND.drop(index=[9]), AT, horizon_days=10)
    assert fc["p_close_in_horizon"].tolist() == pytest.approx([0.5, 1.0, 1.0])
    assert fc.attrs["expected_won_amt"] == pytest.approx(666.6667, abs=1e-3)
    # new deals over 20 days: created in [02-10, 03-01): o1's 1000; winners' cycles 29, 16
    # -> E[max(0, 20 - C)] / 20 = (0 + 4) / 2 / 20 = .1; 1000 * .4 * .1 = 40
    fc = funnel.pipeline_forecast(HAND.drop(index=[9]), AT, horizon_days=20, new_deals=True)
    assert fc.attrs["expected_new_won_amt"] == pytest.approx(40.0)
    assert fc.attrs["expected_total_won_amt"] == pytest.approx(906.6667, abs=1e-3)
    with pytest.raises(ValueError, match="horizon_days"):
        funnel.pipeline_forecast(HAND, AT, horizon_days=0)
    with pytest.raises(ValueError, match="amount"):
        funnel.pipeline_forecast(HAND.drop(columns="amount"), AT)


def test_pipeline_backtest_by_hand():
    bt = funnel.pipeline_backtest(HAND, [AT], 10, data_end="2024-04-01")
    # at 03-01: o1, o2, o3 as above (666.667) plus f1 (50, lead for 2 days: no past winner
    # closed within (2, 12] days of creation -> 0); baseline: won in [02-20, 03-01): nothing;
    # actual in [03-01, 03-11): f1 50 + g1 70 = 120, of which 50 from deals open at 03-01
    row = bt.iloc[0]
    assert row["predicted_amt"] == pytest.approx(666.6667, abs=1e-3)
    assert (row["baseline_amt"], row["actual_amt"], row["actual_pipeline_amt"]) == (0.0, 120.0,
                                                                                   50.0)
    s = bt.attrs["scores"]
    assert s["pipeline"]["mae"] == pytest.approx(546.6667, abs=1e-3)
    assert s["baseline"] == {"mae": 120.0, "mape_pct": 100.0}
    assert s["pipeline_vs_own_deals"]["mape_pct"] == pytest.approx(616.6667 / 50 * 100)
    # one date: paired difference 546.667 - 120, no interval
    d = bt.attrs["abs_error_minus_baseline"]["pipeline"]
    assert d["mean"] == pytest.approx(426.6667, abs=1e-3) and np.isnan(d["low"])
    with pytest.raises(ValueError, match="past data_end"):
        funnel.pipeline_backtest(HAND, [AT], 10, data_end="2024-03-05")


# ----------------------------------------------------------------- the synthetic generator


@pytest.fixture(scope="module")
def big():
    return synth.simulate_crm(3000, START, END, seed=5, **BIG)


def test_generator_stage_timestamps_are_consistent(big):
    o = big.opportunities
    for col in ("qualified_ts", "proposal_ts", "negotiation_ts", "lead_source", "channel"):
        assert col in o.columns, col
    rank = o["furthest_stage"].map({s: i for i, s in enumerate(schema.FUNNEL_STAGES)})
    ts = ["created_ts", "qualified_ts", "proposal_ts", "negotiation_ts"]
    for i, col in enumerate(ts):
        assert (o[col].notna() == (rank >= i)).all(), col  # entered exactly the stages reached
        if i:
            ok = o[col].notna()
            assert (o.loc[ok, col] >= o.loc[ok, ts[i - 1]]).all(), col
    closed = o["outcome"] != "open"
    assert (o["closed_ts"].notna() == closed).all()
    last = o[ts].max(axis=1)
    assert (o.loc[closed, "closed_ts"] >= last[closed]).all()
    assert set(o["lead_source"]) == set(LEAD_SOURCES)
    assert set(o["channel"]) == set(OPP_CHANNELS)


def test_generator_new_fields_leave_everything_else_alone():
    a = synth.simulate_crm(400, START, END, seed=3)
    b = synth.simulate_crm(400, START, END, seed=3, lead_source_betas=(0, 1, 1, 1),
                           rep_workload_spread=0.0, stage_median_days=(2, 2, 2, 2))
    for name in ("transactions", "customers", "interactions", "feedback",
                 "ground_truth_customers"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    cols = ["opportunity_id", "source_customer_id", "created_ts", "amount"]
    pd.testing.assert_frame_equal(a.opportunities[cols], b.opportunities[cols])
    assert not a.opportunities["rep_id"].equals(b.opportunities["rep_id"])


def test_canonical_ingest_keeps_the_new_columns(tmp_path):
    from helpers.data import cleaning, ingest
    from helpers.data.adapters import synthetic as adapter

    synth.write_synthetic(synth.simulate_crm(300, START, END, seed=7), tmp_path)
    source = adapter.read(tmp_path)
    tables = ingest.build_canonical(cleaning.clean(source.lines).kept, source)
    opp = schema.validate(tables["opportunities"], "opportunities")
    assert str(opp["negotiation_ts"].dtype) == "datetime64[ns]"
    assert str(opp["lead_source"].dtype) == "string"
    assert funnel.stage_conversion(opp)["resolved"].iloc[0] > 0


# ----------------------------------------------------------------- recovery of planted truth


def _within_se(got: float, planted: float, n: int, k: float = 3.0) -> bool:
    return abs(got - planted) < k * np.sqrt(planted * (1 - planted) / n)


def test_stage_conversion_recovers_planted_pass_rates(big):
    t = funnel.stage_conversion(big.opportunities)
    truth = big.truth["funnel_detail"]
    for (name, planted), (stage, row) in zip(truth["pass_rate_by_transition"].items(),
                                             t.iterrows(), strict=True):
        assert name.startswith(stage)
        assert _within_se(row["pass_rate"], planted, row["resolved"]), (name, row, planted)
    assert t.loc["lead", "p_win_from_stage"] == pytest.approx(truth["win_rate"], rel=0.10)


@pytest.mark.parametrize("by", ["lead_source", "channel"])
def test_win_rate_by_recovers_planted_rates(big, by):
    o = big.opportunities
    end = pd.Timestamp(big.truth["window"]["end_exclusive"])
    old = o[o["created_ts"] < end - pd.Timedelta(days=121)]  # every step <= 30 days: all closed
    assert (old["outcome"] != "open").all()
    t = funnel.win_rate_by(old, by)
    planted = big.truth["funnel_detail"][f"win_rate_by_{by}"]
    for level, row in t.iterrows():
        assert _within_se(row["win_rate"], planted[level], row["closed"]), (level, row)
    # the planted order of the groups is recovered
    assert t.index.tolist() == sorted(planted, key=planted.get, reverse=True)


def test_stage_durations_recover_planted_quantiles(big):
    end = pd.Timestamp(big.truth["window"]["end_exclusive"])
    t = funnel.stage_durations(big.opportunities, end)
    for stage, q in big.truth["funnel_detail"]["stage_duration_days"].items():
        got = t.loc[stage, ["q1_days", "median_days", "q3_days"]].to_numpy(float)
        np.testing.assert_allclose(got, [q["q1"], q["median"], q["q3"]], rtol=0.10,
                                   err_msg=stage)


def test_sales_cycle_km_recovers_the_realised_median(big):
    o = big.opportunities
    at = pd.Timestamp(big.truth["window"]["end_exclusive"]) - pd.Timedelta(days=200)
    sc = funnel.sales_cycle(o, at)
    cohort = o[o["created_ts"] < at]
    assert (cohort["outcome"] != "open").all()  # every fate known by the end of the data
    real = ((cohort["closed_ts"] - cohort["created_ts"]).dt.total_seconds() / 86_400).median()
    km, naive = sc.attrs["median_days"], sc.attrs["naive_median_days"]
    assert km == pytest.approx(real, rel=0.05)
    assert abs(km - real) < abs(naive - real)


def test_rep_shrinkage_ranks_closer_to_planted_skill():
    cfg = {"n_reps": 20, "rep_workload_spread": 1.5, "opp_customer_share": 0.3}
    rows = []
    for seed in range(6):
        crm = synth.simulate_crm(1500, START, END, seed=seed, **cfg)
        skill = pd.Series(crm.truth["funnel_detail"]["rep_skill_logit"])
        plain = funnel.rep_shrinkage(crm.opportunities)
        adj = funnel.rep_shrinkage(crm.opportunities, adjust_for="lead_source")
        rows.append([stats.spearmanr(plain["raw_win_rate"], skill[plain.index])[0],
                     stats.spearmanr(plain["shrunk_win_rate"], skill[plain.index])[0],
                     stats.spearmanr(adj["adjusted_win_rate"], skill[adj.index])[0]])
    raw, shrunk, adjusted = np.array(rows).T
    assert (shrunk > raw).all(), rows
    assert adjusted.mean() > shrunk.mean() > raw.mean() + 0.05, rows


def test_mix_adjustment_sees_the_planted_lead_source_tilt(big):
    # weaker reps were given more of the well-converting sources: their expected rate is higher
    t = funnel.rep_shrinkage(big.opportunities, adjust_for="lead_source")
    mix = big.truth["funnel_detail"]["rep_lead_source_mix"]
    assert mix["R01"]["referral"] > mix["R08"]["referral"]
    assert t.loc["R01", "expected_win_rate"] > t.attrs["m"] > t.loc["R08", "expected_win_rate"]


def test_pipeline_forecast_is_calibrated_on_its_own_deals(big):
    end = pd.Timestamp(big.truth["window"]["end_exclusive"])
    dates = pd.date_range("2010-06-01", end - pd.Timedelta(days=56), freq="MS")
    bt = funnel.pipeline_backtest(big.opportunities, dates, 56, end)
    assert bt["predicted_amt"].sum() == pytest.approx(bt["actual_pipeline_amt"].sum(), rel=0.10)
    # what the scores say is computed from the table (the winner is reported, not assumed)
    err = (bt["baseline_amt"] - bt["actual_amt"]).abs().mean()
    assert bt.attrs["scores"]["baseline"]["mae"] == pytest.approx(err)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"lead_source_shares": (1.0, 1.0)}, "LEAD_SOURCES|web"),
    ({"opp_channel_betas": (0.0,)}, "inside_sales"),
    ({"stage_median_days": (5.0, 5.0, 5.0, 40.0)}, "stage_median_days"),
    ({"stage_duration_sigma": 0.0}, "stage_duration_sigma"),
])
def test_generator_rejects_bad_funnel_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synth.simulate_crm(10, START, END, seed=1, **kwargs)

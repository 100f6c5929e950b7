"""Computed readings: every branch on hand-made numbers."""

import pandas as pd
import pytest

from helpers.results import readings

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_weekday_closed_and_quiet_days():
    # Sat: 5 of 1,005 = 0.50% of revenue (< 1%): quiet; Sun: 0: closed
    rev = pd.Series([200.0, 200, 200, 200, 200, 5, 0], index=DAYS)
    text = readings.weekday_sentence(rev, quiet_share=0.01)
    assert text.startswith("No sales at all on Sun.")
    assert "Almost none on Sat (0.50% of revenue)" in text


def test_weekday_open_every_day_and_nothing_quiet():
    rev = pd.Series([1.0] * 7, index=DAYS)  # each 14.3%
    assert readings.weekday_sentence(rev, 0.01) == "Sales on every weekday."
    # the threshold decides: at 20% every day is "almost none"
    assert readings.weekday_sentence(rev, 0.2).count("%") == 8


def test_weekday_rejects_empty():
    with pytest.raises(ValueError, match="weekday_revenue"):
        readings.weekday_sentence(pd.Series([0.0] * 7, index=DAYS))


def _probs(back):
    st = ["active", "at-risk", "churned"]
    p = pd.DataFrame([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [back, 0.0, 1 - back]], index=st, columns=st)
    return p


def test_steady_state_acquisition_sustains_the_base():
    # settles at 10% active against 40% today: below half of today's share
    steady = pd.Series({"active": 0.10, "at-risk": 0.05, "churned": 0.85})
    text = readings.steady_state_sentence(_probs(0.02), steady, active_now=0.40)
    assert "2.0% of churned customers return" in text
    assert "from 40% today to 10%" in text and "85% churned" in text
    assert "acquisition sustains most of the active base" in text


def test_steady_state_returners_keep_the_base():
    # settles at 28% active against 40% today: at least half of today's share
    steady = pd.Series({"active": 0.28, "at-risk": 0.12, "churned": 0.60})
    text = readings.steady_state_sentence(_probs(0.084), steady, active_now=0.40)
    assert "8.4% of churned customers return" in text
    assert "acquisition adds to the base rather than sustaining it" in text


def test_steady_state_boundary_exactly_half_is_not_below_half():
    steady = pd.Series({"active": 0.20, "churned": 0.80})
    text = readings.steady_state_sentence(_probs(0.05), steady, active_now=0.40)
    assert "adds to the base" in text


def test_steady_state_rejects_bad_input():
    with pytest.raises(ValueError, match="'churned' missing"):
        readings.steady_state_sentence(_probs(0.1).drop(index="churned"), pd.Series(dtype=float), 0.3)
    with pytest.raises(ValueError, match="active_now=1.5"):
        readings.steady_state_sentence(_probs(0.1), pd.Series({"active": 0.3}), 1.5)


def test_tie_sentence_names_the_worst_measure_or_says_none():
    ties = pd.DataFrame({"customers_split": [10, 550, 0], "share_split": [0.01, 0.55, 0.0]},
                        index=pd.Index(["recency_days", "frequency", "monetary_amt"], name="measure"))
    assert readings.tie_sentence(ties).startswith("`frequency` is the measure most affected: 55%")
    none = ties.assign(customers_split=0, share_split=0.0)
    assert readings.tie_sentence(none).startswith("No customer shares")
    with pytest.raises(ValueError, match="share_split"):
        readings.tie_sentence(pd.DataFrame())


def _shares(f):
    idx = pd.Index([1, 2, 3, 4, 5], name="score")
    return pd.DataFrame({"r_score": [0.2] * 5, "f_score": f, "m_score": [0.2] * 5}, index=idx)


def test_score_groups_sentence_unequal_and_equal():
    text = readings.score_groups_sentence(_shares([0.55, 0.0, 0.15, 0.15, 0.15]))
    assert text.startswith("Ties make the frequency groups unequal: 55% of customers share score 1")
    assert "equal groups would hold 20% each) and score 2 is empty." in text
    eq = readings.score_groups_sentence(_shares([0.2] * 5))
    assert eq.startswith("The score groups are close to equal (the largest holds 20%")
    # just above the 1.5/n = 30% line is called out, at it not
    assert readings.score_groups_sentence(_shares([0.31, 0.19, 0.2, 0.15, 0.15])).startswith("Ties make")
    assert readings.score_groups_sentence(_shares([0.30, 0.2, 0.2, 0.15, 0.15])).startswith("The score")


def test_agreement_sentence_branches():
    a = {"ari_rfm_k_groups_vs_clusters": 0.72, "k": 3, "separation_segments": 0.80,
         "separation_clusters": 0.60}
    t = readings.agreement_sentence(a)
    assert "(3 groups of the RFM total score against the 3 clusters) the two largely agree (adjusted Rand 0.72)" in t
    assert "the segments separate customer value better than the clusters (80% and 60%" in t
    t2 = readings.agreement_sentence({**a, "ari_rfm_k_groups_vs_clusters": 0.1, "separation_clusters": 0.9})
    assert "agree little" in t2 and "the clusters separate customer value better" in t2
    t3 = readings.agreement_sentence({**a, "ari_rfm_k_groups_vs_clusters": 0.3, "separation_clusters": 0.78})
    assert "partly agree" in t3 and "about equally well" in t3
    with pytest.raises(ValueError, match="'k'"):
        readings.agreement_sentence({"ari_rfm_k_groups_vs_clusters": 0.1})


def _check(pot=(0.35, 0.32, 0.38), lost=(0.17, 0.14, 0.2), factor=(0.7, 0.6, 0.8), applied=True,
           window=180.0):
    g = lambda v, n: {"customers": n, "bought_share": v[0], "ci_low": v[1], "ci_high": v[2]}  # noqa: E731
    return {"window_days": window, "holdout": "26 weeks", "potential": g(pot, 900),
            "lost": g(lost, 700), "applied": applied,
            "factor": None if factor is None else
            {"value": factor[0], "ci_low": factor[1], "ci_high": factor[2],
             "predicted": 1000.0, "actual": 1000.0 * factor[0]}}


def test_lost_check_sentence_branches() -> None:
    sep = readings.lost_check_sentence(_check())
    assert "180 days" in sep and "35.0% bought again" in sep and "17.0% (14.0%–20.0%)" in sep
    assert "clearly less often" in sep and "multiplied by 0.70" in sep
    mixed = readings.lost_check_sentence(_check(lost=(0.3, 0.25, 0.33), factor=(0.95, 0.8, 1.1),
                                                applied=False))
    assert "do not differ clearly" in mixed and "left as the model predicts" in mixed
    nopred = readings.lost_check_sentence(_check(factor=None, applied=False))
    assert "their CLV is unchanged" in nopred
    nowin = readings.lost_check_sentence(_check(window=None))
    assert nowin.startswith("Too few customers")
    empty = _check()
    empty["lost"]["customers"] = 0
    assert "could not be compared" in readings.lost_check_sentence(empty)
    assert len({sep, mixed, nopred, nowin}) == 4


def _ret(n=120, cost=0.0, net=None, be=None, s=0.1):
    gain = 50_000.0
    return {"n_customers": n, "clv_status_quo_amt": 20_000.0, "gain_if_all_retained_amt": gain,
            "expected_gain_amt": s * gain, "contact_cost_amt": cost,
            "net_gain_amt": s * gain - cost if net is None else net,
            "break_even_success_rate": be, "slipping_below": 0.5, "success_rate": s,
            "contact_cost": cost / max(n, 1)}


def test_retention_sentence_branches() -> None:
    free = readings.retention_sentence(_ret(), "GBP", "12-month")
    assert "120 active repeat buyers" in free and "£50,000" in free and "£5,000" in free
    assert "no contact cost counted" in free
    pays = readings.retention_sentence(_ret(cost=1_200.0, be=0.024), "GBP", "12-month")
    assert "net £3,800" in pays and "more than 2.4% of them" in pays and "it does not" not in pays
    loses = readings.retention_sentence(_ret(cost=6_000.0, be=0.12), "GBP", "12-month")
    assert "net -£1,000" in loses or "net −£1,000" in loses or "-1,000" in loses
    assert "at the assumed rate it does not" in loses
    never = readings.retention_sentence(_ret(cost=60_000.0, be=1.2), "GBP", "12-month")
    assert "would not cover the contact costs" in never
    nobody = readings.retention_sentence(_ret(n=0), "GBP", "12-month")
    assert "nobody to retain" in nobody
    assert len({free, pays, loses, never, nobody}) == 5


# ------------------------------------------------------------------ sales funnel (issue 20)
def _conv(rates, lows, highs, resolved=(100, 50, 30, 20)):
    stages = ["lead", "qualified", "proposal", "negotiation"][: len(rates)]
    p = pd.Series(rates, index=stages)
    return pd.DataFrame({"resolved": list(resolved)[: len(rates)], "pass_rate": rates,
                         "pass_low": lows, "pass_high": highs,
                         "p_win_from_stage": p[::-1].cumprod()[::-1].to_numpy()}, index=stages)


def test_stage_leak_clear_overlapping_and_alone():
    # qualified 0.2 (0.1-0.3) lies below lead 0.6 (0.5-0.7) and proposal 0.5 (0.4-0.6)
    c = _conv([0.6, 0.2, 0.5], [0.5, 0.1, 0.4], [0.7, 0.3, 0.6])
    text = readings.stage_leak_sentence(c)
    assert text.startswith("Of the leads whose fate is known, 6.0% are won.")  # .6 * .2 * .5
    assert "weakest step is qualified → proposal: 20.0% pass (95% CI 10.0%–30.0%, 50 deals)" in text
    assert text.endswith("this is where the funnel leaks.")
    # proposal's low end 0.25 reaches below qualified's high end 0.3: overlap
    text = readings.stage_leak_sentence(_conv([0.6, 0.2, 0.5], [0.5, 0.1, 0.25], [0.7, 0.3, 0.6]))
    assert "overlaps that of proposal → negotiation: the data do not single out" in text
    assert "lead →" not in text.split("overlaps")[1]
    # two overlapping steps are joined with "and"
    two = _conv([0.6, 0.2, 0.25], [0.25, 0.1, 0.2], [0.7, 0.3, 0.3])
    assert "overlaps that of lead → qualified and proposal → negotiation:" in (
        readings.stage_leak_sentence(two))
    # the last step is named with the stage after it, won
    text = readings.stage_leak_sentence(_conv([0.9, 0.8, 0.7, 0.1], [0.8] * 3 + [0.05],
                                              [0.95] * 3 + [0.2]))
    assert "weakest step is negotiation → won" in text
    alone = _conv([0.4, float("nan")], [0.3, float("nan")], [0.5, float("nan")], (10, 0))
    assert readings.stage_leak_sentence(alone).endswith("nothing to compare.")
    with pytest.raises(ValueError, match="known fate"):
        readings.stage_leak_sentence(_conv([0.5], [0.4], [0.6], (0,)))


def test_group_rates_clear_overlapping_single_and_empty():
    t = pd.DataFrame({"closed": [200, 240], "win_rate": [0.225, 0.054],
                      "win_low": [0.17, 0.03], "win_high": [0.29, 0.09]},
                     index=["referral", "outbound"])
    text = readings.group_rates_sentence(t, "lead source")
    assert text.startswith("By lead source, referral wins most often (22.5%, 95% CI 17.0%–29.0%, "
                           "200 closed) and outbound least (5.4%, 3.0%–9.0%, 240 closed).")
    assert text.endswith("the difference is not noise.")
    t.loc["outbound", "win_high"] = 0.17  # touches the best's low end: overlap
    assert readings.group_rates_sentence(t, "channel").endswith("are not told apart.")
    one = readings.group_rates_sentence(t.iloc[:1], "channel")
    assert one == "All closed deals share one channel (referral): win rate 22.5%, nothing to compare."
    with pytest.raises(ValueError, match="no channel"):
        readings.group_rates_sentence(t.iloc[:0], "channel")


def test_sales_cycle_censoring_branches():
    dur = pd.DataFrame({"median_days": [5.8, 10.1, 14.0, float("nan")]},
                       index=["lead", "qualified", "proposal", "negotiation"])
    cyc = {"median_days": 14.9, "naive_median_days": 13.6, "n": 1019, "n_closed": 920}
    text = readings.sales_cycle_sentence(cyc, dur)
    assert text.startswith("Half of the deals close (won or lost) within 15 days (Kaplan–Meier, "
                           "the 99 open deals censored")
    assert "Counting closed deals only would say 14 days" in text and "understates" in text
    assert text.endswith("The slowest stage is proposal (median 14 days).")
    same = readings.sales_cycle_sentence({**cyc, "naive_median_days": 15.2}, dur)
    assert "gives 15 days: the open deals do not shorten it here." in same
    unknown = readings.sales_cycle_sentence({**cyc, "median_days": float("inf")},
                                            dur.assign(median_days=float("nan")))
    assert unknown.startswith("Fewer than half of the 1,019 deals had closed")
    assert unknown.endswith("No stage has a median time yet.")
    assert readings.sales_cycle_sentence({**cyc, "median_days": float("nan")}, dur).startswith(
        "Fewer than half")


def test_rep_shrinkage_reranks_keeps_and_pools():
    shr = pd.DataFrame({"closed": [20, 200, 150], "raw_win_rate": [0.40, 0.25, 0.10],
                        "shrunk_win_rate": [0.22, 0.245, 0.105],
                        "adjusted_win_rate": [0.21, 0.24, 0.11], "rank": [2, 1, 3]},
                       index=["R1", "R2", "R3"])
    shr.attrs["kappa"] = 10.2
    text = readings.rep_shrinkage_sentence(shr)
    assert text.startswith("The spread between reps is worth a prior of 10 deals: the smallest "
                           "rep, R1 (20 closed deals), moves from 40.0% raw to 22.0% shrunk; "
                           "the largest, R2 (200), from 25.0% to 24.5%. ")
    assert text.endswith("Raw, R1 looks best; after shrinkage and the mix adjustment R2 ranks "
                         "first and R1 ranks 2.")
    kept = shr.assign(rank=[1, 2, 3])
    kept.attrs["kappa"] = 10.2
    assert readings.rep_shrinkage_sentence(kept).endswith(
        "R1 is best both raw and after shrinkage and the mix adjustment.")
    one = shr.assign(closed=[20, 20, 20])  # all the same size: smallest and largest coincide
    one.attrs["kappa"] = 10.2
    assert "22.0% shrunk. Raw, R1 looks best" in readings.rep_shrinkage_sentence(one)
    shr.attrs["kappa"] = float("inf")
    assert "pulled all the way to the rate their lead mix predicts" in readings.rep_shrinkage_sentence(shr)
    assert "all the way to the rate of all reps," in readings.rep_shrinkage_sentence(shr, False)
    kept.attrs["kappa"] = 10.2
    assert readings.rep_shrinkage_sentence(kept, mix_adjusted=False).endswith(
        "R1 is best both raw and after shrinkage.")


@pytest.mark.parametrize(("diff", "ending"), [
    ({"mean": -3000.0, "low": -5000.0, "high": -100.0}, "The pipeline forecast wins: its errors are clearly smaller."),
    ({"mean": 3000.0, "low": 100.0, "high": 5000.0}, "The trailing baseline wins: the pipeline forecast's errors are clearly larger."),
    ({"mean": -3000.0, "low": -9000.0, "high": 2000.0}, "neither forecast is clearly better."),
])
def test_pipeline_backtest_winner(diff, ending):
    text = readings.pipeline_backtest_sentence(diff, 8950.2, 12409.7, 16, 56, "GBP")
    assert text.startswith("Over 16 monthly as-of dates with a 56-day horizon, the pipeline "
                           "forecast is off by £8,950 on average and the trailing baseline (the "
                           "last 56 days' wins repeated) by £12,410; paired difference")
    assert f"(95% CI {'-' if diff['low'] < 0 else ''}£{abs(diff['low']):,.0f} to" in text
    assert text.endswith(ending)


def test_recovery_all_some_and_empty():
    t = pd.DataFrame({"planted": [0.2, 0.1], "recovered": [0.21, 0.3], "within": [True, False]},
                     index=["web", "event"])
    text = readings.recovery_sentence(t, "win rate by lead source", "three standard errors")
    assert text == ("Synthetic check, win rate by lead source: 1 of 2 planted values recovered "
                    "within three standard errors; missed: event (planted 0.1, recovered 0.3).")
    assert readings.recovery_sentence(t.iloc[:1], "x", "10%").endswith(
        "1 of 1 planted values recovered within 10%.")
    with pytest.raises(ValueError, match="nothing to compare for x"):
        readings.recovery_sentence(t.iloc[:0], "x", "10%")


# ----------------------------------------------------------------------------- campaign targeting

def _uplift_metrics(beats, truth=None, objective="revenue_amt"):
    lo = 500.0 if beats else -1200.0
    d = {"winner": "uplift_value" if beats else "value_at_stake", "beats_reference": beats,
         "diff": 2500.0, "ci_low": lo, "ci_high": 6000.0, "objective": objective}
    if truth is not None:
        d.update(truth_diff=truth[0], truth_ci_low=truth[1], truth_ci_high=truth[2])
    return {"k": 624, "contact_budget": 0.2, "decision": d}


def test_campaign_targeting_uplift_adopted_and_confirmed():
    text = readings.campaign_targeting_sentence(True, _uplift_metrics(True, (900.0, 300.0, 1500.0)),
                                                "GBP")
    assert text == (
        "**Targeting the retention campaign.** Contact the 624 customers with the largest "
        "predicted uplift × value (20% of those eligible), not the largest value at stake: "
        "uplift × value minus value at stake, incremental revenue on this data's randomised "
        "campaign: +£2,500 (+£500 to +£6,000), an interval wholly above zero. The planted truth "
        "of the synthetic CRM puts the same difference at +£900 (+£300 to +£1,500): the "
        "decision agrees with the truth.")


def test_campaign_targeting_adopted_but_truth_disagrees():
    text = readings.campaign_targeting_sentence(
        True, _uplift_metrics(True, (-100.0, -400.0, 200.0)), "GBP")
    assert text.endswith("-£100 (-£400 to +£200): the decision adopts a gain the truth does not "
                         "confirm.")


def test_campaign_targeting_stays_and_misses_the_planted_gain():
    text = readings.campaign_targeting_sentence(
        True, _uplift_metrics(False, (19964.0, 16224.0, 25287.0)), "GBP")
    assert "Targeting stays by value at stake for the 624 contacts (20% of those eligible)" in text
    assert "+£2,500 (-£1,200 to +£6,000), an interval that does not exclude zero" in text
    assert text.endswith("the decision misses a gain the truth shows: this randomised test is "
                         "too small to confirm it, a cost the rule accepts to avoid deploying "
                         "noise.")


def test_campaign_targeting_stays_without_truth_in_purchasers():
    text = readings.campaign_targeting_sentence(
        True, _uplift_metrics(False, objective="purchasers"), "GBP")
    assert "incremental purchasers on this data's randomised campaign: +2,500.0 (-1,200.0 to " \
           "+6,000.0)" in text
    assert text.endswith("a larger randomised test would be needed to show its gain.")


def test_campaign_targeting_campaign_without_result():
    assert readings.campaign_targeting_sentence(True, None, "GBP", skipped="needs x") == (
        "**Targeting the retention campaign.** The data has a randomised campaign but no uplift "
        "result (notebook 05: needs x), so targeting stays by value at stake.")
    assert readings.campaign_targeting_sentence(True, {}, "GBP").endswith(
        "no uplift result, so targeting stays by value at stake.")


def test_campaign_targeting_no_campaign_with_and_without_evidence():
    bare = readings.campaign_targeting_sentence(False, None, "GBP")
    assert bare == ("**Targeting the retention campaign.** Targeting stays by value at stake: "
                    "this data has no randomised campaign, so nothing here shows whom a contact "
                    "changes. Targeting by uplift needs a randomised test with a control group "
                    "first.")
    ev = readings.campaign_targeting_sentence(False, None, "GBP",
                                              evidence=_uplift_metrics(False))
    assert ("On the synthetic CRM's randomised campaign uplift × value did not clearly beat "
            "value at stake (incremental revenue +£2,500, -£1,200 to +£6,000); that is evidence "
            "about a simulated shop: targeting this customer base by uplift needs a randomised "
            "test with a control group here first.") in ev
    ev2 = readings.campaign_targeting_sentence(
        False, None, "GBP", evidence=_uplift_metrics(True, objective="purchasers"))
    assert "uplift × value beat value at stake (incremental purchasers +2,500.0, +500.0 to " \
           "+6,000.0)" in ev2


# ------------------------------------------------------------- satisfaction and loyalty
def test_score_trend_sentence_rose_fell_and_held():
    t = {"slope_per_year": 0.2, "lo": 0.05, "hi": 0.35, "months": 24}
    assert readings.score_trend_sentence("csat", t) == (
        "Mean CSAT rose over the period (+0.20 points a year, interval +0.05 to +0.35, "
        "24 months).")
    t = {"slope_per_year": -0.2, "lo": -0.35, "hi": -0.05, "months": 24}
    assert readings.score_trend_sentence("nps", t).startswith("Mean NPS fell over the period")
    t = {"slope_per_year": 0.01, "lo": -0.1, "hi": 0.12, "months": 12}
    assert "no clear trend" in readings.score_trend_sentence("csat", t)


def test_driver_sentence_lower_higher_and_unclear():
    fit = pd.DataFrame({"coef": [-0.3, 0.2], "lo": [-0.4, 0.1], "hi": [-0.2, 0.3]},
                       index=["response_days", "complaints"])
    text = readings.driver_sentence("csat", fit)
    assert text == ("CSAT: each extra day of response time goes with 0.30 points lower "
                    "(interval -0.40 to -0.20); each complaint in the window before the survey "
                    "goes with 0.20 points higher (interval +0.10 to +0.30).")
    fit.loc["complaints"] = [-0.05, -0.2, 0.1]
    assert "each complaint in the window before the survey has no clear effect" in \
        readings.driver_sentence("csat", fit)


def _logit_table(unadj: float, adj: tuple[float, float, float]) -> pd.DataFrame:
    return pd.DataFrame({"odds_ratio": [unadj, adj[0]], "lo": [unadj * 0.9, adj[1]],
                         "hi": [unadj * 1.1, adj[2]]}, index=["unadjusted", "adjusted"])


def test_satisfaction_repeat_sentence_every_branch():
    text = readings.satisfaction_repeat_sentence(_logit_table(1.8, (1.6, 1.5, 1.7)))
    assert text.startswith("Customers with a higher CSAT were more likely to buy again "
                           "(odds ratio 1.60 per point, interval 1.50 to 1.70)")
    assert "unadjusted 1.80, so part of the raw link is frequency and recency" in text
    assert text.endswith("the adjustment removes only what frequency and recency capture.")
    text = readings.satisfaction_repeat_sentence(_logit_table(0.9, (0.7, 0.6, 0.8)))
    assert "less likely to buy again" in text and "unadjusted 0.90." in text  # not further from 1
    text = readings.satisfaction_repeat_sentence(_logit_table(1.3, (1.02, 0.9, 1.15)), "nps")
    assert text.startswith("After adjusting for frequency and recency, NPS shows no clear")


def test_loyalty_sentence_better_worse_and_unclear():
    a = {"auc": 0.74, "auc_frequency": 0.68, "diff": 0.06, "diff_lo": 0.05, "diff_hi": 0.075}
    assert readings.loyalty_sentence(a) == (
        "The loyalty index ranks next-window buyers with AUC 0.740, better than purchase "
        "frequency alone (0.680; difference +0.060, interval +0.050 to +0.075).")
    a = {**a, "diff": -0.03, "diff_lo": -0.05, "diff_hi": -0.01}
    assert readings.loyalty_sentence(a).endswith(": use frequency.")
    a = {**a, "diff": 0.0, "diff_lo": -0.01, "diff_hi": 0.01}
    assert "not clearly different from purchase frequency alone" in readings.loyalty_sentence(a)


def test_group_scores_sentence_separated_and_overlapping():
    t = pd.DataFrame({"mean": [4.1, 3.5, 3.8], "lo": [4.0, 3.4, 3.6], "hi": [4.2, 3.6, 4.0]},
                     index=["web", "trade_show", "email"])
    assert readings.group_scores_sentence(t, "csat", "acquisition_channel") == (
        "Mean CSAT by acquisition channel: highest web (4.10), lowest trade_show (3.50); "
        "their intervals do not overlap.")
    t.loc["trade_show", "hi"] = 4.05
    assert readings.group_scores_sentence(t, "csat", "acquisition_channel").endswith(
        "their intervals overlap, so the groups are not told apart.")
    with pytest.raises(ValueError, match="two or more"):
        readings.group_scores_sentence(t.head(1), "csat", "acquisition_channel")


def test_second_study_sentence_every_branch():
    assert "was not run here" in readings.second_study_sentence(["03: funnel"], False)
    assert readings.second_study_sentence([], True).startswith("Every finding here comes from")
    one = readings.second_study_sentence(["03_behaviour_lifecycle: funnel: stage conversion"], True)
    assert "one section ran only there (03_behaviour_lifecycle: funnel: stage conversion)" in one
    two = readings.second_study_sentence(["a: x", "b: y"], True)
    assert "2 sections ran only there (a: x; b: y)" in two and "simulated shop" in two

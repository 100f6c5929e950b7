"""Interpretive sentences computed from the numbers, one function per reading.

A notebook that interprets a result calls one of these instead of typing a sentence, so that
the reading changes when the data say something else. Each function returns plain Markdown text
and branches on the numbers; tests/unit/test_readings.py checks every branch on hand-made inputs.
"""

from __future__ import annotations

import pandas as pd

from helpers.money import fmt_money


def weekday_sentence(weekday_revenue: pd.Series, quiet_share: float = 0.01) -> str:
    """Which weekdays have no sales, or almost none.

    Parameters
    ----------
    weekday_revenue
        Revenue per weekday (index: weekday names, all seven), in the data's currency.
    quiet_share
        A weekday with some sales but less than this share of revenue is called almost without
        sales (0..1).
    """
    if weekday_revenue.empty or float(weekday_revenue.sum()) <= 0:
        raise ValueError("weekday_sentence: weekday_revenue is empty or sums to zero")
    share = weekday_revenue / weekday_revenue.sum()
    closed = [str(d) for d, v in weekday_revenue.items() if v == 0]
    quiet = [(str(d), float(s)) for d, s in share.items() if 0 < s < quiet_share]
    text = f"No sales at all on {', '.join(closed)}." if closed else "Sales on every weekday."
    if quiet:
        days = ", ".join(f"{d} ({100 * s:.2f}% of revenue)" for d, s in quiet)
        text += f" Almost none on {days}, below {100 * quiet_share:g}% of revenue."
    return text


def steady_state_sentence(probs: pd.DataFrame, steady: pd.Series, active_now: float) -> str:
    """What the stage flows imply for the active base without new customers.

    Parameters
    ----------
    probs
        Row-normalised transition probabilities between stages (rows: from, columns: to) with
        at least the stages ``active`` and ``churned``.
    steady
        Stationary distribution of ``probs`` (shares summing to 1).
    active_now
        Share of acquired customers active at the last snapshot (0..1).

    The reading compares the active share the flows would sustain with no acquisition with
    today's: if it falls below half of today's, acquisition sustains most of the active base;
    otherwise returning customers alone keep most of it.
    """
    for s in ("active", "churned"):
        if s not in probs.index or s not in probs.columns:
            raise ValueError(f"steady_state_sentence: stage {s!r} missing from the transition table")
    if not 0 <= active_now <= 1:
        raise ValueError(f"steady_state_sentence: active_now={active_now} must be a share in 0..1")
    back = float(probs.loc["churned", "active"])
    settle = float(steady.get("active", 0.0))
    text = (
        f"Each period {100 * back:.1f}% of churned customers return to active. If the flows held "
        f"and nobody new arrived, the active share would move from {100 * active_now:.0f}% today "
        f"to {100 * settle:.0f}% (with {100 * float(steady.get('churned', 0.0)):.0f}% churned): "
    )
    if active_now > 0 and settle < 0.5 * active_now:
        return text + ("returning customers alone would keep less than half of today's active "
                       "share, so acquisition sustains most of the active base.")
    return text + ("returning customers alone would keep at least half of today's active share; "
                   "acquisition adds to the base rather than sustaining it.")


def tie_sentence(ties: pd.DataFrame) -> str:
    """Which RFM measure has most customers whose raw value is shared across score levels.

    ``ties`` is :func:`helpers.value.rfm.tie_report` (index: measure; ``customers_split``,
    ``share_split``).
    """
    if ties.empty or "share_split" not in ties.columns:
        raise ValueError("tie_sentence: needs rfm.tie_report's table with a share_split column")
    if float(ties["share_split"].max()) == 0:
        return "No customer shares a raw value with someone given a different score."
    top = ties["share_split"].idxmax()
    return (f"`{top}` is the measure most affected: {100 * float(ties.loc[top, 'share_split']):.0f}% "
            "of customers share its value with someone in another score level.")


def score_groups_sentence(shares: pd.DataFrame) -> str:
    """How unequal the RFM score groups are once tied values share a score.

    ``shares`` is :func:`helpers.value.rfm.score_shares` (rows: score 1..n, columns r/f/m_score).
    A group holding more than 1.5 times the equal share (1/n) is called out.
    """
    if shares.empty:
        raise ValueError("score_groups_sentence: needs rfm.score_shares' table")
    n = len(shares.index)
    col = shares.max().idxmax()
    level, top = int(shares[col].idxmax()), float(shares[col].max())
    name = {"r_score": "recency", "f_score": "frequency", "m_score": "monetary value"}.get(col, col)
    if top > 1.5 / n:
        empty = [int(s) for s, v in shares[col].items() if v == 0]
        return (f"Ties make the {name} groups unequal: {100 * top:.0f}% of customers share score "
                f"{level} (equal groups would hold {100 / n:.0f}% each)"
                + (f" and score {', '.join(map(str, empty))} is empty." if empty else ".")
                + " Tied customers always get the same score, so the segments do not depend on row order or a seed.")
    return (f"The score groups are close to equal (the largest holds {100 * top:.0f}%, against "
            f"{100 / n:.0f}% for equal groups); tied customers share a score.")


def agreement_sentence(a: dict) -> str:
    """How RFM segments and k-means clusters relate, from
    :func:`helpers.value.segments.segment_cluster_agreement`."""
    for key in ("ari_rfm_k_groups_vs_clusters", "k", "separation_segments", "separation_clusters"):
        if key not in a:
            raise ValueError(f"agreement_sentence: missing {key!r}")
    ari = float(a["ari_rfm_k_groups_vs_clusters"])
    level = "largely agree" if ari >= 0.6 else "partly agree" if ari >= 0.3 else "agree little"
    seg, clu = float(a["separation_segments"]), float(a["separation_clusters"])
    if seg > clu + 0.05:
        value = "the segments separate customer value better than the clusters"
    elif clu > seg + 0.05:
        value = "the clusters separate customer value better than the segments"
    else:
        value = "segments and clusters separate customer value about equally well"
    return (f"At equal granularity ({a['k']} groups of the RFM total score against the {a['k']} "
            f"clusters) the two {level} (adjusted Rand {ari:.2f}); {value} "
            f"({100 * seg:.0f}% and {100 * clu:.0f}% of the variance of log customer revenue lies "
            "between the groups).")


def lost_check_sentence(check: dict) -> str:
    """Does "lost" mean what it says? Notebook 04's check of the one-time-buyer split, in words.

    ``check`` has ``window_days`` (at the calibration cutoff; None when there was none),
    ``holdout`` (e.g. "26 weeks"), ``potential`` and ``lost`` (each ``customers``,
    ``bought_share``, ``ci_low``, ``ci_high``: Wilson 95% interval of the share who bought in
    the holdout), and ``factor`` (``value``, ``ci_low``, ``ci_high``, ``predicted``,
    ``actual``: repeat purchases of the lost group, or None) and ``applied`` (bool). Branches on
    whether the groups separate and whether the CLV of lost customers is rescaled.
    """
    if check.get("window_days") is None:
        return ("Too few customers had a second order at the calibration cutoff to measure a "
                "repurchase window, so the split of one-time buyers could not be checked.")
    pot, lost = check["potential"], check["lost"]
    text = (f"At the calibration cutoff the repurchase window was {check['window_days']:,.0f} "
            f"days. ")
    if not lost["customers"] or not pot["customers"]:
        return text + ("Either no one-time buyer was within it or none was past it, so the two "
                       "groups could not be compared.")
    text += (f"Of the {pot['customers']:,} one-time buyers then within it, "
             f"{pot['bought_share']:.1%} bought again in the {check['holdout']} holdout (95% CI "
             f"{pot['ci_low']:.1%}–{pot['ci_high']:.1%}); of the {lost['customers']:,} past it, "
             f"{lost['bought_share']:.1%} ({lost['ci_low']:.1%}–{lost['ci_high']:.1%}). ")
    if lost["ci_high"] < pot["ci_low"]:
        text += "Lapsed one-time buyers come back clearly less often. "
    else:
        text += ("The two groups do not differ clearly: on this data the window does not "
                 "separate them. ")
    f = check.get("factor")
    if f is None:
        return text + "BG/NBD predicted no purchase for the lapsed group: their CLV is unchanged."
    text += (f"BG/NBD predicted {f['predicted']:,.0f} repeat purchases for them and "
             f"{f['actual']:,.0f} came (ratio {f['value']:.2f}, 95% CI {f['ci_low']:.2f}–"
             f"{f['ci_high']:.2f}): ")
    if check["applied"]:
        return text + f"the CLV of lost customers is multiplied by {f['value']:.2f}."
    return text + "the interval includes 1, so their CLV is left as the model predicts."


def retention_sentence(ret: dict, currency: str, horizon_text: str) -> str:
    """The case study's retention action from :func:`helpers.value.actions.retention_value`.

    Branches on whether anyone is slipping, whether contact costs are counted and whether the
    campaign pays at the assumed success rate.
    """
    def amt(v: float) -> str:
        return fmt_money(v, currency, ",.0f")

    n = int(ret["n_customers"])
    head = "1. **Retention campaign for slipping repeat buyers.** "
    if n == 0:
        return head + (f"No active repeat buyer has P(alive) below {ret['slipping_below']:.0%}: "
                       "there is nobody to retain now.")
    text = (head + f"{n:,} active repeat buyers have P(alive) below {ret['slipping_below']:.0%}. "
            f"Their status-quo {horizon_text} CLV of {amt(ret['clv_status_quo_amt'])} already "
            f"assumes most of them are gone; retaining all of them would add "
            f"{amt(ret['gain_if_all_retained_amt'])}. What a campaign adds depends on how many it "
            f"brings back, which this study does not measure: at an assumed "
            f"{ret['success_rate']:.0%}, {amt(ret['expected_gain_amt'])}")
    if ret["contact_cost_amt"] > 0:
        text += (f", minus {amt(ret['contact_cost_amt'])} of contact costs: net "
                 f"{amt(ret['net_gain_amt'])}. ")
        be = ret["break_even_success_rate"]
        text += (f"It pays if more than {be:.1%} of them come back"
                 + ("" if ret["net_gain_amt"] > 0 else "; at the assumed rate it does not")
                 + ". " if be is not None and be <= 1 else
                 "Even retaining all of them would not cover the contact costs. ")
    else:
        text += " (no contact cost counted). "
    return text + ("Contact the largest gains first and hold out a random control group to "
                   "measure the real rate.")


# ------------------------------------------------------------------ sales funnel (issue 20)
def stage_leak_sentence(conv: pd.DataFrame) -> str:
    """Which funnel step loses most deals, from :func:`helpers.analysis.funnel.stage_conversion`
    (``pass_rate``, ``pass_low``, ``pass_high``, ``resolved``, ``p_win_from_stage``; index:
    stage).

    The step with the lowest pass rate is called *the* leak only when its interval lies wholly
    below every other step's; otherwise the data do not single one out.
    """
    c = conv[conv["resolved"] > 0]
    if c.empty:
        raise ValueError("stage_leak_sentence: no stage has a deal with a known fate")
    from helpers.data.schema import FUNNEL_STAGES

    worst = str(c["pass_rate"].idxmin())

    def step(s: str) -> str:
        return f"{s} → {FUNNEL_STAGES[FUNNEL_STAGES.index(s) + 1]}"

    w = c.loc[worst]
    text = (f"Of the leads whose fate is known, {c['p_win_from_stage'].iloc[0]:.1%} are won. "
            f"The weakest step is {step(worst)}: {w['pass_rate']:.1%} pass (95% CI "
            f"{w['pass_low']:.1%}–{w['pass_high']:.1%}, {int(w['resolved']):,} deals). ")
    others = c.drop(index=worst)
    if others.empty:
        return text + "It is the only step with resolved deals, so there is nothing to compare."
    close = others[others["pass_low"] <= w["pass_high"]]
    if close.empty:
        return text + "Its interval lies below every other step's: this is where the funnel leaks."
    names = [step(str(s)) for s in close.index]
    both = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return text + f"Its interval overlaps that of {both}: the data do not single out one leaking step."


def group_rates_sentence(table: pd.DataFrame, what: str) -> str:
    """Best against worst group in :func:`helpers.analysis.funnel.win_rate_by` (sorted best
    first; ``closed``, ``win_rate``, ``win_low``, ``win_high``); ``what`` names the grouping
    (e.g. ``"lead source"``). Clearly different only when the intervals do not overlap."""
    if table.empty:
        raise ValueError(f"group_rates_sentence: no {what} with closed deals")
    best, worst = table.iloc[0], table.iloc[-1]
    if len(table) == 1:
        return (f"All closed deals share one {what} ({table.index[0]}): win rate "
                f"{best['win_rate']:.1%}, nothing to compare.")
    text = (f"By {what}, {table.index[0]} wins most often ({best['win_rate']:.1%}, 95% CI "
            f"{best['win_low']:.1%}–{best['win_high']:.1%}, {int(best['closed']):,} closed) and "
            f"{table.index[-1]} least ({worst['win_rate']:.1%}, {worst['win_low']:.1%}–"
            f"{worst['win_high']:.1%}, {int(worst['closed']):,} closed). ")
    if best["win_low"] > worst["win_high"]:
        return text + "The intervals do not overlap: the difference is not noise."
    return text + "The intervals overlap: on this many deals the two are not told apart."


def sales_cycle_sentence(cycle: dict, durations: pd.DataFrame) -> str:
    """Sales-cycle length from :func:`helpers.analysis.funnel.sales_cycle` ``attrs``
    (``median_days``, ``naive_median_days``, ``n``, ``n_closed``) and the slowest stage from
    :func:`helpers.analysis.funnel.stage_durations` (``median_days``)."""
    n_open = int(cycle["n"]) - int(cycle["n_closed"])
    km, naive = cycle["median_days"], cycle["naive_median_days"]
    if not pd.notna(km) or km == float("inf"):
        text = (f"Fewer than half of the {int(cycle['n']):,} deals had closed by the as-of date, "
                "so the median sales cycle is not yet known. ")
    else:
        text = (f"Half of the deals close (won or lost) within {km:.0f} days (Kaplan–Meier, the "
                f"{n_open:,} open deals censored at the as-of date). ")
        if pd.notna(naive) and naive < km:
            text += (f"Counting closed deals only would say {naive:.0f} days: it leaves out the "
                     "slow deals still open and understates the cycle. ")
        elif pd.notna(naive):
            text += (f"Counting closed deals only gives {naive:.0f} days: the open deals do not "
                     "shorten it here. ")
    d = durations["median_days"].dropna()
    if d.empty:
        return text + "No stage has a median time yet."
    return text + f"The slowest stage is {d.idxmax()} (median {d.max():.0f} days)."


def rep_shrinkage_sentence(shr: pd.DataFrame, mix_adjusted: bool = True) -> str:
    """What empirical-Bayes shrinkage does to the rep ranking, from
    :func:`helpers.analysis.funnel.rep_shrinkage` (``closed``, ``raw_win_rate``,
    ``shrunk_win_rate``, ``adjusted_win_rate``, ``rank``; ``attrs["kappa"]``);
    ``mix_adjusted``: whether it was adjusted for the lead-source mix."""
    after = "after shrinkage and the mix adjustment" if mix_adjusted else "after shrinkage"
    kappa = float(shr.attrs["kappa"])
    small = shr["closed"].idxmin()
    s = shr.loc[small]
    if kappa == float("inf"):
        return ("The win rates of the reps differ no more than chance would make them: every rep "
                "is pulled all the way to the rate "
                + ("their lead mix predicts" if mix_adjusted else "of all reps")
                + ", and no rep is ranked above another.")
    text = (f"The spread between reps is worth a prior of {kappa:.0f} deals: the smallest rep, "
            f"{small} ({int(s['closed']):,} closed deals), moves from {s['raw_win_rate']:.1%} raw "
            f"to {s['shrunk_win_rate']:.1%} shrunk")
    big = shr["closed"].idxmax()
    b = shr.loc[big]
    text += (f"; the largest, {big} ({int(b['closed']):,}), from {b['raw_win_rate']:.1%} to "
             f"{b['shrunk_win_rate']:.1%}. ") if big != small else ". "
    top_raw = shr["raw_win_rate"].idxmax()
    top = shr["rank"].idxmin()
    if top_raw == top:
        return text + f"{top} is best both raw and {after}."
    return text + (f"Raw, {top_raw} looks best; {after} {top} ranks first and {top_raw} ranks "
                   f"{int(shr.loc[top_raw, 'rank'])}.")


def pipeline_backtest_sentence(diff: dict, mae: float, mae_baseline: float, n_dates: int,
                               horizon_days: int, currency: str, what: str = "pipeline") -> str:
    """Which forecast wins the backtest: ``diff`` is the paired difference of absolute errors
    (forecast minus trailing baseline; ``mean``, ``low``, ``high``, negative = forecast better),
    ``mae`` / ``mae_baseline`` the mean absolute errors over ``n_dates`` as-of dates."""
    text = (f"Over {n_dates} monthly as-of dates with a {horizon_days}-day horizon, the "
            f"{what} forecast is off by {fmt_money(mae, currency)} on average and the trailing "
            f"baseline (the last {horizon_days} days' wins repeated) by "
            f"{fmt_money(mae_baseline, currency)}; paired difference "
            f"{fmt_money(diff['mean'], currency)} (95% CI {fmt_money(diff['low'], currency)} to "
            f"{fmt_money(diff['high'], currency)}). ")
    if diff["high"] < 0:
        return text + f"The {what} forecast wins: its errors are clearly smaller."
    if diff["low"] > 0:
        return text + f"The trailing baseline wins: the {what} forecast's errors are clearly larger."
    return text + ("The interval includes zero: on this many dates neither forecast is clearly "
                   "better.")


def recovery_sentence(table: pd.DataFrame, what: str, tolerance: str) -> str:
    """How many planted values were recovered: ``table`` has ``planted``, ``recovered`` and
    ``within`` (bool: inside the tolerance) per item; ``tolerance`` states it in words."""
    if table.empty:
        raise ValueError(f"recovery_sentence: nothing to compare for {what}")
    ok = table["within"].astype(bool)
    text = f"Synthetic check, {what}: {int(ok.sum())} of {len(table)} planted values recovered "
    text += f"within {tolerance}"
    if ok.all():
        return text + "."
    miss = ", ".join(f"{i} (planted {r['planted']:.3g}, recovered {r['recovered']:.3g})"
                     for i, r in table[~ok].iterrows())
    return text + f"; missed: {miss}."


def _signed_money(v: float, currency: str) -> str:
    return ("+" if v >= 0 else "-") + fmt_money(abs(v), currency, ",.0f")


def campaign_targeting_sentence(has_campaign: bool, uplift: dict | None, currency: str,
                                evidence: dict | None = None, skipped: str | None = None) -> str:
    """Whom the case study's retention campaign contacts, and on what evidence.

    Parameters
    ----------
    has_campaign
        The data's ``campaign`` capability (a randomised campaign table).
    uplift
        Notebook 05's ``uplift`` metrics of this data (with ``decision`` from
        :func:`helpers.models.uplift.choose_targeting`, ``k`` and ``contact_budget``), or None.
    currency
        ISO code of the amounts.
    evidence
        Another study's ``uplift`` metrics (e.g. the synthetic CRM's), quoted when this data has
        no randomised campaign; None when there is none.
    skipped
        Why notebook 05 skipped the section on this data, when it did.
    """
    head = "**Targeting the retention campaign.** "
    if has_campaign and uplift and "decision" in uplift:
        d = uplift["decision"]
        what = "incremental revenue" if d.get("objective") == "revenue_amt" else \
            "incremental purchasers"

        def num(v: float) -> str:
            return _signed_money(v, currency) if d.get("objective") == "revenue_amt" \
                else f"{v:+,.1f}"

        gap = (f"uplift × value minus value at stake, {what} on this data's randomised campaign: "
               f"{num(d['diff'])} ({num(d['ci_low'])} to {num(d['ci_high'])})")
        if d["beats_reference"]:
            text = (head + f"Contact the {int(uplift['k']):,} customers with the largest "
                    f"predicted uplift × value ({uplift['contact_budget']:.0%} of those eligible), "
                    f"not the largest value at stake: {gap}, an interval wholly above zero.")
        else:
            text = (head + f"Targeting stays by value at stake for the {int(uplift['k']):,} "
                    f"contacts ({uplift['contact_budget']:.0%} of those eligible): {gap}, an "
                    "interval that does not exclude zero, so the uplift model is not deployed; a "
                    "larger randomised test would be needed to show its gain.")
        if "truth_diff" in d:
            right = (d["truth_ci_low"] > 0) == d["beats_reference"]
            text += (f" The planted truth of the synthetic CRM puts the same difference at "
                     f"{num(d['truth_diff'])} ({num(d['truth_ci_low'])} to "
                     f"{num(d['truth_ci_high'])}): the decision "
                     + ("agrees with the truth." if right else
                        "adopts a gain the truth does not confirm." if d["beats_reference"] else
                        "misses a gain the truth shows: this randomised test is too small to "
                        "confirm it, a cost the rule accepts to avoid deploying noise."))
        return text
    if has_campaign:
        why = f" (notebook 05: {skipped})" if skipped else ""
        return (head + "The data has a randomised campaign but no uplift result" + why
                + ", so targeting stays by value at stake.")
    text = (head + "Targeting stays by value at stake: this data has no randomised campaign, so "
            "nothing here shows whom a contact changes.")
    if evidence and "decision" in evidence:
        d = evidence["decision"]
        if d.get("objective") == "revenue_amt":
            vals = [_signed_money(d[k], currency) for k in ("diff", "ci_low", "ci_high")]
            what = "incremental revenue"
        else:
            vals = [f"{d[k]:+,.1f}" for k in ("diff", "ci_low", "ci_high")]
            what = "incremental purchasers"
        text += (" On the synthetic CRM's randomised campaign uplift × value "
                 + ("beat" if d["beats_reference"] else "did not clearly beat")
                 + f" value at stake ({what} {vals[0]}, {vals[1]} to {vals[2]}); that is "
                 "evidence about a simulated shop: targeting this customer base by uplift needs "
                 "a randomised test with a control group here first.")
    else:
        text += " Targeting by uplift needs a randomised test with a control group first."
    return text


# ---------------------------------------------------------------- satisfaction and loyalty
def score_trend_sentence(score: str, trend: dict) -> str:
    """Whether the monthly mean ``score`` rose, fell or held (``trend`` from
    :func:`helpers.analysis.satisfaction.score_trend`: the interval of the slope decides)."""
    s, lo, hi = trend["slope_per_year"], trend["lo"], trend["hi"]
    span = f"({s:+.2f} points a year, interval {lo:+.2f} to {hi:+.2f}, {trend['months']} months)"
    if lo > 0:
        return f"Mean {score.upper()} rose over the period {span}."
    if hi < 0:
        return f"Mean {score.upper()} fell over the period {span}."
    return f"Mean {score.upper()} shows no clear trend over the period {span}."


def driver_sentence(score: str, fit: pd.DataFrame) -> str:
    """What the service drivers do to ``score`` (a :func:`driver_ols` table): per driver, lower
    / higher / no clear effect by whether its interval excludes zero."""
    words = {"response_days": "each extra day of response time",
             "complaints": "each complaint in the window before the survey"}
    parts = []
    for term, what in words.items():
        r = fit.loc[term]
        ci = f"interval {r['lo']:+.2f} to {r['hi']:+.2f}"
        if r["hi"] < 0:
            parts.append(f"{what} goes with {abs(r['coef']):.2f} points lower ({ci})")
        elif r["lo"] > 0:
            parts.append(f"{what} goes with {r['coef']:.2f} points higher ({ci})")
        else:
            parts.append(f"{what} has no clear effect ({ci})")
    return f"{score.upper()}: " + "; ".join(parts) + "."


def satisfaction_repeat_sentence(lg: pd.DataFrame, score: str = "csat") -> str:
    """Satisfaction and a repeat purchase in the next window (a :func:`satisfaction_logit`
    table): the adjusted odds ratio decides the direction, the unadjusted one shows how much
    frequency and recency explained; always read as an association, not an effect."""
    a, u = lg.loc["adjusted"], lg.loc["unadjusted"]
    ci = f"odds ratio {a['odds_ratio']:.2f} per point, interval {a['lo']:.2f} to {a['hi']:.2f}"
    if a["lo"] > 1:
        head = f"Customers with a higher {score.upper()} were more likely to buy again ({ci})"
    elif a["hi"] < 1:
        head = f"Customers with a higher {score.upper()} were less likely to buy again ({ci})"
    else:
        head = (f"After adjusting for frequency and recency, {score.upper()} shows no clear "
                f"association with buying again ({ci})")
    u_or, a_or = u["odds_ratio"], a["odds_ratio"]
    if max(u_or, 1 / u_or) > max(a_or, 1 / a_or):  # the unadjusted ratio is further from 1
        head += (f"; unadjusted {u['odds_ratio']:.2f}, so part of the raw link is frequency and "
                 "recency")
    else:
        head += f"; unadjusted {u['odds_ratio']:.2f}"
    return (head + ". Observational: engaged customers both answer surveys and buy, and the "
            "adjustment removes only what frequency and recency capture.")


def loyalty_sentence(auc: dict) -> str:
    """Whether the loyalty index ranks next-window buyers better than frequency alone (``auc``
    from :func:`loyalty_auc`: the interval of the AUC difference decides)."""
    ci = f"difference {auc['diff']:+.3f}, interval {auc['diff_lo']:+.3f} to {auc['diff_hi']:+.3f}"
    head = f"The loyalty index ranks next-window buyers with AUC {auc['auc']:.3f}"
    if auc["diff_lo"] > 0:
        return head + f", better than purchase frequency alone ({auc['auc_frequency']:.3f}; {ci})."
    if auc["diff_hi"] < 0:
        return head + (f", worse than purchase frequency alone ({auc['auc_frequency']:.3f}; "
                       f"{ci}): use frequency.")
    return head + (f", not clearly different from purchase frequency alone "
                   f"({auc['auc_frequency']:.3f}; {ci}).")


def group_scores_sentence(table: pd.DataFrame, score: str, group: str) -> str:
    """Highest and lowest mean ``score`` across the groups of a :func:`scores_by_group` table,
    and whether their intervals separate them."""
    if len(table) < 2:
        raise ValueError(f"group_scores_sentence: need two or more {group} values")
    t = table.sort_values("mean")
    lo, hi = t.iloc[0], t.iloc[-1]
    text = (f"Mean {score.upper()} by {group.replace('_', ' ')}: highest {t.index[-1]} "
            f"({hi['mean']:.2f}), lowest {t.index[0]} ({lo['mean']:.2f})")
    if hi["lo"] > lo["hi"]:
        return text + "; their intervals do not overlap."
    return text + "; their intervals overlap, so the groups are not told apart."


def second_study_sentence(only_there: list[str], other_exists: bool,
                          other: str = "the synthetic CRM", where: str = "reports/synthetic/") -> str:
    """Which findings of a case study come from another study: the sections this data could
    not run (skipped here) that ran on ``other`` (see
    :func:`helpers.results.pages.second_study`).

    >>> second_study_sentence([], True)
    'Every finding here comes from this data: no section was left to the synthetic CRM.'
    """
    if not other_exists:
        return (f"Sections this data cannot run are not shown from {other} either: its study "
                f"was not run here (`make demo` writes it to `{where}`).")
    if not only_there:
        return f"Every finding here comes from this data: no section was left to {other}."
    n = len(only_there)
    words = "one section" if n == 1 else f"{n} sections"
    return (f"Where this data has no table for it, the findings come from {other}, whose truth "
            f"is known ({where}): {words} ran only there ({'; '.join(only_there)}). They "
            "describe a simulated shop, not this one; every other finding comes from this data.")

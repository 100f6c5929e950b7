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

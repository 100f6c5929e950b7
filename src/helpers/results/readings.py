"""Interpretive sentences computed from the numbers, one function per reading.

A notebook that interprets a result calls one of these instead of typing a sentence, so that
the reading changes when the data say something else. Each function returns plain Markdown text
and branches on the numbers; tests/unit/test_readings.py checks every branch on hand-made inputs.
"""

from __future__ import annotations

import pandas as pd


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

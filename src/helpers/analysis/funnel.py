"""Sales funnel conversion and satisfaction vs. loyalty (tables only some sources have).

Funnel: every opportunity records the furthest stage it reached (``lead`` → ``qualified`` →
``proposal`` → ``negotiation`` → ``won``) and its ``outcome`` (``won``, ``lost``, ``open``).
An opportunity that reached stage *s* passed every earlier stage. The pass rate of step
*s → s+1* is (opportunities reaching s+1) / (closed opportunities reaching s); open ones are
left out of every rate because their fate is unknown.

Satisfaction: each customer's mean CSAT from surveys before a date, against whether the
customer ordered again in the following window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.schema import FUNNEL_STAGES, require_columns


def funnel_table(opps: pd.DataFrame) -> pd.DataFrame:
    """Per stage: closed opportunities reaching it, pass rate to the next stage, and the share
    of all closed opportunities reaching it."""
    require_columns(opps, ("furthest_stage", "outcome"), "funnel_table")
    closed = opps[opps["outcome"].astype(str) != "open"]
    if closed.empty:
        raise ValueError("funnel_table: no closed opportunities")
    bad = set(closed["furthest_stage"].astype(str)) - set(FUNNEL_STAGES)
    if bad:
        raise ValueError(f"funnel_table: unknown stage(s) {sorted(bad)}; valid: {FUNNEL_STAGES}")
    rank = closed["furthest_stage"].astype(str).map({s: i for i, s in enumerate(FUNNEL_STAGES)})
    reached = pd.Series([int((rank >= i).sum()) for i in range(len(FUNNEL_STAGES))],
                        index=list(FUNNEL_STAGES), name="reached")
    out = reached.to_frame()
    out["pass_rate_to_next"] = (reached.shift(-1) / reached).where(reached > 0)
    out["share_of_leads"] = reached / reached.iloc[0]
    out.index.name = "stage"
    return out


def funnel_by_rep(opps: pd.DataFrame) -> pd.DataFrame:
    """Closed opportunities, wins, win rate and won amount (GBP) per sales rep, best first."""
    require_columns(opps, ("rep_id", "outcome", "amount"), "funnel_by_rep")
    closed = opps[opps["outcome"].astype(str) != "open"]
    won = closed["outcome"].astype(str) == "won"
    g = closed.assign(won=won, won_amt=np.where(won, closed["amount"], 0.0)).groupby("rep_id")
    out = pd.DataFrame({"closed": g.size(), "won": g["won"].sum(), "won_amt": g["won_amt"].sum()})
    out["win_rate"] = out["won"] / out["closed"]
    return out.sort_values("win_rate", ascending=False)


def satisfaction_vs_repeat(
    feedback: pd.DataFrame, lines: pd.DataFrame, at: pd.Timestamp, window_days: int = 90
) -> pd.DataFrame:
    """Customers with a survey before ``at``: mean CSAT and whether they ordered in
    ``[at, at + window_days)``. Returns the per-CSAT-band repeat rate (bands by rounded mean)."""
    require_columns(
        feedback, ("customer_id", "feedback_ts", "csat"), "satisfaction_vs_repeat(feedback)"
    )
    require_columns(lines, ("customer_id", "order_ts"), "satisfaction_vs_repeat(lines)")
    f = feedback[feedback["feedback_ts"] < at]
    if f.empty:
        raise ValueError(f"satisfaction_vs_repeat: no feedback before {at}")
    csat = f.groupby(f["customer_id"].astype("int64"))["csat"].mean()
    end = at + pd.Timedelta(days=window_days)
    after = lines[(lines["order_ts"] >= at) & (lines["order_ts"] < end) & lines["customer_id"].notna()]
    bought = pd.Index(after["customer_id"].astype("int64").unique())
    df = pd.DataFrame({"csat": csat, "repeat": csat.index.isin(bought)})
    df["csat_band"] = df["csat"].round().clip(1, 5).astype(int)
    out = df.groupby("csat_band").agg(customers=("repeat", "size"), repeat_rate=("repeat", "mean"))
    out.attrs["spearman"] = float(df["csat"].corr(df["repeat"].astype(float), method="spearman"))
    return out

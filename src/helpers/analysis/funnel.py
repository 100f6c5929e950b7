"""Sales funnel conversion and satisfaction vs. loyalty (tables only some sources have).

Funnel: every opportunity records the furthest stage it reached (``lead`` → ``qualified`` →
``proposal`` → ``negotiation`` → ``won``) and its ``outcome`` (``won``, ``lost``, ``open``).
An opportunity that reached stage *s* passed every earlier stage. The pass rate of step
*s → s+1* is (opportunities reaching s+1) / (closed opportunities reaching s); open ones are
left out of every rate because their fate is unknown.

Deeper funnel (needs the stage timestamps ``qualified_ts``, ``proposal_ts``, ``negotiation_ts``
and ``closed_ts``, and ``lead_source`` / ``channel`` where named): :func:`stage_conversion`
(pass rates counting every deal whose fate at the stage is known, Wilson intervals),
:func:`win_rate_by` (lead source, channel, ...), :func:`stage_durations` and
:func:`sales_cycle` (Kaplan-Meier, open deals censored at the as-of date),
:func:`rep_shrinkage` (empirical-Bayes beta-binomial win rates, optionally adjusted for the
lead-source mix), :func:`pipeline_forecast` (open deals x P(win | stage), calibrated on what was
known at the as-of date, :func:`as_of_view`) and :func:`pipeline_backtest` (against what
closed, beside the trailing won amount).

Satisfaction: each customer's mean CSAT from surveys before a date, against whether the
customer ordered again in the following window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import qth_survival_time
from scipy import stats

from helpers.data.schema import FUNNEL_STAGES, STAGE_TS_COLUMNS, require_columns


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


# ------------------------------------------------------------------ deeper funnel (issue 20)
STAGE_RANK: dict[str, int] = {s: i for i, s in enumerate(FUNNEL_STAGES)}
_DAY_NS = 86_400 * 10**9


def wilson_interval(k: np.ndarray | int, n: np.ndarray | int,
                    level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of the proportion ``k / n`` (vectorised; NaN where ``n == 0``).

    ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``z`` the normal quantile.

    Examples
    --------
    >>> lo, hi = wilson_interval(8, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4902, 0.9433)
    """
    k, n = np.asarray(k, float), np.asarray(n, float)
    if np.any(k < 0) or np.any(k > n) or not 0 < level < 1:
        raise ValueError(f"wilson_interval: need 0 <= k <= n and level in (0, 1); got k={k}, "
                         f"n={n}, level={level}")
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        den = 1 + z**2 / n
        mid = (p + z**2 / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return np.where(n > 0, mid - half, np.nan), np.where(n > 0, mid + half, np.nan)


def _ranks(opps: pd.DataFrame, what: str) -> pd.Series:
    """Stage rank (0 = lead .. 4 = won) of each opportunity's ``furthest_stage``."""
    stage = opps["furthest_stage"].astype(str)
    bad = set(stage) - set(FUNNEL_STAGES)
    if bad:
        raise ValueError(f"{what}: unknown stage(s) {sorted(bad)} in furthest_stage; valid: "
                         f"{FUNNEL_STAGES}")
    return stage.map(STAGE_RANK).astype(int)


def _stage_ts_columns(opps: pd.DataFrame, what: str) -> None:
    missing = [c for c in STAGE_TS_COLUMNS.values() if c not in opps.columns]
    if missing:
        raise ValueError(
            f"{what}: missing stage timestamp column(s) {missing}; the opportunities need the "
            f"time each stage was entered ({STAGE_TS_COLUMNS}); sources without them can use "
            "funnel_table / stage_conversion only")


def as_of_view(opps: pd.DataFrame, as_of: pd.Timestamp | str) -> pd.DataFrame:
    """The opportunities as they stood at ``as_of`` (for backtests).

    Keeps those created before ``as_of``; a deal closed at or after it becomes ``open``;
    stage timestamps at or after it are blanked and ``furthest_stage`` is the last stage
    entered before it.
    """
    require_columns(opps, ("created_ts", "furthest_stage", "outcome"), "as_of_view")
    _stage_ts_columns(opps, "as_of_view")
    at = pd.Timestamp(as_of)
    v = opps[opps["created_ts"] < at].copy()
    _ranks(v, "as_of_view")
    for col in STAGE_TS_COLUMNS.values():
        if col != "created_ts":
            v[col] = v[col].where(v[col] < at)
    still_open = (v["outcome"].astype(str) == "open") | v["closed_ts"].isna()
    entered = pd.concat([v[STAGE_TS_COLUMNS[s]].notna().rename(i) for i, s in
                         enumerate(FUNNEL_STAGES)], axis=1)
    last = entered.to_numpy().cumprod(axis=1).sum(axis=1) - 1
    v["furthest_stage"] = pd.array(np.where(still_open, np.array(FUNNEL_STAGES)[last],
                                            v["furthest_stage"].astype(str)), dtype="string")
    v["outcome"] = pd.array(np.where(still_open, "open", v["outcome"].astype(str)),
                            dtype="string")
    return v


def stage_conversion(opps: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Pass rate of every stage with its Wilson interval, counting every opportunity whose fate
    at the stage is known.

    For stage *s* (lead .. negotiation): ``passed`` = opportunities that reached a later stage
    (open ones included: they did pass), ``lost_here`` = closed ``lost`` with furthest stage
    *s*; open deals still in *s* are left out. Unlike :func:`funnel_table` (closed deals only)
    this does not under-count the stages that slow winners are still passing.

    Returns
    -------
    DataFrame indexed by stage: ``resolved``, ``passed``, ``pass_rate``, ``pass_low``,
    ``pass_high`` (``level`` Wilson) and ``p_win_from_stage`` (product of the pass rates from
    the stage on: P(win | in the stage)).
    """
    require_columns(opps, ("furthest_stage", "outcome"), "stage_conversion")
    rank = _ranks(opps, "stage_conversion").to_numpy()
    lost = (opps["outcome"].astype(str) == "lost").to_numpy()
    stages = list(FUNNEL_STAGES[:-1])
    passed = np.array([(rank > i).sum() for i in range(len(stages))])
    lost_here = np.array([(lost & (rank == i)).sum() for i in range(len(stages))])
    n = passed + lost_here
    if n[0] == 0:
        raise ValueError("stage_conversion: no opportunity has a known fate at the lead stage")
    lo, hi = wilson_interval(passed, n, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, passed / np.maximum(n, 1), np.nan)
    out = pd.DataFrame({"resolved": n, "passed": passed, "pass_rate": rate, "pass_low": lo,
                        "pass_high": hi,
                        "p_win_from_stage": np.cumprod(rate[::-1])[::-1]},
                       index=pd.Index(stages, name="stage"))
    return out


def win_rate_by(opps: pd.DataFrame, by: str, level: float = 0.95) -> pd.DataFrame:
    """Closed opportunities, wins and the win rate with its Wilson interval per value of ``by``
    (e.g. ``lead_source``, ``channel``, ``rep_id``), highest rate first.

    Open deals are left out; on a recent window this under-states every rate (losers close
    sooner than winners), so compare groups on the same window.
    """
    require_columns(opps, (by, "outcome"), f"win_rate_by({by!r})")
    closed = opps[opps["outcome"].astype(str) != "open"]
    if closed.empty:
        raise ValueError(f"win_rate_by({by!r}): no closed opportunities")
    g = (closed["outcome"].astype(str) == "won").groupby(closed[by].astype(str))
    out = pd.DataFrame({"closed": g.size(), "won": g.sum().astype(int)})
    out["win_rate"] = out["won"] / out["closed"]
    out["win_low"], out["win_high"] = wilson_interval(out["won"], out["closed"], level)
    return out.sort_values("win_rate", ascending=False)


def _km(durations: np.ndarray, observed: np.ndarray, level: float = 0.95) -> KaplanMeierFitter:
    return KaplanMeierFitter(alpha=1 - level).fit(durations, event_observed=observed)


def stage_durations(opps: pd.DataFrame, as_of: pd.Timestamp | str) -> pd.DataFrame:
    """Days spent in each stage (lead .. negotiation): Kaplan-Meier median and quartiles.

    Time in stage *s* runs from entering it to entering the next stage or, for a deal lost at
    *s*, to ``closed_ts``; deals still in *s* at ``as_of`` are censored there (so slow stages
    are not under-stated by the deals that have not left them yet).

    Returns
    -------
    DataFrame indexed by stage: ``entered``, ``exited``, ``q1_days``, ``median_days``,
    ``q3_days`` (lifelines' convention: the first time the KM curve falls strictly below
    0.75 / 0.5 / 0.25; NaN where it does not fall that far).
    """
    require_columns(opps, ("furthest_stage", "outcome"), "stage_durations")
    _stage_ts_columns(opps, "stage_durations")
    at = pd.Timestamp(as_of)
    rank = _ranks(opps, "stage_durations").to_numpy()
    lost = (opps["outcome"].astype(str) == "lost").to_numpy()
    rows = []
    for i, s in enumerate(FUNNEL_STAGES[:-1]):
        start = opps[STAGE_TS_COLUMNS[s]].to_numpy("datetime64[ns]")
        nxt = opps[STAGE_TS_COLUMNS[FUNNEL_STAGES[i + 1]]].to_numpy("datetime64[ns]")
        closed = opps["closed_ts"].to_numpy("datetime64[ns]")
        inside = (rank >= i) & ~np.isnat(start) & (start < np.datetime64(at))
        end = np.where(rank > i, nxt, np.where(lost & (rank == i), closed, np.datetime64("NaT")))
        event = inside & ~np.isnat(end) & (end < np.datetime64(at))
        stop = np.where(event, end, np.datetime64(at))
        days = (stop[inside] - start[inside]).astype("int64") / _DAY_NS
        row = {"stage": s, "entered": int(inside.sum()), "exited": int(event.sum()),
               "q1_days": np.nan, "median_days": np.nan, "q3_days": np.nan}
        if inside.any():
            sf = _km(days, event[inside]).survival_function_
            row.update(q1_days=float(qth_survival_time(0.75, sf)),
                       median_days=float(qth_survival_time(0.5, sf)),
                       q3_days=float(qth_survival_time(0.25, sf)))
        rows.append(row)
    out = pd.DataFrame(rows).set_index("stage")
    return out.replace([np.inf], np.nan)


def sales_cycle(opps: pd.DataFrame, as_of: pd.Timestamp | str,
                level: float = 0.95) -> pd.DataFrame:
    """Sales-cycle length (days from ``created_ts`` to ``closed_ts``, won or lost) as a
    Kaplan-Meier survival curve; deals open at ``as_of`` are censored there.

    Returns
    -------
    DataFrame ``days``, ``share_open`` (KM survival: share of deals not yet closed),
    ``ci_low``, ``ci_high`` (``level``, lifelines' exponential Greenwood); ``attrs``:
    ``median_days`` (KM), ``naive_median_days`` (closed deals only, biased short),
    ``n``, ``n_closed``.
    """
    require_columns(opps, ("created_ts", "closed_ts", "outcome"), "sales_cycle")
    at = np.datetime64(pd.Timestamp(as_of))
    created = opps["created_ts"].to_numpy("datetime64[ns]")
    closed = opps["closed_ts"].to_numpy("datetime64[ns]")
    keep = created < at
    if not keep.any():
        raise ValueError(f"sales_cycle: no opportunity created before {as_of}")
    event = (keep & ~np.isnat(closed) & (closed < at)
             & (opps["outcome"].astype(str) != "open").to_numpy())
    days = (np.where(event, closed, at)[keep] - created[keep]).astype("int64") / _DAY_NS
    km = _km(days, event[keep], level)
    ci = km.confidence_interval_survival_function_
    out = pd.DataFrame({"days": km.survival_function_.index.to_numpy(),
                        "share_open": km.survival_function_.iloc[:, 0].to_numpy(),
                        "ci_low": ci.iloc[:, 0].to_numpy(), "ci_high": ci.iloc[:, 1].to_numpy()})
    out.attrs.update(median_days=float(km.median_survival_time_),
                     naive_median_days=float(np.median(days[event[keep]]))
                     if event.any() else np.nan,
                     n=int(keep.sum()), n_closed=int(event.sum()))
    return out


def rep_shrinkage(opps: pd.DataFrame, adjust_for: str | None = None) -> pd.DataFrame:
    """Rep win rates shrunk towards the mean by empirical Bayes (beta-binomial), optionally
    adjusted for each rep's mix of ``adjust_for`` (e.g. ``lead_source``).

    Closed deals only. Rep *i* has ``n_i`` closed deals, ``k_i`` won, and an expected rate
    ``e_i`` (the overall win rate ``m``; with ``adjust_for``, the mean over the rep's deals of
    the win rate of each deal's group, i.e. expected wins from the mix / ``n_i``). Method of
    moments for the prior, weighting reps by their deals (``w_i = n_i / N``): with residuals
    ``r_i = k_i/n_i - e_i`` and ``S = sum w_i (r_i - sum w_j r_j)^2``, the between-rep variance is
    ``tau2 = (S - sum w_i (1 - w_i) e_i (1 - e_i) / n_i) / sum w_i (1 - w_i)`` (the expected
    binomial part of ``S`` removed; Kleinman 1973); prior strength ``kappa = m (1 - m) / tau2 - 1`` (infinite, i.e. every rep pulled all the
    way to ``e_i``, when ``tau2 <= 0``). Shrunk rate ``(k_i + kappa e_i) / (n_i + kappa)``:
    small reps move most. ``adjusted_win_rate = m * shrunk / e_i`` (observed-over-expected at
    the population mix; equals the shrunk rate without ``adjust_for``).

    Returns
    -------
    DataFrame indexed by ``rep_id``: ``closed``, ``won``, ``raw_win_rate``,
    ``expected_win_rate``, ``shrunk_win_rate``, ``adjusted_win_rate``, ``rank`` (1 = best by
    ``adjusted_win_rate``); ``attrs``: ``m``, ``tau2``, ``kappa``.
    """
    cols = ("rep_id", "outcome") + ((adjust_for,) if adjust_for else ())
    require_columns(opps, cols, "rep_shrinkage")
    closed = opps[opps["outcome"].astype(str) != "open"]
    if closed["rep_id"].nunique() < 2:
        raise ValueError("rep_shrinkage: need closed opportunities of at least 2 reps "
                         "(the prior is estimated from the spread between reps)")
    won = (closed["outcome"].astype(str) == "won").astype(float)
    m = float(won.mean())
    if adjust_for:
        key = closed[adjust_for].astype(str)
        expected = key.map(won.groupby(key).mean())
    else:
        expected = pd.Series(m, index=closed.index)
    g = pd.DataFrame({"won": won, "e": expected}).groupby(closed["rep_id"].astype(str))
    out = pd.DataFrame({"closed": g.size(), "won": g["won"].sum().astype(int)})
    out["raw_win_rate"] = out["won"] / out["closed"]
    e = g["e"].mean()
    out["expected_win_rate"] = e
    w = out["closed"] / out["closed"].sum()
    resid = out["raw_win_rate"] - e
    spread = float((w * (resid - (w * resid).sum()) ** 2).sum())
    noise = float((w * (1 - w) * e * (1 - e) / out["closed"]).sum())
    tau2 = (spread - noise) / float((w * (1 - w)).sum())
    kappa = m * (1 - m) / tau2 - 1 if tau2 > 0 else np.inf
    if np.isfinite(kappa) and kappa > 0:
        out["shrunk_win_rate"] = (out["won"] + kappa * e) / (out["closed"] + kappa)
    elif np.isfinite(kappa):  # tau2 >= m(1-m): no pooling
        out["shrunk_win_rate"] = out["raw_win_rate"]
    else:
        out["shrunk_win_rate"] = e
    with np.errstate(invalid="ignore", divide="ignore"):
        out["adjusted_win_rate"] = np.where(e > 0, m * out["shrunk_win_rate"] / e, m)
    out["rank"] = out["adjusted_win_rate"].rank(ascending=False, method="min").astype(int)
    out.attrs.update(m=m, tau2=tau2, kappa=float(kappa))
    return out.sort_values("rank")


def pipeline_forecast(opps: pd.DataFrame, as_of: pd.Timestamp | str,
                      horizon_days: float | None = None, new_deals: bool = False
                      ) -> pd.DataFrame:
    """Expected won amount of the open pipeline at ``as_of``.

    Uses only what was known at ``as_of`` (:func:`as_of_view`): P(win | current stage) is the
    product of the later stages' pass rates (:func:`stage_conversion` of that view). With
    ``horizon_days``, each deal's probability is multiplied by P(a winner closes within the
    horizon | it has been in its stage ``a`` days): from the won deals closed before
    ``as_of``, with ``T`` = days from entering that stage to closing,
    ``#(a < T <= a + H) / #(T > a)`` (1 when no past winner took longer than ``a``: the deal is
    overdue and counted as closing now).

    With ``new_deals`` (needs ``horizon_days`` = H) the deals not yet created are added: the
    amount created in ``[as_of - H, as_of)`` is assumed to be created again, evenly over the
    horizon, won with P(win | lead) and closed inside it with probability ``E[max(0, H - C)] / H``
    (``C`` = days from creation to close of the won deals closed before ``as_of``).

    Returns
    -------
    DataFrame of the open deals: ``opportunity_id``, ``stage``, ``amount``, ``p_win``,
    ``p_close_in_horizon`` (1 without a horizon), ``expected_won_amt``; ``attrs``:
    ``expected_won_amt`` (open pipeline), ``expected_new_won_amt`` (0 without ``new_deals``),
    ``expected_total_won_amt``, ``stage_p_win`` (dict).
    """
    require_columns(opps, ("opportunity_id", "created_ts", "furthest_stage", "outcome",
                           "amount"), "pipeline_forecast")
    at = pd.Timestamp(as_of)
    view = as_of_view(opps, at)
    conv = stage_conversion(view)
    p_stage = dict(conv["p_win_from_stage"])
    is_open = (view["outcome"].astype(str) == "open").to_numpy()
    openv = view[is_open]
    stage = openv["furthest_stage"].astype(str)
    p_win = stage.map(p_stage).to_numpy(float)
    p_time = np.ones(len(openv))
    if horizon_days is not None:
        if not horizon_days > 0:
            raise ValueError(f"pipeline_forecast: horizon_days={horizon_days} must be > 0")
        won = view[view["outcome"].astype(str) == "won"]
        for s in set(stage):
            col = STAGE_TS_COLUMNS[s]
            hist = won[won[col].notna()]
            t = ((hist["closed_ts"] - hist[col]).dt.total_seconds() / 86_400).to_numpy()
            idx = np.flatnonzero((stage == s).to_numpy())
            a = ((at - openv[col].iloc[idx]).dt.total_seconds() / 86_400).to_numpy()
            beyond = (t[None, :] > a[:, None]).sum(axis=1)
            within = ((t[None, :] > a[:, None]) & (t[None, :] <= a[:, None] + horizon_days)
                      ).sum(axis=1)
            p_time[idx] = np.where(beyond > 0, within / np.maximum(beyond, 1), 1.0)
    out = pd.DataFrame({"opportunity_id": openv["opportunity_id"].to_numpy(),
                        "stage": stage.to_numpy(), "amount": openv["amount"].to_numpy(float),
                        "p_win": p_win, "p_close_in_horizon": p_time})
    out["expected_won_amt"] = out["amount"] * out["p_win"] * out["p_close_in_horizon"]
    new_amt = 0.0
    if new_deals:
        if horizon_days is None:
            raise ValueError("pipeline_forecast: new_deals=True needs horizon_days")
        recent = view[view["created_ts"] >= at - pd.Timedelta(days=horizon_days)]
        won = view[view["outcome"].astype(str) == "won"]
        cyc = ((won["closed_ts"] - won["created_ts"]).dt.total_seconds() / 86_400).to_numpy()
        share = float(np.maximum(horizon_days - cyc, 0).mean() / horizon_days) if len(cyc) \
            else 0.0
        new_amt = float(recent["amount"].sum()) * p_stage["lead"] * share
    pipe = float(out["expected_won_amt"].sum())
    out.attrs.update(expected_won_amt=pipe, expected_new_won_amt=new_amt,
                     expected_total_won_amt=pipe + new_amt,
                     stage_p_win={k: float(v) for k, v in p_stage.items()})
    return out


def pipeline_backtest(opps: pd.DataFrame, as_of_dates: list[pd.Timestamp] | pd.DatetimeIndex,
                      horizon_days: float, data_end: pd.Timestamp | str) -> pd.DataFrame:
    """Backtest of :func:`pipeline_forecast` against what closed, beside a trailing baseline.

    At each ``as_of``: ``predicted_amt`` = the pipeline forecast with ``horizon_days`` (open
    deals only); ``predicted_total_amt`` = the same plus the deals still to be created
    (``new_deals=True``);
    ``baseline_amt`` = won amount closed in ``[as_of - H, as_of)`` (the last horizon repeated);
    ``actual_amt`` = won amount closed in ``[as_of, as_of + H)`` (all deals, including those
    created inside the horizon, which the pipeline cannot see); ``actual_pipeline_amt`` = the
    part of it from deals open at ``as_of``. ``attrs["scores"]``: MAE and MAPE (%) against
    ``actual_amt`` of the pipeline, the pipeline plus new deals and the baseline, and of the
    pipeline against ``actual_pipeline_amt`` (its own deals). ``attrs["abs_error_minus_baseline"]``:
    per forecast, the mean paired difference of absolute errors from the baseline's (negative =
    better) with a 95 % t interval over the as-of dates (too narrow when the horizons overlap,
    since neighbouring errors are then correlated).
    """
    require_columns(opps, ("closed_ts", "outcome", "amount", "created_ts"), "pipeline_backtest")
    end = pd.Timestamp(data_end)
    h = pd.Timedelta(days=horizon_days)
    won = opps[opps["outcome"].astype(str) == "won"]
    rows = []
    for at in pd.DatetimeIndex(as_of_dates):
        if at + h > end:
            raise ValueError(f"pipeline_backtest: as_of {at.date()} + {horizon_days} days runs "
                             f"past data_end {end.date()}; use earlier dates")
        fc = pipeline_forecast(opps, at, horizon_days, new_deals=True)
        in_h = won[(won["closed_ts"] >= at) & (won["closed_ts"] < at + h)]
        prev = won[(won["closed_ts"] >= at - h) & (won["closed_ts"] < at)]
        rows.append({"as_of": at, "n_open": len(fc),
                     "predicted_amt": fc.attrs["expected_won_amt"],
                     "predicted_total_amt": fc.attrs["expected_total_won_amt"],
                     "baseline_amt": float(prev["amount"].sum()),
                     "actual_amt": float(in_h["amount"].sum()),
                     "actual_pipeline_amt": float(in_h.loc[in_h["created_ts"] < at,
                                                           "amount"].sum())})
    out = pd.DataFrame(rows)

    def score(pred: str, act: str) -> dict[str, float]:
        err = out[pred] - out[act]
        ok = out[act] > 0
        return {"mae": float(err.abs().mean()),
                "mape_pct": float((err[ok].abs() / out.loc[ok, act]).mean() * 100)}

    def paired(pred: str) -> dict[str, float]:
        d = ((out[pred] - out["actual_amt"]).abs()
             - (out["baseline_amt"] - out["actual_amt"]).abs()).to_numpy()
        half = (stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
                if len(d) > 1 else np.nan)
        return {"mean": float(d.mean()), "low": float(d.mean() - half),
                "high": float(d.mean() + half)}

    out.attrs["scores"] = {"pipeline": score("predicted_amt", "actual_amt"),
                           "pipeline_plus_new": score("predicted_total_amt", "actual_amt"),
                           "baseline": score("baseline_amt", "actual_amt"),
                           "pipeline_vs_own_deals": score("predicted_amt",
                                                          "actual_pipeline_amt")}
    out.attrs["abs_error_minus_baseline"] = {"pipeline": paired("predicted_amt"),
                                             "pipeline_plus_new": paired("predicted_total_amt")}
    return out

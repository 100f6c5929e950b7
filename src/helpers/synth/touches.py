"""Touches of the synthetic CRM beyond purchases: surveys, marketing and service interactions,
sales opportunities owned by reps of different skill, and the randomised retention campaign."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from helpers.data.schema import FUNNEL_STAGES
from helpers.synth.arrays import _strings
from helpers.synth.seasons import _virtual_to_ns
from helpers.synth.settings import (
    CHANNELS,
    LEAD_SOURCES,
    NS_PER_DAY,
    OPP_CHANNELS,
    SynthConfig,
)
from helpers.synth.truth import (
    CSAT_MODEL,
    NPS_MODEL,
    latent_satisfaction,
    retention_days,
    retention_rates,
)

# one block of interaction rows: (customer, campaign index, time ns, kind code, channel code)
_Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_KINDS = ["sent", "opened", "clicked", "call", "engaged", "complaint_call", "ticket", "complaint"]
# spawn key of the service-ticket stream under the run's SeedSequence: far from the keys 0..8
# of the component streams, so it is independent of them and leaves them as they were
_SERVICE_STREAM_KEY = 100
_NS_PER_MIN = 60 * 10**9


def _service_rng(rng: np.random.Generator) -> np.random.Generator:
    """The service-ticket stream, the same from any stream of the run: child
    ``_SERVICE_STREAM_KEY`` of ``SeedSequence(seed)`` (built from ``rng``'s entropy, so
    drawing from it leaves ``rng`` and every other stream as they were)."""
    entropy = rng.bit_generator.seed_seq.entropy  # type: ignore[attr-defined]
    return np.random.default_rng(np.random.SeedSequence(entropy,
                                                        spawn_key=(_SERVICE_STREAM_KEY,)))


def _service_tickets(acq_ns: np.ndarray, t_end: pd.Timestamp, cfg: SynthConfig,
                     rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Service tickets: Poisson(``ticket_rate_per_year`` x tenure) per customer, uniform over
    the tenure (minute resolution), each with a lognormal response time (hours, one decimal)
    and a complaint flag. Returns (customer, time ns, response hours, complaint) sorted by
    customer then time."""
    n = len(acq_ns)
    years = (t_end.value - acq_ns) / NS_PER_DAY / 365.25
    m = rng.poisson(cfg.ticket_rate_per_year * np.maximum(years, 0.0))
    cc = np.repeat(np.arange(n), m)
    t = acq_ns[cc] + (rng.random(len(cc)) * (t_end.value - acq_ns[cc])).astype(np.int64)
    t = t // _NS_PER_MIN * _NS_PER_MIN
    hours = np.round(cfg.response_median_hours * np.exp(
        cfg.response_sigma * rng.standard_normal(len(cc))), 1)
    hours = np.maximum(hours, 0.1)
    compl = rng.random(len(cc)) < cfg.ticket_complaint_share
    order = np.lexsort((t, cc))
    return cc[order], t[order], hours[order], compl[order]


def _ticket_drivers(s_cust: np.ndarray, s_ns: np.ndarray, tickets: tuple[np.ndarray, ...],
                    window_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Per survey: mean response days of the customer's tickets in ``[survey - window,
    survey)`` (0 without one) and the number of complaint tickets among them."""
    cc, t, hours, compl = tickets
    w = int(window_days) * NS_PER_DAY // _NS_PER_MIN
    t0 = min(int(t.min()) if len(t) else 0, int(s_ns.min()) if len(s_ns) else 0)
    span = (max(int(t.max()) if len(t) else 0, int(s_ns.max()) if len(s_ns) else 0) - t0) \
        // _NS_PER_MIN + 2 * w + 2
    key = cc.astype(np.int64) * span + (t - t0) // _NS_PER_MIN + w
    s_key = s_cust.astype(np.int64) * span + (s_ns - t0) // _NS_PER_MIN + w
    lo, hi = np.searchsorted(key, s_key - w, "left"), np.searchsorted(key, s_key, "left")
    cum_h = np.concatenate([[0.0], np.cumsum(hours / 24.0)])
    cum_c = np.concatenate([[0], np.cumsum(compl)])
    k = hi - lo
    resp = np.where(k > 0, (cum_h[hi] - cum_h[lo]) / np.maximum(k, 1), 0.0)
    return resp, (cum_c[hi] - cum_c[lo]).astype(float)


def _feedback(c: dict[str, np.ndarray], o_cust: np.ndarray, o_ns: np.ndarray,
              drop_ns: np.ndarray, has_drop: np.ndarray, t_end: pd.Timestamp, cfg: SynthConfig,
              rng: np.random.Generator, src_ids: np.ndarray) -> pd.DataFrame:
    """Surveys after a share of customer orders; churners and the weeks before drop-out score
    lower, and so do surveys after slow or complaint service tickets (:func:`_service_tickets`,
    drawn from their own stream; the planted shifts are ``SynthConfig.csat_per_*`` /
    ``nps_per_*``)."""
    pick = np.flatnonzero(rng.random(len(o_cust)) < cfg.survey_rate)
    cust = o_cust[pick]
    ts = o_ns[pick].astype(np.int64) + (rng.uniform(1.0, 7.0, len(pick)) * NS_PER_DAY).astype(
        np.int64)
    ts = ts // (60 * 10**9) * (60 * 10**9)
    ok = ts < t_end.value
    cust, ts = cust[ok], ts[ok]
    window = int(cfg.pre_churn_weeks * 7 * NS_PER_DAY)
    near = has_drop[cust] & (ts > drop_ns[cust] - window)
    sat = latent_satisfaction(c)[cust] - cfg.pre_churn_dip * near
    # service tickets (their own stream): the drivers planted in the scores
    n = len(c["lam"])
    acq = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(acq, o_cust, o_ns.astype(np.int64))  # first order = acquisition
    tickets = _service_tickets(acq, t_end, cfg, _service_rng(rng))
    resp_days, n_compl = _ticket_drivers(cust, ts, tickets, cfg.driver_window_days)
    scores = []
    for (base, scale, sd, lo, hi), name in ((CSAT_MODEL, "csat"), (NPS_MODEL, "nps")):
        shift = (getattr(cfg, f"{name}_per_response_day") * resp_days
                 + getattr(cfg, f"{name}_per_complaint") * n_compl)
        scores.append(np.clip(np.rint(base + scale * sat + shift
                                      + rng.normal(0, sd, len(cust))), lo, hi))
    csat, nps = scores
    order = np.lexsort((cust, ts))
    return pd.DataFrame(
        {
            "feedback_id": np.arange(1, len(cust) + 1, dtype=np.int64),
            "source_customer_id": _strings(src_ids, cust[order]),
            "feedback_ts": ts[order].astype("datetime64[ns]"),
            "csat": csat[order].astype(np.int64),
            "nps": nps[order].astype(np.int64),
        }
    )


def _campaign_rows(acq_ns: np.ndarray, drop_ns: np.ndarray, has_drop: np.ndarray,
                   t_start: pd.Timestamp, n_days: int, cfg: SynthConfig,
                   rng: np.random.Generator) -> tuple[list[str], list[_Rows]]:
    """Campaign ids and the sent / opened / clicked email rows of every campaign."""
    n = len(acq_ns)
    camp_days = np.arange(14, n_days, max(cfg.campaign_every_days, 1))
    camp_ns = t_start.value + camp_days * NS_PER_DAY + 10 * 3600 * 10**9
    camp_ids = [f"CMP-{pd.Timestamp(x):%Y-%m-%d}" for x in camp_ns]
    rows: list[_Rows] = []
    for k, ns in enumerate(camp_ns):  # one vectorised step per campaign (tens of campaigns)
        sent = np.flatnonzero((acq_ns < ns) & (rng.random(n) < cfg.email_send_prob))
        dead = has_drop[sent] & (drop_ns[sent] < ns)
        opened = rng.random(len(sent)) < np.where(dead, cfg.open_prob_dead, cfg.open_prob_alive)
        clicked = opened & (rng.random(len(sent)) < cfg.click_prob)
        t_open = ns + (rng.exponential(1.0, len(sent)) * NS_PER_DAY).astype(np.int64)
        t_click = t_open + (rng.exponential(0.01, len(sent)) * NS_PER_DAY).astype(np.int64)
        for mask, t, kind in ((np.ones(len(sent), bool), np.full(len(sent), ns), 0),
                              (opened, t_open, 1), (clicked, t_click, 2)):
            m = int(mask.sum())
            rows.append((sent[mask], np.full(m, k), t[mask], np.full(m, kind),
                         np.zeros(m, np.int64)))
    return camp_ids, rows


def _contact_rows(channel: np.ndarray, acq_ns: np.ndarray, t_end: pd.Timestamp,
                  cfg: SynthConfig, rng: np.random.Generator) -> list[_Rows]:
    """Service calls and social engagement (tripled for social-media customers), uniform over
    each customer's tenure."""
    n = len(acq_ns)
    tenure_years = (t_end.value - acq_ns) / NS_PER_DAY / 365.25
    rows: list[_Rows] = []
    for rate, kind, chan in ((cfg.call_rate_per_year, 3, 1), (cfg.social_rate_per_year, 4, 2)):
        mult = np.where(channel == CHANNELS.index("social_media"), 3.0, 1.0) if chan == 2 \
            else np.ones(n)
        m = rng.poisson(rate * mult * tenure_years)
        cc = np.repeat(np.arange(n), m)
        t = acq_ns[cc] + (rng.random(len(cc)) * (t_end.value - acq_ns[cc])).astype(np.int64)
        rows.append((cc, np.full(len(cc), -1), t, np.full(len(cc), kind),
                     np.full(len(cc), chan)))
    return rows


def _complaint_rows(acq_ns: np.ndarray, drop_ns: np.ndarray, has_drop: np.ndarray,
                    cfg: SynthConfig, rng: np.random.Generator) -> _Rows:
    """Complaint calls in the weeks before each drop-out (never before acquisition)."""
    churners = np.flatnonzero(has_drop)
    m = rng.poisson(cfg.pre_churn_calls, len(churners))
    cc = np.repeat(churners, m)
    back = (rng.random(len(cc)) * cfg.pre_churn_weeks * 7 * NS_PER_DAY).astype(np.int64)
    t = np.maximum(drop_ns[cc] - back, acq_ns[cc])
    return cc, np.full(len(cc), -1), t, np.full(len(cc), 5), np.full(len(cc), 1)


def _interactions(c: dict[str, np.ndarray], customers: pd.DataFrame, drop_ns: np.ndarray,
                  has_drop: np.ndarray, t_start: pd.Timestamp, t_end: pd.Timestamp,
                  n_days: int, cfg: SynthConfig, rng: np.random.Generator,
                  src_ids: np.ndarray) -> pd.DataFrame:
    """Email campaigns (sent/opened/clicked), service and complaint calls, social engagement,
    and service tickets (kinds ``ticket`` / ``complaint``, with ``response_hours``; null for
    the other kinds) from their own stream (:func:`_service_tickets`)."""
    acq_ns = customers["acquisition_ts"].to_numpy().astype(np.int64)
    camp_ids, rows = _campaign_rows(acq_ns, drop_ns, has_drop, t_start, n_days, cfg, rng)
    rows += _contact_rows(c["channel"], acq_ns, t_end, cfg, rng)
    rows.append(_complaint_rows(acq_ns, drop_ns, has_drop, cfg, rng))
    t_cc, t_ns, t_hours, t_compl = _service_tickets(acq_ns, t_end, cfg, _service_rng(rng))
    rows.append((t_cc, np.full(len(t_cc), -1), t_ns, np.where(t_compl, 7, 6),
                 np.full(len(t_cc), 1)))
    cust, camp, ts, kind, chan = (np.concatenate([r[j] for r in rows]) for j in range(5))
    hours = np.concatenate([np.full(len(cust) - len(t_cc), np.nan), t_hours])
    ts = ts.astype(np.int64) // (60 * 10**9) * (60 * 10**9)
    ok = ts < t_end.value
    cust, camp, ts, kind, chan, hours = cust[ok], camp[ok], ts[ok], kind[ok], chan[ok], hours[ok]
    order = np.lexsort((kind, cust, ts))
    return pd.DataFrame(
        {
            "interaction_id": np.arange(1, len(cust) + 1, dtype=np.int64),
            "source_customer_id": _strings(src_ids, cust[order]),
            "interaction_ts": ts[order].astype("datetime64[ns]"),
            "channel": _strings(["email", "phone", "social"], chan[order]),
            "kind": _strings(_KINDS, kind[order]),
            "campaign_id": _strings(camp_ids, camp[order]),
            "response_hours": hours[order],
        }
    )


def rep_pass_rates(cfg: SynthConfig) -> tuple[list[str], np.ndarray]:
    """Rep ids and their stage pass probabilities (reps x transitions).

    ``P(pass k | rep) = logistic(logit(stage_pass_rates[k]) + skill_rep)`` with skills evenly
    spaced in ``[-rep_skill_spread, +rep_skill_spread]`` (rep R01 the weakest).
    """
    skill = np.linspace(-cfg.rep_skill_spread, cfg.rep_skill_spread, cfg.n_reps)
    base = special.logit(np.asarray(cfg.stage_pass_rates))
    reps = [f"R{i + 1:02d}" for i in range(cfg.n_reps)]
    return reps, special.expit(base[None, :] + skill[:, None])


@dataclass(frozen=True)
class FunnelPlan:
    """The planted funnel: per rep, lead source, channel and transition, as drawn from.

    ``pass_prob[r, s, c, k] = logistic(logit(stage_pass_rates[k]) + skill[r] + beta_s[s] +
    beta_c[c])``; ``workload[r]`` = P(an opportunity is rep r's), ``source_mix[r, s]`` =
    P(lead source s | rep r), ``channel_share[c]`` = P(sales channel c).
    """

    reps: list[str]
    skill: np.ndarray  # (R,) logit shift per rep, increasing with the rep number
    workload: np.ndarray  # (R,)
    source_mix: np.ndarray  # (R, S)
    channel_share: np.ndarray  # (C,)
    pass_prob: np.ndarray  # (R, S, C, K)

    def reach(self) -> np.ndarray:
        """P(reaching stage j) for j = 0 .. K, shape (R, S, C, K + 1) (stage 0 = lead = 1)."""
        p = self.pass_prob
        return np.concatenate([np.ones(p.shape[:3] + (1,)), np.cumprod(p, axis=3)], axis=3)

    def weights(self) -> np.ndarray:
        """P(rep, source, channel) of a new opportunity, shape (R, S, C)."""
        return (self.workload[:, None, None] * self.source_mix[:, :, None]
                * self.channel_share[None, None, :])


def funnel_plan(cfg: SynthConfig) -> FunnelPlan:
    """The planted funnel of ``cfg`` (see :class:`FunnelPlan`).

    Rep workloads: ``∝ exp(rep_workload_spread · cos(2.4 i))`` for rep ``i`` = 0, 1, ... (sizes
    unrelated to skill order); lead-source mix of rep ``r``:
    ``∝ lead_source_shares · exp(-rep_source_tilt · skill_r · lead_source_betas)`` (weaker reps
    get more of the sources that convert well, so raw win rates understate skill differences).
    """
    reps, _ = rep_pass_rates(cfg)
    skill = np.linspace(-cfg.rep_skill_spread, cfg.rep_skill_spread, cfg.n_reps)
    load = np.exp(cfg.rep_workload_spread * np.cos(2.4 * np.arange(cfg.n_reps)))
    b_s = np.asarray(cfg.lead_source_betas)
    b_c = np.asarray(cfg.opp_channel_betas)
    mix = np.asarray(cfg.lead_source_shares)[None, :] * np.exp(
        -cfg.rep_source_tilt * skill[:, None] * b_s[None, :])
    chan = np.asarray(cfg.opp_channel_shares, float)
    base = special.logit(np.asarray(cfg.stage_pass_rates))
    logit = (base[None, None, None, :] + skill[:, None, None, None]
             + b_s[None, :, None, None] + b_c[None, None, :, None])
    return FunnelPlan(reps, skill, load / load.sum(), mix / mix.sum(axis=1, keepdims=True),
                      chan / chan.sum(), special.expit(logit))


def _funnel_facts(plan: FunnelPlan, cfg: SynthConfig) -> dict[str, Any]:
    """Planted funnel facts for ``ground_truth.json``: per rep the pass rate of every
    transition among the opportunities reaching it (over the rep's source and channel mix), and
    under ``funnel_detail`` win rates by lead source, channel and rep, stage-duration
    quantiles and rep skills, workloads and mixes."""
    n_trans = len(FUNNEL_STAGES) - 1
    names = [f"{FUNNEL_STAGES[j]}->{FUNNEL_STAGES[j + 1]}" for j in range(n_trans)]
    w, reach = plan.weights(), plan.reach()
    rep_w = w / w.sum(axis=(1, 2), keepdims=True)
    by_rep = (rep_w[..., None] * reach).sum(axis=(1, 2))  # (R, K + 1)
    all_reach = (w[..., None] * reach).sum(axis=(0, 1, 2))
    win = reach[..., -1]
    q = stats.norm.ppf([0.25, 0.5, 0.75]) * cfg.stage_duration_sigma
    source_win = (w * win).sum(axis=(0, 2)) / w.sum(axis=(0, 2))
    channel_win = (w * win).sum(axis=(0, 1)) / w.sum(axis=(0, 1))
    pop_mix = w.sum(axis=(0, 2))  # lead-source mix of all opportunities
    at_pop_mix = (pop_mix[None, :, None] * plan.channel_share[None, None, :] * win).sum(axis=(1, 2))
    pass_rates = {rep: dict(zip(names, map(float, by_rep[i, 1:] / by_rep[i, :-1]), strict=True))
                  for i, rep in enumerate(plan.reps)}
    detail = {
        "lead_sources": list(LEAD_SOURCES),
        "channels": list(OPP_CHANNELS),
        "win_rate_by_lead_source": dict(zip(LEAD_SOURCES, map(float, source_win), strict=True)),
        "win_rate_by_channel": dict(zip(OPP_CHANNELS, map(float, channel_win), strict=True)),
        "win_rate": float(all_reach[-1]),
        "pass_rate_by_transition": dict(zip(names, map(float, all_reach[1:] / all_reach[:-1]),
                                            strict=True)),
        "rep_skill_logit": dict(zip(plan.reps, map(float, plan.skill), strict=True)),
        "rep_workload_share": dict(zip(plan.reps, map(float, plan.workload), strict=True)),
        "rep_win_rate": dict(zip(plan.reps, map(float, by_rep[:, -1]), strict=True)),
        "rep_win_rate_at_population_mix": dict(zip(plan.reps, map(float, at_pop_mix),
                                                   strict=True)),
        "rep_lead_source_mix": {rep: dict(zip(LEAD_SOURCES, map(float, plan.source_mix[i]),
                                              strict=True)) for i, rep in enumerate(plan.reps)},
        "stage_duration_days": {
            FUNNEL_STAGES[j]: dict(zip(("q1", "median", "q3"),
                                       map(float, cfg.stage_median_days[j] * np.exp(q)),
                                       strict=True)) for j in range(n_trans)},
        "rule": ("pass k = logistic(logit(stage_pass_rates[k]) + skill_rep + beta_source + "
                 "beta_channel); time in stage k ~ lognormal(median k, sigma) clipped to "
                 "[1, 30] days (the same for deals that pass and fail); open at the end = "
                 "not closed by end_exclusive"),
    }
    return {"funnel_pass_rates": pass_rates, "funnel_detail": detail}


def _opportunities(c: dict[str, np.ndarray], t_start: pd.Timestamp, t_end: pd.Timestamp,
                   n_days: int, cfg: SynthConfig, rng: np.random.Generator,
                   src_ids: np.ndarray) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Opportunities through the funnel stages, with the time each stage was entered, lead
    source and sales channel, and the planted truth (:func:`_funnel_facts`).

    ``rng`` draws what it drew before the lead sources existed (customers, creation times,
    amounts and the uniforms of every pass and every step); rep, lead source and channel come
    from a stream spawned from ``rng``'s seed (drawing from it leaves ``rng`` as it was).
    """
    n = len(c["lam"])
    plan = funnel_plan(cfg)
    share = np.where(c["channel"] == CHANNELS.index("trade_show"), 2.0, 1.0)
    has = rng.random(n) < np.minimum(cfg.opp_customer_share * share, 1.0)
    m = np.where(has, 1 + rng.poisson(cfg.opp_extra_mean, n), 0)
    cust = np.repeat(np.arange(n), m)
    k = len(cust)
    t_created = c["t0"][cust] + rng.random(k) * (n_days - c["t0"][cust])
    created = _virtual_to_ns(t_created, t_start, cfg).astype(np.int64)
    rng.integers(0, cfg.n_reps, k)  # the former rep draw, kept so the draws below stay aligned
    (rng_new,) = rng.spawn(1)
    rep = np.searchsorted(np.cumsum(plan.workload), rng_new.random(k) * (1 - 1e-12))
    u_src = rng_new.random(k) * (1 - 1e-12)
    src = (u_src[:, None] > np.cumsum(plan.source_mix[rep], axis=1)).sum(axis=1)
    chan = np.searchsorted(np.cumsum(plan.channel_share), rng_new.random(k) * (1 - 1e-12))
    n_trans = len(FUNNEL_STAGES) - 1
    passed = rng.random((k, n_trans)) < plan.pass_prob[rep, src, chan]
    n_pass = np.cumprod(passed, axis=1).sum(axis=1)  # stages passed in a row
    u_step = (rng.uniform(3.0, 30.0, (k, n_trans)) - 3.0) / 27.0  # uniforms on [0, 1)
    days = np.clip(np.asarray(cfg.stage_median_days)[None, :] * np.exp(
        cfg.stage_duration_sigma * stats.norm.ppf(np.clip(u_step, 1e-12, 1 - 1e-12))), 1.0, 30.0)
    steps = (days * NS_PER_DAY).astype(np.int64)
    cum = created[:, None] + np.cumsum(steps, axis=1)  # time of the end of step j
    close = cum[np.arange(k), np.minimum(n_pass, n_trans - 1)]
    is_open = close >= t_end.value
    done_by_end = (cum < t_end.value) & (np.arange(n_trans)[None, :] < n_pass[:, None])
    furthest = np.where(is_open, done_by_end.sum(axis=1), n_pass)
    outcome = np.where(is_open, 2, np.where(n_pass == n_trans, 0, 1))
    amount = np.round(np.exp(rng.normal(np.log(2000.0), 0.8, k)), 2)
    order = np.lexsort((cust, created))
    nat = np.iinfo(np.int64).min
    minute = 60 * 10**9
    closed = np.where(is_open, nat, close // minute * minute)
    # entered stage j + 1 (qualified, proposal, negotiation) at the end of step j
    entered = np.where(done_by_end[:, :-1], cum[:, :-1] // minute * minute, nat)
    opp = pd.DataFrame(
        {
            "opportunity_id": np.arange(1, k + 1, dtype=np.int64),
            "source_customer_id": _strings(src_ids, cust[order]),
            "rep_id": _strings(plan.reps, rep[order]),
            "created_ts": created[order].astype("datetime64[ns]"),
            "closed_ts": pd.to_datetime(closed[order]).astype("datetime64[ns]"),
            "furthest_stage": _strings(FUNNEL_STAGES, furthest[order]),
            "outcome": _strings(["won", "lost", "open"], outcome[order]),
            "amount": amount[order],
            **{f"{FUNNEL_STAGES[j + 1]}_ts": pd.to_datetime(entered[order, j]).astype(
                "datetime64[ns]") for j in range(n_trans - 1)},
            "lead_source": _strings(LEAD_SOURCES, src[order]),
            "channel": _strings(OPP_CHANNELS, chan[order]),
        }
    )
    return opp, _funnel_facts(plan, cfg)


@dataclass(frozen=True)
class RetentionDraw:
    """The randomised retention campaign as drawn: its day and who was treated, won or lapsed."""

    day: int  # virtual day of the campaign (midnight)
    window: int  # outcome window, days
    eligible: np.ndarray  # bool per customer: acquired before the campaign day
    treated: np.ndarray  # bool per customer
    won: np.ndarray  # bool: treated, no purchase in the window otherwise, bought once because of it
    lapsed: np.ndarray  # bool: treated sleeping dog with no purchase from the campaign day on


def _retention_draw(c: dict[str, np.ndarray], rep_cust: np.ndarray, rep_t: np.ndarray,
                    n_days: int, s_day: np.ndarray, cfg: SynthConfig,
                    rng: np.random.Generator) -> tuple[RetentionDraw, np.ndarray, np.ndarray]:
    """Randomise the campaign and apply its effect to the repeat purchases.

    Eligible customers (acquired before the campaign day) are treated with probability
    ``retention_share``. A treated customer with no purchase in the outcome window buys once in
    it (day weighted by the season) with probability ``q``; a treated sleeping dog loses every
    purchase from the campaign day on with probability ``d`` (:func:`retention_rates`).
    Control customers' purchases are left as they are.

    Returns
    -------
    (draw, rep_cust, rep_t)
        The draw and the repeat purchases with the effect applied, sorted by customer and time.
    """
    day, window = retention_days(n_days, cfg)
    n = len(c["lam"])
    u_treat, u_effect, u_day, u_frac = (rng.random(n) for _ in range(4))
    eligible = c["t0"] < day
    treated = eligible & (u_treat < cfg.retention_share)
    dog, q, d = retention_rates(c, cfg)
    in_window = (rep_t >= day) & (rep_t < day + window)
    bought = np.bincount(rep_cust[in_window], minlength=n) > 0
    won = treated & ~bought & (u_effect < q)
    lapsed = treated & dog & (u_effect < d)
    s_w = s_day[day:day + window]
    won_t = day + np.searchsorted(np.cumsum(s_w) / s_w.sum(), u_day * (1 - 1e-12)) + u_frac * 0.999
    keep = ~(lapsed[rep_cust] & (rep_t >= day))
    cust = np.concatenate([rep_cust[keep], np.flatnonzero(won)])
    t = np.concatenate([rep_t[keep], won_t[won]])
    order = np.lexsort((t, cust))
    return RetentionDraw(day, window, eligible, treated, won, lapsed), cust[order], t[order]


def _retention_table(draw: RetentionDraw, o_cust: np.ndarray, o_ns: np.ndarray,
                     o_revenue: np.ndarray, t_start: pd.Timestamp,
                     src_ids: np.ndarray) -> pd.DataFrame:
    """The ``campaign`` table: one row per eligible customer with the outcome in the window.

    Parameters
    ----------
    o_cust, o_ns, o_revenue
        Customer index, time (datetime64[ns]) and revenue (Σ quantity × list price of its
        product lines, GBP) of every customer order as written to the transactions.

    Returns
    -------
    DataFrame
        ``source_customer_id``, ``campaign_ts`` (the campaign day's midnight),
        ``outcome_end_ts`` (exclusive end of the outcome window), ``treated``,
        ``purchased_in_window``, ``orders_in_window``, ``revenue_in_window_amt`` (GBP, before
        cancellations).
    """
    n = len(draw.eligible)
    c_ns = t_start.value + draw.day * NS_PER_DAY
    e_ns = c_ns + draw.window * NS_PER_DAY
    ns = o_ns.astype(np.int64)
    w = (ns >= c_ns) & (ns < e_ns)
    n_orders = np.bincount(o_cust[w], minlength=n)
    revenue = np.bincount(o_cust[w], weights=o_revenue[w], minlength=n)
    idx = np.flatnonzero(draw.eligible)
    return pd.DataFrame(
        {
            "source_customer_id": _strings(src_ids, idx),
            "campaign_ts": np.full(len(idx), c_ns).astype("datetime64[ns]"),
            "outcome_end_ts": np.full(len(idx), e_ns).astype("datetime64[ns]"),
            "treated": draw.treated[idx],
            "purchased_in_window": n_orders[idx] > 0,
            "orders_in_window": n_orders[idx].astype(np.int64),
            "revenue_in_window_amt": np.round(revenue[idx], 2),
        }
    )


def _retention_facts(draw: RetentionDraw, truth: dict[str, np.ndarray], t_start: pd.Timestamp,
                     cfg: SynthConfig) -> dict[str, Any]:
    """The campaign's entry in ``ground_truth.json``: design, counts and mean true effects."""
    el = draw.eligible
    return {
        "campaign_ts": str(t_start + pd.Timedelta(days=draw.day)),
        "outcome_end_ts": str(t_start + pd.Timedelta(days=draw.day + draw.window)),
        "window_days": int(draw.window),
        "treated_share": cfg.retention_share,
        "n_eligible": int(el.sum()),
        "n_treated": int(draw.treated.sum()),
        "n_won": int(draw.won.sum()),
        "n_lapsed": int(draw.lapsed.sum()),
        "mean_true_uplift_purchase": float(np.mean(truth["true_uplift_purchase"][el])),
        "mean_true_uplift_revenue_amt": float(np.mean(truth["true_uplift_revenue_amt"][el])),
        "rule": ("treated non-buyers in the window buy once with q = lift * exp(-z_lambda^2 / "
                 "(2 width^2)); sleeping dogs (high income, z_lambda > 0.5) lapse at the "
                 "campaign with probability dog_rate; surveys, interactions and the other "
                 "ground-truth columns follow the purchases without the campaign"),
    }

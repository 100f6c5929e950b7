"""Ground truth of the synthetic CRM: expected purchases, true parameters and segments per
customer, and the planted facts written to ``ground_truth.json``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from helpers.data.schema import FUNNEL_STAGES
from helpers.synth.arrays import _strings
from helpers.synth.seasons import seasonal_intensity
from helpers.synth.settings import INCOME_BANDS, SEGMENTS, SynthConfig


@dataclass(frozen=True)
class TruthInputs:
    """Inputs of :func:`_ground_truth`: the latent draws, what was simulated and the run."""

    c: dict[str, np.ndarray]  # latent parameters per customer (see ``_draw_customers``)
    customers: pd.DataFrame  # the raw customers table
    rep_cust: np.ndarray  # customer index of each repeat purchase
    drop_ns: np.ndarray  # drop-out time, int64 ns (int64 min when alive)
    has_drop: np.ndarray  # bool: dropped out within the window
    t_end: pd.Timestamp  # exclusive end of the window
    cfg: SynthConfig
    cat: pd.DataFrame  # the catalogue
    pairs: np.ndarray  # planted (A, B) product-index pairs
    funnel_truth: dict[str, Any]  # funnel_pass_rates (per rep, transition) and funnel_detail
    dirt_stats: dict[str, int]  # counts of each kind of dirt
    seed: int
    start: str
    end: str
    n: int  # customers
    retention: dict[str, np.ndarray] | None = None  # retention_truth(...) when the campaign ran
    retention_facts: dict[str, Any] | None = None  # its day, window, shares and counts


def expected_purchases(lam_per_week: np.ndarray, p: np.ndarray,
                       intensity_weeks: float) -> np.ndarray:
    """Expected purchases of an *alive* customer over a period of integrated intensity
    ``intensity_weeks`` (= weeks for a flat season): ``(1 - exp(-p λ W)) / p``."""
    lam = np.asarray(lam_per_week, float)
    p = np.asarray(p, float)
    return -np.expm1(-p * lam * intensity_weeks) / p


def _customer_truth(inp: TruthInputs, w52: float) -> pd.DataFrame:
    """True parameters, drop-out, repeat purchases, segment and 52-week expectations per
    customer."""
    c, cfg, customers = inp.c, inp.cfg, inp.customers
    lam, p, nu = c["lam"], c["p"], c["nu"]
    alive = ~inp.has_drop
    e_x = np.where(alive, expected_purchases(lam, p, w52), 0.0)
    mean_spend = cfg.spend_p / nu
    lam_med = stats.gamma.ppf(0.5, cfg.r, scale=1.0 / cfg.alpha)
    spend_med = cfg.spend_p * stats.gamma.ppf(0.5, cfg.spend_q, scale=cfg.spend_gamma)
    seg = np.where(lam > lam_med, np.where(mean_spend > spend_med, 0, 1),
                   np.where(mean_spend > spend_med, 2, 3))
    return pd.DataFrame(
        {
            "source_customer_id": customers["source_customer_id"],
            "true_lambda_per_week": lam,
            "true_p_dropout": p,
            "true_nu": nu,
            "true_mean_spend_amt": mean_spend,
            "acquisition_ts": customers["acquisition_ts"],
            "dropout_ts": inp.drop_ns.astype("datetime64[ns]"),
            "alive_at_end": alive,
            "true_repeat_purchases": np.bincount(inp.rep_cust, minlength=inp.n).astype(np.int64),
            "true_segment": _strings(SEGMENTS, seg),
            "true_expected_purchases_52w": e_x,
            "true_expected_value_52w_amt": e_x * mean_spend,
            "true_satisfaction": latent_satisfaction(c),
            **(inp.retention or {}),
        }
    )


def _truth_summary(inp: TruthInputs, w52: float) -> dict[str, Any]:
    """The planted facts of ``ground_truth.json`` (parameters, pairs, funnel, dirt, config)."""
    cfg, cat = inp.cfg, inp.cat
    cfg_dict = {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(cfg).items()
                if inp.retention is not None or not k.startswith("retention_")}
    code = cat["stock_code"].to_numpy()
    return {
        "seed": int(inp.seed),
        "n_customers": int(inp.n),
        "window": {"start": str(inp.start), "end": str(inp.end), "end_exclusive": str(inp.t_end)},
        "time_unit": "week",
        "bgnbd": {"r": cfg.r, "alpha": cfg.alpha, "a": cfg.a, "b": cfg.b},
        "gamma_gamma": {"p": cfg.spend_p, "q": cfg.spend_q, "gamma": cfg.spend_gamma},
        "association_pairs": [[str(code[a]), str(code[b])] for a, b in inp.pairs],
        "association_prob": cfg.assoc_prob,
        "funnel_stages": list(FUNNEL_STAGES),
        **inp.funnel_truth,
        "seasonality": {"amplitude": cfg.seasonal_amplitude, "peak_day_of_year":
                        cfg.peak_day_of_year, "weekday_weights_mon_sun":
                        list(cfg.weekday_weights), "intensity_next_52w_weeks": w52},
        "dirt_rates": {k: getattr(cfg, k) for k in (
            "guest_order_share", "cancel_order_rate", "partial_cancel_share",
            "postage_rate_uk", "postage_rate_abroad", "manual_rate", "free_sample_rate",
            "duplicate_line_rate")},
        "dirt_counts": inp.dirt_stats,
        "segments": {"rule": "lambda above its population median = frequent; mean spend "
                     "p/nu above its population median = high spend",
                     "names": list(SEGMENTS)},
        "share_alive_at_end": float((~inp.has_drop).mean()),
        "product_categories": dict(zip(map(str, code), map(str, cat["category"]), strict=True)),
        "config": cfg_dict,
        **({"retention_campaign": inp.retention_facts} if inp.retention_facts else {}),
        "satisfaction_drivers": satisfaction_facts(cfg),
    }


def _ground_truth(inp: TruthInputs) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ``ground_truth_customers`` table and the ``ground_truth.json`` dictionary."""
    next_year = pd.date_range(inp.t_end, periods=364, freq="D")
    w52 = float(seasonal_intensity(next_year, inp.cfg).sum() / 7.0)
    return _customer_truth(inp, w52), _truth_summary(inp, w52)


# -------------------------------------------------------------------- retention campaign truth
SLEEPING_DOG_INCOME = "high"  # sleeping dogs: high-income customers ...
SLEEPING_DOG_MIN_Z_LAMBDA = 0.5  # ... whose purchase rate lies above this z-score


def retention_days(n_days: int, cfg: SynthConfig) -> tuple[int, int]:
    """Virtual day of the retention campaign (its midnight) and the outcome window in days.

    The campaign lies ``retention_weeks_before_end`` weeks before the exclusive end of the
    window; the outcome window is ``retention_window_weeks`` weeks from that day.
    """
    day = n_days - int(round(cfg.retention_weeks_before_end * 7))
    window = int(round(cfg.retention_window_weeks * 7))
    if day < 1:
        raise ValueError(
            f"SynthConfig.retention_weeks_before_end={cfg.retention_weeks_before_end}: the "
            f"campaign would fall before the start of a {n_days}-day window; lower it"
        )
    return day, window


def retention_rates(c: dict[str, np.ndarray],
                    cfg: SynthConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who is a sleeping dog and the two planted effect probabilities per customer.

    Returns
    -------
    (dog, q, d)
        ``dog``: high-income customers with ``z_λ > 0.5`` (frequent buyers who resent the
        contact); ``q = retention_lift · exp(-z_λ² / (2 · retention_lift_width²))`` (0 for
        dogs): the probability that a treated customer with no purchase in the outcome window
        buys once because of the campaign, largest at mid frequency; ``d = retention_dog_rate``
        for dogs (0 otherwise): the probability that a treated dog lapses at the campaign (no
        purchase from the campaign day on).
    """
    dog = (c["income"] == INCOME_BANDS.index(SLEEPING_DOG_INCOME)) & (
        c["z_lam"] > SLEEPING_DOG_MIN_Z_LAMBDA)
    bump = np.exp(-0.5 * (c["z_lam"] / cfg.retention_lift_width) ** 2)
    q = np.where(dog, 0.0, cfg.retention_lift * bump)
    d = np.where(dog, cfg.retention_dog_rate, 0.0)
    return dog, q, d


def retention_truth(c: dict[str, np.ndarray], t_drop: np.ndarray, s_day: np.ndarray,
                    n_days: int, cfg: SynthConfig) -> dict[str, np.ndarray]:
    """The planted effect of the retention campaign per customer, given the latent state.

    With ``Λ`` = the integrated intensity of the outcome window in weeks (Σ s(d) / 7) and
    ``A`` = alive at the campaign day (no drop-out before it), the chance of a purchase in the
    window without the campaign is ``P0 = A (1 - exp(-λ Λ))`` (drop-out only follows a
    purchase), with it ``P1 = P0 (1 - d) + (1 - P0) q`` (:func:`retention_rates`); expected
    window revenue without it ``R0 = A E[X] m`` with ``E[X]`` = :func:`expected_purchases` over
    ``Λ`` and ``m = p / ν`` the mean spend per order; the revenue uplift is
    ``(1 - P0) q m - d R0`` (a won customer buys one order, a lapsed dog loses all).

    Returns
    -------
    dict of arrays per customer (NaN where not eligible, i.e. acquired on or after the
    campaign day): ``campaign_eligible``, ``true_sleeping_dog``, ``true_p_purchase_control``,
    ``true_p_purchase_treated``, ``true_uplift_purchase``,
    ``true_expected_revenue_control_amt``, ``true_uplift_revenue_amt``.
    """
    day, window = retention_days(n_days, cfg)
    lam_w = float(s_day[day:day + window].sum() / 7.0)
    eligible = c["t0"] < day
    alive = eligible & (np.isnan(t_drop) | (np.nan_to_num(t_drop, nan=np.inf) >= day))
    dog, q, d = retention_rates(c, cfg)
    p0 = np.where(alive, -np.expm1(-c["lam"] * lam_w), 0.0)
    p1 = p0 * (1.0 - d) + (1.0 - p0) * q
    m = cfg.spend_p / c["nu"]
    r0 = np.where(alive, expected_purchases(c["lam"], c["p"], lam_w), 0.0) * m
    nan = np.where(eligible, 1.0, np.nan)
    return {
        "campaign_eligible": eligible,
        "true_sleeping_dog": dog,
        "true_p_purchase_control": p0 * nan,
        "true_p_purchase_treated": p1 * nan,
        "true_uplift_purchase": (p1 - p0) * nan,
        "true_expected_revenue_control_amt": r0 * nan,
        "true_uplift_revenue_amt": ((1.0 - p0) * q * m - d * r0) * nan,
    }


# ------------------------------------------------------------------- satisfaction drivers truth
# survey score = clip(rint(base + scale * satisfaction + shift + N(0, noise_sd)), lo, hi), with
# shift = per_response_day * mean response days + per_complaint * complaints (see
# touches._feedback); (base, scale, noise_sd, lo, hi) of CSAT and NPS
CSAT_MODEL = (3.9, 0.8, 0.5, 1, 5)
NPS_MODEL = (7.6, 1.7, 1.0, 0, 10)


def latent_satisfaction(c: dict[str, np.ndarray]) -> np.ndarray:
    """Latent satisfaction per customer: ``-0.8 z_p + 0.6 sat_noise`` (churn-prone customers
    are less satisfied)."""
    return -0.8 * c["z_p"] + 0.6 * c["sat_noise"]


def satisfaction_facts(cfg: SynthConfig) -> dict[str, Any]:
    """Planted drivers of the survey scores for ``ground_truth.json``: the shifts of the score
    (CSAT points, NPS points) per day of mean response time and per complaint ticket in the
    ``window_days`` before a survey, applied before rounding and clipping (which flatten them a
    little near the ends of the scale, so a linear regression on the 1-5 / 0-10 score recovers
    them only approximately)."""
    out: dict[str, Any] = {"window_days": int(cfg.driver_window_days),
                           "ticket_rate_per_year": cfg.ticket_rate_per_year,
                           "ticket_complaint_share": cfg.ticket_complaint_share,
                           "response_median_hours": cfg.response_median_hours}
    for name in ("csat", "nps"):
        for driver in ("per_response_day", "per_complaint"):
            out[f"{name}_{driver}"] = float(getattr(cfg, f"{name}_{driver}"))
    out["rule"] = ("score = clip(rint(base + scale * satisfaction + per_response_day * mean "
                   "response days of the service tickets in the window_days before the survey "
                   "(0 without one) + per_complaint * complaint tickets in that window + "
                   "noise)); tickets: kinds ticket / complaint in interactions, with "
                   "response_hours")
    return out

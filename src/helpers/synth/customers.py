"""Customers of the synthetic CRM: latent BG/NBD and Gamma-Gamma parameters, acquisition times,
descriptors tilted by the latent parameters, and the raw ``customers`` table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from helpers.synth.arrays import _strings
from helpers.synth.seasons import _virtual_to_ns
from helpers.synth.settings import (
    AGE_BANDS,
    CHANNELS,
    COUNTRIES,
    FIRST_CUSTOMER_NO,
    GENDERS,
    INCOME_BANDS,
    UK_REGIONS,
    SynthConfig,
)


def _tilted_choice(rng: np.random.Generator, z: np.ndarray, shares: Sequence[float],
                   betas: Sequence[float]) -> np.ndarray:
    """Index k per row with ``P(k) ∝ share_k exp(beta_k z)`` (vectorised inverse CDF)."""
    logits = np.log(np.asarray(shares, dtype=float))[None, :] + np.outer(z, betas)
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(prob, axis=1)
    u = rng.random(len(z)) * cdf[:, -1]
    return (cdf < u[:, None]).sum(axis=1).clip(0, len(shares) - 1)


def _probit(u: np.ndarray) -> np.ndarray:
    """Standard normal quantile of ``u``, clipped away from 0 and 1."""
    return special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))


def _country_weights() -> np.ndarray:
    """Draw probabilities of the countries abroad (Zipf-like, in the order of COUNTRIES)."""
    w = 1.0 / np.arange(1, len(COUNTRIES) + 1) ** 0.8
    return w / w.sum()


def _draw_customers(n: int, n_days: int, s_day: np.ndarray, cfg: SynthConfig,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Latent parameters, acquisition virtual time ``t0`` and descriptor codes per customer."""
    lam = rng.gamma(cfg.r, 1.0 / cfg.alpha, n)  # per week
    p = np.clip(rng.beta(cfg.a, cfg.b, n), 1e-12, 1.0)
    nu = rng.gamma(cfg.spend_q, 1.0 / cfg.spend_gamma, n)
    z_lam = _probit(stats.gamma.cdf(lam, cfg.r, scale=1.0 / cfg.alpha))
    z_p = _probit(stats.beta.cdf(p, cfg.a, cfg.b))
    z_spend = -_probit(stats.gamma.cdf(nu, cfg.spend_q, scale=1.0 / cfg.spend_gamma))
    # acquisition day: existing base early, the rest over the whole window, weighted by s
    init_days = min(cfg.initial_days, n_days)
    w_all = s_day / s_day.sum()
    w_init = s_day[:init_days] / s_day[:init_days].sum()
    early = rng.random(n) < cfg.initial_share
    day = np.where(
        early,
        np.searchsorted(np.cumsum(w_init), rng.random(n) * (1 - 1e-12)),
        np.searchsorted(np.cumsum(w_all), rng.random(n) * (1 - 1e-12)),
    )
    t0 = day + rng.random(n) * 0.999
    return {
        "lam": lam, "p": p, "nu": nu, "z_lam": z_lam, "z_p": z_p, "z_spend": z_spend,
        "t0": t0,
        "channel": _tilted_choice(rng, z_lam, cfg.channel_shares, cfg.channel_betas),
        "income": _tilted_choice(rng, z_spend, cfg.income_shares, cfg.income_betas),
        "age": _tilted_choice(rng, z_p, cfg.age_shares, cfg.age_betas),
        "gender": rng.choice(len(GENDERS), n, p=[0.52, 0.45, 0.03]),
        "uk": rng.random(n) < cfg.uk_share,
        "country_abroad": rng.choice(len(COUNTRIES), n, p=_country_weights()),
        "region": rng.integers(0, len(UK_REGIONS), n),
        "sat_noise": rng.normal(0.0, 1.0, n),
    }


def _customer_table(c: dict[str, np.ndarray], t_start: pd.Timestamp,
                    cfg: SynthConfig) -> pd.DataFrame:
    """The raw ``customers`` table: ids, descriptors, acquisition time, country and email."""
    n = len(c["lam"])
    ids = FIRST_CUSTOMER_NO + np.arange(n)
    src = np.array([str(x) for x in ids], dtype=object)
    country = np.where(c["uk"], 0, c["country_abroad"] + 1)
    region_names = list(UK_REGIONS) + ["International"]
    region = np.where(c["uk"], c["region"], len(UK_REGIONS))
    return pd.DataFrame(
        {
            "source_customer_id": _strings(src),
            "age_band": _strings(AGE_BANDS, c["age"]),
            "gender": _strings(GENDERS, c["gender"]),
            "region": _strings(region_names, region),
            "income_band": _strings(INCOME_BANDS, c["income"]),
            "acquisition_channel": _strings(CHANNELS, c["channel"]),
            "acquisition_ts": _virtual_to_ns(c["t0"], t_start, cfg),
            "country": _strings(["United Kingdom", *COUNTRIES], country),
            "email": _strings(np.array([f"customer{x}@example.com" for x in ids], dtype=object)),
        }
    )

"""A seeded synthetic CRM with known ground truth (offline demo, tests, method validation).

:func:`simulate_crm` draws customers, their purchases, order lines, marketing touches, surveys
and sales opportunities from the documented generative process below;
:func:`write_synthetic` writes them as the raw files that :mod:`helpers.data.adapters.synthetic`
reads (``transactions``, ``customers``, ``interactions``, ``feedback``, ``opportunities``,
``ground_truth_customers`` Parquet files and ``ground_truth.json``). The same seed gives
byte-identical files.

Generative process
------------------
Time runs in *virtual days* ``t`` from ``start`` (midnight) to ``end_ts`` = midnight after
``end`` (exclusive). Day ``d = floor(t)`` maps to a calendar date; the fraction of the day maps
linearly into shop hours ``open_hour .. close_hour`` (so order within a day is kept). Model
rates are per **week** (7 days), the BG/NBD time unit of the workbook.

1. **Seasonal intensity.** ``s(d) = w(dow(d)) * (1 + A cos(2π (doy(d) - peak) / 365.25))`` with
   weekday weights ``w`` normalised to mean 1 over a week (Saturday 0: the shop takes no orders)
   and Q4 peak ``peak`` (day of year, default 320 = mid November); ``s`` has mean ≈ 1 over a
   year, so ``λ`` stays the mean weekly rate.
2. **Customers.** ``λ_i ~ Gamma(shape r, rate α)`` (purchases per week while alive),
   ``p_i ~ Beta(a, b)`` (drop-out probability after each *repeat* purchase), spend rate
   ``ν_i ~ Gamma(shape q, rate γ)``. Acquisition day: with probability ``initial_share`` in the
   first ``initial_days`` days (the existing base), else anywhere in the window; days weighted by
   ``s``. The acquisition is the first (trial) purchase at virtual time ``t0_i``.
3. **Descriptors tilted by the latent parameters** (so the marginal BG/NBD and Gamma-Gamma
   distributions stay exactly as above while channels, income and age differ in behaviour):
   with ``z_λ = Φ⁻¹(F_Gamma(λ_i))`` etc.,
   ``P(channel = c | λ_i) ∝ share_c · exp(β_c z_λ)`` (trade shows bring frequent buyers,
   social media infrequent ones), ``P(income = k | ν_i) ∝ share_k · exp(β_k z_spend)`` with
   ``z_spend = -Φ⁻¹(F_Gamma(ν_i))`` (high income, high spend) and
   ``P(age = k | p_i) ∝ share_k · exp(β_k z_p)`` (older customers drop out less).
4. **Purchases by thinning.** Candidate repeat times form a Poisson process of rate
   ``λ_i s_max / 7`` per day on ``(t0_i, end)``; a candidate at ``t`` is kept with probability
   ``s(floor(t)) / s_max`` (Lewis-Shedler thinning, giving intensity ``λ_i s(t) / 7``). The
   customer drops out right after repeat purchase number ``N_i ~ Geometric(p_i)``, so only the
   first ``N_i`` kept candidates are purchases; ``dropout_ts`` is the time of purchase ``N_i`` if
   it falls in the window, else the customer is alive at the end.
5. **Order values and lines.** Order value ``z ~ Gamma(shape p, rate ν_i)`` GBP (Gamma-Gamma);
   lines per order ``L = 1 + Poisson(z / value_per_line_gbp)``; products drawn by a Zipf-like
   popularity; for each planted pair (A, B) a line of A adds a line of B with probability
   ``assoc_prob``; repeated products in one order are merged. The value is split over the lines
   by weights ``w ~ Gamma(line_weight_shape)``; ``quantity = max(1, round(value_line / price))``
   at the product's list price, so the order total equals ``z`` up to rounding.
6. **Guests and dirt** (so cleaning has work; rates in :class:`SynthConfig` and in
   ``ground_truth.json``): guest orders without customer id (``guest_order_share`` of customer
   orders); cancellations (invoice ``C…``, negative quantity) of one line of
   ``cancel_order_rate`` of multi-line customer orders 1-14 days later (shop hours, never on a zero-weight weekday), a
   ``partial_cancel_share`` of them only partial (unmatched by cleaning); postage lines ``POST``
   (``postage_rate_abroad`` of non-UK orders, ``postage_rate_uk`` of UK ones); manual lines ``M``
   (``manual_rate`` of orders); free samples at price 0 (``free_sample_rate`` of orders); exact
   duplicate lines (``duplicate_line_rate`` of product lines).
7. **Satisfaction.** Latent ``sat_i = -0.8 z_p + 0.6 ε_i``; a survey follows an order with
   probability ``survey_rate`` 1-7 days later; customers within ``pre_churn_weeks`` before their
   drop-out score ``pre_churn_dip`` lower. ``csat = clip(round(3.9 + 0.8 sat + N(0, .5²)), 1, 5)``,
   ``nps = clip(round(7.6 + 1.7 sat + N(0, 1)), 0, 10)``: later churners score lower.
8. **Interactions.** An email campaign every ``campaign_every_days`` days is sent to each
   acquired customer with probability ``email_send_prob``; opened with ``open_prob_alive`` (or
   ``open_prob_dead`` after drop-out), clicked with ``click_prob`` given opened. Service calls
   (channel ``phone``) at ``call_rate_per_year``, plus ``Poisson(pre_churn_calls)`` complaint
   calls in the weeks before a drop-out; social engagement at ``social_rate_per_year`` (tripled
   for customers acquired through social media).
9. **Opportunities.** A share ``opp_customer_share`` of customers (doubled for trade-show
   customers) gets ``1 + Poisson(opp_extra_mean)`` opportunities, each owned by one of
   ``n_reps`` reps. Stage transition k (lead→qualified, qualified→proposal,
   proposal→negotiation, negotiation→won) passes with probability
   ``logistic(logit(stage_pass_rates[k]) + skill_rep)``, skills evenly spaced in
   ``±rep_skill_spread``; each step takes ``Uniform(3, 30)`` days; deals still running at the end
   are ``open``.

Size: about 35-45 raw lines per customer at the defaults over two years (4,000 customers
≈ 150k lines); :func:`n_customers_for_lines` finds the customers for a target line count.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special, stats

from helpers import files
from helpers.data.schema import FUNNEL_STAGES

log = logging.getLogger(__name__)

NS_PER_DAY = 86_400 * 10**9
FIRST_INVOICE = 489_434
FIRST_CUSTOMER_NO = 12_346

CHANNELS = ("organic_search", "paid_search", "email_referral", "social_media", "trade_show",
            "direct")
INCOME_BANDS = ("low", "middle", "high")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("female", "male", "not given")
UK_REGIONS = ("London", "South East", "South West", "East of England", "Midlands",
              "North West", "North East & Yorkshire", "Scotland", "Wales", "Northern Ireland")
COUNTRIES = ("Germany", "France", "EIRE", "Netherlands", "Spain", "Belgium", "Switzerland",
             "Portugal", "Australia", "Norway", "Italy", "Sweden", "Denmark", "USA")
SEGMENTS = ("champions", "frequent_low_spend", "big_ticket_occasional", "casual")

# Product vocabulary: nouns chosen so helpers.data.ingest.categorise_by_keywords files each product
# under the category given here (checked by the tests).
CATEGORY_NOUNS: dict[str, tuple[str, ...]] = {
    "christmas": ("CHRISTMAS BAUBLE", "ADVENT CALENDAR", "SANTA FIGURE", "REINDEER ORNAMENT",
                  "SNOWFLAKE GARLAND"),
    "bags": ("SHOPPER BAG", "LUNCH BOX", "COIN PURSE", "TOTE"),
    "kitchen & dining": ("MUG", "CAKE STAND", "PLATE", "BOWL", "TEA SET", "NAPKINS",
                         "BAKING SET"),
    "candles & lights": ("CANDLE", "T-LIGHT HOLDER", "LANTERN", "NIGHT LIGHT"),
    "home decor": ("WALL SIGN", "PHOTO FRAME", "CUSHION COVER", "CLOCK", "DOORMAT",
                   "HANGING HEART"),
    "stationery & cards": ("GREETING CARD", "NOTEBOOK", "WRAPPING PAPER", "STICKER SHEET",
                           "PENCIL SET"),
    "toys & party": ("TOY CAR", "PARTY BUNTING", "JIGSAW", "RAG DOLL", "BALLOONS"),
    "garden": ("GARDEN MARKER", "FLOWER POT", "BIRD FEEDER", "WATERING CAN"),
    "storage": ("STORAGE BOX", "BISCUIT TIN", "WICKER BASKET", "TRINKET BOX"),
    "fashion & accessories": ("NECKLACE", "BRACELET", "HAIR CLIP", "UMBRELLA", "SCARF"),
}
ADJECTIVES = ("RED SPOTTY", "BLUE POLKADOT", "PINK STRIPE", "VINTAGE", "REGENCY", "JUMBO",
              "GREEN FLORAL", "WHITE METAL", "PAISLEY", "ROSE", "IVORY", "RETRO", "SMALL",
              "LARGE", "WOODLAND", "PANTRY", "SPACEBOY", "FAIRY", "SKULLS", "GINGHAM",
              "ENAMEL", "GLASS", "FELT", "ZINC", "SCANDI")
NON_PRODUCT = (("POST", "POSTAGE"), ("M", "Manual"))


@dataclass(frozen=True)
class SynthConfig:
    """Parameters of the generative process (see the module docstring for their roles).

    Rates are per week (``alpha`` in weeks), money in GBP, ``*_rate`` are probabilities per
    order (or per line where stated), ``*_per_year`` are Poisson rates per customer-year.
    """

    # BG/NBD (weekly time unit)
    r: float = 0.8
    alpha: float = 12.0
    a: float = 1.0
    b: float = 4.0
    # Gamma-Gamma spend per order, GBP
    spend_p: float = 4.0
    spend_q: float = 5.0
    spend_gamma: float = 300.0
    # baskets
    value_per_line_gbp: float = 30.0
    line_weight_shape: float = 2.0
    n_products: int = 800
    n_assoc_pairs: int = 8
    assoc_prob: float = 0.6
    # timing
    seasonal_amplitude: float = 0.4
    peak_day_of_year: int = 320
    weekday_weights: tuple[float, ...] = (1.1, 1.15, 1.2, 1.25, 0.9, 0.0, 0.7)  # Mon..Sun
    open_hour: float = 8.0
    close_hour: float = 19.0
    initial_share: float = 0.15
    initial_days: int = 30
    uk_share: float = 0.88
    # dirt (probabilities per order unless stated)
    guest_order_share: float = 0.06
    cancel_order_rate: float = 0.03
    partial_cancel_share: float = 0.25
    postage_rate_uk: float = 0.01
    postage_rate_abroad: float = 0.5
    manual_rate: float = 0.003
    free_sample_rate: float = 0.002
    duplicate_line_rate: float = 0.003  # per product line
    # satisfaction
    survey_rate: float = 0.15
    pre_churn_weeks: float = 8.0
    pre_churn_dip: float = 0.8
    # interactions
    campaign_every_days: int = 28
    email_send_prob: float = 0.7
    open_prob_alive: float = 0.35
    open_prob_dead: float = 0.08
    click_prob: float = 0.25
    call_rate_per_year: float = 0.4
    pre_churn_calls: float = 0.8
    social_rate_per_year: float = 0.1
    # opportunities
    opp_customer_share: float = 0.15
    opp_extra_mean: float = 0.5
    n_reps: int = 8
    stage_pass_rates: tuple[float, ...] = (0.6, 0.55, 0.6, 0.5)
    rep_skill_spread: float = 0.8
    # descriptor tilts: (shares, betas) in the order of CHANNELS / INCOME_BANDS / AGE_BANDS
    channel_shares: tuple[float, ...] = (0.3, 0.2, 0.15, 0.12, 0.08, 0.15)
    channel_betas: tuple[float, ...] = (0.0, -0.2, 0.3, -0.6, 0.8, 0.2)
    income_shares: tuple[float, ...] = (0.3, 0.5, 0.2)
    income_betas: tuple[float, ...] = (-0.6, 0.0, 0.6)
    age_shares: tuple[float, ...] = (0.08, 0.2, 0.24, 0.22, 0.16, 0.1)
    age_betas: tuple[float, ...] = (0.5, 0.3, 0.1, -0.1, -0.3, -0.5)

    def __post_init__(self) -> None:
        for name in ("r", "alpha", "a", "b", "spend_p", "spend_q", "spend_gamma",
                     "value_per_line_gbp", "line_weight_shape"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SynthConfig.{name}={getattr(self, name)}: must be > 0")
        for name in ("initial_share", "uk_share", "guest_order_share", "cancel_order_rate",
                     "partial_cancel_share", "postage_rate_uk", "postage_rate_abroad",
                     "manual_rate", "free_sample_rate", "duplicate_line_rate", "survey_rate",
                     "email_send_prob", "open_prob_alive", "open_prob_dead", "click_prob",
                     "opp_customer_share", "assoc_prob"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"SynthConfig.{name}={v}: must be a probability in [0, 1]")
        if not 0 <= self.seasonal_amplitude < 1:
            raise ValueError(f"SynthConfig.seasonal_amplitude={self.seasonal_amplitude}: [0, 1)")
        if len(self.weekday_weights) != 7 or min(self.weekday_weights) < 0 or not any(
            self.weekday_weights
        ):
            raise ValueError("SynthConfig.weekday_weights: need 7 non-negative weights, not all 0")
        if len(self.stage_pass_rates) != len(FUNNEL_STAGES) - 1:
            raise ValueError(
                f"SynthConfig.stage_pass_rates: need {len(FUNNEL_STAGES) - 1} rates (one per "
                f"transition of {FUNNEL_STAGES})"
            )
        if not all(0 < x < 1 for x in self.stage_pass_rates):
            raise ValueError("SynthConfig.stage_pass_rates: each must be in (0, 1)")
        if self.n_products < 2 * self.n_assoc_pairs + 10:
            raise ValueError(f"SynthConfig.n_products={self.n_products}: too few for the pairs")
        n_max = sum(len(v) for v in CATEGORY_NOUNS.values()) * len(ADJECTIVES)
        if self.n_products > n_max:
            raise ValueError(f"SynthConfig.n_products={self.n_products}: at most {n_max}")
        if not self.close_hour > self.open_hour:
            raise ValueError("SynthConfig.close_hour must be after open_hour")
        if self.n_reps < 1:
            raise ValueError(f"SynthConfig.n_reps={self.n_reps}: must be >= 1")
        for shares, betas, labels in (
            (self.channel_shares, self.channel_betas, CHANNELS),
            (self.income_shares, self.income_betas, INCOME_BANDS),
            (self.age_shares, self.age_betas, AGE_BANDS),
        ):
            if len(shares) != len(labels) or len(betas) != len(labels):
                raise ValueError(f"SynthConfig: shares/betas for {labels} need {len(labels)} items")


@dataclass
class SyntheticCRM:
    """The generated raw tables (keyed by ``source_customer_id``) and the ground truth."""

    transactions: pd.DataFrame
    customers: pd.DataFrame
    interactions: pd.DataFrame
    feedback: pd.DataFrame
    opportunities: pd.DataFrame
    ground_truth_customers: pd.DataFrame
    truth: dict[str, Any]


# --------------------------------------------------------------------------- small helpers


def _config(config: dict[str, Any]) -> SynthConfig:
    names = {f.name for f in dataclasses.fields(SynthConfig)}
    unknown = sorted(set(config) - names)
    if unknown:
        raise ValueError(f"simulate_crm: unknown config key(s) {unknown}; valid: {sorted(names)}")
    cfg = dict(config)
    for k in ("weekday_weights", "stage_pass_rates", "channel_shares", "channel_betas",
              "income_shares", "income_betas", "age_shares", "age_betas"):
        if k in cfg:
            cfg[k] = tuple(float(x) for x in cfg[k])
    return SynthConfig(**cfg)


def _window(start: str, end: str) -> tuple[pd.Timestamp, pd.Timestamp, int]:
    """Start midnight, exclusive end (midnight after ``end``) and the number of days."""
    try:
        t0 = pd.Timestamp(start).normalize()
        t1 = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"simulate_crm: start={start!r} / end={end!r} are not dates") from exc
    n_days = int((t1 - t0).days)
    if n_days < 14:
        raise ValueError(f"simulate_crm: window {start}..{end} is shorter than 14 days")
    return t0, t1, n_days


def seasonal_intensity(dates: pd.DatetimeIndex, cfg: SynthConfig) -> np.ndarray:
    """Relative purchase intensity per calendar day (mean ≈ 1 over a year, 0 on Saturdays).

    ``s(d) = w(weekday) * (1 + A cos(2π (doy - peak) / 365.25))``, weekday weights normalised to
    mean 1.
    """
    w = np.asarray(cfg.weekday_weights, dtype=float)
    w = w * 7.0 / w.sum()
    doy = dates.dayofyear.to_numpy(dtype=float)
    yearly = 1.0 + cfg.seasonal_amplitude * np.cos(2 * np.pi * (doy - cfg.peak_day_of_year)
                                                   / 365.25)
    return w[dates.dayofweek.to_numpy()] * yearly


def _virtual_to_ns(t: np.ndarray, start: pd.Timestamp, cfg: SynthConfig) -> np.ndarray:
    """Virtual day time -> datetime64[ns] (day + fraction mapped into shop hours), to the minute."""
    day = np.floor(t)
    hours = cfg.open_hour + (t - day) * (cfg.close_hour - cfg.open_hour)
    minutes = np.floor(hours * 60.0).astype(np.int64)
    ns = start.value + day.astype(np.int64) * NS_PER_DAY + minutes * 60 * 10**9
    return ns.astype("datetime64[ns]")


def _tilted_choice(rng: np.random.Generator, z: np.ndarray, shares, betas) -> np.ndarray:
    """Index k per row with ``P(k) ∝ share_k exp(beta_k z)`` (vectorised inverse CDF)."""
    logits = np.log(np.asarray(shares, dtype=float))[None, :] + np.outer(z, betas)
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(prob, axis=1)
    u = rng.random(len(z)) * cdf[:, -1]
    return (cdf < u[:, None]).sum(axis=1).clip(0, len(shares) - 1)


def _probit(u: np.ndarray) -> np.ndarray:
    return special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))


def _group_starts(group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts per group and the first position of each group in a group-sorted array."""
    counts = np.bincount(group, minlength=n_groups)
    return counts, np.cumsum(counts) - counts


def _strings(values: list[str] | np.ndarray, index: np.ndarray | None = None) -> pd.Series:
    """A ``string`` Series from a dictionary of values and integer codes (-1 = null)."""
    dictionary = pa.array(list(values), type=pa.string())
    if index is None:
        arr = dictionary
    else:
        idx = pa.array(index, mask=index < 0, type=pa.int64())
        arr = pc.take(dictionary, idx)
    return pd.Series(pd.arrays.ArrowStringArray(arr), dtype=pd.StringDtype("pyarrow"))


# --------------------------------------------------------------------------- the catalogue


def make_catalogue(n_products: int, rng: np.random.Generator) -> pd.DataFrame:
    """Products with unique stock codes and descriptions, category, list price and popularity.

    Returns
    -------
    DataFrame
        ``stock_code``, ``description``, ``category``, ``price_gbp`` (list price, multiples of
        0.05, ≥ 0.10), ``popularity`` (draw probability, sums to 1), sorted by stock code.
    """
    combos = [(cat, f"{adj} {noun}") for cat, nouns in CATEGORY_NOUNS.items()
              for noun in nouns for adj in ADJECTIVES]
    if n_products > len(combos):
        raise ValueError(f"make_catalogue: n_products={n_products} > {len(combos)} combinations")
    pick = rng.choice(len(combos), size=n_products, replace=False)
    codes = rng.choice(np.arange(10_000, 99_999), size=n_products, replace=False)
    suffix = np.where(rng.random(n_products) < 0.1, rng.choice(list("ABCDEFGLPS"), n_products), "")
    price = np.round(np.exp(rng.normal(np.log(2.1), 0.7, n_products)) * 20) / 20
    rank = rng.permutation(n_products)
    pop = 1.0 / (rank + 10.0) ** 0.9
    cat = pd.DataFrame(
        {
            "stock_code": [f"{c}{s}" for c, s in zip(codes, suffix, strict=True)],
            "description": [combos[i][1] for i in pick],
            "category": [combos[i][0] for i in pick],
            "price_gbp": np.maximum(price, 0.10),
            "popularity": pop / pop.sum(),
        }
    )
    return cat.sort_values("stock_code", kind="mergesort").reset_index(drop=True)


def _plant_pairs(cat: pd.DataFrame, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """Disjoint (A, B) product-index pairs: A among the 20th-120th most popular products."""
    order = np.argsort(-cat["popularity"].to_numpy(), kind="mergesort")
    pool_a = order[20:120]
    a = rng.choice(pool_a, size=n_pairs, replace=False)
    rest = np.setdiff1d(np.arange(len(cat)), a)
    b = rng.choice(rest, size=n_pairs, replace=False)
    return np.stack([a, b], axis=1)


# --------------------------------------------------------------------------- customers


def _draw_customers(n: int, n_days: int, s_day: np.ndarray, cfg: SynthConfig,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
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


def _country_weights() -> np.ndarray:
    w = 1.0 / np.arange(1, len(COUNTRIES) + 1) ** 0.8
    return w / w.sum()


def _simulate_purchases(c: dict[str, np.ndarray], n_days: int, s_day: np.ndarray,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repeat purchases by thinning; returns (customer, virtual time) of repeats and the
    virtual drop-out time per customer (NaN = alive at the end)."""
    n = len(c["lam"])
    s_max = float(s_day.max())
    window = n_days - c["t0"]
    m = rng.poisson(c["lam"] / 7.0 * s_max * window)
    cust = np.repeat(np.arange(n), m)
    t = c["t0"][cust] + rng.random(len(cust)) * window[cust]
    order = np.lexsort((t, cust))
    cust, t = cust[order], t[order]
    keep = rng.random(len(t)) * s_max < s_day[np.minimum(t.astype(np.int64), n_days - 1)]
    cust, t = cust[keep], t[keep]
    counts, starts = _group_starts(cust, n)
    rank = np.arange(len(cust)) - starts[cust] + 1
    n_before_drop = rng.geometric(c["p"])  # drop out right after repeat purchase N_i
    alive = rank <= n_before_drop[cust]
    died = counts >= n_before_drop
    t_drop = np.full(n, np.nan)
    idx = starts[died] + n_before_drop[died] - 1
    t_drop[died] = t[idx]
    return cust[alive], t[alive], t_drop


# --------------------------------------------------------------------------- order lines


def _order_lines(order_value: np.ndarray, cat: pd.DataFrame, pairs: np.ndarray,
                 cfg: SynthConfig, rng: np.random.Generator):
    """Split order values into product lines. Returns (order index, product index, quantity),
    sorted by order, products in random order within an order."""
    n_orders = len(order_value)
    n_prod = len(cat)
    n_lines = 1 + rng.poisson(order_value / cfg.value_per_line_gbp)
    order = np.repeat(np.arange(n_orders, dtype=np.int64), n_lines)
    cdf = np.cumsum(cat["popularity"].to_numpy())
    prod = np.minimum(np.searchsorted(cdf, rng.random(len(order)) * cdf[-1]), n_prod - 1)
    partner = np.full(n_prod, -1, dtype=np.int64)
    partner[pairs[:, 0]] = pairs[:, 1]
    add = (partner[prod] >= 0) & (rng.random(len(prod)) < cfg.assoc_prob)
    order = np.concatenate([order, order[add]])
    prod = np.concatenate([prod, partner[prod[add]]])
    key = np.unique(order * n_prod + prod)  # merge repeated products in one order
    order, prod = key // n_prod, key % n_prod
    shuffle = np.lexsort((rng.random(len(order)), order))
    order, prod = order[shuffle], prod[shuffle]
    w = rng.gamma(cfg.line_weight_shape, 1.0, len(order))
    w_sum = np.bincount(order, weights=w, minlength=n_orders)
    value = order_value[order] * w / w_sum[order]
    price = cat["price_gbp"].to_numpy()[prod]
    qty = np.maximum(1, np.rint(value / price)).astype(np.int64)
    return order, prod, qty


# --------------------------------------------------------------------------- main entry


def simulate_crm(n_customers: int, start: str, end: str, seed: int,
                 **config: Any) -> SyntheticCRM:
    """Simulate a CRM: customers, transactions with dirt, interactions, surveys, opportunities.

    Parameters
    ----------
    n_customers
        Customers acquired in the window (each makes at least one purchase).
    start, end
        First and last calendar day (ISO dates; ``end`` inclusive).
    seed
        Seed of all randomness (independent streams per component via ``SeedSequence``).
    **config
        Overrides of :class:`SynthConfig` fields (e.g. ``seasonal_amplitude=0``).

    Returns
    -------
    SyntheticCRM
        Raw tables keyed by ``source_customer_id`` and the ground truth (see module docstring).
    """
    if not isinstance(n_customers, (int, np.integer)) or n_customers < 1:
        raise ValueError(f"simulate_crm: n_customers={n_customers!r} must be a positive int")
    cfg = _config(config)
    t_start, t_end, n_days = _window(start, end)
    dates = pd.date_range(t_start, periods=n_days, freq="D")
    s_day = seasonal_intensity(dates, cfg)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    rng_cat, rng_cust, rng_buy, rng_lines, rng_dirt, rng_fb, rng_int, rng_opp = streams

    cat = make_catalogue(cfg.n_products, rng_cat)
    pairs = _plant_pairs(cat, cfg.n_assoc_pairs, rng_cat)
    c = _draw_customers(int(n_customers), n_days, s_day, cfg, rng_cust)
    rep_cust, rep_t, t_drop = _simulate_purchases(c, n_days, s_day, rng_buy)
    n = int(n_customers)

    # orders: trial purchases, repeats, guests
    n_cust_orders = n + len(rep_cust)
    o_cust = np.concatenate([np.arange(n), rep_cust])
    o_t = np.concatenate([c["t0"], rep_t])
    n_guest = int(round(cfg.guest_order_share * n_cust_orders))
    g_day = np.searchsorted(np.cumsum(s_day / s_day.sum()), rng_buy.random(n_guest) * (1 - 1e-12))
    o_cust = np.concatenate([o_cust, np.full(n_guest, -1)])
    o_t = np.concatenate([o_t, g_day + rng_buy.random(n_guest) * 0.999])
    nu_o = np.concatenate([c["nu"][o_cust[:n_cust_orders]],
                           rng_buy.gamma(cfg.spend_q, 1.0 / cfg.spend_gamma, n_guest)])
    o_value = rng_buy.gamma(cfg.spend_p, 1.0 / nu_o)
    cust_country = np.where(c["uk"], -1, c["country_abroad"])
    guest_country = np.where(rng_buy.random(n_guest) < cfg.uk_share, -1,
                             rng_buy.choice(len(COUNTRIES), n_guest, p=_country_weights()))
    o_country = np.concatenate([cust_country[o_cust[:n_cust_orders]], guest_country])
    o_ns = _virtual_to_ns(o_t, t_start, cfg)

    l_order, l_prod, l_qty = _order_lines(o_value, cat, pairs, cfg, rng_lines)
    tx, dirt_stats = _assemble_transactions(
        o_cust, o_ns, o_country, l_order, l_prod, l_qty, cat, cfg, t_end, rng_dirt, n_cust_orders
    )
    customers = _customer_table(c, t_start, cfg)
    src_ids = customers["source_customer_id"].to_numpy(dtype=object)
    tx["source_customer_id"] = _strings(src_ids, tx.pop("_cust").to_numpy())
    tx = tx[["invoice", "stock_code", "description", "quantity", "invoice_ts", "unit_price",
             "source_customer_id", "country"]]

    has_drop = ~np.isnan(t_drop)
    drop_ns = np.where(has_drop, _virtual_to_ns(np.nan_to_num(t_drop), t_start, cfg)
                       .astype(np.int64), np.iinfo(np.int64).min)
    feedback = _feedback(c, o_cust[:n_cust_orders], o_ns[:n_cust_orders], drop_ns, has_drop, t_end, cfg,
                         rng_fb, src_ids)
    interactions = _interactions(c, customers, drop_ns, has_drop, t_start, t_end, n_days, cfg, rng_int,
                                 src_ids)
    opportunities, funnel_truth = _opportunities(c, t_start, t_end, n_days, cfg, rng_opp,
                                                 src_ids)
    gt_cust, truth = _ground_truth(c, customers, rep_cust, drop_ns, has_drop, t_end, cfg, cat, pairs,
                                   funnel_truth, dirt_stats, seed, start, end, n)
    log.info("synthetic CRM: %d customers, %d orders, %d raw lines", n, len(o_cust), len(tx))
    return SyntheticCRM(tx, customers, interactions, feedback, opportunities, gt_cust, truth)


def _assemble_transactions(o_cust, o_ns, o_country, l_order, l_prod, l_qty, cat, cfg, t_end,
                           rng, n_cust_orders):
    """Add dirt (cancellations, POST, M, free samples, duplicates), number the invoices and
    build the raw line table (``_cust`` holds the customer index, -1 for guests)."""
    n_orders = len(o_cust)
    n_prod = len(cat)
    price = np.concatenate([cat["price_gbp"].to_numpy(), [18.0, 0.0]])
    l_price = price[l_prod]
    lines_per_order, first_line = _group_starts(l_order, n_orders)
    # cancellations: one line of a multi-line customer order, within 14 days, before the end
    cand = np.flatnonzero((lines_per_order[:n_cust_orders] >= 2)
                          & (rng.random(n_cust_orders) < cfg.cancel_order_rate))
    pick = first_line[cand] + (rng.random(len(cand)) * lines_per_order[cand]).astype(np.int64)
    c_day = o_ns[cand].astype(np.int64) // NS_PER_DAY + rng.integers(1, 15, len(cand))
    c_min = rng.integers(int(cfg.open_hour * 60), int(cfg.close_hour * 60), len(cand))
    c_ns = c_day * NS_PER_DAY + c_min * 60 * 10**9
    dow = ((c_ns // NS_PER_DAY) + 3) % 7  # 1970-01-01 was a Thursday (dow 3, Monday = 0)
    c_ns = c_ns + np.where(np.asarray(cfg.weekday_weights)[dow] > 0, 0, NS_PER_DAY)
    ok = c_ns < t_end.value
    cand, pick, c_ns = cand[ok], pick[ok], c_ns[ok]
    partial = (rng.random(len(cand)) < cfg.partial_cancel_share) & (l_qty[pick] >= 2)
    c_qty = -np.where(partial, l_qty[pick] // 2, l_qty[pick])
    # extra lines on existing orders
    abroad = o_country >= 0
    post = rng.random(n_orders) < np.where(abroad, cfg.postage_rate_abroad, cfg.postage_rate_uk)
    manual = rng.random(n_orders) < cfg.manual_rate
    free = np.flatnonzero(rng.random(n_orders) < cfg.free_sample_rate)
    dup = np.flatnonzero(rng.random(len(l_order)) < cfg.duplicate_line_rate)
    post_o, man_o = np.flatnonzero(post), np.flatnonzero(manual)
    free_prod = rng.integers(0, n_prod, len(free))
    man_price = np.round(np.exp(rng.normal(np.log(15.0), 0.8, len(man_o))), 2)
    # documents: orders then cancellations, numbered in time order
    d_ns = np.concatenate([o_ns.astype(np.int64), c_ns])
    d_kind = np.concatenate([np.zeros(n_orders, np.int8), np.ones(len(cand), np.int8)])
    d_rank = np.empty(len(d_ns), np.int64)
    d_rank[np.lexsort((np.arange(len(d_ns)), d_ns))] = np.arange(len(d_ns))
    d_cust = np.concatenate([o_cust, o_cust[cand]])
    d_country = np.concatenate([o_country, o_country[cand]])
    # all lines: (document, line sequence, code index, quantity, price)
    seq = np.arange(len(l_order)) - first_line[l_order]
    big = 1_000_000
    parts = [
        (l_order, seq, l_prod, l_qty, l_price),
        (free, np.full(len(free), big - 4), free_prod, rng.integers(1, 13, len(free)),
         np.zeros(len(free))),
        (man_o, np.full(len(man_o), big - 3), np.full(len(man_o), n_prod + 1),
         np.ones(len(man_o), np.int64), man_price),
        (post_o, np.full(len(post_o), big - 2), np.full(len(post_o), n_prod),
         rng.integers(1, 4, len(post_o)), np.where(o_country[post_o] >= 0, 18.0, 5.0)),
        (l_order[dup], seq[dup] + big // 2, l_prod[dup], l_qty[dup], l_price[dup]),
        (n_orders + np.arange(len(cand)), np.zeros(len(cand), np.int64), l_prod[pick], c_qty,
         l_price[pick]),
    ]
    doc = np.concatenate([p[0] for p in parts])
    lseq = np.concatenate([p[1] for p in parts])
    code = np.concatenate([p[2] for p in parts])
    qty = np.concatenate([p[3] for p in parts]).astype(np.int64)
    prc = np.round(np.concatenate([p[4] for p in parts]).astype(float), 2)
    order = np.lexsort((lseq, d_rank[doc]))
    doc, code, qty, prc = doc[order], code[order], qty[order], prc[order]
    inv_no = FIRST_INVOICE + d_rank
    inv_str = np.array([("C" if k else "") + str(x) for k, x in zip(d_kind, inv_no, strict=True)],
                       dtype=object)
    codes = list(cat["stock_code"]) + [c for c, _ in NON_PRODUCT]
    descs = list(cat["description"]) + [d for _, d in NON_PRODUCT]
    country_names = ["United Kingdom", *COUNTRIES]
    tx = pd.DataFrame(
        {
            "invoice": _strings(inv_str, doc),
            "stock_code": _strings(codes, code),
            "description": _strings(descs, code),
            "quantity": qty,
            "invoice_ts": d_ns[doc].astype("datetime64[ns]"),
            "unit_price": prc,
            "_cust": d_cust[doc],
            "country": _strings(country_names, d_country[doc] + 1),
        }
    )
    n_lines = len(tx)
    stats_ = {
        "raw_lines": n_lines,
        "product_lines": int(len(l_order)),
        "cancellation_lines": int(len(cand)),
        "cancellation_partial_lines": int(partial.sum()),
        "postage_lines": int(len(post_o)),
        "manual_lines": int(len(man_o)),
        "free_sample_lines": int(len(free)),
        "duplicate_lines": int(len(dup)),
        "guest_orders": int(n_orders - n_cust_orders),
        "customer_orders": int(n_cust_orders),
        "guest_lines": int((d_cust[doc] < 0).sum()),
    }
    return tx, stats_


def _customer_table(c: dict[str, np.ndarray], t_start: pd.Timestamp,
                    cfg: SynthConfig) -> pd.DataFrame:
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


def _feedback(c, o_cust, o_ns, drop_ns, has_drop, t_end, cfg, rng, src_ids) -> pd.DataFrame:
    """Surveys after a share of customer orders; churners and the weeks before drop-out score
    lower."""
    pick = np.flatnonzero(rng.random(len(o_cust)) < cfg.survey_rate)
    cust = o_cust[pick]
    ts = o_ns[pick].astype(np.int64) + (rng.uniform(1.0, 7.0, len(pick)) * NS_PER_DAY).astype(
        np.int64)
    ts = ts // (60 * 10**9) * (60 * 10**9)
    ok = ts < t_end.value
    cust, ts = cust[ok], ts[ok]
    window = int(cfg.pre_churn_weeks * 7 * NS_PER_DAY)
    near = has_drop[cust] & (ts > drop_ns[cust] - window)
    sat = -0.8 * c["z_p"][cust] + 0.6 * c["sat_noise"][cust] - cfg.pre_churn_dip * near
    csat = np.clip(np.rint(3.9 + 0.8 * sat + rng.normal(0, 0.5, len(cust))), 1, 5)
    nps = np.clip(np.rint(7.6 + 1.7 * sat + rng.normal(0, 1.0, len(cust))), 0, 10)
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


def _interactions(c, customers, drop_ns, has_drop, t_start, t_end, n_days, cfg, rng,
                  src_ids) -> pd.DataFrame:
    """Email campaigns (sent/opened/clicked), service and complaint calls, social engagement."""
    n = len(c["lam"])
    acq_ns = customers["acquisition_ts"].to_numpy().astype(np.int64)
    camp_days = np.arange(14, n_days, max(cfg.campaign_every_days, 1))
    camp_ns = t_start.value + camp_days * NS_PER_DAY + 10 * 3600 * 10**9
    camp_ids = [f"CMP-{pd.Timestamp(x):%Y-%m-%d}" for x in camp_ns]
    rows_c, rows_k, rows_ts, rows_kind, rows_chan = [], [], [], [], []
    for k, ns in enumerate(camp_ns):  # one vectorised step per campaign (tens of campaigns)
        sent = np.flatnonzero((acq_ns < ns) & (rng.random(n) < cfg.email_send_prob))
        dead = has_drop[sent] & (drop_ns[sent] < ns)
        opened = rng.random(len(sent)) < np.where(dead, cfg.open_prob_dead, cfg.open_prob_alive)
        clicked = opened & (rng.random(len(sent)) < cfg.click_prob)
        t_open = ns + (rng.exponential(1.0, len(sent)) * NS_PER_DAY).astype(np.int64)
        t_click = t_open + (rng.exponential(0.01, len(sent)) * NS_PER_DAY).astype(np.int64)
        for mask, t, kind in ((np.ones(len(sent), bool), np.full(len(sent), ns), 0),
                              (opened, t_open, 1), (clicked, t_click, 2)):
            rows_c.append(sent[mask])
            rows_k.append(np.full(int(mask.sum()), k))
            rows_ts.append(t[mask])
            rows_kind.append(np.full(int(mask.sum()), kind))
            rows_chan.append(np.zeros(int(mask.sum()), np.int64))
    tenure_years = (t_end.value - acq_ns) / NS_PER_DAY / 365.25
    for rate, kind, chan in ((cfg.call_rate_per_year, 3, 1), (cfg.social_rate_per_year, 4, 2)):
        mult = np.where(c["channel"] == CHANNELS.index("social_media"), 3.0, 1.0) if chan == 2 \
            else np.ones(n)
        m = rng.poisson(rate * mult * tenure_years)
        cc = np.repeat(np.arange(n), m)
        t = acq_ns[cc] + (rng.random(len(cc)) * (t_end.value - acq_ns[cc])).astype(np.int64)
        rows_c.append(cc)
        rows_k.append(np.full(len(cc), -1))
        rows_ts.append(t)
        rows_kind.append(np.full(len(cc), kind))
        rows_chan.append(np.full(len(cc), chan))
    churners = np.flatnonzero(has_drop)
    m = rng.poisson(cfg.pre_churn_calls, len(churners))
    cc = np.repeat(churners, m)
    back = (rng.random(len(cc)) * cfg.pre_churn_weeks * 7 * NS_PER_DAY).astype(np.int64)
    t = np.maximum(drop_ns[cc] - back, acq_ns[cc])
    rows_c.append(cc)
    rows_k.append(np.full(len(cc), -1))
    rows_ts.append(t)
    rows_kind.append(np.full(len(cc), 5))
    rows_chan.append(np.full(len(cc), 1))
    cust = np.concatenate(rows_c)
    camp = np.concatenate(rows_k)
    ts = np.concatenate(rows_ts).astype(np.int64) // (60 * 10**9) * (60 * 10**9)
    kind = np.concatenate(rows_kind)
    chan = np.concatenate(rows_chan)
    ok = ts < t_end.value
    cust, camp, ts, kind, chan = cust[ok], camp[ok], ts[ok], kind[ok], chan[ok]
    order = np.lexsort((kind, cust, ts))
    return pd.DataFrame(
        {
            "interaction_id": np.arange(1, len(cust) + 1, dtype=np.int64),
            "source_customer_id": _strings(src_ids, cust[order]),
            "interaction_ts": ts[order].astype("datetime64[ns]"),
            "channel": _strings(["email", "phone", "social"], chan[order]),
            "kind": _strings(["sent", "opened", "clicked", "call", "engaged", "complaint_call"],
                             kind[order]),
            "campaign_id": _strings(camp_ids, camp[order]),
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


def _opportunities(c, t_start, t_end, n_days, cfg, rng, src_ids):
    n = len(c["lam"])
    reps, rates = rep_pass_rates(cfg)
    share = np.where(c["channel"] == CHANNELS.index("trade_show"), 2.0, 1.0)
    has = rng.random(n) < np.minimum(cfg.opp_customer_share * share, 1.0)
    m = np.where(has, 1 + rng.poisson(cfg.opp_extra_mean, n), 0)
    cust = np.repeat(np.arange(n), m)
    k = len(cust)
    t_created = c["t0"][cust] + rng.random(k) * (n_days - c["t0"][cust])
    created = _virtual_to_ns(t_created, t_start, cfg).astype(np.int64)
    rep = rng.integers(0, cfg.n_reps, k)
    n_trans = len(FUNNEL_STAGES) - 1
    passed = rng.random((k, n_trans)) < rates[rep]
    n_pass = np.cumprod(passed, axis=1).sum(axis=1)  # stages passed in a row
    steps = (rng.uniform(3.0, 30.0, (k, n_trans)) * NS_PER_DAY).astype(np.int64)
    cum = created[:, None] + np.cumsum(steps, axis=1)  # time of the end of step j
    close = cum[np.arange(k), np.minimum(n_pass, n_trans - 1)]
    is_open = close >= t_end.value
    done_by_end = (cum < t_end.value) & (np.arange(n_trans)[None, :] < n_pass[:, None])
    furthest = np.where(is_open, done_by_end.sum(axis=1), n_pass)
    outcome = np.where(is_open, 2, np.where(n_pass == n_trans, 0, 1))
    amount = np.round(np.exp(rng.normal(np.log(2000.0), 0.8, k)), 2)
    order = np.lexsort((cust, created))
    closed = np.where(is_open, np.iinfo(np.int64).min, close // (60 * 10**9) * (60 * 10**9))
    opp = pd.DataFrame(
        {
            "opportunity_id": np.arange(1, k + 1, dtype=np.int64),
            "source_customer_id": _strings(src_ids, cust[order]),
            "rep_id": _strings(reps, rep[order]),
            "created_ts": created[order].astype("datetime64[ns]"),
            "closed_ts": pd.to_datetime(closed[order]).astype("datetime64[ns]"),
            "furthest_stage": _strings(FUNNEL_STAGES, furthest[order]),
            "outcome": _strings(["won", "lost", "open"], outcome[order]),
            "amount_gbp": amount[order],
        }
    )
    names = [f"{FUNNEL_STAGES[j]}->{FUNNEL_STAGES[j + 1]}" for j in range(n_trans)]
    truth = {rep: dict(zip(names, map(float, rates[i]), strict=True))
             for i, rep in enumerate(reps)}
    return opp, truth


def expected_purchases(lam_per_week: np.ndarray, p: np.ndarray,
                       intensity_weeks: float) -> np.ndarray:
    """Expected purchases of an *alive* customer over a period of integrated intensity
    ``intensity_weeks`` (= weeks for a flat season): ``(1 - exp(-p λ W)) / p``."""
    lam = np.asarray(lam_per_week, float)
    p = np.asarray(p, float)
    return -np.expm1(-p * lam * intensity_weeks) / p


def _ground_truth(c, customers, rep_cust, drop_ns, has_drop, t_end, cfg, cat, pairs, funnel_truth,
                  dirt_stats, seed, start, end, n):
    lam, p, nu = c["lam"], c["p"], c["nu"]
    next_year = pd.date_range(t_end, periods=364, freq="D")
    w52 = float(seasonal_intensity(next_year, cfg).sum() / 7.0)
    alive = ~has_drop
    e_x = np.where(alive, expected_purchases(lam, p, w52), 0.0)
    mean_spend = cfg.spend_p / nu
    lam_med = stats.gamma.ppf(0.5, cfg.r, scale=1.0 / cfg.alpha)
    spend_med = cfg.spend_p * stats.gamma.ppf(0.5, cfg.spend_q, scale=cfg.spend_gamma)
    seg = np.where(lam > lam_med, np.where(mean_spend > spend_med, 0, 1),
                   np.where(mean_spend > spend_med, 2, 3))
    gt = pd.DataFrame(
        {
            "source_customer_id": customers["source_customer_id"],
            "true_lambda_per_week": lam,
            "true_p_dropout": p,
            "true_nu": nu,
            "true_mean_spend_gbp": mean_spend,
            "acquisition_ts": customers["acquisition_ts"],
            "dropout_ts": drop_ns.astype("datetime64[ns]"),
            "alive_at_end": alive,
            "true_repeat_purchases": np.bincount(rep_cust, minlength=n).astype(np.int64),
            "true_segment": _strings(SEGMENTS, seg),
            "true_expected_purchases_52w": e_x,
            "true_expected_value_52w_gbp": e_x * mean_spend,
            "true_satisfaction": -0.8 * c["z_p"] + 0.6 * c["sat_noise"],
        }
    )
    cfg_dict = {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(cfg).items()}
    code = cat["stock_code"].to_numpy()
    truth = {
        "seed": int(seed),
        "n_customers": int(n),
        "window": {"start": str(start), "end": str(end), "end_exclusive": str(t_end)},
        "time_unit": "week",
        "bgnbd": {"r": cfg.r, "alpha": cfg.alpha, "a": cfg.a, "b": cfg.b},
        "gamma_gamma": {"p": cfg.spend_p, "q": cfg.spend_q, "gamma": cfg.spend_gamma},
        "association_pairs": [[str(code[a]), str(code[b])] for a, b in pairs],
        "association_prob": cfg.assoc_prob,
        "funnel_stages": list(FUNNEL_STAGES),
        "funnel_pass_rates": funnel_truth,
        "seasonality": {"amplitude": cfg.seasonal_amplitude, "peak_day_of_year":
                        cfg.peak_day_of_year, "weekday_weights_mon_sun":
                        list(cfg.weekday_weights), "intensity_next_52w_weeks": w52},
        "dirt_rates": {k: getattr(cfg, k) for k in (
            "guest_order_share", "cancel_order_rate", "partial_cancel_share",
            "postage_rate_uk", "postage_rate_abroad", "manual_rate", "free_sample_rate",
            "duplicate_line_rate")},
        "dirt_counts": dirt_stats,
        "segments": {"rule": "lambda above its population median = frequent; mean spend "
                     "p/nu above its population median = high spend",
                     "names": list(SEGMENTS)},
        "share_alive_at_end": float(alive.mean()),
        "product_categories": dict(zip(map(str, code), map(str, cat["category"]), strict=True)),
        "config": cfg_dict,
    }
    return gt, truth


# --------------------------------------------------------------------------- sizes and I/O


def lines_per_customer(start: str, end: str, seed: int = 0, n_pilot: int = 3000,
                       **config: Any) -> float:
    """Raw transaction lines per customer for this window and config, from a pilot run."""
    crm = simulate_crm(n_pilot, start, end, seed, **config)
    return len(crm.transactions) / n_pilot


def n_customers_for_lines(target_lines: int, start: str = "2009-12-01",
                          end: str = "2011-12-09", seed: int = 0, **config: Any) -> int:
    """Customers needed for about ``target_lines`` raw lines (pilot of 3,000 customers).

    At the defaults over 2009-12-01..2011-12-09 this is about 4,000 customers per 150k lines.
    """
    if target_lines < 1:
        raise ValueError(f"n_customers_for_lines: target_lines={target_lines} must be >= 1")
    return max(1, int(math.ceil(target_lines / lines_per_customer(start, end, seed, **config))))


RAW_FILES = ("transactions", "customers", "interactions", "feedback", "opportunities",
             "ground_truth_customers")


def write_synthetic(crm: SyntheticCRM, raw_dir: str | Path) -> list[Path]:
    """Write the raw files read by :mod:`helpers.data.adapters.synthetic` (byte-identical for the
    same ``crm``): ``<table>.parquet`` for :data:`RAW_FILES` and ``ground_truth.json``."""
    if not isinstance(crm, SyntheticCRM):
        raise ValueError(f"write_synthetic: expected a SyntheticCRM, got {type(crm).__name__}")
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    out = [files.write_parquet(getattr(crm, name), raw_dir / f"{name}.parquet")
           for name in RAW_FILES]
    out.append(files.write_json(crm.truth, raw_dir / "ground_truth.json"))
    return out

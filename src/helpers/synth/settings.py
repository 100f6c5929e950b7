"""Constants of the synthetic CRM, the parameters of its generative process (:class:`SynthConfig`)
and the container of its output (:class:`SyntheticCRM`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.data.schema import FUNNEL_STAGES

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
LEAD_SOURCES = ("web", "referral", "event", "outbound")  # where an opportunity came from
OPP_CHANNELS = ("inside_sales", "field_sales", "partner")  # who works an opportunity

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
    value_per_line_amt: float = 30.0
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
    # service tickets, drawn from their own stream (see touches._service_tickets), and their
    # planted effects on the survey scores: each ticket has a response time (lognormal, hours)
    # and is a complaint with probability ticket_complaint_share; a survey's score moves by
    # *_per_response_day x (mean response days of the tickets in the driver window before it)
    # and by *_per_complaint x (complaint tickets in that window), before rounding and clipping
    ticket_rate_per_year: float = 4.0
    ticket_complaint_share: float = 0.3
    response_median_hours: float = 20.0
    response_sigma: float = 0.8
    driver_window_days: int = 30
    csat_per_response_day: float = -0.3  # CSAT points (1-5 scale) per day of response time
    csat_per_complaint: float = -0.6  # CSAT points per complaint ticket
    nps_per_response_day: float = -0.6  # NPS points (0-10 scale) per day of response time
    nps_per_complaint: float = -1.2  # NPS points per complaint ticket
    # opportunities
    opp_customer_share: float = 0.15
    opp_extra_mean: float = 0.5
    n_reps: int = 8
    stage_pass_rates: tuple[float, ...] = (0.6, 0.55, 0.6, 0.5)
    rep_skill_spread: float = 0.8
    # opportunities, drawn from their own stream (see touches._opportunities): logit shifts of
    # every stage transition by lead source and sales channel (first level = reference, 0),
    # reps' workloads and lead-source mixes, and per-stage durations (lognormal, days)
    lead_source_shares: tuple[float, ...] = (0.4, 0.2, 0.15, 0.25)  # order of LEAD_SOURCES
    lead_source_betas: tuple[float, ...] = (0.0, 0.6, 0.25, -0.5)
    opp_channel_shares: tuple[float, ...] = (0.5, 0.3, 0.2)  # order of OPP_CHANNELS
    opp_channel_betas: tuple[float, ...] = (0.0, 0.3, -0.3)
    rep_workload_spread: float = 1.0  # workload share of rep i ∝ exp(spread * cos(2.4 i))
    rep_source_tilt: float = 1.0  # P(source | rep) ∝ share * exp(-tilt * skill_rep * beta)
    stage_median_days: tuple[float, ...] = (6.0, 10.0, 14.0, 8.0)  # per transition
    stage_duration_sigma: float = 0.5  # lognormal sigma; each step clipped to [1, 30] days
    # randomised retention campaign (off while retention_share = 0; see touches._campaign_truth)
    retention_share: float = 0.0  # share of eligible customers treated
    retention_weeks_before_end: float = 26.0  # campaign day: this many weeks before the end
    retention_window_weeks: float = 13.0  # outcome window after the campaign day
    retention_lift: float = 0.35  # P(a treated non-buyer buys because of it), mid frequency
    retention_lift_width: float = 0.8  # width of the lift bump in the frequency z-score
    retention_dog_rate: float = 0.25  # P(a treated sleeping dog lapses at the campaign)
    # descriptor tilts: (shares, betas) in the order of CHANNELS / INCOME_BANDS / AGE_BANDS
    channel_shares: tuple[float, ...] = (0.3, 0.2, 0.15, 0.12, 0.08, 0.15)
    channel_betas: tuple[float, ...] = (0.0, -0.2, 0.3, -0.6, 0.8, 0.2)
    income_shares: tuple[float, ...] = (0.3, 0.5, 0.2)
    income_betas: tuple[float, ...] = (-0.6, 0.0, 0.6)
    age_shares: tuple[float, ...] = (0.08, 0.2, 0.24, 0.22, 0.16, 0.1)
    age_betas: tuple[float, ...] = (0.5, 0.3, 0.1, -0.1, -0.3, -0.5)

    def __post_init__(self) -> None:
        for name in ("r", "alpha", "a", "b", "spend_p", "spend_q", "spend_gamma",
                     "value_per_line_amt", "line_weight_shape"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SynthConfig.{name}={getattr(self, name)}: must be > 0")
        for name in ("initial_share", "uk_share", "guest_order_share", "cancel_order_rate",
                     "partial_cancel_share", "postage_rate_uk", "postage_rate_abroad",
                     "manual_rate", "free_sample_rate", "duplicate_line_rate", "survey_rate",
                     "email_send_prob", "open_prob_alive", "open_prob_dead", "click_prob",
                     "opp_customer_share", "assoc_prob", "retention_share",
                     "retention_lift", "retention_dog_rate", "ticket_complaint_share"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"SynthConfig.{name}={v}: must be a probability in [0, 1]")
        if not (self.ticket_rate_per_year >= 0 and self.response_median_hours > 0
                and self.response_sigma >= 0 and self.driver_window_days >= 1):
            raise ValueError(
                "SynthConfig: need ticket_rate_per_year >= 0, response_median_hours > 0, "
                f"response_sigma >= 0 and driver_window_days >= 1 (got "
                f"{self.ticket_rate_per_year}, {self.response_median_hours}, "
                f"{self.response_sigma}, {self.driver_window_days})"
            )
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
        if not (self.retention_window_weeks > 0 and self.retention_lift_width > 0
                and self.retention_weeks_before_end >= self.retention_window_weeks):
            raise ValueError(
                "SynthConfig.retention_*: need retention_window_weeks > 0, "
                "retention_lift_width > 0 and retention_weeks_before_end >= "
                f"retention_window_weeks (got {self.retention_window_weeks}, "
                f"{self.retention_lift_width}, {self.retention_weeks_before_end})"
            )
        if self.n_reps < 1:
            raise ValueError(f"SynthConfig.n_reps={self.n_reps}: must be >= 1")
        if len(self.stage_median_days) != len(FUNNEL_STAGES) - 1 or not all(
            1.0 <= x <= 30.0 for x in self.stage_median_days
        ) or not self.stage_duration_sigma > 0:
            raise ValueError(
                f"SynthConfig.stage_median_days: need {len(FUNNEL_STAGES) - 1} medians in "
                f"[1, 30] days and stage_duration_sigma > 0 (got {self.stage_median_days}, "
                f"{self.stage_duration_sigma})"
            )
        for shares, betas, labels in (
            (self.lead_source_shares, self.lead_source_betas, LEAD_SOURCES),
            (self.opp_channel_shares, self.opp_channel_betas, OPP_CHANNELS),
        ):
            if len(shares) != len(labels) or len(betas) != len(labels) or min(shares) < 0 \
                    or not sum(shares) > 0:
                raise ValueError(
                    f"SynthConfig: shares/betas for {labels} need {len(labels)} items each, "
                    f"shares non-negative and not all 0 (got {shares}, {betas})"
                )
        for shares, betas, labels in (
            (self.channel_shares, self.channel_betas, CHANNELS),
            (self.income_shares, self.income_betas, INCOME_BANDS),
            (self.age_shares, self.age_betas, AGE_BANDS),
        ):
            if len(shares) != len(labels) or len(betas) != len(labels):
                raise ValueError(
                    f"SynthConfig: shares/betas for {labels} need {len(labels)} items"
                )


@dataclass
class SyntheticCRM:
    """The generated raw tables (keyed by ``source_customer_id``) and the ground truth;
    ``campaign`` is the randomised retention campaign, present when ``retention_share > 0``."""

    transactions: pd.DataFrame
    customers: pd.DataFrame
    interactions: pd.DataFrame
    feedback: pd.DataFrame
    opportunities: pd.DataFrame
    ground_truth_customers: pd.DataFrame
    truth: dict[str, Any]
    campaign: pd.DataFrame | None = None  # the retention campaign (None when it is off)


def _config(config: dict[str, Any]) -> SynthConfig:
    """A :class:`SynthConfig` from keyword overrides (unknown keys rejected, sequences as
    tuples of floats)."""
    names = {f.name for f in dataclasses.fields(SynthConfig)}
    unknown = sorted(set(config) - names)
    if unknown:
        raise ValueError(f"simulate_crm: unknown config key(s) {unknown}; valid: {sorted(names)}")
    cfg = dict(config)
    for k in ("weekday_weights", "stage_pass_rates", "channel_shares", "channel_betas",
              "income_shares", "income_betas", "age_shares", "age_betas", "lead_source_shares",
              "lead_source_betas", "opp_channel_shares", "opp_channel_betas",
              "stage_median_days"):
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

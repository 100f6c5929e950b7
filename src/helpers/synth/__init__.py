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
   lines per order ``L = 1 + Poisson(z / value_per_line_amt)``; products drawn by a Zipf-like
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
   ``logistic(logit(stage_pass_rates[k]) + skill_rep + shift_lead_source + shift_channel)``,
   skills evenly spaced in ``±rep_skill_spread``; each opportunity has a lead source
   (``LEAD_SOURCES``) and a sales channel (``OPP_CHANNELS``) that shift every pass probability on
   the logit scale. Reps have unequal workloads (``rep_workload_spread``) and weaker reps get
   more of the leads that convert well (``rep_source_tilt``), so raw win rates understate skill
   gaps. Time in stage k is lognormal(``stage_median_days[k]``, ``stage_duration_sigma``) clipped
   to [1, 30] days and each stage's entry time is recorded; deals still running at the end are
   ``open``.

10. **Retention campaign** (off by default; on when ``retention_share > 0``). On the day
   ``retention_weeks_before_end`` weeks before the end, each customer acquired before it is
   treated with probability ``retention_share`` (own random stream). Outcome: a purchase in
   the next ``retention_window_weeks`` weeks. The effect is applied to the treated customers'
   purchases, so the transactions show it: a treated customer with no purchase in the window
   buys once in it with probability ``q = retention_lift · exp(-z_λ² / (2 w²))``
   (``w = retention_lift_width``: largest at mid frequency, including customers who had
   already dropped out; champions buy anyway, so their uplift is ~0), and a *sleeping dog*
   (high income, ``z_λ > 0.5``) makes no purchase from the campaign day on with probability
   ``retention_dog_rate`` (negative uplift). The ``campaign`` table (written as
   ``campaign.parquet``) has one row per eligible customer with ``treated`` and the outcome;
   the ground truth adds each customer's true P(purchase) with and without the campaign, the
   true uplift in purchase probability and in expected revenue (``truth.retention_truth``).
   Surveys, interactions and the other ground-truth columns follow the purchases without the
   campaign, so they are byte-identical with it on or off; with it off every file is
   byte-identical to the generator before the campaign existed.

Modules: ``settings`` (constants, :class:`SynthConfig`, :class:`SyntheticCRM`), ``seasons``
(step 1, virtual time), ``customers`` (steps 2-3), ``purchases`` (steps 4-5), ``transactions``
(step 6), ``touches`` (steps 7-9), ``truth`` (ground truth), ``generate`` (the entry points) and
``arrays`` (shared array helpers); the campaign is drawn in ``touches`` and its truth computed
in ``truth``.

Size: about 35-45 raw lines per customer at the defaults over two years (4,000 customers
≈ 150k lines); :func:`n_customers_for_lines` finds the customers for a target line count.
"""

from helpers.synth.generate import (
    RAW_FILES,
    lines_per_customer,
    n_customers_for_lines,
    simulate_crm,
    write_synthetic,
)
from helpers.synth.purchases import make_catalogue
from helpers.synth.seasons import seasonal_intensity
from helpers.synth.settings import (
    ADJECTIVES,
    AGE_BANDS,
    CATEGORY_NOUNS,
    CHANNELS,
    COUNTRIES,
    FIRST_CUSTOMER_NO,
    FIRST_INVOICE,
    GENDERS,
    INCOME_BANDS,
    NON_PRODUCT,
    NS_PER_DAY,
    SEGMENTS,
    UK_REGIONS,
    SynthConfig,
    SyntheticCRM,
)
from helpers.synth.touches import rep_pass_rates
from helpers.synth.truth import expected_purchases

__all__ = [
    "ADJECTIVES",
    "AGE_BANDS",
    "CATEGORY_NOUNS",
    "CHANNELS",
    "COUNTRIES",
    "FIRST_CUSTOMER_NO",
    "FIRST_INVOICE",
    "GENDERS",
    "INCOME_BANDS",
    "NON_PRODUCT",
    "NS_PER_DAY",
    "RAW_FILES",
    "SEGMENTS",
    "UK_REGIONS",
    "SynthConfig",
    "SyntheticCRM",
    "expected_purchases",
    "lines_per_customer",
    "make_catalogue",
    "n_customers_for_lines",
    "rep_pass_rates",
    "seasonal_intensity",
    "simulate_crm",
    "write_synthetic",
]

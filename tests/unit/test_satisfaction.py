"""Tests for helpers.analysis.satisfaction: hand-worked small frames, and recovery of the
drivers planted in the synthetic CRM.

Stated tolerances:
- Hand-worked cases: exact to 1e-9 (1e-6 for fitted models).
- Recovery (20,000 customers, seed 42): the OLS coefficients of CSAT and NPS on mean response
  days and complaint tickets lie within 25 % of the planted shifts (rounding to whole points and
  clipping at the ends of the scale flatten them by up to about 15 %); with the shifts planted
  at zero they lie within 0.06 CSAT points of zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import synth
from helpers.analysis import satisfaction as sa

D = pd.Timestamp


# ------------------------------------------------------------------ hand-worked small cases
def test_monthly_scores_mean_and_normal_interval() -> None:
    fb = pd.DataFrame({"feedback_ts": pd.to_datetime(["2020-01-03", "2020-01-20", "2020-02-01"]),
                       "csat": [4, 2, 5]})
    out = sa.monthly_scores(fb)
    jan, feb = out.iloc[0], out.iloc[1]
    # Jan: mean 3, sd sqrt(2), half-width 1.959964 * sqrt(2) / sqrt(2)
    assert (jan["n"], jan["mean"]) == (2, 3.0)
    assert jan["lo"] == pytest.approx(3 - 1.959964, abs=1e-6)
    assert jan["hi"] == pytest.approx(3 + 1.959964, abs=1e-6)
    assert feb["n"] == 1 and feb["mean"] == 5.0 and np.isnan(feb["lo"])
    with pytest.raises(ValueError, match="nps"):
        sa.monthly_scores(fb, score="nps")


def test_scores_by_group_maps_the_customers_channel() -> None:
    fb = pd.DataFrame({"customer_id": [1, 1, 2, 3], "csat": [5, 3, 2, 4]})
    cust = pd.DataFrame({"customer_id": [1, 2, 3],
                         "acquisition_channel": ["web", "web", None]})
    out = sa.scores_by_group(fb, cust, "acquisition_channel")
    assert list(out.index) == ["web"]  # customer 3 has no channel
    assert out.loc["web", "n"] == 3 and out.loc["web", "mean"] == pytest.approx(10 / 3)


def _touches() -> tuple[pd.DataFrame, pd.DataFrame]:
    fb = pd.DataFrame({"feedback_id": [1, 2], "customer_id": [1, 2],
                       "feedback_ts": pd.to_datetime(["2020-02-01", "2020-02-01"]),
                       "csat": [3, 5]})
    it = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 1, 1, 2],
        "interaction_ts": pd.to_datetime(["2020-01-02", "2020-01-20", "2020-01-25",
                                          "2019-12-01", "2020-02-01", "2020-01-26",
                                          "2020-02-05"]),
        "kind": ["ticket", "complaint", "ticket", "complaint", "complaint", "sent", "ticket"],
        "response_hours": [12.0, 48.0, 24.0, 10.0, 5.0, None, 6.0],
    })
    return fb, it


def test_survey_drivers_window_is_the_30_days_before_the_survey() -> None:
    fb, it = _touches()
    out = sa.survey_drivers(fb, it, window_days=30).set_index("feedback_id")
    # customer 1: tickets on Jan 2 (exactly 30 days before: in), Jan 20 (complaint), Jan 25;
    # Dec 1 too early, Feb 1 not before the survey, the email has no response time
    assert out.loc[1, "response_days"] == pytest.approx((0.5 + 2.0 + 1.0) / 3)
    assert (out.loc[1, "complaints"], out.loc[1, "no_ticket"]) == (1.0, 0.0)
    # customer 2: the only ticket is after the survey
    assert tuple(out.loc[2, ["response_days", "complaints", "no_ticket"]]) == (0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="response_hours"):
        sa.survey_drivers(fb, it.drop(columns="response_hours"))


def test_driver_ols_recovers_an_exact_linear_rule() -> None:
    rng = np.random.default_rng(0)
    n = 60
    d = pd.DataFrame({"customer_id": np.arange(n) % 20,
                      "response_days": rng.uniform(0, 3, n),
                      "complaints": rng.integers(0, 3, n).astype(float),
                      "no_ticket": (np.arange(n) % 4 == 0).astype(float)})
    d["csat"] = 4.5 - 0.4 * d["response_days"] - 0.7 * d["complaints"] + 0.1 * d["no_ticket"]
    out = sa.driver_ols(d)
    assert out.loc["response_days", "coef"] == pytest.approx(-0.4, abs=1e-9)
    assert out.loc["complaints", "coef"] == pytest.approx(-0.7, abs=1e-9)
    assert out.loc["no_ticket", "coef"] == pytest.approx(0.1, abs=1e-9)
    assert out.attrs["n"] == n and out.attrs["r2"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="service ticket"):
        sa.driver_ols(d.assign(no_ticket=1.0))


def test_repeat_frame_hand_worked() -> None:
    at = D("2020-07-01")
    orders = pd.DataFrame({
        "customer_id": pd.array([1, 1, 1, 2, 3, None], dtype="Int64"),
        "order_ts": pd.to_datetime(["2020-01-02", "2020-06-01", "2020-07-15", "2020-06-21",
                                    "2020-06-01", "2020-06-01"]),
    })
    fb = pd.DataFrame({"customer_id": [1, 1, 2, 3],
                       "feedback_ts": pd.to_datetime(["2020-01-05", "2020-06-03", "2020-06-25",
                                                      "2020-07-02"]),
                       "csat": [5, 3, 2, 4], "nps": [9, 7, 3, 8]})
    out = sa.repeat_frame(fb, orders, at, window_days=30)
    assert list(out.index) == [1, 2]  # customer 3's survey is after the date
    r1, r2 = out.loc[1], out.loc[2]
    assert (r1["csat"], r1["nps"], r1["prior_orders"], r1["repeat"]) == (4.0, 8.0, 2.0, 1.0)
    assert r1["tenure_days"] == 181.0 and r1["recency_days"] == 30.0
    assert r1["orders_per_year"] == pytest.approx(2 / 181 * 365.25)
    # customer 2: tenure of 10 days counts as 30 for the rate; no order in the window
    assert r2["orders_per_year"] == pytest.approx(365.25 / 30) and r2["repeat"] == 0.0


def test_satisfaction_logit_odds_ratio_of_a_saturated_two_level_case() -> None:
    # score 5: 15 repeat, 5 not (odds 3); score 4: 5 repeat, 15 not (odds 1/3): OR = 9 per point
    score = [5] * 20 + [4] * 20
    rep = [1] * 15 + [0] * 5 + [1] * 5 + [0] * 15
    f = pd.DataFrame({"csat": score, "repeat": rep, "orders_per_year": np.tile([1.0, 2.0, 4.0, 3.0], 10),
                      "recency_days": np.tile([5.0, 50.0, 20.0, 80.0, 10.0], 8)})
    out = sa.satisfaction_logit(f)
    assert out.loc["unadjusted", "odds_ratio"] == pytest.approx(9.0, rel=1e-6)
    assert out.loc["unadjusted", "lo"] < 9.0 < out.loc["unadjusted", "hi"]
    assert out.attrs["n"] == 40
    with pytest.raises(ValueError, match="some repeating"):
        sa.satisfaction_logit(f.assign(repeat=1.0))


def test_loyalty_index_is_the_mean_of_z_scores_and_its_auc() -> None:
    f = pd.DataFrame({"orders_per_year": [1.0, np.e, np.e ** 2],
                      "tenure_days": [np.e - 1, np.e - 1, np.e - 1],  # constant: z = 0
                      "recency_days": [0.0, 0.0, 0.0],
                      "csat": [3.0, np.nan, 5.0], "repeat": [0.0, 1.0, 1.0]})
    idx = sa.loyalty_index(f)
    # log orders/yr 0, 1, 2 -> z -1, 0, 1; csat 3, NaN, 5 -> z -0.7071, 0 (missing), 0.7071
    z = 1 / np.sqrt(2)
    assert idx.tolist() == pytest.approx([(-1 - z) / 4, 0.0, (1 + z) / 4])
    auc = sa.loyalty_auc(f, idx, n_boot=20)
    assert auc["auc"] == 1.0 and auc["auc_frequency"] == 1.0 and auc["diff"] == 0.0
    with pytest.raises(ValueError, match="one class"):
        sa.loyalty_auc(f.assign(repeat=1.0), idx)


# ------------------------------------------------------------------------ planted recovery
def _canonical(crm) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = {s: i for i, s in enumerate(crm.customers["source_customer_id"])}
    fb = crm.feedback.assign(customer_id=crm.feedback["source_customer_id"].map(ids))
    it = crm.interactions.assign(customer_id=crm.interactions["source_customer_id"].map(ids))
    return fb, it


def test_driver_ols_recovers_the_planted_shifts() -> None:
    crm = synth.simulate_crm(20000, "2009-12-01", "2011-12-09", seed=42)
    truth = crm.truth["satisfaction_drivers"]
    d = sa.survey_drivers(*_canonical(crm), window_days=truth["window_days"])
    for score in ("csat", "nps"):
        fit = sa.driver_ols(d, score)
        for term, key in (("response_days", "per_response_day"), ("complaints",
                                                                   "per_complaint")):
            planted = truth[f"{score}_{key}"]
            assert fit.loc[term, "coef"] == pytest.approx(planted, rel=0.25), (score, term)


def test_no_planted_shift_recovers_zero_and_other_tables_stay_as_they_were() -> None:
    kw = {"n_customers": 8000, "start": "2009-12-01", "end": "2011-12-09", "seed": 3}
    crm = synth.simulate_crm(**kw, csat_per_response_day=0.0, csat_per_complaint=0.0)
    fit = sa.driver_ols(sa.survey_drivers(*_canonical(crm)))
    assert abs(fit.loc["response_days", "coef"]) < 0.06
    assert abs(fit.loc["complaints", "coef"]) < 0.06
    # the service stream is separate: purchases, customers and deals do not move with it
    base = synth.simulate_crm(**kw, ticket_rate_per_year=1.0)
    for name in ("transactions", "customers", "opportunities"):
        pd.testing.assert_frame_equal(getattr(crm, name), getattr(base, name))
    assert len(base.interactions) < len(crm.interactions)


def test_driver_recovery_marks_what_is_within_the_tolerance() -> None:
    fit = pd.DataFrame({"coef": [-0.28, -0.9], "se": [0.0, 0.05]},
                       index=["response_days", "complaints"])
    truth = {"csat_per_response_day": -0.3, "csat_per_complaint": -0.6}
    tab = sa.driver_recovery({"csat": fit}, truth, rtol=0.25, k_se=2.0)
    # 0.02 <= 0.075 + 0; 0.3 > 0.15 + 0.1
    assert tab["within"].tolist() == [True, False]
    # with 3 standard errors: 0.3 <= 0.15 + 0.15
    assert sa.driver_recovery({"csat": fit}, truth, rtol=0.25, k_se=3.0)["within"].all()
    assert tab.loc["CSAT per complaint", "planted"] == -0.6
    with pytest.raises(ValueError, match="nps_per_response_day"):
        sa.driver_recovery({"nps": fit}, truth, rtol=0.25)


def test_plots_draw_what_they_are_given() -> None:
    from helpers.plots import satisfaction as splots

    fb = pd.DataFrame({"feedback_ts": pd.to_datetime(["2020-01-03", "2020-01-20", "2020-02-01",
                                                      "2020-02-11"]),
                       "csat": [4, 2, 5, 3], "nps": [8, 4, 10, 6]})
    monthly = {s: sa.monthly_scores(fb, s) for s in ("csat", "nps")}
    fig = splots.monthly_scores(monthly)
    assert [ax.get_title() for ax in fig.axes] == ["Mean CSAT per month", "Mean NPS per month"]
    assert fig.axes[0].lines[0].get_ydata().tolist() == [3.0, 4.0]
    fit = pd.DataFrame({"coef": [-0.3, -0.6], "lo": [-0.4, -0.8], "hi": [-0.2, -0.4]},
                       index=["response_days", "complaints"])
    fig = splots.driver_effects({"csat": fit}, {"csat_per_response_day": -0.3,
                                                "csat_per_complaint": -0.6})
    planted = fig.axes[0].collections[-1].get_offsets()[:, 0].tolist()
    assert planted == [-0.3, -0.6]
    idx = pd.Series(np.arange(20.0))
    rep = pd.Series([0.0] * 10 + [1.0] * 10)
    fig = splots.loyalty_deciles(idx, rep, n_bins=2)
    assert [p.get_height() for p in fig.axes[0].patches] == [0.0, 1.0]
    t = sa.scores_by_group(fb.assign(customer_id=[1, 1, 2, 2]),
                           pd.DataFrame({"customer_id": [1, 2], "ch": ["a", "b"]}), "ch")
    assert len(splots.group_scores(t, "csat", "ch").axes[0].get_yticklabels()) == 2

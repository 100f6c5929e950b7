"""Computed readings: every branch on hand-made numbers."""

import pandas as pd
import pytest

from helpers.results import readings

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_weekday_closed_and_quiet_days():
    # Sat: 5 of 1,005 = 0.50% of revenue (< 1%): quiet; Sun: 0: closed
    rev = pd.Series([200.0, 200, 200, 200, 200, 5, 0], index=DAYS)
    text = readings.weekday_sentence(rev, quiet_share=0.01)
    assert text.startswith("No sales at all on Sun.")
    assert "Almost none on Sat (0.50% of revenue)" in text


def test_weekday_open_every_day_and_nothing_quiet():
    rev = pd.Series([1.0] * 7, index=DAYS)  # each 14.3%
    assert readings.weekday_sentence(rev, 0.01) == "Sales on every weekday."
    # the threshold decides: at 20% every day is "almost none"
    assert readings.weekday_sentence(rev, 0.2).count("%") == 8


def test_weekday_rejects_empty():
    with pytest.raises(ValueError, match="weekday_revenue"):
        readings.weekday_sentence(pd.Series([0.0] * 7, index=DAYS))


def _probs(back):
    st = ["active", "at-risk", "churned"]
    p = pd.DataFrame([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [back, 0.0, 1 - back]], index=st, columns=st)
    return p


def test_steady_state_acquisition_sustains_the_base():
    # settles at 10% active against 40% today: below half of today's share
    steady = pd.Series({"active": 0.10, "at-risk": 0.05, "churned": 0.85})
    text = readings.steady_state_sentence(_probs(0.02), steady, active_now=0.40)
    assert "2.0% of churned customers return" in text
    assert "from 40% today to 10%" in text and "85% churned" in text
    assert "acquisition sustains most of the active base" in text


def test_steady_state_returners_keep_the_base():
    # settles at 28% active against 40% today: at least half of today's share
    steady = pd.Series({"active": 0.28, "at-risk": 0.12, "churned": 0.60})
    text = readings.steady_state_sentence(_probs(0.084), steady, active_now=0.40)
    assert "8.4% of churned customers return" in text
    assert "acquisition adds to the base rather than sustaining it" in text


def test_steady_state_boundary_exactly_half_is_not_below_half():
    steady = pd.Series({"active": 0.20, "churned": 0.80})
    text = readings.steady_state_sentence(_probs(0.05), steady, active_now=0.40)
    assert "adds to the base" in text


def test_steady_state_rejects_bad_input():
    with pytest.raises(ValueError, match="'churned' missing"):
        readings.steady_state_sentence(_probs(0.1).drop(index="churned"), pd.Series(dtype=float), 0.3)
    with pytest.raises(ValueError, match="active_now=1.5"):
        readings.steady_state_sentence(_probs(0.1), pd.Series({"active": 0.3}), 1.5)


def test_tie_sentence_names_the_worst_measure_or_says_none():
    ties = pd.DataFrame({"customers_split": [10, 550, 0], "share_split": [0.01, 0.55, 0.0]},
                        index=pd.Index(["recency_days", "frequency", "monetary_amt"], name="measure"))
    assert readings.tie_sentence(ties).startswith("`frequency` is the measure most affected: 55%")
    none = ties.assign(customers_split=0, share_split=0.0)
    assert readings.tie_sentence(none).startswith("No customer shares")
    with pytest.raises(ValueError, match="share_split"):
        readings.tie_sentence(pd.DataFrame())


def _shares(f):
    idx = pd.Index([1, 2, 3, 4, 5], name="score")
    return pd.DataFrame({"r_score": [0.2] * 5, "f_score": f, "m_score": [0.2] * 5}, index=idx)


def test_score_groups_sentence_unequal_and_equal():
    text = readings.score_groups_sentence(_shares([0.55, 0.0, 0.15, 0.15, 0.15]))
    assert text.startswith("Ties make the frequency groups unequal: 55% of customers share score 1")
    assert "equal groups would hold 20% each) and score 2 is empty." in text
    eq = readings.score_groups_sentence(_shares([0.2] * 5))
    assert eq.startswith("The score groups are close to equal (the largest holds 20%")
    # just above the 1.5/n = 30% line is called out, at it not
    assert readings.score_groups_sentence(_shares([0.31, 0.19, 0.2, 0.15, 0.15])).startswith("Ties make")
    assert readings.score_groups_sentence(_shares([0.30, 0.2, 0.2, 0.15, 0.15])).startswith("The score")


def test_agreement_sentence_branches():
    a = {"ari_rfm_k_groups_vs_clusters": 0.72, "k": 3, "separation_segments": 0.80,
         "separation_clusters": 0.60}
    t = readings.agreement_sentence(a)
    assert "(3 groups of the RFM total score against the 3 clusters) the two largely agree (adjusted Rand 0.72)" in t
    assert "the segments separate customer value better than the clusters (80% and 60%" in t
    t2 = readings.agreement_sentence({**a, "ari_rfm_k_groups_vs_clusters": 0.1, "separation_clusters": 0.9})
    assert "agree little" in t2 and "the clusters separate customer value better" in t2
    t3 = readings.agreement_sentence({**a, "ari_rfm_k_groups_vs_clusters": 0.3, "separation_clusters": 0.78})
    assert "partly agree" in t3 and "about equally well" in t3
    with pytest.raises(ValueError, match="'k'"):
        readings.agreement_sentence({"ari_rfm_k_groups_vs_clusters": 0.1})


def _check(pot=(0.35, 0.32, 0.38), lost=(0.17, 0.14, 0.2), factor=(0.7, 0.6, 0.8), applied=True,
           window=180.0):
    g = lambda v, n: {"customers": n, "bought_share": v[0], "ci_low": v[1], "ci_high": v[2]}  # noqa: E731
    return {"window_days": window, "holdout": "26 weeks", "potential": g(pot, 900),
            "lost": g(lost, 700), "applied": applied,
            "factor": None if factor is None else
            {"value": factor[0], "ci_low": factor[1], "ci_high": factor[2],
             "predicted": 1000.0, "actual": 1000.0 * factor[0]}}


def test_lost_check_sentence_branches() -> None:
    sep = readings.lost_check_sentence(_check())
    assert "180 days" in sep and "35.0% bought again" in sep and "17.0% (14.0%–20.0%)" in sep
    assert "clearly less often" in sep and "multiplied by 0.70" in sep
    mixed = readings.lost_check_sentence(_check(lost=(0.3, 0.25, 0.33), factor=(0.95, 0.8, 1.1),
                                                applied=False))
    assert "do not differ clearly" in mixed and "left as the model predicts" in mixed
    nopred = readings.lost_check_sentence(_check(factor=None, applied=False))
    assert "their CLV is unchanged" in nopred
    nowin = readings.lost_check_sentence(_check(window=None))
    assert nowin.startswith("Too few customers")
    empty = _check()
    empty["lost"]["customers"] = 0
    assert "could not be compared" in readings.lost_check_sentence(empty)
    assert len({sep, mixed, nopred, nowin}) == 4


def _ret(n=120, cost=0.0, net=None, be=None, s=0.1):
    gain = 50_000.0
    return {"n_customers": n, "clv_status_quo_amt": 20_000.0, "gain_if_all_retained_amt": gain,
            "expected_gain_amt": s * gain, "contact_cost_amt": cost,
            "net_gain_amt": s * gain - cost if net is None else net,
            "break_even_success_rate": be, "slipping_below": 0.5, "success_rate": s,
            "contact_cost": cost / max(n, 1)}


def test_retention_sentence_branches() -> None:
    free = readings.retention_sentence(_ret(), "GBP", "12-month")
    assert "120 active repeat buyers" in free and "£50,000" in free and "£5,000" in free
    assert "no contact cost counted" in free
    pays = readings.retention_sentence(_ret(cost=1_200.0, be=0.024), "GBP", "12-month")
    assert "net £3,800" in pays and "more than 2.4% of them" in pays and "it does not" not in pays
    loses = readings.retention_sentence(_ret(cost=6_000.0, be=0.12), "GBP", "12-month")
    assert "net -£1,000" in loses or "net −£1,000" in loses or "-1,000" in loses
    assert "at the assumed rate it does not" in loses
    never = readings.retention_sentence(_ret(cost=60_000.0, be=1.2), "GBP", "12-month")
    assert "would not cover the contact costs" in never
    nobody = readings.retention_sentence(_ret(n=0), "GBP", "12-month")
    assert "nobody to retain" in nobody
    assert len({free, pays, loses, never, nobody}) == 5

"""Tests for helpers.value.clv: hand-worked summaries, CDNOW answer keys, lifetimes cross-checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.value import clv

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW)


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow: pd.DataFrame) -> clv.BGNBD:
    return clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def cdnow_gg(cdnow: pd.DataFrame) -> clv.GammaGamma:
    return clv.fit_gamma_gamma(cdnow["frequency"], cdnow["monetary_value"])


def _lines() -> pd.DataFrame:
    ts = pd.to_datetime(
        [
            "2024-01-01 10:00",  # c1 order A  £10
            "2024-01-01 15:00",  # c1 order B  £5   (same day as A: one purchase day of £15)
            "2024-01-15 09:00",  # c1 order C  £20
            "2024-01-29 11:00",  # c1 order D  £10
            "2024-01-29 11:00",  # c1 order D  £20  (second line of D)
            "2024-01-08 12:00",  # c2 order E  £7
            "2024-01-10 12:00",  # guest order F £100 (no customer: excluded)
            "2024-02-05 09:00",  # c3 order G £50 (on/after observation_end: excluded)
        ]
    )
    return pd.DataFrame(
        {
            "order_id": ["A", "B", "C", "D", "D", "E", "F", "G"],
            "customer_id": pd.array([1, 1, 1, 1, 1, 2, None, 3], dtype="Int64"),
            "order_ts": ts,
            "revenue_amt": [10.0, 5.0, 20.0, 10.0, 20.0, 7.0, 100.0, 50.0],
        }
    )


def test_summarise_transactions_hand_worked() -> None:
    s = clv.summarise_transactions(_lines(), "2024-02-05", time_unit="W")
    assert list(s.index) == [1, 2]
    # c1: purchase days 01-01 (£15), 01-15 (£20), 01-29 (£30) -> frequency 3 - 1 = 2;
    # recency 28 d / 7 = 4 w; T = 02-05 - 01-01 = 35 d = 5 w; monetary (20 + 30) / 2 = 25;
    # orders A, B, C, D = 4; revenue 15 + 20 + 30 = 65
    assert s.loc[1].tolist() == [2.0, 4.0, 5.0, 25.0, 4, 65.0]
    # c2: one purchase on 01-08 -> frequency 0, recency 0, T = 28 d = 4 w, monetary 0
    assert s.loc[2].tolist() == [0.0, 0.0, 4.0, 0.0, 1, 7.0]
    assert list(s.columns) == list(clv.SUMMARY_COLUMNS)


def test_summarise_transactions_days() -> None:
    s = clv.summarise_transactions(_lines(), "2024-02-05", time_unit="D")
    assert s.loc[1, "recency"] == 28.0 and s.loc[1, "T"] == 35.0


def test_summarise_transactions_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="revenue_amt"):
        clv.summarise_transactions(_lines().drop(columns="revenue_amt"), "2024-02-05")
    with pytest.raises(ValueError, match="time_unit"):
        clv.summarise_transactions(_lines(), "2024-02-05", time_unit="M")
    with pytest.raises(ValueError, match="calibration_end"):
        clv.summarise_transactions(_lines(), "2024-02-05", calibration_end="2024-03-01")


def test_calibration_holdout_hand_worked() -> None:
    ch = clv.calibration_holdout(_lines(), "2024-01-22", "2024-02-05", time_unit="W")
    # calibration (< 01-22): c1 days 01-01, 01-15 -> x=1, t_x=2 w, T=3 w, m=20
    assert ch.loc[1, ["frequency", "recency", "T", "monetary_value"]].tolist() == [1, 2, 3, 20]
    # holdout [01-22, 02-05): c1 buys on 01-29 (£30), c2 nothing; window = 14 d = 2 w
    assert ch["frequency_holdout"].tolist() == [1.0, 0.0]
    assert ch["monetary_value_holdout"].tolist() == [30.0, 0.0]
    assert (ch["duration_holdout"] == 2.0).all()
    with pytest.raises(ValueError, match="before observation_end"):
        clv.calibration_holdout(_lines(), "2024-02-05", "2024-01-22")


def test_bgnbd_cdnow_answer_key(cdnow_bgnbd: clv.BGNBD) -> None:
    # Fader, Hardie & Lee (2005), CDNOW sample, 39 weeks: r=0.243 alpha=4.414 a=0.793
    # b=2.426, LL=-9582.4
    m = cdnow_bgnbd
    assert (round(m.r, 3), round(m.alpha, 3), round(m.a, 3), round(m.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(m.log_likelihood, 1) == -9582.4
    assert m.n == 2357


def test_bgnbd_cdnow_predictions(cdnow_bgnbd: clv.BGNBD) -> None:
    m = cdnow_bgnbd
    # FHL 2005: a customer with x=2, t_x=30.43, T=38.86 (ID 1) expects about 1.226 purchases
    # in the next 39 weeks; lifetimes gives 1.2259 and P(alive)=0.7266 with the same parameters.
    assert m.expected_purchases(39, 2, 30.43, 38.86)[0] == pytest.approx(1.2259, abs=1e-3)
    assert m.p_alive(2, 30.43, 38.86)[0] == pytest.approx(0.7266, abs=1e-3)
    # no repeat purchase -> p_alive is exactly 1 under BG/NBD
    assert m.p_alive(0, 0, 38.86)[0] == 1.0
    # unconditional E[X(39)] ~ 1.195 (lifetimes: 1.19502)
    assert float(m.expected_purchases_new(39.0)) == pytest.approx(1.195, abs=1e-3)
    with pytest.raises(ValueError, match="t="):
        m.expected_purchases(-1, 2, 30.43, 38.86)


def test_gamma_gamma_cdnow_answer_key(cdnow_gg: clv.GammaGamma) -> None:
    # Fader & Hardie (2013) note 025, 946 CDNOW repeat buyers: p=6.25, q=3.74, gamma=15.44
    g = cdnow_gg
    assert g.n == 946
    assert (round(g.p, 2), round(g.q, 2)) == (6.25, 3.74)
    assert g.gamma == pytest.approx(15.44, abs=0.01)
    # expected spend for x=2, m=22.35: (15.447 + 2*22.35) * 6.2488 / (6.2488*2 + 3.7446 - 1)
    # = 60.147 * 6.2488 / 15.242 = 24.66 (lifetimes: 24.6586)
    assert g.expected_spend(2, 22.35)[0] == pytest.approx(24.6586, abs=1e-3)


def test_fit_failure_modes() -> None:
    with pytest.raises(ValueError, match="no repeat purchases"):
        clv.fit_bgnbd([0, 0], [0, 0], [5, 5])
    with pytest.raises(ValueError, match="'recency' exceeds 'T'"):
        clv.fit_bgnbd([1, 2], [6, 1], [5, 5])
    with pytest.raises(ValueError, match="NaN"):
        clv.fit_bgnbd([1, np.nan], [1, 1], [5, 5])
    with pytest.raises(ValueError, match="repeat buyers"):
        clv.fit_gamma_gamma([1, 0], [10.0, 0.0])
    # the zero-spend repeat buyer is left out, which leaves too few
    with pytest.raises(ValueError, match="only 2 repeat buyers"):
        clv.fit_gamma_gamma([1, 2, 3], [10.0, 0.0, 5.0])


def test_clv_without_discount_telescopes(
    cdnow: pd.DataFrame, cdnow_bgnbd: clv.BGNBD, cdnow_gg: clv.GammaGamma
) -> None:
    s = cdnow.head(20)
    v = clv.customer_lifetime_value(cdnow_bgnbd, cdnow_gg, s, horizon=52, discount_rate_annual=0)
    # with no discount, the sum of weekly increments is E[X(52) | x, t_x, T] * E[spend]
    expected = cdnow_bgnbd.expected_purchases(
        52, s.frequency, s.recency, s["T"]
    ) * cdnow_gg.expected_spend(s.frequency, s.monetary_value)
    np.testing.assert_allclose(v.to_numpy(), expected, rtol=1e-10)
    # discounting lowers every value, and by less than the full-year rate
    disc = clv.customer_lifetime_value(cdnow_bgnbd, cdnow_gg, s, horizon=52)
    assert (disc < v).all() and (disc > v / 1.10).all()
    with pytest.raises(ValueError, match="monetary_value"):
        clv.customer_lifetime_value(cdnow_bgnbd, cdnow_gg, s.drop(columns="monetary_value"))


def _random_lines(n_customers: int, n_lines: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    minutes = rng.integers(0, 364 * 24 * 60, n_lines)  # all before 2023-12-31
    return pd.DataFrame(
        {
            "customer_id": pd.array(rng.integers(0, n_customers, n_lines), dtype="Int64"),
            "order_ts": start + pd.to_timedelta(minutes, unit="min"),
            "revenue_amt": rng.gamma(2.0, 10.0, n_lines).round(2),
        }
    )


def test_summary_matches_lifetimes() -> None:
    lt_utils = pytest.importorskip("lifetimes.utils")
    lines = _random_lines(60, 600, seed=1)
    ours = clv.summarise_transactions(lines, "2023-12-31", time_unit="W")
    # lifetimes' conventions for day-aggregated purchases in weekly units
    ref = lt_utils.summary_data_from_transaction_data(
        lines.assign(customer_id=lines.customer_id.astype(int)),
        "customer_id",
        "order_ts",
        monetary_value_col="revenue_amt",
        observation_period_end="2023-12-31",
        freq="D",
        freq_multiplier=7,
    ).sort_index()
    cols = ["frequency", "recency", "T", "monetary_value"]
    np.testing.assert_array_equal(ours.index.to_numpy(), ref.index.to_numpy())
    np.testing.assert_allclose(ours[cols].to_numpy(), ref[cols].to_numpy(), rtol=1e-12)


def test_fits_match_lifetimes(cdnow: pd.DataFrame, cdnow_bgnbd: clv.BGNBD) -> None:
    lt = pytest.importorskip("lifetimes")
    ref = lt.BetaGeoFitter().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    ours = np.array([cdnow_bgnbd.r, cdnow_bgnbd.alpha, cdnow_bgnbd.a, cdnow_bgnbd.b])
    np.testing.assert_allclose(ours, ref.params_[["r", "alpha", "a", "b"]], rtol=1e-4)
    s = cdnow.head(50)
    np.testing.assert_allclose(
        cdnow_bgnbd.expected_purchases(10, s.frequency, s.recency, s["T"]),
        ref.conditional_expected_number_of_purchases_up_to_time(
            10, s.frequency, s.recency, s["T"]
        ),
        rtol=1e-4,
    )


def test_dense_and_sorted_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _random_lines(40, 400, seed=3)
    dense = clv.summarise_transactions(lines, "2023-12-31")
    monkeypatch.setattr(clv, "_DENSE_LIMIT", 0)
    pd.testing.assert_frame_equal(dense, clv.summarise_transactions(lines, "2023-12-31"))


def test_clv_refuses_degenerate_fit():
    """a = b = 0 (no drop-out) makes the BG/NBD expectation 0 * log(0): an explained error,
    not NaN values that surface later as 'null CLV'."""
    import pandas as pd

    bg = clv.BGNBD(r=1.0, alpha=5.0, a=0.0, b=0.0, log_likelihood=0.0, n=2)
    gg = clv.GammaGamma(p=2.0, q=3.0, gamma=10.0, log_likelihood=0.0, n=2)
    summary = pd.DataFrame({"frequency": [2.0, 1.0], "recency": [10.0, 4.0], "T": [20.0, 8.0],
                            "monetary_value": [30.0, 20.0]})
    with pytest.raises(ValueError, match="degenerate"):
        clv.customer_lifetime_value(bg, gg, summary, horizon=4)


def test_fit_at_uses_only_customer_lines_before_the_cutoff(cdnow: pd.DataFrame) -> None:
    fit = clv.fit_at(_lines(), "2024-02-05", "W", spend=False)
    # the guest order F and the order G at the cutoff are left out (see the hand-worked summary)
    assert list(fit.summary.index) == [1, 2] and fit.summary.index.dtype == "int64"
    assert fit.summary.loc[1, "frequency"] == 2 and fit.gamma_gamma is None
    frt = fit.frt
    assert [s.name for s in frt] == ["frequency", "recency", "T"]
    pa = fit.p_alive()
    # customer 2 never repeated: BG/NBD gives P(alive) = 1 to every customer without a repeat
    assert pa.loc[2] == pytest.approx(1.0)
    assert pa.loc[1] == pytest.approx(float(fit.bgnbd.p_alive(2.0, 4.0, 5.0)[0]))


def test_fit_at_with_spend_fits_gamma_gamma_on_repeat_buyers_only() -> None:
    rng = np.random.default_rng(3)
    n = 300
    cust = rng.integers(1, 80, n)
    days = rng.integers(0, 300, n)
    lines = pd.DataFrame({
        "order_id": np.arange(n).astype(str),
        "customer_id": pd.array(cust, dtype="Int64"),
        "order_ts": pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D"),
        "revenue_amt": rng.gamma(2.0, 10.0, n),
    })
    fit = clv.fit_at(lines, "2023-09-01", "W", spend=True)
    rep = fit.summary["frequency"] > 0
    direct = clv.fit_gamma_gamma(fit.summary.loc[rep, "frequency"],
                                 fit.summary.loc[rep, "monetary_value"])
    assert fit.gamma_gamma.params() == pytest.approx(direct.params())
    assert (fit.summary["T"] <= 35).all()  # nothing after the cutoff (243 days = 34.7 weeks)


@pytest.mark.parametrize(("weeks", "label", "words"), [
    (52, "12m", "12-month"), (26, "6m", "6-month"), (13, "3m", "3-month"), (104, "24m", "24-month"),
    (8, "8w", "8-week"), (30, "30w", "30-week"),
])
def test_horizon_label(weeks: int, label: str, words: str) -> None:
    assert clv.horizon_label(weeks) == label
    assert clv.horizon_words(weeks) == words


def test_horizon_label_refuses_a_non_positive_horizon() -> None:
    with pytest.raises(ValueError, match="horizon_weeks=0"):
        clv.horizon_label(0)


def test_column_names_follow_the_horizon() -> None:
    assert clv.clv_column(52) == "clv_12m" and clv.clv_column(26) == "clv_6m"
    assert clv.clv_column(8) == "clv_8w"
    assert clv.purchases_column(26) == "expected_purchases_26w"
    t = pd.DataFrame({"p_alive": [1.0], "expected_purchases_26w": [1.0], "clv_6m": [2.0]})
    assert clv.find_clv_column(t) == "clv_6m"
    with pytest.raises(ValueError, match="found none"):
        clv.find_clv_column(t.drop(columns="clv_6m"))
    with pytest.raises(ValueError, match="clv_8w"):
        clv.find_clv_column(t.assign(clv_8w=1.0))


def test_gamma_gamma_leaves_out_zero_spend_repeat_buyers(cdnow: pd.DataFrame) -> None:
    rep = cdnow[cdnow["frequency"] > 0]
    base = clv.fit_gamma_gamma(rep["frequency"], rep["monetary_value"])
    free = pd.DataFrame({"frequency": [2, 3], "monetary_value": [0.0, 0.0]})
    both = pd.concat([rep[["frequency", "monetary_value"]], free])
    fit = clv.fit_gamma_gamma(both["frequency"], both["monetary_value"])
    assert fit.n == base.n and fit.params() == pytest.approx(base.params())
    with pytest.raises(ValueError, match="monetary_value"):
        clv.fit_gamma_gamma(both["frequency"], both["monetary_value"].where(both["monetary_value"] > 0, -1.0))


def test_clv_discounts_period_k_by_k_periods() -> None:
    """One purchase of 10 per week, 2 weeks, 10% a year: CLV = 10/(1+d) + 10/(1+d)^2 with the
    weekly rate d = 1.1^(7/365.25) - 1 (the first week is discounted once, not zero times)."""

    class OnePerPeriod:
        def expected_purchases(self, t, f, r, T):
            return np.full(len(f), t)

    class TenEach:
        def expected_spend(self, f, m):
            return np.full(len(f), 10.0)

    s = pd.DataFrame({"frequency": [1.0], "recency": [1.0], "T": [2.0], "monetary_value": [10.0]})
    d = 1.1 ** (7 / 365.25) - 1
    got = clv.customer_lifetime_value(OnePerPeriod(), TenEach(), s, horizon=2,
                                      discount_rate_annual=0.10, time_unit="W")
    assert float(got.iloc[0]) == pytest.approx(10 / (1 + d) + 10 / (1 + d) ** 2, rel=1e-12)

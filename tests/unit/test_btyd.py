"""Tests for helpers.value.btyd: CDNOW answer keys, lifetimes cross-checks, hand-worked P(alive)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from helpers.value import btyd, clv

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW)


@pytest.fixture(scope="module")
def cdnow_pareto(cdnow: pd.DataFrame) -> btyd.ParetoNBD:
    return btyd.fit_pareto_nbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def cdnow_mbg(cdnow: pd.DataFrame) -> btyd.MBGNBD:
    return btyd.fit_mbgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


# --------------------------------------------------------------------------------------------
# Pareto/NBD
# --------------------------------------------------------------------------------------------
def test_pareto_nbd_cdnow_answer_key(cdnow_pareto: btyd.ParetoNBD) -> None:
    # Fader, Hardie & Lee (2005) note "deriving the Pareto/NBD model", CDNOW sample, 39 weeks:
    # r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0. The likelihood is flat
    # in beta (our optimum 11.668 on the 2-decimal summary; lifetimes stops at 11.6687).
    m = cdnow_pareto
    assert (round(m.r, 3), round(m.alpha, 3), round(m.s, 3)) == (0.553, 10.578, 0.606)
    assert m.beta == pytest.approx(11.669, abs=2e-3)
    assert round(m.log_likelihood, 1) == -9595.0
    assert m.n == 2357 and m.converged


def test_pareto_nbd_matches_lifetimes(cdnow: pd.DataFrame, cdnow_pareto: btyd.ParetoNBD) -> None:
    lt = pytest.importorskip("lifetimes")
    ref = lt.ParetoNBDFitter()
    ref.params_ = pd.Series(cdnow_pareto.params())  # lifetimes' formulas at our parameters
    s = cdnow.head(40)
    f, r, T = s["frequency"], s["recency"], s["T"]
    np.testing.assert_allclose(cdnow_pareto.p_alive(f, r, T),
                               ref.conditional_probability_alive(f, r, T), rtol=1e-9)  # fmt: skip
    np.testing.assert_allclose(
        cdnow_pareto.expected_purchases(39, f, r, T),
        ref.conditional_expected_number_of_purchases_up_to_time(39, f, r, T), rtol=1e-9,
    )
    np.testing.assert_allclose(cdnow_pareto.expected_purchases_new(np.array([10.0, 39.0])),
                               ref.expected_number_of_purchases_up_to_time(np.array([10.0, 39.0])),
                               rtol=1e-12)  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [(0.55, 10.6, 0.61, 11.7), (0.8, 25.0, 1.3, 4.0), (2.0, 3.0, 0.4, 3.0), (0.3, 1.0, 2.5, 40.0)],
    ids=["alpha<beta (CDNOW)", "alpha>beta", "alpha=beta", "alpha<<beta"],
)
def test_pareto_loglik_matches_lifetimes_on_customers(params: tuple[float, ...]) -> None:
    """Our single Euler-transformed expression against lifetimes' two-branch eq. (18)-(20)."""
    lt = pytest.importorskip("lifetimes")
    x = np.array([0.0, 1.0, 2.0, 7.0, 30.0, 3.0])
    tx = np.array([0.0, 1.71, 30.43, 35.0, 38.0, 38.86])
    T = np.array([38.86, 38.86, 38.86, 38.86, 38.86, 38.86])
    ours = btyd._pareto_loglik(*params, x, tx, T)
    with np.errstate(all="ignore"):
        ref = lt.ParetoNBDFitter._conditional_log_likelihood(params, x, tx, T)
    # the last customer bought at T: A0 = 0 and the likelihood is the "alive" term only
    np.testing.assert_allclose(ours[:-1], ref[:-1], rtol=1e-10)
    r, al, s, be = params
    alive_only = (gammaln(r + 3) - gammaln(r) + r * np.log(al)
                  + s * np.log(be) - (r + 3) * np.log(al + 38.86) - s * np.log(be + 38.86))  # fmt: skip
    assert ours[-1] == pytest.approx(alive_only, rel=1e-12)


def test_pareto_loglik_is_continuous_at_alpha_equal_beta() -> None:
    x, tx, T = np.array([0.0, 4.0]), np.array([0.0, 20.0]), np.array([39.0, 39.0])
    at = btyd._pareto_loglik(0.6, 8.0, 0.7, 8.0, x, tx, T)
    for eps in (1e-7, -1e-7):
        near = btyd._pareto_loglik(0.6, 8.0 * (1 + eps), 0.7, 8.0, x, tx, T)
        np.testing.assert_allclose(near, at, rtol=1e-6)
    # alpha = beta closed form: A0 = (α+t_x)^-(r+s+x) - (α+T)^-(r+s+x)
    r, a, s = 0.6, 8.0, 0.7
    rsx = r + s + x
    like = np.exp(gammaln(r + x) - gammaln(r)) * a**r * a**s * (
        (a + T) ** -(r + x) * (a + T) ** -s + s / rsx * ((a + tx) ** -rsx - (a + T) ** -rsx)
    )
    np.testing.assert_allclose(at, np.log(like), rtol=1e-12)


def test_pareto_loglik_stays_finite_for_heavy_buyers() -> None:
    # hundreds of purchases: the untransformed 2F1 of the note grows like (1-z)^-(r+x)
    x = np.array([300.0, 800.0])
    ll = btyd._pareto_loglik(0.7, 1.0, 0.5, 200.0, x, np.array([100.0, 104.0]), np.array([104.0] * 2))
    assert np.isfinite(ll).all()


def test_pareto_p_alive_hand_worked() -> None:
    m = btyd.ParetoNBD(r=1.0, alpha=1.0, s=1.0, beta=1.0, log_likelihood=0.0, n=1)
    # α = β: P(alive) = 1 / (1 + s/(r+s+x) · [((α+T)/(α+t_x))^(r+s+x) - 1]);
    # x = 0, t_x = 0, T = 1: 1 / (1 + 1/2 · (2^2 - 1)) = 1 / 2.5 = 0.4
    assert m.p_alive(0, 0, 1)[0] == pytest.approx(0.4, rel=1e-12)
    # x = 1, t_x = 1, T = 3: 1 / (1 + 1/3 · ((4/2)^3 - 1)) = 1 / (1 + 7/3) = 0.3
    assert m.p_alive(1, 1, 3)[0] == pytest.approx(0.3, rel=1e-12)
    # a purchase at the end of the window: certainly alive
    assert m.p_alive(2, 5, 5)[0] == 1.0
    # E[X(t) | x, t_x, T] with s = 1: (r+x)(β+T)/(α+T) · log(1 + t/(β+T)) · P(alive);
    # x = 0, T = 1, t = 2: 1 · 2/2 · log(2) · 0.4
    assert m.expected_purchases(2, 0, 0, 1)[0] == pytest.approx(np.log(2) * 0.4, rel=1e-12)
    near = btyd.ParetoNBD(r=1.0, alpha=1.0, s=1.0 + 1e-7, beta=1.0, log_likelihood=0.0, n=1)
    assert near.expected_purchases(2, 0, 0, 1)[0] == pytest.approx(np.log(2) * 0.4, rel=1e-6)


def _simulate_pareto(n: int, r: float, alpha: float, s: float, beta: float, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    T = rng.integers(20, 53, n).astype(float)  # weeks observed since the first purchase
    life = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * life).astype(float)
    tx = np.where(x > 0, life * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    return x, np.round(tx, 2), T


def test_pareto_fit_recovers_simulated_parameters() -> None:
    # its speed (about 2 s here on an idle 2-core machine) is measured by bench/bench_tools.py,
    # not asserted: a timed test flips on a busy runner
    x, tx, T = _simulate_pareto(6000, 0.8, 5.0, 0.6, 15.0, seed=7)
    m = btyd.fit_pareto_nbd(x, tx, T)
    # r and α are well identified; s and β only jointly (mean drop-out rate s/β)
    assert m.r == pytest.approx(0.8, rel=0.15) and m.alpha == pytest.approx(5.0, rel=0.2)
    assert m.s / m.beta == pytest.approx(0.6 / 15.0, rel=0.35)


def _same_lifetime_summary() -> pd.DataFrame:
    """200 customers over two years, Poisson buying until an exponential drop-out whose mean
    (300 days) is the SAME for everyone (no drop-out heterogeneity), summarised at 2023-04-01."""
    rng = np.random.default_rng(6)
    start, rows = pd.Timestamp("2022-01-01"), []
    for c in range(200):
        first = rng.uniform(0, 500)
        lam, life = rng.gamma(1.0, 1 / 20), rng.exponential(300)
        t, days = first, [first]
        while True:
            t += rng.exponential(1 / lam)
            if t > min(first + life, 729):
                break
            days.append(t)
        scale = rng.gamma(3.0, 10.0)
        rows += [(c + 1, start + pd.Timedelta(days=float(d)), round(rng.gamma(2.0, scale), 2))
                 for d in days]  # fmt: skip
    lines = pd.DataFrame(rows, columns=["customer_id", "order_ts", "revenue_amt"])
    lines["customer_id"] = lines["customer_id"].astype("Int64")
    return clv.summarise_transactions(lines, "2023-04-01")


@pytest.mark.slow
def test_pareto_fit_stops_at_s_max_when_lifetimes_do_not_vary(caplog) -> None:
    # one drop-out rate for all: the likelihood keeps rising along s, β -> ∞ with s/β fixed;
    # the fit stops at the wall and says so (without the wall it ran for minutes)
    s = _same_lifetime_summary()
    with caplog.at_level("WARNING", logger="helpers.value.btyd"):
        m = btyd.fit_pareto_nbd(s["frequency"], s["recency"], s["T"])
    assert m.s == pytest.approx(btyd.S_MAX, rel=1e-3) and "at its bound" in caplog.text
    # mean lifetime β/s in weeks: 300 days / 7 = 42.9 simulated
    assert m.beta / m.s == pytest.approx(300 / 7, rel=0.25)


# --------------------------------------------------------------------------------------------
# MBG/NBD
# --------------------------------------------------------------------------------------------
def test_mbgnbd_matches_lifetimes_fit(cdnow: pd.DataFrame, cdnow_mbg: btyd.MBGNBD) -> None:
    lt = pytest.importorskip("lifetimes")
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ref = lt.ModifiedBetaGeoFitter().fit(f, r, T)
    keys = ["r", "alpha", "a", "b"]
    np.testing.assert_allclose([cdnow_mbg.params()[k] for k in keys], ref.params_[keys], rtol=1e-4)
    # lifetimes' mean negative log-likelihood at its own optimum, on the unscaled data
    ref_ll = -len(cdnow) * lt.ModifiedBetaGeoFitter._negative_log_likelihood(
        np.log(ref.params_[keys].to_numpy()), f.to_numpy(), r.to_numpy(), T.to_numpy(),
        np.ones(len(cdnow)), 0.0,
    )
    assert cdnow_mbg.log_likelihood == pytest.approx(ref_ll, abs=1e-3)
    assert cdnow_mbg.log_likelihood == pytest.approx(-9582.13, abs=0.01)
    s = cdnow.head(40)
    np.testing.assert_allclose(cdnow_mbg.p_alive(s.frequency, s.recency, s["T"]),
                               ref.conditional_probability_alive(s.frequency, s.recency, s["T"]),
                               rtol=1e-4)  # fmt: skip
    np.testing.assert_allclose(
        cdnow_mbg.expected_purchases(39, s.frequency, s.recency, s["T"]),
        ref.conditional_expected_number_of_purchases_up_to_time(39, s.frequency, s.recency, s["T"]),
        rtol=1e-4,
    )
    np.testing.assert_allclose(cdnow_mbg.expected_purchases_new(39.0),
                               ref.expected_number_of_purchases_up_to_time(39.0), rtol=1e-4)


def test_mbgnbd_loglik_matches_lifetimes_on_customers(cdnow: pd.DataFrame) -> None:
    lt = pytest.importorskip("lifetimes")
    m = btyd.MBGNBD(r=0.52, alpha=6.2, a=0.89, b=1.61, log_likelihood=0.0, n=1)
    s = cdnow.head(6)
    ours = m.loglik(s.frequency, s.recency, s["T"])
    for i in range(len(s)):
        one = [np.array([v]) for v in (s.frequency.iloc[i], s.recency.iloc[i], s["T"].iloc[i])]
        ref = -lt.ModifiedBetaGeoFitter._negative_log_likelihood(
            np.log([m.r, m.alpha, m.a, m.b]), *one, np.ones(1), 0.0
        )
        assert ours[i] == pytest.approx(ref, rel=1e-12)


def test_mbgnbd_one_time_buyers_may_be_dead() -> None:
    p = {"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 1.0}
    mbg = btyd.MBGNBD(**p, log_likelihood=0.0, n=1)
    bg = clv.BGNBD(**p, log_likelihood=0.0, n=1)
    # x = 0, T = 1: 1 / (1 + a/b · ((α+T)/α)^r) = 1 / (1 + 2) = 1/3; BG/NBD says exactly 1
    assert mbg.p_alive(0, 0, 1)[0] == pytest.approx(1 / 3, rel=1e-12)
    assert bg.p_alive(0, 0, 1)[0] == 1.0
    # x = 2 bought at T: odds a/(b+x) = 1/3 -> 0.75 (BG/NBD: a/(b+x-1) = 1/2 -> 2/3)
    assert mbg.p_alive(2, 5, 5)[0] == pytest.approx(0.75, rel=1e-12)
    assert bg.p_alive(2, 5, 5)[0] == pytest.approx(2 / 3, rel=1e-12)


def test_models_plug_into_customer_lifetime_value(
    cdnow: pd.DataFrame, cdnow_mbg: btyd.MBGNBD, cdnow_pareto: btyd.ParetoNBD
) -> None:
    s = cdnow.head(20)
    gg = clv.fit_gamma_gamma(cdnow["frequency"], cdnow["monetary_value"])
    for m in (cdnow_mbg, cdnow_pareto):
        v = clv.customer_lifetime_value(m, gg, s, horizon=52, discount_rate_annual=0)
        want = m.expected_purchases(52, s.frequency, s.recency, s["T"]) * gg.expected_spend(
            s.frequency, s.monetary_value
        )
        np.testing.assert_allclose(v.to_numpy(), want, rtol=1e-10)


def test_fit_purchase_model_dispatches(cdnow: pd.DataFrame) -> None:
    s = cdnow.head(300)
    m = btyd.fit_purchase_model("bgnbd", s.frequency, s.recency, s["T"])
    assert isinstance(m, clv.BGNBD)
    with pytest.raises(ValueError, match="name='gamma'"):
        btyd.fit_purchase_model("gamma", s.frequency, s.recency, s["T"])


# --------------------------------------------------------------------------------------------
# failure modes
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fit", [btyd.fit_mbgnbd, btyd.fit_pareto_nbd])
def test_fit_failure_modes(fit) -> None:
    with pytest.raises(ValueError, match="no repeat purchases"):
        fit([0, 0], [0, 0], [5, 5])
    with pytest.raises(ValueError, match="'recency' exceeds 'T'"):
        fit([1, 2], [6, 1], [5, 5])
    with pytest.raises(ValueError, match="'recency' must be 0"):
        fit([0, 2], [1, 1], [5, 5])
    with pytest.raises(ValueError, match="column 'T' has NaN"):
        fit([1, 2], [1, 1], [5, np.nan])
    with pytest.raises(ValueError, match="penalizer"):
        fit([1, 2], [1, 1], [5, 5], penalizer=-1.0)
    with pytest.raises(ValueError, match="initial"):
        fit([1, 2], [1, 1], [5, 5], initial=(1.0, 0.0, 1.0, 1.0))
    if fit is btyd.fit_pareto_nbd:
        with pytest.raises(ValueError, match="S_MAX"):
            fit([1, 2], [1, 1], [5, 5], initial=(1.0, 1.0, 500.0, 1.0))


def test_method_failure_modes() -> None:
    mbg = btyd.MBGNBD(r=1.0, alpha=1.0, a=1.0, b=1.0, log_likelihood=0.0, n=1)
    par = btyd.ParetoNBD(r=1.0, alpha=1.0, s=1.0, beta=1.0, log_likelihood=0.0, n=1)
    for m in (mbg, par):
        with pytest.raises(ValueError, match="t=-1"):
            m.expected_purchases(-1, 1, 1, 2)
        with pytest.raises(ValueError, match="t must be >= 0"):
            m.expected_purchases_new(-1.0)
        with pytest.raises(ValueError, match="different lengths"):
            m.p_alive([1, 2], [1, 1, 1], [2, 2])
        with pytest.raises(ValueError, match="'recency' exceeds 'T'"):
            m.loglik([1], [3], [2])
    with pytest.raises(ValueError, match="'recency' exceeds 'T'"):
        par.p_alive([1], [3], [2])


def test_distinct_pairs_are_computed_once_per_data_set_and_match_np_unique() -> None:
    x = np.array([0.0, 2.0, 2.0, 1.0])
    tx = np.array([0.0, 5.0, 5.0, 3.0])
    T = np.array([10.0, 10.0, 8.0, 3.0])
    btyd._PAIRS_CACHE.clear()
    pairs, inv = btyd._distinct_pairs(x, tx, T)
    # (x, t) over (x, t_x) then (x, T): (0,0) (2,5) (2,5) (1,3) (0,10) (2,10) (2,8) (1,3)
    assert pairs.tolist() == [[0, 0], [0, 10], [1, 3], [2, 5], [2, 8], [2, 10]]
    assert inv.tolist() == [0, 3, 3, 2, 1, 5, 4, 2]
    again = btyd._distinct_pairs(x.copy(), tx.copy(), T.copy())
    assert again[0] is pairs and len(btyd._PAIRS_CACHE) == 1  # same bytes: no new sort
    other = btyd._distinct_pairs(x, tx, T + 1.0)
    assert other[0] is not pairs and other[0].tolist()[-1] == [2, 11]
    # a warm cache changes nothing in a fit
    xs, txs, Ts = _simulate_pareto(300, 0.8, 5.0, 0.6, 15.0, seed=3)
    btyd._PAIRS_CACHE.clear()
    cold = btyd.fit_pareto_nbd(xs, txs, Ts)
    warm = btyd.fit_pareto_nbd(xs, txs, Ts)
    assert cold.params() == warm.params() and cold.log_likelihood == warm.log_likelihood


# --------------------------------------------------------------- P(no purchase over a horizon)


def test_pareto_rows_prepared_once_give_the_likelihood_to_the_bit(cdnow: pd.DataFrame) -> None:
    # the fit binds the rows once (pairs of the 2F1 term, terms of x and of T per distinct
    # value); at any parameters, on both branches of the 2F1 (alpha above and below beta),
    # the numbers must be those of the plain per-row formula
    x, tx, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    rows = btyd._pareto_loglik_rows(x, tx, T)
    rng = np.random.default_rng(8)
    for p in [(0.553, 10.578, 0.606, 11.669), (0.5, 2.0, 0.7, 40.0), (1.2, 30.0, 2.0, 3.0),
              *np.exp(rng.normal(0, 1.2, (12, 4)))]:
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(rows(*p), btyd._pareto_loglik(*p, x, tx, T))
    assert btyd._prepared(btyd._mbgnbd_loglik, x, tx, T)(0.5, 5.0, 0.3, 2.0).tolist() == \
        btyd._mbgnbd_loglik(0.5, 5.0, 0.3, 2.0, x, tx, T).tolist()


def test_p_no_purchase_bgnbd_equals_the_churn_baseline_formula():
    from helpers.models import churn

    bg = clv.BGNBD(r=0.8, alpha=6.0, a=0.9, b=3.0, log_likelihood=0.0, n=4)
    x, tx, T = np.array([0.0, 1, 4, 10]), np.array([0.0, 5, 20, 30]), np.array([40.0, 40, 40, 40])
    got = btyd.p_no_purchase(bg, 52.0, x, tx, T)
    assert np.allclose(got, churn.bgnbd_prob_no_purchase(bg, x, tx, T, 52.0), rtol=1e-12)
    # one-time buyer (P(alive) = 1): exactly ((α+T)/(α+T+t))^r by hand
    assert got[0] == pytest.approx((46.0 / 98.0) ** 0.8, rel=1e-12)


def test_p_no_purchase_pareto_nbd_matches_a_simulation_of_the_posterior():
    """Alive at T: λ ~ Gamma(r+x, α+T), μ ~ Gamma(s, β+T); no purchase in t iff the first
    Poisson arrival comes after min(death, t). 400k draws: standard error below 0.001."""
    m = btyd.ParetoNBD(r=0.6, alpha=8.0, s=0.7, beta=12.0, log_likelihood=0.0, n=3)
    x, tx, T = np.array([0.0, 3.0, 12.0]), np.array([0.0, 10.0, 38.0]), np.array([40.0] * 3)
    t = 26.0
    rng = np.random.default_rng(0)
    pa = m.p_alive(x, tx, T)
    got = btyd.p_no_purchase(m, t, x, tx, T)
    for i in range(3):
        lam = rng.gamma(m.r + x[i], 1.0 / (m.alpha + T[i]), 400_000)
        mu = rng.gamma(m.s, 1.0 / (m.beta + T[i]), 400_000)
        first = rng.exponential(1.0 / lam)
        death = rng.exponential(1.0 / mu)
        p0_alive = float(np.mean(first > np.minimum(death, t)))
        assert got[i] == pytest.approx((1 - pa[i]) + pa[i] * p0_alive, abs=0.004)
    # dropping the integral (the chance to die before buying) would be well outside that
    both = ((m.alpha + T) / (m.alpha + T + t)) ** (m.r + x) * ((m.beta + T) / (m.beta + T + t)) ** m.s
    assert np.all(got - ((1 - pa) + pa * both) > 0.01)


def test_p_no_purchase_is_at_least_p_dead_and_grows_with_the_horizon():
    x, tx, T = np.array([0.0, 2.0, 8.0]), np.array([0.0, 30.0, 10.0]), np.array([50.0] * 3)
    for m in (btyd.MBGNBD(r=0.5, alpha=5.0, a=1.2, b=4.0, log_likelihood=0.0, n=3),
              btyd.ParetoNBD(r=0.5, alpha=5.0, s=0.9, beta=9.0, log_likelihood=0.0, n=3)):
        dead = 1 - m.p_alive(x, tx, T)
        short, long_ = btyd.p_no_purchase(m, 4.0, x, tx, T), btyd.p_no_purchase(m, 52.0, x, tx, T)
        assert np.all(short >= dead) and np.all(long_ >= dead)
        assert np.all(short > long_)
        assert np.all((0 <= long_) & (short <= 1))
    with pytest.raises(ValueError, match="t must be > 0"):
        btyd.p_no_purchase(m, 0.0, x, tx, T)

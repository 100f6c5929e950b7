"""Alternatives to BG/NBD for repeat purchases: MBG/NBD and Pareto/NBD, by maximum likelihood.

Both models take the same per-customer inputs as :class:`helpers.value.clv.BGNBD` (``frequency``
x = repeat purchase periods, ``recency`` t_x, ``T``, in one time unit; see
:func:`helpers.value.clv.summarise_transactions`) and expose the same methods
(``p_alive``, ``expected_purchases``, ``expected_purchases_new``, ``params``), so that
:func:`helpers.value.clv.customer_lifetime_value` accepts any of the three.

Models
------
* **MBG/NBD** (Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison of
  models for customer base analysis"): BG/NBD with one change, a customer can also drop out
  right after the *first* purchase (drop-out chance p ~ Beta(a, b) at time 0 and after every
  repeat purchase). So a one-time buyer has P(alive) < 1, whereas BG/NBD puts it at exactly 1.
* **Pareto/NBD** (Schmittlein, Morrison & Colombo 1987): while alive purchases are Poisson with
  rate λ ~ Gamma(r, α); the lifetime is exponential with rate μ ~ Gamma(s, β), so drop-out can
  happen at any moment, not only just after a purchase.

Pareto/NBD likelihood, written stably
-------------------------------------
Fader, Hardie & Lee (2005), "A note on deriving the Pareto/NBD model and related expressions",
eqs. (18)-(20)::

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s/(r+s+x) · A0 ]

with A0 written in two branches, α ≥ β and α ≤ β, each a difference of two Gauss
hypergeometric functions 2F1(r+s+x, ·; r+s+x+1; z), z in [0, 1). These 2F1 grow like
(1-z)^-(r+x) and overflow for customers with hundreds of purchases. Euler's transformation
2F1(a, b; c; z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z) turns them into 2F1(1, ·; r+s+x+1; z),
which stay bounded, so A0 = Φ(t_x) - Φ(T) with, in logs::

    α ≥ β:  Φ(t) = (α+t)^-(r+x) (β+t)^-s     · 2F1(1, r+x; r+s+x+1; (α-β)/(α+t))
    α < β:  the same expression, its argument now negative, or (Pfaff's transformation, used
            when r + x >= 20 and the argument is below -1, where scipy's direct 2F1 fails)
            Φ(t) = (α+t)^(1-r-x) (β+t)^-(s+1) · 2F1(1, s+1; r+s+x+1; (β-α)/(β+t))

(the α ≥ β 2F1 lies in [1, (r+s+x)/s]). Each form was checked against numerical integration of
Euler's integral where it is used. At α = β the argument is 0 and the 2F1 exactly 1, and
the two forms agree as α - β -> 0 (tested). The difference Φ(t_x) - Φ(T) is taken as
log Φ(t_x) + log1p(-Φ(T)/Φ(t_x)). Everything is summed in logs; the likelihood is evaluated on
unique (x, t_x, T) rows with counts as weights, as :func:`helpers.value.clv.fit_bgnbd` does.

When drop-out rates barely vary between customers, the maximum lies at s, β -> ∞ with s/β
fixed (an exponential lifetime common to all). The fit then stops at s = :data:`S_MAX` with a
logged warning instead of following the ridge for minutes.

Tests reproduce the published CDNOW Pareto/NBD estimates (r = 0.553, α = 10.578, s = 0.606,
β = 11.669) and the MBG/NBD fit of ``lifetimes.ModifiedBetaGeoFitter``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from helpers.value import clv
from helpers.value.clv import _as_arrays, _compress, _maximise

log = logging.getLogger(__name__)

MODEL_NAMES: dict[str, str] = {
    "bgnbd": "BG/NBD",
    "mbgnbd": "MBG/NBD",
    "pareto_nbd": "Pareto/NBD",
}
"""Key of each purchase model -> its display name."""

S_MAX = 10.0
"""Largest Pareto/NBD s tried: Gamma(s, β) drop-out rates with s = 10 still vary by 32% (1/√s);
beyond it the 2F1 evaluations slow down sharply and the likelihood barely moves (on Online
Retail II it rises by 0.1 from s = 10 to s = 100)."""


def _frt(name: str, frequency: object, recency: object, T: object) -> tuple[np.ndarray, ...]:
    """Validated (x, t_x, T) arrays: finite, non-negative, t_x <= T, t_x = 0 where x = 0."""
    d = _as_arrays(name, frequency=frequency, recency=recency, T=T)
    x, tx, TT = d["frequency"], d["recency"], d["T"]
    if (tx > TT + 1e-9).any():
        raise ValueError(f"{name}: 'recency' exceeds 'T' for some customers")
    if ((x == 0) & (tx > 0)).any():
        raise ValueError(f"{name}: 'recency' must be 0 where 'frequency' is 0")
    return x, np.minimum(tx, TT), TT


def _check_frt(name: str, frequency: object, recency: object, T: object) -> tuple[np.ndarray, ...]:
    """:func:`_frt` plus at least one repeat purchase (needed to fit)."""
    x, tx, TT = _frt(name, frequency, recency, T)
    if not (x > 0).any():
        raise ValueError(f"{name}: no repeat purchases ('frequency' all 0); cannot fit")
    return x, tx, TT


def _maximise_bounded(negll: callable, x0: np.ndarray, log_upper: np.ndarray,
                      name: str) -> tuple[np.ndarray, bool]:
    """Minimise ``negll`` over log-parameters with upper bounds: L-BFGS-B inside the bounds,
    then a bounded Nelder-Mead polish with a capped number of steps. (Walls of 1e100 instead of
    bounds sent Nelder-Mead through tens of thousands of slow likelihood evaluations when the
    optimum lies on a bound, as Pareto/NBD's s does on retail data.)"""
    bounds = [(None, float(u)) if np.isfinite(u) else (None, None) for u in log_upper]
    x0 = np.minimum(x0, np.where(np.isfinite(log_upper), log_upper, np.inf))
    best = minimize(negll, x0, method="L-BFGS-B", bounds=bounds,
                    options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    nm = minimize(negll, best.x if np.isfinite(best.fun) else x0, method="Nelder-Mead",
                  bounds=bounds, options={"maxiter": 4000, "xatol": 1e-10, "fatol": 1e-12})
    if nm.fun <= best.fun or not np.isfinite(best.fun):
        best = nm
    if not np.isfinite(best.fun) or best.fun >= 1e99:
        raise RuntimeError(f"{name}: optimisation failed ({best.message})")
    return best.x, bool(best.success or nm.success)


def _fit(
    name: str,
    loglik: Callable[..., np.ndarray],
    frequency: object,
    recency: object,
    T: object,
    penalizer: float,
    initial: tuple[float, float, float, float],
    upper: tuple[float, float, float, float] = (np.inf,) * 4,
) -> tuple[np.ndarray, float, int, bool]:
    """Maximise ``loglik(*params, x, t_x, T)`` over log-parameters on compressed rows, with
    parameters above ``upper`` refused (a wall for the optimiser)."""
    if penalizer < 0:
        raise ValueError(f"{name}: penalizer={penalizer} must be >= 0")
    if len(initial) != 4 or any(not np.isfinite(v) or v <= 0 for v in initial):
        raise ValueError(f"{name}: initial={initial} must be four positive numbers")
    x, tx, TT = _check_frt(name, frequency, recency, T)
    (ux, utx, uT), w = _compress(x, tx, TT)
    n = float(w.sum())
    top = np.asarray(upper, dtype=float)
    rows_ll = _prepared(loglik, ux, utx, uT)

    def negll(lp: np.ndarray) -> float:
        p = np.exp(lp)
        if (p > top).any():
            return 1e100
        with np.errstate(all="ignore"):
            val = -(w * rows_ll(*p)).sum() / n + penalizer * float((p**2).sum())
        return float(val) if np.isfinite(val) else 1e100

    x0 = np.log(np.asarray(initial, dtype=float))
    if np.isfinite(top).any():
        lp, ok = _maximise_bounded(negll, x0, np.log(top), name)
    else:
        lp, _, ok = _maximise(negll, x0, name)
    p = np.exp(lp)
    with np.errstate(all="ignore"):
        ll = float((w * loglik(*p, ux, utx, uT)).sum())
    return p, ll, int(n), ok


# --------------------------------------------------------------------------------------------
# MBG/NBD
# --------------------------------------------------------------------------------------------
def _mbgnbd_loglik(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Per-customer MBG/NBD log-likelihood (Batislam et al. 2007, in logs).

    L = Γ(r+x)α^r/Γ(r) · B(a, b+x+1)/B(a, b) · [(α+T)^-(r+x) + a/(b+x) · (α+t_x)^-(r+x)],
    for every x including 0 (the second term is a drop-out right after the last purchase).
    """
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x + 1) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + tx)
    return a1 + a2 + np.logaddexp(a3, a4)


@dataclass(frozen=True)
class MBGNBD:
    """A fitted MBG/NBD model (parameters per model time unit).

    Attributes
    ----------
    r, alpha
        Shape and rate (per time unit) of the Gamma distribution of purchase rates.
    a, b
        Beta distribution of the drop-out probability at the first and after each repeat purchase.
    log_likelihood
        Maximised total log-likelihood.
    n
        Customers in the fit.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n: int
    converged: bool = True

    name = "mbgnbd"

    def params(self) -> dict[str, float]:
        """The four parameters as a dict."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def loglik(self, frequency: object, recency: object, T: object) -> np.ndarray:
        """Per-customer log-likelihood at the fitted parameters."""
        x, tx, TT = _frt("MBGNBD.loglik", frequency, recency, T)
        return _mbgnbd_loglik(self.r, self.alpha, self.a, self.b, x, tx, TT)

    def _odds_dead(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        """a/(b+x) · ((α+T)/(α+t_x))^(r+x), in logs; defined for x = 0 too."""
        return np.exp(
            np.log(self.a)
            - np.log(self.b + x)
            + (self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + tx))
        )

    def p_alive(self, frequency: object, recency: object, T: object) -> np.ndarray:
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)).

        Below 1 for one-time buyers too (they may have dropped out right after buying).
        """
        d = _as_arrays("p_alive", frequency=frequency, recency=recency, T=T)
        return 1.0 / (1.0 + self._odds_dead(d["frequency"], d["recency"], d["T"]))

    def expected_purchases(
        self, t: float, frequency: object, recency: object, T: object
    ) -> np.ndarray:
        """E[purchases in (T, T+t] | x, t_x, T], ``t`` in model time units.

        (a+b+x)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x+1; a+b+x; t/(α+T+t))]
        / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))  (Batislam et al. 2007; Wagner & Hoppe 2008).
        """
        if t < 0:
            raise ValueError(f"expected_purchases: t={t} must be >= 0")
        d = _as_arrays("expected_purchases", frequency=frequency, recency=recency, T=T)
        x, tx, TT = d["frequency"], d["recency"], d["T"]
        r, al, a, b = self.r, self.alpha, self.a, self.b
        hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (al + TT + t))
        ratio = np.exp((r + x) * (np.log(al + TT) - np.log(al + TT + t)))
        num = (a + b + x) / (a - 1) * (1.0 - ratio * hyp)
        return num / (1.0 + self._odds_dead(x, tx, TT))

    conditional_expected_purchases = expected_purchases

    def expected_purchases_new(self, t: object) -> np.ndarray:
        """Unconditional E[X(t)] for a customer just acquired: b/(a-1) · [1 - (α/(α+t))^r ·
        2F1(r, b+1; a+b; t/(α+t))]."""
        tt = np.asarray(t, dtype=float)
        if (tt < 0).any():
            raise ValueError("expected_purchases_new: t must be >= 0")
        r, al, a, b = self.r, self.alpha, self.a, self.b
        hyp = hyp2f1(r, b + 1, a + b, tt / (al + tt))
        return b / (a - 1) * (1.0 - (al / (al + tt)) ** r * hyp)


def fit_mbgnbd(
    frequency: object,
    recency: object,
    T: object,
    penalizer: float = 0.0,
    initial: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
) -> MBGNBD:
    """Fit MBG/NBD by maximum likelihood (same inputs and optimiser as ``clv.fit_bgnbd``).

    Parameters
    ----------
    frequency, recency, T
        Repeat purchase periods x, t_x and T in one time unit; 0 <= t_x <= T, t_x = 0 if x = 0.
    penalizer
        L2 penalty on the parameters (``lifetimes``' ``penalizer_coef``); 0 = plain MLE.
    initial
        Starting values (r, α, a, b).

    Returns
    -------
    MBGNBD
        Parameters, maximised log-likelihood (without the penalty) and n.
    """
    p, ll, n, ok = _fit("fit_mbgnbd", _mbgnbd_loglik, frequency, recency, T, penalizer, initial)
    r, al, a, b = (float(v) for v in p)
    log.info("MBG/NBD: r=%.4g alpha=%.4g a=%.4g b=%.4g LL=%.2f (n=%d)", r, al, a, b, ll, n)
    return MBGNBD(r=r, alpha=al, a=a, b=b, log_likelihood=ll, n=n, converged=ok)


# --------------------------------------------------------------------------------------------
# Pareto/NBD
# --------------------------------------------------------------------------------------------
def _log_phi(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """log Φ(t), Φ(t) = (α+t)^-(r+x) (β+t)^-s · 2F1(1, r+x; r+s+x+1; (α-β)/(α+t)).

    For α < β the argument is negative, where scipy's ``hyp2f1`` loses accuracy (even returns
    NaN) for large β; Pfaff's transformation gives the equal form
    (α+t)^(1-r-x) (β+t)^-(s+1) · 2F1(1, s+1; r+s+x+1; (β-α)/(β+t)), argument in [0, 1).
    """
    rsx1 = r + s + x + 1.0
    z = (alpha - beta) / (alpha + t)
    if alpha >= beta:
        # z in [0, 1): scipy's series crawls as z -> 1 when s is small; there Pfaff's form
        # (1-z)^-1 · 2F1(1, s+1; r+s+x+1; z/(z-1)) has a negative argument and is fast
        x, t, z = np.broadcast_arrays(x, t, z)
        far = z > 0.5
        h = np.empty(z.shape)
        h[~far] = hyp2f1(1.0, r + x[~far], rsx1[~far], z[~far])
        zf = z[far]
        h[far] = hyp2f1(1.0, s + 1.0, rsx1[far], zf / (zf - 1.0)) / (1.0 - zf)
        return -(r + x) * np.log(alpha + t) - s * np.log(beta + t) + np.log(h)
    # α < β: z < 0. scipy's direct 2F1 at z < 0 is fast but turns NaN for many purchases;
    # the Pfaff form's series at w = z/(z-1) -> 1 is slow for few purchases and loses all
    # accuracy when r + x - 1 is an integer. Use each where it is sound.
    x, t, z = np.broadcast_arrays(x, t, z)
    out = np.empty(z.shape)
    pfaff = (z < -1.0) & (r + x >= 20.0)
    d = ~pfaff
    out[d] = -(r + x[d]) * np.log(alpha + t[d]) - s * np.log(beta + t[d]) + np.log(
        hyp2f1(1.0, r + x[d], rsx1[d], z[d])
    )
    p = pfaff
    w = (beta - alpha) / (beta + t[p])
    out[p] = (1.0 - r - x[p]) * np.log(alpha + t[p]) - (s + 1.0) * np.log(beta + t[p]) + np.log(
        hyp2f1(1.0, s + 1.0, rsx1[p], w)
    )
    return out


_PAIRS_CACHE: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}


def _distinct_pairs(x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (x, t) pairs of the columns (x, t_x) and (x, T), and the index of each row's pair.

    An optimiser evaluates the likelihood thousands of times on the same rows, and sorting them
    each time (``np.unique``) took most of a Pareto/NBD fit (81 s of 82 on a 1,500-customer
    export); the result depends on the data only, so it is kept for the last few data sets,
    keyed by their bytes. Same data, same pairs: the fit is bit-identical.
    """
    cols = [np.ascontiguousarray(a, dtype=float) for a in (x, tx, T)]
    key = hashlib.blake2b(b"".join(c.tobytes() for c in cols), digest_size=20).digest()
    key += len(cols[0]).to_bytes(8, "little")
    hit = _PAIRS_CACHE.get(key)
    if hit is None:
        xs, ts = np.concatenate([cols[0], cols[0]]), np.concatenate([cols[1], cols[2]])
        pairs, inv = np.unique(np.column_stack([xs, ts]), axis=0, return_inverse=True)
        if len(_PAIRS_CACHE) >= 8:
            _PAIRS_CACHE.clear()
        hit = _PAIRS_CACHE[key] = (pairs, inv.ravel())
    return hit


def _log_a0(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """log A0 = log(Φ(t_x) - Φ(T)) (FHL 2005 note eqs. 19-20 after Euler's transformation);
    -inf where t_x = T."""
    # Φ depends on (x, t) only: evaluate the 2F1 once per distinct pair of both columns
    pairs, inv = _distinct_pairs(x, tx, T)
    lphi = _log_phi(r, alpha, s, beta, pairs[:, 0], pairs[:, 1])[inv]
    l1, l2 = lphi[: x.size], lphi[x.size :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return l1 + np.log1p(-np.exp(np.minimum(l2 - l1, 0.0)))


def _pareto_loglik_rows(x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> Callable[..., np.ndarray]:
    """``lambda r, alpha, s, beta: _pareto_loglik(r, alpha, s, beta, x, tx, T)`` for an
    optimiser's many calls on the same rows: the distinct (x, t) pairs of the 2F1 term found
    once (not looked up by hashing the rows at every call), and the terms of x alone and of T
    alone evaluated once per distinct value. Row by row the same operations in the same order:
    the same numbers, bit for bit."""
    pairs, inv = _distinct_pairs(x, tx, T)
    px, pt = pairs[:, 0], pairs[:, 1]
    lev = clv._Levels(x, tx, T)  # the distinct x and T, as BG/NBD's fit uses them
    xu, xi, Tu, Ti = lev.x, lev.x_i, lev.T, lev.T_i
    n = x.size

    def rows(r: float, alpha: float, s: float, beta: float) -> np.ndarray:
        lphi = _log_phi(r, alpha, s, beta, px, pt)[inv]
        l1, l2 = lphi[:n], lphi[n:]
        with np.errstate(divide="ignore", invalid="ignore"):
            a0 = l1 + np.log1p(-np.exp(np.minimum(l2 - l1, 0.0)))
        a1 = (gammaln(r + xu) - gammaln(r) + r * np.log(alpha) + s * np.log(beta))[xi]
        alive = (-(r + xu))[xi] * np.log(alpha + Tu)[Ti] - (s * np.log(beta + Tu))[Ti]
        dead = (np.log(s) - np.log(r + s + xu))[xi] + a0
        return a1 + np.logaddexp(alive, dead)

    return rows


def _prepared(loglik: Callable[..., np.ndarray], x: np.ndarray, tx: np.ndarray,
              T: np.ndarray) -> Callable[..., np.ndarray]:
    """``loglik`` bound to fixed rows, with whatever can be computed once computed once."""
    if loglik is _pareto_loglik:
        return _pareto_loglik_rows(x, tx, T)
    return lambda *p: loglik(*p, x, tx, T)


def _pareto_loglik(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Per-customer Pareto/NBD log-likelihood (FHL 2005 note eq. 18, in logs)."""
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dead = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, tx, T)
    return a1 + np.logaddexp(alive, dead)


@dataclass(frozen=True)
class ParetoNBD:
    """A fitted Pareto/NBD model (parameters per model time unit).

    Attributes
    ----------
    r, alpha
        Shape and rate (per time unit) of the Gamma distribution of purchase rates λ.
    s, beta
        Shape and rate (per time unit) of the Gamma distribution of drop-out rates μ.
    log_likelihood
        Maximised total log-likelihood.
    n
        Customers in the fit.
    """

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float
    n: int
    converged: bool = True

    name = "pareto_nbd"

    def params(self) -> dict[str, float]:
        """The four parameters as a dict."""
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta}

    def loglik(self, frequency: object, recency: object, T: object) -> np.ndarray:
        """Per-customer log-likelihood at the fitted parameters."""
        x, tx, TT = _frt("ParetoNBD.loglik", frequency, recency, T)
        return _pareto_loglik(self.r, self.alpha, self.s, self.beta, x, tx, TT)

    def p_alive(self, frequency: object, recency: object, T: object) -> np.ndarray:
        """P(alive at T | x, t_x, T) = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A0)
        (FHL 2005 note eq. 37); 1 where t_x = T (bought at the very end)."""
        x, tx, TT = _frt("p_alive", frequency, recency, T)
        r, al, s, be = self.r, self.alpha, self.s, self.beta
        lodds = (
            np.log(s) - np.log(r + s + x) + (r + x) * np.log(al + TT) + s * np.log(be + TT)
            + _log_a0(r, al, s, be, x, tx, TT)
        )  # fmt: skip
        return 1.0 / (1.0 + np.exp(lodds))

    def expected_purchases(
        self, t: float, frequency: object, recency: object, T: object
    ) -> np.ndarray:
        """E[purchases in (T, T+t] | x, t_x, T], ``t`` in model time units (FHL note eq. 41):

        (r+x)(β+T) / ((α+T)(s-1)) · [1 - ((β+T)/(β+T+t))^(s-1)] · P(alive), with the s = 1
        limit (r+x)(β+T)/(α+T) · log(1 + t/(β+T)) handled without cancellation.
        """
        if t < 0:
            raise ValueError(f"expected_purchases: t={t} must be >= 0")
        x, tx, TT = _frt("expected_purchases", frequency, recency, T)
        r, al, s, be = self.r, self.alpha, self.s, self.beta
        lg = np.log1p(t / (be + TT))
        sm1 = s - 1.0
        growth = lg if abs(sm1) < 1e-10 else -np.expm1(-sm1 * lg) / sm1
        return (r + x) * (be + TT) / (al + TT) * growth * self.p_alive(x, tx, TT)

    conditional_expected_purchases = expected_purchases

    def expected_purchases_new(self, t: object) -> np.ndarray:
        """Unconditional E[X(t)] = rβ/(α(s-1)) · [1 - (β/(β+t))^(s-1)] (FHL note eq. 27)."""
        tt = np.asarray(t, dtype=float)
        if (tt < 0).any():
            raise ValueError("expected_purchases_new: t must be >= 0")
        lg = np.log1p(tt / self.beta)
        sm1 = self.s - 1.0
        growth = lg if abs(sm1) < 1e-10 else -np.expm1(-sm1 * lg) / sm1
        return self.r * self.beta / self.alpha * growth


def fit_pareto_nbd(
    frequency: object,
    recency: object,
    T: object,
    penalizer: float = 0.0,
    initial: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
) -> ParetoNBD:
    """Fit Pareto/NBD by maximum likelihood (same inputs and optimiser as ``clv.fit_bgnbd``).

    About 1-3 s on the ~5,000 customers of a calibration period of Online Retail II (the
    likelihood is summed over unique (x, t_x, T) rows).

    Parameters
    ----------
    frequency, recency, T
        Repeat purchase periods x, t_x and T in one time unit; 0 <= t_x <= T, t_x = 0 if x = 0.
    penalizer
        L2 penalty on the parameters; 0 = plain MLE.
    initial
        Starting values (r, α, s, β).

    Returns
    -------
    ParetoNBD
        Parameters, maximised log-likelihood (without the penalty) and n.
    """
    if initial[2] > S_MAX:
        raise ValueError(f"fit_pareto_nbd: initial s={initial[2]} exceeds S_MAX={S_MAX}")
    p, ll, n, ok = _fit("fit_pareto_nbd", _pareto_loglik, frequency, recency, T, penalizer,
                        initial, upper=(np.inf, np.inf, S_MAX, np.inf))  # fmt: skip
    r, al, s, be = (float(v) for v in p)
    if s > 0.99 * S_MAX:
        log.warning("Pareto/NBD: s=%.4g at its bound %g: drop-out rates hardly vary between "
                    "customers (mean lifetime β/s = %.4g time units)", s, S_MAX, be / s)  # fmt: skip
    log.info("Pareto/NBD: r=%.4g alpha=%.4g s=%.4g beta=%.4g LL=%.2f (n=%d)", r, al, s, be, ll, n)
    return ParetoNBD(r=r, alpha=al, s=s, beta=be, log_likelihood=ll, n=n, converged=ok)


PurchaseModel = clv.BGNBD | MBGNBD | ParetoNBD
"""Any of the three fitted purchase models (they share p_alive / expected_purchases)."""


def fit_purchase_model(
    name: str, frequency: object, recency: object, T: object
) -> PurchaseModel:
    """Fit the purchase model called ``name`` (a key of :data:`MODEL_NAMES`)."""
    fitters = {"bgnbd": clv.fit_bgnbd, "mbgnbd": fit_mbgnbd, "pareto_nbd": fit_pareto_nbd}
    if name not in fitters:
        raise ValueError(f"fit_purchase_model: name={name!r}, expected one of {list(fitters)}")
    return fitters[name](frequency, recency, T)


#: Gauss–Legendre nodes and weights on [-1, 1] for the Pareto/NBD no-purchase integral.
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)


def p_no_purchase(
    model: PurchaseModel, t: float, frequency: object, recency: object, T: object
) -> np.ndarray:
    """P(no purchase in (T, T+t] | x, t_x, T) under ``model`` (BG/NBD, MBG/NBD or Pareto/NBD).

    P0 = (1 - P(alive)) + P(alive) · P0|alive. A customer alive at T has posterior purchase
    rate λ ~ Gamma(r+x, α+T) in all three models.

    * BG/NBD and MBG/NBD: drop-out happens only right after a purchase, so an alive customer
      buys nothing in t exactly when the Poisson process has no event:
      P0|alive = E[e^(-λt)] = ((α+T)/(α+T+t))^(r+x).
    * Pareto/NBD: the lifetime is exponential with rate μ ~ Gamma(s, β+T), independent of λ
      given alive at T. No purchase in t means the first purchase comes after min(death, t):
      P0|alive = E[e^(-(λ+μ)t)] + E[μ/(λ+μ) · (1 - e^(-(λ+μ)t))]
               = A(t) B(t) + ∫_0^t A(u) · s/(β+T) · ((β+T)/(β+T+u))^(s+1) du,
      with A(u) = ((α+T)/(α+T+u))^(r+x), B(u) = ((β+T)/(β+T+u))^s, using
      (1 - e^(-ct))/c = ∫_0^t e^(-cu) du and E[μ e^(-μu)] = s/β' · (β'/(β'+u))^(s+1). The
      integral is taken by 64-point Gauss–Legendre quadrature (smooth, monotone integrand).

    ``t`` is in the model's time unit. For BG/NBD this equals
    :func:`helpers.models.churn.bgnbd_prob_no_purchase` (tested).
    """
    if not t > 0:
        raise ValueError(f"p_no_purchase: t must be > 0, got {t}")
    x, tx, TT = _frt("p_no_purchase", frequency, recency, T)
    pa = np.asarray(model.p_alive(x, tx, TT), dtype=float)
    al = model.alpha + TT
    if not hasattr(model, "s"):
        stay = np.exp((model.r + x) * (np.log(al) - np.log(al + t)))
        return (1.0 - pa) + pa * stay
    s, be = model.s, model.beta + TT
    u = (t / 2.0) * (_GL_NODES + 1.0)  # nodes on [0, t]
    log_a = (model.r + x)[:, None] * (np.log(al)[:, None] - np.log(al[:, None] + u[None, :]))
    log_dens = (
        np.log(s)
        - np.log(be)[:, None]
        + (s + 1) * (np.log(be)[:, None] - np.log(be[:, None] + u[None, :]))
    )
    integral = (t / 2.0) * (np.exp(log_a + log_dens) @ _GL_WEIGHTS)
    both = np.exp(
        (model.r + x) * (np.log(al) - np.log(al + t)) + s * (np.log(be) - np.log(be + t))
    )
    return (1.0 - pa) + pa * (both + integral)

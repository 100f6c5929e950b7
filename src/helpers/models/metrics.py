"""Error metrics for forecasts, classifiers and regressions, and a bootstrap interval helper.

Definitions (stated once, used everywhere):

- ``mae``   = mean |y - ŷ|, in the unit of ``y`` (GBP for revenue).
- ``rmse``  = sqrt(mean (y - ŷ)²), in the unit of ``y``.
- ``smape`` = 100/n · Σ 2|y - ŷ| / (|y| + |ŷ|), in percent (0..200); a term with
  ``y = ŷ = 0`` counts as 0 (Hyndman & Koehler 2006, with the factor 2).
- ``mase``  = mae(y, ŷ) / mean |y_t - y_{t-m}| over the *training* series (Hyndman & Koehler
  2006): the in-sample one-step (``m=1``) or seasonal (``m``) naive error. Unit-free; below 1
  beats the in-sample naive method.
- ``coverage`` = share of actuals inside [lo, hi].
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

ArrayLike = Sequence[float] | np.ndarray | pd.Series


def _pair(y_true: ArrayLike, y_pred: ArrayLike, name: str) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(y_true, dtype=float)
    b = np.asarray(y_pred, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"{name}: y_true has shape {a.shape} but y_pred has shape {b.shape}")
    if a.size == 0:
        raise ValueError(f"{name}: empty input")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError(f"{name}: NaN in y_true or y_pred")
    return a, b


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error, in the unit of ``y``."""
    a, b = _pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(a - b)))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error, in the unit of ``y``."""
    a, b = _pair(y_true, y_pred, "rmse")
    return float(np.sqrt(np.mean((a - b) ** 2)))


def smape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Symmetric MAPE in percent: ``100/n Σ 2|y-ŷ|/(|y|+|ŷ|)``; 0/0 terms count as 0."""
    a, b = _pair(y_true, y_pred, "smape")
    den = np.abs(a) + np.abs(b)
    terms = np.where(den == 0, 0.0, 2 * np.abs(a - b) / np.where(den == 0, 1.0, den))
    return float(100 * np.mean(terms))


def mase(y_true: ArrayLike, y_pred: ArrayLike, y_train: ArrayLike, m: int = 1) -> float:
    """Mean absolute scaled error: MAE over the in-sample ``m``-step naive MAE of ``y_train``.

    Parameters
    ----------
    y_true, y_pred
        Actuals and forecasts over the test horizon.
    y_train
        The training series the forecast was made from (in time order).
    m
        Seasonal period of the scaling naive method (1 = one-step naive).
    """
    a, b = _pair(y_true, y_pred, "mase")
    tr = np.asarray(y_train, dtype=float)
    if m < 1:
        raise ValueError(f"mase: m must be >= 1, got {m}")
    if tr.size <= m:
        raise ValueError(f"mase: y_train has {tr.size} values, need more than m={m}")
    scale = float(np.mean(np.abs(tr[m:] - tr[:-m])))
    if scale == 0:
        raise ValueError("mase: y_train is constant at lag m, the scale is zero")
    return float(np.mean(np.abs(a - b)) / scale)


def coverage(y_true: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> float:
    """Share of ``y_true`` inside the closed interval [lo, hi] (0..1)."""
    a, lo_ = _pair(y_true, lo, "coverage")
    _, hi_ = _pair(y_true, hi, "coverage")
    if (lo_ > hi_).any():
        raise ValueError("coverage: some lo > hi")
    return float(np.mean((a >= lo_) & (a <= hi_)))


def lift_table(y_true: ArrayLike, score: ArrayLike, n_bins: int = 10) -> pd.DataFrame:
    """Lift and cumulative gain by score decile (decile 1 = highest scores).

    Rows are sorted by descending score (ties broken by original order) and cut into
    ``n_bins`` groups of (nearly) equal size.

    Returns
    -------
    DataFrame indexed by ``decile`` with ``n``, ``positives``, ``rate`` (positives / n),
    ``lift`` (rate / overall rate), ``cum_gain`` (share of all positives captured up to this
    decile) and ``cum_lift``.
    """
    y, s = _pair(y_true, score, "lift_table")
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise ValueError("lift_table: y_true must be 0/1")
    if n_bins < 1 or n_bins > y.size:
        raise ValueError(f"lift_table: n_bins={n_bins} must be in 1..{y.size}")
    if y.sum() == 0:
        raise ValueError("lift_table: y_true has no positives")
    order = np.argsort(-s, kind="stable")
    ys = y[order]
    decile = np.floor(np.arange(y.size) * n_bins / y.size).astype(int) + 1
    df = pd.DataFrame({"decile": decile, "y": ys})
    g = df.groupby("decile")["y"].agg(n="size", positives="sum")
    base = y.mean()
    g["rate"] = g["positives"] / g["n"]
    g["lift"] = g["rate"] / base
    g["cum_gain"] = g["positives"].cumsum() / y.sum()
    g["cum_lift"] = (g["positives"].cumsum() / g["n"].cumsum()) / base
    return g


def bootstrap_ci(
    values_or_pairs: ArrayLike | tuple[ArrayLike, ...],
    stat_fn: Callable[..., float],
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Percentile bootstrap interval of a statistic.

    Parameters
    ----------
    values_or_pairs
        One array (resampled with replacement) or a tuple of equal-length arrays resampled
        *together* by row (e.g. ``(y_true, score)`` for an AUC).
    stat_fn
        ``stat_fn(values)`` or ``stat_fn(*arrays)`` returning a float. Resamples on which it
        raises ``ValueError`` (e.g. one class only) are skipped.
    n_boot, seed, level
        Resamples, seed of ``numpy.random.default_rng``, two-sided level (0..1).

    Returns
    -------
    (point, low, high): the statistic on the full data and the percentile interval.
    """
    if not 0 < level < 1:
        raise ValueError(f"bootstrap_ci: level must be in (0, 1), got {level}")
    if n_boot < 10:
        raise ValueError(f"bootstrap_ci: n_boot must be >= 10, got {n_boot}")
    arrays = (
        [np.asarray(a) for a in values_or_pairs]
        if isinstance(values_or_pairs, tuple)
        else [np.asarray(values_or_pairs)]
    )
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError("bootstrap_ci: arrays in the tuple have different lengths")
    if n < 2:
        raise ValueError(
            f"bootstrap_ci: need at least 2 observations, got {n} (an interval over customers "
            "needs at least 2 customers)"
        )
    point = float(stat_fn(*arrays))
    rng = np.random.default_rng(seed)
    stats = []
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        try:
            stats.append(float(stat_fn(*[a[idx] for a in arrays])))
        except ValueError:
            continue
    if 2 * len(stats) < n_boot:  # fewer than half succeeded (also right for odd n_boot)
        raise ValueError("bootstrap_ci: stat_fn failed on more than half of the resamples")
    alpha = (1 - level) / 2
    lo, hi = np.quantile(stats, [alpha, 1 - alpha])
    return point, float(lo), float(hi)


def diebold_mariano(
    e1: ArrayLike, e2: ArrayLike, h: int = 1, power: int = 2
) -> tuple[float, float]:
    """Diebold-Mariano test of equal accuracy with the Harvey-Leybourne-Newbold correction.

    Loss differential ``d_t = |e1_t|^power - |e2_t|^power``; the statistic
    ``DM = mean(d) / sqrt(V / n)`` with ``V = γ0 + 2 Σ_{k=1}^{h-1} γk`` (autocovariances of d),
    multiplied by ``sqrt((n + 1 - 2h + h(h-1)/n) / n)`` and compared with Student's t with
    ``n - 1`` degrees of freedom (two-sided p-value). Negative = model 1 more accurate.

    Returns
    -------
    (statistic, p_value)
    """
    from scipy import stats

    a, b = _pair(e1, e2, "diebold_mariano")
    if h < 1:
        raise ValueError(f"diebold_mariano: h must be >= 1, got {h}")
    d = np.abs(a) ** power - np.abs(b) ** power
    n = d.size
    if n < 3:
        raise ValueError("diebold_mariano: need at least 3 paired errors")
    dc = d - d.mean()
    gamma = [float(np.sum(dc[k:] * dc[: n - k]) / n) for k in range(h)]
    v = gamma[0] + 2 * sum(gamma[1:])
    if v <= 0:
        raise ValueError("diebold_mariano: the loss differential has zero variance")
    dm = d.mean() / np.sqrt(v / n)
    dm *= np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    p = 2 * stats.t.sf(abs(dm), df=n - 1)
    return float(dm), float(p)


def winkler_score(y_true: ArrayLike, lo: ArrayLike, hi: ArrayLike, level: float) -> float:
    """Mean Winkler (interval) score of central ``level`` intervals, in the unit of ``y``.

    Per point: ``(hi - lo) + (2/alpha)(lo - y)`` if ``y < lo``, ``+ (2/alpha)(y - hi)`` if
    ``y > hi``, with ``alpha = 1 - level`` (Winkler 1972; Gneiting & Raftery 2007). Width plus
    a penalty for each miss in proportion to its distance; lower is better, and the expected
    score is minimised by the true ``alpha/2`` and ``1 - alpha/2`` quantiles.

    Parameters
    ----------
    y_true, lo, hi
        Actuals and interval bounds.
    level
        Nominal coverage as a fraction, 0 < level < 1 (0.8 for an 80% interval).
    """
    if not 0 < level < 1:
        raise ValueError(f"winkler_score: level must be a fraction in (0, 1), e.g. 0.8; got {level}")
    a, lo_ = _pair(y_true, lo, "winkler_score")
    _, hi_ = _pair(y_true, hi, "winkler_score")
    if (lo_ > hi_).any():
        raise ValueError("winkler_score: some lo > hi")
    alpha = 1 - level
    score = (hi_ - lo_) + (2 / alpha) * (np.clip(lo_ - a, 0, None) + np.clip(a - hi_, 0, None))
    return float(np.mean(score))

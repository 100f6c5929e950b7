"""Next-period spend per customer: XGBoost vs the CLV model vs "same as last period".

At cutoff ``c`` with period ``H`` days, the target is a customer's revenue in ``[c, c + H)``
(0 when they do not buy), for customers with history before ``c``. Features are
:func:`helpers.models.churn.build_features` (history before ``c`` only). Candidates:

- ``last_period``: revenue in ``[c - H, c)``;
- ``clv``: BG/NBD expected purchases in H (weeks) × Gamma-Gamma expected spend per purchase,
  fitted on the history before ``c``;
- ``xgboost``: gradient boosting on the features, tuned by fitting at an earlier cutoff and
  scoring at the training cutoff (never the test).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from helpers.models import churn, metrics

log = logging.getLogger(__name__)


def spend_target(
    lines: pd.DataFrame, customers: pd.Index, start: pd.Timestamp, days: int
) -> pd.Series:
    """Revenue (GBP) of each customer in ``[start, start + days)``, 0 for none."""
    if days < 1:
        raise ValueError(f"spend_target: days must be >= 1, got {days}")
    if "customer_id" not in lines.columns or "revenue_amt" not in lines.columns:
        raise ValueError("spend_target: lines needs customer_id and revenue_amt")
    start = pd.Timestamp(start)
    win = lines[(lines["order_ts"] >= start) & (lines["order_ts"] < start + pd.Timedelta(days=days))]
    win = win[win["customer_id"].notna()]
    s = win.groupby(win["customer_id"].astype("int64"))["revenue_amt"].sum()
    return s.reindex(customers, fill_value=0.0).rename("spend_amt").astype(float)


def build_dataset(
    lines: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Features at ``cutoff`` and next-period spend (GBP) over ``horizon_days``.

    Raises ValueError when the target window runs past the last line's day.
    """
    end = (lines["order_ts"].max() + pd.Timedelta(days=1)).normalize()
    if pd.Timestamp(cutoff) + pd.Timedelta(days=horizon_days) > end:
        raise ValueError(f"spend.build_dataset: window {cutoff}+{horizon_days}d ends after the data")
    x = churn.build_features(lines, cutoff, window_days=horizon_days)
    return x, spend_target(lines, x.index, cutoff, horizon_days)


def last_period_prediction(lines: pd.DataFrame, customers: pd.Index, cutoff: pd.Timestamp,
                           horizon_days: int) -> pd.Series:
    """"Same as last period": each customer's revenue in ``[cutoff - H, cutoff)``, GBP."""
    start = pd.Timestamp(cutoff) - pd.Timedelta(days=horizon_days)
    return spend_target(lines, customers, start, horizon_days).rename("pred_amt")


def clv_prediction(lines: pd.DataFrame, customers: pd.Index, cutoff: pd.Timestamp,
                   horizon_days: int) -> pd.Series:
    """BG/NBD expected purchases in ``horizon_days`` × Gamma-Gamma expected spend, GBP.

    Both models are fitted in weekly units on the known-customer lines before ``cutoff``;
    customers without a repeat purchase get the Gamma-Gamma population mean spend.
    """
    from helpers.value import clv

    fit = clv.fit_at(lines, cutoff, "W", spend=True)
    summ, bg, gg = fit.summary, fit.bgnbd, fit.gamma_gamma
    n = bg.expected_purchases(horizon_days / 7, summ["frequency"], summ["recency"], summ["T"])
    m = gg.expected_spend(summ["frequency"], summ["monetary_value"])
    pred = pd.Series(np.asarray(n, float) * np.asarray(m, float), index=summ.index)
    pred.index = pred.index.astype("int64")
    return pred.reindex(customers).fillna(0.0).rename("pred_amt")


def _val_mae(params: dict[str, Any], seed: int, x_fit: pd.DataFrame, y_fit: pd.Series,
             x_val: pd.DataFrame, y_val: pd.Series) -> float:
    m = make_xgb(params, seed, 1).fit(x_fit, y_fit)
    return metrics.mae(y_val, m.predict(x_val[x_fit.columns]))


def tune_xgb(
    x_fit: pd.DataFrame, y_fit: pd.Series, x_val: pd.DataFrame, y_val: pd.Series,
    seed: int, n_jobs: int = 2, max_customers: int | None = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Small grid for the XGBoost regressor (Tweedie objective: many zeros, long right tail),
    fitted at the tuning cutoff and scored by MAE at the training cutoff.

    ``max_customers``: on a seeded sample of at most that many customers per cutoff
    (:func:`helpers.models.churn.tuning_sample`); grid points run ``n_jobs`` at a time, each
    single-threaded (XGBoost gives the same model whatever its thread count)."""
    from sklearn.model_selection import ParameterGrid

    from helpers import progress

    x_fit, y_fit = churn.tuning_sample(x_fit, y_fit, max_customers, seed)
    x_val, y_val = churn.tuning_sample(x_val, y_val, max_customers, seed + 1)
    grid = list(ParameterGrid({"max_depth": [2, 4], "learning_rate": [0.03, 0.1]}))
    maes = progress.parallel_map(lambda p: _val_mae(p, seed, x_fit, y_fit, x_val, y_val), grid,
                                 n_jobs, f"spend tuning ({len(x_fit):,} customers, {len(grid)} fits)")
    g = pd.DataFrame([{**p, "val_mae": v} for p, v in zip(grid, maes, strict=False)])
    return dict(grid[int(g["val_mae"].to_numpy().argmin())]), g


def make_xgb(params: dict[str, Any], seed: int, n_jobs: int = 2) -> Any:
    """The XGBoost spend regressor with ``params`` on top of fixed defaults."""
    from xgboost import XGBRegressor

    base = {"n_estimators": 300, "subsample": 0.8, "objective": "reg:tweedie",
            "tweedie_variance_power": 1.5, "random_state": seed, "n_jobs": n_jobs}
    return XGBRegressor(**{**base, **params})


def regression_scores(y: np.ndarray | pd.Series, pred: np.ndarray | pd.Series) -> dict[str, float]:
    """MAE and RMSE (GBP) and Spearman rank correlation of prediction and outcome."""
    y = np.asarray(y, float)
    pred = np.asarray(pred, float)
    if y.shape != pred.shape:
        raise ValueError(f"regression_scores: shapes {y.shape} and {pred.shape} differ")
    rho = stats.spearmanr(y, pred).statistic if np.ptp(pred) > 0 else float("nan")
    return {"mae_amt": metrics.mae(y, pred), "rmse_amt": metrics.rmse(y, pred),
            "spearman": float(rho)}


SIMPLE_MODELS: tuple[str, ...] = ("last_period", "clv_bgnbd_gg")


def paired_mae_difference(
    y: np.ndarray | pd.Series, pred: np.ndarray | pd.Series, ref: np.ndarray | pd.Series,
    n_boot: int = 1000, seed: int = 0, level: float = 0.95,
) -> dict[str, float]:
    """MAE of ``pred`` minus MAE of ``ref`` on the same customers, with a paired percentile
    bootstrap interval (customers resampled jointly). Negative = ``pred`` is better."""
    y, pred, ref = (np.asarray(a, dtype=float) for a in (y, pred, ref))
    if not len(y) == len(pred) == len(ref):
        raise ValueError("paired_mae_difference: y, pred and ref differ in length")
    loss = np.abs(pred - y) - np.abs(ref - y)  # per-customer difference of absolute errors
    d, lo, hi = metrics.bootstrap_ci(loss, np.mean, n_boot=n_boot, seed=seed, level=level)
    return {"diff": float(d), "ci_low": float(lo), "ci_high": float(hi)}


def select_spend_model(val_mae: dict[str, float], test_diff: dict[str, float],
                       complex_name: str = "xgboost") -> dict[str, Any]:
    """The fixed rule: the simple model (``last_period`` or the CLV model) with the lower
    validation MAE is the reference; ``complex_name`` is deployed only if its test MAE minus the
    reference's has a paired interval wholly below zero (``test_diff`` from
    :func:`paired_mae_difference`)."""
    simple = [m for m in SIMPLE_MODELS if m in val_mae]
    if not simple:
        raise ValueError(f"select_spend_model: val_mae needs one of {SIMPLE_MODELS}")
    ref = min(simple, key=lambda m: val_mae[m])
    wins = test_diff["ci_high"] < 0
    return {"reference": ref, "deployed": complex_name if wins else ref,
            "complex_deployed": bool(wins), "test_diff_vs_reference": test_diff}

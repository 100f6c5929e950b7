"""Which CLV model predicts customers best? BG/NBD, MBG/NBD, Pareto/NBD and XGBoost on a holdout.

On a calibration/holdout split (:func:`helpers.value.clv.calibration_holdout`) every candidate
predicts each calibration customer's **revenue in the holdout window** (data currency):

- ``bgnbd``, ``mbgnbd``, ``pareto_nbd``: expected purchases in the holdout
  (:mod:`helpers.value.clv`, :mod:`helpers.value.btyd`, fitted on the calibration period) ×
  Gamma-Gamma expected spend per purchase (one Gamma-Gamma fit on the calibration repeat
  buyers, shared by the three);
- ``xgboost``: gradient boosting (Tweedie objective, fixed settings, ``n_jobs=1``, seeded) on
  calibration-period features only (:func:`calibration_features`). It learns the mapping
  "history -> revenue in the next window" one window earlier: features at
  ``calibration_end - D`` and revenue in ``[calibration_end - D, calibration_end)``, D = the
  holdout length, so neither its features nor its training target touch the holdout.

Scores per model: aggregate error (%, total predicted vs actual), per-customer MAE, Spearman
rank correlation, top-decile capture (:func:`top_decile_capture`) and a calibration-by-decile
table (:func:`decile_table`).

Selection rule (:data:`SELECTION_RULE`, fixed before the holdout is scored): keep the incumbent
BG/NBD + Gamma-Gamma unless another model has a lower per-customer MAE of holdout revenue with a
paired bootstrap interval of the MAE difference (resampling customers) entirely below zero.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from helpers.models import metrics, spend
from helpers.value import btyd, clv

log = logging.getLogger(__name__)

INCUMBENT = "bgnbd"
"""The model in use before the comparison (notebook 04's BG/NBD + Gamma-Gamma)."""

SIMPLICITY: tuple[str, ...] = ("bgnbd", "mbgnbd", "pareto_nbd", "xgboost")
"""Candidates from simplest to most complex (ties go to the earlier one)."""

LABELS: dict[str, str] = {
    "bgnbd": "BG/NBD + GG",
    "mbgnbd": "MBG/NBD + GG",
    "pareto_nbd": "Pareto/NBD + GG",
    "xgboost": "XGBoost",
}
"""Display name of each candidate."""

SELECTION_RULE = (
    "Keep the incumbent BG/NBD + Gamma-Gamma unless another model has a lower per-customer MAE "
    "of holdout revenue and the paired bootstrap interval of the MAE difference (challenger "
    "minus incumbent, customers resampled) lies entirely below zero. If several challengers "
    "qualify, take the one with the lowest MAE; exact ties go to the simpler model (order: "
    "BG/NBD, MBG/NBD, Pareto/NBD, XGBoost)."
)
"""The rule, written before the holdout is scored (quoted in notebook 04)."""

FEATURES: tuple[str, ...] = (
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "n_orders",
    "revenue_amt",
    "idle",
)
"""XGBoost features: the calibration summary plus ``idle`` = T - recency (time units)."""

XGB_PARAMS: dict[str, Any] = {"max_depth": 3, "learning_rate": 0.05}
"""Fixed XGBoost settings on top of :func:`helpers.models.spend.make_xgb`'s defaults."""


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------
def holdout_revenue(ch: pd.DataFrame) -> pd.Series:
    """Revenue of each calibration customer in the holdout window (data currency).

    ``frequency_holdout`` (purchase days) × ``monetary_value_holdout`` (mean day value) from
    :func:`helpers.value.clv.calibration_holdout`; 0 for customers who did not buy.
    """
    missing = [c for c in ("frequency_holdout", "monetary_value_holdout") if c not in ch]
    if missing:
        raise ValueError(f"holdout_revenue: column(s) {missing} missing (use calibration_holdout)")
    return (ch["frequency_holdout"] * ch["monetary_value_holdout"]).rename("holdout_amt")


def calibration_features(ch: pd.DataFrame) -> pd.DataFrame:
    """Features for the XGBoost candidate, from calibration-period columns only.

    Reads ``frequency``, ``recency``, ``T`` (time units), ``monetary_value``, ``revenue_amt``
    (data currency) and ``n_orders``; adds ``idle`` = T - recency. Columns of the holdout
    (``*_holdout``) are never read, so the holdout cannot leak into the features.
    """
    src = [c for c in FEATURES if c != "idle"]
    missing = [c for c in src if c not in ch.columns]
    if missing:
        raise ValueError(f"calibration_features: summary lacks column(s) {missing}")
    x = ch[src].astype(float).copy()
    x["idle"] = x["T"] - x["recency"]
    return x[list(FEATURES)]


# --------------------------------------------------------------------------------------------
# scores
# --------------------------------------------------------------------------------------------
def _pair(name: str, actual: object, predicted: object) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"{name}: actual {y.shape} and predicted {p.shape} must be equal 1-d")
    if y.size == 0:
        raise ValueError(f"{name}: empty input")
    if not (np.isfinite(y).all() and np.isfinite(p).all()):
        raise ValueError(f"{name}: NaN or infinite values in actual or predicted")
    return y, p


def top_decile_capture(actual: object, predicted: object, share: float = 0.10) -> float:
    """Share of total actual revenue bought by the customers with the highest predictions.

    The top ``ceil(share * n)`` customers by prediction (ties keep input order: a stable
    sort) are taken; their actual revenue is divided by everyone's. 1 = the predicted top
    decile bought everything; ``share`` = no better than random, on average.

    Parameters
    ----------
    actual, predicted
        Per-customer holdout revenue and its prediction (same order, data currency).
    share
        Fraction of customers counted as "top" (0.10 = top decile).
    """
    y, p = _pair("top_decile_capture", actual, predicted)
    if not 0 < share <= 1:
        raise ValueError(f"top_decile_capture: share={share} must be in (0, 1]")
    total = y.sum()
    if total <= 0:
        raise ValueError("top_decile_capture: actual revenue sums to 0; capture is undefined")
    k = max(1, math.ceil(round(share * y.size, 9)))
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].sum() / total)


def decile_table(actual: object, predicted: object, n_bins: int = 10) -> pd.DataFrame:
    """Mean predicted and mean actual per equal-count bin of the prediction (calibration).

    Customers are ranked by prediction (ties in input order) and cut into ``n_bins`` bins of
    (nearly) equal size; bin 1 has the lowest predictions.

    Returns
    -------
    pandas.DataFrame
        ``decile``, ``customers``, ``mean_predicted_amt``, ``mean_actual_amt``,
        ``share_actual`` (the bin's share of all actual revenue).
    """
    y, p = _pair("decile_table", actual, predicted)
    if n_bins < 2 or y.size < n_bins:
        raise ValueError(f"decile_table: need n_bins >= 2 and at least n_bins customers "
                         f"(n_bins={n_bins}, customers={y.size})")  # fmt: skip
    order = np.argsort(p, kind="stable")
    rank = np.empty(y.size, dtype=int)
    rank[order] = np.arange(y.size)
    bins = rank * n_bins // y.size + 1
    df = pd.DataFrame({"decile": bins, "pred": p, "actual": y})
    g = df.groupby("decile")
    total = y.sum()
    return pd.DataFrame({
        "decile": g.size().index.astype(int),
        "customers": g.size().to_numpy(),
        "mean_predicted_amt": g["pred"].mean().to_numpy(),
        "mean_actual_amt": g["actual"].mean().to_numpy(),
        "share_actual": (g["actual"].sum() / total).to_numpy() if total > 0 else np.nan,
    })  # fmt: skip


def score(actual: object, predicted: object) -> dict[str, float]:
    """Aggregate error (%), MAE, Spearman and top-decile capture of one model's predictions.

    Returns
    -------
    dict
        ``predicted_total_amt``, ``actual_total_amt``, ``aggregate_pct_error`` (100 × (Σ pred -
        Σ actual) / Σ actual), ``mae_amt`` (per customer), ``spearman`` (NaN for constant
        predictions) and ``top_decile_capture``.
    """
    y, p = _pair("score", actual, predicted)
    total = y.sum()
    if total <= 0:
        raise ValueError("score: actual holdout revenue sums to 0; nothing to compare with")
    rho = float(stats.spearmanr(y, p).statistic) if np.ptp(p) > 0 and np.ptp(y) > 0 else np.nan
    return {
        "predicted_total_amt": float(p.sum()),
        "actual_total_amt": float(total),
        "aggregate_pct_error": float(100 * (p.sum() - total) / total),
        "mae_amt": metrics.mae(y, p),
        "spearman": rho,
        "top_decile_capture": top_decile_capture(y, p),
    }


def paired_mae_difference(
    actual: object,
    predicted: object,
    reference: object,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """MAE(predicted) - MAE(reference) with a paired percentile bootstrap interval.

    Customers are resampled with replacement and both models are scored on the same resample
    (the mean of |y - predicted| - |y - reference|). Negative = ``predicted`` is more accurate.

    Returns
    -------
    (point, low, high)
        In the unit of ``actual`` (data currency per customer).
    """
    y, p = _pair("paired_mae_difference", actual, predicted)
    _, q = _pair("paired_mae_difference", actual, reference)
    d = np.abs(y - p) - np.abs(y - q)
    return metrics.bootstrap_ci(d, np.mean, n_boot=n_boot, seed=seed, level=level)


def select_model(
    mae: dict[str, float],
    differences: dict[str, tuple[float, float, float]],
    incumbent: str = INCUMBENT,
    candidates: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Apply :data:`SELECTION_RULE`.

    Parameters
    ----------
    mae
        Per-customer MAE of every scored model (the incumbent included).
    differences
        ``(point, low, high)`` of MAE(challenger) - MAE(incumbent) per challenger
        (:func:`paired_mae_difference`).
    incumbent
        The model kept unless beaten.
    candidates
        Challengers allowed to win (default: all in ``differences``), e.g. only the purchase
        models when the winner must produce a horizon CLV.

    Returns
    -------
    dict
        ``winner``, ``incumbent``, ``beats_incumbent`` (challenger -> bool), ``best_challenger``
        (lowest MAE among the allowed challengers, None if none) and ``margin``
        (``(point, low, high)`` of winner - incumbent, or of the best challenger - incumbent
        when the incumbent is kept; None without challengers).
    """
    if incumbent not in mae:
        raise ValueError(f"select_model: incumbent {incumbent!r} has no MAE; have {list(mae)}")
    allowed = [c for c in (candidates or tuple(differences)) if c != incumbent]
    unknown = [c for c in allowed if c not in differences or c not in mae]
    if unknown:
        raise ValueError(f"select_model: no MAE or difference for {unknown}")
    rank = {c: (mae[c], SIMPLICITY.index(c) if c in SIMPLICITY else len(SIMPLICITY))
            for c in allowed}  # fmt: skip
    beats = {c: bool(differences[c][2] < 0) for c in allowed}
    best = min(allowed, key=rank.__getitem__) if allowed else None
    qualifying = [c for c in allowed if beats[c]]
    winner = min(qualifying, key=rank.__getitem__) if qualifying else incumbent
    margin_of = winner if winner != incumbent else best
    margin = tuple(float(v) for v in differences[margin_of]) if margin_of else None
    return {"winner": winner, "incumbent": incumbent, "beats_incumbent": beats,
            "best_challenger": best, "margin": margin}  # fmt: skip


# --------------------------------------------------------------------------------------------
# predictions
# --------------------------------------------------------------------------------------------
def purchase_predictions(
    ch: pd.DataFrame, models: tuple[str, ...] = ("bgnbd", "mbgnbd", "pareto_nbd")
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Holdout purchases and revenue predicted by the purchase models × Gamma-Gamma.

    Parameters
    ----------
    ch
        :func:`helpers.value.clv.calibration_holdout` output (time units of the fit).
    models
        Keys of :data:`helpers.value.btyd.MODEL_NAMES`.

    Returns
    -------
    (purchases, revenue, fits)
        Per-customer predicted purchase days and revenue (data currency) in the holdout, one
        column per model, and the fitted models (plus ``"gamma_gamma"``). A model whose fit
        fails is left out with a logged warning and its error in ``fits["failed"]``.
    """
    if "duration_holdout" not in ch:
        raise ValueError("purchase_predictions: 'duration_holdout' missing (use calibration_holdout)")
    f, r, T = ch["frequency"], ch["recency"], ch["T"]
    duration = float(ch["duration_holdout"].iloc[0])
    rep = ch["frequency"] > 0
    gg = clv.fit_gamma_gamma(ch.loc[rep, "frequency"], ch.loc[rep, "monetary_value"])
    spend_per = gg.expected_spend(f, ch["monetary_value"])
    fits: dict[str, Any] = {"gamma_gamma": gg, "failed": {}}
    purchases, revenue = {}, {}
    for name in models:
        try:
            fit = btyd.fit_purchase_model(name, f, r, T)
            n = np.asarray(fit.expected_purchases(duration, f, r, T), dtype=float)
            if not np.isfinite(n).all():
                raise ValueError(f"{name}: predictions are not finite ({fit})")
        except (ValueError, RuntimeError) as exc:
            log.warning("purchase model %s failed: %s", name, exc)
            fits["failed"][name] = str(exc)
            continue
        fits[name] = fit
        purchases[name] = n
        revenue[name] = n * spend_per
    return (pd.DataFrame(purchases, index=ch.index), pd.DataFrame(revenue, index=ch.index), fits)


def xgb_prediction(
    lines: pd.DataFrame,
    ch: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    time_unit: str = "W",
    seed: int = 42,
    params: dict[str, Any] | None = None,
) -> pd.Series:
    """XGBoost's prediction of each calibration customer's holdout revenue (data currency).

    Trained one holdout length earlier: features from :func:`calibration_features` at
    ``calibration_end - D`` and target = revenue in ``[calibration_end - D, calibration_end)``
    (D = the holdout's length in days). Then applied to the features at ``calibration_end``
    (``ch``). Nothing at or after ``calibration_end`` is used.

    Raises
    ------
    ValueError
        When there is no customer history before ``calibration_end - D``.
    """
    cal_end = pd.Timestamp(calibration_end)
    unit_days = clv.DAYS_PER_UNIT[time_unit]
    days = int(round(float(ch["duration_holdout"].iloc[0]) * unit_days))
    train_end = cal_end - pd.Timedelta(days=days)
    past = lines[lines["order_ts"] < cal_end]
    try:
        tr = clv.calibration_holdout(past, train_end, cal_end, time_unit)
    except ValueError as exc:
        raise ValueError(f"xgb_prediction: no training window before {cal_end:%Y-%m-%d} "
                         f"({exc})") from None  # fmt: skip
    if holdout_revenue(tr).sum() <= 0:
        raise ValueError(f"xgb_prediction: no revenue in the training window "
                         f"[{train_end:%Y-%m-%d}, {cal_end:%Y-%m-%d})")  # fmt: skip
    model = spend.make_xgb({**XGB_PARAMS, **(params or {})}, seed, n_jobs=1)
    model.fit(calibration_features(tr), holdout_revenue(tr))
    pred = np.clip(model.predict(calibration_features(ch)), 0.0, None)
    return pd.Series(pred.astype(float), index=ch.index, name="xgboost")


# --------------------------------------------------------------------------------------------
# the comparison
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClvComparison:
    """Result of :func:`compare_clv_models`.

    Attributes
    ----------
    summary
        The calibration/holdout table (``calibration_holdout``) plus ``holdout_amt``.
    revenue
        Predicted holdout revenue per customer, one column per model (data currency).
    purchases
        Predicted holdout purchase days per customer (purchase models only).
    table
        One row per model: :func:`score` of revenue, ``mae_purchases`` and the paired MAE
        difference to the incumbent (``mae_diff_amt``, ``mae_diff_lo``, ``mae_diff_hi``).
    deciles
        :func:`decile_table` per model, stacked with a ``model`` column.
    selection
        :func:`select_model` over all models; ``clv_selection`` over purchase models only (the
        ones that can produce a horizon CLV).
    fits
        Fitted models and ``failed`` (model -> reason).
    """

    summary: pd.DataFrame
    revenue: pd.DataFrame
    purchases: pd.DataFrame
    table: pd.DataFrame
    deciles: pd.DataFrame
    selection: dict[str, Any]
    clv_selection: dict[str, Any]
    fits: dict[str, Any] = field(default_factory=dict)

    def to_metrics(self) -> dict[str, Any]:
        """JSON-ready summary for ``metrics.json``."""
        t = self.table.replace({np.nan: None})
        return {
            "rule": SELECTION_RULE,
            "labels": dict(LABELS),
            "customers": int(len(self.summary)),
            "calibration_end": self.summary.attrs.get("calibration_end"),
            "observation_end": self.summary.attrs.get("observation_end"),
            "models": {k: {c: v for c, v in row.items()} for k, row in t.to_dict("index").items()},
            "winner": self.selection["winner"],
            "incumbent": self.selection["incumbent"],
            "best_challenger": self.selection["best_challenger"],
            "beats_incumbent": self.selection["beats_incumbent"],
            "margin_mae_amt": _interval(self.selection["margin"]),
            "clv_model": self.clv_selection["winner"],
            "clv_margin_mae_amt": _interval(self.clv_selection["margin"]),
            "failed": dict(self.fits.get("failed", {})),
            "deciles": self.deciles.round(6).to_dict(orient="records"),
        }


def _interval(m: tuple[float, float, float] | None) -> dict[str, float] | None:
    if m is None:
        return None
    return {"value": float(m[0]), "ci_low": float(m[1]), "ci_high": float(m[2]), "level": 0.95}


def compare_clv_models(
    lines: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    time_unit: str = "W",
    seed: int = 42,
    n_boot: int = 1000,
    xgboost: bool = True,
) -> ClvComparison:
    """Fit every candidate on the calibration period and score it on the holdout.

    Parameters
    ----------
    lines
        Canonical ``order_lines`` (guest lines are ignored).
    calibration_end, observation_end
        Exclusive ends of the calibration and holdout windows.
    time_unit
        ``"W"`` or ``"D"`` for the purchase models.
    seed
        Seed of XGBoost and of the bootstrap.
    n_boot
        Bootstrap resamples of the paired MAE differences.
    xgboost
        Include the XGBoost candidate (reported as failed when it cannot be trained).
    """
    cal_end, obs_end = pd.Timestamp(calibration_end), pd.Timestamp(observation_end)
    ch = clv.calibration_holdout(lines, cal_end, obs_end, time_unit)
    ch["holdout_amt"] = holdout_revenue(ch)
    ch.attrs.update(calibration_end=cal_end.date().isoformat(),
                    observation_end=obs_end.date().isoformat())  # fmt: skip
    if ch["holdout_amt"].sum() <= 0:
        raise ValueError(f"compare_clv_models: no calibration customer bought in the holdout "
                         f"[{cal_end:%Y-%m-%d}, {obs_end:%Y-%m-%d})")  # fmt: skip
    purchases, revenue, fits = purchase_predictions(ch)
    if INCUMBENT not in revenue:
        raise ValueError(f"compare_clv_models: the incumbent failed: {fits['failed']}")
    if xgboost:
        try:
            revenue["xgboost"] = xgb_prediction(lines, ch, cal_end, time_unit, seed)
        except (ValueError, RuntimeError) as exc:
            log.warning("xgboost failed: %s", exc)
            fits["failed"]["xgboost"] = str(exc)
    y = ch["holdout_amt"].to_numpy()
    rows, deciles, diffs = {}, [], {}
    for name in revenue.columns:
        p = revenue[name].to_numpy()
        row = score(y, p)
        row["mae_purchases"] = (
            metrics.mae(ch["frequency_holdout"], purchases[name]) if name in purchases else np.nan
        )
        if name == INCUMBENT:
            d = (0.0, 0.0, 0.0)
        else:
            d = paired_mae_difference(y, p, revenue[INCUMBENT].to_numpy(), n_boot, seed)
            diffs[name] = d
        row.update(mae_diff_amt=d[0], mae_diff_lo=d[1], mae_diff_hi=d[2])
        rows[name] = row
        deciles.append(decile_table(y, p).assign(model=name))
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    mae = table["mae_amt"].to_dict()
    selection = select_model(mae, diffs)
    clv_selection = select_model(mae, diffs, candidates=tuple(c for c in diffs if c in purchases))
    log.info("CLV comparison: winner %s (CLV model %s)", selection["winner"],
             clv_selection["winner"])  # fmt: skip
    return ClvComparison(ch, revenue, purchases, table, pd.concat(deciles, ignore_index=True),
                         selection, clv_selection, fits)  # fmt: skip


def backtest_clv_models(
    lines: pd.DataFrame,
    calibration_ends: list[pd.Timestamp],
    holdout_days: int,
    time_unit: str = "W",
    seed: int = 42,
    n_boot: int = 300,
) -> pd.DataFrame:
    """:func:`compare_clv_models` at several calibration ends, each with a holdout of
    ``holdout_days`` days.

    Returns
    -------
    pandas.DataFrame
        One row per (calibration end, model): the :class:`ClvComparison` table columns plus
        ``calibration_end``, ``winner`` (of that cutoff) and ``customers``. A cutoff whose
        comparison fails is left out with a logged warning (its row says ``failed``).
    """
    if holdout_days < 1:
        raise ValueError(f"backtest_clv_models: holdout_days={holdout_days} must be >= 1")
    if not calibration_ends:
        raise ValueError("backtest_clv_models: no calibration ends given")
    out = []
    for ce in calibration_ends:
        ce = pd.Timestamp(ce)
        try:
            cmp_ = compare_clv_models(lines, ce, ce + pd.Timedelta(days=holdout_days), time_unit,
                                      seed, n_boot)  # fmt: skip
        except (ValueError, RuntimeError) as exc:
            log.warning("CLV backtest at %s failed: %s", ce.date(), exc)
            out.append(pd.DataFrame({"calibration_end": [ce.date().isoformat()],
                                     "model": [None], "failed": [str(exc)]}))  # fmt: skip
            continue
        t = cmp_.table.reset_index()
        t.insert(0, "calibration_end", ce.date().isoformat())
        t["winner"] = cmp_.selection["winner"]
        t["customers"] = len(cmp_.summary)
        t["failed"] = None
        out.append(t)
    return pd.concat(out, ignore_index=True)

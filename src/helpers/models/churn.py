"""Churn classification at a cutoff: leakage-safe features, labels, models and their scores.

Set-up (out of time, all dates are cutoffs, H = ``horizon_days``):

- features of a customer at cutoff ``c`` use only lines with ``order_ts < c``
  (:func:`build_features`; checked by :func:`assert_no_leakage`);
- label ``churned = 1`` when the customer has no order in ``[c, c + H)``
  (:func:`make_labels`);
- the test cutoff is the latest with a complete label window, the training cutoff lies H
  earlier (its label window ends where the test features start), and hyper-parameters are
  chosen by fitting at a third cutoff H before that and scoring on the training cutoff
  (:func:`cutoffs`, :func:`tune_models`): the test period is never seen during selection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

log = logging.getLogger(__name__)

AUC_ALARM: float = 0.95
"""A test ROC-AUC at or above this calls for an explanation (leakage, trivial label), not a cheer."""


class LeakageError(AssertionError):
    """Features changed when data at or after the cutoff was altered."""


def _check_lines(lines: pd.DataFrame, name: str) -> None:
    for col in ("customer_id", "order_id", "order_ts", "revenue_amt"):
        if col not in lines.columns:
            raise ValueError(f"{name}: lines has no column {col!r}")


def _orders(lines: pd.DataFrame) -> pd.DataFrame:
    """Customer orders (one row per customer and order) from known-customer lines."""
    known = lines[lines["customer_id"].notna()]
    agg = {"order_ts": ("order_ts", "min"), "revenue_amt": ("revenue_amt", "sum"),
           "n_lines": ("revenue_amt", "size")}
    if "country" in known.columns:
        agg["country"] = ("country", "first")
    if "product_id" in known.columns:
        agg["n_products"] = ("product_id", "nunique")
    o = known.groupby(["customer_id", "order_id"], observed=True).agg(**agg).reset_index()
    o["customer_id"] = o["customer_id"].astype("int64")
    return o.sort_values(["customer_id", "order_ts", "order_id"], kind="stable")


def build_features(lines: pd.DataFrame, cutoff: pd.Timestamp, window_days: int = 90) -> pd.DataFrame:
    """Per-customer features at ``cutoff`` from lines with ``order_ts < cutoff`` only.

    Parameters
    ----------
    lines
        Canonical order lines (guest lines are ignored).
    cutoff
        Exclusive end of the history used.
    window_days
        Length of the recent / previous windows for the spend trend (calendar days).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (customers with >= 1 order before the cutoff):
    ``recency_days`` (cutoff - last order), ``tenure_days`` (cutoff - first order),
    ``n_orders``, ``revenue_amt``, ``aov_amt`` (mean order value), ``orders_recent``,
    ``revenue_recent_amt`` / ``revenue_prev_amt`` (last / previous ``window_days``),
    ``spend_trend`` (log((recent + 1) / (prev + 1))), ``gap_mean_days``, ``gap_std_days``
    (inter-order gaps; NaN with one order), ``recency_gap_ratio`` (recency / max(mean gap, 1 day)),
    ``lines_per_order``, ``products_per_order``, ``uk_share`` (share of orders invoiced in
    the United Kingdom), ``orders_per_30d`` (n_orders / tenure in 30-day months).
    """
    _check_lines(lines, "build_features")
    cutoff = pd.Timestamp(cutoff)
    o = _orders(lines[lines["order_ts"] < cutoff])
    if o.empty:
        raise ValueError(f"build_features: no customer orders before cutoff {cutoff:%Y-%m-%d}")
    day = pd.Timedelta(days=1)
    g = o.groupby("customer_id")
    first, last = g["order_ts"].min(), g["order_ts"].max()
    f = pd.DataFrame(index=first.index)
    f["recency_days"] = (cutoff - last) / day
    f["tenure_days"] = (cutoff - first) / day
    f["n_orders"] = g.size()
    f["revenue_amt"] = g["revenue_amt"].sum()
    f["aov_amt"] = f["revenue_amt"] / f["n_orders"]
    w = pd.Timedelta(days=window_days)
    recent = o["order_ts"] >= cutoff - w
    prev = (o["order_ts"] >= cutoff - 2 * w) & ~recent
    f["orders_recent"] = o[recent].groupby("customer_id").size().reindex(f.index, fill_value=0)
    f["revenue_recent_amt"] = (
        o[recent].groupby("customer_id")["revenue_amt"].sum().reindex(f.index, fill_value=0.0)
    )
    f["revenue_prev_amt"] = (
        o[prev].groupby("customer_id")["revenue_amt"].sum().reindex(f.index, fill_value=0.0)
    )
    f["spend_trend"] = np.log1p(f["revenue_recent_amt"]) - np.log1p(f["revenue_prev_amt"])
    gaps = g["order_ts"].diff() / day
    f["gap_mean_days"] = gaps.groupby(o["customer_id"]).mean()
    f["gap_std_days"] = gaps.groupby(o["customer_id"]).std()
    f["recency_gap_ratio"] = f["recency_days"] / np.maximum(f["gap_mean_days"], 1.0)
    f["lines_per_order"] = g["n_lines"].mean()
    if "n_products" in o.columns:
        f["products_per_order"] = g["n_products"].mean()
    if "country" in o.columns:
        f["uk_share"] = (o["country"] == "United Kingdom").groupby(o["customer_id"]).mean()
    f["orders_per_30d"] = f["n_orders"] / np.maximum(f["tenure_days"], 1.0) * 30
    f.index.name = "customer_id"
    return f.astype(float)


def make_labels(
    lines: pd.DataFrame,
    customers: pd.Index,
    cutoff: pd.Timestamp,
    horizon_days: int,
    data_end: pd.Timestamp | None = None,
) -> pd.Series:
    """``churned`` = 1 if the customer has no order in ``[cutoff, cutoff + horizon_days)``.

    Raises
    ------
    ValueError
        If the label window reaches past ``data_end`` (default: midnight after the last line),
        i.e. the label would be incomplete.
    """
    _check_lines(lines, "make_labels")
    if horizon_days < 1:
        raise ValueError(f"make_labels: horizon_days must be >= 1, got {horizon_days}")
    cutoff = pd.Timestamp(cutoff)
    end = cutoff + pd.Timedelta(days=horizon_days)
    if data_end is None:
        data_end = (lines["order_ts"].max() + pd.Timedelta(days=1)).normalize()
    if end > data_end:
        raise ValueError(
            f"make_labels: label window {cutoff:%Y-%m-%d}+{horizon_days}d ends after the data "
            f"({data_end:%Y-%m-%d})"
        )
    win = lines[(lines["order_ts"] >= cutoff) & (lines["order_ts"] < end)]
    buyers = set(win["customer_id"].dropna().astype("int64"))
    y = pd.Series(~customers.isin(list(buyers)), index=customers, name="churned").astype(int)
    return y


def cutoffs(data_end: pd.Timestamp, horizon_days: int) -> dict[str, pd.Timestamp]:
    """Test, train and validation-fit cutoffs, each ``horizon_days`` apart, ending at the data.

    ``test = data_end - H``, ``train = test - H``, ``tune = train - H``.
    """
    h = pd.Timedelta(days=horizon_days)
    test = pd.Timestamp(data_end).normalize() - h
    return {"tune": test - 2 * h, "train": test - h, "test": test}


def build_dataset(
    lines: pd.DataFrame,
    cutoff: pd.Timestamp,
    horizon_days: int,
    data_end: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Features and labels at one cutoff (customers with history before it)."""
    x = build_features(lines, cutoff)
    y = make_labels(lines, x.index, cutoff, horizon_days, data_end)
    return x, y


def assert_no_leakage(
    feature_fn: Callable[[pd.DataFrame, pd.Timestamp], pd.DataFrame],
    lines: pd.DataFrame,
    cutoff: pd.Timestamp,
    seed: int = 0,
) -> None:
    """Raise :class:`LeakageError` if ``feature_fn(lines, cutoff)`` depends on data >= cutoff.

    Three versions of the data must give identical features: (a) the lines as given,
    (b) only the lines before the cutoff, (c) (b) plus injected future lines: copies of a
    sample of past lines moved to dates after the cutoff with revenue multiplied by 10, and
    copies dated exactly at the cutoff.
    """
    cutoff = pd.Timestamp(cutoff)
    past = lines[lines["order_ts"] < cutoff]
    if past.empty:
        raise ValueError("assert_no_leakage: no lines before the cutoff")
    rng = np.random.default_rng(seed)
    take = rng.choice(len(past), size=min(len(past), max(5, len(past) // 10)), replace=False)
    fut = past.iloc[take].copy()
    fut["order_ts"] = cutoff + pd.to_timedelta(rng.integers(0, 60, len(fut)), unit="D")
    fut["order_ts"] = fut["order_ts"].where(np.arange(len(fut)) % 3 != 0, cutoff)
    fut["revenue_amt"] = fut["revenue_amt"] * 10
    fut["order_id"] = ("FUT" + pd.Series(np.arange(len(fut)), index=fut.index).astype(str)).astype(
        lines["order_id"].dtype
    )
    if "line_id" in fut.columns:
        fut["line_id"] = lines["line_id"].max() + 1 + np.arange(len(fut))
    injected = pd.concat([past, fut], ignore_index=True)
    base = feature_fn(past, cutoff)
    for label, data in (("the full lines", lines), ("injected future lines", injected)):
        other = feature_fn(data, cutoff)
        try:
            pd.testing.assert_frame_equal(
                base.sort_index(), other.sort_index(), check_exact=False, rtol=1e-9
            )
        except AssertionError as exc:
            raise LeakageError(
                f"features at cutoff {cutoff:%Y-%m-%d} change with {label}: {exc}"
            ) from None


def bgnbd_prob_no_purchase(
    bg: Any, frequency: Any, recency: Any, T: Any, t: float
) -> np.ndarray:
    """BG/NBD probability of **no** purchase in the next ``t`` time units (model-based churn).

    P(0 in (T, T+t]) = (1 - P(alive)) + P(alive) · ((α + T)/(α + T + t))^(r + x): a dead
    customer never buys; an alive one has posterior rate Gamma(r + x, α + T) and cannot drop
    out without purchasing. Unlike ``1 - p_alive`` (which is 0 for every one-time buyer, since
    BG/NBD lets customers drop out only after a purchase) it uses the horizon.

    Parameters
    ----------
    bg
        Fitted model with ``r``, ``alpha`` and ``p_alive`` (:func:`helpers.value.clv.fit_bgnbd`).
    frequency, recency, T
        Per-customer summary in the model's time unit.
    t
        Horizon in the same unit (e.g. ``horizon_days / 7`` for weekly fits).
    """
    if t <= 0:
        raise ValueError(f"bgnbd_prob_no_purchase: t must be > 0, got {t}")
    x = np.asarray(frequency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    pa = np.asarray(bg.p_alive(frequency, recency, T), dtype=float)
    stay0 = np.exp((bg.r + x) * (np.log(bg.alpha + big_t) - np.log(bg.alpha + big_t + t)))
    return (1 - pa) + pa * stay0


# --------------------------------------------------------------------------- models


def candidate_models(seed: int, n_jobs: int = 2) -> dict[str, tuple[Any, dict[str, list[Any]]]]:
    """Estimators and their (small) hyper-parameter grids.

    Logistic regression sees ``arcsinh`` (signed-log) features, standardised, NaN -> 0;
    trees see raw features (random forest with NaN -> -1).
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler
    from xgboost import XGBClassifier

    lr = make_pipeline(
        SimpleImputer(strategy="constant", fill_value=0.0),
        FunctionTransformer(np.arcsinh),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    rf = make_pipeline(
        SimpleImputer(strategy="constant", fill_value=-1.0),
        # n_jobs=1: a threaded forest sums tree probabilities in thread order, so predictions
        # differ in the last bits between runs (and isotonic calibration can amplify that)
        RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1),
    )
    xgb = XGBClassifier(
        n_estimators=300, learning_rate=0.05, subsample=0.8, colsample_bytree=0.8,
        random_state=seed, n_jobs=n_jobs, eval_metric="logloss",
    )
    return {
        "logistic": (lr, {"logisticregression__C": [0.1, 1.0, 10.0]}),
        "random_forest": (
            rf,
            {"randomforestclassifier__max_depth": [4, 8],
             "randomforestclassifier__min_samples_leaf": [10, 30]},
        ),
        "xgboost": (xgb, {"max_depth": [2, 3, 4], "min_child_weight": [1, 10]}),
    }


@dataclass
class TuneResult:
    """Outcome of the time-based hyper-parameter search for one model family."""

    name: str
    best_params: dict[str, Any]
    best_val_auc: float
    grid: pd.DataFrame = field(repr=False)


def tune_models(
    x_fit: pd.DataFrame,
    y_fit: pd.Series,
    x_val: pd.DataFrame,
    y_val: pd.Series,
    seed: int,
    n_jobs: int = 2,
) -> dict[str, TuneResult]:
    """Grid search per family: fit at the tuning cutoff, score ROC-AUC at the training cutoff.

    Both cutoffs lie before the test cutoff, so selection never sees the test period.
    """
    from sklearn.base import clone
    from sklearn.model_selection import ParameterGrid

    if len(np.unique(y_fit)) < 2 or len(np.unique(y_val)) < 2:
        raise ValueError("tune_models: y_fit and y_val must both contain two classes")
    out = {}
    for name, (est, grid) in candidate_models(seed, n_jobs).items():
        rows, grids = [], list(ParameterGrid(grid))
        for params in grids:
            m = clone(est).set_params(**params).fit(x_fit, y_fit)
            auc = roc_auc_score(y_val, m.predict_proba(x_val[x_fit.columns])[:, 1])
            rows.append({**params, "val_auc": auc})
        g = pd.DataFrame(rows)
        i = int(g["val_auc"].to_numpy().argmax())  # first best = smallest grid point on ties
        out[name] = TuneResult(name, dict(grids[i]), float(g["val_auc"].iloc[i]), g)
        log.info("tuned %s: %s val AUC %.3f", name, grids[i], g["val_auc"].iloc[i])
    return out


def fit_model(name: str, params: dict[str, Any], x: pd.DataFrame, y: pd.Series, seed: int,
              n_jobs: int = 2, calibrate: bool = False) -> Any:
    """Fit one candidate with the given parameters; ``calibrate`` wraps it in isotonic
    ``CalibratedClassifierCV`` (3 shuffled stratified folds over customers of the same cutoff)."""
    from sklearn.base import clone
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    models = candidate_models(seed, n_jobs)
    if name not in models:
        raise ValueError(f"fit_model: unknown model {name!r}; have {sorted(models)}")
    est = clone(models[name][0]).set_params(**params)
    if calibrate:
        folds = StratifiedKFold(3, shuffle=True, random_state=seed)  # ids follow tenure: shuffle
        est = CalibratedClassifierCV(est, method="isotonic", cv=folds)
    return est.fit(x, y)


def classification_scores(y: np.ndarray | pd.Series, p: np.ndarray | pd.Series) -> dict[str, float]:
    """ROC-AUC, PR-AUC (average precision), Brier score, base rate, and the AUC alarm flag."""
    y = np.asarray(y)
    p = np.asarray(p, dtype=float)
    if len(np.unique(y)) < 2:
        raise ValueError("classification_scores: y has a single class")
    auc = float(roc_auc_score(y, p))
    return {
        "roc_auc": auc,
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "base_rate": float(y.mean()),
        "auc_alarm": bool(auc >= AUC_ALARM),
    }

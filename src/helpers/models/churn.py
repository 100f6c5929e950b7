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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from helpers.value import btyd, clv

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


def _slug(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_") or "blank"


def category_columns(products: pd.DataFrame | None, max_categories: int = 12) -> list[str]:
    """The category-share feature names for a products table: ``cat_<slug>`` for the
    ``max_categories`` categories with the most products (ties by name), [] when there is no
    ``category`` column or fewer than two categories. Fixed by the catalogue, not by the cutoff,
    so every cutoff gets the same columns."""
    if products is None or "category" not in products.columns or "product_id" not in products:
        return []
    cats = products["category"].dropna().astype(str)
    if cats.nunique() < 2:
        return []
    counts = cats.value_counts()
    top = sorted(counts.index, key=lambda c: (-counts[c], c))[:max_categories]
    return [f"cat_{_slug(c)}" for c in top]


def build_features(
    lines: pd.DataFrame,
    cutoff: pd.Timestamp,
    window_days: int = 90,
    products: pd.DataFrame | None = None,
    horizon_days: int | None = None,
    extended: bool = False,
) -> pd.DataFrame:
    """Per-customer features at ``cutoff`` from lines with ``order_ts < cutoff`` only.

    Parameters
    ----------
    lines
        Canonical order lines (guest lines are ignored). They hold kept sales only (no
        returns: cancellations sit in the quarantine without a customer key), so no returns
        feature is built.
    cutoff
        Exclusive end of the history used.
    window_days
        Length of the recent / previous windows for the spend trend (calendar days).
    products
        Optional products table (``product_id``, ``category``): adds the share of spend per
        category (:func:`category_columns`) and the number of categories bought.
    extended
        Add the behaviour features the BG/NBD model lacks (``gap_cv``,
        ``recency_minus_gap_days``, ``n_products``, ``q4_share``, ``basket_trend``). Off by
        default so that other users of the base set (:mod:`helpers.models.spend`) keep it;
        :func:`build_dataset` turns it on.
    horizon_days
        Optional churn horizon (calendar days): adds the BG/NBD quantities of a model fitted
        to the lines before the cutoff only (:func:`btyd_features`) and the orders in the same
        window one year earlier (``orders_same_window_ly``, 0 when ``horizon_days`` >= 365).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (customers with >= 1 order before the cutoff):
    ``recency_days`` (cutoff - last order), ``tenure_days`` (cutoff - first order),
    ``n_orders``, ``revenue_amt``, ``aov_amt`` (mean order value), ``orders_recent``,
    ``revenue_recent_amt`` / ``revenue_prev_amt`` (last / previous ``window_days``),
    ``spend_trend`` (log((recent + 1) / (prev + 1))), ``gap_mean_days``, ``gap_std_days``
    (inter-order gaps; NaN with one order), ``recency_gap_ratio`` (recency / max(mean gap,
    1 day)), ``lines_per_order``, ``products_per_order``, ``uk_share`` (share of orders invoiced
    in the United Kingdom), ``orders_per_30d`` (n_orders / tenure in 30-day months); with
    ``extended``: ``gap_cv`` (std / mean of the gaps; NaN with fewer than three orders),
    ``recency_minus_gap_days`` (recency - mean gap: days overdue), ``n_products`` (distinct
    products ever bought), ``q4_share`` (share of spend in October-December), ``basket_trend``
    (log of the last order's value minus the mean log value of the earlier orders; NaN with one
    order); plus the optional ``products`` and ``horizon_days`` columns above.
    """
    _check_lines(lines, "build_features")
    cutoff = pd.Timestamp(cutoff)
    hist = lines[(lines["order_ts"] < cutoff) & lines["customer_id"].notna()]
    o = _orders(hist)
    if o.empty:
        raise ValueError(f"build_features: no customer orders before cutoff {cutoff:%Y-%m-%d}")
    day = pd.Timedelta(days=1)
    cid = o["customer_id"]
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
    f["gap_mean_days"] = gaps.groupby(cid).mean()
    f["gap_std_days"] = gaps.groupby(cid).std()
    f["recency_gap_ratio"] = f["recency_days"] / np.maximum(f["gap_mean_days"], 1.0)
    f["lines_per_order"] = g["n_lines"].mean()
    if "n_products" in o.columns:
        f["products_per_order"] = g["n_products"].mean()
    if "country" in o.columns:
        f["uk_share"] = (o["country"] == "United Kingdom").groupby(cid).mean()
    f["orders_per_30d"] = f["n_orders"] / np.maximum(f["tenure_days"], 1.0) * 30
    if extended:
        f["gap_cv"] = f["gap_std_days"] / f["gap_mean_days"].where(f["gap_mean_days"] > 0)
        f["recency_minus_gap_days"] = f["recency_days"] - f["gap_mean_days"]
        if "n_products" in o.columns:
            by_cust = hist.groupby(hist["customer_id"].astype("int64"))
            f["n_products"] = by_cust["product_id"].nunique()
        q4 = o["revenue_amt"].where(o["order_ts"].dt.month >= 10, 0.0)
        f["q4_share"] = q4.groupby(cid).sum() / f["revenue_amt"].where(f["revenue_amt"] > 0)
        logv = np.log(o["revenue_amt"].clip(lower=1e-9))
        is_last = ~cid.duplicated(keep="last")
        earlier = logv[~is_last].groupby(cid[~is_last]).mean()
        f["basket_trend"] = (logv[is_last].set_axis(cid[is_last])
                             - earlier.reindex(cid[is_last]).to_numpy())
    cat_cols = category_columns(products)
    if cat_cols and "product_id" in hist.columns:
        cat_of = products.drop_duplicates("product_id").set_index("product_id")["category"]
        # the column name per product (a few thousand), then per line by lookup
        col_of = cat_of.astype("string").fillna("").map(
            lambda c: f"cat_{_slug(c)}" if c else "cat_unknown").astype(object)
        cat = hist["product_id"].map(col_of).fillna("cat_unknown")
        spend = hist.groupby([hist["customer_id"].astype("int64"), cat])["revenue_amt"].sum()
        spend = spend.unstack(fill_value=0.0)
        f["n_categories"] = (spend > 0).sum(axis=1).reindex(f.index, fill_value=0)
        share = spend.div(spend.sum(axis=1).where(lambda v: v > 0), axis=0)
        for c in cat_cols:
            f[c] = share[c].reindex(f.index).fillna(0.0) if c in share else 0.0
    if horizon_days is not None:
        ly0 = cutoff - pd.Timedelta(days=365)
        ly = (o["order_ts"] >= ly0) & (o["order_ts"] < ly0 + pd.Timedelta(days=horizon_days))
        ly &= o["order_ts"] < cutoff
        f["orders_same_window_ly"] = o[ly].groupby("customer_id").size().reindex(
            f.index, fill_value=0)
        f = f.join(btyd_features(lines, cutoff, horizon_days).reindex(f.index))
    f.index.name = "customer_id"
    return f.astype(float)


def btyd_features(lines: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int,
                  time_unit: str = "W") -> pd.DataFrame:
    """BG/NBD quantities per customer from a model fitted to the lines before ``cutoff`` only.

    Returns ``bg_p_no_purchase`` (:func:`bgnbd_prob_no_purchase` over ``horizon_days``),
    ``bg_p_alive`` and ``bg_expected_purchases`` (over ``horizon_days``), indexed by
    ``customer_id``. The fit is :func:`helpers.value.clv.fit_at`, which drops lines at or after
    the cutoff itself.
    """
    if horizon_days < 1:
        raise ValueError(f"btyd_features: horizon_days must be >= 1, got {horizon_days}")
    fit = clv.fit_at(lines, pd.Timestamp(cutoff), time_unit)
    t = horizon_days / clv.DAYS_PER_UNIT[time_unit]
    out = pd.DataFrame(index=fit.summary.index)
    out["bg_p_no_purchase"] = bgnbd_prob_no_purchase(fit.bgnbd, *fit.frt, t)
    out["bg_p_alive"] = fit.p_alive().to_numpy()
    out["bg_expected_purchases"] = fit.bgnbd.expected_purchases(t, *fit.frt)
    out.index.name = "customer_id"
    return out


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
    products: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Features (:func:`build_features`, extended, with ``products`` and the BG/NBD inputs of
    the horizon)
    and labels at one cutoff (customers with history before it)."""
    x = build_features(lines, cutoff, products=products, horizon_days=horizon_days,
                       extended=True)
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
    return btyd.p_no_purchase(bg, t, frequency, recency, T)


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


TUNE_MAX_CUSTOMERS = 20_000
"""Customers per cutoff on which hyper-parameters are tuned (:func:`tuning_sample`): beyond it a
seeded sample is taken. Final models are fitted on all customers. At this size the validation
ROC-AUC of a grid point has a standard error of about 0.005, below the gaps between the grid's
settings; Online Retail II (5.9k customers) and the default synthetic CRM (4k) are tuned on all."""


def tuning_sample(x: pd.DataFrame, y: pd.Series, max_rows: int | None, seed: int,
                  ) -> tuple[pd.DataFrame, pd.Series]:
    """At most ``max_rows`` rows of ``(x, y)``, drawn without replacement with ``seed`` (rows
    keep their order); all rows when there are no more than that or ``max_rows`` is None."""
    if max_rows is None or len(x) <= max_rows:
        return x, y
    if max_rows < 1:
        raise ValueError(f"tuning_sample: max_rows={max_rows} must be >= 1")
    if len(x) != len(y):
        raise ValueError(f"tuning_sample: x has {len(x)} rows, y {len(y)}")
    keep = np.sort(np.random.default_rng(seed).choice(len(x), size=max_rows, replace=False))
    return x.iloc[keep], y.iloc[keep]


def _val_auc(est: Any, params: dict[str, Any], x_fit: pd.DataFrame, y_fit: pd.Series,
             x_val: pd.DataFrame, y_val: pd.Series) -> float:
    from sklearn.base import clone

    m = clone(est).set_params(**params).fit(x_fit, y_fit)
    return float(roc_auc_score(y_val, m.predict_proba(x_val[x_fit.columns])[:, 1]))


def tune_models(
    x_fit: pd.DataFrame,
    y_fit: pd.Series,
    x_val: pd.DataFrame,
    y_val: pd.Series,
    seed: int,
    n_jobs: int = 2,
    max_customers: int | None = None,
) -> dict[str, TuneResult]:
    """Grid search per family: fit at the tuning cutoff, score ROC-AUC at the training cutoff.

    Both cutoffs lie before the test cutoff, so selection never sees the test period.
    ``max_customers``: tune on a seeded sample of at most that many customers per cutoff
    (:func:`tuning_sample`). The grid points run ``n_jobs`` at a time, each fit single-threaded
    (:func:`helpers.progress.parallel_map`; 0 = the usable CPUs).
    """
    from sklearn.model_selection import ParameterGrid

    from helpers import progress

    if len(np.unique(y_fit)) < 2 or len(np.unique(y_val)) < 2:
        raise ValueError("tune_models: y_fit and y_val must both contain two classes")
    x_fit, y_fit = tuning_sample(x_fit, y_fit, max_customers, seed)
    x_val, y_val = tuning_sample(x_val, y_val, max_customers, seed + 1)
    models = candidate_models(seed, 1)
    jobs = [(name, params) for name, (_, grid) in models.items() for params in ParameterGrid(grid)]
    aucs = progress.parallel_map(
        lambda job: _val_auc(models[job[0]][0], job[1], x_fit, y_fit, x_val, y_val),
        jobs, n_jobs, f"churn tuning ({len(x_fit):,} customers, {len(jobs)} fits)")
    out = {}
    for name in models:
        grids = [p for (nm, p) in jobs if nm == name]
        g = pd.DataFrame([{**p, "val_auc": a} for (nm, p), a in zip(jobs, aucs, strict=False) if nm == name])
        i = int(g["val_auc"].to_numpy().argmax())  # first best = smallest grid point on ties
        out[name] = TuneResult(name, dict(grids[i]), float(g["val_auc"].iloc[i]), g)
        log.info("tuned %s: %s val AUC %.3f", name, grids[i], g["val_auc"].iloc[i])
    return out


def fit_model(name: str, params: dict[str, Any], x: pd.DataFrame, y: pd.Series, seed: int,
              n_jobs: int = 2, calibrate: bool = False) -> Any:
    """Fit one candidate with the given parameters; ``calibrate`` wraps it in isotonic
    ``CalibratedClassifierCV`` (3 shuffled stratified folds over customers of the same cutoff,
    fitted ``n_jobs`` at a time in processes, each single-threaded; 0 = the usable CPUs)."""
    from sklearn.base import clone
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    from helpers import progress

    # calibrated: the three folds run side by side in processes, each fit single-threaded
    models = candidate_models(seed, 1 if calibrate else n_jobs)
    if name not in models:
        raise ValueError(f"fit_model: unknown model {name!r}; have {sorted(models)}")
    est = clone(models[name][0]).set_params(**params)
    if calibrate:
        folds = StratifiedKFold(3, shuffle=True, random_state=seed)  # ids follow tenure: shuffle
        jobs = min(3, progress.resolve_n_jobs(n_jobs))
        est = CalibratedClassifierCV(est, method="isotonic", cv=folds,
                                     n_jobs=jobs if jobs > 1 else None)
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


BASELINE: str = "bgnbd_p_no_purchase"
"""The label-free baseline a churn challenger must beat: BG/NBD P(no purchase in H)."""

BASELINE_FEATURE: str = "bg_p_no_purchase"
"""The column of :func:`build_features` (with ``horizon_days``) that holds the baseline's score."""


BOOT_BLOCK_CELLS = 4_000_000
"""Bootstrap indices drawn per block in :func:`bootstrap_score_draws` (rows x customers)."""


def _boot_index(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, n, size=(n_boot, n))


def paired_bootstrap_diff(
    y: np.ndarray | pd.Series,
    p_challenger: np.ndarray | pd.Series,
    p_baseline: np.ndarray | pd.Series,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, dict[str, float]]:
    """Paired bootstrap of (challenger - baseline) in ROC-AUC and in Brier score.

    Customers are resampled jointly (the same draw scores both models), so the interval is
    of the difference itself, not two overlapping marginal intervals. A positive ROC-AUC
    difference and a negative Brier difference favour the challenger.

    Parameters
    ----------
    y
        Observed labels (0/1).
    p_challenger, p_baseline
        Predicted probabilities of the positive class for the same customers.
    n_boot
        Bootstrap resamples (customers drawn with replacement; draws with one class only are
        skipped for ROC-AUC).
    seed
        Seed of the resampling.
    level
        Two-sided confidence level of the percentile interval.

    Returns
    -------
    ``{"roc_auc": {...}, "brier": {...}}``, each with ``challenger``, ``baseline``, ``diff``
    (point estimates on the full sample), ``ci_low`` / ``ci_high`` (percentile interval of the
    difference) and ``excludes_zero``. The replicate draws come from
    :func:`bootstrap_score_draws`.
    """
    y = np.asarray(y, dtype=float)
    a = np.asarray(p_challenger, dtype=float)
    b = np.asarray(p_baseline, dtype=float)
    if not (y.shape == a.shape == b.shape) or y.size == 0:
        raise ValueError("paired_bootstrap_diff: y, p_challenger and p_baseline must be "
                         "non-empty and of equal length")
    if len(np.unique(y)) < 2:
        raise ValueError("paired_bootstrap_diff: y has a single class")
    if n_boot < 10 or not 0 < level < 1:
        raise ValueError(f"paired_bootstrap_diff: need n_boot >= 10 and 0 < level < 1, "
                         f"got {n_boot}, {level}")
    draws = bootstrap_score_draws(y, {"a": a, "b": b}, n_boot, seed)
    q = [(1 - level) / 2, (1 + level) / 2]
    out = {}
    for metric, point in (("roc_auc", roc_auc_score), ("brier", brier_score_loss)):
        d = draws[metric]["a"] - draws[metric]["b"]
        d = d[np.isfinite(d)]
        lo, hi = (float(v) for v in np.quantile(d, q))
        pa, pb = float(point(y, a)), float(point(y, b))
        out[metric] = {"challenger": pa, "baseline": pb, "diff": pa - pb, "ci_low": lo,
                       "ci_high": hi, "excludes_zero": bool(lo > 0 or hi < 0)}
    return out


def bootstrap_score_draws(y: np.ndarray, scores: dict[str, np.ndarray], n_boot: int,
                          seed: int) -> dict[str, dict[str, np.ndarray]]:
    """ROC-AUC and Brier of every score in ``scores`` on the same ``n_boot`` customer
    resamples (NaN ROC-AUC where a draw has one class). Shape of each array: ``(n_boot,)``."""
    y = np.asarray(y, dtype=float)
    bad = [k for k, p in scores.items() if np.shape(p) != y.shape]
    if bad or y.size == 0 or n_boot < 1:
        raise ValueError(f"bootstrap_score_draws: scores {bad} differ in length from y "
                         f"({y.size}), or y is empty, or n_boot={n_boot} < 1")
    rng = np.random.default_rng(seed)
    n = len(y)
    # each score sorted once, with its runs of equal values (ties); a draw is then the count of
    # times it took each customer, and its ranks follow from cumulative counts along that
    # order: no per-draw sort (ranking every draw took most of a backtest's bootstrap)
    sorted_ = {}
    for k, p in scores.items():
        pa = np.asarray(p, dtype=float)
        o = np.argsort(pa, kind="stable")
        ps = pa[o]
        starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
        sorted_[k] = (o, starts, y[o], (pa - y) ** 2)
    # the draws in blocks of rows (about BOOT_BLOCK_CELLS indices each), so that a large test
    # set does not hold n_boot x n matrices at once; the generator gives the same indices in
    # blocks as in one call, so the result does not depend on the block size
    rows = max(1, BOOT_BLOCK_CELLS // n)
    parts: list[dict[str, dict[str, np.ndarray]]] = []
    for start in range(0, n_boot, rows):
        idx = _boot_index(n, min(rows, n_boot - start), rng)
        r = len(idx)
        counts = np.bincount((idx + (np.arange(r) * n)[:, None]).ravel(),
                             minlength=r * n).reshape(r, n).astype(float)
        n1 = (counts * y).sum(axis=1)
        n0 = n - n1
        with np.errstate(invalid="ignore", divide="ignore"):
            denom = np.where((n1 > 0) & (n0 > 0), n1 * n0, np.nan)
        part: dict[str, dict[str, np.ndarray]] = {"roc_auc": {}, "brier": {}}
        for k, (o, starts, ys, sq) in sorted_.items():
            part["brier"][k] = (counts * sq).sum(axis=1) / n
            # Mann-Whitney form of ROC-AUC, ties at half weight: a run of equal scores holding
            # t drawn customers, b drawn below it, has mid-rank b + (t + 1) / 2
            cs = counts[:, o]
            tie = np.add.reduceat(cs, starts, axis=1)
            pos = np.add.reduceat(cs * ys, starts, axis=1)
            below = np.cumsum(tie, axis=1) - tie
            rank_sum = (pos * (below + (tie + 1) / 2)).sum(axis=1)
            part["roc_auc"][k] = (rank_sum - n1 * (n1 + 1) / 2) / denom
        parts.append(part)
    return {m: {k: np.concatenate([pt[m][k] for pt in parts]) for k in scores}
            for m in ("roc_auc", "brier")}


def deployment_decision(test_diff: dict[str, dict[str, float]],
                        backtest_diff: dict[str, dict[str, float]] | None) -> dict[str, Any]:
    """Apply the deployment rule: the challenger is deployed only if, at the test cutoff AND
    on average over the backtest cutoffs, it beats the baseline on ROC-AUC (interval of the
    difference above 0) or on Brier (interval below 0).

    ``test_diff`` is :func:`paired_bootstrap_diff`'s output; ``backtest_diff`` has the same
    ``roc_auc`` / ``brier`` entries with ``ci_low`` / ``ci_high`` for the mean difference over
    the backtest cutoffs, or ``None`` when not available (then the rule cannot pass).
    """
    def beats(d: dict[str, dict[str, float]] | None) -> dict[str, bool]:
        if d is None:
            return {"roc_auc": False, "brier": False}
        return {"roc_auc": bool(d["roc_auc"]["ci_low"] > 0),
                "brier": bool(d["brier"]["ci_high"] < 0)}

    t, b = beats(test_diff), beats(backtest_diff)
    ok_t, ok_b = t["roc_auc"] or t["brier"], b["roc_auc"] or b["brier"]
    return {"test": t, "backtest": b, "backtest_available": backtest_diff is not None,
            "challenger_deployed": bool(ok_t and ok_b)}

"""Validation helpers for notebook 06: multi-cutoff backtests, calibration, stability,
sensitivity and SHAP agreement.

Every function here re-uses the model code of :mod:`helpers.models.churn`, :mod:`helpers.models.spend`,
:mod:`helpers.value.rfm` and :mod:`helpers.value.segments` with the settings notebook 05 chose (saved in
``models.json``); nothing is re-tuned, so a backtest measures the chosen recipe, not a new one.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import adjusted_rand_score

from helpers.analysis import funnel
from helpers.cache import cached_obj, cached_xy
from helpers.data.cleaning import as_of
from helpers.models import churn, metrics, spend

log = logging.getLogger(__name__)


def backtest_cutoffs(last_cutoff: pd.Timestamp, n: int, step_days: int) -> list[pd.Timestamp]:
    """``n`` cutoffs ending at ``last_cutoff``, ``step_days`` apart, oldest first."""
    if n < 1 or step_days < 1:
        raise ValueError(f"backtest_cutoffs: n={n} and step_days={step_days} must be >= 1")
    last = pd.Timestamp(last_cutoff)
    return [last - pd.Timedelta(days=step_days * k) for k in range(n - 1, -1, -1)]


def churn_set(cache: Any, lines: pd.DataFrame, reversed_lines: pd.DataFrame | None,
              cutoff: pd.Timestamp, horizon_days: int, products: pd.DataFrame | None = None,
              data_end: pd.Timestamp | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The churn data set at ``cutoff`` from the lines as known then
    (:func:`helpers.models.churn.build_dataset` of :func:`helpers.data.cleaning.as_of`), through
    ``cache`` (a :class:`helpers.cache.FrameCache`, or None to build it). ``data_end`` only
    checks that the label window is observed, so it is not part of the key."""
    cutoff = pd.Timestamp(cutoff)

    def build() -> tuple[pd.DataFrame, pd.Series]:
        return churn.build_dataset(as_of(lines, reversed_lines, cutoff), cutoff, horizon_days,
                                   data_end, products=products)

    return cached_xy(cache, "churn", build, cutoff=cutoff, horizon_days=horizon_days,
                     products=products is not None)


def churn_fit(cache: Any, model: str, params: dict[str, Any], x_tr: pd.DataFrame,
              y_tr: pd.Series, cutoff: pd.Timestamp, horizon_days: int, seed: int,
              n_jobs: int | None = None, calibrate: bool = False, products: bool = False) -> Any:
    """:func:`helpers.models.churn.fit_model` on :func:`churn_set`'s data set at ``cutoff``,
    through ``cache``: notebook 05 fits the calibrated challenger at its training cutoff, and
    06's last backtest cutoff trains the same model on the same set, so it loads 05's fit.
    The key is the data set's (inputs, cutoff, horizon, products) and the fit's arguments;
    ``n_jobs`` is left out because the fit does not depend on it (tests check this to the
    bit)."""
    def build() -> Any:
        return churn.fit_model(model, params, x_tr, y_tr, seed=seed, n_jobs=n_jobs,
                               calibrate=calibrate)

    return cached_obj(cache, "churn_fit", build, model=model, params=params, seed=seed,
                      calibrate=calibrate, cutoff=pd.Timestamp(cutoff), horizon_days=horizon_days,
                      products=products, rows=len(x_tr), columns=list(x_tr.columns))


def spend_set(cache: Any, lines: pd.DataFrame, reversed_lines: pd.DataFrame | None,
              cutoff: pd.Timestamp, horizon_days: int) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`churn_set` for the spend data set (:func:`helpers.models.spend.build_dataset`)."""
    cutoff = pd.Timestamp(cutoff)

    def build() -> tuple[pd.DataFrame, pd.Series]:
        return spend.build_dataset(as_of(lines, reversed_lines, cutoff), cutoff, horizon_days)

    return cached_xy(cache, "spend", build, cutoff=cutoff, horizon_days=horizon_days)


def churn_backtest(
    lines: pd.DataFrame, test_cutoffs: list[pd.Timestamp], horizon_days: int, model: str,
    params: dict[str, Any], seed: int, n_boot: int = 300, n_jobs: int = 2,
    products: pd.DataFrame | None = None, level: float = 0.95, calibrate: bool = False,
    reversed_lines: pd.DataFrame | None = None, cache: Any = None,
) -> pd.DataFrame:
    """Train at ``cutoff - H`` and test at ``cutoff`` for each cutoff, with the given model, and
    compare it with the BG/NBD baseline (:data:`helpers.models.churn.BASELINE`, fitted at the
    same cutoff from history only) on the same customers.

    ``model`` may be the baseline's name itself (then ``params`` is ignored and the
    differences are 0). ``calibrate`` fits the model as
    :func:`helpers.models.churn.fit_model` does for deployment (isotonic). Customers are
    resampled jointly for both scores (``n_boot`` draws per
    cutoff, percentile intervals at ``level``). Each data set is built from the lines as known
    at its own cutoff (:func:`helpers.data.cleaning.as_of` with ``reversed_lines``, notebook 01's
    ``reversed_purchases``; ``None``: the cleaned lines as given).

    Returns
    -------
    One row per cutoff: customers, churn rate, ``roc_auc`` with ``roc_auc_lo`` / ``_hi``,
    ``pr_auc``, ``brier``, the baseline's ``baseline_roc_auc`` (with ``_lo`` / ``_hi``) /
    ``baseline_brier`` and the paired
    differences (model - baseline) ``d_roc_auc`` and ``d_brier`` with ``_lo`` / ``_hi``.
    ``attrs["mean"]`` holds the mean over cutoffs of ``roc_auc``, ``baseline_roc_auc``,
    ``brier``, ``baseline_brier``, ``d_roc_auc`` and ``d_brier``, each as ``{"value", "ci_low",
    "ci_high"}`` from a bootstrap of the mean (customers resampled within every cutoff, the
    cutoffs fixed), plus ``d_roc_auc_t`` / ``d_brier_t``: a t interval of the mean difference
    treating the cutoffs as the sample (``None`` with one cutoff).
    """
    if not test_cutoffs:
        raise ValueError("churn_backtest: test_cutoffs is empty")
    rows, draws = [], []
    q = [(1 - level) / 2, (1 + level) / 2]
    from helpers import progress

    for c in progress.track(test_cutoffs, f"churn backtest ({model}, {len(test_cutoffs)} cutoffs)"):
        x_te, y_te = churn_set(cache, lines, reversed_lines, c, horizon_days, products)
        base = x_te[churn.BASELINE_FEATURE].to_numpy()
        if model == churn.BASELINE:
            p = base
        else:
            c_tr = c - pd.Timedelta(days=horizon_days)
            x_tr, y_tr = churn_set(cache, lines, reversed_lines, c_tr, horizon_days, products)
            fit = churn_fit(cache, model, params, x_tr, y_tr, c_tr, horizon_days, seed=seed,
                            n_jobs=n_jobs, calibrate=calibrate, products=products is not None)
            p = fit.predict_proba(x_te[x_tr.columns])[:, 1]
        y = y_te.to_numpy()
        sc, sb = churn.classification_scores(y, p), churn.classification_scores(y, base)
        d = churn.bootstrap_score_draws(y, {"m": p, "b": base}, n_boot, seed)
        draws.append(d)
        row = {"cutoff": c, "customers": len(y), "churn_rate": float(y.mean()),
               "roc_auc": sc["roc_auc"], "pr_auc": sc["pr_auc"], "brier": sc["brier"],
               "baseline_roc_auc": sb["roc_auc"], "baseline_brier": sb["brier"],
               "d_roc_auc": sc["roc_auc"] - sb["roc_auc"], "d_brier": sc["brier"] - sb["brier"]}
        row["roc_auc_lo"], row["roc_auc_hi"] = np.nanquantile(d["roc_auc"]["m"], q)
        row["baseline_roc_auc_lo"], row["baseline_roc_auc_hi"] = np.nanquantile(
            d["roc_auc"]["b"], q)
        for m in ("roc_auc", "brier"):
            row[f"d_{m}_lo"], row[f"d_{m}_hi"] = np.nanquantile(d[m]["m"] - d[m]["b"], q)
        rows.append(row)
        log.info("churn backtest %s: AUC %.3f (baseline %.3f)", c.date(), sc["roc_auc"],
                 sb["roc_auc"])
    out = pd.DataFrame(rows).set_index("cutoff")
    mean: dict[str, Any] = {}
    for m in ("roc_auc", "brier"):
        rep_m = np.nanmean([d[m]["m"] for d in draws], axis=0)
        rep_b = np.nanmean([d[m]["b"] for d in draws], axis=0)
        for key, point, rep in ((m, out[m].mean(), rep_m),
                                (f"baseline_{m}", out[f"baseline_{m}"].mean(), rep_b),
                                (f"d_{m}", out[f"d_{m}"].mean(), rep_m - rep_b)):
            lo, hi = np.nanquantile(rep, q)
            mean[key] = {"value": float(point), "ci_low": float(lo), "ci_high": float(hi)}
        diffs = out[f"d_{m}"].to_numpy()
        if len(diffs) > 1:
            half = stats.t.ppf(q[1], len(diffs) - 1) * diffs.std(ddof=1) / np.sqrt(len(diffs))
            mean[f"d_{m}_t"] = {"value": float(diffs.mean()), "ci_low": float(diffs.mean() - half),
                                "ci_high": float(diffs.mean() + half)}
        else:
            mean[f"d_{m}_t"] = None
    out.attrs["mean"] = mean
    return out


def spend_backtest(
    lines: pd.DataFrame, test_cutoffs: list[pd.Timestamp], horizon_days: int,
    params: dict[str, Any], seed: int, n_boot: int = 300, n_jobs: int = 2,
    reversed_lines: pd.DataFrame | None = None, cache: Any = None,
) -> pd.DataFrame:
    """XGBoost spend model vs "same as last period" at each cutoff: MAE (GBP) with bootstrap
    intervals (customers resampled) and Spearman rank correlation. Each data set is built from
    the lines as known at its own cutoff (:func:`helpers.data.cleaning.as_of` with
    ``reversed_lines``; ``None``: the cleaned lines as given)."""
    from helpers import progress

    rows = []
    for c in progress.track(test_cutoffs, f"spend backtest ({len(test_cutoffs)} cutoffs)"):
        c_tr = c - pd.Timedelta(days=horizon_days)
        x_tr, y_tr = spend_set(cache, lines, reversed_lines, c_tr, horizon_days)
        known = as_of(lines, reversed_lines, c)
        x_te, y_te = spend_set(cache, lines, reversed_lines, c, horizon_days)
        pred = spend.make_xgb(params, seed, n_jobs).fit(x_tr, y_tr).predict(x_te[x_tr.columns])
        last = spend.last_period_prediction(known, x_te.index, c, horizon_days).to_numpy()
        y = y_te.to_numpy()
        mae, lo, hi = metrics.bootstrap_ci((y, pred), metrics.mae, n_boot=n_boot, seed=seed)
        mae_l, lo_l, hi_l = metrics.bootstrap_ci((y, last), metrics.mae, n_boot=n_boot, seed=seed)
        rows.append({"cutoff": c, "customers": len(y), "xgb_mae_amt": mae, "xgb_mae_lo": lo,
                     "xgb_mae_hi": hi, "last_mae_amt": mae_l, "last_mae_lo": lo_l,
                     "last_mae_hi": hi_l,
                     "xgb_spearman": spend.regression_scores(y, pred)["spearman"],
                     "last_spearman": spend.regression_scores(y, last)["spearman"]})
    return pd.DataFrame(rows).set_index("cutoff")


def _outcomes_and_probabilities(name: str, y: object, p: object) -> tuple[np.ndarray, np.ndarray]:
    """``y`` and ``p`` as float arrays, non-empty, of one length, ``p`` within [0, 1]."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if y.shape != p.shape or y.size == 0:
        raise ValueError(f"{name}: y and p must be non-empty and of equal length")
    if ((p < 0) | (p > 1)).any():
        raise ValueError(f"{name}: probabilities outside [0, 1]")
    return y, p


def calibration_table(y: np.ndarray | pd.Series, p: np.ndarray | pd.Series,
                      n_bins: int = 10) -> pd.DataFrame:
    """Reliability table: predictions cut into ``n_bins`` equal-count bins (ties kept
    together); per bin the count, mean predicted probability and observed rate."""
    y, p = _outcomes_and_probabilities("calibration_table", y, p)
    bins = pd.qcut(pd.Series(p).rank(method="first"), min(n_bins, len(p)), labels=False)
    t = pd.DataFrame({"p": p, "y": y, "bin": bins}).groupby("bin").agg(
        n=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean"))
    return t


def expected_calibration_error(table: pd.DataFrame) -> float:
    """Count-weighted mean |observed - predicted| over the bins of :func:`calibration_table`."""
    w = table["n"] / table["n"].sum()
    return float((w * (table["observed_rate"] - table["mean_predicted"]).abs()).sum())


def calibration_error(y: np.ndarray | pd.Series, p: np.ndarray | pd.Series,
                      n_bins: int = 10) -> float:
    """``expected_calibration_error(calibration_table(y, p, n_bins))`` without building the
    table: the same bins, counts and gaps, for the hundreds of bootstrap resamples of an
    interval (a table per resample took most of the calibration section's time).

    The bins of :func:`calibration_table` depend on the ranks of ``p`` only, and those ranks
    (ties in order of appearance) are always 1..n: the bin of each rank is found once for a
    given ``n`` and every resample reuses it. Agrees with the table to rounding (about 1e-16).
    """
    y, p = _outcomes_and_probabilities("calibration_error", y, p)
    n = len(p)
    q = min(n_bins, n)
    bins = np.empty(n, dtype=np.int64)
    bins[np.argsort(p, kind="stable")] = _rank_bins(n, q)  # rank "first" = stable order
    cnt = np.bincount(bins, minlength=q)
    gap = np.abs(np.bincount(bins, y, q) - np.bincount(bins, p, q))
    return float((gap[cnt > 0] / n).sum())


@functools.lru_cache(maxsize=16)
def _rank_bins(n: int, q: int) -> np.ndarray:
    """Bin of each rank 1..n under ``calibration_table``'s equal-count cut (pandas' own qcut)."""
    out = pd.qcut(pd.Series(np.arange(1, n + 1, dtype=float)), q, labels=False).to_numpy()
    out.setflags(write=False)
    return out


def label_change(a: pd.Series, b: pd.Series) -> dict[str, float]:
    """Agreement of two labelings of customers (e.g. segments at two cutoffs).

    Only customers in both are compared. Returns the count compared, the share whose label
    differs with its 95% Wilson score interval (``share_changed_ci_low``/``_high``) and the
    adjusted Rand index (label names need not match, e.g. cluster numbers).
    """
    common = a.index.intersection(b.index)
    if len(common) == 0:
        raise ValueError("label_change: no customer in both labelings")
    x = a.loc[common].astype(str).to_numpy()
    y = b.loc[common].astype(str).to_numpy()
    changed = int((x != y).sum())
    lo, hi = wilson_interval(changed, len(common))
    return {"customers": int(len(common)), "share_changed": changed / len(common),
            "share_changed_ci_low": lo, "share_changed_ci_high": hi,
            "adjusted_rand": float(adjusted_rand_score(x, y))}


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (stays inside [0, 1], sensible at 0 or n):
    the scalar form of :func:`helpers.analysis.funnel.wilson_interval`, refusing ``n = 0``.

    >>> tuple(round(v, 4) for v in wilson_interval(1, 4))
    (0.0456, 0.6994)
    """
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"wilson_interval: need 0 <= k <= n and n > 0, got k={k}, n={n}")
    lo, hi = funnel.wilson_interval(k, n, level)
    return float(max(0.0, lo)), float(min(1.0, hi))


def rank_agreement(imp_a: pd.Series, imp_b: pd.Series) -> float:
    """Spearman rank correlation of two importance vectors over their common features."""
    common = imp_a.index.intersection(imp_b.index)
    if len(common) < 3:
        raise ValueError("rank_agreement: need at least 3 common features")
    return float(stats.spearmanr(imp_a[common], imp_b[common]).statistic)


def sensitivity_row(choice: str, variant: str, metric: str, value: float,
                    baseline: bool = False) -> dict[str, Any]:
    """One row of :func:`sensitivity_frame`: ``value`` of ``metric`` under one ``variant`` of an
    analysis ``choice``; ``baseline`` marks the variant the study uses."""
    return {"choice": choice, "variant": variant, "metric": metric, "value": float(value),
            "baseline": bool(baseline)}


def sensitivity_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Tidy sensitivity table: one row per (choice, variant, metric) with its value and the
    change against the variant marked ``baseline=True`` of the same choice and metric."""
    if not rows:
        raise ValueError("sensitivity_frame: no rows")
    df = pd.DataFrame(rows)
    need = {"choice", "variant", "metric", "value", "baseline"}
    if not need <= set(df.columns):
        raise ValueError(f"sensitivity_frame: rows need {sorted(need)}")
    base = df[df["baseline"]].set_index(["choice", "metric"])["value"]
    if base.index.duplicated().any():
        raise ValueError("sensitivity_frame: more than one baseline per choice and metric")
    df["baseline_value"] = [base.get((c, m), np.nan) for c, m in zip(df["choice"], df["metric"],
                                                                    strict=True)]
    df["change"] = df["value"] - df["baseline_value"]
    df["change_pct"] = 100 * df["change"] / df["baseline_value"].abs().replace(0, np.nan)
    return df[["choice", "variant", "metric", "value", "baseline_value", "change", "change_pct",
               "baseline"]]

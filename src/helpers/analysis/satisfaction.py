"""Satisfaction and loyalty from surveys, service interactions and orders (issue 20).

- :func:`monthly_scores`, :func:`scores_by_group`: CSAT / NPS over time and by channel, with
  normal-approximation intervals of the mean.
- :func:`survey_drivers` and :func:`driver_ols`: the service experience before each survey
  (mean response time of the service tickets and complaints in a window before it) and an OLS of
  the score on it with customer-clustered robust standard errors.
- :func:`repeat_frame` and :func:`satisfaction_logit`: does satisfaction predict a repeat
  purchase (and so churn, its complement) in the next window, before and after adjusting for
  prior frequency and recency. Observational: customers who are engaged both answer surveys and
  buy, and the adjustment removes only what frequency and recency capture.
- :func:`loyalty_index` and :func:`loyalty_auc`: a per-customer loyalty index and how well it
  ranks next-window repeat purchase.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from sklearn.metrics import roc_auc_score

from helpers.data.schema import require_columns

log = logging.getLogger(__name__)

SERVICE_KINDS = ("ticket", "complaint")  # interaction kinds that are service tickets
COMPLAINT_KINDS = ("complaint",)  # ... and those that are complaints
_DAY = pd.Timedelta(days=1)


def _mean_interval(g: pd.core.groupby.SeriesGroupBy, level: float) -> pd.DataFrame:
    z = float(stats.norm.ppf(0.5 + level / 2))
    out = g.agg(n="size", mean="mean", sd="std")
    half = z * out["sd"] / np.sqrt(out["n"])
    return out.assign(lo=out["mean"] - half, hi=out["mean"] + half).drop(columns="sd")


def monthly_scores(feedback: pd.DataFrame, score: str = "csat",
                   level: float = 0.95) -> pd.DataFrame:
    """Mean survey score per calendar month of ``feedback_ts`` with a normal interval.

    Returns a frame indexed by month (Period) with ``n``, ``mean``, ``lo``, ``hi`` (``mean ±
    z sd / sqrt(n)``; NaN bounds for months with one survey).
    """
    require_columns(feedback, ("feedback_ts", score), "monthly_scores(feedback)")
    f = feedback.dropna(subset=[score])
    if f.empty:
        raise ValueError(f"monthly_scores: no {score!r} values in feedback")
    month = f["feedback_ts"].dt.to_period("M").rename("month")
    return _mean_interval(f[score].astype(float).groupby(month), level)


def scores_by_group(feedback: pd.DataFrame, customers: pd.DataFrame, group: str,
                    score: str = "csat", level: float = 0.95) -> pd.DataFrame:
    """Mean survey score per value of the customers' ``group`` column (e.g.
    ``acquisition_channel``) with a normal interval; customers without a value are left out."""
    require_columns(feedback, ("customer_id", score), "scores_by_group(feedback)")
    require_columns(customers, ("customer_id", group), "scores_by_group(customers)")
    key = customers.set_index(customers["customer_id"].astype("int64"))[group]
    f = feedback.assign(_g=feedback["customer_id"].astype("int64").map(key)).dropna(
        subset=["_g", score])
    if f.empty:
        raise ValueError(f"scores_by_group: no surveys of customers with a {group!r} value")
    return _mean_interval(f[score].astype(float).groupby(f["_g"].rename(group)), level)


def survey_drivers(feedback: pd.DataFrame, interactions: pd.DataFrame,
                   window_days: int = 30) -> pd.DataFrame:
    """The service experience before each survey.

    For each survey, the customer's service tickets (``kind`` in :data:`SERVICE_KINDS`, with
    ``response_hours``) in ``[feedback_ts - window_days, feedback_ts)``: ``response_days`` =
    their mean response time in days (0 when there is none), ``no_ticket`` = 1 when there is
    none, ``complaints`` = how many are complaints (:data:`COMPLAINT_KINDS`).

    Returns the feedback columns plus those three.
    """
    require_columns(feedback, ("feedback_id", "customer_id", "feedback_ts"),
                    "survey_drivers(feedback)")
    require_columns(interactions, ("customer_id", "interaction_ts", "kind", "response_hours"),
                    "survey_drivers(interactions)")
    tk = interactions[interactions["kind"].isin(SERVICE_KINDS)
                      & interactions["response_hours"].notna()]
    tk = pd.DataFrame({"customer_id": tk["customer_id"].astype("int64"),
                       "t": tk["interaction_ts"],
                       "days": tk["response_hours"].astype(float) / 24.0,
                       "compl": tk["kind"].isin(COMPLAINT_KINDS).astype(float)})
    s = feedback[["feedback_id", "customer_id", "feedback_ts"]].astype({"customer_id": "int64"})
    m = s.merge(tk, on="customer_id", how="inner")
    m = m[(m["t"] < m["feedback_ts"]) & (m["t"] >= m["feedback_ts"] - window_days * _DAY)]
    agg = m.groupby("feedback_id").agg(response_days=("days", "mean"),
                                       complaints=("compl", "sum"))
    out = feedback.join(agg, on="feedback_id")
    out["no_ticket"] = out["response_days"].isna().astype(float)
    out["response_days"] = out["response_days"].fillna(0.0)
    out["complaints"] = out["complaints"].fillna(0.0)
    return out


def driver_ols(drivers: pd.DataFrame, score: str = "csat", level: float = 0.95) -> pd.DataFrame:
    """OLS of the survey score on ``response_days``, ``complaints`` and ``no_ticket`` with
    standard errors clustered by customer (robust to heteroscedasticity and to a customer's
    repeated surveys).

    Returns one row per term (``const`` too): ``coef``, ``se``, ``lo``, ``hi``, ``p``; attrs
    ``n`` (surveys) and ``r2``.
    """
    cols = ["response_days", "complaints", "no_ticket"]
    require_columns(drivers, ["customer_id", score, *cols], "driver_ols(drivers)")
    d = drivers.dropna(subset=[score])
    if len(d) < 10 or d["no_ticket"].min() == 1:
        raise ValueError("driver_ols: need at least 10 surveys, some with a service ticket "
                         "before them")
    x = sm.add_constant(d[cols].astype(float))
    fit = sm.OLS(d[score].astype(float), x).fit(
        cov_type="cluster", cov_kwds={"groups": d["customer_id"].astype("int64").to_numpy()})
    ci = fit.conf_int(1 - level)
    out = pd.DataFrame({"coef": fit.params, "se": fit.bse, "lo": ci[0], "hi": ci[1],
                        "p": fit.pvalues})
    out.attrs.update(n=int(fit.nobs), r2=float(fit.rsquared))
    return out


def repeat_frame(feedback: pd.DataFrame, orders: pd.DataFrame, at: pd.Timestamp,
                 window_days: int = 90, score: str = "csat") -> pd.DataFrame:
    """One row per customer with an order and a survey before ``at``.

    Columns: ``score`` (mean before ``at``), ``nps`` when present and ``score`` is not it,
    ``prior_orders``, ``orders_per_year`` (prior orders / tenure, tenure at least 30 days),
    ``recency_days`` and ``tenure_days`` at ``at``, ``repeat`` (an order in ``[at, at +
    window_days)``; churn = ``1 - repeat``).
    """
    require_columns(feedback, ("customer_id", "feedback_ts", score), "repeat_frame(feedback)")
    require_columns(orders, ("customer_id", "order_ts"), "repeat_frame(orders)")
    o = orders[orders["customer_id"].notna()]
    o = o.assign(customer_id=o["customer_id"].astype("int64"))
    before = o[o["order_ts"] < at].groupby("customer_id")["order_ts"].agg(["min", "max", "size"])
    f = feedback[feedback["feedback_ts"] < at]
    f = f.assign(customer_id=f["customer_id"].astype("int64"))
    extra = [c for c in ("nps",) if c in f.columns and c != score]
    s = f.groupby("customer_id")[[score, *extra]].mean()
    df = s.join(before, how="inner")
    if df.empty:
        raise ValueError(f"repeat_frame: no customer with both an order and a survey before {at}")
    end = at + window_days * _DAY
    bought = o.loc[(o["order_ts"] >= at) & (o["order_ts"] < end), "customer_id"].unique()
    tenure = (at - df["min"]) / _DAY
    out = df[[score, *extra]].assign(
        prior_orders=df["size"].astype(float),
        tenure_days=tenure,
        orders_per_year=df["size"] / np.maximum(tenure, 30.0) * 365.25,
        recency_days=(at - df["max"]) / _DAY,
        repeat=df.index.isin(bought).astype(float),
    )
    return out


def satisfaction_logit(frame: pd.DataFrame, score: str = "csat",
                       level: float = 0.95) -> pd.DataFrame:
    """Odds ratio of a repeat purchase per score point: unadjusted, and adjusted for prior
    frequency (log orders per year) and recency (log days), by logistic regression with robust
    (HC1) standard errors.

    Returns rows ``unadjusted`` and ``adjusted`` with ``odds_ratio``, ``lo``, ``hi``, ``p``;
    attrs ``n``. Both are observational associations (see the module docstring).
    """
    require_columns(frame, (score, "orders_per_year", "recency_days", "repeat"),
                    "satisfaction_logit(frame)")
    d = frame.dropna(subset=[score])
    if len(d) < 20 or d["repeat"].nunique() < 2:
        raise ValueError("satisfaction_logit: need at least 20 customers, some repeating and "
                         "some not")
    z = float(stats.norm.ppf(0.5 + level / 2))
    rows = {}
    xs = {"unadjusted": d[[score]],
          "adjusted": d[[score]].assign(log_orders_per_year=np.log(d["orders_per_year"]),
                                        log_recency_days=np.log1p(d["recency_days"]))}
    for name, x in xs.items():
        fit = sm.Logit(d["repeat"], sm.add_constant(x.astype(float))).fit(
            disp=0, cov_type="HC1", maxiter=200)
        b, se = float(fit.params[score]), float(fit.bse[score])
        rows[name] = {"odds_ratio": np.exp(b), "lo": np.exp(b - z * se),
                      "hi": np.exp(b + z * se), "p": float(fit.pvalues[score])}
    out = pd.DataFrame(rows).T
    out.attrs["n"] = len(d)
    return out


def _z(x: pd.Series) -> pd.Series:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x * 0.0


def loyalty_index(frame: pd.DataFrame, score: str = "csat") -> pd.Series:
    """Loyalty index per customer: the mean of the z-scores (across customers) of
    ``log(orders_per_year)`` (repeat rate), ``log1p(tenure_days)`` (tenure), minus
    ``log1p(recency_days)`` (recent activity), the mean ``score`` and, when present, ``nps``.
    A missing component counts as average (z = 0). Higher = more loyal; unitless."""
    require_columns(frame, ("orders_per_year", "tenure_days", "recency_days", score),
                    "loyalty_index(frame)")
    parts = [_z(np.log(frame["orders_per_year"])), _z(np.log1p(frame["tenure_days"])),
             -_z(np.log1p(frame["recency_days"])), _z(frame[score])]
    if "nps" in frame.columns and score != "nps":
        parts.append(_z(frame["nps"]))
    return pd.concat(parts, axis=1).fillna(0.0).mean(axis=1).rename("loyalty_index")


def loyalty_auc(frame: pd.DataFrame, index: pd.Series, n_boot: int = 200,
                seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """AUC of ``index`` for ``frame["repeat"]``, beside the simplest alternative (prior orders
    per year alone), with a bootstrap interval of their difference (customers resampled).

    Returns ``auc``, ``auc_frequency``, ``diff``, ``diff_lo``, ``diff_hi``, ``n``.
    """
    require_columns(frame, ("repeat", "orders_per_year"), "loyalty_auc(frame)")
    y = frame["repeat"].to_numpy(float)
    if len(np.unique(y)) < 2:
        raise ValueError("loyalty_auc: repeat has one class only; AUC undefined")
    a, b = index.reindex(frame.index).to_numpy(float), frame["orders_per_year"].to_numpy(float)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        if len(np.unique(y[i])) == 2:
            diffs.append(roc_auc_score(y[i], a[i]) - roc_auc_score(y[i], b[i]))
    auc, auc_f = float(roc_auc_score(y, a)), float(roc_auc_score(y, b))
    q = np.quantile(diffs, [0.5 - level / 2, 0.5 + level / 2]) if diffs else [np.nan, np.nan]
    return {"auc": auc, "auc_frequency": auc_f, "diff": auc - auc_f,
            "diff_lo": float(q[0]), "diff_hi": float(q[1]), "n": int(len(y))}


def score_trend(monthly: pd.DataFrame, level: float = 0.95) -> dict[str, float]:
    """Linear trend of the monthly mean score, per year: weighted least squares of ``mean`` on
    time (weights = surveys per month), with a normal interval of the slope.

    Returns ``slope_per_year``, ``lo``, ``hi``, ``months``.
    """
    require_columns(monthly, ("n", "mean"), "score_trend(monthly)")
    t = monthly.dropna(subset=["mean"])
    if len(t) < 3:
        raise ValueError(f"score_trend: need at least 3 months with surveys, got {len(t)}")
    x = np.array([p.ordinal for p in t.index], float) / 12.0  # years
    fit = sm.WLS(t["mean"].to_numpy(float), sm.add_constant(x), weights=t["n"].to_numpy(float)
                 ).fit()
    z = float(stats.norm.ppf(0.5 + level / 2))
    b, se = float(fit.params[1]), float(fit.bse[1])
    return {"slope_per_year": b, "lo": b - z * se, "hi": b + z * se, "months": int(len(t))}


def driver_recovery(fits: dict[str, pd.DataFrame], truth: dict[str, float],
                    rtol: float, k_se: float = 2.0) -> pd.DataFrame:
    """Planted vs recovered driver effects: one row per score in ``fits`` and driver, with
    ``planted`` (``truth[f"{score}_per_response_day"]`` / ``..._per_complaint``, as in
    ``ground_truth.json``'s ``satisfaction_drivers``), ``recovered`` (the OLS coefficient), its
    ``se`` and ``within``: ``|recovered - planted| <= rtol |planted| + k_se se`` (``rtol`` allows
    for the flattening by rounding and clipping, ``k_se`` standard errors for sampling noise)."""
    rows = {}
    for score, fit in fits.items():
        for term, key in (("response_days", "per_response_day"), ("complaints",
                                                                   "per_complaint")):
            name = f"{score}_{key}"
            if name not in truth:
                raise ValueError(f"driver_recovery: ground truth has no {name!r}")
            p, r = float(truth[name]), float(fit.loc[term, "coef"])
            se = float(fit.loc[term, "se"]) if "se" in fit.columns else 0.0
            rows[f"{score.upper()} {key.replace('_', ' ')}"] = {
                "planted": p, "recovered": r, "se": se,
                "within": abs(r - p) <= rtol * abs(p) + k_se * se}
    return pd.DataFrame(rows).T.astype({"planted": float, "recovered": float, "se": float,
                                        "within": bool})

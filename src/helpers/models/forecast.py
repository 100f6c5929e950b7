"""Weekly revenue forecasting: baselines, ETS, SARIMAX with Fourier terms, XGBoost, bottom-up.

Every forecaster has the signature ``f(train: pd.Series, h: int, **params) -> DataFrame`` with
one row per future week (index = the week labels) and columns ``mean`` plus ``lo80, hi80,
lo95, hi95`` (GBP). :func:`rolling_origin` runs a dict of them over several origins and scores
each (origin, model) with MASE, RMSE, sMAPE and interval coverage (see :mod:`helpers.models.metrics`).

Weeks run Monday..Sunday and are labelled by their Sunday (pandas ``W-SUN``). Only complete
weeks are kept (:func:`weekly_revenue`).

Seasonality with ~2 years of data: a weekly series of ~104 weeks holds barely two annual
cycles, too few to estimate 52 free seasonal states (ETS/Holt-Winters) or run MSTL (which
needs two full periods *inside the training window*). So the annual pattern enters as
a few Fourier harmonics (SARIMAX exogenous regressors, XGBoost features), the seasonal naive
uses last year's same week (needs >= 52 weeks of training), and ETS is a damped-trend model
without a seasonal component.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from helpers.models import metrics

log = logging.getLogger(__name__)

LEVELS: tuple[int, ...] = (80, 95)
"""Prediction-interval levels (percent) every forecaster returns."""

Forecaster = Callable[..., pd.DataFrame]


# --------------------------------------------------------------------------- series


def weekly_revenue(
    lines: pd.DataFrame, cutoff: pd.Timestamp | None = None, freq: str = "W-SUN"
) -> pd.Series:
    """Revenue per complete week from all order lines (guest lines included), GBP.

    Parameters
    ----------
    lines
        Canonical ``order_lines`` (needs ``order_ts`` and ``revenue_amt``).
    cutoff
        Exclusive end of the data; default midnight after the last line. Weeks that end after
        ``cutoff`` or start before the first line's day are partial and dropped.
    freq
        pandas weekly frequency (weeks labelled by their last day).

    Returns
    -------
    Series ``revenue_amt`` indexed by week-end date, weeks without sales as 0.
    """
    for col in ("order_ts", "revenue_amt"):
        if col not in lines.columns:
            raise ValueError(f"weekly_revenue: lines has no column {col!r}")
    if lines.empty:
        raise ValueError("weekly_revenue: lines is empty")
    first = lines["order_ts"].min().normalize()
    if cutoff is None:
        cutoff = (lines["order_ts"].max() + pd.Timedelta(days=1)).normalize()
    sub = lines.loc[lines["order_ts"] < cutoff, ["order_ts", "revenue_amt"]]
    s = sub.set_index("order_ts")["revenue_amt"].resample(freq).sum()
    week_start = s.index - pd.Timedelta(days=6)
    keep = (week_start >= first) & (s.index + pd.Timedelta(days=1) <= cutoff)
    s = s[keep].astype(float)
    s.name = "revenue_amt"
    s.index.name = "week"
    return s


def fourier_terms(index: pd.DatetimeIndex, period_days: float = 365.25, k: int = 2) -> pd.DataFrame:
    """Annual Fourier regressors ``sin_j, cos_j`` (j = 1..k) of the day of year of ``index``."""
    if k < 1:
        raise ValueError(f"fourier_terms: k must be >= 1, got {k}")
    t = (index - pd.Timestamp("2000-01-02")).days.to_numpy(dtype=float)
    cols = {}
    for j in range(1, k + 1):
        cols[f"sin_{j}"] = np.sin(2 * np.pi * j * t / period_days)
        cols[f"cos_{j}"] = np.cos(2 * np.pi * j * t / period_days)
    return pd.DataFrame(cols, index=index)


def future_index(train: pd.Series, h: int) -> pd.DatetimeIndex:
    """The ``h`` week labels after the end of ``train``."""
    if h < 1:
        raise ValueError(f"h must be >= 1, got {h}")
    if len(train) < 2:
        raise ValueError(f"train needs >= 2 weeks, has {len(train)}")
    step = train.index[-1] - train.index[-2]
    return pd.DatetimeIndex([train.index[-1] + step * (i + 1) for i in range(h)], name="week")


def _frame(index: pd.DatetimeIndex, mean: np.ndarray, sigma_h: np.ndarray) -> pd.DataFrame:
    """Forecast frame with normal intervals ``mean ± z·sigma_h`` (lower bounds floored at 0)."""
    out = pd.DataFrame({"mean": np.asarray(mean, dtype=float)}, index=index)
    for lv in LEVELS:
        z = stats.norm.ppf(0.5 + lv / 200)
        out[f"lo{lv}"] = np.maximum(out["mean"] - z * sigma_h, 0.0)
        out[f"hi{lv}"] = out["mean"] + z * sigma_h
    return out


def _check_train(train: pd.Series, need: int, name: str) -> np.ndarray:
    if not isinstance(train, pd.Series) or not isinstance(train.index, pd.DatetimeIndex):
        raise ValueError(f"{name}: train must be a Series with a DatetimeIndex")
    y = train.to_numpy(dtype=float)
    if np.isnan(y).any():
        raise ValueError(f"{name}: train has NaN values")
    if y.size < need:
        raise ValueError(f"{name}: train has {y.size} weeks, needs >= {need}")
    return y


# --------------------------------------------------------------------------- baselines


def fc_naive(train: pd.Series, h: int) -> pd.DataFrame:
    """Last value carried forward; interval sigma_h = sigma_1 · sqrt(h) (random walk)."""
    y = _check_train(train, 3, "fc_naive")
    sigma = np.std(np.diff(y), ddof=1)
    steps = np.arange(1, h + 1)
    return _frame(future_index(train, h), np.repeat(y[-1], h), sigma * np.sqrt(steps))


def fc_seasonal_naive(train: pd.Series, h: int, m: int = 52) -> pd.DataFrame:
    """Value of the same week one season (``m`` weeks) earlier.

    sigma_h = sigma_m · sqrt(floor((h-1)/m) + 1) with sigma_m the std of ``y_t - y_{t-m}``.
    Falls back to :func:`fc_naive` (with a log warning) when ``train`` is shorter than m + 2.
    """
    y = _check_train(train, 3, "fc_seasonal_naive")
    if y.size < m + 2:
        log.warning("seasonal naive: %d weeks < m + 2 = %d; using naive", y.size, m + 2)
        return fc_naive(train, h)
    sigma = np.std(y[m:] - y[:-m], ddof=1)
    steps = np.arange(1, h + 1)
    mean = np.array([y[y.size - m + (i % m)] for i in range(h)])
    return _frame(future_index(train, h), mean, sigma * np.sqrt((steps - 1) // m + 1))


def fc_moving_average(train: pd.Series, h: int, window: int = 4) -> pd.DataFrame:
    """Mean of the last ``window`` weeks; sigma from in-sample one-step errors of the same rule.

    sigma_h = sigma_1 · sqrt(1 + (h-1)/window), a rough widening for the unknown level drift.
    """
    y = _check_train(train, window + 3, "fc_moving_average")
    ma = np.convolve(y, np.ones(window) / window, mode="valid")  # ma[i] = mean y[i:i+window]
    resid = y[window:] - ma[:-1]
    sigma = np.std(resid, ddof=1)
    steps = np.arange(1, h + 1)
    return _frame(
        future_index(train, h), np.repeat(ma[-1], h), sigma * np.sqrt(1 + (steps - 1) / window)
    )


# --------------------------------------------------------------------------- statistical


def fc_ets(train: pd.Series, h: int, damped: bool = True) -> pd.DataFrame:
    """Additive-error, additive (damped) trend ETS(A,Ad,N) by maximum likelihood.

    No seasonal component: with < 3 annual cycles the 52 seasonal states cannot be estimated.
    Intervals are statsmodels' analytic ones for ETS(A,Ad,N).
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    _check_train(train, 10, "fc_ets")
    y = train.astype(float).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(y, error="add", trend="add", damped_trend=damped).fit(disp=False)
        pred = res.get_prediction(start=len(y), end=len(y) + h - 1)
        mean = pred.predicted_mean.to_numpy()
        out = pd.DataFrame({"mean": mean}, index=future_index(train, h))
        for lv in LEVELS:
            ci = pred.summary_frame(alpha=1 - lv / 100)
            out[f"lo{lv}"] = np.maximum(ci["pi_lower"].to_numpy(), 0.0)
            out[f"hi{lv}"] = ci["pi_upper"].to_numpy()
    return out


def fc_sarimax_fourier(
    train: pd.Series,
    h: int,
    order: tuple[int, int, int] = (1, 0, 0),
    k: int = 2,
    trend: str = "ct",
) -> pd.DataFrame:
    """Regression on ``k`` annual Fourier pairs and a linear trend with ARMA errors (SARIMAX).

    The "dynamic harmonic regression" stand-in for SARIMA(…)(…)52, which would need more
    seasons than the data hold. Intervals are the state-space ones from ``get_forecast``.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    _check_train(train, 20, "fc_sarimax_fourier")
    idx_f = future_index(train, h)
    x_tr = fourier_terms(train.index, k=k).to_numpy()
    x_f = fourier_terms(idx_f, k=k).to_numpy()
    y = train.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(y, exog=x_tr, order=order, trend=trend).fit(disp=False, maxiter=200)
        fc = res.get_forecast(h, exog=x_f)
        out = pd.DataFrame({"mean": fc.predicted_mean}, index=idx_f)
        for lv in LEVELS:
            ci = fc.conf_int(alpha=1 - lv / 100)
            out[f"lo{lv}"] = np.maximum(ci[:, 0], 0.0)
            out[f"hi{lv}"] = ci[:, 1]
    return out


# --------------------------------------------------------------------------- XGBoost


def lag_features(y: pd.Series, lags: tuple[int, ...] = (1, 2, 3, 4, 52), k: int = 2) -> pd.DataFrame:
    """Lags, a 4-week rolling mean of lag 1, and annual Fourier terms for each week of ``y``.

    Row t uses only y[t-1], y[t-2], …; missing early lags stay NaN (XGBoost handles them).
    """
    df = pd.DataFrame(index=y.index)
    for lag in lags:
        df[f"lag_{lag}"] = y.shift(lag)
    df["roll4"] = y.shift(1).rolling(4).mean()
    return df.join(fourier_terms(y.index, k=k))


def fc_xgboost(
    train: pd.Series,
    h: int,
    seed: int = 0,
    n_estimators: int = 200,
    max_depth: int = 2,
    learning_rate: float = 0.05,
    n_jobs: int = 2,
) -> pd.DataFrame:
    """XGBoost on lags + Fourier calendar terms, predicting **recursively** one week at a time.

    The target is the week's revenue divided by the trailing 4-week mean (a ratio, so trees
    need not extrapolate the level); forecasts for weeks 2..h feed earlier forecasts back as
    lags. Intervals: normal with sigma from the model's in-sample one-step errors on the
    ratio scale times the trailing level, widened by sqrt(h) (in-sample errors understate
    the spread; coverage is checked in the backtest).
    """
    from xgboost import XGBRegressor

    _check_train(train, 20, "fc_xgboost")
    y = train.astype(float)
    feats = lag_features(y)
    level = feats["roll4"]
    ok = level.notna() & (level > 0)
    x = feats[ok].div(level[ok], axis=0).assign(**fourier_terms(y.index[ok]))
    target = y[ok] / level[ok]
    model = XGBRegressor(
        n_estimators=n_estimators,
        max_depth=max_depth,
        learning_rate=learning_rate,
        subsample=0.8,
        random_state=seed,
        n_jobs=n_jobs,
    )
    model.fit(x.drop(columns="roll4"), target)
    sigma_ratio = float(np.std(target - model.predict(x.drop(columns="roll4")), ddof=1))
    idx_f = future_index(train, h)
    ext = y.copy()
    means = []
    for t in idx_f:
        ext.loc[t] = np.nan
        f = lag_features(ext).iloc[[-1]]
        lvl = float(f["roll4"].iloc[0])
        xf = f.div(lvl, axis=0).assign(**fourier_terms(f.index)).drop(columns="roll4")
        pred = max(float(model.predict(xf)[0]) * lvl, 0.0)
        ext.loc[t] = pred
        means.append(pred)
    lvl_now = float(y.iloc[-4:].mean())
    sigma_h = sigma_ratio * lvl_now * np.sqrt(np.arange(1, h + 1))
    return _frame(idx_f, np.array(means), sigma_h)


# --------------------------------------------------------------------------- bottom-up


def seasonal_ratio(
    y: np.ndarray, h: int, window: int = 8, season: int = 52, shift: int = 0
) -> np.ndarray:
    """Last year's seasonal lift for the next ``h`` weeks, clipped to [0.5, 2].

    ratio_k = y[n - season + k - 1 - shift] / mean(y[n - season - window : n - season]) for
    k = 1..h: the same week one season ago relative to the ``window`` weeks before last year's
    origin. ``shift`` (weeks, scenario analysis) moves last year's pattern later (> 0) or
    earlier (< 0). All ones when fewer than ``season + window + max(shift, 0)`` weeks exist.
    """
    y = np.asarray(y, dtype=float)
    n = y.size
    if n < season + window + max(shift, 0):
        return np.ones(h)
    before = y[n - season - window : n - season].mean()
    ly = np.array([y[j] if 0 <= (j := n - season + i - shift) < n else np.nan for i in range(h)])
    ratio = np.where(np.isnan(ly), 1.0, ly / max(before, 1e-9))
    return np.clip(ratio, 0.5, 2.0)


def new_revenue_forecast(
    other: pd.Series, h: int, window: int = 8, season: int = 52, shift: int = 0
) -> pd.DataFrame:
    """Forecast of revenue not explained by existing customers (new customers + guests), GBP.

    Trailing ``window``-week mean times :func:`seasonal_ratio` (plain trailing mean with less
    than a season of history). Intervals: normal, sigma from the std of the last ``window``
    weeks.
    """
    y = _check_train(other, window + 1, "new_revenue_forecast")
    base = y[-window:].mean()
    ratio = seasonal_ratio(y, h, window, season, shift)
    sigma = np.std(y[-window:], ddof=1)
    return _frame(future_index(other, h), base * ratio, np.repeat(sigma, h))


def bottom_up_forecast(
    lines: pd.DataFrame,
    origin_end: pd.Timestamp,
    h: int,
    window: int = 8,
    seasonal: bool = True,
    season_shift: int = 0,
    other_factor: float = 1.0,
) -> pd.DataFrame:
    """Customer-based forecast of weekly revenue for the ``h`` weeks after ``origin_end``.

    existing customers: for week k the expected purchases E[N(k)] - E[N(k-1)] of each customer
    known at the origin (BG/NBD, weeks) times their expected spend per order (Gamma-Gamma;
    the population mean for customers without repeat purchases), summed. Other revenue
    (first orders of new customers, their early repeats, and guest lines) is forecast by
    :func:`new_revenue_forecast` from its own weekly history. Intervals: the other-revenue
    interval, widened by a 10% Poisson-like spread of the existing-customer part (the
    BG/NBD gives expectations, not a predictive distribution; coverage is checked).

    Parameters
    ----------
    lines
        Canonical order lines (all, including guests); only lines before ``origin_end`` are read.
    origin_end
        Exclusive end of the training data (midnight after the origin week's Sunday).
    h, window
        Horizon and trailing window, weeks.
    seasonal
        Multiply the existing-customer part by :func:`seasonal_ratio` of last year's
        existing-customer revenue (BG/NBD itself has no seasonality).
    season_shift, other_factor
        Scenarios (notebook 06): last year's seasonal pattern moved by ``season_shift`` weeks,
        and the new-customer-and-guest part multiplied by ``other_factor`` (0.9 = 10% fewer
        new customers). The defaults give the plain forecast.
    """
    from helpers.value import clv

    hist = lines[lines["order_ts"] < origin_end]
    known = hist[hist["customer_id"].notna()]
    fit = clv.fit_at(known, origin_end, "W", spend=True)
    summ, bg, gg = fit.summary, fit.bgnbd, fit.gamma_gamma
    spend = np.asarray(gg.expected_spend(summ["frequency"], summ["monetary_value"]), dtype=float)
    cum = [np.zeros(len(summ))]
    for k in range(1, h + 1):
        e = bg.expected_purchases(k, summ["frequency"], summ["recency"], summ["T"])
        cum.append(np.asarray(e, dtype=float))
    existing = np.array([np.sum((cum[k] - cum[k - 1]) * spend) for k in range(1, h + 1)])
    if not np.isfinite(existing).all():
        raise ValueError(
            f"bottom_up_forecast: BG/NBD/Gamma-Gamma expectations are not finite at "
            f"{origin_end:%Y-%m-%d} (degenerate fit: {bg})"
        )
    # weekly revenue not from customers known at the origin (new customers + guests)
    weekly = weekly_revenue(hist, cutoff=origin_end)
    first_ts = known.groupby("customer_id")["order_ts"].min()
    is_old = hist["customer_id"].map(first_ts)
    # a line is "existing" if its customer had an order in an earlier week than this line
    line_week = hist["order_ts"].dt.to_period("W-SUN").dt.end_time.dt.normalize()
    first_week = is_old.dt.to_period("W-SUN").dt.end_time.dt.normalize()
    from_existing = hist["customer_id"].notna() & (first_week < line_week)
    ex_weekly = (
        hist.loc[from_existing]
        .groupby(line_week[from_existing])["revenue_amt"]
        .sum()
        .reindex(weekly.index, fill_value=0.0)
    )
    other = (weekly - ex_weekly).clip(lower=0.0)
    if seasonal:
        existing = existing * seasonal_ratio(ex_weekly.to_numpy(), h, window, shift=season_shift)
    other_fc = new_revenue_forecast(other, h, window=window, shift=season_shift) * other_factor
    out = other_fc.copy()
    out["mean"] = other_fc["mean"].to_numpy() + existing
    out["existing_amt"] = existing
    out["other_amt"] = other_fc["mean"].to_numpy()
    for lv in LEVELS:
        z = stats.norm.ppf(0.5 + lv / 200)
        half = (other_fc[f"hi{lv}"] - other_fc["mean"]).to_numpy()
        sd = np.sqrt((half / z) ** 2 + (0.10 * existing) ** 2)
        out[f"lo{lv}"] = np.maximum(out["mean"] - z * sd, 0.0)
        out[f"hi{lv}"] = out["mean"] + z * sd
    return out


def make_bottom_up(lines: pd.DataFrame, window: int = 8, seasonal: bool = True) -> Forecaster:
    """Wrap :func:`bottom_up_forecast` as a forecaster ``f(train, h)`` for :func:`rolling_origin`.

    The origin is the day after the last week of ``train`` (weeks are labelled by their Sunday).
    """
    if "customer_id" not in lines.columns:
        raise ValueError("make_bottom_up: lines has no column 'customer_id'")

    def _f(train: pd.Series, h: int) -> pd.DataFrame:
        return bottom_up_forecast(lines, train.index[-1] + pd.Timedelta(days=1), h, window,
                                  seasonal)

    return _f


# --------------------------------------------------------------------------- evaluation


def make_origins(n: int, n_origins: int, h: int, step: int) -> list[int]:
    """Training lengths for rolling origins: the last origin leaves exactly ``h`` weeks.

    Returns ``[n - h - step*(n_origins-1), …, n - h]`` (ascending).
    """
    if min(n_origins, h, step) < 1:
        raise ValueError("make_origins: n_origins, h and step must be >= 1")
    first = n - h - step * (n_origins - 1)
    if first < 20:
        raise ValueError(f"make_origins: the first origin would train on only {first} weeks")
    return [first + step * i for i in range(n_origins)]


def rolling_origin(
    series: pd.Series,
    models: dict[str, Forecaster],
    train_sizes: list[int],
    h: int,
    mase_m: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every model at every origin and score the ``h``-week forecasts.

    Parameters
    ----------
    series
        Weekly revenue (GBP) from :func:`weekly_revenue`.
    models
        Name -> forecaster ``f(train, h)`` (bind extra arguments with ``functools.partial``).
    train_sizes
        Number of weeks in each origin's training window (from :func:`make_origins`).
    h
        Horizon, weeks.
    mase_m
        Period of the in-sample naive used to scale MASE (1 = one-step naive).

    Returns
    -------
    (predictions, scores): predictions has one row per (model, origin, week) with ``actual``,
    ``mean``, interval columns and ``step``; scores one row per (model, origin) with
    ``mase, rmse, smape, cover80, cover95``. A model that raises at any origin is left out of
    both (so every comparison stays paired) and named with its reason in
    ``scores.attrs["failed"]``; only when every model fails is it an error.
    """
    if not models:
        raise ValueError("rolling_origin: no models given")
    preds, rows, failed = [], [], {}
    for n_tr in train_sizes:
        if n_tr + h > len(series):
            raise ValueError(f"rolling_origin: origin {n_tr} + h {h} exceeds {len(series)} weeks")
        train, test = series.iloc[:n_tr], series.iloc[n_tr : n_tr + h]
        origin = train.index[-1]
        for name, fn in models.items():
            if name in failed:
                continue
            try:
                row, df = _fit_and_score(fn, train, test, h, mase_m)
            except Exception as exc:  # one failing model must not stop the comparison
                failed[name] = f"{type(exc).__name__} at origin {origin:%Y-%m-%d}: {exc}"
                log.warning("rolling_origin: %s failed: %s", name, failed[name])
                continue
            rows.append({"model": name, "origin": origin, **row})
            df["model"], df["origin"] = name, origin
            preds.append(df)
            log.info("origin %s %s: MASE %.3f", origin.date(), name, row["mase"])
    if len(failed) == len(models):
        raise ValueError(f"rolling_origin: every model failed: {failed}")
    pred_df, score_df = pd.concat(preds, ignore_index=True), pd.DataFrame(rows)
    keep_p, keep_s = ~pred_df["model"].isin(list(failed)), ~score_df["model"].isin(list(failed))
    pred_df, score_df = pred_df[keep_p].reset_index(drop=True), score_df[keep_s].reset_index(drop=True)
    score_df.attrs["failed"] = failed
    return pred_df, score_df


def _fit_and_score(fn: Forecaster, train: pd.Series, test: pd.Series, h: int,
                   mase_m: int) -> tuple[dict[str, float], pd.DataFrame]:
    """One model at one origin: its scores and its prediction rows (week, bounds, actual, step)."""
    fc = fn(train, h).set_axis(test.index)
    y, p = test.to_numpy(), fc["mean"].to_numpy()
    row = {
        "mase": metrics.mase(y, p, train.to_numpy(), m=mase_m),
        "rmse": metrics.rmse(y, p),
        "smape": metrics.smape(y, p),
        "cover80": metrics.coverage(y, fc["lo80"], fc["hi80"]),
        "cover95": metrics.coverage(y, fc["lo95"], fc["hi95"]),
    }
    df = fc[["mean"] + [f"{b}{lv}" for lv in LEVELS for b in ("lo", "hi")]].copy()
    df["actual"] = y
    df["step"] = np.arange(1, h + 1)
    return row, df.rename_axis("week").reset_index()


def combine_forecasts(preds: pd.DataFrame, members: list[str], name: str) -> pd.DataFrame:
    """Equal-weight mean of the member models' forecasts (point and interval bounds).

    Averaging the bounds is a simple, conservative-ish approximation (exact only for perfectly
    correlated errors); coverage is checked in the backtest like every other model.
    """
    missing = set(members) - set(preds["model"])
    if missing:
        raise ValueError(f"combine_forecasts: models {sorted(missing)} not in predictions")
    sub = preds[preds["model"].isin(members)]
    num = ["mean"] + [f"{b}{lv}" for lv in LEVELS for b in ("lo", "hi")]
    out = sub.groupby(["origin", "week"], as_index=False)[num + ["actual", "step"]].mean()
    out["model"] = name
    return out[preds.columns]


def score_predictions(preds: pd.DataFrame, series: pd.Series, mase_m: int = 1) -> pd.DataFrame:
    """Scores per (model, origin) for a predictions frame (as from :func:`rolling_origin`)."""
    rows = []
    for (model, origin), g in preds.groupby(["model", "origin"], sort=False):
        train = series[series.index <= origin].to_numpy()
        y, p = g["actual"].to_numpy(), g["mean"].to_numpy()
        rows.append(
            {
                "model": model,
                "origin": origin,
                "mase": metrics.mase(y, p, train, m=mase_m),
                "rmse": metrics.rmse(y, p),
                "smape": metrics.smape(y, p),
                "cover80": metrics.coverage(y, g["lo80"], g["hi80"]),
                "cover95": metrics.coverage(y, g["lo95"], g["hi95"]),
            }
        )
    return pd.DataFrame(rows)


def summarise_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of each score over origins per model, sorted by mean MASE (the selection rule)."""
    if scores.empty:
        raise ValueError("summarise_scores: no scores")
    cols = ["mase", "rmse", "smape", "cover80", "cover95"]
    out = scores.groupby("model")[cols].mean()
    out["mase_sd"] = scores.groupby("model")["mase"].std()
    out["n_origins"] = scores.groupby("model").size()
    return out.sort_values("mase")


def forward_forecast(
    series: pd.Series, forecasters: dict[str, Forecaster], members: list[str], h: int
) -> pd.DataFrame:
    """Forecast ``h`` weeks past the end of ``series`` with the chosen model.

    ``members`` lists one forecaster (a single model) or several (an equal-weight combination,
    averaged exactly as :func:`combine_forecasts` does in the backtest). Returns the usual frame
    (index = future week labels; ``mean``, ``lo80`` … ``hi95`` in GBP).
    """
    missing = [m for m in members if m not in forecasters]
    if not members or missing:
        raise ValueError(f"forward_forecast: unknown or no members {missing or members}")
    frames = [forecasters[m](series, h).set_axis(future_index(series, h)) for m in members]
    return sum(frames) / len(frames)


def total_with_bounds(fc: pd.DataFrame, level: int = 80) -> dict[str, float]:
    """Total of a forecast frame over its weeks, GBP, with the sum of the weekly bounds.

    Summing weekly bounds assumes perfectly correlated weekly errors, so the band is wide
    (conservative) for a total; it is labelled that way wherever it is quoted.
    """
    for col in ("mean", f"lo{level}", f"hi{level}"):
        if col not in fc.columns:
            raise ValueError(f"total_with_bounds: forecast has no column {col!r}")
    return {
        "total_amt": float(fc["mean"].sum()),
        f"lo{level}_amt": float(fc[f"lo{level}"].sum()),
        f"hi{level}_amt": float(fc[f"hi{level}"].sum()),
    }

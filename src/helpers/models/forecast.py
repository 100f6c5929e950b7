"""Weekly revenue forecasting: baselines, ETS, SARIMAX with Fourier terms, XGBoost, bottom-up.

Every forecaster has the signature ``f(train: pd.Series, h: int, **params) -> DataFrame`` with
one row per future week (index = the week labels) and columns ``mean`` plus ``lo80, hi80,
lo95, hi95`` (GBP). :func:`rolling_origin` runs a dict of them over several origins and scores
each (origin, model) with MASE, RMSE, sMAPE and interval coverage (see :mod:`helpers.models.metrics`).

Weeks run Monday..Sunday and are labelled by their Sunday (pandas ``W-SUN``). Only complete
weeks are kept (:func:`weekly_revenue`).

Seasonality with ~2 years of data: a weekly series of ~104 weeks holds about two annual
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
from helpers.models.metrics import ArrayLike

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
        out[f"hi{lv}"] = np.maximum(out["mean"] + z * sigma_h, 0.0)
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
            out[f"hi{lv}"] = np.maximum(ci["pi_upper"].to_numpy(), 0.0)  # revenue >= 0
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
            out[f"hi{lv}"] = np.maximum(ci[:, 1], 0.0)  # revenue >= 0: a bound below 0 is 0
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
    # the recursive step builds only the next week's row of lag_features (same columns and
    # values as lag_features(extended series).iloc[-1], without recomputing the whole frame)
    lag_cols = [c for c in feats.columns if c.startswith("lag_")]
    lags = [int(c[4:]) for c in lag_cols]
    fut_fourier = fourier_terms(idx_f)
    ext = list(y.to_numpy())
    means = []
    for i, t in enumerate(idx_f):
        lvl = float(np.mean(ext[-4:]))
        row = [ext[-lag] / lvl if lag <= len(ext) else np.nan for lag in lags]
        xf = pd.DataFrame([row], columns=lag_cols, index=[t]).join(fut_fourier.iloc[[i]])
        pred = max(float(model.predict(xf)[0]) * lvl, 0.0)
        ext.append(pred)
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
    weeks (the model's own band; the notebooks replace it by :func:`conformal_intervals`).
    """
    y = _check_train(other, window + 1, "new_revenue_forecast")
    base = y[-window:].mean()
    ratio = seasonal_ratio(y, h, window, season, shift)
    sigma = np.std(y[-window:], ddof=1)
    return _frame(future_index(other, h), base * ratio, np.repeat(sigma, h))


class BottomUpData:
    """Order lines prepared once for many bottom-up origins (see :func:`make_bottom_up`).

    Holds the customer lines summed per (customer, day) in time order, and the weekly revenue
    of all lines split into the part from customers who bought in an earlier week
    ("existing") and the rest. Every piece of a week depends only on lines up to that week, so
    slicing at an origin gives exactly what filtering the lines first would give.
    """

    def __init__(self, lines: pd.DataFrame) -> None:
        for col in ("customer_id", "order_ts", "revenue_amt"):
            if col not in lines.columns:
                raise ValueError(f"bottom-up: lines has no column {col!r}")
        if lines.empty:
            raise ValueError("bottom-up: lines is empty")
        day = lines["order_ts"].dt.normalize()
        week = day + pd.to_timedelta(6 - day.dt.weekday, unit="D")  # W-SUN label
        self.first_day = day.min()
        cust = lines["customer_id"].notna()
        first_week = week[cust].groupby(lines.loc[cust, "customer_id"]).transform("min")
        from_existing = pd.Series(False, index=lines.index)
        from_existing.loc[cust] = (first_week < week[cust]).to_numpy(dtype=bool)
        rev = lines["revenue_amt"].astype(float)
        self.weekly_all = rev.groupby(week).sum().sort_index()
        self.weekly_existing = (
            rev[from_existing].groupby(week[from_existing]).sum()
            .reindex(self.weekly_all.index, fill_value=0.0)
        )
        known = pd.DataFrame({"customer_id": lines.loc[cust, "customer_id"],
                              "order_ts": day[cust], "revenue_amt": rev[cust]})
        self.days = (known.groupby(["order_ts", "customer_id"], sort=True)["revenue_amt"].sum()
                     .reset_index())
        self._day_ts = self.days["order_ts"].to_numpy(dtype="datetime64[ns]")

    def customer_days(self, origin_end: pd.Timestamp) -> pd.DataFrame:
        """Customer-day lines before ``origin_end``."""
        k = int(np.searchsorted(self._day_ts, pd.Timestamp(origin_end).to_datetime64(), "left"))
        return self.days.iloc[:k]

    def weekly(self, origin_end: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
        """(all, existing) weekly revenue of the complete weeks before ``origin_end``, GBP."""
        idx = self.weekly_all.index
        full = pd.date_range(idx.min(), idx.max(), freq="W-SUN")
        keep = (full - pd.Timedelta(days=6) >= self.first_day) & (
            full + pd.Timedelta(days=1) <= origin_end)
        w = self.weekly_all.reindex(full, fill_value=0.0)[keep]
        ex = self.weekly_existing.reindex(full, fill_value=0.0)[keep]
        w.index.name = ex.index.name = "week"
        return w.rename("revenue_amt"), ex


def bottom_up_forecast(
    lines: pd.DataFrame | BottomUpData,
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
    :func:`new_revenue_forecast` from its own weekly history. The model's own interval: the
    other-revenue interval widened by a 10% spread of the existing-customer part (the BG/NBD
    gives expectations, not a predictive distribution); the notebooks replace it by the
    calibrated one of :func:`conformal_intervals`.

    Parameters
    ----------
    lines
        Canonical order lines (all, including guests), or the same prepared once as
        :class:`BottomUpData`; only lines before ``origin_end`` are read.
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

    data = lines if isinstance(lines, BottomUpData) else BottomUpData(lines)
    origin_end = pd.Timestamp(origin_end)
    known = data.customer_days(origin_end)
    if known.empty:
        raise ValueError(f"bottom_up_forecast: no customer lines before {origin_end:%Y-%m-%d}")
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
    # weekly revenue not from customers known at the origin (new customers + guests);
    # a line is "existing" if its customer had an order in an earlier week than this line
    weekly, ex_weekly = data.weekly(origin_end)
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
    The lines are prepared once (:class:`BottomUpData`), so many origins cost one model fit each.
    """
    if "customer_id" not in lines.columns:
        raise ValueError("make_bottom_up: lines has no column 'customer_id'")
    data = BottomUpData(lines)

    def _f(train: pd.Series, h: int) -> pd.DataFrame:
        return bottom_up_forecast(data, train.index[-1] + pd.Timedelta(days=1), h, window,
                                  seasonal)

    _f.slow = True  # type: ignore[attr-defined]  # a BG/NBD fit per origin: scheduled first
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


def origin_plan(
    n: int, h: int, n_test: int, step: int, n_eval: int, min_calib: int, min_train: int = 20
) -> dict[str, list[int]]:
    """Training lengths of every rolling origin of a backtest with conformal calibration.

    All origins lie on one grid ``step`` weeks apart that ends at ``n - h`` (the last origin
    leaves exactly ``h`` weeks). ``test`` = the last ``n_test`` origins; ``evaluation`` = the
    last ``n_eval`` (>= ``n_test``), whose calibrated intervals are scored; before them the
    grid reaches back until the first evaluated origin has ``min_calib`` earlier origins whose
    forecast weeks all end by it (``t' + h <= t``), so its intervals can be calibrated;
    ``validation`` = the origins whose forecast weeks end by the first test origin (used to
    pick members of a combination, never the test); ``all`` = the whole grid, ascending.
    Origins shorter than ``min_train`` weeks are dropped (with a log warning), so short series
    get fewer calibration or evaluation origins rather than an error.

    Raises
    ------
    ValueError
        If an argument is < 1, ``n_eval < n_test``, or the first *test* origin would train on
        fewer than ``min_train`` weeks.
    """
    if min(h, n_test, step, n_eval, min_calib) < 1:
        raise ValueError("origin_plan: h, n_test, step, n_eval and min_calib must be >= 1")
    if n_eval < n_test:
        raise ValueError(f"origin_plan: n_eval={n_eval} must be >= n_test={n_test}")
    last = n - h
    test = [last - step * i for i in range(n_test)][::-1]
    if test[0] < min_train:
        raise ValueError(
            f"origin_plan: the first test origin would train on only {test[0]} weeks "
            f"(n={n}, h={h}, n_test={n_test}, step={step}; need >= {min_train})"
        )
    first_eval = last - step * (n_eval - 1)
    first = first_eval - step * (-(-h // step) + min_calib - 1)
    grid = list(range(first, last + 1, step))
    keep = [t for t in grid if t >= min_train]
    if len(keep) < len(grid):
        log.warning("origin_plan: %d origins shorter than %d weeks dropped",
                    len(grid) - len(keep), min_train)
    return {
        "all": keep,
        "evaluation": [t for t in keep if t >= first_eval],
        "validation": [t for t in keep if t + h <= test[0]],
        "test": test,
    }


def rolling_origin(
    series: pd.Series,
    models: dict[str, Forecaster],
    train_sizes: list[int],
    h: int,
    mase_m: int = 1,
    n_jobs: int = 1,
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
    n_jobs
        Jobs (a model over a run of consecutive origins) fitted side by side in worker
        processes (0 = the usable CPUs); forecasters with ``slow = True`` are started first.
        The result does not depend on it.

    Returns
    -------
    (predictions, scores): predictions has one row per (model, origin, week) with ``actual``,
    ``mean``, interval columns, ``step`` and ``n_train`` (training weeks at the origin); scores one row per (model, origin) with
    ``mase, rmse, smape, cover80, cover95``. A model that raises at any origin is left out of
    both (so every comparison stays paired) and named with its reason in
    ``scores.attrs["failed"]``; only when every model fails is it an error.
    """
    if not models:
        raise ValueError("rolling_origin: no models given")
    for n_tr in train_sizes:
        if n_tr + h > len(series):
            raise ValueError(f"rolling_origin: origin {n_tr} + h {h} exceeds {len(series)} weeks")
    from helpers import progress

    # jobs: each model over a contiguous run of origins (as many runs as workers), so that one
    # slow model (the bottom-up one refits BG/NBD at every origin) is shared out too; a model's
    # fits are independent of the others' and of each other's, so the result is the same
    names = list(models)
    n_chunks = max(1, min(progress.resolve_n_jobs(n_jobs), len(train_sizes)))
    bounds = np.linspace(0, len(train_sizes), n_chunks + 1).round().astype(int)
    chunks = [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=False) if hi > lo]
    slow_first = sorted(names, key=lambda n: not getattr(models[n], "slow", False))
    jobs = [(n, lo, hi) for n in slow_first for lo, hi in chunks]
    results = dict(zip(jobs, progress.parallel_map(
        lambda j: _model_over_origins(j[0], models[j[0]], series, train_sizes[j[1]:j[2]], h,
                                      mase_m),
        jobs, n_jobs, f"rolling-origin forecasts ({len(names)} models x {len(train_sizes)} "
                      "origins)"), strict=False))
    done = {}
    for n in names:  # a model's chunks back in origin order; it fails at its first failure
        rows_n, preds_n, fail_n, at_n = [], [], None, len(train_sizes)
        for lo, hi in chunks:
            r, pr, fail, at = results[(n, lo, hi)]
            rows_n += r
            preds_n += pr
            if fail is not None:
                fail_n, at_n = fail, lo + at
                break
        done[n] = (rows_n, preds_n, fail_n, at_n)
    # as when run origin by origin: failures in the order they occur, rows origin-major
    failing = sorted((done[n][3], names.index(n), n) for n in names if done[n][2] is not None)
    failed = {n: done[n][2] for _, _, n in failing}
    for name, why in failed.items():
        log.warning("rolling_origin: %s failed: %s", name, why)
    preds, rows = [], []
    for i in range(len(train_sizes)):
        for n in names:
            if n not in failed:
                rows.append(done[n][0][i])
                preds.append(done[n][1][i])
    if len(failed) == len(models):
        raise ValueError(f"rolling_origin: every model failed: {failed}")
    pred_df, score_df = pd.concat(preds, ignore_index=True), pd.DataFrame(rows)
    keep_p, keep_s = ~pred_df["model"].isin(list(failed)), ~score_df["model"].isin(list(failed))
    pred_df, score_df = pred_df[keep_p].reset_index(drop=True), score_df[keep_s].reset_index(drop=True)
    score_df.attrs["failed"] = failed
    return pred_df, score_df


def _model_over_origins(name: str, fn: Forecaster, series: pd.Series, train_sizes: list[int],
                        h: int, mase_m: int,
                        ) -> tuple[list[dict], list[pd.DataFrame], str | None, int]:
    """One model at every origin in turn, stopping at the first that raises: (score rows,
    prediction frames, the failure or None, the index of the failing origin)."""
    rows, preds = [], []
    for i, n_tr in enumerate(train_sizes):
        train, test = series.iloc[:n_tr], series.iloc[n_tr : n_tr + h]
        origin = train.index[-1]
        try:
            row, df = _fit_and_score(fn, train, test, h, mase_m)
        except Exception as exc:  # one failing model must not stop the comparison
            return rows, preds, f"{type(exc).__name__} at origin {origin:%Y-%m-%d}: {exc}", i
        rows.append({"model": name, "origin": origin, **row})
        df["model"], df["origin"], df["n_train"] = name, origin, n_tr
        log.info("origin %s %s: MASE %.3f", origin.date(), name, row["mase"])
        preds.append(df)
    return rows, preds, None, len(train_sizes)


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
    keys = ["actual", "step"] + (["n_train"] if "n_train" in sub.columns else [])
    out = sub.groupby(["origin", "week"], as_index=False)[num + keys].mean()
    out["model"] = name
    if "n_train" in out.columns:
        out["n_train"] = out["n_train"].round().astype(int)
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
    series: pd.Series, forecasters: dict[str, Forecaster], members: list[str], h: int,
    backtest: pd.DataFrame | None = None, model: str | None = None, signed: bool = True,
    min_errors: int = 10, window: int | None = None,
    min_history_weeks: int | dict[str, int] | None = None, min_regime_origins: int = 3,
) -> pd.DataFrame:
    """Forecast ``h`` weeks past the end of ``series`` with the chosen model.

    ``members`` lists one forecaster (a single model) or several (an equal-weight combination,
    averaged exactly as :func:`combine_forecasts` does in the backtest). With ``backtest``
    (rolling-origin predictions) the bounds are the calibrated ones of
    :func:`calibrate_forecast` from ``model``'s errors at the origins whose forecast weeks
    ended by the end of ``series`` (the same rule and parameters ``window``,
    ``min_history_weeks``, ``min_regime_origins`` as in the backtest); without it, the
    models' own bounds. Returns the usual frame (index = future week labels; ``mean``,
    ``lo80`` … ``hi95`` in GBP, plus the calibration columns when calibrated).
    """
    missing = [m for m in members if m not in forecasters]
    if not members or missing:
        raise ValueError(f"forward_forecast: unknown or no members {missing or members}")
    cols = ["mean"] + [f"{b}{lv}" for lv in LEVELS for b in ("lo", "hi")]
    frames = [forecasters[m](series, h).set_axis(future_index(series, h))[cols] for m in members]
    fc = sum(frames) / len(frames)
    if backtest is None:
        return fc
    name = model if model is not None else members[0]
    return calibrate_forecast(fc, backtest, name, series.index[-1], LEVELS, signed, min_errors,
                              window, min_history_weeks, min_regime_origins, len(series))


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


# --------------------------------------------------------------------------- calibrated intervals

CALIB_NOTE = (
    "split-conformal per horizon step: the interval of a forecast is its point forecast plus "
    "the lower/upper quantiles (with the finite-sample (n+1) correction) of the model's own "
    "relative errors (actual / forecast - 1) at the same step, from earlier origins whose "
    "forecast weeks all ended by this origin, restricted to origins in the same regime (for a "
    "model whose method changes with the length of history, e.g. the bottom-up model without a "
    "full season plus its window, origins on the same side of that length; all earlier origins, "
    "flagged, when too few are in the regime) and to the most recent of them (a trailing "
    "window); neighbouring steps are pooled when a step has too few errors, symmetric "
    "absolute-error quantiles are used when even all steps are too few for asymmetric ones, "
    "and the model's own interval is kept (flagged) when even those are too few"
)
"""One-sentence description of :func:`conformal_intervals` for notebooks and metrics."""

MIXED_REGIME = "all (too few in regime)"
"""``calib_regime`` of an origin calibrated on every earlier origin for want of same-regime ones."""


def conformal_quantile(resid: ArrayLike, level: int, signed: bool = True) -> tuple[float, float]:
    """Split-conformal error quantiles ``(q_lo, q_hi)`` for a ``level``% interval.

    With ``n`` calibration errors and ``alpha = 1 - level/100``:

    - ``signed`` (asymmetric): ``q_hi`` = the ``ceil((n+1)(1 - alpha/2))``-th smallest error,
      ``q_lo`` = the ``floor((n+1) alpha/2)``-th smallest; each tail misses at most alpha/2.
    - absolute: ``q`` = the ``ceil((n+1)(1 - alpha))``-th smallest ``|error|``; ``(-q, q)``.

    Under exchangeable errors the interval ``[forecast + q_lo, forecast + q_hi]`` covers a new
    actual with probability >= level%. When ``n`` is too small for a rank inside ``1..n``
    the quantile is infinite: ``(-inf, inf)`` is returned (callers pool or fall back).

    Parameters
    ----------
    resid
        Calibration errors (actual - forecast, any unit; relative errors in
        :func:`conformal_intervals`).
    level
        Nominal coverage in percent, 0 < level < 100.
    signed
        Asymmetric (default) or absolute-residual quantiles.
    """
    if not 0 < level < 100:
        raise ValueError(f"conformal_quantile: level must be in (0, 100) percent, got {level}")
    e = np.sort(np.asarray(resid, dtype=float))
    if np.isnan(e).any():
        raise ValueError("conformal_quantile: resid has NaN values")
    n, alpha = e.size, 1 - level / 100
    if signed:
        k_hi = int(np.ceil((n + 1) * (1 - alpha / 2) - 1e-9))
        k_lo = int(np.floor((n + 1) * alpha / 2 + 1e-9))
        if n == 0 or k_hi > n or k_lo < 1:
            return -np.inf, np.inf
        return float(e[k_lo - 1]), float(e[k_hi - 1])
    a = np.sort(np.abs(e))
    k = int(np.ceil((n + 1) * (1 - alpha) - 1e-9))
    if n == 0 or k > n:
        return -np.inf, np.inf
    return -float(a[k - 1]), float(a[k - 1])


def calibration_origins(
    origins: pd.DataFrame, origin: pd.Timestamp, history_weeks: int | None = None,
    min_history_weeks: int = 0, window: int | None = None, min_regime_origins: int = 3,
) -> tuple[list[pd.Timestamp], str]:
    """The earlier origins whose errors calibrate the intervals of one origin.

    Three rules, in order:

    1. **No leakage**: only origins whose forecast weeks all end by ``origin``
       (``last_week <= origin``).
    2. **Same regime**: a model whose method changes with the length of its training history
       (``min_history_weeks`` > 0; e.g. the bottom-up model adds last year's seasonal lift only
       from ``season + window`` weeks on) is calibrated on origins on the same side of that
       length as the target (``n_train >= min_history_weeks`` or not). If fewer than
       ``min_regime_origins`` such origins exist, all origins from rule 1 are used and the
       regime is reported as ``"all (too few in regime)"``.
    3. **Trailing window**: of those, only the ``window`` most recent (``None`` = all).

    Parameters
    ----------
    origins
        One row per backtest origin: ``origin`` (week label), ``last_week`` (its last forecast
        week) and, when ``min_history_weeks`` > 0, ``n_train`` (training weeks).
    origin
        The origin (last training week) to calibrate.
    history_weeks
        Training weeks at ``origin``; ``None`` = in the full regime (e.g. a forward forecast
        from the whole series).
    min_history_weeks
        Training weeks from which the model is in its full regime (0 = one regime).
    window
        Most recent calibration origins kept (>= 1), or ``None`` for all.
    min_regime_origins
        Fewest same-regime origins before falling back to all earlier origins.

    Returns
    -------
    (calibration origins ascending, regime): regime is ``"full"`` (target and calibration
    origins have >= ``min_history_weeks``), ``"short"`` (both below), ``"all (too few in
    regime)"``, or ``"single"`` when ``min_history_weeks`` is 0.
    """
    need = {"origin", "last_week"} | ({"n_train"} if min_history_weeks > 0 else set())
    missing = need - set(origins.columns)
    if missing:
        raise ValueError(f"calibration_origins: origins has no column(s) {sorted(missing)}")
    if window is not None and window < 1:
        raise ValueError(f"calibration_origins: window must be >= 1 or None, got {window}")
    if min_regime_origins < 1:
        raise ValueError(
            f"calibration_origins: min_regime_origins must be >= 1, got {min_regime_origins}")
    origin = pd.Timestamp(origin)
    ended = origins[origins["last_week"] <= origin].sort_values("origin")
    regime = "single"
    if min_history_weeks > 0:
        full = history_weeks is None or history_weeks >= min_history_weeks
        same = ended[(ended["n_train"] >= min_history_weeks) == full]
        if len(same) >= min_regime_origins:
            ended, regime = same, "full" if full else "short"
        else:
            regime = MIXED_REGIME
    chosen = list(ended["origin"])
    if window is not None:
        chosen = chosen[-window:]
    return [pd.Timestamp(o) for o in chosen], regime


def _regime_threshold(min_history_weeks: int | dict[str, int] | None, model: str) -> int:
    if min_history_weeks is None:
        return 0
    if isinstance(min_history_weeks, dict):
        return int(min_history_weeks.get(model, 0))
    return int(min_history_weeks)


def _step_quantiles(
    cal_step: np.ndarray, cal_err: np.ndarray, steps: np.ndarray, level: int, signed: bool,
    min_errors: int,
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Per target step: quantiles from that step's errors, pooled over +-w steps if too few."""
    q_lo, q_hi = np.full(steps.size, np.nan), np.full(steps.size, np.nan)
    how, n_used = [], np.zeros(steps.size, dtype=int)
    span = int(max(steps.max(), cal_step.max() if cal_step.size else 0))
    # signed quantiles need about twice the errors of absolute ones (each tail gets alpha/2):
    # when even all steps are too few for signed ones, absolute ones are tried before giving up
    kinds = [(signed, ""), (False, "absolute ")] if signed else [(False, "")]
    for i, k in enumerate(steps):
        tag = "fallback"
        for sgn, prefix in kinds:
            for w in range(span + 1):
                sel = np.abs(cal_step - k) <= w
                if sel.sum() < min_errors:
                    continue
                lo, hi = conformal_quantile(cal_err[sel], level, sgn)
                if np.isfinite(lo) and np.isfinite(hi):
                    q_lo[i], q_hi[i], n_used[i] = lo, hi, int(sel.sum())
                    tag = prefix + ("step" if w == 0 else f"pooled+-{w}")
                    break
            if tag != "fallback":
                break
        how.append(tag)
    return q_lo, q_hi, how, n_used


def _relative_errors(actual: np.ndarray, mean: np.ndarray) -> np.ndarray:
    return actual / np.where(mean > 0, mean, np.nan) - 1.0


def _apply(frame: pd.DataFrame, cal: pd.DataFrame, levels: tuple[int, ...], signed: bool,
           min_errors: int) -> pd.DataFrame:
    """Calibrated bounds for the rows of ``frame`` (``mean``, ``step``) from ``cal`` rows."""
    out = frame.copy()
    err = _relative_errors(cal["actual"].to_numpy(float), cal["mean"].to_numpy(float))
    ok = np.isfinite(err)
    steps = out["step"].to_numpy(int)
    mean = out["mean"].to_numpy(float)
    for lv in levels:
        q_lo, q_hi, how, n_used = _step_quantiles(
            cal["step"].to_numpy(int)[ok], err[ok], steps, lv, signed, min_errors)
        good = np.isfinite(q_lo) & (mean > 0)
        for b in ("lo", "hi"):
            col = f"{b}{lv}"
            if f"{col}_model" not in out.columns:
                out[f"{col}_model"] = out[col] if col in out.columns else np.nan
        lo_m = out[f"lo{lv}_model"].to_numpy(float)
        hi_m = out[f"hi{lv}_model"].to_numpy(float)
        out[f"lo{lv}"] = np.where(good, np.maximum(mean * (1 + q_lo), 0.0), lo_m)
        out[f"hi{lv}"] = np.where(good, mean * (1 + q_hi), hi_m)
        out[f"calib{lv}"] = np.where(good, np.array(how, dtype=object), "fallback")
        out[f"n_calib{lv}"] = np.where(good, n_used, 0)
    return out


def conformal_intervals(
    preds: pd.DataFrame, levels: tuple[int, ...] = LEVELS, signed: bool = True,
    min_errors: int = 10, window: int | None = None,
    min_history_weeks: int | dict[str, int] | None = None, min_regime_origins: int = 3,
) -> pd.DataFrame:
    """Replace every model's interval bounds by split-conformal ones from its own past errors.

    For each model and origin ``o`` the calibration set is that model's rows from the origins
    chosen by :func:`calibration_origins`: origins whose forecast weeks *all end by o* (last
    week <= o: no week at or after the origin, so no test week, ever enters), of the same
    regime as ``o`` when the model has one (``min_history_weeks``), and only the ``window``
    most recent. Errors are relative, ``actual / mean - 1`` (revenue errors scale with
    the level), and the bounds are ``mean * (1 + q)`` with ``q`` from
    :func:`conformal_quantile` over the errors of the same horizon step; a step with fewer
    than ``min_errors`` errors (or too few for a finite quantile at that level) is pooled with
    its neighbours (+-1, +-2, … steps). If even all steps together are too few for signed
    quantiles, absolute-error ones are tried (flag ``absolute …``); if those too are
    impossible (the first origins), the model's own bounds are kept (flag ``fallback``).

    Parameters
    ----------
    preds
        Rows as from :func:`rolling_origin` (``model, origin, week, step, mean, actual``,
        ``lo80 … hi95``, and ``n_train`` when ``min_history_weeks`` is used), possibly with
        combinations from :func:`combine_forecasts`.
    levels
        Interval levels, percent.
    signed
        Asymmetric quantiles (default) or absolute-error ones.
    min_errors
        Fewest errors a (pooled) quantile may rest on.
    window
        Most recent calibration origins used (trailing window), ``None`` = all.
    min_history_weeks
        Training weeks from which a model is in its full regime: one number for every model or
        ``{model: weeks}`` (models not named have one regime). ``None`` = one regime for all.
    min_regime_origins
        Fewest same-regime calibration origins before all earlier origins are used (flagged in
        ``calib_regime``).

    Returns
    -------
    ``preds`` with calibrated ``lo{L}``/``hi{L}``, the model's own bounds kept as
    ``lo{L}_model``/``hi{L}_model``, per level ``calib{L}`` (``step``, ``pooled+-w`` or
    ``fallback``) and ``n_calib{L}`` (errors used), and ``calib_regime`` and
    ``n_calib_origins`` (see :func:`calibration_origins`).
    """
    need = {"model", "origin", "week", "step", "mean", "actual"}
    if min_history_weeks:
        need.add("n_train")
    missing = need - set(preds.columns)
    if missing:
        raise ValueError(f"conformal_intervals: preds has no column(s) {sorted(missing)}")
    if min_errors < 1:
        raise ValueError(f"conformal_intervals: min_errors must be >= 1, got {min_errors}")
    parts = []
    for model, g in preds.groupby("model", sort=False):
        mh = _regime_threshold(min_history_weeks, str(model))
        agg = {"last_week": ("week", "max")} | ({"n_train": ("n_train", "first")} if mh else {})
        table = g.groupby("origin").agg(**agg).reset_index()
        for origin, rows in g.groupby("origin", sort=True):
            hist = int(rows["n_train"].iloc[0]) if mh else None
            use, regime = calibration_origins(table, origin, hist, mh, window, min_regime_origins)
            cal = g[g["origin"].isin(use)]
            out = _apply(rows, cal, levels, signed, min_errors)
            parts.append(out.assign(calib_regime=regime, n_calib_origins=len(use)))
    return pd.concat(parts).loc[preds.index]


def interval_scores(
    preds: pd.DataFrame, levels: tuple[int, ...] = LEVELS, by: str | list[str] = "model"
) -> pd.DataFrame:
    """Coverage, mean width (GBP) and Winkler score (GBP) of the intervals, per group.

    Columns per level L: ``cover{L}`` (share of actuals inside), ``width{L}`` (mean hi - lo),
    ``winkler{L}`` (:func:`helpers.models.metrics.winkler_score`; lower is better), and
    ``fallback{L}`` (share of rows whose bounds are the model's own, uncalibrated); plus
    ``n_weeks`` (rows), ``n_origins`` and, when ``preds`` has ``calib_regime``,
    ``mixed_regime`` (share of rows calibrated on all regimes for want of same-regime origins).
    """
    if preds.empty:
        raise ValueError("interval_scores: no predictions")
    rows = {}
    for key, g in preds.groupby(by, sort=False):
        y = g["actual"].to_numpy(float)
        r: dict[str, float] = {"n_weeks": len(g), "n_origins": g["origin"].nunique()}
        for lv in levels:
            lo, hi = g[f"lo{lv}"].to_numpy(float), g[f"hi{lv}"].to_numpy(float)
            r[f"cover{lv}"] = metrics.coverage(y, lo, hi)
            r[f"width{lv}"] = float(np.mean(hi - lo))
            r[f"winkler{lv}"] = metrics.winkler_score(y, lo, hi, lv / 100)
            fb = g[f"calib{lv}"] == "fallback" if f"calib{lv}" in g else pd.Series(False, index=g.index)
            r[f"fallback{lv}"] = float(fb.mean())
        if "calib_regime" in g:
            r["mixed_regime"] = float((g["calib_regime"] == MIXED_REGIME).mean())
        rows[key] = r
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = by if isinstance(by, str) else None
    return out


def block_bootstrap_mean(
    values: ArrayLike, block: int = 1, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean of a time-ordered series with a circular moving-block bootstrap interval.

    Blocks of ``block`` consecutive values (wrapping round) are drawn with replacement until
    the resample has the original length; ``block = 1`` is the ordinary bootstrap. Use a block
    of about ``ceil(h / step)`` origins for per-origin scores of overlapping ``h``-week
    forecasts made ``step`` weeks apart, so the interval respects their correlation.

    Returns
    -------
    (mean, low, high): the percentile interval at two-sided ``level`` (0..1).
    """
    x = np.asarray(values, dtype=float)
    if x.size < 2 or np.isnan(x).any():
        raise ValueError(f"block_bootstrap_mean: need >= 2 values without NaN, got {x.size}")
    if not 1 <= block <= x.size:
        raise ValueError(f"block_bootstrap_mean: block must be in 1..{x.size}, got {block}")
    if not 0 < level < 1:
        raise ValueError(f"block_bootstrap_mean: level must be in (0, 1), got {level}")
    if n_boot < 10:
        raise ValueError(f"block_bootstrap_mean: n_boot must be >= 10, got {n_boot}")
    rng = np.random.default_rng(seed)
    n, n_blocks = x.size, -(-x.size // block)
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n] % n
    means = x[idx].mean(axis=1)
    a = (1 - level) / 2
    lo, hi = np.quantile(means, [a, 1 - a])
    return float(x.mean()), float(lo), float(hi)


def paired_difference(
    scores: pd.DataFrame, a: str, b: str, col: str = "mase", block: int = 1, n_boot: int = 1000,
    seed: int = 0, level: float = 0.95,
) -> tuple[float, float, float]:
    """Mean over origins of ``col(a) - col(b)`` with a block-bootstrap interval.

    ``scores`` has one row per (model, origin) (from :func:`score_predictions`); the two
    models are paired by origin (origins where either is missing are dropped). Negative =
    ``a`` has the lower (better) loss. See :func:`block_bootstrap_mean` for ``block``.
    """
    for m in (a, b):
        if m not in set(scores["model"]):
            raise ValueError(f"paired_difference: model {m!r} not in scores")
    if col not in scores.columns:
        raise ValueError(f"paired_difference: scores has no column {col!r}")
    wide = scores.pivot_table(index="origin", columns="model", values=col).sort_index()
    d = (wide[a] - wide[b]).dropna().to_numpy()
    return block_bootstrap_mean(d, min(block, max(d.size, 1)), n_boot, seed, level)


def select_forecaster(
    scores: pd.DataFrame, baselines: list[str], col: str = "mase", block: int = 1,
    n_boot: int = 1000, seed: int = 0, level: float = 0.95,
) -> dict[str, object]:
    """The selection rule: the simplest credible model unless a more complex one is better.

    ``leader`` = the model with the lowest mean ``col`` over the origins in ``scores``;
    ``best_baseline`` = the baseline with the lowest mean. If the leader is a baseline it
    wins. Otherwise it wins only if the paired interval (:func:`paired_difference`, block
    bootstrap over origins) of ``leader - best_baseline`` lies wholly below zero; if not,
    the best baseline is kept. Returns ``winner, leader, best_baseline, decided_by_interval``
    (bool), and ``diff`` = ``(mean, low, high)`` of leader - best baseline (None when the
    leader is a baseline).
    """
    if not set(baselines) & set(scores["model"]):
        raise ValueError(f"select_forecaster: none of the baselines {baselines} is in scores")
    means = scores.groupby("model")[col].mean().sort_values()
    leader = str(means.index[0])
    base = str(means[[m for m in means.index if m in baselines]].index[0])
    if leader == base:
        return {"winner": base, "leader": leader, "best_baseline": base,
                "decided_by_interval": False, "diff": None}
    diff = paired_difference(scores, leader, base, col, block, n_boot, seed, level)
    beats = diff[2] < 0
    return {"winner": leader if beats else base, "leader": leader, "best_baseline": base,
            "decided_by_interval": bool(beats), "diff": diff}


def calibrate_forecast(
    fc: pd.DataFrame, backtest: pd.DataFrame, model: str, origin: pd.Timestamp,
    levels: tuple[int, ...] = LEVELS, signed: bool = True, min_errors: int = 10,
    window: int | None = None, min_history_weeks: int | dict[str, int] | None = None,
    min_regime_origins: int = 3, history_weeks: int | None = None,
) -> pd.DataFrame:
    """Calibrated bounds for one forecast frame made at ``origin`` (its rows = steps 1, 2, …).

    The calibration set is ``model``'s rows of ``backtest`` (predictions as from
    :func:`rolling_origin`) from the origins :func:`calibration_origins` picks for ``origin``
    (forecast weeks all ended by it; same regime; trailing ``window``); the rule is that of
    :func:`conformal_intervals`, with the same parameters (steps beyond the backtest horizon
    pool the nearest steps and say so in ``calib{L}``). ``history_weeks`` = training weeks of
    ``fc`` (``None``: the full regime).
    """
    if model not in set(backtest["model"]):
        raise ValueError(f"calibrate_forecast: model {model!r} not in the backtest")
    g = backtest[backtest["model"] == model]
    mh = _regime_threshold(min_history_weeks, model)
    agg = {"last_week": ("week", "max")} | ({"n_train": ("n_train", "first")} if mh else {})
    table = g.groupby("origin").agg(**agg).reset_index()
    use, regime = calibration_origins(table, origin, history_weeks, mh, window,
                                      min_regime_origins)
    cal = g[g["origin"].isin(use)]
    frame = fc.assign(step=np.arange(1, len(fc) + 1))
    out = _apply(frame, cal, levels, signed, min_errors).drop(columns="step")
    return out.assign(calib_regime=regime, n_calib_origins=len(use))

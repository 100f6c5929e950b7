"""Figures for notebook 05 (model selection): backtests, scores, gain and calibration, trends."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.plots import currency, money_formatter


def backtest_plot(
    series: pd.Series, preds: pd.DataFrame, models: list[str], history_weeks: int = 40
) -> Figure:
    """Actual weekly revenue with each model's forecasts from every origin (80% band shaded
    for the first model in ``models``)."""
    if preds.empty:
        raise ValueError("backtest_plot: no predictions")
    fig, ax = plt.subplots(figsize=(10, 4.5))
    start = preds["week"].min() - pd.Timedelta(weeks=history_weeks)
    s = series[series.index >= start]
    ax.plot(s.index, s.to_numpy(), color="black", lw=1.5, label="actual")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, m in enumerate(models):
        sub = preds[preds["model"] == m]
        for j, (_, g) in enumerate(sub.groupby("origin")):
            ax.plot(g["week"], g["mean"], color=colours[k % len(colours)], lw=1.2,
                    label=m if j == 0 else None)
            if k == 0:
                ax.fill_between(g["week"], g["lo80"], g["hi80"], color=colours[0], alpha=0.12)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set(title="Rolling-origin forecasts of weekly revenue", xlabel="week ending",
           ylabel=f"revenue per week ({currency()})")
    ax.legend(ncol=3, fontsize=8)
    return fig


def score_bars(summary: pd.DataFrame, metric: str = "mase", baseline: float | None = 1.0) -> Figure:
    """Horizontal bars of one score per model (e.g. mean MASE over origins)."""
    if metric not in summary.columns:
        raise ValueError(f"score_bars: summary has no column {metric!r}")
    s = summary[metric].sort_values()
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(s) + 1.2))
    ax.barh(s.index, s.to_numpy(), color="#4c72b0")
    if baseline is not None:
        ax.axvline(baseline, color="grey", ls="--", lw=1)
    ax.invert_yaxis()
    ax.set(title=f"Mean {metric.upper()} over origins (lower is better)", xlabel=metric.upper(),
           ylabel="model")
    return fig


def gain_chart(tables: dict[str, pd.DataFrame]) -> Figure:
    """Cumulative gain by decile for several scorers (tables from metrics.lift_table)."""
    if not tables:
        raise ValueError("gain_chart: no tables")
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for name, t in tables.items():
        x = np.r_[0, t.index.to_numpy() / t.index.max()]
        ax.plot(100 * x, 100 * np.r_[0, t["cum_gain"].to_numpy()], marker="o", ms=3, label=name)
    ax.plot([0, 100], [0, 100], color="grey", ls="--", lw=1, label="random")
    ax.set(title="Cumulative gain: churners captured by score decile",
           xlabel="customers contacted, highest score first (%)",
           ylabel="churners captured (%)")
    ax.legend(fontsize=8)
    return fig


def calibration_plot(y: np.ndarray, probs: dict[str, np.ndarray], n_bins: int = 10,
                     event: str = "churn", title: str = "Calibration on the test cutoff") -> Figure:
    """Reliability diagram: mean predicted probability vs observed rate of ``event`` (axis
    words, e.g. ``"churn"`` or ``"repurchase"``) in probability-quantile bins."""
    from sklearn.calibration import calibration_curve

    fig, ax = plt.subplots(figsize=(6, 5))
    for name, p in probs.items():
        frac, mean = calibration_curve(y, p, n_bins=n_bins, strategy="quantile")
        ax.plot(mean, frac, marker="o", ms=3, label=name)
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect")
    ax.set(title=title, xlabel=f"predicted {event} probability", ylabel=f"observed {event} rate")
    ax.legend(fontsize=8)
    return fig


def trend_bars(table: pd.DataFrame, title: str) -> Figure:
    """Sen slope as % of the group's mean month, coloured by direction."""
    if "slope_pct_of_mean" not in table.columns:
        raise ValueError("trend_bars: table needs slope_pct_of_mean (from trends.trend_table)")
    colours = {"growing": "#2a9d8f", "declining": "#e76f51", "no trend": "#adb5bd",
               "not tested": "#e9ecef"}
    t = table.sort_values("slope_pct_of_mean")
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(t) + 1.5))
    ax.barh(t.index.astype(str), t["slope_pct_of_mean"], color=[colours[d] for d in t["direction"]])
    ax.axvline(0, color="black", lw=0.8)
    ax.set(title=title, xlabel="seasonal Sen slope (% of mean monthly revenue per month)", ylabel="")
    shown = [d for d in colours if d in set(t["direction"])]
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[d]) for d in shown]
    ax.legend(handles, shown, fontsize=8, loc="lower right")
    return fig


def segment_difference(table: pd.DataFrame, method: str, baseline: str) -> Figure:
    """Per-segment paired difference of hit rate (``method`` minus ``baseline``) with its
    interval: columns ``difference``, ``lo``, ``hi``, ``customers`` (shares, shown in points)."""
    t = table.sort_values("difference")
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(t) + 2.2))
    v = 100 * t["difference"].to_numpy(dtype=float)
    lo, hi = 100 * t["lo"].to_numpy(dtype=float), 100 * t["hi"].to_numpy(dtype=float)
    err = np.vstack([v - lo, hi - v])
    ax.errorbar(v, y, xerr=err, fmt="o", capsize=4, label=f"{method} minus {baseline}")
    ax.axvline(0, color="grey", lw=1)
    names = [str(s).replace("_", " ") for s in t.index]
    ax.set_yticks(y, [f"{s} (n={int(n)})" for s, n in zip(names, t["customers"], strict=True)])
    ax.set_xlabel("difference in hit rate@k, points (95% interval)")
    ax.set_title("Cross-sell gain over the baseline by RFM segment")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), frameon=False)
    fig.tight_layout()
    return fig

"""Figures for notebook 06 (validation). Every function returns a Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.plots import currency, money_formatter


def metric_by_cutoff(table: pd.DataFrame, series: dict[str, tuple[str, str, str]], ylabel: str,
                     title: str, money: bool = False) -> Figure:
    """Point estimates with interval bars per cutoff; ``series`` maps a label to the
    (value, low, high) column names of ``table`` (indexed by cutoff)."""
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(table))
    width = 0.8 / max(len(series), 1)
    for i, (label, (v, lo, hi)) in enumerate(series.items()):
        xs = x + (i - (len(series) - 1) / 2) * width
        yerr = np.vstack([table[v] - table[lo], table[hi] - table[v]])
        ax.errorbar(xs, table[v], yerr=yerr, fmt="o", capsize=4, label=label)
    ax.set_xticks(x, [pd.Timestamp(c).strftime("%Y-%m-%d") for c in table.index])
    ax.set_xlabel("test cutoff")
    ax.set_ylabel(ylabel)
    if money:
        ax.yaxis.set_major_formatter(money_formatter())
    ax.set_title(title)
    ax.legend()
    return fig


def residual_acf(errors: pd.Series, lags: int, title: str) -> Figure:
    """Forecast errors over time (left) and their autocorrelation with a 95% band (right)."""
    from statsmodels.graphics.tsaplots import plot_acf

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    axes[0].axhline(0, color="grey", lw=1)
    axes[0].plot(errors.index, errors.to_numpy(), marker="o")
    axes[0].yaxis.set_major_formatter(money_formatter())
    axes[0].set_ylabel(f"actual - forecast ({currency()})")
    axes[0].set_title("Forecast errors")
    axes[0].tick_params(axis="x", rotation=30)
    plot_acf(errors.to_numpy(), lags=lags, ax=axes[1])
    axes[1].set_xlabel("lag (weeks)")
    axes[1].set_title(title)
    fig.tight_layout()
    return fig


def shap_summary(shap_values: np.ndarray, x: pd.DataFrame, title: str, max_display: int = 12) -> Figure:
    """SHAP beeswarm (shap.summary_plot) as a Figure."""
    import shap

    shap.summary_plot(shap_values, x, show=False, max_display=max_display, plot_size=(9, 5.5))
    fig = plt.gcf()
    fig.axes[0].set_title(title)
    return fig


def shap_dependence(shap_values: np.ndarray, x: pd.DataFrame, feature: str, title: str) -> Figure:
    """SHAP value of one feature against the feature's value."""
    j = list(x.columns).index(feature)
    fig, ax = plt.subplots(figsize=(7, 4))
    v = x[feature].to_numpy(dtype=float)
    ax.scatter(v, shap_values[:, j], s=6, alpha=0.4)
    if np.nanmin(v) > 0 and np.nanmax(v) / max(np.nanmin(v), 1e-9) > 100:
        ax.set_xscale("log")
    ax.axhline(0, color="grey", lw=1)
    ax.set_xlabel(feature)
    ax.set_ylabel(f"SHAP value of {feature}")
    ax.set_title(title)
    return fig


def importance_compare(shap_imp: pd.Series, perm_imp: pd.Series, title: str) -> Figure:
    """Mean |SHAP| and permutation importance side by side (each scaled to its maximum)."""
    order = shap_imp.sort_values().index
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(order) + 1.5))
    y = np.arange(len(order))
    ax.barh(y + 0.2, (shap_imp[order] / shap_imp.max()).to_numpy(), height=0.4, label="mean |SHAP|")
    p = perm_imp.reindex(order).clip(lower=0)
    ax.barh(y - 0.2, (p / max(p.max(), 1e-12)).to_numpy(), height=0.4, label="permutation")
    ax.set_yticks(y, order)
    ax.set_xlabel("importance (share of the largest)")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return fig


def scenario_paths(actual: pd.Series, paths: dict[str, pd.Series], title: str) -> Figure:
    """Actual weekly revenue and the forecast path of each scenario."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.plot(actual.index, actual.to_numpy(), color="black", lw=1.5, label="actual")
    for name, p in paths.items():
        ax.plot(p.index, p.to_numpy(), lw=1.8, label=name)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_ylabel(f"revenue per week ({currency()})")
    ax.set_xlabel("week ending")
    ax.set_title(title)
    ax.legend()
    return fig


def coverage_by_step(table: pd.DataFrame, targets: dict[int, tuple[float, float]],
                     title: str) -> Figure:
    """Empirical coverage of calibrated intervals by horizon step, one line per level.

    ``table`` is indexed by step with columns ``cover{L}`` (0..1, as from
    ``helpers.models.forecast.interval_scores(..., by="step")``); ``targets`` maps each level
    L (percent) to its (low, high) target band, shaded.
    """
    if table.empty:
        raise ValueError("coverage_by_step: empty table")
    fig, ax = plt.subplots(figsize=(7, 4))
    for lv, (lo, hi) in targets.items():
        col = f"cover{lv}"
        if col not in table.columns:
            raise ValueError(f"coverage_by_step: table has no column {col!r}")
        line = ax.plot(table.index, 100 * table[col].to_numpy(), marker="o", label=f"{lv}% interval")
        ax.axhspan(100 * lo, 100 * hi, color=line[0].get_color(), alpha=0.12)
    ax.set(ylim=(0, 102), xlabel="weeks ahead (horizon step)", ylabel="actual weeks inside (%)",
           title=title)
    ax.legend(loc="lower left")
    return fig

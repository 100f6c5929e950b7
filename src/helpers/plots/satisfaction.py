"""Figures of notebook 03's satisfaction and loyalty section (see
:mod:`helpers.analysis.satisfaction`). Every function returns a Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter


def monthly_scores(monthly: dict[str, pd.DataFrame]) -> Figure:
    """One panel per score (``csat``, ``nps``): the monthly mean with its interval band
    (frames of :func:`helpers.analysis.satisfaction.monthly_scores`)."""
    fig, axes = plt.subplots(1, len(monthly), figsize=(5.5 * len(monthly), 3.8), squeeze=False)
    for ax, (score, t) in zip(axes[0], monthly.items(), strict=True):
        x = t.index.to_timestamp()
        ax.plot(x, t["mean"], marker="o", ms=3)
        ax.fill_between(x, t["lo"], t["hi"], alpha=0.25, label="95% interval of the mean")
        ax.set_title(f"Mean {score.upper()} per month")
        ax.set_ylabel(f"mean {score.upper()}")
        ax.legend(loc="lower left")
        fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def group_scores(table: pd.DataFrame, score: str, group: str) -> Figure:
    """Mean score per group with its interval (a frame of
    :func:`helpers.analysis.satisfaction.scores_by_group`), best on top."""
    t = table.sort_values("mean")
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(t) + 1.5))
    y = np.arange(len(t))
    ax.errorbar(t["mean"], y, xerr=[t["mean"] - t["lo"], t["hi"] - t["mean"]], fmt="o",
                capsize=3)
    ax.set_yticks(y, [f"{i} (n={n:,})" for i, n in zip(t.index, t["n"], strict=True)])
    ax.set_xlabel(f"mean {score.upper()} (95% interval)")
    ax.set_title(f"{score.upper()} by {group.replace('_', ' ')}")
    fig.tight_layout()
    return fig


def driver_effects(fits: dict[str, pd.DataFrame], planted: dict[str, float] | None = None,
                   terms: tuple[str, ...] = ("response_days", "complaints")) -> Figure:
    """OLS effects of the service drivers per score with their intervals, and the planted
    values (crosses) when ``planted`` (``ground_truth.json``'s ``satisfaction_drivers``, keys
    ``<score>_per_response_day`` / ``<score>_per_complaint``) is given."""
    fig, axes = plt.subplots(1, len(fits), figsize=(5.5 * len(fits), 3.2), squeeze=False)
    labels = {"response_days": "per day of response time", "complaints": "per complaint"}
    keys = {"response_days": "per_response_day", "complaints": "per_complaint"}
    for ax, (score, fit) in zip(axes[0], fits.items(), strict=True):
        t = fit.loc[list(terms)]
        y = np.arange(len(t))
        ax.errorbar(t["coef"], y, xerr=[t["coef"] - t["lo"], t["hi"] - t["coef"]], fmt="o",
                    capsize=3, label="estimate (95% interval)")
        if planted is not None:
            ax.scatter([planted[f"{score}_{keys[k]}"] for k in terms], y, marker="x",
                       color="C3", s=60, zorder=3, label="planted")
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, [labels.get(k, k) for k in terms])
        ax.set_ylim(-0.6, len(t) - 0.4)
        ax.set_xlabel(f"{score.upper()} points")
        ax.set_title(f"Drivers of {score.upper()}")
        ax.legend(loc="center left", fontsize="small")
    fig.tight_layout()
    return fig


def loyalty_deciles(index: pd.Series, repeat: pd.Series, n_bins: int = 10) -> Figure:
    """Next-window repeat rate by loyalty-index decile (lowest to highest)."""
    q = pd.qcut(index.rank(method="first"), n_bins, labels=False) + 1
    rate = repeat.groupby(q).mean()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.bar(rate.index, rate.to_numpy())
    ax.axhline(repeat.mean(), color="black", ls="--", lw=1, label="all customers")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xticks(rate.index)
    ax.set_xlabel("loyalty index decile (1 = lowest)")
    ax.set_ylabel("ordered in the next window")
    ax.set_title("Repeat purchase by loyalty index")
    ax.legend()
    fig.tight_layout()
    return fig

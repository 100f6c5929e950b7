"""Figures for notebook 05b (cross-sell). Every function returns a Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter


def metric_bars(table: pd.DataFrame, metric: str, title: str) -> Figure:
    """One bar per model with its bootstrap interval (columns ``metric``, ``metric_lo``,
    ``metric_hi``), as percentages."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    x = np.arange(len(table))
    v = table[metric].to_numpy()
    err = np.vstack([v - table[f"{metric}_lo"].to_numpy(), table[f"{metric}_hi"].to_numpy() - v])
    ax.bar(x, v, yerr=err, capsize=5, color=["C0", "C1", "C2", "C3"][: len(table)])
    ax.set_xticks(x, table.index)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(title)
    return fig


def segment_lift(table: pd.DataFrame) -> Figure:
    """Hit rate of the recommender and of popularity per RFM segment."""
    t = table.sort_values("lift")
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(t) + 1.5))
    ax.barh(y + 0.2, t["item_knn"].to_numpy(), height=0.4, label="item-kNN")
    ax.barh(y - 0.2, t["popularity"].to_numpy(), height=0.4, label="popularity")
    ax.set_yticks(y, [s.replace("_", " ") for s in t.index])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("hit rate@k on new-to-customer products")
    ax.set_title("Cross-sell hit rate by RFM segment")
    ax.legend(loc="lower right")
    return fig

"""Figures of the campaign uplift section (notebook 05). Every function returns a Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.plots import money_formatter


def qini_plot(curves: dict[str, pd.DataFrame], deciles: pd.DataFrame, title: str) -> Figure:
    """Qini curves (left) and observed uplift by score decile (right).

    Parameters
    ----------
    curves
        Label -> :func:`helpers.models.uplift.qini_curve` output; the first curve's random
        line (contacting in random order) is drawn dashed.
    deciles
        :func:`helpers.models.uplift.uplift_by_decile` of the chosen score; ``uplift_true_mean``
        (the planted uplift) is drawn as points when present.
    title
        Figure title.
    """
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    for i, (label, c) in enumerate(curves.items()):
        ax.plot(c["share"], c["qini"], label=label, lw=1.6)
        if i == 0:
            ax.plot(c["share"], c["random"], ls="--", color="grey", label="random order")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("share of customers contacted (highest score first)")
    ax.set_ylabel("incremental purchasers (Qini)")
    ax.set_title("Qini curves")
    ax.legend(fontsize=8)
    x = np.asarray(deciles.index)
    bx.bar(x, deciles["uplift_observed"], color="#4c72b0", label="observed (treated - control)")
    if "uplift_true_mean" in deciles:
        bx.plot(x, deciles["uplift_true_mean"], "o", color="#dd8452", label="planted (mean)")
    bx.axhline(0, color="black", lw=0.6)
    bx.set_xticks(x)
    bx.set_xlabel("decile of predicted uplift (1 = highest)")
    bx.set_ylabel("uplift in P(purchase in window)")
    bx.set_title("Uplift by decile")
    bx.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def targeting_bars(table: pd.DataFrame, value: str, label: str, title: str,
                   money: bool = False) -> Figure:
    """Each targeting rule's gain with its interval, one panel per source in ``table``.

    ``table`` has columns ``source`` (e.g. planted truth / randomised estimate), ``rule``,
    ``value`` and ``<value>_lo`` / ``<value>_hi``; ``money`` formats the axis in the data's
    currency.
    """
    sources = list(dict.fromkeys(table["source"]))
    fig, axes = plt.subplots(1, len(sources), figsize=(5.2 * len(sources), 3.6), squeeze=False)
    for ax, s in zip(axes[0], sources, strict=True):
        t = table[table["source"] == s]
        y = np.arange(len(t))
        err = np.vstack([t[value] - t[f"{value}_lo"], t[f"{value}_hi"] - t[value]])
        ax.errorbar(t[value], y, xerr=err, fmt="o", capsize=4)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, [r.replace("_", " ") for r in t["rule"]])
        ax.set_xlabel(label)
        if money:
            ax.xaxis.set_major_formatter(money_formatter())
        ax.set_title(s)
    fig.suptitle(title)
    fig.tight_layout()
    return fig

"""Figures for notebook 03 (behaviour and lifecycle). Every function returns a Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter


def gap_histogram(gaps: pd.Series, cadence: pd.Series) -> Figure:
    """Inter-purchase gaps (all pairs of consecutive order days) and each customer's median gap."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    bins = np.logspace(0, np.log10(max(gaps.max(), 2)), 30)
    axes[0].hist(gaps, bins=bins)
    axes[0].set_xscale("log")
    axes[0].axvline(gaps.median(), color="black", ls="--", label=f"median {gaps.median():.0f} d")
    axes[0].set_xlabel("days between consecutive order days (log scale)")
    axes[0].set_ylabel("gaps")
    axes[0].set_title("Inter-purchase time")
    axes[0].legend()
    c = cadence.dropna()
    axes[1].hist(c, bins=np.logspace(0, np.log10(max(c.max(), 2)), 30), color="C1")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("customer's median gap, days (log scale)")
    axes[1].set_ylabel("customers (two or more order days)")
    axes[1].set_title("Typical cadence per customer")
    fig.tight_layout()
    return fig


def retention_heatmap(table: pd.DataFrame, title: str, max_k: int = 12) -> Figure:
    """Cohort × months-since-acquisition heatmap of shares (NaN = not yet observed)."""
    t = table.loc[:, [k for k in table.columns if k <= max_k]]
    fig, ax = plt.subplots(figsize=(11, 0.3 * len(t) + 2))
    data = np.ma.masked_invalid(t.to_numpy(dtype=float))
    vmax = np.nanquantile(t.iloc[:, 1:].to_numpy(dtype=float), 0.98) if t.shape[1] > 1 else 1
    im = ax.imshow(data, aspect="auto", cmap="viridis", vmin=0, vmax=vmax)
    ax.set_xticks(range(t.shape[1]), [str(k) for k in t.columns])
    ax.set_yticks(range(len(t)), [d.strftime("%Y-%m") for d in t.index])
    for i in range(t.shape[0]):
        for j in range(1, t.shape[1]):
            v = t.iat[i, j]
            if pd.notna(v):
                ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=6,
                        color="white" if v < 0.6 * vmax else "black")
    ax.set_xlabel("months since acquisition")
    ax.set_ylabel("acquisition cohort (first order month)")
    ax.set_title(title)
    ax.grid(False)
    fig.colorbar(im, ax=ax, format=PercentFormatter(1.0), label="share of month 0")
    return fig


def stage_bars(counts: pd.Series) -> Figure:
    """Customers per lifecycle stage."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.bar(counts.index.astype(str), counts.to_numpy(),
           color=["C2", "C0", "C1", "C4", "C3"][: len(counts)])
    for i, v in enumerate(counts.to_numpy()):
        ax.text(i, v, f"{v:,}\n({100 * v / counts.sum():.0f}%)", ha="center", va="bottom",
                fontsize=9)
    ax.set_ylabel("customers")
    ax.set_xlabel("lifecycle stage at the cutoff")
    ax.set_title("Customers by lifecycle stage")
    ax.set_ylim(0, counts.max() * 1.25)
    return fig


def transition_heatmap(probs: pd.DataFrame, steady: pd.Series) -> Figure:
    """Row-normalised stage transition probabilities, with the steady state beside them."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [4, 1]})
    p = probs.fillna(0)
    im = axes[0].imshow(p.to_numpy(), cmap="Blues", vmin=0, vmax=1)
    axes[0].set_xticks(range(p.shape[1]), p.columns)
    axes[0].set_yticks(range(p.shape[0]), p.index)
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            axes[0].text(j, i, f"{p.iat[i, j]:.2f}", ha="center", va="center",
                         color="white" if p.iat[i, j] > 0.6 else "black", fontsize=9)
    axes[0].set_xlabel("stage one period later")
    axes[0].set_ylabel("stage now")
    axes[0].set_title("Stage transition probabilities (per period)")
    axes[0].grid(False)
    fig.colorbar(im, ax=axes[0], fraction=0.046)
    s = steady.reindex(p.index).fillna(0)
    axes[1].barh(range(len(s)), s.to_numpy())
    axes[1].set_yticks(range(len(s)), s.index)
    axes[1].invert_yaxis()
    axes[1].xaxis.set_major_formatter(PercentFormatter(1.0))
    axes[1].set_title("Steady state")
    fig.tight_layout()
    return fig


def km_curves(fitters: dict[str, object], title: str) -> Figure:
    """Kaplan-Meier survival curves (lifelines fitters, one per group) with confidence bands."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for name, kmf in fitters.items():
        kmf.plot_survival_function(ax=ax, label=name, ci_show=True)
    ax.set_xlabel("days since first order")
    ax.set_ylabel("share not yet churned")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    return fig


def funnel_bars(table: pd.DataFrame) -> Figure:
    """Opportunities reaching each funnel stage, with the pass rate to the next stage."""
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(table.index, table["reached"].to_numpy(), color="C0")
    for i, (n, r) in enumerate(zip(table["reached"], table["pass_rate_to_next"], strict=True)):
        lab = f"{n:,}" + (f"\n→ {100 * r:.0f}%" if pd.notna(r) else "")
        ax.text(i, n, lab, ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("closed opportunities reaching the stage")
    ax.set_title("Sales funnel")
    ax.set_ylim(0, table["reached"].max() * 1.25)
    return fig


def rate_bars(table: pd.DataFrame, col: str, title: str, xlabel: str) -> Figure:
    """Bars of a rate column (0..1) per row of ``table``."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.bar(table.index.astype(str), table[col].to_numpy(), color="C2")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(col.replace("_", " "))
    ax.set_title(title)
    return fig

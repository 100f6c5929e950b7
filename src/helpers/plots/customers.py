"""Figures for notebook 02 (customer profile). Every function returns a Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from helpers.plots import currency, money_formatter


def country_bars(summary: pd.DataFrame) -> Figure:
    """Share of customers and of revenue per country (from ``profile.country_summary``)."""
    s = summary.iloc[::-1]
    y = np.arange(len(s))
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(s) + 1.5))
    ax.barh(y + 0.2, 100 * s["share_customers"], height=0.4, label="customers")
    ax.barh(y - 0.2, 100 * s["share_revenue"], height=0.4, label="revenue")
    ax.set_yticks(y, s.index)
    ax.xaxis.set_major_formatter(PercentFormatter())
    ax.set_xlabel("share of all customers / of customer revenue (%)")
    ax.set_title("Customers and revenue by country")
    ax.legend(loc="lower right")
    return fig


def size_distribution(customers: pd.DataFrame) -> Figure:
    """Histograms of orders and revenue per customer on log scales."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    orders = customers["n_orders"].to_numpy()
    bins = np.unique(np.round(np.logspace(0, np.log10(orders.max() + 1), 25)))
    axes[0].hist(orders, bins=bins)
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("orders per customer (log scale)")
    axes[0].set_ylabel("customers (log scale)")
    axes[0].set_title("Orders per customer")
    rev = customers["revenue_amt"].clip(lower=1).to_numpy()
    axes[1].hist(rev, bins=np.logspace(0, np.log10(rev.max()) + 0.1, 30))
    axes[1].set_xscale("log")
    axes[1].xaxis.set_major_formatter(money_formatter())
    axes[1].set_xlabel(f"revenue per customer, {currency()} (log scale)")
    axes[1].set_ylabel("customers")
    axes[1].set_title("Revenue per customer")
    fig.tight_layout()
    return fig


def lorenz_pareto(lorenz: pd.DataFrame, gini: float, top20: float) -> Figure:
    """Lorenz curve (left) and Pareto curve of the top customers (right)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    ax = axes[0]
    ax.plot(100 * lorenz["share_customers"], 100 * lorenz["share_revenue"], lw=2, label="Lorenz")
    ax.plot([0, 100], [0, 100], ls="--", color="grey", label="equal revenue")
    ax.fill_between(100 * lorenz["share_customers"], 100 * lorenz["share_revenue"],
                    100 * lorenz["share_customers"], alpha=0.15)
    ax.set_xlabel("customers, smallest first (cumulative %)")
    ax.set_ylabel("revenue (cumulative %)")
    ax.set_title(f"Lorenz curve (Gini {gini:.2f})")
    ax.legend(loc="upper left")
    ax = axes[1]
    x = 100 * (1 - lorenz["share_customers"].to_numpy()[::-1])
    y = 100 * (1 - lorenz["share_revenue"].to_numpy()[::-1])
    ax.plot(x, y, lw=2)
    ax.axvline(20, ls=":", color="grey")
    ax.axhline(100 * top20, ls=":", color="grey")
    ax.annotate(f"top 20% → {100 * top20:.0f}% of revenue", (20, 100 * top20),
                xytext=(30, 100 * top20 - 20), arrowprops={"arrowstyle": "->"})
    ax.set_xlabel("customers, largest first (cumulative %)")
    ax.set_ylabel("revenue (cumulative %)")
    ax.set_title("Pareto curve")
    fig.tight_layout()
    return fig


def time_patterns(patterns: dict[str, pd.Series]) -> Figure:
    """Revenue by month, weekday and hour (three panels)."""
    fig = plt.figure(figsize=(12, 7))
    ax1 = fig.add_subplot(2, 1, 1)
    m = patterns["month"]
    ax1.bar(m.index, m.to_numpy(), width=25)
    ax1.yaxis.set_major_formatter(money_formatter())
    ax1.set_ylabel(f"revenue per month ({currency()})")
    ax1.set_title("Revenue by calendar month (the Q4 peak)")
    ax2 = fig.add_subplot(2, 2, 3)
    w = patterns["weekday"]
    ax2.bar(w.index, w.to_numpy())
    ax2.yaxis.set_major_formatter(money_formatter())
    ax2.set_ylabel(f"revenue ({currency()})")
    ax2.set_title("By weekday")
    ax3 = fig.add_subplot(2, 2, 4)
    h = patterns["hour"]
    ax3.bar(h.index, h.to_numpy())
    ax3.yaxis.set_major_formatter(money_formatter())
    ax3.set_xlabel("hour of day (local time)")
    ax3.set_title("By hour")
    fig.tight_layout()
    return fig


def new_vs_returning(table: pd.DataFrame) -> Figure:
    """Stacked monthly revenue of new customers, returning customers and guests."""
    fig, ax = plt.subplots(figsize=(11, 4.5))
    bottom = np.zeros(len(table))
    for col in ("returning", "new", "guest"):
        ax.bar(table.index, table[col].to_numpy(), width=25, bottom=bottom, label=col)
        bottom += table[col].to_numpy()
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_ylabel(f"revenue per month ({currency()})")
    ax.set_title("Revenue by month: new customers, returning customers, guests")
    ax.legend(loc="upper left")
    return fig


def share_bars(table: pd.DataFrame, title: str, label_col: str | None = None) -> Figure:
    """Horizontal bars of ``share_revenue`` (and ``share_customers`` when present)."""
    t = table.iloc[::-1]
    labels = t[label_col].astype(str).str.slice(0, 40) if label_col else t.index.astype(str)
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(t) + 1.5))
    if "share_customers" in t:
        ax.barh(y + 0.2, 100 * t["share_customers"], height=0.4, label="customers")
        ax.barh(y - 0.2, 100 * t["share_revenue"], height=0.4, label="revenue")
        ax.legend(loc="lower right")
    else:
        ax.barh(y, 100 * t["share_revenue"], height=0.6)
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(PercentFormatter())
    ax.set_xlabel("share (%)")
    ax.set_title(title)
    return fig

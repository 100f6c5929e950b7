"""Figures for notebook 04 (RFM segments, clusters, CLV). Every function returns a Figure."""

from __future__ import annotations

import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.plots import currency, money_formatter


def rf_grid(counts: pd.DataFrame, mapping: pd.DataFrame) -> matplotlib.figure.Figure:
    """Heatmap of customers per recency x frequency score, each cell labelled with its segment.

    ``counts`` and ``mapping`` are indexed by r_score (rows, 5..1) and f_score (columns, 1..5),
    as returned by :func:`helpers.value.rfm.rf_grid_counts` / :func:`helpers.value.rfm.segment_mapping_table`.
    """
    c = counts.reindex(index=mapping.index, columns=mapping.columns, fill_value=0)
    fig, ax = plt.subplots(figsize=(8, 5.5))
    im = ax.imshow(c.to_numpy(), cmap="Blues", aspect="auto")
    vmax = max(int(c.to_numpy().max()), 1)
    for i, r in enumerate(c.index):
        for j, f in enumerate(c.columns):
            n = int(c.loc[r, f])
            col = "white" if n > 0.6 * vmax else "black"
            label = str(mapping.loc[r, f]).replace("_", " ")
            ax.text(j, i, f"{label}\n{n:,}", ha="center", va="center", fontsize=8, color=col)
    ax.set_xticks(range(len(c.columns)), [str(v) for v in c.columns])
    ax.set_yticks(range(len(c.index)), [str(v) for v in c.index])
    ax.set_xlabel("frequency score (1 = fewest orders, 5 = most)")
    ax.set_ylabel("recency score (5 = most recent)")
    ax.set_title("Customers per recency × frequency cell, with the segment of each cell")
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="customers")
    return fig


def segment_bars(summary: pd.DataFrame) -> matplotlib.figure.Figure:
    """Share of customers and of revenue per RFM segment (from ``rfm.segment_summary``)."""
    s = summary.iloc[::-1]
    y = np.arange(len(s))
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.barh(y - 0.2, 100 * s["share_customers"], height=0.4, label="customers")
    ax.barh(y + 0.2, 100 * s["share_revenue"], height=0.4, label="revenue")
    ax.set_yticks(y, [str(v).replace("_", " ") for v in s.index])
    ax.set_xlabel("share of all customers / of customer revenue (%)")
    ax.set_title("RFM segments: size and revenue share")
    ax.legend(loc="lower right")
    return fig


def silhouette_by_k(table: pd.DataFrame) -> matplotlib.figure.Figure:
    """Mean silhouette (left axis) and seed stability (ARI, right axis) per k."""
    fig, ax = plt.subplots()
    ax.plot(table.index, table["silhouette"], marker="o", label="silhouette")
    chosen = table.index[table["chosen"]]
    ax.scatter(chosen, table.loc[chosen, "silhouette"], s=160, facecolors="none",
               edgecolors="red", linewidths=2, zorder=3, label="chosen k")  # fmt: skip
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("mean silhouette (-1..1)")
    ax2 = ax.twinx()
    ax2.plot(table.index, table["stability_ari"], marker="s", color="grey", ls="--",
             label="stability (mean ARI across seeds)")  # fmt: skip
    ax2.set_ylabel("adjusted Rand index across seeds (0..1)")
    ax2.set_ylim(0, 1.05)
    ax2.grid(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left")
    ax.set_title("Choosing k: silhouette and stability of k-means on log RFM")
    return fig


def predicted_vs_actual(
    frequency_cal: pd.Series, actual: pd.Series, predicted: np.ndarray, max_group: int = 7
) -> matplotlib.figure.Figure:
    """Mean holdout repeat purchases, actual vs BG/NBD, per calibration frequency group."""
    grp = frequency_cal.clip(upper=max_group).astype(int)
    df = pd.DataFrame({"group": grp, "actual": actual.to_numpy(), "predicted": predicted})
    m = df.groupby("group")[["actual", "predicted"]].mean()
    fig, ax = plt.subplots()
    ax.plot(m.index, m["actual"], marker="o", label="actual")
    ax.plot(m.index, m["predicted"], marker="s", ls="--", label="BG/NBD predicted")
    ax.set_xticks(m.index, [str(i) if i < max_group else f"{i}+" for i in m.index])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean repeat purchases in the holdout (per customer)")
    ax.set_title("Holdout check: predicted vs actual purchases per frequency group")
    ax.legend()
    return fig


def clv_distribution(clv: pd.Series, tier: pd.Series,
                     horizon: str) -> matplotlib.figure.Figure:
    """Histogram of predicted CLV over ``horizon`` (e.g. ``"12-month"``; log x axis), stacked by
    value tier."""
    pos = clv[clv > 0]
    bins = np.logspace(np.log10(max(pos.min(), 0.01)), np.log10(pos.max()), 40)
    fig, ax = plt.subplots()
    cats = [t for t in pd.Categorical(tier).categories if (tier == t).any()]
    ax.hist([pos[tier.loc[pos.index] == t] for t in cats], bins=bins, stacked=True,
            label=[str(t) for t in cats])  # fmt: skip
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(money_formatter())
    ax.set_xlabel(f"predicted {horizon} CLV ({currency()}, log scale)")
    ax.set_ylabel("customers")
    ax.set_title(f"Distribution of predicted {horizon} customer lifetime value by tier")
    ax.legend(title="tier")
    return fig


def clv_decile_calibration(
    deciles: pd.DataFrame, labels: dict[str, str] | None = None
) -> matplotlib.figure.Figure:
    """Mean actual vs mean predicted holdout revenue per predicted decile, one line per model.

    ``deciles`` is :attr:`helpers.models.clvcompare.ClvComparison.deciles` (columns ``model``,
    ``decile``, ``mean_predicted_amt``, ``mean_actual_amt``); ``labels`` maps model keys to
    display names. Log axes (bins with a zero mean are not drawn); the diagonal is perfect
    calibration.
    """
    labels = labels or {}
    fig, ax = plt.subplots(figsize=(7, 6))
    pos = deciles[(deciles["mean_predicted_amt"] > 0) & (deciles["mean_actual_amt"] > 0)]
    for (name, g), mk in zip(pos.groupby("model", sort=False), "osD^v<>", strict=False):
        g = g.sort_values("decile")
        ax.plot(g["mean_predicted_amt"], g["mean_actual_amt"], marker=mk, ms=5,
                label=labels.get(str(name), str(name)))  # fmt: skip
    if len(pos):
        lo = float(pos[["mean_predicted_amt", "mean_actual_amt"]].min().min())
        hi = float(pos[["mean_predicted_amt", "mean_actual_amt"]].max().max())
        ax.plot([lo, hi], [lo, hi], color="grey", ls=":", lw=1, label="perfect calibration")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(money_formatter())
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_xlabel(f"mean predicted holdout revenue per customer ({currency()}, log)")
    ax.set_ylabel(f"mean actual holdout revenue per customer ({currency()}, log)")
    ax.set_title("CLV models: calibration by predicted decile (holdout)")
    ax.legend()
    return fig

"""Figures for the sales-funnel section of notebook 03 (tables from
:mod:`helpers.analysis.funnel`). Every function returns a Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from helpers.plots import money_formatter


def stage_conversion(conv: pd.DataFrame) -> Figure:
    """Pass rate of every stage with its interval (``pass_rate``, ``pass_low``, ``pass_high``,
    ``resolved``; index: stage)."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    x = np.arange(len(conv))
    rate = conv["pass_rate"].to_numpy(float)
    err = np.vstack([rate - conv["pass_low"].to_numpy(float),
                     conv["pass_high"].to_numpy(float) - rate])
    ax.bar(x, rate, color="C0", yerr=err, capsize=4, ecolor="black")
    for i, (r, n) in enumerate(zip(rate, conv["resolved"], strict=True)):
        if np.isfinite(r):
            ax.text(i, 0.02, f"n = {int(n):,}", ha="center", va="bottom", color="white",
                    fontsize=9)
    ax.set_xticks(x, [f"{s} →" for s in conv.index])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    ax.set_xlabel("stage (deals whose fate there is known)")
    ax.set_ylabel("share passing to the next stage")
    ax.set_title("Stage conversion (bars: 95% Wilson interval)")
    return fig


def win_rate_forest(tables: dict[str, pd.DataFrame], overall: float) -> Figure:
    """Forest plot: win rate with its interval per group, one panel per grouping (``tables``:
    title -> :func:`helpers.analysis.funnel.win_rate_by` table), overall rate dashed."""
    fig, axes = plt.subplots(1, len(tables), figsize=(5.5 * len(tables), 0.5 * max(
        len(t) for t in tables.values()) + 2), squeeze=False)
    for ax, (title, t) in zip(axes[0], tables.items(), strict=True):
        t = t.iloc[::-1]
        y = np.arange(len(t))
        r = t["win_rate"].to_numpy(float)
        ax.errorbar(r, y, xerr=np.vstack([r - t["win_low"].to_numpy(float),
                                          t["win_high"].to_numpy(float) - r]),
                    fmt="o", color="C0", ecolor="C0", capsize=4)
        ax.axvline(overall, color="black", ls="--", lw=1, label=f"all closed {overall:.1%}")
        ax.set_yticks(y, [f"{i} ({int(n):,})" for i, n in zip(t.index, t["closed"], strict=True)])
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlim(left=0)
        ax.set_xlabel("win rate of closed deals (95% Wilson interval)")
        ax.set_title(f"Win rate by {title}")
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def sales_cycle(cycle: pd.DataFrame, durations: pd.DataFrame) -> Figure:
    """Kaplan-Meier share of deals still open by days since creation (``days``,
    ``share_open``, ``ci_low``, ``ci_high``; ``attrs`` ``median_days``,
    ``naive_median_days``), beside the median and quartiles of the days in each stage."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    ax = axes[0]
    ax.step(cycle["days"], cycle["share_open"], where="post", color="C0",
            label="Kaplan–Meier (open deals censored)")
    ax.fill_between(cycle["days"], cycle["ci_low"], cycle["ci_high"], step="post", alpha=0.25,
                    color="C0")
    med, naive = cycle.attrs.get("median_days"), cycle.attrs.get("naive_median_days")
    if med is not None and np.isfinite(med):
        ax.axvline(med, color="C0", ls="--", lw=1, label=f"median {med:.0f} d")
    if naive is not None and np.isfinite(naive):
        ax.axvline(naive, color="C3", ls=":", lw=1.5,
                   label=f"median of closed deals only {naive:.0f} d")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("days since the deal was created")
    ax.set_ylabel("share of deals not yet closed")
    ax.set_title("Sales cycle")
    ax.legend(fontsize=8)
    ax = axes[1]
    d = durations.dropna(subset=["median_days"])
    y = np.arange(len(d))[::-1]
    ax.barh(y, d["median_days"].to_numpy(float), color="C1", alpha=0.7, label="median")
    lo = d["q1_days"].to_numpy(float)
    hi = d["q3_days"].to_numpy(float)
    ax.hlines(y, lo, hi, color="black", lw=2, label="quartiles")
    ax.set_yticks(y, d.index)
    ax.set_xlabel("days in the stage (Kaplan–Meier)")
    ax.set_title("Time in each stage")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def rep_shrinkage(shr: pd.DataFrame) -> Figure:
    """Raw against shrunk (and mix-adjusted, when ``expected_win_rate`` varies) win rate per
    rep, arrows from raw to adjusted; point size = closed deals; the overall rate
    (``attrs["m"]``) dashed."""
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(shr) + 2))
    t = shr.sort_values("adjusted_win_rate")
    y = np.arange(len(t))
    size = 30 + 300 * t["closed"].to_numpy(float) / t["closed"].max()
    ax.scatter(t["raw_win_rate"], y, s=size, color="C7", alpha=0.7, label="raw")
    mixed = not np.allclose(t["expected_win_rate"], shr.attrs.get("m", np.nan))
    ax.scatter(t["adjusted_win_rate"], y, s=size, color="C0",
               label="shrunk, mix-adjusted" if mixed else "shrunk")
    for yi, a, b in zip(y, t["raw_win_rate"], t["adjusted_win_rate"], strict=True):
        ax.annotate("", xy=(b, yi), xytext=(a, yi),
                    arrowprops={"arrowstyle": "->", "color": "C0", "lw": 1})
    ax.axvline(shr.attrs.get("m", np.nan), color="black", ls="--", lw=1, label="all reps")
    ax.set_yticks(y, [f"{r} ({int(n):,})" for r, n in zip(t.index, t["closed"], strict=True)])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("win rate of closed deals")
    ax.set_ylabel("rep (closed deals)")
    ax.set_title("Rep win rates: raw and shrunk towards the mean")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def pipeline_backtest(bt: pd.DataFrame, horizon_days: int) -> Figure:
    """Won amount in the next ``horizon_days`` at each as-of date: actual, the pipeline
    forecast (open deals, and with new deals) and the trailing baseline."""
    fig, ax = plt.subplots(figsize=(10, 4.2))
    x = pd.to_datetime(bt["as_of"])
    ax.plot(x, bt["actual_amt"], color="black", marker="o", label="actual (all deals)")
    ax.plot(x, bt["actual_pipeline_amt"], color="black", ls=":", marker=".",
            label="actual, deals open at the as-of date")
    ax.plot(x, bt["predicted_amt"], color="C0", marker="s", ms=4, label="pipeline (open deals)")
    ax.plot(x, bt["predicted_total_amt"], color="C2", marker="^", ms=4,
            label="pipeline + new deals")
    ax.plot(x, bt["baseline_amt"], color="C3", ls="--", label="trailing baseline")
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_ylim(bottom=0)
    ax.set_xlabel("as-of date")
    ax.set_ylabel(f"won amount in the next {horizon_days} days")
    ax.set_title("Pipeline-weighted forecast backtest")
    ax.legend(fontsize=8, ncol=2)
    return fig

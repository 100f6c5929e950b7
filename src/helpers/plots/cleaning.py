"""Figures for notebook 01: the cleaning waterfall."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.plots import currency, money_formatter


def ledger_waterfall(ledger: pd.DataFrame, measure: str = "rows") -> Figure:
    """Waterfall from raw input to kept lines: one bar per set-aside reason.

    Parameters
    ----------
    ledger
        :func:`helpers.data.cleaning.ledger_table` output.
    measure
        ``rows`` or ``revenue_amt``.
    """
    aside = ledger[(ledger["outcome"] == "set aside") & (ledger["rows"] > 0)]
    kept_total = ledger.loc[ledger["outcome"] == "kept", measure].sum()
    total_in = ledger[measure].sum()
    labels = ["raw input", *aside["reason"], "kept"]
    steps = [-v for v in aside[measure]]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    level = total_in
    ax.bar(0, total_in, color="#4C72B0")
    for i, s in enumerate(steps, start=1):
        bottom = min(level, level + s)
        ax.bar(i, abs(s), bottom=bottom, color="#C44E52" if s < 0 else "#55A868")
        level += s
    ax.bar(len(labels) - 1, kept_total, color="#4C72B0")
    ax.set_xticks(np.arange(len(labels)), labels, rotation=35, ha="right")
    if measure == "revenue_amt":
        ax.yaxis.set_major_formatter(money_formatter())
        ax.set_ylabel(f"Quantity x Price ({currency()})")
        ax.set_title("Where the raw revenue goes: cleaning waterfall (red = removed)")
    else:
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x / 1e3:,.0f}k"))
        ax.set_ylabel("invoice lines")
        ax.set_title("Where the raw lines go: cleaning waterfall (red = removed, green = added back)")
    lo = min(kept_total, level) * 0.9
    ax.set_ylim(bottom=max(0, lo) if measure == "rows" else None)
    fig.tight_layout()
    return fig

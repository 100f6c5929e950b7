"""Figures for the notebooks: every public function returns a ``matplotlib.figure.Figure``.

Shared look in :func:`apply_style`; one submodule per notebook domain (``plots.cleaning``,
``plots.customers`` ...). Figures are saved by :func:`helpers.results.store.save_fig`.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from helpers.money import symbol  # noqa: E402

PALETTE = "colorblind"
_STYLE = {"currency": "GBP"}


def apply_style(currency: str = "GBP") -> None:
    """Seaborn's whitegrid with readable sizes, and the currency money axes show (an ISO code,
    e.g. ``"USD"``); call once at the top of a notebook."""
    symbol(currency)  # refuses an empty code
    _STYLE["currency"] = str(currency).strip().upper()
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    plt.rcParams.update(
        {"figure.figsize": (9, 4.5), "figure.dpi": 100, "axes.titleweight": "bold",
         "svg.hashsalt": "crm", "axes.spines.top": False, "axes.spines.right": False}
    )


def currency() -> str:
    """The currency code set by :func:`apply_style` (for axis labels)."""
    return _STYLE["currency"]


def money_formatter(decimals: int = 0) -> FuncFormatter:
    """Axis formatter in the current currency: symbol, thousands separators, k/M suffixes."""
    sym = symbol(currency())

    def _f(x: float, _pos: int | None = None) -> str:
        a, sign = abs(x), "-" if x < 0 else ""
        if a >= 1e6:
            return f"{sign}{sym}{a / 1e6:.1f}M"
        if a >= 1e4:
            return f"{sign}{sym}{a / 1e3:.0f}k"
        return f"{sign}{sym}{a:,.{decimals}f}"

    return FuncFormatter(_f)

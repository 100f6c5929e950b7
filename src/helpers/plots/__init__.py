"""Figures for the notebooks: every public function returns a ``matplotlib.figure.Figure``.

Shared look in :func:`apply_style`; one submodule per notebook domain (``plots.cleaning``,
``plots.profile`` ...). Figures are saved by :func:`helpers.results.store.save_fig`.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

PALETTE = "colorblind"


def apply_style() -> None:
    """Seaborn's whitegrid with readable sizes; call once at the top of a notebook."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    plt.rcParams.update(
        {"figure.figsize": (9, 4.5), "figure.dpi": 100, "axes.titleweight": "bold",
         "svg.hashsalt": "crm", "axes.spines.top": False, "axes.spines.right": False}
    )


def gbp_formatter(decimals: int = 0) -> FuncFormatter:
    """Axis formatter: £ with thousands separators, k/M suffixes for large values."""

    def _f(x: float, _pos: int | None = None) -> str:
        a = abs(x)
        if a >= 1e6:
            return f"£{x / 1e6:.1f}M"
        if a >= 1e4:
            return f"£{x / 1e3:.0f}k"
        return f"£{x:,.{decimals}f}"

    return FuncFormatter(_f)

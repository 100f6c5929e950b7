"""Figures for the notebooks: every public function returns a ``matplotlib.figure.Figure``.

Shared look in :func:`apply_style`; one submodule per notebook domain (``plots.cleaning``,
``plots.customers`` ...). Figures are saved by :func:`helpers.results.store.save_fig`.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
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
    # tables shown without a Styler print floats in plain notation (never 5.230851e+06) and
    # missing values as a dash (never NaN)
    pd.set_option("display.float_format", plain_number)
    pd.set_option("styler.format.na_rep", "–")
    pd.set_option("display.max_colwidth", None)  # cell text in full (never "account manag...")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks
        return
    ip = get_ipython()
    if ip is not None:
        ip.display_formatter.formatters["text/html"].for_type(pd.DataFrame, frame_html)


def frame_html(df: pd.DataFrame) -> str:
    """A DataFrame as notebook HTML the way pandas shows it (same truncation), with plain
    numbers and a dash for missing values."""
    return df.to_html(
        na_rep="–", float_format=plain_number, notebook=True, border=1,
        max_rows=pd.get_option("display.max_rows"), max_cols=pd.get_option("display.max_columns"),
        show_dimensions=pd.get_option("display.show_dimensions") is True,
    )


def plain_number(x: float, signed: bool = False) -> str:
    """A float as a reader would write it: thousands separators, no scientific notation.

    Large and whole values get no decimals (``5,230,851``, ``803``), values from 1 on four significant digits
    (``12.35``), smaller ones up to four decimals (``0.1085``), and anything below 0.0001 in
    size reads ``< 0.0001`` (p-values). ``nan`` prints as an empty cell.

    >>> [plain_number(v) for v in (5230851.2, 12.3456, 0.10845, 1.2e-104, 0.0, -2500.0)]
    ['5,230,851', '12.35', '0.1085', '< 0.0001', '0', '-2,500']
    """
    if x != x:  # nan
        return ""
    if signed and x > 0:
        return "+" + plain_number(x)
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1000 or float(x).is_integer():
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.4g}" if a < 100 else f"{x:.1f}"
    if a >= 1e-4:
        return f"{x:.4f}".rstrip("0").rstrip(".")
    return "< 0.0001" if x > 0 else "> -0.0001"


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
        if decimals == 0 and 0 < a < 10 and a != round(a):
            return f"{sign}{sym}{a:.2g}"  # small ticks (0.5, 2.5) would all read 0
        return f"{sign}{sym}{a:,.{decimals}f}"

    return FuncFormatter(_f)

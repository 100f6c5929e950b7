"""Money in the data's own currency: the symbol for a currency code and prose formatting.

Amounts in the workbook are in the currency of the source (columns ending ``_amt``); the code
travels with the data (notebook 01 records it in ``capabilities.json`` and ``metrics.json``), and
every report, table and axis shows it through these functions, never a typed symbol.
"""

from __future__ import annotations

SYMBOLS: dict[str, str] = {
    "GBP": "\u00a3", "EUR": "\u20ac", "USD": "$", "JPY": "\u00a5", "CNY": "\u00a5",
    "INR": "\u20b9", "CHF": "CHF\u00a0", "SEK": "SEK\u00a0", "NOK": "NOK\u00a0", "DKK": "DKK\u00a0",
    "PLN": "PLN\u00a0", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "BRL": "R$", "KRW": "\u20a9",
}
"""Symbols (or code prefixes) for common ISO 4217 codes; any other code is shown as ``XYZ``."""


def symbol(code: str) -> str:
    """The prefix that marks an amount in ``code``: ``"GBP"`` -> the pound sign, unknown -> ``"XYZ "``.

    >>> symbol("USD"), symbol("eur"), symbol("MXN")
    ('$', '€', 'MXN\\xa0')
    """
    c = str(code).strip().upper()
    if not c:
        raise ValueError("currency code is empty: set currency.code in the mapping (e.g. EUR)")
    return SYMBOLS.get(c, f"{c}\u00a0")


def fmt_money(x: float | None, code: str, spec: str = ",.0f") -> str:
    """An amount for prose: ``fmt_money(-1234.5, "USD")`` -> ``"-$1,234"`` (sign before symbol).

    >>> fmt_money(2500315.87, "USD", ",.2f")
    '$2,500,315.87'
    """
    if x is None:
        return "n/a"
    s = format(abs(x), spec)
    return f"{'-' if x < 0 else ''}{symbol(code)}{s}"


def style_spec(code: str, spec: str = ",.0f") -> str:
    """A pandas Styler format string for amounts: ``style_spec("EUR")`` -> ``"€{:,.0f}"``."""
    return symbol(code) + "{:" + spec + "}"

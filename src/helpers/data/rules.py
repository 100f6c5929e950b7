"""The cleaning rules as plain definitions: reason codes in order, their wording, what counts
as a non-product stock code, and the rule parameters. Imports nothing of the package, so the
SQL (:mod:`helpers.data.sqlrules`), the engines and :mod:`helpers.data.cleaning` all read the same
constants without an import circle."""

from __future__ import annotations

from dataclasses import dataclass, field

RULES: tuple[str, ...] = (
    "source_overlap",
    "missing_value",
    "exact_duplicate",
    "bad_debt_adjustment",
    "cancellation",
    "cancelled_original",
    "non_product",
    "non_positive_quantity",
    "non_positive_price",
    "extreme_quantity",
)
RULE_TEXT: dict[str, str] = {
    "source_overlap": "same rows present in two source files",
    "missing_value": "invoice, stock code, quantity, price or timestamp missing",
    "exact_duplicate": "identical to an earlier line",
    "bad_debt_adjustment": "accounting adjustment (invoice A...)",
    "cancellation": "cancellation line (invoice C...)",
    "cancelled_original": "purchase reversed by a matching cancellation",
    "non_product": "postage, fees, manual, discounts, samples, vouchers, tests",
    "non_positive_quantity": "quantity <= 0 outside cancellations",
    "non_positive_price": "unit price <= 0",
    "extreme_quantity": "quantity above the cap",
}

NON_PRODUCT_CODES: frozenset[str] = frozenset(
    {"POST", "DOT", "M", "C2", "C3", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "ADJUST",
     "ADJUST2", "PADS", "CRUK", "GIFT", "CHARGES"}
)
"""Stock codes that are not products (compared case-insensitively)."""
NON_PRODUCT_PATTERN = r"^(?:GIFT_|TEST|ADJUST)"
"""Regex (case-insensitive) for families of non-product codes: vouchers, tests, adjustments."""

VALUE_COLUMNS = ("invoice", "stock_code", "description", "quantity", "invoice_ts", "unit_price",
                 "source_customer_id", "country")


@dataclass(frozen=True)
class CleaningRules:
    """Parameters of the cleaning rules.

    Attributes
    ----------
    drop_exact_duplicates
        Remove lines identical in every source field to an earlier line.
    match_cancellations
        Remove purchases exactly reversed by a later cancellation.
    max_quantity
        Lines above this many units are set aside as ``extreme_quantity``.
    non_product_codes, non_product_pattern
        What counts as a non-product stock code.
    """

    drop_exact_duplicates: bool = True
    match_cancellations: bool = True
    max_quantity: int = 20_000
    non_product_codes: frozenset[str] = field(default_factory=lambda: NON_PRODUCT_CODES)
    non_product_pattern: str = NON_PRODUCT_PATTERN

    def __post_init__(self) -> None:
        if self.max_quantity < 1:
            raise ValueError(f"max_quantity={self.max_quantity}: must be >= 1")

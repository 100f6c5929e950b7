"""The cleaning rules as plain definitions: reason codes in order, their wording, what counts
as a non-product stock code, and the rule parameters. Imports nothing of the package, so the
SQL (:mod:`helpers.data.sqlrules`), the engines and :mod:`helpers.data.cleaning` all read the same
constants without an import circle."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    """Parameters of the cleaning rules (the default is the Online Retail II rule set).

    Attributes
    ----------
    drop_exact_duplicates
        Remove lines identical in every source field to an earlier line.
    match_cancellations
        Remove purchases exactly reversed by a later cancellation.
    max_quantity
        Lines above this many units are set aside as ``extreme_quantity``; ``None``: no cap.
    non_product_codes, non_product_pattern
        What counts as a non-product stock code (``None`` pattern: codes only).
    keep_zero_price
        Keep lines with a unit price of exactly 0 (free items that still are purchases, as in
        CDNOW); only negative prices are then ``non_positive_price``.
    name
        The rule set's name, recorded with the ledger (``online_retail_ii``, ``neutral``, or
        ``<base>+mapping`` when a mapping changed a named set).
    """

    drop_exact_duplicates: bool = True
    match_cancellations: bool = True
    max_quantity: int | None = 20_000
    non_product_codes: frozenset[str] = field(default_factory=lambda: NON_PRODUCT_CODES)
    non_product_pattern: str | None = NON_PRODUCT_PATTERN
    keep_zero_price: bool = False
    name: str = "online_retail_ii"

    def __post_init__(self) -> None:
        if self.max_quantity is not None and self.max_quantity < 1:
            raise ValueError(f"max_quantity={self.max_quantity}: must be >= 1")

    def with_params(self, **params: bool | int | None) -> CleaningRules:
        """These rules with the given parameters replaced; ``None`` values leave one as it is.

        >>> NEUTRAL_RULES.with_params(drop_exact_duplicates=None, max_quantity=500).max_quantity
        500
        """
        given = {k: v for k, v in params.items() if v is not None}
        return replace(self, **given) if given else self

    def active(self) -> tuple[str, ...]:
        """Reason codes that can fire under these rules, in :data:`RULES` order."""
        off = set()
        if not self.drop_exact_duplicates:
            off.add("exact_duplicate")
        if not self.match_cancellations:
            off.add("cancelled_original")
        if not self.non_product_codes and not self.non_product_pattern:
            off.add("non_product")
        if self.max_quantity is None:
            off.add("extreme_quantity")
        return tuple(r for r in RULES if r not in off)

    def record(self) -> dict[str, object]:
        """The rules as plain data, to store next to the ledger (which rules ran, with what)."""
        return {
            "rule_set": self.name,
            "rules_ran": list(self.active()),
            "drop_exact_duplicates": self.drop_exact_duplicates,
            "match_cancellations": self.match_cancellations,
            "max_quantity": self.max_quantity,
            "non_product_codes": sorted(self.non_product_codes),
            "non_product_pattern": self.non_product_pattern,
            "keep_zero_price": self.keep_zero_price,
        }


ONLINE_RETAIL_II_RULES = CleaningRules()
"""The rules written for UCI Online Retail II (also used for the synthetic CRM)."""
NEUTRAL_RULES = CleaningRules(
    drop_exact_duplicates=False,
    max_quantity=None,
    non_product_codes=frozenset(),
    non_product_pattern=None,
    name="neutral",
)
"""Default for a user's own export: no Online Retail II code list or pattern, no quantity cap,
repeated identical lines kept (a customer may buy the same thing twice in a day)."""
RULE_SETS: dict[str, CleaningRules] = {
    "online_retail_ii": ONLINE_RETAIL_II_RULES,
    "neutral": NEUTRAL_RULES,
}
"""Named rule sets a mapping can start from (``rules: {base: ...}``)."""

"""Cleaning rules and the ledger that accounts for every removed row and pound.

Each raw line gets at most one reason code: the FIRST rule (in :data:`RULES` order) that
applies. Lines with a reason go to the quarantine table; the rest are kept. The ledger reports,
per reason, rows, units and ``Quantity x Price`` in GBP, and reconciles exactly:
``rows_in = rows_kept + sum(rows set aside)`` and the same for revenue. Revenue is summed in
integer thousandths of a pound (prices carry at most 3 decimals in Online Retail II), so the
reconciliation is exact, not "within a tolerance"; a price with more decimals is rounded to
0.001 for the ledger only, and counted in ``price_rounded_rows``.

Rules (reason codes), in order:

====================  =========================================================================
source_overlap        set aside by the adapter (Online Retail II: the two sheets overlap)
missing_value         invoice, stock code, quantity, price or timestamp missing
exact_duplicate       all source fields equal an earlier line (keep the first)
bad_debt_adjustment   invoice starting ``A`` (accounting adjustments, not sales)
cancellation          invoice starting ``C``; ``detail`` says whether it was matched to a purchase
cancelled_original    a purchase exactly reversed by a later cancellation (same customer, stock
                      code and quantity); removed so revenue is net of these returns
non_product           postage, carriage, fees, manual entries, discounts, samples, vouchers, tests
non_positive_quantity quantity <= 0 outside cancellations (stock write-offs, damages)
non_positive_price    unit price <= 0 (free samples, adjustments)
extreme_quantity      quantity above ``max_quantity`` (bulk one-offs that would dominate)
====================  =========================================================================

Lines without a customer id are KEPT (they are real revenue) and counted in the ledger as
``kept_without_customer``; customer-level analyses drop them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

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


@dataclass
class CleanResult:
    """Kept lines, quarantined lines (with ``reason`` and ``detail``) and the ledger."""

    kept: pd.DataFrame
    quarantine: pd.DataFrame
    ledger: pd.DataFrame
    totals: dict[str, float]


def is_non_product(codes: pd.Series, rules: CleaningRules = CleaningRules()) -> pd.Series:
    """Boolean mask of non-product stock codes."""
    up = codes.astype("string").str.strip().str.upper()
    in_list = up.isin({c.upper() for c in rules.non_product_codes})
    pat = up.str.contains(rules.non_product_pattern, flags=re.IGNORECASE, regex=True)
    return (in_list | pat.fillna(False)).fillna(False).astype(bool)


def revenue_milli(quantity: pd.Series, unit_price: pd.Series) -> np.ndarray:
    """Quantity x price in integer thousandths of a pound (exact for prices with <= 3 decimals)."""
    q = quantity.fillna(0).to_numpy(dtype="int64")
    p = np.rint(unit_price.fillna(0.0).to_numpy(dtype="float64") * 1000).astype("int64")
    return q * p


def match_cancellations(df: pd.DataFrame, active: pd.Series) -> pd.DataFrame:
    """Match cancellation lines to the latest earlier purchase they exactly reverse.

    A cancellation (invoice ``C...``, quantity -n) matches a purchase of the same customer and
    stock code with quantity n dated at or before it; each purchase is matched at most once
    (the earliest cancellation wins; later ones stay unmatched).

    Returns
    -------
    DataFrame
        ``cancel_line_id``, ``purchase_line_id`` for every matched pair.
    """
    inv = df["invoice"].astype("string")
    has_cust = df["source_customer_id"].notna()
    canc = df[active & inv.str.startswith("C").fillna(False) & has_cust & (df["quantity"] < 0)]
    purch = df[active & ~inv.str.match(r"^[AC]").fillna(False) & has_cust & (df["quantity"] > 0)]
    if canc.empty or purch.empty:
        return pd.DataFrame({"cancel_line_id": [], "purchase_line_id": []}, dtype="int64")
    key = ["source_customer_id", "stock_code", "qty"]
    c = pd.DataFrame({"cancel_line_id": canc["line_id"], "ts": canc["invoice_ts"],
                      "source_customer_id": canc["source_customer_id"].astype(str),
                      "stock_code": canc["stock_code"].astype(str),
                      "qty": -canc["quantity"]}).sort_values(["ts", "cancel_line_id"])
    p = pd.DataFrame({"purchase_line_id": purch["line_id"], "ts": purch["invoice_ts"],
                      "source_customer_id": purch["source_customer_id"].astype(str),
                      "stock_code": purch["stock_code"].astype(str),
                      "qty": purch["quantity"]}).sort_values(["ts", "purchase_line_id"])
    m = pd.merge_asof(c, p, on="ts", by=key, direction="backward", allow_exact_matches=True)
    m = m.dropna(subset=["purchase_line_id"])
    m = m.drop_duplicates("purchase_line_id", keep="first")
    return m[["cancel_line_id", "purchase_line_id"]].astype("int64").reset_index(drop=True)


def clean(raw: pd.DataFrame, rules: CleaningRules = CleaningRules()) -> CleanResult:
    """Apply the cleaning rules to raw source-standard lines.

    Parameters
    ----------
    raw
        Output of an adapter (``helpers.ingest.RAW_COLUMNS`` plus ``set_aside``).
    rules
        Rule parameters.

    Returns
    -------
    CleanResult
        ``kept`` and ``quarantine`` partition the input rows exactly (``line_id`` = 1-based
        position in ``raw``); ``ledger`` has one row per reason plus the kept rows.
    """
    missing = [c for c in VALUE_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"clean: input lacks column(s) {missing}")
    df = raw.reset_index(drop=True).copy()
    df["line_id"] = np.arange(1, len(df) + 1, dtype="int64")
    if "set_aside" in df.columns:
        reason = df["set_aside"].astype("object").where(df["set_aside"].notna(), None)
    else:
        reason = pd.Series([None] * len(df), index=df.index, dtype="object")
    detail = pd.Series([None] * len(df), index=df.index, dtype="object")

    def mark(mask: pd.Series | np.ndarray, code: str) -> None:
        m = pd.Series(mask, index=df.index).astype("boolean").fillna(False).astype(bool)
        m = m & reason.isna()
        reason[m] = code
        log.info("rule %-22s %9d rows", code, int(m.sum()))

    inv = df["invoice"].astype("string").str.strip()
    essentials = ["invoice", "stock_code", "quantity", "unit_price", "invoice_ts"]
    mark(df[essentials].isna().any(axis=1), "missing_value")
    if rules.drop_exact_duplicates:
        active = reason.isna()
        dup = (
            df.loc[active, list(VALUE_COLUMNS)]
            .duplicated(keep="first")
            .reindex(df.index, fill_value=False)
        )
        mark(dup, "exact_duplicate")
    mark(inv.str.startswith("A"), "bad_debt_adjustment")
    is_canc = inv.str.startswith("C").fillna(False)
    if rules.match_cancellations:
        pairs = match_cancellations(df, reason.isna())
        idx_c = pairs["cancel_line_id"].to_numpy() - 1
        idx_p = pairs["purchase_line_id"].to_numpy() - 1
        detail.iloc[idx_c] = ["reverses line " + str(x) for x in pairs["purchase_line_id"]]
        detail.iloc[idx_p] = ["reversed by line " + str(x) for x in pairs["cancel_line_id"]]
        unmatched_c = is_canc & reason.isna() & detail.isna()
        detail[unmatched_c] = "unmatched"
        mark(is_canc, "cancellation")
        p_mask = pd.Series(False, index=df.index)
        p_mask.iloc[idx_p] = True
        mark(p_mask, "cancelled_original")
    else:
        mark(is_canc, "cancellation")
    mark(is_non_product(df["stock_code"], rules), "non_product")
    mark(df["quantity"] <= 0, "non_positive_quantity")
    mark(df["unit_price"] <= 0, "non_positive_price")
    mark(df["quantity"] > rules.max_quantity, "extreme_quantity")

    df["reason"] = reason.astype("string")
    df["detail"] = detail.astype("string")
    aside = df["reason"].notna()
    kept = df.loc[~aside].drop(columns=["reason", "detail", "set_aside"], errors="ignore")
    quarantine = df.loc[aside].drop(columns=["set_aside"], errors="ignore")
    ledger, totals = build_ledger(df)
    return CleanResult(kept.reset_index(drop=True), quarantine.reset_index(drop=True), ledger,
                       totals)


def build_ledger(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Ledger from a frame with ``reason`` (null = kept), ``quantity``, ``unit_price``,
    ``source_customer_id``. Returns the table and the reconciliation totals."""
    rev = revenue_milli(df["quantity"], df["unit_price"])
    p = df["unit_price"].fillna(0.0).to_numpy()
    rounded = int(np.sum(np.abs(p * 1000 - np.rint(p * 1000)) > 1e-6))
    kept = df["reason"].isna().to_numpy()
    no_cust = df["source_customer_id"].isna().to_numpy()
    frame = pd.DataFrame({
        "reason": df["reason"].fillna("kept").astype(str).to_numpy(),
        "rows": 1,
        "units": df["quantity"].fillna(0).astype("int64").to_numpy(),
        "rev_milli": rev,
    })
    frame.loc[kept & no_cust, "reason"] = "kept_without_customer"
    frame.loc[kept & ~no_cust, "reason"] = "kept_with_customer"
    agg = frame.groupby("reason").agg(rows=("rows", "sum"), units=("units", "sum"),
                                      rev_milli=("rev_milli", "sum"))
    order = ["kept_with_customer", "kept_without_customer", *RULES]
    extra = [r for r in agg.index if r not in order]
    agg = agg.reindex(order + extra, fill_value=0)
    agg["outcome"] = ["kept", "kept"] + ["set aside"] * (len(agg) - 2)
    agg["description"] = [
        "kept: customer-level and revenue analyses",
        "kept: revenue totals only (no customer id)",
        *[RULE_TEXT.get(r, "adapter-specific") for r in agg.index[2:]],
    ]
    agg["revenue_gbp"] = agg["rev_milli"] / 1000.0
    n_in = len(df)
    rev_in = int(rev.sum())
    totals = {
        "rows_in": n_in,
        "rows_kept": int(agg.loc[agg.outcome == "kept", "rows"].sum()),
        "rows_set_aside": int(agg.loc[agg.outcome == "set aside", "rows"].sum()),
        "revenue_in_gbp": rev_in / 1000.0,
        "revenue_kept_gbp": int(agg.loc[agg.outcome == "kept", "rev_milli"].sum()) / 1000.0,
        "revenue_set_aside_gbp": int(agg.loc[agg.outcome == "set aside", "rev_milli"].sum())
        / 1000.0,
        "price_rounded_rows": rounded,
    }
    rows_ok = totals["rows_in"] == totals["rows_kept"] + totals["rows_set_aside"]
    rev_ok = rev_in == int(agg["rev_milli"].sum())
    if not (rows_ok and rev_ok):  # cannot happen unless the code above is broken
        raise AssertionError(f"ledger does not reconcile: {totals}")
    totals["reconciles"] = True
    ledger = agg.reset_index().rename(columns={"index": "reason"})
    ledger["share_rows"] = ledger["rows"] / max(n_in, 1)
    ledger = ledger[["outcome", "reason", "description", "rows", "share_rows", "units",
                     "revenue_gbp", "rev_milli"]]
    return ledger, totals


def reconcile_with_raw(ledger: pd.DataFrame, raw: pd.DataFrame) -> dict[str, bool]:
    """Independent check of the ledger against raw lines: row count and sum of Quantity x Price.

    Recomputes from ``raw`` with plain Python integers (no shared code with the ledger's
    arithmetic beyond the milli-pound convention).
    """
    total_milli = sum(
        int(q) * round(float(p) * 1000)
        for q, p in zip(raw["quantity"].fillna(0), raw["unit_price"].fillna(0.0), strict=True)
    )
    return {
        "rows_match": int(ledger["rows"].sum()) == len(raw),
        "revenue_match": int(ledger["rev_milli"].sum()) == total_milli,
        "raw_rows": len(raw),
        "raw_revenue_gbp": total_milli / 1000.0,
    }

"""The pandas implementation of the cleaning rules that the SQL definition replaced.

Kept only as a readable, independent reference: ``tests/unit/test_sql_engines.py`` checks that
:func:`helpers.data.cleaning.clean` (the rules in SQL, :mod:`helpers.data.sqlrules`) gives the same reason
and detail for every line. Not used by the workbook.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.data.cleaning import VALUE_COLUMNS, CleaningRules


def is_non_product(codes: pd.Series, rules: CleaningRules | None = None) -> pd.Series:
    """Boolean mask of non-product stock codes."""
    rules = rules or CleaningRules()
    up = codes.astype("string").str.strip().str.upper()
    in_list = up.isin({c.upper() for c in rules.non_product_codes})
    if rules.non_product_pattern is None:
        pat = pd.Series(False, index=codes.index)
    else:
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
    inv = df["invoice"].astype("string").str.strip()  # the old code did not strip here, while
    # the cancellation rule did: the SQL strips in both places, and so does this reference now
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


def reference_reasons(raw: pd.DataFrame, rules: CleaningRules | None = None) -> pd.DataFrame:
    """Apply the cleaning rules to raw source-standard lines.

    Parameters
    ----------
    raw
        Output of an adapter (``helpers.data.ingest.RAW_COLUMNS`` plus ``set_aside``).
    rules
        Rule parameters.

    Returns
    -------
    CleanResult
        ``kept`` and ``quarantine`` partition the input rows exactly (``line_id`` = 1-based
        position in ``raw``); ``ledger`` has one row per reason plus the kept rows.
    """
    rules = rules or CleaningRules()
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
    zero_ok = rules.keep_zero_price
    mark(df["unit_price"] < 0 if zero_ok else df["unit_price"] <= 0, "non_positive_price")
    if rules.max_quantity is not None:
        mark(df["quantity"] > rules.max_quantity, "extreme_quantity")

    return pd.DataFrame({"line_id": df["line_id"], "reason": reason.astype("string"),
                         "detail": detail.astype("string")})



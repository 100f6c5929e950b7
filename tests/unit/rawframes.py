"""Tiny hand-made raw frames in the source-standard columns, shared by foundation tests."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["invoice", "stock_code", "description", "quantity", "invoice_ts", "unit_price",
           "source_customer_id", "country"]


def raw_frame(rows: list[tuple], set_aside: list[str | None] | None = None) -> pd.DataFrame:
    """Rows of (invoice, stock_code, description, quantity, ts, price, customer, country)."""
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["invoice"] = df["invoice"].astype("string")
    df["stock_code"] = df["stock_code"].astype("string")
    df["description"] = df["description"].astype("string")
    df["quantity"] = df["quantity"].astype("int64")
    df["invoice_ts"] = pd.to_datetime(df["invoice_ts"]).astype("datetime64[ns]")
    df["unit_price"] = df["unit_price"].astype("float64")
    df["source_customer_id"] = df["source_customer_id"].astype("string")
    df["country"] = df["country"].astype("string")
    df.insert(0, "source_row", pd.RangeIndex(1, len(df) + 1).astype("int64"))
    df.insert(0, "source_file", pd.array(["test.csv"] * len(df), dtype="string"))
    df["set_aside"] = pd.array(set_aside or [None] * len(df), dtype="string")
    return df


# One line per rule, with the reason the first applicable rule must give.
# revenue = quantity x price (GBP); hand-worked in the comments.
LEDGER_CASE = [
    # invoice  code     desc      qty  ts                   price  cust    country      reason
    (("500001", "85123A", "HEART", 6, "2010-01-04 10:00", 2.55, "12346", "United Kingdom"), None),  # 15.30 kept
    (("500001", "85123A", "HEART", 6, "2010-01-04 10:00", 2.55, "12346", "United Kingdom"), "exact_duplicate"),  # 15.30
    (("500002", "22423", "CAKESTAND", 2, "2010-01-05 11:00", 12.75, "12347", "France"), "cancelled_original"),  # 25.50
    (("C500003", "22423", "CAKESTAND", -2, "2010-01-06 09:00", 12.75, "12347", "France"), "cancellation"),  # -25.50
    (("A500004", "B", "Adjust bad debt", 1, "2010-01-07 09:00", 500.0, None, "United Kingdom"), "bad_debt_adjustment"),  # 500.00
    (("500005", "POST", "POSTAGE", 1, "2010-01-08 09:00", 18.0, "12348", "Germany"), "non_product"),  # 18.00
    (("500006", "21232", "LOST", -10, "2010-01-09 09:00", 0.0, None, "United Kingdom"), "non_positive_quantity"),  # 0
    (("500007", "21233", "FREE", 3, "2010-01-10 09:00", 0.0, "12348", "Germany"), "non_positive_price"),  # 0
    (("500008", "23843", "PAPER CRAFT", 80995, "2010-01-11 09:00", 2.08, "16446", "United Kingdom"), "extreme_quantity"),  # 168,469.60
    (("500009", "84029E", "WARMER", 4, "2010-01-12 09:00", 3.39, None, "United Kingdom"), None),  # 13.56 kept, no customer
    (("500011", "22423", "CAKESTAND", 1, "2010-01-13 09:00", 12.75, "12347", "France"), None),  # 12.75 kept
    ((None, "84029E", "WARMER", 4, "2010-01-12 09:00", 3.39, None, "United Kingdom"), "missing_value"),  # 13.56
    (("500010", "85123A", "HEART", 12, "2010-12-02 09:00", 2.55, "12346", "United Kingdom"), "source_overlap"),  # 30.60
]

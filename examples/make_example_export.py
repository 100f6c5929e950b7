"""Write a small fake transactions export for trying ``DATASET=custom`` (no real data).

The export deliberately looks unlike Online Retail II: semicolon-separated, day-first dates,
decimal commas and a euro sign in prices, cancellations marked by a status column, a customer
region attribute and a personal ``Email`` column that the mapping does not read.

    .venv/bin/python examples/make_example_export.py            # -> examples/shop_export.csv
    .venv/bin/python examples/make_example_export.py --rows 500 --seed 7 --out /tmp/x.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

PRODUCTS = [
    ("SKU-100", "CERAMIC MUG BLUE", 4.95),
    ("SKU-101", "CERAMIC MUG RED", 4.95),
    ("SKU-200", "TEA TOWEL SET", 7.50),
    ("SKU-300", "CANDLE LANTERN", 12.90),
    ("SKU-301", "SCENTED CANDLE", 3.20),
    ("SKU-400", "GARDEN WATERING CAN", 18.00),
    ("SKU-500", "NOTEBOOK A5", 2.40),
    ("SKU-501", "GREETING CARD", 1.10),
    ("SKU-600", "STORAGE BASKET", 9.99),
    ("SKU-700", "WALL CLOCK", 24.50),
    ("SKU-800", "CHRISTMAS BAUBLE", 1.85),
    ("SKU-900", "PARTY BUNTING", 5.60),
]
COUNTRIES = ["Germany", "France", "Netherlands", "Belgium", "Austria"]
REGIONS = ["North", "South", "East", "West"]


def make_export(rows: int = 6000, seed: int = 42, days: int = 730) -> pd.DataFrame:
    """A fake export of about ``rows`` lines over ``days`` days (orders of 1-6 lines, ~3 %
    cancelled). Two years by default: the forecasting notebook needs more than a year."""
    rng = np.random.default_rng(seed)
    n_cust = max(rows // 12, 5)
    cust_ids = np.array([f"K{70000 + i}" for i in range(n_cust)])
    cust_country = rng.choice(COUNTRIES, n_cust)
    cust_region = rng.choice(REGIONS, n_cust)
    # customers differ: how often they buy (gamma weights), when they arrive (uniform) and how
    # long they stay (exponential, mean a year), so the export shows churn like a real one
    weight = rng.gamma(0.8, 1.0, n_cust)
    arrive = rng.integers(0, days - 30, n_cust)
    leave = np.minimum(arrive + rng.exponential(365, n_cust).astype(int) + 30, days)
    spend_mult = rng.gamma(2.0, 0.5, n_cust)
    start = pd.Timestamp("2023-01-02")
    out, order_no = [], 0
    while sum(len(o) for o in out) < rows:
        order_no += 1
        c = int(rng.choice(n_cust, p=weight / weight.sum()))
        guest = rng.random() < 0.05
        minute = int(rng.integers(arrive[c] * 1440, leave[c] * 1440))
        ts = start + pd.Timedelta(minutes=minute)
        k = int(rng.integers(1, 7))
        prods = rng.choice(len(PRODUCTS), k, replace=False)
        cancelled = rng.random() < 0.03
        lines = []
        for p in prods:
            code, desc, price = PRODUCTS[p]
            lines.append(
                {
                    "OrderNo": f"W{100000 + order_no}",
                    "OrderDate": ts.strftime("%d/%m/%Y %H:%M"),
                    "SKU": code,
                    "Product": desc,
                    "Qty": max(1, int(round(rng.integers(1, 13) * spend_mult[c]))),
                    "UnitPrice": f"€{price:.2f}".replace(".", ","),
                    "Customer": "" if guest else cust_ids[c],
                    "Email": "" if guest else f"{cust_ids[c].lower()}@example.com",
                    "Country": cust_country[c],
                    "Region": "" if guest else cust_region[c],
                    "Status": "Completed",
                }
            )
        out.append(lines)
        if cancelled and not guest:
            cts = ts + pd.Timedelta(days=int(rng.integers(1, 20)))
            out.append(
                [
                    {
                        **ln,
                        "OrderNo": "R" + ln["OrderNo"],
                        "Status": "Cancelled",
                        "OrderDate": cts.strftime("%d/%m/%Y %H:%M"),
                    }
                    for ln in lines[:1]
                ]
            )
    df = pd.DataFrame([ln for o in out for ln in o]).iloc[:rows]
    return df.sort_values(
        "OrderDate", key=lambda s: pd.to_datetime(s, format="%d/%m/%Y %H:%M"), kind="mergesort"
    ).reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=6000)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=str(Path(__file__).with_name("shop_export.csv")))
    args = ap.parse_args()
    df = make_export(args.rows, args.seed, args.days)
    df.to_csv(args.out, sep=";", index=False, encoding="utf-8")
    print(f"wrote {args.out} ({len(df)} rows)")


if __name__ == "__main__":
    main()

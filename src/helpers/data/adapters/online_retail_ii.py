"""Adapter for UCI Online Retail II (Chen 2012, CC BY 4.0).

Reads either the per-sheet CSV(.gz) files or the original two-sheet Excel workbook and returns
the raw lines in the source-standard columns. The workbook's two sheets overlap for
2010-12-01..2010-12-09 (the same 22,523 rows appear in both); the 2009-2010 sheet's rows dated
on or after :data:`OVERLAP_START` are marked ``set_aside = "source_overlap"`` so that the ledger
accounts for them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from helpers.data.ingest import SourceData, check_raw_columns, find_layout, sha256_file
from helpers.data.rules import ONLINE_RETAIL_II_RULES

log = logging.getLogger(__name__)

OVERLAP_START = pd.Timestamp("2010-12-01")
FIRST_SHEET_MARK = "2009-2010"
SOURCE_COLUMNS = {
    "Invoice": "invoice",
    "StockCode": "stock_code",
    "Description": "description",
    "Quantity": "quantity",
    "InvoiceDate": "invoice_ts",
    "Price": "unit_price",
    "Customer ID": "source_customer_id",
    "Country": "country",
}


def _read_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(
        path,
        dtype={"Invoice": "string", "StockCode": "string", "Description": "string",
               "Country": "string", "Customer ID": "string", "Quantity": "int64",
               "Price": "float64"},
        keep_default_na=False, na_values={"Description": [""], "Customer ID": [""]},
        parse_dates=["InvoiceDate"], date_format="%Y-%m-%d %H:%M:%S",
    )
    missing = [c for c in SOURCE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; found {list(df.columns)}")
    return df


def _read_xlsx(path: Path) -> list[tuple[str, pd.DataFrame]]:
    sheets = pd.read_excel(path, sheet_name=None, dtype={"Invoice": str, "StockCode": str,
                                                       "Description": str, "Country": str})
    out = []
    for name, df in sheets.items():
        cid = df["Customer ID"]
        df["Customer ID"] = cid.astype("Int64").astype("string")
        for c in ("Invoice", "StockCode", "Description", "Country"):
            df[c] = df[c].astype("string")
        df["Quantity"] = df["Quantity"].astype("int64")
        df["Price"] = df["Price"].astype("float64")
        out.append((f"{path.name}#{name}", df))
    return out


def read(raw_dir: str | Path) -> SourceData:
    """Read Online Retail II from ``raw_dir`` (CSV.GZ, CSV or XLSX layout)."""
    raw_dir = Path(raw_dir)
    found = find_layout(raw_dir)
    if not found:
        raise FileNotFoundError(f"{raw_dir}: no Online Retail II files (run `make data`)")
    layout, paths = found
    parts: list[tuple[str, pd.DataFrame]] = []
    files = []
    for p in paths:
        if layout == "xlsx":
            log.info("reading workbook %s (slow: about a minute per sheet)", p)
            parts.extend(_read_xlsx(p))
        else:
            log.info("reading %s", p)
            parts.append((p.name, _read_csv(p)))
        files.append({"file": p.name, "sha256": sha256_file(p)})
    frames = []
    for name, df in parts:
        df = df.rename(columns=SOURCE_COLUMNS)[list(SOURCE_COLUMNS.values())]
        df.insert(0, "source_row", pd.RangeIndex(1, len(df) + 1).astype("int64"))
        df.insert(0, "source_file", pd.array([name] * len(df), dtype="string"))
        overlap = name.find(FIRST_SHEET_MARK) >= 0 and True
        aside = pd.Series(pd.NA, index=df.index, dtype="string")
        if overlap:
            aside[df["invoice_ts"] >= OVERLAP_START] = "source_overlap"
        df["set_aside"] = aside
        frames.append(df)
    lines = pd.concat(frames, ignore_index=True)
    lines = check_raw_columns(lines, str(raw_dir))
    rows = pd.DataFrame(
        [(name, len(df)) for name, df in parts], columns=["file", "rows"]
    )
    files_df = pd.DataFrame(files)
    if layout == "xlsx":
        files_df = rows.assign(sha256=files_df["sha256"].iloc[0])
    else:
        files_df = files_df.merge(rows, on="file")
    return SourceData(lines=lines, files=files_df, currency="GBP", rules=ONLINE_RETAIL_II_RULES)

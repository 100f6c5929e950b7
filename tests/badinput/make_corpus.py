"""The bad-input corpus: malformed and hostile exports, each run through the custom adapter and
the cleaning ledger, with how it was handled.

Every case is a small builder that writes one export (and its mapping) into a folder; the
corpus is generated at test time, never committed. Outcomes:

* ``error``      a clear ``ValueError`` (``InputError`` / ``MappingError``) naming the file and
                 the column or row;
* ``quarantine`` accepted, with the bad rows set aside under a reason (adapter or cleaning);
* ``accepted``   accepted with nothing set aside.

In every accepted case the adapter returns one line per data record of the file and the ledger
reconciles rows and revenue with the raw lines (``cleaning.reconcile_with_raw``).

    .venv/bin/python tests/badinput/make_corpus.py --report            # all cases, table
    .venv/bin/python tests/badinput/make_corpus.py --report --big-rows 20000   # faster
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers.data import cleaning, ingest
from helpers.data.adapters import custom

TODAY = pd.Timestamp("2012-01-01")
"""Reference date for future-date checks (fixed so the corpus is deterministic)."""
HEADER = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
BASE_ROWS = [
    # invoice, code, description, qty, date, price, customer, country   revenue (GBP)
    [
        "536365",
        "85123A",
        "WHITE HANGING HEART",
        "6",
        "2010-12-01 08:26",
        "2.55",
        "17850",
        "United Kingdom",
    ],  # 6 x 2.55 = 15.30
    [
        "536365",
        "71053",
        "WHITE METAL LANTERN",
        "6",
        "2010-12-01 08:26",
        "3.39",
        "17850",
        "United Kingdom",
    ],  # 6 x 3.39 = 20.34
    [
        "536366",
        "22633",
        "HAND WARMER UNION JACK",
        "6",
        "2010-12-01 08:28",
        "1.85",
        "17850",
        "United Kingdom",
    ],  # 6 x 1.85 = 11.10
    [
        "536367",
        "84879",
        "ASSORTED COLOUR BIRD",
        "32",
        "2010-12-01 08:34",
        "1.69",
        "13047",
        "United Kingdom",
    ],  # 32 x 1.69 = 54.08
    [
        "C536379",
        "84879",
        "ASSORTED COLOUR BIRD",
        "-2",
        "2010-12-02 09:41",
        "1.69",
        "13047",
        "United Kingdom",
    ],  # -2 x 1.69 = -3.38
    [
        "536370",
        "22728",
        "ALARM CLOCK BAKELIKE PINK",
        "24",
        "2010-12-01 08:45",
        "3.75",
        "12583",
        "France",
    ],  # 24 x 3.75 = 90.00
    [
        "536371",
        "22086",
        "PAPER CHAIN KIT",
        "80",
        "2010-12-01 09:00",
        "2.55",
        "",
        "United Kingdom",
    ],  # 80 x 2.55 = 204.00 (guest line)
    [
        "536372",
        "22632",
        "HAND WARMER RED POLKA",
        "6",
        "2010-12-01 09:01",
        "1.85",
        "17850",
        "United Kingdom",
    ],  # 6 x 1.85 = 11.10
]
BASE_REVENUE_GBP = 15.30 + 20.34 + 11.10 + 54.08 - 3.38 + 90.00 + 204.00 + 11.10  # 402.54
BASE_MAPPING = {
    "version": 1,
    "source": {"path": "export.csv"},
    "columns": {
        "invoice": "InvoiceNo",
        "stock_code": "StockCode",
        "description": "Description",
        "quantity": "Quantity",
        "invoice_ts": "InvoiceDate",
        "unit_price": "UnitPrice",
        "customer_id": "CustomerID",
        "country": "Country",
    },
    "parse": {"date_format": "%Y-%m-%d %H:%M"},
    "cancellations": {"invoice_prefix": "C"},
}


@dataclass
class Case:
    """One corpus entry: a builder writing files into a folder and returning the mapping path."""

    name: str
    what: str
    expect: str  # error | quarantine | accepted
    build: Callable[[Path], Path]
    reasons: tuple[str, ...] = ()  # set-aside reasons the case must produce
    revenue_in_amt: float | None = None  # hand-worked raw revenue, when known
    absent: tuple[str, ...] = ()  # set-aside reasons the case must NOT produce
    warning: str | None = None  # regex one of the source's warnings must match
    message: str | None = None  # regex an error message must match (e.g. the limit named)


@dataclass
class Outcome:
    """How a case was handled."""

    name: str
    handled: str
    message: str = ""
    rows_in: int = 0
    rows_kept: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    reconciles: bool | None = None
    file_records: int | None = None
    revenue_in_amt: float | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _csv_text(rows: list[list[str]], header: list[str] = HEADER, sep: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _write(
    folder: Path,
    text: str | bytes,
    mapping: dict | str | None = None,
    name: str = "export.csv",
    encoding: str = "utf-8",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode(encoding) if isinstance(text, str) else text
    (folder / name).write_bytes(data)
    m = mapping if mapping is not None else _mapping(path=name)
    mpath = folder / "mapping.yaml"
    mpath.write_text(m if isinstance(m, str) else yaml.safe_dump(m, sort_keys=False))
    return mpath


def _mapping(**changes: object) -> dict:
    """Base mapping with source/parse/columns keys changed (``path=...`` sets source.path)."""
    m = yaml.safe_load(yaml.safe_dump(BASE_MAPPING))
    for k, v in changes.items():
        if k in ("path", "encoding", "delimiter", "format"):
            m["source"][k] = v
        elif k in ("date_format", "decimal", "thousands", "future_tolerance_days"):
            m["parse"][k] = v
        else:
            m[k] = v
    return m


def _rows(**edits: dict[int, str]) -> list[list[str]]:
    """Base rows with cells replaced: ``_rows(Quantity={2: "six"})`` (0-based row index)."""
    rows = [list(r) for r in BASE_ROWS]
    for col, cells in edits.items():
        j = HEADER.index(col)
        for i, v in cells.items():
            rows[i][j] = v
    return rows


def _big(folder: Path, n: int) -> Path:
    """``n`` rows generated with numpy; row ``n - 7`` has an unparseable date."""
    rng = np.random.default_rng(0)
    inv = (500000 + np.arange(n) // 4).astype(str)
    codes = np.char.add("SKU", rng.integers(100, 999, n).astype(str))
    qty = rng.integers(1, 24, n).astype(str)
    secs = np.sort(rng.integers(0, 700 * 86400, n))
    ts = np.datetime64("2010-01-01T00:00:00") + secs.astype("timedelta64[s]")
    ts_s = np.datetime_as_string(ts, unit="m").astype("U16")
    ts_s = np.char.replace(ts_s, "T", " ")
    cents = rng.integers(10, 2000, n)
    price = np.char.add(
        np.char.add((cents // 100).astype(str), "."), np.char.zfill((cents % 100).astype(str), 2)
    )
    cust = rng.integers(12346, 18287, n).astype(str)
    ts_s[n - 7] = "2011-13-45 25:61"
    df = pd.DataFrame(
        {
            "InvoiceNo": inv,
            "StockCode": codes,
            "Description": "ITEM",
            "Quantity": qty,
            "InvoiceDate": ts_s,
            "UnitPrice": price,
            "CustomerID": cust,
            "Country": "United Kingdom",
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder / "big.csv", index=False)
    return _write_mapping_only(folder, _mapping(path="big.csv"))


def _write_mapping_only(folder: Path, m: dict) -> Path:
    p = folder / "mapping.yaml"
    p.write_text(yaml.safe_dump(m, sort_keys=False))
    return p


def _excel(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(BASE_ROWS, columns=HEADER)
    df["Quantity"] = df["Quantity"].astype(int)
    df["UnitPrice"] = df["UnitPrice"].astype(float)
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"])
    df["CustomerID"] = pd.to_numeric(df["CustomerID"]).astype(float)  # Excel: ids as floats
    df.to_excel(folder / "export.xlsx", index=False)
    return _write_mapping_only(folder, _mapping(path="export.xlsx"))


def _parquet(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(BASE_ROWS, columns=HEADER)
    df["Quantity"] = df["Quantity"].astype("int64")
    df["UnitPrice"] = df["UnitPrice"].astype(float)
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"])
    df.to_parquet(folder / "export.parquet", index=False)
    return _write_mapping_only(folder, _mapping(path="export.parquet"))


def _gzip(folder: Path, truncate: bool) -> Path:
    data = gzip.compress(_csv_text(BASE_ROWS * 50).encode())
    if truncate:
        data = data[: len(data) // 2]
    m = _mapping(path="export.csv.gz", rules={"drop_exact_duplicates": True})
    return _write(folder, data, m, name="export.csv.gz")


def _mixed_dates(listed: bool) -> Callable[[Path], Path]:
    rows = _rows(InvoiceDate={1: "01/12/2010 08:26", 5: "01/12/2010 08:45"})
    fmts = ["%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"] if listed else "%Y-%m-%d %H:%M"
    return lambda d: _write(d, _csv_text(rows), _mapping(path="export.csv", date_format=fmts))


def _embedded(d: Path) -> Path:
    rows = _rows(Description={0: 'WHITE "HANGING"\nHEART, large', 3: "BIRD\r\nORNAMENT"})
    return _write(d, _csv_text(rows))


def _all_rows(column: str, value: str) -> list[list[str]]:
    """Base rows with one column set to ``value`` on every row."""
    return _rows(**{column: dict.fromkeys(range(len(BASE_ROWS)), value)})


def _all_cancelled(d: Path) -> Path:
    rows = [["C" + r[0].lstrip("C"), *r[1:3], str(-abs(int(r[3]))), *r[4:]] for r in BASE_ROWS]
    return _write(d, _csv_text(rows))


def _gzip_bomb(d: Path) -> Path:
    """A CSV header then 200 MiB of blank lines, as concatenated gzip members (about 200 KiB):
    beyond the 100-fold / 64 MiB limit on decompressed size."""
    member = gzip.compress(b"\n" * (8 << 20), compresslevel=9)
    head = gzip.compress(_csv_text(BASE_ROWS).encode())
    return _write(d, head + member * 25, _mapping(path="export.csv.gz"), name="export.csv.gz")


def _line_ids(d: Path) -> Path:
    """30 customers with three lines each, every line its own "invoice" (a line id)."""
    rows = [
        [
            str(700000 + 3 * c + k),
            f"SKU{k}",
            "ITEM",
            "2",
            f"2010-12-0{k + 1} 10:00",
            "1.50",
            str(20000 + c),
            "United Kingdom",
        ]
        for c in range(30)
        for k in range(3)
    ]
    return _write(d, _csv_text(rows))


ALIAS_BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    + ["source: {path: export.csv}", "columns: *a8", ""]
)
"""Billion laughs: nine lines that expand to 10^9 strings."""


def _whitespace_export(d: Path) -> Path:
    """CDNOW-like: whitespace separated, no header, CRLF, leading blanks, YYYYMMDD dates, line
    totals, no invoice, no product; two lines of customer 00002 on one day form one order."""
    text = (
        " 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n"
        " 00002 19970112  5   77.00\r\n 00003 19970102  2   20.76\r\n"
    )
    m = {
        "version": 1,
        "source": {"path": "export.txt", "delimiter": "whitespace", "header": False},
        "columns": {"customer_id": 0, "invoice_ts": 1, "quantity": 2, "line_total": 3},
        "parse": {"date_format": "%Y%m%d"},
        "currency": "USD",
    }
    return _write(d, text, m, name="export.txt")


BAD_MAPPING_UNKNOWN = dict(_mapping(), colums={"invoice": "InvoiceNo"})
BAD_MAPPING_MISSING = _mapping(
    columns={k: v for k, v in BASE_MAPPING["columns"].items() if k != "quantity"}
)

CASES: list[Case] = [
    Case(
        "baseline",
        "clean export (control case)",
        "quarantine",
        lambda d: _write(d, _csv_text(BASE_ROWS)),
        ("cancellation",),
        BASE_REVENUE_GBP,
    ),
    Case(
        "missing_column",
        "Quantity column absent",
        "error",
        lambda d: _write(
            d, _csv_text([r[:3] + r[4:] for r in BASE_ROWS], HEADER[:3] + HEADER[4:])
        ),
    ),
    Case(
        "renamed_column",
        "InvoiceDate renamed to Date",
        "error",
        lambda d: _write(
            d, _csv_text(BASE_ROWS, [h if h != "InvoiceDate" else "Date" for h in HEADER])
        ),
    ),
    Case(
        "wrong_delimiter",
        "semicolon file, mapping says comma",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS, sep=";")),
    ),
    Case(
        "text_quantity",
        "quantity 'six'",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(Quantity={2: "six"}))),
        ("bad_quantity",),
    ),
    Case(
        "fractional_quantity",
        "quantity 2.5",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(Quantity={2: "2.5"}))),
        ("bad_quantity",),
    ),
    Case(
        "text_price",
        "price 'abc'",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(UnitPrice={1: "abc"}))),
        ("bad_price",),
    ),
    Case(
        "empty_cells",
        "empty invoice, quantity and price cells",
        "quarantine",
        lambda d: _write(
            d, _csv_text(_rows(InvoiceNo={0: ""}, Quantity={1: ""}, UnitPrice={2: ""}))
        ),
        ("missing_value", "missing_quantity"),
    ),
    Case(
        "unparseable_date",
        "31 February and a word as dates",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(InvoiceDate={1: "2010-02-31 10:00", 2: "soon"}))),
        ("bad_date",),
    ),
    Case(
        "future_date",
        "a date in 2099",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(InvoiceDate={3: "2099-01-01 10:00"}))),
        ("future_date",),
    ),
    Case(
        "mixed_date_formats",
        "ISO and day-first dates, one format mapped",
        "quarantine",
        _mixed_dates(False),
        ("bad_date",),
    ),
    Case(
        "mixed_date_formats_listed",
        "ISO and day-first dates, both formats mapped",
        "quarantine",
        _mixed_dates(True),
        ("cancellation",),
    ),
    Case(
        "latin1_declared",
        "Latin-1 file with encoding: latin-1",
        "quarantine",
        lambda d: _write(
            d,
            _csv_text(_rows(Description={0: "CAFÉ CRÈME"})),
            _mapping(path="export.csv", encoding="latin-1"),
            encoding="latin-1",
        ),
        ("cancellation",),
    ),
    Case(
        "latin1_undeclared",
        "Latin-1 bytes read as UTF-8",
        "error",
        lambda d: _write(d, _csv_text(_rows(Description={4: "CAFÉ CRÈME"})), encoding="latin-1"),
    ),
    Case(
        "utf8_bom",
        "UTF-8 with a byte-order mark",
        "quarantine",
        lambda d: _write(d, "\ufeff" + _csv_text(BASE_ROWS)),
        ("cancellation",),
        BASE_REVENUE_GBP,
    ),
    Case(
        "utf16_undeclared",
        "UTF-16 file read as UTF-8",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS), encoding="utf-16"),
    ),
    Case("empty_file", "zero bytes", "error", lambda d: _write(d, "")),
    Case("whitespace_file", "only blank lines", "error", lambda d: _write(d, "\n \n\n")),
    Case("header_only", "header line, no rows", "error", lambda d: _write(d, _csv_text([]))),
    Case(
        "duplicate_headers",
        "two Quantity columns",
        "error",
        lambda d: _write(d, _csv_text([r + ["1"] for r in BASE_ROWS], HEADER + ["Quantity"])),
    ),
    Case(
        "negative_price",
        "price -2.55",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(UnitPrice={0: "-2.55"}))),
        ("non_positive_price",),
    ),
    Case(
        "zero_price",
        "price 0",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(UnitPrice={0: "0"}))),
        ("non_positive_price",),
    ),
    Case(
        "absurd_quantity",
        "quantity 10^12 and 80,995",
        "quarantine",
        lambda d: _write(
            d,
            _csv_text(_rows(Quantity={0: "1000000000000", 3: "80995"})),
            _mapping(path="export.csv", rules={"max_quantity": 20000}),
        ),
        ("bad_quantity", "extreme_quantity"),
    ),
    Case(
        "currency_symbols",
        "£1,234.50 and GBP 2.55 with thousands mapped",
        "quarantine",
        lambda d: _write(
            d,
            _csv_text(_rows(UnitPrice={0: "£1,234.50", 1: "GBP 3.39"})),
            _mapping(path="export.csv", thousands=","),
        ),
        ("cancellation",),
        6 * 1234.50 + 20.34 + 11.10 + 54.08 - 3.38 + 90.00 + 204.00 + 11.10,
    ),
    Case(
        "currency_symbol_no_thousands",
        "£1,234.50 without a thousands separator mapped",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(UnitPrice={0: "£1,234.50"}))),
        ("bad_price",),
    ),
    Case(
        "decimal_comma",
        "prices 2,55 with decimal: ','",
        "quarantine",
        lambda d: _write(
            d,
            _csv_text([r[:5] + [r[5].replace(".", ",")] + r[6:] for r in BASE_ROWS], sep=";"),
            _mapping(path="export.csv", delimiter=";", decimal=","),
        ),
        ("cancellation",),
        BASE_REVENUE_GBP,
    ),
    Case(
        "embedded_newlines_quotes",
        "quoted descriptions with newlines and quotes",
        "quarantine",
        _embedded,
        ("cancellation",),
        BASE_REVENUE_GBP,
    ),
    Case(
        "unterminated_quote",
        "a quote that never closes",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS) + '536999,1,"BROKEN,1,2010-12-01 10:00,1,1,UK\n'),
    ),
    Case(
        "ragged_row",
        "a row with an extra field",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS).replace("France\n", "France,EXTRA\n")),
    ),
    Case(
        "short_row",
        "a row with a missing trailing field",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS).replace(",France\n", "\n")),
    ),
    Case(
        "formula_injection",
        "=cmd|' /C calc'!A0 and a 5,000-character description",
        "quarantine",
        lambda d: _write(
            d, _csv_text(_rows(Description={0: "=cmd|' /C calc'!A0", 1: "X" * 5000}))
        ),
        ("cancellation",),
        BASE_REVENUE_GBP,
    ),
    Case(
        "gzip_ok",
        "gzip-compressed CSV",
        "quarantine",
        lambda d: _gzip(d, False),
        ("exact_duplicate",),
    ),
    Case("truncated_gzip", "gzip cut in half", "error", lambda d: _gzip(d, True)),
    Case(
        "not_gzip",
        "plain text named .csv.gz",
        "error",
        lambda d: _write(
            d, _csv_text(BASE_ROWS), _mapping(path="export.csv.gz"), name="export.csv.gz"
        ),
    ),
    Case(
        "excel",
        "Excel workbook, ids stored as floats",
        "quarantine",
        _excel,
        ("cancellation",),
        BASE_REVENUE_GBP,
    ),
    Case(
        "parquet",
        "Parquet with typed columns",
        "quarantine",
        _parquet,
        ("cancellation",),
        BASE_REVENUE_GBP,
    ),
    Case(
        "mapping_unknown_key",
        "mapping with a typo (colums)",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS), BAD_MAPPING_UNKNOWN),
    ),
    Case(
        "mapping_missing_required",
        "mapping without quantity",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS), BAD_MAPPING_MISSING),
    ),
    Case(
        "mapping_yaml_syntax",
        "mapping that is not YAML",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS), "source: {path: export.csv\ncolumns: [\n"),
    ),
    Case(
        "mapping_missing_file",
        "mapping pointing at a file that does not exist",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS), _mapping(path="nope.csv")),
    ),
    Case(
        "all_cancellations",
        "every line a cancellation",
        "error",
        _all_cancelled,
        message=r"export\.csv: no line is left after cleaning.*cancellation",
    ),
    Case(
        "all_dates_unparseable",
        "every date unparseable",
        "error",
        lambda d: _write(d, _csv_text(_all_rows("InvoiceDate", "soon"))),
        message=r"no line is left after cleaning.*bad_date 8.*row 1, column 'InvoiceDate'",
    ),
    Case(
        "gzip_bomb",
        "200 MiB of blank lines in 200 KiB of gzip",
        "error",
        _gzip_bomb,
        message=r"export\.csv\.gz: decompresses to more than 67,108,864 bytes, the limit",
    ),
    Case(
        "yaml_alias_bomb",
        "mapping with nested aliases expanding to 10^9 nodes",
        "error",
        lambda d: _write(d, _csv_text(BASE_ROWS), ALIAS_BOMB),
        message=r"mapping\.yaml: YAML expands to more than 10,000 nodes.*limit is 10,000",
    ),
    Case(
        "invoice_is_customer",
        "invoice mapped to the customer id column",
        "quarantine",
        lambda d: _write(
            d,
            _csv_text(BASE_ROWS),
            _mapping(
                columns={**BASE_MAPPING["columns"], "invoice": "CustomerID"},
                cancellations={"negative_quantity": True},
            ),
        ),
        ("missing_value",),  # the guest line has no invoice now
        warning=r"columns\.invoice and columns\.customer_id both map to 'CustomerID'",
    ),
    Case(
        "invoice_unique_per_line",
        "a line id mapped as invoice: one line per invoice",
        "accepted",
        _line_ids,
        warning=r"export\.csv: invoice is unique per line for 100% of the 30 customers",
    ),
    Case(
        "repeat_lines_kept",
        "two identical lines and an article code TESTSIEGER-1 (neutral rules keep both)",
        "quarantine",
        lambda d: _write(d, _csv_text(_rows(StockCode={1: "TESTSIEGER-1"}) + [BASE_ROWS[0]])),
        ("cancellation",),
        BASE_REVENUE_GBP + 15.30,
        absent=("exact_duplicate", "non_product"),
    ),
    Case(
        "whitespace_no_header",
        "CDNOW-like text: whitespace, no header, YYYYMMDD, line totals, no invoice or product",
        "accepted",
        _whitespace_export,
        revenue_in_amt=11.77 + 12.00 + 77.00 + 20.76,
    ),
    Case(
        "million_rows_one_bad",
        "1,000,000 rows, row 999,994 has a bad date",
        "quarantine",
        lambda d: _big(d, 1_000_000),
        ("bad_date",),
        # the generated invoices are unique per line: the order-key check says so
        warning=r"invoice is unique per line",
    ),
]


def count_records(path: Path, m_path: Path) -> int:
    """Data records in an export, counted independently of the adapter (csv module / pandas)."""
    m = yaml.safe_load(m_path.read_text())
    src = m["source"]
    if path.suffix in (".xlsx", ".parquet"):
        return len(pd.read_excel(path) if path.suffix == ".xlsx" else pd.read_parquet(path))
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode(src.get("encoding", "utf-8"))
    header = 1 if src.get("header", True) else 0
    if src.get("delimiter") == "whitespace":
        return sum(1 for line in text.splitlines() if line.strip()) - header
    reader = csv.reader(io.StringIO(text), delimiter=src.get("delimiter", ","))
    return sum(1 for r in reader if r) - header


def run_case(case: Case, folder: Path) -> Outcome:
    """Build the case in ``folder`` and run it through the adapter and cleaning."""
    t0 = time.perf_counter()
    m_path = case.build(folder)
    try:
        src = custom.read(folder, mapping=m_path, today=TODAY)
    except ValueError as exc:
        return Outcome(case.name, "error", str(exc), seconds=time.perf_counter() - t0)
    lines = src.lines
    res = cleaning.clean(lines, src.rules)  # the rule set the mapping asks for (neutral default)
    try:
        ingest.build_canonical(res.kept, src)
    except ValueError as exc:  # nothing left to analyse
        return Outcome(
            case.name,
            "error",
            str(exc),
            len(lines),
            res.totals["rows_kept"],
            seconds=time.perf_counter() - t0,
            warnings=list(src.warnings),
        )
    check = cleaning.reconcile_with_raw(res.ledger, lines)
    reasons = res.quarantine["reason"].value_counts().to_dict()
    first = ""
    q = res.quarantine
    if len(q):
        det = q["set_aside_detail"].dropna()
        if len(det):  # adapter-level problems carry file, row, column and value
            first = str(det.iloc[0])
            assert det.str.contains(r"row \d+, column", regex=True).all()
        else:
            first = (
                f"{q['source_file'].iloc[0]} row {q['source_row'].iloc[0]}: {q['reason'].iloc[0]}"
            )
    data_file = folder / yaml.safe_load(m_path.read_text())["source"]["path"]
    return Outcome(
        case.name,
        "quarantine" if reasons else "accepted",
        first,
        len(lines),
        res.totals["rows_kept"],
        {str(k): int(v) for k, v in reasons.items()},
        check["rows_match"] and check["revenue_match"] and res.totals["reconciles"],
        count_records(data_file, m_path),
        res.totals["revenue_in_amt"],
        time.perf_counter() - t0,
        list(src.warnings),
    )


def summary_table(outcomes: list[Outcome]) -> str:
    """Markdown table: one row per case with how it was handled."""
    lines = [
        f"Bad-input corpus: {len(outcomes)} inputs tried; "
        + ", ".join(
            f"{k}: {v}" for k, v in pd.Series([o.handled for o in outcomes]).value_counts().items()
        ),
        "",
        "| case | handled | rows in | kept | set aside (reason: rows) | reconciles | message |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        reasons = "; ".join(f"{k}: {v}" for k, v in o.reasons.items())
        msg = o.message.replace("\n", " ").replace("|", "/")[:140]
        rec = "" if o.reconciles is None else ("yes" if o.reconciles else "NO")
        lines.append(
            f"| {o.name} | {o.handled} | {o.rows_in} | {o.rows_kept} | {reasons} | {rec} | {msg} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--report", action="store_true", help="run every case and print the table")
    ap.add_argument("--big-rows", type=int, default=1_000_000)
    ap.add_argument("--out", help="folder for the generated files (default: a temporary one)")
    args = ap.parse_args()
    if not args.report:
        ap.print_help()
        return
    base = Path(args.out or tempfile.mkdtemp(prefix="badinput_"))
    outcomes = []
    for case in CASES:
        if case.name == "million_rows_one_bad" and args.big_rows != 1_000_000:
            n = args.big_rows
            case = Case(case.name, case.what, case.expect, lambda d, n=n: _big(d, n), case.reasons,
                        warning=case.warning)
        outcomes.append(run_case(case, base / case.name))
    print(summary_table(outcomes))


if __name__ == "__main__":
    main()

"""Adapter for a user's own transactions export, described by a mapping YAML file.

``read(raw_dir, mapping="path.yaml")`` reads the export named in the mapping (CSV, CSV.GZ,
Excel, Parquet or a SQL query), maps it onto :data:`helpers.data.ingest.RAW_COLUMNS` and returns
:class:`helpers.data.ingest.SourceData`. Nothing is lost silently:

* **File-level problems** (empty file, header only, duplicate headers, mapped column missing,
  wrong encoding, truncated gzip, unreadable file, bad mapping) raise
  :class:`helpers.data.mapping.InputError` / :class:`helpers.data.mapping.MappingError` (both
  ``ValueError``) naming the file, column and row.
* **Row-level problems** keep the row and mark it ``set_aside`` with one of
  :data:`ADAPTER_REASONS` and a ``set_aside_detail`` naming file, row, column and value; the
  cleaning ledger then counts it like any other set-aside row, so rows and revenue reconcile.

Cancellations, however the export marks them, become canonical: invoice starting ``C`` and a
negative quantity (cleaning matches them to the purchase they reverse). An ordinary invoice that
happens to start with ``A`` or ``C`` (the cleaning rules' adjustment and cancellation marks) is
prefixed with ``I`` so it is not mistaken for one.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import io
import logging
import os
import zlib
from collections.abc import Callable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.ingest import SourceData, check_raw_columns, order_key_warnings, sha256_file
from helpers.data.mapping import (
    PSEUDO_PRODUCT,
    InputError,
    Mapping,
    check_columns,
    load_mapping,
)
from helpers.data.privacy import personal_columns

log = logging.getLogger(__name__)

ADAPTER_REASONS: dict[str, str] = {
    "bad_date": "timestamp not parseable with the mapping's date format",
    "future_date": "timestamp later than the reference date plus the tolerance",
    "bad_quantity": "quantity not a whole number (after stripping symbols) or absurd",
    "bad_price": "unit price not a number (after stripping currency symbols) or absurd",
    "missing_quantity": "quantity empty",
}
"""Reason codes this adapter sets (``set_aside``); cleaning's ledger counts them first."""

MAX_ABS_QUANTITY = 10_000_000
"""Units; larger quantities are set aside as ``bad_quantity`` (they would overflow the
ledger's integer arithmetic and are never real)."""
MAX_ABS_PRICE = 10_000_000.0
"""In the amounts' currency (after any conversion); larger unit prices are set aside as
``bad_price``."""
MAX_DECOMPRESSED_BYTES = 1 << 30
"""Bytes; a gzip file is never decompressed beyond this (1 GiB)."""
MAX_GZIP_RATIO = 100
"""A gzip file may also decompress to at most this many times its own size (but always to
:data:`MIN_GZIP_LIMIT`): real CSV exports compress 5-20 fold, gzip bombs a thousandfold."""
MIN_GZIP_LIMIT = 64 << 20
"""Bytes (64 MiB) any gzip file may decompress to, whatever its ratio."""
CURRENCY_STRIP = r"[\u00a3$\u20ac\u00a5\u20b9\s\u00a0']|^[A-Z]{3}|[A-Z]{3}$"
"""Regex removed from numbers before parsing: currency symbols, spaces, ISO codes at either end."""


# --------------------------------------------------------------------------- reading
def _decode(data: bytes, encoding: str, file: str) -> str:
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 4]
        raise InputError(
            file,
            f"not valid {encoding} text (byte {bad!r} at offset {exc.start}, physical line "
            f"{line}); set source.encoding in the mapping (e.g. latin-1, cp1252, utf-16)",
            row=line,
        ) from None


def gunzip_limited(data: bytes, file: str, limit: int | None = None) -> bytes:
    """Decompress gzip ``data`` (one or more members), refusing to go beyond a limit.

    Parameters
    ----------
    data
        The compressed bytes.
    file
        Name used in messages.
    limit
        Bytes; default: :data:`MAX_GZIP_RATIO` times ``len(data)``, at least
        :data:`MIN_GZIP_LIMIT` and at most :data:`MAX_DECOMPRESSED_BYTES`.

    Raises
    ------
    InputError
        The data decompresses to more than ``limit`` bytes (a gzip bomb), or is truncated.
    """
    if limit is None:
        limit = min(MAX_DECOMPRESSED_BYTES, max(MIN_GZIP_LIMIT, MAX_GZIP_RATIO * len(data)))
    chunks, total = [], 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            while chunk := gz.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    raise InputError(
                        file,
                        f"decompresses to more than {limit:,} bytes, the limit on decompressed "
                        f"size ({MAX_GZIP_RATIO} times the {len(data):,} compressed bytes, at "
                        f"least {MIN_GZIP_LIMIT:,}, at most {MAX_DECOMPRESSED_BYTES:,}); a gzip "
                        "bomb? Decompress and check the file yourself",
                    )
                chunks.append(chunk)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputError(file, f"truncated or corrupt gzip file ({exc}); fetch it again") from None
    return b"".join(chunks)


def _csv_text(m: Mapping) -> str:
    """The export's text: read, gunzipped (with a size limit) and decoded; never empty."""
    assert m.path is not None
    file = m.path.name
    try:
        data = m.path.read_bytes()
    except OSError as exc:
        raise InputError(file, f"cannot read the file ({exc})") from None
    if data[:2] == b"\x1f\x8b":
        data = gunzip_limited(data, file)
    elif m.path.suffix.lower() == ".gz":
        raise InputError(file, "named .gz but not gzip-compressed")
    text = _decode(data, m.encoding, file)
    if not text.strip():
        raise InputError(file, "the file is empty (no header, no rows)")
    return text


def _first_record(text: str, m: Mapping, file: str) -> list[str]:
    """Fields of the first non-blank record (the header, or the first data row)."""
    if m.whitespace:
        return next(line for line in text.splitlines() if line.strip()).split()
    try:
        return next(csv.reader(io.StringIO(text[: 1 << 16]), delimiter=m.delimiter))
    except (csv.Error, StopIteration) as exc:
        raise InputError(file, f"cannot read the header line ({exc})") from None


def _header(text: str, m: Mapping, file: str) -> list[str]:
    """Column names: the header line's, or 0-based positions ``"0"``, ``"1"``... without one."""
    first = _first_record(text, m, file)
    if not m.header:
        return [str(i) for i in range(len(first))]
    header = [h.lstrip("\ufeff").strip() for h in first]
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        raise InputError(
            file,
            f"duplicate column header(s) {dups} in the header line: rename them in the export",
            column=dups[0],
        )
    sep = "whitespace" if m.whitespace else m.delimiter
    if len(header) == 1 and len(m.columns) > 1:
        log.warning("%s: header has one column; is source.delimiter %r right?", file, sep)
    return header


def _read_csv(m: Mapping) -> pd.DataFrame:
    assert m.path is not None
    file = m.path.name
    text = _csv_text(m)
    header = _header(text, m, file)
    check_columns(m, header, file)
    try:
        # All columns are read (usecols would hide rows with too many fields); the unmapped
        # ones are dropped at once, so personal columns never reach the analysis.
        df = pd.read_csv(
            io.StringIO(text),
            sep=r"\s+" if m.whitespace else m.delimiter,
            dtype=str,
            keep_default_na=False,
            header=0 if m.header else None,
            names=None if m.header else header,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        msg = str(exc).strip().replace("\n", " ")
        raise InputError(file, f"malformed CSV ({msg}); check quoting and the delimiter") from None
    df.columns = header
    _check_field_counts(text, m, len(header), file)
    return df[m.needed_columns()]


def _check_field_counts(text: str, m: Mapping, n_fields: int, file: str) -> None:
    """Raise if a record has fewer fields than the header (pandas pads those silently)."""
    if m.whitespace:
        fields = (len(line.split()) for line in text.splitlines())
    else:
        fields = (len(r) for r in csv.reader(io.StringIO(text), delimiter=m.delimiter))
    counts = np.fromiter(fields, dtype="int64")
    counts = counts[counts > 0]  # blank lines are skipped by pandas too
    if m.header:
        counts = counts[1:]  # drop the header
    short = np.flatnonzero(counts < n_fields)
    if short.size:
        what = "the header" if m.header else "the first row"
        raise InputError(
            file,
            f"record has {counts[short[0]]} field(s), {what} {n_fields} "
            f"({short.size} such row(s)); the file may be truncated or a "
            "delimiter missing",
            row=int(short[0]) + 1,
        )


def _sheet_names(m: Mapping) -> list[str]:
    """The workbook's sheet names, checking that ``source.sheet`` is one of them."""
    assert m.path is not None
    file = m.path.name
    try:
        with pd.ExcelFile(m.path) as book:
            names = [str(n) for n in book.sheet_names]
    except Exception as exc:  # openpyxl/xlrd raise many types for a corrupt workbook
        raise InputError(file, f"cannot read the workbook ({type(exc).__name__}: {exc})") from None
    missing = (
        m.sheet not in names
        if isinstance(m.sheet, str)
        else not -len(names) <= m.sheet < len(names)
    )
    if missing:
        raise InputError(
            file, f"no sheet {m.sheet!r}; the workbook's sheets are {names}: set source.sheet"
        )
    return names


def _excel_header(m: Mapping, names: list[str]) -> list[str]:
    """The sheet's column names (or positions without a header), checked against the mapping;
    a missing column's message lists the workbook's sheets."""
    assert m.path is not None
    file = m.path.name
    head = pd.read_excel(m.path, sheet_name=m.sheet, header=None, nrows=1, dtype=object)
    header = ["" if pd.isna(h) else str(h).strip() for h in head.iloc[0]] if len(head) else []
    if not header:
        raise InputError(file, f"sheet {m.sheet!r} is empty (no header, no rows); sheets: {names}")
    if not m.header:
        header = [str(i) for i in range(len(header))]
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        raise InputError(
            file, f"duplicate column header(s) {dups} in the header line", column=dups[0]
        )
    try:
        check_columns(m, header, file)
    except InputError as exc:
        raise InputError(
            file,
            f"sheet {m.sheet!r}: {exc.problem}; the workbook's sheets are {names}: set "
            "source.sheet to the one holding the lines",
            column=exc.column,
        ) from None
    return header


def _read_excel(m: Mapping) -> pd.DataFrame:
    assert m.path is not None
    file = m.path.name
    names = _sheet_names(m)
    try:
        header = _excel_header(m, names)
        if m.header:
            df = pd.read_excel(
                m.path, sheet_name=m.sheet, dtype=object, usecols=m.needed_columns()
            )
        else:
            df = pd.read_excel(m.path, sheet_name=m.sheet, dtype=object, header=None)
            df.columns = header
            df = df[m.needed_columns()]
    except InputError:
        raise
    except Exception as exc:  # openpyxl/xlrd raise many types for a corrupt workbook
        raise InputError(file, f"cannot read the workbook ({type(exc).__name__}: {exc})") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _read_parquet(m: Mapping) -> pd.DataFrame:
    import pyarrow.parquet as pq

    assert m.path is not None
    file = m.path.name
    try:
        names = pq.read_schema(m.path).names
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for corrupt files
        raise InputError(file, f"not a readable Parquet file ({exc})") from None
    dups = sorted({h for h in names if names.count(h) > 1})
    if dups:
        raise InputError(file, f"duplicate column name(s) {dups}", column=dups[0])
    check_columns(m, names, file)
    return pd.read_parquet(m.path, columns=m.needed_columns())


def _read_sql(m: Mapping, env: AbcMapping[str, str]) -> pd.DataFrame:
    import sqlalchemy as sa

    assert m.sql is not None
    url = m.sql.url
    if m.sql.url_env:
        url = env.get(m.sql.url_env)
        if not url:
            raise InputError(
                m.name,
                f"source.sql.url_env: environment variable "
                f"{m.sql.url_env} is not set (it should hold the database URL)",
            )
    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # ArgumentError, missing driver module
        raise InputError(m.name, f"source.sql: cannot use the database URL ({exc})") from None
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            df = pd.read_sql_query(sa.text(m.sql.query), conn)
    except sa.exc.SQLAlchemyError as exc:
        first = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]
        raise InputError(f"sql query on {shown}", f"query failed: {first}") from None
    finally:
        engine.dispose()
    cols = [str(c) for c in df.columns]
    dups = sorted({c for c in cols if cols.count(c) > 1})
    if dups:
        raise InputError("sql query", f"duplicate result column(s) {dups}", column=dups[0])
    check_columns(m, cols, "sql query")
    return df[m.needed_columns()]


def read_table(m: Mapping, env: AbcMapping[str, str] | None = None) -> pd.DataFrame:
    """Read the mapped source columns of the export as they are (strings for CSV).

    Raises
    ------
    InputError
        File-level problems: empty, header only, duplicate headers, missing columns, wrong
        encoding, truncated gzip, malformed CSV, failed query.
    """
    if m.file_format == "sql":
        df = _read_sql(m, os.environ if env is None else env)
    elif m.file_format == "excel":
        df = _read_excel(m)
    elif m.file_format == "parquet":
        df = _read_parquet(m)
    else:
        df = _read_csv(m)
    if len(df) == 0:
        raise InputError(m.source_label, "has a header but no data rows", row=1)
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- parsing
def parse_numbers(values: pd.Series, decimal: str = ".", thousands: str = "") -> pd.Series:
    """Parse numbers written as text: strip currency symbols/codes and spaces, apply the
    separators, ``(1.50)`` means -1.50. Unparseable or non-finite values become NaN.

    >>> parse_numbers(pd.Series(["$1,234.50", "(2.00)", "x"]), thousands=",").tolist()
    [1234.5, -2.0, nan]
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.astype("float64")
    else:
        t = values.astype("string").str.strip()
        t = t.str.replace(CURRENCY_STRIP, "", regex=True)
        t = t.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
        if thousands:
            t = t.str.replace(thousands, "", regex=False)
        if decimal != ".":
            t = t.str.replace(".", "\x00", regex=False).str.replace(decimal, ".", regex=False)
        out = pd.to_numeric(t.astype(object), errors="coerce").astype("float64")
    return out.where(np.isfinite(out))


def parse_dates(values: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Parse timestamps with each format in turn (first match wins); unparseable -> NaT.

    Already-typed datetimes (Excel, Parquet, SQL) are kept; time zones are dropped (local time).
    Numbers are read as their digits, so ``%Y%m%d`` parses integer dates such as ``19970101``.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    obj = values.astype(object)
    is_ts = (
        obj.map(lambda v: isinstance(v, (_dt.datetime, np.datetime64)))
        if values.dtype == object
        else pd.Series(False, index=values.index)
    )
    if is_ts.any():
        out[is_ts] = pd.to_datetime(obj[is_ts]).astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        text = _id_text(values)  # dates written as numbers: 19970101 (or 19970101.0 from Excel)
    else:
        text = values.astype("string").str.strip()
    for fmt in formats:
        todo = out.isna() & ~is_ts & text.notna() & (text != "")
        if not todo.any():
            break
        got = pd.to_datetime(text[todo].astype(object), format=fmt, errors="coerce")
        if isinstance(got.dtype, pd.DatetimeTZDtype):
            got = got.dt.tz_localize(None)
        out[todo] = got.astype("datetime64[ns]")
    return out


def _text(values: pd.Series) -> pd.Series:
    t = values.astype("string").str.strip()
    return t.mask(t == "")


def _id_text(values: pd.Series) -> pd.Series:
    """Identifiers as text; ``12346.0`` (a number read as float) becomes ``12346``."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values == values.round())
        t = values.astype("string")
        t[whole] = values[whole].astype("int64").astype("string")
        return _text(t)
    t = _text(values)
    return t.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _detail(file: str, rows: pd.Series, column: str, raw: pd.Series, problem: str) -> pd.Series:
    return (
        file
        + " row "
        + rows.astype(str)
        + ", column "
        + repr(column)
        + ": "
        + raw.astype("string").fillna("").str.slice(0, 40).map(repr)
        + " "
        + problem
    )


@dataclass(frozen=True)
class _SetAside:
    """Row-level problems found so far: a reason code and a detail per row (first one wins)."""

    file: str
    df: pd.DataFrame
    rows: pd.Series  # 1-based data row numbers
    reason: pd.Series
    detail: pd.Series

    @classmethod
    def empty(cls, df: pd.DataFrame, file: str) -> _SetAside:
        """No row set aside yet."""
        rows = pd.Series(np.arange(1, len(df) + 1, dtype="int64"), index=df.index)
        return cls(
            file,
            df,
            rows,
            pd.Series(pd.NA, index=df.index, dtype="string"),
            pd.Series(pd.NA, index=df.index, dtype="string"),
        )

    def flag(self, mask: pd.Series, code: str, column: str, problem: str) -> None:
        """Set aside the rows of ``mask`` not already set aside, with ``code`` and a detail."""
        mask = mask.fillna(False).astype(bool) & self.reason.isna()
        if mask.any():
            self.reason[mask] = code
            self.detail[mask] = _detail(
                self.file, self.rows[mask], column, self.df.loc[mask, column], problem
            )
            log.warning(
                "%s: %d row(s) set aside as %s (column %r), first at row %d",
                self.file,
                int(mask.sum()),
                code,
                column,
                int(self.rows[mask].iloc[0]),
            )


def _reference_date(m: Mapping, today: pd.Timestamp | None) -> pd.Timestamp:
    """The mapping's reference date, else ``today``, else today's date."""
    return (
        m.reference_date
        if m.reference_date is not None
        else (today if today is not None else pd.Timestamp.now().normalize())
    )


def _timestamps(
    df: pd.DataFrame, m: Mapping, today: pd.Timestamp | None, marks: _SetAside
) -> pd.Series:
    """Parsed invoice timestamps; unparseable and future ones set aside."""
    column = m.columns["invoice_ts"]
    ts_raw = df[column]
    ts = parse_dates(ts_raw, m.date_formats)
    present = (
        _text(ts_raw.astype("string")).notna()
        if ts_raw.dtype == object or pd.api.types.is_string_dtype(ts_raw)
        else ts_raw.notna()
    )
    marks.flag(
        ts.isna() & present,
        "bad_date",
        column,
        f"is not a date in format {' or '.join(m.date_formats)}",
    )
    ref = _reference_date(m, today)
    limit = ref + pd.Timedelta(days=m.future_tolerance_days + 1)
    marks.flag(
        ts >= limit,
        "future_date",
        column,
        f"is after the reference date {ref:%Y-%m-%d} + {m.future_tolerance_days} day(s)",
    )
    return ts


def _quantities(df: pd.DataFrame, m: Mapping, marks: _SetAside) -> pd.Series:
    """Whole-number quantities (int64, 0 where set aside); empty, non-whole, absurd set aside."""
    column = m.columns["quantity"]
    q_raw = df[column]
    q = parse_numbers(q_raw, m.decimal, m.thousands)
    q_present = q_raw.notna() & (q_raw.astype("string").str.strip() != "")
    marks.flag(~q_present, "missing_quantity", column, "is empty")
    marks.flag(q.isna(), "bad_quantity", column, "is not a number")
    marks.flag(q.notna() & (q != q.round()), "bad_quantity", column, "is not a whole number")
    marks.flag(
        q.abs() > MAX_ABS_QUANTITY,
        "bad_quantity",
        column,
        f"is beyond {MAX_ABS_QUANTITY:,} units",
    )
    bad_q = marks.reason.isin(["bad_quantity", "missing_quantity"]).fillna(False)
    return q.where(~bad_q, 0).fillna(0).round().astype("int64")


def unit_price_from_total(total: pd.Series, quantity: pd.Series) -> pd.Series:
    """Unit price from a line total: ``|total| / |quantity|``, negative only for a credit line
    (negative total, positive quantity); 0 where the quantity is 0.

    >>> total, qty = pd.Series([29.33, -6.0, 4.0, -2.0]), pd.Series([2, -3, -2, 1])
    >>> unit_price_from_total(total, qty).tolist()
    [14.665, 2.0, 2.0, -2.0]
    """
    q = quantity.astype("float64")
    price = total.abs() / q.abs().where(q != 0)
    credit = (total < 0) & (q > 0)
    return price.mask(credit, -price).where(q != 0, 0.0)


def _prices_amt(df: pd.DataFrame, m: Mapping, qty: pd.Series, marks: _SetAside) -> pd.Series:
    """Unit prices (from the unit price or line total column), converted to GBP only when the
    mapping gives ``fx_to_gbp``; null where set aside; non-numbers and absurd set aside."""
    column = m.columns[m.amount]
    p_raw = df[column]
    p = parse_numbers(p_raw, m.decimal, m.thousands)
    p_present = p_raw.notna() & (p_raw.astype("string").str.strip() != "")
    marks.flag(p.isna() & p_present, "bad_price", column, "is not a number")
    if m.amount == "line_total":
        no_units = (qty == 0) & p.notna() & (p != 0)
        marks.flag(no_units, "bad_price", column, "is a line total on a line without units")
        p = unit_price_from_total(p, qty)
    price = p * m.fx_to_gbp if m.fx_to_gbp is not None else p
    marks.flag(
        price.abs() > MAX_ABS_PRICE,
        "bad_price",
        column,
        f"is beyond {MAX_ABS_PRICE:,.0f} {m.amount_currency} per unit",
    )
    return price.where(marks.reason.ne("bad_price").fillna(True))


def _is_cancellation(
    df: pd.DataFrame, m: Mapping, inv: pd.Series, qty: pd.Series, reason: pd.Series
) -> pd.Series:
    """Which rows are cancellations, by the mapping's status column, sign or invoice prefix."""
    if m.cancel_status_column:
        status = df[m.cancel_status_column].astype("string").str.strip().str.casefold()
        is_canc = status.isin([v.casefold() for v in m.cancel_status_values]).fillna(False)
    elif m.cancel_negative_quantity:
        is_canc = (qty < 0) & reason.isna()
    else:
        is_canc = inv.str.startswith(m.cancel_prefix or "C").fillna(False)
    return is_canc.astype(bool)


def order_keys(customers: pd.Series, ts: pd.Series, rows: pd.Series) -> pd.Series:
    """Invoice text when the export has none: one order per customer and timestamp
    (``<customer>@<YYYYMMDDTHHMMSS>``); a guest line (no customer) is an order of its own
    (``guest@<timestamp>#<row>``).

    >>> ts = pd.Series(pd.to_datetime(["1997-01-02", "1997-01-03"]))
    >>> order_keys(pd.Series(["7", None], dtype="string"), ts, pd.Series([1, 2])).tolist()
    ['7@19970102T000000', 'guest@19970103T000000#2']
    """
    stamp = ts.dt.strftime("%Y%m%dT%H%M%S").astype("string")
    guest = "guest@" + stamp + "#" + rows.astype("string")
    return (customers.astype("string") + "@" + stamp).fillna(guest)


def _invoices(df: pd.DataFrame, m: Mapping, ts: pd.Series, marks: _SetAside) -> pd.Series:
    """The invoice column as text, or customer + timestamp keys when none is mapped."""
    if "invoice" in m.columns:
        return _id_text(df[m.columns["invoice"]])
    cust = _optional_column(df, m, "customer_id", _id_text)
    return order_keys(cust, ts, marks.rows)


def _canonical_cancellations(
    df: pd.DataFrame, m: Mapping, qty: pd.Series, ts: pd.Series, marks: _SetAside
) -> tuple[pd.Series, pd.Series]:
    """Invoices and quantities with cancellations as ``C…`` and negative; ordinary invoices
    starting with ``A`` (or ``C``) prefixed with ``I``."""
    inv = _invoices(df, m, ts, marks)
    is_canc = _is_cancellation(df, m, inv, qty, marks.reason)
    if m.cancel_prefix == "C":
        clash = ~is_canc & inv.str.match(r"^A").fillna(False)
    else:
        clash = ~is_canc & inv.str.match(r"^[AC]").fillna(False)
    inv = inv.mask(clash, "I" + inv)
    needs_c = is_canc & ~inv.str.startswith("C").fillna(False)
    inv = inv.mask(needs_c, "C" + inv)
    qty = qty.mask(is_canc, -qty.abs())
    if clash.any():
        log.info("%s: %d invoice(s) starting A/C prefixed with I", marks.file, int(clash.sum()))
    return inv, qty


def _optional_column(
    df: pd.DataFrame, m: Mapping, field: str, as_text: Callable[[pd.Series], pd.Series]
) -> pd.Series:
    """A mapped optional column as text, or all null when the mapping leaves it out."""
    if field in m.columns:
        return as_text(df[m.columns[field]])
    return pd.Series(pd.NA, index=df.index, dtype="string")


def _stock_codes(df: pd.DataFrame, m: Mapping) -> pd.Series:
    """Stock codes as text, or :data:`PSEUDO_PRODUCT` on every line when none is mapped."""
    if "stock_code" in m.columns:
        return _id_text(df[m.columns["stock_code"]]).astype("string")
    return pd.Series(PSEUDO_PRODUCT, index=df.index, dtype="string")


def _line_frame(
    df: pd.DataFrame,
    m: Mapping,
    marks: _SetAside,
    inv: pd.Series,
    qty: pd.Series,
    ts: pd.Series,
    price: pd.Series,
) -> pd.DataFrame:
    """The raw-lines table with ``set_aside`` and ``set_aside_detail``."""
    file = marks.file
    country = _optional_column(df, m, "country", _text)
    out = pd.DataFrame(
        {
            "source_file": pd.array([file] * len(df), dtype="string"),
            "source_row": marks.rows.to_numpy(),
            "invoice": inv.astype("string").to_numpy(),
            "stock_code": _stock_codes(df, m).to_numpy(),
            "description": _optional_column(df, m, "description", _text).to_numpy(),
            "quantity": qty.to_numpy(dtype="int64"),
            "invoice_ts": ts.to_numpy(dtype="datetime64[ns]"),
            "unit_price": price.to_numpy(dtype="float64"),
            "source_customer_id": _optional_column(df, m, "customer_id", _id_text).to_numpy(),
            "country": country.fillna(m.country_default).to_numpy(),
        }
    )
    for c in ("invoice", "stock_code", "description", "source_customer_id", "country"):
        out[c] = out[c].astype("string")
    out["set_aside"] = marks.reason.astype("string").reset_index(drop=True)
    out["set_aside_detail"] = marks.detail.astype("string").reset_index(drop=True)
    return out


def to_raw_lines(df: pd.DataFrame, m: Mapping, today: pd.Timestamp | None = None) -> pd.DataFrame:
    """Map the export's rows onto :data:`helpers.data.ingest.RAW_COLUMNS` (+ ``set_aside``,
    ``set_aside_detail``), one output row per input row, in order.

    Parameters
    ----------
    df
        The mapped source columns from :func:`read_table`.
    m
        The mapping.
    today
        Reference date for future-date checks when the mapping sets none (default: today).
    """
    marks = _SetAside.empty(df, m.source_label)
    ts = _timestamps(df, m, today, marks)
    qty = _quantities(df, m, marks)
    price = _prices_amt(df, m, qty, marks)
    inv, qty = _canonical_cancellations(df, m, qty, ts, marks)
    return _line_frame(df, m, marks, inv, qty, ts, price)


def customer_master(df: pd.DataFrame, lines: pd.DataFrame, m: Mapping) -> pd.DataFrame | None:
    """One row per source customer with the mapped attributes (last non-empty value by
    timestamp); personal-looking source columns are refused unless allowed in the mapping."""
    if not m.customer_attributes:
        return None
    personal = personal_columns(list(m.customer_attributes.values()))
    refused = {c: k for c, k in personal.items() if c not in m.personal_columns_allowed}
    if refused:
        log.warning(
            "%s: personal-looking attribute column(s) %s not used; list them in "
            "personal_columns_allowed to keep them",
            m.name,
            sorted(refused),
        )
    attrs = {k: v for k, v in m.customer_attributes.items() if v not in refused}
    if not attrs:
        return None
    t = pd.DataFrame(
        {"source_customer_id": lines["source_customer_id"], "_ts": lines["invoice_ts"]}
    )
    for k, v in attrs.items():
        t[k] = parse_dates(df[v], m.date_formats) if k.endswith("_ts") else _text(df[v])
    t = t[t["source_customer_id"].notna()].sort_values("_ts", kind="mergesort")
    master = t.drop(columns="_ts").groupby("source_customer_id", sort=True).last()
    return master.reset_index()


def read(
    raw_dir: str | Path = "",
    mapping: str | Path = "",
    today: pd.Timestamp | None = None,
    env: AbcMapping[str, str] | None = None,
) -> SourceData:
    """Read a user's export described by a mapping file.

    Parameters
    ----------
    raw_dir
        Unused (kept for the common adapter signature); the mapping names the source.
    mapping
        Path of the mapping YAML (relative ``source.path`` is resolved against its folder).
    today
        Reference date for future-date checks when the mapping sets none (default: today).
    env
        Environment for ``source.sql.url_env`` (default: ``os.environ``).

    Raises
    ------
    MappingError, InputError
        Bad mapping / unusable file, naming the file, column and row.
    """
    m = load_mapping(mapping)
    df = read_table(m, env)
    lines = to_raw_lines(df, m, today)
    lines = check_raw_columns(lines, m.source_label)
    log.info(
        "%s: amounts in %s%s",
        m.name,
        m.amount_currency,
        f" (converted from {m.currency})" if m.fx_to_gbp is not None else "",
    )
    if m.path is not None:
        files = pd.DataFrame(
            [{"file": m.path.name, "sha256": sha256_file(m.path), "rows": len(lines)}]
        )
    else:
        files = pd.DataFrame([{"file": "sql query", "sha256": "", "rows": len(lines)}])
    n_aside = int(lines["set_aside"].notna().sum())
    log.info("%s: %d rows read, %d set aside by the adapter", m.source_label, len(lines), n_aside)
    warnings = invoice_warnings(lines, m)
    for w in warnings:
        log.warning("%s", w)
    return SourceData(
        lines=lines,
        files=files,
        customers=customer_master(df, lines, m),
        currency=m.amount_currency,
        order_key=m.order_key,
        rules=m.rules,
        warnings=warnings,
    )


def invoice_warnings(lines: pd.DataFrame, m: Mapping) -> list[str]:
    """Warnings (not errors) when the mapped invoice does not look like an order id: the same
    source column as the customer id, or (:func:`helpers.data.ingest.order_key_warnings`) one
    invoice per customer or one line per invoice for most customers."""
    inv_col = m.columns.get("invoice")
    if inv_col is None:
        return []
    if inv_col == m.columns.get("customer_id"):
        return [
            f"{m.name}: columns.invoice and columns.customer_id both map to {inv_col!r}: every "
            "customer becomes one order; map the order id as invoice, or leave invoice out "
            "(an order is then customer + timestamp)"
        ]
    return [f"{m.source_label}: {w}" for w in order_key_warnings(lines)]

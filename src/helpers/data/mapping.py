"""Mapping files: how a user's own transactions export maps onto the source-standard columns.

A mapping is a small YAML file (documented in ``docs/mapping.md``, example in
``examples/mapping_example.yaml``) that says where the export is (a CSV, CSV.GZ, Excel or
Parquet file, or a SQL query run through SQLAlchemy), which of its columns hold the invoice,
stock code, quantity, timestamp, price, customer and country, how dates and numbers are
written, which currency the prices are in and how cancellations are marked.

:func:`load_mapping` reads and validates the file and returns a frozen :class:`Mapping`; every
problem is reported at once in one :class:`MappingError` naming the file and the key.
:class:`InputError` is the error for a bad *input file* (empty, header only, duplicate headers,
missing columns, wrong encoding, truncated gzip); it carries ``file``, ``column``, ``row`` and
``problem``. Both are ``ValueError`` subclasses, which the pipeline's command line prints as a
one-line message rather than a traceback.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from helpers.data.rules import NEUTRAL_RULES, RULE_SETS, CleaningRules

REQUIRED_COLUMNS: tuple[str, ...] = ("quantity", "invoice_ts")
"""Canonical fields every mapping must map to a source column (plus one of
:data:`AMOUNT_COLUMNS`)."""
AMOUNT_COLUMNS: tuple[str, ...] = ("unit_price", "line_total")
"""The money column: a unit price, or a line total (``amount: line_total``; unit price =
total / quantity). Exactly one is mapped."""
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "invoice",
    "stock_code",
    "description",
    "customer_id",
    "country",
)
"""Canonical fields a mapping may map (missing invoice: an order is customer + timestamp;
missing stock code: one pseudo product :data:`PSEUDO_PRODUCT`; missing description: null;
missing customer: guest lines; missing country: a default)."""
PSEUDO_PRODUCT = "ALL"
"""Stock code of every line when the mapping has no ``stock_code`` column."""
ORDER_KEY_INVOICE = "invoice"
ORDER_KEY_CUSTOMER_TS = "customer+timestamp"
"""What identifies an order: the invoice column, or (no invoice mapped) customer + timestamp."""
DELIMITER_NAMES: dict[str, str] = {
    "\\t": "\t",
    "tab": "\t",
    "space": " ",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "whitespace": "whitespace",
}
"""Names accepted for ``source.delimiter`` besides a single character; ``whitespace`` means
runs of spaces and tabs (leading ones ignored), as in fixed-width-looking text exports."""
MAX_MAPPING_BYTES = 1_000_000
"""A mapping file larger than this is refused (a mapping is a few dozen lines)."""
MAX_YAML_NODES = 10_000
"""Limit on the YAML nodes of a mapping *after* expanding aliases (an alias bomb is refused
before it is built)."""
CUSTOMER_ATTRIBUTES: tuple[str, ...] = (
    "age_band",
    "gender",
    "region",
    "income_band",
    "acquisition_channel",
    "acquisition_ts",
)
"""Optional customer columns of ``helpers.data.schema.CUSTOMERS`` a mapping may fill."""

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".gz": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
}
"""File extension (last suffix, lower case) to reader; ``.csv.gz`` is a gzip-compressed CSV."""

TOP_KEYS = (
    "version",
    "source",
    "columns",
    "customer_attributes",
    "parse",
    "currency",
    "cancellations",
    "personal_columns_allowed",
    "amount",
    "rules",
)
SOURCE_KEYS = ("path", "format", "sheet", "delimiter", "encoding", "header", "sql")
SQL_KEYS = ("url", "url_env", "query")
PARSE_KEYS = (
    "date_format",
    "decimal",
    "thousands",
    "country_default",
    "future_tolerance_days",
    "reference_date",
)
CURRENCY_KEYS = ("code", "fx_to_gbp")
CANCEL_KEYS = ("invoice_prefix", "negative_quantity", "status_column", "status_values")
RULES_KEYS = (
    "base",
    "non_product_codes",
    "non_product_pattern",
    "drop_exact_duplicates",
    "match_cancellations",
    "max_quantity",
    "keep_zero_price",
)


class MappingError(ValueError):
    """The mapping file is missing, not YAML, or has unknown / missing / invalid keys."""


class InputError(ValueError):
    """A source file (or query result) cannot be used; says which file, column, row and why.

    Attributes
    ----------
    file, column, row, problem
        Where and what; ``column`` and ``row`` (1-based data row, header excluded, or a
        physical line number where the message says so) are ``None`` when they do not apply.
    """

    def __init__(
        self, file: str, problem: str, column: str | None = None, row: int | None = None
    ) -> None:
        self.file, self.problem, self.column, self.row = file, problem, column, row
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(", ".join(where) + ": " + problem)


@dataclass(frozen=True)
class SqlSource:
    """A SQL query run through SQLAlchemy; the URL is given directly or by an env variable."""

    query: str
    url: str | None = None
    url_env: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A validated mapping (see ``docs/mapping.md`` for the meaning of each field)."""

    name: str
    columns: dict[str, str]
    path: Path | None = None
    sql: SqlSource | None = None
    file_format: str = "csv"
    sheet: str | int = 0
    delimiter: str = ","
    encoding: str = "utf-8"
    header: bool = True
    customer_attributes: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ("ISO8601",)
    decimal: str = "."
    thousands: str = ""
    country_default: str = "Unknown"
    future_tolerance_days: int = 1
    reference_date: pd.Timestamp | None = None
    currency: str = "GBP"
    fx_to_gbp: float | None = None
    amount: str = "unit_price"
    cancel_prefix: str | None = "C"
    cancel_negative_quantity: bool = False
    cancel_status_column: str | None = None
    cancel_status_values: tuple[str, ...] = ()
    personal_columns_allowed: tuple[str, ...] = ()
    rules: CleaningRules = NEUTRAL_RULES

    @property
    def whitespace(self) -> bool:
        """Fields are separated by runs of whitespace (``delimiter: whitespace``)."""
        return self.delimiter == "whitespace"

    @property
    def order_key(self) -> str:
        """``invoice``, or ``customer+timestamp`` when no invoice column is mapped."""
        return ORDER_KEY_INVOICE if "invoice" in self.columns else ORDER_KEY_CUSTOMER_TS

    @property
    def amount_currency(self) -> str:
        """Currency of the amounts the adapter returns: GBP when converted, else ``currency``."""
        return "GBP" if self.fx_to_gbp is not None else self.currency

    @property
    def source_label(self) -> str:
        """File name (or ``sql query``) used in messages and in ``source_file``."""
        return self.path.name if self.path is not None else "sql query"

    def needed_columns(self) -> list[str]:
        """Source columns the adapter reads (mapped, attributes, cancellation status), in order."""
        cols = list(self.columns.values()) + list(self.customer_attributes.values())
        if self.cancel_status_column:
            cols.append(self.cancel_status_column)
        return list(dict.fromkeys(cols))


def _unknown(where: str, keys: Any, known: tuple[str, ...], problems: list[str]) -> None:
    for k in keys:
        if k not in known:
            near = difflib.get_close_matches(str(k), known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"{where}: unknown key {k!r}{hint}; known: {', '.join(known)}")


def _section(doc: dict, key: str, problems: list[str]) -> dict:
    val = doc.get(key) or {}
    if not isinstance(val, dict):
        problems.append(f"{key}: expected a mapping of keys to values, got {type(val).__name__}")
        return {}
    return val


def _str_or_none(val: Any, where: str, problems: list[str]) -> str | None:
    if val is None:
        return None
    if not isinstance(val, str) or not val.strip():
        problems.append(f"{where}: expected a non-empty string, got {_short(val)}")
        return None
    return val


def _sql_source(src: dict, problems: list[str]) -> dict[str, Any]:
    """Fields of a ``source.sql`` section (query and url or url_env)."""
    out: dict[str, Any] = {}
    sql = src["sql"] if isinstance(src["sql"], dict) else {}
    if not isinstance(src["sql"], dict):
        problems.append("source.sql: expected keys url or url_env, and query")
    _unknown("source.sql", sql, SQL_KEYS, problems)
    query = _str_or_none(sql.get("query"), "source.sql.query", problems)
    url = _str_or_none(sql.get("url"), "source.sql.url", problems)
    url_env = _str_or_none(sql.get("url_env"), "source.sql.url_env", problems)
    if query is None and "query" not in sql:
        problems.append("source.sql.query: required (the SELECT that returns the lines)")
    if (url is None) == (url_env is None):
        problems.append("source.sql: give exactly one of url or url_env")
    if query:
        out["sql"] = SqlSource(query=query, url=url, url_env=url_env)
    out["file_format"] = "sql"
    return out


def _path_source(src: dict, base_dir: str | Path, problems: list[str]) -> dict[str, Any]:
    """Fields of a ``source.path`` (resolved against ``base_dir``) and its file format."""
    out: dict[str, Any] = {}
    p = _str_or_none(src["path"], "source.path", problems)
    if not p:
        return out
    path = Path(p).expanduser()
    if not path.is_absolute():
        path = Path(base_dir) / path
    if not path.exists():
        problems.append(f"source.path: file {path} not found")
    out["path"] = path
    fmt = src.get("format")
    if fmt is None:
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            problems.append(
                f"source.path: cannot tell the format of {path.name} from its "
                f"extension; set source.format to one of csv, excel, parquet"
            )
    elif fmt not in ("csv", "excel", "parquet"):
        problems.append(f"source.format: {fmt!r} not one of csv, excel, parquet")
    out["file_format"] = fmt or "csv"
    return out


def _short(val: Any, limit: int = 60) -> str:
    """``repr`` of a value cut to ``limit`` characters (messages stay one line)."""
    text = repr(val)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _delimiter(val: Any, problems: list[str]) -> str | None:
    """One character (tab and space included), a name from :data:`DELIMITER_NAMES`, or None."""
    if isinstance(val, str) and len(val) == 1 and val not in ('"', "\n", "\r"):
        return val
    name = DELIMITER_NAMES.get(val.strip().lower() if isinstance(val, str) else None)
    if name is None:
        problems.append(
            f"source.delimiter: {_short(val)} must be one character (e.g. ',', ';', '|', a tab "
            "written '\\t', a space ' ') or whitespace (runs of spaces and tabs)"
        )
    return name


def _source_options(src: dict, problems: list[str]) -> dict[str, Any]:
    """Reader options of the ``source`` section: delimiter, encoding and sheet."""
    out: dict[str, Any] = {}
    if "delimiter" in src:
        delim = _delimiter(src["delimiter"], problems)
        if delim is not None:
            out["delimiter"] = delim
    if "encoding" in src:
        v = _str_or_none(src["encoding"], "source.encoding", problems)
        if v is not None:
            out["encoding"] = v
    if "header" in src:
        if not isinstance(src["header"], bool):
            problems.append(
                f"source.header: {_short(src['header'])} must be true (first line names the "
                "columns) or false (no header: columns are named by 0-based position)"
            )
        else:
            out["header"] = src["header"]
    if "encoding" in out:
        try:
            codecs.lookup(out["encoding"])
        except LookupError:
            problems.append(
                f"source.encoding: {out['encoding']!r} is not a known encoding "
                "(e.g. utf-8, latin-1, cp1252, utf-16)"
            )
    if "sheet" in src:
        if not isinstance(src["sheet"], (str, int)) or isinstance(src["sheet"], bool):
            problems.append(f"source.sheet: {src['sheet']!r} must be a sheet name or index")
        else:
            out["sheet"] = src["sheet"]
    return out


def _source(doc: dict, base_dir: str | Path, problems: list[str]) -> dict[str, Any]:
    """Fields of the ``source`` section: a file path or a SQL query, and reader options."""
    src = _section(doc, "source", problems)
    _unknown("source", src, SOURCE_KEYS, problems)
    out: dict[str, Any] = {}
    if "path" in src and "sql" in src:
        problems.append("source: give either path or sql, not both")
    elif "sql" in src:
        out.update(_sql_source(src, problems))
    elif "path" in src:
        out.update(_path_source(src, base_dir, problems))
    else:
        problems.append("source: required, with path (a file) or sql (url/url_env and query)")
    out.update(_source_options(src, problems))
    return out


def _columns(doc: dict, problems: list[str]) -> dict[str, str]:
    """The ``columns`` section: canonical field -> source column (required ones checked).

    A column given as an integer (``invoice_ts: 1``) is the column's 0-based position in a file
    without a header (``source.header: false``); it is kept as its text, ``"1"``.
    """
    cols = _section(doc, "columns", problems)
    known = REQUIRED_COLUMNS + AMOUNT_COLUMNS + OPTIONAL_COLUMNS
    _unknown("columns", cols, known, problems)
    for c in REQUIRED_COLUMNS:
        if c not in cols:
            problems.append(f"columns.{c}: required (the source column holding {c})")
    columns = {}
    for c, v in cols.items():
        if c in known:
            is_int = isinstance(v, int) and not isinstance(v, bool)
            s = _str_or_none(str(v) if is_int else v, f"columns.{c}", problems)
            if s is not None:
                columns[c] = s
    return columns


def _amount(doc: dict, columns: dict[str, str], problems: list[str]) -> dict[str, Any]:
    """``amount``: whether the money column is a unit price or a line total (default: whichever
    of ``columns.unit_price`` / ``columns.line_total`` is mapped)."""
    given = doc.get("amount")
    mapped = [c for c in AMOUNT_COLUMNS if c in columns]
    amount = given if given is not None else (mapped[0] if len(mapped) == 1 else "unit_price")
    if amount not in AMOUNT_COLUMNS:
        problems.append(f"amount: {_short(amount)} must be unit_price or line_total")
        return {}
    if len(mapped) > 1:
        problems.append("columns: map either unit_price or line_total, not both")
    elif amount not in columns:
        problems.append(
            f"columns.{amount}: required (the source column holding the "
            + ("unit price; or map line_total with amount: line_total)" if amount == "unit_price"
               else "line total, quantity x unit price)")
        )
    return {"amount": amount}


def _positions(m: dict[str, Any], problems: list[str]) -> None:
    """Without a header every mapped column must be a 0-based position (``invoice_ts: 1``)."""
    if m.get("header", True):
        return
    used = {**{f"columns.{k}": v for k, v in m["columns"].items()},
            **{f"customer_attributes.{k}": v for k, v in m["customer_attributes"].items()}}
    if m.get("cancel_status_column"):
        used["cancellations.status_column"] = m["cancel_status_column"]
    for where, v in used.items():
        if not str(v).isdigit():
            problems.append(
                f"{where}: {_short(v)} must be a 0-based column position (source.header is "
                "false, so the columns have no names)"
            )


def _customer_attributes(doc: dict, columns: dict[str, str],
                         problems: list[str]) -> dict[str, str]:
    """The ``customer_attributes`` section (needs a mapped ``customer_id``)."""
    attrs = _section(doc, "customer_attributes", problems)
    _unknown("customer_attributes", attrs, CUSTOMER_ATTRIBUTES, problems)
    out = {
        k: v
        for k, v in attrs.items()
        if k in CUSTOMER_ATTRIBUTES and _str_or_none(v, f"customer_attributes.{k}", problems)
    }
    if out and "customer_id" not in columns:
        problems.append("customer_attributes: needs columns.customer_id to attach them to")
    return out


def _number_formats(parse: dict, problems: list[str]) -> dict[str, Any]:
    """Date formats and decimal / thousands separators of the ``parse`` section."""
    out: dict[str, Any] = {}
    if "date_format" in parse:
        df_ = parse["date_format"]
        fmts = [df_] if isinstance(df_, str) else df_
        if (
            not isinstance(fmts, list)
            or not fmts
            or not all(isinstance(f, str) and f for f in fmts)
        ):
            problems.append(
                "parse.date_format: expected a format string (e.g. %d/%m/%Y %H:%M), "
                "ISO8601, or a list of formats tried in order"
            )
        else:
            out["date_formats"] = tuple(fmts)
    for key in ("decimal", "thousands"):
        if key in parse:
            v = parse[key]
            if not isinstance(v, str) or len(v) > 1 or (key == "decimal" and not v):
                problems.append(
                    f"parse.{key}: {v!r} must be one character"
                    + (" or empty" if key == "thousands" else "")
                )
            else:
                out[key] = v
    if out.get("decimal", ".") == out.get("thousands", ""):
        problems.append("parse: decimal and thousands separators must differ")
    return out


def _parse_defaults(parse: dict, problems: list[str]) -> dict[str, Any]:
    """Country default, future tolerance (days) and reference date of the ``parse`` section."""
    out: dict[str, Any] = {}
    if "country_default" in parse:
        v = _str_or_none(parse["country_default"], "parse.country_default", problems)
        if v:
            out["country_default"] = v
    if "future_tolerance_days" in parse:
        v = parse["future_tolerance_days"]
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 3650:
            problems.append(f"parse.future_tolerance_days: {v!r} must be an integer 0..3650")
        else:
            out["future_tolerance_days"] = v
    if parse.get("reference_date") not in (None, ""):
        v = parse["reference_date"]
        try:
            if isinstance(v, (_dt.date, _dt.datetime)):
                out["reference_date"] = pd.Timestamp(v)
            else:
                out["reference_date"] = pd.Timestamp(_dt.date.fromisoformat(str(v)))
        except ValueError:
            problems.append(f"parse.reference_date: {v!r} is not an ISO date YYYY-MM-DD")
    return out


def _parse_section(doc: dict, problems: list[str]) -> dict[str, Any]:
    """Fields of the ``parse`` section: number and date formats, defaults."""
    parse = _section(doc, "parse", problems)
    _unknown("parse", parse, PARSE_KEYS, problems)
    return {**_number_formats(parse, problems), **_parse_defaults(parse, problems)}


def _currency(doc: dict, problems: list[str]) -> dict[str, Any]:
    """The ``currency`` section: a code, or keys code and fx_to_gbp (GBP per unit)."""
    out: dict[str, Any] = {}
    cur = doc.get("currency", {})
    if isinstance(cur, str):
        cur = {"code": cur}
    if not isinstance(cur, dict):
        problems.append("currency: expected a code (e.g. GBP) or keys code and fx_to_gbp")
        cur = {}
    _unknown("currency", cur, CURRENCY_KEYS, problems)
    code = cur.get("code", "GBP")
    if isinstance(code, str) and "fx_to_gbp" in cur and code.strip().upper() == "GBP":
        problems.append("currency.fx_to_gbp: the amounts are already GBP; leave fx_to_gbp out")
    if not isinstance(code, str) or not code.strip():
        problems.append(f"currency.code: {code!r} must be a currency label such as GBP or EUR")
    else:
        out["currency"] = code.strip().upper()
    if "fx_to_gbp" in cur:
        fx = cur["fx_to_gbp"]
        if isinstance(fx, bool) or not isinstance(fx, (int, float)) or not 0 < fx < 1e6:
            problems.append(
                f"currency.fx_to_gbp: {fx!r} must be a positive number "
                "(GBP per one unit of the currency)"
            )
        else:
            out["fx_to_gbp"] = float(fx)
    return out


def _rule_codes(val: Any, base: CleaningRules, problems: list[str]) -> dict[str, Any]:
    """``rules.non_product_codes``: a list extends the base set's codes, ``false`` empties it."""
    if val is False:
        return {"non_product_codes": frozenset()}
    vals = [val] if isinstance(val, str) else val
    if not isinstance(vals, list) or not all(isinstance(v, (str, int)) for v in vals):
        problems.append(
            "rules.non_product_codes: expected a list of stock codes (added to the base set's) "
            "or false (no code is a non-product)"
        )
        return {}
    codes = frozenset(str(v).strip().upper() for v in vals if str(v).strip())
    return {"non_product_codes": base.non_product_codes | codes}


def _rule_switches(sec: dict, problems: list[str]) -> dict[str, Any]:
    """``rules``: pattern, the two booleans and ``max_quantity``."""
    out: dict[str, Any] = {}
    if "non_product_pattern" in sec:
        pat = sec["non_product_pattern"]
        if pat is False or pat is None:
            out["non_product_pattern"] = None
        elif not isinstance(pat, str) or not pat:
            problems.append("rules.non_product_pattern: expected a regular expression or false")
        else:
            try:
                re.compile(pat)
                out["non_product_pattern"] = pat
            except re.error as exc:
                problems.append(f"rules.non_product_pattern: {_short(pat)} is not a regex ({exc})")
    for key in ("drop_exact_duplicates", "match_cancellations", "keep_zero_price"):
        if key in sec:
            if isinstance(sec[key], bool):
                out[key] = sec[key]
            else:
                problems.append(f"rules.{key}: {_short(sec[key])} must be true or false")
    if "max_quantity" in sec:
        v = sec["max_quantity"]
        if v is False or v is None:
            out["max_quantity"] = None
        elif isinstance(v, int) and not isinstance(v, bool) and v >= 1:
            out["max_quantity"] = v
        else:
            problems.append(f"rules.max_quantity: {_short(v)} must be a whole number >= 1 or false")
    return out


def _rules(doc: dict, problems: list[str]) -> dict[str, Any]:
    """The ``rules`` section: a named base set (default ``neutral``) and changes to it."""
    sec = _section(doc, "rules", problems)
    _unknown("rules", sec, RULES_KEYS, problems)
    base_name = sec.get("base", "neutral")
    if base_name not in RULE_SETS:
        problems.append(f"rules.base: {_short(base_name)} not one of {', '.join(RULE_SETS)}")
        base_name = "neutral"
    base = RULE_SETS[base_name]
    changes = _rule_switches(sec, problems)
    if "non_product_codes" in sec:
        changes.update(_rule_codes(sec["non_product_codes"], base, problems))
    rules = replace(base, **changes)
    if rules != base:
        rules = replace(rules, name=f"{base_name}+mapping")
    return {"rules": rules}


def _status_cancellations(canc: dict, problems: list[str]) -> dict[str, Any]:
    """Cancellations marked by a status column and the values that mean cancelled."""
    out: dict[str, Any] = {"cancel_prefix": None}
    out["cancel_status_column"] = _str_or_none(
        canc["status_column"], "cancellations.status_column", problems
    )
    vals = canc.get("status_values")
    if isinstance(vals, str):
        vals = [vals]
    if not isinstance(vals, list) or not vals:
        problems.append(
            "cancellations.status_values: required with status_column "
            "(the values that mean cancelled, e.g. [Cancelled, Refunded])"
        )
    else:
        out["cancel_status_values"] = tuple(str(v) for v in vals)
    return out


def _cancellations(doc: dict, problems: list[str]) -> dict[str, Any]:
    """The ``cancellations`` section: one of invoice prefix, negative quantity, status column."""
    out: dict[str, Any] = {}
    canc = _section(doc, "cancellations", problems)
    _unknown("cancellations", canc, CANCEL_KEYS, problems)
    modes = [k for k in ("invoice_prefix", "negative_quantity", "status_column") if k in canc]
    if len(modes) > 1:
        problems.append(f"cancellations: choose one way of marking them, got {modes}")
    if "invoice_prefix" in canc:
        out["cancel_prefix"] = _str_or_none(
            canc["invoice_prefix"], "cancellations.invoice_prefix", problems
        )
    elif "negative_quantity" in canc:
        if canc["negative_quantity"] is not True:
            problems.append("cancellations.negative_quantity: must be true (or leave it out)")
        out["cancel_prefix"] = None
        out["cancel_negative_quantity"] = True
    elif "status_column" in canc:
        out.update(_status_cancellations(canc, problems))
    elif "status_values" in canc:
        problems.append("cancellations.status_values: needs status_column")
    return out


def _cancellations_without_invoice(kw: dict[str, Any], doc: dict, problems: list[str]) -> None:
    """No invoice column: no prefix can mark a cancellation; negative quantities do."""
    if "invoice" in kw["columns"]:
        return
    canc = doc.get("cancellations") or {}
    if isinstance(canc, dict) and "invoice_prefix" in canc:
        problems.append(
            "cancellations.invoice_prefix: needs columns.invoice (without an invoice column "
            "use negative_quantity: true or status_column)"
        )
    elif not (isinstance(canc, dict) and "status_column" in canc):
        kw["cancel_prefix"] = None
        kw["cancel_negative_quantity"] = True


def _personal_columns(doc: dict, problems: list[str]) -> dict[str, Any]:
    """``personal_columns_allowed``: source columns allowed through the privacy scan."""
    allowed = doc.get("personal_columns_allowed") or []
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        problems.append("personal_columns_allowed: expected a list of source column names")
        return {}
    return {"personal_columns_allowed": tuple(allowed)}


def parse_mapping(doc: Any, base_dir: str | Path = ".", name: str = "mapping") -> Mapping:
    """Validate a mapping document (the parsed YAML) and build a :class:`Mapping`.

    Parameters
    ----------
    doc
        The YAML document (a dict).
    base_dir
        Folder that relative ``source.path`` values are resolved against (the mapping file's).
    name
        Name used in error messages (the mapping file's path).

    Raises
    ------
    MappingError
        Listing every problem found (unknown keys with a suggestion, missing required columns,
        wrong types, out-of-range values, a source file that does not exist).
    """
    if not isinstance(doc, dict):
        raise MappingError(
            f"{name}: expected a YAML mapping (key: value lines), got "
            f"{type(doc).__name__}; see docs/mapping.md"
        )
    problems: list[str] = []
    _unknown("top level", doc, TOP_KEYS, problems)
    if doc.get("version", 1) != 1:
        problems.append(f"version: {doc['version']!r} not supported (only 1)")
    kw: dict[str, Any] = {"name": name}
    kw.update(_source(doc, base_dir, problems))
    kw["columns"] = _columns(doc, problems)
    kw["customer_attributes"] = _customer_attributes(doc, kw["columns"], problems)
    kw.update(_amount(doc, kw["columns"], problems))
    kw.update(_parse_section(doc, problems))
    kw.update(_currency(doc, problems))
    kw.update(_cancellations(doc, problems))
    _cancellations_without_invoice(kw, doc, problems)
    kw.update(_personal_columns(doc, problems))
    kw.update(_rules(doc, problems))
    _positions(kw, problems)
    if problems:
        raise MappingError(
            f"{name}: invalid mapping (see docs/mapping.md):\n  - " + "\n  - ".join(problems)
        )
    return Mapping(**kw)


def _expanded_nodes(node: yaml.Node, limit: int) -> int:
    """Nodes of a composed YAML document counting every alias use as a copy, stopping as soon
    as the count exceeds ``limit`` (so an alias bomb is measured without being built)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: yaml.Node) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:  # a recursive alias (&a [*a]) expands without end
            return limit + 1
        active.add(key)
        total = 1
        if isinstance(n, yaml.SequenceNode):
            children = list(n.value)
        elif isinstance(n, yaml.MappingNode):
            children = [c for pair in n.value for c in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > limit:
                break
        active.discard(key)
        sizes[key] = min(total, limit + 1)
        return sizes[key]

    return size(node)


def _safe_yaml(text: str, path: Path) -> Any:
    """``yaml.safe_load`` with a limit on the document's size after alias expansion.

    Raises
    ------
    MappingError
        The document expands to more than :data:`MAX_YAML_NODES` nodes (e.g. an alias bomb).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        n = _expanded_nodes(node, MAX_YAML_NODES)
        if n > MAX_YAML_NODES:
            raise MappingError(
                f"{path}: YAML expands to more than {MAX_YAML_NODES:,} nodes once its anchors "
                f"and aliases (*name) are expanded; the limit is {MAX_YAML_NODES:,} nodes "
                "(an alias bomb?); write the mapping's keys without nested aliases"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping YAML file; relative source paths are resolved against the
    file's folder.

    Raises
    ------
    MappingError
        The file is missing, empty, larger than :data:`MAX_MAPPING_BYTES`, not valid YAML,
        expands to more than :data:`MAX_YAML_NODES` nodes, or fails :func:`parse_mapping`.
    """
    if not str(path).strip():
        raise MappingError(
            "dataset custom needs a mapping file: make all DATASET=custom MAPPING=path.yaml "
            "(see docs/mapping.md and examples/mapping_example.yaml)"
        )
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"{path}: mapping file not found")
    size = path.stat().st_size
    if size > MAX_MAPPING_BYTES:
        raise MappingError(
            f"{path}: mapping file is {size:,} bytes; the limit is {MAX_MAPPING_BYTES:,} bytes "
            "(a mapping is a few dozen lines)"
        )
    try:
        doc = _safe_yaml(path.read_text(encoding="utf-8"), path)
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise MappingError(f"{path}: YAML nested too deeply to be a mapping") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise MappingError(
            f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"
        ) from None
    if doc is None:
        raise MappingError(f"{path}: mapping file is empty; see examples/mapping_example.yaml")
    return parse_mapping(doc, base_dir=path.parent, name=str(path))


def check_columns(mapping: Mapping, available: list[str], file: str) -> None:
    """Raise :class:`InputError` if a column the mapping needs is not among ``available``.

    The message lists every missing column, what it was mapped to, a close match when there is
    one, and the columns the file does have.
    """
    have = [str(c) for c in available]
    roles = {v: k for k, v in mapping.columns.items()}
    roles.update({v: f"customer attribute {k}" for k, v in mapping.customer_attributes.items()})
    if mapping.cancel_status_column:
        roles[mapping.cancel_status_column] = "cancellation status"
    missing = [c for c in mapping.needed_columns() if c not in have]
    if not missing:
        return
    parts = []
    for c in missing:
        lower = {h.lower(): h for h in have}
        near = difflib.get_close_matches(c.lower(), list(lower), n=1, cutoff=0.5)
        hint = f", did you mean {lower[near[0]]!r}?" if near else ""
        parts.append(f"{c!r} (mapped to {roles.get(c, '?')}{hint})")
    raise InputError(
        file,
        f"column(s) {', '.join(parts)} not in the file; available columns: {have}; "
        f"fix the columns section of {mapping.name}",
        column=missing[0],
    )

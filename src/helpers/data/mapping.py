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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

REQUIRED_COLUMNS: tuple[str, ...] = (
    "invoice",
    "stock_code",
    "quantity",
    "invoice_ts",
    "unit_price",
)
"""Canonical fields every mapping must map to a source column."""
OPTIONAL_COLUMNS: tuple[str, ...] = ("description", "customer_id", "country")
"""Canonical fields a mapping may map (missing: null description, guest lines, a default
country)."""
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
)
SOURCE_KEYS = ("path", "format", "sheet", "delimiter", "encoding", "sql")
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
    customer_attributes: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ("ISO8601",)
    decimal: str = "."
    thousands: str = ""
    country_default: str = "Unknown"
    future_tolerance_days: int = 1
    reference_date: pd.Timestamp | None = None
    currency: str = "GBP"
    fx_to_gbp: float = 1.0
    cancel_prefix: str | None = "C"
    cancel_negative_quantity: bool = False
    cancel_status_column: str | None = None
    cancel_status_values: tuple[str, ...] = ()
    personal_columns_allowed: tuple[str, ...] = ()

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
        problems.append(f"{where}: expected a non-empty string, got {val!r}")
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


def _source_options(src: dict, problems: list[str]) -> dict[str, Any]:
    """Reader options of the ``source`` section: delimiter, encoding and sheet."""
    out: dict[str, Any] = {}
    for key in ("delimiter", "encoding"):
        if key in src:
            v = _str_or_none(src[key], f"source.{key}", problems)
            if v is not None:
                out[key] = v
    if out.get("delimiter") is not None and len(out.get("delimiter", ",")) != 1:
        problems.append(f"source.delimiter: {out['delimiter']!r} must be one character")
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
    """The ``columns`` section: canonical field -> source column (required ones checked)."""
    cols = _section(doc, "columns", problems)
    _unknown("columns", cols, REQUIRED_COLUMNS + OPTIONAL_COLUMNS, problems)
    for c in REQUIRED_COLUMNS:
        if c not in cols:
            problems.append(f"columns.{c}: required (the source column holding {c})")
    columns = {}
    for c, v in cols.items():
        if c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            s = _str_or_none(v if not isinstance(v, int) else str(v), f"columns.{c}", problems)
            if s is not None:
                columns[c] = s
    return columns


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
    kw.update(_parse_section(doc, problems))
    kw.update(_currency(doc, problems))
    kw.update(_cancellations(doc, problems))
    kw.update(_personal_columns(doc, problems))
    if problems:
        raise MappingError(
            f"{name}: invalid mapping (see docs/mapping.md):\n  - " + "\n  - ".join(problems)
        )
    return Mapping(**kw)


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping YAML file; relative source paths are resolved against the
    file's folder.

    Raises
    ------
    MappingError
        The file is missing, empty, not valid YAML, or fails :func:`parse_mapping`.
    """
    if not str(path).strip():
        raise MappingError(
            "dataset custom needs a mapping file: make all DATASET=custom MAPPING=path.yaml "
            "(see docs/mapping.md and examples/mapping_example.yaml)"
        )
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"{path}: mapping file not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
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

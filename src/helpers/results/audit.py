"""Scan rendered reports and exports for personal data that must not leave ingest.

Three kinds of finding, counted per file:

``raw_id``
    A source customer ID (from ``data/interim/<dataset>/customer_map.parquet``) written as a
    whole token (``12346`` or ``12346.0``) either shortly after a customer word on the same
    line (``"customer": 12346``) or in a table column (HTML or CSV) headed by a customer word.
    Matching only known IDs, and only in such a context, keeps counts, prices and quantities
    that happen to equal an ID from being reported.
``email``
    An e-mail-like string (``helpers.data.privacy.EMAIL_RE``).
``customer_id_column``
    The surrogate ``customer_id`` shown as a table column (an HTML ``<th>``, a Markdown or CSV
    header, a JSON key, or a DataFrame header in a notebook output): reports must show
    ``privacy.pseudonymise`` keys instead.

Only text files are read (:data:`TEXT_SUFFIXES`); in ``.ipynb`` files only cell outputs and
Markdown are scanned (code legitimately names ``customer_id``).
"""

from __future__ import annotations

import csv
import html as _html_mod
import io
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from helpers.data.privacy import EMAIL_RE

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".html", ".htm", ".md", ".csv", ".tsv", ".json", ".ipynb", ".txt")
CONTEXT_RE = re.compile(r"customer|client|cust_?id|member|account|buyer|shopper", re.I)
TOKEN_RE = re.compile(r"(?<![\w.@-])([A-Za-z0-9][A-Za-z0-9_-]*?)(?:\.0)?(?![\w@]|\.\d)")
COLUMN_PATTERNS = (
    re.compile(r"<th[^>]*>\s*customer_id\s*</th>", re.I),
    re.compile(r"^\s*\|(?:[^|\n]*\|)*\s*customer_id\s*\|", re.M),
    re.compile(r"^(?:[^,\n]*,)*\"?customer_id\"?(?:,|$)", re.M),
    re.compile(r"\"customer_id\"\s*:"),
)
"""Ways a ``customer_id`` column shows up in HTML, Markdown, CSV and JSON."""
TEXT_COLUMN_RE = re.compile(r"(?:.*\s)?customer_id(?:\s.*)?")
"""A DataFrame printed as text with a ``customer_id`` header or index name."""


def normalise_id(value: object) -> str:
    """``12346.0`` -> ``12346``; other values as stripped text."""
    s = str(value).strip()
    return re.sub(r"^(\d+)\.0+$", r"\1", s)


def known_ids(interim_root: str | Path) -> set[str]:
    """All source customer IDs in ``<interim_root>/*/customer_map.parquet`` (as text)."""
    ids: set[str] = set()
    for f in sorted(Path(interim_root).glob("*/customer_map.parquet")):
        col = pd.read_parquet(f, columns=["source_customer_id"])["source_customer_id"]
        ids.update(normalise_id(v) for v in col.dropna().unique())
    return ids


def _notebook_text(raw: str) -> tuple[str, str]:
    """(outputs + markdown text, text/plain outputs) of a notebook's JSON."""
    try:
        nb = json.loads(raw)
    except json.JSONDecodeError:
        return raw, ""
    parts, plain = [], []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            parts.append("".join(cell.get("source", [])))
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for mime in ("text/html", "text/markdown", "text/plain"):
                if mime in data:
                    txt = "".join(data[mime]) if isinstance(data[mime], list) else data[mime]
                    parts.append(txt)
                    if mime == "text/plain":
                        plain.append(txt)
            if "text" in out:
                t = out["text"]
                parts.append("".join(t) if isinstance(t, list) else t)
    return "\n".join(parts), "\x00".join(plain)


TABLE_RE = re.compile(r"<table.*?</table>", re.S | re.I)
ROW_RE = re.compile(r"<tr.*?</tr>", re.S | re.I)
CELL_RE = re.compile(r"<t([hd])[^>]*>(.*?)</t[hd]>", re.S | re.I)
TAG_RE = re.compile(r"<[^>]+>")
LINE_CONTEXT_CHARS = 60
"""A raw ID counts when a customer word appears at most this many characters before it on the
same line (``"customer": 12346``, ``Customer ID 12346``) or heads its table column."""


QUANTITY_RE = re.compile(
    r"n_|order|count|share|amt|amount|revenue|days|rate|total|number|sum|mean|median|size", re.I)
"""Words between the customer word and a number that make the number a quantity, not an id."""


def _raw_ids_in_lines(text: str, ids: set[str]) -> int:
    n = 0
    for m in TOKEN_RE.finditer(text):
        if m.group(1) not in ids:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[max(line_start, m.start() - LINE_CONTEXT_CHARS) : m.start()]
        words = list(CONTEXT_RE.finditer(before))
        if not words:
            continue
        last = words[-1]
        # a count or amount about customers ("n_customer_orders": 13376) is not an id
        label = before[max(0, last.start() - 2): last.start()] + before[last.end():]
        if not QUANTITY_RE.search(label):
            n += 1
    return n


def _raw_ids_in_tables(rows: list[list[str]], ids: set[str], header_rows: int) -> int:
    """Count known IDs in columns whose header (any of the first ``header_rows``) is a
    customer word."""
    cols = {j for r in rows[:header_rows] for j, c in enumerate(r) if CONTEXT_RE.search(c)}
    return sum(
        1 for r in rows[header_rows:] for j in cols if j < len(r) and normalise_id(r[j]) in ids
    )


def _html_tables(text: str) -> list[tuple[list[list[str]], int]]:
    out = []
    for t in TABLE_RE.findall(text):
        rows, n_head = [], 0
        for tr in ROW_RE.findall(t):
            cells = CELL_RE.findall(tr)
            rows.append([TAG_RE.sub("", c).strip() for _, c in cells])
            if cells and all(kind.lower() == "h" for kind, _ in cells) and len(rows) == n_head + 1:
                n_head += 1
        out.append((rows, max(n_head, 1)))
    return out


def _header_lines(plain: str) -> list[str]:
    """First two lines of each text output (a DataFrame's header and index-name lines)."""
    out = []
    for block in plain.split("\x00"):
        out.extend(block.strip("\n").splitlines()[:2])
    return out


def scan_text(text: str, ids: set[str], plain: str = "", csv_rows: list[list[str]] | None = None
              ) -> dict[str, int]:
    """Count findings in one text.

    Parameters
    ----------
    text
        The text to scan (HTML, Markdown, CSV, JSON ...).
    ids
        Known raw source customer IDs (see :func:`known_ids`).
    plain
        Text-rendered tables (notebook ``text/plain`` outputs, separated by NUL) to check for a
        ``customer_id`` header.
    csv_rows
        The file parsed as CSV rows (header first), when it is a CSV/TSV file.
    """
    raw = 0
    if ids:
        raw += _raw_ids_in_lines(TABLE_RE.sub(" ", text), ids)
        for rows, n_head in _html_tables(text):
            raw += _raw_ids_in_tables(rows, ids, n_head)
        if csv_rows:
            raw += _raw_ids_in_tables(csv_rows, ids, 1)
    emails = len(EMAIL_RE.findall(text))
    cols = sum(len(p.findall(text)) for p in COLUMN_PATTERNS)
    cols += sum(1 for ln in _header_lines(plain) if TEXT_COLUMN_RE.fullmatch(ln))
    return {"raw_id": raw, "email": emails, "customer_id_column": cols}


def scan_paths(paths: Iterable[str | Path], ids: set[str]) -> pd.DataFrame:
    """Scan files and folders (recursively) and return one row per file with a finding.

    Returns
    -------
    DataFrame
        ``file``, ``raw_id``, ``email``, ``customer_id_column`` (counts); empty when clean.

    Raises
    ------
    FileNotFoundError
        If a given path does not exist.
    """
    rows = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"privacy scan: {p} does not exist")
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
        for f in files:
            if f.suffix.lower() not in TEXT_SUFFIXES:
                continue
            raw = f.read_text(encoding="utf-8", errors="replace")
            text, plain = _notebook_text(raw) if f.suffix == ".ipynb" else (raw, "")
            csv_rows = None
            if f.suffix.lower() in (".csv", ".tsv"):
                delim = "\t" if f.suffix.lower() == ".tsv" else ","
                csv_rows = list(csv.reader(io.StringIO(raw), delimiter=delim))
            counts = scan_text(text, ids, plain, csv_rows)
            if any(counts.values()):
                rows.append({"file": str(f), **counts})
    cols = ["file", "raw_id", "email", "customer_id_column"]
    return pd.DataFrame(rows, columns=cols)


# ---- how the rendered reports read --------------------------------------------------------
# Code cells are left out (the reports show the code, and code may write 1e-6 or np.nan).
CODE_RE = re.compile(r'<div class="highlight[^"]*">\s*<pre>.*?</pre>\s*</div>', re.S)
STYLE_RE = re.compile(r"<(script|style)[^>]*>.*?</\1>", re.S | re.I)
READING_PROBLEMS = {
    "scientific notation": re.compile(r"(?<![\w.])\d+(?:\.\d+)?e[+-]?\d+\b", re.I),
    "nan": re.compile(r"(?<![\w.])(?:nan|NaN|NaT)(?![\w])"),
    "local path": re.compile(r"(?:/work/|/home/|/root/|/tmp/|/Users/|site-packages|[A-Z]:\\\\)"),
    "warning": re.compile(r"\b\w*Warning\b|Traceback \(most recent call last\)"),
}


TRUNCATED_CELL_RE = re.compile(r"\w\.\.\.\s*</td>")
"""A table cell whose text pandas cut short (``display.max_colwidth``)."""


def report_problems(html_text: str) -> list[tuple[str, str]]:
    """What a reader should not meet in a rendered report: ``(kind, excerpt)`` per finding.

    Scans the text outside code cells for scientific notation (``5.23e+06``), ``nan``/``NaT``,
    local file paths (``/work/…``, ``site-packages``) and warnings or tracebacks, and the
    tables for cells whose text was cut short (``account manag...``).
    """
    no_code = CODE_RE.sub(" ", html_text)
    found = [("truncated cell", no_code[max(0, m.start() - 50): m.end()].strip())
             for m in TRUNCATED_CELL_RE.finditer(no_code)]
    text = TAG_RE.sub(" ", CODE_RE.sub(" ", STYLE_RE.sub(" ", html_text)))
    text = re.sub(r"\s+", " ", _html_mod.unescape(text))
    for kind, rx in READING_PROBLEMS.items():
        for m in rx.finditer(text):
            found.append((kind, text[max(0, m.start() - 50): m.end() + 30].strip()))
    return found

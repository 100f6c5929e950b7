"""Data acquisition and integration of raw sources into the canonical CRM schema.

Flow (``make data`` then notebook 01)::

    acquire(dataset)            find raw files (data/raw/<ds>, a folder named by CRM_DATA_DIR,
                                or a download with SHA-256 check) -> data/raw/<ds>/ (read-only)
    adapter.read(raw_dir)       -> SourceData: raw lines in the source-standard columns below,
                                   plus optional customer / interaction / feedback / opportunity
                                   tables keyed by the source's customer id
    cleaning.clean(lines)       -> kept lines, quarantine with reasons, reconciled ledger
    build_canonical(...)        -> the tables of helpers.data.schema with surrogate customer ids
                                   (with the quarantine: also reversed_purchases, the purchases
                                   a later cancellation reversed, for as-of backtests)

A new source (another CRM export) is one adapter module in ``helpers/adapters`` with a
``read(raw_dir) -> SourceData`` function, registered in :data:`ADAPTERS`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data import cleaning, schema
from helpers.data.mapping import InputError
from helpers.data.rules import CleaningRules

log = logging.getLogger(__name__)

RAW_COLUMNS: dict[str, str] = {
    "source_file": "string",
    "source_row": "int64",
    "invoice": "string",
    "stock_code": "string",
    "description": "string",
    "quantity": "int64",
    "invoice_ts": "datetime64[ns]",
    "unit_price": "float64",
    "source_customer_id": "string",
    "country": "string",
}
"""Source-standard columns every adapter returns. ``source_row`` is the 1-based data row in
``source_file`` (header excluded), so any line can be traced back to the raw file."""


class DataNotFoundError(FileNotFoundError):
    """Raw data is neither present locally nor downloadable; the message says what to do."""


@dataclass(frozen=True)
class KnownFile:
    """A raw file we know by name, size and SHA-256."""

    name: str
    sha256: str
    description: str


ONLINE_RETAIL_II_FILES: dict[str, tuple[KnownFile, ...]] = {
    # The per-sheet CSV layout (one gzip CSV per sheet; see ../shared/datasets/README.md).
    "csv_gz": (
        KnownFile(
            "online_retail_II_2009-2010.csv.gz",
            "b63c197e337cd86812c761eb998f5d01789748fdf4aca1ce17bfbcab93ea1552",
            "sheet Year 2009-2010",
        ),
        KnownFile(
            "online_retail_II_2010-2011.csv.gz",
            "760f4d0659ebcca335b8005e6b09bc21240d57e778abd09b117f1c077f9a7e59",
            "sheet Year 2010-2011",
        ),
    ),
    "csv": (
        KnownFile(
            "online_retail_II_2009-2010.csv",
            "28cf26fba698f80a5c65605d454e8237978c66239d8440a6bb01dfde3155ccff",
            "sheet Year 2009-2010, decompressed",
        ),
        KnownFile(
            "online_retail_II_2010-2011.csv",
            "8aaea7c688e19e344aac00577dbe5080f0da4e3f495ba6a4109bddd930ef9f63",
            "sheet Year 2010-2011, decompressed",
        ),
    ),
    # The original workbook as distributed by UCI (the only member of the zip).
    "xlsx": (
        KnownFile(
            "online_retail_II.xlsx",
            "bcbe73b35f5b7babf197fb0cb983a11f5d9ff929078d4aa53d171b1f2df2e980",
            "original Excel workbook, two sheets",
        ),
    ),
}
UCI_ZIP_URL = "https://archive.ics.uci.edu/static/public/502/online+retail+ii.zip"
UCI_ZIP_SHA256 = "572e36277c2390fbfde10664750731e0a86f55e33470d91919085f0408e67bfb"


@dataclass
class SourceData:
    """What an adapter returns.

    Attributes
    ----------
    lines
        Raw lines in :data:`RAW_COLUMNS` plus ``set_aside`` (a reason code for rows the adapter
        already knows must not be used, e.g. ``source_overlap``; null otherwise).
    files
        Provenance: one row per file read (file, sha256, rows).
    customers
        Optional customer master: ``source_customer_id`` plus optional schema columns.
    extra
        Optional tables (interactions, feedback, opportunities, campaign) with
        ``source_customer_id``.
    ground_truth
        Synthetic data only: ``ground_truth_customers`` keyed by ``source_customer_id`` and
        the generator's parameters.
    currency
        ISO code of the ``unit_price`` amounts (``GBP`` for Online Retail II and synthetic; a
        custom export's mapping code, or ``GBP`` when the mapping converts with ``fx_to_gbp``).
    order_key
        What identifies an order: ``invoice`` (the source's invoice / basket id) or
        ``customer+timestamp`` (no invoice column: one order per customer and timestamp).
    rules
        The cleaning rule set this source should be cleaned with (Online Retail II rules for
        Online Retail II and synthetic; the mapping's, neutral by default, for custom data).
    warnings
        Suspicious but usable input (e.g. an invoice column that looks like a customer id),
        to be recorded with the ledger.
    """

    lines: pd.DataFrame
    files: pd.DataFrame
    customers: pd.DataFrame | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    ground_truth_customers: pd.DataFrame | None = None
    ground_truth: dict | None = None
    currency: str = "GBP"
    order_key: str = "invoice"
    rules: CleaningRules = field(default_factory=CleaningRules)
    warnings: list[str] = field(default_factory=list)

    def record(self) -> dict[str, object]:
        """What the ledger should carry about the source: currency, order key, cleaning rule
        set and the rules that ran, and any warnings."""
        return {
            "currency": self.currency,
            "order_key": self.order_key,
            **self.rules.record(),
            "warnings": list(self.warnings),
        }


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def find_layout(folder: Path) -> tuple[str, list[Path]] | None:
    """Which known Online Retail II layout ``folder`` holds (csv_gz, csv or xlsx), if any."""
    for layout, files in ONLINE_RETAIL_II_FILES.items():
        paths = [folder / f.name for f in files]
        if all(p.exists() for p in paths):
            return layout, paths
    return None


def verify(paths: list[Path], layout: str) -> None:
    """Check each file's SHA-256 against the known value; raise naming the file on mismatch."""
    for known, path in zip(ONLINE_RETAIL_II_FILES[layout], paths, strict=True):
        got = sha256_file(path)
        if got != known.sha256:
            raise ValueError(
                f"{path}: SHA-256 {got} does not match the known {known.sha256} "
                f"({known.description}); the file is altered or truncated: fetch it again"
            )


def acquire_online_retail_ii(
    raw_dir: str | Path,
    search_dirs: tuple[str | Path, ...] = (),
    allow_download: bool = True,
    url: str = UCI_ZIP_URL,
    timeout_s: float = 60.0,
) -> list[Path]:
    """Make the Online Retail II files available in ``raw_dir`` and return their paths.

    Looks in ``raw_dir`` first, then each of ``search_dirs`` (copying verified files into
    ``raw_dir``, read-only), then downloads the UCI zip and checks its SHA-256.

    Raises
    ------
    DataNotFoundError
        With instructions when no copy is found and the download fails (e.g. offline).
    """
    raw_dir = Path(raw_dir)
    found = find_layout(raw_dir)
    if found:
        layout, paths = found
        verify(paths, layout)
        log.info("using %s files already in %s", layout, raw_dir)
        return paths
    for d in search_dirs:
        if not d:
            continue
        d = Path(d).expanduser()
        found = find_layout(d)
        if not found:
            log.info("no Online Retail II files in %s", d)
            continue
        layout, paths = found
        verify(paths, layout)
        raw_dir.mkdir(parents=True, exist_ok=True)
        out = []
        for p in paths:
            dest = raw_dir / p.name
            shutil.copyfile(p, dest)
            dest.chmod(0o444)
            out.append(dest)
        log.info("copied %s files from %s to %s (checksums verified)", layout, d, raw_dir)
        return out
    if allow_download:
        try:
            return _download_uci(raw_dir, url, timeout_s)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = f"download from {url} failed ({exc})"
    else:
        reason = "download disabled"
    raise DataNotFoundError(
        "Online Retail II raw files not found and " + reason + ".\n"
        "Do one of:\n"
        f"  * put online_retail_II.xlsx (from {url}) or the two per-sheet files\n"
        "    online_retail_II_2009-2010.csv.gz / online_retail_II_2010-2011.csv.gz\n"
        f"    into {raw_dir}/\n"
        "  * point the workbook at a folder that has them: make all CRM_DATA_DIR=/path/to/folder\n"
        "  * run the offline demo on synthetic data instead: make demo"
    )


def _download_uci(raw_dir: Path, url: str, timeout_s: float) -> list[Path]:
    raw_dir.mkdir(parents=True, exist_ok=True)
    zip_path = raw_dir / "online_retail_ii.zip.part"
    log.info("downloading %s", url)
    with urllib.request.urlopen(url, timeout=timeout_s) as resp, open(zip_path, "wb") as fh:
        shutil.copyfileobj(resp, fh)
    got = sha256_file(zip_path)
    if got != UCI_ZIP_SHA256:
        zip_path.unlink()
        raise ValueError(f"{url}: SHA-256 {got} does not match the known {UCI_ZIP_SHA256}")
    with zipfile.ZipFile(zip_path) as zf:
        zf.extract("online_retail_II.xlsx", raw_dir)
    zip_path.unlink()
    xlsx = raw_dir / "online_retail_II.xlsx"
    verify([xlsx], "xlsx")
    xlsx.chmod(0o444)
    return [xlsx]


def check_raw_columns(lines: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check an adapter's output has :data:`RAW_COLUMNS` with the right dtypes."""
    missing = [c for c in RAW_COLUMNS if c not in lines.columns]
    if missing:
        raise schema.SchemaError(f"{source}: adapter output lacks column(s) {missing}")
    for c, dt in RAW_COLUMNS.items():
        if str(lines[c].dtype) != dt:
            raise schema.SchemaError(f"{source}: column {c!r} has dtype {lines[c].dtype}, not {dt}")
    if "set_aside" not in lines.columns:
        lines = lines.assign(set_aside=pd.Series(pd.NA, index=lines.index, dtype="string"))
    return lines


def assign_customer_ids(
    kept: pd.DataFrame, master: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Surrogate ids 1..N: customers in order of first kept order (then source id), then
    master-only customers (no kept order yet) by source id.

    Returns a frame ``source_customer_id -> customer_id`` (int64).
    """
    with_id = kept[kept["source_customer_id"].notna()]
    first = (
        with_id.groupby("source_customer_id", sort=False)["invoice_ts"].min().rename("first_ts")
    )
    order = first.reset_index().sort_values(["first_ts", "source_customer_id"], kind="mergesort")
    ids = list(order["source_customer_id"])
    if master is not None and len(master):
        rest = sorted(set(master["source_customer_id"].dropna()) - set(ids))
        ids += rest
    return pd.DataFrame(
        {
            "source_customer_id": pd.array(ids, dtype="string"),
            "customer_id": np.arange(1, len(ids) + 1, dtype="int64"),
        }
    )


def _order_lines(kept: pd.DataFrame, to_id: dict[str, int]) -> pd.DataFrame:
    """The ``order_lines`` table: cleaned lines with canonical customer ids, in time order."""
    cust = kept["source_customer_id"].map(to_id).astype("Int64")
    lines = pd.DataFrame(
        {
            "line_id": kept["line_id"].astype("int64").to_numpy(),
            "order_id": kept["invoice"].to_numpy(),
            "customer_id": cust.to_numpy(),
            "product_id": kept["stock_code"].to_numpy(),
            "order_ts": kept["invoice_ts"].to_numpy(),
            "quantity": kept["quantity"].to_numpy(),
            "unit_price_amt": kept["unit_price"].to_numpy(),
            "revenue_amt": (kept["quantity"] * kept["unit_price"]).round(3).to_numpy(),
            "country": kept["country"].to_numpy(),
        }
    )
    lines = schema.coerce(lines, "order_lines").sort_values(
        ["order_ts", "line_id"], kind="mergesort"
    )
    return lines.reset_index(drop=True)


REVERSED_DETAIL = re.compile(r"^reversed by line (\d+)$")
"""The ``detail`` of a ``cancelled_original`` quarantine line: the cancellation's ``line_id``."""


def reversed_purchases(
    quarantine: pd.DataFrame, customer_map: pd.DataFrame, rules: CleaningRules
) -> pd.DataFrame:
    """Purchases removed because a later cancellation reversed them, as order lines.

    Cleaning removes such a purchase (``cancelled_original``) with hindsight; a backtest at a
    cutoff between the purchase and its cancellation should still see it
    (:func:`helpers.data.cleaning.as_of`). Built in pandas from the quarantine, so the table is
    the same whichever engine ran the rules.

    Only purchases the other rules would have kept are returned: each reversed line is run
    through the same ``rules`` with cancellation matching off (embedded engine), so a reversed
    postage line or zero-price line (``non_product``, ``non_positive_price``, ...) stays out.

    Parameters
    ----------
    quarantine
        :class:`helpers.data.cleaning.CleanResult`'s quarantine (``line_id``, ``reason``,
        ``detail`` and the source-standard columns, ``source_customer_id`` included).
    customer_map
        ``source_customer_id -> customer_id`` of the kept lines (:func:`assign_customer_ids`).
        A customer whose every purchase was reversed has no id there; such customers get ids
        after the map's largest, in order of first reversed purchase (then source id), here
        only: ``customer_map`` and ``customers`` stay as the kept lines make them.
    rules
        The rules the data were cleaned with.

    Returns
    -------
    pandas.DataFrame
        The ``order_lines`` columns (same ids as kept lines would get: ``order_id`` =
        invoice, ``product_id`` = stock code, ``customer_id`` surrogate) plus ``reversed_ts``
        (the matched cancellation's ``invoice_ts``), sorted by ``order_ts`` then ``line_id``.
        Empty (same columns) when no purchase was reversed.
    """
    schema.require_columns(quarantine, ("line_id", "reason", "detail", *RAW_COLUMNS),
                           "reversed_purchases: quarantine")
    schema.require_columns(customer_map, ("source_customer_id", "customer_id"),
                           "reversed_purchases: customer_map")
    rev = quarantine[(quarantine["reason"] == "cancelled_original")
                     & quarantine["source_customer_id"].notna()]
    cancel_id = rev["detail"].astype("string").str.extract(REVERSED_DETAIL, expand=False)
    if cancel_id.isna().any():
        bad = rev.loc[cancel_id.isna(), ["line_id", "detail"]].head(3).to_dict("records")
        raise ValueError(f"reversed_purchases: cancelled_original line(s) without "
                         f"'reversed by line N' in detail: {bad}")
    cancel_ts = quarantine.set_index("line_id")["invoice_ts"]
    reversed_ts = cancel_id.astype("int64").map(cancel_ts)
    if reversed_ts.isna().any():
        missing = cancel_id[reversed_ts.isna()].head(3).tolist()
        raise ValueError(f"reversed_purchases: cancellation line(s) {missing} named in detail "
                         "are not in the quarantine")
    rev = rev.assign(reversed_ts=reversed_ts.astype("datetime64[ns]"))
    if len(rev):  # the rules after cancelled_original, on these lines alone
        later = cleaning.clean(rev[list(RAW_COLUMNS)], replace(rules, match_cancellations=False))
        n_out = len(rev) - len(later.kept)
        if n_out:
            log.info("reversed_purchases: %d reversed line(s) left out (other rules: %s)", n_out,
                     later.quarantine["reason"].value_counts().to_dict())
        rev = rev.iloc[later.kept["line_id"].to_numpy() - 1]
    to_id = dict(zip(customer_map["source_customer_id"], customer_map["customer_id"],
                     strict=True))
    unknown = rev[~rev["source_customer_id"].isin(to_id.keys())]
    first = (unknown.groupby("source_customer_id")["invoice_ts"].min().reset_index()
             .sort_values(["invoice_ts", "source_customer_id"], kind="mergesort"))
    start = int(customer_map["customer_id"].max()) if len(customer_map) else 0
    to_id.update(zip(first["source_customer_id"], range(start + 1, start + 1 + len(first)),
                     strict=True))
    lines = _order_lines(rev, to_id)
    lines["reversed_ts"] = lines["line_id"].map(rev.set_index("line_id")["reversed_ts"])
    return lines.astype({"reversed_ts": "datetime64[ns]"})


def _orders(lines: pd.DataFrame) -> pd.DataFrame:
    """The ``orders`` table: one row per order with lines, units and revenue (GBP)."""
    orders = (
        lines.groupby("order_id", sort=False, observed=True)
        .agg(
            customer_id=("customer_id", "first"),
            order_ts=("order_ts", "min"),
            country=("country", "first"),
            n_lines=("line_id", "size"),
            n_units=("quantity", "sum"),
            revenue_amt=("revenue_amt", "sum"),
        )
        .reset_index()
    )
    orders["revenue_amt"] = orders["revenue_amt"].round(3)
    orders = schema.coerce(orders, "orders").sort_values(
        ["order_ts", "order_id"], kind="mergesort"
    )
    return orders.reset_index(drop=True)


def _customer_activity(orders: pd.DataFrame) -> pd.DataFrame:
    """First and last order, orders, revenue (GBP) and most frequent country per known customer
    (indexed by ``customer_id``)."""
    known = orders[orders["customer_id"].notna()]
    g = known.groupby("customer_id")
    country_mode = (
        known.groupby(["customer_id", "country"]).size().rename("n").reset_index()
        .sort_values(["customer_id", "n", "country"], ascending=[True, False, True])
        .drop_duplicates("customer_id").set_index("customer_id")["country"]
    )
    activity = pd.DataFrame(
        {
            "first_order_ts": g["order_ts"].min(),
            "last_order_ts": g["order_ts"].max(),
            "n_orders": g.size(),
            "revenue_amt": g["revenue_amt"].sum().round(3),
            "country": country_mode,
        }
    )
    activity.index = activity.index.astype("int64")
    return activity


def _add_master_attributes(customers: pd.DataFrame, master: pd.DataFrame) -> pd.DataFrame:
    """Optional attributes from the source's customer master; its country fills the gaps."""
    extra_cols = [
        c.name for c in schema.CUSTOMERS.optional_columns if c.name in master.columns
    ]
    master = master.set_index("source_customer_id")
    for c in extra_cols:
        customers[c] = customers["source_customer_id"].map(master[c])
    if "country" in master.columns:
        customers["country"] = customers["country"].fillna(
            customers["source_customer_id"].map(master["country"])
        )
    return customers


def _customers(
    orders: pd.DataFrame, cmap: pd.DataFrame, master: pd.DataFrame | None
) -> pd.DataFrame:
    """The ``customers`` table: every mapped customer, their activity and master attributes."""
    customers = cmap.set_index("customer_id").join(_customer_activity(orders), how="left")
    if master is not None:
        customers = _add_master_attributes(customers, master)
    customers["n_orders"] = customers["n_orders"].fillna(0).astype("int64")
    customers["revenue_amt"] = customers["revenue_amt"].fillna(0.0)
    customers["country"] = customers["country"].fillna("Unknown")
    customers = customers.drop(columns="source_customer_id").reset_index()
    return schema.coerce(customers, "customers")


def _optional_tables(source: SourceData, to_id: dict[str, int]) -> dict[str, pd.DataFrame]:
    """The source's optional tables keyed by canonical customer id (rows of unknown customers
    set apart as ``<name>_unmatched``) and the ground truth, when there is one."""
    out: dict[str, pd.DataFrame] = {}
    for name, table in source.extra.items():
        t = table.copy()
        t.insert(1, "customer_id", t.pop("source_customer_id").map(to_id))
        unknown = t["customer_id"].isna()
        if unknown.any():
            log.warning("%s: %d row(s) reference unknown customers; dropped", name, unknown.sum())
            out[f"{name}_unmatched"] = t[unknown]
            t = t[~unknown]
        t["customer_id"] = t["customer_id"].astype("int64")
        out[name] = schema.coerce(t.reset_index(drop=True), name)
    if source.ground_truth_customers is not None:
        gt = source.ground_truth_customers.copy()
        gt.insert(0, "customer_id", gt["source_customer_id"].map(to_id).astype("Int64"))
        out["ground_truth_customers"] = gt.drop(columns="source_customer_id")
    return out


def order_key_warnings(lines: pd.DataFrame, share: float = 0.5,
                       min_customers: int = 20) -> list[str]:
    """Warnings when the invoice column does not behave like an order (basket) id.

    Looks at usable purchase lines with a customer (no ``set_aside``, quantity > 0): if for
    more than ``share`` of the customers who bought on several days every line carries one
    and the same invoice, the invoice looks like a customer id; if for more than ``share`` of
    the customers with several lines every invoice has a single line, orders are not grouped.
    Each check needs at least ``min_customers`` such customers (fewer prove nothing).

    Returns
    -------
    list of str
        One message per finding (empty when the invoice looks like an order id).
    """
    ok = lines["source_customer_id"].notna() & lines["invoice"].notna() & (lines["quantity"] > 0)
    if "set_aside" in lines.columns:
        ok &= lines["set_aside"].isna()
    d = pd.DataFrame({"c": lines["source_customer_id"][ok], "i": lines["invoice"][ok],
                      "day": lines["invoice_ts"][ok].dt.floor("D")})
    if d.empty:
        return []
    g = d.groupby("c", sort=False)
    per = pd.DataFrame({"lines": g.size(), "invoices": g["i"].nunique(),
                        "days": g["day"].nunique()})
    out = []
    several_days = per[per["days"] >= 2]
    if len(several_days) >= min_customers and (several_days["invoices"] == 1).mean() > share:
        out.append(
            f"invoice looks like a customer id: {(several_days['invoices'] == 1).mean():.0%} "
            f"of the {len(several_days):,} customers who bought on several days have one "
            "invoice for all of them; map the order id as invoice, or leave invoice out "
            "(an order is then customer + timestamp)"
        )
    several_lines = per[per["lines"] >= 2]
    unique = several_lines["invoices"] == several_lines["lines"]
    if len(several_lines) >= min_customers and unique.mean() > share:
        frac = unique.mean()
        out.append(
            f"invoice is unique per line for {frac:.0%} of the {len(several_lines):,} customers "
            "with several lines: orders are not grouped into baskets; map the order id as "
            "invoice, or leave invoice out (an order is then customer + timestamp)"
        )
    return out


def _nothing_kept_message(source: SourceData) -> str:
    """Why no line survived cleaning: the adapter's reasons and how many were cancellations."""
    raw = source.lines
    parts = []
    if "set_aside" in raw.columns and raw["set_aside"].notna().any():
        counts = raw["set_aside"].value_counts()
        parts.append("set aside when read: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        if "set_aside_detail" in raw.columns and raw["set_aside_detail"].notna().any():
            parts.append("first: " + str(raw["set_aside_detail"].dropna().iloc[0]))
    canc = (raw["invoice"].str.startswith("C").fillna(False) | (raw["quantity"] < 0)).sum()
    if canc:
        parts.append(f"{canc:,} cancellation/return line(s) (invoice C... or negative quantity), "
                     "which are never analysed as purchases")
    why = "; ".join(parts) if parts else "see the cleaning ledger for the reasons"
    return (f"no line is left after cleaning: all {len(raw):,} raw line(s) were set aside "
            f"({why}); there is nothing to analyse")


def build_canonical(
    kept: pd.DataFrame,
    source: SourceData,
    categorise=None,
    quarantine: pd.DataFrame | None = None,
    rules: CleaningRules | None = None,
) -> dict[str, pd.DataFrame]:
    """Build and validate the canonical tables from cleaned lines and the source's extras.

    Parameters
    ----------
    kept
        Cleaned lines (source-standard columns) from :func:`helpers.data.cleaning.clean`.
    source
        The adapter output (for the optional tables and customer master).
    categorise
        Function ``products -> Series`` of categories; default: a coarse keyword rule.
    quarantine
        The cleaning's quarantine (:class:`helpers.data.cleaning.CleanResult`): when given, the
        tables include ``reversed_purchases`` (:func:`reversed_purchases`), which backtests use
        to see the data as it was at their cutoff.
    rules
        The rules the lines were cleaned with (default ``source.rules``); used with
        ``quarantine`` only.

    Raises
    ------
    InputError
        No line was kept (every line a cancellation, every date unparseable, ...): the message
        names the file and the reasons.

    Returns
    -------
    dict
        ``order_lines``, ``orders``, ``customers``, ``products``, ``customer_map``,
        ``reversed_purchases`` (with ``quarantine`` only) and any optional tables
        (``interactions``, ``feedback``, ``opportunities``, ``campaign``,
        ``ground_truth_customers``).
    """
    if len(kept) == 0:
        label = ", ".join(map(str, source.files["file"])) if len(source.files) else "source"
        raise InputError(label, _nothing_kept_message(source))
    cmap = assign_customer_ids(kept, source.customers)
    to_id = dict(zip(cmap["source_customer_id"], cmap["customer_id"], strict=True))
    lines = _order_lines(kept, to_id)
    orders = _orders(lines)
    out = {
        "order_lines": lines,
        "orders": orders,
        "customers": _customers(orders, cmap, source.customers),
        "products": product_table(lines, kept, categorise),
        "customer_map": cmap,
    }
    if quarantine is not None:
        out["reversed_purchases"] = reversed_purchases(quarantine, cmap, rules or source.rules)
    out.update(_optional_tables(source, to_id))
    for name, df in out.items():
        if name in schema.TABLES:
            schema.validate(df, name, source=f"canonical {name}")
    if "reversed_purchases" in out:
        schema.validate(out["reversed_purchases"].drop(columns="reversed_ts"), "order_lines",
                        source="canonical reversed_purchases")
    return out


CATEGORY_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("christmas", ("CHRISTMAS", "XMAS", "ADVENT", "SANTA", "REINDEER", "SNOWFLAKE")),
    ("bags", ("BAG", "LUNCH BOX", "PURSE", "TOTE")),
    ("kitchen & dining", ("MUG", "CUP", "PLATE", "BOWL", "TEA", "CAKE", "BAKING", "JAR",
                          "NAPKIN", "CUTLERY", "KITCHEN", "TRAY", "BOTTLE", "SPOON")),
    ("candles & lights", ("CANDLE", "LIGHT", "LANTERN", "T-LIGHT", "NIGHT LIGHT")),
    ("home decor", ("SIGN", "FRAME", "CUSHION", "CLOCK", "MIRROR", "HOOK", "DOORMAT", "VASE",
                    "WALL", "HEART", "DECORATION", "ORNAMENT")),
    ("stationery & cards", ("CARD", "PAPER", "NOTEBOOK", "PENCIL", "WRAP", "STICKER", "TAPE",
                            "ENVELOPE", "BOOK")),
    ("toys & party", ("TOY", "GAME", "PARTY", "BALLOON", "BUNTING", "DOLL", "JIGSAW", "CHALK")),
    ("garden", ("GARDEN", "PLANT", "FLOWER POT", "BIRD", "WATERING")),
    ("storage", ("BOX", "TIN", "BASKET", "STORAGE", "HOLDER")),
    ("fashion & accessories", ("NECKLACE", "BRACELET", "EARRING", "RING", "HAIR", "UMBRELLA",
                               "SCARF", "GLOVES")),
)
"""Keyword rules for a coarse product category, checked in order on the upper-case
description; the first match wins and anything else is ``other``."""


def categorise_by_keywords(descriptions: pd.Series) -> pd.Series:
    """Coarse product category from descriptions using :data:`CATEGORY_KEYWORDS`."""
    desc = descriptions.fillna("").str.upper()
    out = pd.Series("other", index=descriptions.index, dtype="string")
    done = pd.Series(False, index=descriptions.index)
    for cat, words in CATEGORY_KEYWORDS:
        hit = desc.str.contains("|".join(map(_re_escape, words)), regex=True) & ~done
        out[hit] = cat
        done |= hit
    return out


def _re_escape(s: str) -> str:
    import re

    return re.escape(s)


def product_table(lines: pd.DataFrame, kept: pd.DataFrame, categorise=None) -> pd.DataFrame:
    """One row per product: most frequent description, category, median unit price."""
    d = pd.DataFrame({"product_id": kept["stock_code"].to_numpy(),
                      "description": kept["description"].str.strip().to_numpy()})
    desc = (
        d.dropna().groupby(["product_id", "description"]).size().rename("n").reset_index()
        .sort_values(["product_id", "n", "description"], ascending=[True, False, True])
        .drop_duplicates("product_id").set_index("product_id")["description"]
    )
    price = lines.groupby("product_id")["unit_price_amt"].median()
    products = pd.DataFrame({"median_unit_price_amt": price})
    products["description"] = desc.reindex(products.index).astype("string")
    products.index.name = "product_id"
    products = products.reset_index()
    cat = (categorise or (lambda p: categorise_by_keywords(p["description"])))(products)
    products["category"] = pd.Series(cat, index=products.index).astype("string")
    products = products[["product_id", "description", "category", "median_unit_price_amt"]]
    return schema.coerce(products, "products")

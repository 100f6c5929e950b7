"""Cleaning rules and the ledger that accounts for every removed row and pound.

The rules and the ledger are written once, in SQL (:mod:`helpers.data.sqlrules`), which the embedded
engine (DuckDB, the default) and Spark both run (:mod:`helpers.data.engines`). Each raw line gets at
most one reason code: the FIRST rule (in :data:`RULES` order) that
applies. Lines with a reason go to the quarantine table; the rest are kept. The ledger reports,
per reason, rows, units and ``Quantity x Price`` in GBP, and reconciles exactly:
``rows_in = rows_kept + sum(rows set aside)`` and the same for revenue. Revenue is summed in
integer thousandths of a pound (prices carry at most 3 decimals in Online Retail II), so the
reconciliation is exact, not "within a tolerance"; a price with more decimals is rounded to
0.001 for the ledger only, and counted in ``price_rounded_rows``.

Rules (reason codes), in order:

====================  =========================================================================
source_overlap        set aside by the adapter (Online Retail II: the two sheets overlap)
missing_value         invoice, stock code, quantity, price or timestamp missing
exact_duplicate       all source fields equal an earlier line (keep the first)
bad_debt_adjustment   invoice starting ``A`` (accounting adjustments, not sales)
cancellation          invoice starting ``C``; ``detail`` says whether it was matched to a purchase
cancelled_original    a purchase exactly reversed by a later cancellation (same customer, stock
                      code and quantity); removed so revenue is net of these returns
non_product           postage, carriage, fees, manual entries, discounts, samples, vouchers, tests
non_positive_quantity quantity <= 0 outside cancellations (stock write-offs, damages)
non_positive_price    unit price <= 0 (free samples, adjustments)
extreme_quantity      quantity above ``max_quantity`` (bulk one-offs that would dominate)
====================  =========================================================================

Lines without a customer id are KEPT (they are real revenue) and counted in the ledger as
``kept_without_customer``; customer-level analyses drop them.

``cancelled_original`` uses hindsight: at a past cutoff before the cancellation the purchase was
real. Backtests see the data as known at their cutoff with :func:`as_of` (notebook 01 writes the
reversed purchases as ``reversed_purchases``, :func:`helpers.data.ingest.reversed_purchases`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.data import engines, sqlrules
from helpers.data.rules import (  # noqa: F401  (re-exported: the rules are part of cleaning's API)
    NEUTRAL_RULES,
    NON_PRODUCT_CODES,
    NON_PRODUCT_PATTERN,
    ONLINE_RETAIL_II_RULES,
    RULE_SETS,
    RULE_TEXT,
    RULES,
    VALUE_COLUMNS,
    CleaningRules,
)
from helpers.data.schema import require_columns

log = logging.getLogger(__name__)


@dataclass
class CleanResult:
    """Kept lines, quarantined lines (with ``reason`` and ``detail``), the ledger, and
    ``rules``: which rule set ran with which parameters (:meth:`CleaningRules.record`)."""

    kept: pd.DataFrame
    quarantine: pd.DataFrame
    ledger: pd.DataFrame
    totals: dict[str, float]
    rules: dict[str, object] = field(default_factory=dict)


def clean(raw: pd.DataFrame, rules: CleaningRules = CleaningRules(),
          engine: str | object | None = None) -> CleanResult:
    """Apply the cleaning rules to raw source-standard lines.

    The rules and the ledger are defined once, in SQL (:mod:`helpers.data.sqlrules`), and run on the
    embedded engine (DuckDB, default) or on Spark: both give the same table.

    Parameters
    ----------
    raw
        Output of an adapter (``helpers.data.ingest.RAW_COLUMNS`` plus ``set_aside``).
    rules
        Rule parameters: the default is the Online Retail II set; an adapter's own choice is
        ``SourceData.rules`` (neutral for a custom export unless its mapping says otherwise).
    engine
        ``None``/``"duckdb"``/``"pandas"`` (embedded), ``"spark"``, or an engine object from
        :func:`helpers.data.engines.get_engine` (left open for the caller to reuse).

    Returns
    -------
    CleanResult
        ``kept`` and ``quarantine`` partition the input rows exactly (``line_id`` = 1-based
        position in ``raw``); ``ledger`` has one row per reason plus the kept rows.
    """
    missing = [c for c in VALUE_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"clean: input lacks column(s) {missing}")
    df = raw.reset_index(drop=True)  # a copy already (the lines are edited below)
    df["line_id"] = np.arange(1, len(df) + 1, dtype="int64")
    if "set_aside" in df.columns:
        df["set_aside"] = df["set_aside"].astype("string")
    else:
        df["set_aside"] = pd.Series(pd.NA, index=df.index, dtype="string")
    own = engine is None or isinstance(engine, str)
    eng = engines.get_engine(engine) if own else engine
    try:
        eng.register("raw_lines", df[["line_id", *VALUE_COLUMNS, "set_aside"]])
        eng.materialise("line_reasons", sqlrules.reasons_sql(eng.dialect, rules))
        cls = eng.to_pandas("SELECT line_id, reason, detail FROM line_reasons ORDER BY line_id")
        eng.create_view("classified_lines", "SELECT r.*, c.reason, c.detail FROM raw_lines r "
                        "JOIN line_reasons c ON r.line_id = c.line_id")
        counts = eng.to_pandas(sqlrules.ledger_sql(eng.dialect))
    finally:
        if own:
            eng.close()
    if len(cls) != len(df) or not np.array_equal(cls["line_id"].to_numpy(), df["line_id"]):
        raise AssertionError(f"clean: the {eng.name} engine returned {len(cls)} of {len(df)} lines")
    df["reason"] = cls["reason"].astype("string").to_numpy()
    df["detail"] = cls["detail"].astype("string").to_numpy()
    for code, n in df["reason"].value_counts().items():
        log.info("rule %-22s %9d rows", code, n)
    aside = df["reason"].notna().to_numpy()
    # one copy of each part (rows and columns picked together, the index renumbered in place):
    # at 10M lines every extra copy of the lines costs gigabytes
    kept = df.loc[~aside, [c for c in df.columns if c not in ("reason", "detail", "set_aside")]]
    quarantine = df.loc[aside, [c for c in df.columns if c != "set_aside"]]
    n_lines = len(df)
    del df
    for part in (kept, quarantine):
        part.index = pd.RangeIndex(len(part))
    ledger, totals = ledger_table(counts, n_lines)
    return CleanResult(kept, quarantine, ledger, totals, rules.record())


def ledger_table(counts: pd.DataFrame, rows_in: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """The ledger from per-outcome counts (:func:`helpers.data.sqlrules.ledger_sql`: ``reason``,
    ``n_rows``, ``units``, ``rev_milli``, ``price_rounded_rows``). Returns the table and the
    reconciliation totals."""
    agg = counts.set_index("reason")[["n_rows", "units", "rev_milli"]].rename(
        columns={"n_rows": "rows"}).astype("int64")
    order = ["kept_with_customer", "kept_without_customer", *RULES]
    extra = sorted(r for r in agg.index if r not in order)
    agg = agg.reindex(order + extra, fill_value=0)
    agg["outcome"] = ["kept", "kept"] + ["set aside"] * (len(agg) - 2)
    agg["description"] = [
        "kept: customer-level and revenue analyses",
        "kept: revenue totals only (no customer id)",
        *[RULE_TEXT.get(r, "adapter-specific") for r in agg.index[2:]],
    ]
    agg["revenue_amt"] = agg["rev_milli"] / 1000.0
    rev_in = int(agg["rev_milli"].sum())
    totals = {
        "rows_in": rows_in,
        "rows_kept": int(agg.loc[agg.outcome == "kept", "rows"].sum()),
        "rows_set_aside": int(agg.loc[agg.outcome == "set aside", "rows"].sum()),
        "revenue_in_amt": rev_in / 1000.0,
        "revenue_kept_amt": int(agg.loc[agg.outcome == "kept", "rev_milli"].sum()) / 1000.0,
        "revenue_set_aside_amt": int(agg.loc[agg.outcome == "set aside", "rev_milli"].sum())
        / 1000.0,
        "price_rounded_rows": int(counts["price_rounded_rows"].sum()),
    }
    if totals["rows_in"] != totals["rows_kept"] + totals["rows_set_aside"]:
        raise AssertionError(f"ledger does not reconcile: {totals}")  # an engine lost lines
    totals["reconciles"] = True
    ledger = agg.reset_index().rename(columns={"index": "reason"})
    ledger["share_rows"] = ledger["rows"] / max(rows_in, 1)
    ledger = ledger[["outcome", "reason", "description", "rows", "share_rows", "units",
                     "revenue_amt", "rev_milli"]]
    return ledger, totals


def reconcile_with_raw(ledger: pd.DataFrame, raw: pd.DataFrame) -> dict[str, bool]:
    """Independent check of the ledger against raw lines: row count and sum of Quantity x Price.

    Recomputes from ``raw`` with plain Python integers (no shared code with the ledger's
    arithmetic beyond the milli-pound convention).
    """
    total_milli = sum(
        int(q) * round(float(p) * 1000)
        for q, p in zip(raw["quantity"].fillna(0), raw["unit_price"].fillna(0.0), strict=True)
    )
    return {
        "rows_match": int(ledger["rows"].sum()) == len(raw),
        "revenue_match": int(ledger["rev_milli"].sum()) == total_milli,
        "raw_rows": len(raw),
        "raw_revenue_amt": total_milli / 1000.0,
    }


def money_flows(kept: pd.DataFrame, quarantine: pd.DataFrame) -> dict[str, float]:
    """Gross inflows and outflows behind the ledger's net figures (data's currency).

    ``kept`` and ``quarantine`` are :class:`CleanResult`'s frames (``quantity``,
    ``unit_price``; the quarantine also ``reason`` and ``detail``). Returns

    - ``raw_in_amt`` / ``raw_out_amt``: positive and negative ``Quantity x Price`` of all raw
      lines (sales and returns as they came in; their sum is the ledger's revenue in);
    - ``set_aside_in_amt`` / ``set_aside_out_amt``: the same for the lines set aside (their sum
      is the ledger's net "set aside");
    - ``kept_amt``: kept revenue: real products, with each matched return removed together
      with the purchase it reverses;
    - ``returns_matched_amt`` / ``returns_unmatched_amt``: cancellation lines matched to a
      purchase (both removed) and not matched (set aside; their purchases, often before the
      data start, stay in kept revenue);
    - ``kept_net_of_all_returns_amt``: kept revenue minus the unmatched returns too.
    """
    for name, df, cols in (("kept", kept, ("quantity", "unit_price")),
                           ("quarantine", quarantine, ("quantity", "unit_price", "reason", "detail"))):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"money_flows: {name} has no column(s) {missing}")
    k = (kept["quantity"] * kept["unit_price"]).to_numpy(dtype=float)
    q = (quarantine["quantity"] * quarantine["unit_price"]).to_numpy(dtype=float)
    canc = (quarantine["reason"] == "cancellation").to_numpy()
    matched = canc & quarantine["detail"].fillna("").str.startswith("reverses").to_numpy()
    out = {
        "set_aside_in_amt": float(q[q > 0].sum()),
        "set_aside_out_amt": float(q[q < 0].sum()),
        "kept_amt": float(k.sum()),
        "returns_matched_amt": float(q[matched].sum()),
        "returns_unmatched_amt": float(q[canc & ~matched].sum()),
    }
    out["raw_in_amt"] = float(k[k > 0].sum()) + out["set_aside_in_amt"]
    out["raw_out_amt"] = float(k[k < 0].sum()) + out["set_aside_out_amt"]
    out["kept_net_of_all_returns_amt"] = out["kept_amt"] + out["returns_unmatched_amt"]
    return out


def customers_lost(kept: pd.DataFrame, quarantine: pd.DataFrame,
                   id_col: str = "source_customer_id") -> pd.Series:
    """Customers in the raw data with no kept line, counted by the reasons their lines got.

    Returns a Series indexed by the sorted reason codes of a lost customer's lines joined with
    ``" + "`` (e.g. ``"cancellation + cancelled_original"``), values = customers, largest
    first. Only counts leave this function (the ids are the source's own).
    """
    for name, df in (("kept", kept), ("quarantine", quarantine)):
        if id_col not in df.columns:
            raise ValueError(f"customers_lost: {name} has no column {id_col!r}")
    if "reason" not in quarantine.columns:
        raise ValueError("customers_lost: quarantine has no column 'reason'")
    q = quarantine[quarantine[id_col].notna()]
    lost = q[~q[id_col].isin(set(kept[id_col].dropna()))]
    if lost.empty:
        return pd.Series(dtype="int64", name="customers")
    combos = lost.groupby(id_col)["reason"].agg(lambda r: " + ".join(sorted(set(r))))
    out = combos.value_counts()
    out.index.name, out.name = "reasons of all their lines", "customers"
    return out.sort_values(ascending=False, kind="stable")


def as_of(lines: pd.DataFrame, reversed_lines: pd.DataFrame | None,
          cutoff: pd.Timestamp | str) -> pd.DataFrame:
    """Order lines as they were known at ``cutoff``: the kept lines plus every reversed
    purchase bought before the cutoff and cancelled on or after it.

    Cleaning removes a purchase that a later cancellation reverses (``cancelled_original``),
    with hindsight: at a past cutoff the cancellation had not happened yet and the purchase was
    a real one. A backtest at ``cutoff`` should therefore see it. Lines on or after the cutoff
    (what a backtest labels or scores) are returned unchanged.

    Parameters
    ----------
    lines
        Canonical ``order_lines`` (needs ``order_ts``; ``line_id`` breaks ties in the order
        and must not repeat a reversed line's; other columns are carried through).
    reversed_lines
        ``reversed_purchases`` from notebook 01 (:func:`helpers.data.ingest.reversed_purchases`):
        the columns of ``lines`` plus ``reversed_ts``, the matched cancellation's timestamp.
        ``None`` or empty (no matching rule ran, or an older interim folder): ``lines`` as given.
    cutoff
        The backtest's cutoff; a purchase is restored when ``order_ts < cutoff <= reversed_ts``.

    Returns
    -------
    pandas.DataFrame
        The columns of ``lines`` (their dtypes, categoricals aside), sorted by ``order_ts``
        then ``line_id`` as canonical order lines are, with a fresh index; ``lines`` itself
        when nothing is restored.

    Examples
    --------
    >>> kept = pd.DataFrame({"line_id": [1], "order_ts": pd.to_datetime(["2010-01-05"])})
    >>> rev = pd.DataFrame({"line_id": [2], "order_ts": pd.to_datetime(["2010-01-10"]),
    ...                     "reversed_ts": pd.to_datetime(["2010-01-20"])})
    >>> as_of(kept, rev, "2010-01-15")["line_id"].tolist()
    [1, 2]
    >>> as_of(kept, rev, "2010-01-25")["line_id"].tolist()
    [1]
    """
    require_columns(lines, ("order_ts",), "as_of: lines")
    if reversed_lines is None or len(reversed_lines) == 0:
        return lines
    require_columns(reversed_lines, [*lines.columns, "reversed_ts"],
                    "as_of: reversed_lines (reversed_purchases.parquet from notebook 01)")
    known = restored_at(reversed_lines, cutoff)
    if known.empty:
        return lines
    has_id = "line_id" in lines.columns
    order = ["order_ts", "line_id"] if has_id else ["order_ts"]
    if has_id:
        # a hash lookup of the few restored ids (np.intersect1d sorted all lines each time);
        # the same sorted, distinct ids
        hit = lines["line_id"].isin(known["line_id"]).to_numpy()
        clash = np.unique(lines["line_id"].to_numpy()[hit])
        if len(clash):
            raise ValueError(
                f"as_of: line_id(s) {clash[:5].tolist()} are both kept and reversed; lines and "
                "reversed_lines must come from the same run of notebook 01")
    restored = known[list(lines.columns)].astype(
        {c: t for c, t in lines.dtypes.items() if not isinstance(t, pd.CategoricalDtype)})
    out = pd.concat([lines, restored], ignore_index=True)
    pos = _merge_positions(lines, restored, has_id)
    if pos is None:  # lines not in canonical order: sort everything
        return out.sort_values(order, kind="mergesort").reset_index(drop=True)
    out = out.take(pos)
    out.index = pd.RangeIndex(len(out))  # take made a new frame: no second copy to renumber
    return out


def _merge_positions(lines: pd.DataFrame, extra: pd.DataFrame, has_id: bool) -> np.ndarray | None:
    """Row order of ``concat([lines, extra])`` sorted stably by ``order_ts`` (then ``line_id``),
    found by merging: canonical lines are already in that order, so only the few extra rows
    are placed (by binary search) instead of sorting a million lines at every backtest cutoff.
    The same order as ``sort_values(kind="mergesort")``; ``None`` when ``lines`` is not sorted.
    """
    if lines["order_ts"].isna().any() or extra["order_ts"].isna().any():
        return None
    ts = lines["order_ts"].to_numpy().view("int64")
    ets = extra["order_ts"].to_numpy().view("int64")
    n, m = len(ts), len(ets)
    step = np.diff(ts)
    if has_id:
        ids = lines["line_id"].to_numpy()
        eids = extra["line_id"].to_numpy()
        if ids.dtype.kind not in "iu" or eids.dtype.kind not in "iu":
            return None
        if not ((step > 0) | ((step == 0) & (np.diff(ids) > 0))).all():
            return None
        e_order = np.lexsort((eids, ets))  # ids are distinct (checked above): no ties
        ets, eids = ets[e_order], eids[e_order]
        lo = np.searchsorted(ts, ets, "left")
        hi = np.searchsorted(ts, ets, "right")
        at = lo.copy()
        for j in np.flatnonzero(hi > lo):  # same timestamp as some lines: place by line_id
            at[j] = lo[j] + np.searchsorted(ids[lo[j]:hi[j]], eids[j])
    else:
        if not (step >= 0).all():
            return None
        e_order = np.argsort(ets, kind="stable")
        at = np.searchsorted(ts, ets[e_order], "right")  # after equal lines, as a stable sort
    final = at + np.arange(m)  # where each extra row lands in the output
    pos = np.empty(n + m, dtype=np.int64)
    is_extra = np.zeros(n + m, dtype=bool)
    is_extra[final] = True
    pos[final] = n + e_order
    pos[~is_extra] = np.arange(n)
    return pos


def restored_at(reversed_lines: pd.DataFrame | None, cutoff: pd.Timestamp | str) -> pd.DataFrame:
    """The reversed purchases :func:`as_of` adds at ``cutoff``: bought before it, cancelled on
    or after it (``order_ts < cutoff <= reversed_ts``). ``None`` gives an empty frame.

    >>> rev = pd.DataFrame({"order_ts": pd.to_datetime(["2010-01-10", "2010-01-10"]),
    ...                     "reversed_ts": pd.to_datetime(["2010-01-12", "2010-01-20"])})
    >>> len(restored_at(rev, "2010-01-15")), len(restored_at(None, "2010-01-15"))
    (1, 0)
    """
    if reversed_lines is None:
        return pd.DataFrame()
    require_columns(reversed_lines, ("order_ts", "reversed_ts"), "restored_at: reversed_lines")
    cut = pd.Timestamp(cutoff)
    keep = (reversed_lines["order_ts"] < cut) & (reversed_lines["reversed_ts"] >= cut)
    return reversed_lines[keep]

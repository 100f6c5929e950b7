"""The data layer written once, in SQL that both engines run (DuckDB embedded, Apache Spark).

Every cleaning rule, the ledger, the per-customer summaries (RFM inputs, BG/NBD
calibration/holdout summaries) and the cohort table are defined here, once. The embedded engine
(DuckDB, in-process on pandas frames: the default) and Spark run the same text; the few
functions whose names differ between the two dialects are filled in by :class:`Dialect`, so a
rule cannot drift between engines. ``tests/unit/test_sql_engines.py`` checks DuckDB against
readable pandas references, and ``tests/spark/`` checks Spark against DuckDB, table by table.

Conventions shared by every query:

* money is summed in integer thousandths of a pound (``rev_milli``), so totals are exact and do
  not depend on the order in which an engine adds rows up;
* days are calendar days of the naive timestamps (both engines run in UTC);
* windows are half-open: ``[start, end)``.

The queries read named tables (``raw_lines``, ``order_lines``, ...) that the engine registers
beforehand (:mod:`helpers.data.engines`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data.rules import VALUE_COLUMNS, CleaningRules


@dataclass(frozen=True)
class Dialect:
    """The handful of spellings that differ between DuckDB and Spark SQL."""

    name: str

    def regex(self, expr: str, pattern: str) -> str:
        """``expr`` contains a match of ``pattern`` (search, not full match)."""
        if self.name == "spark":
            return f"({expr} RLIKE {self.string(pattern)})"
        return f"regexp_matches({expr}, {self.string(pattern)})"

    def string(self, text: str) -> str:
        """A string literal. Spark's parser reads backslash escapes; DuckDB's does not."""
        body = text.replace("'", "''")
        if self.name == "spark":
            body = body.replace("\\", "\\\\")
        return f"'{body}'"

    def days_between(self, start: str, end: str) -> str:
        """Whole calendar days from date ``start`` to date ``end``, as a 64-bit integer on both
        engines (Spark's ``datediff`` alone gives a 32-bit one)."""
        if self.name == "spark":
            return f"CAST(datediff({end}, {start}) AS BIGINT)"
        return f"date_diff('day', {start}, {end})"

    def round_half_even(self, expr: str) -> str:
        """Round to an integer, ties to even (as numpy's ``rint``)."""
        if self.name == "spark":
            return f"bround({expr}, 0)"
        return f"round_even({expr}, 0)"

    def date(self, ts: pd.Timestamp) -> str:
        return f"DATE '{pd.Timestamp(ts):%Y-%m-%d}'"

    def timestamp(self, ts: pd.Timestamp) -> str:
        return f"TIMESTAMP '{pd.Timestamp(ts):%Y-%m-%d %H:%M:%S.%f}'"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")


def _amt(milli: str) -> str:
    """Integer milli-pounds back to pounds, as a double in both engines."""
    return f"(CAST({milli} AS DOUBLE) / 1000)"


def _to_milli(d: Dialect, gbp: str) -> str:
    """Pounds (a double with at most three decimals) to integer milli-pounds."""
    return f"CAST({d.round_half_even(f'{gbp} * 1000')} AS BIGINT)"


def _milli(d: Dialect, quantity: str, price: str) -> str:
    """Quantity x price in integer thousandths of a pound (prices rounded to 0.001)."""
    return (f"(CAST(COALESCE({quantity}, 0) AS BIGINT) * "
            f"CAST({d.round_half_even(f'COALESCE({price}, 0.0) * 1000')} AS BIGINT))")


# --------------------------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------------------------
def reasons_sql(d: Dialect, rules: CleaningRules | None = None, table: str = "raw_lines") -> str:
    """One row per raw line: ``line_id``, ``reason`` (null = kept), ``detail``.

    ``table`` needs ``line_id`` (unique, the tie-breaker everywhere), the
    :data:`VALUE_COLUMNS` and ``set_aside`` (the adapter's own reason, or null). The first rule
    that applies wins, in the order of :data:`helpers.data.cleaning.RULES`.
    """
    rules = rules or CleaningRules()
    tests = []
    if rules.non_product_codes:
        codes = ", ".join(d.string(c.upper()) for c in sorted(rules.non_product_codes))
        tests.append(f"code IN ({codes})")
    if rules.non_product_pattern:
        tests.append(d.regex("code", "(?i)" + rules.non_product_pattern))
    non_product = f"({' OR '.join(tests)})" if tests else "FALSE"
    cap = (f"WHEN quantity > {int(rules.max_quantity)} THEN 'extreme_quantity'"
           if rules.max_quantity is not None else "")
    value_cols = ", ".join(VALUE_COLUMNS)
    dup = ("CASE WHEN pre0 IS NULL THEN ROW_NUMBER() OVER "
           f"(PARTITION BY pre0 IS NULL, {value_cols} ORDER BY line_id) ELSE 1 END")
    dup_rule = "WHEN dup_rank > 1 THEN 'exact_duplicate'" if rules.drop_exact_duplicates else ""
    if rules.match_cancellations:
        matching = """
, canc AS (
    SELECT line_id, source_customer_id, stock_code, -quantity AS qty, invoice_ts AS ts
    FROM pre WHERE pre_reason IS NULL AND first_char = 'C'
      AND source_customer_id IS NOT NULL AND quantity < 0)
, purch AS (
    SELECT line_id, source_customer_id, stock_code, quantity AS qty, invoice_ts AS ts
    FROM pre WHERE pre_reason IS NULL AND first_char NOT IN ('A', 'C')
      AND source_customer_id IS NOT NULL AND quantity > 0)
, cand AS (  -- each cancellation takes the latest earlier purchase it exactly reverses
    SELECT c.line_id AS cancel_line_id, p.line_id AS purchase_line_id, c.ts AS cts,
           ROW_NUMBER() OVER (PARTITION BY c.line_id ORDER BY p.ts DESC, p.line_id DESC) AS rn
    FROM canc c JOIN purch p
      ON c.source_customer_id = p.source_customer_id AND c.stock_code = p.stock_code
     AND c.qty = p.qty AND p.ts <= c.ts)
, pairs AS (  -- a purchase is reversed at most once: the earliest cancellation wins
    SELECT cancel_line_id, purchase_line_id FROM (
        SELECT cancel_line_id, purchase_line_id,
               ROW_NUMBER() OVER (PARTITION BY purchase_line_id
                                  ORDER BY cts, cancel_line_id) AS rn2
        FROM cand WHERE rn = 1) AS ranked
    WHERE rn2 = 1)"""
        joins = ("LEFT JOIN pairs cm ON pre.line_id = cm.cancel_line_id "
                 "LEFT JOIN pairs pm ON pre.line_id = pm.purchase_line_id")
        reversed_rule = "WHEN pm.cancel_line_id IS NOT NULL THEN 'cancelled_original'"
        detail = """CASE
        WHEN cm.purchase_line_id IS NOT NULL
            THEN 'reverses line ' || CAST(cm.purchase_line_id AS STRING)
        WHEN pm.cancel_line_id IS NOT NULL
            THEN 'reversed by line ' || CAST(pm.cancel_line_id AS STRING)
        WHEN pre_reason IS NULL AND first_char = 'C' THEN 'unmatched' END"""
    else:
        matching, joins, reversed_rule, detail = "", "", "", "CAST(NULL AS STRING)"
    return f"""
WITH base AS (
    SELECT line_id, {value_cols},
           substr(trim(invoice), 1, 1) AS first_char,
           upper(trim(stock_code)) AS code,
           CASE WHEN set_aside IS NOT NULL THEN set_aside
                WHEN invoice IS NULL OR stock_code IS NULL OR quantity IS NULL
                  OR unit_price IS NULL OR invoice_ts IS NULL THEN 'missing_value' END AS pre0
    FROM {table})
, pre AS (
    SELECT *, CASE WHEN pre0 IS NOT NULL THEN pre0 {dup_rule}
                   WHEN first_char = 'A' THEN 'bad_debt_adjustment' END AS pre_reason
    FROM (SELECT *, {dup} AS dup_rank FROM base) AS ranked){matching}
SELECT pre.line_id,
    CASE WHEN pre_reason IS NOT NULL THEN pre_reason
         WHEN first_char = 'C' THEN 'cancellation'
         {reversed_rule}
         WHEN {non_product} THEN 'non_product'
         WHEN quantity <= 0 THEN 'non_positive_quantity'
         WHEN unit_price {'<' if rules.keep_zero_price else '<='} 0 THEN 'non_positive_price'
         {cap} END AS reason,
    {detail} AS detail
FROM pre {joins}
"""


def ledger_sql(d: Dialect, table: str = "classified_lines") -> str:
    """Rows, units and revenue (integer milli-pounds) per outcome, from lines with ``reason``.

    Kept lines are split by whether they carry a customer id. ``price_rounded_rows`` counts
    prices with more than three decimals (rounded to 0.001 for the ledger only).
    """
    price_k = "COALESCE(unit_price, 0.0) * 1000"
    return f"""
SELECT COALESCE(reason, CASE WHEN source_customer_id IS NULL THEN 'kept_without_customer'
                             ELSE 'kept_with_customer' END) AS reason,
       COUNT(*) AS n_rows,
       SUM(CAST(COALESCE(quantity, 0) AS BIGINT)) AS units,
       SUM({_milli(d, 'quantity', 'unit_price')}) AS rev_milli,
       SUM(CASE WHEN abs({price_k} - {d.round_half_even(price_k)}) > 1e-6 THEN 1 ELSE 0 END)
           AS price_rounded_rows
FROM {table}
GROUP BY 1
"""


def order_lines_sql(d: Dialect, table: str = "classified_lines") -> str:
    """Canonical order lines from kept lines, with surrogate customer ids 1..N in order of the
    first kept order, then source id (as :func:`helpers.data.ingest.assign_customer_ids` without a
    customer master). Used by the stand-alone data layer (:mod:`helpers.data.datalayer`)."""
    return f"""
WITH kept AS (SELECT * FROM {table} WHERE reason IS NULL)
, ids AS (
    SELECT source_customer_id,
           ROW_NUMBER() OVER (ORDER BY first_ts, source_customer_id) AS customer_id
    FROM (SELECT source_customer_id, MIN(invoice_ts) AS first_ts FROM kept
          WHERE source_customer_id IS NOT NULL GROUP BY source_customer_id) AS firsts)
SELECT k.line_id, k.invoice AS order_id, ids.customer_id, k.stock_code AS product_id,
       k.invoice_ts AS order_ts, k.quantity, k.unit_price AS unit_price_amt,
       {_amt(_milli(d, 'k.quantity', 'k.unit_price'))} AS revenue_amt, k.country
FROM kept k LEFT JOIN ids ON k.source_customer_id = ids.source_customer_id
"""


# --------------------------------------------------------------------------------------------
# per-customer summaries (read canonical order_lines)
# --------------------------------------------------------------------------------------------
def _customer_days(d: Dialect, start: pd.Timestamp | None, end: pd.Timestamp,
                   table: str) -> str:
    """(customer_id, day) with the day's revenue in milli-pounds, lines in ``[start, end)``."""
    lo = f"AND order_ts >= {d.timestamp(start)}" if start is not None else ""
    return f"""
    SELECT customer_id, CAST(order_ts AS DATE) AS day,
           SUM({_to_milli(d, 'revenue_amt')}) AS day_milli
    FROM {table}
    WHERE customer_id IS NOT NULL AND order_ts < {d.timestamp(end)} {lo}
    GROUP BY customer_id, CAST(order_ts AS DATE)"""


def rfm_sql(d: Dialect, cutoff: pd.Timestamp, table: str = "order_lines") -> str:
    """Recency (days), frequency (orders) and monetary value (GBP) per customer at ``cutoff``,
    as :func:`helpers.value.rfm.rfm_table`."""
    cut = pd.Timestamp(cutoff)
    cut_day = d.date(cut.floor("D"))
    return f"""
SELECT customer_id,
       {d.days_between('CAST(MAX(order_ts) AS DATE)', cut_day)} AS recency_days,
       COUNT(DISTINCT order_id) AS frequency,
       {_amt(f'SUM({_to_milli(d, "revenue_amt")})')} AS monetary_amt,
       MIN(order_ts) AS first_order_ts, MAX(order_ts) AS last_order_ts,
       {d.days_between('CAST(MIN(order_ts) AS DATE)', cut_day)} AS tenure_days
FROM {table}
WHERE customer_id IS NOT NULL AND order_ts < {d.timestamp(cut)}
GROUP BY customer_id
ORDER BY customer_id
"""


def bgnbd_summary_sql(d: Dialect, observation_end: pd.Timestamp, time_unit: str = "W",
                      calibration_end: pd.Timestamp | None = None,
                      table: str = "order_lines") -> str:
    """Frequency / recency / T / monetary value per customer, as
    :func:`helpers.value.clv.summarise_transactions` (repeat purchase *days*; monetary value is the
    mean day value of the repeat purchases; ``T`` to the exclusive end of the window)."""
    unit = {"W": 7, "D": 1}[time_unit]
    end = pd.Timestamp(calibration_end if calibration_end is not None else observation_end)
    end_day = d.date(end.floor("D"))
    return f"""
WITH days AS ({_customer_days(d, None, end, table)})
, per AS (
    SELECT customer_id, MIN(day) AS first_day, MAX(day) AS last_day, COUNT(*) AS n_days,
           SUM(day_milli) AS total_milli, min_by(day_milli, day) AS first_milli
    FROM days GROUP BY customer_id)
, orders AS (
    SELECT customer_id, COUNT(DISTINCT order_id) AS n_orders FROM {table}
    WHERE customer_id IS NOT NULL AND order_ts < {d.timestamp(end)} GROUP BY customer_id)
SELECT per.customer_id,
       CAST(n_days - 1 AS DOUBLE) AS frequency,
       CAST({d.days_between('first_day', 'last_day')} AS DOUBLE) / {unit} AS recency,
       CAST({d.days_between('first_day', end_day)} AS DOUBLE) / {unit} AS T,
       CASE WHEN n_days > 1 AND total_milli > first_milli
            THEN {_amt('total_milli - first_milli')} / (n_days - 1) ELSE CAST(0 AS DOUBLE) END
           AS monetary_value,
       orders.n_orders,
       {_amt('total_milli')} AS revenue_amt
FROM per JOIN orders ON per.customer_id = orders.customer_id
ORDER BY per.customer_id
"""


def holdout_sql(d: Dialect, calibration_end: pd.Timestamp, observation_end: pd.Timestamp,
                table: str = "order_lines") -> str:
    """Purchase days and mean day value (GBP) in ``[calibration_end, observation_end)`` for
    every customer seen before ``calibration_end`` (as :func:`helpers.value.clv.calibration_holdout`)."""
    cal, obs = pd.Timestamp(calibration_end), pd.Timestamp(observation_end)
    return f"""
WITH cal AS (SELECT DISTINCT customer_id FROM {table}
             WHERE customer_id IS NOT NULL AND order_ts < {d.timestamp(cal)})
, hold AS ({_customer_days(d, cal, obs, table)})
SELECT cal.customer_id,
       CAST(COUNT(hold.day) AS DOUBLE) AS frequency_holdout,
       CASE WHEN COUNT(hold.day) > 0 THEN {_amt('SUM(hold.day_milli)')} / COUNT(hold.day)
            ELSE CAST(0 AS DOUBLE) END AS monetary_value_holdout
FROM cal LEFT JOIN hold ON cal.customer_id = hold.customer_id
GROUP BY cal.customer_id
ORDER BY cal.customer_id
"""


def cohort_sql(d: Dialect, cutoff: pd.Timestamp, table: str = "order_lines") -> str:
    """Long cohort table: acquisition month, months since (``k``), active customers and revenue
    (as the ``counts`` and revenue behind :func:`helpers.analysis.lifecycle.cohort_tables`)."""
    return f"""
WITH days AS ({_customer_days(d, None, pd.Timestamp(cutoff), table)})
, m AS (SELECT customer_id, day_milli, year(day) * 12 + month(day) - 1 AS mnum FROM days)
, f AS (SELECT customer_id, MIN(mnum) AS first_m FROM m GROUP BY customer_id)
SELECT make_date(CAST(floor(f.first_m / 12) AS INT), CAST(f.first_m % 12 + 1 AS INT), 1)
           AS cohort,
       m.mnum - f.first_m AS k,
       COUNT(DISTINCT m.customer_id) AS customers, {_amt('SUM(m.day_milli)')} AS revenue_amt
FROM m JOIN f ON m.customer_id = f.customer_id
GROUP BY f.first_m, m.mnum - f.first_m
ORDER BY cohort, k
"""

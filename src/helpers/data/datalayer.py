"""The data layer as one job: raw lines -> cleaned lines, quarantine, ledger, canonical order
lines and the per-customer tables the models read, on DuckDB or Spark.

Notebook 01 calls :func:`clean` and :func:`customer_tables` on pandas frames. For customer
bases that outgrow one machine, run the same job where the data lives, reading and writing
parquet, with nothing but the ledger and the row counts coming back to the driver::

    python -m helpers.data.datalayer --engine spark --input raw_lines.parquet --out data/layer
    CRM_SPARK_MASTER=spark://head:7077 python -m helpers.data.datalayer --engine spark ...
    SPARK_REMOTE=sc://head:15002 python -m helpers.data.datalayer --engine spark ...
    spark-submit --py-files helpers.zip scripts/datalayer_job.py --engine spark ...

(``docs/spark.md`` says which step runs where.) Every query comes from :mod:`helpers.data.sqlrules`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data import cleaning, engines, sqlrules
from helpers.data.rules import VALUE_COLUMNS, CleaningRules

log = logging.getLogger(__name__)

SUMMARY_TABLES = ("rfm", "bgnbd", "calibration_holdout", "cohorts")


def customer_table_sql(d: sqlrules.Dialect, cutoff: pd.Timestamp, time_unit: str = "W",
                       calibration_weeks: int = 26, table: str = "order_lines") -> dict[str, str]:
    """The queries of the per-customer tables, by name (see :func:`customer_tables`)."""
    cut = pd.Timestamp(cutoff)
    cal_end = cut - pd.Timedelta(weeks=calibration_weeks)
    duration = (cut.floor("D") - cal_end.floor("D")).days / {"W": 7, "D": 1}[time_unit]
    cal = sqlrules.bgnbd_summary_sql(d, cut, time_unit, cal_end, table)
    hold = sqlrules.holdout_sql(d, cal_end, cut, table)
    return {
        "rfm": sqlrules.rfm_sql(d, cut, table),
        "bgnbd": sqlrules.bgnbd_summary_sql(d, cut, time_unit, None, table),
        "calibration_holdout": f"""
SELECT c.*, h.frequency_holdout, h.monetary_value_holdout,
       CAST({duration!r} AS DOUBLE) AS duration_holdout
FROM ({cal}) AS c LEFT JOIN ({hold}) AS h ON c.customer_id = h.customer_id
ORDER BY c.customer_id""",
        "cohorts": sqlrules.cohort_sql(d, cut, table),
    }


def customer_tables(eng, cutoff: pd.Timestamp, time_unit: str = "W",
                    calibration_weeks: int = 26, table: str = "order_lines") -> dict[str, pd.DataFrame]:
    """Per-customer tables from registered canonical ``order_lines``, computed by ``eng``.

    Returns ``rfm`` (recency/frequency/monetary at ``cutoff``), ``bgnbd`` (BG/NBD and
    Gamma-Gamma inputs up to ``cutoff``), ``calibration_holdout`` (the same for the window
    ending ``calibration_weeks`` before the cutoff, plus the holdout behaviour) and ``cohorts``
    (long table: acquisition month, months since, active customers, revenue).
    """
    sql = customer_table_sql(eng.dialect, cutoff, time_unit, calibration_weeks, table)
    out = {name: eng.to_pandas(q) for name, q in sql.items()}
    for name in ("rfm", "bgnbd", "calibration_holdout"):
        df = out[name]
        df["customer_id"] = df["customer_id"].astype("int64")
        out[name] = df.sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    c = out["cohorts"]
    c["cohort"] = pd.to_datetime(c["cohort"]).astype("datetime64[ns]")
    out["cohorts"] = c.astype({"k": "int64", "customers": "int64"})
    return out


# --------------------------------------------------------------------------------------------
# the stand-alone job
# --------------------------------------------------------------------------------------------
def run(engine: str, inputs: list[str], out_dir: str | Path, rules: CleaningRules | None = None,
        cutoff: str | None = None, time_unit: str = "W", calibration_weeks: int = 26,
        master: str | None = None) -> dict:
    """Run the whole data layer on ``engine`` from parquet ``inputs`` to parquet in ``out_dir``.

    ``inputs`` hold source-standard raw lines (:data:`helpers.data.ingest.RAW_COLUMNS`, optional
    ``set_aside``); ``line_id`` is taken from the input when present, else numbered by
    ``source_file, source_row``. Returns a summary (row counts, ledger totals, timings).
    """
    rules = rules or CleaningRules()
    out = str(out_dir).rstrip("/")
    local = "://" not in out  # else a cluster path (hdfs://, s3a://): written by the engine only
    if local:
        Path(out).mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    kwargs = {"master": master} if engine == "spark" and master else {}
    eng = engines.get_engine(engine, **kwargs)
    timings["start_engine_s"] = time.perf_counter() - t0
    try:
        for i, path in enumerate(inputs):
            eng.register(f"raw_part_{i}", path)
        union = " UNION ALL ".join(f"SELECT * FROM raw_part_{i}" for i in range(len(inputs)))
        eng.create_view("raw_src", union)
        cols = set(eng.to_pandas("SELECT * FROM raw_src LIMIT 0").columns)
        missing = [c for c in VALUE_COLUMNS if c not in cols]
        if missing:
            raise ValueError(f"{', '.join(map(str, inputs))}: lacks column(s) {missing} "
                             "(expected the source-standard raw columns, helpers.data.ingest.RAW_COLUMNS)")
        if "line_id" in cols:
            line_id = "line_id"
        else:  # file number x 1e10 + row: unique, ordered, and no global sort of the lines
            files = eng.to_pandas("SELECT DISTINCT source_file FROM raw_src ORDER BY 1")
            files["file_no"] = np.arange(1, len(files) + 1, dtype="int64")
            eng.register("raw_files", files)
            eng.create_view("raw_src_numbered", "SELECT s.*, f.file_no FROM raw_src s "
                            "JOIN raw_files f ON s.source_file = f.source_file")
            line_id = "file_no * 10000000000 + source_row"
        set_aside = "set_aside" if "set_aside" in cols else "CAST(NULL AS STRING)"
        eng.create_view("raw_lines", f"SELECT {line_id} AS line_id, "
                        f"{', '.join(VALUE_COLUMNS)}, {set_aside} AS set_aside "
                        f"FROM {'raw_src' if 'line_id' in cols else 'raw_src_numbered'}")
        t = time.perf_counter()
        eng.materialise("line_reasons", sqlrules.reasons_sql(eng.dialect, rules))
        eng.create_view("classified_lines", "SELECT r.*, c.reason, c.detail FROM raw_lines r "
                        "JOIN line_reasons c ON r.line_id = c.line_id")
        counts = eng.to_pandas(sqlrules.ledger_sql(eng.dialect))
        n_in = int(counts["n_rows"].sum())
        ledger, totals = cleaning.ledger_table(counts, n_in)
        timings["clean_and_ledger_s"] = time.perf_counter() - t
        t = time.perf_counter()
        eng.to_parquet("SELECT * FROM classified_lines WHERE reason IS NOT NULL",
                       f"{out}/quarantine.parquet")
        eng.materialise("order_lines", sqlrules.order_lines_sql(eng.dialect))
        eng.to_parquet("SELECT * FROM order_lines", f"{out}/order_lines.parquet")
        timings["write_lines_s"] = time.perf_counter() - t
        if cutoff:
            cut = pd.Timestamp(cutoff)
        else:
            last = eng.to_pandas("SELECT MAX(order_ts) AS last FROM order_lines")["last"].iloc[0]
            cut = pd.Timestamp(last).floor("D") + pd.Timedelta(days=1)
        t = time.perf_counter()
        queries = customer_table_sql(eng.dialect, cut, time_unit, calibration_weeks)
        for name, q in queries.items():
            eng.to_parquet(q, f"{out}/{name}.parquet")
        n_customers = int(eng.to_pandas(
            "SELECT COUNT(DISTINCT customer_id) AS n FROM order_lines "
            f"WHERE customer_id IS NOT NULL AND order_ts < {eng.dialect.timestamp(cut)}")["n"].iloc[0])
        timings["customer_tables_s"] = time.perf_counter() - t
        eng.register("ledger_table", ledger)
        eng.to_parquet("SELECT * FROM ledger_table", f"{out}/ledger.parquet")
    finally:
        eng.close()
    timings["total_s"] = time.perf_counter() - t0
    summary = {
        "engine": eng.name,
        "inputs": [str(p) for p in inputs],
        "cutoff": str(cut.date()),
        "totals": totals,
        "customers": n_customers,
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }
    if local:
        (Path(out) / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.data.datalayer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    ap.add_argument("--input", nargs="+", required=True,
                    help="parquet file(s)/folder(s) of source-standard raw lines")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--cutoff", default=None, help="ISO date; default: day after the last order")
    ap.add_argument("--time-unit", default="W", choices=["W", "D"])
    ap.add_argument("--calibration-weeks", type=int, default=26)
    ap.add_argument("--max-quantity", type=int, default=CleaningRules().max_quantity)
    ap.add_argument("--master", default=None, help="Spark master (default: CRM_SPARK_MASTER, "
                    "the spark-submit master, or local[2])")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        summary = run(args.engine, args.input, args.out,
                      CleaningRules(max_quantity=args.max_quantity), args.cutoff,
                      args.time_unit, args.calibration_weeks, args.master)
    except (engines.EngineUnavailable, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

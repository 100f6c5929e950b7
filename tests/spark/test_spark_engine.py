"""Spark (local mode) against the embedded engine: the same SQL must give identical tables.

Skipped, with the reason, where pyspark or Java is missing (``make setup-spark`` installs
pyspark; Java 17 comes from Debian's openjdk-17-jre-headless). CI installs both and runs these.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import synth
from helpers.data import cleaning, datalayer, engines, ingest
from helpers.data.adapters import get_adapter
from helpers.value import crosscheck
from tests.unit.test_sql_engines import RULE_SETS, messy_lines

ok, why = engines.spark_available()
pytestmark = [pytest.mark.spark, pytest.mark.skipif(not ok, reason=f"Spark tests skipped: {why}")]


@pytest.fixture(scope="module")
def spark():
    eng = engines.get_engine("spark")
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    synth.write_synthetic(synth.simulate_crm(n_customers=300, start="2021-01-01",
                                             end="2022-12-31", seed=11), folder)
    return get_adapter("synthetic")(folder)


def _same_clean(a: cleaning.CleanResult, b: cleaning.CleanResult) -> None:
    pd.testing.assert_frame_equal(a.ledger, b.ledger, check_exact=True)
    assert a.totals == b.totals
    for part in ("kept", "quarantine"):
        pd.testing.assert_frame_equal(getattr(a, part), getattr(b, part), check_exact=True)


@RULE_SETS
def test_cleaning_is_identical_on_spark_and_duckdb(spark, rules):
    raw = messy_lines(3000, 4)
    on_spark = cleaning.clean(raw, rules, engine=spark)
    on_duck = cleaning.clean(raw, rules, engine="duckdb")
    expected = {"cancellation", "missing_value"}
    if rules.non_product_codes or rules.non_product_pattern:  # the neutral set has neither
        expected.add("non_product")
    assert set(on_spark.quarantine["reason"]) >= expected
    _same_clean(on_spark, on_duck)


def test_customer_tables_are_identical_on_spark_and_duckdb(spark, synthetic):
    lines = ingest.build_canonical(cleaning.clean(synthetic.lines).kept, synthetic)["order_lines"]
    cut = pd.Timestamp("2022-11-01")
    duck = engines.get_engine("duckdb")
    got = {}
    for name, eng in (("spark", spark), ("duckdb", duck)):
        eng.register("order_lines", lines)
        got[name] = datalayer.customer_tables(eng, cut, "W", 13)
    duck.close()
    for table in datalayer.SUMMARY_TABLES:
        a, b = got["spark"][table], got["duckdb"][table]
        assert len(a) > 50, table
        # same dtypes too: what 01 writes must not depend on the engine (datediff was int32)
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=table)
    check = crosscheck.check_against_helpers(got["spark"], lines, cut, "W", 13)
    assert check["same_customers"].all()
    assert (check["max_abs_diff"] < 1e-6).all(), check


def test_stand_alone_job_is_identical_on_spark_and_duckdb(synthetic, tmp_path, spark):
    raw = tmp_path / "raw.parquet"
    engines.write_parquet_for_spark(synthetic.lines, raw)
    spark.close()  # the job starts its own session
    out = {e: datalayer.run(e, [str(raw)], tmp_path / e) for e in ("spark", "duckdb")}
    assert out["spark"]["totals"] == out["duckdb"]["totals"]
    assert out["spark"]["totals"]["rows_in"] == len(synthetic.lines)
    for name in ("ledger", *datalayer.SUMMARY_TABLES):
        a = pd.read_parquet(tmp_path / "spark" / f"{name}.parquet")
        b = pd.read_parquet(tmp_path / "duckdb" / f"{name}.parquet")
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_dtype=False, obj=name)
    a = pd.read_parquet(tmp_path / "spark" / "order_lines.parquet").sort_values("line_id")
    b = pd.read_parquet(tmp_path / "duckdb" / "order_lines.parquet").sort_values("line_id")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False, check_exact=True)

"""The data layer's SQL (helpers.data.sqlrules) on the embedded engine against independent references.

Cleaning: every line's reason and detail against the readable pandas implementation the SQL
replaced (tests/reference/reference_cleaning.py), on messy random lines built to hit every rule
and every tie (equal timestamps, repeated cancellations, whitespace, nulls).
Summaries: RFM inputs, BG/NBD calibration/holdout summaries and cohort counts against the pandas
helpers the notebooks use (helpers.value.rfm, helpers.value.clv, helpers.analysis.lifecycle).

tests/spark/test_spark_engine.py runs the same SQL on Spark and compares with DuckDB.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import synth
from helpers.analysis import lifecycle
from helpers.data import cleaning, datalayer, engines, sqlrules
from helpers.value import clv, crosscheck, rfm
from tests.reference.reference_cleaning import reference_reasons
from tests.unit.rawframes import raw_frame


def messy_lines(n: int, seed: int) -> pd.DataFrame:
    """Random raw lines that exercise every rule, with many ties and repeats."""
    rng = np.random.default_rng(seed)
    codes = np.array(["85123A", "22423", "POST", "m", "gift_0001_10", "TEST1", "21232", " 22423",
                      "BANK CHARGES", "84879"])
    day = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 20, n), unit="D")
    ts = day + pd.to_timedelta(rng.choice([9, 9, 10, 11], n), unit="h")
    kind = rng.choice(["", "", "", "", "C", "A", " C"], n)
    qty = rng.choice([1, 2, 3, 6, 12, 0, 30000], n, p=[.25, .25, .15, .15, .1, .05, .05])
    qty = np.where(np.char.strip(kind.astype(str)) == "C", -qty, qty)
    qty = np.where(rng.random(n) < 0.03, -qty, qty)
    price = rng.choice([0.0, 0.85, 1.25, 2.55, 12.75, 1.2345], n, p=[.05, .3, .3, .2, .1, .05])
    cust = rng.choice(["1", "2", "3", "4", None], n, p=[.3, .3, .2, .1, .1])
    rows = [
        (f"{k}{500000 + i // 3}", codes[rng.integers(0, len(codes))], "ITEM", int(q), str(t),
         float(p), c, "UK")
        for i, (k, q, t, p, c) in enumerate(zip(kind, qty, ts, price, cust, strict=True))
    ]
    df = raw_frame(rows)
    # exact duplicates of earlier lines, and some missing essentials
    dup = df.sample(n // 10, random_state=seed)
    df = pd.concat([df, dup], ignore_index=True)
    miss = rng.random(len(df)) < 0.02
    df.loc[miss, "unit_price"] = np.nan
    df.loc[rng.random(len(df)) < 0.01, "stock_code"] = pd.NA
    df.loc[rng.random(len(df)) < 0.01, "set_aside"] = "source_overlap"
    return df


RULE_SETS = pytest.mark.parametrize(
    "rules",
    [cleaning.CleaningRules(),
     cleaning.CleaningRules(drop_exact_duplicates=False, match_cancellations=False,
                            max_quantity=100),
     cleaning.NEUTRAL_RULES],
    ids=["default", "switched_off", "neutral"],
)
"""Default rules, and every switch turned the other way (shared with the Spark tests)."""


@pytest.mark.parametrize("seed", [0, 1, 2])
@RULE_SETS
def test_sql_rules_match_the_pandas_reference(seed, rules):
    raw = messy_lines(3000, seed)
    got = cleaning.clean(raw, rules)
    want = reference_reasons(raw, rules).set_index("line_id")
    have = pd.concat([got.quarantine, got.kept.assign(reason=pd.NA, detail=pd.NA)])
    have = have.set_index("line_id").sort_index()
    # the test data must exercise every rule that is switched on
    used = set(have["reason"].dropna())
    assert used == set(rules.active())
    pd.testing.assert_series_equal(have["reason"].astype("string"), want["reason"],
                                   check_names=False)
    pd.testing.assert_series_equal(have["detail"].astype("string"), want["detail"],
                                   check_names=False)


def test_sql_ledger_matches_plain_python_sums():
    raw = messy_lines(2000, 7)
    res = cleaning.clean(raw)
    check = cleaning.reconcile_with_raw(res.ledger, raw)
    assert check["rows_match"] and check["revenue_match"]
    # every reason's pounds, recomputed from the partition with plain Python
    q = res.quarantine
    for reason, grp in q.groupby("reason"):
        milli = sum(int(a) * round(float(b) * 1000) for a, b in
                    zip(grp["quantity"].fillna(0), grp["unit_price"].fillna(0.0), strict=True))
        assert res.ledger.set_index("reason").loc[reason, "rev_milli"] == milli
    # prices with four decimals (1.2345) are counted as rounded for the ledger
    p = raw["unit_price"].dropna()
    assert res.totals["price_rounded_rows"] == int((p == 1.2345).sum())


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine='polars': unknown; choose one of duckdb, spark"):
        cleaning.clean(messy_lines(10, 0), engine="polars")


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    """Canonical order lines of a small synthetic CRM, through the real adapter and cleaning."""
    from helpers.data import ingest
    from helpers.data.adapters import get_adapter

    folder = tmp_path_factory.mktemp("synth")
    synth.write_synthetic(synth.simulate_crm(n_customers=300, start="2021-01-01", end="2022-12-31",
                                       seed=5), folder)
    source = get_adapter("synthetic")(folder)
    kept = cleaning.clean(source.lines).kept
    return ingest.build_canonical(kept, source)["order_lines"]


def _duck(lines):
    eng = engines.get_engine("duckdb")
    eng.register("order_lines", lines)
    return eng


def test_rfm_sql_matches_rfm_table(lines):
    cut = pd.Timestamp("2022-10-01")
    want = rfm.rfm_table(lines, cut)
    got = _duck(lines).to_pandas(sqlrules.rfm_sql(sqlrules.DUCKDB, cut)).set_index("customer_id")
    assert got.index.tolist() == want.index.tolist()
    for c in ("recency_days", "frequency", "tenure_days"):
        assert got[c].astype("int64").tolist() == want[c].tolist(), c
    np.testing.assert_allclose(got["monetary_amt"], want["monetary_amt"], rtol=1e-12)
    assert (got["last_order_ts"].to_numpy() == want["last_order_ts"].to_numpy()).all()


@pytest.mark.parametrize("unit", ["W", "D"])
def test_bgnbd_summary_sql_matches_summarise_transactions(lines, unit):
    cal, obs = pd.Timestamp("2022-06-01"), pd.Timestamp("2022-12-01")
    want = clv.calibration_holdout(lines, cal, obs, time_unit=unit)
    eng = _duck(lines)
    got = eng.to_pandas(sqlrules.bgnbd_summary_sql(sqlrules.DUCKDB, obs, unit, cal))
    hold = eng.to_pandas(sqlrules.holdout_sql(sqlrules.DUCKDB, cal, obs))
    got = got.merge(hold, on="customer_id").set_index("customer_id")
    assert got.index.tolist() == want.index.tolist()
    assert (got["frequency"] > 0).any() and (got["frequency_holdout"] > 0).any()
    for c in ("frequency", "recency", "T", "n_orders", "frequency_holdout"):
        np.testing.assert_array_equal(got[c].to_numpy(float), want[c].to_numpy(float), err_msg=c)
    for c in ("monetary_value", "revenue_amt", "monetary_value_holdout"):
        np.testing.assert_allclose(got[c], want[c], rtol=1e-9, atol=1e-9, err_msg=c)


def test_cohort_sql_matches_cohort_tables(lines):
    cut = pd.Timestamp("2022-12-15")
    want = lifecycle.cohort_tables(lines, cut)
    got = _duck(lines).to_pandas(sqlrules.cohort_sql(sqlrules.DUCKDB, cut))
    got["cohort"] = pd.to_datetime(got["cohort"])
    counts = got.pivot(index="cohort", columns="k", values="customers")
    rev = got.pivot(index="cohort", columns="k", values="revenue_amt")
    w_counts = want["counts"].where(want["counts"] > 0)  # the helper writes 0 for no activity
    for k in counts.columns:
        a = counts[k].dropna().astype("int64")
        b = w_counts[k].reindex(a.index).astype("int64")
        assert a.tolist() == b.tolist(), k
    rev_ret = rev.div(rev[0], axis=0)
    for k in rev.columns:
        a = rev_ret[k].dropna()
        b = want["revenue_retention"][k].reindex(a.index)
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, err_msg=str(k))
    assert counts[0].astype("int64").tolist() == want["sizes"].tolist()


def test_customer_tables_agree_with_helpers_and_a_change_is_caught(lines):
    cut = pd.Timestamp("2022-11-15")
    tables = datalayer.customer_tables(_duck(lines), cut, "W", 13)
    check = crosscheck.check_against_helpers(tables, lines, cut, "W", 13)
    assert check["same_customers"].all() and (check["max_abs_diff"] < 1e-9).all(), check
    assert set(check["table"]) == set(datalayer.SUMMARY_TABLES)
    tables["bgnbd"].loc[0, "T"] += 1 / 7  # one day more for one customer
    tables["cohorts"] = tables["cohorts"].iloc[1:]  # one cohort cell lost
    check = crosscheck.check_against_helpers(tables, lines, cut, "W", 13).set_index(["table", "column"])
    assert check.loc[("bgnbd", "T"), "max_abs_diff"] == pytest.approx(1 / 7)
    assert not check.loc[("cohorts", "customers"), "same_customers"]

"""Cleaning rules and the ledger, on a hand-made frame with one line per rule."""

# Surviving mutants (mutmut 3.8.1, make mutate) and why they are left:
# x_clean__mutmut_12, _15: np.arange without dtype= is int64 here (64-bit numpy 2), as asked.
# x_clean__mutmut_35, _36, _38, _39: the all-null "string" set_aside column built another way
#   (None data, no data, or a length-1 Series aligned on assignment): same values and dtype.
# x_clean__mutmut_55, _65, _73, _74, _80, _82, _83, _85, _86: upper/lower case of SQL keywords
#   and unquoted table/column names; DuckDB (and Spark SQL) are case-insensitive for both.
# x_clean__mutmut_133, _135, _147, _149: errors="raise" on drop(); the dropped columns always
#   exist at that point.
# x_clean__mutmut_143, _144, _152, _153: errors="XXignoreXX"/"IGNORE"; pandas only checks for
#   "raise", and the columns exist anyway.
# x_ledger_table__mutmut_135, _136, _137, _138: rename({"index": "reason"}) is dead code: the
#   index keeps its name "reason" through reindex, so reset_index already gives "reason".
# x_reconcile_with_raw__mutmut_11, _14, _23: zip(strict=...) over two columns of one frame,
#   which always have the same length.
# (Full run of issue 22 with test_as_of.py and test_ledger_flows.py: 623 mutants, 576 killed.)
# x_as_of__mutmut_61: the dtype cast applied to the categorical columns instead of the others;
#   restored lines come from the same run as the kept ones and already share their dtypes.
# x_as_of__mutmut_64, _66, _67: concat's ignore_index; reset_index(drop=True) follows anyway.
# x_as_of__mutmut_70, _72, _74: sort kind None/"MERGESORT"; pandas sorts several keys with a
#   stable lexsort whatever the kind, and the line_id tie-break makes the order unique.
# x_customers_lost__mutmut_45, _47, _50: sort kind None/"STABLE": value_counts already orders
#   largest first, so only ties could move, and their order is not part of the result.
# x_money_flows__mutmut_21, _28: to_numpy without dtype=float (quantity x price is float).
# x_money_flows__mutmut_46: fillna("XXXX") for fillna(""): neither starts with "reverses".
# x_money_flows__mutmut_53, _58, _76, _85: >= 0 / <= 0 for > 0 / < 0: zero amounts add nothing.

import logging
import re

import pandas as pd
import pytest
from rawframes import LEDGER_CASE, raw_frame

from helpers.data import cleaning, engines


@pytest.fixture
def case():
    rows = [r for r, _ in LEDGER_CASE]
    aside = ["source_overlap" if why == "source_overlap" else None for _, why in LEDGER_CASE]
    return raw_frame(rows, aside), [why for _, why in LEDGER_CASE]


def test_each_line_gets_the_expected_reason(case):
    raw, expected = case
    res = cleaning.clean(raw)
    got = pd.Series([None] * len(raw), dtype="object")
    got[res.quarantine["line_id"].to_numpy() - 1] = res.quarantine["reason"].to_numpy()
    assert got.tolist() == expected
    assert len(res.kept) + len(res.quarantine) == len(raw)


def test_ledger_rows_and_revenue_hand_worked(case):
    raw, _ = case
    led = cleaning.clean(raw).ledger.set_index("reason")
    # kept with customer: 6 x 2.55 + 1 x 12.75 = 15.30 + 12.75 = 28.05
    assert led.loc["kept_with_customer", "rows"] == 2
    assert led.loc["kept_with_customer", "rev_milli"] == 28_050
    # kept without customer: 4 x 3.39 = 13.56
    assert led.loc["kept_without_customer", "rev_milli"] == 13_560
    # the cancellation (-2 x 12.75) and the purchase it reverses (+2 x 12.75)
    assert led.loc["cancellation", "rev_milli"] == -25_500
    assert led.loc["cancelled_original", "rev_milli"] == 25_500
    # extreme: 80,995 x 2.08 = 168,469.60
    assert led.loc["extreme_quantity", "rev_milli"] == 168_469_600
    assert led.loc["bad_debt_adjustment", "revenue_amt"] == pytest.approx(500.0)


def test_totals_reconcile_exactly(case):
    raw, _ = case
    res = cleaning.clean(raw)
    t = res.totals
    assert t["rows_in"] == 13 == t["rows_kept"] + t["rows_set_aside"]
    # 28.05 + 13.56 + 30.60 + 13.56 + 15.30 + 500 - 25.50 + 25.50 + 18 + 0 + 0 + 168,469.60
    assert t["revenue_in_amt"] == pytest.approx(169_088.67, abs=1e-9)
    assert t["revenue_kept_amt"] == pytest.approx(28.05 + 13.56, abs=1e-9)
    check = cleaning.reconcile_with_raw(res.ledger, raw)
    assert check["rows_match"] and check["revenue_match"]


def test_cancellation_detail_links_the_pair(case):
    raw, _ = case
    q = cleaning.clean(raw).quarantine.set_index("line_id")
    # line 4 (the C invoice) reverses line 3 (the original purchase)
    assert q.loc[4, "detail"] == "reverses line 3"
    assert q.loc[3, "detail"] == "reversed by line 4"


def test_unmatched_cancellation_is_flagged():
    raw = raw_frame(
        [
            ("C1", "X1", "A", -5, "2010-01-02", 1.0, "1", "UK"),  # nothing to reverse
            ("2", "X1", "A", 3, "2010-01-03", 1.0, "1", "UK"),  # later, and a different quantity
        ]
    )
    q = cleaning.clean(raw).quarantine
    assert q["reason"].tolist() == ["cancellation"]
    assert q["detail"].tolist() == ["unmatched"]


def test_match_cancellations_takes_latest_earlier_purchase_once():
    raw = raw_frame(
        [
            ("1", "X1", "A", 2, "2010-01-01", 1.0, "7", "UK"),
            ("2", "X1", "A", 2, "2010-01-05", 1.0, "7", "UK"),
            ("C3", "X1", "A", -2, "2010-01-06", 1.0, "7", "UK"),
            ("C4", "X1", "A", -2, "2010-01-07", 1.0, "8", "UK"),  # other customer: no match
        ]
    )
    q = cleaning.clean(raw).quarantine.set_index("line_id")
    assert q["reason"].to_dict() == {2: "cancelled_original", 3: "cancellation",
                                     4: "cancellation"}
    assert q["detail"].to_dict() == {2: "reversed by line 3", 3: "reverses line 2",
                                     4: "unmatched"}


def test_rules_can_be_switched_off(case):
    raw, _ = case
    res = cleaning.clean(
        raw,
        cleaning.CleaningRules(
            drop_exact_duplicates=False, match_cancellations=False, max_quantity=100_000
        ),
    )
    reasons = set(res.quarantine["reason"])
    assert "exact_duplicate" not in reasons
    assert "cancelled_original" not in reasons
    assert "extreme_quantity" not in reasons
    assert len(res.kept) == 6  # 3 kept before + duplicate + original + extreme


def test_non_product_rule():
    codes = ["POST", "m", "gift_0001_10", "TEST001", "85123A", "BANK CHARGES", " post "]
    raw = raw_frame([(f"{i}", c, "X", 1, "2010-01-01", 1.0, "7", "UK") for i, c in enumerate(codes)])
    res = cleaning.clean(raw)
    got = res.quarantine.set_index("line_id")["reason"].reindex(range(1, 8)).fillna("kept")
    assert got.tolist() == ["non_product"] * 4 + ["kept", "non_product", "non_product"]


def test_ledger_revenue_is_exact_milli_pounds():
    # 3 x 2.55 = 7.650 -> 7650; 1 x 0.30000000000000004 (float noise) -> 300; 2 x 0.001 -> 2
    raw = raw_frame([("1", "A1", "X", 3, "2010-01-01", 2.55, "7", "UK"),
                     ("2", "A2", "X", 1, "2010-01-01", 0.30000000000000004, "7", "UK"),
                     ("3", "A3", "X", 2, "2010-01-01", 0.001, None, "UK")])
    led = cleaning.clean(raw).ledger.set_index("reason")
    assert led.loc["kept_with_customer", "rev_milli"] == 7650 + 300
    assert led.loc["kept_without_customer", "rev_milli"] == 2


def test_clean_missing_column_names_it():
    raw = raw_frame([("1", "X1", "A", 2, "2010-01-01", 1.0, "7", "UK")]).drop(columns="unit_price")
    with pytest.raises(ValueError, match="unit_price"):
        cleaning.clean(raw)


def test_bad_rule_parameter():
    with pytest.raises(ValueError, match="max_quantity"):
        cleaning.CleaningRules(max_quantity=0)


def test_reconcile_detects_a_tampered_ledger(case):
    raw, _ = case
    led = cleaning.clean(raw).ledger.copy()
    led.loc[0, "rev_milli"] += 10  # one penny lost
    assert cleaning.reconcile_with_raw(led, raw)["revenue_match"] is False
    assert cleaning.reconcile_with_raw(led.iloc[1:], raw)["rows_match"] is False


def test_a_cancellation_at_the_same_timestamp_reverses_the_purchase():
    """p.ts <= c.ts: a purchase and its cancellation booked in the same second are a pair;
    a purchase one second after the cancellation is not reversed by it."""
    raw = raw_frame(
        [
            ("1", "X1", "A", 4, "2010-03-01 12:00:00", 1.5, "7", "UK"),
            ("C2", "X1", "A", -4, "2010-03-01 12:00:00", 1.5, "7", "UK"),  # same second
            ("C3", "X2", "B", -1, "2010-03-01 12:00:00", 2.0, "7", "UK"),
            ("4", "X2", "B", 1, "2010-03-01 12:00:01", 2.0, "7", "UK"),  # one second later
        ]
    )
    q = cleaning.clean(raw).quarantine.set_index("line_id")
    assert q["reason"].to_dict() == {1: "cancelled_original", 2: "cancellation", 3: "cancellation"}
    assert q["detail"].to_dict() == {1: "reversed by line 2", 2: "reverses line 1", 3: "unmatched"}


# --- mutation-testing additions (issue 22): output shape, engine handling, ledger_table and
# reconcile_with_raw on hand-built inputs ---

RAW_COLS = ["source_file", "source_row", "invoice", "stock_code", "description", "quantity",
            "invoice_ts", "unit_price", "source_customer_id", "country"]


def _three_lines() -> pd.DataFrame:
    """A kept line, a postage line (non_product) and a kept guest line, with a shuffled index
    and no ``set_aside`` column (an adapter that sets nothing aside)."""
    raw = raw_frame([("1", "85123A", "HEART", 2, "2010-01-01 09:00", 2.55, "7", "UK"),
                     ("2", "POST", "POSTAGE", 1, "2010-01-01 09:00", 18.0, "7", "UK"),
                     ("3", "22423", "CAKESTAND", 1, "2010-01-02 09:00", 12.75, None, "UK")])
    raw.index = [30, 10, 20]
    return raw.drop(columns="set_aside")


def test_clean_output_columns_and_line_ids_without_set_aside():
    res = cleaning.clean(_three_lines())
    # line_id is the 1-based position, not the incoming index; helper columns are dropped
    assert list(res.kept.columns) == [*RAW_COLS, "line_id"]
    assert list(res.quarantine.columns) == [*RAW_COLS, "line_id", "reason", "detail"]
    assert res.kept["line_id"].tolist() == [1, 3] and res.kept.index.tolist() == [0, 1]
    assert res.quarantine["line_id"].tolist() == [2] and res.quarantine.index.tolist() == [0]
    assert res.quarantine["reason"].tolist() == ["non_product"]
    # the rule set that ran is recorded with the result
    assert res.rules["rule_set"] == "online_retail_ii" and res.rules["max_quantity"] == 20_000


def test_clean_records_the_rules_passed():
    rules = cleaning.CleaningRules(max_quantity=100, drop_exact_duplicates=False)
    res = cleaning.clean(_three_lines(), rules)
    assert res.rules["max_quantity"] == 100 and res.rules["drop_exact_duplicates"] is False


def test_clean_leaves_a_passed_engine_open_and_names_an_unknown_one():
    eng = engines.get_engine("duckdb")
    try:
        res = cleaning.clean(_three_lines(), engine=eng)
        assert len(res.kept) == 2
        # the caller's engine is not closed: the registered lines can still be queried
        assert eng.to_pandas("SELECT COUNT(*) AS n FROM raw_lines")["n"].tolist() == [3]
    finally:
        eng.close()
    with pytest.raises(ValueError, match="engine='sqlite': unknown"):
        cleaning.clean(_three_lines(), engine="sqlite")


class _ReorderingEngine(engines.DuckDBEngine):
    """An engine that returns the per-line reasons in the wrong order (as an engine that does
    not honour ORDER BY would)."""

    def to_pandas(self, sql: str) -> pd.DataFrame:
        out = super().to_pandas(sql)
        if sql.lower().startswith("select line_id, reason, detail"):
            return out.iloc[::-1].reset_index(drop=True)
        return out


class _LosingEngine(engines.DuckDBEngine):
    """An engine that loses the last line's reason."""

    def to_pandas(self, sql: str) -> pd.DataFrame:
        out = super().to_pandas(sql)
        return out.iloc[:-1] if sql.lower().startswith("select line_id, reason, detail") else out


@pytest.mark.parametrize("engine_cls, got", [(_ReorderingEngine, 3), (_LosingEngine, 2)])
def test_clean_refuses_an_engine_that_loses_or_reorders_lines(engine_cls, got):
    eng = engine_cls()
    try:
        with pytest.raises(AssertionError, match=f"clean: the duckdb engine returned {got} of 3"):
            cleaning.clean(_three_lines(), engine=eng)
    finally:
        eng.close()


def test_clean_logs_rows_per_rule(caplog):
    caplog.set_level(logging.INFO, logger="helpers.data.cleaning")
    cleaning.clean(_three_lines())
    msgs = [r.getMessage() for r in caplog.records if r.name == "helpers.data.cleaning"]
    assert any(re.fullmatch(r"rule non_product\s+1 rows", m) for m in msgs), msgs


def _counts(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["reason", "n_rows", "units", "rev_milli",
                                       "price_rounded_rows"])


def test_ledger_table_from_hand_made_counts():
    counts = _counts([
        ("kept_with_customer", 3, 10, 25_500, 1),
        ("cancellation", 1, -2, -5_000, 0),
        ("vendor_dupe", 2, 4, 8_000, 0),  # adapter-specific reasons go last, sorted by name
        ("a_custom", 1, 1, 1_250, 1),
    ])  # fmt: skip
    ledger, totals = cleaning.ledger_table(counts, rows_in=7)
    assert list(ledger.columns) == ["outcome", "reason", "description", "rows", "share_rows",
                                    "units", "revenue_amt", "rev_milli"]
    expected_order = ["kept_with_customer", "kept_without_customer", *cleaning.RULES,
                      "a_custom", "vendor_dupe"]
    assert ledger["reason"].tolist() == expected_order
    led = ledger.set_index("reason")
    assert led["outcome"].tolist() == ["kept"] * 2 + ["set aside"] * (len(expected_order) - 2)
    assert led.loc["kept_with_customer", "description"] == "kept: customer-level and revenue analyses"
    assert led.loc["kept_without_customer", "description"] == (
        "kept: revenue totals only (no customer id)")
    assert led.loc["cancellation", "description"] == "cancellation line (invoice C...)"
    assert led.loc["a_custom", "description"] == "adapter-specific"
    # reasons without lines are present with 0 (not missing), and the counts stay integers
    assert led.loc["kept_without_customer", "rows"] == 0 and led.loc["non_product", "rev_milli"] == 0
    for col in ("rows", "units", "rev_milli"):
        assert ledger[col].dtype == "int64", col
    # shares of the 7 input rows; revenue in GBP = milli / 1000
    assert led.loc["kept_with_customer", "share_rows"] == pytest.approx(3 / 7)
    assert led.loc["vendor_dupe", "share_rows"] == pytest.approx(2 / 7)
    assert led.loc["cancellation", "revenue_amt"] == -5.0
    # kept 3 rows / 25.500; set aside 1 + 2 + 1 = 4 rows / -5.000 + 8.000 + 1.250 = 4.250
    assert totals == {
        "rows_in": 7, "rows_kept": 3, "rows_set_aside": 4,
        "revenue_in_amt": 29.75, "revenue_kept_amt": 25.5, "revenue_set_aside_amt": 4.25,
        "price_rounded_rows": 2, "reconciles": True,
    }  # fmt: skip
    assert totals["reconciles"] is True


def test_ledger_table_single_row_share_and_a_lost_line():
    ledger, _ = cleaning.ledger_table(_counts([("kept_with_customer", 1, 2, 3_000, 0)]), rows_in=1)
    assert ledger.set_index("reason").loc["kept_with_customer", "share_rows"] == 1.0
    # 3 rows counted for 4 lines in: an engine lost a line
    with pytest.raises(AssertionError, match="ledger does not reconcile"):
        cleaning.ledger_table(_counts([("kept_with_customer", 3, 3, 3_000, 0)]), rows_in=4)


def test_reconcile_with_raw_counts_missing_quantity_and_price_as_zero():
    raw = raw_frame([("1", "A1", "X", 2, "2010-01-01", 1.25, "7", "UK"),
                     ("2", "A2", "X", 1, "2010-01-01", 4.0, "7", "UK"),
                     ("3", "A3", "X", 3, "2010-01-01", 1.0, "7", "UK")])
    raw["quantity"] = pd.array([2, None, 3], dtype="Int64")  # line 2: quantity missing
    raw.loc[2, "unit_price"] = float("nan")  # line 3: price missing
    res = cleaning.clean(raw)
    check = cleaning.reconcile_with_raw(res.ledger, raw)
    # 2 x 1.250 = 2.500; the line without a quantity and the one without a price count 0
    assert check == {"rows_match": True, "revenue_match": True, "raw_rows": 3,
                     "raw_revenue_amt": 2.5}


def test_clean_output_columns_with_set_aside(case):
    raw, _ = case
    res = cleaning.clean(raw)
    assert list(res.kept.columns) == [*RAW_COLS, "line_id"]
    assert list(res.quarantine.columns) == [*RAW_COLS, "line_id", "reason", "detail"]


class _RecordingEngine(engines.DuckDBEngine):
    """Keeps the dtypes of the frame ``clean`` registers."""

    def register(self, name, data):
        self.registered = data.dtypes.astype(str).to_dict()
        super().register(name, data)


@pytest.mark.parametrize("set_aside", ["absent", "object"])
def test_clean_hands_the_engine_a_typed_set_aside_column(set_aside):
    """``set_aside`` reaches the engine as a text column even when the adapter gave none or an
    untyped (object) one: an all-null object column has no type, which DuckDB reads as a NULL
    column and Spark cannot infer when it builds a DataFrame from pandas."""
    raw = _three_lines()
    if set_aside == "object":
        raw["set_aside"] = pd.Series([None] * 3, index=raw.index, dtype=object)
    eng = _RecordingEngine()
    try:
        cleaning.clean(raw, engine=eng)
    finally:
        eng.close()
    assert list(eng.registered) == ["line_id", *cleaning.VALUE_COLUMNS, "set_aside"]
    assert eng.registered["set_aside"] == "string" and eng.registered["line_id"] == "int64"

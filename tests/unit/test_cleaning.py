"""Cleaning rules and the ledger, on a hand-made frame with one line per rule."""

import pandas as pd
import pytest
from rawframes import LEDGER_CASE, raw_frame

from helpers.data import cleaning


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

"""cleaning.money_flows and cleaning.customers_lost on hand-built kept/quarantine frames."""

import pandas as pd
import pytest

from helpers.data import cleaning


def _frames():
    kept = pd.DataFrame({"source_customer_id": ["a", "a", None],
                         "quantity": [2, 1, 5], "unit_price": [10.0, 4.0, 1.0]})   # 20 + 4 + 5 = 29
    quarantine = pd.DataFrame({
        "source_customer_id": ["a", "b", "b", "c", None, "d"],
        "quantity": [-2, 3, -3, -1, 1, 2],
        "unit_price": [10.0, 6.0, 5.0, 7.0, 50.0, 2.0],
        "reason": ["cancellation", "cancelled_original", "cancellation", "cancellation",
                   "non_product", "exact_duplicate"],
        "detail": ["unmatched", None, "reverses line 2", "unmatched", None, None],
    })
    return kept, quarantine


def test_money_flows_hand_worked():
    f = cleaning.money_flows(*_frames())
    # set aside: +18 (b's purchase) +50 (postage) +4 (duplicate) = 72; -20 -15 -7 = -42
    assert f["set_aside_in_amt"] == 72 and f["set_aside_out_amt"] == -42
    assert f["kept_amt"] == 29
    # matched return: b's -15; unmatched: a's -20 and c's -7
    assert f["returns_matched_amt"] == -15 and f["returns_unmatched_amt"] == -27
    assert f["raw_in_amt"] == 29 + 72 and f["raw_out_amt"] == -42
    # the ledger identity: in = kept + set aside, in gross terms
    assert f["raw_in_amt"] + f["raw_out_amt"] == f["kept_amt"] + f["set_aside_in_amt"] + f["set_aside_out_amt"]
    assert f["kept_net_of_all_returns_amt"] == 2


def test_customers_lost_by_reason():
    lost = cleaning.customers_lost(*_frames())
    # a keeps lines; b: purchase + its cancellation; c: an unmatched return; d: a duplicate
    assert lost.to_dict() == {"cancellation + cancelled_original": 1, "cancellation": 1,
                              "exact_duplicate": 1}
    kept, q = _frames()
    assert cleaning.customers_lost(kept, q[q["source_customer_id"] == "a"]).empty


def test_flows_and_lost_name_missing_columns():
    kept, q = _frames()
    with pytest.raises(ValueError, match=r"quarantine has no column\(s\) \['detail'\]"):
        cleaning.money_flows(kept, q.drop(columns="detail"))
    with pytest.raises(ValueError, match="kept has no column 'source_customer_id'"):
        cleaning.customers_lost(kept.drop(columns="source_customer_id"), q)


def test_money_flows_split_in_and_out_at_zero_not_at_one():
    # lines worth 0.5 (in) and -0.5 (out): amounts below one unit still count
    kept = pd.DataFrame({"quantity": [1, -1], "unit_price": [0.5, 0.5]})
    q = pd.DataFrame({"quantity": [1, -1], "unit_price": [0.5, 0.5],
                      "reason": ["non_product", "cancellation"], "detail": [None, "unmatched"]})
    f = cleaning.money_flows(kept, q)
    assert f["set_aside_in_amt"] == 0.5 and f["set_aside_out_amt"] == -0.5
    assert f["raw_in_amt"] == 1.0 and f["raw_out_amt"] == -1.0


def test_flows_and_lost_messages_are_exact():
    kept, q = _frames()
    with pytest.raises(ValueError, match=r"^money_flows: kept has no column\(s\) \['unit_price'\]$"):
        cleaning.money_flows(kept.drop(columns="unit_price"), q)
    with pytest.raises(ValueError, match=r"^customers_lost: quarantine has no column "
                                         r"'source_customer_id'$"):
        cleaning.customers_lost(kept, q.drop(columns="source_customer_id"))
    with pytest.raises(ValueError, match=r"^customers_lost: quarantine has no column 'reason'$"):
        cleaning.customers_lost(kept, q.drop(columns="reason"))


def test_customers_lost_names_and_order():
    kept, q = _frames()
    extra = pd.DataFrame({"source_customer_id": ["e", "f"], "quantity": [1, 1],
                          "unit_price": [1.0, 1.0], "reason": ["cancellation", "cancellation"],
                          "detail": ["unmatched", "unmatched"]})
    lost = cleaning.customers_lost(kept, pd.concat([q, extra], ignore_index=True))
    assert lost.name == "customers" and lost.index.name == "reasons of all their lines"
    assert lost.index[0] == "cancellation" and lost.iloc[0] == 3  # c, e, f: largest first
    assert lost.tolist() == sorted(lost.tolist(), reverse=True)
    none = cleaning.customers_lost(kept, q[q["source_customer_id"] == "a"])
    assert none.empty and none.name == "customers" and none.dtype == "int64"

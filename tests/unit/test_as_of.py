"""Data as known at a backtest's cutoff: purchases reversed after the cutoff are restored.

A hand-built export runs through the real cleaning and the canonical tables
(``cleaning.clean`` -> ``ingest.build_canonical(..., quarantine=...)``), as notebook 01 does;
``cleaning.as_of`` then gives the lines a backtest at a cutoff may see.
"""

import numpy as np
import pandas as pd
import pytest
from rawframes import raw_frame

from helpers import files
from helpers.data import cleaning, ingest, schema
from helpers.data.rules import CleaningRules

DAY = {d: f"2010-01-{d:02d} 10:00" for d in range(1, 32)}

ROWS = [
    # invoice code    desc        qty  ts       price  cust  country     line  what
    ("103", "B1", "BOWL", 2, DAY[2], 3.00, "B", "UK"),  # 1  kept: B's first order (id 1)
    ("105", "G1", "GLASS", 1, DAY[3], 2.50, None, "UK"),  # 2  kept, guest
    ("102", "Z1", "ZEBRA", 1, DAY[5], 4.00, "A", "UK"),  # 3  kept: A's first order (id 2)
    ("106", "K1", "KITE", 5, DAY[8], 1.20, "C", "France"),  # 4  C's only purchase, reversed day 30
    ("104", "POST", "POSTAGE", 1, DAY[9], 18.0, "A", "UK"),  # 5  reversed, but not a product
    ("100", "X1", "MUG", 2, DAY[10], 1.50, "A", "UK"),  # 6  bought day 10, cancelled day 20
    ("101", "Y1", "CANDLE", 3, DAY[10], 2.00, "B", "UK"),  # 7  bought day 10, cancelled day 12
    ("C201", "Y1", "CANDLE", -3, DAY[12], 2.00, "B", "UK"),  # 8  reverses line 7
    ("C200", "X1", "MUG", -2, DAY[20], 1.50, "A", "UK"),  # 9  reverses line 6
    ("C204", "POST", "POSTAGE", -1, DAY[21], 18.0, "A", "UK"),  # 10 reverses line 5
    ("C206", "K1", "KITE", -5, DAY[30], 1.20, "C", "France"),  # 11 reverses line 4
]


@pytest.fixture(scope="module")
def tables():
    raw = raw_frame(ROWS)
    rules = CleaningRules()
    res = cleaning.clean(raw, rules)
    source = ingest.SourceData(lines=raw, files=pd.DataFrame({"file": ["test.csv"]}))
    return ingest.build_canonical(res.kept, source, quarantine=res.quarantine, rules=rules)


def ts(day):
    return pd.Timestamp(DAY[day])


def test_the_cleaning_removes_the_reversed_purchases(tables):
    # the premise: kept lines are 1-3; lines 4-7 are cancelled_original
    assert tables["order_lines"]["line_id"].tolist() == [1, 2, 3]


def test_reversed_purchases_hand_worked(tables):
    rev = tables["reversed_purchases"].set_index("line_id")
    # the reversed postage line (5) would be a non_product anyway: never restored
    assert rev.index.tolist() == [4, 6, 7]
    assert rev["reversed_ts"].to_dict() == {4: ts(30), 6: ts(20), 7: ts(12)}
    assert rev["order_ts"].to_dict() == {4: ts(8), 6: ts(10), 7: ts(10)}
    assert rev["order_id"].tolist() == ["106", "100", "101"]
    assert rev["product_id"].tolist() == ["K1", "X1", "Y1"]
    # B's first kept order (day 2) gives B id 1, A's (day 5) id 2; C has no kept line: the
    # next id after the map's, 3, and C stays out of customer_map
    assert rev["customer_id"].tolist() == [3, 2, 1]
    assert tables["customer_map"].set_index("source_customer_id")["customer_id"].to_dict() == {
        "B": 1, "A": 2}
    assert rev["revenue_amt"].tolist() == pytest.approx([6.0, 3.0, 6.0])  # 5x1.20, 2x1.50, 3x2
    assert rev["country"].tolist() == ["France", "UK", "UK"]


def test_reversed_purchases_have_the_order_lines_schema(tables):
    lines, rev = tables["order_lines"], tables["reversed_purchases"]
    assert list(rev.columns) == [*lines.columns, "reversed_ts"]
    assert rev.drop(columns="reversed_ts").dtypes.to_dict() == lines.dtypes.to_dict()
    assert str(rev["reversed_ts"].dtype) == "datetime64[ns]"
    schema.validate(rev.drop(columns="reversed_ts"), "order_lines")


def test_ids_are_those_the_kept_lines_would_use():
    # without cancellation matching, lines 4, 6 and 7 are kept: the canonical tables give them
    # the same ids, amounts and (here, where C's first order comes after A's and B's) customers
    raw = raw_frame(ROWS)
    res = cleaning.clean(raw)
    source = ingest.SourceData(lines=raw, files=None)
    rev = ingest.build_canonical(res.kept, source, quarantine=res.quarantine)["reversed_purchases"]
    no_match = cleaning.clean(raw, CleaningRules(match_cancellations=False))
    kept_all = ingest.build_canonical(no_match.kept, source)["order_lines"]
    same = kept_all[kept_all["line_id"].isin(rev["line_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(rev.drop(columns="reversed_ts"), same)


@pytest.mark.parametrize(
    ("cutoff", "expected"),
    [
        (ts(15), [1, 2, 3, 4, 6]),  # day-10 purchase cancelled day 20 is restored; day 12 not
        (ts(25), [1, 2, 3, 4]),  # its cancellation is known by day 25
        (ts(11), [1, 2, 3, 4, 6, 7]),  # before day 12 both day-10 purchases stand
        (ts(10), [1, 2, 3, 4]),  # bought AT the cutoff: not before it, so not history
        (ts(20), [1, 2, 3, 4, 6]),  # cancelled AT the cutoff: still a purchase before it
        (ts(31), [1, 2, 3]),  # after every cancellation: the cleaned lines
        (ts(1), [1, 2, 3]),  # before every purchase
    ],
)
def test_as_of_restores_purchases_cancelled_after_the_cutoff(tables, cutoff, expected):
    got = cleaning.as_of(tables["order_lines"], tables["reversed_purchases"], cutoff)
    assert sorted(got["line_id"].tolist()) == expected


def test_as_of_keeps_columns_dtypes_and_order(tables):
    lines, rev = tables["order_lines"], tables["reversed_purchases"]
    got = cleaning.as_of(lines, rev, ts(11))
    assert list(got.columns) == list(lines.columns)
    assert got.dtypes.to_dict() == lines.dtypes.to_dict()
    # by order_ts, then line_id (6 and 7 share day 10)
    assert got["line_id"].tolist() == [1, 2, 3, 4, 6, 7]
    assert got.index.tolist() == list(range(6))
    assert got.loc[got["line_id"] == 6, "customer_id"].item() == 2


def test_as_of_leaves_lines_on_and_after_the_cutoff_alone(tables):
    lines, rev = tables["order_lines"], tables["reversed_purchases"]
    for day in (5, 9, 15, 25):
        got = cleaning.as_of(lines, rev, ts(day))
        pd.testing.assert_frame_equal(got[got["order_ts"] >= ts(day)].reset_index(drop=True),
                                      lines[lines["order_ts"] >= ts(day)].reset_index(drop=True))


def test_as_of_after_a_parquet_round_trip(tables, tmp_path):
    # what notebooks 05/06 read back from notebook 01's interim folder
    for name in ("order_lines", "reversed_purchases"):
        files.write_parquet(tables[name], tmp_path / f"{name}.parquet")
    lines = files.read_parquet(tmp_path / "order_lines.parquet")
    rev = files.read_parquet(tmp_path / "reversed_purchases.parquet")
    assert cleaning.as_of(lines, rev, "2010-01-15")["line_id"].tolist() == [1, 2, 3, 4, 6]


def test_as_of_without_reversed_lines_gives_the_lines(tables):
    lines = tables["order_lines"]
    for rev in (None, tables["reversed_purchases"].iloc[0:0]):
        pd.testing.assert_frame_equal(cleaning.as_of(lines, rev, ts(15)), lines)


def test_no_matching_rule_gives_an_empty_table_as_of_accepts():
    # a custom export whose mapping turns cancellation matching off
    raw = raw_frame(ROWS)
    rules = CleaningRules(match_cancellations=False)
    res = cleaning.clean(raw, rules)
    t = ingest.build_canonical(res.kept, ingest.SourceData(lines=raw, files=None),
                               quarantine=res.quarantine, rules=rules)
    rev = t["reversed_purchases"]
    assert len(rev) == 0
    assert list(rev.columns) == [*t["order_lines"].columns, "reversed_ts"]
    pd.testing.assert_frame_equal(cleaning.as_of(t["order_lines"], rev, ts(15)), t["order_lines"])


def test_without_a_quarantine_there_is_no_reversed_table():
    raw = raw_frame(ROWS)
    res = cleaning.clean(raw)
    assert "reversed_purchases" not in ingest.build_canonical(
        res.kept, ingest.SourceData(lines=raw, files=None))


def test_as_of_names_missing_columns(tables):
    lines, rev = tables["order_lines"], tables["reversed_purchases"]
    with pytest.raises(ValueError, match=r"reversed_lines.*\['reversed_ts'\]"):
        cleaning.as_of(lines, rev.drop(columns="reversed_ts"), ts(15))
    with pytest.raises(ValueError, match=r"reversed_lines.*\['country'\]"):
        cleaning.as_of(lines, rev.drop(columns="country"), ts(15))
    with pytest.raises(ValueError, match=r"as_of: lines.*\['order_ts'\]"):
        cleaning.as_of(lines.drop(columns="order_ts"), rev, ts(15))


def test_as_of_refuses_lines_both_kept_and_reversed(tables):
    lines, rev = tables["order_lines"], tables["reversed_purchases"]
    with pytest.raises(ValueError, match=r"line_id\(s\) \[6\] are both kept and reversed"):
        cleaning.as_of(pd.concat([lines, rev[lines.columns].iloc[[1]]]), rev, ts(15))


def test_reversed_purchases_names_a_broken_detail(tables):
    raw = raw_frame(ROWS)
    res = cleaning.clean(raw)
    q = res.quarantine.copy()
    cmap = tables["customer_map"]
    bad = q.assign(detail=q["detail"].where(q["line_id"] != 6, "reversed"))
    with pytest.raises(ValueError, match="without 'reversed by line N'"):
        ingest.reversed_purchases(bad, cmap, CleaningRules())
    gone = q[q["line_id"] != 9]  # the cancellation of line 6 is missing
    with pytest.raises(ValueError, match=r"line\(s\) \['9'\] named in detail"):
        ingest.reversed_purchases(gone, cmap, CleaningRules())
    with pytest.raises(ValueError, match=r"quarantine: missing column\(s\) \['detail'\]"):
        ingest.reversed_purchases(q.drop(columns="detail"), cmap, CleaningRules())


def test_restored_at_counts_what_as_of_adds(tables):
    lines, rev = tables["order_lines"], tables["reversed_purchases"]
    for day, n in ((1, 0), (9, 1), (11, 3), (15, 2), (25, 1), (31, 0)):
        assert len(cleaning.restored_at(rev, ts(day))) == n, day
        assert len(cleaning.as_of(lines, rev, ts(day))) - len(lines) == n, day
    assert len(cleaning.restored_at(None, ts(15))) == 0
    with pytest.raises(ValueError, match=r"restored_at.*\['reversed_ts'\]"):
        cleaning.restored_at(rev.drop(columns="reversed_ts"), ts(15))


# ------------------------------------------------ hand-built frames, against mutation survivors


def _kept(ids, days, with_line_id=True):
    df = pd.DataFrame({"order_ts": pd.to_datetime([f"2010-01-{d:02d}" for d in days]),
                       "amount": [float(i) for i in ids]})
    if with_line_id:
        df.insert(0, "line_id", ids)
    return df


def _reversed(ids, days, rev_days, with_line_id=True):
    df = _kept(ids, days, with_line_id)
    df["reversed_ts"] = pd.to_datetime([f"2010-01-{d:02d}" for d in rev_days])
    return df


def test_as_of_restores_a_single_reversed_line():
    out = cleaning.as_of(_kept([1], [5]), _reversed([2], [10], [20]), "2010-01-15")
    assert out["line_id"].tolist() == [1, 2]


def test_as_of_orders_ties_by_line_id_and_works_without_it():
    # same timestamp: line 2 (kept) and line 1 (restored) must come out as 1, 2
    out = cleaning.as_of(_kept([2], [10]), _reversed([1], [10], [20]), "2010-01-15")
    assert out["line_id"].tolist() == [1, 2]
    # without line_id: by timestamp only
    out = cleaning.as_of(_kept([7, 3], [12, 4], with_line_id=False),
                         _reversed([5], [8], [20], with_line_id=False), "2010-01-15")
    assert out["amount"].tolist() == [3.0, 5.0, 7.0]


def test_as_of_and_restored_at_messages_are_exact():
    with pytest.raises(ValueError, match=r"^as_of: lines: missing column"):
        cleaning.as_of(pd.DataFrame({"x": [1]}), None, "2010-01-15")
    with pytest.raises(ValueError, match=r"^as_of: reversed_lines \(reversed_purchases.parquet "
                                         r"from notebook 01\): missing column"):
        cleaning.as_of(_kept([1], [5]), _kept([2], [10]), "2010-01-15")
    with pytest.raises(ValueError, match=r"^restored_at: reversed_lines: missing column"):
        cleaning.restored_at(_kept([2], [10]), "2010-01-15")
    with pytest.raises(ValueError, match=r"^as_of: line_id\(s\) \[1, 2, 3, 4, 5\] are both kept "
                                         r"and reversed; lines and reversed_lines must come from "
                                         r"the same run of notebook 01$"):
        ids = [1, 2, 3, 4, 5, 6]
        cleaning.as_of(_kept(ids, [5] * 6), _reversed(ids, [10] * 6, [20] * 6), "2010-01-15")


def _sorted_reference(lines: pd.DataFrame, rev: pd.DataFrame, cutoff: str) -> pd.DataFrame:
    """What as_of returned before it merged: concatenate and sort everything."""
    known = cleaning.restored_at(rev, cutoff)[list(lines.columns)]
    keys = ["order_ts", "line_id"] if "line_id" in lines.columns else ["order_ts"]
    return (pd.concat([lines, known], ignore_index=True)
            .sort_values(keys, kind="mergesort").reset_index(drop=True))


@pytest.mark.parametrize("with_line_id", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_as_of_merges_into_sorted_lines_exactly_as_a_full_sort(seed, with_line_id):
    # many timestamp ties between kept and restored lines, ids interleaved: the placement by
    # binary search must give the row order of a stable sort of everything
    rng = np.random.default_rng(seed)
    ids = rng.permutation(400) + 1
    kept_ids, rev_ids = ids[:300], ids[300:]
    days = rng.integers(1, 15, 400)
    kept = _kept(list(kept_ids), list(days[:300]), with_line_id=with_line_id)
    kept = kept.sort_values(["order_ts", "line_id"] if with_line_id else ["order_ts"],
                            kind="mergesort").reset_index(drop=True)
    rev = _reversed(list(rev_ids), list(days[300:]), list(rng.integers(10, 25, 100)),
                    with_line_id=with_line_id)
    for cutoff in ("2010-01-05", "2010-01-12", "2010-01-20"):
        got = cleaning.as_of(kept, rev, cutoff)
        pd.testing.assert_frame_equal(got, _sorted_reference(kept, rev, cutoff), check_exact=True)
    # lines not in canonical order: the full sort, same answer
    shuffled = kept.sample(frac=1, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(cleaning.as_of(shuffled, rev, "2010-01-12"),
                                  _sorted_reference(shuffled, rev, "2010-01-12"), check_exact=True)

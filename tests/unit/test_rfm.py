"""Tests for helpers.value.rfm on a hand-made 10-customer frame."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.value import rfm

CUTOFF = pd.Timestamp("2024-03-01")


def _lines() -> pd.DataFrame:
    """Customer i (1..10): 11 - i orders a week apart, last one 3*i days before the cutoff,
    total revenue 10*i GBP split evenly over the orders. Plus a guest line and a line after
    the cutoff, both to be ignored."""
    rows = []
    for i in range(1, 11):
        f = 11 - i
        for k in range(f):
            ts = CUTOFF - pd.Timedelta(days=3 * i + 7 * k) + pd.Timedelta(hours=10)
            rows.append((f"o{i}_{k}", i, ts, 10.0 * i / f))
    rows.append(("guest", None, CUTOFF - pd.Timedelta(days=1), 500.0))
    rows.append(("late", 1, CUTOFF + pd.Timedelta(hours=1), 999.0))
    df = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_ts", "revenue_amt"])
    df["customer_id"] = df["customer_id"].astype("Int64")
    return df


@pytest.fixture()
def table() -> pd.DataFrame:
    return rfm.rfm_table(_lines(), CUTOFF)


def test_rfm_table_hand_worked(table: pd.DataFrame) -> None:
    assert list(table.index) == list(range(1, 11))
    # recency = 3*i days; frequency = 11 - i orders; monetary = 10*i GBP
    assert table["recency_days"].tolist() == [3 * i for i in range(1, 11)]
    assert table["frequency"].tolist() == [11 - i for i in range(1, 11)]
    assert table["monetary_amt"].round(9).tolist() == [10.0 * i for i in range(1, 11)]
    # customer 1: first order 3 + 7*9 = 66 days before the cutoff
    assert table.loc[1, "tenure_days"] == 66


def test_rfm_table_rejects_missing_column() -> None:
    with pytest.raises(ValueError, match="order_id"):
        rfm.rfm_table(_lines().drop(columns="order_id"), CUTOFF)
    with pytest.raises(ValueError, match="no customer lines"):
        rfm.rfm_table(_lines(), "2000-01-01")


def test_scores_and_segments(table: pd.DataFrame) -> None:
    s = rfm.rfm_scores(table)
    # 10 customers in 5 groups of 2. Recency 3..30 ascending -> R = 5,5,4,4,3,3,2,2,1,1;
    # frequency 10..1 descending -> F = 5,5,4,4,...; monetary 10..100 ascending -> M = 1,1,2,2,...
    assert s["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert s["f_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert s["m_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert s.loc[1, "rfm_cell"] == "551"
    seg = rfm.assign_segments(s)
    # grid cells (5,5) champions, (4,4) loyal, (3,3) need_attention, (2,2) hibernating, (1,1) lost
    assert seg.astype(str).tolist() == [
        "champions", "champions", "loyal", "loyal", "need_attention", "need_attention",
        "hibernating", "hibernating", "lost", "lost",
    ]  # fmt: skip
    summ = rfm.segment_summary(table, seg)
    assert len(summ) == 11 and summ["n_customers"].sum() == 10
    # champions: customers 1, 2 -> revenue 10 + 20 = 30 of 550 total
    assert summ.loc["champions", "revenue_amt"] == pytest.approx(30.0)
    assert summ.loc["champions", "share_revenue"] == pytest.approx(30 / 550)
    assert summ.loc["new", "n_customers"] == 0


def test_quantile_score_ties_rank_first() -> None:
    v = pd.Series([1, 1, 1, 2, 2, 3, 3, 3, 3, 3], name="frequency")
    # ranks by order of appearance 1..10 -> two per group
    assert rfm.quantile_score(v, 5).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # lower is better ranks -v: the five 3s take ranks 1..5 (rows 5..9), the 2s 6..7, the 1s
    # 8..10 -> scores ceil(rank / 2)
    assert rfm.quantile_score(v, 5, higher_is_better=False).tolist() == [
        4, 5, 5, 3, 4, 1, 1, 2, 2, 3,
    ]  # fmt: skip
    with pytest.raises(ValueError, match="cannot fill"):
        rfm.quantile_score(v.head(3), 5)
    with pytest.raises(ValueError, match="null"):
        rfm.quantile_score(pd.Series([1.0, None, 2.0, 3.0, 4.0]), 2)


def test_tie_report_counts_split_ties() -> None:
    raw = pd.DataFrame(
        {"recency_days": range(10), "frequency": [1, 1, 1, 2, 2, 3, 3, 3, 3, 3],
         "monetary_amt": range(10)}
    )  # fmt: skip
    rep = rfm.tie_report(raw, rfm.rfm_scores(raw))
    # frequency 1 -> scores {1, 2}; 2 -> {2, 3}; 3 -> {3, 4, 5}: all 10 customers split
    assert rep.loc["frequency", "customers_split"] == 10
    assert rep.loc["recency_days", "customers_split"] == 0


def test_mapping_table_covers_grid() -> None:
    t = rfm.segment_mapping_table()
    assert t.shape == (5, 5) and list(t.index) == [5, 4, 3, 2, 1]
    assert set(t.to_numpy().ravel()) == set(rfm.SEGMENTS)


def test_assign_segments_rejects_other_scales() -> None:
    with pytest.raises(ValueError, match="1..5"):
        rfm.assign_segments(pd.DataFrame({"r_score": [6], "f_score": [1]}))
    with pytest.raises(ValueError, match="f_score"):
        rfm.assign_segments(pd.DataFrame({"r_score": [1]}))


def test_rf_grid_counts(table: pd.DataFrame) -> None:
    g = rfm.rf_grid_counts(rfm.rfm_scores(table))
    assert g.loc[5, 5] == 2 and g.to_numpy().sum() == 10


def test_segment_summary_rejects_misaligned(table: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="index"):
        rfm.segment_summary(table, pd.Series(["lost"] * 3))


def test_seeded_tie_break_is_reproducible_and_only_moves_ties() -> None:
    v = pd.Series([1, 1, 1, 1, 1, 1, 7, 8, 9, 10], name="frequency")
    a = rfm.quantile_score(v, 5, seed=3)
    assert a.equals(rfm.quantile_score(v, 5, seed=3))
    # the six 1s take ranks 1..6 in some order -> scores {1, 1, 2, 2, 3, 3}; distinct values
    # 7..10 keep ranks 7..10 -> scores 4, 4, 5, 5 whatever the seed
    assert sorted(a.iloc[:6]) == [1, 1, 2, 2, 3, 3]
    assert a.iloc[6:].tolist() == [4, 4, 5, 5]


def test_group_profile_by_hand() -> None:
    r = pd.DataFrame({"recency_days": [1, 3, 10], "frequency": [4, 2, 1],
                      "monetary_amt": [60.0, 30.0, 10.0]})  # fmt: skip
    g = rfm.group_profile(r, pd.Series(["a", "a", "b"]))
    assert g["n_customers"].tolist() == [2, 1]
    assert g.loc["a", "share_revenue"] == pytest.approx(0.9)
    assert g.loc["a", "median_recency_days"] == 2.0
    # with an order: unlisted groups dropped, listed empty ones get 0 customers and 0 GBP
    o = rfm.group_profile(r, pd.Series(["a", "a", "b"]), order=("c", "a"))
    assert o.index.tolist() == ["c", "a"] and o["n_customers"].tolist() == [0, 2]
    assert o.loc["c", "revenue_amt"] == 0.0 and o.loc["a", "share_revenue"] == 1.0
    with pytest.raises(ValueError, match="monetary_amt"):
        rfm.group_profile(r.drop(columns="monetary_amt"), pd.Series(["a", "a", "b"]))


def test_segments_at_is_table_scores_segments_at_the_cutoff() -> None:
    seg = rfm.segments_at(_lines(), CUTOFF, 5, seed=0)
    # the same hand-worked grid as test_scores_and_segments (no ties, so the seed is irrelevant)
    assert seg.astype(str).tolist() == [
        "champions", "champions", "loyal", "loyal", "need_attention", "need_attention",
        "hibernating", "hibernating", "lost", "lost",
    ]  # fmt: skip
    # a week earlier customer 1's last order (3 days before the cutoff) has not happened yet
    earlier = rfm.segments_at(_lines(), CUTOFF - pd.Timedelta(days=7), 5, seed=0)
    assert len(earlier) == 10 and earlier.index.tolist() == list(range(1, 11))


def test_assign_segments_reads_recency_rows_and_frequency_columns() -> None:
    """Off the diagonal the grid is not symmetric: R5/F1 is a new customer, R1/F5 a frequent
    buyer gone quiet (a swap of the axes would exchange them)."""
    scores = pd.DataFrame({"r_score": [5, 1, 4, 2], "f_score": [1, 5, 1, 4]})
    assert rfm.assign_segments(scores).astype(str).tolist() == [
        "new", "cant_lose", "promising", "at_risk"]

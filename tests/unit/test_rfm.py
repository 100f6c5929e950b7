"""Tests for helpers.value.rfm on a hand-made 10-customer frame."""

# Surviving mutants (mutmut 3.8.1, make mutate, the full run of issue 22: 564 mutants, 542
# killed before the score_shares test below) and why the rest are left:
# x_rfm_table__mutmut_40: groupby without sort= uses the default sort=True, the same call.
# x_rfm_table__mutmut_66: .astype(None) on the float revenue sum gives float64, as astype(float).
# x_rfm_table__mutmut_72, _82, _94: floor("d") and floor("D") are the same pandas day alias.
# x_rfm_scores__mutmut_22: higher_is_better=None is falsy, the same as False.
# x_rfm_scores__mutmut_37, _49: higher_is_better=True left out: True is the default.
# x_segment_mapping_table__mutmut_9: from_dict lower-cases orient, "INDEX" == "index".
# x_assign_segments__mutmut_33, x_segment_summary__mutmut_18: "XX" around the message; the
#   asserted text is still in it (decoration, not behaviour).
# x_assign_segments__mutmut_37, _39: grid as a numpy str array instead of object; the
#   categorical built from it is identical.
# x_group_profile__mutmut_26: observed=None acts as observed=False in pandas 2.3 (no warning).

from __future__ import annotations

import warnings

import numpy as np
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


def test_quantile_score_ties_share_the_lowest_position() -> None:
    v = pd.Series([1, 1, 1, 2, 2, 3, 3, 3, 3, 3], name="frequency")
    # positions 1..10 in groups of two: score(position) = ceil(position / 2)
    # the 1s occupy positions 1-3 (lowest 1 -> score 1), the 2s 4-5 (lowest 4 -> 2),
    # the 3s 6-10 (lowest 6 -> 3)
    assert rfm.quantile_score(v, 5).tolist() == [1, 1, 1, 2, 2, 3, 3, 3, 3, 3]
    # lower is better ranks -v: the 3s take positions 1-5 (score 1), the 2s 6-7 (lowest 6 -> 3),
    # the 1s 8-10 (lowest 8 -> 4)
    assert rfm.quantile_score(v, 5, higher_is_better=False).tolist() == [
        4, 4, 4, 3, 3, 1, 1, 1, 1, 1,
    ]  # fmt: skip
    # row order does not matter: shuffled input, same score per value
    sh = v.sample(frac=1.0, random_state=5)
    assert rfm.quantile_score(sh, 5).groupby(sh).nunique().eq(1).all()
    assert rfm.quantile_score(sh, 5).sort_index().tolist() == [1, 1, 1, 2, 2, 3, 3, 3, 3, 3]
    with pytest.raises(ValueError, match="cannot fill"):
        rfm.quantile_score(v.head(3), 5)
    with pytest.raises(ValueError, match="null"):
        rfm.quantile_score(pd.Series([1.0, None, 2.0, 3.0, 4.0]), 2)


def test_tie_report_counts_split_ties() -> None:
    raw = pd.DataFrame(
        {"recency_days": range(10), "frequency": [1, 1, 1, 2, 2, 3, 3, 3, 3, 3],
         "monetary_amt": range(10)}
    )  # fmt: skip
    sc = rfm.rfm_scores(raw)
    rep = rfm.tie_report(raw, sc)
    # ties share a score now: nobody is split from a customer with the same value
    assert rep.loc["frequency", "customers_split"] == 0
    assert rep.loc["recency_days", "customers_split"] == 0
    # ... and the groups are unequal instead: F = 1, 1, 1, 2, 2, 3 x 5 -> shares .3, .2, .5, 0, 0
    sh = rfm.score_shares(sc)
    assert sh["f_score"].tolist() == [0.3, 0.2, 0.5, 0.0, 0.0]
    assert sh["m_score"].tolist() == [0.2] * 5
    with pytest.raises(ValueError, match="m_score"):
        rfm.score_shares(sc.drop(columns="m_score"))


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


def test_segments_do_not_depend_on_row_order_or_seed() -> None:
    v = pd.Series([1, 1, 1, 1, 1, 1, 7, 8, 9, 10], name="frequency")
    a = rfm.quantile_score(v, 5)
    # the six 1s all take the score of position 1; 7..10 keep positions 7..10 -> 4, 4, 5, 5
    assert a.tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    # two "seeds" (two shuffles of the customers) give identical segments per customer
    lines = _lines()
    seg = rfm.segments_at(lines, CUTOFF)
    for seed in (1, 2):
        shuffled = lines.sample(frac=1.0, random_state=seed)
        assert rfm.segments_at(shuffled, CUTOFF).equals(seg)


def test_quantile_score_unsigned_values_lower_is_better() -> None:
    # negating uint64 would wrap around; the scores must still reverse
    v = pd.Series(np.array([0, 1, 2, 3, 4], dtype=np.uint64), name="recency_days")
    assert rfm.quantile_score(v, 5, higher_is_better=False).tolist() == [5, 4, 3, 2, 1]


def test_group_profile_by_hand() -> None:
    r = pd.DataFrame({"recency_days": [1, 3, 10], "frequency": [4, 2, 1],
                      "monetary_amt": [60.0, 30.0, 10.0]})  # fmt: skip
    g = rfm.group_profile(r, pd.Series(["a", "a", "b"]))
    assert g["n_customers"].tolist() == [2, 1]
    assert g.loc["a", "share_revenue"] == pytest.approx(0.9)
    assert g.loc["a", "median_recency_days"] == 2.0
    # with an order: listed empty groups get 0 customers and 0; an unlisted label is an error
    o = rfm.group_profile(r, pd.Series(["a", "a", "a"]), order=("c", "a"))
    assert o.index.tolist() == ["c", "a"] and o["n_customers"].tolist() == [0, 3]
    assert o.loc["c", "revenue_amt"] == 0.0 and o.loc["a", "share_revenue"] == 1.0
    with pytest.raises(ValueError, match=r"labels \['b'\] are not among the groups"):
        rfm.group_profile(r, pd.Series(["a", "a", "b"]), order=("c", "a"))
    with pytest.raises(ValueError, match="monetary_amt"):
        rfm.group_profile(r.drop(columns="monetary_amt"), pd.Series(["a", "a", "b"]))


def test_segments_at_is_table_scores_segments_at_the_cutoff() -> None:
    seg = rfm.segments_at(_lines(), CUTOFF, 5)
    # the same hand-worked grid as test_scores_and_segments (no ties)
    assert seg.astype(str).tolist() == [
        "champions", "champions", "loyal", "loyal", "need_attention", "need_attention",
        "hibernating", "hibernating", "lost", "lost",
    ]  # fmt: skip
    # a week earlier customer 1's last order (3 days before the cutoff) has not happened yet
    earlier = rfm.segments_at(_lines(), CUTOFF - pd.Timedelta(days=7), 5)
    assert len(earlier) == 10 and earlier.index.tolist() == list(range(1, 11))


def test_assign_segments_reads_recency_rows_and_frequency_columns() -> None:
    """Off the diagonal the grid is not symmetric: R5/F1 is a new customer, R1/F5 a frequent
    buyer gone quiet (a swap of the axes would exchange them)."""
    scores = pd.DataFrame({"r_score": [5, 1, 4, 2], "f_score": [1, 5, 1, 4]})
    assert rfm.assign_segments(scores).astype(str).tolist() == [
        "new", "cant_lose", "promising", "at_risk"]


# --- mutation-testing additions (issue 22): boundaries, defaults, messages, off-diagonal cells ---


def _boundary_lines() -> pd.DataFrame:
    """Three customers, listed out of id order (3 first), plus a guest line and a line booked
    exactly at the cutoff (2024-03-01 00:00, which is NOT before the exclusive cutoff)."""
    rows = [
        ("b", 3, "2024-02-20 08:00", 7.5),
        ("a", 3, "2024-02-28 23:00", 5.0),
        ("c", 1, "2024-02-29 10:00", 2.0),
        ("c", 1, "2024-02-29 10:05", 3.0),  # second line of the same order c
        ("d", 2, "2024-01-31 00:00", 4.0),
        ("g", None, "2024-02-29 12:00", 50.0),  # guest
        ("x", 1, "2024-03-01 00:00", 100.0),  # at the cutoff: excluded
    ]
    df = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_ts", "revenue_amt"])
    df["customer_id"] = df["customer_id"].astype("Int64")
    df["order_ts"] = pd.to_datetime(df["order_ts"])
    return df


def test_rfm_table_cutoff_is_exclusive_and_days_are_calendar_days() -> None:
    t = rfm.rfm_table(_boundary_lines(), "2024-03-01")
    # sorted by id although customer 3 comes first in the lines; int64 index named customer_id
    assert t.index.tolist() == [1, 2, 3]
    assert t.index.name == "customer_id" and t.index.dtype == "int64"
    assert list(t.columns) == ["recency_days", "frequency", "monetary_amt", "first_order_ts",
                               "last_order_ts", "tenure_days"]
    # 1: last order Feb 29 (2024 is a leap year) -> 1 day; order c has two lines -> 1 order of
    #    2 + 3 = 5 GBP; the 100 GBP line at exactly 00:00 on the cutoff day is not counted.
    # 2: Jan 31 -> Mar 1 = 29 + 1 = 30 days.
    # 3: last order Feb 28 23:00 -> 2 days (floored to the day, not 1.04 rounded up);
    #    first order Feb 20 08:00 -> tenure 9 + 1 = 10 days; 2 orders, 7.5 + 5 = 12.5 GBP.
    assert t["recency_days"].tolist() == [1, 30, 2]
    assert t["frequency"].tolist() == [1, 1, 2]
    assert t["monetary_amt"].tolist() == [5.0, 4.0, 12.5]
    assert t["tenure_days"].tolist() == [1, 30, 10]
    for col in ("recency_days", "frequency", "tenure_days"):
        assert t[col].dtype == "int64", col
    assert t.loc[1, "last_order_ts"] == pd.Timestamp("2024-02-29 10:05")


def test_rfm_table_missing_column_message_names_function_and_column() -> None:
    with pytest.raises(ValueError, match=r"rfm_table: missing column\(s\) \['revenue_amt'\]"):
        rfm.rfm_table(_boundary_lines().drop(columns="revenue_amt"), "2024-03-01")


def test_quantile_score_defaults_edges_and_name() -> None:
    v = pd.Series([3.0, 1.0, 2.0, 5.0, 4.0], index=[11, 12, 13, 14, 15], name="monetary_amt")
    # default n_quantiles=5 with exactly 5 values: one value per score, score = rank
    s = rfm.quantile_score(v)
    assert s.tolist() == [3, 1, 2, 5, 4]
    assert s.name == "monetary_amt" and s.index.tolist() == [11, 12, 13, 14, 15]
    # lower is better: the smallest value (1.0) scores 5, the largest (5.0) scores 1
    assert rfm.quantile_score(v, higher_is_better=False).tolist() == [3, 5, 4, 1, 2]
    # two groups from ranks 1..5: qcut edges at ranks 1, 3, 5 -> rank 3, exactly on the
    # median edge, falls in the LOWER group: scores 1, 1, 1, 2, 2 for values 1..5
    assert rfm.quantile_score(v, 2).tolist() == [1, 1, 1, 2, 2]


def test_quantile_score_rejects_one_group() -> None:
    with pytest.raises(ValueError, match=r"quantile_score: n_quantiles=1 must be >= 2"):
        rfm.quantile_score(pd.Series([1.0, 2.0, 3.0]), 1)


def _no_tie_rfm() -> pd.DataFrame:
    return pd.DataFrame(
        {"recency_days": [9, 1, 4, 16, 25], "frequency": [2, 1, 5, 3, 4],
         "monetary_amt": [30.0, 50.0, 10.0, 20.0, 40.0]},
        index=pd.Index([101, 102, 103, 104, 105], name="customer_id"),
    )  # fmt: skip


def test_rfm_scores_without_ties_hand_worked() -> None:
    """No repeated values, so the result cannot depend on the tie rule."""
    s = rfm.rfm_scores(_no_tie_rfm())
    # recency ascending 1 (102), 4 (103), 9 (101), 16 (104), 25 (105) -> R 5, 4, 3, 2, 1
    assert s["r_score"].tolist() == [3, 5, 4, 2, 1]
    assert s["f_score"].tolist() == [2, 1, 5, 3, 4]
    # monetary 30, 50, 10, 20, 40 -> ranks 3, 5, 1, 2, 4
    assert s["m_score"].tolist() == [3, 5, 1, 2, 4]
    assert s["rfm_cell"].tolist() == ["323", "515", "451", "232", "144"]
    # fm = (F + M) / 2: (2+3)/2, (1+5)/2, (5+1)/2, (3+2)/2, (4+4)/2
    assert s["fm_score"].tolist() == [2.5, 3.0, 3.0, 2.5, 4.0]
    # the input columns are kept unchanged
    assert s["recency_days"].tolist() == [9, 1, 4, 16, 25]


def test_rfm_scores_missing_column_message() -> None:
    with pytest.raises(ValueError, match=r"rfm_scores: missing column\(s\) \['frequency'\]"):
        rfm.rfm_scores(_no_tie_rfm().drop(columns="frequency"))


def test_tie_report_shares_from_hand_made_scores() -> None:
    """Scores given by hand, so the count does not depend on how rfm_scores breaks ties."""
    raw = pd.DataFrame({"recency_days": [5, 5, 7, 8, 9], "frequency": [1, 1, 2, 2, 3],
                        "monetary_amt": [1.0, 2.0, 3.0, 4.0, 5.0]})  # fmt: skip
    scores = pd.DataFrame({"r_score": [2, 2, 3, 4, 5], "f_score": [1, 2, 3, 3, 4],
                           "m_score": [1, 2, 3, 4, 5]})  # fmt: skip
    rep = rfm.tie_report(raw, scores)
    assert rep.index.tolist() == ["recency_days", "frequency", "monetary_amt"]
    # recency 5 is shared but both have R=2: nobody split. Frequency 1 -> F {1, 2}: the two
    # customers with one order are split (2 of 5 = 0.4); frequency 2 -> F {3, 3}: not split.
    assert rep["customers_split"].tolist() == [0, 2, 0]
    assert rep["share_split"].tolist() == [0.0, 0.4, 0.0]


def test_mapping_table_cells_and_axis_names() -> None:
    t = rfm.segment_mapping_table()
    assert t.index.name == "r_score" and t.columns.name == "f_score"
    assert list(t.columns) == [1, 2, 3, 4, 5]
    # off the diagonal: rows are recency, columns frequency
    assert t.loc[5, 1] == "new" and t.loc[1, 5] == "cant_lose"
    assert t.loc[3, 1] == "about_to_sleep" and t.loc[1, 2] == "hibernating"
    assert t.loc[4, 2] == "potential_loyalists" and t.loc[2, 3] == "at_risk"


def test_assign_segments_output_and_range_checks() -> None:
    scores = pd.DataFrame({"r_score": [3, 1, 5, 2], "f_score": [1, 2, 5, 5]}, index=[7, 8, 9, 10])
    seg = rfm.assign_segments(scores)
    assert seg.astype(str).tolist() == ["about_to_sleep", "hibernating", "champions", "cant_lose"]
    assert seg.name == "segment" and seg.index.tolist() == [7, 8, 9, 10]
    # all 11 categories, in engagement order, even those nobody falls into
    assert list(seg.cat.categories) == list(rfm.SEGMENTS)
    msg = r"assign_segments: r_score and f_score must be 1\.\.5 \(n_quantiles=5\)"
    with pytest.raises(ValueError, match=msg):
        rfm.assign_segments(pd.DataFrame({"r_score": [1], "f_score": [6]}))
    with pytest.raises(ValueError, match=msg):
        rfm.assign_segments(pd.DataFrame({"r_score": [0], "f_score": [1]}))
    with pytest.raises(ValueError, match=r"assign_segments: missing column\(s\) \['r_score'\]"):
        rfm.assign_segments(pd.DataFrame({"f_score": [1]}))


def _three_customers() -> pd.DataFrame:
    return pd.DataFrame({"recency_days": [100, 2, 200], "frequency": [1, 8, 3],
                         "monetary_amt": [10.0, 60.0, 30.0]})  # fmt: skip


def test_segment_summary_with_plain_string_labels() -> None:
    """Labels as plain strings (not the categorical of assign_segments): still all 11 rows in
    engagement order, empty ones with 0 customers and 0 GBP."""
    r = _three_customers()
    summ = rfm.segment_summary(r, pd.Series(["lost", "champions", "lost"]))
    assert summ.index.tolist() == list(rfm.SEGMENTS) and summ.index.name == "segment"
    # champions: customer 2 -> 1 of 3 customers, 60 of 100 GBP
    assert summ.loc["champions", "n_customers"] == 1
    assert summ.loc["champions", "share_customers"] == pytest.approx(1 / 3)
    assert summ.loc["champions", "share_revenue"] == pytest.approx(0.6)
    # lost: customers 1 and 3 -> 40 GBP; medians (100+200)/2, (1+3)/2, (10+30)/2
    assert summ.loc["lost", "revenue_amt"] == pytest.approx(40.0)
    assert summ.loc["lost", ["median_recency_days", "median_frequency",
                             "median_monetary_amt"]].tolist() == [150.0, 2.0, 20.0]
    assert summ.loc["new", "n_customers"] == 0 and summ.loc["new", "revenue_amt"] == 0.0


def test_segment_summary_messages() -> None:
    r = _three_customers()
    with pytest.raises(ValueError, match=r"segment_summary: missing column\(s\) \['recency_days'\]"):
        rfm.segment_summary(r.drop(columns="recency_days"), pd.Series(["lost"] * 3))
    with pytest.raises(ValueError,
                       match="segment_summary: segment index does not match the rfm index"):
        rfm.segment_summary(r, pd.Series(["lost"] * 3, index=[5, 6, 7]))


def test_group_profile_columns_medians_and_empty_categories() -> None:
    r = pd.DataFrame({"recency_days": [1, 3, 10], "frequency": [4, 2, 1],
                      "monetary_amt": [60.0, 30.0, 10.0]})  # fmt: skip
    groups = pd.Series(pd.Categorical(["a", "a", "b"], categories=["a", "b", "c"]))
    with warnings.catch_warnings():
        # observed= must be passed explicitly: pandas 3 changes the default to drop empty groups
        warnings.simplefilter("error", FutureWarning)
        g = rfm.group_profile(r, groups)
    assert list(g.columns) == ["n_customers", "share_customers", "revenue_amt", "share_revenue",
                               "median_recency_days", "median_frequency", "median_monetary_amt"]
    # the empty category c is kept with 0 customers
    assert g.index.tolist() == ["a", "b", "c"] and g["n_customers"].tolist() == [2, 1, 0]
    # shares: 2/3, 1/3, 0 of customers
    assert g["share_customers"].tolist() == pytest.approx([2 / 3, 1 / 3, 0.0])
    # a: medians of (4, 2) and (60, 30); b: the single customer's values
    assert g.loc["a", "median_frequency"] == 3.0 and g.loc["a", "median_monetary_amt"] == 45.0
    assert g.loc["b", "median_frequency"] == 1.0 and g.loc["b", "median_monetary_amt"] == 10.0
    o = rfm.group_profile(r, pd.Series(["a", "a", "b"]), order=("b", "c", "a"))
    assert o["n_customers"].dtype == "int64" and o["n_customers"].tolist() == [1, 0, 2]
    with pytest.raises(ValueError, match=r"group_profile: missing column\(s\) \['frequency'\]"):
        rfm.group_profile(r.drop(columns="frequency"), groups)


def test_rf_grid_counts_axes() -> None:
    scores = pd.DataFrame({"r_score": [5, 5, 1, 3, 2, 4], "f_score": [1, 1, 5, 3, 2, 4]})
    g = rfm.rf_grid_counts(scores)
    assert g.index.tolist() == [5, 4, 3, 2, 1] and g.columns.tolist() == [1, 2, 3, 4, 5]
    # two new customers (R5, F1), one frequent lapsed buyer (R1, F5), none at R5/F5
    assert g.loc[5, 1] == 2 and g.loc[1, 5] == 1 and g.loc[5, 5] == 0
    with pytest.raises(ValueError, match=r"rf_grid_counts: missing column\(s\) \['f_score'\]"):
        rfm.rf_grid_counts(scores.drop(columns="f_score"))


def test_segments_at_defaults_and_other_scales() -> None:
    # default n_quantiles=5 (no seed: there are no ties in these lines)
    seg = rfm.segments_at(_lines(), CUTOFF)
    assert seg.astype(str).tolist()[:3] == ["champions", "champions", "loyal"]
    assert seg.astype(str).tolist()[-2:] == ["lost", "lost"]
    # the grid is 5 x 5: six score levels must be refused, not silently read as five
    with pytest.raises(ValueError, match=r"1\.\.5"):
        rfm.segments_at(_lines(), CUTOFF, n_quantiles=6)


def test_score_shares_fill_a_level_nobody_has_with_zero():
    scores = pd.DataFrame({"r_score": [1, 3, 3, 1], "f_score": [1, 1, 3, 3], "m_score": [3, 3, 3, 1]})
    out = rfm.score_shares(scores)
    assert list(out.index) == [1, 2, 3] and out.index.name == "score"
    assert out.loc[2].tolist() == [0.0, 0.0, 0.0]  # level 2 is empty in every measure
    assert out.loc[3].tolist() == [0.5, 0.5, 0.75]
    with pytest.raises(ValueError, match=r"^score_shares: "):
        rfm.score_shares(scores.drop(columns="m_score"))

"""Lifecycle, cohort, transition and survival helpers on hand-worked examples."""

# Surviving mutants (mutmut 3.8.1, make mutate) and why they are left:
# x_order_days__mutmut_25 (as_index=None): equivalent, pandas treats the falsy value as False.
# x_cohort_tables__mutmut_26, _30, _36 ("YEAR"/"MONTH"/"DAY" keys): equivalent, pd.to_datetime
#   reads the component names case-insensitively.
# x_cohort_tables__mutmut_81 (day > 1 branch never taken), _87 (day > 2), _91 (minus 2 days):
#   equivalent - for a cutoff after the 1st, cutoff - 1 day is in the same month; on the 1st,
#   minus 1 or 2 days both land in the previous month.
# x_stationary_distribution__mutmut_32 (normalisation target 2.0), _52 (pi * pi.sum()): equivalent
#   up to rounding - the system is consistent, so lstsq returns a pi that sums to 1 (mutant 32
#   returns 2*pi, undone by the final division).
# x_stationary_distribution__mutmut_38 (rcond omitted): equivalent, numpy >= 2 default is rcond=None.
# x_stationary_distribution__mutmut_41 (no clip at 0): equivalent up to rounding - the minimum-norm
#   solution of a stochastic matrix is a positive mix of the closed classes' distributions, so
#   the clip only removes ~1e-16 noise.
# x_survival_table__mutmut_66 (| for &), _71 (< for <=): equivalent - a declaration is always
#   strictly before the cutoff day (day + churn_days < next order day <= cutoff day, or
#   cutoff day - day > churn_days), so `declared <= day0` is redundant.

import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import lifecycle as L


def _lines(rows):
    """rows: (customer_id or None, 'YYYY-MM-DD', revenue)."""
    return pd.DataFrame({
        "customer_id": pd.array([r[0] for r in rows], dtype="Int64"),
        "order_ts": pd.to_datetime([r[1] for r in rows]),
        "revenue_amt": [float(r[2]) for r in rows],
    })


# c1 orders every 10 days; c2 once long ago; c3 twice 100 days apart; c4 brand new; guest.
LINES = _lines([
    (1, "2023-01-01", 10), (1, "2023-01-11", 10), (1, "2023-01-21", 10), (1, "2023-01-21", 5),
    (2, "2021-06-01", 50),
    (3, "2022-06-01", 20), (3, "2022-09-09", 20),
    (4, "2023-02-20", 30),
    (None, "2023-01-15", 99),
])
CUTOFF = pd.Timestamp("2023-03-01")


def test_gaps_and_cadence():
    days = L.order_days(LINES, CUTOFF)
    assert len(days) == 7  # c1 3 (two orders on 01-21 are one day), c2 1, c3 2, c4 1; no guest
    gaps = L.interpurchase_gaps(days)
    assert sorted(gaps.tolist()) == [10, 10, 100]
    t = L.cadence_table(LINES, CUTOFF)
    assert t.loc[1, "median_gap_days"] == 10 and t.loc[1, "days_since_last"] == 39
    assert t.loc[1, "revenue_amt"] == 35.0
    assert np.isnan(t.loc[2, "median_gap_days"])


def test_assign_stages_by_hand():
    # fallback cadence = median of the customers' median gaps (10 and 100) = 55
    s = L.assign_stages(LINES, CUTOFF, new_days=30, at_risk_mult=1.5, dormant_mult=3.0,
                        churn_days=365)
    st = s["stage"].astype(str).to_dict()
    # c1: 39 days since last / cadence 10 = 3.9 > 3 -> dormant
    # c2: 638 days since last > 365 -> churned
    # c3: 173 days since last / 100 = 1.73 -> at-risk
    # c4: first order 9 days ago -> new
    assert st == {1: "dormant", 2: "churned", 3: "at-risk", 4: "new"}
    s2 = L.assign_stages(LINES, CUTOFF, at_risk_mult=4.0, dormant_mult=5.0)
    assert s2.loc[1, "stage"] == "active"  # 3.9 <= 4
    assert s["cadence_days"][4] == pytest.approx(55.0)
    with pytest.raises(ValueError, match="at_risk_mult"):
        L.assign_stages(LINES, CUTOFF, at_risk_mult=3.0, dormant_mult=2.0)
    with pytest.raises(ValueError, match="no customer lines"):
        L.assign_stages(LINES, pd.Timestamp("2020-01-01"))


def test_cohort_tables_three_customers():
    lines = _lines([(1, "2023-01-05", 10), (1, "2023-02-07", 5), (2, "2023-01-20", 20),
                    (3, "2023-02-02", 8), (3, "2023-03-03", 4)])
    t = L.cohort_tables(lines, pd.Timestamp("2023-03-31"))
    jan, feb = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01")
    assert t["sizes"].to_dict() == {jan: 2, feb: 1}
    # Jan cohort: month 0 both, month 1 only c1, month 2 nobody (observed: March)
    assert t["retention"].loc[jan].tolist() == [1.0, 0.5, 0.0]
    # Feb cohort: month 0 and 1 (March) observed, month 2 (April) not -> NaN
    assert t["retention"].loc[feb, 1] == 1.0 and np.isnan(t["retention"].loc[feb, 2])
    # revenue retention Jan: month 1 revenue 5 / month 0 revenue 30
    assert t["revenue_retention"].loc[jan, 1] == pytest.approx(5 / 30)
    assert t["sizes"].sum() == 3


def test_transition_matrix_and_stationary():
    before = pd.Series(["active", "active", "dormant", "prospect"], index=[1, 2, 3, 4])
    after = pd.Series(["active", "dormant", "churned", "new"], index=[1, 2, 3, 4])
    counts, probs = L.transition_matrix(before, after)
    assert counts.loc["active", "active"] == 1 and counts.loc["active", "dormant"] == 1
    assert counts.to_numpy().sum() == 3  # the prospect is not counted
    assert probs.loc["active", "dormant"] == 0.5
    # two-state chain P = [[0.9, 0.1], [0.5, 0.5]]: pi = (5/6, 1/6)
    p = pd.DataFrame([[0.9, 0.1], [0.5, 0.5]], index=["a", "b"], columns=["a", "b"])
    pi = L.stationary_distribution(p)
    assert pi["a"] == pytest.approx(5 / 6) and pi["b"] == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="different customers"):
        L.transition_matrix(before, after.iloc[:2])


def test_stage_snapshots_prospects():
    snap = L.stage_snapshots(LINES, [pd.Timestamp("2022-07-01"), CUTOFF])
    assert snap.loc[4].tolist() == ["prospect", "new"]
    assert snap.loc[1].iloc[0] == "prospect"
    with pytest.raises(ValueError, match="two dates"):
        L.stage_snapshots(LINES, [CUTOFF])


def test_survival_table_by_hand():
    s = L.survival_table(LINES, CUTOFF, churn_days=365)
    # c2: one order 2021-06-01, declared churned 2022-06-01 (< cutoff): 365 days, event
    assert (s.loc[2, "duration_days"], s.loc[2, "event"]) == (365, 1)
    # c3: last order 2022-09-09 + 365 = 2023-09-09 > cutoff: censored at cutoff,
    #     2022-06-01 -> 2023-03-01 = 273 days
    assert (s.loc[3, "duration_days"], s.loc[3, "event"]) == (273, 0)
    # with churn_days = 90: c3's first gap 100 > 90 -> declared 2022-08-30, 90 days
    s90 = L.survival_table(LINES, CUTOFF, churn_days=90)
    assert (s90.loc[3, "duration_days"], s90.loc[3, "event"]) == (90, 1)
    with pytest.raises(ValueError, match="churn_days"):
        L.survival_table(LINES, CUTOFF, churn_days=0)


def test_stage_rules_table_lists_values():
    t = L.stage_rules_table(30, 1.5, 3.0, 365)
    assert list(t.index) == ["new", "churned", "active", "at-risk", "dormant"]
    assert "365" in t.loc["churned", "rule"] and "1.5" in t.loc["active", "rule"]


# ---------------------------------------------------------------------------------------------
# Boundaries, defaults, messages and dtypes (added for mutation testing, issue 22).

CUT24 = pd.Timestamp("2024-01-01")


def _ago(days):
    """The date `days` days before CUT24, as 'YYYY-MM-DD'."""
    return (CUT24 - pd.Timedelta(days=days)).strftime("%Y-%m-%d")


def test_order_days_cutoff_is_exclusive_and_ids_are_int64():
    lines = _lines([(1, "2023-02-28", 5)])
    lines = pd.concat([lines, pd.DataFrame({
        "customer_id": pd.array([1, 1], dtype="Int64"),
        "order_ts": pd.to_datetime(["2023-02-28 23:59", "2023-03-01 00:00"]),  # 2nd == CUTOFF
        "revenue_amt": [2.0, 100.0]})], ignore_index=True)
    d = L.order_days(lines, CUTOFF)
    # the line exactly at the cutoff is not "before" it: one day, 5 + 2 = 7
    assert d["day"].tolist() == [pd.Timestamp("2023-02-28")] and d["revenue_amt"].tolist() == [7.0]
    assert d["customer_id"].dtype == np.int64  # nullable Int64 input -> plain int64 keys
    with pytest.raises(ValueError, match=r"^order_days: missing column\(s\) \['revenue_amt'\]"):
        L.order_days(LINES.drop(columns="revenue_amt"), CUTOFF)


def test_interpurchase_gaps_name_dtype_and_message():
    gaps = L.interpurchase_gaps(L.order_days(LINES, CUTOFF))
    assert gaps.name == "gap_days" and gaps.dtype == np.int64
    with pytest.raises(ValueError, match=r"^interpurchase_gaps: missing column\(s\) \['day'\]"):
        L.interpurchase_gaps(pd.DataFrame({"customer_id": [1]}))


def test_cadence_table_counts_order_days():
    t = L.cadence_table(LINES, CUTOFF)
    # c1: 01-01, 01-11, 01-21 (two lines on 01-21 are one day) = 3; c2 1; c3 2; c4 1
    assert t["n_order_days"].to_dict() == {1: 3, 2: 1, 3: 2, 4: 1}


# Each customer sits exactly on (or one step past) a rule threshold at CUT24 with the DEFAULT
# rules (new_days 30, at_risk_mult 1.5, dormant_mult 3.0, churn_days 365):
#   10: orders 30 and 20 days ago: gap 10, first order 30 days ago (not < 30, not new),
#       ratio 20/10 = 2.0 -> at-risk (1.5 < 2.0 <= 3.0)
#   11: 50 and 30 days ago: gap 20, ratio 30/20 = 1.5 exactly -> active (<= 1.5)
#   12: 80 and 60 days ago: ratio 60/20 = 3.0 exactly -> at-risk (<= 3.0)
#   13: 90 and 70 days ago: ratio 70/20 = 3.5 -> dormant
#   14: 385 and 365 days ago: 365 days since last is not > 365 -> not churned; ratio 18.25 -> dormant
#   15: 386 and 366 days ago: 366 > 365 -> churned
#   16: one order 29 days ago -> new (29 < 30)
BOUNDARY = _lines([
    (10, _ago(30), 1), (10, _ago(20), 1), (11, _ago(50), 1), (11, _ago(30), 1),
    (12, _ago(80), 1), (12, _ago(60), 1), (13, _ago(90), 1), (13, _ago(70), 1),
    (14, _ago(385), 1), (14, _ago(365), 1), (15, _ago(386), 1), (15, _ago(366), 1),
    (16, _ago(29), 1),
])


def test_assign_stages_default_rules_on_the_thresholds():
    s = L.assign_stages(BOUNDARY, CUT24)
    assert s["stage"].astype(str).to_dict() == {
        10: "at-risk", 11: "active", 12: "at-risk", 13: "dormant", 14: "dormant",
        15: "churned", 16: "new"}
    assert s.loc[11, "ratio"] == 1.5 and s.loc[12, "ratio"] == 3.0
    # documented: an ordered categorical over STAGES (so stages sort new < ... < churned)
    assert list(s["stage"].cat.categories) == list(L.STAGES) and s["stage"].cat.ordered
    # fallback for the one-order customer 16: median of own cadences 10, 20, 20, 20, 20, 20 = 20
    assert s.loc[16, "cadence_days"] == 20.0


def test_assign_stages_fallback_cadence():
    # no repeat customer at all: the documented fallback is 30 days
    # 40 days since last / 30 = 1.33 -> active; 100 / 30 = 3.33 -> dormant
    lines = _lines([(1, _ago(40), 1), (2, _ago(100), 1)])
    s = L.assign_stages(lines, CUT24)
    assert s["cadence_days"].tolist() == [30.0, 30.0]
    assert s["stage"].astype(str).tolist() == ["active", "dormant"]
    # an explicit fallback replaces the population median (16 is the one-order customer)
    s5 = L.assign_stages(BOUNDARY, CUT24, fallback_cadence_days=5)
    assert s5.loc[16, "cadence_days"] == 5.0 and s5.loc[10, "cadence_days"] == 10.0
    # a fallback below one day is clipped to 1 day (ratio 40 / 1 = 40 -> dormant)
    s_half = L.assign_stages(lines, CUT24, fallback_cadence_days=0.5)
    assert s_half["cadence_days"].tolist() == [1.0, 1.0] and s_half.loc[1, "ratio"] == 40.0
    with pytest.raises(ValueError, match=r"^assign_stages: fallback cadence 0 must be positive$"):
        L.assign_stages(lines, CUT24, fallback_cadence_days=0)


def test_assign_stages_parameter_checks():
    # allowed edges: at_risk_mult just above 0, new_days = 0 (nobody is new: 0 days < 0 is false)
    s = L.assign_stages(BOUNDARY, CUT24, at_risk_mult=0.5, new_days=0)
    # 16: not new with new_days 0; 29 days since its only order / fallback 20 = 1.45:
    # above 0.5, not above 3.0 -> at-risk
    assert s.loc[16, "stage"] == "at-risk"
    msg = r"^assign_stages: need 0 < at_risk_mult \({}\) < dormant_mult \({}\)$"
    with pytest.raises(ValueError, match=msg.format(0, r"3\.0")):
        L.assign_stages(BOUNDARY, CUT24, at_risk_mult=0)
    with pytest.raises(ValueError, match=msg.format(r"2\.0", r"2\.0")):
        L.assign_stages(BOUNDARY, CUT24, at_risk_mult=2.0, dormant_mult=2.0)
    with pytest.raises(ValueError, match=r"^assign_stages: need 0 <= new_days \(-1\) < "
                                         r"churn_days \(365\)$"):
        L.assign_stages(BOUNDARY, CUT24, new_days=-1)
    with pytest.raises(ValueError, match=r"new_days \(30\) < churn_days \(30\)$"):
        L.assign_stages(BOUNDARY, CUT24, churn_days=30)


def test_stage_rules_table_full_text():
    t = L.stage_rules_table(30, 1.5, 3.0, 365)
    assert t.index.name == "stage"
    assert t["rule"].to_dict() == {
        "new": "first order less than 30 days before the cutoff",
        "churned": "no order for more than 365 days",
        "active": "days since last order <= 1.5 x own cadence",
        "at-risk": "days since last order <= 3.0 x own cadence",
        "dormant": "otherwise (overdue, not yet churned)",
    }


def test_cohort_tables_cutoff_on_the_first_of_a_month():
    # cutoff 2023-03-01 00:00: nothing of March is observed, the last observed month is Feb.
    # Jan cohort (c1: Jan 10.0, Feb 5.0): months 0 and 1 observed -> counts [1, 1]
    # Feb cohort (c2: Feb 8.0): month 0 observed, month 1 (March) not -> NaN, not 0
    lines = _lines([(1, "2023-01-05", 10), (1, "2023-02-07", 5), (2, "2023-02-02", 8)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # no deprecated pandas frequency codes
        t = L.cohort_tables(lines, pd.Timestamp("2023-03-01"))
    jan, feb = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01")
    assert list(t["counts"].columns) == [0, 1]
    assert t["counts"].loc[jan].tolist() == [1, 1]
    assert t["counts"].loc[feb, 0] == 1 and np.isnan(t["counts"].loc[feb, 1])
    assert t["revenue_retention"].loc[jan].tolist() == [1.0, 0.5]  # 5 / 10
    assert np.isnan(t["revenue_retention"].loc[feb, 1])


def test_cohort_tables_observed_month_without_orders_is_zero():
    # one customer: Jan 10.0, nothing in Feb, March 5.0; cutoff 2023-03-31 (March observed)
    # counts [1, 0, 1]; revenue retention [10, 0, 5] / 10 = [1, 0, 0.5]
    lines = _lines([(1, "2023-01-05", 10), (1, "2023-03-10", 5)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        t = L.cohort_tables(lines, pd.Timestamp("2023-03-31"))
    jan = pd.Timestamp("2023-01-01")
    assert t["sizes"].name == "customers" and t["sizes"].to_dict() == {jan: 1}
    assert t["counts"].loc[jan].tolist() == [1, 0, 1]
    assert t["retention"].loc[jan].tolist() == [1.0, 0.0, 1.0]
    assert t["revenue_retention"].loc[jan].tolist() == [1.0, 0.0, 0.5]


def test_stage_snapshots_passes_the_rules_on():
    # at CUTOFF c1 has ratio 3.9: dormant by default, active with at_risk_mult 4
    snap = L.stage_snapshots(LINES, [pd.Timestamp("2022-07-01"), CUTOFF],
                             at_risk_mult=4.0, dormant_mult=5.0)
    assert snap.loc[1, CUTOFF] == "active"
    with pytest.raises(ValueError, match=r"^stage_snapshots: need at least two dates$"):
        L.stage_snapshots(LINES, [CUTOFF])


def test_transition_matrix_layout_and_single_customer_rows():
    # active -> active, active -> dormant, dormant -> churned, prospect -> new (not counted)
    before = pd.Series(["active", "active", "dormant", "prospect"], index=[1, 2, 3, 4])
    after = pd.Series(["active", "dormant", "churned", "new"], index=[1, 2, 3, 4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counts, probs = L.transition_matrix(before, after)
    assert list(counts.index) == list(L.STAGES) and list(counts.columns) == list(L.STAGES)
    assert (counts.index.name, counts.columns.name) == ("from", "to")
    assert counts.loc["new"].tolist() == [0, 0, 0, 0, 0]  # never-seen state: zero row
    # one customer left dormant, to churned: probability 1/1 = 1
    assert probs.loc["dormant"].tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert probs.loc["active"].tolist() == [0.0, 0.5, 0.0, 0.5, 0.0]
    # rows with no customers have undefined (NaN) probabilities, and the frame stays float
    assert probs.loc[["new", "at-risk", "churned"]].isna().all().all()
    assert (probs.dtypes == np.float64).all()
    with pytest.raises(ValueError, match=r"^transition_matrix: before and after have "
                                         r"different customers$"):
        L.transition_matrix(before, after.iloc[:2])


def test_stationary_distribution_drops_states_never_left():
    # c is entered but never left (zero row): dropped, then rows renormalised:
    # a [0.5, 0.5], b [0.5, 0.25] / 0.75 = [2/3, 1/3]
    # pi_a = 0.5 pi_a + (2/3) pi_b -> pi_a = (4/3) pi_b -> pi = (4/7, 3/7)
    p = pd.DataFrame([[0.5, 0.5, 0.0], [0.5, 0.25, 0.25], [0.0, 0.0, 0.0]],
                     index=list("abc"), columns=list("abc"))
    pi = L.stationary_distribution(p)
    assert list(pi.index) == ["a", "b"] and pi.name == "steady_state"
    assert pi.tolist() == pytest.approx([4 / 7, 3 / 7])


def test_stationary_distribution_nan_rows_and_edges():
    # an all-NaN row (state never seen, as transition_matrix returns it) is dropped:
    # P = [[0.9, 0.1], [0.5, 0.5]] -> pi = (5/6, 1/6)
    nan = np.nan
    p = pd.DataFrame([[0.9, 0.1, 0.0], [0.5, 0.5, 0.0], [nan, nan, nan]],
                     index=list("abc"), columns=list("abc"))
    pi = L.stationary_distribution(p)
    assert list(pi.index) == ["a", "b"] and pi.tolist() == pytest.approx([5 / 6, 1 / 6])
    # a single absorbing state is its own stationary distribution
    one = L.stationary_distribution(pd.DataFrame([[1.0]], index=["x"], columns=["x"]))
    assert one.tolist() == pytest.approx([1.0])
    with pytest.raises(ValueError, match=r"^stationary_distribution: empty matrix$"):
        L.stationary_distribution(pd.DataFrame([[nan]], index=["x"], columns=["x"]))


def test_survival_table_default_churn_days_boundary():
    # default churn_days 365 at CUT24:
    # 1: one order 366 days ago -> declared 365 days after it (1 day before the cutoff): event
    # 2: one order exactly 365 days ago -> not "more than" 365: censored at 365 days
    s = L.survival_table(_lines([(1, _ago(366), 1), (2, _ago(365), 1)]), CUT24)
    assert s.loc[1, "duration_days"] == 365 and s.loc[1, "event"] == 1
    assert s.loc[2, "duration_days"] == 365 and s.loc[2, "event"] == 0
    assert s["event"].dtype == np.int64


def test_survival_table_lapse_after_repeat_orders():
    # churn_days 90, cutoff 2023-09-08 = day0 + 250; orders day0, day0 + 10, day0 + 200:
    # the gap after day0 + 10 is 190 > 90 -> declared day0 + 10 + 90 = day0 + 100: 100 days
    # (the first gap 10 and the last 50 days to the cutoff are not lapses)
    d0 = pd.Timestamp("2023-01-01")
    days = [d0, d0 + pd.Timedelta(days=10), d0 + pd.Timedelta(days=200)]
    lines = _lines([(1, d.strftime("%Y-%m-%d"), 1) for d in days])
    s = L.survival_table(lines, d0 + pd.Timedelta(days=250), churn_days=90)
    assert (s.loc[1, "duration_days"], s.loc[1, "event"]) == (100, 1)
    # a gap of exactly churn_days is not a lapse: orders day0 and day0 + 90, cutoff day0 + 100
    lines = _lines([(1, "2023-01-01", 1), (1, (d0 + pd.Timedelta(days=90)).strftime("%Y-%m-%d"), 1)])
    s = L.survival_table(lines, d0 + pd.Timedelta(days=100), churn_days=90)
    assert (s.loc[1, "duration_days"], s.loc[1, "event"]) == (100, 0)


def test_survival_table_one_day_churn():
    # churn_days 1 is allowed: orders day0, day0 + 1, day0 + 3, cutoff day0 + 5
    # gap 1 is not > 1; gap 2 is -> declared day0 + 1 + 1 = day0 + 2: 2 days, event
    lines = _lines([(1, "2023-01-01", 1), (1, "2023-01-02", 1), (1, "2023-01-04", 1)])
    s = L.survival_table(lines, pd.Timestamp("2023-01-06"), churn_days=1)
    assert (s.loc[1, "duration_days"], s.loc[1, "event"]) == (2, 1)
    with pytest.raises(ValueError, match=r"^survival_table: churn_days=0 must be >= 1$"):
        L.survival_table(lines, pd.Timestamp("2023-01-06"), churn_days=0)


def test_cohort_month_of_a_midday_cutoff_on_the_first_is_observed():
    # cutoff 2023-03-01 12:00: the 08:00 order that morning is before it, so March is observed
    # (was NaN: only day > 1 counted as observed); a midnight cutoff on the 1st leaves March out
    lines = pd.DataFrame({"customer_id": pd.array([1, 1], dtype="Int64"),
                          "order_ts": pd.to_datetime(["2023-02-10 09:00", "2023-03-01 08:00"]),
                          "revenue_amt": [10.0, 5.0]})
    noon = L.cohort_tables(lines, pd.Timestamp("2023-03-01 12:00"))
    assert noon["counts"].loc[pd.Timestamp("2023-02-01"), 1] == 1
    assert noon["revenue_retention"].loc[pd.Timestamp("2023-02-01"), 1] == 0.5
    midnight = L.cohort_tables(lines, pd.Timestamp("2023-03-01"))
    assert list(midnight["counts"].columns) == [0]

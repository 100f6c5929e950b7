"""Customer profile helpers against hand-worked answers."""

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import customers

# Three customers and one guest line.
#   c1: order A (2023-01-10 Tue 09h) 2 lines qty 12, 24 -> 10 + 20; order B (2023-02-03 Fri 14h)
#       qty 12 -> 30.            revenue 60, median qty 12 -> wholesale-like
#   c2: order C (2023-01-20 Fri 10h) qty 1 -> 5; order D (2023-10-05 Thu 10h) qty 3 -> 15.
#                                revenue 20, median qty 2 -> retail-like
#   c3: order E (2023-02-14 Tue 09h) qty 2 -> 20.   revenue 20 -> retail-like
#   guest: order F (2023-02-20 Mon 16h) qty 1 -> 4
LINES = pd.DataFrame(
    {
        "line_id": [1, 2, 3, 4, 5, 6, 7],
        "order_id": ["A", "A", "B", "C", "D", "E", "F"],
        "customer_id": pd.array([1, 1, 1, 2, 2, 3, None], dtype="Int64"),
        "product_id": ["p1", "p2", "p1", "p3", "p1", "p2", "p3"],
        "order_ts": pd.to_datetime(["2023-01-10 09:00", "2023-01-10 09:00", "2023-02-03 14:00",
                                    "2023-01-20 10:00", "2023-10-05 10:00", "2023-02-14 09:00",
                                    "2023-02-20 16:00"]),
        "quantity": [12, 24, 12, 1, 3, 2, 1],
        "revenue_amt": [10.0, 20.0, 30.0, 5.0, 15.0, 20.0, 4.0],
        "country": ["UK", "UK", "UK", "France", "France", "UK", "Spain"],
    }
)
PRODUCTS = pd.DataFrame({"product_id": ["p1", "p2", "p3"], "description": ["MUG", "BAG", "TOY"],
                         "category": ["kitchen", "bags", "toys"]})


def test_gini_known_values():
    assert customers.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    # pairs |xi-xj| over ordered pairs = 20, n² = 16, mean 2.5 -> 20 / (2·16·2.5) = 0.25
    assert customers.gini([4, 1, 3, 2]) == pytest.approx(0.25)
    # one of four has everything: 6 / (2·16·0.25) = 0.75 = (n-1)/n
    assert customers.gini([0, 0, 0, 1]) == pytest.approx(0.75)


def test_gini_rejects_bad_values():
    for bad in ([], [1, -1], [0, 0], [1, np.nan]):
        with pytest.raises(ValueError):
            customers.gini(bad)


def test_lorenz_and_top_share():
    lc = customers.lorenz_curve([1, 3])
    # sorted [1, 3]: (0,0), (0.5, 0.25), (1, 1)
    assert lc["share_customers"].tolist() == [0.0, 0.5, 1.0]
    assert lc["share_revenue"].tolist() == [0.0, 0.25, 1.0]
    # top 20% of five = one customer: 10 of 20
    assert customers.top_share([1, 2, 3, 4, 10], 0.2) == pytest.approx(0.5)
    # top 50% of three = ceil(1.5) = 2 customers: (10 + 4) / 15
    assert customers.top_share([1, 4, 10], 0.5) == pytest.approx(14 / 15)
    with pytest.raises(ValueError, match="share"):
        customers.top_share([1, 2], 0)
    with pytest.raises(ValueError, match="no values"):
        customers.lorenz_curve([])


def test_customer_table_by_hand():
    c = customers.customer_table(LINES, min_median_qty=12)
    assert list(c.index) == [1, 2, 3]  # guest dropped
    assert c.loc[1, "n_orders"] == 2 and c.loc[1, "revenue_amt"] == 60.0
    assert c.loc[1, "buyer_type"] == "wholesale-like"  # median(12, 24, 12) = 12
    assert c.loc[2, "buyer_type"] == "retail-like"  # median(1, 3) = 2
    assert c.loc[2, "country"] == "France" and c.loc[2, "units"] == 4
    with pytest.raises(ValueError, match="min_median_qty"):
        customers.customer_table(LINES, min_median_qty=0)
    with pytest.raises(ValueError, match="quantity"):
        customers.customer_table(LINES.drop(columns="quantity"))


def test_country_and_buyer_type_summaries():
    c = customers.customer_table(LINES)
    cs = customers.country_summary(c, top=1)
    # UK: c1 + c3 = 80 of 100; the rest pooled: France 20
    assert list(cs.index) == ["UK", "(other)"]
    assert cs.loc["UK", "share_revenue"] == pytest.approx(0.8)
    assert cs.loc["UK", "customers"] == 2 and cs.loc["(other)", "customers"] == 1
    bt = customers.buyer_type_summary(c)
    assert bt.loc["wholesale-like", "share_revenue"] == pytest.approx(0.6)
    assert bt.loc["retail-like", "revenue_per_order_amt"] == pytest.approx(40 / 3)
    with pytest.raises(ValueError, match="top"):
        customers.country_summary(c, top=0)
    with pytest.raises(ValueError, match="buyer_type"):
        customers.buyer_type_summary(c.drop(columns="buyer_type"))


def test_time_patterns_and_q4():
    tp = customers.time_patterns(LINES)
    assert tp["month"].loc[pd.Timestamp("2023-02-01")] == pytest.approx(30 + 20 + 4)
    assert tp["weekday"]["Tue"] == pytest.approx(10 + 20 + 20)
    assert tp["weekday"]["Sat"] == 0.0 and len(tp["weekday"]) == 7
    assert tp["hour"][9] == pytest.approx(50) and len(tp["hour"]) == 24
    # 2023 is not a complete year in LINES (last line Oct 5) -> no Q4 share
    assert customers.q4_share_by_year(LINES).empty
    full = pd.DataFrame({"order_ts": pd.to_datetime(["2022-01-02", "2022-06-01", "2022-12-30"]),
                         "revenue_amt": [10.0, 30.0, 60.0]})
    assert customers.q4_share_by_year(full).to_dict() == {2022: pytest.approx(0.6)}
    with pytest.raises(ValueError, match="no lines"):
        customers.time_patterns(LINES.iloc[:0])


def test_new_vs_returning_three_customers():
    t = customers.new_vs_returning(LINES)
    jan, feb, oct_ = (pd.Timestamp(f"2023-{m}-01") for m in ("01", "02", "10"))
    # Jan: c1 first month (30) + c2 first month (5) = 35 new
    assert t.loc[jan, "new"] == 35.0 and t.loc[jan, "returning"] == 0.0
    # Feb: c1 returning 30; c3 first month 20; guest 4
    assert (t.loc[feb, "new"], t.loc[feb, "returning"], t.loc[feb, "guest"]) == (20.0, 30.0, 4.0)
    # Oct: c2 returning 15
    assert t.loc[oct_, "returning"] == 15.0
    assert t.to_numpy().sum() == pytest.approx(LINES["revenue_amt"].sum())
    with pytest.raises(ValueError, match="customer_id"):
        customers.new_vs_returning(LINES.drop(columns="customer_id"))


def test_product_mix_and_attribute_profile():
    pm = customers.product_mix(LINES, PRODUCTS, top=2)
    # p1: 10 + 30 + 15 = 55; p2: 20 + 20 = 40; p3: 5 + 4 = 9
    assert list(pm["by_revenue"].index) == ["p1", "p2"]
    assert pm["by_revenue"].loc["p1", "customers"] == 2  # c1, c2
    assert pm["categories"].loc["kitchen", "share_revenue"] == pytest.approx(55 / 104)
    with pytest.raises(ValueError, match="category"):
        customers.product_mix(LINES, PRODUCTS.drop(columns="category"))
    c = customers.customer_table(LINES)
    c["channel"] = pd.Series({1: "web", 2: "web", 3: None})
    ap = customers.attribute_profile(c, "channel")
    assert ap.loc["web", "customers"] == 2 and ap.loc["(unknown)", "revenue_amt"] == 20.0
    assert ap.loc["web", "revenue_per_customer_amt"] == pytest.approx(40.0)
    with pytest.raises(ValueError, match="age_band"):
        customers.attribute_profile(c, "age_band")


def test_before_cutoff():
    out = customers.before_cutoff(LINES, pd.Timestamp("2023-02-03 14:00"))
    assert len(out) == 3  # strictly before: lines 1, 2 and 4
    with pytest.raises(ValueError, match="order_ts"):
        customers.before_cutoff(LINES.drop(columns="order_ts"), pd.Timestamp("2023-01-01"))

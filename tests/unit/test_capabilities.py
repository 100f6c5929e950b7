"""Tests for helpers.data.capabilities and store.skip: what the data has, and what a section
does when something is missing (hand-built tables)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data import capabilities
from helpers.results import store


def _tables(products: list[str], countries: list[str], days: list[str]) -> dict:
    n = len(products)
    lines = pd.DataFrame({
        "order_id": [f"o{i // 2}" for i in range(n)],  # two lines per order
        "customer_id": pd.array([1 + i % 3 for i in range(n)], dtype="Int64"),
        "product_id": products, "country": countries,
        "order_ts": pd.to_datetime(days), "revenue_amt": [10.0] * n,
    })
    prods = pd.DataFrame({"product_id": sorted(set(products)),
                          "description": [f"item {p}" for p in sorted(set(products))]})
    return {"order_lines": lines, "products": prods, "customers": pd.DataFrame({"customer_id": [1, 2, 3]})}


def test_describe_a_cdnow_like_export() -> None:
    t = _tables(["CD"] * 6, ["US"] * 6, ["1997-01-01", "1997-01-01", "1997-03-01", "1997-03-01",
                                         "1997-08-01", "1997-08-01"])
    caps = capabilities.describe(t, "usd", "customer+timestamp")
    assert caps["currency"] == "USD" and caps["order_key"] == "customer+timestamp"
    assert caps["n_products"] == 1 and caps["n_countries"] == 1 and caps["n_customers"] == 3
    # customers 1, 2, 3 all start in 1997 H1 (January or March)
    assert caps["n_acquisition_halves"] == 1
    assert caps["baskets"] is False  # every order holds the same product twice: no basket
    assert caps["history_weeks"] == pytest.approx(212 / 7, abs=0.05)  # 1 Jan to 1 Aug 1997
    assert not caps["interactions"] and not caps["surveys"] and caps["attributes"] == []


def test_describe_a_retail_export_with_baskets() -> None:
    t = _tables(["A", "B", "A", "C"], ["UK", "FR", "UK", "UK"],
                ["2020-01-01", "2020-01-01", "2020-08-01", "2020-08-01"])
    t["feedback"] = pd.DataFrame({"customer_id": [1]})
    caps = capabilities.describe(t)
    assert caps["baskets"] is True and caps["n_products"] == 3 and caps["n_countries"] == 2
    assert caps["descriptions"] is True and caps["surveys"] is True and caps["currency"] == "GBP"


def test_missing_says_what_and_why() -> None:
    caps = {"n_products": 1, "baskets": False, "history_weeks": 30.0, "attributes": ["region"]}
    assert capabilities.missing(caps, {"n_products": 2}) == "needs at least 2 products; the data has 1"
    assert "baskets" in capabilities.missing(caps, {"baskets": True})
    assert capabilities.missing(caps, {"history_weeks": 52}).startswith("needs at least 52 weeks")
    assert capabilities.missing(caps, {"attributes": "region"}) is None
    assert "age_band" in capabilities.missing(caps, {"attributes": "age_band"})
    assert capabilities.missing(caps, {"history_weeks": 26, "attributes": "region"}) is None


def test_write_read_and_a_clear_error_before_01(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="run notebook 01 first"):
        capabilities.read(tmp_path)
    capabilities.write({"currency": "EUR"}, tmp_path)
    assert capabilities.read(tmp_path) == {"currency": "EUR"}


def test_skip_records_the_reason_and_returns_the_visible_note() -> None:
    m: dict = {}
    note = store.skip(m, "product mix", "needs at least 2 products; the data has 1")
    assert m == {"skipped": {"product mix": "needs at least 2 products; the data has 1"}}
    assert note.startswith("**Skipped: product mix.**") and "the data has 1" in note


def test_campaign_capability_and_its_words() -> None:
    t = _tables(["A", "B"], ["UK", "UK"], ["2020-01-01", "2020-01-01"])
    assert capabilities.describe(t)["campaign"] is False  # no table
    t["campaign"] = pd.DataFrame({"customer_id": []})
    assert capabilities.describe(t)["campaign"] is False  # an empty table is no campaign
    t["campaign"] = pd.DataFrame({"customer_id": [1, 2], "treated": [True, False]})
    caps = capabilities.describe(t)
    assert caps["campaign"] is True
    assert capabilities.missing(caps, {"campaign": True}) is None
    assert capabilities.missing({"campaign": False}, {"campaign": True}) == \
        "needs a randomised campaign; the data has none"


def test_describe_the_deeper_funnel_columns_and_why_a_section_skips() -> None:
    t = _tables(["A", "B"], ["UK", "UK"], ["2020-01-01", "2020-01-01"])
    ts = pd.to_datetime(["2020-01-02", None])
    opps = pd.DataFrame({"opportunity_id": [1, 2], "created_ts": pd.to_datetime(["2020-01-01"] * 2),
                         "qualified_ts": ts, "proposal_ts": ts, "negotiation_ts": ts,
                         "closed_ts": ts, "lead_source": ["web", None], "channel": [None, None]})
    t["opportunities"] = opps
    caps = capabilities.describe(t)
    # every stage column filled for deal 1; a lead source on one deal; no channel on any
    assert caps["stage_timestamps"] is True and caps["lead_source"] is True
    assert caps["opportunity_channel"] is False
    assert "sales channel" in capabilities.missing(caps, {"opportunity_channel": True})
    assert capabilities.missing(caps, {"stage_timestamps": True, "lead_source": True}) is None
    # a stage column absent, or present but empty: no stage timestamps
    caps = capabilities.describe({**t, "opportunities": opps.drop(columns="proposal_ts")})
    assert caps["stage_timestamps"] is False
    why = capabilities.missing(caps, {"stage_timestamps": True})
    assert why.startswith("needs the time each opportunity entered each funnel stage")
    caps = capabilities.describe({**t, "opportunities": opps.assign(negotiation_ts=pd.NaT)})
    assert caps["stage_timestamps"] is False and caps["lead_source"] is True
    # no opportunities at all (Online Retail II), and capabilities written before these keys
    caps = capabilities.describe(_tables(["A"], ["UK"], ["2020-01-01"]))
    assert not caps["stage_timestamps"] and not caps["lead_source"]
    assert "lead source" in capabilities.missing({"opportunities": True}, {"lead_source": True})


def test_response_times_and_nps_capabilities_and_their_words() -> None:
    t = _tables(["A", "B"], ["UK", "UK"], ["2020-01-01", "2020-01-01"])
    caps = capabilities.describe(t)  # no interactions, no feedback (Online Retail II)
    assert caps["response_times"] is False and caps["nps"] is False
    t["interactions"] = pd.DataFrame({"customer_id": [1, 2], "kind": ["sent", "ticket"],
                                      "response_hours": [None, None]})
    t["feedback"] = pd.DataFrame({"customer_id": [1], "csat": [4]})
    caps = capabilities.describe(t)  # column present but empty; no nps column
    assert caps["interactions"] and caps["surveys"]
    assert caps["response_times"] is False and caps["nps"] is False
    assert capabilities.missing(caps, {"response_times": True}) == \
        "needs service response times (interactions.response_hours); the data has none"
    assert capabilities.missing(caps, {"surveys": True, "nps": True}) == \
        "needs NPS scores (feedback.nps); the data has none"
    t["interactions"].loc[1, "response_hours"] = 3.5
    t["feedback"]["nps"] = [9]
    caps = capabilities.describe(t)
    assert caps["response_times"] is True and caps["nps"] is True
    assert capabilities.missing(caps, {"response_times": True, "nps": True}) is None
    # capabilities written before these keys existed read as missing
    assert "response times" in capabilities.missing({"surveys": True}, {"response_times": True})

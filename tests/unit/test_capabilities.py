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

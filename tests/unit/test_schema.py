"""Tests for helpers.data.schema.require_columns: the one column check every helper calls."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data.schema import require_columns


def test_require_columns_passes_when_all_present() -> None:
    df = pd.DataFrame({"customer_id": [1, 2], "revenue_amt": [3.0, 4.0]})
    assert require_columns(df, ("customer_id", "revenue_amt"), "f") is None
    assert require_columns(df, [], "f") is None


def test_require_columns_names_caller_missing_and_present() -> None:
    df = pd.DataFrame({"customer_id": [1], "order_ts": [pd.Timestamp("2011-01-01")]})
    with pytest.raises(ValueError) as err:
        require_columns(df, ("customer_id", "order_id", "revenue_amt"), "rfm_table")
    assert str(err.value) == (
        "rfm_table: missing column(s) ['order_id', 'revenue_amt']; "
        "have ['customer_id', 'order_ts']"
    )

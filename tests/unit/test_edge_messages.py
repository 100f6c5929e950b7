"""Edge cases end in messages that say what to change, not in tracebacks from deep inside:
no dated orders at all, one customer only, a holdout longer than the history."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import config
from helpers.data import ingest
from helpers.data.mapping import InputError
from helpers.models.metrics import bootstrap_ci
from helpers.value import clv


def _lines(days: list[str], customers: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array(customers, dtype="Int64"),
            "order_id": [f"o{i}" for i in range(len(days))],
            "order_ts": pd.to_datetime(days),
            "revenue_amt": [10.0] * len(days),
        }
    )


def test_resolve_cutoff_without_orders_says_why():
    with pytest.raises(config.ParameterError, match="no dated orders.*cleaning ledger"):
        config.resolve_cutoff("", pd.Series([], dtype="datetime64[ns]"))


def test_bootstrap_one_customer_names_the_need():
    with pytest.raises(ValueError, match="got 1 .*needs at least 2 customers"):
        bootstrap_ci([3.0], lambda v: float(v.mean()))


def test_calibration_longer_than_history_names_calibration_weeks():
    lines = _lines(["2011-06-01", "2011-06-20", "2011-07-01"], [1, 1, 2])
    with pytest.raises(ValueError, match="calibration_weeks") as exc:
        clv.calibration_holdout(lines, "2011-05-01", "2011-07-15")
    assert "data start 2011-06-01" in str(exc.value)


def test_build_canonical_with_nothing_kept_names_file_and_reasons():
    raw = pd.DataFrame(
        {
            "invoice": pd.array(["C1", "C2"], dtype="string"),
            "quantity": [-1, -2],
            "set_aside": pd.array([None, None], dtype="string"),
        }
    )
    src = ingest.SourceData(lines=raw, files=pd.DataFrame({"file": ["shop.csv"]}))
    with pytest.raises(
        InputError,
        match=r"shop.csv: no line is left after cleaning: all 2 raw "
        r"line\(s\).*2 cancellation/return line",
    ):
        ingest.build_canonical(raw.iloc[0:0], src)

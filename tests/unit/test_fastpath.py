"""The vectorised per-customer feature code against simple reference implementations.

``clv.summarise_transactions`` (integer day codes and bincount) and ``rfm.rfm_table`` must give
exactly what a plain, readable pandas groupby gives on the same lines.
"""

import numpy as np
import pandas as pd
import pytest

from helpers.value import clv, rfm


def _lines(n: int = 3000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400 * 24, n), unit="h")
    cust = rng.integers(1, 200, n).astype(float)
    cust[rng.random(n) < 0.1] = np.nan  # guests
    return pd.DataFrame({
        "customer_id": pd.array(cust, dtype="Int64"),
        "order_id": (ts.strftime("%Y%m%d%H") + "-" + pd.Series(cust).fillna(0).astype(int).astype(str)).to_numpy(),
        "order_ts": ts,
        "revenue_amt": np.round(rng.gamma(2.0, 20.0, n), 2),
    })


def reference_summary(lines: pd.DataFrame, end: pd.Timestamp, unit_days: float) -> pd.DataFrame:
    """BG/NBD summary the slow, obvious way: one group per customer, one row per purchase day."""
    c = lines[lines["customer_id"].notna() & (lines["order_ts"] < end)].copy()
    c["day"] = c["order_ts"].dt.floor("D")
    daily = c.groupby([c["customer_id"].astype("int64"), "day"])["revenue_amt"].sum().reset_index()
    rows = {}
    for cid, g in daily.groupby("customer_id"):
        g = g.sort_values("day")
        freq = len(g) - 1
        rows[cid] = {
            "frequency": float(freq),
            "recency": (g["day"].iloc[-1] - g["day"].iloc[0]).days / unit_days,
            "T": (end.floor("D") - g["day"].iloc[0]).days / unit_days,
            "monetary_value": float(g["revenue_amt"].iloc[1:].mean()) if freq > 0 else 0.0,
        }
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


@pytest.mark.parametrize("unit,days", [("D", 1.0), ("W", 7.0)])
def test_summary_matches_reference(unit, days):
    lines = _lines()
    end = pd.Timestamp("2024-01-15")
    fast = clv.summarise_transactions(lines, end, unit)
    ref = reference_summary(lines, end, days)
    assert list(fast.index) == list(ref.index)
    for col in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(fast[col].to_numpy(), ref[col].to_numpy(), err_msg=col)
    np.testing.assert_allclose(fast["monetary_value"], ref["monetary_value"], rtol=1e-12)


def test_rfm_matches_reference():
    lines = _lines(seed=5)
    cut = pd.Timestamp("2023-12-01")
    fast = rfm.rfm_table(lines, cut)
    c = lines[lines["customer_id"].notna() & (lines["order_ts"] < cut)]
    ref = {}
    for cid, g in c.groupby(c["customer_id"].astype("int64")):
        ref[cid] = {"recency_days": (cut - g["order_ts"].max().floor("D")).days,
                    "frequency": g["order_id"].nunique(), "monetary_amt": g["revenue_amt"].sum()}
    ref = pd.DataFrame.from_dict(ref, orient="index").sort_index()
    assert list(fast.index) == list(ref.index)
    np.testing.assert_array_equal(fast["recency_days"], ref["recency_days"])
    np.testing.assert_array_equal(fast["frequency"], ref["frequency"])
    np.testing.assert_allclose(fast["monetary_amt"], ref["monetary_amt"], rtol=1e-12)

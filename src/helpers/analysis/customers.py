"""Customer profile: who the customers are, how concentrated revenue is, what and when they buy.

Conventions (used by notebook 02 and quoted in its prose):

- **Gini coefficient** of non-negative values ``x`` (revenue per customer): the mean absolute
  difference over all ordered pairs divided by twice the mean,
  ``G = Σ_i Σ_j |x_i - x_j| / (2 n² x̄)``, computed from the sorted values as
  ``G = 2 Σ_i i·x_(i) / (n Σ x) - (n + 1) / n``. 0 = everyone equal; (n-1)/n = one customer has
  everything. E.g. ``[1, 2, 3, 4]`` → 0.25, ``[0, 0, 0, 1]`` → 0.75.
- **Lorenz curve**: customers sorted from smallest to largest revenue; x = cumulative share of
  customers, y = cumulative share of revenue, starting at (0, 0).
- **Top share**: revenue share of the top ``ceil(share · n)`` customers by revenue.
- **Wholesale-like buyer**: median quantity per order line ≥ ``min_median_qty`` (default 12,
  the usual case pack of this trade); everyone else is retail-like.
- **New vs returning revenue**: a customer's revenue in the calendar month of their first-ever
  order is *new*; later months are *returning*; guest lines (no customer id) are *guest*.

Only lines before the cutoff are used (the caller filters with :func:`before_cutoff`).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from helpers.data.schema import require_columns

log = logging.getLogger(__name__)

LINE_COLS: tuple[str, ...] = ("order_id", "customer_id", "product_id", "order_ts", "quantity",
                              "revenue_amt", "country")
WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _values(values: pd.Series | np.ndarray | list[float], what: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError(f"{what}: no values")
    if np.isnan(x).any():
        raise ValueError(f"{what}: NaN values")
    if (x < 0).any():
        raise ValueError(f"{what}: negative values (revenue per customer must be >= 0)")
    if x.sum() == 0:
        raise ValueError(f"{what}: all values are zero")
    return x


def before_cutoff(lines: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Lines with ``order_ts`` strictly before ``cutoff``."""
    require_columns(lines, ("order_ts",), "before_cutoff")
    return lines[lines["order_ts"] < cutoff]


def gini(values: pd.Series | np.ndarray | list[float]) -> float:
    """Gini coefficient of non-negative values (see the module docstring for the convention)."""
    x = np.sort(_values(values, "gini"))
    n = x.size
    i = np.arange(1, n + 1)
    return float(2 * np.sum(i * x) / (n * x.sum()) - (n + 1) / n)


def lorenz_curve(values: pd.Series | np.ndarray | list[float]) -> pd.DataFrame:
    """Lorenz curve points ``share_customers``, ``share_revenue`` from (0, 0) to (1, 1)."""
    x = np.sort(_values(values, "lorenz_curve"))
    n = x.size
    return pd.DataFrame(
        {
            "share_customers": np.concatenate([[0.0], np.arange(1, n + 1) / n]),
            "share_revenue": np.concatenate([[0.0], np.cumsum(x) / x.sum()]),
        }
    )


def top_share(values: pd.Series | np.ndarray | list[float], share: float = 0.2) -> float:
    """Revenue share of the top ``ceil(share * n)`` values; ``[1, 2, 3, 4, 10]``, 0.2 → 0.5."""
    if not 0 < share <= 1:
        raise ValueError(f"top_share: share={share} must be in (0, 1]")
    x = np.sort(_values(values, "top_share"))[::-1]
    k = max(1, math.ceil(share * x.size - 1e-9))
    return float(x[:k].sum() / x.sum())


def customer_table(lines: pd.DataFrame, min_median_qty: int = 12) -> pd.DataFrame:
    """One row per customer (guest lines dropped) with size, country and buyer type.

    Columns: ``n_orders``, ``n_lines``, ``units``, ``revenue_amt``, ``median_qty_per_line``,
    ``first_order_ts``, ``country`` (of the first order), ``buyer_type``
    (``wholesale-like`` / ``retail-like``, see the module docstring).
    """
    require_columns(lines, LINE_COLS, "customer_table")
    if min_median_qty < 1:
        raise ValueError(f"customer_table: min_median_qty={min_median_qty} must be >= 1")
    c = lines[lines["customer_id"].notna()].sort_values(["order_ts", "line_id"]
                                                        if "line_id" in lines else ["order_ts"])
    if c.empty:
        raise ValueError("customer_table: no lines with a customer_id")
    g = c.groupby(c["customer_id"].astype("int64"))
    out = pd.DataFrame(
        {
            "n_orders": g["order_id"].nunique(),
            "n_lines": g.size(),
            "units": g["quantity"].sum(),
            "revenue_amt": g["revenue_amt"].sum(),
            "median_qty_per_line": g["quantity"].median(),
            "first_order_ts": g["order_ts"].min(),
            "country": g["country"].first().astype(str),
        }
    )
    out.index.name = "customer_id"
    out["buyer_type"] = np.where(out["median_qty_per_line"] >= min_median_qty,
                                 "wholesale-like", "retail-like")
    return out


def country_summary(customers: pd.DataFrame, top: int = 12) -> pd.DataFrame:
    """Customers and revenue per country; countries beyond the ``top`` by revenue pooled as
    ``(other)``. Shares are of customer revenue (guest lines excluded)."""
    require_columns(customers, ("country", "revenue_amt"), "country_summary")
    if top < 1:
        raise ValueError(f"country_summary: top={top} must be >= 1")
    g = customers.groupby("country").agg(customers=("revenue_amt", "size"),
                                         revenue_amt=("revenue_amt", "sum"))
    g = g.sort_values("revenue_amt", ascending=False)
    if len(g) > top:
        rest = g.iloc[top:].sum()
        g = pd.concat([g.iloc[:top], pd.DataFrame([rest], index=["(other)"])])
    g["share_customers"] = g["customers"] / g["customers"].sum()
    g["share_revenue"] = g["revenue_amt"] / g["revenue_amt"].sum()
    g["revenue_per_customer_amt"] = g["revenue_amt"] / g["customers"]
    g.index.name = "country"
    return g


def buyer_type_summary(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue and typical order size per buyer type."""
    require_columns(
        customers, ("buyer_type", "revenue_amt", "n_orders", "units"), "buyer_type_summary"
    )
    g = customers.groupby("buyer_type").agg(
        customers=("revenue_amt", "size"), revenue_amt=("revenue_amt", "sum"),
        orders=("n_orders", "sum"), units=("units", "sum"),
        median_revenue_amt=("revenue_amt", "median"))
    g["share_customers"] = g["customers"] / g["customers"].sum()
    g["share_revenue"] = g["revenue_amt"] / g["revenue_amt"].sum()
    g["revenue_per_order_amt"] = g["revenue_amt"] / g["orders"]
    return g


def time_patterns(lines: pd.DataFrame) -> dict[str, pd.Series]:
    """Revenue (GBP, all lines incl. guests) by calendar month, weekday and hour of day.

    Returns ``{"month": Series indexed by month-start Timestamp, "weekday": indexed
    Mon..Sun (all seven, zero where the shop was closed), "hour": indexed 0..23}``.
    """
    require_columns(lines, ("order_ts", "revenue_amt"), "time_patterns")
    if lines.empty:
        raise ValueError("time_patterns: no lines")
    ts = lines["order_ts"]
    month = lines.groupby(ts.dt.to_period("M").dt.to_timestamp())["revenue_amt"].sum()
    wd = lines.groupby(ts.dt.dayofweek)["revenue_amt"].sum().reindex(range(7), fill_value=0.0)
    wd.index = list(WEEKDAYS)
    hour = lines.groupby(ts.dt.hour)["revenue_amt"].sum().reindex(range(24), fill_value=0.0)
    month.index.name, wd.index.name, hour.index.name = "month", "weekday", "hour"
    return {"month": month, "weekday": wd, "hour": hour}


def q4_share_by_year(lines: pd.DataFrame) -> pd.Series:
    """Share of each *complete* calendar year's revenue taken in October–December.

    Years whose data do not cover the whole year (first line after January 15, or last line
    before December 15: the shop closes over Christmas) are left out, so a partial year cannot
    fake a peak.
    """
    require_columns(lines, ("order_ts", "revenue_amt"), "q4_share_by_year")
    ts = lines["order_ts"]
    out = {}
    for year, g in lines.groupby(ts.dt.year):
        t = g["order_ts"]
        if t.min() > pd.Timestamp(year, 1, 15) or t.max() < pd.Timestamp(year, 12, 15):
            continue
        out[int(year)] = float(g.loc[t.dt.quarter == 4, "revenue_amt"].sum()
                               / g["revenue_amt"].sum())
    return pd.Series(out, name="q4_share", dtype=float)


def new_vs_returning(lines: pd.DataFrame) -> pd.DataFrame:
    """Revenue per calendar month split into ``new``, ``returning`` and ``guest`` (GBP).

    ``new`` is revenue of customers in the month of their first-ever order in ``lines``.
    """
    require_columns(lines, ("customer_id", "order_ts", "revenue_amt"), "new_vs_returning")
    if lines.empty:
        raise ValueError("new_vs_returning: no lines")
    month = lines["order_ts"].dt.to_period("M")
    known = lines["customer_id"].notna()
    first = month[known].groupby(lines.loc[known, "customer_id"]).transform("min")
    kind = pd.Series("guest", index=lines.index)
    kind[known] = np.where(month[known] == first, "new", "returning")
    t = (lines.groupby([month.dt.to_timestamp().rename("month"), kind.rename("kind")])
         ["revenue_amt"].sum().unstack("kind", fill_value=0.0))
    return t.reindex(columns=["new", "returning", "guest"], fill_value=0.0)


def product_mix(lines: pd.DataFrame, products: pd.DataFrame, top: int = 15) -> dict[str, pd.DataFrame]:
    """Top products by revenue and by customers reached, and revenue per category.

    ``products`` needs ``product_id``, ``description`` and ``category``.
    """
    require_columns(
        lines, ("product_id", "customer_id", "revenue_amt", "quantity"), "product_mix(lines)"
    )
    require_columns(products, ("product_id", "description", "category"), "product_mix(products)")
    g = lines.groupby("product_id").agg(revenue_amt=("revenue_amt", "sum"),
                                        units=("quantity", "sum"),
                                        customers=("customer_id", "nunique"))
    g = g.join(products.set_index("product_id")[["description", "category"]])
    g["share_revenue"] = g["revenue_amt"] / g["revenue_amt"].sum()
    cat = g.groupby("category", dropna=False).agg(products=("revenue_amt", "size"),
                                                  revenue_amt=("revenue_amt", "sum"))
    cat["share_revenue"] = cat["revenue_amt"] / cat["revenue_amt"].sum()
    return {
        "by_revenue": g.sort_values("revenue_amt", ascending=False).head(top),
        "by_customers": g.sort_values("customers", ascending=False).head(top),
        "categories": cat.sort_values("revenue_amt", ascending=False),
    }


def attribute_profile(customers: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """Customers, revenue share and revenue per customer for each value of ``attribute``
    (e.g. ``age_band``, ``acquisition_channel``), missing values shown as ``(unknown)``."""
    require_columns(customers, (attribute, "revenue_amt", "n_orders"), "attribute_profile")
    key = customers[attribute].astype("string").fillna("(unknown)")
    g = customers.groupby(key).agg(customers=("revenue_amt", "size"),
                                   revenue_amt=("revenue_amt", "sum"),
                                   mean_orders=("n_orders", "mean"))
    g["share_customers"] = g["customers"] / g["customers"].sum()
    g["share_revenue"] = g["revenue_amt"] / g["revenue_amt"].sum()
    g["revenue_per_customer_amt"] = g["revenue_amt"] / g["customers"]
    g.index.name = attribute
    return g

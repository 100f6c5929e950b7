"""What the data has: the capabilities a section of the workbook needs, measured once after 01.

Notebook 01 writes :func:`describe` of the canonical tables to ``capabilities.json`` beside them
(and to ``metrics.json``); notebooks 02-07 read it (:func:`read`) and run a section only when the
data has what it needs (:func:`missing`), else they show one line saying what and why and record
it under ``skipped`` in their metrics (:func:`helpers.results.store.skip`). Nothing in 02-07 then
assumes products with descriptions, baskets, several countries, GBP or years of history.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

FILE = "capabilities.json"
MIN_BASKET_SHARE = 0.05
"""Share of multi-line orders above which orders are treated as baskets."""


def _weeks(lines: pd.DataFrame) -> float:
    ts = lines["order_ts"]
    return float((ts.max() - ts.min()) / pd.Timedelta(weeks=1)) if len(ts) else 0.0


STAGE_TIMESTAMPS = ("created_ts", "qualified_ts", "proposal_ts", "negotiation_ts", "closed_ts")
"""Opportunity columns holding the time each funnel stage was entered (schema.STAGE_TS_COLUMNS)."""


def _filled(tables: dict[str, pd.DataFrame], name: str, columns: tuple[str, ...]) -> bool:
    """True when table ``name`` exists with every one of ``columns``, each non-null somewhere."""
    t = tables.get(name)
    return bool(t is not None and len(t) > 0
                and all(c in t.columns and t[c].notna().any() for c in columns))


def describe(tables: dict[str, pd.DataFrame], currency: str = "GBP",
             order_key: str = "invoice") -> dict[str, Any]:
    """Capabilities of the canonical ``tables`` (``order_lines``, ``products``, ``customers`` and
    the optional CRM tables).

    Returns a JSON-ready dict: ``currency``; ``order_key`` (``invoice``, or
    ``customer+timestamp`` when the export has no invoice); counts of customers, products,
    countries and acquisition half-years; ``history_weeks``; booleans ``descriptions``,
    ``baskets`` (at least :data:`MIN_BASKET_SHARE` of orders have two or more products),
    ``interactions``, ``surveys``, ``opportunities``, ``campaign`` (a randomised campaign
    table), ``stage_timestamps`` (the opportunities have every :data:`STAGE_TIMESTAMPS` column,
    each filled somewhere), ``lead_source`` and ``opportunity_channel`` (their ``lead_source`` /
    ``channel`` column present and filled somewhere), ``response_times`` (interactions with
    ``response_hours`` filled somewhere), ``nps`` (feedback with ``nps`` filled somewhere); and
    the customer ``attributes`` present.
    """
    lines = tables["order_lines"]
    known = lines[lines["customer_id"].notna()]
    products = tables.get("products", pd.DataFrame())
    desc = products["description"].dropna().astype(str).str.strip() if "description" in products \
        else pd.Series(dtype=str)
    per_order = lines.groupby("order_id")["product_id"].nunique() if len(lines) else pd.Series()
    first = known.groupby("customer_id")["order_ts"].min()
    halves = first.dt.year.astype(str) + "H" + ((first.dt.month > 6) + 1).astype(str)
    customers = tables.get("customers", pd.DataFrame())
    attrs = [c for c in ("age_band", "gender", "region", "income_band", "acquisition_channel",
                         "acquisition_ts")
             if c in customers and customers[c].notna().any()]

    def has(name: str) -> bool:
        return name in tables and tables[name] is not None and len(tables[name]) > 0

    return {
        "currency": str(currency).upper(),
        "order_key": order_key,
        "n_customers": int(known["customer_id"].nunique()),
        "n_products": int(lines["product_id"].nunique()),
        "n_countries": int(lines["country"].nunique()) if "country" in lines else 1,
        "n_acquisition_halves": int(halves.nunique()),
        "history_weeks": round(_weeks(lines), 1),
        "descriptions": bool(desc.nunique() > 1),
        "baskets": bool(len(per_order) and (per_order >= 2).mean() >= MIN_BASKET_SHARE),
        "attributes": attrs,
        "interactions": has("interactions"),
        "surveys": has("feedback"),
        "opportunities": has("opportunities"),
        "stage_timestamps": _filled(tables, "opportunities", STAGE_TIMESTAMPS),
        "lead_source": _filled(tables, "opportunities", ("lead_source",)),
        "opportunity_channel": _filled(tables, "opportunities", ("channel",)),
        "campaign": has("campaign"),
        "response_times": _filled(tables, "interactions", ("response_hours",)),
        "nps": _filled(tables, "feedback", ("nps",)),
    }


def missing(caps: dict[str, Any], needs: dict[str, Any]) -> str | None:
    """Why a section cannot run on data with ``caps``, or None when it can.

    ``needs`` maps a capability to what the section requires: ``True`` (a boolean capability
    must hold), a number (a count or ``history_weeks`` must reach it) or a string (an attribute
    that must be present).

    >>> missing({"n_products": 1, "baskets": False}, {"n_products": 2})
    'needs at least 2 products; the data has 1'
    >>> missing({"surveys": True}, {"surveys": True}) is None
    True
    """
    words = {"n_products": "products", "n_countries": "countries", "n_customers": "customers",
             "n_acquisition_halves": "acquisition half-years", "history_weeks": "weeks of history"}
    for key, need in needs.items():
        have = caps.get(key)
        if key == "attributes":
            if need not in (have or []):
                return f"needs the customer attribute '{need}', which the data does not have"
        elif isinstance(need, bool):
            if bool(have) is not need:
                what = {"baskets": "orders with several products (baskets)",
                        "descriptions": "product descriptions",
                        "interactions": "an interactions table", "surveys": "satisfaction surveys",
                        "opportunities": "sales opportunities",
                        "stage_timestamps": "the time each opportunity entered each funnel "
                                            "stage (qualified_ts, proposal_ts, negotiation_ts, "
                                            "closed_ts)",
                        "lead_source": "the lead source of the opportunities",
                        "opportunity_channel": "the sales channel of the opportunities",
                        "campaign": "a randomised campaign",
                        "response_times": "service response times (interactions."
                                          "response_hours)",
                        "nps": "NPS scores (feedback.nps)"}.get(key, key)
                return f"needs {what}; the data has none"
        elif have is None or have < need:
            return f"needs at least {need:g} {words.get(key, key)}; the data has {have or 0:g}"
    return None


def write(caps: dict[str, Any], folder: str | Path) -> Path:
    """Write ``capabilities.json`` into ``folder`` (the interim folder of the dataset)."""
    path = Path(folder) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(caps, indent=1, sort_keys=True) + "\n")
    return path


def read(folder: str | Path) -> dict[str, Any]:
    """Read ``capabilities.json`` from the interim ``folder``; a clear error when 01 has not run."""
    path = Path(folder) / FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found; run notebook 01 first (make all)")
    return json.loads(path.read_text())

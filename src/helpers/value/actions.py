"""Sizing the case study's recommended actions from the per-customer value table.

The write-up (notebook 07) recommends four CRM actions; this module counts who each action
targets and what is at stake, from ``customer_value.parquet`` (notebook 04: segment, tier,
P(alive), 12-month CLV per customer) and, where notebook 03 wrote it, ``lifecycle.parquet``
(lifecycle stage per customer). Definitions (one place, quoted by the notebook):

- **retention**: customers whose RFM segment signals decline (:data:`DECLINING_SEGMENTS`) and
  whose value tier is high or medium. *Revenue at stake* = their summed 12-month CLV (GBP),
  the discounted revenue the models expect from them if nothing changes; *expected loss* =
  Σ (1 − P(alive)) × CLV is not used because CLV already weights by P(alive).
- **vip**: the high tier: count, CLV and share of all predicted CLV.
- **win_back**: lifecycle stage ``dormant`` (notebook 03) when available, else the segments
  ``hibernating`` and ``lost``; their summed CLV is the (small) value a win-back can unlock.
- **nurture**: tier ``potential`` (one purchase so far): candidates for a second-purchase offer.
"""

from __future__ import annotations

import logging

import pandas as pd

log = logging.getLogger(__name__)

DECLINING_SEGMENTS: tuple[str, ...] = ("at_risk", "cant_lose", "about_to_sleep", "need_attention")
"""RFM segments whose recency has fallen behind their frequency or value."""

ACTIONS: dict[str, str] = {
    "retention": "retention campaign for high/medium-value customers in declining segments",
    "vip": "VIP treatment for the high tier: account manager, early access, no discounts",
    "win_back": "win-back offer for dormant customers, one message then stop",
    "nurture": "second-purchase offer for one-time buyers (potential tier)",
}


def _need(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; have {list(df.columns)}")


def action_targets(
    values: pd.DataFrame, lifecycle: pd.DataFrame | None = None
) -> dict[str, pd.Series]:
    """Boolean masks (indexed like ``values``) of the customers each action targets.

    Parameters
    ----------
    values
        Per-customer table with ``customer_id``, ``segment``, ``tier``, ``clv_12m`` (GBP).
    lifecycle
        Optional table with ``customer_id`` and ``stage``; without it win-back falls back to
        the RFM segments ``hibernating`` and ``lost``.
    """
    _need(values, ("customer_id", "segment", "tier", "clv_12m"), "action_targets(values)")
    if values["customer_id"].duplicated().any():
        raise ValueError("action_targets: customer_id is duplicated in values")
    seg, tier = values["segment"].astype(str), values["tier"].astype(str)
    masks = {
        "retention": seg.isin(DECLINING_SEGMENTS) & tier.isin(["high", "medium"]),
        "vip": tier.eq("high"),
        "nurture": tier.eq("potential"),
    }
    if lifecycle is not None:
        _need(lifecycle, ("customer_id", "stage"), "action_targets(lifecycle)")
        stage = values["customer_id"].map(lifecycle.set_index("customer_id")["stage"])
        masks["win_back"] = stage.astype(str).eq("dormant")
    else:
        masks["win_back"] = seg.isin(["hibernating", "lost"])
    return masks


def size_actions(values: pd.DataFrame, lifecycle: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per action: customers targeted, their summed 12-month CLV (GBP) and its share.

    Returns a frame indexed by action name with ``n_customers``, ``share_customers``,
    ``clv_12m_gbp``, ``share_clv``, ``mean_p_alive`` (if ``p_alive`` is present), ``basis``
    and ``action`` (the wording of :data:`ACTIONS`).

    Examples
    --------
    Two of four customers are high tier with CLV 100 and 50 of a total 200: vip has
    n_customers 2, clv_12m_gbp 150, share_clv 0.75.
    """
    masks = action_targets(values, lifecycle)
    total_clv = float(values["clv_12m"].sum())
    n = len(values)
    rows = {}
    for name in ("retention", "vip", "win_back", "nurture"):
        m = masks[name]
        sub = values[m]
        clv = float(sub["clv_12m"].sum())
        rows[name] = {
            "n_customers": int(m.sum()),
            "share_customers": float(m.sum() / n) if n else 0.0,
            "clv_12m_gbp": clv,
            "share_clv": clv / total_clv if total_clv else 0.0,
            "mean_p_alive": float(sub["p_alive"].mean()) if "p_alive" in sub and len(sub) else None,
            "basis": (
                "lifecycle stage dormant" if name == "win_back" and lifecycle is not None
                else "segments hibernating, lost" if name == "win_back"
                else "segments " + ", ".join(DECLINING_SEGMENTS) + "; tier high/medium"
                if name == "retention" else "tier high" if name == "vip" else "tier potential"
            ),
            "action": ACTIONS[name],
        }
    log.info("sized %d actions over %d customers", len(rows), n)
    return pd.DataFrame.from_dict(rows, orient="index")

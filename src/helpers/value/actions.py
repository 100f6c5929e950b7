"""The CRM playbook, and sizing the case study's recommended actions from the value table.

:data:`PLAYBOOK` is the one list of advice: each :class:`Play` names the value tiers, RFM
segments or lifecycle stage it targets and the advice sentence. The per-tier advice of
:func:`helpers.value.segments.playbook_table` (:data:`TIER_ACTIONS`) and the case study's
actions (:data:`ACTIONS`) are both read from it, so the same advice has the same words.

The write-up (notebook 07) recommends four CRM actions; this module counts who each action
targets and what is at stake, from ``customer_value.parquet`` (notebook 04: segment, tier,
P(alive), 12-month CLV per customer) and, where notebook 03 wrote it, ``lifecycle.parquet``
(lifecycle stage per customer). Definitions (one place, quoted by the notebook):

- **retention**: active repeat buyers (tier high, medium or low) who are *slipping*: their own
  purchase model gives P(alive) below :attr:`RetentionAssumptions.slipping_below` (each
  customer's recency measured against their own purchase rate; no segment labels, so nothing
  circular). Their CLV already assumes that most of them are gone; what a campaign can add is
  the difference between retaining and not retaining them (:func:`retention_value`): CLV if
  alive − CLV = CLV × (1/P(alive) − 1) (exact for BG/NBD-type models, whose expected purchases
  are P(alive) × those of an alive customer), times an assumed success rate, minus the contact
  cost.
- **vip**: the high tier: count, CLV and share of all predicted CLV.
- **win_back**: lifecycle stage ``dormant`` (notebook 03) when available, else the segments
  ``hibernating`` and ``lost``; their summed CLV is the (small) value a win-back can unlock.
- **nurture**: tier ``potential`` (one purchase so far, not lost): candidates for a
  second-purchase offer. One-time buyers in tier ``lost`` are not targeted.
  (vip and nurture are the tier advice for ``high`` and ``potential`` themselves.)
"""

from __future__ import annotations

import logging
import operator
from dataclasses import dataclass
from functools import reduce

import pandas as pd

from helpers.data.schema import require_columns
from helpers.value.clv import find_clv_column

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class RetentionAssumptions:
    """The stated assumptions that size the retention campaign (parameters of notebook 07).

    Attributes
    ----------
    slipping_below
        A repeat buyer with P(alive) below this is slipping (targeted).
    success_rate
        Share of the targeted customers the campaign brings back to active (an assumption to
        be measured with a randomised control group, not an estimate).
    contact_cost
        Cost per contacted customer, in the data's currency.
    """

    slipping_below: float = 0.5
    success_rate: float = 0.1
    contact_cost: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.slipping_below <= 1:
            raise ValueError(f"slipping_below must be in (0, 1], got {self.slipping_below}")
        if not 0 <= self.success_rate <= 1:
            raise ValueError(f"success_rate must be in [0, 1], got {self.success_rate}")
        if not self.contact_cost >= 0:
            raise ValueError(f"contact_cost must be >= 0, got {self.contact_cost}")


@dataclass(frozen=True)
class Play:
    """One action of the playbook: whom it targets and what to do.

    A customer is targeted when their tier is in ``tiers`` and their segment in ``segments``
    (an empty tuple matches any); when lifecycle stages are known and ``stage`` is set, the
    stage replaces the segment test; ``slipping`` adds P(alive) below
    :attr:`RetentionAssumptions.slipping_below`.
    """

    advice: str
    tiers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    stage: str | None = None
    slipping: bool = False


PLAYBOOK: dict[str, Play] = {
    "vip": Play(
        "VIP treatment for the high tier: account manager, early access, no discounts",
        tiers=("high",),
    ),
    "grow": Play(
        "Grow: cross-sell bundles and volume offers to lift order frequency", tiers=("medium",)
    ),
    "maintain": Play(
        "Maintain cheaply: automated e-mail only, low-cost reactivation tests", tiers=("low",)
    ),
    "nurture": Play(
        "second-purchase offer for recent one-time buyers (potential tier)",
        tiers=("potential",),
    ),
    "let_go": Play(
        "Let go: no paid contact, newsletter only (a lost customer who buys again is re-tiered)",
        tiers=("lost",),
    ),
    "retention": Play(
        "retention campaign for slipping repeat buyers, largest gain from retaining first",
        tiers=("high", "medium", "low"),
        slipping=True,
    ),
    "win_back": Play(
        "win-back offer for dormant customers, one message then stop",
        segments=("hibernating", "lost"),
        stage="dormant",
    ),
}
"""Every action, by name (budget falls from vip to maintain)."""

CASE_STUDY_ACTIONS: tuple[str, ...] = ("retention", "vip", "win_back", "nurture")
"""The four actions the case study (notebook 07) recommends and sizes."""

ACTIONS: dict[str, str] = {name: PLAYBOOK[name].advice for name in CASE_STUDY_ACTIONS}
"""Advice per case-study action (from :data:`PLAYBOOK`)."""

TIER_ACTIONS: dict[str, str] = {
    p.tiers[0]: p.advice
    for p in PLAYBOOK.values()
    if len(p.tiers) == 1 and not p.segments and p.stage is None
}
"""Advice per value tier, high to lost (the plays that target one whole tier)."""


def play_basis(play: Play, lifecycle: bool = False,
               assumptions: RetentionAssumptions | None = None) -> str:
    """Whom ``play`` targets, in words (``lifecycle``: stages are known).

    Examples
    --------
    >>> play_basis(PLAYBOOK["retention"])
    'P(alive) below 50%; tier high/medium/low'
    """
    if lifecycle and play.stage is not None:
        return f"lifecycle stage {play.stage}"
    parts = []
    if play.slipping:
        below = (assumptions or RetentionAssumptions()).slipping_below
        parts.append(f"P(alive) below {below:.0%}")
    if play.segments:
        parts.append("segments " + ", ".join(play.segments))
    if play.tiers:
        parts.append("tier " + "/".join(play.tiers))
    return "; ".join(parts) or "all customers"


def action_targets(
    values: pd.DataFrame, lifecycle: pd.DataFrame | None = None,
    assumptions: RetentionAssumptions | None = None,
) -> dict[str, pd.Series]:
    """Boolean masks (indexed like ``values``) of the customers each action targets.

    Parameters
    ----------
    values
        Per-customer table with ``customer_id``, ``segment``, ``tier`` and a CLV column (GBP,
        ``clv_12m`` or the like: :func:`helpers.value.clv.find_clv_column`).
    lifecycle
        Optional table with ``customer_id`` and ``stage``; without it win-back falls back to
        the RFM segments ``hibernating`` and ``lost``.
    assumptions
        Retention assumptions (default :class:`RetentionAssumptions`); retention needs a
        ``p_alive`` column.
    """
    assumptions = assumptions or RetentionAssumptions()
    require_columns(values, ("customer_id", "segment", "tier", "p_alive"), "action_targets(values)")
    find_clv_column(values)
    if values["customer_id"].duplicated().any():
        raise ValueError("action_targets: customer_id is duplicated in values")
    seg, tier = values["segment"].astype(str), values["tier"].astype(str)
    stage = None
    if lifecycle is not None:
        require_columns(lifecycle, ("customer_id", "stage"), "action_targets(lifecycle)")
        stage = values["customer_id"].map(lifecycle.set_index("customer_id")["stage"]).astype(str)
    masks = {}
    for name in CASE_STUDY_ACTIONS:
        play = PLAYBOOK[name]
        tests = [tier.isin(play.tiers)] if play.tiers else []
        if stage is not None and play.stage is not None:
            tests.append(stage.eq(play.stage))
        elif play.segments:
            tests.append(seg.isin(play.segments))
        if play.slipping:
            tests.append(values["p_alive"].astype(float) < assumptions.slipping_below)
        masks[name] = reduce(operator.and_, tests, pd.Series(True, index=values.index))
    return masks


def size_actions(values: pd.DataFrame, lifecycle: pd.DataFrame | None = None,
                 assumptions: RetentionAssumptions | None = None) -> pd.DataFrame:
    """One row per action: customers targeted, their summed CLV (GBP) and its share.

    Returns a frame indexed by action name with ``n_customers``, ``share_customers``,
    ``<clv column>_amt`` (``clv_12m_amt`` for a ``clv_12m`` column), ``share_clv``,
    ``mean_p_alive`` (if ``p_alive`` is present), ``basis``
    and ``action`` (the wording of :data:`ACTIONS`).

    Examples
    --------
    Two of four customers are high tier with CLV 100 and 50 of a total 200: vip has
    n_customers 2, clv_12m_amt 150, share_clv 0.75.
    """
    masks = action_targets(values, lifecycle, assumptions)
    clv_col = find_clv_column(values)
    total_clv = float(values[clv_col].sum())
    n = len(values)
    rows = {}
    for name in CASE_STUDY_ACTIONS:
        m = masks[name]
        sub = values[m]
        clv = float(sub[clv_col].sum())
        rows[name] = {
            "n_customers": int(m.sum()),
            "share_customers": float(m.sum() / n) if n else 0.0,
            f"{clv_col}_amt": clv,
            "share_clv": clv / total_clv if total_clv else 0.0,
            "mean_p_alive": float(sub["p_alive"].mean()) if "p_alive" in sub and len(sub) else None,
            "basis": play_basis(PLAYBOOK[name], lifecycle is not None, assumptions),
            "action": ACTIONS[name],
        }
    log.info("sized %d actions over %d customers", len(rows), n)
    return pd.DataFrame.from_dict(rows, orient="index")


def retention_value(values: pd.DataFrame, assumptions: RetentionAssumptions | None = None,
                    lifecycle: pd.DataFrame | None = None) -> dict[str, float]:
    """What the retention campaign can add: retaining vs not retaining its targets.

    For each target, CLV if alive = CLV / P(alive) and the gain from retaining = CLV if alive −
    CLV (the status-quo CLV already counts the chance that the customer is gone). Returns
    ``n_customers``, ``clv_status_quo_amt`` (Σ CLV), ``gain_if_all_retained_amt`` (Σ gain),
    ``expected_gain_amt`` (success rate × Σ gain), ``contact_cost_amt`` (cost × n),
    ``net_gain_amt`` (expected gain − contact cost), ``break_even_success_rate``
    (contact cost / Σ gain; None when Σ gain is 0) and the assumptions.

    Examples
    --------
    Two targets with CLV 20 and 30 and P(alive) 0.2 and 0.5: gains 80 and 30, Σ 110; with
    success rate 0.1 and contact cost 2: expected 11, cost 4, net 7, break-even 4/110.
    """
    a = assumptions or RetentionAssumptions()
    target = action_targets(values, lifecycle, a)["retention"]
    clv_col = find_clv_column(values)
    sub = values.loc[target, [clv_col, "p_alive"]].astype(float)
    if (sub["p_alive"] <= 0).any():
        raise ValueError("retention_value: p_alive must be > 0 for targeted customers "
                         "(a CLV model gives a positive probability of being alive)")
    clv_now = float(sub[clv_col].sum())
    gain = float((sub[clv_col] / sub["p_alive"] - sub[clv_col]).sum())
    cost = a.contact_cost * int(target.sum())
    expected = a.success_rate * gain
    return {
        "n_customers": int(target.sum()),
        "clv_status_quo_amt": clv_now,
        "gain_if_all_retained_amt": gain,
        "expected_gain_amt": expected,
        "contact_cost_amt": cost,
        "net_gain_amt": expected - cost,
        "break_even_success_rate": cost / gain if gain > 0 else None,
        "slipping_below": a.slipping_below,
        "success_rate": a.success_rate,
        "contact_cost": a.contact_cost,
    }

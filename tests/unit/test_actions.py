"""Action sizing for the case study, on a five-customer table worked by hand."""

import pandas as pd
import pytest

from helpers.value import actions

VALUES = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4, 5],
        "segment": ["champions", "at_risk", "cant_lose", "hibernating", "new"],
        "tier": ["high", "high", "low", "low", "potential"],
        "clv_12m": [100.0, 50.0, 30.0, 15.0, 5.0],  # total 200
        "p_alive": [0.9, 0.5, 0.4, 0.2, 1.0],
    }
)


def test_size_actions_by_hand():
    t = actions.size_actions(VALUES)
    # retention: declining segment AND tier high/medium -> only customer 2 (3 is low tier)
    assert t.loc["retention", "n_customers"] == 1
    assert t.loc["retention", "clv_12m_gbp"] == 50.0
    assert t.loc["retention", "share_clv"] == pytest.approx(50 / 200)
    assert t.loc["retention", "mean_p_alive"] == pytest.approx(0.5)
    # vip: tier high -> customers 1, 2: CLV 150 of 200
    assert t.loc["vip", "n_customers"] == 2
    assert t.loc["vip", "share_clv"] == pytest.approx(0.75)
    assert t.loc["vip", "share_customers"] == pytest.approx(0.4)
    # win-back without lifecycle: segments hibernating/lost -> customer 4
    assert t.loc["win_back", "n_customers"] == 1
    assert t.loc["win_back", "clv_12m_gbp"] == 15.0
    assert t.loc["win_back", "basis"] == "segments hibernating, lost"
    # nurture: tier potential -> customer 5
    assert t.loc["nurture", "clv_12m_gbp"] == 5.0


def test_win_back_uses_lifecycle_when_given():
    life = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                         "stage": ["active", "dormant", "dormant", "churned", "new"]})
    t = actions.size_actions(VALUES, life)
    # dormant: customers 2 and 3 -> CLV 50 + 30 = 80
    assert t.loc["win_back", "n_customers"] == 2
    assert t.loc["win_back", "clv_12m_gbp"] == 80.0
    assert t.loc["win_back", "basis"] == "lifecycle stage dormant"


def test_missing_column_and_duplicates_are_refused():
    with pytest.raises(ValueError, match="clv_12m"):
        actions.size_actions(VALUES.drop(columns="clv_12m"))
    with pytest.raises(ValueError, match="duplicated"):
        actions.action_targets(pd.concat([VALUES, VALUES.iloc[:1]]))
    with pytest.raises(ValueError, match="stage"):
        actions.action_targets(VALUES, pd.DataFrame({"customer_id": [1]}))

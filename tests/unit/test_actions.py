"""Action sizing for the case study, on a five-customer table worked by hand."""

import pandas as pd
import pytest

from helpers.value import actions

VALUES = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4, 5],
        "segment": ["champions", "at_risk", "cant_lose", "hibernating", "new"],
        "tier": ["high", "high", "low", "lost", "potential"],
        "clv_12m": [100.0, 50.0, 30.0, 15.0, 5.0],  # total 200
        "p_alive": [0.9, 0.45, 0.4, 0.2, 1.0],
    }
)


def test_size_actions_by_hand():
    t = actions.size_actions(VALUES)
    # retention: P(alive) < 0.5 AND tier high/medium/low -> customers 2 and 3 (4 is lost)
    assert t.loc["retention", "n_customers"] == 2
    assert t.loc["retention", "clv_12m_amt"] == 80.0
    assert t.loc["retention", "share_clv"] == pytest.approx(80 / 200)
    assert t.loc["retention", "mean_p_alive"] == pytest.approx(0.425)
    assert t.loc["retention", "basis"] == "P(alive) below 50%; tier high/medium/low"
    # vip: tier high -> customers 1, 2: CLV 150 of 200
    assert t.loc["vip", "n_customers"] == 2
    assert t.loc["vip", "share_clv"] == pytest.approx(0.75)
    assert t.loc["vip", "share_customers"] == pytest.approx(0.4)
    # win-back without lifecycle: segments hibernating/lost -> customer 4
    assert t.loc["win_back", "n_customers"] == 1
    assert t.loc["win_back", "clv_12m_amt"] == 15.0
    assert t.loc["win_back", "basis"] == "segments hibernating, lost"
    # nurture: tier potential -> customer 5
    assert t.loc["nurture", "clv_12m_amt"] == 5.0


def test_retention_threshold_is_strict_and_a_parameter():
    # customer 2 has P(alive) 0.45: below 0.5, not below 0.45
    a = actions.RetentionAssumptions(slipping_below=0.45)
    t = actions.size_actions(VALUES, assumptions=a)
    assert t.loc["retention", "n_customers"] == 1 and t.loc["retention", "clv_12m_amt"] == 30.0
    assert t.loc["retention", "basis"].startswith("P(alive) below 45%")
    # 0.46 takes customer 2 in again
    a = actions.RetentionAssumptions(slipping_below=0.46)
    assert actions.size_actions(VALUES, assumptions=a).loc["retention", "n_customers"] == 2


def test_retention_value_by_hand():
    # targets 2 (CLV 50, P(alive) 0.45) and 3 (CLV 30, P(alive) 0.4):
    # if alive 50/0.45 = 111.11 and 30/0.4 = 75 -> gains 61.11 + 45 = 106.11
    a = actions.RetentionAssumptions(slipping_below=0.5, success_rate=0.2, contact_cost=3.0)
    v = actions.retention_value(VALUES, a)
    assert v["n_customers"] == 2
    assert v["clv_status_quo_amt"] == pytest.approx(80.0)
    assert v["gain_if_all_retained_amt"] == pytest.approx(50 / 0.45 - 50 + 45, rel=1e-12)
    assert v["expected_gain_amt"] == pytest.approx(0.2 * (50 / 0.45 - 50 + 45), rel=1e-12)
    assert v["contact_cost_amt"] == pytest.approx(6.0)
    assert v["net_gain_amt"] == pytest.approx(0.2 * (50 / 0.45 - 50 + 45) - 6.0, rel=1e-12)
    assert v["break_even_success_rate"] == pytest.approx(6.0 / (50 / 0.45 - 50 + 45), rel=1e-12)
    # nobody slipping: no gain, no break-even rate
    none = actions.retention_value(VALUES.assign(p_alive=0.99))
    assert none["n_customers"] == 0 and none["gain_if_all_retained_amt"] == 0.0
    assert none["break_even_success_rate"] is None


def test_retention_assumptions_are_checked():
    for bad in ({"slipping_below": 0.0}, {"slipping_below": 1.5}, {"success_rate": -0.1},
                {"success_rate": 1.1}, {"contact_cost": -1.0}, {"contact_cost": float("nan")}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            actions.RetentionAssumptions(**bad)
    with pytest.raises(ValueError, match="p_alive must be > 0"):
        actions.retention_value(VALUES.assign(p_alive=[0.9, 0.0, 0.4, 0.2, 1.0]))


def test_win_back_uses_lifecycle_when_given():
    life = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                         "stage": ["active", "dormant", "dormant", "churned", "new"]})
    t = actions.size_actions(VALUES, life)
    # dormant: customers 2 and 3 -> CLV 50 + 30 = 80
    assert t.loc["win_back", "n_customers"] == 2
    assert t.loc["win_back", "clv_12m_amt"] == 80.0
    assert t.loc["win_back", "basis"] == "lifecycle stage dormant"


def test_missing_column_and_duplicates_are_refused():
    with pytest.raises(ValueError, match="clv_12m"):
        actions.size_actions(VALUES.drop(columns="clv_12m"))
    with pytest.raises(ValueError, match="duplicated"):
        actions.action_targets(pd.concat([VALUES, VALUES.iloc[:1]]))
    with pytest.raises(ValueError, match="stage"):
        actions.action_targets(VALUES, pd.DataFrame({"customer_id": [1]}))


def test_playbook_gives_tier_advice_and_case_study_actions_the_same_words():
    # the case-study action for a whole tier is the tier advice, word for word
    assert actions.ACTIONS["vip"] == actions.TIER_ACTIONS["high"]
    assert actions.ACTIONS["nurture"] == actions.TIER_ACTIONS["potential"]
    assert actions.TIER_ACTIONS["lost"] == actions.PLAYBOOK["let_go"].advice
    assert list(actions.ACTIONS) == list(actions.CASE_STUDY_ACTIONS)
    assert all(actions.ACTIONS[n] == actions.PLAYBOOK[n].advice for n in actions.ACTIONS)
    # size_actions shows the playbook's words
    t = actions.size_actions(VALUES)
    assert t.loc["vip", "action"] == actions.PLAYBOOK["vip"].advice


def test_playbook_targets_known_tiers_and_segments():
    from helpers.value import rfm, segments

    assert list(actions.TIER_ACTIONS) == list(segments.TIERS)
    for play in actions.PLAYBOOK.values():
        assert set(play.tiers) <= set(segments.TIERS)
        assert set(play.segments) <= set(rfm.SEGMENTS)


def test_play_basis_words():
    assert actions.play_basis(actions.PLAYBOOK["vip"]) == "tier high"
    assert actions.play_basis(actions.PLAYBOOK["win_back"]) == "segments hibernating, lost"
    assert actions.play_basis(actions.PLAYBOOK["win_back"], True) == "lifecycle stage dormant"
    assert actions.play_basis(actions.Play("x")) == "all customers"


def test_size_actions_names_its_value_column_after_the_horizon() -> None:
    t = actions.size_actions(VALUES.rename(columns={"clv_12m": "clv_8w"}))
    assert "clv_8w_amt" in t.columns and "clv_12m_amt" not in t.columns
    assert t["clv_8w_amt"].tolist() == actions.size_actions(VALUES)["clv_12m_amt"].tolist()

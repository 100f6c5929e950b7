"""Association rules on a five-basket example worked by hand."""

import pandas as pd
import pytest

from helpers.analysis import baskets

# baskets: 1 {A,B}, 2 {A,B,C}, 3 {A,C}, 4 {B}, 5 {A,B}
LINES = pd.DataFrame({
    "order_id": ["1", "1", "2", "2", "2", "3", "3", "4", "5", "5", "5"],
    "product_id": ["A", "B", "A", "B", "C", "A", "C", "B", "A", "B", "B"],  # dup line in 5
})


def test_rules_by_hand():
    r = baskets.association_rules(LINES, min_support=0.2, min_confidence=0.0, min_lift=0.0)
    ab = r[(r.antecedent == "A") & (r.consequent == "B")].iloc[0]
    # supp(A) = 4/5, supp(B) = 4/5, supp(A,B) = 3/5; conf(A->B) = 3/4; lift = 0.75/0.8
    assert ab["support"] == pytest.approx(0.6)
    assert ab["confidence"] == pytest.approx(0.75)
    assert ab["lift"] == pytest.approx(0.9375)
    ca = r[(r.antecedent == "C") & (r.consequent == "A")].iloc[0]
    # supp(C) = 2/5, supp(A,C) = 2/5: conf(C->A) = 1, lift = 1 / 0.8 = 1.25
    assert (ca["confidence"], ca["lift"]) == (pytest.approx(1.0), pytest.approx(1.25))
    assert r.iloc[0]["lift"] == pytest.approx(1.25)  # sorted by lift


def test_thresholds_prune():
    r = baskets.association_rules(LINES, min_support=0.2, min_confidence=0.0, min_lift=1.0)
    # lift >= 1: A<->C (1.25 both ways); B-C: supp 1/5, conf(C->B) = 0.5, lift 0.625 -> out
    assert set(zip(r.antecedent, r.consequent, strict=True)) == {("A", "C"), ("C", "A")}
    r = baskets.association_rules(LINES, min_support=0.5, min_confidence=0.0, min_lift=0.0)
    # C (support 0.4) is not frequent at 0.5
    assert set(r.antecedent) | set(r.consequent) == {"A", "B"}


def test_pairs_recovered_and_errors():
    r = baskets.association_rules(LINES, min_support=0.2, min_confidence=0.0, min_lift=1.0)
    rec = baskets.pairs_recovered(r, [("C", "A"), ("A", "B")])
    assert rec["found"].tolist() == [True, False]
    with pytest.raises(ValueError, match="min_support"):
        baskets.association_rules(LINES, min_support=0)
    with pytest.raises(ValueError, match="order_id"):
        baskets.basket_matrix(LINES.drop(columns="order_id"), 0.1)
    with pytest.raises(ValueError, match="lift"):
        baskets.pairs_recovered(r.drop(columns="lift"), [("A", "B")])

"""Tests of the synthetic CRM's randomised retention campaign (``retention_share > 0``).

Stated tolerances:
- Campaign off (the default, or ``retention_share=0``): every written file byte-identical to the
  output before the campaign existed (sha256 pinned below for two seeds and sizes).
- Campaign on: customers, interactions, feedback and opportunities byte-identical to the run
  without it; control customers' order times unchanged.
- The planted mean uplift (purchase in the window, and revenue) lies inside the 95 % bootstrap
  interval of the randomised difference in means.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from helpers import synth
from helpers.models import uplift

START, END = "2010-01-01", "2011-06-30"
ON = {"retention_share": 0.5}

# sha256 of write_synthetic's files as generated before the retention campaign was added (the
# pyarrow of the project's lock; a pyarrow upgrade that changes the Parquet bytes changes these).
# opportunities.parquet and ground_truth.json re-pinned for issue 20: opportunities gained stage
# timestamps, lead source and channel (which shift pass probabilities), reps of unequal
# workload and per-stage durations; ground_truth.json records them (funnel_detail, config).
# interactions.parquet, feedback.parquet and ground_truth.json re-pinned for issue 20
# (satisfaction): service tickets (kinds ticket / complaint, with response_hours) drawn from
# their own stream, their planted shifts of CSAT and NPS, and satisfaction_drivers / config in
# the truth; transactions, customers and opportunities are unchanged.
PINNED = {
    (600, 7, START, END): {
        "customers.parquet": "649c9bbeaf92586dd1edce26c1c3b3f4b38f38a252949f073ca3e4e0b19ddc05",
        "feedback.parquet": "dea189cda1060b5fbdde8b470d7eaa0a00aa6103fef07d6fb503fd20d5ddb15b",
        "ground_truth.json": "2f2a2854c0cbdb6e8b8d322aa9d16d52d4f6b7856b4f3ed81b684b2bf2b3ed8e",
        "ground_truth_customers.parquet":
            "554e1b4878c6df3decfff25d6047d064b4409e5b6f54c362857eeab331e01b91",
        "interactions.parquet": "e0da3bd5e93ee535c17b3afb8943deb0bc20a02c53abb0f14b0f328fa0786e5e",
        "opportunities.parquet":
            "6a95ffe9b8b12ac13556ea916b7272159711d3f7ce9e6865967f55cb9a844393",
        "transactions.parquet": "d8ac21f121f9948516248c18a4fa2caf0d086d8ed71f80b39f15cd4142b4fcc2",
    },
    (2500, 123, "2009-12-01", "2011-12-09"): {
        "customers.parquet": "41f89ed68c1e978c0880293ad428fdbac41e7081fa701fb157b81a64ed3fc334",
        "feedback.parquet": "72955257482fb8eecf62f4c09e226cbde03b310ada5dd04aea5138b8c678225b",
        "ground_truth.json": "5b5a18eb56646fd1e7fc64f2072d0572f63e4aa0ee80c19b78d6596c5fbee69a",
        "ground_truth_customers.parquet":
            "8828aa6450fb435455d4d06c407c05e3321b8af0fd30f7521df2ba0414cb3269",
        "interactions.parquet": "b3073ecb44ab2a78583608b238dc572220f481a653070efa52053b628399e2bb",
        "opportunities.parquet":
            "91441a78cadc8a616b30fb4baae3f9413a50a1572d2a25dacdc1b2f28f7471f9",
        "transactions.parquet": "7dfc2e0a67f475c5fa929cbba2769c125d2512b8e86ab39cb8c6f5668b7976ff",
    },
}


def _hashes(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def pair():
    """The same CRM without and with the campaign."""
    return (synth.simulate_crm(1500, START, END, seed=11),
            synth.simulate_crm(1500, START, END, seed=11, **ON))


@pytest.fixture(scope="module")
def big():
    return synth.simulate_crm(4000, "2009-12-01", "2011-12-09", seed=2024, **ON)


# ----------------------------------------------------------------------------- campaign off


@pytest.mark.parametrize("key", sorted(PINNED))
@pytest.mark.parametrize("extra", [{}, {"retention_share": 0.0}])
def test_campaign_off_is_byte_identical_to_before(key, extra, tmp_path):
    n, seed, start, end = key
    crm = synth.simulate_crm(n, start, end, seed=seed, **extra)
    assert crm.campaign is None
    synth.write_synthetic(crm, tmp_path)
    assert _hashes(tmp_path) == PINNED[key]


# ----------------------------------------------------------------------------- campaign on


def test_campaign_on_leaves_the_other_tables_identical(pair, tmp_path):
    off, on = pair
    synth.write_synthetic(off, tmp_path / "off")
    synth.write_synthetic(on, tmp_path / "on")
    a, b = _hashes(tmp_path / "off"), _hashes(tmp_path / "on")
    assert set(b) - set(a) == {"campaign.parquet"}
    for name in ("customers", "interactions", "feedback", "opportunities"):
        assert a[f"{name}.parquet"] == b[f"{name}.parquet"], name
    assert a["transactions.parquet"] != b["transactions.parquet"]
    gt_off, gt_on = off.ground_truth_customers, on.ground_truth_customers
    pd.testing.assert_frame_equal(gt_on[gt_off.columns], gt_off)
    assert set(gt_on.columns) - set(gt_off.columns) == {
        "campaign_eligible", "true_sleeping_dog", "true_p_purchase_control",
        "true_p_purchase_treated", "true_uplift_purchase", "true_expected_revenue_control_amt",
        "true_uplift_revenue_amt"}
    t_off = {k: v for k, v in off.truth.items() if k != "config"}
    t_on = {k: v for k, v in on.truth.items() if k not in ("config", "retention_campaign")}
    t_on["dirt_counts"], t_off["dirt_counts"] = None, None  # the lines differ
    assert t_on == t_off
    assert {k: v for k, v in on.truth["config"].items() if not k.startswith("retention_")} == \
        off.truth["config"]


def _sales(crm):
    tx = crm.transactions
    keep = (tx["source_customer_id"].notna() & ~tx["invoice"].str.startswith("C")
            & ~tx["stock_code"].isin(["POST", "M"]))
    return tx[keep]


def test_control_customers_keep_their_order_times(pair):
    # order times (not lines: order values, hence lines per order, are drawn after the campaign)
    off, on = pair
    ctrl = set(on.campaign.loc[~on.campaign["treated"], "source_customer_id"])
    ineligible = set(on.customers["source_customer_id"]) - set(on.campaign["source_customer_id"])

    def times(crm, who):
        s = _sales(crm)
        s = s[s["source_customer_id"].isin(who)]
        return sorted(set(zip(s["source_customer_id"], s["invoice_ts"], strict=True)))

    assert times(on, ctrl | ineligible) == times(off, ctrl | ineligible)
    assert len(times(on, ctrl)) > 0


def test_campaign_table_matches_the_transactions(pair):
    _, on = pair
    cp = on.campaign
    assert cp["campaign_ts"].nunique() == 1
    c0, c1 = cp["campaign_ts"].iloc[0], cp["outcome_end_ts"].iloc[0]
    # 26 weeks before the exclusive end, a 13-week window
    assert c0 == pd.Timestamp(END) + pd.Timedelta(days=1) - pd.Timedelta(weeks=26)
    assert c1 - c0 == pd.Timedelta(weeks=13)
    s = _sales(on)
    win = s[(s["invoice_ts"] >= c0) & (s["invoice_ts"] < c1)]
    n_inv = win.groupby("source_customer_id")["invoice"].nunique()
    got = n_inv.reindex(cp["source_customer_id"]).fillna(0).astype(int).to_numpy()
    np.testing.assert_array_equal(got, cp["orders_in_window"].to_numpy())
    np.testing.assert_array_equal(got > 0, cp["purchased_in_window"].to_numpy())
    # eligible = acquired before the campaign day; about half treated
    acq = on.customers.set_index("source_customer_id")["acquisition_ts"]
    assert (acq.loc[cp["source_customer_id"]] < c0).all()
    assert int((acq < c0).sum()) == len(cp)
    assert abs(cp["treated"].mean() - 0.5) < 4 * np.sqrt(0.25 / len(cp))
    assert ((cp["revenue_in_window_amt"] > 0) == cp["purchased_in_window"]).all()


def test_planted_uplift_by_group(big):
    gt = big.ground_truth_customers
    el = gt[gt["campaign_eligible"]]
    assert gt.loc[~gt["campaign_eligible"], "true_uplift_purchase"].isna().all()
    dogs = el["true_sleeping_dog"]
    assert (el.loc[dogs, "true_uplift_purchase"] <= 0).all()
    assert (el.loc[~dogs, "true_uplift_purchase"] >= 0).all()
    assert el.loc[dogs, "true_uplift_purchase"].mean() < -0.02
    # frequent customers who buy anyway: P0 near 1 leaves ~0 uplift
    sure = ~dogs & (el["true_p_purchase_control"] > 0.97)
    assert sure.sum() > 0 and el.loc[sure, "true_uplift_purchase"].max() < 0.35 * 0.03 + 1e-12
    # the uplift rises then falls with the purchase rate among those lapsed before the campaign
    dead = ~dogs & (el["true_p_purchase_control"] == 0)
    lam = el.loc[dead, "true_lambda_per_week"]
    q = el.loc[dead, "true_uplift_purchase"]
    terc = pd.qcut(lam, [0, 0.05, 0.5, 0.95, 1.0], labels=False)
    by = q.groupby(terc).mean()
    assert by[1] > by[0] and by[2] > by[3] - 0.05 and by[1] > by[3]


@pytest.mark.parametrize(("outcome", "truth"), [
    ("purchased_in_window", "true_uplift_purchase"),
    ("revenue_in_window_amt", "true_uplift_revenue_amt"),
])
def test_planted_mean_uplift_inside_the_randomised_interval(big, outcome, truth):
    cp = big.campaign.join(big.ground_truth_customers.set_index("source_customer_id"),
                           on="source_customer_id")
    est, lo, hi = uplift.randomised_difference(cp[outcome].astype(float), cp["treated"],
                                               n_boot=1000, seed=1)
    planted = cp[truth].mean()
    assert lo < planted < hi, (est, lo, hi, planted)
    assert lo > 0  # a real effect on average
    assert planted == pytest.approx(big.truth["retention_campaign"]["mean_true_uplift_purchase"]
                                    if truth == "true_uplift_purchase" else
                                    big.truth["retention_campaign"]
                                    ["mean_true_uplift_revenue_amt"])


def test_control_rate_matches_the_planted_baseline(big):
    cp = big.campaign.join(big.ground_truth_customers.set_index("source_customer_id"),
                           on="source_customer_id")
    for arm, col in ((False, "true_p_purchase_control"), (True, "true_p_purchase_treated")):
        g = cp[cp["treated"] == arm]
        y = g["purchased_in_window"].astype(float)
        se = np.sqrt((g[col] * (1 - g[col])).sum()) / len(g)  # independent Bernoullis
        assert abs(y.mean() - g[col].mean()) < 3 * se, (arm, y.mean(), g[col].mean(), se)


def test_campaign_is_deterministic(tmp_path):
    for d in ("a", "b"):
        synth.write_synthetic(synth.simulate_crm(400, START, END, seed=3, **ON), tmp_path / d)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert a == b and "campaign.parquet" in a


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"retention_share": 1.5}, "retention_share"),
    ({"retention_share": 0.5, "retention_weeks_before_end": 200.0}, "before the start"),
    ({"retention_window_weeks": 30.0}, "retention_"),
    ({"retention_lift_width": 0.0}, "retention_"),
])
def test_campaign_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synth.simulate_crm(50, START, END, seed=1, **kwargs)

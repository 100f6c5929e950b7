"""Tests of helpers.synth: determinism, schema validity through the pipeline, planted truth.

Stated tolerances (recovery tests):
- BG/NBD r, alpha, a, b fitted by ML (helpers.value.clv) on 20,000 customers without seasonality:
  each within ±15 % (relative) of the truth.
- Gamma-Gamma p, q, gamma on the same sample: each within ±15 %; population mean spend
  p*gamma/(q-1) within ±5 %.
- Planted association pairs: lift > 3 (lift = P(A and B) / (P(A) P(B)) over invoices).
- Funnel pass rates per rep and stage: within 3 binomial standard errors of the configured ones.
- CSAT: mean at least 0.2 points lower for customers who drop out than for those alive.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest

from helpers import synth
from helpers.data import cleaning, ingest, schema
from helpers.data.adapters import synthetic as adapter

START, END = "2010-01-01", "2011-06-30"


@pytest.fixture(scope="module")
def crm() -> synth.SyntheticCRM:
    return synth.simulate_crm(600, START, END, seed=7)


@pytest.fixture(scope="module")
def raw_dir(crm, tmp_path_factory):
    d = tmp_path_factory.mktemp("raw")
    synth.write_synthetic(crm, d)
    return d


def _hashes(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# ----------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(raw_dir, tmp_path):
    synth.write_synthetic(synth.simulate_crm(600, START, END, seed=7), tmp_path)
    a, b = _hashes(raw_dir), _hashes(tmp_path)
    assert sorted(a) == sorted(
        [f"{n}.parquet" for n in synth.RAW_FILES] + ["ground_truth.json"]
    )
    assert a == b


def test_different_seed_differs(raw_dir, tmp_path):
    synth.write_synthetic(synth.simulate_crm(600, START, END, seed=8), tmp_path)
    a, b = _hashes(raw_dir), _hashes(tmp_path)
    assert a["transactions.parquet"] != b["transactions.parquet"]
    assert a["ground_truth_customers.parquet"] != b["ground_truth_customers.parquet"]


# ----------------------------------------------------------------------------- schema / pipeline


def test_transactions_have_source_standard_columns(crm):
    want = {k: v for k, v in ingest.RAW_COLUMNS.items() if k not in ("source_file", "source_row")}
    tx = crm.transactions
    assert list(tx.columns) == list(want)
    assert {c: str(tx[c].dtype) for c in tx.columns} == want


def test_tables_pass_the_canonical_pipeline(raw_dir, crm):
    source = adapter.read(raw_dir)
    assert "email" not in source.customers.columns  # personal column dropped by the adapter
    assert "email" in crm.customers.columns
    result = cleaning.clean(source.lines)
    assert result.totals["reconciles"]
    rows = dict(zip(result.ledger["reason"], result.ledger["rows"], strict=True))
    for reason in ("kept_without_customer", "cancellation", "cancelled_original", "non_product",
                   "exact_duplicate", "non_positive_price"):
        assert rows[reason] > 0, reason
    tables = ingest.build_canonical(result.kept, source)
    for name in ("order_lines", "orders", "customers", "products", "interactions", "feedback",
                 "opportunities"):
        schema.validate(tables[name], name, source=f"synthetic {name}")
    assert not any(k.endswith("_unmatched") for k in tables)
    assert len(tables["customers"]) == 600
    gt = tables["ground_truth_customers"]
    assert gt["customer_id"].notna().all() and len(gt) == 600
    # demographic columns made it into the canonical customers table
    for col in ("age_band", "gender", "region", "income_band", "acquisition_channel",
                "acquisition_ts"):
        assert tables["customers"][col].notna().all(), col


def test_dirt_rates_and_counts_are_recorded(crm):
    t = crm.truth
    assert set(t["dirt_rates"]) >= {"cancel_order_rate", "guest_order_share", "postage_rate_uk",
                                    "duplicate_line_rate"}
    assert t["dirt_counts"]["raw_lines"] == len(crm.transactions)
    tx = crm.transactions
    assert int(tx["invoice"].str.startswith("C").sum()) == t["dirt_counts"]["cancellation_lines"]
    assert (tx.loc[tx["invoice"].str.startswith("C"), "quantity"] < 0).all()
    assert int(tx["source_customer_id"].isna().sum()) == t["dirt_counts"]["guest_lines"]


def test_product_categories_match_keyword_categoriser(crm):
    cats = pd.Series(crm.truth["product_categories"])
    desc = crm.transactions.drop_duplicates("stock_code").set_index("stock_code")["description"]
    got = ingest.categorise_by_keywords(desc.reindex(cats.index).astype("string"))
    assert (got.to_numpy() == cats.to_numpy()).all()


# ----------------------------------------------------------------------------- planted truth


def test_no_saturday_sales_and_a_q4_peak(crm):
    tx = crm.transactions
    sales = tx[~tx["invoice"].str.startswith("C")]
    assert (sales["invoice_ts"].dt.dayofweek != 5).all()
    assert (sales["invoice_ts"].dt.hour >= 8).all() and (sales["invoice_ts"].dt.hour < 19).all()
    by_q = sales[sales["invoice_ts"].dt.year == 2010].groupby(sales["invoice_ts"].dt.quarter)
    n = by_q.size()
    assert n[4] > 1.3 * n[2]  # intensity ratio at the defaults is about (1+0.4)/(1-0.4)


def test_dropout_is_the_last_purchase(crm):
    gt = crm.ground_truth_customers.set_index("source_customer_id")
    tx = crm.transactions
    sales = tx[tx["source_customer_id"].notna() & ~tx["invoice"].str.startswith("C")
               & ~tx["stock_code"].isin(["POST", "M"])]
    last = sales.groupby("source_customer_id")["invoice_ts"].max()
    first = sales.groupby("source_customer_id")["invoice_ts"].min()
    dead = gt[~gt["alive_at_end"]]
    assert dead["dropout_ts"].notna().all() and gt.loc[gt["alive_at_end"], "dropout_ts"].isna().all()
    assert (last.reindex(dead.index) == dead["dropout_ts"]).all()
    assert (first.reindex(gt.index) == gt["acquisition_ts"]).all()
    assert ((gt["true_expected_value_52w_amt"] > 0) == gt["alive_at_end"]).all()


def test_planted_association_pairs_have_high_lift():
    crm = synth.simulate_crm(1500, START, END, seed=3)
    tx = crm.transactions
    tx = tx[~tx["invoice"].str.startswith("C")]
    baskets = tx.groupby("invoice")["stock_code"].agg(set)
    n = len(baskets)
    for a, b in crm.truth["association_pairs"]:
        has_a = baskets.map(lambda s, a=a: a in s)
        has_b = baskets.map(lambda s, b=b: b in s)
        lift = (has_a & has_b).sum() * n / (has_a.sum() * has_b.sum())
        assert lift > 3, (a, b, lift)


def test_funnel_pass_rates_match_configured_within_3_se():
    crm = synth.simulate_crm(3000, START, END, seed=5, opp_customer_share=1.0,
                             opp_extra_mean=2.0)
    opp = crm.opportunities
    end_excl = pd.Timestamp(crm.truth["window"]["end_exclusive"])
    # every step takes at most 30 days, so deals created 121+ days before the end are closed
    opp = opp[opp["created_ts"] < end_excl - pd.Timedelta(days=121)]
    assert (opp["outcome"] != "open").all()
    stage = opp["furthest_stage"].map({s: i for i, s in enumerate(schema.FUNNEL_STAGES)})
    names = list(next(iter(crm.truth["funnel_pass_rates"].values())))
    for rep, rates in crm.truth["funnel_pass_rates"].items():
        s = stage[opp["rep_id"] == rep]
        for k, name in enumerate(names):
            tried, passed = int((s >= k).sum()), int((s >= k + 1).sum())
            p = rates[name]
            se = math.sqrt(p * (1 - p) / tried)
            assert abs(passed / tried - p) < 3 * se, (rep, name, passed, tried, p)
    won = crm.opportunities["outcome"] == "won"
    assert (crm.opportunities.loc[won, "furthest_stage"] == "won").all()


def test_csat_lower_for_customers_who_drop_out(crm):
    gt = crm.ground_truth_customers.set_index("source_customer_id")
    fb = crm.feedback.join(gt["alive_at_end"], on="source_customer_id")
    mean = fb.groupby("alive_at_end")[["csat", "nps"]].mean()
    assert mean.loc[True, "csat"] - mean.loc[False, "csat"] >= 0.2
    assert mean.loc[True, "nps"] > mean.loc[False, "nps"]
    assert fb["csat"].between(1, 5).all() and fb["nps"].between(0, 10).all()


def test_email_opens_lower_after_dropout(crm):
    it = crm.interactions
    gt = crm.ground_truth_customers.set_index("source_customer_id")
    sent = it[it["kind"] == "sent"].join(gt["dropout_ts"], on="source_customer_id")
    opened = it[it["kind"] == "opened"][["source_customer_id", "campaign_id"]].assign(o=1)
    sent = sent.merge(opened, on=["source_customer_id", "campaign_id"], how="left")
    dead = sent["dropout_ts"].notna() & (sent["dropout_ts"] < sent["interaction_ts"])
    rate = sent["o"].fillna(0).groupby(dead).mean()
    assert rate[False] > rate[True] + 0.15  # configured 0.35 vs 0.08


# ----------------------------------------------------------------------------- small functions


def test_expected_purchases_hand_worked():
    # lambda = 1 per week, p = 0.5, 2 weeks: (1 - exp(-0.5 * 1 * 2)) / 0.5 = 2 (1 - e^-1) = 1.2642
    got = synth.expected_purchases(np.array([1.0]), np.array([0.5]), 2.0)
    assert got[0] == pytest.approx(1.264241, abs=1e-6)
    # p -> 0: no drop-out, Poisson mean lambda * W = 0.1 * 52 = 5.2
    assert synth.expected_purchases(np.array([0.1]), np.array([1e-12]), 52.0)[0] == pytest.approx(
        5.2, rel=1e-6)


def test_seasonal_intensity_hand_worked():
    cfg = synth.SynthConfig(seasonal_amplitude=0.0, weekday_weights=(1, 1, 1, 1, 1, 0, 1))
    days = pd.date_range("2010-01-04", periods=7, freq="D")  # Monday .. Sunday
    # weights normalised to mean 1: 7 / 6 on open days, 0 on Saturday
    np.testing.assert_allclose(synth.seasonal_intensity(days, cfg),
                               [7 / 6] * 5 + [0.0] + [7 / 6])
    cfg = synth.SynthConfig(seasonal_amplitude=0.5, peak_day_of_year=320)
    year = pd.date_range("2010-01-01", periods=365, freq="D")
    s = synth.seasonal_intensity(year, cfg)
    assert s.mean() == pytest.approx(1.0, abs=0.01)
    assert year[np.argmax(s)].month == 11


def test_rep_pass_rates():
    reps, rates = synth.rep_pass_rates(synth.SynthConfig(rep_skill_spread=0.0, n_reps=3))
    assert reps == ["R01", "R02", "R03"]
    np.testing.assert_allclose(rates, [[0.6, 0.55, 0.6, 0.5]] * 3)
    _, rates = synth.rep_pass_rates(synth.SynthConfig(n_reps=2, rep_skill_spread=1.0))
    # logistic(logit(0.5) + 1) = 1 / (1 + e^-1) = 0.731059 for the better rep at the last stage
    assert rates[1, 3] == pytest.approx(0.731059, abs=1e-6)
    assert rates[0, 3] == pytest.approx(1 - 0.731059, abs=1e-6)


def test_make_catalogue_unique_and_priced():
    cat = synth.make_catalogue(300, np.random.default_rng(0))
    assert cat["stock_code"].is_unique and cat["description"].is_unique
    assert (cat["price_amt"] >= 0.10).all()
    assert cat["popularity"].sum() == pytest.approx(1.0)


def test_n_customers_for_lines_hits_the_target():
    n = synth.n_customers_for_lines(40_000, START, END)
    lines = len(synth.simulate_crm(n, START, END, seed=11).transactions)
    assert abs(lines / 40_000 - 1) < 0.15


# ----------------------------------------------------------------------------- failure modes


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_customers": 0}, "n_customers"),
        ({"end": "2009-12-05"}, "shorter than 14 days"),
        ({"start": "not a date"}, "not dates"),
        ({"colour": "red"}, "unknown config key"),
        ({"cancel_order_rate": 1.5}, "cancel_order_rate"),
        ({"stage_pass_rates": (0.5, 0.5)}, "stage_pass_rates"),
        ({"r": -1.0}, "SynthConfig.r"),
    ],
)
def test_simulate_crm_rejects_bad_input(kwargs, match):
    args = {"n_customers": 10, "start": "2010-01-01", "end": "2010-12-31", "seed": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        synth.simulate_crm(**args)


def test_write_synthetic_rejects_other_objects(tmp_path):
    with pytest.raises(ValueError, match="SyntheticCRM"):
        synth.write_synthetic({"transactions": pd.DataFrame()}, tmp_path)


def test_n_customers_for_lines_rejects_non_positive():
    with pytest.raises(ValueError, match="target_lines"):
        synth.n_customers_for_lines(0)


def test_make_catalogue_rejects_too_many_products():
    with pytest.raises(ValueError, match="n_products"):
        synth.make_catalogue(100_000, np.random.default_rng(0))


# ----------------------------------------------------------------------------- recovery (slow)


@pytest.mark.slow
def test_bgnbd_and_gamma_gamma_recover_the_truth():
    from helpers.value import clv

    clean = {"cancel_order_rate": 0.0, "duplicate_line_rate": 0.0, "free_sample_rate": 0.0,
             "guest_order_share": 0.0, "seasonal_amplitude": 0.0}
    crm = synth.simulate_crm(20_000, "2009-12-01", "2011-12-09", seed=2024, **clean)
    tx = crm.transactions
    tx = tx[~tx["stock_code"].isin(["POST", "M"])]
    lines = pd.DataFrame({
        "customer_id": tx["source_customer_id"].astype("int64"),
        "order_id": tx["invoice"],
        "order_ts": tx["invoice_ts"],
        "revenue_amt": tx["quantity"] * tx["unit_price"],
    })
    s = clv.summarise_transactions(lines, crm.truth["window"]["end_exclusive"], "W")
    bg = clv.fit_bgnbd(s["frequency"], s["recency"], s["T"])
    truth = crm.truth["bgnbd"]
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bg, name) == pytest.approx(truth[name], rel=0.15), name
    gg = clv.fit_gamma_gamma(s["frequency"], s["monetary_value"])
    t = crm.truth["gamma_gamma"]
    for name in ("p", "q", "gamma"):
        assert getattr(gg, name) == pytest.approx(t[name], rel=0.15), name
    assert gg.p * gg.gamma / (gg.q - 1) == pytest.approx(t["p"] * t["gamma"] / (t["q"] - 1),
                                                          rel=0.05)

"""The gallery of fake exports (examples/gallery/): each export is written by make_gallery.py,
read through its committed mapping by the package's own custom adapter, and cleaned; the line
count, currency and the ledger's reconciliation are checked. Also the runner's bookkeeping
(scripts/run_gallery.py) on made-up results, without running make."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import cleaning
from helpers.data.adapters import custom
from helpers.data.mapping import load_mapping

ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "examples" / "gallery"
TODAY = pd.Timestamp("2025-01-31")
EXPECT = {
    # name: (currency, has country column, has customer attributes)
    "european": ("EUR", True, True),
    "single_country_product": ("SEK", True, True),
    "one_year_no_attributes": ("GBP", False, False),
    "b2b_few_large": ("USD", True, True),
}


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gallery(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    out = tmp_path_factory.mktemp("gallery")
    subprocess.run(
        [sys.executable, str(GALLERY / "make_gallery.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    manifest = {m["name"]: m for m in json.loads((out / "manifest.json").read_text())}
    return out, manifest


@pytest.fixture(scope="module")
def sources(gallery) -> dict:
    out, _ = gallery
    return {n: custom.read(out, mapping=out / f"{n}.yaml", today=TODAY) for n in EXPECT}


def test_manifest_lists_every_export(gallery):
    _, manifest = gallery
    assert set(manifest) == set(EXPECT)
    for name, m in manifest.items():
        assert (GALLERY / f"{name}.yaml").exists(), f"mapping of {name} not committed"
        assert 1000 < m["lines"] <= 30_000, name
        if name == "b2b_few_large":
            assert 30 <= m["customers"] <= 50
        else:
            assert m["customers"] >= 300, name


@pytest.mark.parametrize("name", list(EXPECT))
def test_export_reads_and_reconciles(gallery, sources, name):
    out, manifest = gallery
    mpath = out / f"{name}.yaml"
    m = load_mapping(mpath)
    currency, has_country, has_attrs = EXPECT[name]
    assert m.currency == currency and getattr(m, "fx_to_gbp", None) in (None, 1.0)
    # kept in its own currency (no conversion), when the mapping knows that notion
    assert getattr(m, "amount_currency", currency) == currency
    src = sources[name]
    lines = src.lines
    # one line per data record, every one parsed (no bad date, price or quantity)
    assert len(lines) == manifest[name]["lines"] == int(src.files["rows"].iloc[0])
    assert lines["set_aside"].isna().all(), lines["set_aside_detail"].dropna().head().tolist()
    assert lines["source_customer_id"].nunique() == manifest[name]["customers"]
    assert ("country" in m.columns) == has_country
    assert (src.customers is not None) == has_attrs
    # the rule set the workbook itself would clean this source with
    rules = getattr(src, "rules", None) or getattr(m, "rules", None)
    res = cleaning.clean(lines, rules) if rules is not None else cleaning.clean(lines)
    check = cleaning.reconcile_with_raw(res.ledger, lines)
    assert check["rows_match"] and check["revenue_match"] and res.totals["reconciles"]
    assert res.totals["rows_kept"] > 0.95 * len(lines)
    # realistic repeat buying: several orders per customer, several lines per order
    buys = lines[lines["quantity"] > 0]
    orders = buys.groupby("source_customer_id")["invoice"].nunique()
    assert (orders > 1).mean() > 0.4
    assert buys.groupby("invoice").size().mean() > 1.3


def test_export_shapes(gallery, sources):
    out, _ = gallery
    read = {n: src.lines for n, src in sources.items()}
    eu = read["european"]
    raw = (out / "european_export.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw[:200]
    assert b".0;" in raw and "€1.249,00".encode() in raw  # float ids, euro prices
    assert (
        eu["unit_price"].max() == 1249.0 and not eu["source_customer_id"].str.endswith(".0").any()
    )
    assert eu["country"].nunique() >= 4 and eu["source_customer_id"].isna().any()  # guests
    one = read["single_country_product"]
    assert one["stock_code"].nunique() == 1 and one["country"].nunique() == 1
    year = read["one_year_no_attributes"]
    span = year["invoice_ts"].max() - year["invoice_ts"].min()
    assert span <= pd.Timedelta(days=366) and (year["country"] == "Unknown").all()
    b2b = read["b2b_few_large"]
    assert b2b.loc[b2b["quantity"] > 0, "quantity"].median() >= 100
    for name in ("european", "single_country_product", "b2b_few_large"):
        span = read[name]["invoice_ts"].max() - read[name]["invoice_ts"].min()
        assert span >= pd.Timedelta(days=700), name


def test_deterministic(gallery, tmp_path):
    _, manifest = gallery
    mg = _load(GALLERY / "make_gallery.py", "make_gallery_under_test")
    again = mg.build(tmp_path, only="b2b_few_large")
    assert again[0]["sha256"] == manifest["b2b_few_large"]["sha256"]


def test_runner_bookkeeping(tmp_path, monkeypatch):
    rg = _load(ROOT / "scripts" / "run_gallery.py", "run_gallery_under_test")
    nbs = ["01_a", "02_b", "03_c", "04_d"]
    monkeypatch.setattr(rg, "notebooks", lambda: nbs)
    metrics = {
        "01_a": {"rows_in": 10, "n_customers": 3},
        "02_b": {"skipped": {"countries": "one country only"}},
        "03_c": {"x": 1},  # stale: no stamp, so not counted as ran
    }
    stamps = tmp_path / ".stamps"
    stamps.mkdir()
    for nb in nbs[:2]:
        (stamps / f"{nb}.done").touch()
    log = tmp_path / "european.log"
    log.write_text(
        "[IPKernelApp] WARNING | Kernel is running over TCP\n"
        "FAILED 03_c.ipynb after 9.1 s at cell 7: ValueError: boom\n"
    )
    assert rg.failures(log) == {"03_c": "ValueError: boom"}
    assert "IPKernelApp" not in rg.tail(log)
    rows = rg.notebook_rows(metrics, stamps, failed=True, use_stamps=True, errors=rg.failures(log))
    assert [r["status"] for r in rows] == ["ran", "ran", "failed", "not reached"]
    assert rows[1]["skipped"] == {"countries": "one country only"} and rows[0]["skipped"] == {}
    ok = rg.notebook_rows(metrics, stamps, failed=False, use_stamps=False)
    assert all(r["status"] == "ran" for r in ok)
    assert rg.skipped_of({"skipped": [{"section": "s", "reason": "r"}]}) == {"s": "r"}
    monkeypatch.setattr(rg, "RESULTS", tmp_path)
    rec = {
        "name": "european", "mapping": "examples/gallery/european.yaml", "started": "2025-01-01",
        "exit_code": 2, "status": "failed", "wall_s": 75.2, "lines": 16415, "customers": 1664,
        "currency": "EUR", "reports_dir": "reports/european", "note": "", "notebooks": rows,
        "log_tail": "Traceback ...\nValueError: boom",
    }  # fmt: skip
    (tmp_path / "european.json").write_text(json.dumps(rec))
    md = rg.render(["european", "b2b_few_large"])
    assert "| [european](#european) | 16,415 | 1,664 | EUR | 1 min 15 s | failed | 1 |" in md
    assert "| b2b_few_large | — | — | — | — | not run yet |" in md
    assert "**countries**: one country only" in md and "ValueError: boom" in md
    assert (
        "| 03_c | failed | `ValueError: boom` |" in md
        and "| 01_a | ran | none: every section ran |" in md
    )

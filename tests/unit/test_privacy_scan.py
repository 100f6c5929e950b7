"""Privacy scan: planted raw IDs, e-mails and customer_id columns are found; clean files pass."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.results import audit as ps

IDS = {"12346", "17850", "K70001"}


def _interim(tmp_path: Path) -> Path:
    d = tmp_path / "interim" / "custom"
    d.mkdir(parents=True)
    pd.DataFrame({"source_customer_id": ["12346", "17850", "K70001"],
                  "customer_id": [1, 2, 3]}).to_parquet(d / "customer_map.parquet")
    return tmp_path / "interim"


def test_known_ids_reads_every_customer_map(tmp_path):
    assert ps.known_ids(_interim(tmp_path)) == IDS
    assert ps.known_ids(tmp_path / "nothing") == set()


def test_normalise_id():
    assert ps.normalise_id("12346.0") == "12346"
    assert ps.normalise_id(" K70001 ") == "K70001"
    assert ps.normalise_id("12.50") == "12.50"


@pytest.mark.parametrize(
    "text,want",
    [
        ('{"customer": 12346}', {"raw_id": 1}),  # JSON value after a customer key
        ('{"top_customer": "12346"}', {"raw_id": 1}),
        ("n_orders 3, customer 12346", {"raw_id": 1}),  # the quantity word is before the customer word
        ("Customer ID 17850.0 bought twice", {"raw_id": 1}),  # float-printed id
        ("<table><thead><tr><th>Customer</th><th>qty</th></tr></thead>"
         "<tr><td>12346</td><td>12346</td></tr></table>", {"raw_id": 1}),  # only the id column
        ("write to jane.doe@gmail.com", {"email": 1}),
        ("<tr><th>customer_id</th><th>recency_days</th></tr>", {"customer_id_column": 1}),
        ("| customer_id | revenue_amt |\n|---|---|\n| 1 | 2.0 |", {"customer_id_column": 1}),
        ("customer_id,revenue_amt\n1,2.0\n", {"customer_id_column": 1}),
    ],
)
def test_scan_text_finds_planted(text, want):
    got = ps.scan_text(text, IDS)
    assert got == {"raw_id": 0, "email": 0, "customer_id_column": 0, **want}


@pytest.mark.parametrize(
    "text",
    [
        '"n_orders": 12346',  # a count equal to an id, no customer word on the line
        "price 123.46 and quantity 12346 units",
        "customers: 4,000; pseudonym c_1a2b3c4d5e6f7a8b",
        "<table><tr><th>qty</th></tr><tr><td>17850</td></tr></table>",
        "the surrogate customer_id never appears in a header here",
        '"n_customer_orders": 12346',  # a count about customers, not an id (was flagged)
        '"customer_revenue_amt": 17850',
        "customers placed 12,346 orders; customer orders 12346",
    ],
)
def test_scan_text_clean(text):
    assert ps.scan_text(text, IDS) == {"raw_id": 0, "email": 0, "customer_id_column": 0}


def _fixture_reports(root: Path, leak: bool) -> Path:
    rep = root / ("leaky" if leak else "clean")
    (rep / "figures").mkdir(parents=True)
    (rep / "figures" / "x.png").write_bytes(b"\x89PNG 12346 a@b.com")  # binary: not scanned
    metrics = {"01": {"n_customers": 3, "n_orders": 17850}}
    if leak:
        metrics["01"]["top_customer"] = "12346"
    (rep / "metrics.json").write_text(json.dumps(metrics, indent=2))
    md = "| key | revenue |\n|---|---|\n| c_0123456789abcdef | 10.0 |\n"
    if leak:
        md += "\nContact: shop.owner@example.co.uk\n"
    (rep / "summary.md").write_text(md)
    out = {"data": {"text/plain": ["   customer_id  n\n0  1  2"] if leak else ["   key  n"]}}
    nb = {"cells": [{"cell_type": "code", "source": ["df[['customer_id']]"], "outputs": [out]}]}
    (rep / "nb.ipynb").write_text(json.dumps(nb))
    return rep


def test_scan_paths_fixture_folders(tmp_path):
    ids = ps.known_ids(_interim(tmp_path))
    clean = ps.scan_paths([_fixture_reports(tmp_path, leak=False)], ids)
    assert clean.empty
    found = ps.scan_paths([_fixture_reports(tmp_path, leak=True)], ids).set_index("file")
    found.index = [Path(f).name for f in found.index]
    assert found.loc["metrics.json", "raw_id"] == 1  # "top_customer": "12346"
    assert found.loc["summary.md", "email"] == 1
    assert found.loc["nb.ipynb", "customer_id_column"] == 1  # output header, not the code cell
    assert "x.png" not in found.index


def test_scan_paths_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ps.scan_paths([tmp_path / "nope"], set())


def test_script_exit_codes(tmp_path):
    interim = _interim(tmp_path)
    script = Path(__file__).parents[2] / "scripts" / "privacy_scan.py"
    run = [sys.executable, str(script), "--interim", str(interim)]
    ok = subprocess.run(run + [str(_fixture_reports(tmp_path, False))], capture_output=True,
                        text=True)
    assert ok.returncode == 0 and "clean" in ok.stdout
    bad = subprocess.run(run + [str(_fixture_reports(tmp_path, True))], capture_output=True,
                         text=True)
    assert bad.returncode == 1 and "summary.md" in bad.stdout

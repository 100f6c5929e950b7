"""CDNOW through the workbook with parameters only: notebook 01 reads the sample as shipped
(examples/gallery/cdnow_sample.yaml), and notebook 04, run with the cutoff at the end of the
published 39-week calibration period, reproduces the published BG/NBD estimates (Fader, Hardie
and Lee 2005: r 0.243, alpha 4.414, a 0.793, b 2.426)."""

import json
import os
from pathlib import Path

import pytest

from helpers import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "raw" / "cdnow" / "CDNOW_sample.txt"
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.mark.slow
@pytest.mark.notebooks
def test_notebook_04_reproduces_the_published_cdnow_estimates(tmp_path):
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} absent: run .venv/bin/python scripts/fetch_cdnow.py data/raw/cdnow")
    dirs = {"interim_dir": tmp_path / "interim", "processed_dir": tmp_path / "processed",
            "reports_dir": tmp_path / "reports"}
    old = os.getcwd()
    os.chdir(ROOT)
    os.environ.setdefault("CRM_PSEUDONYM_KEY", "cdnow-test-key-0123456789")
    try:
        for stem in ("01_collect_clean", "04_value_classification"):
            args = ["run", f"notebooks/{stem}.ipynb", "--dataset", "custom",
                    "-p", "mapping=examples/gallery/cdnow_sample.yaml",
                    "-p", "cutoff=1997-09-30T23:59:59"]
            for k, v in dirs.items():
                args += ["-p", f"{k}={v}"]
            assert cli.main(args) == 0, stem
    finally:
        os.chdir(old)
    m = json.loads((dirs["reports_dir"] / "metrics.json").read_text())
    assert m["01_collect_clean"]["currency"] == "USD"
    fitted = m["04_value_classification"]["bgnbd"]
    assert m["04_value_classification"]["n_customers"] == 2357
    for k, v in PUBLISHED.items():
        assert fitted[k] == pytest.approx(v, abs=1e-3), (k, fitted[k])

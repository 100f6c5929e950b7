"""Shared fixtures of the notebook tests.

``chain`` runs every notebook, in order, on a small synthetic CRM in a temporary folder (raw,
interim, processed and reports all under it), exactly as ``make demo`` would but smaller. It is
session-scoped: test_chain.py checks its metrics and test_solutions.py runs the solutions
notebook against the same run, so the notebooks run once per test session.
"""

import os
from pathlib import Path

import pytest

from helpers import cli, synth

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]*.ipynb"))
N_CUSTOMERS = 900


@pytest.fixture(scope="session")
def chain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chain")
    raw = tmp / "raw"
    crm = synth.simulate_crm(n_customers=N_CUSTOMERS, start="2009-12-01", end="2011-12-09",
                             seed=7)
    synth.write_synthetic(crm, raw)
    dirs = {"interim_dir": tmp / "interim", "processed_dir": tmp / "processed",
            "reports_dir": tmp / "reports"}
    old = os.getcwd()
    os.chdir(ROOT)
    os.environ.setdefault("CRM_PSEUDONYM_KEY", "chain-test-key-0123456789")
    status = {}
    try:
        for nb in NOTEBOOKS:
            args = ["run", str(nb.relative_to(ROOT)), "--dataset", "synthetic", "-p", "seed=7",
                    "-p", f"raw_dir={raw}"]
            for k, v in dirs.items():
                args += ["-p", f"{k}={v}"]
            status[nb.stem] = cli.main(args)
            if status[nb.stem] != 0:
                break
    finally:
        os.chdir(old)
    return status, dirs, crm

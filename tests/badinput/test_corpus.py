"""Run the bad-input corpus through the custom adapter and the cleaning ledger.

Each input must end in a clear error naming the file and the column or row, or be accepted
with its bad rows set aside under a reason; in every accepted case the adapter returns one line
per data record and rows and revenue reconcile. The summary table is printed (``pytest -s``)
and written to the pytest temporary folder.
"""

from __future__ import annotations

import re

import pytest

from tests.badinput.make_corpus import CASES, Outcome, run_case, summary_table

OUTCOMES: dict[str, Outcome] = {}
FAST = [c for c in CASES if c.name != "million_rows_one_bad"]
BIG = [c for c in CASES if c.name == "million_rows_one_bad"]


def _check(case, outcome: Outcome, folder) -> None:
    OUTCOMES[case.name] = outcome
    assert outcome.handled in ("error", "quarantine", "accepted")
    if case.expect == "error":
        assert outcome.handled == "error", f"{case.name}: expected a clear error, got {outcome}"
        msg = outcome.message
        assert "Traceback" not in msg
        # names the file (the export or the mapping) ...
        assert re.search(r"(export|big)\.[a-z.]+|mapping\.yaml", msg), msg
        # ... and where: a column, a row/line, a mapping key, or the whole file's problem
        assert re.search(r"column|row|line|key|columns\.|source\.|empty|gzip|encoding", msg), msg
        return
    assert outcome.handled != "error", f"{case.name}: unexpected error {outcome.message}"
    assert outcome.rows_in == outcome.file_records, "adapter lost or invented rows"
    assert outcome.reconciles, f"{case.name}: ledger does not reconcile"
    for r in case.reasons:
        assert outcome.reasons.get(r, 0) >= 1, f"{case.name}: expected reason {r}: {outcome}"
    if case.revenue_in_gbp is not None:
        assert outcome.revenue_in_gbp == pytest.approx(case.revenue_in_gbp, abs=1e-9)
    if any(r.startswith(("bad_", "future_", "missing_q")) for r in case.reasons):
        assert re.search(r"row \d+, column '\w+'", outcome.message), outcome.message


@pytest.mark.parametrize("case", FAST, ids=[c.name for c in FAST])
def test_corpus_case(case, tmp_path):
    _check(case, run_case(case, tmp_path / case.name), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("case", BIG, ids=[c.name for c in BIG])
def test_million_rows_one_bad_row(case, tmp_path):
    out = run_case(case, tmp_path / case.name)
    _check(case, out, tmp_path)
    assert out.rows_in == 1_000_000 and out.reasons == {"bad_date": 1}
    assert "row 999994" in out.message  # n - 7 + 1 (1-based data row)


def test_corpus_size_and_summary(tmp_path_factory):
    """At least 25 inputs; prints and saves the table of how each was handled."""
    assert len(CASES) >= 25
    done = [OUTCOMES[c.name] for c in CASES if c.name in OUTCOMES]
    table = summary_table(done)
    out = tmp_path_factory.mktemp("badinput") / "badinput_summary.md"
    out.write_text(table)
    print(f"\n{table}\n(written to {out}; cases not run in this session are left out)")

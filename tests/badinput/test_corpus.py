"""Run the bad-input corpus through the custom adapter and the cleaning ledger.

Each input must end in a clear error naming the file and the column or row, or be accepted
with its bad rows set aside under a reason; in every accepted case the adapter returns one line
per data record and rows and revenue reconcile. Each case asserts its own expectation
(:func:`test_corpus_case`); the summary test runs the fast cases itself, so it passes or fails
the same alone (``-k summary``) or in any order. Outcomes are memoised in :data:`OUTCOMES` so each
case runs once per session; ``tests/conftest.py`` prints the table of everything tried at the
end of the run (also under ``pytest -q``), and the summary test writes it to the pytest
temporary folder.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest

from tests.badinput.make_corpus import CASES, Case, Outcome, run_case, summary_table

OUTCOMES: dict[str, Outcome] = {}
"""Memo of every case run this session (read by the terminal summary in tests/conftest.py)."""
FAST = [c for c in CASES if c.name != "million_rows_one_bad"]
BIG = [c for c in CASES if c.name == "million_rows_one_bad"]


@pytest.fixture(scope="session")
def outcome_of(tmp_path_factory) -> Callable[[Case], Outcome]:
    """Run a case once per session (in its own folder) and return its outcome."""
    base = tmp_path_factory.mktemp("corpus")

    def run(case: Case) -> Outcome:
        if case.name not in OUTCOMES:
            OUTCOMES[case.name] = run_case(case, base / case.name)
        return OUTCOMES[case.name]

    return run


def _check(case: Case, outcome: Outcome) -> None:
    assert outcome.handled in ("error", "quarantine", "accepted")
    if case.expect == "error":
        assert outcome.handled == "error", f"{case.name}: expected a clear error, got {outcome}"
        msg = outcome.message
        assert "Traceback" not in msg
        # names the file (the export or the mapping) ...
        assert re.search(r"(export|big)\.[a-z.]+|mapping\.yaml", msg), msg
        # ... and where: a column, a row/line, a mapping key, or the whole file's problem
        assert re.search(r"column|row|line|key|columns\.|source\.|empty|gzip|encoding", msg), msg
        if case.message:
            assert re.search(case.message, msg), msg
        return
    assert outcome.handled != "error", f"{case.name}: unexpected error {outcome.message}"
    assert outcome.handled == case.expect, f"{case.name}: expected {case.expect}: {outcome}"
    assert outcome.rows_in == outcome.file_records, "adapter lost or invented rows"
    assert outcome.reconciles, f"{case.name}: ledger does not reconcile"
    for r in case.reasons:
        assert outcome.reasons.get(r, 0) >= 1, f"{case.name}: expected reason {r}: {outcome}"
    if case.revenue_in_amt is not None:
        assert outcome.revenue_in_amt == pytest.approx(case.revenue_in_amt, abs=1e-9)
    for r in case.absent:
        assert r not in outcome.reasons, f"{case.name}: reason {r} should not fire: {outcome}"
    if case.warning:
        assert any(re.search(case.warning, w) for w in outcome.warnings), outcome.warnings
    else:
        assert outcome.warnings == [], f"{case.name}: unexpected warning {outcome.warnings}"
    if any(r.startswith(("bad_", "future_", "missing_q")) for r in case.reasons):
        assert re.search(r"row \d+, column '\w+'", outcome.message), outcome.message


@pytest.mark.parametrize("case", FAST, ids=[c.name for c in FAST])
def test_corpus_case(case, outcome_of):
    _check(case, outcome_of(case))


@pytest.mark.slow
@pytest.mark.parametrize("case", BIG, ids=[c.name for c in BIG])
def test_million_rows_one_bad_row(case, outcome_of):
    out = outcome_of(case)
    _check(case, out)
    assert out.rows_in == 1_000_000 and out.reasons == {"bad_date": 1}
    assert "row 999994" in out.message  # n - 7 + 1 (1-based data row)


def test_corpus_size_and_summary(outcome_of, tmp_path_factory):
    """At least 25 inputs; runs every fast case, checks the tallies, prints and saves the table.

    Self-contained: the outcomes come from :func:`outcome_of` (run here unless an earlier test
    already ran the case), never from whichever other tests happened to run first.
    """
    assert len(CASES) >= 25
    done = [outcome_of(c) for c in FAST]
    assert [o.name for o in done] == [c.name for c in FAST]
    handled = Counter(o.handled for o in done)
    assert handled == Counter(c.expect for c in FAST), handled
    assert all(o.reconciles for o in done if o.handled != "error")
    table = summary_table(done)
    assert table.startswith(f"Bad-input corpus: {len(FAST)} inputs tried")
    assert all(f"| {c.name} | " in table for c in FAST)
    out = tmp_path_factory.mktemp("badinput") / "badinput_summary.md"
    out.write_text(table)
    print(f"\n{table}\n(written to {out}; the million-row case runs only without -m 'not slow')")

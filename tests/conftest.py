"""Shared pytest hooks.

The bad-input corpus reports how many malformed inputs were tried and how each was handled at
the end of every run that included it (also under ``pytest -q``, which hides prints), so CI's
log shows the table.
"""

from __future__ import annotations

import os
import sys

# as in the Makefile and helpers.cli: OpenMP threads wait passively, so fits in the tests do not
# slow down several-fold when other work shares the cores (set before xgboost/sklearn load)
from helpers.progress import thread_environment  # noqa: E402

os.environ.update(thread_environment())


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    mod = next((m for name, m in list(sys.modules.items())
                if name.endswith("badinput.test_corpus") or name == "test_corpus"), None)
    if mod is None or not getattr(mod, "OUTCOMES", None):
        return
    CASES, summary_table = mod.CASES, mod.summary_table  # noqa: N806

    done = [mod.OUTCOMES[c.name] for c in CASES if c.name in mod.OUTCOMES]
    terminalreporter.section(f"bad-input corpus: {len(done)} of {len(CASES)} inputs tried")
    terminalreporter.write_line(summary_table(done))

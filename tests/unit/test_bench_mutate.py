"""bench/mutate.py: the per-module mutation score is read correctly from mutmut's verdicts."""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "bench_mutate", Path(__file__).resolve().parents[2] / "bench" / "mutate.py")
mutate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mutate)


@pytest.mark.parametrize("name, module", [
    ("helpers.models.metrics.x_mae__mutmut_3", "helpers.models.metrics"),
    ("helpers.value.clv.xǁBGNBDǁfit__mutmut_12", "helpers.value.clv"),
    ("helpers.data.privacy.x_load_key__mutmut_1", "helpers.data.privacy"),
])
def test_module_of_function_and_method_mutants(name, module):
    assert mutate.module_of(name) == module


def test_summarise_counts_and_score():
    v = {
        "helpers.a.x_f__mutmut_1": "killed",
        "helpers.a.x_f__mutmut_2": "timeout",       # a hang is a detection
        "helpers.a.x_f__mutmut_3": "survived",
        "helpers.a.x_g__mutmut_1": "no tests",      # unreached code counts against the score
        "helpers.b.x_h__mutmut_1": "killed",
        "helpers.b.x_h__mutmut_2": "not checked",   # neither killed nor survived
    }
    t = mutate.summarise(v)
    assert t["helpers.a"] == {"mutants": 4, "killed": 2, "survived": 2, "other": 0, "score_pct": 50.0}
    assert t["helpers.b"] == {"mutants": 2, "killed": 1, "survived": 0, "other": 1, "score_pct": 100.0}
    # total: 3 killed of 5 scored
    assert t["total"]["score_pct"] == 60.0 and t["total"]["mutants"] == 6

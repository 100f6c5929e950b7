"""verify.compare_metrics tolerances, and the reports index/README builder."""

import json

import pytest

from helpers.results import pages, verify


def test_compare_metrics_tolerances_and_structure():
    old = {"a": 1.0, "b": {"c": [1, 2, 3], "d": "x"}, "t_seconds": 3.0, "ok": True}
    same = {"a": 1.0 + 1e-9, "b": {"c": [1, 2, 3], "d": "x"}, "t_seconds": 99.0, "ok": True}
    assert verify.compare_metrics(old, same) == []
    diff = {"a": 1.01, "b": {"c": [1, 2], "d": "y"}, "ok": False, "new": 1}
    got = dict((p, (a, b)) for p, a, b in verify.compare_metrics(old, diff))
    assert got == {
        "a": (1.0, 1.01),
        "b.c[len]": (3, 2),
        "b.d": ("x", "y"),
        "ok": (True, False),
        "new": ("<missing>", 1),
    }
    assert verify.compare_metrics({"x": float("nan")}, {"x": float("nan")}) == []
    assert verify.compare_metrics({"x": 100.0}, {"x": 100.5}, rtol=0.01) == []


def test_reference_metrics_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="no reference"):
        verify.reference_metrics(tmp_path / "nope" / "metrics.json")


def test_build_index_and_readme(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "02_lorenz.png").write_bytes(b"\x89PNG")
    (tmp_path / "02_profile.html").write_text("<html><body><h1 id='x'>02 · Profile¶</h1></body>")
    (tmp_path / "metrics.json").write_text(
        json.dumps(
            {
                "07_case_study": {
                    "headline": [{"label": "Gini", "value": "0.74", "source": "02_profile"}],
                    "key_figures": ["02_lorenz.png", "99_missing.png"],
                }
            }
        )
    )
    out = pages.build(tmp_path, pdf=False)
    index = out["index"].read_text()
    assert '<a href="02_profile.html">02_profile</a></td><td>02 · Profile</td>' in index
    assert "0.74" in index and 'src="figures/02_lorenz.png"' in index
    assert "99_missing" not in index  # listed figures that do not exist are left out
    assert "客户生命周期" in index
    readme = out["readme"].read_text()
    assert "| Gini | 0.74 | 02_profile |" in readme and "[02_profile](02_profile.html)" in readme


def test_build_without_metrics_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="make all"):
        pages.build(tmp_path)

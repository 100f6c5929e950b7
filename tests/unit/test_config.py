"""Parameter validation: types, ranges, known dataset names, dates, with messages that list
valid values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import config


def test_valid_common_params_pass():
    config.validate_params({"dataset": "custom", "seed": 0, "cutoff": "2011-09-01",
                            "interim_dir": "data/interim/custom"})
    config.validate_params({"cutoff": ""})  # empty means the day after the last order


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"dataset": "my_shop"}, "not one of online_retail_ii, synthetic, custom"),
        ({"seed": "42"}, "seed='42': expected int, got str"),
        ({"seed": True}, "expected int"),  # bool is not an int here
        ({"seed": -1}, "below the minimum 0"),
        ({"seed": 2**40}, "above the maximum"),
        ({"cutoff": "01/09/2011"}, "not an ISO date YYYY-MM-DD"),
        ({"cutoff": "2011-02-30"}, "not an ISO date"),
        ({"sede": 1}, "unknown parameter 'sede'; known: cutoff, dataset"),
    ],
)
def test_validate_params_errors(params, needle):
    with pytest.raises(config.ParameterError) as exc:
        config.validate_params(params)
    assert needle in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_validate_params_reports_all_problems():
    with pytest.raises(config.ParameterError) as exc:
        config.validate_params({"dataset": "x", "seed": -5})
    assert str(exc.value).count("\n  - ") == 2


def test_notebook_specific_spec_range_and_float():
    specs = {"churn_horizon_days": config.ParamSpec(int, min=1, max=3650),
             "alpha": config.ParamSpec(float, min=0.0, max=1.0)}
    config.validate_params({"churn_horizon_days": 90, "alpha": 1}, specs)  # int accepted as float
    with pytest.raises(config.ParameterError, match="churn_horizon_days=0: below the minimum 1"):
        config.validate_params({"churn_horizon_days": 0}, specs)
    with pytest.raises(config.ParameterError, match="alpha=1.5: above the maximum 1.0"):
        config.validate_params({"alpha": 1.5}, specs)


def test_resolve_cutoff_order_and_range():
    ts = pd.Series(pd.to_datetime(["2010-12-01 08:26", "2011-12-09 12:50"]))
    assert config.resolve_cutoff("", ts) == pd.Timestamp("2011-12-10")  # midnight after last
    assert config.resolve_cutoff("2011-06-01", ts) == pd.Timestamp("2011-06-01")
    with pytest.raises(config.ParameterError, match="outside the data"):
        config.resolve_cutoff("2009-01-01", ts)  # before the first order
    with pytest.raises(config.ParameterError, match="outside the data"):
        config.resolve_cutoff("2012-06-01", ts)


def test_parse_date_names_parameter():
    assert config.parse_date("2011-01-31", "start") == pd.Timestamp("2011-01-31")
    with pytest.raises(config.ParameterError, match="start='31.01.2011'"):
        config.parse_date("31.01.2011", "start")


def test_parse_date_takes_a_time_of_day_for_end_of_day_cutoffs():
    # the published CDNOW analyses end week 39 at the last second of 1997-09-30
    assert config.parse_date("1997-09-30T23:59:59", "cutoff") == pd.Timestamp("1997-09-30 23:59:59")
    with pytest.raises(config.ParameterError, match="YYYY-MM-DDTHH:MM:SS"):
        config.parse_date("1997-09-30 at noon", "cutoff")


def test_project_root_is_found_from_a_subfolder_and_entered(tmp_path, monkeypatch):
    root = tmp_path / "wb"
    (root / "notebooks" / "deep").mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "{config.PROJECT_NAME}"\n')
    assert config.project_root(root / "notebooks" / "deep") == root.resolve()
    monkeypatch.chdir(root / "notebooks")
    assert config.enter_project_root() == root.resolve()
    assert Path.cwd() == root.resolve()


def test_outside_a_checkout_the_working_directory_is_kept(tmp_path, monkeypatch):
    other = tmp_path / "proj"
    (other / "notebooks").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    monkeypatch.chdir(other / "notebooks")
    assert config.project_root() is None
    assert config.enter_project_root() == (other / "notebooks").resolve()


def test_every_notebook_enters_the_root_before_it_reads_a_path():
    import nbformat

    root = Path(__file__).resolve().parents[2]
    for path in sorted(root.glob("notebooks/[0-9][0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        setup = code[1]
        assert "config.enter_project_root()" in setup, path.name
        body = setup.split("config.enter_project_root()")[0]
        assert "Path(" not in body and "read_parquet" not in body, path.name

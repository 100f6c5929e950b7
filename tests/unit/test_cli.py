"""The command-line driver: parameter precedence and checks, clear errors, exit codes."""

import pytest

from helpers import cli, config


def test_params_precedence(tmp_path):
    (tmp_path / "synthetic.yaml").write_text(
        "common:\n  seed: 7\n  cutoff: '2011-01-01'\n02_profile:\n  seed: 8\n"
    )
    p = cli.load_params("synthetic", "02_profile.ipynb", tmp_path, {"cutoff": "2011-06-01"})
    assert p["seed"] == 8  # per-notebook beats common
    assert p["cutoff"] == "2011-06-01"  # command line beats YAML
    assert p["reports_dir"] == "reports/synthetic"
    assert p["interim_dir"] == "data/interim/synthetic"
    assert (
        cli.load_params("online_retail_ii", "x.ipynb", tmp_path, {})["reports_dir"]
        == "reports"
    )


@pytest.mark.parametrize(
    "text,want",
    [("42", 42), ("0.5", 0.5), ("true", True), ("False", False), ("2011-01-01", "2011-01-01")],
)
def test_coerce(text, want):
    got = cli._coerce(text)
    assert got == want and type(got) is type(want)


def test_split_kv_needs_equals():
    with pytest.raises(config.ParameterError, match="name=value"):
        cli._split_kv("seed")


def test_check_against_notebook_rejects_wrong_type():
    nb = "notebooks/01_collect_clean.ipynb"
    ok = cli.check_against_notebook(
        __import__("pathlib").Path(nb), {"seed": 3, "max_quantity": 10, "not_a_param": 1}
    )
    assert ok == {"seed": 3, "max_quantity": 10}
    with pytest.raises(config.ParameterError, match="max_quantity.*expected int"):
        cli.check_against_notebook(__import__("pathlib").Path(nb), {"max_quantity": "many"})


def test_unknown_dataset_exit_2(capsys):
    assert cli.main(["data", "--dataset", "salesforce"]) == 2
    assert "valid: online_retail_ii" in capsys.readouterr().err


def test_no_data_no_network_is_a_message_not_a_traceback(tmp_path, capsys):
    code = cli.main(
        [
            "data",
            "--dataset",
            "online_retail_ii",
            "--raw-dir",
            str(tmp_path / "raw"),
            "--no-download",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "make demo" in err and "Traceback" not in err


def test_missing_notebook_exit_2(capsys):
    assert cli.main(["run", "notebooks/99_nothing.ipynb", "--dataset", "synthetic"]) == 2
    assert "not found" in capsys.readouterr().err


def test_math_becomes_mathml_and_currency_is_left_alone():
    out = cli.math_to_mathml("rate $\\lambda$ costs $5 and $6; $$E[X]=\\frac{r}{\\alpha}$$")
    assert out.count("<math") == 2
    assert 'display="block"' in out and "<mfrac>" in out
    assert "costs $5 and $6" in out


def test_rendered_html_needs_no_network(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T\nThe BG/NBD rate $\\lambda$."),
        nbformat.v4.new_code_cell("1+1"),
    ]
    src = tmp_path / "t.ipynb"
    nbformat.write(nb, src)
    html = cli.render_html(src, tmp_path / "t.html").read_text()
    assert "<math" in html
    assert 'src="http' not in html
    assert (tmp_path / "t.html").stat().st_mode & 0o044  # readable by others, not 0600


def test_unknown_override_is_refused_with_valid_names(capsys):
    code = cli.main(["run", "notebooks/07_case_study.ipynb", "--dataset", "online_retail_ii",
                          "-p", "churn_horizn_days=60"])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown parameter(s) churn_horizn_days" in err and "churn_horizon_days" in err


def test_spark_engine_without_java_is_a_message_not_a_traceback(monkeypatch, capsys):
    from helpers.data import engines

    monkeypatch.setattr(engines.shutil, "which", lambda _name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    ok, why = engines.spark_available()
    assert not ok and ("no Java runtime" in why or "pyspark is not installed" in why)
    code = cli.main(["run", "notebooks/01_collect_clean.ipynb", "--dataset", "synthetic",
                          "-p", "engine=spark"])
    err = capsys.readouterr().err
    assert code == 2 and "engine=spark:" in err and "ENGINE=duckdb" in err


def test_unknown_engine_is_refused():
    from helpers.data import engines

    with pytest.raises(ValueError, match="choose one of duckdb, spark"):
        engines.get_engine("polars")

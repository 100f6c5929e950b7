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


# --- Make variables: literal values, run folders, mapping inputs (issue 17, item 4) ---------

def _env(**kw):
    """Every CRM_MAKE_* variable (so that one inherited from an outer make cannot leak in)."""
    base = dict.fromkeys(cli.MAKE_ENV, "")
    base.update(dataset="synthetic", seed="42", engine="duckdb")
    base.update(kw)
    return {cli.MAKE_ENV[k]: v for k, v in base.items()}


@pytest.mark.parametrize(
    "params,bad",
    [
        ("x=1;touch /tmp/never", "'/tmp/never' is not name=value"),
        ("x=$(touch /tmp/never)", "'/tmp/never)' is not name=value"),
        ("x=`touch /tmp/never`", "'/tmp/never`' is not name=value"),
        ("a-b=1", "'a-b' (in 'a-b=1') is not a parameter name"),
        ("reports_dir=/elsewhere", "reports_dir is set by make"),
        ("x='unbalanced", "No closing quotation"),
    ],
)
def test_params_refused_naming_the_word(params, bad):
    with pytest.raises(config.ParameterError) as exc:
        cli.parse_params(params)
    assert bad in str(exc.value)


def test_params_values_are_literal():
    got = cli.parse_params("n_quantiles=4 key_file='/my keys/$(id);`id`' flag=true")
    assert got == {"n_quantiles": 4, "key_file": "/my keys/$(id);`id`", "flag": True}
    assert cli.parse_params("") == {}


def test_make_settings_take_values_literally():
    dataset, run, over = cli.make_settings(
        _env(dataset="custom", run="cdnow", mapping="my data/m;$(x).yaml",
             cutoff="2011-06-01", params="churn_horizon_days=60")
    )
    assert (dataset, run) == ("custom", "cdnow")
    assert over == {"seed": 42, "engine": "duckdb", "cutoff": "2011-06-01",
                    "mapping": "my data/m;$(x).yaml", "churn_horizon_days": 60}
    with pytest.raises(config.ParameterError, match=r"cutoff='2024-06-01;rm\$\{IFS\}"):
        cli.make_settings(_env(params="cutoff=2024-06-01;rm${IFS}-rf${IFS}/some/dir"))
    with pytest.raises(config.ParameterError, match="SEED='4;2'"):
        cli.make_settings(_env(seed="4;2"))
    with pytest.raises(config.ParameterError, match="DATASET='x;y' unknown"):
        cli.make_settings(_env(dataset="x;y"))
    with pytest.raises(config.ParameterError, match="needs MAPPING"):
        cli.make_settings(_env(dataset="custom"))


@pytest.mark.parametrize("run", ["a b", "../x", ".x", "-x", "x;y", "", "notebooks", "custom"])
def test_bad_run_names_are_refused(run):
    with pytest.raises(config.ParameterError, match="RUN="):
        cli.check_run(run, "synthetic")


def test_run_names_the_output_folders(tmp_path):
    p = cli.dataset_paths("custom", run="cdnow")
    assert p == {"raw_dir": "data/raw/custom", "interim_dir": "data/interim/cdnow",
                 "processed_dir": "data/processed/cdnow", "reports_dir": "reports/cdnow"}
    assert cli.dataset_paths("custom") == cli.dataset_paths("custom", run="custom")
    got = cli.load_params("custom", "02_profile.ipynb", tmp_path, {}, run="cdnow")
    assert got["reports_dir"] == "reports/cdnow" and got["dataset"] == "custom"


def test_mapping_inputs_are_the_mapping_and_its_export(tmp_path, capsys):
    from pathlib import Path

    src = Path("examples/mapping_example.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "my data"
    folder.mkdir()
    export = folder / "shop export;1.csv"
    export.write_bytes(Path("examples/shop_export.csv").read_bytes())
    mapping = folder / "map ping.yaml"
    mapping.write_text(src.replace("path: shop_export.csv", 'path: "shop export;1.csv"'),
                       encoding="utf-8")
    assert cli.mapping_inputs(mapping) == [mapping.absolute(), export.absolute()]
    assert cli.main(["inputs", "--mapping", str(mapping), "--make"]) == 0
    line = capsys.readouterr().out.strip()
    assert line == " ".join(cli.make_escape(str(f)) for f in (mapping, export))
    assert "map\\ ping.yaml" in line and "shop\\ export\\;1.csv" in line
    # a mapping that does not load still counts; a missing one yields nothing
    broken = folder / "broken.yaml"
    broken.write_text("version: 1\nsource: {path: nothere.csv}\n", encoding="utf-8")
    assert cli.mapping_inputs(broken) == [broken.absolute()]
    assert cli.mapping_inputs(folder / "missing.yaml") == []
    assert cli.make_escape("/a\\b") is None


def test_make_vars_stamp_changes_only_with_values_or_inputs(tmp_path, monkeypatch):
    import os
    from pathlib import Path

    folder = tmp_path / "in"
    folder.mkdir()
    export = folder / "export.csv"
    export.write_bytes(Path("examples/shop_export.csv").read_bytes())
    mapping = folder / "m.yaml"
    mapping.write_text(Path("examples/mapping_example.yaml").read_text(encoding="utf-8")
                       .replace("path: shop_export.csv", "path: export.csv"), encoding="utf-8")
    stamp = tmp_path / "stamps" / "vars"
    for k, v in _env(dataset="custom", run="t", mapping=str(mapping)).items():
        monkeypatch.setenv(k, v)
    assert cli.main(["make-vars", "--stamp", str(stamp)]) == 0
    first, t0 = stamp.read_text(), stamp.stat().st_mtime_ns
    os.utime(stamp, ns=(t0 - 10**9, t0 - 10**9))
    assert cli.main(["make-vars", "--stamp", str(stamp)]) == 0
    assert stamp.read_text() == first and stamp.stat().st_mtime_ns == t0 - 10**9  # untouched
    st = export.stat()
    os.utime(export, ns=(st.st_atime_ns, st.st_mtime_ns - 10**10))  # replaced by an older file
    assert cli.main(["make-vars", "--stamp", str(stamp)]) == 0
    assert stamp.read_text() != first
    second = stamp.read_text()
    monkeypatch.setenv(cli.MAKE_ENV["params"], "n_quantiles=4")
    assert cli.main(["make-vars", "--stamp", str(stamp)]) == 0
    assert stamp.read_text() != second


def test_make_vars_bad_params_exit_2(monkeypatch, capsys):
    for k, v in _env(params="x=1;touch /tmp/never").items():
        monkeypatch.setenv(k, v)
    assert cli.main(["make-vars"]) == 2
    assert "'/tmp/never' is not name=value" in capsys.readouterr().err


def test_rendered_figures_carry_their_alt_text(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    out_alt = nbformat.v4.new_output(
        "display_data", data={"image/png": "iVBORw0KGgo="},
        metadata={"image/png": {"alt": 'Revenue by month <"2011">'}})
    out_plain = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})
    cell = nbformat.v4.new_code_cell("fig", outputs=[out_alt, out_plain])
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), cell]
    src = tmp_path / "t.ipynb"
    nbformat.write(nb, src)
    html = cli.render_html(src, tmp_path / "t.html").read_text()
    import re

    alts = re.findall(r"<img alt=(\"[^\"]*\"|'[^']*')", html)
    assert alts[0] == """'Revenue by month &lt;"2011"&gt;'"""  # escaped, not raw markup
    assert html.count("iVBORw0KGgo=") == 2  # both images kept; the one without alt unchanged


def test_data_synthetic_runs_the_randomised_campaign(tmp_path):
    """`data --dataset synthetic` generates the retention campaign (treated share
    cli.SYNTH_RETENTION_SHARE) that notebook 05's campaign uplift section needs; share 0 gives
    none, as the generator's default does."""
    assert cli.SYNTH_RETENTION_SHARE > 0
    on, off = tmp_path / "on", tmp_path / "off"
    base = ["data", "--dataset", "synthetic", "--synth-customers", "300",
            "--synth-start", "2010-01-01", "--synth-end", "2011-06-30"]
    assert cli.main(base + ["--raw-dir", str(on)]) == 0
    assert cli.main(base + ["--raw-dir", str(off), "--synth-retention-share", "0"]) == 0
    import pandas as pd

    camp = pd.read_parquet(on / "campaign.parquet")
    assert camp["treated"].any() and not camp["treated"].all()
    assert not (off / "campaign.parquet").exists()


def test_synthetic_settings_changed_names_what_differs(tmp_path):
    import argparse
    import json

    args = argparse.Namespace(synth_customers=4000, seed=42, synth_start="2009-12-01",
                              synth_end="2011-12-09", synth_retention_share=0.5)
    assert cli.synthetic_settings_changed(tmp_path, args) == ""  # nothing there yet
    (tmp_path / "transactions.parquet").write_bytes(b"x")
    truth = {"n_customers": 4000, "seed": 42, "config": {"retention_share": 0.5},
             "window": {"start": "2009-12-01", "end": "2011-12-09"}}
    (tmp_path / "ground_truth.json").write_text(json.dumps(truth))
    assert cli.synthetic_settings_changed(tmp_path, args) == ""  # the same settings
    args.synth_customers, args.seed = 26537, 7
    assert cli.synthetic_settings_changed(tmp_path, args) == (
        "customers 4000 -> 26537, seed 42 -> 7")


def test_notebook_jobs_one_per_cpu_while_the_memory_holds_them():
    # Online Retail II on this machine: 1M lines, 1.5 GB each, 23 GB available: CPU-bound
    n, why = cli.notebook_jobs(2, 23_000, 1_000_000)
    assert n == 2 and "2 usable CPUs" in why and "1,000,000 order lines" in why
    # 10M lines: (400 MB + 11,000 MB) each; 0.75 x 23,000 MB = 17,250 MB holds one
    assert cli.notebook_jobs(2, 23_000, 10_000_000)[0] == 1
    # 8 CPUs, 6M lines (7,000 MB each), 30,000 MB available: 22,500 // 7,000 = 3
    assert cli.notebook_jobs(8, 30_000, 6_000_000)[0] == 3
    # never below one, however little memory
    assert cli.notebook_jobs(4, 100, 50_000_000)[0] == 1
    assert cli.notebook_jobs(1, 64_000, 0)[0] == 1


@pytest.mark.parametrize("asked,want", [("3", 3), (" 1 ", 1), ("auto", 2), ("", 2)])
def test_notebook_jobs_as_asked(asked, want):
    assert cli.notebook_jobs(2, 23_000, 1_000_000, asked)[0] == want


@pytest.mark.parametrize("asked", ["0", "-1", "two", "1.5", "$(nproc)"])
def test_notebook_jobs_refuses_bad_jobs(asked):
    with pytest.raises(config.ParameterError, match="JOBS="):
        cli.notebook_jobs(2, 23_000, 1_000_000, asked)


def test_jobs_reads_the_order_lines_that_notebook_01_wrote(tmp_path, monkeypatch, capsys):
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "available_mb", lambda: 23_000.0)
    monkeypatch.setattr(cli.progress, "usable_cpus", lambda: 2)
    monkeypatch.setenv("CRM_MAKE_JOBS", "auto")
    assert cli.main(["jobs", "--dataset", "synthetic", "--run", "t"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "2" and "for 0 order lines" in out.err  # before notebook 01
    interim = tmp_path / "data" / "interim" / "t"
    interim.mkdir(parents=True)
    pd.DataFrame({"x": range(1234)}).to_parquet(interim / "order_lines.parquet")
    assert cli.order_lines_count(interim) == 1234
    monkeypatch.setenv("CRM_MAKE_JOBS", "nope")
    assert cli.main(["jobs", "--dataset", "synthetic", "--run", "t"]) == 2
    assert "JOBS='nope'" in capsys.readouterr().err


def test_the_slow_iri_checker_is_skipped_and_notebooks_still_validate(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from helpers import cli; cli._skip_slow_iri_checker(); import nbformat; "
            "nb = nbformat.v4.new_notebook(); nb.cells.append(nbformat.v4.new_code_cell('1')); "
            "nbformat.validate(nb); print('rfc3987_syntax' in sys.modules and "
            "sys.modules['rfc3987_syntax'] is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

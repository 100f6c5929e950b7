# CRM analytics research workbook: `make help` lists every target.
#
# Variables (set on the command line, e.g. `make all DATASET=synthetic CUTOFF=2011-09-01`):
#   DATASET       online_retail_ii (default) | synthetic | custom
#   CRM_DATA_DIR  folder that already holds the Online Retail II files (else data/raw/, else download)
#   CUTOFF        ISO date of the analysis ("" = the day after the last order)
#   SEED          the one seed for all randomness (default 42)
#   MAPPING       mapping YAML for DATASET=custom (see docs/mapping.md)
#   ENGINE        data-layer engine: duckdb (default, embedded; pandas is an alias) | spark
#                 (Apache Spark, needs `make setup-spark` and Java 17; see docs/spark.md)
#   PARAMS        extra notebook parameters, e.g. PARAMS="churn_horizon_days=60 n_quantiles=4"
#   OFFLINE=1     never try to download
#   BENCH_ARGS    extra arguments of `make bench`, e.g. BENCH_ARGS="--full --e2e"

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
DATASET ?= online_retail_ii
CRM_DATA_DIR ?=
CUTOFF ?=
SEED ?= 42
MAPPING ?=
ENGINE ?= duckdb
PARAMS ?=
OFFLINE ?=
SYNTH_CUSTOMERS ?= 4000

export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

ifeq ($(DATASET),online_retail_ii)
REPORTS := reports
else
REPORTS := reports/$(DATASET)
endif
STAMPS := $(REPORTS)/.stamps
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]*.ipynb))
NB_STAMPS := $(patsubst notebooks/%.ipynb,$(STAMPS)/%.done,$(NOTEBOOKS))
HELPERS := $(shell find src/helpers -name '*.py' 2>/dev/null)
RUN_ARGS := --dataset $(DATASET) -p seed=$(SEED) -p engine=$(ENGINE) \
	$(if $(CUTOFF),-p cutoff=$(CUTOFF)) $(if $(MAPPING),-p mapping=$(MAPPING)) \
	$(foreach p,$(PARAMS),-p $(p))

.PHONY: help setup setup-spark data all demo test test-fast lint reports verify bench \
	privacy-scan clean clean-data FORCE

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-13s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo ""
	@echo "  Quick start: make setup && make all CRM_DATA_DIR=/folder/with/online_retail_II/files"
	@echo "  Offline:     make setup && make demo"

setup: $(VENV)/.installed ## create .venv (Python 3.11), install pinned packages, register the kernel

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make setup PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name crm-workbook --display-name "CRM workbook (Python 3.11)" >/dev/null
	@touch $@
	@echo "setup: done; kernel 'crm-workbook' registered in $(VENV)"

setup-spark: $(VENV)/.installed-spark ## optional: install PySpark for ENGINE=spark (needs Java 17)

$(VENV)/.installed-spark: $(VENV)/.installed
	@command -v java >/dev/null || echo "setup-spark: warning: no java on PATH; Spark needs Java 17 (apt-get install openjdk-17-jre-headless)"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,spark]"
	@touch $@

data: $(VENV)/.installed ## acquire raw data (CRM_DATA_DIR, data/raw/, or UCI download with SHA-256 check)
	@$(PY) -m helpers.cli data --dataset $(DATASET) --seed $(SEED) \
		--synth-customers $(SYNTH_CUSTOMERS) \
		$(if $(CRM_DATA_DIR),--search-dir $(CRM_DATA_DIR)) $(if $(OFFLINE),--no-download)

# A stamp of the Make variables, rewritten only when they change, so that changing CUTOFF or
# SEED re-runs the notebooks while a plain `make all` re-runs only what changed.
$(STAMPS)/vars: FORCE
	@mkdir -p $(STAMPS)
	@echo "$(RUN_ARGS)" | cmp -s - $@ || echo "$(RUN_ARGS)" > $@

# Each notebook depends on its source, the helpers, its parameters and the notebook before it.
$(STAMPS)/%.done: notebooks/%.ipynb $(HELPERS) $(wildcard notebooks/params/*.yaml) $(STAMPS)/vars
	@$(PY) -m helpers.cli run $< $(RUN_ARGS)
	@touch $@

# Chain: notebook N waits for notebook N-1.
$(foreach i,$(shell seq 2 $(words $(NB_STAMPS))),$(eval $(word $(i),$(NB_STAMPS)): $(word $(shell expr $(i) - 1),$(NB_STAMPS))))

# The first notebook also depends on the data being there.
$(firstword $(NB_STAMPS)): $(STAMPS)/data

$(STAMPS)/data: $(VENV)/.installed
	@mkdir -p $(STAMPS)
	@$(MAKE) --no-print-directory data
	@touch $@

all: $(VENV)/.installed $(NB_STAMPS) ## run every notebook in order (only what changed) and render reports/
	@$(PY) -m helpers.cli timings --dataset $(DATASET)

demo: ## offline demo: the whole workbook on a small synthetic CRM (no network)
	@$(MAKE) --no-print-directory all DATASET=synthetic OFFLINE=1

test: $(VENV)/.installed ## run the test suite (unit, notebooks on synthetic data, bad inputs)
	$(PY) -m pytest -q

test-fast: $(VENV)/.installed ## unit tests only, skipping the slow ones
	$(PY) -m pytest -q -m "not slow and not notebooks and not postgres and not spark"

lint: $(VENV)/.installed ## ruff lint and format check
	$(VENV)/bin/ruff check src tests notebooks
	$(VENV)/bin/ruff format --check src tests

reports: $(VENV)/.installed ## build reports/index.html and reports/README.md from the rendered notebooks
	$(PY) -m helpers.results.pages build --reports-dir $(REPORTS)

verify: $(VENV)/.installed ## re-run the study and compare metrics.json with the committed one
	$(PY) -m helpers.results.verify --dataset $(DATASET) $(if $(CRM_DATA_DIR),--search-dir $(CRM_DATA_DIR))

bench: $(VENV)/.installed ## benchmarks: end-to-end time, stage profile, scaling, tool comparison
	$(PY) bench/run_all.py $(if $(CRM_DATA_DIR),--search-dir $(CRM_DATA_DIR)) $(BENCH_ARGS)

privacy-scan: $(VENV)/.installed ## scan reports/ and exports for raw customer IDs and e-mails
	$(PY) scripts/privacy_scan.py reports

clean: ## remove executed notebooks, stamps and derived data (keeps raw data and curated reports)
	rm -rf reports/.stamps reports/*/.stamps reports/notebooks reports/logs reports/synthetic reports/custom
	rm -rf data/interim/* data/processed/*
	@touch data/interim/.gitkeep data/processed/.gitkeep

clean-data: clean ## also remove the raw data copies in data/raw/ (never the source folder)
	find data/raw -mindepth 1 -exec chmod -R u+w {} + -delete 2>/dev/null || true
	rm -rf data/raw/*/

FORCE:

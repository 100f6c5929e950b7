# CRM analytics research workbook: `make help` lists every target.
#
# Variables (set on the command line, e.g. `make all DATASET=synthetic CUTOFF=2011-09-01`):
#   DATASET       online_retail_ii (default) | synthetic | custom
#   RUN           names this run's folders reports/RUN/, data/interim/RUN/, data/processed/RUN/
#                 (default: the DATASET name; online_retail_ii writes reports/), so several custom
#                 runs live side by side: make all DATASET=custom MAPPING=a.yaml RUN=a
#   CRM_DATA_DIR  folder that already holds the Online Retail II files (else data/raw/, else download)
#   CUTOFF        ISO date of the analysis ("" = the day after the last order)
#   SEED          the one seed for all randomness (default 42)
#   MAPPING       mapping YAML for DATASET=custom (see docs/mapping.md); the mapping and the
#                 export(s) it names are inputs of notebook 01: editing either re-runs everything
#   ENGINE        data-layer engine: duckdb (default, embedded; pandas is an alias) | spark
#                 (Apache Spark, needs `make setup-spark` and Java 17; see docs/spark.md)
#   PARAMS        extra notebook parameters, e.g. PARAMS="churn_horizon_days=60 n_quantiles=4"
#   OFFLINE=1     never try to download
#   BENCH_ARGS    extra arguments of `make bench`, e.g. BENCH_ARGS="--full --e2e" (shell words)
#   JOBS          notebooks `make all` runs at a time where they do not need each other: auto
#                 (default: one per usable CPU, as far as the memory holds them; `make all` says
#                 what it chose) or a number (JOBS=1: one after another)
#
# Quoting: DATASET, RUN, CRM_DATA_DIR, CUTOFF, SEED, MAPPING, ENGINE, PARAMS, OFFLINE,
# SYNTH_CUSTOMERS and JOBS are taken literally: make does not expand $(...) in them, and no shell reads
# them as command text (recipes get them from the environment as CRM_MAKE_*, where helpers.cli
# splits and checks them). PARAMS is name=value words; quote a value with spaces:
# PARAMS="key_file='/my keys/k'". `make check-params` shows what the notebooks would get.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Values from the command line or the environment, taken literally (never expanded by make).
USER_VARS := DATASET RUN CRM_DATA_DIR CUTOFF SEED MAPPING ENGINE PARAMS OFFLINE SYNTH_CUSTOMERS JOBS
$(foreach v,$(USER_VARS),$(if $(filter command environment,$(firstword $(origin $(v)))),\
	$(eval override $(v) := $$(value $(v)))))
# $(call shq,TEXT): TEXT as one single-quoted shell word (for the one $(shell) below).
shq = '$(subst ','\'',$(1))'

# The interpreter `make setup` builds .venv with: PYTHON=/path/to/python if given, else the first
# of python3.11, python3.12, python3.13 on PATH that runs and has venv/ensurepip (a pyenv shim of
# a version pyenv has not selected is on PATH but does not run, so it is passed over; to use it,
# pass PYTHON="$(pyenv root)/versions/3.12.1/bin/python").
# Expanded only when a recipe uses it; `make which-python` prints the choice.
PYTHON_VERSIONS := 3.11 3.12 3.13
PYTHON ?=
SETUP_PYTHON = $(eval SETUP_PYTHON := $(or $(PYTHON),$(shell for v in $(PYTHON_VERSIONS); do \
	python$$v -c 'import venv, ensurepip, sys; print(sys.executable)' 2>/dev/null && break; done)))$(SETUP_PYTHON)
NO_PYTHON := none of $(addprefix python,$(PYTHON_VERSIONS)) runs here (with venv and ensurepip); \
	install one, or run make setup PYTHON=/path/to/python3.1x
# prints "Python X.Y.Z from /path" for SETUP_PYTHON, or fails naming it
SHOW_PYTHON = "$(SETUP_PYTHON)" -c 'import sys; print("Python", sys.version.split()[0], "from", sys.executable)' \
	|| { echo "error: PYTHON=$(SETUP_PYTHON) does not run" >&2; exit 2; }
VENV ?= .venv
PY := $(VENV)/bin/python
DATASET ?= online_retail_ii
RUN ?= $(DATASET)
CRM_DATA_DIR ?=
CUTOFF ?=
SEED ?= 42
MAPPING ?=
ENGINE ?= duckdb
PARAMS ?=
OFFLINE ?=
SYNTH_CUSTOMERS ?= 4000
JOBS ?= auto

export PYTHONHASHSEED := 0
# OpenMP threads wait passively and BLAS runs single-threaded (helpers.progress.thread_environment;
# the kernel spec carries the same for JupyterLab): spinning threads slowed model fits several-fold
# when other work shared the cores (a 2-thread XGBoost grid: 13 s busy vs 3 s passive under load)
export OMP_WAIT_POLICY ?= PASSIVE
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export MPLBACKEND := Agg

# RUN names folders and appears in recipes, so it is checked here (helpers.cli checks it again).
ifeq ($(strip $(RUN)),)
override RUN := $(DATASET)
endif
RUN_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P \
	Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 _ - .
drop_chars = $(if $(2),$(call drop_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,99,$(2))),$(1))
ifneq ($(strip $(call drop_chars,$(RUN),$(RUN_CHARS)))$(filter-out 1,$(words $(RUN)))$(filter -% .%,$(RUN)),)
$(error RUN=$(RUN): a run name is one word of letters, digits, '_', '-' and '.' (not starting with '-' or '.'); default: the DATASET name)
endif
ifneq ($(filter notebooks figures logs exports site $(filter-out $(DATASET),online_retail_ii synthetic custom),$(RUN)),)
$(error RUN=$(RUN) is reserved (a folder of reports/ or another dataset's name); choose another name)
endif

# The programs read the variables from here (helpers.cli make_settings), never from a command line.
export CRM_MAKE_DATASET := $(DATASET)
export CRM_MAKE_RUN := $(RUN)
export CRM_MAKE_SEED := $(SEED)
export CRM_MAKE_ENGINE := $(ENGINE)
export CRM_MAKE_CUTOFF := $(CUTOFF)
export CRM_MAKE_MAPPING := $(MAPPING)
export CRM_MAKE_PARAMS := $(PARAMS)
export CRM_MAKE_DATA_DIR := $(CRM_DATA_DIR)
export CRM_MAKE_SYNTH_CUSTOMERS := $(SYNTH_CUSTOMERS)
export CRM_MAKE_JOBS := $(JOBS)

ifeq ($(RUN),online_retail_ii)
REPORTS := reports
else
REPORTS := reports/$(RUN)
endif
STAMPS := $(REPORTS)/.stamps
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]*.ipynb))
NB_STAMPS := $(patsubst notebooks/%.ipynb,$(STAMPS)/%.done,$(NOTEBOOKS))
NB_HTML := $(patsubst notebooks/%.ipynb,$(REPORTS)/%.html,$(NOTEBOOKS))
HELPERS := $(shell find src/helpers -name '*.py' 2>/dev/null)
# DATASET=custom: the mapping file and the export(s) it names, as helpers.data.mapping resolves
# them, escaped for make. (The vars stamp records their size and time too, for names make cannot
# take and for an export replaced by an older file.)
ifeq ($(DATASET),custom)
ifneq ($(MAPPING),)
MAPPING_INPUTS := $(shell $(PY) -m helpers.cli inputs --make --mapping=$(call shq,$(MAPPING)) 2>/dev/null)
endif
endif
DATA_CMD = $(PY) -m helpers.cli data --dataset="$$CRM_MAKE_DATASET" --seed="$$CRM_MAKE_SEED" \
	--synth-customers="$$CRM_MAKE_SYNTH_CUSTOMERS" \
	$(if $(CRM_DATA_DIR),--search-dir="$$CRM_MAKE_DATA_DIR") $(if $(OFFLINE),--no-download)

.PHONY: help setup which-python setup-spark data all notebooks lab check-params demo test test-fast lint reports site verify \
	bench mutate privacy-scan clean clean-data FORCE

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-13s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo ""
	@echo "  Quick start: make setup && make all CRM_DATA_DIR=/folder/with/online_retail_II/files"
	@echo "  Offline:     make setup && make demo"

setup: $(VENV)/.installed ## create .venv (Python 3.11, 3.12 or 3.13), install pinned packages, register the kernel

which-python: ## print the interpreter `make setup` would use (PYTHON=... or the first of python3.11-3.13)
	@$(if $(SETUP_PYTHON),$(SHOW_PYTHON),echo "error: $(NO_PYTHON)" >&2; exit 2)

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(if $(SETUP_PYTHON),echo -n "setup: "; $(SHOW_PYTHON),echo "error: $(NO_PYTHON)" >&2; exit 2)
	"$(SETUP_PYTHON)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name crm-workbook \
		--env OMP_WAIT_POLICY PASSIVE --env OPENBLAS_NUM_THREADS 1 --env MKL_NUM_THREADS 1 \
		--display-name "CRM workbook (Python $$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])'))" >/dev/null
	@touch $@
	@echo "setup: done; kernel 'crm-workbook' registered in $(VENV)"

setup-spark: $(VENV)/.installed-spark ## optional: install PySpark for ENGINE=spark (needs Java 17)

$(VENV)/.installed-spark: $(VENV)/.installed
	@command -v java >/dev/null || echo "setup-spark: warning: no java on PATH; Spark needs Java 17 (apt-get install openjdk-17-jre-headless)"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,spark]"
	@touch $@

data: $(VENV)/.installed ## acquire raw data (CRM_DATA_DIR, data/raw/, or UCI download with SHA-256 check)
	@$(DATA_CMD)

# A stamp of the Make variables (checked: a bad PARAMS stops here), rewritten only when they
# change, so that changing CUTOFF or SEED re-runs the notebooks while a plain `make all`
# re-runs only what changed.
$(STAMPS)/vars: FORCE | $(VENV)/.installed
	@$(PY) -m helpers.cli make-vars --stamp $@

check-params: $(VENV)/.installed ## check the variables and print what the notebooks would get (runs nothing)
	@$(PY) -m helpers.cli make-vars --check

# Each notebook depends on its source, the helpers, its parameters and the notebooks it reads.
# Its HTML is rendered by a step of its own, beside the notebooks that run next.
$(STAMPS)/%.done: notebooks/%.ipynb $(HELPERS) $(wildcard notebooks/params/*.yaml) $(STAMPS)/vars
	@$(PY) -m helpers.cli run $< --from-make --no-render
	@touch $@

$(REPORTS)/%.html: $(STAMPS)/%.done
	@$(PY) -m helpers.cli render notebooks/$*.ipynb --from-make

# What each notebook reads from the others (their tables, fitted models and metrics sections;
# tests/unit/test_makefile.py checks this list against the notebooks' code). Notebooks that do
# not need each other run side by side (JOBS). A notebook not listed waits for the one before it.
NEEDS_02_profile := 01_collect_clean
NEEDS_03_behaviour_lifecycle := 01_collect_clean
NEEDS_04_value_classification := 01_collect_clean
NEEDS_05_model_selection := 01_collect_clean 04_value_classification
NEEDS_05b_cross_sell := 01_collect_clean 04_value_classification
NEEDS_06_validation := 01_collect_clean 04_value_classification 05_model_selection 05b_cross_sell
NEEDS_07_case_study := 01_collect_clean 02_profile 03_behaviour_lifecycle 04_value_classification \
	05_model_selection 05b_cross_sell 06_validation
nb_stem = $(patsubst $(STAMPS)/%.done,%,$(1))
$(foreach i,$(shell seq 2 $(words $(NB_STAMPS))),$(eval $(word $(i),$(NB_STAMPS)): \
	$(if $(NEEDS_$(call nb_stem,$(word $(i),$(NB_STAMPS)))),\
		$(patsubst %,$(STAMPS)/%.done,$(NEEDS_$(call nb_stem,$(word $(i),$(NB_STAMPS))))),\
		$(word $(shell expr $(i) - 1),$(NB_STAMPS)))))

# The first notebook also depends on the data being there, and on the mapping and its export.
$(firstword $(NB_STAMPS)): $(STAMPS)/data $(MAPPING_INPUTS)

# The raw data is shared by every run of a dataset, so it is checked on every `make all` (quick
# when nothing is missing): another run may have regenerated the synthetic CRM for another
# SYNTH_CUSTOMERS. The stamp is touched only when it is new or a raw file is newer, so that the
# notebooks re-run exactly when their data changed.
$(STAMPS)/data: FORCE | $(VENV)/.installed
	@mkdir -p $(STAMPS)
	@$(DATA_CMD)
	@if [ ! -e $@ ] || [ -n "$$(find "data/raw/$$CRM_MAKE_DATASET" -type f -newer $@ 2>/dev/null | head -n 1)" ]; then touch $@; fi

# The first notebook runs alone; then `helpers.cli jobs` sizes the rest from the CPUs, the memory
# and the number of order lines notebook 01 wrote.
all: $(VENV)/.installed ## run every notebook (only what changed; side by side where they can) and render reports/
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) $(firstword $(NB_STAMPS))
	@jobs="$$($(PY) -m helpers.cli jobs --from-make)"; \
		$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -j"$$jobs" notebooks
	@$(PY) -m helpers.cli timings --from-make

# The longest chain starts first, so that the short notebooks fill the other CPUs beside it.
LONGEST_CHAIN := 04_value_classification 05_model_selection 06_validation
notebooks: $(patsubst %,$(STAMPS)/%.done,$(filter $(LONGEST_CHAIN),$(NOTEBOOKS:notebooks/%.ipynb=%))) \
	$(NB_STAMPS) $(NB_HTML)

demo: ## offline demo: the whole workbook on a small synthetic CRM (no network)
	@$(MAKE) --no-print-directory all DATASET=synthetic OFFLINE=1

test: $(VENV)/.installed ## run the test suite (unit, notebooks on synthetic data, bad inputs)
	$(PY) -m pytest -q

test-fast: $(VENV)/.installed ## unit tests only, skipping the slow ones
	$(PY) -m pytest -q -m "not slow and not notebooks and not postgres and not spark"

mutate: $(VENV)/.installed ## mutation testing of the core modules (mutmut, ~1 h on 2 cores; not in CI): bench/results/mutation.json
	@test -x $(VENV)/bin/mutmut || $(PY) -m pip install -q -e '.[mutation]' -c constraints.txt
	$(PY) bench/mutate.py --max-children 2

lab: $(VENV)/.installed ## open JupyterLab on notebooks/ with the 'crm-workbook' kernel (after make all: the defaults read its tables)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

lint: $(VENV)/.installed ## ruff lint and format check
	$(VENV)/bin/ruff check src tests notebooks
	$(VENV)/bin/ruff format --check src tests

# The site needs the `site` extra (in `dev`, so `make setup` installs it; installed here for an
# older .venv).
SITE_DEPS = @$(PY) -c 'import myst_nb, furo' 2>/dev/null || $(PY) -m pip install -q \
	--disable-pip-version-check -c constraints.txt -e '.[site]'

reports: $(VENV)/.installed ## build reports/site/ (every notebook: sidebar, search), index.html, README.md
	$(SITE_DEPS)
	$(PY) -m helpers.results.pages build --reports-dir $(REPORTS)
	$(PY) -m helpers.results.book check $(REPORTS)/site

site: $(VENV)/.installed ## rebuild only reports/site/ from the executed notebooks (no PDF, no index)
	$(SITE_DEPS)
	$(PY) -m helpers.results.book build --reports-dir $(REPORTS)
	$(PY) -m helpers.results.book check $(REPORTS)/site

verify: $(VENV)/.installed ## re-run the study and compare metrics.json with the committed one
	$(PY) -m helpers.results.verify --dataset="$$CRM_MAKE_DATASET" \
		$(if $(CRM_DATA_DIR),--search-dir="$$CRM_MAKE_DATA_DIR")

bench: $(VENV)/.installed ## benchmarks: end-to-end time, stage profile, scaling, tool comparison
	$(PY) bench/run_all.py $(if $(CRM_DATA_DIR),--search-dir="$$CRM_MAKE_DATA_DIR") $(BENCH_ARGS)

privacy-scan: $(VENV)/.installed ## scan reports/ and exports for raw customer IDs and e-mails
	$(PY) scripts/privacy_scan.py reports

clean: ## remove executed notebooks, stamps and derived data (keeps raw data and curated reports)
	for d in reports/*/.stamps; do [[ -d "$$d" ]] && rm -rf -- "$${d%/.stamps}"; done; true
	rm -rf reports/.stamps reports/notebooks reports/logs reports/synthetic reports/custom
	rm -rf data/interim/* data/processed/*
	@touch data/interim/.gitkeep data/processed/.gitkeep

clean-data: clean ## also remove the raw data copies in data/raw/ (never the source folder)
	find data/raw -mindepth 1 -exec chmod -R u+w {} + -delete 2>/dev/null || true
	rm -rf data/raw/*/

FORCE:

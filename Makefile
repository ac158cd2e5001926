# Two commands on a fresh machine: `make reproduce` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SEED ?= 0
OUT ?= reports

.PHONY: venv reproduce test lint format constraints bench bench-reproduce crosscheck clean

venv: $(STAMP)

# Re-runs only when the declared dependencies or the pins change.
$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

reproduce: $(STAMP)
	$(PY) -m analysis reproduce --seed $(SEED) --out $(OUT)

# Notebooks run headless as `reproduce` runs them: widgets render their starting state
# (ANALYSIS_STATIC_WIDGETS, see analysis/engine/hrr.py) and no cell may take more than 10 minutes.
test: lint
	ANALYSIS_STATIC_WIDGETS=1 $(PY) -m pytest tests analysis --nbmake notebooks --nbmake-timeout=600

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/anova.py
	$(PY) benchmarks/power.py
	$(PY) benchmarks/reproduce.py

# Warm `make reproduce`, three timed runs beside one with kernels launched afresh (issue 11).
bench-reproduce: $(STAMP)
	$(PY) benchmarks/reproduce.py

# Recompute the R reference values the tests pin (needs R: apt-get install r-base-core
# r-cran-afex r-cran-effectsize r-cran-metafor r-cran-lme4); fails if any of them changed.
# Not part of `make test`. See tests/reference/README.md.
crosscheck: $(STAMP)
	@command -v Rscript >/dev/null || { echo "crosscheck needs R: apt-get install r-base-core r-cran-afex r-cran-effectsize r-cran-metafor r-cran-lme4"; exit 2; }
	$(PY) tests/reference/make_designs.py
	$(PY) tests/reference/dump_aerobic_meta.py
	for s in anova effectsize meta lme4; do Rscript tests/reference/$${s}_reference.R || exit 1; done
	git diff --exit-code --stat -- tests/reference

# Refresh the pins after a deliberate upgrade (then run `make test`).
constraints: $(STAMP)
	( sed -n '1,3p' requirements/constraints.txt; \
	  $(PY) -m pip freeze --exclude-editable | grep -v -E '^(pip|setuptools|wheel)==' ) > requirements/constraints.new
	mv requirements/constraints.new requirements/constraints.txt

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache .hypothesis

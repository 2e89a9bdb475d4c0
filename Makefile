# Quick start: `make report` runs the main job, `make test` runs every check.
# Both create the virtual environment .venv on first use (Python 3.11+ needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test test-fast bench xmile diagrams clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/sdcluster report

test: $(STAMP)
	$(BIN)/ruff check sdcluster tests bench models
	$(BIN)/mypy sdcluster
	$(BIN)/lint-imports
	$(BIN)/pytest

# The suite without the tests marked slow (long horizons, many runs): for quick iterations.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# Regenerate the XMILE twin (and its diagram) from the Vensim model.
xmile: $(STAMP)
	$(BIN)/python -m sdcluster.tools.mdl_to_xmile models/innovation_cluster.mdl models/innovation_cluster.xmile

# Redraw the per-view pictures of the diagram (used by the README).
diagrams: $(STAMP)
	$(BIN)/python -m sdcluster.model.diagram models/innovation_cluster.mdl models/diagrams

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

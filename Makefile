# Two entry points on a fresh machine (each creates its own virtual environment in .venv):
#   make demo   diagnose the bundled broken cluster offline (no cluster, no AI key)
#   make test   lint and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install bench docs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/kubectl-prism diagnose -A --snapshot examples/shop-outage

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q -n 2

bench: install
	$(BIN)/python benchmarks/help_bench.py

# Regenerate shell completions and the man page from the CLI (a test fails when they are stale).
docs: install
	$(BIN)/python -m kubectl_prism.completion --write

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

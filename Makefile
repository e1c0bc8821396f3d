# kryten-economy — one venv, everything installed from the package registries.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test test-unit test-system bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Run the whole stack on embedded defaults: bundled NATS (unless NATS_URL is set) + SQLite in ./data
run: $(STAMP)
	$(PY) -m economy_stack --config $${KRYTEN_ECONOMY_CONFIG:-config/economy.example.yaml}

## The whole suite: unit, contract, integration and system tests (real nats-server)
test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

test-unit: $(STAMP)
	$(PY) -m pytest -q -m "not system"

test-system: $(STAMP)
	$(PY) -m pytest -q -m system

## Benchmarks through real NATS (numbers, not pass/fail)
bench: $(STAMP)
	$(PY) -m tests.bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) data .pytest_cache

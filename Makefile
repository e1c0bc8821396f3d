# kryten-economy — one venv, everything installed from the package registries.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test test-unit test-system test-robot bench simulate lint clean

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

## The economy through the REAL kryten-robot and a fake CyTube (not part of `make test`). The robot gets its
## own venv: kryten-robot and kryten-py both install the top-level package `kryten`.
ROBOT_VENV  ?= .venv-robot
ROBOT_STAMP := $(ROBOT_VENV)/.installed

$(ROBOT_STAMP):
	$(PYTHON) -m venv $(ROBOT_VENV)
	$(ROBOT_VENV)/bin/python -m pip install --quiet kryten-robot==1.12.6
	touch $(ROBOT_STAMP)

test-robot: $(STAMP) $(ROBOT_STAMP)
	test -x $(ROBOT_VENV)/bin/kryten-robot
	KRYTEN_ROBOT_VENV=$(abspath $(ROBOT_VENV)) $(PY) -m pytest -q -p no:cacheprovider -rs -m robot tests/robot

## The economy simulator: 200 users x 30 days through every service's real rules (README "Simulating the economy")
SIM_ARGS   ?= --users 200 --days 30 --seed 1
SIM_CONFIG ?= config/economy.example.yaml
simulate: $(STAMP)
	$(PY) -m economy_sim $(SIM_ARGS) --config $(SIM_CONFIG)

## Benchmarks through real NATS (numbers, not pass/fail)
bench: $(STAMP)
	$(PY) -m tests.bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) $(ROBOT_VENV) data .pytest_cache

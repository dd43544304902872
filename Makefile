# promising — set-up, tests, benchmarks and the demo server.
# `make setup` is idempotent: it re-installs only when pyproject.toml changed and regenerates
# stubs only when a .proto changed.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
PROTOS := $(shell find proto -name '*.proto' 2>/dev/null)
DEMO := data/demo
DATA_DIR := data/journal
BUF_VERSION := 1.75.0
BUF := node_modules/.bin/buf
PROTO_DEPS := build/proto-deps

.PHONY: setup test bench soak run lint proto demo clean

setup: $(STAMPS)/install $(STAMPS)/proto

$(STAMPS)/install: pyproject.toml
	@mkdir -p $(STAMPS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

$(STAMPS)/proto: $(STAMPS)/install $(PROTOS) scripts/gen_proto.py
	$(PY) scripts/gen_proto.py
	@touch $@

proto: $(STAMPS)/proto

# `make test`: everything but the soaks, each hypothesis property at its cut-down size on fixed
# examples (tests/sizes.py, tests/conftest.py). `make soak`: the slow tests, and every property
# again at full size on fresh examples.
test: setup
	HYPOTHESIS_PROFILE=test $(PY) -m pytest -q -m "not slow" -p no:cacheprovider \
		--benchmark-disable --durations=10

soak: setup
	HYPOTHESIS_PROFILE=soak $(PY) -m pytest -q -m "slow or hypothesis" --benchmark-disable \
		--durations=10

bench: setup
	$(PY) -m pytest benchmarks -q --benchmark-only --benchmark-columns=min,median,mean,max,rounds

# buf comes from npm into a local node_modules (ignored by git), pinned to one version.
$(BUF):
	npm install --no-save --no-package-lock --no-audit --no-fund --prefix . @bufbuild/buf@$(BUF_VERSION)

lint: setup $(BUF)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/gen_proto.py --deps $(PROTO_DEPS)
	$(BUF) lint

demo: setup
	@test -f $(DEMO)/manifest.json || $(VENV)/bin/promising generate --items 2000 --locations 8 \
		--horizon-days 180 --seed 7 --out $(DEMO)

run: demo
	$(VENV)/bin/promising serve --snapshot $(DEMO) --data-dir $(DATA_DIR)

clean:
	rm -rf $(VENV) $(STAMPS) promising/v1 .pytest_cache .benchmarks

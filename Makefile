# Local commands are CI's commands: .ci/run is `make test`.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo serve test lint format bench bench-scale

## setup: .venv, PostgreSQL/Redis packages, the Pulumi engine (idempotent)
setup:
	@bash tools/setup.sh

## demo: set up, then run the whole product on embedded defaults (see ethiq/demo.py)
demo: setup
	@$(BIN)/ethiq demo

## serve: the runtime on this machine (settings from the environment; see README.md)
serve: setup
	@$(BIN)/ethiq serve

## lint: ruff, ruff format, mypy strict, import contracts, declared imports, gofmt, go vet, actionlint,
## hadolint
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/deptry .
	@test -z "$$(gofmt -l tools/engine)" || { gofmt -l tools/engine; echo "gofmt: files above need formatting"; exit 1; }
	cd tools/engine && GOFLAGS=-mod=mod go vet ./langhost
	$(BIN)/actionlint
	$(BIN)/hadolint Dockerfile

## test: set up, lint, then the whole pytest suite (starts its own PostgreSQL and Redis) on
## TEST_WORKERS processes (default 2), each running whole test files
TEST_WORKERS ?= 2
test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## format: apply ruff's formatting and import order
format: setup
	$(BIN)/ruff check --fix --select I .
	$(BIN)/ruff format .

## bench: provisioning time and Twilio calls for one tenant; screening speed vs a naive
## baseline; reconcile cost with 200 stacks of which 2 changed; reading 20 stacks' applied
## commits per set vs per stack; voice webhook load vs ceiling
bench: setup
	$(BIN)/python -m tests.benchmarks.provisioning
	$(BIN)/python -m runtime.screening.bench
	$(BIN)/python -m tests.benchmarks.reconcile_cost
	$(BIN)/python -m tests.benchmarks.reconcile_inventory
	$(BIN)/python -m tests.benchmarks.voice_load

## bench-scale: 5,000 tenants on one PostgreSQL (max_connections=100): connections used
bench-scale: setup
	$(BIN)/python -m tests.benchmarks.tenant_scale

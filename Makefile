# Local commands are CI's commands: .ci/run is `make test`.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint format bench

## setup: .venv, PostgreSQL/Redis packages, the Pulumi engine (idempotent)
setup:
	@bash tools/setup.sh

## demo: set up, then run the main job on embedded defaults (for now: the engine smoke)
demo: setup
	@$(BIN)/ethiq engine smoke

## lint: ruff, ruff format, mypy strict, gofmt and go vet
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@test -z "$$(gofmt -l tools/engine)" || { gofmt -l tools/engine; echo "gofmt: files above need formatting"; exit 1; }
	cd tools/engine && GOFLAGS=-mod=mod go vet ./langhost

## test: set up, lint, then the whole pytest suite (starts its own PostgreSQL and Redis)
test: lint
	$(BIN)/pytest

## format: apply ruff's formatting and import order
format: setup
	$(BIN)/ruff check --fix --select I .
	$(BIN)/ruff format .

## bench: provisioning time and Twilio calls for one tenant; screening speed vs a naive baseline
bench: setup
	$(BIN)/python -m infra.bench
	$(BIN)/python -m runtime.screening.bench

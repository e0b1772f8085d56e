#!/usr/bin/env bash
# One-command setup on a fresh Debian machine (see README.md). Idempotent: every step checks a
# stamp of its inputs and does nothing when they have not changed.
#
#   1. .venv with the locked Python dependencies (requirements.lock) and this project, editable
#   2. PostgreSQL and Redis servers from Debian packages, when missing (tests start their own),
#      and chromium for the browser tests of the web pages
#   3. the Pulumi engine in .venv/bin: an installed `pulumi` when there is one, else built from
#      the Go module proxy at the release pinned in tools/engine/go.mod (tools/engine/build.sh)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
venv=.venv
uv_version=0.13.9 # installs the lock ~10x faster than pip; pinned like every other tool

step() { if [[ -t 1 ]]; then printf '\033[1m[setup %s]\033[0m %s\n' "$1" "$2"; else printf '[setup %s] %s\n' "$1" "$2"; fi; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }
stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
started=$(date +%s)

# --- 1. Python ---------------------------------------------------------------------------------
want=$(stamp_of requirements.lock pyproject.toml)
if [[ -x $venv/bin/python && "$(cat $venv/.deps-stamp 2>/dev/null)" == "$want" ]]; then
  step 1/3 "Python environment up to date ($venv)"
else
  step 1/3 "Python environment: installing the locked dependencies into $venv"
  command -v python3 >/dev/null || die "python3 (>= 3.11) is required"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "python3 >= 3.11 is required"
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$uv_version"
  "$venv/bin/uv" pip sync --quiet --python "$venv/bin/python" requirements.lock
  "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --no-deps -e .
  echo "$want" >"$venv/.deps-stamp"
fi

# --- 2. Services -------------------------------------------------------------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
missing=()
[[ -n $pg_bin && -x $pg_bin/postgres ]] || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v strace >/dev/null || missing+=(strace) # the engine test proves it stays on loopback
command -v wrk >/dev/null || missing+=(wrk)       # load generator of the voice benchmark
# People's pages are tested in a real browser: Playwright drives Debian's chromium (Playwright's
# own browser download is not used).
command -v chromium >/dev/null || missing+=(chromium)
command -v promtool >/dev/null || missing+=(prometheus) # promtool checks ops/prometheus rules
if ((${#missing[@]} == 0)); then
  step 2/3 "PostgreSQL and Redis servers present (not started: tests start their own)"
else
  step 2/3 "Installing Debian packages: ${missing[*]}"
  [[ $(id -u) == 0 ]] || die "run as root, or install them first: sudo apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the packaged services; the project never uses them, so stop them again.
  for svc in postgresql redis-server prometheus; do
    if command -v service >/dev/null; then service "$svc" stop >/dev/null 2>&1 || true; fi
  done
fi

# --- 3. Pulumi engine, Go tools, the dashboard schema ---------------------------------------
step 3/3 "Pulumi engine"
bash tools/engine/build.sh "$venv/bin"
# actionlint (lints .github/workflows), pinned in tools/actionlint/go.mod; rebuilt on pin change.
want_lint=$(stamp_of tools/actionlint/go.mod tools/actionlint/go.sum)
if [[ ! -x $venv/bin/actionlint || "$(cat $venv/.actionlint-stamp 2>/dev/null)" != "$want_lint" ]]; then
  echo "  building actionlint"
  (cd tools/actionlint && GOTOOLCHAIN=auto GOFLAGS=-mod=mod go build -trimpath \
    -o "$root/$venv/bin/actionlint" github.com/rhysd/actionlint/cmd/actionlint)
  echo "$want_lint" >"$venv/.actionlint-stamp"
fi

# stripe-mock (Stripe's own mock of its API, for billing tests and the demo), pinned in
# tools/stripe-mock/go.mod; rebuilt on pin change.
want_mock=$(stamp_of tools/stripe-mock/go.mod tools/stripe-mock/go.sum)
if [[ ! -x $venv/bin/stripe-mock || "$(cat $venv/.stripe-mock-stamp 2>/dev/null)" != "$want_mock" ]]; then
  echo "  building stripe-mock"
  (cd tools/stripe-mock && GOTOOLCHAIN=auto GOFLAGS=-mod=mod go build -trimpath \
    -o "$root/$venv/bin/stripe-mock" github.com/stripe/stripe-mock)
  echo "$want_mock" >"$venv/.stripe-mock-stamp"
fi

# vegeta (open-loop load at a fixed request rate, for the voice benchmark's p99), pinned in
# tools/vegeta/go.mod; rebuilt on pin change.
want_vegeta=$(stamp_of tools/vegeta/go.mod tools/vegeta/go.sum)
if [[ ! -x $venv/bin/vegeta || "$(cat $venv/.vegeta-stamp 2>/dev/null)" != "$want_vegeta" ]]; then
  echo "  building vegeta"
  (cd tools/vegeta && GOTOOLCHAIN=auto GOFLAGS=-mod=mod go build -trimpath \
    -o "$root/$venv/bin/vegeta" github.com/tsenart/vegeta/v12)
  echo "$want_vegeta" >"$venv/.vegeta-stamp"
fi

# amtemplate (Alertmanager's own template package, rendering the platform's SNS message template
# in tests/ops/test_sns_alerts.py), pinned in tools/amtemplate/go.mod; rebuilt on a change.
want_am=$(stamp_of tools/amtemplate/go.mod tools/amtemplate/go.sum tools/amtemplate/main.go)
if [[ ! -x $venv/bin/amtemplate || "$(cat $venv/.amtemplate-stamp 2>/dev/null)" != "$want_am" ]]; then
  echo "  building amtemplate"
  (cd tools/amtemplate && GOTOOLCHAIN=auto GOFLAGS=-mod=mod go build -trimpath \
    -o "$root/$venv/bin/amtemplate" .)
  echo "$want_am" >"$venv/.amtemplate-stamp"
fi

# Grafana's published dashboard types (@grafana/schema) and the TypeScript compiler, pinned in
# tools/grafana-schema/package-lock.json: tests/ops/test_ops_files.py type-checks the dashboard
# against them. Installed under .venv (cached with it); reinstalled on a pin change.
want_gs=$(stamp_of tools/grafana-schema/package.json tools/grafana-schema/package-lock.json)
if [[ ! -x $venv/grafana-schema/node_modules/.bin/tsc || "$(cat $venv/.grafana-schema-stamp 2>/dev/null)" != "$want_gs" ]]; then
  echo "  installing Grafana's dashboard schema"
  command -v npm >/dev/null || die "npm is missing: install Node.js (Debian: apt-get install nodejs npm)"
  mkdir -p "$venv/grafana-schema"
  cp tools/grafana-schema/package.json tools/grafana-schema/package-lock.json "$venv/grafana-schema/"
  (cd "$venv/grafana-schema" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want_gs" >"$venv/.grafana-schema-stamp"
fi

printf 'setup: done in %ss. Activate with: source %s/bin/activate\n' "$(($(date +%s) - started))" "$venv"

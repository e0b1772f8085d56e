#!/usr/bin/env bash
# Puts the Pulumi engine into BIN_DIR (normally .venv/bin):
#   pulumi                         the CLI/engine: an installed one when PATH has it, else built
#                                  from the Go module proxy at the release pinned in go.mod
#   pulumi-language-python         the Python language host (langhost/, see its doc comment)
#   pulumi-language-python-exec    Pulumi's program runner  } copied from the pinned
#   pulumi-resource-pulumi-python  dynamic-provider launcher } sdk/v3 module
#   pulumi-analyzer-policy-python  policy-pack launcher for engines without a language host
# Rebuilds only when something is missing or an input (go.mod, go.sum, langhost/, this script)
# changed. Usage: build.sh BIN_DIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$(mkdir -p "$1" && cd "$1" && pwd)
cd "$here"

say() { printf '  %s\n' "$*"; }
die() { printf 'engine: %s\n' "$*" >&2; exit 1; }

pin=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' go.mod)
[[ -n $pin ]] || die "no github.com/pulumi/pulumi/pkg/v3 pin in $here/go.mod"
want="$pin $(cat go.mod go.sum langhost/*.go build.sh | sha256sum | cut -d' ' -f1)"
stamp=$bin/.engine-stamp
launchers=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python
  pulumi-analyzer-policy-python)

all_present() { for f in "${launchers[@]}"; do [[ -x $bin/$f ]] || return 1; done; }
if all_present && [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  say "up to date: $("$bin/pulumi" version 2>/dev/null) in $bin"
  exit 0
fi

# Go: the machine's, else Debian's; GOTOOLCHAIN=auto fetches the release go.mod needs from the
# module proxy when the installed one is older.
if ! command -v go >/dev/null; then
  [[ $(id -u) == 0 ]] || die "Go is required: sudo apt-get install golang-go"
  say "installing Go from Debian packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go >/dev/null
fi
export GOTOOLCHAIN=auto GOFLAGS=-mod=mod
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Compiles PACKAGE into OUT, printing progress every 100 compiled packages.
go_build() {
  local out=$1 pkg=$2
  if ! go build -v -trimpath -o "$out" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pin -X main.version=${pin#v}" \
    "$pkg" 2>&1 | tee "$log" | awk '{ if (++n % 100 == 0) printf "    ... %d packages compiled\n", n; fflush() }'; then
    tail -n 30 "$log" >&2
    die "go build $pkg failed (last lines above)"
  fi
}

rm -f "$stamp"
installed=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$bin" | paste -sd:) command -v pulumi || true)
if [[ -n $installed ]]; then
  say "using the installed engine: $installed ($("$installed" version))"
  ln -sf "$installed" "$bin/pulumi"
  if [[ -x $(dirname "$installed")/pulumi-language-python ]]; then
    ln -sf "$(dirname "$installed")/pulumi-language-python" "$bin/pulumi-language-python"
  fi
else
  say "building the Pulumi CLI $pin from the Go module proxy (first build: several minutes)"
  rm -f "$bin/pulumi"
  go_build "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
fi
if [[ ! -x $bin/pulumi-language-python || -z $installed ]]; then
  say "building the Python language host"
  rm -f "$bin/pulumi-language-python"
  go_build "$bin/pulumi-language-python" ./langhost
fi

# Pulumi's own Python launchers, from the sdk/v3 module at the pinned release.
sdk=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
[[ -d $sdk/python ]] || die "sdk/v3 module has no python/ directory at $sdk"
install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$bin/pulumi-resource-pulumi-python"
sed 's/-m pulumi\.dynamic/-m pulumi.policy/' "$sdk/python/dist/pulumi-resource-pulumi-python" \
  >"$bin/pulumi-analyzer-policy-python"
chmod 0755 "$bin/pulumi-analyzer-policy-python"

all_present || die "some engine files are missing from $bin"
echo "$want" >"$stamp"
say "ready: $("$bin/pulumi" version) in $bin"

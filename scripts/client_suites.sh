#!/usr/bin/env bash
# Runs the official clients' own KV test suites against the real nats-server and against
# `kvplay serve`, side by side, and reports every test's result on both.
#
#   bash scripts/client_suites.sh [async-nats|nats-py|all] [-- TEST-NAME-FILTER...]
#
# Each suite is fetched from its package registry at test time into .tools/client-suites/
# (nothing of it is kept in this repository) and built there once; a warm machine only runs
# the tests. The suites start their servers by running `nats-server` from PATH;
# scripts/client_suites/nats-server, first on PATH, starts the real server or `kvplay serve`
# with the same options (CLIENT_SUITE_SERVER says which).
#
# Results: .tools/client-suites/results/SUITE.tsv (test, result on nats-server, result on
# kvplay serve, kvplay's first error line) and one log per test and server beside it.
# Exit status: 0 when every test that passes on nats-server passes on kvplay serve.
#
# Environment: ASYNC_NATS_VERSION (0.51.0), NATS_PY_VERSION (2.16.0), CLIENT_SUITE_JOBS
# (parallel tests, 4), CLIENT_SUITE_TIMEOUT (seconds a test may take, 120),
# KVPLAY_NATS_SERVER (the real nats-server; default the venv's), KVPLAY_BIN (kvplay; default:
# built here with cargo).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
here="$root/scripts/client_suites"
tools="$root/.tools/client-suites"
results="$tools/results"
mkdir -p "$tools" "$results"

suite="${1:-all}"
shift || true
[ "${1:-}" = "--" ] && shift
filters=("$@")

ASYNC_NATS_VERSION="${ASYNC_NATS_VERSION:-0.51.0}"
NATS_PY_VERSION="${NATS_PY_VERSION:-2.16.0}"
export CLIENT_SUITE_NATS_SERVER="${KVPLAY_NATS_SERVER:-$root/.tools/venv/bin/nats-server}"
[ -x "$CLIENT_SUITE_NATS_SERVER" ] || { echo "no nats-server at $CLIENT_SUITE_NATS_SERVER (scripts/setup.sh installs it)" >&2; exit 1; }
if [ -z "${KVPLAY_BIN:-}" ]; then
  (cd "$root" && cargo build --locked --quiet --bin kvplay)
  KVPLAY_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/kvplay"
fi
export CLIENT_SUITE_KVPLAY="$KVPLAY_BIN"
export PATH="$here:$PATH"

secs() { date +%s; }

# The async-nats crate as published, unpacked and patched to build its own tests here.
fetch_async_nats() {
  local dir="$tools/async-nats-$ASYNC_NATS_VERSION"
  if [ ! -f "$dir/.unpacked" ]; then
    local scratch="$tools/fetch-async-nats-$ASYNC_NATS_VERSION"
    mkdir -p "$scratch/src"
    printf '[package]\nname = "fetch-async-nats"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nasync-nats = "=%s"\n\n[workspace]\n' \
      "$ASYNC_NATS_VERSION" > "$scratch/Cargo.toml"
    : > "$scratch/src/lib.rs"
    cargo fetch --quiet --manifest-path "$scratch/Cargo.toml"
    local crate
    crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"async-nats-$ASYNC_NATS_VERSION.crate" | head -1)
    rm -rf "$dir"
    tar xzf "$crate" -C "$tools"
    [ -d "$dir/tests" ] || { echo "async-nats $ASYNC_NATS_VERSION as published has no tests/" >&2; exit 1; }
    python3 "$here/patch_async_nats.py" "$dir" "$here/nats-server-helper"
    touch "$dir/.unpacked"
  fi
  echo "$dir"
}

run_async_nats() {
  local dir t0 bins
  dir=$(fetch_async_nats)
  t0=$(secs)
  # The shipped Cargo.lock pins the versions the release was tested with.
  CARGO_TARGET_DIR="$tools/target" cargo test --manifest-path "$dir/Cargo.toml" --no-run \
    --test kv_tests --test jetstream_tests 2> "$tools/async-nats-build.log" || {
    tail -30 "$tools/async-nats-build.log" >&2
    exit 1
  }
  echo "async-nats $ASYNC_NATS_VERSION tests built in $(( $(secs) - t0 )) s"
  bins=$(sed -n 's/.*Executable tests\/\(kv_tests\|jetstream_tests\)\.rs (\(.*\))$/\2/p' "$tools/async-nats-build.log")
  python3 "$here/run_suite.py" libtest --name async-nats --cwd "$dir" --out "$results" --netns \
    --filter-file "$here/async-nats.tests" ${filters[@]+"${filters[@]}"} -- $bins
}

# nats-py's own tests. Its sdist on the registry has no tests/, so they come from a checkout of
# its repository (the `nats/` folder of nats.py at the release's commit): NATS_PY_TESTS names
# that folder. The nats-py under test is the registry's, installed in a venv of its own.
run_nats_py() {
  if [ -z "${NATS_PY_TESTS:-}" ]; then
    echo "nats-py: skipped: set NATS_PY_TESTS to the nats/ folder of a nats.py checkout (the sdist has no tests)" >&2
    return 0
  fi
  local venv="$tools/nats-py-$NATS_PY_VERSION-venv"
  if [ ! -x "$venv/bin/pytest" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "nats-py==$NATS_PY_VERSION" pytest
  fi
  # Its NATSD helper runs ./nats-server or ~/nats-server/nats-server before PATH's.
  [ ! -e "$HOME/nats-server/nats-server" ] || { echo "~/nats-server/nats-server would shadow the shim" >&2; exit 1; }
  python3 "$here/run_suite.py" pytest --name nats-py --cwd "$NATS_PY_TESTS" --out "$results" --netns \
    --path tests/test_js.py --filter-file "$here/nats-py.tests" ${filters[@]+"${filters[@]}"} \
    -- "$venv/bin/python" -m pytest
}

case "$suite" in
  async-nats) run_async_nats ;;
  nats-py) run_nats_py ;;
  all) run_async_nats; run_nats_py ;;
  *) echo "usage: $0 [async-nats|nats-py|all] [-- FILTER...]" >&2; exit 2 ;;
esac

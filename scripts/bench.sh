#!/usr/bin/env bash
# Measures the engine (cargo bench) and the release build in headless Chromium, and writes BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh
engine=$(cargo bench --quiet --bench engine 2>/dev/null)
server_load=$(cargo bench --quiet --profile fast --bench server 2>/dev/null)
trunk build --release >/dev/null 2>&1
cargo build --quiet --profile fast --bin kvplay
app=$(node scripts/measure_app.mjs)
ws=$(node scripts/bench_ws.mjs)
server_rtt=$(node scripts/bench_server.mjs)
cat > BENCHMARKS.md <<MD
# Benchmarks

Written by \`bash scripts/bench.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores). These are reports, not tests: nothing
fails when a number moves. Targets: the whole app under 300 KB gzip, an interactive terminal under 300 ms on
localhost.

## Engine: 100,000 keys, beside a plain HashMap doing the same inserts and lookups in the same run

$engine

The engine does more than a map on every write: it allocates the subject, keeps the stream's sequence order and a
per-key index, enforces the history limit, counts bytes as the server does, and checks TTLs and watchers. The
watch row delivers every put to 100 watchers; its HashMap column is the same puts without any watcher, so the
ratio is the cost of the fan-out (about half a microsecond per delivered event).

## The playground as a NATS server

### Official clients against \`kvplay serve\` and nats-server

$server_rtt

Targets: no slower than nats-server natively; in the page, at least 10x faster than the same client against
nats-server over loopback WebSocket. In the page each round trip is the client's own work in JavaScript, the copy
of the bytes across the link, and the server's handling in wasm; the link answers in a microtask and the views
redraw at most every 50 ms while clients write.

### Load: 200 watching connections and a burst of 100,000 puts (release build, the sans-I/O core)

$server_load

The test suite runs the same load at a smaller scale (200 watchers over 2,500 puts; 3 watchers over 100,000
puts) and checks that every put is acknowledged and every watcher receives every revision once, in order.

## Browser app

$app

## A real server over WebSocket: the page's client beside the official JavaScript client

$ws

Both clients make one request per operation (ours remembers which buckets exist, as the official client's
bucket handle does, and the page's WebSocket reports a closed connection itself, so no PING goes before a
request). Against a server the terminal adds the command language, which costs microseconds.

### What stands in the way of the size target

The wasm is about 545 KB gzip (it was 430 KB): the page's NATS server (protocol, JetStream API, consumers, typed
API JSON), the CLI's fisk help layout and \`--trace\`, and the newcomer fixes were added together, so the first
load grew; the official JavaScript client (66 KB gzip, \`vendor/nats.js\`) is fetched only when client code first
runs. Before that the page loaded about 445 KB gzip against a target of 300 KB (182 KB before lessons, the timeline, embeds and
export; 337 KB before the real-server connection, whose async client, WebSocket link, connect control and nkey
signing (Ed25519 and SHA-512 from the `nkeys` crate) add about 105 KB). Measured with twiggy on the release wasm, before wasm-opt: Yew's rendering code,
instantiated for each of the app's components, is the largest part (about 255 KB of yew symbols), then the
components' own view code (about 150 KB; the timeline, lesson panel and page are the largest), the engine and
the command language (about 100 KB together) and serde_json (about 45 KB, for export, import and saved state).
Ways to get under the target, not taken yet: load the real-server connection (client, connect control, nkey
signing) as a second wasm module when Connect is pressed, and the timeline, watchers and lesson panel on first
use; use the browser's own JSON through serde-wasm-bindgen instead of serde_json (times would
then travel as strings, as JSON numbers cannot hold nanosecond timestamps exactly); share more view code
between components.
MD
echo "wrote BENCHMARKS.md"

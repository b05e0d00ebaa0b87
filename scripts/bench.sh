#!/usr/bin/env bash
# Measures the engine (cargo bench) and the release build in headless Chromium, and writes BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh
engine=$(cargo bench --quiet --bench engine 2>/dev/null)
trunk build --release >/dev/null 2>&1
app=$(node scripts/measure_app.mjs)
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

## Browser app

$app
MD
echo "wrote BENCHMARKS.md"

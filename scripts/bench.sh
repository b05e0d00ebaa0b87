#!/usr/bin/env bash
# Measures the engine (cargo bench), the playground as a NATS server and the release build in headless Chromium,
# and replaces the figures between the `<!-- measured by scripts/bench.sh: NAME -->` and `<!-- end of measured -->`
# markers in BENCHMARKS.md, leaving the analysis written around them as it is.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh
trunk build --release >/dev/null 2>&1
cargo build --quiet --profile fast --bin kvplay
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo bench --quiet --bench engine 2>/dev/null >"$out/engine"
cargo bench --quiet --profile fast --bench server 2>/dev/null >"$out/server_load"
node scripts/bench_server.mjs >"$out/server_rtt"
node scripts/measure_app.mjs >"$out/app"
node scripts/bench_ws.mjs >"$out/ws"
python3 - "$out" "$(date -u +%Y-%m-%d)" "$(nproc)" <<'PY'
import pathlib, re, sys
out, day, cores = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
doc = pathlib.Path("BENCHMARKS.md")
text = doc.read_text()
for name in ["engine", "server_load", "server_rtt", "app", "ws"]:
    start = f"<!-- measured by scripts/bench.sh: {name} -->\n"
    block = re.compile(re.escape(start) + r".*?\n<!-- end of measured -->", re.S)
    if not block.search(text):
        sys.exit(f"BENCHMARKS.md has no {name!r} block: put the markers back around its figures")
    figures = f"Measured on {day} ({cores} cores).\n\n" + (out / name).read_text().strip("\n")
    text = block.sub(lambda _: start + figures + "\n<!-- end of measured -->", text, count=1)
doc.write_text(text)
PY
echo "updated the measured figures in BENCHMARKS.md"

#!/usr/bin/env bash
# Measures the engine (cargo bench), the playground as a NATS server and the release build in headless Chromium,
# and replaces the figures between the `<!-- measured by scripts/bench.sh: NAME -->` and `<!-- end of measured -->`
# markers in BENCHMARKS.md, leaving the analysis written around them as it is.
# Usage: bash scripts/bench.sh [SECTION...]: only the named sections (engine, server_load, server_rtt,
# side_by_side, app, ws); all of them by default.
set -euo pipefail
all="engine server_load server_rtt side_by_side app ws"
sections=" ${*:-$all} "
for s in $sections; do
  case " $all " in *" $s "*) ;; *) echo "bench.sh: no section $s (sections: $all)" >&2; exit 2 ;; esac
done
want() { [[ "$sections" == *" $1 "* ]]; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh
if want server_rtt || want app || want ws; then trunk build --release >/dev/null 2>&1; fi
if want server_rtt || want side_by_side; then cargo build --quiet --profile fast --bin kvplay; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
target=${CARGO_TARGET_DIR:-target}
if want engine; then cargo bench --quiet --bench engine 2>/dev/null >"$out/engine"; fi
if want server_load; then cargo bench --quiet --profile fast --bench server 2>/dev/null >"$out/server_load"; fi
if want server_rtt; then node scripts/bench_server.mjs >"$out/server_rtt"; fi
# kvplay serve beside nats-server: the load, put latency, a connection storm and overwrites (a few minutes).
if want side_by_side; then
  python scripts/bench_side_by_side.py "$target/fast/kvplay" "$(command -v nats-server)" >"$out/side_by_side"
fi
if want app; then node scripts/measure_app.mjs >"$out/app"; fi
if want ws; then node scripts/bench_ws.mjs >"$out/ws"; fi
python3 - "$out" "$(date -u +%Y-%m-%d)" "$(nproc)" $sections <<'PY'
import pathlib, re, sys
out, day, cores, names = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
doc = pathlib.Path("BENCHMARKS.md")
text = doc.read_text()
for name in names:
    start = f"<!-- measured by scripts/bench.sh: {name} -->\n"
    block = re.compile(re.escape(start) + r".*?\n<!-- end of measured -->", re.S)
    if not block.search(text):
        sys.exit(f"BENCHMARKS.md has no {name!r} block: put the markers back around its figures")
    figures = f"Measured on {day} ({cores} cores).\n\n" + (out / name).read_text().strip("\n")
    text = block.sub(lambda _: start + figures + "\n<!-- end of measured -->", text, count=1)
doc.write_text(text)
PY
echo "updated the measured figures in BENCHMARKS.md"

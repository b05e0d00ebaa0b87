#!/usr/bin/env bash
# Opens the playground: builds it and serves it on http://127.0.0.1:8088 (the embedded engine, no server needed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh
echo "Serving the playground on http://127.0.0.1:8088/ (Ctrl-C to stop)"
# No auto-reload: its injected inline script would break the page's Content-Security-Policy (no inline scripts).
exec trunk serve --release --no-autoreload

# Puts the project's own tools on PATH (sourced by the other scripts).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/.tools/npm/node_modules/.bin:$root/.tools/venv/bin:$HOME/.cargo/bin:$PATH:$root/.tools/mdbook/bin"
export TRUNK_SKIP_VERSION_CHECK=true

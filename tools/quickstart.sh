#!/usr/bin/env bash
# Install everything (reusing what exists) and run the main job on the embedded data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMKD_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/install.sh"
cd "$ROOT"
exec "$VENV/bin/python" tools/quickstart.py "$@"

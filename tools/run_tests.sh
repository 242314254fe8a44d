#!/usr/bin/env bash
# Install (if needed) and run the test suite: bash tools/run_tests.sh [pytest args]
# Exit code 5 from pytest ("no tests collected") is reported as a failure with
# a clear message, since a suite that runs nothing has not passed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMKD_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/install.sh" || exit $?
cd "$ROOT"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run_tests: pytest collected no tests (exit 5)" >&2
fi
exit "$rc"

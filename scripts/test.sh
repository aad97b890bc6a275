#!/usr/bin/env bash
# Set up .venv with the dev extra and run the whole test suite (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
bash scripts/browser_deps.sh
export DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
exec .venv/bin/python -m pytest --durations=12 "$@"

#!/usr/bin/env bash
# Set up .venv with the dev extra and run the whole test suite (extra arguments go to pytest).
# Two pytest-xdist workers (one on a one-core machine; KPI_TEST_WORKERS overrides); `bash scripts/test.sh -n 0`
# runs it in one process. Each test file stays on one worker (its module fixtures are built once), the load tests
# run one after the other, and a free worker takes the heaviest file still waiting, the next one only at its
# current file's last test (tests/scheduling.py; the flow tests, too, stay on one worker, which starts their
# Prefect server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
bash scripts/browser_deps.sh
# Our own modules' bytecode is cached (__pycache__, git-ignored) so that the run's many Python processes — apps, CLI
# commands, jobs killed on purpose — compile them once, not each (where the environment sets PYTHONDONTWRITEBYTECODE)
unset PYTHONDONTWRITEBYTECODE
export DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
cores=$(nproc 2>/dev/null || echo 1)
workers=${KPI_TEST_WORKERS:-$(( cores < 2 ? cores : 2 ))}
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile --no-loadscope-reorder --durations=12 "$@"

#!/usr/bin/env bash
# Set everything up and start the app: .venv, local Prefect server, warehouse with demo data, Streamlit on :8501.
#   bash scripts/run.sh                  # one Streamlit process on :8501 (KPI_PORT)
#   bash scripts/run.sh --processes N    # N Streamlit processes behind haproxy on :8501, sticky per browser
#                                        # (scripts/app_processes.sh; docs/scale-out.md says what holds)
set -euo pipefail
cd "$(dirname "$0")/.."
processes=1
while [ $# -gt 0 ]; do
  case "$1" in
    --processes) processes=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --processes=*) processes=${1#*=}; shift ;;
    *) echo "使い方: bash scripts/run.sh [--processes N]" >&2; exit 2 ;;
  esac
done
if ! [[ "$processes" =~ ^[1-9][0-9]*$ ]]; then
  echo "--processes には 1 以上の整数を指定してください" >&2
  exit 2
fi
source scripts/env.sh
bash scripts/setup.sh
private_data_dir
prefect_auth  # PREFECT_SERVER_API_AUTH_STRING / PREFECT_API_AUTH_STRING from data/prefect-auth (0600)

prefect_pid=""
serve_pid=""
app_pids=()
cleanup() {
  for pid in "${app_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${app_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  [ -n "$prefect_pid" ] && kill "$prefect_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if .venv/bin/python -m kpi.platform.prefect_server check; then
  echo "Prefect サーバーは起動済みです: $PREFECT_API_URL"
else
  echo "Prefect サーバーを起動しています… ($PREFECT_API_URL)"
  .venv/bin/prefect server start --host 127.0.0.1 --port "$PREFECT_PORT" >"$KPI_DATA_DIR/logs/prefect.log" 2>&1 &
  prefect_pid=$!
  .venv/bin/python -m kpi.platform.prefect_server wait --timeout 120
fi

.venv/bin/kpi init --demo
echo "定期処理（夜間点検・督促・自動締切）と取込処理（kpi collect の受け口）を起動しています… ログ: $KPI_DATA_DIR/logs/serve.log"
# restarted whenever it dies (scripts/supervise.sh); stopped with SIGTERM, which never hangs
bash scripts/supervise.sh .venv/bin/python -m flows.serve >>"$KPI_DATA_DIR/logs/serve.log" 2>&1 &
serve_pid=$!
if [ "$processes" -gt 1 ]; then
  source scripts/app_processes.sh
  serve_app_processes "$processes" "${KPI_PORT:-8501}"  # returns when the proxy stops; cleanup stops the rest
  exit $?
fi
echo "アプリを起動します: http://localhost:${KPI_PORT:-8501}"
.venv/bin/streamlit run app/streamlit_app.py --server.port "${KPI_PORT:-8501}" --server.headless true

#!/usr/bin/env bash
# Set everything up and start the app: .venv, local Prefect server, warehouse with demo data, Streamlit on :8501.
#   bash scripts/run.sh                  # one Streamlit process on :8501 (KPI_PORT)
#   bash scripts/run.sh --processes N    # N Streamlit processes behind haproxy on :8501, sticky per browser
#                                        # (scripts/app_processes.sh; docs/scale-out.md says what holds)
#   bash scripts/run.sh --workers N      # jobs on N Prefect workers of the work pool $KPI_WORK_POOL (default kpi):
#                                        # the Prefect server on PostgreSQL (PREFECT_API_DATABASE_CONNECTION_URL, or
#                                        # the cluster of scripts/postgres.sh in $KPI_PG_DIR), `python -m flows.deploy`,
#                                        # N × `prefect worker start --pool kpi` instead of flows.serve
#                                        # (combines with --processes; docs/scale-out.md)
set -euo pipefail
cd "$(dirname "$0")/.."
processes=1
workers=0
while [ $# -gt 0 ]; do
  case "$1" in
    --processes) processes=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --processes=*) processes=${1#*=}; shift ;;
    --workers) workers=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --workers=*) workers=${1#*=}; shift ;;
    *) echo "使い方: bash scripts/run.sh [--processes N] [--workers N]" >&2; exit 2 ;;
  esac
done
if ! [[ "$processes" =~ ^[1-9][0-9]*$ ]]; then
  echo "--processes には 1 以上の整数を指定してください" >&2
  exit 2
fi
if ! [[ "$workers" =~ ^[0-9]+$ ]]; then
  echo "--workers には 0 以上の整数を指定してください" >&2
  exit 2
fi
source scripts/env.sh
bash scripts/setup.sh
private_data_dir
prefect_auth  # PREFECT_SERVER_API_AUTH_STRING / PREFECT_API_AUTH_STRING from data/prefect-auth (0600)

prefect_pid=""
serve_pid=""
app_pids=()
worker_pids=()
pg_dir=""
cleanup() {
  for pid in "${app_pids[@]}" "${worker_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${app_pids[@]}" "${worker_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  [ -n "$prefect_pid" ] && kill "$prefect_pid" 2>/dev/null || true
  if [ -n "$pg_dir" ]; then bash scripts/postgres.sh stop "$pg_dir" || true; fi  # only a cluster run.sh started
}
trap cleanup EXIT INT TERM

if [ "$workers" -gt 0 ] && [[ "$PREFECT_API_DATABASE_CONNECTION_URL" == sqlite* ]]; then
  # jobs on workers: the Prefect server on PostgreSQL (several workers and app processes write its database at once)
  cluster=${KPI_PG_DIR:-/tmp/kpi-pg-$(id -u)}
  echo "Prefect サーバー用の PostgreSQL を起動しています… ($cluster)"
  bash scripts/postgres.sh url "$cluster" >/dev/null 2>&1 || pg_dir=$cluster  # not running yet: stopped at exit
  pg_url=$(bash scripts/postgres.sh start "$cluster" prefect)
  export PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://${pg_url#postgresql://}"
fi

if .venv/bin/python -m kpi.platform.prefect_server check; then
  echo "Prefect サーバーは起動済みです: $PREFECT_API_URL"
  [ "$workers" -gt 0 ] && echo "（ワーカー構成: 起動済みのサーバーのデータベースがそのまま使われます）"
else
  echo "Prefect サーバーを起動しています… ($PREFECT_API_URL)"
  .venv/bin/prefect server start --host 127.0.0.1 --port "$PREFECT_PORT" >"$KPI_DATA_DIR/logs/prefect.log" 2>&1 &
  prefect_pid=$!
  .venv/bin/python -m kpi.platform.prefect_server wait --timeout 120
fi

.venv/bin/kpi init --demo
if [ "$workers" -gt 0 ]; then
  export KPI_WORK_POOL=${KPI_WORK_POOL:-kpi}
  export PREFECT_WORKER_QUERY_SECONDS=${PREFECT_WORKER_QUERY_SECONDS:-2}  # a submitted job waits at most this to be taken
  .venv/bin/python -m flows.deploy --pool "$KPI_WORK_POOL"
  for i in $(seq 1 "$workers"); do
    echo "ワーカー $i/$workers を起動しています… ログ: $KPI_DATA_DIR/logs/worker-$i.log"
    # restarted whenever it dies (scripts/supervise.sh); a run it loses is rescheduled by the server (flows/deploy.py)
    bash scripts/supervise.sh .venv/bin/prefect worker start --pool "$KPI_WORK_POOL" --name "$(hostname)-$i" \
      >>"$KPI_DATA_DIR/logs/worker-$i.log" 2>&1 &
    worker_pids+=($!)
  done
else
  echo "定期処理（夜間点検・督促・自動締切）と取込処理（kpi collect の受け口）を起動しています… ログ: $KPI_DATA_DIR/logs/serve.log"
  # restarted whenever it dies (scripts/supervise.sh); stopped with SIGTERM, which never hangs
  bash scripts/supervise.sh .venv/bin/python -m flows.serve >>"$KPI_DATA_DIR/logs/serve.log" 2>&1 &
  serve_pid=$!
fi
if [ "$processes" -gt 1 ]; then
  source scripts/app_processes.sh
  serve_app_processes "$processes" "${KPI_PORT:-8501}"  # returns when the proxy stops; cleanup stops the rest
  exit $?
fi
echo "アプリを起動します: http://localhost:${KPI_PORT:-8501}"
.venv/bin/streamlit run app/streamlit_app.py --server.port "${KPI_PORT:-8501}" --server.headless true

# Environment shared by the run and test scripts: local Prefect server under data/, telemetry off.
# Every file the scripts and the programs they start create is the owner's only (warehouse, WAL, backups, logs,
# the Prefect database): the data holds password hashes and draft figures.
umask 077
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export KPI_DATA_DIR=${KPI_DATA_DIR:-$root/data}
export KPI_DB=${KPI_DB:-$KPI_DATA_DIR/kpi.duckdb}
export PREFECT_PORT=${PREFECT_PORT:-4200}
export PREFECT_HOME=${PREFECT_HOME:-$KPI_DATA_DIR/prefect}
export PREFECT_API_URL=${PREFECT_API_URL:-http://127.0.0.1:$PREFECT_PORT/api}
export PREFECT_SERVER_API_HOST=127.0.0.1  # the job API is never reachable from another machine
export PREFECT_API_DATABASE_CONNECTION_URL=${PREFECT_API_DATABASE_CONNECTION_URL:-sqlite+aiosqlite:///$PREFECT_HOME/prefect.db}
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export DO_NOT_TRACK=1
export STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

# The data folder and everything already in it: the owner's only (folders 0700, files 0600).
private_data_dir() {
  mkdir -p "$KPI_DATA_DIR/logs" "$PREFECT_HOME"
  chmod 700 "$KPI_DATA_DIR"
  chmod -R go-rwx "$KPI_DATA_DIR"
}

# Basic authentication of the Prefect API (Prefect's own setting): the server asks every client for
# "user:secret". scripts/run.sh generates the secret once, kept 0600 in the data folder; every script that
# sources this file (and a shell that does: `source scripts/env.sh`) then talks to the server with it.
prefect_auth_file="$KPI_DATA_DIR/prefect-auth"
prefect_auth() {
  if [ ! -s "$prefect_auth_file" ]; then
    mkdir -p "$KPI_DATA_DIR"
    ( umask 077; printf 'kpi:%s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$prefect_auth_file" )
  fi
  chmod 600 "$prefect_auth_file"
  load_prefect_auth
}
load_prefect_auth() {
  if [ -z "${PREFECT_API_AUTH_STRING:-}" ] && [ -r "$prefect_auth_file" ]; then
    PREFECT_API_AUTH_STRING=$(head -n 1 "$prefect_auth_file")
    export PREFECT_API_AUTH_STRING
    export PREFECT_SERVER_API_AUTH_STRING="$PREFECT_API_AUTH_STRING"
  fi
}
load_prefect_auth

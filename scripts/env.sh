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

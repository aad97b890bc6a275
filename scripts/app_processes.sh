# Sourced by scripts/run.sh for `--processes N`: N Streamlit processes on loopback ports, each restarted when it
# dies (scripts/supervise.sh), behind Debian's haproxy on one address. haproxy proxies Streamlit's WebSocket and
# keeps each browser on one process with a cookie (KPI_APP) it inserts on the first answer: a Streamlit session
# (its widgets, uploads and media) lives in the process that opened it. Should that process die, haproxy sends the
# browser to another one, where the login survives (the session is in the warehouse) and the page starts afresh.
# Adds the pids it starts to run.sh's app_pids, which run.sh's cleanup stops.

ensure_haproxy() {
  command -v haproxy >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "haproxy をインストールしています… (apt-get install haproxy)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    # the package's own service is not wanted: this script starts haproxy with its own configuration
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
    if command -v service >/dev/null 2>&1; then service haproxy stop >/dev/null 2>&1 || true; fi
  else
    echo "haproxy が必要です: sudo apt-get install haproxy" >&2
    return 1
  fi
}

loopback_port() {
  .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait (up to 180 s) until every Streamlit process answers its health check.
wait_for_health() {
  .venv/bin/python - "$@" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 180
for port in sys.argv[1:]:
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"Streamlit (127.0.0.1:{port}) が 180 秒以内に起動しませんでした")
        time.sleep(0.5)
PY
}

serve_app_processes() {
  local n=$1 port=$2 i app_port servers="" cfg="$KPI_DATA_DIR/haproxy.cfg" ports=()
  ensure_haproxy
  # One cookie secret for every process, so that Streamlit's signed cookies (OpenID login) hold on any of them.
  if [ ! -s "$KPI_DATA_DIR/streamlit-cookie-secret" ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KPI_DATA_DIR/streamlit-cookie-secret"
  fi
  chmod 600 "$KPI_DATA_DIR/streamlit-cookie-secret"
  STREAMLIT_SERVER_COOKIE_SECRET=$(cat "$KPI_DATA_DIR/streamlit-cookie-secret")
  export STREAMLIT_SERVER_COOKIE_SECRET
  for i in $(seq 1 "$n"); do
    app_port=$(loopback_port)
    ports+=("$app_port")
    bash scripts/supervise.sh .venv/bin/streamlit run app/streamlit_app.py --server.port "$app_port" \
      --server.address 127.0.0.1 --server.headless true >>"$KPI_DATA_DIR/logs/app-$i.log" 2>&1 &
    app_pids+=($!)
    servers+="  server app$i 127.0.0.1:$app_port check inter 2s cookie app$i"$'\n'
  done
  cat >"$cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  option redispatch
  retries 3
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
  timeout http-request 30s
frontend kpi
  bind :$port
  default_backend streamlit
backend streamlit
  balance roundrobin
  cookie KPI_APP insert indirect nocache httponly attr SameSite=Lax
  option httpchk GET /_stcore/health
$servers
CFG
  haproxy -c -q -f "$cfg"
  wait_for_health "${ports[@]}"
  echo "アプリを起動します: http://localhost:$port （Streamlit $n プロセス、haproxy で振り分け。ログ: $KPI_DATA_DIR/logs/app-*.log）"
  haproxy -db -f "$cfg" &
  app_pids+=($!)
  wait "${app_pids[-1]}"
}

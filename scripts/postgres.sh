#!/usr/bin/env bash
# A throw-away PostgreSQL cluster in a folder of its own, for the tests and for trying the PostgreSQL backend.
#
#   bash scripts/postgres.sh start DIR   # installs Debian's postgresql when missing, creates the cluster in DIR
#                                        # (initdb) and starts it (pg_ctl) on a free 127.0.0.1 port with its Unix
#                                        # socket in DIR; prints the URL  postgresql://kpi:…@127.0.0.1:PORT/kpi
#   bash scripts/postgres.sh url DIR     # prints the URL of the running cluster in DIR
#   bash scripts/postgres.sh stop DIR    # stops it (the files stay; `start` again resumes them)
#   start|url DIR NAME                   # the same for the database NAME (created at start when missing, owned
#                                        # by kpi): scripts/run.sh --workers gives the Prefect server `prefect`
#
# KPI_PG_MAX_CONNECTIONS (default 100) sets max_connections at the cluster's start.
#
# Idempotent: `start` on a folder whose cluster already runs only prints its URL; on a stopped one it starts it
# again (on a fresh free port when the old one is taken). PostgreSQL refuses to run as root, so as root the
# cluster belongs to the `postgres` account that Debian's package creates: DIR is then handed to that account,
# and every folder above DIR must let it pass (a folder under /tmp does; pytest's own tmp folders do not).
# Only the owner reaches the socket (DIR is 0700); TCP logins need the password kept in DIR/kpi-password (0600).
set -euo pipefail

usage() { echo "使い方: bash scripts/postgres.sh start|url|stop DIR [DATABASE]" >&2; exit 2; }
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
cmd=$1
dir=$2
dbname=${3:-kpi}
[[ "$dbname" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "データベース名は英小文字・数字・_ で指定してください: $dbname" >&2; exit 2; }
case "$cmd" in start|url|stop) ;; *) usage ;; esac
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

install_postgresql() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL が見つかりません: apt-get install postgresql を実行してください" >&2
    exit 1
  fi
  echo "PostgreSQL をインストールしています… (apt-get install postgresql)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
}

# Run a PostgreSQL program as the cluster's owner (postgres when we are root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

url() {
  local port password
  port=$(cat "$dir/port")
  password=$(cat "$dir/kpi-password")
  echo "postgresql://kpi:${password}@127.0.0.1:${port}/${dbname}"
}

running() {
  [ -n "${bin:-}" ] && [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

bin=$(bindir || true)

case "$cmd" in
  url)
    if ! running; then echo "PostgreSQL は起動していません: $dir" >&2; exit 1; fi
    url
    exit 0 ;;
  stop)
    if running; then as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
    exit 0 ;;
esac

if [ -z "$bin" ]; then
  install_postgresql
  bin=$(bindir) || { echo "PostgreSQL のインストールに失敗しました" >&2; exit 1; }
fi

createdb_when_missing() {
  local port
  port=$(cat "$dir/port")
  if ! as_owner "$bin/psql" -h "$dir" -p "$port" -U kpi -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -q 1; then
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U kpi -O kpi "$dbname"
  fi
}

if running; then
  createdb_when_missing
  url
  exit 0
fi

chmod 700 "$dir"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "アカウント postgres がありません (Debian の postgresql パッケージが作ります)" >&2; exit 1; }
  chown postgres: "$dir"
  if ! runuser -u postgres -- test -w "$dir"; then
    echo "postgres アカウントが $dir に入れません: 上位のフォルダを通れる場所（例: /tmp の下）を指定してください" >&2
    exit 1
  fi
fi

if [ ! -f "$data/PG_VERSION" ]; then
  ( umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/kpi-password" )
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/kpi-password"
  as_owner "$bin/initdb" -D "$data" -U kpi --pwfile="$dir/kpi-password" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi

port=$(cat "$dir/port" 2>/dev/null || true)
if [ -z "$port" ] || ! python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $port))" 2>/dev/null; then
  port=$(free_port)
fi
echo "$port" >"$dir/port"
[ "$(id -u)" = 0 ] && chown postgres: "$dir/port"
# fsync off: a test cluster is thrown away, and the tests measure the product, not the disk.
opts="-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off"
max_connections=${KPI_PG_MAX_CONNECTIONS:-100}  # bench/scale_bench.py asks for more (100 sessions in 2 processes)
[[ "$max_connections" =~ ^[0-9]+$ ]] || { echo "KPI_PG_MAX_CONNECTIONS は数値で指定してください: $max_connections" >&2; exit 2; }
opts="$opts -c synchronous_commit=off -c full_page_writes=off -c max_connections=$max_connections"
# The tests' clusters (tests/pg_support.py) switch autovacuum off: every test makes a database of its own, and
# autovacuum visits each new one (≈ 0.1 s of CPU each, measured: 300 new databases, 29 s in the next minute).
case "${KPI_PG_AUTOVACUUM:-on}" in on|off) opts="$opts -c autovacuum=${KPI_PG_AUTOVACUUM:-on}" ;;
  *) echo "KPI_PG_AUTOVACUUM は on か off で指定してください" >&2; exit 2 ;; esac
as_owner "$bin/pg_ctl" -D "$data" -l "$dir/postgresql.log" -o "$opts" -w -t 60 start >/dev/null \
  || { tail -n 20 "$dir/postgresql.log" >&2; exit 1; }
createdb_when_missing
url

#!/usr/bin/env bash
# Create .venv when missing and install the project into it (with the dev extra when given "dev", the postgres
# extra when KPI_DATABASE_URL is set).
# Re-installs only when pyproject.toml changed since the last install. Installs with uv (from PyPI into the venv;
# the same packages as pip, with their bytecode compiled as pip does: 58 s → 18 s for the dev extra on the 2-core
# machine), with pip when uv cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}

find_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  for c in python3.13 python3.12 python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$c"; return
    fi
  done
  echo "Python 3.11 以上が見つかりません (Python 3.11+ is required)" >&2
  exit 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python)
  if ! "$py" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    # Debian ships venv separately; install it when we may.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      ver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
      apt-get update -qq && (apt-get install -y -qq "python${ver}-venv" || apt-get install -y -qq python3-venv)
      "$py" -m venv .venv
    else
      echo "python3-venv が必要です: sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
fi

# A PostgreSQL warehouse (KPI_DATABASE_URL=postgresql://…) needs psycopg and sqlglot: the postgres extra
# (the dev extra has them too).
[ -z "$extra" ] && [ -n "${KPI_DATABASE_URL:-}" ] && extra=postgres
spec="."
[ "$extra" = dev ] && spec=".[dev]"
[ "$extra" = postgres ] && spec=".[postgres]"
stamp=".venv/.installed${extra:+-$extra}"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x .venv/bin/kpi ]; then
  echo "依存パッケージをインストールしています… (installing dependencies)"
  if ! { { [ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q "uv>=0.13,<1" >/dev/null 2>&1; } &&
          .venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python -e "$spec"; }; then
    echo "uv でインストールできなかったため pip でインストールします (uv failed; installing with pip)" >&2
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e "$spec"
  fi
  echo "$want" > "$stamp"
fi

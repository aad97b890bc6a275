"""The embedded default works without the postgres extra: `bash scripts/run.sh` on a fresh clone installs the
project alone (`scripts/setup.sh` with no KPI_DATABASE_URL), so nothing the app, the CLI or the flows import on a
DuckDB warehouse may need psycopg, sqlglot or adbc-driver-postgresql (the dev extra installs them, so the rest of
the suite cannot see this). Found in a fresh install: every page and `kpi` itself stopped at `import psycopg`,
through the reporting reads' PostgreSQL side."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ONLY = ("psycopg", "psycopg_binary", "sqlglot", "adbc_driver_postgresql", "adbc_driver_manager")
# Modules that serve a PostgreSQL warehouse only (imported where a postgresql:// URL is used)
PG_MODULES = ("warehouse.pg", "warehouse.pg_arrow", "warehouse.pg_backup", "warehouse.pg_sql", "warehouse.pg_types")

WITHOUT_EXTRA = f"""
import importlib.abc, sys
class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {POSTGRES_ONLY!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (the postgres extra is not installed)")
sys.meta_path.insert(0, NotInstalled())
"""


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRA + code], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_every_module_but_the_postgresql_ones_imports_without_the_postgres_extra():
    done = _python(f"""
import importlib, pkgutil
failed = []
for package in ("kpi", "warehouse", "flows", "app"):
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        if info.name.startswith("app.views.") or info.name in {PG_MODULES!r}:
            continue  # a page runs Streamlit calls when imported; the PostgreSQL modules need the extra
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            failed.append(f"{{info.name}}: {{exc}}")
print("\\n".join(failed))
""", ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == ""


def test_kpi_summary_reads_the_demo_without_the_postgres_extra(demo_db):
    done = _python(f"""
from kpi.cli import main
sys.exit(main(["summary", "--cycle", "2021", "--format", "json", "--db", {str(demo_db)!r}]))
""", demo_db.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["groups"][0]["total"] == 68

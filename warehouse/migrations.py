"""A tiny migration runner: each numbered .sql file applied once, in one transaction with its tracking row.

The files are written for DuckDB. On PostgreSQL each is applied statement by statement, translated
(warehouse/pg_sql.py), unless migrations/postgres/ holds a hand-written text of the same name (the few that use
table macros, QUALIFY over a star, or rebuild a table to change a CHECK); a new DuckDB migration needs no second
copy as long as sqlglot translates it. After them, migrations/postgres/audit_append_only.sql (PostgreSQL only).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# PostgreSQL texts of the few migrations sqlglot cannot translate, and the postgres-only audit trigger.
POSTGRES_DIR = MIGRATIONS_DIR / "postgres"
_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    number: int
    name: str
    path: Path

    def sql(self) -> str:
        """The file's SQL text."""
        return self.path.read_text(encoding="utf-8")


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Return the migrations in number order; raises on a malformed name or a gap in the numbering."""
    found = []
    for p in sorted(directory.glob("*.sql")):
        m = _NAME.match(p.name)
        if not m:
            raise ValueError(f"migration file name must look like 001_name.sql: {p.name}")
        found.append(Migration(int(m.group(1)), m.group(2), p))
    numbers = [m.number for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise ValueError(f"migrations must be numbered 1..n without gaps: {numbers}")
    return found


def _ensure_tracking(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " number INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )


def applied(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Numbers of the migrations already applied to this database."""
    _ensure_tracking(con)
    return [r[0] for r in con.execute("SELECT number FROM schema_migrations ORDER BY number").fetchall()]


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply pending migrations; return the numbers applied now. A failing one is rolled back and stays pending."""
    done = set(applied(con))
    postgres = hasattr(con, "execute_native")
    if postgres:
        con.forget_columns()
    now = []
    for mig in discover(directory):
        if mig.number in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            _apply(con, mig)
            con.execute("INSERT INTO schema_migrations (number, name) VALUES (?, ?)", [mig.number, mig.name])
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        now.append(mig.number)
    if postgres and (now or not _has_table_marks(con)):  # a warehouse migrated before the marks began gets them
        _apply_postgres_only(con)
    if now:
        _seal_audit(con)
    return now


def postgres_override(mig: Migration) -> Path | None:
    """The hand-written PostgreSQL text of a migration whose DuckDB text has no translation (else None)."""
    path = POSTGRES_DIR / mig.path.name
    return path if path.exists() else None


def _apply(con, mig: Migration) -> None:
    """Run one migration: as written on DuckDB; on PostgreSQL its override, else its statements translated."""
    if not hasattr(con, "execute_native"):
        con.execute(mig.sql())
        return
    override = postgres_override(mig)
    if override is not None:
        con.execute_native(override.read_text(encoding="utf-8"))
    else:
        con.execute_script(mig.sql())


def _has_table_marks(con) -> bool:
    return con.execute("SELECT to_regclass('kpi_meta.table_changes') IS NOT NULL").fetchone()[0] is True


def _apply_postgres_only(con) -> None:
    """What only PostgreSQL needs (idempotent): the trigger that refuses UPDATE and DELETE of audit rows."""
    if con.execute("SELECT to_regclass('audit_log') IS NOT NULL").fetchone()[0] is not True:
        return  # a migrations folder without the audit trail (the runner's own tests)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute_native((POSTGRES_DIR / "audit_append_only.sql").read_text(encoding="utf-8"))
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _seal_audit(con: duckdb.DuckDBPyConnection) -> None:
    """Chain audit rows written before the audit chain existed (a no-op when there are none)."""
    from warehouse import audit

    has_chain = con.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()"
                            " AND table_name = 'audit_log' AND column_name = 'row_hash'").fetchone()[0]
    if has_chain:
        con.execute("BEGIN TRANSACTION")
        try:
            audit.seal(con)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

"""A tiny migration runner: each numbered .sql file applied once, in one transaction with its tracking row."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
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
    now = []
    for mig in discover(directory):
        if mig.number in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(mig.sql())
            con.execute("INSERT INTO schema_migrations (number, name) VALUES (?, ?)", [mig.number, mig.name])
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        now.append(mig.number)
    if now:
        _seal_audit(con)
    return now


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

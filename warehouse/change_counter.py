"""The warehouse change counter: one cheap read that moves whenever a committed write changed anything.

The app's caches and the PostgreSQL read snapshot (warehouse/pg_reads.py) are keyed on it, so a write made by
another process (another app process, a worker, the CLI, another machine) shows at the next read there.

- DuckDB file: the largest audit_id. Every write is audited (warehouse/audit.py is the only writer of the trail,
  in the write's own transaction) and writers take turns under the file's lock, so audit ids are committed in
  order: a reader that sees id n sees every write up to it.
- PostgreSQL: `kpi_meta.changes.n`, moved by one per transaction that wrote audit rows or changed a table the
  reporting reads use, at its COMMIT (deferred triggers, warehouse/migrations/postgres/audit_append_only.sql). The largest audit_id would not do there: two
  writers draw ids 100 and 101 and may commit in the other order, so a reader could see 101 before 100's rows
  and keep its stale entry under the new key. The counter row is updated under its row lock at commit, so counts
  are committed in order.

Both carry the newest applied migration (a schema change is a change too) and what tells one warehouse from
another under the same name: on DuckDB the last audit row's hash (it chains every row before it, so a file
restored from a backup never matches a key seen before it), on PostgreSQL the database's oid (a database dropped
and created again under its name). None when the warehouse has no counter yet (a PostgreSQL warehouse migrated
before it existed): the caller must not cache then.
"""
from __future__ import annotations

import duckdb

DUCKDB_SQL = ("SELECT (SELECT max(number) FROM schema_migrations), coalesce(max(audit_id), 0),"
              " coalesce(arg_max(row_hash, audit_id), '') FROM audit_log")
POSTGRES_SQL = ("SELECT (SELECT max(number) FROM schema_migrations), (SELECT max(n) FROM kpi_meta.changes),"
                " (SELECT oid FROM pg_database WHERE datname = current_database())")
POSTGRES_EXISTS_SQL = "SELECT to_regclass('kpi_meta.changes') IS NOT NULL"

_known: set[str] = set()  # PostgreSQL databases (redacted keys) whose counter table exists


def key_of(row) -> str | None:
    """The counter as one text ("<migration>:<count>:<hash or oid>"), from a row of DUCKDB_SQL or POSTGRES_SQL."""
    if row is None or row[1] is None:
        return None
    return f"{row[0]}:{row[1]}:{str(row[2])[:16]}"


def read(con: duckdb.DuckDBPyConnection) -> str | None:
    """The counter of the warehouse behind `con` (either backend); None when it has none yet."""
    if not hasattr(con, "execute_native"):
        return key_of(con.execute(DUCKDB_SQL).fetchone())
    if con.key not in _known:
        if not con.native(POSTGRES_EXISTS_SQL)[0][0]:
            return None
        _known.add(con.key)
    return key_of(con.native(POSTGRES_SQL)[0])


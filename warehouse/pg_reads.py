"""The read side on a PostgreSQL warehouse: DuckDB over Arrow tables read from PostgreSQL (docs/scale-out.md,
"Decision: (c)").

The reporting reads (warehouse/reporting.py, insights.py, report_sections.py) are written once in DuckDB's SQL over
the views of migrations 002/006/008 and the table macros of 009. On a DuckDB file they run there. On PostgreSQL
they run here, unchanged, in a process-local in-memory DuckDB database (`connection.scratch_database`) migrated
with the DuckDB migrations' own text — so its views and macros are the file's — whose tables hold what the read
needs of PostgreSQL's rows, read as Arrow with adbc-driver-postgresql (libpq, Apache Arrow's own driver):

- only the tables a read names (the views and macros stand for their base tables), and of the big values tables
  (`indicator_values`, `value_parts`) only the cycles (or the one indicator) the read is about;
- all of them read in one REPEATABLE READ transaction together with the warehouse change counter
  (warehouse/change_counter.py), so the snapshot is consistent and knows what it is a snapshot of;
- kept for the next read while the counter has not moved: a repeated read costs one cheap query (the counter)
  plus DuckDB's own work.

One snapshot per PostgreSQL database per process, one read at a time on it (a lock: a read may have to replace
the values of another cycle; on a DuckDB file the threads of a process take turns on the file's lock too). The
values of at most MAX_CYCLES cycles are kept; a read of others replaces them. A read inside an open transaction
(its own writes not yet committed, invisible to another connection) reads its tables through its own connection
into a snapshot of its own, used once.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from warehouse import change_counter

MAX_CYCLES = 3

# The views and macros of the reporting reads and the base tables each stands for.
_VALUES_BASE = ("cycles", "strategies", "indicators", "pillars", "items", "departments", "indicator_values",
                "reason_categories", "indicator_revisions")
_DERIVED = {name: _VALUES_BASE for name in ("v_indicator_values", "v_approved_values", "cycle_indicator_values",
                                            "cycle_approved_values", "definitions_in_force",
                                            "v_definitions_in_force")}
_DERIVED["v_value_parts"] = ("value_parts", "indicator_values")
# The tables a reporting read may name, and the columns read of each (None: all). users: names only, never the
# password hash; audit, sessions, batches … are never read here.
TABLES: dict[str, tuple[str, ...] | None] = {
    "cycles": None, "strategies": None, "indicators": None, "pillars": None, "items": None, "departments": None,
    "reason_categories": None, "indicator_revisions": None, "indicator_values": None, "value_parts": None,
    "indicator_targets": None, "relative_reference_values": None, "indicator_parts": None,
    "indicator_milestones": None, "report_sections": None, "users": ("login", "display_name"),
}
_PER_CYCLE = {"indicator_values", "value_parts"}
_WORD = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Scope:
    """Which values a read needs: the listed cycles, one indicator in every cycle, or (both None) every value."""

    cycles: frozenset[int] | None = None
    indicator: int | None = None


EVERY_VALUE = Scope()


def cycles(ids) -> Scope:
    """The scope of a read about these cycles."""
    return Scope(cycles=frozenset(int(i) for i in ids))


def indicator(indicator_id: int) -> Scope:
    """The scope of a read about one indicator in every cycle."""
    return Scope(indicator=int(indicator_id))


_names_cache: dict[str, frozenset[str]] = {}


def tables_of(sql: str) -> frozenset[str]:
    """The base tables a read needs (its views and macros expanded); ValueError for a table not read here."""
    found = _names_cache.get(sql)
    if found is None:
        words = set(_WORD.findall(sql.lower()))
        needed = set()
        for word in words:
            if word in _DERIVED:
                needed.update(_DERIVED[word])
            elif word in TABLES:
                needed.add(word)
        found = _names_cache[sql] = frozenset(needed)
    return found


class _Snapshot:
    """A migrated in-memory DuckDB database holding some of a PostgreSQL warehouse's tables at one counter."""

    def __init__(self):
        from warehouse.connection import scratch_database
        from warehouse.migrations import migrate

        self.db = scratch_database()
        migrate(self.db)
        self.columns = {t: self._columns(t) for t in TABLES}
        self._unconstrained()
        self.lock = threading.Lock()
        self.changes: str | None = None
        self.loaded: set[str] = set()
        self.values: Scope | None = None  # what indicator_values / value_parts hold (None: nothing)

    def _columns(self, table: str) -> list[tuple[str, str]]:
        wanted = TABLES[table]
        rows = self.db.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?"
                               " AND schema_name = 'main' ORDER BY column_index", [table]).fetchall()
        return [(n, t) for n, t in rows if wanted is None or n in wanted]

    def _unconstrained(self) -> None:
        """The tables read here without keys or checks (PostgreSQL has enforced them): a table is replaced whole,
        the values cycle by cycle, and DuckDB need not keep indexes for that. Every other table is dropped, so a
        read naming one fails instead of answering from an empty table."""
        others = [r[0] for r in self.db.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal").fetchall()]
        for table in others:
            if table not in self.columns:
                self.db.execute(f'DROP TABLE "{table}"')  # a name from the catalog of this scratch database
        for table, cols in self.columns.items():
            self.db.execute(f"DROP TABLE {table}")  # a constant name of TABLES
            self.db.execute(f"CREATE TABLE {table} ({', '.join(f'{n} {t}' for n, t in cols)})")

    def refresh(self, changes: str | None) -> None:
        if changes is None or changes != self.changes:
            self.changes = changes
            self.loaded.clear()
            self.values = None

    def missing(self, tables: frozenset[str], scope: Scope) -> tuple[list[str], Scope | None]:
        """The small tables to read, and the values to read (None: what is there serves the read)."""
        small = sorted(t for t in tables - _PER_CYCLE if t not in self.loaded)
        if not tables & _PER_CYCLE:
            return small, None
        have = self.values
        if have is not None and have == EVERY_VALUE:
            return small, None
        if scope.cycles is not None and have is not None and have.cycles is not None:
            extra = scope.cycles - have.cycles
            if not extra:
                return small, None
            if len(have.cycles | extra) <= MAX_CYCLES:
                return small, Scope(cycles=frozenset(extra))
        elif scope.indicator is not None and have == scope:
            return small, None
        return small, scope

    def store(self, table: str, data: pa.Table, replace: bool) -> None:
        """Rows read from PostgreSQL into the table (cast to the DuckDB migration's types by name)."""
        data = _plain(data)
        if replace:
            self.db.execute(f"DELETE FROM {table}")  # a constant name of TABLES
        self.db.register("kpi_pg_rows", data)
        try:
            self.db.execute(f"INSERT INTO {table} BY NAME SELECT * FROM kpi_pg_rows")
        finally:
            self.db.unregister("kpi_pg_rows")


def _plain(data: pa.Table) -> pa.Table:
    """PostgreSQL's numeric arrives from adbc as an opaque extension over its text: the text, which DuckDB casts
    to the column's DECIMAL exactly."""
    cols = [c.cast(c.type.storage_type) if isinstance(c.type, pa.ExtensionType) else c for c in data.columns]
    return pa.Table.from_arrays(cols, names=data.column_names)


def _select(snapshot: _Snapshot, table: str, scope: Scope | None) -> tuple[str, list]:
    """The PostgreSQL read of one table (its columns; the values restricted to the scope)."""
    cols = ", ".join(n for n, _ in snapshot.columns[table])
    if table not in _PER_CYCLE or scope is None or scope == EVERY_VALUE:
        return f"SELECT {cols} FROM {table}", []
    if scope.cycles is not None:
        where, param = "cycle_id = ANY(%s::integer[])", [sorted(scope.cycles)]
    else:
        where, param = "indicator_id = %s", [scope.indicator]
    if table == "indicator_values":
        return f"SELECT {cols} FROM indicator_values WHERE {where}", param
    return (f"SELECT {', '.join('p.' + n for n, _ in snapshot.columns[table])} FROM value_parts p"
            f" WHERE p.value_id IN (SELECT value_id FROM indicator_values WHERE {where})", param)


_snapshots: dict[str, _Snapshot] = {}
_guard = threading.Lock()
_reads_from_postgres = [0]  # adbc transactions that read tables, in this process (for tests and benchmarks)


def loads() -> int:
    """How many times this process has read tables from PostgreSQL into a snapshot (a snapshot kept for the next
    read does not count: its read cost the counter's query only)."""
    return _reads_from_postgres[0]


def _snapshot(key: str) -> _Snapshot:
    with _guard:
        snap = _snapshots.get(key)
        if snap is None:
            snap = _snapshots[key] = _Snapshot()
        return snap


def forget() -> None:
    """Drop this process's snapshots (a database was dropped or replaced)."""
    with _guard:
        _snapshots.clear()


def _load(con, snap: _Snapshot, tables: frozenset[str], scope: Scope) -> None:
    """Bring the snapshot to the warehouse's current counter with what this read needs."""
    snap.refresh(change_counter.read(con))
    small, values = snap.missing(tables, scope)
    if not small and values is None:
        return
    import adbc_driver_postgresql.dbapi as adbc

    _reads_from_postgres[0] += 1
    with adbc.connect(con.url, autocommit=True) as pg, pg.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            changes = _counter(cur)
            if changes != snap.changes:  # moved since the check above: start again from this transaction's view
                snap.refresh(changes)
                small, values = snap.missing(tables, scope)
            for table in small:
                cur.execute(*_adbc(*_select(snap, table, None)))
                snap.store(table, cur.fetch_arrow_table(), replace=True)
                snap.loaded.add(table)
            if values is not None:
                replace = snap.values is None or values is scope
                for table in sorted(_PER_CYCLE):
                    cur.execute(*_adbc(*_select(snap, table, values)))
                    snap.store(table, cur.fetch_arrow_table(), replace=replace)
                have = snap.values
                snap.values = (Scope(cycles=have.cycles | values.cycles) if not replace else values)
        finally:
            cur.execute("COMMIT")


def _counter(cur) -> str | None:
    cur.execute(change_counter.POSTGRES_EXISTS_SQL)
    if not cur.fetchone()[0]:
        return None
    cur.execute(change_counter.POSTGRES_SQL)
    return change_counter.key_of(cur.fetchone())


def _adbc(sql: str, params: list) -> tuple:
    """psycopg-style %s placeholders as libpq's $n, for adbc."""
    n = iter(range(1, len(params) + 1))
    return (re.sub(r"%s", lambda _: f"${next(n)}", sql), tuple(params)) if params else (sql,)


def _private(con, tables: frozenset[str], scope: Scope) -> _Snapshot:
    """A snapshot used once, read through the caller's own connection (inside its transaction)."""
    _reads_from_postgres[0] += 1
    snap = _Snapshot()
    for table in sorted(tables):
        sql, params = _select(snap, table, scope if table in _PER_CYCLE else None)
        snap.store(table, con.native_arrow(sql, params), replace=True)
    return snap


def arrow(con, sql: str, params=None, scope: Scope = EVERY_VALUE) -> pa.Table:
    """A DuckDB-dialect read of the PostgreSQL warehouse behind `con`, as an Arrow table."""
    tables = tables_of(sql)
    if con.in_transaction:
        return _private(con, tables, scope).db.sql(sql, params=params or None).to_arrow_table()
    snap = _snapshot(con.key)
    with snap.lock:
        _load(con, snap, tables, scope)
        return snap.db.sql(sql, params=params or None).to_arrow_table()


def frame(con, sql: str, params=None, scope: Scope = EVERY_VALUE) -> pl.DataFrame:
    """arrow() as a Polars frame."""
    return pl.from_arrow(arrow(con, sql, params, scope))


def batches(con, sql: str, params=None, scope: Scope = EVERY_VALUE, batch_rows: int = 250_000
            ) -> Iterator[pl.DataFrame]:
    """arrow() in frames of about batch_rows rows."""
    for batch in arrow(con, sql, params, scope).to_batches(max_chunksize=batch_rows):
        yield pl.from_arrow(batch)


def rows(con, sql: str, params=None, scope: Scope = EVERY_VALUE) -> tuple[list[str], list[tuple]]:
    """A read's column names and rows (as a DB-API cursor's description and fetchall would give them)."""
    table = arrow(con, sql, params, scope)
    names = table.column_names
    return names, [tuple(r[n] for n in names) for r in table.to_pylist()]


def is_postgres(con) -> bool:
    """Whether `con` is a PostgreSQL warehouse's connection (warehouse/pg.py) rather than a DuckDB one."""
    return hasattr(con, "native_arrow")

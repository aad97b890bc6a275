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
  plus DuckDB's own work; when it has moved, only the tables whose mark in `kpi_meta.table_changes` moved are read
  again (an approval: the values, not the catalogue), on the snapshot's own adbc session, kept open between loads
  (warehouse/pg_arrow.py; a new connection costs ≈ 50 ms).

One snapshot per PostgreSQL database per process, one read at a time on it (a lock: a read may have to replace
the values of another cycle; on a DuckDB file the threads of a process take turns on the file's lock too). The
values of cycles are kept up to MAX_VALUE_ROWS rows; a read of others beyond that replaces them. A read inside an open transaction
(its own writes not yet committed, invisible to another connection) reads its tables through its own connection
into a snapshot of its own, used once.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl
import pyarrow as pa

from warehouse import change_counter

if TYPE_CHECKING:  # imported where a PostgreSQL warehouse is read: the embedded install has no psycopg
    from warehouse.pg_arrow import ArrowSession

# Values of further cycles are kept beside those held while all of them stay within this many rows (the average
# cycle held so far standing for the new ones); else the new cycles replace them. A national cycle is 178,800 rows:
# one at a time, as memory per process asks (bench/README.md); the demo's or 400 organizations' cycles all stay.
MAX_VALUE_ROWS = 200_000

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


_words_cache: dict[str, frozenset[str]] = {}


def _words(sql: str) -> frozenset[str]:
    found = _words_cache.get(sql)
    if found is None:
        found = _words_cache[sql] = frozenset(_WORD.findall(sql.lower()))
    return found


def tables_of(sql: str) -> frozenset[str]:
    """The base tables of TABLES a read needs (its views and macros expanded)."""
    needed = set()
    for word in _words(sql):
        if word in _DERIVED:
            needed.update(_DERIVED[word])
        elif word in TABLES:
            needed.add(word)
    return frozenset(needed)


def _table(name: str) -> str:
    """A table of TABLES as it is, anything else refused: the only names spliced into this module's SQL."""
    if name not in TABLES:
        raise ValueError(f"レポートの読み取りでは使わない表です: {name!r}")
    return name


_BY_CYCLES = "cycle_id = ANY($1::integer[])"
_BY_INDICATOR = "indicator_id = $1"


def _pg_read(table: str, scope: Scope | None) -> str:
    """The PostgreSQL read of a table of TABLES (its columns of TABLES), the values restricted to the scope ($1,
    bound from _scope_params)."""
    cols = "*" if TABLES[_table(table)] is None else ", ".join(TABLES[_table(table)])
    if table not in _PER_CYCLE or scope is None or scope == EVERY_VALUE:
        return f"SELECT {cols} FROM {_table(table)}"
    where = _BY_CYCLES if scope.cycles is not None else _BY_INDICATOR
    if table == "indicator_values":
        return f"SELECT * FROM indicator_values WHERE {where}"
    return f"SELECT * FROM value_parts WHERE value_id IN (SELECT value_id FROM indicator_values WHERE {where})"


def _scope_params(table: str, scope: Scope | None) -> tuple:
    if table not in _PER_CYCLE or scope is None or scope == EVERY_VALUE:
        return ()
    return (sorted(scope.cycles),) if scope.cycles is not None else (scope.indicator,)


class _Snapshot:
    """A migrated in-memory DuckDB database holding some of a PostgreSQL warehouse's tables at one counter."""

    def __init__(self):
        from warehouse.connection import scratch_database
        from warehouse.migrations import migrate

        self.db = scratch_database()
        migrate(self.db)
        # The other tables of the schema: a read naming one is refused (here they would be empty, not PostgreSQL's).
        self.others = frozenset(r[0] for r in self.db.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal").fetchall()) - set(TABLES)
        for table in TABLES:  # without keys or checks (PostgreSQL has enforced them), so a table is simply refilled
            self.db.execute(f"CREATE OR REPLACE TABLE {_table(table)} AS SELECT * FROM {_table(table)} LIMIT 0")
        self.lock = threading.Lock()
        self.pg: ArrowSession | None = None  # kept open between loads (under `lock`): a connection costs ≈ 50 ms
        self.changes: str | None = None
        self.marks: dict[str, int] | None = None  # kpi_meta.table_changes at `changes` (None: not known)
        self.loaded: set[str] = set()
        self.values: Scope | None = None  # what indicator_values / value_parts hold (None: nothing)
        self.value_rows = 0  # rows of indicator_values held

    def close(self) -> None:
        if self.pg is not None:
            pg, self.pg = self.pg, None
            pg.close()

    def refresh(self, changes: str | None, marks: dict[str, int] | None = None) -> None:
        """Move to the counter `changes`: forget the tables whose mark in kpi_meta.table_changes moved since (the
        tables without a mark of their own, and every table when either point has no marks: all of them)."""
        if changes is not None and changes == self.changes:
            return
        if changes is None or self.changes is None or marks is None or self.marks is None:
            self.loaded.clear()
            self.values = None
        else:
            moved = {t for t in TABLES if t not in marks or marks[t] != self.marks.get(t)}
            self.loaded -= moved
            if moved & _PER_CYCLE:
                self.values = None
        self.changes, self.marks = changes, marks

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
            per_cycle = self.value_rows / max(len(have.cycles), 1)
            if self.value_rows + per_cycle * len(extra) <= MAX_VALUE_ROWS:
                return small, Scope(cycles=frozenset(extra))
        elif scope.indicator is not None and have == scope:
            return small, None
        return small, scope

    def store(self, table: str, batches, replace: bool) -> None:
        """Rows read from PostgreSQL into the table, batch by batch as they arrive (so a cycle's values are never
        held twice, as Arrow and in DuckDB), cast to the DuckDB migration's types by name."""
        _tables_read[table] = _tables_read.get(table, 0) + 1
        if replace:
            self.db.execute(f"DELETE FROM {_table(table)}")
        for batch in batches:
            self.db.register("kpi_pg_rows", _plain(batch))
            try:
                self.db.execute(f"INSERT INTO {_table(table)} BY NAME SELECT * FROM kpi_pg_rows")
            finally:
                self.db.unregister("kpi_pg_rows")


def _plain(batch: pa.RecordBatch) -> pa.Table:
    """PostgreSQL's numeric arrives from adbc as an opaque extension over its text: the text, which DuckDB casts
    to the column's DECIMAL exactly."""
    cols = [c.cast(c.type.storage_type) if isinstance(c.type, pa.ExtensionType) else c for c in batch.columns]
    return pa.Table.from_arrays(cols, names=batch.schema.names)


_snapshots: dict[str, _Snapshot] = {}
_guard = threading.Lock()
_reads_from_postgres = [0]  # adbc transactions that read tables, in this process (for tests and benchmarks)
_tables_read: dict[str, int] = {}  # and how often each table was read in them


def loads() -> int:
    """How many times this process has read tables from PostgreSQL into a snapshot (a snapshot kept for the next
    read does not count: its read cost the counter's query only)."""
    return _reads_from_postgres[0]


_KEPT = 4  # snapshots kept per process (one per database; a process serves one, the tests many)


def _snapshot(key: str) -> _Snapshot:
    with _guard:
        snap = _snapshots.pop(key, None)
        if snap is None:
            snap = _Snapshot()
            while len(_snapshots) >= _KEPT:
                _snapshots.pop(next(iter(_snapshots))).close()  # the least recently used
        _snapshots[key] = snap
        return snap


def tables_read() -> dict[str, int]:
    """How many times this process has read each table from PostgreSQL into a snapshot."""
    return dict(_tables_read)


def forget() -> None:
    """Drop this process's snapshots and close their connections (before a database is dropped, replaced or
    copied as a template: PostgreSQL refuses while a session is open on it)."""
    with _guard:
        dropped = list(_snapshots.values())
        _snapshots.clear()
    for snap in dropped:
        with snap.lock:
            snap.close()


def _load(con, snap: _Snapshot, tables: frozenset[str], scope: Scope) -> None:
    """Bring the snapshot to the warehouse's current counter with what this read needs."""
    changes = change_counter.read(con)
    if changes is not None and changes == snap.changes:
        small, values = snap.missing(tables, scope)
        if not small and values is None:
            return  # one query: the counter
    from warehouse.pg_arrow import ArrowSession

    _reads_from_postgres[0] += 1
    fresh = snap.pg is None
    if fresh:
        snap.pg = ArrowSession(con.url)
    try:
        _read_into(snap, snap.pg, tables, scope)
    except Exception:
        snap.close()  # a connection the server closed meanwhile (a restart, an idle timeout): once more, anew
        snap.refresh(None)
        if fresh:
            raise
        snap.pg = ArrowSession(con.url)
        _read_into(snap, snap.pg, tables, scope)


# Which tables kpi_meta.table_changes keeps a mark for (warehouse/migrations/postgres/audit_append_only.sql: those
# with the counting trigger), and their marks; a table of TABLES without one (users) is read again whenever the
# counter moves.
_TRACKED = ("SELECT DISTINCT event_object_table FROM information_schema.triggers"
            " WHERE trigger_name = 'kpi_counts_changes' AND event_object_schema = current_schema()")
_HAS_MARKS = "SELECT to_regclass('kpi_meta.table_changes') IS NOT NULL"
_MARKS = "SELECT name, n FROM kpi_meta.table_changes"


def _marks(pg: ArrowSession) -> dict[str, int] | None:
    """Each tracked table's mark (0: not written since the marks began); None where the warehouse keeps none."""
    if not pg.one(_HAS_MARKS)[0]:
        return None
    marks = {row[0]: 0 for row in pg.all(_TRACKED)}
    marks.update((name, n) for name, n in pg.all(_MARKS) if name in marks)
    return marks


def _read_into(snap: _Snapshot, pg: ArrowSession, tables: frozenset[str], scope: Scope) -> None:
    """In one REPEATABLE READ transaction: the counter (and the tables' marks, when it moved), then the small tables
    and the values the read lacks."""
    pg.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        changes = change_counter.key_of(pg.one(change_counter.POSTGRES_SQL)) if pg.one(
            change_counter.POSTGRES_EXISTS_SQL)[0] else None
        if changes is None or changes != snap.changes:
            snap.refresh(changes, _marks(pg) if changes is not None else None)
        small, values = snap.missing(tables, scope)
        for table in small:
            snap.store(table, pg.stream(_pg_read(table, None)), replace=True)
            snap.loaded.add(table)
        if values is not None:
            replace = snap.values is None or values is scope
            for table in sorted(_PER_CYCLE):
                snap.store(table, pg.stream(_pg_read(table, values), _scope_params(table, values)),
                           replace=replace)
            have = snap.values
            snap.values = (Scope(cycles=have.cycles | values.cycles) if not replace else values)
            snap.value_rows = snap.db.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
    finally:
        pg.run("COMMIT")


def _private(con, tables: frozenset[str], scope: Scope) -> _Snapshot:
    """A snapshot used once, read through the caller's own connection (inside its transaction)."""
    _reads_from_postgres[0] += 1
    snap = _Snapshot()
    for table in sorted(tables):
        read = _pg_read(table, scope).replace("$1", "%s")  # psycopg's placeholder
        snap.store(table, con.native(read, _scope_params(table, scope), arrow=True).to_batches(), replace=True)
    return snap


def _refuse_others(snap: _Snapshot, sql: str) -> None:
    named = _words(sql) & snap.others
    if named:
        raise ValueError(f"レポートの読み取りでは使わない表です: {', '.join(sorted(named))}")


def arrow(con, sql: str, params=None, scope: Scope = EVERY_VALUE) -> pa.Table:
    """A DuckDB-dialect read of the PostgreSQL warehouse behind `con`, as an Arrow table."""
    tables = tables_of(sql)
    if con.in_transaction:
        snap = _private(con, tables, scope)
        _refuse_others(snap, sql)
        return snap.db.sql(sql, params=params or None).to_arrow_table()
    snap = _snapshot(con.key)
    _refuse_others(snap, sql)
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
    return hasattr(con, "execute_native")

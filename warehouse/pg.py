"""The warehouse on PostgreSQL: one psycopg connection per unit of work, with the surface the repositories use.

`warehouse.connect(url)` / `warehouse.transaction(url)` (or KPI_DATABASE_URL when no path is given) yield a
PgConnection instead of the DuckDB GuardedConnection. It answers what the warehouse modules call on a DuckDB
connection — execute with `?` parameters (then fetchone / fetchall / description / to_arrow_table / pl /
to_arrow_reader), executemany, register / unregister of a Polars frame (a temporary table, filled with COPY),
BEGIN / COMMIT / ROLLBACK as statements — and runs every statement on PostgreSQL, translated from DuckDB's
dialect once per text (warehouse/pg_sql.py). Transactions, row locks and the optimistic version checks are
PostgreSQL's own, so they hold across processes and machines; the audit table refuses UPDATE and DELETE in
PostgreSQL itself (a trigger, warehouse/migrations/postgres/audit_append_only.sql).

Parameters are bound on the client (psycopg's ClientCursor): the statements compare parameters with NULL
(`? IS NULL OR …`), which server-side binding cannot type.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl
import pyarrow as pa
import psycopg
import psycopg.types.string

from warehouse.pg_types import arrow_array, column_defs
from warehouse.audit_guard import refuse_audit_rewrite
from warehouse import pg_slots, pg_sql
from warehouse.pg_sql import translate

ENV_URL = "KPI_DATABASE_URL"
_SCHEMES = ("postgresql://", "postgres://")
_CONTROL = {"BEGIN TRANSACTION": "BEGIN", "BEGIN": "BEGIN", "COMMIT": "COMMIT", "ROLLBACK": "ROLLBACK"}


def is_url(db: object) -> bool:
    """True for a postgresql:// (or postgres://) URL."""
    return isinstance(db, str) and db.startswith(_SCHEMES)


def env_url() -> str | None:
    """KPI_DATABASE_URL when it names a PostgreSQL database."""
    url = os.environ.get(ENV_URL, "").strip()
    return url if is_url(url) else None


def redacted(url: str) -> str:
    """The URL without its password (for messages and cache keys)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"postgresql://{info.get('user', '')}@{info.get('host', '')}:{info.get('port', '')}/{info.get('dbname', '')}"


_columns_cache: dict[tuple[str, str], list[str]] = {}
_columns_guard = threading.Lock()


class PgConnection:
    """One psycopg connection in autocommit mode; BEGIN/COMMIT/ROLLBACK arrive as statements, as on DuckDB."""

    def __init__(self, pg: psycopg.Connection, key: str, url: str | None = None):
        self._pg = pg
        self._key = key  # the database (for the column cache)
        self._url = url  # set on a cursor(): a connection of its own, given back when it closes
        self._cur: psycopg.ClientCursor | None = None
        self._registered: set[str] = set()
        self._in_transaction = False
        self._used_temp = False
        self._closed = False

    # ---- statements ---------------------------------------------------------------------------------------
    def execute(self, query: str, parameters=None) -> PgConnection:
        """Run one DuckDB-dialect statement (or script) on PostgreSQL."""
        refuse_audit_rewrite(query)
        control = _CONTROL.get(query.strip().upper())
        if control is not None:
            self._run(control, None)
            return self
        statements = translate(query, self._columns_of, with_params=parameters is not None)
        for sql in statements:
            self._run(sql, _params(parameters) if parameters is not None else None)
        return self

    def sql(self, query: str, params=None) -> PgConnection:
        """A read as DuckDB's relation API gives it (`con.sql(q, params=…)`); here the same as execute: the result
        is read through to_arrow_table / to_arrow_reader / pl."""
        return self.execute(query, params)

    def complete(self) -> None:
        """DuckDB finishes a pending result before a relation starts; psycopg results are already complete."""

    def execute_script(self, query: str) -> PgConnection:
        """Run a DuckDB-dialect script (a migration) statement by statement, each translated after the last ran."""
        for sql in pg_sql.script(query, self._columns_of):
            self._run(sql, None)
        return self

    @staticmethod
    def forget_columns() -> None:
        """Drop the cached column lists of relations (migrations are about to change views)."""
        forget_columns()

    def execute_native(self, query: str) -> PgConnection:
        """Run PostgreSQL SQL as it is (the postgres-only migrations)."""
        self._run(query, None)
        return self

    def native(self, query: str, params=None, *, arrow: bool = False):
        """A read in PostgreSQL's own SQL (`%s` parameters), in this connection's transaction: its rows, or (arrow)
        an Arrow table with the types to_arrow_table gives."""
        self._run(query, list(params) if params is not None else None)
        return self.to_arrow_table() if arrow else self.fetchall()

    # The database without its password (for caches), its URL (never shown), and whether a BEGIN is open.
    key = property(lambda self: self._key)
    url = property(lambda self: self._url or _urls[self._key])
    in_transaction = property(lambda self: self._in_transaction)

    def executemany(self, query: str, parameters=None) -> PgConnection:
        """Run a statement for many parameter rows."""
        refuse_audit_rewrite(query)
        (sql,) = translate(query, self._columns_of, with_params=True)
        return self._run_many(sql, [_params(p) for p in parameters or []])

    def _run_many(self, sql: str, rows: list) -> PgConnection:
        cur = self._pg.cursor()
        try:
            cur.executemany(sql, rows)
        except psycopg.IntegrityError as exc:
            raise duckdb.ConstraintException(str(exc)) from exc
        finally:
            cur.close()
        return self

    def _run(self, sql: str, params) -> None:
        if self._closed or self._pg.closed:  # as DuckDB says of a closed connection (the unit of work has ended)
            raise duckdb.ConnectionException("この接続は閉じられています（作業単位は終了しました）")
        if self._cur is not None:
            self._cur.close()
        self._cur = psycopg.ClientCursor(self._pg)
        # An INSERT inside a transaction runs under a savepoint: a duplicate key (two people entering the first
        # figure at once) leaves the transaction usable, so the caller can read who won and answer Conflict, as
        # it does on DuckDB. PostgreSQL would otherwise refuse every further statement of the transaction.
        guarded = self._in_transaction and sql.startswith("INSERT")
        try:
            if guarded:
                self._pg.execute("SAVEPOINT kpi_statement")
            self._cur.execute(sql, params)
            if guarded:
                self._pg.execute("RELEASE SAVEPOINT kpi_statement")
        except psycopg.IntegrityError as exc:
            if guarded:
                self._pg.execute("ROLLBACK TO SAVEPOINT kpi_statement")
            raise duckdb.ConstraintException(str(exc)) from exc
        except psycopg.Error as exc:  # the callers know DuckDB's error classes: the same families here
            raise _duckdb_error(exc) from exc
        if sql in ("BEGIN", "COMMIT", "ROLLBACK"):
            self._in_transaction = sql == "BEGIN"

    # ---- results ------------------------------------------------------------------------------------------
    description = property(lambda self: self._cur.description if self._cur is not None else None)
    rowcount = property(lambda self: self._cur.rowcount if self._cur is not None else -1)

    def fetchone(self):
        if self._cur.description is None:  # a command: DuckDB answers one row with the count of changed rows
            return (self._cur.rowcount,)
        return self._cur.fetchone()

    def fetchall(self):
        if self._cur.description is None:
            return [(self._cur.rowcount,)]
        return self._cur.fetchall()

    def fetchmany(self, size: int = 1):
        return self._cur.fetchmany(size)

    def to_arrow_table(self) -> pa.Table:
        """The result as an Arrow table (types from PostgreSQL's, as DuckDB would give them)."""
        desc = self._cur.description or []
        rows = self._cur.fetchall()
        arrays = []
        for i, d in enumerate(desc):
            values = [r[i] for r in rows]
            arrays.append(arrow_array(values, d))
        return pa.Table.from_arrays(arrays, names=[d.name for d in desc])

    fetch_arrow_table = arrow = to_arrow_table

    def to_arrow_reader(self, batch_rows: int = 1_000_000) -> pa.RecordBatchReader:
        return self.to_arrow_table().to_reader(max_chunksize=batch_rows)

    def pl(self) -> pl.DataFrame:
        return pl.from_arrow(self.to_arrow_table())

    # ---- registered frames ----------------------------------------------------------------------------------
    def register(self, name: str, frame) -> PgConnection:
        """A Polars (or Arrow) frame as a temporary table of this connection, for INSERT … SELECT."""
        if not isinstance(frame, pl.DataFrame):
            frame = pl.from_arrow(frame) if isinstance(frame, (pa.Table, pa.RecordBatch)) else pl.DataFrame(frame)
        ident = psycopg.sql.Identifier(name)
        cols = column_defs(frame)
        with self._pg.cursor() as cur:
            cur.execute(psycopg.sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
            cur.execute(psycopg.sql.SQL("CREATE TEMP TABLE {} ({})").format(ident, cols))
            with cur.copy(psycopg.sql.SQL("COPY {} FROM STDIN").format(ident)) as copy:
                for row in frame.iter_rows():
                    copy.write_row(row)
        self._registered.add(name)
        self._used_temp = True
        return self

    def unregister(self, name: str) -> PgConnection:
        with self._pg.cursor() as cur:
            cur.execute(psycopg.sql.SQL("DROP TABLE IF EXISTS {}").format(psycopg.sql.Identifier(name)))
        self._registered.discard(name)
        return self

    def cursor(self) -> PgConnection:
        """Another connection to the same database, for a second thread (close it before this one ends); like a
        DuckDB cursor it is outside this connection's transaction."""
        url = self._url or _urls[self._key]
        return PgConnection(_take(url), self._key, url)

    @property
    def used_temp_tables(self) -> bool:
        """Whether this unit of work registered frames (temporary tables to discard before reuse)."""
        return self._used_temp

    def close(self) -> None:
        if self._cur is not None:
            self._cur.close()
            self._cur = None
        if self._url is not None and not self._closed:
            _give_back(self._url, self._pg, self._used_temp)
        self._closed = True

    # ---- the column names of a relation (REPLACE expansion), read once per database ----------------------------
    def _columns_of(self, relation: str) -> list[str]:
        key = (self._key, relation)
        cols = _columns_cache.get(key)
        if cols is None:
            with self._pg.cursor() as cur:
                cur.execute(f"SELECT * FROM {relation} AS kpi_cols LIMIT 0")
                cols = [d.name for d in cur.description]
            with _columns_guard:
                _columns_cache[key] = cols
        return cols


def _duckdb_error(exc: psycopg.Error) -> duckdb.Error:
    """DuckDB's error class of the same family for a PostgreSQL error (the message stays PostgreSQL's)."""
    if isinstance(exc, (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn,
                        psycopg.errors.UndefinedFunction, psycopg.errors.DuplicateTable)):
        return duckdb.CatalogException(str(exc))
    if isinstance(exc, psycopg.errors.SyntaxError):
        return duckdb.ParserException(str(exc))
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return duckdb.PermissionException(str(exc))
    if isinstance(exc, psycopg.OperationalError):
        return duckdb.ConnectionException(str(exc))
    return duckdb.Error(str(exc))


def forget_columns() -> None:
    """Drop the cached column lists (after migrations changed the views)."""
    with _columns_guard:
        _columns_cache.clear()


def _params(parameters):
    if isinstance(parameters, dict):  # `$name` parameters
        return {k: _param(v) for k, v in parameters.items()}
    return [_param(p) for p in parameters]


class _Text(str):
    """A string bound as `text` (a list of them as `text[]`): a client-side list of plain strings would be an
    untyped literal, which PostgreSQL cannot resolve in `unnest(?)`."""


psycopg.adapters.register_dumper(_Text, psycopg.types.string.StrDumper)


def _param(p):
    if isinstance(p, (list, tuple)):
        return [_Text(v) if type(v) is str else v for v in p]
    return p


# Idle connections kept per database for the next unit of work of this process (opening one costs a TCP
# connection, a SCRAM login and a backend start: several ms; a unit of work takes well under one).
_POOL_SIZE = 4
_idle: dict[tuple[int, str], list[psycopg.Connection]] = {}
_idle_guard = threading.Lock()
_urls: dict[str, str] = {}  # redacted key → URL, for cursor()


def _take(url: str) -> psycopg.Connection:
    pg_slots.take(url)  # at most KPI_PG_POOL_MAX in use at once: beyond, wait (warehouse/pg_slots.py)
    try:
        with _idle_guard:
            idle = _idle.get((os.getpid(), url))
            while idle:
                pg = idle.pop()
                if not pg.closed:
                    return pg
        return psycopg.connect(url, autocommit=True, options="-c TimeZone=UTC")
    except BaseException:
        pg_slots.give_back(url)
        raise


def _give_back(url: str, pg: psycopg.Connection, registered: bool) -> None:
    """Keep a clean connection for the next unit of work; close one that is not (an open or failed transaction)."""
    try:
        if pg.closed or pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            pg.close()  # an open transaction of this unit of work is rolled back by the server
            return
        if registered:
            pg.execute("DISCARD TEMP")
        with _idle_guard:
            idle = _idle.setdefault((os.getpid(), url), [])
            if len(idle) < _POOL_SIZE:
                idle.append(pg)
                return
        pg.close()
    except psycopg.Error:
        pg.close()
    finally:
        pg_slots.give_back(url)


@contextmanager
def connect(url: str) -> Iterator[PgConnection]:
    """A connection for one unit of work (an open transaction is rolled back at the end), from this process's
    idle connections to the database when one is there."""
    pg = _take(url)
    key = redacted(url)
    _urls[key] = url
    con = PgConnection(pg, key)
    try:
        yield con
    finally:
        con.close()
        _give_back(url, pg, con.used_temp_tables)


def close_idle() -> None:
    """Close this process's idle connections (before a database is dropped or copied as a template)."""
    with _idle_guard:
        idle = [pg for conns in _idle.values() for pg in conns]
        _idle.clear()
    for pg in idle:
        pg.close()

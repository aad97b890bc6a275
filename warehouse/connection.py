"""The one module that opens DuckDB: short-lived connections under a cross-process lock.

Each unit of work attaches the warehouse file to one in-memory DuckDB instance kept for the life of the process
(`ATTACH ? AS kpi_wh_N; USE kpi_wh_N`), works on a cursor of it, and detaches the file at the end, which
checkpoints and closes it so another process can open it. Creating a DuckDB instance costs ≈20 ms; opening the
file this way instead of with duckdb.connect(path) saved ≈33 ms of the ≈75 ms a small unit of work took to open
and close (measured on a demo warehouse, 2 cores). A thread that nests units of work on the same file shares the
attachment (counted), and the file is detached when the outermost one ends.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from warehouse.audit_guard import AuditIsAppendOnly, refuse_audit_rewrite
from warehouse.busy import DEFAULT_LOCK_TIMEOUT_S, WarehouseBusy, busy_message
from warehouse.files import FILE_MODE, private_dir, tighten_warehouse

_ENV_DB = "KPI_DB"
_ENV_URL = "KPI_DATABASE_URL"  # a postgresql:// URL: PostgreSQL is the warehouse (used when no path is given)
URL_SCHEMES = ("postgresql://", "postgres://")


class GuardedConnection:
    """A DuckDB connection that refuses any statement rewriting the audit trail; everything else passes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, catalog: int | None = None):
        self._con = con
        self._catalog = catalog  # the number of the attached warehouse (see _alias)

    def execute(self, query, parameters=None):
        """Run one statement (or script) unless it rewrites audit rows."""
        refuse_audit_rewrite(query)
        return self._con.execute(query) if parameters is None else self._con.execute(query, parameters)

    def executemany(self, query, parameters=None):
        """Run a statement for many parameter rows unless it rewrites audit rows."""
        refuse_audit_rewrite(query)
        return self._con.executemany(query, parameters or [])

    def sql(self, query, **kwargs):
        """A relation for a query unless it rewrites audit rows."""
        refuse_audit_rewrite(query)
        return self._con.sql(query, **kwargs)

    query = sql

    def table(self, name: str):
        """A relation over a table (never audit_log: a relation could update it)."""
        if "audit_log" in name.casefold():
            raise AuditIsAppendOnly("監査ログは追記のみです。既存の記録を変更・削除することはできません。")
        return self._con.table(name)

    def cursor(self) -> GuardedConnection:
        """Another connection to the same warehouse, for a second thread (close it before this one ends)."""
        other = self._con.cursor()
        if self._catalog is not None:
            other.execute(f"USE {_alias(self._catalog)}")
        return GuardedConnection(other, self._catalog)

    def __getattr__(self, name):
        return getattr(self._con, name)


def default_db_path() -> Path:
    """The app's data file: $KPI_DB, else data/kpi.duckdb under the project folder."""
    env = os.environ.get(_ENV_DB)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data" / "kpi.duckdb"


_locks: dict[str, tuple[threading.RLock, FileLock]] = {}
_locks_guard = threading.Lock()


def locks_for(path: Path) -> tuple[threading.RLock, FileLock]:
    key = str(path.resolve())
    with _locks_guard:
        pair = _locks.get(key)
        if pair is None:
            # The RLock serializes this process's threads (one per Streamlit session) and lets a thread
            # nest; the lock file serializes processes (app, CLI, flow workers).
            pair = (threading.RLock(), FileLock(key + ".lock", thread_local=False, mode=FILE_MODE))
            _locks[key] = pair
        return pair


_instance: duckdb.DuckDBPyConnection | None = None
_attached: dict[str, list] = {}  # resolved path → [alias number, units of work using it]
_attach_guard = threading.Lock()
_aliases = itertools.count(1)


def _alias(number: int) -> str:
    """The catalog name of an attached warehouse file: kpi_wh_<n>, n from this process's counter (never input)."""
    return f"kpi_wh_{int(number)}"


def _memory() -> duckdb.DuckDBPyConnection:
    global _instance
    if _instance is None:
        _instance = duckdb.connect(":memory:")
        # DuckDB's allocator (its own jemalloc) keeps the pages a query freed until later allocations; its background
        # threads give them back to the system within about a second. Without them an app process kept ≈ 80 MB
        # after reading one national cycle (docs/scale-out.md, "Memory per app process").
        _instance.execute("SET allocator_background_threads = true")
    return _instance


def scratch_database() -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB database of its own (no file): the analytics over a PostgreSQL warehouse's tables
    (warehouse/pg_reads.py). Its allocator gives memory back as the process's instance does."""
    con = duckdb.connect(":memory:")
    con.execute("SET allocator_background_threads = true")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def _attach(path: Path, read_only: bool = False) -> tuple[duckdb.DuckDBPyConnection, str, int]:
    """A cursor whose default catalog is the warehouse file (attached now unless this thread already has it),
    the file's key and its alias number."""
    key = str(path.resolve())
    with _attach_guard:
        memory = _memory()
        entry = _attached.get(key)
        if entry is None:
            number = next(_aliases)
            admin = memory.cursor()
            try:
                if read_only:
                    admin.execute(f"ATTACH ? AS {_alias(number)} (READ_ONLY)", [str(path)])
                else:
                    admin.execute(f"ATTACH ? AS {_alias(number)}", [str(path)])
            finally:
                admin.close()
            entry = _attached[key] = [number, 0]
        entry[1] += 1
        try:
            cursor = memory.cursor()
            cursor.execute(f"USE {_alias(entry[0])}")
        except BaseException:
            _release(key)
            raise
    return cursor, key, entry[0]


def _release(key: str) -> None:
    """Called with _attach_guard held: one unit of work less; the last one detaches (checkpoint, file closed)."""
    entry = _attached[key]
    entry[1] -= 1
    if entry[1] == 0:
        del _attached[key]
        admin = _memory().cursor()
        try:
            admin.execute(f"DETACH {_alias(entry[0])}")
        finally:
            admin.close()


def _attach_waiting(path: Path, read_only: bool, started: float, timeout: float,
                    busy: str) -> tuple[duckdb.DuckDBPyConnection, str, int]:
    """_attach, waiting (within the same bound) while another process holds the file open, even read-only.

    Anyone who may read the file can hold DuckDB's own lock on it outside our lock file (a read-only CLI
    session, a copy tool); that makes the app wait and then say so in Japanese, never fail with DuckDB's text.
    """
    while True:
        try:
            return _attach(path, read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() - started >= timeout:
                raise WarehouseBusy(busy) from exc
            time.sleep(0.05)


def _detach(key: str) -> None:
    with _attach_guard:
        _release(key)


@contextmanager
def connect(db_path: Path | str | None = None, *, timeout: float = DEFAULT_LOCK_TIMEOUT_S,
            read_only: bool = False) -> Iterator[GuardedConnection]:
    """Yield a connection to the warehouse file, held under the file's lock, closed afterwards.

    The file, its WAL and its lock are created owner-only (0600) in a folder created 0700. `read_only` is for
    private copies (a backup being checked) that must stay byte for byte as they are.
    """
    if isinstance(db_path, str) and db_path.startswith(URL_SCHEMES) or db_path is None and os.environ.get(_ENV_URL):
        with _postgres(db_path) as con:  # the PostgreSQL warehouse (warehouse/pg.py)
            yield con
        return
    path = Path(db_path) if db_path is not None else default_db_path()
    private_dir(path.parent)  # also sets this process's umask to 077: DuckDB creates the file and WAL with it
    thread_lock, file_lock = locks_for(path)
    busy = busy_message(timeout)
    started = time.monotonic()
    if not thread_lock.acquire(timeout=timeout):
        raise WarehouseBusy(busy)
    try:
        try:
            file_lock.acquire(timeout=max(0.0, timeout - (time.monotonic() - started)))
        except Timeout as exc:
            raise WarehouseBusy(busy) from exc
        try:
            cursor, key, number = _attach_waiting(path, read_only, started, timeout, busy)
            tighten_warehouse(path)  # a file made before files were private is narrowed on its next use
            try:
                cursor.execute("SET enable_progress_bar = false")  # no progress bars on the app's or CLI's console
                cursor.execute("SET TimeZone = 'UTC'")  # stored times are UTC on every server; shown as Japan time
                yield GuardedConnection(cursor, number)
            finally:
                try:
                    cursor.close()  # an open transaction of this unit of work is rolled back
                finally:
                    _detach(key)
        finally:
            file_lock.release()
    finally:
        thread_lock.release()


@contextmanager
def _postgres(url: str | None) -> Iterator:
    from warehouse import pg

    target = url if url is not None else pg.env_url()
    if target is None:
        raise ValueError(f"{_ENV_URL} は postgresql:// で始まる URL を指定してください")
    with pg.connect(target) as con:
        yield con


@contextmanager
def transaction(db_path: Path | str | None = None, *, timeout: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[GuardedConnection]:
    """Yield a connection inside one transaction: committed on success, rolled back on any error."""
    with connect(db_path, timeout=timeout) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

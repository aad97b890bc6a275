"""The one module that opens DuckDB: short-lived connections under a cross-process lock."""
from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

DEFAULT_LOCK_TIMEOUT_S = 30.0
_ENV_DB = "KPI_DB"


class AuditIsAppendOnly(PermissionError):
    """A statement tried to change or remove audit rows."""


# DuckDB has no triggers or grants, so the one module that opens the file refuses such statements itself.
_AUDIT_REWRITE = re.compile(
    r"\b(update|delete\s+from|truncate(\s+table)?|drop\s+table(\s+if\s+exists)?|alter\s+table"
    r"|insert\s+or\s+replace\s+into|create\s+or\s+replace\s+table)\s+(\w+\.)*\"?audit_log\b",
    re.IGNORECASE,
)


def _refuse_audit_rewrite(sql: object) -> None:
    if isinstance(sql, str) and _AUDIT_REWRITE.search(sql):
        raise AuditIsAppendOnly("監査ログは追記のみです。既存の記録を変更・削除することはできません。")


class GuardedConnection:
    """A DuckDB connection that refuses any statement rewriting the audit trail; everything else passes."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con

    def execute(self, query, parameters=None):
        """Run one statement (or script) unless it rewrites audit rows."""
        _refuse_audit_rewrite(query)
        return self._con.execute(query) if parameters is None else self._con.execute(query, parameters)

    def executemany(self, query, parameters=None):
        """Run a statement for many parameter rows unless it rewrites audit rows."""
        _refuse_audit_rewrite(query)
        return self._con.executemany(query, parameters or [])

    def sql(self, query, **kwargs):
        """A relation for a query unless it rewrites audit rows."""
        _refuse_audit_rewrite(query)
        return self._con.sql(query, **kwargs)

    query = sql

    def __getattr__(self, name):
        return getattr(self._con, name)


class WarehouseBusy(RuntimeError):
    """The warehouse file stayed locked by another process for longer than the bounded wait."""


def default_db_path() -> Path:
    """The app's data file: $KPI_DB, else data/kpi.duckdb under the project folder."""
    env = os.environ.get(_ENV_DB)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data" / "kpi.duckdb"


_locks: dict[str, tuple[threading.RLock, FileLock]] = {}
_locks_guard = threading.Lock()


def _locks_for(path: Path) -> tuple[threading.RLock, FileLock]:
    key = str(path.resolve())
    with _locks_guard:
        pair = _locks.get(key)
        if pair is None:
            # The RLock serializes this process's threads (one per Streamlit session) and lets a thread
            # nest; the lock file serializes processes (app, CLI, flow workers).
            pair = (threading.RLock(), FileLock(key + ".lock", thread_local=False))
            _locks[key] = pair
        return pair


@contextmanager
def connect(db_path: Path | str | None = None, *, timeout: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[GuardedConnection]:
    """Yield a connection to the warehouse file, held under the file's lock, closed afterwards."""
    path = Path(db_path) if db_path is not None else default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    thread_lock, file_lock = _locks_for(path)
    busy = f"データベースが他の処理で使用中です（{timeout:g}秒待機しました）。しばらくしてから再度お試しください。"
    started = time.monotonic()
    if not thread_lock.acquire(timeout=timeout):
        raise WarehouseBusy(busy)
    try:
        try:
            file_lock.acquire(timeout=max(0.0, timeout - (time.monotonic() - started)))
        except Timeout as exc:
            raise WarehouseBusy(busy) from exc
        try:
            con = duckdb.connect(str(path))
            con.execute("SET enable_progress_bar = false")  # no progress bars on the app's or CLI's console
            try:
                yield GuardedConnection(con)
            finally:
                con.close()
        finally:
            file_lock.release()
    finally:
        thread_lock.release()


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

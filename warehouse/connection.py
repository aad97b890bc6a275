"""The one module that opens DuckDB: short-lived connections under a cross-process lock."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

DEFAULT_LOCK_TIMEOUT_S = 30.0
_ENV_DB = "KPI_DB"


class WarehouseBusy(RuntimeError):
    """The warehouse file stayed locked by another process for longer than the bounded wait."""


def default_db_path() -> Path:
    """The app's data file: $KPI_DB, else data/kpi.duckdb under the project folder."""
    env = os.environ.get(_ENV_DB)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data" / "kpi.duckdb"


_locks: dict[str, FileLock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> FileLock:
    key = str(path.resolve())
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            # One lock object per file per process; FileLock is re-entrant within a thread and
            # serializes threads, and the lock file serializes processes.
            lock = FileLock(key + ".lock", thread_local=False)
            _locks[key] = lock
        return lock


@contextmanager
def connect(db_path: Path | str | None = None, *, timeout: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to the warehouse file, held under the file's lock, closed afterwards."""
    path = Path(db_path) if db_path is not None else default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_for(path)
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise WarehouseBusy(f"データベースが他の処理で使用中です（{timeout:.0f}秒待機しました）。しばらくしてから再度お試しください。") from exc
    try:
        con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()
    finally:
        lock.release()


@contextmanager
def transaction(db_path: Path | str | None = None, *, timeout: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection inside one transaction: committed on success, rolled back on any error."""
    with connect(db_path, timeout=timeout) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

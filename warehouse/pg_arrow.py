"""An Arrow connection to PostgreSQL for the read snapshots (warehouse/pg_reads.py): adbc-driver-postgresql (libpq,
Apache Arrow's own driver) through the driver manager's own API — its DB-API module would import pyarrow.dataset
and pandas, seconds and tens of MB in a process that has no other use for them."""
from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pyarrow as pa

APPLICATION = "kpi-reads"  # the application_name of these sessions, so pg_stat_activity tells them from the others


class ArrowSession:
    """One adbc connection to PostgreSQL, in autocommit mode as the driver starts: BEGIN / COMMIT are statements."""

    def __init__(self, url: str):
        import adbc_driver_manager
        import adbc_driver_postgresql

        self._manager = adbc_driver_manager
        self._db = adbc_driver_postgresql.connect(psycopg.conninfo.make_conninfo(url, application_name=APPLICATION))
        self._con = adbc_driver_manager.AdbcConnection(self._db)

    def __enter__(self) -> ArrowSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()
        self._db.close()

    def _statement(self, sql: str, params: tuple):
        stmt = self._manager.AdbcStatement(self._con)
        stmt.set_sql_query(sql)
        if params:
            stmt.bind(pa.record_batch([pa.array([p]) for p in params], names=[f"p{i}" for i in range(len(params))]))
        return stmt

    def run(self, sql: str) -> None:
        stmt = self._statement(sql, ())
        try:
            stmt.execute_update()
        finally:
            stmt.close()

    def stream(self, sql: str, params: tuple = ()) -> Iterator[pa.RecordBatch]:
        stmt = self._statement(sql, params)
        try:
            stream, _ = stmt.execute_query()
            yield from pa.RecordBatchReader._import_from_c(stream.address)
        finally:
            stmt.close()

    def one(self, sql: str) -> tuple:
        first = list(self.stream(sql))[0]  # read to its end: the statement is closed before the next
        return tuple(column[0].as_py() for column in first.columns)  # by position (names may repeat)

    def all(self, sql: str) -> list[tuple]:
        """Every row of a small read, as tuples."""
        rows = []
        for batch in self.stream(sql):
            cols = [c.to_pylist() for c in batch.columns]
            rows += list(zip(*cols))
        return rows

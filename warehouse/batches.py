"""Repository for intake batches (intake_batches): what was sent, as sent, and what became of it."""
from __future__ import annotations

import duckdb


def insert_batch(con: duckdb.DuckDBPyConnection, *, cycle_id: int, source: str, created_by: str,
                 department_code: str | None = None, filename: str | None = None,
                 raw_bytes: bytes | None = None, raw_json: str | None = None, status: str = "received") -> int:
    """Store what was sent, as sent; return the batch id."""
    return con.execute(
        "INSERT INTO intake_batches (cycle_id, department_code, source, filename, raw_bytes, raw_json, created_by, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING batch_id",
        [cycle_id, department_code, source, filename, raw_bytes, raw_json, created_by, status],
    ).fetchone()[0]


def batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict | None:
    """An intake batch with what was received."""
    cur = con.execute("SELECT b.*, c.fiscal_year FROM intake_batches b JOIN cycles c USING (cycle_id)"
                      " WHERE batch_id = ?", [batch_id])
    cols = [d[0] for d in cur.description]
    row = cur.fetchone()
    return None if row is None else dict(zip(cols, row))


def pending_batches(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Batches received but not yet processed (e.g. while the Prefect server was down), oldest first."""
    return [r[0] for r in con.execute(
        "SELECT batch_id FROM intake_batches WHERE status = 'received' ORDER BY batch_id").fetchall()]


def set_batch_status(con: duckdb.DuckDBPyConnection, batch_id: int, status: str, outcome: str | None = None) -> None:
    """Mark a batch landed or refused (outcome: JSON of what was left as stored, and why)."""
    con.execute("UPDATE intake_batches SET status = ?, outcome = ?, processed_at = current_timestamp"
                " WHERE batch_id = ?", [status, outcome, batch_id])


def kept_batches(con: duckdb.DuckDBPyConnection, older_than_s: int) -> list[int]:
    """Batches still 'received' that were sent more than `older_than_s` seconds ago, oldest first: kept while no
    server or worker answered (a younger one may still have its own run coming)."""
    return [r[0] for r in con.execute(
        "SELECT batch_id FROM intake_batches WHERE status = 'received'"
        " AND created_at < CAST(current_timestamp AS TIMESTAMP) - CAST(? AS INTEGER) * INTERVAL '1 second'"
        " ORDER BY batch_id", [int(older_than_s)]).fetchall()]


def batch_source(con: duckdb.DuckDBPyConnection, batch_id: int) -> str | None:
    """How a batch was sent ('form', 'workbook', …), or None when there is no such batch."""
    row = con.execute("SELECT source FROM intake_batches WHERE batch_id = ?", [batch_id]).fetchone()
    return None if row is None else row[0]

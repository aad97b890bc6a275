"""Repository for values, their parts, intake batches and the append-only audit trail."""
from __future__ import annotations

from typing import Any

import duckdb

_VALUE_COLUMNS = (
    "indicator_id", "cycle_id", "value_number", "value_text", "value_kind", "value_label", "period_text",
    "value_fy", "note", "qualitative_achieved", "reason", "reason_category", "reason_illustrative", "remark",
    "state", "batch_id", "entered_by", "approved_by", "approved_at",
)


def insert_value(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> int:
    """Insert one indicator × cycle value (keys as the table's columns); return its id."""
    cols = ", ".join(_VALUE_COLUMNS)
    marks = ", ".join("?" for _ in _VALUE_COLUMNS)
    return con.execute(
        f"INSERT INTO indicator_values ({cols}) VALUES ({marks}) RETURNING value_id",  # columns are constants
        [row.get(c) for c in _VALUE_COLUMNS],
    ).fetchone()[0]


def insert_value_part(con: duckdb.DuckDBPyConnection, value_id: int, part_no: int, number: Any) -> None:
    """Insert one part's figure of a composite value."""
    con.execute("INSERT INTO value_parts VALUES (?, ?, ?)", [value_id, part_no, number])


def insert_batch(con: duckdb.DuckDBPyConnection, *, cycle_id: int, source: str, created_by: str,
                 department_code: str | None = None, filename: str | None = None,
                 raw_bytes: bytes | None = None, raw_json: str | None = None, status: str = "received") -> int:
    """Store what was sent, as sent; return the batch id."""
    return con.execute(
        "INSERT INTO intake_batches (cycle_id, department_code, source, filename, raw_bytes, raw_json, created_by, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING batch_id",
        [cycle_id, department_code, source, filename, raw_bytes, raw_json, created_by, status],
    ).fetchone()[0]


_AUDIT_COLUMNS = (
    "actor", "role", "action", "entity", "entity_id", "cycle_id", "indicator_id", "from_state", "to_state",
    "old_value", "new_value", "comment", "batch_id",
)


def append_audit(con: duckdb.DuckDBPyConnection, event: dict[str, Any]) -> None:
    """Append one audit row; there is deliberately no function that updates or deletes one."""
    cols = ", ".join(_AUDIT_COLUMNS)
    marks = ", ".join("?" for _ in _AUDIT_COLUMNS)
    con.execute(f"INSERT INTO audit_log ({cols}) VALUES ({marks})", [event.get(c) for c in _AUDIT_COLUMNS])


def update_state(con: duckdb.DuckDBPyConnection, value_id: int, expected_version: int, new_state: str, *,
                 actor: str, comment: str | None = None) -> int | None:
    """Move a value to new_state if its version is still expected_version; return the new version, None on conflict."""
    row = con.execute(
        "UPDATE indicator_values SET state = ?, version = version + 1, updated_at = current_timestamp,"
        " approved_by = CASE WHEN ? = 'approved' THEN ? ELSE NULL END,"
        " approved_at = CASE WHEN ? = 'approved' THEN current_timestamp ELSE NULL END,"
        " review_comment = coalesce(?, review_comment)"
        " WHERE value_id = ? AND version = ? RETURNING version",
        [new_state, new_state, actor, new_state, comment, value_id, expected_version],
    ).fetchone()
    return None if row is None else row[0]

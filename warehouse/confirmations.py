"""Repository for confirmations (value_confirmations, migration 016): the 確定値 of a projection or a 速報 of a
closed year, beside the value it confirms (indicator_values is never changed here)."""
from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from warehouse.reporting import frame


class DuplicateConfirmation(Exception):
    """The value already has a confirmation (someone entered it first)."""


# The approved values of a cycle with what a confirmation needs of them, and their confirmation if any (k_*).
_ROWS = """
    SELECT v.value_id, v.indicator_id, v.cycle_id, v.fiscal_year, v.cycle_label, v.cycle_state, v.strategy_id,
           v.code, v.name, v.unit, v.department_code, v.department_name, v.target_type, v.pillar_no, v.item_no,
           v.sort_order, v.value_kind, v.value_label, v.value_text, v.value_number, v.qualitative_achieved,
           coalesce(v.stopped_in_cycle, false) AS stopped_in_cycle,
           k.confirmation_id, k.value_number AS k_number, k.value_text AS k_text,
           k.qualitative_achieved AS k_achieved, k.confirmed_on AS k_confirmed_on, k.source AS k_source,
           k.state AS k_state, k.version AS k_version, k.entered_by AS k_entered_by, k.approved_by AS k_approved_by,
           k.approved_at AS k_approved_at, k.review_comment AS k_comment
    FROM cycle_indicator_values(?::INTEGER[]) v
    LEFT JOIN value_confirmations k ON k.value_id = v.value_id
    WHERE v.state = 'approved'"""


def _dicts(cur) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def approved_values(con: duckdb.DuckDBPyConnection, cycle_id: int, department: str | None = None) -> list[dict]:
    """The cycle's approved values (of one department, when given) with their confirmation, in report order."""
    return _dicts(con.execute(
        _ROWS + " AND (? IS NULL OR v.department_code = ?) ORDER BY v.pillar_no, v.item_no, v.sort_order, v.code",
        [[cycle_id], department, department]))


def of_ids(con: duckdb.DuckDBPyConnection, confirmation_ids: list[int]) -> dict[int, dict]:
    """The rows of these confirmations (as approved_values gives them), keyed by confirmation id."""
    if not confirmation_ids:
        return {}
    cycles = [r[0] for r in con.execute(
        "SELECT DISTINCT cycle_id FROM value_confirmations WHERE confirmation_id IN (SELECT unnest(?::INTEGER[]))",
        [list(confirmation_ids)]).fetchall()]
    if not cycles:
        return {}
    rows = _dicts(con.execute(_ROWS + " AND k.confirmation_id IN (SELECT unnest(?::INTEGER[]))",
                              [cycles, list(confirmation_ids)]))
    return {r["confirmation_id"]: r for r in rows}


def of_value(con: duckdb.DuckDBPyConnection, cycle_id: int, indicator_id: int) -> dict | None:
    """The approved value of an indicator in a cycle with its confirmation, or None when it has no approved value."""
    rows = _dicts(con.execute(_ROWS + " AND v.indicator_id = ?", [[cycle_id], indicator_id]))
    return rows[0] if rows else None


def insert(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> int:
    """Insert a confirmation (value_id, indicator_id, cycle_id, figures, confirmed_on, source, state, entered_by)."""
    cols = ("value_id", "indicator_id", "cycle_id", "value_number", "value_text", "qualitative_achieved",
            "confirmed_on", "source", "state", "entered_by")
    try:
        return con.execute(f"INSERT INTO value_confirmations ({', '.join(cols)})"  # known columns
                           f" VALUES ({', '.join('?' for _ in cols)}) RETURNING confirmation_id",
                           [row.get(c) for c in cols]).fetchone()[0]
    except duckdb.ConstraintException as exc:
        if "duplicate key" in str(exc).lower():
            raise DuplicateConfirmation(str(exc)) from exc
        raise


def update_figures(con: duckdb.DuckDBPyConnection, confirmation_id: int, expected_version: int,
                   fields: dict[str, Any], *, state: str, entered_by: str) -> int | None:
    """Overwrite a confirmation's figures as a draft if its version is still expected; new version or None."""
    row = con.execute(
        "UPDATE value_confirmations SET value_number = ?, value_text = ?, qualitative_achieved = ?,"
        " confirmed_on = ?, source = ?, state = ?, entered_by = ?, version = version + 1,"
        " updated_at = current_timestamp, approved_by = NULL, approved_at = NULL"
        " WHERE confirmation_id = ? AND version = ? RETURNING version",
        [fields.get("value_number"), fields.get("value_text"), fields.get("qualitative_achieved"),
         fields.get("confirmed_on"), fields.get("source"), state, entered_by, confirmation_id,
         expected_version]).fetchone()
    return None if row is None else row[0]


def update_state(con: duckdb.DuckDBPyConnection, confirmation_id: int, expected_version: int, new_state: str, *,
                 actor: str, comment: str | None = None) -> int | None:
    """Move a confirmation to new_state if its version is still expected; the new version, None on conflict."""
    row = con.execute(
        "UPDATE value_confirmations SET state = ?, version = version + 1, updated_at = current_timestamp,"
        " approved_by = CASE WHEN ? = 'approved' THEN ? ELSE NULL END,"
        " approved_at = CASE WHEN ? = 'approved' THEN current_timestamp ELSE NULL END,"
        " review_comment = coalesce(?, review_comment)"
        " WHERE confirmation_id = ? AND version = ? RETURNING version",
        [new_state, new_state, actor, new_state, comment, confirmation_id, expected_version]).fetchone()
    return None if row is None else row[0]


def approved_figures(con: duckdb.DuckDBPyConnection, cycle_ids: list[int]) -> pl.DataFrame:
    """The approved confirmations of approved values of these cycles: cycle_id, indicator_id and the confirmed
    value_number, value_text, qualitative_achieved (what the 'confirmed' basis puts in place of the approved)."""
    return frame(con, """
        SELECT k.cycle_id, k.indicator_id, k.value_number, k.value_text, k.qualitative_achieved
        FROM value_confirmations k
        JOIN indicator_values v ON v.value_id = k.value_id AND v.state = 'approved'
        WHERE k.state = 'approved' AND k.cycle_id IN (SELECT unnest(?::INTEGER[]))
        ORDER BY k.cycle_id, k.indicator_id""", [list(cycle_ids)])


def in_review(con: duckdb.DuckDBPyConnection, cycle_id: int | None = None) -> list[dict]:
    """Confirmations submitted or approved by the head, waiting for a decision (of one cycle, when given)."""
    cycles = [r[0] for r in con.execute(
        "SELECT DISTINCT cycle_id FROM value_confirmations WHERE state IN ('submitted', 'head_approved')"
        " AND (? IS NULL OR cycle_id = ?)", [cycle_id, cycle_id]).fetchall()]
    if not cycles:
        return []
    return _dicts(con.execute(_ROWS + " AND k.state IN ('submitted', 'head_approved')"
                              " ORDER BY v.fiscal_year, v.pillar_no, v.item_no, v.sort_order, v.code", [cycles]))

"""The approval chain of each strategy (table approval_levels, migration 015)."""
from __future__ import annotations

import duckdb


def levels(con: duckdb.DuckDBPyConnection, strategy_id: int) -> list[tuple[int, str, str]]:
    """(level_no, name, role) of the strategy's chain in order; empty: the strategy has no chain of its own."""
    return [tuple(r) for r in con.execute(
        "SELECT level_no, name, role FROM approval_levels WHERE strategy_id = ? ORDER BY level_no",
        [strategy_id]).fetchall()]


def replace_levels(con: duckdb.DuckDBPyConnection, strategy_id: int, rows: list[tuple[int, str, str]]) -> None:
    """Store the strategy's chain (no rows: back to the one-level chain)."""
    con.execute("DELETE FROM approval_levels WHERE strategy_id = ?", [strategy_id])
    if rows:
        con.executemany("INSERT INTO approval_levels (strategy_id, level_no, name, role) VALUES (?, ?, ?, ?)",
                        [(strategy_id, no, name, role) for no, name, role in rows])


def approvals(con: duckdb.DuckDBPyConnection, value_ids: list[int]) -> dict[int, list[dict]]:
    """Per value, the approvals and returns of its latest round (since it was last submitted), oldest first:
    action, role, actor, time, comment."""
    if not value_ids:
        return {}
    cur = con.execute(
        "WITH a AS (SELECT audit_id, CAST(entity_id AS INTEGER) AS value_id, action, role, actor, occurred_at,"
        " comment FROM audit_log WHERE entity = 'value' AND entity_id IN (SELECT CAST(unnest(?) AS VARCHAR))),"
        " last_submit AS (SELECT value_id, max(audit_id) AS since FROM a WHERE action = 'submit' GROUP BY value_id)"
        " SELECT a.value_id, a.action, a.role, a.actor, a.occurred_at, a.comment FROM a"
        " LEFT JOIN last_submit s ON s.value_id = a.value_id"
        " WHERE a.action IN ('head_approve', 'head_return', 'approve', 'return')"
        " AND a.audit_id > coalesce(s.since, 0) ORDER BY a.audit_id",
        [list(value_ids)])
    out: dict[int, list[dict]] = {}
    for value_id, action, role, actor, at, comment in cur.fetchall():
        out.setdefault(value_id, []).append(
            {"action": action, "role": role, "actor": actor, "at": at, "comment": comment})
    return out

"""Who changed a value last, and when: read from the audit trail, for conflict messages and the entry page."""
from __future__ import annotations

import duckdb


def last_changes(con: duckdb.DuckDBPyConnection, value_ids: list[int]) -> dict[int, dict]:
    """Per value id, its latest audit row: actor, the actor's display name, action and occurred_at."""
    if not value_ids:
        return {}
    cur = con.execute(
        "SELECT a.entity_id, a.actor, coalesce(u.display_name, a.actor) AS actor_name, a.action, a.occurred_at"
        " FROM audit_log a LEFT JOIN users u ON u.login = a.actor"
        " WHERE a.entity = 'value' AND a.entity_id IN (SELECT CAST(unnest(?) AS VARCHAR))"
        " QUALIFY row_number() OVER (PARTITION BY a.entity_id ORDER BY a.audit_id DESC) = 1",
        [list(value_ids)])
    return {int(r[0]): {"actor": r[1], "actor_name": r[2], "action": r[3], "occurred_at": r[4]}
            for r in cur.fetchall()}

"""Repository for indicator definition revisions: the definition in force per fiscal year (migration 006)."""
from __future__ import annotations

from typing import Any

import duckdb

# The evaluated definition: what a revision snapshots (every other indicator column is edited in place).
DEFINITION_COLUMNS = (
    "unit", "target_type", "direction", "baseline_value", "baseline_text", "baseline_fy", "baseline_fy_text",
    "target_value", "target_text", "target_fy",
)


def _dicts(cur) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def insert_revision(con: duckdb.DuckDBPyConnection, indicator_id: int, effective_fy: int,
                    definition: dict[str, Any], *, reason: str, changed_by: str) -> int:
    """Record a definition in force from effective_fy on (the whole definition); return the revision id."""
    cols = ("indicator_id", "effective_fy", *DEFINITION_COLUMNS, "reason", "changed_by")
    params = [indicator_id, effective_fy, *(definition.get(c) for c in DEFINITION_COLUMNS), reason, changed_by]
    return con.execute(
        f"INSERT INTO indicator_revisions ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        " RETURNING revision_id",  # columns are constants
        params,
    ).fetchone()[0]


def revisions_of(con: duckdb.DuckDBPyConnection, indicator_id: int) -> list[dict[str, Any]]:
    """An indicator's revisions, oldest effective year first."""
    return _dicts(con.execute(
        "SELECT * FROM indicator_revisions WHERE indicator_id = ? ORDER BY effective_fy, revision_id",
        [indicator_id]))


def definition_in_force(con: duckdb.DuckDBPyConnection, indicator_id: int, fiscal_year: int | None) -> dict[str, Any]:
    """The definition in force for a fiscal year (None: the newest), falling back to the original row."""
    cols = ", ".join(DEFINITION_COLUMNS)
    row = con.execute(
        f"SELECT {cols} FROM indicator_revisions WHERE indicator_id = ? AND (? IS NULL OR effective_fy <= ?)"
        " ORDER BY effective_fy DESC, revision_id DESC LIMIT 1",
        [indicator_id, fiscal_year, fiscal_year],
    ).fetchone()
    if row is None:
        row = con.execute(f"SELECT {cols} FROM indicators WHERE indicator_id = ?", [indicator_id]).fetchone()
    return dict(zip(DEFINITION_COLUMNS, row)) if row else {}


def current_definitions(con: duckdb.DuckDBPyConnection, strategy_id: int) -> list[dict[str, Any]]:
    """Every indicator of a strategy with its newest definition (latest revision, else the original)."""
    over = ", ".join(f"CASE WHEN r.revision_id IS NULL THEN i.{c} ELSE r.{c} END AS {c}" for c in DEFINITION_COLUMNS)
    return _dicts(con.execute(f"""
        WITH latest AS (
            SELECT * FROM indicator_revisions
            QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY effective_fy DESC, revision_id DESC) = 1
        )
        SELECT i.* REPLACE ({over}), d.name AS department_name,
               (SELECT count(*) FROM indicator_revisions x WHERE x.indicator_id = i.indicator_id) AS revisions
        FROM indicators i
        LEFT JOIN latest r USING (indicator_id)
        LEFT JOIN departments d ON d.department_code = i.department_code
        WHERE i.strategy_id = ?
        ORDER BY i.pillar_no, i.item_no, i.sort_order, i.code
    """, [strategy_id]))

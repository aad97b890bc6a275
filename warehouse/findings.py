"""Repository for validation findings (validation_findings): errors and warnings of saves and sweeps."""
from __future__ import annotations

import duckdb


def blocking_findings(con: duckdb.DuckDBPyConnection, value_ids: list[int]) -> set[int]:
    """Values among these that have an error finding."""
    if not value_ids:
        return set()
    rows = con.execute("SELECT DISTINCT value_id FROM validation_findings WHERE severity = 'error'"
                       " AND value_id IN (SELECT unnest(?))", [list(value_ids)]).fetchall()
    return {r[0] for r in rows}


_FINDING_COLUMNS = ("batch_id", "value_id", "indicator_id", "cycle_id", "row_no", "field", "rule", "severity",
                    "message")


def insert_findings(con: duckdb.DuckDBPyConnection, rows) -> None:
    """Store validation findings (batch, value, indicator, cycle, row, field, rule, severity, message) in one statement.

    rows: dicts, or a Polars frame with those columns (a sweep's findings go in without becoming dicts).
    """
    import polars as pl

    schema = {"batch_id": pl.Int64, "value_id": pl.Int64, "indicator_id": pl.Int64, "cycle_id": pl.Int64,
              "row_no": pl.Int64, "field": pl.String, "rule": pl.String, "severity": pl.String, "message": pl.String}
    if isinstance(rows, pl.DataFrame):
        frame = rows.select([pl.col(c).cast(t) if c in rows.columns else pl.lit(None, t).alias(c)
                             for c, t in schema.items()])
    else:
        frame = pl.DataFrame([{c: f.get(c) for c in _FINDING_COLUMNS} for f in rows], schema=schema)
    if frame.is_empty():
        return
    cols = ", ".join(_FINDING_COLUMNS)
    con.register("_new_findings", frame)
    try:
        con.execute(f"INSERT INTO validation_findings ({cols}) SELECT {cols} FROM _new_findings")  # constant columns
    finally:
        con.unregister("_new_findings")


def replace_cycle_findings(con: duckdb.DuckDBPyConnection, cycle_id: int, rows) -> None:
    """Replace the sweep findings of a cycle (those not tied to an intake batch) with fresh ones."""
    con.execute("DELETE FROM validation_findings WHERE cycle_id = ? AND batch_id IS NULL", [cycle_id])
    insert_findings(con, rows)


def findings_for(con: duckdb.DuckDBPyConnection, *, batch_id: int | None = None,
                 value_ids: list[int] | None = None) -> list[dict]:
    """Findings of a batch, or of some values (latest first)."""
    cur = con.execute(
        "SELECT f.finding_id, f.batch_id, f.value_id, f.indicator_id, f.cycle_id, f.row_no, f.field, f.rule,"
        " f.severity, f.message, f.acknowledged, f.created_at, i.code"
        " FROM validation_findings f LEFT JOIN indicators i USING (indicator_id)"
        " WHERE (? IS NULL OR f.batch_id = ?) AND (? IS NULL OR f.value_id IN (SELECT unnest(CAST(? AS INTEGER[]))))"
        " ORDER BY CASE f.severity WHEN 'error' THEN 0 ELSE 1 END, f.row_no NULLS LAST, f.finding_id",
        [batch_id, batch_id, value_ids, value_ids],
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def open_warnings(con: duckdb.DuckDBPyConnection, value_ids: list[int]) -> list[dict]:
    """Unacknowledged warnings of these values' latest save (and of the cycle sweep)."""
    if not value_ids:
        return []
    cur = con.execute(
        "SELECT f.finding_id, f.value_id, f.message FROM validation_findings f"
        " JOIN indicator_values v ON v.value_id = f.value_id"
        " WHERE f.severity = 'warning' AND NOT f.acknowledged AND f.value_id IN (SELECT unnest(?))"
        " AND (f.batch_id IS NULL OR f.batch_id = v.batch_id) ORDER BY f.finding_id",
        [list(value_ids)],
    )
    return [dict(zip(("finding_id", "value_id", "message"), r)) for r in cur.fetchall()]


def acknowledge(con: duckdb.DuckDBPyConnection, finding_ids: list[int]) -> None:
    """Mark warnings as seen by the person who submits."""
    if finding_ids:
        con.execute("UPDATE validation_findings SET acknowledged = true WHERE finding_id IN (SELECT unnest(?))",
                    [list(finding_ids)])

"""Repository for values (indicator_values) and their composite parts (value_parts): writes, and the reads of a
save, a review and the cycle sweep."""
from __future__ import annotations

from typing import Any

import duckdb

_VALUE_COLUMNS = (
    "indicator_id", "cycle_id", "value_number", "value_text", "value_kind", "value_label", "period_text",
    "value_fy", "note", "qualitative_achieved", "reason", "reason_category", "reason_illustrative", "remark",
    "state", "batch_id", "entered_by", "approved_by", "approved_at",
)


class DuplicateValue(Exception):
    """The indicator already has a value in this cycle (someone inserted it first)."""


def insert_value(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> int:
    """Insert one indicator × cycle value (keys as the table's columns, absent ones take defaults); return its id."""
    cols = [c for c in _VALUE_COLUMNS if row.get(c) is not None]
    marks = ", ".join("?" for _ in cols)
    try:
        return con.execute(
            f"INSERT INTO indicator_values ({', '.join(cols)}) VALUES ({marks}) RETURNING value_id",  # known columns
            [row[c] for c in cols],
        ).fetchone()[0]
    except duckdb.ConstraintException as exc:
        if "duplicate key" in str(exc).lower():
            raise DuplicateValue(str(exc)) from exc
        raise


def insert_value_part(con: duckdb.DuckDBPyConnection, value_id: int, part_no: int, number: Any) -> None:
    """Insert one part's figure of a composite value."""
    con.execute("INSERT INTO value_parts VALUES (?, ?, ?)", [value_id, part_no, number])


def values_by_code(con: duckdb.DuckDBPyConnection, cycle_id: int, codes: list[str] | None = None,
                   department: str | None = None) -> list[dict]:
    """A cycle's indicators (all, or these codes, or one department's) with their value's id, version and state."""
    cur = con.execute(
        "SELECT code, name, department_code, value_id, version, state FROM cycle_indicator_values([?])"
        " WHERE (? IS NULL OR list_contains(?, code)) AND (? IS NULL OR department_code = ?) ORDER BY code",
        [cycle_id, codes, codes, department, department])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


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


def value_rows(con: duckdb.DuckDBPyConnection, value_ids: list[int]) -> dict[int, dict]:
    """The values with their indicator definition and cycle (all states), keyed by value id."""
    if not value_ids:
        return {}
    cur = con.execute("SELECT * FROM v_indicator_values WHERE value_id IN (SELECT unnest(?))", [list(value_ids)])
    cols = [d[0] for d in cur.description]
    return {r[cols.index("value_id")]: dict(zip(cols, r)) for r in cur.fetchall()}


def indicator_rows(con: duckdb.DuckDBPyConnection, cycle_id: int, indicator_ids: list[int]) -> dict[int, dict]:
    """Indicator definitions joined with their value in the cycle (if any), keyed by indicator id."""
    if not indicator_ids:
        return {}
    cur = con.execute("SELECT * FROM v_indicator_values WHERE cycle_id = ? AND indicator_id IN (SELECT unnest(?))",
                      [cycle_id, list(indicator_ids)])
    cols = [d[0] for d in cur.description]
    return {r[cols.index("indicator_id")]: dict(zip(cols, r)) for r in cur.fetchall()}


def parts_of(con: duckdb.DuckDBPyConnection, indicator_ids: list[int], cycle_id: int) -> dict[int, list[dict]]:
    """Composite parts with their figures in the cycle (any state), keyed by indicator id."""
    if not indicator_ids:
        return {}
    rows = con.execute(
        "SELECT ip.indicator_id, ip.part_no, ip.label, ip.unit, ip.baseline_value, ip.target_value, vp.value_number"
        " FROM indicator_parts ip"
        " LEFT JOIN indicator_values v ON v.indicator_id = ip.indicator_id AND v.cycle_id = ?"
        " LEFT JOIN value_parts vp ON vp.value_id = v.value_id AND vp.part_no = ip.part_no"
        " WHERE ip.indicator_id IN (SELECT unnest(?)) ORDER BY ip.indicator_id, ip.part_no",
        [cycle_id, list(indicator_ids)],
    ).fetchall()
    out: dict[int, list[dict]] = {}
    keys = ("indicator_id", "part_no", "label", "unit", "baseline_value", "target_value", "value_number")
    for r in rows:
        out.setdefault(r[0], []).append(dict(zip(keys, r)))
    return out


_EDITABLE = ("value_number", "value_text", "value_kind", "value_label", "period_text", "value_fy", "note",
             "qualitative_achieved", "reason", "reason_category", "remark")


def last_approved_before(con: duckdb.DuckDBPyConnection, fiscal_year: int, indicator_ids: list[int]) -> dict[int, Any]:
    """Each indicator's most recent approved value in an earlier fiscal year."""
    if not indicator_ids:
        return {}
    rows = con.execute(
        "SELECT indicator_id, arg_max(value_number, fiscal_year) FROM v_indicator_values"
        " WHERE state = 'approved' AND fiscal_year < ? AND value_number IS NOT NULL"
        " AND indicator_id IN (SELECT unnest(?)) GROUP BY indicator_id",
        [fiscal_year, list(indicator_ids)],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def last_approved_rows(con: duckdb.DuckDBPyConnection, fiscal_year: int, indicator_ids: list[int]) -> dict[int, dict]:
    """Each indicator's most recent approved value in an earlier fiscal year, whole (figure, texts, kind, reason),
    with last_number: the latest approved figure of an earlier year that has one (as last_approved_before gives
    it), so one read serves both the prefill and the last year's figure."""
    if not indicator_ids:
        return {}
    cur = con.execute("SELECT v.*, l.last_number FROM v_indicator_values v LEFT JOIN ("
                      " SELECT indicator_id, arg_max(value_number, fiscal_year) AS last_number FROM v_indicator_values"
                      " WHERE state = 'approved' AND fiscal_year < ? AND value_number IS NOT NULL"
                      " AND indicator_id IN (SELECT unnest(?)) GROUP BY indicator_id) l"
                      " ON l.indicator_id = v.indicator_id"
                      " WHERE v.state = 'approved' AND v.fiscal_year < ? AND v.indicator_id IN (SELECT unnest(?))"
                      " QUALIFY row_number() OVER (PARTITION BY v.indicator_id ORDER BY v.fiscal_year DESC) = 1",
                      [fiscal_year, list(indicator_ids), fiscal_year, list(indicator_ids)])
    cols = [d[0] for d in cur.description]
    return {r[cols.index("indicator_id")]: dict(zip(cols, r)) for r in cur.fetchall()}


def cycle_rows_by_code(con: duckdb.DuckDBPyConnection, cycle_id: int, department: str | None = None) -> dict[str, dict]:
    """The indicators of the cycle's strategy (of one department, when given) with their values, keyed by code."""
    cur = con.execute("SELECT * FROM v_indicator_values WHERE cycle_id = ? AND (? IS NULL OR department_code = ?)"
                      " ORDER BY pillar_no, item_no, sort_order", [cycle_id, department, department])
    cols = [d[0] for d in cur.description]
    return {r[cols.index("code")]: dict(zip(cols, r)) for r in cur.fetchall()}


_MANY_TYPES = {"indicator_id": "INTEGER", "cycle_id": "INTEGER", "value_number": "DECIMAL(18, 4)",
               "value_fy": "INTEGER", "qualitative_achieved": "BOOLEAN", "reason_illustrative": "BOOLEAN",
               "batch_id": "INTEGER", "approved_at": "TIMESTAMP"}


def _frame_of(rows: list[dict[str, Any]], columns: tuple[str, ...]):
    """A string-typed frame of the rows (exact decimals travel as text and are cast in SQL)."""
    import polars as pl

    return pl.DataFrame([{c: (None if r.get(c) is None else str(r[c])) for c in columns} for r in rows],
                        schema={c: pl.String for c in columns})


def _cast(c: str, prefix: str = "") -> str:
    """The text column c of a staged frame, cast to the table's type."""
    return f"CAST({prefix}{c} AS {_MANY_TYPES[c]})" if c in _MANY_TYPES else f"{prefix}{c}"


def insert_values_many(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert many values of one cycle in one statement; indicator id → value id. DuplicateValue on a clash."""
    if not rows:
        return {}
    cols = tuple(c for c in _VALUE_COLUMNS if c != "reason_illustrative")
    con.register("_new_values", _frame_of(rows, cols))
    try:
        got = con.execute(
            f"INSERT INTO indicator_values ({', '.join(cols)}) SELECT {', '.join(_cast(c) for c in cols)}"
            " FROM _new_values RETURNING indicator_id, value_id").fetchall()  # known columns
    except duckdb.ConstraintException as exc:
        if "duplicate key" in str(exc).lower():
            raise DuplicateValue(str(exc)) from exc
        raise
    finally:
        con.unregister("_new_values")
    return {r[0]: r[1] for r in got}


def update_values_many(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], *, state: str,
                       batch_id: int | None, entered_by: str) -> dict[int, int]:
    """Overwrite many values as drafts where their version is still the expected one; value id → new version.

    Each row holds value_id, expected_version and the editable fields; rows whose version moved are left out of
    the result (the caller treats them as conflicts).
    """
    if not rows:
        return {}
    cols = ("value_id", "expected_version") + _EDITABLE
    con.register("_upd_values", _frame_of(rows, cols))
    sets = ", ".join(f"{c} = {_cast(c, 'u.')}" for c in _EDITABLE)
    try:
        got = con.execute(
            f"UPDATE indicator_values AS v SET {sets}, state = ?, batch_id = ?, entered_by = ?,"
            " version = v.version + 1, updated_at = current_timestamp, approved_by = NULL, approved_at = NULL"
            " FROM _upd_values AS u WHERE v.value_id = CAST(u.value_id AS INTEGER)"
            " AND v.version = CAST(u.expected_version AS INTEGER) RETURNING v.value_id, v.version",
            [state, batch_id, entered_by]).fetchall()  # known columns
    finally:
        con.unregister("_upd_values")
    return {r[0]: r[1] for r in got}


# --- the cycle sweep: narrow set-wise reads straight from the tables (no view, only the columns the rules use) ---

# The indicators of a cycle as v_indicator_values joins them, with r: the revision in force for the cycle's year
# (columns of r replace the indicator's when r.revision_id is not null). Callers add the valid_from_fy condition.
_IN_FORCE_FROM = """
    FROM cycles c
    JOIN indicators i ON i.strategy_id = c.strategy_id
    JOIN pillars p ON p.strategy_id = i.strategy_id AND p.pillar_no = i.pillar_no
    JOIN items it ON it.strategy_id = i.strategy_id AND it.pillar_no = i.pillar_no AND it.item_no = i.item_no
    JOIN departments d ON d.department_code = i.department_code
    LEFT JOIN v_definitions_in_force r ON r.cycle_id = c.cycle_id AND r.indicator_id = i.indicator_id
"""

# The indicators of a cycle exactly as v_indicator_values lists them (the same inner joins, the definition in force
# for the cycle's year, only indicators in force from valid_from_fy), with stopped_in_cycle.


_CYCLE_INDICATORS = """
    SELECT i.indicator_id, i.department_code, i.name,
           CASE WHEN r.revision_id IS NULL THEN i.target_type ELSE r.target_type END AS target_type,
           CASE WHEN r.revision_id IS NULL THEN i.direction ELSE r.direction END AS direction,
           CASE WHEN r.revision_id IS NULL THEN i.baseline_value ELSE r.baseline_value END AS baseline_value,
           CASE WHEN r.revision_id IS NULL THEN i.target_value ELSE r.target_value END AS target_value,
           (i.status = 'stopped' AND i.stopped_fy <= c.fiscal_year) AS stopped, c.cycle_id, c.fiscal_year
""" + _IN_FORCE_FROM + """
    WHERE c.cycle_id = $cycle_id AND (i.valid_from_fy IS NULL OR i.valid_from_fy <= c.fiscal_year)
"""


def _arrow_frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]):
    import warnings

    import polars as pl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "extra copy" notice of DB-API Arrow output
        return pl.from_arrow(con.execute(sql, params).to_arrow_table())


def sweep_rows(con: duckdb.DuckDBPyConnection, cycle_id: int):
    """One row per indicator of the cycle (as v_indicator_values lists them), value or not, in no particular order.

    The columns of kpi.domain.rules.FRAME_SCHEMA that come from the warehouse but the name (indicator_names gives
    it for the few rows that need one; comparison from indicator_targets, so a strict target met exactly is not
    achieved here either; value_id null where the indicator has no value yet), plus department_code. last_value is the latest approved figure of an earlier fiscal year of
    the same strategy, as in reporting.validation_frame (values of indicators outside the cycle's strategy drop
    out at the final join). Only the columns the rules use are read, from the tables; reason and category only
    as present ('') or absent (null), which is all the rules ask of them.
    """
    return _arrow_frame(con, f"""
        WITH cur AS (SELECT strategy_id, fiscal_year FROM cycles WHERE cycle_id = $cycle_id),
        last AS (
            SELECT lv.indicator_id, arg_max(lv.value_number, lc.fiscal_year) AS last_value
            FROM indicator_values lv
            JOIN cycles lc ON lc.cycle_id = lv.cycle_id
            JOIN cur ON lc.strategy_id = cur.strategy_id AND lc.fiscal_year < cur.fiscal_year
            WHERE lv.state = 'approved' AND lv.value_number IS NOT NULL
            GROUP BY lv.indicator_id
        )
        SELECT CAST(v.value_id AS BIGINT) AS value_id, CAST(ind.indicator_id AS BIGINT) AS indicator_id,
               ind.target_type, ind.direction, CAST(ind.baseline_value AS DOUBLE) AS baseline,
               CAST(ind.target_value AS DOUBLE) AS target, CAST(v.value_number AS DOUBLE) AS value,
               v.qualitative_achieved, v.value_kind AS kind, CAST(v.value_fy AS BIGINT) AS value_fy,
               CAST(ind.fiscal_year AS BIGINT) AS cycle_fy,
               CASE WHEN v.reason IS NOT NULL THEN '' END AS reason,
               CASE WHEN v.reason_category IS NOT NULL THEN '' END AS category,
               CAST(l.last_value AS DOUBLE) AS last_value, ind.stopped, ind.department_code, t.comparison
        FROM ({_CYCLE_INDICATORS}) ind
        LEFT JOIN indicator_values v ON v.indicator_id = ind.indicator_id AND v.cycle_id = ind.cycle_id
        LEFT JOIN last l ON l.indicator_id = ind.indicator_id
        LEFT JOIN indicator_targets t ON t.indicator_id = ind.indicator_id""", {"cycle_id": cycle_id})


def composite_values(con: duckdb.DuckDBPyConnection, cycle_id: int) -> tuple[list[dict], dict[int, list[dict]]]:
    """The cycle's values of composite indicators with what their exact rate needs: (rows, parts by indicator).

    Rows carry the rule's columns as v_indicator_values names them; parts are as parts_of gives them."""
    cur = con.execute(f"""
        WITH ind AS ({_CYCLE_INDICATORS})
        SELECT ind.indicator_id, ind.target_type, ind.direction, ind.target_value, ind.baseline_value,
               ind.stopped AS stopped_in_cycle, v.value_number, v.qualitative_achieved,
               ip.part_no, ip.label, ip.unit, ip.baseline_value AS part_baseline, ip.target_value AS part_target,
               vp.value_number AS part_number
        FROM ind JOIN indicator_values v ON v.indicator_id = ind.indicator_id AND v.cycle_id = ind.cycle_id
        LEFT JOIN indicator_parts ip ON ip.indicator_id = ind.indicator_id
        LEFT JOIN value_parts vp ON vp.value_id = v.value_id AND vp.part_no = ip.part_no
        WHERE ind.target_type = 'composite'
        ORDER BY ind.indicator_id, ip.part_no""", {"cycle_id": cycle_id})
    rows: dict[int, dict] = {}
    parts: dict[int, list[dict]] = {}
    for r in cur.fetchall():
        ind = r[0]
        if ind not in rows:
            rows[ind] = {"indicator_id": ind, "target_type": r[1], "direction": r[2], "target_value": r[3],
                         "baseline_value": r[4], "stopped_in_cycle": r[5], "value_number": r[6],
                         "qualitative_achieved": r[7]}
        if r[8] is not None:
            parts.setdefault(ind, []).append({"indicator_id": ind, "part_no": r[8], "label": r[9], "unit": r[10],
                                              "baseline_value": r[11], "target_value": r[12], "value_number": r[13]})
    return list(rows.values()), parts


# --- a department's save: one narrow read of what normalizing, checking and saving its lines need -------------


_DEPARTMENT_ROW_COLUMNS = (
    "indicator_id", "code", "name", "unit", "target_type", "direction", "baseline_value", "target_value",
    "stopped_in_cycle", "department_code", "cycle_id", "cycle_label", "cycle_state", "value_id", "version", "state",
    "value_text", "value_number", "qualitative_achieved", "last_approved",
)


def department_rows(con: duckdb.DuckDBPyConnection, cycle_id: int, department: str) -> dict[str, dict]:
    """The department's indicators in the cycle (as v_indicator_values lists them), keyed by code.

    Each row holds the indicator's rule, the cycle's state and label, the value of the cycle if any (id, version,
    state, figures) and last_approved: the latest approved figure of an earlier fiscal year (as
    last_approved_before gives it). Read from the tables, only these columns.
    """
    rows = con.execute("""
        SELECT i.indicator_id, i.code, i.name,
               CASE WHEN r.revision_id IS NULL THEN i.unit ELSE r.unit END AS unit,
               CASE WHEN r.revision_id IS NULL THEN i.target_type ELSE r.target_type END AS target_type,
               CASE WHEN r.revision_id IS NULL THEN i.direction ELSE r.direction END AS direction,
               CASE WHEN r.revision_id IS NULL THEN i.baseline_value ELSE r.baseline_value END AS baseline_value,
               CASE WHEN r.revision_id IS NULL THEN i.target_value ELSE r.target_value END AS target_value,
               (i.status = 'stopped' AND i.stopped_fy <= c.fiscal_year) AS stopped_in_cycle, i.department_code,
               c.cycle_id, c.label, c.state, v.value_id, v.version, v.state, v.value_text, v.value_number,
               v.qualitative_achieved, l.last_value
""" + _IN_FORCE_FROM + """
        LEFT JOIN indicator_values v ON v.indicator_id = i.indicator_id AND v.cycle_id = c.cycle_id
        LEFT JOIN (
            SELECT lv.indicator_id, arg_max(lv.value_number, lc.fiscal_year) AS last_value
            FROM indicator_values lv
            JOIN cycles lc ON lc.cycle_id = lv.cycle_id
            JOIN indicators li ON li.indicator_id = lv.indicator_id AND li.strategy_id = lc.strategy_id
            WHERE lv.state = 'approved' AND lv.value_number IS NOT NULL AND li.department_code = $department
              AND lc.fiscal_year < (SELECT fiscal_year FROM cycles WHERE cycle_id = $cycle_id)
            GROUP BY lv.indicator_id
        ) l ON l.indicator_id = i.indicator_id
        WHERE c.cycle_id = $cycle_id AND i.department_code = $department
          AND (i.valid_from_fy IS NULL OR i.valid_from_fy <= c.fiscal_year)""",
        {"cycle_id": cycle_id, "department": department}).fetchall()
    return {r[1]: dict(zip(_DEPARTMENT_ROW_COLUMNS, r)) for r in rows}


def replace_parts_many(con: duckdb.DuckDBPyConnection, parts: dict[int, dict[int, Any]]) -> None:
    """Replace the part figures of many composite values: value id → {part no: figure}; two statements in all."""
    if not parts:
        return
    con.execute("DELETE FROM value_parts WHERE value_id IN (SELECT unnest(?))", [list(parts)])
    rows = [(value_id, no, str(number)) for value_id, ps in parts.items() for no, number in sorted(ps.items())]
    if rows:
        ids, nos, numbers = (list(c) for c in zip(*rows))
        con.execute("INSERT INTO value_parts (value_id, part_no, value_number)"
                    " SELECT unnest(?::INTEGER[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[])::DECIMAL(18, 4)",
                    [ids, nos, numbers])

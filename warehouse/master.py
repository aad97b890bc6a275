"""Repository for master data: strategies, pillars, items, departments, reason categories, indicators, cycles."""
from __future__ import annotations

from typing import Any

import duckdb


def insert_strategy(con: duckdb.DuckDBPyConnection, s: dict[str, Any]) -> int:
    """Insert a strategy version; return its id."""
    return con.execute(
        "INSERT INTO strategies (code, version, name, established_text, publisher, valid_from_fy)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING strategy_id",
        [s["code"], s["version"], s["name"], s.get("established_text"), s.get("publisher"), s["valid_from_fy"]],
    ).fetchone()[0]


def insert_pillar(con: duckdb.DuckDBPyConnection, strategy_id: int, no: int, name: str) -> None:
    """Insert one pillar (柱)."""
    con.execute("INSERT INTO pillars VALUES (?, ?, ?)", [strategy_id, no, name])


def insert_item(con: duckdb.DuckDBPyConnection, strategy_id: int, pillar_no: int, no: int, name: str) -> None:
    """Insert one item (①②③) of a pillar."""
    con.execute("INSERT INTO items VALUES (?, ?, ?, ?)", [strategy_id, pillar_no, no, name])


def upsert_department(con: duckdb.DuckDBPyConnection, code: str, name: str, illustrative: bool) -> None:
    """Insert a department, or rename it when the code exists."""
    con.execute(
        "INSERT INTO departments (department_code, name, illustrative) VALUES (?, ?, ?)"
        " ON CONFLICT (department_code) DO UPDATE SET name = excluded.name",
        [code, name, illustrative],
    )


def upsert_reason_category(con: duckdb.DuckDBPyConnection, code: str, name: str, sort_order: int) -> None:
    """Insert a reason category, or rename it when the code exists."""
    con.execute(
        "INSERT INTO reason_categories VALUES (?, ?, ?)"
        " ON CONFLICT (category_code) DO UPDATE SET name = excluded.name, sort_order = excluded.sort_order",
        [code, name, sort_order],
    )


_INDICATOR_COLUMNS = (
    "strategy_id", "pillar_no", "item_no", "code", "name", "definition", "unit", "department_code",
    "target_type", "direction", "baseline_value", "baseline_text", "baseline_fy", "baseline_fy_text",
    "baseline_illustrative", "target_value", "target_text", "target_fy", "data_source", "status",
    "stop_reason", "stopped_fy", "illustrative", "seed_section", "sort_order",
)
_INSERT_COLUMNS = (*_INDICATOR_COLUMNS, "valid_from_fy")


def first_new_fiscal_year(con: duckdb.DuckDBPyConnection, strategy_id: int) -> int | None:
    """The first fiscal year an indicator added now belongs to: the earliest cycle still being prepared or open,
    else the year after the last cycle; None while the strategy has no cycle (then it belongs to every cycle)."""
    first_open, last = con.execute(
        "SELECT min(fiscal_year) FILTER (WHERE state IN ('preparing', 'open')), max(fiscal_year)"
        " FROM cycles WHERE strategy_id = ?", [strategy_id]).fetchone()
    if first_open is not None:
        return first_open
    return None if last is None else last + 1


def insert_indicator(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> int:
    """Insert an indicator definition (keys as the table's columns); return its id. Without a valid_from_fy it
    belongs to the cycles from `first_new_fiscal_year` on, so closed and finalized years keep their indicators."""
    cols = ", ".join(_INSERT_COLUMNS)
    marks = ", ".join("?" for _ in _INSERT_COLUMNS)
    valid_from = row["valid_from_fy"] if "valid_from_fy" in row else first_new_fiscal_year(con, row["strategy_id"])
    return con.execute(
        f"INSERT INTO indicators ({cols}) VALUES ({marks}) RETURNING indicator_id",  # columns are constants
        [*(row.get(c) for c in _INDICATOR_COLUMNS), valid_from],
    ).fetchone()[0]


def insert_indicator_part(con: duckdb.DuckDBPyConnection, indicator_id: int, part: dict[str, Any]) -> None:
    """Insert one part of a composite target."""
    con.execute(
        "INSERT INTO indicator_parts VALUES (?, ?, ?, ?, ?, ?)",
        [indicator_id, part["no"], part["label"], part.get("unit"), part.get("baseline"), part["target"]],
    )


def insert_cycle(con: duckdb.DuckDBPyConnection, strategy_id: int, c: dict[str, Any]) -> int:
    """Insert a reporting cycle; return its id."""
    return con.execute(
        "INSERT INTO cycles (strategy_id, fiscal_year, label, as_of, as_of_text, deadline, state, illustrative)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING cycle_id",
        [strategy_id, c["fiscal_year"], c["label"], c.get("as_of"), c.get("as_of_text"), c.get("deadline"),
         c.get("state", "preparing"), c.get("illustrative", False)],
    ).fetchone()[0]


def count_strategies(con: duckdb.DuckDBPyConnection) -> int:
    """How many strategy versions the warehouse holds (0 on a fresh file)."""
    return con.execute("SELECT count(*) FROM strategies").fetchone()[0]


def find_cycle(con: duckdb.DuckDBPyConnection, fiscal_year: int, strategy_code: str | None = None) -> dict | None:
    """The cycle of a fiscal year (of the given strategy, else of the newest strategy version), or None."""
    row = con.execute(
        "SELECT c.cycle_id, c.fiscal_year, c.label, c.state, c.as_of, c.as_of_text, c.deadline,"
        " s.code, s.version, s.name, s.publisher, strategy_id"
        " FROM cycles c JOIN strategies s USING (strategy_id)"
        " WHERE c.fiscal_year = ? AND (? IS NULL OR s.code = ?)"
        " ORDER BY s.version DESC LIMIT 1",
        [fiscal_year, strategy_code, strategy_code],
    ).fetchone()
    if row is None:
        return None
    keys = ("cycle_id", "fiscal_year", "label", "state", "as_of", "as_of_text", "deadline",
            "strategy_code", "strategy_version", "strategy_name", "publisher", "strategy_id")
    return dict(zip(keys, row))


def strategies_of_year(con: duckdb.DuckDBPyConnection, fiscal_year: int) -> list[str]:
    """The codes of the strategies that have a cycle for the fiscal year (two or more: the year is ambiguous)."""
    rows = con.execute("SELECT DISTINCT s.code FROM cycles c JOIN strategies s USING (strategy_id)"
                       " WHERE c.fiscal_year = ? ORDER BY s.code", [fiscal_year]).fetchall()
    return [r[0] for r in rows]


def list_cycles(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """All cycles, newest fiscal year first."""
    rows = con.execute(  # the approved counts joined as one grouped read (a correlated count costs more to plan)
        "SELECT c.cycle_id, c.fiscal_year, c.label, c.state, s.code, c.deadline, c.as_of_text, coalesce(a.n, 0),"
        " c.as_of FROM cycles c JOIN strategies s USING (strategy_id)"
        " LEFT JOIN (SELECT cycle_id, count(*) AS n FROM indicator_values WHERE state = 'approved' GROUP BY cycle_id) a"
        " USING (cycle_id) ORDER BY c.fiscal_year DESC, s.version DESC"
    ).fetchall()
    keys = ("cycle_id", "fiscal_year", "label", "state", "strategy_code", "deadline", "as_of_text", "approved", "as_of")
    return [dict(zip(keys, r)) for r in rows]


def list_pillars(con: duckdb.DuckDBPyConnection, cycle_id: int) -> list[dict]:
    """Pillars of the strategy a cycle belongs to that hold indicators in force for its year, in order."""
    rows = con.execute(
        "SELECT p.pillar_no, p.name FROM pillars p JOIN cycles c ON c.strategy_id = p.strategy_id"
        " WHERE c.cycle_id = ? AND EXISTS (SELECT 1 FROM indicators i WHERE i.strategy_id = p.strategy_id"
        " AND i.pillar_no = p.pillar_no AND (i.valid_from_fy IS NULL OR i.valid_from_fy <= c.fiscal_year))"
        " ORDER BY p.pillar_no",
        [cycle_id],
    ).fetchall()
    return [{"no": r[0], "name": r[1]} for r in rows]


def list_departments(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Departments with how many indicators each owns."""
    rows = con.execute(
        "SELECT d.department_code, d.name, d.illustrative, d.active, count(i.indicator_id) AS indicators"
        " FROM departments d LEFT JOIN indicators i USING (department_code)"
        " GROUP BY ALL ORDER BY d.department_code"
    ).fetchall()
    return [dict(zip(("code", "name", "illustrative", "active", "indicators"), r)) for r in rows]


def list_reason_categories(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Reason categories in display order."""
    rows = con.execute("SELECT category_code, name FROM reason_categories ORDER BY sort_order, category_code").fetchall()
    return [{"code": r[0], "name": r[1]} for r in rows]


def indicator_id_by_code(con: duckdb.DuckDBPyConnection, code: str) -> int | None:
    """The indicator of this code in the newest strategy version, or None."""
    row = con.execute("SELECT i.indicator_id FROM indicators i JOIN strategies s USING (strategy_id)"
                      " WHERE i.code = ? ORDER BY s.version DESC LIMIT 1", [code]).fetchall()
    return row[0][0] if row else None


def set_cycle_state(con: duckdb.DuckDBPyConnection, cycle_id: int, expected: str, new: str) -> bool:
    """Move a cycle from the expected state to a new one; False when its state changed meanwhile."""
    row = con.execute("UPDATE cycles SET state = ? WHERE cycle_id = ? AND state = ? RETURNING cycle_id",
                      [new, cycle_id, expected]).fetchone()
    return row is not None


def count_values_in_state(con: duckdb.DuckDBPyConnection, cycle_id: int, state: str) -> int:
    """How many values of a cycle are in a workflow state."""
    return con.execute("SELECT count(*) FROM indicator_values WHERE cycle_id = ? AND state = ?",
                       [cycle_id, state]).fetchone()[0]


def _dicts(cur) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def list_strategies(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every strategy version with its counts, newest version of each code first."""
    return _dicts(con.execute(
        "SELECT s.*, (SELECT count(*) FROM pillars p WHERE p.strategy_id = s.strategy_id) AS pillars,"
        " (SELECT count(*) FROM indicators i WHERE i.strategy_id = s.strategy_id) AS indicators,"
        " (SELECT count(*) FROM cycles c WHERE c.strategy_id = s.strategy_id) AS cycles"
        " FROM strategies s ORDER BY s.code, s.version DESC"))


def get_strategy(con: duckdb.DuckDBPyConnection, strategy_id: int) -> dict | None:
    """One strategy version, or None."""
    rows = _dicts(con.execute("SELECT * FROM strategies WHERE strategy_id = ?", [strategy_id]))
    return rows[0] if rows else None


def strategy_for_year(con: duckdb.DuckDBPyConnection, code: str | None, fiscal_year: int) -> dict | None:
    """The newest version of a strategy (any code when None) valid in a fiscal year, or None."""
    rows = _dicts(con.execute(
        "SELECT * FROM strategies WHERE (? IS NULL OR code = ?) AND valid_from_fy <= ?"
        " AND (valid_to_fy IS NULL OR valid_to_fy >= ?) ORDER BY version DESC LIMIT 1",
        [code, code, fiscal_year, fiscal_year]))
    return rows[0] if rows else None


def update_strategy(con: duckdb.DuckDBPyConnection, strategy_id: int, s: dict[str, Any]) -> None:
    """Change a strategy version's descriptive fields and validity years."""
    con.execute(
        "UPDATE strategies SET name = ?, established_text = ?, publisher = ?, valid_from_fy = ?, valid_to_fy = ?"
        " WHERE strategy_id = ?",
        [s["name"], s.get("established_text"), s.get("publisher"), s["valid_from_fy"], s.get("valid_to_fy"),
         strategy_id])


def copy_strategy_structure(con: duckdb.DuckDBPyConnection, source_id: int, target_id: int) -> int:
    """Copy pillars, items, report sections, indicators (with their newest definition), parts and milestones to a
    new version.

    Returns how many indicators were copied; stopped indicators are not carried into the new version.
    """
    from warehouse.revisions import current_definitions

    con.execute("INSERT INTO pillars SELECT ?, pillar_no, name FROM pillars WHERE strategy_id = ?", [target_id, source_id])
    con.execute("INSERT INTO items SELECT ?, pillar_no, item_no, name FROM items WHERE strategy_id = ?",
                [target_id, source_id])
    con.execute("INSERT INTO report_sections SELECT ?, section_no, pillar_no FROM report_sections WHERE strategy_id = ?",
                [target_id, source_id])
    copied = 0
    for row in current_definitions(con, source_id):
        if row["status"] != "active":
            continue
        new_id = insert_indicator(con, {**row, "strategy_id": target_id, "valid_from_fy": None})
        con.execute("INSERT INTO indicator_parts SELECT ?, part_no, label, unit, baseline_value, target_value"
                    " FROM indicator_parts WHERE indicator_id = ?", [new_id, row["indicator_id"]])
        con.execute("INSERT INTO indicator_milestones SELECT ?, fiscal_year, value FROM indicator_milestones"
                    " WHERE indicator_id = ?", [new_id, row["indicator_id"]])
        copied += 1
    return copied


def upsert_pillar(con: duckdb.DuckDBPyConnection, strategy_id: int, no: int, name: str) -> None:
    """Insert a pillar, or rename it when the number exists."""
    con.execute("INSERT INTO pillars VALUES (?, ?, ?) ON CONFLICT (strategy_id, pillar_no)"
                " DO UPDATE SET name = excluded.name", [strategy_id, no, name])


def upsert_item(con: duckdb.DuckDBPyConnection, strategy_id: int, pillar_no: int, no: int, name: str) -> None:
    """Insert an item, or rename it when the number exists."""
    con.execute("INSERT INTO items VALUES (?, ?, ?, ?) ON CONFLICT (strategy_id, pillar_no, item_no)"
                " DO UPDATE SET name = excluded.name", [strategy_id, pillar_no, no, name])


def strategy_pillars(con: duckdb.DuckDBPyConnection, strategy_id: int) -> list[dict]:
    """Pillars of a strategy version, in order."""
    return _dicts(con.execute("SELECT pillar_no, name FROM pillars WHERE strategy_id = ? ORDER BY pillar_no",
                              [strategy_id]))


def strategy_items(con: duckdb.DuckDBPyConnection, strategy_id: int) -> list[dict]:
    """Items of a strategy version, in order."""
    return _dicts(con.execute("SELECT pillar_no, item_no, name FROM items WHERE strategy_id = ?"
                              " ORDER BY pillar_no, item_no", [strategy_id]))


def get_indicator(con: duckdb.DuckDBPyConnection, indicator_id: int) -> dict | None:
    """One indicator row as stored (the original definition), or None."""
    rows = _dicts(con.execute("SELECT * FROM indicators WHERE indicator_id = ?", [indicator_id]))
    return rows[0] if rows else None


def indicator_code_taken(con: duckdb.DuckDBPyConnection, strategy_id: int, code: str, but: int | None = None) -> bool:
    """True when another indicator of the strategy version already has the code."""
    return con.execute("SELECT count(*) FROM indicators WHERE strategy_id = ? AND code = ? AND indicator_id <> ?",
                       [strategy_id, code, but or -1]).fetchone()[0] > 0


_EDITABLE_IN_PLACE = ("code", "name", "definition", "department_code", "data_source", "pillar_no", "item_no",
                      "sort_order")


def update_indicator_fields(con: duckdb.DuckDBPyConnection, indicator_id: int, fields: dict[str, Any]) -> None:
    """Change an indicator's descriptive fields in place (never its evaluated definition: see revisions)."""
    cols = [c for c in _EDITABLE_IN_PLACE if c in fields]
    if not cols:
        return
    sets = ", ".join(f"{c} = ?" for c in cols)  # column names are constants
    con.execute(f"UPDATE indicators SET {sets} WHERE indicator_id = ?", [*(fields[c] for c in cols), indicator_id])


def set_indicator_status(con: duckdb.DuckDBPyConnection, indicator_id: int, status: str, reason: str | None,
                         stopped_fy: int | None) -> None:
    """Stop (with reason and first fiscal year) or resume an indicator's progress management."""
    con.execute("UPDATE indicators SET status = ?, stop_reason = ?, stopped_fy = ? WHERE indicator_id = ?",
                [status, reason, stopped_fy, indicator_id])


def finalized_years(con: duckdb.DuckDBPyConnection, strategy_id: int) -> list[int]:
    """Fiscal years whose cycle of this strategy version is finalized (their evaluation is frozen)."""
    return [r[0] for r in con.execute("SELECT fiscal_year FROM cycles WHERE strategy_id = ? AND state = 'finalized'"
                                      " ORDER BY fiscal_year", [strategy_id]).fetchall()]


def set_cycle_dates(con: duckdb.DuckDBPyConnection, cycle_id: int, as_of, as_of_text: str | None, deadline) -> None:
    """Set a cycle's as-of date (and its printed form) and its submission deadline."""
    con.execute("UPDATE cycles SET as_of = ?, as_of_text = ?, deadline = ? WHERE cycle_id = ?",
                [as_of, as_of_text, deadline, cycle_id])


def set_department_active(con: duckdb.DuckDBPyConnection, code: str, active: bool) -> None:
    """Mark a department in use or no longer in use."""
    con.execute("UPDATE departments SET active = ? WHERE department_code = ?", [active, code])


def active_indicator_count(con: duckdb.DuckDBPyConnection, strategy_id: int, fiscal_year: int) -> int:
    """Indicators of a strategy version under progress management in a fiscal year."""
    return con.execute("SELECT count(*) FROM indicators WHERE strategy_id = ?"
                       " AND NOT (status = 'stopped' AND stopped_fy <= ?)", [strategy_id, fiscal_year]).fetchone()[0]


def indicator_names(con: duckdb.DuckDBPyConnection, indicator_ids):
    """indicator_id and name of these indicators (a Polars Series of ids) as a Polars frame."""
    import warnings

    import polars as pl

    ids = pl.DataFrame({"indicator_id": indicator_ids.cast(pl.Int64)})
    con.register("_wanted_ids", ids)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "extra copy" notice of DB-API Arrow output
            return pl.from_arrow(con.execute("SELECT CAST(i.indicator_id AS BIGINT) AS indicator_id, i.name"
                                             " FROM indicators i SEMI JOIN _wanted_ids w"
                                             " ON w.indicator_id = i.indicator_id").to_arrow_table())
    finally:
        con.unregister("_wanted_ids")


def department_names(con: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, str]:
    """Department code → name."""
    if not codes:
        return {}
    return dict(con.execute("SELECT department_code, name FROM departments WHERE department_code IN (SELECT unnest(?))",
                            [list(codes)]).fetchall())

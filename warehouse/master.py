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


def insert_indicator(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> int:
    """Insert an indicator definition (keys as the table's columns); return its id."""
    cols = ", ".join(_INDICATOR_COLUMNS)
    marks = ", ".join("?" for _ in _INDICATOR_COLUMNS)
    return con.execute(
        f"INSERT INTO indicators ({cols}) VALUES ({marks}) RETURNING indicator_id",  # columns are constants
        [row.get(c) for c in _INDICATOR_COLUMNS],
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
        " s.code, s.version, s.name, s.publisher"
        " FROM cycles c JOIN strategies s USING (strategy_id)"
        " WHERE c.fiscal_year = ? AND (? IS NULL OR s.code = ?)"
        " ORDER BY s.version DESC LIMIT 1",
        [fiscal_year, strategy_code, strategy_code],
    ).fetchone()
    if row is None:
        return None
    keys = ("cycle_id", "fiscal_year", "label", "state", "as_of", "as_of_text", "deadline",
            "strategy_code", "strategy_version", "strategy_name", "publisher")
    return dict(zip(keys, row))


def list_cycles(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """All cycles, newest fiscal year first."""
    rows = con.execute(
        "SELECT c.cycle_id, c.fiscal_year, c.label, c.state, s.code, c.deadline, c.as_of_text,"
        " (SELECT count(*) FROM indicator_values v WHERE v.cycle_id = c.cycle_id AND v.state = 'approved')"
        " FROM cycles c JOIN strategies s USING (strategy_id)"
        " ORDER BY c.fiscal_year DESC, s.version DESC"
    ).fetchall()
    keys = ("cycle_id", "fiscal_year", "label", "state", "strategy_code", "deadline", "as_of_text", "approved")
    return [dict(zip(keys, r)) for r in rows]


def list_pillars(con: duckdb.DuckDBPyConnection, cycle_id: int) -> list[dict]:
    """Pillars of the strategy a cycle belongs to, in order."""
    rows = con.execute(
        "SELECT p.pillar_no, p.name FROM pillars p JOIN cycles c ON c.strategy_id = p.strategy_id"
        " WHERE c.cycle_id = ? ORDER BY p.pillar_no",
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

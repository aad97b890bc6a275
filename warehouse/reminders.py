"""Repository for reminders: per-cycle schedule settings, what each department still owes, editors' e-mail
addresses and the notices sent (kpi.services.reminders decides; this module only reads and writes rows)."""
from __future__ import annotations

from typing import Any

import duckdb

DEFAULTS = {"days_before": 7, "days_after": 1, "auto_close": False}


def _dicts(cur) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def cycles_with_settings(con: duckdb.DuckDBPyConnection, state: str | None = None) -> list[dict[str, Any]]:
    """Cycles (of one state, or all), newest first, with their reminder settings (defaults when never set)."""
    return _dicts(con.execute("""
        SELECT c.cycle_id, c.fiscal_year, c.label, c.state, c.deadline, s.code AS strategy_code,
               coalesce(r.days_before, ?) AS days_before, coalesce(r.days_after, ?) AS days_after,
               coalesce(r.auto_close, ?) AS auto_close, r.updated_by, r.updated_at
        FROM cycles c JOIN strategies s USING (strategy_id)
        LEFT JOIN cycle_reminder_settings r USING (cycle_id)
        WHERE ? IS NULL OR c.state = ?
        ORDER BY c.fiscal_year DESC, s.version DESC
    """, [DEFAULTS["days_before"], DEFAULTS["days_after"], DEFAULTS["auto_close"], state, state]))


def save_settings(con: duckdb.DuckDBPyConnection, cycle_id: int, *, days_before: int, days_after: int,
                  auto_close: bool, login: str) -> None:
    """Insert or replace a cycle's reminder settings."""
    con.execute("""
        INSERT INTO cycle_reminder_settings (cycle_id, days_before, days_after, auto_close, updated_by, updated_at)
        VALUES (?, ?, ?, ?, ?, current_timestamp)
        ON CONFLICT (cycle_id) DO UPDATE SET days_before = excluded.days_before, days_after = excluded.days_after,
            auto_close = excluded.auto_close, updated_by = excluded.updated_by, updated_at = excluded.updated_at
    """, [cycle_id, days_before, days_after, auto_close, login])


def outstanding(con: duckdb.DuckDBPyConnection, cycle_id: int, department: str | None = None) -> list[dict[str, Any]]:
    """Active indicators of a cycle that are not entered, still drafts, or returned, in report order."""
    return _dicts(con.execute("""
        SELECT department_code, department_name, indicator_id, code, name, coalesce(state, 'none') AS state,
               review_comment
        FROM v_indicator_values
        WHERE cycle_id = ? AND NOT coalesce(stopped_in_cycle, false)
          AND coalesce(state, 'none') IN ('none', 'draft', 'returned')
          AND (? IS NULL OR department_code = ?)
        ORDER BY department_code, pillar_no, item_no, sort_order, code
    """, [cycle_id, department, department]))


def editor_addresses(con: duckdb.DuckDBPyConnection, role: str = "editor") -> dict[str, list[dict[str, Any]]]:
    """Per department: its active editors (or the accounts of another departmental role, e.g. 'dept_head') with
    login, name and e-mail or None, by login."""
    rows = _dicts(con.execute("""
        SELECT ud.department_code, u.login, u.display_name, nullif(trim(u.email), '') AS email
        FROM user_departments ud
        JOIN users u ON u.login = ud.login AND u.active
        JOIN user_roles r ON r.login = u.login AND r.role = ?
        ORDER BY ud.department_code, u.login
    """, [role]))
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.pop("department_code"), []).append(r)
    return out


def sent_notices(con: duckdb.DuckDBPyConnection, cycle_id: int) -> list[dict[str, Any]]:
    """(department, kind, date, audience) of every notice of a cycle, for deciding what is due."""
    return _dicts(con.execute("SELECT department_code, kind, notice_date, audience FROM reminder_notices"
                              " WHERE cycle_id = ?", [cycle_id]))


def insert_notice(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> int:
    """Store one notice (audience 'editors' unless the row names 'heads'); return its id."""
    cols = ("cycle_id", "department_code", "notice_date", "kind", "subject", "body", "missing_count",
            "returned_count", "items_json", "recipients", "mail_status", "created_by", "audience")
    return con.execute(
        f"INSERT INTO reminder_notices ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) RETURNING notice_id",
        [row.get("audience", "editors") if c == "audience" else row[c] for c in cols]).fetchone()[0]


def set_mail_status(con: duckdb.DuckDBPyConnection, notice_id: int, status: str, error: str | None = None) -> None:
    """Record how the e-mail of a notice went."""
    con.execute("UPDATE reminder_notices SET mail_status = ?, mail_error = ? WHERE notice_id = ?",
                [status, error, notice_id])


def list_notices(con: duckdb.DuckDBPyConnection, cycle_id: int, department: str | None = None,
                 limit: int = 500) -> list[dict[str, Any]]:
    """Notices of a cycle (of one department, or all), newest first, with the department's name."""
    return _dicts(con.execute("""
        SELECT n.*, d.name AS department_name
        FROM reminder_notices n LEFT JOIN departments d USING (department_code)
        WHERE n.cycle_id = ? AND (? IS NULL OR n.department_code = ?)
        ORDER BY n.notice_date DESC, n.notice_id DESC
        LIMIT ?
    """, [cycle_id, department, department, limit]))


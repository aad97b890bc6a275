"""Repository for accounts: users, their roles and departments."""
from __future__ import annotations

import duckdb


def insert_user(con: duckdb.DuckDBPyConnection, login: str, display_name: str, password_hash: str,
                roles: list[str], departments: list[str]) -> None:
    """Insert an account with its roles and departments."""
    con.execute("INSERT INTO users (login, display_name, password_hash) VALUES (?, ?, ?)",
                [login, display_name, password_hash])
    for r in roles:
        con.execute("INSERT INTO user_roles VALUES (?, ?)", [login, r])
    for d in departments:
        con.execute("INSERT INTO user_departments VALUES (?, ?)", [login, d])


def get_user(con: duckdb.DuckDBPyConnection, login: str) -> dict | None:
    """An active or inactive account with its roles and departments, or None."""
    row = con.execute("SELECT login, display_name, password_hash, active, email, version FROM users WHERE login = ?",
                      [login]).fetchone()
    if row is None:
        return None
    roles = [r[0] for r in con.execute("SELECT role FROM user_roles WHERE login = ? ORDER BY role", [login]).fetchall()]
    depts = [r[0] for r in con.execute(
        "SELECT department_code FROM user_departments WHERE login = ? ORDER BY department_code", [login]).fetchall()]
    return {"login": row[0], "display_name": row[1], "password_hash": row[2], "active": row[3], "email": row[4],
            "version": row[5], "roles": roles, "departments": depts}


def account_state(con: duckdb.DuckDBPyConnection, login: str) -> tuple[bool, int] | None:
    """(active, version) of an account, or None when there is no such login."""
    rows = con.execute("SELECT active, version FROM users WHERE login = ?", [login]).fetchall()
    return (bool(rows[0][0]), int(rows[0][1])) if rows else None


def _bump(con: duckdb.DuckDBPyConnection, login: str) -> None:
    # every open session of the account ends on its next click (it remembers the version it was opened with)
    con.execute("UPDATE users SET version = version + 1 WHERE login = ?", [login])


def end_sessions_and_throttle(con: duckdb.DuckDBPyConnection, login: str) -> None:
    """Start the account afresh: its open sessions end and its login throttle counts from zero (an unlock)."""
    _bump(con, login)


def update_password_hash(con: duckdb.DuckDBPyConnection, login: str, password_hash: str) -> None:
    """Replace an account's password (a reset): every open session of the account ends."""
    con.execute("UPDATE users SET password_hash = ? WHERE login = ?", [password_hash, login])
    _bump(con, login)


def rehash_password(con: duckdb.DuckDBPyConnection, login: str, password_hash: str) -> None:
    """Store the same password hashed with stronger parameters (sessions are unaffected)."""
    con.execute("UPDATE users SET password_hash = ? WHERE login = ?", [password_hash, login])


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every account with its roles and departments (no password hashes)."""
    rows = con.execute(
        "SELECT u.login, u.display_name, u.active, u.email,"
        " coalesce(list(DISTINCT r.role ORDER BY r.role) FILTER (WHERE r.role IS NOT NULL), []) AS roles,"
        " coalesce(list(DISTINCT d.department_code ORDER BY d.department_code)"
        "   FILTER (WHERE d.department_code IS NOT NULL), []) AS departments"
        " FROM users u LEFT JOIN user_roles r USING (login) LEFT JOIN user_departments d USING (login)"
        " GROUP BY ALL ORDER BY u.login"
    ).fetchall()
    return [dict(zip(("login", "display_name", "active", "email", "roles", "departments"), r)) for r in rows]


def set_roles(con: duckdb.DuckDBPyConnection, login: str, roles: list[str]) -> None:
    """Replace an account's roles (a change ends the account's open sessions)."""
    before = {r[0] for r in con.execute("SELECT role FROM user_roles WHERE login = ?", [login]).fetchall()}
    if before != set(roles):
        _bump(con, login)
    con.execute("DELETE FROM user_roles WHERE login = ?", [login])
    for r in roles:
        con.execute("INSERT INTO user_roles VALUES (?, ?)", [login, r])


def set_departments(con: duckdb.DuckDBPyConnection, login: str, departments: list[str]) -> None:
    """Replace an account's departments (a change ends the account's open sessions)."""
    before = {r[0] for r in con.execute(
        "SELECT department_code FROM user_departments WHERE login = ?", [login]).fetchall()}
    if before != set(departments):
        _bump(con, login)
    con.execute("DELETE FROM user_departments WHERE login = ?", [login])
    for d in departments:
        con.execute("INSERT INTO user_departments VALUES (?, ?)", [login, d])


def set_active(con: duckdb.DuckDBPyConnection, login: str, active: bool) -> None:
    """Enable or disable an account (a change ends the account's open sessions)."""
    con.execute("UPDATE users SET version = version + 1, active = ? WHERE login = ? AND active IS DISTINCT FROM ?",
                [active, login, active])


def set_display_name(con: duckdb.DuckDBPyConnection, login: str, display_name: str) -> None:
    """Rename an account."""
    con.execute("UPDATE users SET display_name = ? WHERE login = ?", [display_name, login])


def login_for_email(con: duckdb.DuckDBPyConnection, email: str) -> str | None:
    """The active account whose e-mail matches (case-insensitive), or None."""
    row = con.execute("SELECT login FROM users WHERE lower(email) = lower(?) AND active", [email]).fetchall()
    return row[0][0] if len(row) == 1 else None


def set_email(con: duckdb.DuckDBPyConnection, login: str, email: str | None) -> None:
    """Set the e-mail address an OpenID Connect identity is matched on."""
    con.execute("UPDATE users SET email = ? WHERE login = ?", [email, login])

"""Repository for login sessions: one row per browser login, keyed by a keyed hash of its token (never the token)."""
from __future__ import annotations

from datetime import datetime

import duckdb


def insert_session(con: duckdb.DuckDBPyConnection, token_hash: str, login: str, account_version: int,
                   now: datetime, expires_at: datetime) -> None:
    """Record a new session of an account, opened now."""
    con.execute("INSERT INTO login_sessions (token_hash, login, account_version, created_at, last_seen, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", [token_hash, login, account_version, now, now, expires_at])


def session_of(con: duckdb.DuckDBPyConnection, token_hash: str) -> dict | None:
    """A session with its account's current state (active, version, name, roles, departments), or None."""
    # Two plain queries: DuckDB plans the same read written with two correlated list() subqueries in about twice
    # the CPU time (it runs on every click of every person).
    row = con.execute(
        "SELECT s.login, s.account_version, s.last_seen, s.expires_at, s.ended_at,"
        " u.login IS NOT NULL, coalesce(u.active, false), u.version, u.display_name"
        " FROM login_sessions s LEFT JOIN users u USING (login) WHERE s.token_hash = ?", [token_hash]).fetchone()
    if row is None:
        return None
    held = con.execute("SELECT 'role', role FROM user_roles WHERE login = ?"
                       " UNION ALL SELECT 'department', department_code FROM user_departments WHERE login = ?",
                       [row[0], row[0]]).fetchall()
    keys = ("login", "account_version", "last_seen", "expires_at", "ended_at", "exists", "active", "version",
            "display_name")
    return {**dict(zip(keys, row)), "roles": sorted(v for k, v in held if k == "role"),
            "departments": sorted(v for k, v in held if k == "department")}


def touch(con: duckdb.DuckDBPyConnection, token_hash: str, now: datetime) -> None:
    """Note activity on an open session."""
    con.execute("UPDATE login_sessions SET last_seen = ? WHERE token_hash = ? AND ended_at IS NULL", [now, token_hash])


def end_session(con: duckdb.DuckDBPyConnection, token_hash: str, now: datetime, reason: str) -> None:
    """End an open session (logout, idle timeout, account changed); an ended session never resumes."""
    con.execute("UPDATE login_sessions SET ended_at = ?, end_reason = ? WHERE token_hash = ? AND ended_at IS NULL",
                [now, reason, token_hash])


def purge_before(con: duckdb.DuckDBPyConnection, before: datetime) -> int:
    """Forget sessions that ended or expired before the given time; return how many."""
    return len(con.execute("DELETE FROM login_sessions WHERE coalesce(ended_at, expires_at) < ? RETURNING 1",
                           [before]).fetchall())

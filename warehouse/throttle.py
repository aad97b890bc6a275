"""The login throttle's counters (`login_throttle`): one row per counter and key, shared by every process.

Each failure is one statement (an upsert), so two processes counting at once both count: the row is locked by
the first and the second adds to what the first wrote. Times are seconds since the epoch (the callers' clock).
"""
from __future__ import annotations

import duckdb


def entry(con: duckdb.DuckDBPyConnection, counter: str, key: str) -> tuple[int, float, int | None] | None:
    """(failures, last failure, account version) of a key, or None."""
    row = con.execute("SELECT failures, last_at, version FROM login_throttle WHERE counter = ? AND throttle_key = ?",
                      [counter, key]).fetchone()
    return (int(row[0]), float(row[1]), None if row[2] is None else int(row[2])) if row else None


def entries_ending(con: duckdb.DuckDBPyConnection, counter: str, suffix: str) -> list[tuple[int, float, int | None]]:
    """(failures, last failure, version) of every key of the counter that ends with `suffix`."""
    rows = con.execute("SELECT failures, last_at, version FROM login_throttle WHERE counter = ?"
                       " AND right(throttle_key, ?) = ?", [counter, len(suffix), suffix]).fetchall()
    return [(int(r[0]), float(r[1]), None if r[2] is None else int(r[2])) for r in rows]


def count_failure(con: duckdb.DuckDBPyConnection, counter: str, key: str, now: float, version: int | None,
                  forget_s: float) -> None:
    """Count one failure of the key at `now`; a key quiet for longer than forget_s, or counted under another
    account version, starts again from one."""
    con.execute(
        "INSERT INTO login_throttle (counter, throttle_key, failures, last_at, version) VALUES (?, ?, 1, ?, ?)"
        " ON CONFLICT (counter, throttle_key) DO UPDATE SET"
        " failures = CASE WHEN excluded.last_at - login_throttle.last_at > ?"
        "  OR login_throttle.version IS DISTINCT FROM excluded.version THEN 1 ELSE login_throttle.failures + 1 END,"
        " last_at = excluded.last_at, version = excluded.version",
        [counter, key, float(now), version, float(forget_s)])


def keep_newest(con: duckdb.DuckDBPyConnection, counter: str, size: int, forget_before: float) -> None:
    """Drop the counter's keys quiet since before `forget_before`, and beyond `size` keys the least recently
    failed ones."""
    con.execute("DELETE FROM login_throttle WHERE counter = ? AND last_at < ?", [counter, float(forget_before)])
    if count(con, counter) > size:
        con.execute(
            "DELETE FROM login_throttle WHERE counter = ? AND throttle_key NOT IN (SELECT throttle_key"
            " FROM login_throttle WHERE counter = ? ORDER BY last_at DESC, throttle_key LIMIT ?)",
            [counter, counter, int(size)])


def forget(con: duckdb.DuckDBPyConnection, counter: str, key: str) -> None:
    """Forget one key (a success)."""
    con.execute("DELETE FROM login_throttle WHERE counter = ? AND throttle_key = ?", [counter, key])


def count(con: duckdb.DuckDBPyConnection, counter: str) -> int:
    """How many keys the counter holds."""
    return int(con.execute("SELECT count(*) FROM login_throttle WHERE counter = ?", [counter]).fetchone()[0])

"""The audit trail, append-only by construction: one append function, each row chained to the one before it.

Every row carries `prev_hash` (the row_hash of the row before it, in audit_id order; "" for the first) and
`row_hash` = SHA-256 over the previous hash and the row's canonical text (its columns, in a fixed order, as JSON).
`append` is the only writer; the connection refuses any other statement that writes audit_log (defence in
depth, warehouse/connection.py), and `verify` recomputes the chain: a row edited, deleted or inserted in the
middle through the file itself breaks the chain at that row. What the chain cannot tell by itself: rows cut from
the end, or a whole chain recomputed from some row on by someone with the file (there is no secret) — compare
the head printed by `kpi audit verify` with one kept elsewhere (a backup's manifest keeps the table's checksum).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import duckdb

GENESIS = ""
EVENT_COLUMNS = (
    "actor", "role", "action", "entity", "entity_id", "cycle_id", "indicator_id", "from_state", "to_state",
    "old_value", "new_value", "comment", "batch_id",
)
HASHED_COLUMNS = ("audit_id", "occurred_at", *EVENT_COLUMNS)
_INTEGERS = {"audit_id", "cycle_id", "indicator_id", "batch_id"}
_STORED = (*HASHED_COLUMNS, "prev_hash", "row_hash")

# The only statements that write audit_log (the connection lets exactly these texts through).
INSERT_ONE = (f"INSERT INTO audit_log ({', '.join(_STORED)}) "  # constant column names
              f"VALUES ({', '.join('?' for _ in _STORED)})")
INSERT_MANY = f"INSERT INTO audit_log ({', '.join(_STORED)}) SELECT {', '.join(_STORED)} FROM _new_audit_rows"
SEAL = ("UPDATE audit_log SET prev_hash = s.prev_hash, row_hash = s.row_hash FROM _sealed_audit_rows s "
        "WHERE audit_log.audit_id = s.audit_id AND audit_log.row_hash IS NULL")
WRITES = frozenset({INSERT_ONE, INSERT_MANY, SEAL})

_LAST = "SELECT audit_id, row_hash FROM audit_log ORDER BY audit_id DESC LIMIT 1"
_ROWS = f"SELECT {', '.join(_STORED)} FROM audit_log ORDER BY audit_id"


@dataclass(frozen=True)
class Broken:
    """The first row where the chain does not hold: its audit_id (None: a row is missing there) and why."""

    audit_id: int | None
    position: int  # 1-based, in audit_id order
    reason: str


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: how many rows, the newest row's hash (the head), and the first break if any."""

    rows: int
    head: str
    broken: Broken | None


def _plain(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column == "occurred_at":
        return value.isoformat() if isinstance(value, dt.datetime) else str(value)
    return int(value) if column in _INTEGERS else str(value)


def canonical(row: dict[str, Any]) -> bytes:
    """The row's columns in a fixed order as compact JSON (the text its hash covers)."""
    return json.dumps([_plain(c, row.get(c)) for c in HASHED_COLUMNS], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def row_hash(row: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous row's hash and this row's canonical text."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(row)).hexdigest()


def append(con: duckdb.DuckDBPyConnection, events: list[dict[str, Any]]) -> None:
    """Append audit rows (dicts with EVENT_COLUMNS keys) in the caller's transaction, each chained to the last."""
    if not events:
        return
    last = _last(con)
    if last is not None and last[1] is None:
        seal(con)
        last = _last(con)
    prev = last[1] if last is not None else GENESIS
    ids = [r[0] for r in con.execute("SELECT nextval('seq_audit') FROM range(?)", [len(events)]).fetchall()]
    now = con.execute("SELECT CAST(current_timestamp AS TIMESTAMP)").fetchall()[0][0]
    rows = []
    for audit_id, event in zip(sorted(ids), events):
        row = {c: _plain(c, event.get(c)) for c in EVENT_COLUMNS}
        row.update(audit_id=audit_id, occurred_at=now, prev_hash=prev)
        row["row_hash"] = prev = row_hash(row, row["prev_hash"])
        rows.append(row)
    if len(rows) == 1:
        con.execute(INSERT_ONE, [rows[0][c] for c in _STORED])
        return
    import polars as pl

    frame = pl.DataFrame(rows, schema={c: (pl.Int64 if c in _INTEGERS else pl.Datetime("us") if c == "occurred_at"
                                           else pl.String) for c in _STORED})
    con.register("_new_audit_rows", frame)
    try:
        con.execute(INSERT_MANY)
    finally:
        con.unregister("_new_audit_rows")


def _last(con: duckdb.DuckDBPyConnection) -> tuple[int, str | None] | None:
    rows = con.execute(_LAST).fetchall()  # fetched to the end: DuckDB wants a result finished before other work
    return rows[0] if rows else None


def seal(con: duckdb.DuckDBPyConnection) -> int:
    """Chain the rows written before the chain existed (row_hash NULL), in audit_id order; returns how many."""
    rows = _dicts(con.execute(_ROWS))
    prev = GENESIS
    sealed = []
    for row in rows:
        if row["row_hash"] is None:
            h = row_hash(row, prev)
            sealed.append({"audit_id": row["audit_id"], "prev_hash": prev, "row_hash": h})
            prev = h
        else:
            prev = row["row_hash"]
    if sealed:
        import polars as pl

        con.register("_sealed_audit_rows", pl.DataFrame(sealed, schema={"audit_id": pl.Int64, "prev_hash": pl.String,
                                                                        "row_hash": pl.String}))
        try:
            con.execute(SEAL)
        finally:
            con.unregister("_sealed_audit_rows")
    return len(sealed)


def _dicts(cur) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def verify(con: duckdb.DuckDBPyConnection) -> Verdict:
    """Recompute the chain over every row in audit_id order; the first row that does not hold, if any."""
    cur = con.execute(_ROWS)
    cols = [d[0] for d in cur.description]
    prev = GENESIS
    n = 0
    while batch := cur.fetchmany(10_000):
        for values in batch:
            n += 1
            row = dict(zip(cols, values))
            if row["row_hash"] is None or row["prev_hash"] is None:
                return Verdict(n, prev, Broken(row["audit_id"], n, "unsealed"))
            if row["prev_hash"] != prev:
                return Verdict(n, prev, Broken(row["audit_id"], n, "link"))
            if row_hash(row, prev) != row["row_hash"]:
                return Verdict(n, prev, Broken(row["audit_id"], n, "content"))
            prev = row["row_hash"]
    return Verdict(n, prev, None)

"""The audit trail, append-only by construction: one append function, each row chained to the one before it.

Every row carries `prev_hash` (the row_hash of the row before it, in audit_id order; "" for the first) and
`row_hash` = SHA-256 over the previous hash and the row's canonical text (its columns, in a fixed order, as JSON).
`append` is the only writer, of typed events (kpi.domain.audit_events.AuditEvent: a dataclass whose fields are
columns of the table; an unknown field is refused, and actor, role, action and entity must be given); the connection refuses any other statement that writes audit_log (defence in
depth, warehouse/connection.py), and `verify` recomputes the chain: a row edited, deleted or inserted in the
middle through the file itself breaks the chain at that row. What the chain cannot tell by itself: rows cut from
the end, or a whole chain recomputed from some row on by someone with the file (there is no secret) — compare
the head printed by `kpi audit verify` with one kept elsewhere (a backup's manifest keeps the table's checksum).
"""
from __future__ import annotations

import dataclasses
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


_REQUIRED = ("actor", "role", "action", "entity")


class UnknownAuditField(ValueError):
    """An audit event carries a field that is not a column of audit_log (or lacks a required one)."""


def columns_of(event: Any) -> dict[str, Any]:
    """The event's fields as audit_log columns; refuses anything but a typed event (a dataclass instance) whose
    fields are all columns, with actor, role, action and entity given."""
    if not dataclasses.is_dataclass(event) or isinstance(event, type):
        raise TypeError(f"audit events are typed dataclasses (AuditEvent), not {type(event).__name__}")
    row = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    unknown = sorted(set(row) - set(EVENT_COLUMNS))
    if unknown:
        raise UnknownAuditField(f"not a column of audit_log: {', '.join(unknown)}")
    missing = [c for c in _REQUIRED if not row.get(c)]
    if missing:
        raise UnknownAuditField(f"audit event without {', '.join(missing)}")
    return row


def record(con: duckdb.DuckDBPyConnection, event: Any) -> None:
    """Append one typed audit event, chained; there is deliberately no function that updates or deletes one."""
    append(con, [event])


def append(con: duckdb.DuckDBPyConnection, events: list[Any]) -> None:
    """Append typed audit events in the caller's transaction, in order, each chained to the last."""
    checked = [columns_of(e) for e in events]  # every event checked before anything is written
    if not checked:
        return
    _hold_chain(con)
    last = _last(con)
    if last is not None and last[1] is None:
        seal(con)
        last = _last(con)
    prev = last[1] if last is not None else GENESIS
    ids = [r[0] for r in con.execute("SELECT nextval('seq_audit') FROM range(?)", [len(checked)]).fetchall()]
    now = con.execute("SELECT CAST(current_timestamp AS TIMESTAMP)").fetchall()[0][0]
    rows = []
    for audit_id, event in zip(sorted(ids), checked):
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


# Any fixed number: the key of the transaction-scoped PostgreSQL advisory lock held by whoever appends to the chain.
CHAIN_LOCK = 7_281_021


def _hold_chain(con) -> None:
    """On PostgreSQL, writers run at once and commit in any order: two transactions reading the same last row would
    both chain onto it (and an id taken earlier could commit later), and `verify` would find a broken link. So the
    appender takes a transaction-scoped advisory lock first: the next one waits until this transaction ends, then
    reads the committed last row (READ COMMITTED: each statement sees what is committed) and takes later ids. The
    lock is held from the append to the commit, which is the end of a unit of work. On DuckDB the file lock already
    lets one writer in at a time (the connection has no `native`)."""
    native = getattr(con, "native", None)
    if native is not None:
        native("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def copy_in(con: duckdb.DuckDBPyConnection, frame) -> None:
    """Rows copied from another warehouse exactly as they are — ids, times and hashes kept, so the chain still
    verifies (`kpi export-warehouse`, warehouse/transfer.py); the destination's trail must be empty."""
    con.register("_new_audit_rows", frame.select(_STORED))
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


# --- reads of the trail -------------------------------------------------------------------------------------------

def last_actor(con: duckdb.DuckDBPyConnection, value_id: int, action: str, entity: str = "value") -> str | None:
    """Who last took an action (e.g. 'submit') on a value (or another entity: a confirmation), from the audit
    trail; None if nobody did."""
    row = con.execute("SELECT actor FROM audit_log WHERE entity = ? AND entity_id = ? AND action = ?"
                      " ORDER BY audit_id DESC LIMIT 1", [entity, str(value_id), action]).fetchone()
    return None if row is None else row[0]


def list_audit(con: duckdb.DuckDBPyConnection, *, cycle_id: int | None = None, department: str | None = None,
               indicator_id: int | None = None, actor: str | None = None, since=None, until=None,
               limit: int = 5000, entity: str | None = None) -> list[dict]:
    """Audit rows, oldest first, filtered by any of cycle, department, indicator, person, object and date range."""
    cur = con.execute(
        "SELECT a.audit_id, a.occurred_at, a.actor, a.role, a.action, a.entity, a.entity_id, a.cycle_id,"
        " c.fiscal_year, a.indicator_id, i.code, i.name AS indicator_name, i.department_code,"
        " a.from_state, a.to_state, a.old_value, a.new_value, a.comment, a.batch_id"
        " FROM audit_log a LEFT JOIN indicators i ON i.indicator_id = a.indicator_id"
        " LEFT JOIN cycles c ON c.cycle_id = a.cycle_id"
        " WHERE (? IS NULL OR a.cycle_id = ?) AND (? IS NULL OR i.department_code = ?)"
        " AND (? IS NULL OR a.indicator_id = ?) AND (? IS NULL OR a.actor = ?)"
        " AND (? IS NULL OR a.occurred_at >= ?) AND (? IS NULL OR a.occurred_at < ?)"
        " AND (? IS NULL OR a.entity = ?)"
        " ORDER BY a.audit_id LIMIT ?",
        [cycle_id, cycle_id, department, department, indicator_id, indicator_id, actor, actor,
         since, since, until, until, entity, entity, limit],
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def saved_count(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """How many values a batch saved (its save audit rows)."""
    return con.execute("SELECT count(*) FROM audit_log WHERE batch_id = ? AND action = 'save'", [batch_id]).fetchone()[0]

"""What a refused batch must leave untouched, read from the warehouse file."""
from __future__ import annotations

import json

import warehouse


def snapshot(db) -> dict:
    """Row counts and a content checksum of the values, their parts and the audit trail; findings per batch."""
    with warehouse.connect(db) as con:
        one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
        return {
            "values": one("SELECT count(*), coalesce(sum(hash(value_id, version, state, value_number, value_text,"
                          " reason, reason_category, remark, batch_id)), 0) FROM indicator_values"),
            "parts": one("SELECT count(*), coalesce(sum(hash(value_id, part_no, value_number)), 0) FROM value_parts"),
            "audit": one("SELECT count(*), coalesce(max(audit_id), 0) FROM audit_log"),
            "findings": dict(con.execute("SELECT coalesce(batch_id, -1), count(*) FROM validation_findings"
                                         " GROUP BY ALL").fetchall()),
            "batches": one("SELECT count(*) FROM intake_batches")[0],
        }


def stored_batch(db, batch_id: int) -> dict:
    with warehouse.connect(db) as con:
        cur = con.execute("SELECT * FROM intake_batches WHERE batch_id = ?", [batch_id])
        cols = [d[0] for d in cur.description]
        return dict(zip(cols, cur.fetchone()))


def raw_entries(batch: dict) -> list[dict] | None:
    return None if batch["raw_json"] is None else json.loads(batch["raw_json"])

"""What must hold in a warehouse after any crash, restore or load: read with plain SQL (and the audit chain's
own check), reported as problems."""
from __future__ import annotations

import json
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import warehouse


def rows(con, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def read(db: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    with warehouse.connect(db, timeout=5) as con:
        return rows(con, sql, params)


def opens_quickly(db: Path) -> float:
    """Open the warehouse (running migrations) with a short bounded wait: a stale lock would fail here."""
    started = time.perf_counter()
    with warehouse.connect(db, timeout=5) as con:
        from warehouse.migrations import migrate

        migrate(con)
        con.execute("SELECT count(*) FROM indicator_values").fetchone()
    return time.perf_counter() - started


def _same_figure(audit_new: str | None, v: dict) -> bool:
    if v["value_text"]:
        return audit_new == v["value_text"]
    if v["value_number"] is not None:
        try:
            return audit_new is not None and Decimal(audit_new) == v["value_number"]
        except InvalidOperation:
            return False
    if v["qualitative_achieved"] is not None:
        return audit_new == ("達成" if v["qualitative_achieved"] else "未達成")
    return audit_new is None


def audit_matches_values(con) -> list[str]:
    """Every value's audit trail explains it: one row per version, the last to_state is its state, the last
    save's new_value is its figure."""
    problems = []
    trail: dict[int, list[dict]] = {}
    for a in rows(con, "SELECT * FROM audit_log WHERE entity = 'value' ORDER BY audit_id"):
        trail.setdefault(int(a["entity_id"]), []).append(a)
    for v in rows(con, "SELECT * FROM indicator_values ORDER BY value_id"):
        t = trail.get(v["value_id"], [])
        if len(t) != v["version"]:
            problems.append(f"value {v['value_id']}: version {v['version']} but {len(t)} audit rows")
            continue
        if t[-1]["to_state"] != v["state"]:
            problems.append(f"value {v['value_id']}: state {v['state']} but last audit says {t[-1]['to_state']}")
        saves = [a for a in t if a["action"] == "save"]
        if saves and not _same_figure(saves[-1]["new_value"], v):
            problems.append(f"value {v['value_id']}: figure {v['value_text'] or v['value_number']} but last save "
                            f"audit says {saves[-1]['new_value']}")
    known = {v["value_id"] for v in rows(con, "SELECT value_id FROM indicator_values")}
    orphans = sorted(set(trail) - known)
    if orphans:
        problems.append(f"audit rows for values that do not exist: {orphans[:5]}")
    return problems


def batches_whole(con) -> list[str]:
    """Every intake batch landed wholly (one save audit row per non-blank entry) or not at all."""
    problems = []
    saved = {r["batch_id"]: r["n"] for r in rows(
        con, "SELECT batch_id, count(*) AS n FROM audit_log WHERE action = 'save' AND batch_id IS NOT NULL"
             " GROUP BY batch_id")}
    for b in rows(con, "SELECT batch_id, status, raw_json FROM intake_batches ORDER BY batch_id"):
        n = saved.get(b["batch_id"], 0)
        if b["status"] == "landed":
            sent = json.loads(b["raw_json"]) if b["raw_json"] is not None else None
            if isinstance(sent, list):  # a form: one save per line with a figure
                expected = sum(1 for e in sent if (e.get("value") or "").strip())
                if n != expected:
                    problems.append(f"batch {b['batch_id']} landed with {n} of {expected} rows")
            elif n == 0:
                problems.append(f"batch {b['batch_id']} landed with no rows")
        elif n:
            problems.append(f"batch {b['batch_id']} is {b['status']} but {n} of its rows landed")
    return problems


def editions_whole(con) -> list[str]:
    """Every edition has its files and its one publish audit row; no publish audit row without an edition."""
    problems = []
    eds = {r["edition_id"]: r for r in rows(
        con, "SELECT e.edition_id, count(f.name) AS files FROM editions e LEFT JOIN edition_files f"
             " USING (edition_id) GROUP BY e.edition_id")}
    pubs = rows(con, "SELECT entity_id FROM audit_log WHERE action = 'publish'")
    audited = [int(p["entity_id"]) for p in pubs]
    for eid, e in eds.items():
        if e["files"] == 0:
            problems.append(f"edition {eid} has no files")
        if audited.count(eid) != 1:
            problems.append(f"edition {eid} has {audited.count(eid)} publish audit rows")
    for eid in audited:
        if eid not in eds:
            problems.append(f"publish audit row for missing edition {eid}")
    return problems


def approved(con) -> dict[int, tuple]:
    """The approved values as they are: value_id → (figure, version, approved_by)."""
    return {r["value_id"]: (r["value_number"], r["value_text"], r["version"], r["approved_by"]) for r in rows(
        con, "SELECT value_id, value_number, value_text, version, approved_by FROM indicator_values"
             " WHERE state = 'approved'")}


def audit_chain_holds(con) -> list[str]:
    """The audit trail's hash chain verifies from the first row to the last (warehouse/audit.py)."""
    from warehouse import audit

    broken = audit.verify(con).broken
    return [] if broken is None else [f"audit chain broken at audit_id {broken.audit_id} ({broken.reason})"]


def check_all(db: Path) -> list[str]:
    """All the invariants above, on one connection."""
    with warehouse.connect(db, timeout=5) as con:
        return audit_matches_values(con) + batches_whole(con) + editions_whole(con) + audit_chain_holds(con)

"""The collection grid read model: per department how many active indicators of a cycle are in each state."""
from __future__ import annotations

from datetime import date
from typing import Any

import warehouse
from kpi.domain.summary import share_percent
from kpi.domain.workflow import STATE_LABELS_JA, State
from kpi.services.actors import Actor, Forbidden
from kpi.services.listing import NOT_STARTED
from kpi.services.permissions import Permission, allowed, check
from kpi.services.queries.records import Db
from kpi.services.summaries import cycle_for
from warehouse import insights as sql

COLLECTION_STATES: tuple[str, ...] = ("none", "draft", "submitted", "head_approved", "returned", "approved")
COLLECTION_LABELS_JA = {"none": NOT_STARTED, **{s.value: STATE_LABELS_JA[s] for s in State}}


def collection_progress(actor: Actor, fiscal_year: int, *, today: date | None = None, db: Db = None) -> dict:
    """Reviewers: per department how many active indicators are in each state (未入力, 下書き, 提出済, 所属長承認済,
    差戻し, 承認済), its completeness (share submitted, approved by the head or approved) and whether it is overdue (deadline passed, not
    complete). `today` is the date compared with the cycle's deadline (default: the real today).
    """
    check(actor, Permission.VIEW_UNAPPROVED)
    if not allowed(actor, Permission.VIEW_UNAPPROVED_ALL):  # every department's states at once
        raise Forbidden("回収状況の閲覧は審査担当のみ行えます")
    today = today or date.today()
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        counts = sql.collection_counts(con, cycle["cycle_id"])
    deadline = cycle.get("deadline")
    passed = deadline is not None and today > deadline
    depts: dict[str, dict[str, Any]] = {}
    for c in counts:
        d = depts.setdefault(c["department_code"], {
            "department": c["department_code"], "department_name": c["department_name"],
            "counts": {s: 0 for s in COLLECTION_STATES}})
        d["counts"][c["state"]] += c["n"]
    rows = [_completeness(d, passed) for d in depts.values()]
    overall = _completeness({"department": None, "department_name": "全体",
                             "counts": {s: sum(r["counts"][s] for r in rows) for s in COLLECTION_STATES}}, passed)
    return {
        "fiscal_year": fiscal_year, "label": cycle["label"], "cycle_state": cycle["state"], "deadline": deadline,
        "today": today, "deadline_passed": passed,
        "states": [{"key": s, "label": COLLECTION_LABELS_JA[s]} for s in COLLECTION_STATES],
        "departments": rows, "overall": overall,
        "overdue": [r for r in rows if r["overdue"]],
    }


def _completeness(d: dict[str, Any], deadline_passed: bool) -> dict[str, Any]:
    total = sum(d["counts"].values())
    done = d["counts"]["approved"] + d["counts"]["head_approved"] + d["counts"]["submitted"]
    complete = total > 0 and done == total
    return {**d, "labelled": {COLLECTION_LABELS_JA[s]: n for s, n in d["counts"].items()}, "total": total,
            "done": done, "remaining": total - done, "completeness_percent": float(share_percent(done, total)),
            "complete": complete, "overdue": deadline_passed and not complete}

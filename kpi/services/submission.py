"""提出 of what is on the entry form: every problem that stops the lines from being submitted, found before anything
is saved, and the sentence that says what was and was not submitted."""
from __future__ import annotations

from pathlib import Path

import warehouse
from kpi.domain.severity import ERROR
from kpi.services.actors import Actor
from kpi.services.batches import Finding
from kpi.services.entries import RawEntry
from kpi.services.intake import evaluate_entries
from kpi.services.permissions import Permission, check
from kpi.services.summaries import cycle_for

BLOCKING_AT_SUBMIT = frozenset({"kind_missing", "reason_required"})  # allowed in a draft, not in a submission


def problems(actor: Actor, fiscal_year: int, department: str, entries: list[RawEntry],
             db: Path | str | None = None) -> list[Finding]:
    """Every reason the lines as typed cannot be submitted (errors, 区分 not chosen, no reason below 100%, nothing
    entered), named by code; nothing is stored."""
    check(actor, Permission.SUBMIT, department)
    blank = [Finding(None, e.code, "値", ERROR, f"「{e.code}」は値が入力されていないため提出できません")
             for e in entries if not (e.value or "").strip()]
    with warehouse.connect(db) as con:
        normalized, found = evaluate_entries(con, actor, cycle_for(con, fiscal_year), department, entries)
    codes = {n.indicator_id: n.entry.code for n in normalized}
    return blank + [Finding(None, codes.get(r["indicator_id"]), r["field"], ERROR, r["message"])
                    for r in found.iter_rows(named=True)
                    if r["severity"] == ERROR or r["rule"] in BLOCKING_AT_SUBMIT]


def outcome_text(submitted: list[str], lines) -> str:
    """「3件を提出しました（P1-1-01、…）。提出していない指標: 未入力 2件（…）、差戻し 1件（…）」"""
    done = set(submitted)
    left: dict[str, list[str]] = {}
    for ln in lines:
        if ln.code in done or ln.stopped or ln.state_key in ("submitted", "head_approved", "approved"):
            continue
        left.setdefault(ln.state, []).append(ln.code)
    text = f"{len(submitted)}件を提出しました（{'、'.join(submitted)}）。"
    if left:
        text += "提出していない指標: " + "、".join(f"{state} {len(codes)}件（{'、'.join(codes)}）"
                                           for state, codes in left.items())
    return text

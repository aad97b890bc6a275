"""The review queues: the division's (values waiting for it: those the department's head approved in a two-level
chain, submitted ones in a one-level chain) and a department head's (their departments' submitted values), with
figures, rate, band, last year's value, findings, changes and who approved at each level."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import warehouse
from kpi.domain.approval_chain import ApprovalChain
from kpi.domain.formatting import format_number, format_rate
from kpi.domain.roles import Role
from kpi.domain.value_states import State
from kpi.services.actors import Actor
from kpi.services.approval_chain import chain_of
from kpi.services.evaluation import Evaluated
from kpi.services.listing import KIND_LABELS_JA, printed_baseline, printed_target, printed_value, state_counts, \
    state_label
from kpi.services.permissions import Permission, allowed, check
from kpi.services.summaries import CycleView, check_basis, cycle_for, read_figures, view_of
from warehouse import audit, chains, findings, master, values

AWAITING = "awaiting"  # the queue's default: the values waiting for this actor's level of the chain
ACTION_WORDS_JA = {"head_approve": "承認", "approve": "承認", "head_return": "差戻し", "return": "差戻し"}


@dataclass(frozen=True)
class QueueItem:
    """One value in the reviewer's queue."""

    value_id: int
    version: int
    code: str
    name: str
    department: str
    department_name: str
    pillar: int
    item: int
    state: str
    state_ja: str
    value: str
    kind: str
    period: str
    baseline: str
    target: str
    rate: str
    band: str
    last_year: str
    reason: str
    category: str
    entered_by: str | None
    findings: list[str]
    changes_since_return: list[str]
    review_comment: str | None
    approvals: list[str]  # who approved (or returned) at each level of the chain since the last submission, when


@dataclass(frozen=True)
class Board:
    """What the review page reads once per run, in one unit of work: the cycle's values of every state that the
    actor's level reviews (a head: their own departments), the strategy's chain, how many values are in each state,
    and the departments to filter by (code → name)."""

    view: CycleView
    chain: ApprovalChain
    counts: dict[str, int]
    departments: dict[str, str]


def read_board(actor: Actor, fiscal_year: int, *, departments: bool = True, db: Path | str | None = None) -> Board:
    """The review page's one read of a cycle, for both the counts at the top and the queue (queue(…, board=…)).

    The division reads every department (its filter lists them all); a department head reads their own."""
    division = allowed(actor, Permission.APPROVE)
    if division:
        check_basis(actor, "all")
        if departments:
            check(actor, Permission.VIEW_DEPARTMENTS)
    else:
        check(actor, Permission.HEAD_APPROVE)
        check(actor, Permission.VIEW_UNAPPROVED)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        view = view_of(read_figures(con, cycle, "all", full=True))
        chain = chain_of(con, cycle["strategy_id"])
        names = {d["code"]: d["name"] for d in master.list_departments(con)} if division and departments else {}
    if not allowed(actor, Permission.VIEW_UNAPPROVED_ALL):
        view = CycleView(view.cycle, view.pillars, view.basis,
                         [e for e in view.rows if e.row["department_code"] in actor.departments])
    if not division:
        names = {c: c for c in sorted(actor.departments)}
    return Board(view, chain, state_counts(view.rows), names)


def awaiting_states(actor: Actor, has_head: bool) -> set[str]:
    """The states of the values waiting for the actor's level: a head's, a submitted value (two-level chain);
    the division's, what the head approved, and submitted values too in a one-level chain."""
    out: set[str] = set()
    if allowed(actor, Permission.HEAD_APPROVE) and has_head:
        out.add(State.SUBMITTED.value)
    if allowed(actor, Permission.APPROVE):
        out.add(State.HEAD_APPROVED.value)
        if not has_head:
            out.add(State.SUBMITTED.value)
    return out


def queue(actor: Actor, fiscal_year: int, *, state: str | None = AWAITING, department: str | None = None,
          pillar: int | None = None, item: int | None = None, db: Path | str | None = None,
          board: Board | None = None) -> list[QueueItem]:
    """Values of a cycle awaiting the actor's level of the approval chain (or in any given state; None: all), with
    everything needed to decide. A department head sees their own departments only.

    board: what read_board() read for this actor and fiscal year in this run (the page's counts), not read again."""
    if board is None:
        board = read_board(actor, fiscal_year, departments=False, db=db)
    elif board.view.cycle["fiscal_year"] != fiscal_year:
        raise ValueError("board は同じ年度のものを渡してください")
    view, chain = board.view, board.chain
    states = awaiting_states(actor, chain.has_head) if state == AWAITING else None if state is None else {state}
    rows: list[Evaluated] = [
        e for e in view.rows
        if e.row.get("value_id") is not None
        and (states is None or e.row["state"] in states)
        and (department is None or e.row["department_code"] == department)
        and (pillar is None or e.row["pillar_no"] == pillar)
        and (item is None or e.row["item_no"] == item)
    ]
    ids = [e.row["value_id"] for e in rows]
    with warehouse.connect(db) as con:
        last = values.last_approved_before(con, fiscal_year, [e.row["indicator_id"] for e in rows])
        found = findings.findings_for(con, value_ids=ids) if ids else []
        trail = audit.list_audit(con, cycle_id=view.cycle["cycle_id"]) if ids else []
        categories = {c["code"]: c["name"] for c in master.list_reason_categories(con)}
        levels = chains.approvals(con, ids)
    by_value: dict[int, list[str]] = {}
    for f in found:
        by_value.setdefault(f["value_id"], []).append(f"[{'エラー' if f['severity'] == 'error' else '警告'}] {f['message']}")
    out = []
    for e in rows:
        r = e.row
        out.append(QueueItem(
            value_id=r["value_id"], version=r["version"], code=r["code"], name=r["name"],
            department=r["department_code"], department_name=r["department_name"], pillar=r["pillar_no"],
            item=r["item_no"], state=r["state"], state_ja=state_label(r), value=printed_value(r),
            kind=KIND_LABELS_JA.get(r.get("value_kind") or "", ""), period=r.get("period_text") or "",
            baseline=printed_baseline(r), target=printed_target(r),
            rate=format_rate(e.percent) if e.percent is not None else (e.rate.message_ja or "—"),
            band=e.band.label_ja if e.band else "—",
            last_year=format_number(last[r["indicator_id"]], r.get("unit") or "") if r["indicator_id"] in last else "—",
            reason=r.get("reason") or "", category=categories.get(r.get("reason_category") or "", ""),
            entered_by=r.get("entered_by"), findings=by_value.get(r["value_id"], []),
            changes_since_return=_changes(trail, r["value_id"]), review_comment=r.get("review_comment"),
            approvals=[f"{chain.name_of(Role(a['role']))}: {a['actor']}（{ACTION_WORDS_JA[a['action']]} "
                       f"{a['at']:%Y/%m/%d %H:%M}）" for a in levels.get(r["value_id"], [])],
        ))
    return out


def _changes(audit: list[dict], value_id: int) -> list[str]:
    """Saves since the value was last returned: 'old → new' per save (empty if never returned)."""
    mine = [a for a in audit if a["entity_id"] == str(value_id)]
    returns = [i for i, a in enumerate(mine) if a["action"] in ("return", "head_return")]
    if not returns:
        return []
    return [f"{a['old_value'] or '（未入力）'} → {a['new_value'] or '（未入力）'}（{a['actor']}）"
            for a in mine[returns[-1] + 1:] if a["action"] == "save"]


def audit_trail(actor: Actor, *, fiscal_year: int | None = None, department: str | None = None,
                indicator_code: str | None = None, person: str | None = None, since=None, until=None,
                entity: str | None = None, db: Path | str | None = None) -> list[dict]:
    """Audit rows (oldest first) filtered by cycle, department, indicator, person and dates (reviewers, admins)."""
    check(actor, Permission.VIEW_AUDIT)
    with warehouse.connect(db) as con:
        cycle_id = None
        if fiscal_year is not None:
            c = master.find_cycle(con, fiscal_year)
            cycle_id = c["cycle_id"] if c else -1
        indicator_id = None
        if indicator_code:
            found = master.indicator_id_by_code(con, indicator_code.strip())
            indicator_id = found if found is not None else -1
        rows = audit.list_audit(con, cycle_id=cycle_id, department=department, indicator_id=indicator_id,
                                 actor=person or None, since=since, until=until, entity=entity or None)
    if allowed(actor, Permission.VIEW_UNAPPROVED_ALL):
        return rows
    return [redacted(r) for r in rows]


HIDDEN = "（非表示: 未承認の値を閲覧する権限がありません）"
_FIGURE_ENTITIES = ("value", "initiative")  # their audit rows carry typed figures, drafts included


def redacted(row: dict) -> dict:
    """An audit row without the figures and comments a reader may not see (the administrator: who did what, when)."""
    if row["entity"] not in _FIGURE_ENTITIES:
        return row
    return {**row, **{k: HIDDEN for k in ("old_value", "new_value", "comment") if row.get(k)}}

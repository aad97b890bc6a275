"""Workflow use cases: save drafts, submit, return, approve, reopen — each one transaction with its audit rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import warehouse
from kpi.domain.audit_events import AuditEvent, FigureChanged, StateChanged
from kpi.domain.workflow import Action, CycleNotOpen, Role, State, WorkflowError, apply  # noqa: F401 (CycleNotOpen)
from kpi.platform import faults
from kpi.services.actors import Actor
from kpi.services.approval_chain import chain_of, level_action
from kpi.services.conflicts import Conflict, conflict
from kpi.services.evaluation import indicator_rate
from kpi.services.permissions import Permission, allowed, check, check_current, check_transition
from warehouse import Connection, audit, findings, values


class ReasonRequired(WorkflowError):
    """A value below 100% needs its reason and reason category before it is submitted."""


@dataclass(frozen=True)
class ValueRef:
    """A value as the person saw it: its id and the version they read."""

    value_id: int
    version: int


@dataclass(frozen=True)
class DraftInput:
    """Normalized figures for one indicator, to be saved as a draft."""

    indicator_id: int
    fields: dict[str, Any]
    parts: dict[int, Decimal] = field(default_factory=dict)
    expected_version: int | None = None  # the version read; None when the person saw no value yet
    check_version: bool = True  # False only for an explicit overwrite (a returned workbook)


@dataclass(frozen=True)
class BulkResult:
    """What a many-values action did: the values done and, per value skipped, why."""

    done: list[int]
    skipped: dict[int, str]


def _conflict(name: str) -> Conflict:
    return Conflict(f"「{name}」は他の人が先に更新しました。画面を再読み込みして最新の内容を確認してください。")


def _guard(actor: Actor, action: Action, row: dict) -> Role:
    """Check permission, department and cycle state for an action on a value row; return the acting role."""
    return check_transition(actor, action, row["department_code"], row["cycle_state"], row["cycle_label"])


def _figure(row: dict) -> str | None:
    if row.get("value_text"):
        return row["value_text"]
    if row.get("value_number") is not None:
        return str(row["value_number"])
    if row.get("qualitative_achieved") is not None:
        return "達成" if row["qualitative_achieved"] else "未達成"
    return None


def _event(actor: Actor, change: StateChanged, row: dict, *, figure: FigureChanged | None = None,
           batch_id: int | None = None) -> AuditEvent:
    return AuditEvent.of_transition(change, actor=actor.login, entity="value", entity_id=row["value_id"],
                                    cycle_id=row["cycle_id"], indicator_id=row["indicator_id"], figure=figure,
                                    batch_id=batch_id)


def save_drafts_in(con: Connection, actor: Actor, cycle_id: int, inputs: list[DraftInput],
                   batch_id: int | None, rows: dict[int, dict] | None = None) -> list[ValueRef]:
    """Save drafts inside the caller's transaction (the landing of an intake batch); all or nothing.

    Every line is checked first (role, department, cycle, transition, version); then new values are inserted and
    existing ones updated in one statement each, composite parts replaced in two, and the audit rows written in
    one more. rows: the lines' indicator rows as the caller already read them in this transaction (by indicator
    id: department, cycle state and label, value id, version, state, figures — values.department_rows); read here
    when not given.
    """
    check_current(con, actor)
    if rows is None or any(i.indicator_id not in rows for i in inputs):
        rows = values.indicator_rows(con, cycle_id, [i.indicator_id for i in inputs])
    plans = []
    for inp in inputs:
        row = rows.get(inp.indicator_id)
        if row is None:
            raise WorkflowError(f"指標（ID {inp.indicator_id}）はこの年度の対象ではありません")
        role = _guard(actor, Action.SAVE, row)
        # a stale form first: whoever moved the value on (submitted, approved) is the news, not its new state
        if row["value_id"] is None:
            if inp.check_version and inp.expected_version not in (None, 0):
                raise conflict(con, row)
        elif inp.check_version and inp.expected_version != row["version"]:
            raise conflict(con, row)
        before = State(row["state"]) if row["state"] else None
        after, change = apply(before, Action.SAVE, role)
        plans.append((inp, row, change, after))
    fresh = [{**inp.fields, "indicator_id": inp.indicator_id, "cycle_id": cycle_id, "state": after.value,
              "batch_id": batch_id, "entered_by": actor.login}
             for inp, row, _c, after in plans if row["value_id"] is None]
    try:
        inserted = values.insert_values_many(con, fresh)
    except values.DuplicateValue:
        raise _conflict("、".join(row["name"] for inp, row, *_ in plans if row["value_id"] is None)) from None
    existing = [{**inp.fields, "value_id": row["value_id"], "expected_version": row["version"]}
                for inp, row, *_ in plans if row["value_id"] is not None]
    updated = values.update_values_many(con, existing, state=State.DRAFT.value, batch_id=batch_id,
                                        entered_by=actor.login)
    saved, events, parts = [], [], {}
    for inp, row, change, _after in plans:
        if row["value_id"] is None:
            value_id, version = inserted[inp.indicator_id], 1
        else:
            value_id = row["value_id"]
            if value_id not in updated:
                raise _conflict(row["name"])
            version = updated[value_id]
        if inp.parts or row["target_type"] == "composite":
            parts[value_id] = inp.parts
        events.append(_event(actor, change, {**row, "value_id": value_id},
                             figure=FigureChanged(before=_figure(row), after=_figure(inp.fields)), batch_id=batch_id))
        saved.append(ValueRef(value_id, version))
    values.replace_parts_many(con, parts)
    audit.append(con, events)  # one statement, in the order of the saves
    return saved


def _rows_for(con, refs: list[ValueRef]) -> dict[int, dict]:
    rows = values.value_rows(con, [r.value_id for r in refs])
    missing = [r.value_id for r in refs if r.value_id not in rows]
    if missing:
        raise WorkflowError(f"値（ID {missing}）が見つかりません。画面を再読み込みしてください。")
    return rows


def _transition(con, actor: Actor, action: Action, ref: ValueRef, row: dict, *, comment: str | None = None,
                chains: dict | None = None) -> int:
    """One transition of one value; an approval or a return is taken at the level the actor acts at in the
    strategy's chain (the head's 所属長承認／所属長差戻し, or the division's)."""
    check_current(con, actor)
    chain = chain_of(con, row["strategy_id"], chains)
    action = level_action(actor, action, row, chain)
    role = _guard(actor, action, row)
    before = State(row["state"])
    if row["version"] != ref.version:
        raise conflict(con, row)
    approving = action in (Action.APPROVE, Action.HEAD_APPROVE)
    submitted_by = audit.last_actor(con, ref.value_id, Action.SUBMIT.value) if approving else None
    head_by = (audit.last_actor(con, ref.value_id, Action.HEAD_APPROVE.value)
               if action is Action.APPROVE and before is State.HEAD_APPROVED else None)
    after, change = apply(before, action, role, comment=comment, actor=actor.login, entered_by=row["entered_by"],
                          submitted_by=submitted_by, head_approved_by=head_by, chain=chain)
    if action is Action.SUBMIT:
        _require_kind(row)
        _require_reason(con, row)
    version = values.update_state(con, ref.value_id, ref.version, after.value, actor=actor.login,
                                  comment=comment if action in (Action.RETURN, Action.HEAD_RETURN) else None)
    if version is None:
        raise _conflict(row["name"])
    # in a chain with the head level, the row names the level it was taken at (its role and action say it too)
    level = chain.name_of(role) if chain.has_head and action in (
        Action.APPROVE, Action.RETURN, Action.HEAD_APPROVE, Action.HEAD_RETURN) else None
    audit.append(con, [AuditEvent.of_transition(change, actor=actor.login, entity="value", entity_id=row["value_id"],
                                                cycle_id=row["cycle_id"], indicator_id=row["indicator_id"],
                                                new_value=f"承認段階: {level}" if level else None)])
    return version


class KindRequired(WorkflowError):
    """A draft saved without its kind (実績値／見込値) cannot be submitted until the kind is chosen."""


def _require_kind(row: dict) -> None:
    if _figure(row) is not None and not row.get("value_kind"):
        raise KindRequired(f"「{row['name']}」は区分（実績値／見込値）が未選択のため提出できません。区分を選んで保存してから提出してください")


def _require_reason(con, row: dict) -> None:
    parts = values.parts_of(con, [row["indicator_id"]], row["cycle_id"]).get(row["indicator_id"])
    rate = indicator_rate(row, parts)
    below = rate.value is not None and rate.value < 1
    if below and not ((row.get("reason") or "").strip() and row.get("reason_category")):
        raise ReasonRequired(f"「{row['name']}」は達成率が100%未満のため、要因と要因の分類を入力してから提出してください")


def _one(actor: Actor, action: Action, ref: ValueRef, db, comment: str | None = None) -> int:
    with warehouse.transaction(db) as con:
        row = _rows_for(con, [ref])[ref.value_id]
        return _transition(con, actor, action, ref, row, comment=comment)


class WarningsNotAcknowledged(WorkflowError):
    """Warnings of the values must be confirmed before they are submitted."""


def submit(actor: Actor, refs: list[ValueRef], db: Path | str | None = None,
           acknowledge_warnings: bool = False) -> list[int]:
    """Submit the department's values (all or chosen ones) in one transaction: all submitted, or none.

    Warnings found when the values were saved must be acknowledged (they are then marked as seen).
    """
    with warehouse.transaction(db) as con:
        rows = _rows_for(con, refs)
        versions = [_transition(con, actor, Action.SUBMIT, r, rows[r.value_id]) for r in refs]
        warnings = findings.open_warnings(con, [r.value_id for r in refs])
        if warnings and not acknowledge_warnings:
            raise WarningsNotAcknowledged("次の警告を確認し、「警告を確認しました」にチェックしてから提出してください: "
                                          + " / ".join(w["message"] for w in warnings))
        findings.acknowledge(con, [w["finding_id"] for w in warnings])
        return versions


def approve(actor: Actor, ref: ValueRef, db: Path | str | None = None, comment: str | None = None) -> int:
    """Approve one value at the actor's level of the chain (a head: a submitted value of their department; the
    division: a value the head approved, or a submitted one in a one-level chain); returns its new version."""
    return _one(actor, Action.APPROVE, ref, db, comment)


def return_value(actor: Actor, ref: ValueRef, comment: str, db: Path | str | None = None) -> int:
    """Return one value to its department with a comment (差戻し, at the actor's level of the chain)."""
    return _one(actor, Action.RETURN, ref, db, comment)


def reopen(actor: Actor, ref: ValueRef, reason: str, db: Path | str | None = None) -> int:
    """Reopen an approved value (承認取消) with a reason; it goes back to draft."""
    return _one(actor, Action.REOPEN, ref, db, reason)


def approve_many(actor: Actor, refs: list[ValueRef], db: Path | str | None = None,
                 comment: str | None = None) -> BulkResult:
    """Approve many values at once, each at the actor's level of the chain (a department head: their departments'
    submitted values); those with blocking findings or refused transitions are skipped with why."""
    if not allowed(actor, Permission.HEAD_APPROVE):
        check(actor, Permission.APPROVE)
    done: list[int] = []
    skipped: dict[int, str] = {}
    chains: dict = {}
    with warehouse.transaction(db) as con:
        rows = _rows_for(con, refs)
        blocked = findings.blocking_findings(con, [r.value_id for r in refs])
        for ref in refs:
            if ref.value_id in blocked:
                skipped[ref.value_id] = f"「{rows[ref.value_id]['name']}」に未解決のエラーがあるため承認しませんでした"
                continue
            try:
                _transition(con, actor, Action.APPROVE, ref, rows[ref.value_id], comment=comment, chains=chains)
            except WorkflowError as exc:
                skipped[ref.value_id] = str(exc)
            else:
                done.append(ref.value_id)
                faults.point("workflow.approve_many.item")  # n approvals written, not committed
    faults.point("workflow.approve_many.committed")  # committed, before the caller hears back
    return BulkResult(done, skipped)

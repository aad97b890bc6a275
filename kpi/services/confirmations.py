"""見込 → 確定 commands: enter, submit, approve and return the confirmed actual (確定値) of a projection (見込値) or
a 速報 of a closed or finalized year — each one transaction with its audit row (entity 'confirmation').

The value itself (indicator_values) is never changed; the confirmation sits beside it and passes the strategy's
approval chain (担当 → (所属長 →) 行政改革推進課) through kpi.domain.confirmations' transition table.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import warehouse
from kpi.domain.audit_events import AuditEvent, FigureChanged
from kpi.domain.confirmations import PERMISSION_OF, TRANSITIONS, accepting_year, owes_confirmation
from kpi.domain.formatting import fiscal_year_ja, format_number
from kpi.domain.normalize import clean_text
from kpi.domain.permissions import TABLE
from kpi.domain.typed_numbers import parse_number
from kpi.domain.workflow import Action, Role, State, WorkflowError, apply
from kpi.services.actors import Actor
from kpi.services.approval_chain import chain_of, level_action
from kpi.services.conflicts import Conflict
from kpi.services.permissions import check, check_current
from kpi.services.summaries import cycle_for
from warehouse import audit
from warehouse import confirmations as store
from warehouse import master

ENTITY = "confirmation"


@dataclass(frozen=True)
class ConfirmationRef:
    """A confirmation as the person saw it: its id and the version they read."""

    confirmation_id: int
    version: int


def _conflict(name: str) -> Conflict:
    return Conflict(f"「{name}」の確定値は他の人が先に更新しました。画面を再読み込みして最新の内容を確認してください。")


def guard(actor: Actor, action: Action, row: dict) -> Role:
    """Check the actor's permission for an action on a confirmation of this row (department, cycle state);
    return the acting role (the one role the permission names)."""
    check(actor, PERMISSION_OF[action], row["department_code"], row["cycle_state"],
          what=f"{row['cycle_label']}の確定値の「{_ACTION_JA[action]}」")
    (role,) = TABLE[PERMISSION_OF[action]]
    return role


_ACTION_JA = {Action.SAVE: "入力", Action.SUBMIT: "提出", Action.HEAD_APPROVE: "所属長承認",
              Action.HEAD_RETURN: "所属長差戻し", Action.APPROVE: "承認", Action.RETURN: "差戻し"}


def _figure(row: dict, text: str) -> dict:
    """The typed 確定値 as stored: number and display text, or 達成／未達成 of a qualitative target."""
    typed = (text or "").strip()
    if not typed:
        raise WorkflowError(f"「{row['name']}」の確定値を入力してください")
    if row["target_type"] == "qualitative":
        if typed not in ("達成", "未達成"):
            raise WorkflowError(f"「{row['name']}」の確定値は「達成」か「未達成」で入力してください")
        return {"value_number": None, "value_text": typed, "qualitative_achieved": typed == "達成"}
    parsed = parse_number(typed, unit=row["unit"], field="確定値", allow_negative=True, percent_max=None)
    if parsed is None:
        raise WorkflowError(f"「{row['name']}」の確定値を入力してください")
    return {"value_number": parsed.value, "value_text": format_number(parsed.value, row["unit"] or ""),
            "qualitative_achieved": None}


def _date(value: date | str | None) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise WorkflowError(f"確定日は 2022-06-30 の形で入力してください: {value!r}") from None


def save(actor: Actor, fiscal_year: int, code: str, figure: str, *, confirmed_on: date | str, source: str,
         expected_version: int | None = None, strategy: str | None = None,
         db: Path | str | None = None) -> ConfirmationRef:
    """Enter (or correct, while a draft or returned) the 確定値 of an approved projection or 速報 of the year that
    accepts confirmations (the latest closed or finalized one, kpi.domain.confirmations.accepting_year), with its
    date and source, as a draft; expected_version: the confirmation's version read (None or 0 when there was
    none). Returns the saved confirmation."""
    with warehouse.transaction(db) as con:
        check_current(con, actor)
        cycle = cycle_for(con, fiscal_year, strategy)
        row = next((r for r in store.approved_values(con, cycle["cycle_id"]) if r["code"] == code), None)
        if row is None:
            raise WorkflowError(f"指標「{code}」は{cycle['label']}の承認済の値がないため、確定値を入力できません")
        role = guard(actor, Action.SAVE, row)
        year = accepting_year(master.list_cycles(con))
        if fiscal_year != year:
            raise WorkflowError(f"{cycle['label']}の確定値の受付は終了しています（確定値は最新の締切済・確定済の年度、"
                                f"{fiscal_year_ja(year)}について入力します）")
        if not owes_confirmation(row["value_kind"], row["value_label"]):
            raise WorkflowError(f"「{row['name']}」は実績値として承認済のため、確定値の入力は不要です")
        if row["target_type"] == "composite":
            raise WorkflowError(f"「{row['name']}」は複数の要素からなる指標のため、確定値はまだ入力できません")
        if (expected_version or 0) != (row["k_version"] or 0):
            raise _conflict(row["name"])
        fields = {**_figure(row, figure), "confirmed_on": _date(confirmed_on),
                  "source": clean_text(source, field="出典", max_length=500)}
        if not fields["source"]:
            raise WorkflowError(f"「{row['name']}」の確定値の出典を入力してください")
        before = State(row["k_state"]) if row["k_state"] else None
        after, change = apply(before, Action.SAVE, role, transitions=TRANSITIONS,
                              comment=f"確定日: {fields['confirmed_on'].isoformat()}／出典: {fields['source']}")
        if row["confirmation_id"] is None:
            try:
                cid = store.insert(con, {**fields, "value_id": row["value_id"], "indicator_id": row["indicator_id"],
                                         "cycle_id": row["cycle_id"], "state": after.value,
                                         "entered_by": actor.login})
            except store.DuplicateConfirmation:
                raise _conflict(row["name"]) from None
            version = 1
        else:
            cid = row["confirmation_id"]
            version = store.update_figures(con, cid, row["k_version"], fields, state=after.value,
                                           entered_by=actor.login)
            if version is None:
                raise _conflict(row["name"])
        audit.record(con, AuditEvent.of_transition(
            change, actor=actor.login, entity=ENTITY, entity_id=cid, cycle_id=row["cycle_id"],
            indicator_id=row["indicator_id"],
            figure=FigureChanged(before=row["k_text"] or row["value_text"], after=fields["value_text"])))
        return ConfirmationRef(cid, version)


def _transition(actor: Actor, action: Action, ref: ConfirmationRef, comment: str | None, db) -> int:
    with warehouse.transaction(db) as con:
        check_current(con, actor)
        row = store.of_ids(con, [ref.confirmation_id]).get(ref.confirmation_id)
        if row is None:
            raise WorkflowError(f"確定値（ID {ref.confirmation_id}）が見つかりません。画面を再読み込みしてください。")
        chain = chain_of(con, row["strategy_id"])
        action = level_action(actor, action, {"state": row["k_state"]}, chain)
        role = guard(actor, action, row)
        if row["k_version"] != ref.version:
            raise _conflict(row["name"])
        approving = action in (Action.APPROVE, Action.HEAD_APPROVE)
        cid = ref.confirmation_id
        submitted_by = audit.last_actor(con, cid, Action.SUBMIT.value, ENTITY) if approving else None
        head_by = (audit.last_actor(con, cid, Action.HEAD_APPROVE.value, ENTITY)
                   if action is Action.APPROVE and row["k_state"] == State.HEAD_APPROVED.value else None)
        after, change = apply(State(row["k_state"]), action, role, comment=comment, actor=actor.login,
                              entered_by=row["k_entered_by"], submitted_by=submitted_by, head_approved_by=head_by,
                              chain=chain, transitions=TRANSITIONS)
        version = store.update_state(con, cid, ref.version, after.value, actor=actor.login,
                                     comment=comment if action in (Action.RETURN, Action.HEAD_RETURN) else None)
        if version is None:
            raise _conflict(row["name"])
        level = chain.name_of(role) if chain.has_head and action is not Action.SUBMIT else None
        audit.record(con, AuditEvent.of_transition(
            change, actor=actor.login, entity=ENTITY, entity_id=cid, cycle_id=row["cycle_id"],
            indicator_id=row["indicator_id"], new_value=f"承認段階: {level}" if level else row["k_text"]))
        return version


def submit(actor: Actor, ref: ConfirmationRef, db: Path | str | None = None) -> int:
    """Submit a draft confirmation for approval; returns its new version."""
    return _transition(actor, Action.SUBMIT, ref, None, db)


def approve(actor: Actor, ref: ConfirmationRef, db: Path | str | None = None, comment: str | None = None) -> int:
    """Approve a confirmation at the actor's level of the strategy's chain; returns its new version."""
    return _transition(actor, Action.APPROVE, ref, comment, db)


def return_confirmation(actor: Actor, ref: ConfirmationRef, comment: str, db: Path | str | None = None) -> int:
    """Return a confirmation to its department with a comment (at the actor's level); returns its new version."""
    return _transition(actor, Action.RETURN, ref, comment, db)

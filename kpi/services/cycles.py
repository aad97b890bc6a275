"""Cycle use cases: open, close, finalize and reopen a reporting cycle — each one transaction with its audit row."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.cycles import CYCLE_STATE_LABELS_JA, CycleAction, CycleState, apply_cycle
from kpi.domain.formatting import fiscal_year_ja
from kpi.domain.workflow import WorkflowError
from kpi.services.actors import Actor, Forbidden
from kpi.services.permissions import Permission, allowed
from warehouse import audit, master


class CycleNotFound(WorkflowError):
    """No cycle exists for the fiscal year (of the strategy)."""


class PendingValues(WorkflowError):
    """A cycle cannot be finalized while values still wait for review."""


def check_manager(actor: Actor) -> None:
    """Raise Forbidden (in Japanese) unless the actor manages cycles (reviewers and administrators)."""
    if not allowed(actor, Permission.MANAGE_MASTER):
        raise Forbidden("集計サイクルの管理（作成・受付開始・締切・確定・再開）の権限がありません")


def _label(cycle: dict) -> str:
    return cycle.get("label") or fiscal_year_ja(cycle["fiscal_year"])


def _find(con, fiscal_year: int, strategy_code: str | None) -> dict:
    cycle = master.find_cycle(con, fiscal_year, strategy_code)
    if cycle is None:
        raise CycleNotFound(f"{fiscal_year_ja(fiscal_year)}のサイクルはまだ作成されていません")
    return cycle


def _move(fiscal_year: int, action: CycleAction, actor: Actor, db, strategy_code: str | None,
          reason: str | None = None) -> dict:
    check_manager(actor)
    with warehouse.transaction(db) as con:
        cycle = _find(con, fiscal_year, strategy_code)
        before = CycleState(cycle["state"])
        after = apply_cycle(before, action, actor.roles, label=_label(cycle), reason=reason)
        if action is CycleAction.FINALIZE:
            pending = master.count_values_in_state(con, cycle["cycle_id"], "submitted")
            if pending:
                raise PendingValues(f"{_label(cycle)}には審査待ち（提出済）の値が{pending:,}件あります。"
                                    "承認または差戻ししてから確定してください")
        if not master.set_cycle_state(con, cycle["cycle_id"], before.value, after.value):
            raise WorkflowError(f"{_label(cycle)}は他の人が先に状態を変更しました。画面を再読み込みしてください")
        audit.record(con, AuditEvent(
            actor=actor.login, role=actor.primary_role.value, action=action.value, entity="cycle",
            entity_id=str(cycle["cycle_id"]), cycle_id=cycle["cycle_id"], from_state=before.value,
            to_state=after.value, comment=reason.strip() if reason else None,
        ))
        return {**cycle, "state": after.value, "from_state": before.value,
                "state_ja": CYCLE_STATE_LABELS_JA[after]}


def open_cycle(fiscal_year: int, *, actor: Actor, db: Path | str | None = None,
               strategy_code: str | None = None) -> dict:
    """準備中 → 受付中: departments may save and submit."""
    return _move(fiscal_year, CycleAction.OPEN, actor, db, strategy_code)


def close_cycle(fiscal_year: int, *, actor: Actor, db: Path | str | None = None,
                strategy_code: str | None = None) -> dict:
    """受付中 → 締切済: departments can no longer save or submit; reviewers still approve and return."""
    return _move(fiscal_year, CycleAction.CLOSE, actor, db, strategy_code)


def finalize_cycle(fiscal_year: int, *, actor: Actor, db: Path | str | None = None,
                   strategy_code: str | None = None) -> dict:
    """締切済 → 確定済: the approved values are frozen (no approve, return or reopen any more)."""
    return _move(fiscal_year, CycleAction.FINALIZE, actor, db, strategy_code)


def reopen_cycle(fiscal_year: int, *, actor: Actor, reason: str, db: Path | str | None = None,
                 strategy_code: str | None = None) -> dict:
    """締切済 → 受付中, or 確定済 → 締切済 (reviewer only), with a reason kept in the audit trail."""
    return _move(fiscal_year, CycleAction.REOPEN, actor, db, strategy_code, reason=reason)


def _next_year(d: dt.date | None) -> dt.date | None:
    if d is None:
        return None
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def as_of_text(d: dt.date | None) -> str | None:
    """The as-of date as the report prints it: 2021-11-30 → 令和3年11月時点."""
    if d is None:
        return None
    return f"{fiscal_year_ja(d.year).removesuffix('年度')}年{d.month}月時点"


def _dates_ok(as_of: dt.date | None, deadline: dt.date | None, label: str) -> None:
    if as_of is not None and deadline is not None and deadline < as_of:
        raise WorkflowError(f"{label}の提出期限（{deadline:%Y-%m-%d}）が基準日（{as_of:%Y-%m-%d}）より前です")


def create_cycle(fiscal_year: int, *, actor: Actor, from_fy: int | None = None, as_of: dt.date | None = None,
                 deadline: dt.date | None = None, strategy_code: str | None = None,
                 db: Path | str | None = None) -> dict:
    """Create the cycle of a fiscal year (準備中), carrying over the strategy's indicators under progress
    management. With from_fy, the strategy (newest version valid in the year) and — unless given — the as-of
    date and deadline one year on are taken from that cycle. Returns the cycle with `carried_over` (indicators).
    """
    check_manager(actor)
    label = fiscal_year_ja(fiscal_year)
    with warehouse.transaction(db) as con:
        source = _find(con, from_fy, strategy_code) if from_fy is not None else None
        code = strategy_code or (source["strategy_code"] if source else None)
        strategy = master.strategy_for_year(con, code, fiscal_year)
        if strategy is None:
            raise CycleNotFound(f"{label}に適用される戦略がありません。先に戦略（版）の適用年度を登録してください")
        existing = master.find_cycle(con, fiscal_year, strategy["code"])
        if existing is not None and existing["strategy_version"] == strategy["version"]:
            raise WorkflowError(f"{label}のサイクルは既にあります（{CYCLE_STATE_LABELS_JA[CycleState(existing['state'])]}）")
        if source is not None:
            as_of = as_of or _next_year(source["as_of"])
            deadline = deadline or _next_year(source["deadline"])
        _dates_ok(as_of, deadline, label)
        cycle_id = master.insert_cycle(con, strategy["strategy_id"], {
            "fiscal_year": fiscal_year, "label": label, "as_of": as_of, "as_of_text": as_of_text(as_of),
            "deadline": deadline, "state": CycleState.PREPARING.value})
        carried = master.active_indicator_count(con, strategy["strategy_id"], fiscal_year)
        audit.record(con, AuditEvent(
            actor=actor.login, role=actor.primary_role.value, action="create_cycle", entity="cycle",
            entity_id=str(cycle_id), cycle_id=cycle_id, to_state=CycleState.PREPARING.value,
            new_value=f"{label} 基準日={as_of or '未設定'} 提出期限={deadline or '未設定'} 対象指標={carried}件"
                         + (f"（{fiscal_year_ja(from_fy)}から引き継ぎ）" if from_fy is not None else ""),
        ))
        cycle = master.find_cycle(con, fiscal_year, strategy["code"])
        return {**cycle, "carried_over": carried}


def set_cycle_dates(fiscal_year: int, *, actor: Actor, as_of: dt.date | None, deadline: dt.date | None,
                    db: Path | str | None = None, strategy_code: str | None = None) -> dict:
    """Set a cycle's as-of date and submission deadline (not once it is finalized)."""
    check_manager(actor)
    with warehouse.transaction(db) as con:
        cycle = _find(con, fiscal_year, strategy_code)
        if cycle["state"] == CycleState.FINALIZED.value:
            raise WorkflowError(f"{_label(cycle)}は確定済のため、基準日と提出期限は変更できません")
        _dates_ok(as_of, deadline, _label(cycle))
        master.set_cycle_dates(con, cycle["cycle_id"], as_of, as_of_text(as_of), deadline)
        audit.record(con, AuditEvent(
            actor=actor.login, role=actor.primary_role.value, action="set_cycle_dates", entity="cycle",
            entity_id=str(cycle["cycle_id"]), cycle_id=cycle["cycle_id"],
            old_value=f"基準日={cycle['as_of'] or '未設定'} 提出期限={cycle['deadline'] or '未設定'}",
            new_value=f"基準日={as_of or '未設定'} 提出期限={deadline or '未設定'}",
        ))
        return {**cycle, "as_of": as_of, "as_of_text": as_of_text(as_of), "deadline": deadline}

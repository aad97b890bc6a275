"""Cycle use cases: open, close, finalize and reopen a reporting cycle — each one transaction with its audit row."""
from __future__ import annotations

from pathlib import Path

import warehouse
from kpi.domain.cycles import CYCLE_STATE_LABELS_JA, CycleAction, CycleState, apply_cycle
from kpi.domain.formatting import fiscal_year_ja
from kpi.domain.workflow import WorkflowError
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from warehouse import master, values


class CycleNotFound(WorkflowError):
    """No cycle exists for the fiscal year (of the strategy)."""


class PendingValues(WorkflowError):
    """A cycle cannot be finalized while values still wait for review."""


def _label(cycle: dict) -> str:
    return cycle.get("label") or fiscal_year_ja(cycle["fiscal_year"])


def _find(con, fiscal_year: int, strategy_code: str | None) -> dict:
    cycle = master.find_cycle(con, fiscal_year, strategy_code)
    if cycle is None:
        raise CycleNotFound(f"{fiscal_year_ja(fiscal_year)}のサイクルはまだ作成されていません")
    return cycle


def _move(fiscal_year: int, action: CycleAction, actor: Actor, db, strategy_code: str | None,
          reason: str | None = None) -> dict:
    check(actor, Permission.MANAGE_MASTER)
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
        values.append_audit(con, {
            "actor": actor.login, "role": actor.primary_role.value, "action": action.value, "entity": "cycle",
            "entity_id": str(cycle["cycle_id"]), "cycle_id": cycle["cycle_id"], "from_state": before.value,
            "to_state": after.value, "comment": reason.strip() if reason else None,
        })
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

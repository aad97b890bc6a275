"""Shared helpers for the workflow service tests: the demo's people, its indicators and plain-SQL reads."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import warehouse
from kpi.domain.workflow import Role
from kpi.services import workflow
from kpi.services.actors import Actor
from kpi.services.demo import DEMO_ACCOUNTS
from kpi.services.workflow import DraftInput, ValueRef

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
STALE = "他の人が先に更新しました"

OWN = "GYOKAKU"  # editor1's department
OTHER = "IRYO"  # editor2's department

_NAMES = {login: name for login, name, *_rest in DEMO_ACCOUNTS}


def demo_actor(login: str, *roles: Role, departments: tuple[str, ...] | None = None) -> Actor:
    """An actor for a demo account: its documented roles and departments unless given."""
    account = next(a for a in DEMO_ACCOUNTS if a[0] == login)
    role_set = frozenset(roles) if roles else frozenset(Role(r) for r in account[3])
    depts = frozenset(account[4] if departments is None else departments)
    return Actor(login, _NAMES[login], role_set, depts)


EDITOR1 = demo_actor("editor1")  # GYOKAKU editor
EDITOR2 = demo_actor("editor2")  # IRYO editor
REVIEWER = demo_actor("reviewer")
EXECUTIVE = demo_actor("executive")
ADMIN = demo_actor("admin")
# The reviewer's account also holding the editor role for GYOKAKU: may enter and review, never approve its own.
REVIEWER_EDITOR = demo_actor("reviewer", Role.REVIEWER, Role.EDITOR, departments=(OWN,))
# editor2 also covering GYOKAKU: a second person entering GYOKAKU figures.
EDITOR2_ALSO_GYOKAKU = demo_actor("editor2", departments=(OTHER, OWN))

EDITOR_OF = {OWN: EDITOR1, OTHER: EDITOR2}


# ---- reads (plain SQL) ---------------------------------------------------------------------------------

def query(db: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    with warehouse.connect(db) as con:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def cycle_id(db: Path, fiscal_year: int) -> int:
    return query(db, "SELECT cycle_id FROM cycles WHERE fiscal_year = ?", [fiscal_year])[0]["cycle_id"]


def indicator(db: Path, code: str) -> dict[str, Any]:
    return query(db, "SELECT * FROM indicators WHERE code = ?", [code])[0]


def active_indicators(db: Path, department: str) -> list[dict[str, Any]]:
    """The department's active, non-composite numeric indicators, in id order."""
    return query(db, "SELECT * FROM indicators WHERE department_code = ? AND status = 'active'"
                     " AND target_type IN ('numeric', 'increase', 'decrease') ORDER BY indicator_id", [department])


def value(db: Path, value_id: int) -> dict[str, Any]:
    return query(db, "SELECT * FROM indicator_values WHERE value_id = ?", [value_id])[0]


def value_of(db: Path, indicator_id: int, cycle: int) -> dict[str, Any] | None:
    rows = query(db, "SELECT * FROM indicator_values WHERE indicator_id = ? AND cycle_id = ?", [indicator_id, cycle])
    return rows[0] if rows else None


def last_audit_id(db: Path) -> int:
    return query(db, "SELECT coalesce(max(audit_id), 0) AS n FROM audit_log")[0]["n"]


def audit_since(db: Path, after_id: int) -> list[dict[str, Any]]:
    return query(db, "SELECT * FROM audit_log WHERE audit_id > ? ORDER BY audit_id", [after_id])


def snapshot(db: Path) -> tuple:
    """Everything a workflow action may write: values, parts, audit rows."""
    with warehouse.connect(db) as con:
        return (
            con.execute("SELECT * FROM indicator_values ORDER BY value_id").fetchall(),
            con.execute("SELECT * FROM value_parts ORDER BY value_id, part_no").fetchall(),
            con.execute("SELECT * FROM audit_log ORDER BY audit_id").fetchall(),
        )


def add_finding(db: Path, value_id: int, severity: str = "error") -> None:
    with warehouse.transaction(db) as con:
        row = con.execute("SELECT indicator_id, cycle_id FROM indicator_values WHERE value_id = ?", [value_id]).fetchone()
        con.execute("INSERT INTO validation_findings (value_id, indicator_id, cycle_id, field, rule, severity, message)"
                    " VALUES (?, ?, ?, 'value_number', 'test_rule', ?, 'テスト用の指摘')",
                    [value_id, row[0], row[1], severity])


# ---- figures ---------------------------------------------------------------------------------------------

def achieving_number(ind: dict[str, Any]) -> Decimal:
    """A figure that reaches the indicator's target (no reason needed)."""
    target, baseline = ind["target_value"], ind["baseline_value"]
    if ind["direction"] == "higher":
        return max(target or Decimal(0), baseline or Decimal(0)) * 2 + 1
    return (target if target is not None else baseline) / 2


def fields(number: Decimal | int | str, *, reason: str | None = None, category: str | None = None,
           **more: Any) -> dict[str, Any]:
    return {"value_number": Decimal(str(number)), "value_kind": "projection", "period_text": "4月～8月",
            "value_fy": 2022, "reason": reason, "reason_category": category, **more}


# ---- workflow steps through the services ---------------------------------------------------------------

def save(db: Path, actor: Actor, indicator_id: int, figures: dict[str, Any], *, expected_version: int | None = None,
         fiscal_year: int = 2022, batch_id: int | None = None) -> ValueRef:
    cid = cycle_id(db, fiscal_year)
    with warehouse.transaction(db) as con:
        [ref] = workflow.save_drafts_in(con, actor, cid, [DraftInput(indicator_id, figures, {}, expected_version)],
                                        batch_id=batch_id)
    return ref


def draft(db: Path, department: str = OWN, index: int = 0, number: Decimal | None = None,
          actor: Actor | None = None) -> tuple[ValueRef, dict[str, Any]]:
    """A fresh FY2022 draft of one of the department's indicators, entered by its editor."""
    ind = active_indicators(db, department)[index]
    figure = achieving_number(ind) if number is None else number
    ref = save(db, actor or EDITOR_OF[department], ind["indicator_id"], fields(figure))
    return ref, ind


def submitted(db: Path, department: str = OWN, index: int = 0, actor: Actor | None = None) -> ValueRef:
    ref, _ind = draft(db, department, index, actor=actor)
    [version] = workflow.submit(actor or EDITOR_OF[department], [ref], db)
    return ValueRef(ref.value_id, version)


def approved(db: Path, department: str = OWN, index: int = 0) -> ValueRef:
    ref = submitted(db, department, index)
    return ValueRef(ref.value_id, workflow.approve(REVIEWER, ref, db))


def returned(db: Path, department: str = OWN, index: int = 0) -> ValueRef:
    ref = submitted(db, department, index)
    return ValueRef(ref.value_id, workflow.return_value(REVIEWER, ref, "出典を確認してください", db))

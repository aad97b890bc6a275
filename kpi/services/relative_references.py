"""The reference value of a relative target for one cycle (全国平均 of the year, …) and where it comes from.

A relative target (「全国平均を上回る」) cannot be judged until its cycle's reference value is entered: until then
it is 判定不能（比較する値が未入力） and counted apart in every summary. The department that enters the indicator's
actual enters the reference value too (a reviewer or an administrator may as well); each entry is audited.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.normalize import InputError, parse_number
from kpi.domain.workflow import Role
from kpi.services.actors import Actor
from kpi.services.errors import NotFound
from kpi.services.permissions import Permission, check
from warehouse import indicator_import as repo
from warehouse import audit, master

__all__ = ["set_reference_value"]


def set_reference_value(actor: Actor, *, strategy: str, code: str, fiscal_year: int, value: str | Decimal,
                        source: str, db: Path | str | None = None) -> dict:
    """Enter (or replace) the reference value of the relative target `code` for the fiscal year's cycle."""
    text = str(value)
    try:
        parsed = parse_number(text, unit=None, field="比較する値", allow_negative=True, percent_max=None)
    except InputError as error:
        raise ValueError(str(error)) from None
    if parsed is None:
        raise ValueError("「比較する値」が空です。全国平均などの値を数値で入力してください。")
    if not (source or "").strip():
        raise ValueError("「比較する値の出典」が空です（例: 文部科学省 全国学力・学習状況調査 令和5年度）。")
    with warehouse.transaction(db) as con:
        found = repo.relative_indicator(con, strategy, code)
        if found is None:
            raise NotFound(f"戦略「{strategy}」に相対目標（全国平均を上回る など）の指標「{code}」はありません")
        cycle = master.find_cycle(con, fiscal_year, strategy)
        if cycle is None:
            raise NotFound(f"{fiscal_year}年度の集計サイクルがありません")
        department = con.execute("SELECT department_code FROM indicators WHERE indicator_id = ?",
                                 [found["indicator_id"]]).fetchall()[0][0]
        if not actor.has(Role.REVIEWER, Role.ADMIN):
            check(actor, Permission.SAVE, department)
        repo.set_reference_value(con, found["indicator_id"], cycle["cycle_id"], parsed.value, source.strip(),
                                 actor.login)
        audit.append(con, [AuditEvent(
            actor=actor.login, role=actor.primary_role.value, action="set_reference_value",
            entity="indicator", entity_id=code, indicator_id=found["indicator_id"],
            new_value=f"{found['reference']} {parsed.value}（{source.strip()}）",
            comment=f"{fiscal_year}年度の比較する値")])
    return {"code": code, "name": found["name"], "reference": found["reference"], "value": parsed.value,
            "source": source.strip(), "fiscal_year": fiscal_year}

"""Master data use cases (reviewers and administrators): strategies and their versions, pillars, items,
indicators, departments and reason categories — each change one transaction with its audit row.

An indicator's evaluated definition (unit, target type, direction, baseline, target) is never overwritten:
a change is a revision in force from a fiscal year on, with a reason, so earlier cycles keep their evaluation.

The indicator commands live in :mod:`kpi.services.master_indicators` and the shared field readers, labels and
audit row in :mod:`kpi.services.master_fields`; this module re-exports them, so callers import one module.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import warehouse
from kpi.domain.formatting import fiscal_year_ja
from kpi.services.actors import Actor
from kpi.services.master_fields import (  # noqa: F401  labels and the error re-exported for the page and the CLI
    CODE_PATTERN, DEFINITION_FIELDS, DEPARTMENT_PATTERN, DESCRIPTIVE_FIELDS, DIRECTIONS_JA, FIELD_LABELS_JA,
    TARGET_TYPES_JA, MasterDataError, fiscal_year_input, fy_field, int_field, same_value, text_field, write_audit,
)
from kpi.services.master_indicators import (  # noqa: F401  re-exported: one module for the master data page
    create_indicator, resume_indicator, stop_indicator, update_indicator,
)
from kpi.services.permissions import Permission, check
from warehouse import WarehouseBusy, master, revisions  # noqa: F401  WarehouseBusy re-exported for the page

__all__ = [
    "MasterDataError", "WarehouseBusy", "TARGET_TYPES_JA", "DIRECTIONS_JA", "FIELD_LABELS_JA", "DEFINITION_FIELDS",
    "DESCRIPTIVE_FIELDS", "fiscal_year_input", "overview", "strategy_structure", "indicator_history",
    "create_strategy", "update_strategy", "save_pillar", "save_item", "save_department", "save_reason_category",
    "create_indicator", "update_indicator", "stop_indicator", "resume_indicator",
]


# ---- reads ------------------------------------------------------------------------------------------------

def overview(actor: Actor, db: Path | str | None = None) -> dict[str, Any]:
    """Everything the master data page lists: strategies, departments, reason categories, cycles."""
    check(actor, Permission.MANAGE_MASTER)
    with warehouse.connect(db) as con:
        return {"strategies": master.list_strategies(con), "departments": master.list_departments(con),
                "reason_categories": master.list_reason_categories(con), "cycles": master.list_cycles(con)}


def strategy_structure(actor: Actor, strategy_id: int, db: Path | str | None = None) -> dict[str, Any]:
    """A strategy version's pillars, items and indicators (each with its newest definition)."""
    check(actor, Permission.MANAGE_MASTER)
    with warehouse.connect(db) as con:
        return {"strategy": master.get_strategy(con, strategy_id), "pillars": master.strategy_pillars(con, strategy_id),
                "items": master.strategy_items(con, strategy_id),
                "indicators": revisions.current_definitions(con, strategy_id)}


def indicator_history(actor: Actor, indicator_id: int, db: Path | str | None = None) -> dict[str, Any]:
    """The indicator as first defined and every revision of its definition, oldest first."""
    check(actor, Permission.MANAGE_MASTER)
    with warehouse.connect(db) as con:
        return {"original": master.get_indicator(con, indicator_id),
                "revisions": revisions.revisions_of(con, indicator_id)}


# ---- strategies, pillars, items -----------------------------------------------------------------------------

def _strategy_fields(form: dict[str, Any]) -> dict[str, Any]:
    s = {"name": text_field(form.get("name"), "戦略名", required=True),
         "established_text": text_field(form.get("established_text"), "策定（表記）"),
         "publisher": text_field(form.get("publisher"), "発行者"),
         "valid_from_fy": fy_field(form.get("valid_from_fy"), "適用開始年度", required=True),
         "valid_to_fy": fy_field(form.get("valid_to_fy"), "適用終了年度")}
    if s["valid_to_fy"] is not None and s["valid_to_fy"] < s["valid_from_fy"]:
        raise MasterDataError("適用終了年度は適用開始年度以降にしてください")
    return s


def create_strategy(actor: Actor, form: dict[str, Any], *, copy_from: int | None = None,
                    db: Path | str | None = None) -> int:
    """Create a strategy, or a new version of one (code given; version = latest + 1).

    With copy_from (a strategy id), its pillars, items and active indicators — with their newest definitions —
    are carried into the new version. Returns the new strategy id.
    """
    check(actor, Permission.MANAGE_MASTER)
    code = (form.get("code") or "").strip()
    if not CODE_PATTERN.match(code):
        raise MasterDataError("戦略コードは半角英数字と「-_」で入力してください")
    s = _strategy_fields(form)
    with warehouse.transaction(db) as con:
        latest = max((x["version"] for x in master.list_strategies(con) if x["code"] == code), default=0)
        new_id = master.insert_strategy(con, {**s, "code": code, "version": latest + 1})
        if s.get("valid_to_fy") is not None:
            master.update_strategy(con, new_id, s)
        copied = 0
        if copy_from is not None:
            if master.get_strategy(con, copy_from) is None:
                raise MasterDataError("引き継ぎ元の戦略が見つかりません")
            copied = master.copy_strategy_structure(con, copy_from, new_id)
        write_audit(con, actor, "create_strategy", "strategy", str(new_id),
               new=f"{code} 第{latest + 1}版 {s['name']}（{fiscal_year_ja(s['valid_from_fy'])}から）"
                   + (f" 指標{copied}件を引き継ぎ" if copy_from is not None else ""))
        return new_id


def update_strategy(actor: Actor, strategy_id: int, form: dict[str, Any], db: Path | str | None = None) -> None:
    """Change a strategy version's name, publisher, established text and validity years."""
    check(actor, Permission.MANAGE_MASTER)
    s = _strategy_fields(form)
    with warehouse.transaction(db) as con:
        old = master.get_strategy(con, strategy_id)
        if old is None:
            raise MasterDataError("戦略が見つかりません")
        master.update_strategy(con, strategy_id, s)
        fields = [f for f in s if not same_value(old.get(f), s[f])]
        write_audit(con, actor, "update_strategy", "strategy", str(strategy_id),
               old="; ".join(f"{f}={old.get(f)}" for f in fields), new="; ".join(f"{f}={s[f]}" for f in fields))


def save_pillar(actor: Actor, strategy_id: int, pillar_no: Any, name: str, db: Path | str | None = None) -> None:
    """Create a pillar (柱) of a strategy version, or rename it."""
    check(actor, Permission.MANAGE_MASTER)
    no = int_field(pillar_no, "柱の番号")
    if no is None or no < 1:
        raise MasterDataError("柱の番号は1以上の整数で入力してください")
    name = text_field(name, "柱の名称", required=True)
    with warehouse.transaction(db) as con:
        old = {p["pillar_no"]: p["name"] for p in master.strategy_pillars(con, strategy_id)}.get(no)
        master.upsert_pillar(con, strategy_id, no, name)
        write_audit(con, actor, "save_pillar", "pillar", f"{strategy_id}:{no}", old=old, new=name)


def save_item(actor: Actor, strategy_id: int, pillar_no: Any, item_no: Any, name: str,
              db: Path | str | None = None) -> None:
    """Create an item (①②③) of a pillar, or rename it."""
    check(actor, Permission.MANAGE_MASTER)
    p, no = int_field(pillar_no, "柱の番号"), int_field(item_no, "項目の番号")
    if no is None or no < 1:
        raise MasterDataError("項目の番号は1以上の整数で入力してください")
    name = text_field(name, "項目の名称", required=True)
    with warehouse.transaction(db) as con:
        if p not in {x["pillar_no"] for x in master.strategy_pillars(con, strategy_id)}:
            raise MasterDataError(f"柱{p}はこの戦略にありません。先に柱を登録してください")
        old = {(i["pillar_no"], i["item_no"]): i["name"] for i in master.strategy_items(con, strategy_id)}.get((p, no))
        master.upsert_item(con, strategy_id, p, no, name)
        write_audit(con, actor, "save_item", "item", f"{strategy_id}:{p}:{no}", old=old, new=name)


# ---- departments and reason categories ----------------------------------------------------------------------

def save_department(actor: Actor, code: str, name: str, *, active: bool = True, db: Path | str | None = None) -> None:
    """Create a department, or rename it / mark it no longer in use."""
    check(actor, Permission.MANAGE_MASTER)
    code = (code or "").strip().upper()
    if not DEPARTMENT_PATTERN.match(code):
        raise MasterDataError("担当課コードは半角英大文字・数字・「_-」の2〜20文字にしてください")
    name = text_field(name, "担当課名", required=True, max_length=100)
    with warehouse.transaction(db) as con:
        old = {d["code"]: d for d in master.list_departments(con)}.get(code)
        master.upsert_department(con, code, name, False)
        master.set_department_active(con, code, active)
        write_audit(con, actor, "save_department", "department", code,
               old=None if old is None else f"{old['name']}{'' if old['active'] else '（使用停止）'}",
               new=f"{name}{'' if active else '（使用停止）'}")


def save_reason_category(actor: Actor, code: str, name: str, sort_order: Any = None,
                         db: Path | str | None = None) -> None:
    """Create a reason category (要因の分類), or rename / reorder it."""
    check(actor, Permission.MANAGE_MASTER)
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise MasterDataError("要因の分類コードは半角英数字と「-_」で入力してください")
    name = text_field(name, "要因の分類名", required=True)
    with warehouse.transaction(db) as con:
        existing = master.list_reason_categories(con)
        old = {c["code"]: c["name"] for c in existing}.get(code)
        order = int_field(sort_order, "表示順", default=len(existing) + 1)
        master.upsert_reason_category(con, code, name, order)
        write_audit(con, actor, "save_reason_category", "reason_category", code, old=old, new=f"{name}（表示順{order}）")

"""Master data use cases (reviewers and administrators): strategies and their versions, pillars, items,
indicators, departments and reason categories — each change one transaction with its audit row.

An indicator's evaluated definition (unit, target type, direction, baseline, target) is never overwritten:
a change is a revision in force from a fiscal year on, with a reason, so earlier cycles keep their evaluation.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.formatting import fiscal_year_ja, format_number
from kpi.domain.normalize import InputError, clean_text, parse_fiscal_year, parse_number
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from warehouse import WarehouseBusy, audit, master, revisions  # WarehouseBusy re-exported for the page


class MasterDataError(ValueError):
    """A refused master data change; str() is Japanese and names the field."""


TARGET_TYPES_JA = {"numeric": "数値目標", "increase": "増加を目指す", "decrease": "減少を目指す",
                   "qualitative": "定性的な目標", "composite": "複数の目標（複合）"}
DIRECTIONS_JA = {"higher": "高いほど良い", "lower": "低いほど良い"}
FIELD_LABELS_JA = {
    "code": "指標コード", "name": "指標名", "definition": "指標の定義", "unit": "単位", "department_code": "担当課",
    "target_type": "目標の種類", "direction": "方向", "baseline_value": "基準値", "baseline_text": "基準値（表記）",
    "baseline_fy": "基準年度", "baseline_fy_text": "基準年度（表記）", "target_value": "目標値",
    "target_text": "目標値（表記）", "target_fy": "目標年度", "data_source": "出典", "pillar_no": "柱",
    "item_no": "項目", "sort_order": "表示順", "status": "進捗管理",
}
DEFINITION_FIELDS = revisions.DEFINITION_COLUMNS
DESCRIPTIVE_FIELDS = ("code", "name", "definition", "department_code", "data_source", "pillar_no", "item_no",
                      "sort_order")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")
_DEPT = re.compile(r"^[A-Z0-9_-]{2,20}$")


def _audit(con, actor: Actor, action: str, entity: str, entity_id: str, *, indicator_id: int | None = None,
           old: str | None = None, new: str | None = None, comment: str | None = None) -> None:
    audit.record(con, AuditEvent(actor=actor.login, role=actor.primary_role.value, action=action,
                                 entity=entity, entity_id=entity_id, indicator_id=indicator_id,
                                 old_value=old, new_value=new, comment=comment))


def _text(value: Any, field: str, *, required: bool = False, max_length: int = 200) -> str | None:
    try:
        text = clean_text(None if value is None else str(value), field=field, max_length=max_length)
    except InputError as exc:
        raise MasterDataError(str(exc)) from None
    if required and not text:
        raise MasterDataError(f"{field}を入力してください")
    return text


def _fy(value: Any, field: str, *, required: bool = False) -> int | None:
    if isinstance(value, int):
        fy = value
    else:
        try:
            fy = parse_fiscal_year(None if value is None else str(value), field=field)
        except InputError as exc:
            raise MasterDataError(str(exc)) from None
    if required and fy is None:
        raise MasterDataError(f"{field}を入力してください（例: 令和5年度、2023年度）")
    return fy


def fiscal_year_input(value: Any, field: str = "年度") -> int:
    """A required fiscal year as typed (令和5年度, R5, 2023年度, 2023) → 2023, or MasterDataError naming the field."""
    return _fy(value, field, required=True)


def _number(value: Any, field: str, unit: str | None) -> Decimal | None:
    if value is None or isinstance(value, (Decimal, int, float)):
        return None if value is None else Decimal(str(value))
    try:
        parsed = parse_number(str(value), unit=unit, field=field, allow_negative=True, percent_max=None)
    except InputError as exc:
        raise MasterDataError(str(exc)) from None
    return None if parsed is None else parsed.value


def _int(value: Any, field: str, *, default: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise MasterDataError(f"{field}は整数で入力してください（入力: {value}）") from None


def _shown(field: str, value: Any, unit: str | None = None) -> str:
    if value is None or value == "":
        return "（なし）"
    if field in ("baseline_value", "target_value"):
        return format_number(value, unit or "")
    if field in ("baseline_fy", "target_fy"):
        return fiscal_year_ja(int(value))
    if field == "target_type":
        return TARGET_TYPES_JA.get(value, value)
    if field == "direction":
        return DIRECTIONS_JA.get(value, value)
    return str(value)


def _changes(old: dict, new: dict, fields) -> str:
    unit_old, unit_new = old.get("unit"), new.get("unit")
    return "; ".join(f"{FIELD_LABELS_JA[f]}: {_shown(f, old.get(f), unit_old)} → {_shown(f, new.get(f), unit_new)}"
                     for f in fields)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (Decimal, int, float)) and isinstance(b, (Decimal, int, float)):
        return Decimal(str(a)) == Decimal(str(b))
    return (a if a not in ("",) else None) == (b if b not in ("",) else None)


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
    s = {"name": _text(form.get("name"), "戦略名", required=True),
         "established_text": _text(form.get("established_text"), "策定（表記）"),
         "publisher": _text(form.get("publisher"), "発行者"),
         "valid_from_fy": _fy(form.get("valid_from_fy"), "適用開始年度", required=True),
         "valid_to_fy": _fy(form.get("valid_to_fy"), "適用終了年度")}
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
    if not _CODE.match(code):
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
        _audit(con, actor, "create_strategy", "strategy", str(new_id),
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
        fields = [f for f in s if not _same(old.get(f), s[f])]
        _audit(con, actor, "update_strategy", "strategy", str(strategy_id),
               old="; ".join(f"{f}={old.get(f)}" for f in fields), new="; ".join(f"{f}={s[f]}" for f in fields))


def save_pillar(actor: Actor, strategy_id: int, pillar_no: Any, name: str, db: Path | str | None = None) -> None:
    """Create a pillar (柱) of a strategy version, or rename it."""
    check(actor, Permission.MANAGE_MASTER)
    no = _int(pillar_no, "柱の番号")
    if no is None or no < 1:
        raise MasterDataError("柱の番号は1以上の整数で入力してください")
    name = _text(name, "柱の名称", required=True)
    with warehouse.transaction(db) as con:
        old = {p["pillar_no"]: p["name"] for p in master.strategy_pillars(con, strategy_id)}.get(no)
        master.upsert_pillar(con, strategy_id, no, name)
        _audit(con, actor, "save_pillar", "pillar", f"{strategy_id}:{no}", old=old, new=name)


def save_item(actor: Actor, strategy_id: int, pillar_no: Any, item_no: Any, name: str,
              db: Path | str | None = None) -> None:
    """Create an item (①②③) of a pillar, or rename it."""
    check(actor, Permission.MANAGE_MASTER)
    p, no = _int(pillar_no, "柱の番号"), _int(item_no, "項目の番号")
    if no is None or no < 1:
        raise MasterDataError("項目の番号は1以上の整数で入力してください")
    name = _text(name, "項目の名称", required=True)
    with warehouse.transaction(db) as con:
        if p not in {x["pillar_no"] for x in master.strategy_pillars(con, strategy_id)}:
            raise MasterDataError(f"柱{p}はこの戦略にありません。先に柱を登録してください")
        old = {(i["pillar_no"], i["item_no"]): i["name"] for i in master.strategy_items(con, strategy_id)}.get((p, no))
        master.upsert_item(con, strategy_id, p, no, name)
        _audit(con, actor, "save_item", "item", f"{strategy_id}:{p}:{no}", old=old, new=name)


# ---- departments and reason categories ----------------------------------------------------------------------

def save_department(actor: Actor, code: str, name: str, *, active: bool = True, db: Path | str | None = None) -> None:
    """Create a department, or rename it / mark it no longer in use."""
    check(actor, Permission.MANAGE_MASTER)
    code = (code or "").strip().upper()
    if not _DEPT.match(code):
        raise MasterDataError("担当課コードは半角英大文字・数字・「_-」の2〜20文字にしてください")
    name = _text(name, "担当課名", required=True, max_length=100)
    with warehouse.transaction(db) as con:
        old = {d["code"]: d for d in master.list_departments(con)}.get(code)
        master.upsert_department(con, code, name, False)
        master.set_department_active(con, code, active)
        _audit(con, actor, "save_department", "department", code,
               old=None if old is None else f"{old['name']}{'' if old['active'] else '（使用停止）'}",
               new=f"{name}{'' if active else '（使用停止）'}")


def save_reason_category(actor: Actor, code: str, name: str, sort_order: Any = None,
                         db: Path | str | None = None) -> None:
    """Create a reason category (要因の分類), or rename / reorder it."""
    check(actor, Permission.MANAGE_MASTER)
    code = (code or "").strip()
    if not _CODE.match(code):
        raise MasterDataError("要因の分類コードは半角英数字と「-_」で入力してください")
    name = _text(name, "要因の分類名", required=True)
    with warehouse.transaction(db) as con:
        existing = master.list_reason_categories(con)
        old = {c["code"]: c["name"] for c in existing}.get(code)
        order = _int(sort_order, "表示順", default=len(existing) + 1)
        master.upsert_reason_category(con, code, name, order)
        _audit(con, actor, "save_reason_category", "reason_category", code, old=old, new=f"{name}（表示順{order}）")


# ---- indicators ---------------------------------------------------------------------------------------------

def _definition(form: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The evaluated definition from a form (typed text), over a base definition; checked for consistency."""
    d = dict(base)
    if "unit" in form:
        d["unit"] = _text(form.get("unit"), "単位", max_length=20)
    if "target_type" in form:
        d["target_type"] = form.get("target_type")
    if "direction" in form:
        d["direction"] = form.get("direction")
    if d.get("target_type") not in TARGET_TYPES_JA:
        raise MasterDataError(f"目標の種類を選んでください（{'・'.join(TARGET_TYPES_JA.values())}）")
    if d.get("direction") not in DIRECTIONS_JA:
        raise MasterDataError("方向（高いほど良い・低いほど良い）を選んでください")
    if d["target_type"] == "increase" and d["direction"] != "higher":
        raise MasterDataError("目標の種類が「増加を目指す」の指標の方向は「高いほど良い」です")
    if d["target_type"] == "decrease" and d["direction"] != "lower":
        raise MasterDataError("目標の種類が「減少を目指す」の指標の方向は「低いほど良い」です")
    for prefix, label in (("baseline", "基準値"), ("target", "目標値")):
        value_key, text_key, fy_key = f"{prefix}_value", f"{prefix}_text", f"{prefix}_fy"
        value = _number(form.get(value_key), label, d.get("unit")) if value_key in form else base.get(value_key)
        text = _text(form.get(text_key), f"{label}（表記）") if text_key in form else base.get(text_key)
        value_changed = not _same(value, base.get(value_key))
        text_changed = not _same(text, base.get(text_key))
        if value_changed and not text_changed:  # keep the printed form in step with the figure
            text = None if value is None else format_number(value, d.get("unit") or "")
        d[value_key], d[text_key] = value, text
        if fy_key in form:
            d[fy_key] = _fy(form.get(fy_key), "基準年度" if prefix == "baseline" else "目標年度")
    if "baseline_fy_text" in form:
        d["baseline_fy_text"] = _text(form.get("baseline_fy_text"), "基準年度（表記）", max_length=40)
    fy_moved = not _same(d.get("baseline_fy"), base.get("baseline_fy"))
    if d.get("baseline_fy") is not None and (not d.get("baseline_fy_text") or (
            fy_moved and _same(d.get("baseline_fy_text"), base.get("baseline_fy_text")))):
        d["baseline_fy_text"] = fiscal_year_ja(d["baseline_fy"])
    t = d["target_type"]
    if t == "numeric" and d.get("target_value") is None:
        raise MasterDataError("数値目標の指標には目標値を入力してください")
    if t in ("increase", "decrease") and d.get("baseline_value") is None:
        raise MasterDataError(f"「{TARGET_TYPES_JA[t]}」の指標には基準値を入力してください")
    if t == "qualitative" and not d.get("target_text"):
        raise MasterDataError("定性的な目標の指標には目標値（表記）を入力してください")
    if t == "increase" and not d.get("target_text"):
        d["target_text"] = "増加を目指します"
    if t == "decrease" and not d.get("target_text"):
        d["target_text"] = "減少を目指します"
    if d.get("baseline_fy") and d.get("target_fy") and d["target_fy"] < d["baseline_fy"]:
        raise MasterDataError("目標年度は基準年度以降にしてください")
    return d


def _descriptive(con, form: dict[str, Any], base: dict[str, Any], strategy_id: int) -> dict[str, Any]:
    d = {f: base.get(f) for f in DESCRIPTIVE_FIELDS}
    if "code" in form:
        d["code"] = (form.get("code") or "").strip()
        if not _CODE.match(d["code"]):
            raise MasterDataError("指標コードは半角英数字と「-_」で入力してください（例: P1-1-01）")
        if master.indicator_code_taken(con, strategy_id, d["code"], base.get("indicator_id")):
            raise MasterDataError(f"指標コード「{d['code']}」は既に使われています")
    if "name" in form:
        d["name"] = _text(form.get("name"), "指標名", required=True)
    if "definition" in form:
        d["definition"] = _text(form.get("definition"), "指標の定義", max_length=2000)
    if "data_source" in form:
        d["data_source"] = _text(form.get("data_source"), "出典", max_length=500)
    if "department_code" in form:
        if form.get("department_code") not in {x["code"] for x in master.list_departments(con)}:
            raise MasterDataError(f"担当課「{form.get('department_code') or ''}」は登録されていません")
        d["department_code"] = form["department_code"]
    for f in ("pillar_no", "item_no", "sort_order"):
        if f in form:
            d[f] = _int(form.get(f), FIELD_LABELS_JA[f], default=0 if f == "sort_order" else None)
    if (d["pillar_no"], d["item_no"]) not in {(i["pillar_no"], i["item_no"])
                                              for i in master.strategy_items(con, strategy_id)}:
        raise MasterDataError(f"柱{d['pillar_no']}の項目{d['item_no']}はこの戦略にありません")
    return d


def create_indicator(actor: Actor, strategy_id: int, form: dict[str, Any], db: Path | str | None = None) -> int:
    """Register a new indicator (every field of DOMAIN.md, typed as people write them); return its id."""
    check(actor, Permission.MANAGE_MASTER)
    with warehouse.transaction(db) as con:
        if master.get_strategy(con, strategy_id) is None:
            raise MasterDataError("戦略が見つかりません")
        if not (form.get("code") or "").strip():
            raise MasterDataError("指標コードを入力してください")
        desc = _descriptive(con, form, {"sort_order": 0}, strategy_id)
        definition = _definition(form, {})
        indicator_id = master.insert_indicator(con, {**desc, **definition, "strategy_id": strategy_id,
                                                     "status": "active", "baseline_illustrative": False,
                                                     "illustrative": False})
        _audit(con, actor, "create_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
               new=_changes({}, {**desc, **definition}, [f for f in (*DESCRIPTIVE_FIELDS, *DEFINITION_FIELDS)
                                                           if (desc | definition).get(f) not in (None, "")]))
        return indicator_id


def update_indicator(actor: Actor, indicator_id: int, form: dict[str, Any], *, reason: str | None = None,
                     effective_fy: Any = None, db: Path | str | None = None) -> dict[str, Any]:
    """Edit an indicator. Descriptive fields change in place; a change of the evaluated definition (unit,
    target type, direction, baseline, target) becomes a revision in force from effective_fy on, which needs a
    reason and may not reach back into a finalized cycle. Returns what changed:
    {"changed": [field, ...], "revision_id": int | None}.
    """
    check(actor, Permission.MANAGE_MASTER)
    with warehouse.transaction(db) as con:
        row = master.get_indicator(con, indicator_id)
        if row is None:
            raise MasterDataError("指標が見つかりません。画面を再読み込みしてください")
        fy = _fy(effective_fy, "適用開始年度")
        base = revisions.definition_in_force(con, indicator_id, fy)
        # The form shows the newest definition; only what the person changed there is applied over the
        # definition in force for the chosen year (a later revision keeps its own values).
        newest = revisions.definition_in_force(con, indicator_id, None)
        edited = _definition(form, newest)
        touched = {f: edited[f] for f in DEFINITION_FIELDS if not _same(newest.get(f), edited.get(f))}
        new_def = _definition({}, {**base, **touched}) if touched else dict(base)
        def_changed = [f for f in DEFINITION_FIELDS if not _same(base.get(f), new_def.get(f))]
        desc = _descriptive(con, form, row, row["strategy_id"])
        desc_changed = [f for f in DESCRIPTIVE_FIELDS if not _same(row.get(f), desc.get(f))]
        why = _text(reason, "変更の理由", max_length=1000)
        revision_id = None
        label = f"「{row['code']} {row['name']}」"
        if def_changed:
            if fy is None:
                raise MasterDataError(f"{label}の目標・基準値などの変更には適用開始年度を入力してください"
                                      "（その年度以降のサイクルが新しい定義で評価されます）")
            if not why:
                raise MasterDataError(f"{label}の目標・基準値などの変更には変更の理由を入力してください")
            frozen = [y for y in master.finalized_years(con, row["strategy_id"]) if y >= fy]
            if frozen:
                raise MasterDataError(f"{fiscal_year_ja(max(frozen))}のサイクルは確定済のため、{fiscal_year_ja(fy)}からの"
                                      f"定義変更はできません。{fiscal_year_ja(max(frozen) + 1)}以降を指定してください")
            revision_id = revisions.insert_revision(con, indicator_id, fy, new_def, reason=why,
                                                    changed_by=actor.login)
            _audit(con, actor, "revise_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
                   old="; ".join(f"{FIELD_LABELS_JA[f]}: {_shown(f, base.get(f), base.get('unit'))}" for f in def_changed),
                   new="; ".join(f"{FIELD_LABELS_JA[f]}: {_shown(f, new_def.get(f), new_def.get('unit'))}"
                                 for f in def_changed) + f"（{fiscal_year_ja(fy)}から適用）",
                   comment=why)
        if desc_changed:
            master.update_indicator_fields(con, indicator_id, {f: desc[f] for f in desc_changed})
            _audit(con, actor, "update_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
                   old="; ".join(f"{FIELD_LABELS_JA[f]}: {_shown(f, row.get(f))}" for f in desc_changed),
                   new="; ".join(f"{FIELD_LABELS_JA[f]}: {_shown(f, desc.get(f))}" for f in desc_changed),
                   comment=why)
        return {"changed": desc_changed + def_changed, "revision_id": revision_id}


def stop_indicator(actor: Actor, indicator_id: int, *, reason: str, effective_fy: Any,
                   db: Path | str | None = None) -> None:
    """Stop an indicator's progress management (進捗管理の停止) from a fiscal year's cycle on, with a reason."""
    check(actor, Permission.MANAGE_MASTER)
    why = _text(reason, "停止の理由", max_length=1000)
    fy = _fy(effective_fy, "停止する年度", required=True)
    with warehouse.transaction(db) as con:
        row = master.get_indicator(con, indicator_id)
        if row is None:
            raise MasterDataError("指標が見つかりません。画面を再読み込みしてください")
        label = f"「{row['code']} {row['name']}」"
        if not why:
            raise MasterDataError(f"{label}の進捗管理の停止には停止の理由を入力してください")
        if row["status"] == "stopped":
            raise MasterDataError(f"{label}は{fiscal_year_ja(row['stopped_fy'])}から進捗管理を停止しています")
        frozen = [y for y in master.finalized_years(con, row["strategy_id"]) if y >= fy]
        if frozen:
            raise MasterDataError(f"{fiscal_year_ja(max(frozen))}のサイクルは確定済のため、{fiscal_year_ja(fy)}からの"
                                  f"停止はできません。{fiscal_year_ja(max(frozen) + 1)}以降を指定してください")
        master.set_indicator_status(con, indicator_id, "stopped", why, fy)
        _audit(con, actor, "stop_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
               old="進捗管理中", new=f"進捗管理の停止（{fiscal_year_ja(fy)}から）", comment=why)


def resume_indicator(actor: Actor, indicator_id: int, *, reason: str, db: Path | str | None = None) -> None:
    """Take a stopped indicator back under progress management (not when a finalized cycle counted it stopped)."""
    check(actor, Permission.MANAGE_MASTER)
    why = _text(reason, "再開の理由", max_length=1000)
    with warehouse.transaction(db) as con:
        row = master.get_indicator(con, indicator_id)
        if row is None:
            raise MasterDataError("指標が見つかりません。画面を再読み込みしてください")
        label = f"「{row['code']} {row['name']}」"
        if row["status"] != "stopped":
            raise MasterDataError(f"{label}は進捗管理中です")
        if not why:
            raise MasterDataError(f"{label}の進捗管理の再開には理由を入力してください")
        frozen = [y for y in master.finalized_years(con, row["strategy_id"]) if y >= row["stopped_fy"]]
        if frozen:
            raise MasterDataError(f"{label}は確定済の{fiscal_year_ja(max(frozen))}で停止として集計されているため、"
                                  "再開できません。新しい戦略の版で指標を登録してください")
        master.set_indicator_status(con, indicator_id, "active", None, None)
        _audit(con, actor, "resume_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
               old=f"進捗管理の停止（{fiscal_year_ja(row['stopped_fy'])}から）", new="進捗管理中", comment=why)

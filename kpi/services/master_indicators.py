"""Master data use cases for indicators (reviewers and administrators): register, edit, stop and resume.

An indicator's evaluated definition (unit, target type, direction, baseline, target) is never overwritten:
a change is a revision in force from a fiscal year on, with a reason, so earlier cycles keep their evaluation.
Reached through :mod:`kpi.services.master_data`, which re-exports these commands.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import warehouse
from kpi.domain.formatting import fiscal_year_ja, format_number
from kpi.services.actors import Actor
from kpi.services.master_fields import (
    CODE_PATTERN, DEFINITION_FIELDS, DESCRIPTIVE_FIELDS, DIRECTIONS_JA, FIELD_LABELS_JA, TARGET_TYPES_JA,
    MasterDataError, changes_text, fy_field, int_field, number_field, same_value, shown_value, text_field, write_audit,
)
from kpi.services.permissions import Permission, check
from warehouse import master, revisions


def _definition(form: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The evaluated definition from a form (typed text), over a base definition; checked for consistency."""
    d = dict(base)
    if "unit" in form:
        d["unit"] = text_field(form.get("unit"), "単位", max_length=20)
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
        value = number_field(form.get(value_key), label, d.get("unit")) if value_key in form else base.get(value_key)
        text = text_field(form.get(text_key), f"{label}（表記）") if text_key in form else base.get(text_key)
        value_changed = not same_value(value, base.get(value_key))
        text_changed = not same_value(text, base.get(text_key))
        if value_changed and not text_changed:  # keep the printed form in step with the figure
            text = None if value is None else format_number(value, d.get("unit") or "")
        d[value_key], d[text_key] = value, text
        if fy_key in form:
            d[fy_key] = fy_field(form.get(fy_key), "基準年度" if prefix == "baseline" else "目標年度")
    if "baseline_fy_text" in form:
        d["baseline_fy_text"] = text_field(form.get("baseline_fy_text"), "基準年度（表記）", max_length=40)
    fy_moved = not same_value(d.get("baseline_fy"), base.get("baseline_fy"))
    if d.get("baseline_fy") is not None and (not d.get("baseline_fy_text") or (
            fy_moved and same_value(d.get("baseline_fy_text"), base.get("baseline_fy_text")))):
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
        if not CODE_PATTERN.match(d["code"]):
            raise MasterDataError("指標コードは半角英数字と「-_」で入力してください（例: P1-1-01）")
        if master.indicator_code_taken(con, strategy_id, d["code"], base.get("indicator_id")):
            raise MasterDataError(f"指標コード「{d['code']}」は既に使われています")
    if "name" in form:
        d["name"] = text_field(form.get("name"), "指標名", required=True)
    if "definition" in form:
        d["definition"] = text_field(form.get("definition"), "指標の定義", max_length=2000)
    if "data_source" in form:
        d["data_source"] = text_field(form.get("data_source"), "出典", max_length=500)
    if "department_code" in form:
        if form.get("department_code") not in {x["code"] for x in master.list_departments(con)}:
            raise MasterDataError(f"担当課「{form.get('department_code') or ''}」は登録されていません")
        d["department_code"] = form["department_code"]
    for f in ("pillar_no", "item_no", "sort_order"):
        if f in form:
            d[f] = int_field(form.get(f), FIELD_LABELS_JA[f], default=0 if f == "sort_order" else None)
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
        write_audit(con, actor, "create_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
               new=changes_text({}, {**desc, **definition}, [f for f in (*DESCRIPTIVE_FIELDS, *DEFINITION_FIELDS)
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
        fy = fy_field(effective_fy, "適用開始年度")
        base = revisions.definition_in_force(con, indicator_id, fy)
        # The form shows the newest definition; only what the person changed there is applied over the
        # definition in force for the chosen year (a later revision keeps its own values).
        newest = revisions.definition_in_force(con, indicator_id, None)
        edited = _definition(form, newest)
        touched = {f: edited[f] for f in DEFINITION_FIELDS if not same_value(newest.get(f), edited.get(f))}
        new_def = _definition({}, {**base, **touched}) if touched else dict(base)
        def_changed = [f for f in DEFINITION_FIELDS if not same_value(base.get(f), new_def.get(f))]
        desc = _descriptive(con, form, row, row["strategy_id"])
        desc_changed = [f for f in DESCRIPTIVE_FIELDS if not same_value(row.get(f), desc.get(f))]
        why = text_field(reason, "変更の理由", max_length=1000)
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
            write_audit(con, actor, "revise_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
                   old="; ".join(f"{FIELD_LABELS_JA[f]}: {shown_value(f, base.get(f), base.get('unit'))}" for f in def_changed),
                   new="; ".join(f"{FIELD_LABELS_JA[f]}: {shown_value(f, new_def.get(f), new_def.get('unit'))}"
                                 for f in def_changed) + f"（{fiscal_year_ja(fy)}から適用）",
                   comment=why)
        if desc_changed:
            master.update_indicator_fields(con, indicator_id, {f: desc[f] for f in desc_changed})
            write_audit(con, actor, "update_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
                   old="; ".join(f"{FIELD_LABELS_JA[f]}: {shown_value(f, row.get(f))}" for f in desc_changed),
                   new="; ".join(f"{FIELD_LABELS_JA[f]}: {shown_value(f, desc.get(f))}" for f in desc_changed),
                   comment=why)
        return {"changed": desc_changed + def_changed, "revision_id": revision_id}


def stop_indicator(actor: Actor, indicator_id: int, *, reason: str, effective_fy: Any,
                   db: Path | str | None = None) -> None:
    """Stop an indicator's progress management (進捗管理の停止) from a fiscal year's cycle on, with a reason."""
    check(actor, Permission.MANAGE_MASTER)
    why = text_field(reason, "停止の理由", max_length=1000)
    fy = fy_field(effective_fy, "停止する年度", required=True)
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
        write_audit(con, actor, "stop_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
               old="進捗管理中", new=f"進捗管理の停止（{fiscal_year_ja(fy)}から）", comment=why)


def resume_indicator(actor: Actor, indicator_id: int, *, reason: str, db: Path | str | None = None) -> None:
    """Take a stopped indicator back under progress management (not when a finalized cycle counted it stopped)."""
    check(actor, Permission.MANAGE_MASTER)
    why = text_field(reason, "再開の理由", max_length=1000)
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
        write_audit(con, actor, "resume_indicator", "indicator", str(indicator_id), indicator_id=indicator_id,
               old=f"進捗管理の停止（{fiscal_year_ja(row['stopped_fy'])}から）", new="進捗管理中", comment=why)

"""What the master data commands share: their error, the Japanese labels, reading typed form fields, and the
audit row each change writes (kpi.services.master_data and kpi.services.master_indicators use these).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from kpi.domain.audit_events import AuditEvent
from kpi.domain.formatting import fiscal_year_ja, format_number
from kpi.domain.normalize import InputError, clean_text, parse_fiscal_year, parse_number
from kpi.services.actors import Actor
from warehouse import audit, revisions


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
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")
DEPARTMENT_PATTERN = re.compile(r"^[A-Z0-9_-]{2,20}$")


def write_audit(con, actor: Actor, action: str, entity: str, entity_id: str, *, indicator_id: int | None = None,
           old: str | None = None, new: str | None = None, comment: str | None = None) -> None:
    audit.record(con, AuditEvent(actor=actor.login, role=actor.primary_role.value, action=action,
                                 entity=entity, entity_id=entity_id, indicator_id=indicator_id,
                                 old_value=old, new_value=new, comment=comment))


def text_field(value: Any, field: str, *, required: bool = False, max_length: int = 200) -> str | None:
    try:
        text = clean_text(None if value is None else str(value), field=field, max_length=max_length)
    except InputError as exc:
        raise MasterDataError(str(exc)) from None
    if required and not text:
        raise MasterDataError(f"{field}を入力してください")
    return text


def fy_field(value: Any, field: str, *, required: bool = False) -> int | None:
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
    return fy_field(value, field, required=True)


def number_field(value: Any, field: str, unit: str | None) -> Decimal | None:
    if value is None or isinstance(value, (Decimal, int, float)):
        return None if value is None else Decimal(str(value))
    try:
        parsed = parse_number(str(value), unit=unit, field=field, allow_negative=True, percent_max=None)
    except InputError as exc:
        raise MasterDataError(str(exc)) from None
    return None if parsed is None else parsed.value


def int_field(value: Any, field: str, *, default: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise MasterDataError(f"{field}は整数で入力してください（入力: {value}）") from None


def shown_value(field: str, value: Any, unit: str | None = None) -> str:
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


def changes_text(old: dict, new: dict, fields) -> str:
    unit_old, unit_new = old.get("unit"), new.get("unit")
    return "; ".join(f"{FIELD_LABELS_JA[f]}: {shown_value(f, old.get(f), unit_old)} → {shown_value(f, new.get(f), unit_new)}"
                     for f in fields)


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, (Decimal, int, float)) and isinstance(b, (Decimal, int, float)):
        return Decimal(str(a)) == Decimal(str(b))
    return (a if a not in ("",) else None) == (b if b not in ("",) else None)

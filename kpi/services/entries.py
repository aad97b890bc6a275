"""Typed entries → normalized drafts and a validation frame (no database; the intake service feeds it)."""
from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from kpi.domain.formatting import format_number
from kpi.domain.normalize import InputError, clean_text, parse_fiscal_year, parse_number
from kpi.domain.normalize import shown  # what was typed, safe to quote (no control/bidi characters)
from kpi.services.evaluation import indicator_rate

FIELD_LABELS = {"value": "値", "kind": "区分", "period": "時点・期間", "reason": "要因",
                "reason_category": "要因の分類", "remark": "備考", "code": "コード"}
_KIND = {"実績値": "actual", "実績": "actual", "actual": "actual", "見込値": "projection", "見込": "projection",
         "見込み": "projection", "見込み値": "projection", "到達見込値": "projection", "projection": "projection"}
_ACHIEVED = {"達成", "済", "実施済", "整備済", "設置済", "完了", "実施", "整備", "設置"}


@dataclass(frozen=True)
class RawEntry:
    """What a person typed for one indicator (a form line or a workbook row), as typed."""

    code: str
    value: str = ""
    kind: str = ""
    period: str = ""
    reason: str = ""
    reason_category: str = ""
    remark: str = ""
    row_no: int | None = None
    expected_version: int | None = None  # the version the person saw (None: no value yet)
    check_version: bool = True  # a returned workbook overwrites what is saved (the department's explicit upload)

    def is_blank(self) -> bool:
        """Nothing was entered in any editable field."""
        return not any((self.value or "").strip() or (getattr(self, f) or "").strip()
                       for f in ("kind", "period", "reason", "reason_category", "remark"))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, for the intake batch."""
        return asdict(self)


@dataclass(frozen=True)
class Normalized:
    """One entry after normalization: draft fields, parts, and the row of the validation frame."""

    entry: RawEntry
    indicator_id: int | None
    fields: dict[str, Any]
    parts: dict[int, Decimal]
    frame_row: dict[str, Any]


def _kind(text: str) -> str | None:
    t = (text or "").strip()
    if not t:
        return None
    k = _KIND.get(t) or _KIND.get(t.lower())
    if k is None:
        raise InputError(f"「区分」に「{shown(t)}」と入力されました。「実績値」または「見込値」を選んでください",
                         field="区分", text=t)
    return k


def _category(text: str, categories: list[dict]) -> str | None:
    t = (text or "").strip()
    if not t:
        return None
    for c in categories:
        if t in (c["code"], c["name"]):
            return c["code"]
    hits = [c for c in categories if t in c["name"]]
    if len(hits) == 1:
        return hits[0]["code"]
    names = "、".join(f"「{c['name']}」" for c in categories)
    raise InputError(f"「要因の分類」に「{shown(t)}」と入力されました。{names}のいずれかを選んでください",
                     field="要因の分類", text=t)


def _qualitative(text: str) -> bool | None:
    t = (text or "").strip()
    if not t:
        return None
    if t.startswith("未") or t in {"未達成", "なし", "無"}:
        return False
    if t in _ACHIEVED:
        return True
    raise InputError(f"「値」に「{shown(t)}」と入力されました。この指標は「達成」または「未達成」（例: 未整備）で入力してください",
                     field="値", text=t)


_SEGMENT = re.compile(r"^\s*([0-9０-９][0-9０-９,，.．]*)?\s*(.*?)\s*$")


def _composite(text: str, parts: list[dict]) -> dict[int, Decimal]:
    t = (text or "").strip()
    if not t:
        return {}
    segments = [s for s in re.split(r"[・、,，/／]", t) if s.strip()]
    if len(segments) != len(parts):
        labels = "・".join(p["label"] for p in parts)
        raise InputError(f"「値」は{len(parts)}つの部分（{labels}）を「・」で区切って入力してください（例: 県・52市町村・2林業事業体）",
                         field="値", text=t)
    out = {}
    for seg, part in zip(segments, parts):
        m = _SEGMENT.match(seg)
        number = m.group(1)
        out[part["part_no"]] = parse_number(number, field=f"値（{part['label']}）").value if number else Decimal(1)
    return out


def normalize(entry: RawEntry, row: dict | None, parts: list[dict] | None, categories: list[dict],
              cycle_fy: int, last_value: Any = None) -> Normalized:
    """Normalize one entry against its indicator; a refusal becomes the frame row's input_error, never raises."""
    base = {"row_no": entry.row_no, "code": entry.code, "has_entry": not entry.is_blank(), "cycle_fy": cycle_fy}
    if row is None:
        return Normalized(entry, None, {}, {}, {**base, "name": shown(entry.code or ""), "stopped": False,
                                                "input_error": f"コード「{shown(entry.code or '')}」はこの担当課の指標ではありません",
                                                "input_field": "コード"})
    base.update({"indicator_id": row["indicator_id"], "value_id": row.get("value_id"), "name": row["name"],
                 "target_type": row["target_type"], "direction": row["direction"],
                 "baseline": _f(row.get("baseline_value")), "target": _f(row.get("target_value")),
                 "stopped": bool(row.get("stopped_in_cycle")), "last_value": _f(last_value)})
    fields: dict[str, Any] = {}
    part_values: dict[int, Decimal] = {}
    try:
        tt = row["target_type"]
        value_text = clean_text(entry.value, field="値", max_length=200)
        if tt == "qualitative":
            fields["qualitative_achieved"] = _qualitative(value_text or "")
        elif tt == "composite":
            part_values = _composite(value_text or "", parts or [])
        else:
            parsed = parse_number(value_text, unit=row.get("unit"), field="値")
            fields["value_number"] = parsed.value if parsed else None
        # Stored as the report prints it (5,445時間); what was typed stays in the intake batch as received.
        fields["value_text"] = (format_number(fields["value_number"], row.get("unit") or "")
                                if fields.get("value_number") is not None else value_text)
        fields["value_kind"] = _kind(entry.kind)
        period = clean_text(entry.period, field="時点・期間", max_length=100)
        fields["period_text"] = period
        fields["value_fy"] = _fy_in(period) or cycle_fy
        fields["reason"] = clean_text(entry.reason, field="要因", max_length=2000)
        fields["reason_category"] = _category(entry.reason_category, categories)
        fields["remark"] = clean_text(entry.remark, field="備考", max_length=1000)
    except InputError as exc:
        message = f"「{row['name']}」: {exc}"  # the person sees which indicator, which field, and what was typed
        return Normalized(entry, row["indicator_id"], {}, {}, {**base, "input_error": message, "input_field": exc.field})
    composite_rate = None
    if part_values:
        r = indicator_rate({**row, "value_number": None, "qualitative_achieved": None},
                           [{**p, "value_number": part_values.get(p["part_no"])} for p in parts or []])
        composite_rate = float(r.value) if r.value is not None else None
    frame_row = {**base, "value": _f(fields.get("value_number")), "qualitative_achieved": fields.get("qualitative_achieved"),
                 "kind": fields.get("value_kind"), "value_fy": fields.get("value_fy"), "reason": fields.get("reason"),
                 "category": fields.get("reason_category"), "composite_rate": composite_rate}
    return Normalized(entry, row["indicator_id"], fields, part_values, frame_row)


@functools.lru_cache(maxsize=4096)  # a workbook repeats a few periods (令和4年度, R4.10時点) on thousands of rows
def _fy_in(period: str | None) -> int | None:
    if not period or "年度" not in period:
        return None
    m = re.search(r"(令和|平成|R|H|FY)?\s*([0-9０-９元]{1,4})\s*年度", period)
    if not m:
        return None
    try:
        return parse_fiscal_year(m.group(0))
    except InputError:
        return None


def _f(v: Any) -> float | None:
    return None if v is None else float(v)

"""Display rows of evaluated indicators: Japanese headings, formatted figures, band and state labels."""
from __future__ import annotations

from collections import Counter

from kpi.domain.formatting import format_number, format_rate
from kpi.domain.workflow import STATE_LABELS_JA, State
from kpi.services.evaluation import Evaluated

NOT_STARTED = "未入力"
KIND_LABELS_JA = {"actual": "実績値", "projection": "見込値"}


def printed_target(row: dict) -> str:
    if row.get("target_text"):
        return row["target_text"]
    return format_number(row.get("target_value"), row.get("unit") or "")


def printed_baseline(row: dict) -> str:
    if row.get("baseline_text"):
        return row["baseline_text"]
    return format_number(row.get("baseline_value"), row.get("unit") or "") if row.get("baseline_value") is not None else "—"


def printed_value(row: dict) -> str:
    if row.get("value_text"):
        return row["value_text"]
    if row.get("value_number") is not None:
        return format_number(row["value_number"], row.get("unit") or "")
    return "—"


def state_label(row: dict) -> str:
    """The workflow state in Japanese, 未入力 when there is no value."""
    return STATE_LABELS_JA[State(row["state"])] if row.get("state") else NOT_STARTED


def indicator_rows(rows: list[Evaluated], with_department: bool = False) -> list[dict]:
    """One display row per indicator: figures as printed, rate, band, state and reason."""
    out = []
    for e in rows:
        r = e.row
        d = {"コード": r["code"], "柱": r["pillar_no"], "項目": r["item_no"], "指標": r["name"]}
        if with_department:
            d["担当課"] = r["department_name"]
        d.update({
            "基準値": printed_baseline(r),
            "目標値": printed_target(r),
            "値": printed_value(r),
            "区分": KIND_LABELS_JA.get(r.get("value_kind") or "", ""),
            "時点・期間": r.get("period_text") or r.get("value_label") or "",
            "達成率": format_rate(e.percent) if e.percent is not None else (e.rate.message_ja or "—"),
            "達成区分": e.band.label_ja if e.band else "—",
            "状態": "進捗管理停止" if r.get("stopped_in_cycle") else state_label(r),
            "要因": r.get("reason") or "",
        })
        out.append(d)
    return out


def state_counts(rows: list[Evaluated]) -> dict[str, int]:
    """How many indicators are in each workflow state (未入力 included), in workflow order."""
    c = Counter(state_label(e.row) for e in rows if not e.row.get("stopped_in_cycle"))
    order = [NOT_STARTED] + [STATE_LABELS_JA[s] for s in (State.DRAFT, State.SUBMITTED, State.HEAD_APPROVED,
                                                                 State.RETURNED, State.APPROVED)]
    return {label: c.get(label, 0) for label in order}


def value_records(rows: list[Evaluated], *, department: str | None = None, state: str | None = None) -> list[dict]:
    """Machine-readable value rows (for `kpi values`): state, rate and band with their keys and labels."""
    out = []
    for e in rows:
        r = e.row
        st = r.get("state") or "none"
        if department and r["department_code"] != department or state and st != state:
            continue
        out.append({
            "code": r["code"], "name": r["name"], "department": r["department_code"], "state": st,
            "state_ja": state_label(r), "version": r.get("version"), "value": r.get("value_number"),
            "value_text": r.get("value_text"), "kind": r.get("value_kind"),
            "rate_percent": e.percent, "rate_text": format_rate(e.percent) if e.percent is not None else "—",
            "band": e.band.value if e.band else None, "band_ja": e.band.label_ja if e.band else "—",
            "reason": r.get("reason"), "reason_category": r.get("reason_category"),
        })
    return out

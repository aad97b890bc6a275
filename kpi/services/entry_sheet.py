"""The entry page's data: a department's indicators for a cycle, what is saved, and live rates of typed input."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo
from pathlib import Path

import warehouse
from kpi.domain.approval_chain import ONE_LEVEL, ApprovalChain
from kpi.domain.bands import band_of
from kpi.domain.entry_prefill import Suggestion, suggestion
from kpi.domain.entry_hints import days_left_text, scale_slip
from kpi.domain.formatting import format_number, format_rate
from kpi.domain.roles import Role
from kpi.domain.workflow import STATE_LABELS_JA, State
from kpi.services.actors import Actor
from kpi.services.entries import RawEntry, normalize
from kpi.services.conflicts import change_text
from kpi.services.evaluation import indicator_rates
from kpi.services.listing import KIND_LABELS_JA, printed_baseline, printed_target
from kpi.services.permissions import Permission, check
from kpi.services.summaries import cycle_for
from warehouse import chains, changes, master, values


TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Line:
    """One indicator on the entry page."""

    code: str
    name: str
    pillar: str
    item: str
    unit: str | None
    target_type: str
    baseline: str
    target: str
    last_year: str
    state: str  # Japanese label, 未入力 when none
    state_key: str | None
    value_id: int | None
    version: int | None
    stopped: bool
    review_comment: str | None
    saved: RawEntry  # what is saved now, as text to prefill the form
    changed: str = ""  # who last changed the value and when (「editor-x が 2026-12-06 10:03 に保存」)
    suggested: Suggestion = Suggestion()  # last year's period moved on a year and reason category (never stored)
    same_entry: RawEntry | None = None  # what 「前年度と同じ値で確定」 saves: last year's approved value, as texts


@dataclass(frozen=True)
class Sheet:
    """A department's sheet for a cycle."""

    cycle: dict
    department: str
    department_name: str
    categories: list[dict]
    lines: list[Line]
    read: SheetRows | None = field(default=None, repr=False, compare=False)  # what live_rates rates against
    chain: ApprovalChain = field(default=ONE_LEVEL)  # the strategy's approval chain


@dataclass(frozen=True)
class SheetRows:
    """The rows a sheet was built from, kept so that the live rates of the same page run read nothing again: the
    department's indicator rows by code, composite parts by indicator id, last year's approved figures."""

    rows: dict[str, dict]
    parts: dict[int, list[dict]]
    last: dict


def saved_entry(row: dict, categories: dict[str, str]) -> RawEntry:
    """What is stored for an indicator row, as the texts the form and the workbook show."""
    if row.get("value_id") is None:
        return RawEntry(code=row["code"])
    value = row.get("value_text") or (format_number(row["value_number"]) if row.get("value_number") is not None else "")
    return RawEntry(code=row["code"], value=value or "", kind=KIND_LABELS_JA.get(row.get("value_kind") or "", ""),
                    period=row.get("period_text") or "", reason=row.get("reason") or "",
                    reason_category=categories.get(row.get("reason_category") or "", ""),
                    remark=row.get("remark") or "", expected_version=row.get("version"))


def sheet(actor: Actor, fiscal_year: int, department: str, db: Path | str | None = None,
          strategy: str | None = None) -> Sheet:
    """The department's indicators with saved values, last year's approved value and state (own departments only)."""
    check(actor, Permission.VIEW_UNAPPROVED, department)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year, strategy)
        by_code = values.cycle_rows_by_code(con, cycle["cycle_id"], department)
        rows = list(by_code.values())
        parts = values.parts_of(con, [r["indicator_id"] for r in rows], cycle["cycle_id"])
        last_rows = values.last_approved_rows(con, fiscal_year, [r["indicator_id"] for r in rows])
        chain = ApprovalChain.from_rows(chains.levels(con, cycle["strategy_id"]))
        categories = master.list_reason_categories(con)
        changed = changes.last_changes(con, [r["value_id"] for r in rows if r.get("value_id") is not None])
        dept_name = next((d["name"] for d in master.list_departments(con) if d["code"] == department), department)
    # one read of last year: the whole rows prefill the form, their last_number is the figure shown and rated
    last = {i: r["last_number"] for i, r in last_rows.items() if r["last_number"] is not None}
    names = {c["code"]: c["name"] for c in categories}
    lines = []
    for r in rows:
        state = State(r["state"]) if r.get("state") else None
        before = last_rows.get(r["indicator_id"])
        suggested, same = last_year_entries(before, names, r)
        lines.append(Line(
            code=r["code"], name=r["name"], pillar=f"{r['pillar_no']}.{r['pillar_name']}",
            item=f"{'①②③④⑤⑥⑦⑧⑨'[r['item_no'] - 1]} {r['item_name']}", unit=r.get("unit"),
            target_type=r["target_type"], baseline=printed_baseline(r), target=printed_target(r),
            last_year=format_number(last[r["indicator_id"]], r.get("unit") or "") if r["indicator_id"] in last else "—",
            state=STATE_LABELS_JA[state] if state else "未入力", state_key=state.value if state else None,
            value_id=r.get("value_id"), version=r.get("version"), stopped=bool(r.get("stopped_in_cycle")),
            review_comment=r.get("review_comment") if state is State.RETURNED or r.get("review_comment") else None,
            saved=saved_entry(r, names), changed=change_text(changed.get(r.get("value_id"))) if r.get("value_id") else "",
            suggested=suggested, same_entry=same,
        ))
    return Sheet(cycle, department, dept_name, categories, lines, SheetRows(by_code, parts, last), chain)


def last_year_entries(before: dict | None, names: dict[str, str], row: dict) -> tuple[Suggestion, RawEntry | None]:
    """From last year's approved value (None: there is none): the suggestion for the empty fields, and the entry that
    「前年度と同じ値で確定」 saves (last year's figure, kind, reason and category, the period moved on a year),
    sent against the version stored now."""
    if before is None:
        return Suggestion(), None
    last = saved_entry(before, names)
    hint = suggestion(before.get("period_text"), last.reason_category)
    same = replace(last, period=hint.period, remark="", expected_version=row.get("version")) if last.value else None
    return hint, same


def live_rates(s: Sheet, entries: list[RawEntry], db: Path | str | None = None) -> dict[str, tuple]:
    """Per code, (rate, band label, problem, slip) of what is typed now, by the domain rules; nothing is stored.
    slip: a warning when the figure looks off by ×100 / ×1000 against last year's approved value or the unit.

    Rated against the rows the sheet was read from (one read per page run); a sheet without them reads them."""
    if s.read is not None:
        rows, parts, last = s.read.rows, s.read.parts, s.read.last
    else:
        with warehouse.connect(db) as con:
            rows = values.cycle_rows_by_code(con, s.cycle["cycle_id"], s.department)
            ids = [rows[e.code]["indicator_id"] for e in entries if e.code in rows]
            parts = values.parts_of(con, ids, s.cycle["cycle_id"])
            last = values.last_approved_before(con, s.cycle["fiscal_year"], ids)
    shown, slips, pending = {}, {}, []
    for i, e in enumerate(entries):
        row = rows.get(e.code)
        measured = measured_of(row, parts.get(row["indicator_id"]) if row else None, s, e)
        if len(measured) == 2:  # the figures to rate, all in one frame below
            pending.append((i, *measured))
        else:
            shown[i] = measured
        number = _typed_number(row, e, s) if row is not None else None
        slips[i] = scale_slip(number, last.get(row["indicator_id"]) if row else None, row and row.get("unit"))
    for (i, _, _), rate in zip(pending, indicator_rates([m for _, m, _ in pending], [p for _, _, p in pending])):
        shown[i] = shown_rate(rate)
    return {e.code: shown[i] + (slips[i],) for i, e in enumerate(entries)}


def _typed_number(row: dict, entry: RawEntry, s: Sheet):
    if entry.is_blank() or not (entry.value or "").strip() or row["target_type"] in ("qualitative", "composite"):
        return None
    return normalize(entry, row, None, s.categories, s.cycle["fiscal_year"]).fields.get("value_number")


def measured_of(row: dict | None, parts, s: Sheet, entry: RawEntry) -> tuple:
    """Pure part of live_rates: the entry normalized, as (rate, band, problem) shown when nothing can be rated, else
    (the row with the typed figure, its parts with theirs) to rate."""
    if row is None or entry.is_blank() or not (entry.value or "").strip():
        return "—", "—", None
    n = normalize(entry, row, parts, s.categories, s.cycle["fiscal_year"])
    if n.frame_row.get("input_error"):
        return "—", "—", n.frame_row["input_error"]
    measured = {**row, "value_number": n.fields.get("value_number"),
                "qualitative_achieved": n.fields.get("qualitative_achieved")}
    return measured, [{**p, "value_number": n.parts.get(p["part_no"])} for p in parts or []]


def shown_rate(rate) -> tuple[str, str, str | None]:
    """(rate, band label, why there is no rate) of a typed figure's rate."""
    band = band_of(rate)
    if rate.value is None:
        return "—", band.label_ja if band else "—", rate.message_ja
    return format_rate(rate.percent), band.label_ja if band else "—", None


_GROUPS = (("returned", "差戻し（コメントを確認して直し、提出してください）"), (None, "未入力"), ("draft", "下書き（未提出）"),
           ("submitted", "提出済（審査中）"), ("head_approved", "所属長承認済（課の審査待ち）"), ("approved", "承認済"))


def work_order(lines: list[Line]) -> list[tuple[str, list[Line]]]:
    """The lines grouped as the editor works through them: returned first, then unentered, then drafts, then the
    submitted, approved and stopped ones; each group in the sheet's order, empty groups left out."""
    groups = [(label, [ln for ln in lines if not ln.stopped and ln.state_key == key]) for key, label in _GROUPS]
    groups.append(("進捗管理を停止している指標", [ln for ln in lines if ln.stopped]))
    return [(label, members) for label, members in groups if members]


def chain_counts(s: Sheet) -> list[tuple[str, int]]:
    """What the department still owes across the approval chain, as (label, count) in the chain's order: 未入力,
    下書き, 差戻し, 所属長承認待ち (a chain with the head level), 課の審査待ち, 承認済; stopped indicators left out."""
    states = [ln.state_key for ln in s.lines if not ln.stopped]
    n = states.count
    head = s.chain.name_of(Role.DEPT_HEAD) if s.chain.has_head else None
    division = "課の審査待ち"
    counts = [("未入力", n(None)), ("下書き", n("draft")), ("差戻し", n("returned"))]
    if head:
        counts.append((f"{head}承認待ち", n("submitted")))
        counts.append((division, n("head_approved")))
    else:
        counts.append((division, n("submitted") + n("head_approved")))
    return counts + [("承認済", n("approved"))]


def deadline_text(cycle: dict, today: date | None = None) -> str | None:
    """The cycle's submission deadline and the days left, in Japan time (None when the cycle has no deadline)."""
    return days_left_text(cycle.get("deadline"), today or datetime.now(TOKYO).date())

"""Reminders of owed confirmations (見込 → 確定): what each department owes of the year that accepts 確定値
(kpi.domain.confirmations.accepting_year, the latest closed or finalized year), the mail that lists it, and when
it is due. kpi.services.reminders stores the notices, audits them and sends the mail with the value reminders.

Who gets what, per department:
- its editors (audience 'editors'): the 確定値 not entered (未入力), saved as a draft, or returned (差戻し);
- its head(s) (audience 'heads'): the 確定値 submitted and waiting for the 所属長 (a chain with the head level);
- a 確定値 waiting for the division (所属長承認済, or 提出済 in a one-level chain) sends the department nothing.

When (dates in Asia/Tokyo): a manual run (今すぐ督促, `kpi remind`) reminds every department that owes; a
scheduled run (the daily flow, `kpi remind --scheduled`) reminds a department the first time it owes and then
every INTERVAL_DAYS days while it still owes. Never twice a day: at most one notice per cycle, department,
audience and day (reminder_notices' key), so a rerun the same day sends nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from kpi.domain.confirmations import accepting_year
from kpi.domain.formatting import fiscal_year_ja, format_number
from kpi.domain.permissions import Permission, in_cycle_state
from kpi.domain.roles import Role
from kpi.services.approval_chain import chain_of
from kpi.services.reconciliation import asks_confirmation
from warehouse import confirmations as store
from warehouse import master
from warehouse import reminders as repo

INTERVAL_DAYS = 7  # a scheduled run reminds a department again after this many days while it still owes
KIND = "confirm"
AUDIENCE_LABELS = {"editors": "担当者あて", "heads": "所属長あて"}
ITEM_LABELS = {"none": "未入力", "draft": "下書きのまま未提出", "returned": "差戻し", "submitted": "所属長の承認待ち"}


@dataclass(frozen=True)
class Owed:
    """One 確定値 a department owes: the indicator, its projection as published (with its unit) and its state."""

    code: str
    name: str
    projection: str  # 「7件（R3年度末見込値）」
    state: str  # 'none' | 'draft' | 'returned' | 'submitted'
    comment: str | None = None
    confirmed: str | None = None  # the 確定値 entered (a submitted one, for the head)

    @property
    def label(self) -> str:
        return ITEM_LABELS[self.state]


@dataclass(frozen=True)
class OwedList:
    """What one department owes of a year's confirmations, for one audience."""

    cycle_id: int
    fiscal_year: int
    department_code: str
    department_name: str
    audience: str  # 'editors' | 'heads'
    items: tuple[Owed, ...]
    head_name: str = "所属長"  # the head level's name in the strategy's chain

    @property
    def missing(self) -> int:
        """Not yet with the approvers: 未入力 and 下書き (editors), or waiting for the head (heads)."""
        return sum(1 for i in self.items if i.state != "returned")

    @property
    def returned(self) -> int:
        return sum(1 for i in self.items if i.state == "returned")

    @property
    def counts_text(self) -> str:
        if self.audience == "heads":
            return f"{self.head_name}の承認待ち{self.missing}件"
        return f"未入力・下書き{self.missing}件・差戻し{self.returned}件"

    def lines(self) -> tuple[str, ...]:
        """Each 確定値 owed, as one Japanese line: 「P1-1-02 指標名（未入力）公表時: 7件（R3年度末見込値）」."""
        return tuple(f"{i.code} {i.name}（{i.label}）公表時: {i.projection}" for i in self.items)

    def items_json(self) -> str:
        return json.dumps([{"code": i.code, "name": i.name, "state": i.state, "label": i.label,
                            "comment": i.comment, "projection": i.projection} for i in self.items],
                          ensure_ascii=False)


def label(fiscal_year: int, audience: str) -> str:
    """How a notice of kind 'confirm' is named: 「確定値の督促（令和3年度・担当者あて）」."""
    return f"確定値の督促（{fiscal_year_ja(fiscal_year)}・{AUDIENCE_LABELS[audience]}）"


def projection_text(row: dict) -> str:
    """The value as published, with its unit and its label: 「7件（R3年度末見込値）」."""
    text = row["value_text"] or (format_number(row["value_number"], row["unit"] or "")
                                 if row.get("value_number") is not None else "—")
    return f"{text}（{row['value_label'] or '見込値'}）"


def group_owed(rows: list[dict], has_head: dict[int, bool], head_names: dict[int, str] | None = None
               ) -> list[OwedList]:
    """Rows of warehouse.confirmations.approved_values (one cycle) → per department and audience what it owes
    (report order kept); has_head: per strategy id, whether its chain has the head level."""
    lists: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        if not asks_confirmation(r):
            continue
        state = r["k_state"] or "none"
        if state in ("none", "draft", "returned"):
            audience = "editors"
        elif state == "submitted" and has_head[r["strategy_id"]]:
            audience = "heads"
        else:
            continue  # waiting for the division, or approved
        entry = lists.setdefault((r["department_code"], audience), {
            "cycle_id": r["cycle_id"], "fiscal_year": r["fiscal_year"], "name": r["department_name"], "items": [],
            "head": (head_names or {}).get(r["strategy_id"], "所属長")})
        entry["items"].append(Owed(r["code"], r["name"], projection_text(r), state,
                                   r["k_comment"] if state == "returned" else None, r["k_text"]))
    return [OwedList(e["cycle_id"], e["fiscal_year"], dept, e["name"], audience, tuple(e["items"]), e["head"])
            for (dept, audience), e in lists.items()]


def due(last_sent: date | None, today: date, manual: bool) -> bool:
    """Is a department's owed-confirmation reminder (for one audience) due today, given the day of its last one?"""
    if last_sent is not None and last_sent >= today:
        return False  # never twice a day
    return manual or last_sent is None or (today - last_sent).days >= INTERVAL_DAYS


def compose(ol: OwedList, app_url: str | None = None) -> tuple[str, str]:
    """The subject and body (Japanese) of a department's owed-confirmation reminder."""
    era = fiscal_year_ja(ol.fiscal_year)
    if ol.audience == "heads":
        subject = f"【確定値の承認依頼】{era} 見込値・速報値の確定値（{ol.department_name} {ol.counts_text}）"
        lines = [f"{ol.department_name} {ol.head_name}様", "",
                 f"{era}に見込値・速報値として公表した次の指標の確定値が提出され、{ol.head_name}の承認を待っています。"
                 "内容を確認し、承認または差戻しをお願いします。", "",
                 f"■ {ol.head_name}の承認待ち（{ol.missing}件）"]
        lines += [f"・{i.code} {i.name} — 公表時: {i.projection} → 確定値: {i.confirmed or '—'}" for i in ol.items]
        lines.append("")
    else:
        subject = f"【確定値の督促】{era} 見込値・速報値の確定値の入力のお願い（{ol.department_name} {ol.counts_text}）"
        lines = [f"{ol.department_name} 入力ご担当者様", "",
                 f"{era}に見込値・速報値として公表した次の指標について、確定値を確定日・出典とともに入力し、"
                 "提出してください（公表済みの見込値はそのまま残ります）。", ""]
        pending = [i for i in ol.items if i.state != "returned"]
        returned = [i for i in ol.items if i.state == "returned"]
        if pending:
            lines.append(f"■ 確定値の未入力・未提出（{len(pending)}件）")
            lines += [f"・{i.code} {i.name} — 公表時: {i.projection}（{i.label}）" for i in pending]
            lines.append("")
        if returned:
            lines.append(f"■ 差戻し（{len(returned)}件）: コメントを確認し、修正のうえ再提出してください")
            lines += [f"・{i.code} {i.name} — 公表時: {i.projection}" + (f" — コメント: {i.comment}" if i.comment else "")
                      for i in returned]
            lines.append("")
    if app_url:
        lines.append(f"{'所属長承認' if ol.audience == 'heads' else '入力'}画面: {app_url}")
    lines += ["このメールは成果指標 進捗管理システムから自動送信されています。", "行政改革推進課"]
    return subject, "\n".join(lines) + "\n"


def accepting_cycles(con) -> list[dict]:
    """The cycles of the year that accepts confirmations (none while no year is finished), on an open connection."""
    cycles = master.list_cycles(con)
    year = accepting_year(cycles)
    return [c for c in cycles if c["fiscal_year"] == year and in_cycle_state(Permission.CONFIRM, c["state"])]


def owed_lists(con, cycle: dict, departments: set[str] | None = None) -> list[OwedList]:
    """What each department owes of the cycle's confirmations, per audience (only these departments, if given)."""
    rows = [r for r in store.approved_values(con, cycle["cycle_id"])
            if departments is None or r["department_code"] in departments]
    chains = {sid: chain_of(con, sid) for sid in {r["strategy_id"] for r in rows}}
    return group_owed(rows, {sid: c.has_head for sid, c in chains.items()},
                      {sid: c.name_of(Role.DEPT_HEAD) if c.has_head else "所属長" for sid, c in chains.items()})


def due_notices(con, cycle: dict, manual: bool, today: date, departments: set[str] | None,
                app_url: str | None) -> tuple[list[tuple[dict, str, tuple[str, ...], str]], list[tuple[str, str]]]:
    """The owed-confirmation notices of a cycle due today, each as (reminder_notices row without its mail status
    and recipients, department name, e-mail addresses, what it lists in Japanese), and the departments skipped
    because they had theirs today, as (name, why)."""
    history = repo.sent_notices(con, cycle["cycle_id"])
    done_today = {(h["department_code"], h["audience"]) for h in history if h["notice_date"] == today}
    last = last_sent(history)
    addresses = {"editors": repo.editor_addresses(con), "heads": repo.editor_addresses(con, "dept_head")}
    due_now, skipped = [], []
    for ol in owed_lists(con, cycle, departments):
        if (ol.department_code, ol.audience) in done_today:
            skipped.append((ol.department_name, f"{fiscal_year_ja(ol.fiscal_year)}の確定値は本日督促済みです"))
            continue
        if not due(last.get((ol.department_code, ol.audience)), today, manual):
            continue
        subject, body = compose(ol, app_url)
        to = tuple(e["email"] for e in addresses[ol.audience].get(ol.department_code, ()) if e["email"])
        due_now.append(({"cycle_id": ol.cycle_id, "department_code": ol.department_code, "notice_date": today,
                         "kind": KIND, "audience": ol.audience, "fiscal_year": ol.fiscal_year, "subject": subject,
                         "body": body, "missing_count": ol.missing, "returned_count": ol.returned,
                         "items_json": ol.items_json(), "item_lines": ol.lines()}, ol.department_name, to,
                        ol.counts_text))
    return due_now, skipped


def last_sent(history: list[dict]) -> dict[tuple[str, str], date]:
    """Per (department, audience): the day of the latest notice of kind 'confirm' in a cycle's history."""
    out: dict[tuple[str, str], date] = {}
    for h in history:
        if h["kind"] == KIND:
            key = (h["department_code"], h["audience"])
            out[key] = max(out.get(key, h["notice_date"]), h["notice_date"])
    return out


__all__ = ["Owed", "OwedList", "INTERVAL_DAYS", "KIND", "AUDIENCE_LABELS", "label", "group_owed", "due", "compose",
           "accepting_cycles", "owed_lists", "due_notices", "last_sent", "projection_text"]

"""Reminders (督促): who is missing what in an open cycle, the per-cycle schedule settings, and sending a notice to
each department that still owes values — stored for the entry page's banner and e-mailed to the department's
editors when SMTP settings exist (kpi.services.mailer).

When reminders go out (dates in Asia/Tokyo):
- 'before': from `days_before` days before the deadline until the deadline, once per department;
- 'after': from `days_after` days after the deadline, once per department, while the cycle is still open;
- 'manual': whenever a reviewer presses 今すぐ督促.
At most one notice per cycle, department and day, so a rerun on the same day sends nothing twice.
A department that owes nothing gets nothing. Owing means: not entered, saved as a draft but not submitted, or
returned by the reviewer. The same runs remind departments of the 確定値 they owe for the year that accepts them
(見込 → 確定; what, to whom and when: kpi.services.confirmation_reminders), as notices of kind 'confirm'.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.formatting import fiscal_year_ja
from kpi.services import confirmation_reminders as owed_mail
from kpi.services import mailer
from kpi.services.actors import Actor, Forbidden
from kpi.services.permissions import Permission, allowed, check
from kpi.services.summaries import NotFound, cycle_for
from warehouse import audit
from warehouse import reminders as repo

Db = Path | str | None
TOKYO = ZoneInfo("Asia/Tokyo")
DAYS_MAX = 90
KIND_LABELS = {"before": "締切前の督促", "after": "締切後の督促", "manual": "今すぐ督促", "confirm": "確定値の督促"}
MAIL_LABELS = {"pending": "送信待ち", "sent": "送信済", "no_smtp": "メール未設定（画面通知のみ）",
               "no_address": "宛先なし（画面通知のみ）", "failed": "送信失敗"}
ITEM_LABELS = {"none": "未入力", "draft": "下書きのまま未提出", "returned": "差戻し"}
_ENV_SMTP = object()  # sentinel: read the SMTP settings from the environment


class ReminderError(ValueError):
    """A setting or request the service refuses; str() is a Japanese sentence naming the field."""


def today_jst() -> date:
    """Today's date in Japan (the schedules and deadlines are Japanese dates)."""
    return datetime.now(TOKYO).date()


def date_ja(d: date | None) -> str:
    """2022-12-16 → 2022年12月16日."""
    return "未設定" if d is None else f"{d.year}年{d.month}月{d.day}日"


# ---- pure decisions --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One indicator a department still owes."""

    code: str
    name: str
    state: str  # 'none' | 'draft' | 'returned'
    comment: str | None = None

    @property
    def label(self) -> str:
        return ITEM_LABELS[self.state]


@dataclass(frozen=True)
class DepartmentList:
    """What one department still owes in a cycle."""

    department_code: str
    department_name: str
    missing: tuple[Item, ...]  # not entered, or a draft not submitted
    returned: tuple[Item, ...]

    @property
    def owes(self) -> bool:
        return bool(self.missing or self.returned)


def group_outstanding(rows: list[dict[str, Any]]) -> list[DepartmentList]:
    """Rows of warehouse.reminders.outstanding → one list per department (department order kept)."""
    by_dept: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = by_dept.setdefault(r["department_code"], {"name": r["department_name"], "missing": [], "returned": []})
        item = Item(r["code"], r["name"], r["state"], r.get("review_comment") if r["state"] == "returned" else None)
        d["returned" if r["state"] == "returned" else "missing"].append(item)
    return [DepartmentList(code, d["name"], tuple(d["missing"]), tuple(d["returned"])) for code, d in by_dept.items()]


def due_kind(deadline: date | None, days_before: int, days_after: int, today: date, sent: set[str]) -> str | None:
    """Which scheduled reminder a department is due today ('before', 'after' or None), given the kinds it has had."""
    if deadline is None:
        return None
    if deadline - timedelta(days=days_before) <= today <= deadline and "before" not in sent:
        return "before"
    if today >= deadline + timedelta(days=days_after) and "after" not in sent:
        return "after"
    return None


def compose(cycle: dict[str, Any], dl: DepartmentList, kind: str, app_url: str | None = None) -> tuple[str, str]:
    """The subject and body (Japanese) of a department's reminder."""
    era = fiscal_year_ja(cycle["fiscal_year"])
    deadline = date_ja(cycle.get("deadline"))
    counts = f"未提出{len(dl.missing)}件・差戻し{len(dl.returned)}件"
    head = "【締切超過】" if kind == "after" else "【督促】"
    subject = f"{head}{era} 成果指標の提出のお願い（{dl.department_name} {counts}）"
    if kind == "after":
        lead = f"提出の締切（{deadline}）を過ぎましたが、次の指標がまだ提出されていません。至急、入力・提出をお願いします。"
    else:
        lead = f"{era}の成果指標の進捗調査の締切は{deadline}です。次の指標の入力・提出をお願いします。"
    lines = [f"{dl.department_name} 入力ご担当者様", "", lead, ""]
    if dl.missing:
        lines.append(f"■ 未提出（{len(dl.missing)}件）")
        lines += [f"・{i.code} {i.name}（{i.label}）" for i in dl.missing]
        lines.append("")
    if dl.returned:
        lines.append(f"■ 差戻し（{len(dl.returned)}件）: 審査担当のコメントを確認し、修正のうえ再提出してください")
        lines += [f"・{i.code} {i.name}" + (f" — コメント: {i.comment}" if i.comment else "") for i in dl.returned]
        lines.append("")
    if app_url:
        lines.append(f"入力画面: {app_url}")
    lines += ["このメールは成果指標 進捗管理システムから自動送信されています。", "行政改革推進課"]
    return subject, "\n".join(lines) + "\n"


# ---- reading ---------------------------------------------------------------------------------------------------

def _check_reviewer(actor: Actor, what: str) -> None:
    check(actor, Permission.REMIND, what=what)


def _cycle_with_settings(con, fiscal_year: int, strategy: str | None = None) -> dict[str, Any]:
    cycle = cycle_for(con, fiscal_year, strategy)
    for c in repo.cycles_with_settings(con):
        if c["cycle_id"] == cycle["cycle_id"]:
            return {**cycle, **c}
    raise NotFound(f"{fiscal_year}年度の集計サイクルがありません")


def who_owes_what(actor: Actor, fiscal_year: int, *, db: Db = None) -> list[DepartmentList]:
    """Reviewers and administrators: each department's missing and returned values in a cycle."""
    _check_reviewer(actor, "督促状況の閲覧")
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        return group_outstanding(repo.outstanding(con, cycle["cycle_id"]))


def cycles(actor: Actor, *, state: str | None = "open", db: Db = None) -> list[dict[str, Any]]:
    """Cycles (open ones by default) with their deadline and reminder settings."""
    _check_reviewer(actor, "督促設定の閲覧")
    with warehouse.connect(db) as con:
        return repo.cycles_with_settings(con, state)


def notices(actor: Actor, fiscal_year: int, *, department: str | None = None, db: Db = None) -> list[dict[str, Any]]:
    """Notices sent in a cycle, newest first, with Japanese labels; editors see only their departments'."""
    if not allowed(actor, Permission.REMIND):
        if department is None or not allowed(actor, Permission.VIEW_UNAPPROVED, department):
            raise Forbidden("担当外の所属の督促は閲覧できません")
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        rows = repo.list_notices(con, cycle["cycle_id"], department)
    for r in rows:
        r["kind_label"] = (owed_mail.label(fiscal_year, r["audience"]) if r["kind"] == owed_mail.KIND
                           else KIND_LABELS[r["kind"]])
        r["mail_label"] = MAIL_LABELS[r["mail_status"]]
        r["items"] = json.loads(r["items_json"])
    return rows


def banner(actor: Actor, fiscal_year: int, department: str, *, db: Db = None) -> str | None:
    """The entry page's notice for a department: the latest reminder of an open cycle while the department still
    owes values (with today's counts), else None."""
    if not allowed(actor, Permission.VIEW_UNAPPROVED, department):
        return None
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        if cycle["state"] != "open":
            return None
        latest = repo.list_notices(con, cycle["cycle_id"], department, limit=1)
        if not latest:
            return None
        now = group_outstanding(repo.outstanding(con, cycle["cycle_id"], department))
    if not now:
        return None
    n = latest[0]
    dl = now[0]
    overdue = cycle.get("deadline") is not None and today_jst() > cycle["deadline"]
    when = "締切を過ぎています。至急" if overdue else f"締切（{date_ja(cycle.get('deadline'))}）までに"
    return (f"行政改革推進課からの督促（{date_ja(n['notice_date'])}）: {when}入力・提出をお願いします。"
            f"現在、未提出 {len(dl.missing)}件・差戻し {len(dl.returned)}件です。")


# ---- settings --------------------------------------------------------------------------------------------------

def _days(value: Any, field_name: str, low: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ReminderError(f"{field_name}は{low}〜{DAYS_MAX}の整数で入力してください") from None
    if not low <= n <= DAYS_MAX:
        raise ReminderError(f"{field_name}は{low}〜{DAYS_MAX}の整数で入力してください（入力: {n}）")
    return n


def update_settings(actor: Actor, fiscal_year: int, *, days_before: int, days_after: int, auto_close: bool,
                    db: Db = None) -> dict[str, Any]:
    """Set when a cycle's reminders go out and whether it closes by itself at the deadline (audited)."""
    _check_reviewer(actor, "督促設定の変更")
    before = _days(days_before, "締切前の督促（日前）", 0)
    after = _days(days_after, "締切後の督促（日後）", 1)
    with warehouse.transaction(db) as con:
        cycle = _cycle_with_settings(con, fiscal_year)
        repo.save_settings(con, cycle["cycle_id"], days_before=before, days_after=after,
                           auto_close=bool(auto_close), login=actor.login)
        old = f"days_before={cycle['days_before']} days_after={cycle['days_after']} auto_close={cycle['auto_close']}"
        new = f"days_before={before} days_after={after} auto_close={bool(auto_close)}"
        audit.record(con, AuditEvent(actor=actor.login, role=actor.primary_role.value,
                                     action="update_reminder_settings", entity="cycle",
                                     entity_id=str(cycle["cycle_id"]), cycle_id=cycle["cycle_id"],
                                     old_value=old, new_value=new))
        return _cycle_with_settings(con, fiscal_year)


# ---- sending ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    """One notice stored (and perhaps e-mailed)."""

    notice_id: int
    department_code: str
    department_name: str
    kind: str
    subject: str
    missing: int
    returned: int
    recipients: tuple[str, ...]
    mail_status: str
    mail_error: str | None = None
    fiscal_year: int | None = None  # the year a 'confirm' notice is about
    audience: str = "editors"  # 'heads': an owed-confirmation notice to the department's head(s)
    counts: str = ""  # what it lists, in Japanese (未提出3件・差戻し1件)
    items: tuple[str, ...] = ()  # a 'confirm' notice's 確定値, one Japanese line each (code, name, state, as published)

    @property
    def kind_label(self) -> str:
        return owed_mail.label(self.fiscal_year, self.audience) if self.kind == owed_mail.KIND else KIND_LABELS[self.kind]


@dataclass
class RemindResult:
    """What one reminder run did: the value notices of one cycle and the owed-confirmation notices (見込 → 確定)."""

    fiscal_year: int
    today: date
    sent: list[Sent] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (department name, why in Japanese)
    confirmations: list[Sent] = field(default_factory=list)
    confirmations_skipped: list[tuple[str, str]] = field(default_factory=list)
    values: bool = True  # False: the year's cycle is not open, only its owed confirmations were reminded

    def rows(self) -> list[dict[str, Any]]:
        """Display rows (Japanese headers) for the page and the flow's artifact."""
        return [{"担当課": s.department_name, "種別": s.kind_label, "未提出": s.missing, "差戻し": s.returned,
                 "内容": s.counts, "宛先": ", ".join(s.recipients) or "—", "メール": MAIL_LABELS[s.mail_status],
                 "備考": s.mail_error or ""} for s in self.sent + self.confirmations]


def _items_json(dl: DepartmentList) -> str:
    return json.dumps([{"code": i.code, "name": i.name, "state": i.state, "label": i.label, "comment": i.comment}
                       for i in dl.missing + dl.returned], ensure_ascii=False)


def _store(con, actor: Actor, row: dict[str, Any], department_name: str, to: tuple[str, ...], settings: Any,
           counts: str) -> tuple[Sent, str]:
    """Store one notice (row: reminder_notices' columns but mail_status and recipients) with its audit row."""
    status = "no_smtp" if settings is None else ("no_address" if not to else "pending")
    notice_id = repo.insert_notice(con, {**row, "recipients": ", ".join(to), "mail_status": status,
                                         "created_by": actor.login})
    sent = Sent(notice_id, row["department_code"], department_name, row["kind"], row["subject"],
                row["missing_count"], row["returned_count"], to, status, fiscal_year=row.get("fiscal_year"),
                audience=row.get("audience", "editors"), counts=counts, items=tuple(row.get("item_lines", ())))
    audit.record(con, AuditEvent(
        actor=actor.login, role=actor.primary_role.value, action="remind", entity="department",
        entity_id=row["department_code"], cycle_id=row["cycle_id"], comment=sent.kind_label, new_value=counts))
    return sent, row["body"]


def remind(actor: Actor, fiscal_year: int, *, manual: bool = False, today: date | None = None,
           smtp: Any = _ENV_SMTP, departments: set[str] | None = None, db: Db = None,
           strategy: str | None = None) -> RemindResult:
    """Store a notice for every department that owes values and is due one today, then e-mail its editors; and
    the same for the 確定値 departments owe (見込 → 確定, kpi.services.confirmation_reminders).

    An open cycle: its values, and the confirmations of the year that accepts them. The year that accepts
    confirmations (the latest closed or finalized one): its confirmations only. Any other year is refused.
    Scheduled (manual=False): only departments due a 'before' or 'after' reminder today (see the module doc).
    Manual: every department that owes values, except those already reminded today. `smtp` is a
    mailer.SmtpSettings, None for no e-mail, or (default) the KPI_SMTP_* environment. `departments`: only these
    department codes (the 回収状況 page's per-department button).
    """
    _check_reviewer(actor, "督促")
    today = today or today_jst()
    settings = mailer.settings_from_env() if smtp is _ENV_SMTP else smtp
    result = RemindResult(fiscal_year, today)
    outgoing: list[tuple[Sent, str]] = []
    with warehouse.transaction(db) as con:
        cycle = _cycle_with_settings(con, fiscal_year, strategy)
        result.values = cycle["state"] == "open"
        confirming = [c for c in owed_mail.accepting_cycles(con) if result.values or c["cycle_id"] == cycle["cycle_id"]]
        if not (result.values or confirming):
            raise ReminderError(f"{cycle['label']}は受付中ではなく、確定値の受付年度でもないため、督促はできません")
        if result.values:
            outgoing += _value_notices(con, actor, cycle, manual, today, departments, settings, result)
        for c in confirming:
            due, skipped = owed_mail.due_notices(con, c, manual, today, departments, os.environ.get("KPI_APP_URL"))
            outgoing += [_store(con, actor, row, name, to, settings, counts) for row, name, to, counts in due]
            result.confirmations_skipped += skipped
    # E-mail after the notices are committed: the warehouse is never held while an SMTP server answers.
    for sent, body in outgoing:
        if sent.mail_status == "pending":
            try:
                mailer.send(settings, list(sent.recipients), sent.subject, body)
                sent = replace(sent, mail_status="sent")
            except mailer.MailError as exc:
                sent = replace(sent, mail_status="failed", mail_error=str(exc))
            with warehouse.transaction(db) as con:
                repo.set_mail_status(con, sent.notice_id, sent.mail_status, sent.mail_error)
        (result.confirmations if sent.kind == owed_mail.KIND else result.sent).append(sent)
    return result


def _value_notices(con, actor: Actor, cycle: dict, manual: bool, today: date, departments: set[str] | None,
                   settings: Any, result: RemindResult) -> list[tuple[Sent, str]]:
    """Store the value notices of an open cycle due today."""
    history = repo.sent_notices(con, cycle["cycle_id"])
    kinds: dict[str, set[str]] = {}
    for h in history:
        kinds.setdefault(h["department_code"], set()).add(h["kind"])
    today_done = {h["department_code"] for h in history if h["notice_date"] == today}
    editors = repo.editor_addresses(con)
    out = []
    for dl in group_outstanding(repo.outstanding(con, cycle["cycle_id"])):
        if departments is not None and dl.department_code not in departments:
            continue
        if dl.department_code in today_done:
            result.skipped.append((dl.department_name, "本日は督促済みです"))
            continue
        kind = "manual" if manual else due_kind(cycle["deadline"], cycle["days_before"], cycle["days_after"],
                                                today, kinds.get(dl.department_code, set()))
        if kind is None:
            continue
        subject, body = compose(cycle, dl, kind, os.environ.get("KPI_APP_URL"))
        to = tuple(e["email"] for e in editors.get(dl.department_code, ()) if e["email"])
        out.append(_store(con, actor, {
            "cycle_id": cycle["cycle_id"], "department_code": dl.department_code, "notice_date": today,
            "kind": kind, "subject": subject, "body": body, "missing_count": len(dl.missing),
            "returned_count": len(dl.returned), "items_json": _items_json(dl)}, dl.department_name, to, settings,
            f"未提出{len(dl.missing)}件・差戻し{len(dl.returned)}件"))
    return out


def open_fiscal_years(*, db: Db = None) -> list[int]:
    """Fiscal years with an open cycle (for the scheduled flows; no actor: nothing is shown to anyone)."""
    with warehouse.connect(db) as con:
        return sorted({c["fiscal_year"] for c in repo.cycles_with_settings(con, "open")})


def reminder_fiscal_years(*, db: Db = None) -> list[int]:
    """The years a scheduled reminder run covers: each open cycle's (its values, and the owed confirmations),
    or, with no cycle open, the year that accepts confirmations (its owed confirmations)."""
    with warehouse.connect(db) as con:
        return (sorted({c["fiscal_year"] for c in repo.cycles_with_settings(con, "open")})
                or sorted({c["fiscal_year"] for c in owed_mail.accepting_cycles(con)}))


def cycles_to_close(*, today: date | None = None, db: Db = None) -> list[dict[str, Any]]:
    """Open cycles set to close automatically whose deadline has passed (the deadline day itself still counts)."""
    today = today or today_jst()
    with warehouse.connect(db) as con:
        return [c for c in repo.cycles_with_settings(con, "open")
                if c["auto_close"] and c["deadline"] is not None and today > c["deadline"]]


__all__ = ["Item", "DepartmentList", "RemindResult", "Sent", "ReminderError", "group_outstanding", "due_kind",
           "compose", "who_owes_what", "cycles", "notices", "banner", "update_settings", "remind",
           "open_fiscal_years", "reminder_fiscal_years", "cycles_to_close", "today_jst", "date_ja", "KIND_LABELS",
           "MAIL_LABELS"]

"""Scheduled flows of a running year: the nightly validation of every open cycle, the reminders to departments
(values of the open cycles, and the 確定値 owed for the year that accepts them), and closing a cycle at its
deadline when the division chose automatic closing. Thin wrappers: the decisions live in kpi.services.reminders
and kpi.services.cycles; each run leaves a table artifact in the Prefect UI.

These flows are deployments anyone who reaches the Prefect API could start, so they take no parameters at all:
the day is the server's clock in Japan time (reminders.today_jst), the warehouse is the serving process's
configuration ($KPI_DB), and a run acts only as the scheduler. A run created with invented parameters is refused
by Prefect before the flow starts. Artifacts carry counts and codes, never e-mail addresses or typed values.
"""
from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.collect import publish_findings, validate_cycle
from kpi.services import cycles, reminders
from kpi.services.actors import SYSTEM, Actor

# The scheduled flows act as this account in the audit trail.
SCHEDULER = Actor("scheduler", "自動処理（スケジュール）", SYSTEM.roles)


@flow(name="validate_open_cycles", log_prints=True)
def validate_open_cycles() -> list[dict]:
    """Run validate_cycle (as a subflow) for every open cycle of the configured warehouse."""
    years = reminders.open_fiscal_years()
    if not years:
        print("受付中の集計サイクルはありません")
    return [validate_cycle(fy) for fy in years]


@task(cache_policy=NO_CACHE)
def remind_cycle(fiscal_year: int, today: date) -> reminders.RemindResult:
    """Store and e-mail the notices of one cycle that are due today (its values when open, and the owed
    confirmations of the year that accepts them)."""
    return reminders.remind(SCHEDULER, fiscal_year, manual=False, today=today)


def artifact_rows(result: reminders.RemindResult) -> list[dict]:
    """What a reminder run shows in the Prefect UI: department codes, kinds and counts (no addresses, no text)."""
    return [{"担当課コード": s.department_code, "種別": s.kind_label, "未提出": s.missing,
             "差戻し": s.returned, "宛先数": len(s.recipients), "メール": reminders.MAIL_LABELS[s.mail_status]}
            for s in result.sent + result.confirmations]


def _summary(s: reminders.Sent) -> dict:
    return {"department": s.department_code, "kind": s.kind, "missing": s.missing, "returned": s.returned,
            "recipients": len(s.recipients), "mail_status": s.mail_status}


@flow(name="remind_departments", log_prints=True)
def remind_departments() -> list[dict]:
    """Remind every department that owes values in the open cycles, as each cycle's settings say, today; and the
    確定値 departments owe for the year that accepts them (見込 → 確定), also when no cycle is open."""
    today = reminders.today_jst()
    out = []
    for fy in reminders.reminder_fiscal_years():
        result = remind_cycle(fy, today)
        publish_findings(f"remind-{fy}-{today:%Y%m%d}", f"{fy}年度の督促（{reminders.date_ja(today)}）: "
                         f"{len(result.sent)}課に通知・確定値の督促{len(result.confirmations)}件",
                         artifact_rows(result) or [{"結果": "本日督促する担当課はありません"}])
        print(f"{fy}年度: {len(result.sent)}課に督促しました（確定値の督促 {len(result.confirmations)}件）")
        out.append({"fiscal_year": fy, "today": today.isoformat(), "sent": [_summary(s) for s in result.sent],
                    "confirmations": [{**_summary(s), "fiscal_year": s.fiscal_year, "audience": s.audience}
                                      for s in result.confirmations],
                    "skipped": len(result.skipped) + len(result.confirmations_skipped)})
    return out


@task(cache_policy=NO_CACHE)
def close_one(fiscal_year: int) -> dict:
    """Close one cycle through the cycles service (audited as the scheduler)."""
    return cycles.close_cycle(fiscal_year, actor=SCHEDULER)


@flow(name="close_cycle", log_prints=True)
def close_cycles_at_deadline() -> list[int]:
    """Close every open cycle set to close automatically whose deadline has passed (server's day, Japan time)."""
    today = reminders.today_jst()
    due = reminders.cycles_to_close(today=today)
    closed = []
    for c in due:
        close_one(c["fiscal_year"])
        closed.append(c["fiscal_year"])
    publish_findings(f"close-{today:%Y%m%d}", "締切による自動締切",
                     [{"年度": c["fiscal_year"], "結果": "締切済にしました"} for c in due]
                     or [{"結果": "自動で締め切る集計サイクルはありません"}])
    return closed

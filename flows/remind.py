"""Scheduled flows of a running year: the nightly validation of every open cycle, the reminders to departments,
and closing a cycle at its deadline when the division chose automatic closing. Thin wrappers: the decisions
live in kpi.services.reminders and kpi.services.cycles; each run leaves a table artifact in the Prefect UI."""
from __future__ import annotations

from datetime import date

from prefect import flow, task

from flows.collect import publish_findings, validate_cycle
from kpi.services import cycles, reminders
from kpi.services.actors import SYSTEM, Actor

# The scheduled flows act as this account in the audit trail.
SCHEDULER = Actor("scheduler", "自動処理（スケジュール）", SYSTEM.roles)


@flow(name="validate_open_cycles", log_prints=True)
def validate_open_cycles(db: str | None = None) -> list[dict]:
    """Run validate_cycle (as a subflow) for every open cycle."""
    years = reminders.open_fiscal_years(db=db)
    if not years:
        print("受付中の集計サイクルはありません")
    return [validate_cycle(fy, db) for fy in years]


@task
def remind_cycle(fiscal_year: int, today: date, manual: bool, db: str | None) -> reminders.RemindResult:
    """Store and e-mail the notices of one cycle that are due today."""
    return reminders.remind(SCHEDULER, fiscal_year, manual=manual, today=today, db=db)


@flow(name="remind_departments", log_prints=True)
def remind_departments(db: str | None = None, today: date | None = None, fiscal_year: int | None = None,
                       manual: bool = False) -> list[dict]:
    """Remind every department that owes values in the open cycles (or one fiscal year), as the settings say."""
    today = today or reminders.today_jst()
    years = [fiscal_year] if fiscal_year is not None else reminders.open_fiscal_years(db=db)
    out = []
    for fy in years:
        result = remind_cycle(fy, today, manual, db)
        publish_findings(f"remind-{fy}-{today:%Y%m%d}", f"{fy}年度の督促（{reminders.date_ja(today)}）: "
                         f"{len(result.sent)}課に通知", result.rows() or [{"結果": "本日督促する担当課はありません"}])
        print(f"{fy}年度: {len(result.sent)}課に督促しました")
        out.append({"fiscal_year": fy, "today": today.isoformat(),
                    "sent": [{"department": s.department_code, "kind": s.kind, "missing": s.missing,
                              "returned": s.returned, "recipients": list(s.recipients), "mail_status": s.mail_status}
                             for s in result.sent],
                    "skipped": [list(s) for s in result.skipped]})
    return out


@task
def close_one(fiscal_year: int, db: str | None) -> dict:
    """Close one cycle through the cycles service (audited as the scheduler)."""
    return cycles.close_cycle(fiscal_year, actor=SCHEDULER, db=db)


@flow(name="close_cycle", log_prints=True)
def close_cycles_at_deadline(db: str | None = None, today: date | None = None) -> list[int]:
    """Close every open cycle set to close automatically whose deadline has passed; returns their fiscal years."""
    due = reminders.cycles_to_close(today=today, db=db)
    closed = []
    for c in due:
        close_one(c["fiscal_year"], db)
        closed.append(c["fiscal_year"])
    publish_findings(f"close-{(today or reminders.today_jst()):%Y%m%d}", "締切による自動締切",
                     [{"年度": c["label"], "締切": reminders.date_ja(c["deadline"]), "結果": "締切済にしました"}
                      for c in due] or [{"結果": "自動で締め切る集計サイクルはありません"}])
    return closed

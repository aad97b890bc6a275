"""回収状況 as a completeness grid: departments × workflow state with counts (Japan's today decides what is overdue),
one department's indicators, and a reminder (督促) to one department. Reviewers only."""
from __future__ import annotations

from pathlib import Path

from kpi.domain.workflow import Role
from kpi.services import queries, reminders
from kpi.services.actors import Actor, Forbidden
from kpi.services.listing import value_records
from kpi.services.summaries import department_view

Db = Path | str | None


def grid(actor: Actor, fiscal_year: int, *, db: Db = None) -> dict:
    """queries.collection_progress with today's date in Japan: states, one row per department, overall, overdue."""
    return queries.collection_progress(actor, fiscal_year, today=reminders.today_jst(), db=db)


def department_indicators(actor: Actor, fiscal_year: int, department: str, *, db: Db = None) -> list[dict]:
    """One department's indicators of a cycle with their state, value, rate and band (every state)."""
    if not actor.has(Role.REVIEWER):
        raise Forbidden("担当課ごとの回収状況の閲覧は審査担当のみ行えます")
    view = department_view(fiscal_year, actor=actor, db=db)
    return value_records(view.rows, department=department)


def remind_department(actor: Actor, fiscal_year: int, department: str, *, db: Db = None) -> reminders.RemindResult:
    """A reminder (督促) to one department now, as the 今すぐ督促 button does for all (at most one a day)."""
    return reminders.remind(actor, fiscal_year, manual=True, departments={department}, db=db)

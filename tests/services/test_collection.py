"""回収状況 as a completeness grid: every department × state, one department's indicators, a reminder to one."""
from __future__ import annotations

import pytest

from kpi.services import collection, reminders
from kpi.services.actors import Forbidden
from tests.services.workflow_helpers import EDITOR1, REVIEWER  # the demo's reviewer and editor (GYOKAKU)


def test_the_grid_counts_every_department_in_every_state(demo_db):
    g = collection.grid(REVIEWER, 2022, db=demo_db)
    assert [s["label"] for s in g["states"]] == ["未入力", "下書き", "提出済", "所属長承認済", "差戻し", "承認済"]
    assert len(g["departments"]) == 18
    assert sum(r["total"] for r in g["departments"]) == g["overall"]["total"] == 67
    assert g["today"] == reminders.today_jst()  # Japan's date decides what is overdue


def test_the_grid_has_a_column_for_every_workflow_state():
    """A state added to the workflow gets its column (所属長承認済 once had none, and the page crashed on it)."""
    from kpi.domain.workflow import State
    from kpi.services.queries.collection_grid import COLLECTION_STATES

    assert sorted(COLLECTION_STATES) == sorted(["none", *(s.value for s in State)])
    assert len(COLLECTION_STATES) == len(set(COLLECTION_STATES))


def test_a_departments_indicators_are_listed_with_their_state(demo_db):
    rows = collection.department_indicators(REVIEWER, 2022, "GYOKAKU", db=demo_db)
    assert len(rows) == 8 and {r["department"] for r in rows} == {"GYOKAKU"}
    assert {r["state_ja"] for r in rows} == {"未入力"}
    with pytest.raises(Forbidden):
        collection.department_indicators(EDITOR1, 2022, "GYOKAKU", db=demo_db)


def test_a_reminder_goes_to_the_chosen_department_only(demo_db):
    result = collection.remind_department(REVIEWER, 2022, "IRYO", db=demo_db)
    assert [s.department_code for s in result.sent] == ["IRYO"]
    again = collection.remind_department(REVIEWER, 2022, "IRYO", db=demo_db)
    assert not again.sent and again.skipped == [("健康福祉部医療整備課", "本日は督促済みです")]

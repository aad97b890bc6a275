"""Cycle transitions through the services, table-driven: every state × action × demo account, the Japanese
sentence of each refusal, the audit row of each move, and what departments and reviewers may do in each state."""
from __future__ import annotations

import itertools
import shutil

import pytest

from kpi.domain.workflow import WorkflowError
from kpi.services import cycles, workflow
from kpi.services.actors import Forbidden
from kpi.services.workflow import CycleNotOpen, ValueRef
from tests.services.workflow_helpers import ADMIN, EDITOR1, EXECUTIVE, OWN, REVIEWER, fields, head_approve, query, save

STATES = ("preparing", "open", "closed", "finalized")
ACTIONS = ("open", "close", "finalize", "reopen")
PEOPLE = {"reviewer": REVIEWER, "admin": ADMIN, "editor1": EDITOR1, "executive": EXECUTIVE}
# (state, action) → (new state, who may)
ALLOWED = {
    ("preparing", "open"): ("open", {"reviewer", "admin"}),
    ("open", "close"): ("closed", {"reviewer", "admin"}),
    ("closed", "finalize"): ("finalized", {"reviewer"}),
    ("closed", "reopen"): ("open", {"reviewer", "admin"}),
    ("finalized", "reopen"): ("closed", {"reviewer"}),
}
STATE_JA = {"preparing": "準備中", "open": "受付中", "closed": "締切済", "finalized": "確定済"}
ACTION_JA = {"open": "受付開始", "close": "締切", "finalize": "確定", "reopen": "再開"}
PATH = {"preparing": [], "open": ["open"], "closed": ["open", "close"], "finalized": ["open", "close", "finalize"]}


def _call(action: str, actor, db, reason: str | None = "記入漏れの訂正のため"):
    if action == "reopen":
        return cycles.reopen_cycle(2023, actor=actor, reason=reason, db=db)
    return getattr(cycles, f"{action}_cycle")(2023, actor=actor, db=db)


def _cycle_in(db, state: str) -> int:
    created = cycles.create_cycle(2023, actor=REVIEWER, from_fy=2022, db=db)
    for step in PATH[state]:
        _call(step, REVIEWER, db)
    return created["cycle_id"]


def _state(db) -> str:
    return query(db, "SELECT state FROM cycles WHERE fiscal_year = 2023")[0]["state"]


def _audit_count(db) -> int:
    return query(db, "SELECT count(*) AS n FROM audit_log")[0]["n"]


@pytest.mark.parametrize("state,action", list(itertools.product(STATES, ACTIONS)))
def test_every_transition_and_who_may_make_it(demo_db, tmp_path, state, action):
    cycle_id = _cycle_in(demo_db, state)
    pristine = tmp_path / "pristine.duckdb"
    shutil.copy(demo_db, pristine)  # each person tries from the same starting point
    rule = ALLOWED.get((state, action))
    for person, actor in PEOPLE.items():
        shutil.copy(pristine, demo_db)
        before = _audit_count(demo_db)
        if person in ("editor1", "executive"):
            with pytest.raises(Forbidden, match="集計サイクルの管理（作成・受付開始・締切・確定・再開）の権限がありません"):
                _call(action, actor, demo_db)
        elif rule is None:
            with pytest.raises(WorkflowError) as err:
                _call(action, actor, demo_db)
            assert str(err.value) == f"令和5年度は{STATE_JA[state]}のため、「{ACTION_JA[action]}」はできません"
        elif person not in rule[1]:
            with pytest.raises(WorkflowError) as err:
                _call(action, actor, demo_db)
            assert str(err.value) == f"令和5年度の「{ACTION_JA[action]}」は行政改革推進課 審査担当だけが行えます"
        else:
            moved = _call(action, actor, demo_db)
            assert (moved["from_state"], moved["state"]) == (state, rule[0]), person
            assert _state(demo_db) == rule[0]
            [row] = query(demo_db, "SELECT * FROM audit_log WHERE audit_id > ?", [before])
            assert (row["entity"], row["cycle_id"], row["from_state"], row["to_state"], row["actor"]) == (
                "cycle", cycle_id, state, rule[0], person)
            assert row["comment"] == ("記入漏れの訂正のため" if action == "reopen" else None)
            continue
        assert _state(demo_db) == state, person  # a refusal changes nothing
        assert _audit_count(demo_db) == before, person


@pytest.mark.parametrize("state", ["closed", "finalized"])
def test_reopening_without_a_reason_is_refused(demo_db, state):
    _cycle_in(demo_db, state)
    with pytest.raises(WorkflowError, match="令和5年度の「再開」には理由の入力が必要です"):
        _call("reopen", REVIEWER, demo_db, reason=" ")
    assert _state(demo_db) == state


def test_a_missing_cycle_is_named(demo_db):
    with pytest.raises(WorkflowError, match="令和12年度のサイクルはまだ作成されていません"):
        cycles.close_cycle(2030, actor=REVIEWER, db=demo_db)


# What departments and reviewers may do to values in each cycle state (the workflow's own check).
VALUE_ACTIONS = {  # state → (save allowed, approve allowed)
    "preparing": (False, False), "open": (True, True), "closed": (False, True), "finalized": (False, False),
}


def test_nothing_can_be_entered_while_a_cycle_is_being_prepared(demo_db):
    cycle_id = _cycle_in(demo_db, "preparing")
    telework = query(demo_db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-01'")[0]["indicator_id"]
    with pytest.raises(CycleNotOpen, match="令和5年度は準備中のため、「保存」はできません"):
        save(demo_db, EDITOR1, cycle_id, telework, fields(300, value_fy=2023))
    assert query(demo_db, "SELECT count(*) AS n FROM indicator_values WHERE cycle_id = ?", [cycle_id])[0]["n"] == 0


@pytest.mark.parametrize("state", ["open", "closed", "finalized"])
def test_what_departments_and_reviewers_may_do_in_each_state(demo_db, state):
    cycle_id = _cycle_in(demo_db, "open")
    telework = query(demo_db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-01'")[0]["indicator_id"]
    other = query(demo_db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-02'")[0]["indicator_id"]
    ref = save(demo_db, EDITOR1, cycle_id, telework, fields(300, value_fy=2023))
    [v] = workflow.submit(EDITOR1, [ref], demo_db)
    [submitted] = head_approve(demo_db, OWN, ValueRef(ref.value_id, v))  # the head approved it in time
    if state in ("closed", "finalized"):
        cycles.close_cycle(2023, actor=REVIEWER, db=demo_db)
    if state == "finalized":
        approved = ValueRef(ref.value_id, workflow.approve(REVIEWER, submitted, demo_db))
        cycles.finalize_cycle(2023, actor=REVIEWER, db=demo_db)

    if state == "open":
        save(demo_db, EDITOR1, cycle_id, other, fields(3, value_fy=2023))  # departments still enter
    else:
        with pytest.raises(CycleNotOpen, match=f"令和5年度は{STATE_JA[state]}のため、「保存」はできません"):
            save(demo_db, EDITOR1, cycle_id, other, fields(3, value_fy=2023))
    if state == "finalized":  # approved values are frozen
        with pytest.raises(CycleNotOpen, match="令和5年度は確定済のため、「承認取消」はできません"):
            workflow.reopen(REVIEWER, approved, "訂正", demo_db)
    else:  # after the deadline reviewers still approve what was submitted in time
        workflow.approve(REVIEWER, submitted, demo_db)
    assert query(demo_db, "SELECT state FROM indicator_values WHERE value_id = ?", [ref.value_id])[0]["state"] \
        == "approved"

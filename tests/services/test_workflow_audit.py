"""Every save and transition leaves exactly one audit row, written in the same transaction; refusals leave none."""
from __future__ import annotations

from decimal import Decimal

import pytest

import warehouse
from kpi.domain.workflow import CommentRequired, IllegalTransition
from kpi.services import workflow
from kpi.services.actors import Forbidden
from kpi.services.workflow import Conflict, DraftInput, ValueRef
from warehouse import values
from tests.services.workflow_helpers import (
    EDITOR1, EDITOR2, EXECUTIVE, REVIEWER, approved, audit_since, cycle_id, draft, fields, indicator, last_audit_id,
    save, snapshot, submitted, value,
)


def _brief(row):
    return (row["actor"], row["role"], row["action"], row["from_state"], row["to_state"])


def test_the_journey_save_submit_return_save_submit_approve_leaves_six_audit_rows_in_order(demo_db):
    ind = indicator(demo_db, "P1-1-01")
    start = last_audit_id(demo_db)

    ref = save(demo_db, EDITOR1, ind["indicator_id"], fields(300))
    [v] = workflow.submit(EDITOR1, [ref], demo_db)
    v = workflow.return_value(REVIEWER, ValueRef(ref.value_id, v), "人数の根拠を備考に書いてください", demo_db)
    ref = save(demo_db, EDITOR1, ind["indicator_id"], fields(310, remark="庁内調査による"), expected_version=v)
    [v] = workflow.submit(EDITOR1, [ref], demo_db)
    workflow.approve(REVIEWER, ValueRef(ref.value_id, v), demo_db)

    rows = audit_since(demo_db, start)
    assert [_brief(r) for r in rows] == [
        ("editor1", "editor", "save", None, "draft"),
        ("editor1", "editor", "submit", "draft", "submitted"),
        ("reviewer", "reviewer", "return", "submitted", "returned"),
        ("editor1", "editor", "save", "returned", "draft"),
        ("editor1", "editor", "submit", "draft", "submitted"),
        ("reviewer", "reviewer", "approve", "submitted", "approved"),
    ]
    ids = [r["audit_id"] for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == 6
    times = [r["occurred_at"] for r in rows]
    assert times == sorted(times)
    assert {(r["entity"], r["entity_id"], r["indicator_id"], r["cycle_id"]) for r in rows} == {
        ("value", str(ref.value_id), ind["indicator_id"], cycle_id(demo_db, 2022))}

    first_save, _s1, ret, second_save, _s2, approve = rows
    assert first_save["old_value"] is None and Decimal(first_save["new_value"]) == 300
    assert Decimal(second_save["old_value"]) == 300 and Decimal(second_save["new_value"]) == 310
    assert ret["comment"] == "人数の根拠を備考に書いてください"
    assert all(r["comment"] is None for r in rows if r["action"] != "return")
    assert all(r["old_value"] is None and r["new_value"] is None for r in rows if r["action"] != "save")


def test_reopening_records_who_and_the_reason(demo_db):
    ref = approved(demo_db)
    start = last_audit_id(demo_db)
    workflow.reopen(REVIEWER, ref, "出典の数値が訂正されたため", demo_db)
    [row] = audit_since(demo_db, start)
    assert _brief(row) == ("reviewer", "reviewer", "reopen", "approved", "draft")
    assert row["comment"] == "出典の数値が訂正されたため"
    assert row["entity_id"] == str(ref.value_id)


def test_an_approval_comment_is_kept_in_the_audit_row(demo_db):
    ref = submitted(demo_db)
    start = last_audit_id(demo_db)
    workflow.approve(REVIEWER, ref, demo_db, comment="確認済み")
    [row] = audit_since(demo_db, start)
    assert row["action"] == "approve" and row["comment"] == "確認済み"


def test_a_save_records_the_batch_it_came_with(demo_db):
    cid = cycle_id(demo_db, 2022)
    with warehouse.transaction(demo_db) as con:
        batch = values.insert_batch(con, cycle_id=cid, source="form", created_by="editor1", department_code="GYOKAKU")
    start = last_audit_id(demo_db)
    ref = save(demo_db, EDITOR1, indicator(demo_db, "P1-1-01")["indicator_id"], fields(300), batch_id=batch)
    [row] = audit_since(demo_db, start)
    assert row["batch_id"] == batch and value(demo_db, ref.value_id)["batch_id"] == batch


def test_saving_several_drafts_writes_one_audit_row_each_in_input_order(demo_db):
    e = [indicator(demo_db, c) for c in ("P3-2-01", "P1-1-01", "P3-3-01")]
    start = last_audit_id(demo_db)
    with warehouse.transaction(demo_db) as con:
        refs = workflow.save_drafts_in(con, EDITOR1, cycle_id(demo_db, 2022),
                                       [DraftInput(i["indicator_id"], fields(9999)) for i in e], batch_id=None)
    rows = audit_since(demo_db, start)
    assert [r["indicator_id"] for r in rows] == [i["indicator_id"] for i in e]
    assert [r["entity_id"] for r in rows] == [str(r.value_id) for r in refs]


def test_submitting_several_values_writes_one_audit_row_each(demo_db):
    refs = [draft(demo_db, "GYOKAKU", i)[0] for i in range(3)]
    start = last_audit_id(demo_db)
    workflow.submit(EDITOR1, refs, demo_db)
    rows = audit_since(demo_db, start)
    assert [(r["entity_id"], r["action"]) for r in rows] == [(str(r.value_id), "submit") for r in refs]


def test_a_save_rolled_back_by_its_caller_leaves_neither_the_value_nor_its_audit_row(demo_db):
    before = snapshot(demo_db)
    ind = indicator(demo_db, "P1-1-01")
    with pytest.raises(RuntimeError):
        with warehouse.transaction(demo_db) as con:
            workflow.save_drafts_in(con, EDITOR1, cycle_id(demo_db, 2022), [DraftInput(ind["indicator_id"],
                                                                                        fields(300))], batch_id=None)
            # inside the caller's transaction, the audit row is already there beside the value
            assert con.execute("SELECT count(*) FROM audit_log WHERE indicator_id = ? AND action = 'save'"
                               " AND cycle_id = ?", [ind["indicator_id"], cycle_id(demo_db, 2022)]).fetchone()[0] == 1
            raise RuntimeError("the batch landing failed later")
    assert snapshot(demo_db) == before


@pytest.mark.parametrize("action", ["submit", "approve", "return", "reopen"])
def test_a_transition_whose_audit_row_cannot_be_written_does_not_happen(demo_db, monkeypatch, action):
    ref = {"submit": lambda: draft(demo_db)[0], "approve": lambda: submitted(demo_db),
           "return": lambda: submitted(demo_db), "reopen": lambda: approved(demo_db)}[action]()
    before = snapshot(demo_db)

    def refuse(con, event):
        raise OSError("audit storage unavailable")

    monkeypatch.setattr(values, "append_audit", refuse)
    with pytest.raises(OSError):
        {"submit": lambda: workflow.submit(EDITOR1, [ref], demo_db),
         "approve": lambda: workflow.approve(REVIEWER, ref, demo_db),
         "return": lambda: workflow.return_value(REVIEWER, ref, "確認", demo_db),
         "reopen": lambda: workflow.reopen(REVIEWER, ref, "訂正", demo_db)}[action]()
    assert snapshot(demo_db) == before


def test_a_save_whose_audit_row_cannot_be_written_does_not_happen(demo_db, monkeypatch):
    ref, ind = draft(demo_db)
    before = snapshot(demo_db)
    monkeypatch.setattr(values, "append_audit", lambda con, event: (_ for _ in ()).throw(OSError("no audit")))
    with pytest.raises(OSError):
        save(demo_db, EDITOR1, ind["indicator_id"], fields(1), expected_version=ref.version)
    assert snapshot(demo_db) == before


REFUSALS = {
    "approve_a_draft": (lambda db: draft(db)[0], lambda db, r: workflow.approve(REVIEWER, r, db), IllegalTransition),
    "return_without_comment": (submitted, lambda db, r: workflow.return_value(REVIEWER, r, " ", db), CommentRequired),
    "stale_approve": (submitted, lambda db, r: workflow.approve(REVIEWER, ValueRef(r.value_id, r.version - 1), db),
                      Conflict),
    "executive_approves": (submitted, lambda db, r: workflow.approve(EXECUTIVE, r, db), Forbidden),
    "other_department_submits": (lambda db: draft(db)[0], lambda db, r: workflow.submit(EDITOR2, [r], db), Forbidden),
    "save_over_approved": (approved, lambda db, r: save(db, EDITOR1, value(db, r.value_id)["indicator_id"],
                                                        fields(1), expected_version=r.version), IllegalTransition),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_action_writes_no_audit_row(demo_db, case):
    prepare, act, error = REFUSALS[case]
    ref = prepare(demo_db)
    start = last_audit_id(demo_db)
    with pytest.raises(error):
        act(demo_db, ref)
    assert audit_since(demo_db, start) == []

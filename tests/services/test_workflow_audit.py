"""Every save and transition leaves exactly one audit row, written in the same transaction; refusals leave none."""
from __future__ import annotations

from decimal import Decimal

import pytest

import warehouse
from kpi.domain.workflow import CommentRequired, IllegalTransition, SelfApproval
from kpi.services import workflow
from kpi.services.actors import Forbidden
from kpi.services.workflow import Conflict, DraftInput, ReasonRequired, ValueRef
from warehouse import audit, batches
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    EDITOR1, EDITOR2, EXECUTIVE, FRESH, OTHER, OWN, REVIEWER, audit_since, fields, head_approve, last_audit_id, save,
    save_many, snapshot, stage, value, wf_db,
)


def _brief(row):
    return (row["actor"], row["role"], row["action"], row["from_state"], row["to_state"])


def _at_division(db, ref: ValueRef) -> int:
    """The head of GYOKAKU approves a submitted value (所属長承認): its version as the division finds it."""
    return head_approve(db, OWN, ref)[0].version


def test_the_journey_through_both_levels_with_a_return_leaves_eight_audit_rows_in_order(
        wf_db, stage):
    ind = stage.ind("P1-1-01")
    start = last_audit_id(wf_db)

    versions = []
    ref = save(wf_db, EDITOR1, stage.fy2022, ind, fields(300))
    versions.append(ref.version)
    versions += workflow.submit(EDITOR1, [ref], wf_db)
    versions.append(_at_division(wf_db, ValueRef(ref.value_id, versions[-1])))
    versions.append(workflow.return_value(REVIEWER, ValueRef(ref.value_id, versions[-1]),
                                          "人数の根拠を備考に書いてください", wf_db))
    ref = save(wf_db, EDITOR1, stage.fy2022, ind, fields(310, remark="庁内調査による"), expected_version=versions[-1])
    versions.append(ref.version)
    versions += workflow.submit(EDITOR1, [ref], wf_db)
    versions.append(_at_division(wf_db, ValueRef(ref.value_id, versions[-1])))
    versions.append(workflow.approve(REVIEWER, ValueRef(ref.value_id, versions[-1]), wf_db))

    rows = audit_since(wf_db, start)
    assert [_brief(r) for r in rows] == [
        ("editor1", "editor", "save", None, "draft"),
        ("editor1", "editor", "submit", "draft", "submitted"),
        ("head1", "dept_head", "head_approve", "submitted", "head_approved"),
        ("reviewer", "reviewer", "return", "head_approved", "returned"),
        ("editor1", "editor", "save", "returned", "draft"),
        ("editor1", "editor", "submit", "draft", "submitted"),
        ("head1", "dept_head", "head_approve", "submitted", "head_approved"),
        ("reviewer", "reviewer", "approve", "head_approved", "approved"),
    ]
    assert [r["occurred_at"] for r in rows] == sorted(r["occurred_at"] for r in rows)
    assert {(r["entity"], r["entity_id"], r["indicator_id"], r["cycle_id"]) for r in rows} == {
        ("value", str(ref.value_id), ind, stage.fy2022)}

    first_save, _s1, _h1, ret, second_save, _s2, _h2, _approve = rows
    assert first_save["old_value"] is None and Decimal(first_save["new_value"]) == 300
    assert Decimal(second_save["old_value"]) == 300 and Decimal(second_save["new_value"]) == 310
    assert ret["comment"] == "人数の根拠を備考に書いてください"
    assert all(r["comment"] is None for r in rows if r["action"] != "return")
    assert all(r["old_value"] is None for r in rows if r["action"] != "save")
    # the approvals and returns name the level of the chain they were taken at
    assert [r["new_value"] for r in rows if r["action"] != "save"] == [
        None, "承認段階: 所属長", "承認段階: 行政改革推進課", None, "承認段階: 所属長", "承認段階: 行政改革推進課"]

    # versions only grow, one step per write, and the value row carries the last one
    assert versions == list(range(1, 9))
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["version"], row["value_number"], row["remark"]) == ("approved", 8, 310, "庁内調査による")


def test_reopening_records_who_and_the_reason(wf_db, stage):
    ref = stage.ref(OWN, "approved")
    start = last_audit_id(wf_db)
    workflow.reopen(REVIEWER, ref, "出典の数値が訂正されたため", wf_db)
    [row] = audit_since(wf_db, start)
    assert _brief(row) == ("reviewer", "reviewer", "reopen", "approved", "draft")
    assert (row["comment"], row["entity_id"]) == ("出典の数値が訂正されたため", str(ref.value_id))


def test_an_approval_comment_is_kept_in_the_audit_row(wf_db, stage):
    [ref] = head_approve(wf_db, OTHER, stage.ref(OTHER, "submitted"))
    start = last_audit_id(wf_db)
    workflow.approve(REVIEWER, ref, wf_db, comment="確認済み")
    [row] = audit_since(wf_db, start)
    assert (row["actor"], row["action"], row["comment"]) == ("reviewer", "approve", "確認済み")


def test_a_save_records_the_old_and_new_figure_and_its_batch(wf_db, stage):
    ref = stage.ref(OTHER, "draft")
    old = value(wf_db, ref.value_id)["value_number"]
    with warehouse.transaction(wf_db) as con:
        batch = batches.insert_batch(con, cycle_id=stage.fy2022, source="form", created_by="editor2",
                                    department_code=OTHER)
    start = last_audit_id(wf_db)
    save(wf_db, EDITOR2, stage.fy2022, stage.ind("P2-1-04"), fields(70000), expected_version=ref.version,
         batch_id=batch)
    [row] = audit_since(wf_db, start)
    assert _brief(row) == ("editor2", "editor", "save", "draft", "draft")
    assert (Decimal(row["old_value"]), Decimal(row["new_value"]), row["batch_id"]) == (old, 70000, batch)


def test_saving_several_drafts_writes_one_audit_row_each_in_input_order(wf_db, stage):
    codes = [FRESH[1], "P1-1-04", FRESH[0]]
    draft = stage.ref(OWN, "draft")
    start = last_audit_id(wf_db)
    refs = save_many(wf_db, EDITOR1, stage.fy2022,
                     [(stage.ind(c), fields(9999), draft.version if c == "P1-1-04" else None) for c in codes])
    rows = audit_since(wf_db, start)
    assert [(r["indicator_id"], r["entity_id"], r["from_state"]) for r in rows] == [
        (stage.ind(c), str(r.value_id), "draft" if c == "P1-1-04" else None) for c, r in zip(codes, refs)]


def test_submitting_several_values_writes_one_audit_row_each(wf_db, stage):
    refs = [stage.ref(OWN, "draft"), *save_many(wf_db, EDITOR1, stage.fy2022,
                                                [(stage.ind(c), fields(999), None) for c in FRESH])]
    start = last_audit_id(wf_db)
    workflow.submit(EDITOR1, refs, wf_db)
    assert [(r["entity_id"], r["action"]) for r in audit_since(wf_db, start)] == [
        (str(r.value_id), "submit") for r in refs]


def test_a_save_rolled_back_by_its_caller_leaves_neither_the_value_nor_its_audit_row(wf_db, stage):
    before = snapshot(wf_db)
    ind = stage.ind(FRESH[0])
    with pytest.raises(RuntimeError):
        with warehouse.transaction(wf_db) as con:
            workflow.save_drafts_in(con, EDITOR1, stage.fy2022, [DraftInput(ind, fields(300))], batch_id=None)
            # inside the caller's transaction the audit row is already there, beside the value
            assert con.execute("SELECT count(*) FROM audit_log WHERE indicator_id = ? AND cycle_id = ?"
                               " AND action = 'save'", [ind, stage.fy2022]).fetchone()[0] == 1
            raise RuntimeError("the batch landing failed later")
    assert snapshot(wf_db) == before


def _refuse_audit(con, event):
    raise OSError("audit storage unavailable")


def _head_approved(db, s) -> dict[str, ValueRef]:
    """GYOKAKU's submitted values approved by its head, by staged state: what the division acts on."""
    keys = ("submitted", "self_submitted")
    return dict(zip(keys, head_approve(db, OWN, *(s.ref(OWN, k) for k in keys))))


TRANSITIONS = {
    "save": lambda db, s, h: save(db, EDITOR1, s.fy2022, s.ind("P1-1-04"), fields(1),
                                  expected_version=s.ref(OWN, "draft").version),
    "submit": lambda db, s, h: workflow.submit(EDITOR1, [s.ref(OWN, "draft")], db),
    "approve": lambda db, s, h: workflow.approve(REVIEWER, h["submitted"], db),
    "return": lambda db, s, h: workflow.return_value(REVIEWER, h["submitted"], "確認", db),
    "reopen": lambda db, s, h: workflow.reopen(REVIEWER, s.ref(OWN, "approved"), "訂正", db),
}


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_a_change_whose_audit_row_cannot_be_written_does_not_happen(wf_db, stage, monkeypatch, action):
    head_approved = _head_approved(wf_db, stage)
    before = snapshot(wf_db)
    monkeypatch.setattr(audit, "append", _refuse_audit)  # the one writer: single rows and a save's many rows
    with pytest.raises(OSError):
        TRANSITIONS[action](wf_db, stage, head_approved)
    assert snapshot(wf_db) == before


REFUSALS = {
    "approve_a_draft": (lambda db, s, h: workflow.approve(REVIEWER, s.ref(OWN, "draft"), db), IllegalTransition),
    "return_without_comment": (lambda db, s, h: workflow.return_value(REVIEWER, h["submitted"], " ", db),
                               CommentRequired),
    "stale_approve": (lambda db, s, h: workflow.approve(REVIEWER, ValueRef(s.ref(OWN, "submitted").value_id, 1), db),
                      Conflict),
    "self_approval": (lambda db, s, h: workflow.approve(REVIEWER, h["self_submitted"], db), SelfApproval),
    "executive_approves": (lambda db, s, h: workflow.approve(EXECUTIVE, s.ref(OWN, "submitted"), db), Forbidden),
    "other_department_submits": (lambda db, s, h: workflow.submit(EDITOR2, [s.ref(OWN, "draft")], db), Forbidden),
    "save_over_approved": (lambda db, s, h: save(db, EDITOR1, s.fy2022, s.ind("P2-1-03"), fields(1),
                                              expected_version=s.ref(OWN, "approved").version), IllegalTransition),
    "submit_below_target_without_reason": (
        lambda db, s, h: workflow.submit(EDITOR1, [save(db, EDITOR1, s.fy2022, s.ind(FRESH[0]), fields(1))], db),
        ReasonRequired),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_action_writes_no_audit_row(wf_db, stage, case):
    act, error = REFUSALS[case]
    head_approved = _head_approved(wf_db, stage)
    start = last_audit_id(wf_db)
    with pytest.raises(error):
        act(wf_db, stage, head_approved)
    rows = audit_since(wf_db, start)
    if case == "submit_below_target_without_reason":  # only the save that came before it
        assert [r["action"] for r in rows] == ["save"]
    else:
        assert rows == []

"""The two-level approval chain (issue #22) through the services: 担当 → 所属長 → 行政改革推進課.

The staged warehouse (the demo plus FY2022 values in every state) has the demo's two-level chain (set again
explicitly by the tests that rely on it); the head of
GYOKAKU approves and returns its submitted values only, the division acts only on what the head approved, every
step writes its audit row with the level, and bulk approval keeps the version, permission and audit guarantees.
"""
from __future__ import annotations

import pytest

from kpi.domain.approval_chain import ONE_LEVEL, TWO_LEVEL
from kpi.domain.roles import Role
from kpi.domain.workflow import CommentRequired, IllegalTransition, NotInChain, SelfApproval
from kpi.services import approval_chain, review, workflow
from kpi.services.actors import SYSTEM, Actor, Forbidden
from kpi.services.conflicts import Conflict
from kpi.services.permissions import actions_for
from kpi.services.workflow import ValueRef
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    BULK, EDITOR1, OTHER, OWN, REVIEWER, audit_since, last_audit_id, query, snapshot, stage, value, values_of,
    wf_db,
)

HEAD = Actor("head-gyokaku", "総務部行政改革推進課 所属長", frozenset({Role.DEPT_HEAD}), frozenset({OWN}))
HEAD_BULK = Actor("head-gakushu", "学習指導課 所属長", frozenset({Role.DEPT_HEAD}), frozenset({BULK}))


def _two_level(db) -> None:
    [strategy] = query(db, "SELECT DISTINCT strategy_id FROM cycles WHERE fiscal_year = 2022")
    approval_chain.set_chain(SYSTEM, strategy["strategy_id"],
                             [("担当", "editor"), ("所属長", "dept_head"), ("行政改革推進課", "reviewer")], db)


def test_the_demo_has_the_two_level_chain_and_in_a_one_level_chain_a_head_cannot_act(wf_db, stage):
    assert approval_chain.strategy_chain(2022, wf_db) == TWO_LEVEL
    [strategy] = query(wf_db, "SELECT DISTINCT strategy_id FROM cycles WHERE fiscal_year = 2022")
    approval_chain.set_chain(SYSTEM, strategy["strategy_id"], [], wf_db)  # back to 担当 → 行政改革推進課
    assert approval_chain.strategy_chain(2022, wf_db) == ONE_LEVEL
    before = snapshot(wf_db)
    with pytest.raises(Forbidden, match="^承認の権限がありません$"):
        workflow.approve(HEAD, stage.ref(OWN, "submitted"), wf_db)
    assert snapshot(wf_db) == before


def test_head_approves_then_the_division_approves_and_each_level_is_in_the_audit(wf_db, stage):
    _two_level(wf_db)
    assert approval_chain.strategy_chain(2022, wf_db) == TWO_LEVEL
    ref = stage.ref(OWN, "submitted")
    start = last_audit_id(wf_db)
    assert actions_for(HEAD, "submitted", OWN, "open", TWO_LEVEL) == ["head_approve", "head_return"]
    assert actions_for(REVIEWER, "submitted", OWN, "open", TWO_LEVEL) == []
    with pytest.raises(NotInChain, match="所属長の承認が済んでいない値は「承認」できません"):
        workflow.approve(REVIEWER, ref, wf_db)
    v1 = workflow.approve(HEAD, ref, wf_db)
    assert value(wf_db, ref.value_id)["state"] == "head_approved"
    assert actions_for(REVIEWER, "head_approved", OWN, "open", TWO_LEVEL) == ["approve", "return"]
    assert actions_for(HEAD, "head_approved", OWN, "open", TWO_LEVEL) == []
    with pytest.raises(IllegalTransition, match="^所属長承認済の値は「所属長承認」できません$"):
        workflow.approve(HEAD, ValueRef(ref.value_id, v1), wf_db)
    workflow.approve(REVIEWER, ValueRef(ref.value_id, v1), wf_db)
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["approved_by"]) == ("approved", "reviewer")
    trail = [(a["actor"], a["role"], a["action"], a["from_state"], a["to_state"], a["new_value"])
             for a in audit_since(wf_db, start) if a["entity"] == "value"]
    assert trail == [
        ("head-gyokaku", "dept_head", "head_approve", "submitted", "head_approved", "承認段階: 所属長"),
        ("reviewer", "reviewer", "approve", "head_approved", "approved", "承認段階: 行政改革推進課"),
    ]


def test_a_head_acts_on_their_own_departments_only(wf_db, stage):
    _two_level(wf_db)
    before = snapshot(wf_db)
    with pytest.raises(Forbidden, match=r"^担当外の所属（IRYO）の所属長承認はできません$"):
        workflow.approve(HEAD, stage.ref(OTHER, "submitted"), wf_db)
    with pytest.raises(Forbidden, match=r"^担当外の所属（IRYO）の所属長差戻しはできません$"):
        workflow.return_value(HEAD, stage.ref(OTHER, "submitted"), "確認してください", wf_db)
    with pytest.raises(Forbidden, match="担当外の所属（IRYO）"):  # bulk: refused whole, nothing written
        workflow.approve_many(HEAD, [stage.ref(OWN, "submitted"), stage.ref(OTHER, "submitted")], wf_db)
    assert actions_for(HEAD, "submitted", OTHER, "open", TWO_LEVEL) == []
    assert snapshot(wf_db) == before


def test_a_head_returns_with_a_comment_the_editor_reads(wf_db, stage):
    _two_level(wf_db)
    ref = stage.ref(OWN, "submitted")
    with pytest.raises(CommentRequired, match="所属長差戻し"):
        workflow.return_value(HEAD, ref, "  ", wf_db)
    workflow.return_value(HEAD, ref, "根拠資料の年度を確認してください", wf_db)
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["review_comment"]) == ("returned", "根拠資料の年度を確認してください")
    [a] = [a for a in audit_since(wf_db, 0) if a["entity_id"] == str(ref.value_id)][-1:]
    assert (a["role"], a["action"], a["comment"]) == ("dept_head", "head_return", "根拠資料の年度を確認してください")


def test_nobody_approves_what_they_entered_or_approved_at_the_other_level(wf_db, stage):
    _two_level(wf_db)
    editor_head = Actor("editor1", "入力担当兼所属長", frozenset({Role.EDITOR, Role.DEPT_HEAD}), frozenset({OWN}))
    ref = stage.ref(OWN, "submitted")
    with pytest.raises(SelfApproval):
        workflow.approve(editor_head, ref, wf_db)
    both = Actor("reviewer", "審査兼所属長", frozenset({Role.REVIEWER, Role.DEPT_HEAD}), frozenset({OWN}))
    v1 = workflow.approve(both, ref, wf_db)  # as the head (the value waits at the head's level)
    with pytest.raises(SelfApproval, match="所属長として承認した値"):
        workflow.approve(both, ValueRef(ref.value_id, v1), wf_db)


def test_the_heads_bulk_approval_skips_with_why_and_keeps_versions(wf_db, stage):
    _two_level(wf_db)
    refs = stage.bulk
    stale = ValueRef(refs[0].value_id, refs[0].version - 1)
    start = last_audit_id(wf_db)
    result = workflow.approve_many(HEAD_BULK, [stale, *refs[1:]], wf_db)
    assert result.done == [r.value_id for r in refs[1:]]
    assert "他の人が先に更新しました" in result.skipped[refs[0].value_id]
    assert {r["state"] for r in values_of(wf_db, result.done)} == {"head_approved"}
    assert [a["action"] for a in audit_since(wf_db, start)] == ["head_approve"] * len(result.done)
    # the division's queue holds what the head approved, the head's queue what still waits for the head
    assert {q.value_id for q in review.queue(REVIEWER, 2022, db=wf_db)} == set(result.done)
    assert [q.value_id for q in review.queue(HEAD_BULK, 2022, db=wf_db)] == [refs[0].value_id]
    item = next(q for q in review.queue(REVIEWER, 2022, db=wf_db) if q.value_id == refs[1].value_id)
    [approval] = item.approvals
    assert approval.startswith("所属長: head-gakushu（承認 ") and approval.endswith("）")


def test_a_stale_head_approval_is_a_conflict(wf_db, stage):
    _two_level(wf_db)
    ref = stage.ref(OWN, "submitted")
    workflow.approve(HEAD, ref, wf_db)
    with pytest.raises(Conflict):
        workflow.return_value(HEAD, ref, "やはり確認", wf_db)

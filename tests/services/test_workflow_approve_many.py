"""Approving many values at once: the approvable ones are approved, every other one is skipped with why."""
from __future__ import annotations

import pytest

from kpi.services import workflow
from kpi.services.actors import Forbidden
from kpi.services.workflow import ValueRef
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    ADMIN, BULK, EDITOR1, EXECUTIVE, JAPANESE, OTHER, OWN, REVIEWER, STALE, add_finding, audit_since, head_approve,
    last_audit_id, snapshot, stage, values_of, wf_db,
)


def test_approve_many_approves_the_values_the_head_approved_and_skips_the_others_each_with_a_japanese_reason(
        wf_db, stage):
    ok1, ok2, stale, with_error, with_warning = head_approve(wf_db, BULK, *stage.bulk[:5])
    add_finding(wf_db, with_error.value_id, "error")
    add_finding(wf_db, with_warning.value_id, "warning")
    draft = stage.ref(OWN, "draft")
    # entered by the reviewer's own account, approved by the head
    [self_entered] = head_approve(wf_db, OWN, stage.ref(OWN, "self_submitted"))
    already = stage.ref(OTHER, "approved")
    returned = stage.ref(OTHER, "returned")
    stale_ref = ValueRef(stale.value_id, stale.version - 1)
    refs = [ok1, draft, self_entered, stale_ref, with_error, with_warning, already, returned, ok2]
    start = last_audit_id(wf_db)

    result = workflow.approve_many(REVIEWER, refs, wf_db, comment="一括確認")

    assert result.done == [ok1.value_id, with_warning.value_id, ok2.value_id]
    assert set(result.skipped) == {draft.value_id, self_entered.value_id, stale.value_id, with_error.value_id,
                                   already.value_id, returned.value_id}
    name = {r["indicator_id"]: r["name"] for r in stage.indicators.values()}
    rows = {r["value_id"]: r for r in values_of(wf_db, [r.value_id for r in refs])}
    why = result.skipped
    assert why[draft.value_id] == "下書きの値は「承認」できません"
    assert why[self_entered.value_id] == "自分で入力した値を承認することはできません"
    assert STALE in why[stale.value_id] and name[rows[stale.value_id]["indicator_id"]] in why[stale.value_id]
    assert why[with_error.value_id] == (f"「{name[rows[with_error.value_id]['indicator_id']]}」に未解決のエラーが"
                                        "あるため承認しませんでした")
    assert why[already.value_id].startswith("承認済の値は「承認」できません")
    assert why[returned.value_id] == "差戻しの値は「承認」できません"
    assert all(JAPANESE.search(m) for m in why.values())

    assert {i: rows[i]["state"] for i in result.done} == dict.fromkeys(result.done, "approved")
    assert all(rows[i]["approved_by"] == "reviewer" for i in result.done)
    # the skipped values are exactly as they were
    assert [(rows[r.value_id]["state"], rows[r.value_id]["version"]) for r in (draft, self_entered, with_error)] == [
        ("draft", draft.version), ("head_approved", self_entered.version), ("head_approved", with_error.version)]
    assert (rows[stale.value_id]["state"], rows[stale.value_id]["version"]) == ("head_approved", stale.version)
    # one audit row per approval, in the order asked, none for the skipped
    audit = audit_since(wf_db, start)
    assert [(r["entity_id"], r["action"], r["comment"]) for r in audit] == [
        (str(i), "approve", "一括確認") for i in result.done]


def test_approve_many_of_approvable_values_approves_them_all_in_one_go(wf_db, stage):
    refs = head_approve(wf_db, BULK, *stage.bulk)
    result = workflow.approve_many(REVIEWER, refs, wf_db)
    assert result.done == [r.value_id for r in refs] and result.skipped == {}
    rows = values_of(wf_db, [r.value_id for r in refs])
    assert [(r["state"], r["version"]) for r in rows] == [("approved", ref.version + 1) for ref in refs]


def test_an_error_finding_blocks_only_its_own_value_and_a_warning_blocks_nothing(wf_db, stage):
    blocked, warned = head_approve(wf_db, BULK, *stage.bulk[:2])
    add_finding(wf_db, blocked.value_id, "error")
    add_finding(wf_db, warned.value_id, "warning")
    result = workflow.approve_many(REVIEWER, [blocked, warned], wf_db)
    assert result.done == [warned.value_id] and list(result.skipped) == [blocked.value_id]
    assert "未解決のエラー" in result.skipped[blocked.value_id]


def test_the_same_value_twice_in_one_request_is_approved_once(wf_db, stage):
    [ref] = head_approve(wf_db, BULK, stage.bulk[0])
    start = last_audit_id(wf_db)
    result = workflow.approve_many(REVIEWER, [ref, ref], wf_db)
    assert result.done == [ref.value_id]
    assert STALE in result.skipped[ref.value_id]
    assert len(audit_since(wf_db, start)) == 1


@pytest.mark.parametrize("actor", [EDITOR1, EXECUTIVE, ADMIN], ids=lambda a: a.login)
def test_only_reviewers_approve_many_and_a_refusal_approves_none(wf_db, stage, actor):
    before = snapshot(wf_db)
    with pytest.raises(Forbidden, match="承認の権限がありません"):
        workflow.approve_many(actor, stage.bulk[:3], wf_db)
    assert snapshot(wf_db) == before


def test_a_non_reviewer_is_refused_even_when_every_value_has_an_error_finding(wf_db, stage):
    ref = stage.bulk[0]
    add_finding(wf_db, ref.value_id, "error")
    with pytest.raises(Forbidden):
        workflow.approve_many(EXECUTIVE, [ref], wf_db)

"""The value workflow through the services: the legal paths, the refusals and the Japanese sentences that say why."""
from __future__ import annotations

from decimal import Decimal

import pytest

import warehouse
from kpi.domain.workflow import CommentRequired, IllegalTransition, SelfApproval, WorkflowError
from kpi.services import workflow
from kpi.services.workflow import CycleNotOpen, DraftInput, ReasonRequired, ValueRef
from tests.services.workflow_helpers import (
    EDITOR1, EDITOR2, JAPANESE, OTHER, OWN, REVIEWER, REVIEWER_EDITOR, active_indicators, approved, cycle_id, draft,
    fields, indicator, query, returned, save, snapshot, submitted, value,
)


# ---- the legal paths ---------------------------------------------------------------------------------------

def test_an_editor_saves_a_draft_submits_it_and_a_reviewer_approves_it(demo_db):
    ind = indicator(demo_db, "P1-1-01")  # テレワーク実施者数, target 280人
    ref = save(demo_db, EDITOR1, ind["indicator_id"], fields(300))
    row = value(demo_db, ref.value_id)
    assert (row["state"], row["version"], row["entered_by"], row["value_number"]) == ("draft", 1, "editor1",
                                                                                       Decimal("300"))
    assert row["cycle_id"] == cycle_id(demo_db, 2022)

    [v2] = workflow.submit(EDITOR1, [ref], demo_db)
    assert value(demo_db, ref.value_id)["state"] == "submitted"

    v3 = workflow.approve(REVIEWER, ValueRef(ref.value_id, v2), demo_db)
    row = value(demo_db, ref.value_id)
    assert (row["state"], row["version"]) == ("approved", v3)
    assert row["approved_by"] == "reviewer" and row["approved_at"] is not None
    assert row["entered_by"] == "editor1" and row["value_number"] == Decimal("300")


def test_a_returned_value_is_saved_again_as_a_draft_then_resubmitted_and_approved(demo_db):
    ref = submitted(demo_db)
    v = workflow.return_value(REVIEWER, ref, "期間の記載を確認してください", demo_db)
    row = value(demo_db, ref.value_id)
    assert row["state"] == "returned" and row["review_comment"] == "期間の記載を確認してください"

    again = save(demo_db, EDITOR1, row["indicator_id"], fields(row["value_number"] + 1, period_text="4月～9月"),
                 expected_version=v)
    row = value(demo_db, ref.value_id)
    assert row["state"] == "draft" and row["period_text"] == "4月～9月"

    [v] = workflow.submit(EDITOR1, [again], demo_db)
    workflow.approve(REVIEWER, ValueRef(ref.value_id, v), demo_db)
    assert value(demo_db, ref.value_id)["state"] == "approved"


@pytest.mark.parametrize("comment", ["", "   ", "\u3000", None])
def test_returning_without_a_comment_is_refused_and_the_value_stays_submitted(demo_db, comment):
    ref = submitted(demo_db)
    before = snapshot(demo_db)
    with pytest.raises(CommentRequired) as caught:
        workflow.return_value(REVIEWER, ref, comment, demo_db)
    assert "コメント" in str(caught.value)
    assert snapshot(demo_db) == before


def test_a_reviewer_reopens_an_approved_value_with_a_reason_and_it_becomes_an_editable_draft(demo_db):
    ref = approved(demo_db)
    v = workflow.reopen(REVIEWER, ref, "出典の数値が訂正されたため", demo_db)
    row = value(demo_db, ref.value_id)
    assert (row["state"], row["version"]) == ("draft", v)
    assert row["approved_by"] is None and row["approved_at"] is None

    save(demo_db, EDITOR1, row["indicator_id"], fields(row["value_number"] + 5), expected_version=v)
    assert value(demo_db, ref.value_id)["value_number"] == row["value_number"] + 5


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_reopening_without_a_reason_is_refused_and_the_value_stays_approved(demo_db, reason):
    ref = approved(demo_db)
    before = snapshot(demo_db)
    with pytest.raises(CommentRequired) as caught:
        workflow.reopen(REVIEWER, ref, reason, demo_db)
    assert "承認取消" in str(caught.value)
    assert snapshot(demo_db) == before


# ---- refused transitions -----------------------------------------------------------------------------------

def _save_again(db, ref):
    row = value(db, ref.value_id)
    save(db, EDITOR1, row["indicator_id"], {**fields(row["value_number"] + 1)}, expected_version=ref.version)


ILLEGAL = [
    # (state the value is in, the action tried, words the refusal must contain)
    ("approved", "save", ["承認済の値は「保存」できません", "ロック", "承認取消"]),
    ("submitted", "save", ["提出済の値は「保存」できません"]),
    ("draft", "approve", ["下書きの値は「承認」できません"]),
    ("draft", "return", ["下書きの値は「差戻し」できません"]),
    ("draft", "reopen", ["下書きの値は「承認取消」できません"]),
    ("submitted", "submit", ["提出済の値は「提出」できません"]),
    ("submitted", "reopen", ["提出済の値は「承認取消」できません"]),
    ("approved", "submit", ["承認済の値は「提出」できません", "ロック"]),
    ("approved", "approve", ["承認済の値は「承認」できません"]),
    ("approved", "return", ["承認済の値は「差戻し」できません"]),
    ("returned", "submit", ["差戻しの値は「提出」できません"]),
    ("returned", "approve", ["差戻しの値は「承認」できません"]),
]


def _in_state(db, state):
    if state == "draft":
        return draft(db)[0]
    return {"submitted": submitted, "approved": approved, "returned": returned}[state](db)


def _act(db, action, ref):
    if action == "save":
        return _save_again(db, ref)
    if action == "submit":
        return workflow.submit(EDITOR1, [ref], db)
    if action == "approve":
        return workflow.approve(REVIEWER, ref, db)
    if action == "return":
        return workflow.return_value(REVIEWER, ref, "確認してください", db)
    return workflow.reopen(REVIEWER, ref, "訂正のため", db)


@pytest.mark.parametrize(("state", "action", "words"), ILLEGAL, ids=[f"{s}-{a}" for s, a, _w in ILLEGAL])
def test_an_action_that_does_not_apply_to_the_state_is_refused_in_japanese_and_changes_nothing(
        demo_db, state, action, words):
    ref = _in_state(demo_db, state)
    before = snapshot(demo_db)
    with pytest.raises(IllegalTransition) as caught:
        _act(demo_db, action, ref)
    message = str(caught.value)
    for w in words:
        assert w in message, message
    assert snapshot(demo_db) == before


def test_a_reviewer_who_is_also_an_editor_cannot_approve_a_value_they_entered(demo_db):
    ref = submitted(demo_db, OWN, actor=REVIEWER_EDITOR)
    assert value(demo_db, ref.value_id)["entered_by"] == "reviewer"
    before = snapshot(demo_db)
    with pytest.raises(SelfApproval) as caught:
        workflow.approve(REVIEWER_EDITOR, ref, demo_db)
    assert "自分で入力した値を承認することはできません" in str(caught.value)
    assert snapshot(demo_db) == before
    # the plain reviewer account is the same person: still refused
    with pytest.raises(SelfApproval):
        workflow.approve(REVIEWER, ref, demo_db)


def test_a_reviewer_who_is_also_an_editor_approves_values_others_entered(demo_db):
    ref = submitted(demo_db, OWN)  # entered by editor1
    workflow.approve(REVIEWER_EDITOR, ref, demo_db)
    assert value(demo_db, ref.value_id)["approved_by"] == "reviewer"


def test_a_value_resaved_by_the_reviewer_editor_cannot_then_be_approved_by_them(demo_db):
    ref = returned(demo_db)  # entered by editor1, returned by the reviewer
    row = value(demo_db, ref.value_id)
    again = save(demo_db, REVIEWER_EDITOR, row["indicator_id"], fields(row["value_number"]), expected_version=ref.version)
    [v] = workflow.submit(REVIEWER_EDITOR, [again], demo_db)
    with pytest.raises(SelfApproval):
        workflow.approve(REVIEWER_EDITOR, ValueRef(ref.value_id, v), demo_db)


# ---- the reason for a shortfall ----------------------------------------------------------------------------

@pytest.mark.parametrize(("reason", "category"), [(None, None), ("コロナ禍で研修が中止になったため", None),
                                                  (None, "covid")],
                         ids=["neither", "reason-only", "category-only"])
def test_submitting_a_value_below_target_without_reason_and_category_is_refused_and_it_stays_a_draft(
        demo_db, reason, category):
    ind = indicator(demo_db, "P1-1-01")  # target 280 → 100 is 35.7%
    ref = save(demo_db, EDITOR1, ind["indicator_id"], fields(100, reason=reason, category=category))
    before = snapshot(demo_db)
    with pytest.raises(ReasonRequired) as caught:
        workflow.submit(EDITOR1, [ref], demo_db)
    message = str(caught.value)
    assert ind["name"] in message and "要因" in message and "100%未満" in message
    assert value(demo_db, ref.value_id)["state"] == "draft"
    assert snapshot(demo_db) == before


def test_a_value_below_target_with_reason_and_category_is_submitted(demo_db):
    ind = indicator(demo_db, "P1-1-01")
    ref = save(demo_db, EDITOR1, ind["indicator_id"], fields(100, reason="募集が遅れたため", category="other"))
    workflow.submit(EDITOR1, [ref], demo_db)
    assert value(demo_db, ref.value_id)["state"] == "submitted"


def test_a_value_reaching_its_target_is_submitted_without_a_reason(demo_db):
    ind = indicator(demo_db, "P1-1-01")
    ref = save(demo_db, EDITOR1, ind["indicator_id"], fields(280))
    workflow.submit(EDITOR1, [ref], demo_db)
    assert value(demo_db, ref.value_id)["state"] == "submitted"


@pytest.mark.xfail(strict=True, reason="BUG: _require_reason accepts a reason made only of spaces; a blank reason "
                                       "is no reason (CommentRequired strips blanks for the same kind of text)")
def test_a_reason_made_only_of_blanks_does_not_count_as_a_reason(demo_db):
    ind = indicator(demo_db, "P1-1-01")
    ref = save(demo_db, EDITOR1, ind["indicator_id"], fields(100, reason="\u3000 ", category="other"))
    with pytest.raises(ReasonRequired):
        workflow.submit(EDITOR1, [ref], demo_db)


# ---- submitting several values is all or nothing -----------------------------------------------------------

def _three_drafts(db):
    return [draft(db, OWN, i)[0] for i in range(3)]


def _states(db, refs):
    return [value(db, r.value_id)["state"] for r in refs]


def test_submitting_several_values_submits_them_all_in_one_go(demo_db):
    refs = _three_drafts(demo_db)
    versions = workflow.submit(EDITOR1, refs, demo_db)
    assert versions == [r.version + 1 for r in refs]
    assert _states(demo_db, refs) == ["submitted"] * 3


@pytest.mark.parametrize("bad", ["stale", "missing", "below_target_without_reason", "already_submitted",
                                 "other_department"])
def test_one_bad_value_among_several_submits_none_of_them(demo_db, bad):
    refs = _three_drafts(demo_db)
    expected_error: type[BaseException] = WorkflowError
    if bad == "stale":
        refs[1] = ValueRef(refs[1].value_id, refs[1].version + 7)
    elif bad == "missing":
        refs[1] = ValueRef(999_999, 1)
    elif bad == "below_target_without_reason":
        ind_id = value(demo_db, refs[1].value_id)["indicator_id"]
        refs[1] = save(demo_db, EDITOR1, ind_id, fields(0), expected_version=refs[1].version)
        expected_error = ReasonRequired
    elif bad == "already_submitted":
        refs[2] = submitted(demo_db, OWN, 3)
    else:
        from kpi.services.actors import Forbidden
        refs[2] = draft(demo_db, OTHER, 0)[0]
        expected_error = Forbidden
    before = snapshot(demo_db)
    with pytest.raises(expected_error) as caught:
        workflow.submit(EDITOR1, refs, demo_db)
    assert JAPANESE.search(str(caught.value)), str(caught.value)
    assert snapshot(demo_db) == before
    assert _states(demo_db, [r for r in refs if r.value_id != 999_999])[:2] == ["draft", "draft"]


def test_saving_several_drafts_is_all_or_nothing(demo_db):
    inds = active_indicators(demo_db, OWN)[:2]
    cid = cycle_id(demo_db, 2022)
    before = snapshot(demo_db)
    with pytest.raises(WorkflowError, match="対象ではありません"):
        with warehouse.transaction(demo_db) as con:
            workflow.save_drafts_in(con, EDITOR1, cid, [DraftInput(inds[0]["indicator_id"], fields(500)),
                                                        DraftInput(inds[1]["indicator_id"], fields(500)),
                                                        DraftInput(987_654, fields(1))], batch_id=None)
    assert snapshot(demo_db) == before


# ---- the finalized FY2021 cycle ---------------------------------------------------------------------------

def _fy2021_gyokaku(db):
    rows = query(db, "SELECT v.value_id, v.version, v.indicator_id, v.value_number FROM indicator_values v"
                     " JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id)"
                     " WHERE c.fiscal_year = 2021 AND i.department_code = 'GYOKAKU' ORDER BY v.value_id")
    return rows[0]


FY2021_ACTIONS = {
    "save": lambda db, r: save(db, EDITOR1, r["indicator_id"], fields(1), expected_version=r["version"],
                               fiscal_year=2021),
    "save_new": lambda db, r: save(db, EDITOR1, indicator(db, "P1-1-05")["indicator_id"], fields(1),
                                   fiscal_year=2021),  # the one FY2021 indicator without a value
    "submit": lambda db, r: workflow.submit(EDITOR1, [ValueRef(r["value_id"], r["version"])], db),
    "approve": lambda db, r: workflow.approve(REVIEWER, ValueRef(r["value_id"], r["version"]), db),
    "return": lambda db, r: workflow.return_value(REVIEWER, ValueRef(r["value_id"], r["version"]), "確認", db),
    "reopen": lambda db, r: workflow.reopen(REVIEWER, ValueRef(r["value_id"], r["version"]), "訂正", db),
}
ACTION_JA = {"save": "保存", "save_new": "保存", "submit": "提出", "approve": "承認", "return": "差戻し",
             "reopen": "承認取消"}


@pytest.mark.parametrize("action", list(FY2021_ACTIONS))
def test_the_finalized_fy2021_cycle_refuses_every_action(demo_db, action):
    row = _fy2021_gyokaku(demo_db)
    before = snapshot(demo_db)
    with pytest.raises(CycleNotOpen) as caught:
        FY2021_ACTIONS[action](demo_db, row)
    assert str(caught.value) == f"令和3年度は確定済のため、「{ACTION_JA[action]}」はできません"
    assert snapshot(demo_db) == before


def test_approving_many_in_the_finalized_cycle_skips_every_value_with_the_reason(demo_db):
    row = _fy2021_gyokaku(demo_db)
    before = snapshot(demo_db)
    result = workflow.approve_many(REVIEWER, [ValueRef(row["value_id"], row["version"])], demo_db)
    assert result.done == [] and "確定済" in result.skipped[row["value_id"]]
    assert snapshot(demo_db) == before


def _close_fy2022(db):
    with warehouse.transaction(db) as con:
        con.execute("UPDATE cycles SET state = 'closed' WHERE fiscal_year = 2022")


def test_after_the_deadline_closes_the_cycle_editors_can_no_longer_save_or_submit(demo_db):
    ref, ind = draft(demo_db)
    _close_fy2022(demo_db)
    before = snapshot(demo_db)
    with pytest.raises(CycleNotOpen, match="締切済のため、「保存」"):
        save(demo_db, EDITOR1, ind["indicator_id"], fields(1), expected_version=ref.version)
    with pytest.raises(CycleNotOpen, match="締切済のため、「提出」"):
        workflow.submit(EDITOR1, [ref], demo_db)
    assert snapshot(demo_db) == before


def test_after_the_deadline_closes_the_cycle_reviewers_still_return_approve_and_reopen(demo_db):
    to_approve = submitted(demo_db, OWN, 0)
    to_return = submitted(demo_db, OTHER, 0)
    _close_fy2022(demo_db)
    v = workflow.approve(REVIEWER, to_approve, demo_db)
    workflow.return_value(REVIEWER, to_return, "締切後の確認で差戻し", demo_db)
    workflow.reopen(REVIEWER, ValueRef(to_approve.value_id, v), "訂正のため", demo_db)
    assert [value(demo_db, r.value_id)["state"] for r in (to_approve, to_return)] == ["draft", "returned"]


def test_saving_an_indicator_that_is_not_in_the_cycle_is_refused_in_japanese(demo_db):
    with pytest.raises(WorkflowError) as caught:
        save(demo_db, EDITOR2, 424_242, fields(1))
    assert str(caught.value) == "指標（ID 424242）はこの年度の対象ではありません"


def test_acting_on_a_value_that_does_not_exist_is_refused_in_japanese(demo_db):
    with pytest.raises(WorkflowError) as caught:
        workflow.approve(REVIEWER, ValueRef(555_555, 1), demo_db)
    assert "見つかりません" in str(caught.value)

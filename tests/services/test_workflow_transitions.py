"""The value workflow through the services: the legal paths, the refusals and the Japanese sentences that say why."""
from __future__ import annotations

from decimal import Decimal

import pytest

import warehouse
from kpi.domain.workflow import CommentRequired, IllegalTransition, SelfApproval, WorkflowError
from kpi.services import workflow
from kpi.services.actors import Forbidden
from kpi.services.workflow import CycleNotOpen, DraftInput, ReasonRequired, ValueRef
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    EDITOR1, EDITOR2, FRESH, JAPANESE, OTHER, OWN, RETURN_COMMENT, REVIEWER, REVIEWER_EDITOR, fields, head_approve,
    save, save_many, snapshot, stage, value, values_of, wf_db,
)


# ---- the legal paths ---------------------------------------------------------------------------------------

def test_an_editor_saves_a_draft_submits_it_the_head_and_then_a_reviewer_approve_it(wf_db, stage):
    ref = save(wf_db, EDITOR1, stage.fy2022, stage.ind("P1-1-01"), fields(300))
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["version"], row["entered_by"], row["value_number"], row["cycle_id"]) == (
        "draft", 1, "editor1", Decimal("300"), stage.fy2022)

    [v2] = workflow.submit(EDITOR1, [ref], wf_db)
    assert value(wf_db, ref.value_id)["state"] == "submitted"
    [at_division] = head_approve(wf_db, OWN, ValueRef(ref.value_id, v2))
    assert value(wf_db, ref.value_id)["state"] == "head_approved"

    v3 = workflow.approve(REVIEWER, at_division, wf_db)
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["version"], row["approved_by"]) == ("approved", v3, "reviewer")
    assert row["approved_at"] is not None
    assert row["entered_by"] == "editor1" and row["value_number"] == Decimal("300")


def test_a_returned_value_carries_the_comment_and_is_saved_again_as_a_draft_then_resubmitted_and_approved(
        wf_db, stage):
    ref = stage.ref(OWN, "returned")
    row = value(wf_db, ref.value_id)
    assert row["state"] == "returned" and row["review_comment"] == RETURN_COMMENT

    again = save(wf_db, EDITOR1, stage.fy2022, row["indicator_id"],
                 fields(row["value_number"] + 1, period_text="4月～9月"), expected_version=ref.version)
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["period_text"], row["version"]) == ("draft", "4月～9月", again.version)

    [v] = workflow.submit(EDITOR1, [again], wf_db)
    workflow.approve(REVIEWER, *head_approve(wf_db, OWN, ValueRef(ref.value_id, v)), wf_db)
    assert value(wf_db, ref.value_id)["state"] == "approved"


def test_a_reviewer_returns_a_value_the_head_approved_with_a_comment(wf_db, stage):
    [ref] = head_approve(wf_db, OTHER, stage.ref(OTHER, "submitted"))
    v = workflow.return_value(REVIEWER, ref, "要因の記載をお願いします", wf_db)
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["version"], row["review_comment"]) == ("returned", v, "要因の記載をお願いします")


@pytest.mark.parametrize("comment", ["", " \u3000 ", None], ids=["empty", "blanks", "none"])
def test_returning_without_a_comment_is_refused_and_the_value_stays_where_it_was(wf_db, stage, comment):
    [ref] = head_approve(wf_db, OWN, stage.ref(OWN, "submitted"))
    before = snapshot(wf_db)
    with pytest.raises(CommentRequired) as caught:
        workflow.return_value(REVIEWER, ref, comment, wf_db)
    assert str(caught.value) == "「差戻し」にはコメント（理由）の入力が必要です"
    assert snapshot(wf_db) == before


def test_a_reviewer_reopens_an_approved_value_with_a_reason_and_it_becomes_an_editable_draft(wf_db, stage):
    ref = stage.ref(OWN, "approved")
    v = workflow.reopen(REVIEWER, ref, "出典の数値が訂正されたため", wf_db)
    row = value(wf_db, ref.value_id)
    assert (row["state"], row["version"], row["approved_by"], row["approved_at"]) == ("draft", v, None, None)

    save(wf_db, EDITOR1, stage.fy2022, row["indicator_id"], fields(row["value_number"] + 5), expected_version=v)
    assert value(wf_db, ref.value_id)["value_number"] == row["value_number"] + 5


@pytest.mark.parametrize("reason", ["", "  ", None], ids=["empty", "blanks", "none"])
def test_reopening_without_a_reason_is_refused_and_the_value_stays_approved(wf_db, stage, reason):
    before = snapshot(wf_db)
    with pytest.raises(CommentRequired) as caught:
        workflow.reopen(REVIEWER, stage.ref(OWN, "approved"), reason, wf_db)
    assert str(caught.value) == "「承認取消」にはコメント（理由）の入力が必要です"
    assert snapshot(wf_db) == before


# ---- refused transitions -----------------------------------------------------------------------------------

ILLEGAL = [
    # (state the value is in, the action tried, the words the refusal must contain)
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


def _act(db, stage, action, ref):
    if action == "save":
        row = value(db, ref.value_id)
        return save(db, EDITOR1, stage.fy2022, row["indicator_id"], fields(1), expected_version=ref.version)
    if action == "submit":
        return workflow.submit(EDITOR1, [ref], db)
    if action == "approve":
        return workflow.approve(REVIEWER, ref, db)
    if action == "return":
        return workflow.return_value(REVIEWER, ref, "確認してください", db)
    return workflow.reopen(REVIEWER, ref, "訂正のため", db)


@pytest.mark.parametrize(("state", "action", "words"), ILLEGAL, ids=[f"{s}-{a}" for s, a, _w in ILLEGAL])
def test_an_action_that_does_not_apply_to_the_state_is_refused_in_japanese_and_changes_nothing(
        wf_db, stage, state, action, words):
    ref = stage.ref(OWN, state)
    before = snapshot(wf_db)
    with pytest.raises(IllegalTransition) as caught:
        _act(wf_db, stage, action, ref)
    message = str(caught.value)
    for w in words:
        assert w in message, message
    assert snapshot(wf_db) == before


def test_a_reviewer_who_is_also_an_editor_cannot_approve_a_value_they_entered(wf_db, stage):
    ref = stage.ref(OWN, "self_submitted")  # entered and submitted by REVIEWER_EDITOR
    assert value(wf_db, ref.value_id)["entered_by"] == "reviewer"
    [ref] = head_approve(wf_db, OWN, ref)
    before = snapshot(wf_db)
    with pytest.raises(SelfApproval) as caught:
        workflow.approve(REVIEWER_EDITOR, ref, wf_db)
    assert str(caught.value) == "自分で入力した値を承認することはできません"
    with pytest.raises(SelfApproval):  # the same person through the plain reviewer account
        workflow.approve(REVIEWER, ref, wf_db)
    assert snapshot(wf_db) == before


def test_a_reviewer_who_is_also_an_editor_approves_values_others_entered(wf_db, stage):
    [ref] = head_approve(wf_db, OWN, stage.ref(OWN, "submitted"))  # entered by editor1
    workflow.approve(REVIEWER_EDITOR, ref, wf_db)
    assert value(wf_db, ref.value_id)["approved_by"] == "reviewer"


def test_a_reviewer_editor_who_resaves_a_returned_value_may_no_longer_approve_it(wf_db, stage):
    ref = stage.ref(OWN, "returned")  # entered by editor1
    row = value(wf_db, ref.value_id)
    again = save(wf_db, REVIEWER_EDITOR, stage.fy2022, row["indicator_id"], fields(row["value_number"]),
                 expected_version=ref.version)
    [v] = workflow.submit(REVIEWER_EDITOR, [again], wf_db)
    with pytest.raises(SelfApproval):
        workflow.approve(REVIEWER_EDITOR, *head_approve(wf_db, OWN, ValueRef(ref.value_id, v)), wf_db)


# ---- the reason for a shortfall ----------------------------------------------------------------------------

@pytest.mark.parametrize(("reason", "category"), [(None, None), ("コロナ禍で研修が中止になったため", None),
                                                  (None, "covid"), ("", "other")],
                         ids=["neither", "reason-only", "category-only", "empty-reason"])
def test_submitting_a_value_below_target_without_reason_and_category_is_refused_and_it_stays_a_draft(
        wf_db, stage, reason, category):
    ind = stage.indicators["P1-1-01"]  # target 280人: 100 is 35.7%
    ref = save(wf_db, EDITOR1, stage.fy2022, ind["indicator_id"], fields(100, reason=reason, category=category))
    before = snapshot(wf_db)
    with pytest.raises(ReasonRequired) as caught:
        workflow.submit(EDITOR1, [ref], wf_db)
    assert str(caught.value) == (f"「{ind['name']}」は達成率が100%未満のため、"
                                 "要因と要因の分類を入力してから提出してください")
    assert snapshot(wf_db) == before
    assert value(wf_db, ref.value_id)["state"] == "draft"


@pytest.mark.parametrize(("number", "reason", "category"), [(100, "募集が遅れたため", "other"), (280, None, None)],
                         ids=["below-with-reason", "reaching-target-without-reason"])
def test_a_value_is_submitted_when_it_reaches_the_target_or_carries_its_reason(wf_db, stage, number, reason,
                                                                                category):
    ref = save(wf_db, EDITOR1, stage.fy2022, stage.ind("P1-1-01"), fields(number, reason=reason, category=category))
    workflow.submit(EDITOR1, [ref], wf_db)
    assert value(wf_db, ref.value_id)["state"] == "submitted"


def test_a_reason_made_only_of_blanks_does_not_count_as_a_reason(wf_db, stage):
    ref = save(wf_db, EDITOR1, stage.fy2022, stage.ind("P1-1-01"), fields(100, reason="\u3000 ", category="other"))
    with pytest.raises(ReasonRequired):
        workflow.submit(EDITOR1, [ref], wf_db)
    assert value(wf_db, ref.value_id)["state"] == "draft"


# ---- several values at once: all or nothing ----------------------------------------------------------------

def _three_drafts(db, stage):
    fresh = save_many(db, EDITOR1, stage.fy2022, [(stage.ind(c), fields(999), None) for c in FRESH])
    return [stage.ref(OWN, "draft"), *fresh]


def test_submitting_several_values_submits_them_all_in_one_go(wf_db, stage):
    refs = _three_drafts(wf_db, stage)
    versions = workflow.submit(EDITOR1, refs, wf_db)
    assert versions == [r.version + 1 for r in refs]
    assert [r["state"] for r in values_of(wf_db, [r.value_id for r in refs])] == ["submitted"] * 3


BAD_SUBMISSIONS = {
    # what replaces the middle value → the error raised
    "stale_version": (lambda db, s, r: ValueRef(r.value_id, r.version + 7), WorkflowError),
    "missing_value": (lambda db, s, r: ValueRef(999_999, 1), WorkflowError),
    "below_target_without_reason": (
        lambda db, s, r: save(db, EDITOR1, s.fy2022, s.ind(FRESH[0]), fields(0), expected_version=r.version),
        ReasonRequired),
    "already_submitted": (lambda db, s, r: s.ref(OWN, "submitted"), IllegalTransition),
    "other_department": (lambda db, s, r: s.ref(OTHER, "draft"), Forbidden),
    "finalized_cycle": (lambda db, s, r: s.fy2021_ref, CycleNotOpen),
}


@pytest.mark.parametrize("bad", list(BAD_SUBMISSIONS))
def test_one_bad_value_among_several_submits_none_of_them(wf_db, stage, bad):
    refs = _three_drafts(wf_db, stage)
    replace, error = BAD_SUBMISSIONS[bad]
    refs[1] = replace(wf_db, stage, refs[1])
    before = snapshot(wf_db)
    with pytest.raises(error) as caught:
        workflow.submit(EDITOR1, refs, wf_db)
    assert JAPANESE.search(str(caught.value)), str(caught.value)
    assert snapshot(wf_db) == before
    assert [r["state"] for r in values_of(wf_db, [refs[0].value_id, refs[2].value_id])] == ["draft", "draft"]


def test_saving_several_drafts_is_all_or_nothing(wf_db, stage):
    before = snapshot(wf_db)
    with pytest.raises(WorkflowError, match="対象ではありません"):
        save_many(wf_db, EDITOR1, stage.fy2022, [(stage.ind(c), fields(500), None) for c in FRESH]
                  + [(987_654, fields(1), None)])
    assert snapshot(wf_db) == before


# ---- cycles that are not open --------------------------------------------------------------------------------

def _fy2021_action(action):
    def run(db, s):
        r = s.fy2021_ref
        if action == "save":
            return save(db, EDITOR1, s.fy2021, s.ind("P1-1-01"), fields(1), expected_version=r.version)
        if action == "save_new":  # P1-1-05 is the one FY2021 indicator without a value
            return save(db, EDITOR1, s.fy2021, s.ind("P1-1-05"), fields(1))
        if action == "submit":
            return workflow.submit(EDITOR1, [r], db)
        if action == "approve":
            return workflow.approve(REVIEWER, r, db)
        if action == "approve_many":
            result = workflow.approve_many(REVIEWER, [r], db)
            assert result.done == []
            raise CycleNotOpen(result.skipped[r.value_id])
        if action == "return":
            return workflow.return_value(REVIEWER, r, "確認してください", db)
        return workflow.reopen(REVIEWER, r, "訂正のため", db)
    return run


FY2021_ACTION_JA = {"save": "保存", "save_new": "保存", "submit": "提出", "approve": "承認", "approve_many": "承認",
                    "return": "差戻し", "reopen": "承認取消"}


@pytest.mark.parametrize("action", list(FY2021_ACTION_JA))
def test_the_finalized_fy2021_cycle_refuses_every_action(wf_db, stage, action):
    before = snapshot(wf_db)
    with pytest.raises(CycleNotOpen) as caught:
        _fy2021_action(action)(wf_db, stage)
    assert str(caught.value) == f"令和3年度は確定済のため、「{FY2021_ACTION_JA[action]}」はできません"
    assert snapshot(wf_db) == before


def _close_fy2022(db):
    with warehouse.transaction(db) as con:
        con.execute("UPDATE cycles SET state = 'closed' WHERE fiscal_year = 2022")


def test_once_the_cycle_is_closed_editors_can_no_longer_save_or_submit(wf_db, stage):
    ref = stage.ref(OWN, "draft")
    _close_fy2022(wf_db)
    before = snapshot(wf_db)
    with pytest.raises(CycleNotOpen, match="令和4年度は締切済のため、「保存」はできません"):
        save(wf_db, EDITOR1, stage.fy2022, stage.ind("P1-1-04"), fields(1), expected_version=ref.version)
    with pytest.raises(CycleNotOpen, match="令和4年度は締切済のため、「提出」はできません"):
        workflow.submit(EDITOR1, [ref], wf_db)
    assert snapshot(wf_db) == before


def test_once_the_cycle_is_closed_reviewers_still_approve_return_and_reopen(wf_db, stage):
    [own] = head_approve(wf_db, OWN, stage.ref(OWN, "submitted"))  # the heads approved before the deadline
    [other] = head_approve(wf_db, OTHER, stage.ref(OTHER, "submitted"))
    _close_fy2022(wf_db)
    workflow.approve(REVIEWER, own, wf_db)
    workflow.return_value(REVIEWER, other, "締切後の確認で差戻し", wf_db)
    workflow.reopen(REVIEWER, stage.ref(OTHER, "approved"), "訂正のため", wf_db)
    refs = [own, other, stage.ref(OTHER, "approved")]
    assert [r["state"] for r in values_of(wf_db, [r.value_id for r in refs])] == ["approved", "returned", "draft"]


def test_saving_an_indicator_that_is_not_in_the_cycle_is_refused_in_japanese(wf_db, stage):
    with pytest.raises(WorkflowError) as caught:
        save(wf_db, EDITOR2, stage.fy2022, 424_242, fields(1))
    assert str(caught.value) == "指標（ID 424242）はこの年度の対象ではありません"


def test_acting_on_a_value_that_does_not_exist_is_refused_in_japanese(wf_db):
    with pytest.raises(WorkflowError) as caught:
        workflow.approve(REVIEWER, ValueRef(555_555, 1), wf_db)
    assert str(caught.value) == "値（ID [555555]）が見つかりません。画面を再読み込みしてください。"


def test_draft_input_figures_land_as_given(wf_db, stage):
    figures = fields(Decimal("12.5"), reason="年度途中のため", category="other", remark="速報値",
                     value_text="12.5人", qualitative_achieved=None)
    figures["value_kind"] = "actual"
    with warehouse.transaction(wf_db) as con:
        [ref] = workflow.save_drafts_in(con, EDITOR1, stage.fy2022, [DraftInput(stage.ind("P1-1-02"), figures)],
                                        batch_id=None)
    row = value(wf_db, ref.value_id)
    for key in ("value_number", "value_text", "value_kind", "period_text", "value_fy", "reason", "reason_category",
                "remark"):
        assert row[key] == figures[key], key


def test_warnings_of_the_save_must_be_acknowledged_before_submitting(demo_db):
    """A save whose value jumped far from last year's approved one warns; submit needs the warning confirmed."""
    from kpi.services import intake
    from kpi.services.accounts import authenticate
    from kpi.services.entries import RawEntry
    from kpi.services.workflow import ValueRef, WarningsNotAcknowledged, submit

    editor = authenticate("editor1", "editor1-pass", db=demo_db)
    batch = intake.receive(editor, 2022, "GYOKAKU", [RawEntry("P1-1-01", "368,210人", "実績値", row_no=1)], db=demo_db)
    report = intake.process(batch, db=demo_db)
    assert [f.message for f in report.warnings] == [
        "「テレワーク実施者数」の値は前年度の承認値（36821）から大きく変わっています。入力誤りでないか確認してください"]
    with warehouse.connect(demo_db) as con:
        value_id, version = con.execute(
            "SELECT value_id, version FROM indicator_values v JOIN cycles c USING (cycle_id)"
            " WHERE c.fiscal_year = 2022").fetchone()
    with pytest.raises(WarningsNotAcknowledged, match="前年度の承認値"):
        submit(editor, [ValueRef(value_id, version)], db=demo_db)
    submit(editor, [ValueRef(value_id, version)], db=demo_db, acknowledge_warnings=True)
    with warehouse.connect(demo_db) as con:
        assert con.execute("SELECT state FROM indicator_values WHERE value_id = ?", [value_id]).fetchone() == ("submitted",)
        assert con.execute("SELECT bool_and(acknowledged) FROM validation_findings WHERE value_id = ?",
                           [value_id]).fetchone() == (True,)

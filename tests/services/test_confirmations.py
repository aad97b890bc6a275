"""見込 → 確定 commands on a real warehouse (a copy of the demo): a department enters the 確定値 of an approved
projection of the finalized FY2021 with its date and source, the chain approves it, the value itself never changes,
and every step is refused where the permission table, the chain or the version says so."""
from __future__ import annotations

from datetime import date

import pytest

import warehouse
from kpi.domain.roles import Role
from kpi.domain.workflow import CommentRequired, SelfApproval, WorkflowError
from kpi.services import approval_chain, confirmations, reconciliation
from kpi.services.actors import Actor, Forbidden
from kpi.services.conflicts import Conflict
from kpi.services.confirmations import ConfirmationRef
from kpi.services.summaries import cycle_summary

EDITOR1 = Actor("editor1", "総務部 入力担当", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
EDITOR2 = Actor("editor2", "健康福祉部 入力担当", frozenset({Role.EDITOR}), frozenset({"IRYO"}))
HEAD = Actor("head-gyokaku", "行政改革推進課長", frozenset({Role.DEPT_HEAD}), frozenset({"GYOKAKU"}))
REVIEWER = Actor("reviewer", "行政改革推進課 審査担当", frozenset({Role.REVIEWER}))
EXECUTIVE = Actor("executive", "幹部", frozenset({Role.EXECUTIVE}))
CODE = "P1-1-02"  # GYOKAKU, 目標 5件, R3年度末見込値 7件 (achieved)


def _value_row(db, code: str) -> tuple:
    with warehouse.connect(db) as con:
        return con.execute("SELECT v.* FROM indicator_values v JOIN indicators i USING (indicator_id)"
                           " JOIN cycles c USING (cycle_id) WHERE i.code = ? AND c.fiscal_year = 2021",
                           [code]).fetchone()


def _trail(db, confirmation_id: int) -> list[tuple]:
    with warehouse.connect(db) as con:
        return con.execute("SELECT actor, role, action, from_state, to_state, old_value, new_value, comment"
                           " FROM audit_log WHERE entity = 'confirmation' AND entity_id = ? ORDER BY audit_id",
                           [str(confirmation_id)]).fetchall()


def _line(actor, db, code=CODE) -> dict:
    return next(ln for ln in reconciliation.owed(actor, 2021, db=db) if ln["code"] == code)


def test_a_projection_is_confirmed_through_the_chain_and_the_value_never_changes(demo_db):
    before = _value_row(demo_db, CODE)
    approved_counts = cycle_summary(2021, db=demo_db)["groups"][0]["counts"]
    confirmed_counts = cycle_summary(2021, basis="confirmed", db=demo_db)["groups"][0]["counts"]
    assert _line(EDITOR1, demo_db)["state_ja"] == "未入力" and _line(EDITOR1, demo_db)["owed"]
    ref = confirmations.save(EDITOR1, 2021, CODE, "４件", confirmed_on="2022-06-30", source="令和3年度 庁内調査",
                             db=demo_db)
    line = _line(EDITOR1, demo_db)
    assert (line["confirmed_text"], line["confirmed_on"], line["source"], line["state_ja"]) == (
        "4件", date(2022, 6, 30), "令和3年度 庁内調査", "下書き")
    v = confirmations.submit(EDITOR1, ref, db=demo_db)
    # the demo's chain is 担当 → 所属長 → 行政改革推進課: the department's head approves first
    assert [q["code"] for q in reconciliation.queue(HEAD, 2021, db=demo_db)] == [CODE]
    v = confirmations.approve(HEAD, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    assert [q["code"] for q in reconciliation.queue(REVIEWER, 2021, db=demo_db)] == [CODE]
    confirmations.approve(REVIEWER, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    assert _value_row(demo_db, CODE) == before  # the projection stays as it was published
    line = _line(EDITOR1, demo_db)
    assert (line["state_ja"], line["owed"], line["approved_by"], line["projection_text"]) == (
        "承認済", False, "reviewer", "7件")
    assert cycle_summary(2021, db=demo_db)["groups"][0]["counts"] == approved_counts
    confirmed = cycle_summary(2021, basis="confirmed", db=demo_db)
    assert confirmed["groups"][0]["counts"] == {**confirmed_counts, "achieved": confirmed_counts["achieved"] - 1,
                                                "band_60_100": confirmed_counts["band_60_100"] + 1}  # 4件: 80%
    assert confirmed["confirmed"] == 6  # the demo's five and this one
    trail = _trail(demo_db, ref.confirmation_id)
    assert [(a, r, act, f, t) for a, r, act, f, t, *_ in trail] == [
        ("editor1", "editor", "save", None, "draft"), ("editor1", "editor", "submit", "draft", "submitted"),
        ("head-gyokaku", "dept_head", "head_approve", "submitted", "head_approved"),
        ("reviewer", "reviewer", "approve", "head_approved", "approved")]
    assert trail[0][5:] == ("7件", "4件", "確定日: 2022-06-30／出典: 令和3年度 庁内調査")


def test_refusals_name_what_is_refused(demo_db):
    with pytest.raises(Forbidden, match="担当外"):
        confirmations.save(EDITOR2, 2021, CODE, "4件", confirmed_on="2022-06-30", source="調査", db=demo_db)
    with pytest.raises(WorkflowError, match="実績値として承認済"):
        confirmations.save(EDITOR1, 2021, "P1-1-04", "5,500時間", confirmed_on="2022-06-30", source="調査",
                           db=demo_db)  # RPA: an actual, nothing to confirm
    with pytest.raises(WorkflowError, match="出典"):
        confirmations.save(EDITOR1, 2021, CODE, "4件", confirmed_on="2022-06-30", source="  ", db=demo_db)
    with pytest.raises(WorkflowError, match="確定日"):
        confirmations.save(EDITOR1, 2021, CODE, "4件", confirmed_on="6月30日", source="調査", db=demo_db)
    ref = confirmations.save(EDITOR1, 2021, CODE, "4件", confirmed_on=date(2022, 6, 30), source="調査", db=demo_db)
    with pytest.raises(Conflict, match="他の人が先に更新しました"):  # a second form that saw no confirmation
        confirmations.save(EDITOR1, 2021, CODE, "3件", confirmed_on="2022-06-30", source="調査", db=demo_db)
    with pytest.raises(WorkflowError, match="下書きの値は「承認」できません"):
        confirmations.approve(REVIEWER, ref, db=demo_db)
    v = confirmations.submit(EDITOR1, ref, db=demo_db)
    with pytest.raises(WorkflowError, match="所属長の承認が済んでいない"):  # the demo's chain: the head first
        confirmations.approve(REVIEWER, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    v = confirmations.approve(HEAD, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    with pytest.raises(Forbidden):
        confirmations.approve(EXECUTIVE, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    with pytest.raises(Conflict):
        confirmations.approve(REVIEWER, ref, db=demo_db)  # the version read before the submission
    with pytest.raises(CommentRequired):
        confirmations.return_confirmation(REVIEWER, ConfirmationRef(ref.confirmation_id, v), " ", db=demo_db)
    both = Actor("editor1", "兼務", frozenset({Role.EDITOR, Role.REVIEWER}), frozenset({"GYOKAKU"}))
    with pytest.raises(SelfApproval):
        confirmations.approve(both, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    v = confirmations.return_confirmation(REVIEWER, ConfirmationRef(ref.confirmation_id, v), "出典の資料名を", db=demo_db)
    line = _line(EDITOR1, demo_db)
    assert (line["state_ja"], line["review_comment"]) == ("差戻し", "出典の資料名を")
    confirmations.save(EDITOR1, 2021, CODE, "4件", confirmed_on="2022-06-30", source="令和3年度 庁内調査",
                       expected_version=v, db=demo_db)  # corrected after the return
    assert _line(EDITOR1, demo_db)["state_ja"] == "下書き"


def test_only_a_closed_or_finalized_year_takes_a_confirmation(demo_db):
    with warehouse.transaction(demo_db) as con:
        con.execute("UPDATE cycles SET state = 'open' WHERE fiscal_year = 2021")
    with pytest.raises(Forbidden, match="受付中の集計サイクルでは"):
        confirmations.save(EDITOR1, 2021, CODE, "4件", confirmed_on="2022-06-30", source="調査", db=demo_db)
    assert reconciliation.owed(EDITOR1, 2021, db=demo_db) == []
    assert reconciliation.owed_counts(2021, db=demo_db) == {}


def test_a_two_level_chain_passes_the_head_first(demo_db):
    with warehouse.connect(demo_db) as con:
        strategy_id = con.execute("SELECT strategy_id FROM cycles WHERE fiscal_year = 2021").fetchone()[0]
    approval_chain.set_chain(REVIEWER, strategy_id, [("担当", "editor"), ("所属長", "dept_head"),
                                                     ("行政改革推進課", "reviewer")], demo_db)
    ref = confirmations.save(EDITOR1, 2021, CODE, "4件", confirmed_on="2022-06-30", source="調査", db=demo_db)
    v = confirmations.submit(EDITOR1, ref, db=demo_db)
    with pytest.raises(WorkflowError, match="所属長の承認が済んでいない"):
        confirmations.approve(REVIEWER, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    other_head = Actor("head-iryo", "医療整備課長", frozenset({Role.DEPT_HEAD}), frozenset({"IRYO"}))
    assert reconciliation.queue(other_head, 2021, db=demo_db) == []
    with pytest.raises(Forbidden, match="担当外"):
        confirmations.approve(other_head, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    assert [q["code"] for q in reconciliation.queue(HEAD, 2021, db=demo_db)] == [CODE]
    v = confirmations.approve(HEAD, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    assert _line(EDITOR1, demo_db)["state_ja"] == "所属長承認済"
    assert reconciliation.queue(HEAD, 2021, db=demo_db) == []
    confirmations.approve(REVIEWER, ConfirmationRef(ref.confirmation_id, v), db=demo_db)
    assert [t[2] for t in _trail(demo_db, ref.confirmation_id)] == ["save", "submit", "head_approve", "approve"]
    assert _trail(demo_db, ref.confirmation_id)[2][6] == "承認段階: 所属長"


def test_owed_confirmations_are_counted_per_department_until_submitted(demo_db):
    counts = reconciliation.owed_counts(2021, db=demo_db)
    # the demo confirmed P3-2-01 (one of GYOKAKU's four projections) and both of JOHO's; SOMU owes a 速報値
    assert counts["GYOKAKU"] == 3 and "JOHO" not in counts and counts["SOMU"] == 1
    owed = [ln for ln in reconciliation.owed(REVIEWER, 2021, db=demo_db) if ln["owed"]]
    assert sum(counts.values()) == len(owed)
    ref = confirmations.save(EDITOR1, 2021, CODE, "4件", confirmed_on="2022-06-30", source="調査", db=demo_db)
    assert reconciliation.owed_counts(2021, db=demo_db)["GYOKAKU"] == 3  # a draft is still owed
    confirmations.submit(EDITOR1, ref, db=demo_db)
    assert reconciliation.owed_counts(2021, db=demo_db)["GYOKAKU"] == 2
    assert {ln["department"] for ln in reconciliation.owed(EDITOR1, 2021, db=demo_db)} == {"GYOKAKU"}


def test_the_reminders_count_owed_confirmations_per_finished_year(demo_db):
    with pytest.raises(Forbidden):
        reconciliation.owed_by_year(EDITOR1, db=demo_db)
    owed = {(o["fiscal_year"], o["department"]): o["owed"] for o in reconciliation.owed_by_year(REVIEWER, db=demo_db)}
    assert owed[(2021, "GYOKAKU")] == 3 and (2021, "JOHO") not in owed
    assert {fy for fy, _d in owed} <= {2019, 2020, 2021}  # finished years only: never the open FY2022
    assert sum(n for (fy, _d), n in owed.items() if fy == 2021) == sum(reconciliation.owed_counts(2021, db=demo_db).values())

"""Reminders of owed confirmations (見込 → 確定) on a real warehouse (a copy of the demo) with e-mail to a real
local SMTP server: the editors get the 確定値 not entered, drafts and returned ones, the head the submitted ones,
nobody the ones waiting for the division; once a day at most; only the year that accepts confirmations (the
latest finished one) owes them; `kpi remind` names them in Japanese."""
from __future__ import annotations

from datetime import date

import pytest

import warehouse
from kpi.services import confirmation_reminders, confirmations, reconciliation, reminders
from kpi.services.confirmations import ConfirmationRef
from kpi.domain.workflow import WorkflowError
from tests.services.test_reminders import set_email, smtp_server  # noqa: F401  (smtp_server is a fixture)
from tests.services.workflow_helpers import EDITOR1, EDITOR2, HEAD1, HEAD2, REVIEWER, query

GYOKAKU_NAME = "総務部行政改革推進課"
TODAY = date(2022, 12, 10)


def _names(db) -> dict[str, str]:
    return {r["code"]: r["name"] for r in query(db, "SELECT code, name FROM indicators")}


def _enter(actor, code, value, db, submit=False) -> ConfirmationRef:
    ref = confirmations.save(actor, 2021, code, value, confirmed_on="2022-06-30", source="令和3年度 庁内調査", db=db)
    if submit:
        ref = ConfirmationRef(ref.confirmation_id, confirmations.submit(actor, ref, db=db))
    return ref


def _stage(db) -> None:
    """GYOKAKU: P2-1-03 a draft, P3-3-01 returned by its head, P1-1-02 submitted (waiting for the head), P3-2-01
    confirmed by the demo; IRYO: P2-1-04 approved by its head (waiting for the division), P2-1-05 not entered."""
    _enter(EDITOR1, "P2-1-03", "650件", db)
    ref = _enter(EDITOR1, "P3-3-01", "6回", db, submit=True)
    confirmations.return_confirmation(HEAD1, ref, "出典の資料名を正確に書いてください", db=db)
    _enter(EDITOR1, "P1-1-02", "６件", db, submit=True)
    ref = _enter(EDITOR2, "P2-1-04", "36,000件/月", db, submit=True)
    confirmations.approve(HEAD2, ref, db=db)


def _by_subject(inbox, start: str) -> dict[tuple[str, ...], object]:
    return {tuple(rcpt): msg for rcpt, msg in inbox.messages if msg["Subject"].startswith(start)}


def test_each_department_is_mailed_the_confirmations_it_owes_by_their_place_in_the_chain(demo_db, smtp_server):
    for login in ("editor1", "head1", "editor2", "head2"):
        set_email(demo_db, login, f"{login}@pref.example.jp")
    _stage(demo_db)
    names = _names(demo_db)

    result = reminders.remind(REVIEWER, 2022, manual=True, today=TODAY, db=demo_db)
    got = {(s.department_code, s.audience): s for s in result.confirmations}
    assert ("GYOKAKU", "editors") in got and ("GYOKAKU", "heads") in got and ("IRYO", "editors") in got
    assert ("IRYO", "heads") not in got  # its submitted one is past the head: the division's, no mail
    gy = got[("GYOKAKU", "editors")]
    assert (gy.kind, gy.fiscal_year, gy.missing, gy.returned, gy.mail_status) == ("confirm", 2021, 1, 1, "sent")
    assert gy.kind_label == "確定値の督促（令和3年度・担当者あて）"
    assert got[("GYOKAKU", "heads")].recipients == ("head1@pref.example.jp",)
    assert result.sent  # the open FY2022's value reminders go out in the same run

    editors = _by_subject(smtp_server, "【確定値の督促】")
    msg = editors[("editor1@pref.example.jp",)]
    assert msg["Subject"] == (f"【確定値の督促】令和3年度 見込値・速報値の確定値の入力のお願い（{GYOKAKU_NAME} "
                              "未入力・下書き1件・差戻し1件）")
    body = msg.get_content()
    assert f"・P2-1-03 {names['P2-1-03']} — 公表時: 700件（R3年度末見込値）（下書きのまま未提出）" in body
    assert (f"・P3-3-01 {names['P3-3-01']} — 公表時: 7回（R3年度末見込値） — コメント: 出典の資料名を正確に書いてください"
            in body)
    assert "P1-1-02" not in body and "P3-2-01" not in body  # submitted (the head's), confirmed by the demo
    iryo = editors[("editor2@pref.example.jp",)].get_content()
    assert f"・P2-1-05 {names['P2-1-05']} — 公表時: 96,898件（R3年度末見込値）（未入力）" in iryo
    assert "P2-1-04" not in iryo

    heads = _by_subject(smtp_server, "【確定値の承認依頼】")
    assert set(heads) == {("head1@pref.example.jp",)}
    head = heads[("head1@pref.example.jp",)]
    assert head["Subject"] == f"【確定値の承認依頼】令和3年度 見込値・速報値の確定値（{GYOKAKU_NAME} 所属長の承認待ち1件）"
    assert f"・P1-1-02 {names['P1-1-02']} — 公表時: 7件（R3年度末見込値） → 確定値: 6件" in head.get_content()

    # stored under FY2021's cycle as notices of kind 'confirm', one per department and audience, and audited
    cycle_2021 = query(demo_db, "SELECT cycle_id FROM cycles WHERE fiscal_year = 2021")[0]["cycle_id"]
    rows = query(demo_db, "SELECT department_code, audience, missing_count, returned_count FROM reminder_notices"
                          " WHERE kind = 'confirm' AND cycle_id = ? ORDER BY ALL", [cycle_2021])
    assert {(r["department_code"], r["audience"]) for r in rows} == set(got)
    audits = query(demo_db, "SELECT entity_id, comment, new_value FROM audit_log WHERE action = 'remind'"
                            " AND cycle_id = ? ORDER BY ALL", [cycle_2021])
    assert {"entity_id": "GYOKAKU", "comment": "確定値の督促（令和3年度・所属長あて）",
            "new_value": "所属長の承認待ち1件"} in audits
    assert len(audits) == len(got)

    # a second run the same day sends nothing again, mail or notice
    count = len(smtp_server.messages)
    again = reminders.remind(REVIEWER, 2022, manual=True, today=TODAY, db=demo_db)
    assert again.confirmations == [] and again.sent == [] and len(smtp_server.messages) == count
    assert (GYOKAKU_NAME, "令和3年度の確定値は本日督促済みです") in again.confirmations_skipped


def test_a_scheduled_run_reminds_the_first_time_then_once_a_week_and_with_no_cycle_open(demo_db):
    with warehouse.transaction(demo_db) as con:
        con.execute("UPDATE cycles SET state = 'preparing' WHERE fiscal_year = 2022")
    assert reminders.reminder_fiscal_years(db=demo_db) == [2021]  # no cycle open: the confirmations still go out
    owing = {d for d, n in reconciliation.owed_counts(2021, db=demo_db).items() if n}

    def run(day):
        return reminders.remind(REVIEWER, 2021, today=day, smtp=None, db=demo_db)

    first = run(date(2022, 7, 1))
    assert first.values is False and first.sent == []
    assert {s.department_code for s in first.confirmations} == owing
    assert {s.mail_status for s in first.confirmations} == {"no_smtp"}
    assert run(date(2022, 7, 1)).confirmations == []  # the same day
    assert run(date(2022, 7, 7)).confirmations == []  # within the week
    assert {s.department_code for s in run(date(2022, 7, 8)).confirmations} == owing
    assert len(query(demo_db, "SELECT * FROM reminder_notices WHERE kind = 'confirm'")) == 2 * len(owing)


@pytest.mark.parametrize(("last", "today", "manual", "due"), [
    (None, date(2022, 7, 1), False, True), (date(2022, 7, 1), date(2022, 7, 1), True, False),
    (date(2022, 7, 1), date(2022, 7, 2), True, True), (date(2022, 7, 1), date(2022, 7, 7), False, False),
    (date(2022, 7, 1), date(2022, 7, 8), False, True)])
def test_an_owed_confirmation_reminder_is_due_once_a_day_manually_and_weekly_on_schedule(last, today, manual, due):
    assert confirmation_reminders.due(last, today, manual) is due


def test_in_a_one_level_chain_a_submitted_confirmation_is_the_divisions_and_mails_nobody():
    row = {"value_kind": "projection", "value_label": "R3年度末見込値", "stopped_in_cycle": False,
           "target_type": "numeric", "cycle_id": 3, "fiscal_year": 2021, "department_code": "GYOKAKU",
           "department_name": GYOKAKU_NAME, "strategy_id": 1, "code": "P1-1-02", "name": "取組数", "unit": "件",
           "value_text": "7件", "value_number": 7, "k_state": "submitted", "k_comment": None, "k_text": "6件"}
    assert confirmation_reminders.group_owed([row], {1: False}) == []
    [heads] = confirmation_reminders.group_owed([row], {1: True})
    assert (heads.audience, heads.counts_text, heads.items[0].projection) == ("heads", "所属長の承認待ち1件",
                                                                               "7件（R3年度末見込値）")
    actual = {**row, "value_kind": "actual", "value_label": None, "k_state": None}
    assert confirmation_reminders.group_owed([actual], {1: True}) == []  # an actual owes no 確定値


def test_only_the_latest_finished_year_owes_confirmations(demo_db):
    owed = reconciliation.owed_by_year(REVIEWER, db=demo_db)
    assert owed and {o["fiscal_year"] for o in owed} == {2021}  # the seed's FY2019/FY2020 history owes nothing
    assert reconciliation.owed(REVIEWER, 2020, db=demo_db) == [] and reconciliation.owed_counts(2020, db=demo_db) == {}
    assert reconciliation.owed(REVIEWER, 2021, db=demo_db)
    # P1-1-02 was an approved projection in FY2020 too (3件): its 確定値 is no longer accepted
    with pytest.raises(WorkflowError, match="令和2年度の確定値の受付は終了しています.*令和3年度"):
        confirmations.save(EDITOR1, 2020, "P1-1-02", "3件", confirmed_on="2021-06-30", source="調査", db=demo_db)
    with pytest.raises(reminders.ReminderError, match="令和2年度は受付中ではなく、確定値の受付年度でもない"):
        reminders.remind(REVIEWER, 2020, manual=True, smtp=None, db=demo_db)

    # FY2022 closes: it is the year that accepts confirmations now, FY2021 is asked nothing more
    with warehouse.transaction(demo_db) as con:
        con.execute("UPDATE cycles SET state = 'closed' WHERE fiscal_year = 2022")
    assert reconciliation.owed_counts(2021, db=demo_db) == {} and reconciliation.owed(REVIEWER, 2021, db=demo_db) == []
    assert {o["fiscal_year"] for o in reconciliation.owed_by_year(REVIEWER, db=demo_db)} <= {2022}
    with pytest.raises(reminders.ReminderError, match="令和3年度は受付中ではなく"):
        reminders.remind(REVIEWER, 2021, manual=True, smtp=None, db=demo_db)


def test_kpi_remind_names_the_owed_confirmations_in_japanese(demo_db, capsys, monkeypatch):
    from kpi.cli import main

    monkeypatch.delenv("KPI_SMTP_HOST", raising=False)
    names = _names(demo_db)
    args = ["remind", "--fy", "2021", "--today", "2022-07-01", "--db", str(demo_db), "--as", "reviewer"]
    assert main(args) == 0
    out = capsys.readouterr().out
    n = len(reconciliation.owed_counts(2021, db=demo_db))
    assert out.startswith(f"確定値（見込 → 確定）: {n}件の督促を送りました（2022年7月1日）")
    assert f"  {GYOKAKU_NAME}\t確定値の督促（令和3年度・担当者あて）\t未入力・下書き3件・差戻し0件\tメール未設定（画面通知のみ）" in out
    assert f"    P1-1-02 {names['P1-1-02']}（未入力）公表時: 7件（R3年度末見込値）" in out
    assert "P3-2-01" not in out  # GYOKAKU's projection confirmed and approved in the demo
    assert main(args) == 0
    assert "令和3年度の確定値は本日督促済みです" in capsys.readouterr().out

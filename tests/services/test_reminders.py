"""Reminders through the services: who owes what per department, when scheduled reminders go out (once), the
notice on the entry page, the settings, and the e-mail to a real local SMTP server (aiosmtpd)."""
from __future__ import annotations

import email
import email.policy
import socket
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from kpi.services import admin, mailer, reminders
from kpi.services.actors import Forbidden
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    ADMIN, EDITOR1, EDITOR2, OTHER, OWN, RETURN_COMMENT, REVIEWER, STAGED, query, stage, wf_db,
)

DEADLINE = date(2022, 12, 16)  # the demo's FY2022 deadline
OWN_NAME = "総務部行政改革推進課"


# ---- a local SMTP server ----------------------------------------------------------------------------------

class Inbox:
    """aiosmtpd handler keeping every message received, parsed."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server on localhost; KPI_SMTP_* point at it. Yields its inbox."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("KPI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KPI_SMTP_PORT", str(port))
    monkeypatch.setenv("KPI_SMTP_FROM", "gyokaku@pref.example.jp")
    try:
        yield inbox
    finally:
        controller.stop()


def set_email(db, login: str, address: str) -> None:
    user = query(db, "SELECT * FROM users WHERE login = ?", [login])[0]
    roles = [r["role"] for r in query(db, "SELECT role FROM user_roles WHERE login = ?", [login])]
    depts = [r["department_code"] for r in query(db, "SELECT department_code FROM user_departments WHERE login = ?",
                                                 [login])]
    admin.update_account(ADMIN, login, roles=roles, departments=depts, active=user["active"], email=address, db=db)


def expected_owed(db) -> dict[str, dict[str, set[str]]]:
    """Independently of the service: per department, codes not submitted/approved (split returned)."""
    rows = query(db, """
        SELECT i.department_code, i.code, coalesce(v.state, 'none') AS state
        FROM indicators i JOIN cycles c ON c.strategy_id = i.strategy_id AND c.fiscal_year = 2022
        LEFT JOIN indicator_values v ON v.indicator_id = i.indicator_id AND v.cycle_id = c.cycle_id
        WHERE NOT (i.status = 'stopped' AND i.stopped_fy <= 2022)""")
    out: dict[str, dict[str, set[str]]] = {}
    for r in rows:
        if r["state"] in ("submitted", "approved"):
            continue
        d = out.setdefault(r["department_code"], {"missing": set(), "returned": set()})
        d["returned" if r["state"] == "returned" else "missing"].add(r["code"])
    return out


# ---- who owes what -------------------------------------------------------------------------------------------

def test_each_department_is_listed_with_its_missing_and_returned_values(wf_db, stage):
    lists = {d.department_code: d for d in reminders.who_owes_what(REVIEWER, 2022, db=wf_db)}
    expected = expected_owed(wf_db)
    assert {c: {"missing": {i.code for i in d.missing}, "returned": {i.code for i in d.returned}}
            for c, d in lists.items()} == expected
    own = lists[OWN]
    assert STAGED[(OWN, "draft")] in {i.code for i in own.missing}
    assert {i.code: i.label for i in own.missing}[STAGED[(OWN, "draft")]] == "下書きのまま未提出"
    for state in ("submitted", "approved", "self_submitted"):
        assert STAGED[(OWN, state)] not in {i.code for i in own.missing + own.returned}
    assert [(i.code, i.comment) for i in own.returned] == [(STAGED[(OWN, "returned")], RETURN_COMMENT)]
    assert "GAKUSHU" not in lists  # every GAKUSHU value is submitted: it owes nothing
    assert len(lists) >= 3


def test_editors_and_executives_cannot_read_every_departments_list(wf_db):
    with pytest.raises(Forbidden, match="督促"):
        reminders.who_owes_what(EDITOR1, 2022, db=wf_db)
    with pytest.raises(Forbidden):
        reminders.remind(EDITOR1, 2022, manual=True, smtp=None, db=wf_db)


# ---- when reminders go out -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "kind"), [
    (date(2022, 12, 8), None), (date(2022, 12, 9), "before"), (date(2022, 12, 16), "before"),
    (date(2022, 12, 17), "after"), (date(2023, 1, 20), "after")])
def test_due_kind_follows_the_days_before_and_after_the_deadline(today, kind):
    assert reminders.due_kind(DEADLINE, 7, 1, today, set()) == kind


def test_a_scheduled_reminder_goes_out_once_before_and_once_after_the_deadline(wf_db):
    owing = len(reminders.who_owes_what(REVIEWER, 2022, db=wf_db))

    def run(day):
        return reminders.remind(REVIEWER, 2022, today=day, smtp=None, db=wf_db)

    assert run(date(2022, 12, 8)).sent == []
    first = run(date(2022, 12, 9))
    assert len(first.sent) == owing and {s.kind for s in first.sent} == {"before"}
    assert {s.mail_status for s in first.sent} == {"no_smtp"}
    again = run(date(2022, 12, 9))  # a rerun on the same day
    assert again.sent == [] and len(again.skipped) == owing
    assert run(date(2022, 12, 12)).sent == []  # 'before' was already sent
    assert run(date(2022, 12, 16)).sent == []
    after = run(date(2022, 12, 17))
    assert len(after.sent) == owing and {s.kind for s in after.sent} == {"after"}
    assert after.sent[0].subject.startswith("【締切超過】")
    assert run(date(2022, 12, 18)).sent == []
    # (the same runs also remind of FY2021's owed confirmations, notices of kind 'confirm': test_confirmation_reminders)
    rows = query(wf_db, "SELECT kind, count(*) AS n FROM reminder_notices WHERE kind <> 'confirm' GROUP BY kind"
                        " ORDER BY kind")
    assert rows == [{"kind": "after", "n": owing}, {"kind": "before", "n": owing}]
    audits = query(wf_db, "SELECT count(*) AS n FROM audit_log a JOIN cycles c USING (cycle_id)"
                          " WHERE a.action = 'remind' AND c.fiscal_year = 2022")
    assert audits[0]["n"] == 2 * owing


def test_settings_move_the_reminder_days_and_refuse_bad_numbers_naming_the_field(wf_db):
    saved = reminders.update_settings(REVIEWER, 2022, days_before=3, days_after=5, auto_close=True, db=wf_db)
    assert (saved["days_before"], saved["days_after"], saved["auto_close"]) == (3, 5, True)
    assert reminders.remind(REVIEWER, 2022, today=date(2022, 12, 9), smtp=None, db=wf_db).sent == []
    assert reminders.remind(REVIEWER, 2022, today=date(2022, 12, 13), smtp=None, db=wf_db).sent
    assert reminders.remind(REVIEWER, 2022, today=date(2022, 12, 20), smtp=None, db=wf_db).sent == []
    assert reminders.remind(REVIEWER, 2022, today=date(2022, 12, 21), smtp=None, db=wf_db).sent
    with pytest.raises(reminders.ReminderError, match="締切後の督促（日後）"):
        reminders.update_settings(REVIEWER, 2022, days_before=3, days_after=0, auto_close=False, db=wf_db)
    with pytest.raises(reminders.ReminderError, match="締切前の督促（日前）"):
        reminders.update_settings(REVIEWER, 2022, days_before="一週間", days_after=1, auto_close=False, db=wf_db)
    with pytest.raises(Forbidden):
        reminders.update_settings(EDITOR1, 2022, days_before=3, days_after=1, auto_close=False, db=wf_db)
    audit = query(wf_db, "SELECT actor, old_value, new_value FROM audit_log WHERE action = 'update_reminder_settings'")
    assert audit == [{"actor": "reviewer", "old_value": "days_before=7 days_after=1 auto_close=False",
                      "new_value": "days_before=3 days_after=5 auto_close=True"}]


def test_only_an_enabled_cycle_whose_deadline_has_passed_is_due_for_closing(wf_db):
    assert reminders.cycles_to_close(today=date(2023, 1, 1), db=wf_db) == []
    reminders.update_settings(REVIEWER, 2022, days_before=7, days_after=1, auto_close=True, db=wf_db)
    assert reminders.cycles_to_close(today=DEADLINE, db=wf_db) == []  # the deadline day still counts
    assert [c["fiscal_year"] for c in reminders.cycles_to_close(today=date(2022, 12, 17), db=wf_db)] == [2022]


# ---- e-mail ---------------------------------------------------------------------------------------------------

def test_the_departments_editors_receive_a_japanese_email_listing_what_is_missing(wf_db, smtp_server):
    set_email(wf_db, "editor1", "editor1@pref.example.jp")
    result = reminders.remind(REVIEWER, 2022, manual=True, today=date(2022, 12, 10), db=wf_db)
    own = next(s for s in result.sent if s.department_code == OWN)
    assert (own.mail_status, own.recipients) == ("sent", ("editor1@pref.example.jp",))
    assert next(s for s in result.sent if s.department_code == OTHER).mail_status == "no_address"

    # the value reminder (the same run also mails FY2021's owed confirmations: test_confirmation_reminders)
    [(rcpt, msg)] = [(r, m) for r, m in smtp_server.messages if not m["Subject"].startswith("【確定値")]
    assert rcpt == ["editor1@pref.example.jp"] and msg["To"] == "editor1@pref.example.jp"
    assert msg["From"] == "gyokaku@pref.example.jp"
    assert own.missing == len(expected_owed(wf_db)[OWN]["missing"])
    assert msg["Subject"] == f"【督促】令和4年度 成果指標の提出のお願い（{OWN_NAME} 未提出{own.missing}件・差戻し1件）"
    body = msg.get_content()
    names = {r["code"]: r["name"] for r in query(wf_db, "SELECT code, name FROM indicators")}
    for code in expected_owed(wf_db)[OWN]["missing"]:
        assert f"{code} {names[code]}" in body
    assert f"{STAGED[(OWN, 'returned')]} {names[STAGED[(OWN, 'returned')]]} — コメント: {RETURN_COMMENT}" in body
    assert STAGED[(OWN, "submitted")] not in body
    assert "締切は2022年12月16日" in body

    mails = len(smtp_server.messages)
    again = reminders.remind(REVIEWER, 2022, manual=True, today=date(2022, 12, 10), db=wf_db)
    assert again.sent == [] and len(smtp_server.messages) == mails  # nothing twice on the same day


def test_an_unreachable_mail_server_keeps_the_notice_and_records_the_failure(wf_db):
    set_email(wf_db, "editor1", "editor1@pref.example.jp")
    down = mailer.SmtpSettings(host="127.0.0.1", port=free_port(), sender="gyokaku@pref.example.jp", timeout_s=5)
    result = reminders.remind(REVIEWER, 2022, manual=True, today=date(2022, 12, 10), smtp=down, db=wf_db)
    own = next(s for s in result.sent if s.department_code == OWN)
    assert own.mail_status == "failed" and "メールを送信できませんでした" in own.mail_error
    [row] = reminders.notices(EDITOR1, 2022, department=OWN, db=wf_db)
    assert (row["mail_label"], row["missing_count"], row["returned_count"]) == ("送信失敗", own.missing, 1)


def test_smtp_settings_come_from_the_environment_and_email_is_off_without_them():
    assert mailer.settings_from_env({}) is None
    assert mailer.settings_from_env({"KPI_SMTP_HOST": "mail.example.jp"}) is None  # no sender
    s = mailer.settings_from_env({"KPI_SMTP_HOST": "mail.example.jp", "KPI_SMTP_FROM": "a@example.jp",
                                  "KPI_SMTP_PORT": "587", "KPI_SMTP_STARTTLS": "true", "KPI_SMTP_USER": "u"})
    assert (s.host, s.port, s.starttls, s.user, s.implicit_tls) == ("mail.example.jp", 587, True, "u", False)


# ---- the entry page's notice --------------------------------------------------------------------------------

def test_the_notice_is_shown_to_the_departments_editors_only_while_they_owe_values(wf_db):
    assert reminders.banner(EDITOR1, 2022, OWN, db=wf_db) is None  # nothing sent yet
    reminders.remind(REVIEWER, 2022, manual=True, today=date(2022, 12, 10), smtp=None, db=wf_db)
    text = reminders.banner(EDITOR1, 2022, OWN, db=wf_db)
    n = len(expected_owed(wf_db)[OWN]["missing"])
    assert text is not None and "督促（2022年12月10日）" in text and f"未提出 {n}件・差戻し 1件" in text
    assert reminders.banner(EDITOR2, 2022, OWN, db=wf_db) is None  # not editor2's department
    with pytest.raises(Forbidden):
        reminders.notices(EDITOR2, 2022, department=OWN, db=wf_db)
    assert [r["department_code"] for r in reminders.notices(EDITOR2, 2022, department=OTHER, db=wf_db)] == [OTHER]


# ---- command line ----------------------------------------------------------------------------------------------

def test_kpi_remind_sends_the_scheduled_reminders_of_a_day_once(wf_db, capsys, monkeypatch):
    from kpi.cli import main

    monkeypatch.delenv("KPI_SMTP_HOST", raising=False)
    owing = len(reminders.who_owes_what(REVIEWER, 2022, db=wf_db))
    args = ["remind", "--fy", "2022", "--scheduled", "--today", "2022-12-09", "--db", str(wf_db), "--as", "reviewer"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"2022年度: {owing}課に督促しました（2022年12月9日）")
    assert f"{OWN_NAME}\t締切前の督促\t未提出" in out
    assert main(args) == 0
    assert "0課に督促しました" in capsys.readouterr().out
    # FY2020 is neither open nor the year that accepts confirmations (FY2021, see test_confirmation_reminders)
    assert main(["remind", "--fy", "2020", "--db", str(wf_db), "--as", "reviewer"]) == 1
    assert "受付中ではなく、確定値の受付年度でもないため、督促はできません" in capsys.readouterr().err

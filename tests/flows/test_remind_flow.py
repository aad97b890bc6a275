"""The scheduled flows, run for real under the session's Prefect test server: reminders per department with an
e-mail to a local SMTP server, automatic closing only when enabled, the nightly validation of open cycles, and
the deployments `flows/serve.py` serves (built, not served)."""
from __future__ import annotations

from datetime import date

import pytest

import warehouse
from flows.remind import close_cycles_at_deadline, remind_departments, validate_open_cycles
from flows.serve import build_deployments
from kpi.services import confirmations, reconciliation, reminders
from tests.services.test_reminders import OWN_NAME, expected_owed, set_email, smtp_server  # noqa: F401
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    EDITOR1, OTHER, OWN, RETURN_COMMENT, REVIEWER, STAGED, query, stage, wf_db,
)

pytestmark = pytest.mark.flows


def server_day(monkeypatch, day: date) -> None:
    """The serving process's clock (the flows take no date): patched, as only a test may."""
    monkeypatch.setattr(reminders, "today_jst", lambda: day)


def cycle_state(db, fy: int) -> str:
    return query(db, "SELECT state FROM cycles WHERE fiscal_year = ?", [fy])[0]["state"]


def test_the_reminder_flow_lists_each_departments_values_and_emails_its_editors(wf_db, smtp_server, monkeypatch):
    set_email(wf_db, "editor1", "editor1@pref.example.jp")
    set_email(wf_db, "editor2", "editor2@pref.example.jp")
    expected = expected_owed(wf_db)

    server_day(monkeypatch, date(2022, 12, 9))  # 7 days before the deadline
    [run] = remind_departments()  # the warehouse of $KPI_DB (wf_db)
    assert run["fiscal_year"] == 2022
    sent = {s["department"]: s for s in run["sent"]}
    assert set(sent) == set(expected)  # every department that owes something, and only those
    assert "GAKUSHU" not in sent  # all of its values are submitted
    for code, s in sent.items():
        assert (s["kind"], s["missing"], s["returned"]) == (
            "before", len(expected[code]["missing"]), len(expected[code]["returned"])), code
    assert (sent[OWN]["returned"], sent[OTHER]["returned"]) == (1, 1)
    active = {r["department_code"]: r["n"] for r in query(
        wf_db, "SELECT department_code, count(*) AS n FROM indicators WHERE status = 'active' GROUP BY ALL")}
    # GYOKAKU staged one draft (still owed), one returned, and three submitted or approved (not owed)
    assert sent[OWN]["missing"] == active[OWN] - 4 and sent[OTHER]["missing"] == active[OTHER] - 3
    assert sent["BOSAI"]["missing"] == active["BOSAI"]  # untouched department: everything missing
    assert sent[OWN]["mail_status"] == "sent" and sent["BOSAI"]["mail_status"] == "no_address"

    # the value reminders (the run also mails FY2021's owed confirmations: the test below)
    by_rcpt = {tuple(r): m for r, m in smtp_server.messages if not m["Subject"].startswith("【確定値")}
    assert set(by_rcpt) == {("editor1@pref.example.jp",), ("editor2@pref.example.jp",)}
    msg = by_rcpt[("editor1@pref.example.jp",)]
    assert msg["Subject"] == (f"【督促】令和4年度 成果指標の提出のお願い（{OWN_NAME} "
                              f"未提出{len(expected[OWN]['missing'])}件・差戻し1件）")
    body = msg.get_content()
    names = {r["code"]: r["name"] for r in query(wf_db, "SELECT code, name FROM indicators")}
    for code in expected[OWN]["missing"]:
        assert f"・{code} {names[code]}" in body
    assert RETURN_COMMENT in body and names[STAGED[(OWN, "submitted")]] not in body
    assert names[STAGED[(OTHER, "draft")]] not in body  # IRYO's indicator is not in GYOKAKU's mail
    assert names[STAGED[(OTHER, "draft")]] in by_rcpt[("editor2@pref.example.jp",)].get_content()

    mails = len(smtp_server.messages)
    [rerun] = remind_departments()
    assert rerun["sent"] == [] and len(smtp_server.messages) == mails  # idempotent per day
    banner = reminders.banner(EDITOR1, 2022, OWN, db=wf_db)
    assert banner and "督促（2022年12月9日）" in banner


def test_the_reminder_flow_mails_the_confirmations_departments_owe_also_with_no_cycle_open(wf_db, smtp_server,
                                                                                          monkeypatch):
    set_email(wf_db, "editor1", "editor1@pref.example.jp")
    set_email(wf_db, "head1", "head1@pref.example.jp")
    ref = confirmations.save(EDITOR1, 2021, "P1-1-02", "6件", confirmed_on="2022-06-30", source="庁内調査", db=wf_db)
    confirmations.submit(EDITOR1, ref, db=wf_db)  # waiting for GYOKAKU's head
    names = {r["code"]: r["name"] for r in query(wf_db, "SELECT code, name FROM indicators")}
    owing = {d for d, n in reconciliation.owed_counts(2021, db=wf_db).items() if n}

    server_day(monkeypatch, date(2022, 12, 9))
    [run] = remind_departments()
    assert run["fiscal_year"] == 2022 and run["sent"]  # the open year's values, and FY2021's confirmations
    got = {(c["department"], c["audience"]): c for c in run["confirmations"]}
    assert {d for d, audience in got if audience == "editors"} == owing
    assert {d for d, audience in got if audience == "heads"} == {OWN}
    assert (got[(OWN, "editors")]["fiscal_year"], got[(OWN, "editors")]["kind"],
            got[(OWN, "editors")]["missing"], got[(OWN, "heads")]["missing"]) == (2021, "confirm", 2, 1)
    mails = {m["Subject"].split("】")[0]: m for r, m in smtp_server.messages if r == ["editor1@pref.example.jp"]
             or r == ["head1@pref.example.jp"]}
    editor = mails["【確定値の督促"]
    assert editor["To"] == "editor1@pref.example.jp" and "令和3年度" in editor["Subject"]
    assert f"・P2-1-03 {names['P2-1-03']} — 公表時: 700件（R3年度末見込値）（未入力）" in editor.get_content()
    head = mails["【確定値の承認依頼"]
    assert head["To"] == "head1@pref.example.jp"
    assert f"・P1-1-02 {names['P1-1-02']} — 公表時: 7件（R3年度末見込値） → 確定値: 6件" in head.get_content()

    sent = len(smtp_server.messages)
    [rerun] = remind_departments()
    assert rerun["confirmations"] == [] and len(smtp_server.messages) == sent  # not twice a day

    with warehouse.transaction(wf_db) as con:  # between two years: no cycle open
        con.execute("UPDATE cycles SET state = 'preparing' WHERE fiscal_year = 2022")
    server_day(monkeypatch, date(2022, 12, 16))  # a week later: the scheduled confirmation reminder is due again
    [between] = remind_departments()
    assert (between["fiscal_year"], between["sent"]) == (2021, [])
    assert {(c["department"], c["audience"]) for c in between["confirmations"]} == set(got)
    assert len(smtp_server.messages) == sent + 2


def test_the_close_flow_closes_a_cycle_past_its_deadline_only_when_automatic_closing_is_on(wf_db, monkeypatch):
    server_day(monkeypatch, date(2022, 12, 20))
    assert close_cycles_at_deadline() == []
    assert cycle_state(wf_db, 2022) == "open"

    reminders.update_settings(REVIEWER, 2022, days_before=7, days_after=1, auto_close=True, db=wf_db)
    server_day(monkeypatch, date(2022, 12, 16))
    assert close_cycles_at_deadline() == []  # deadline day: still open
    assert cycle_state(wf_db, 2022) == "open"

    server_day(monkeypatch, date(2022, 12, 17))
    assert close_cycles_at_deadline() == [2022]
    assert cycle_state(wf_db, 2022) == "closed"
    audit = query(wf_db, "SELECT actor, action, from_state, to_state FROM audit_log WHERE entity = 'cycle'"
                         " AND to_state = 'closed'")
    assert audit == [{"actor": "scheduler", "action": "close_cycle", "from_state": "open", "to_state": "closed"}]
    server_day(monkeypatch, date(2022, 12, 18))
    assert close_cycles_at_deadline() == []  # nothing open any more


def test_nightly_validation_runs_validate_cycle_for_every_open_cycle(wf_db):
    results = validate_open_cycles()
    assert [r["fiscal_year"] for r in results] == [2022]
    assert results[0]["checked"] == query(wf_db, "SELECT count(*) AS n FROM indicator_values v JOIN cycles c"
                                                 " USING (cycle_id) WHERE c.fiscal_year = 2022")[0]["n"]


def test_serve_builds_one_scheduled_deployment_per_flow_in_japan_time(monkeypatch):
    deployments = build_deployments({"KPI_REMIND_CRON": "15 9 * * 1-5"})
    got = {d.flow_name: (d.name, [(s.schedule.cron, s.schedule.timezone) for s in d.schedules]) for d in deployments}
    assert got == {
        "validate_open_cycles": ("nightly-validation", [("30 2 * * *", "Asia/Tokyo")]),
        "remind_departments": ("daily-reminders", [("15 9 * * 1-5", "Asia/Tokyo")]),
        "close_cycle": ("auto-close", [("5 0 * * *", "Asia/Tokyo")]),
    }
    assert {d.entrypoint for d in deployments} == {"flows/remind.py:validate_open_cycles",
                                                     "flows/remind.py:remind_departments",
                                                     "flows/remind.py:close_cycles_at_deadline"}


def test_serve_builds_its_deployments_even_from_a_thread_with_a_running_event_loop():
    """Prefect hands back a coroutine from to_deployment when an event loop runs in the caller's thread (as after
    other libraries' tests, or inside an async server); the serve process must get deployments all the same."""
    import asyncio
    import threading

    built = []

    async def inside_a_loop():
        built.extend(build_deployments({}))

    # a thread of its own: the test process's main thread may already run a loop (then asyncio.run would refuse)
    worker = threading.Thread(target=lambda: asyncio.run(inside_a_loop()))
    worker.start()
    worker.join(timeout=120)
    assert sorted(d.name for d in built) == ["auto-close", "daily-reminders", "nightly-validation"]

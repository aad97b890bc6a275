"""督促・通知 page and the entry page's notice, driven with AppTest against a private demo warehouse."""
from __future__ import annotations

import pytest

from kpi.services import reminders
from tests.services.workflow_helpers import REVIEWER, query

OWN_NAME = "総務部行政改革推進課"  # editor1's department


def warnings_of(at) -> list[str]:
    return [w.value for w in at.warning]


def test_the_editor_sees_the_reminder_on_the_entry_page_once_one_was_sent(app_as, demo_db, monkeypatch):
    monkeypatch.delenv("KPI_SMTP_HOST", raising=False)
    at = app_as("editor")
    at.switch_page("views/entry.py").run()
    assert not at.exception, at.exception
    assert not [w for w in warnings_of(at) if "督促" in w]

    reminders.remind(REVIEWER, 2022, manual=True, db=demo_db)
    owed = query(demo_db, "SELECT count(*) AS n FROM indicators WHERE department_code = 'GYOKAKU'"
                          " AND status = 'active'")[0]["n"]
    at = app_as("editor")
    at.switch_page("views/entry.py").run()
    assert not at.exception, at.exception
    [notice] = [w for w in warnings_of(at) if "督促" in w]
    assert "行政改革推進課からの督促" in notice and f"未提出 {owed}件・差戻し 0件" in notice


def test_the_reviewer_sets_the_days_and_automatic_closing_and_reminds_now(app_as, demo_db, monkeypatch):
    monkeypatch.delenv("KPI_SMTP_HOST", raising=False)
    at = app_as("reviewer")
    at.switch_page("views/reminders.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["督促・通知"]
    assert "締切: **2022年12月16日**" in [m.value for m in at.markdown][0]
    owing = at.dataframe[0].value
    assert OWN_NAME in list(owing["担当課"])

    at.number_input(key="reminders.days_before").set_value(5)
    at.number_input(key="reminders.days_after").set_value(2)
    at.toggle(key="reminders.auto_close").set_value(True)
    at.button(key="reminders.save").click().run()
    assert not at.exception, at.exception
    assert "督促の設定を保存しました。" in [s.value for s in at.success]
    [c] = reminders.cycles(REVIEWER, db=demo_db)
    assert (c["days_before"], c["days_after"], c["auto_close"]) == (5, 2, True)
    assert any("2022年12月11日から締切までに1回、2022年12月18日以降に1回" in cap.value and "自動で締め切ります" in cap.value
               for cap in at.caption)

    at.button(key="reminders.now").click().run()
    assert not at.exception, at.exception
    n = len(owing)
    assert f"{n}課に督促しました" in " ".join(s.value for s in at.success)
    sent_table = at.dataframe[1].value
    # the same press reminds of FY2021's owed confirmations (見込 → 確定), listed after the value reminders
    values = sent_table[~sent_table["種別"].str.startswith("確定値")]
    assert list(values["メール"]) == ["メール未設定（画面通知のみ）"] * n
    assert OWN_NAME in list(sent_table[sent_table["種別"] == "確定値の督促（令和3年度・担当者あて）"]["担当課"])
    notices = at.dataframe[2].value
    assert len(notices) == n and set(notices["担当課"]) == set(owing["担当課"])
    value_notices = "SELECT count(*) AS n FROM reminder_notices WHERE kind <> 'confirm'"
    assert query(demo_db, value_notices)[0]["n"] == n

    at.button(key="reminders.now").click().run()  # the same day again: nothing twice
    assert not at.exception, at.exception
    assert any("本日は督促済みです" in i.value for i in at.info)
    assert query(demo_db, value_notices)[0]["n"] == n


@pytest.mark.parametrize("role", ["editor", "executive"])
def test_editors_and_executives_do_not_get_the_page(app_as, role):
    at = app_as(role)
    with pytest.raises(Exception):
        at.switch_page("views/reminders.py").run()


def test_the_administrator_opens_the_page_too(app_as):
    at = app_as("admin")
    at.switch_page("views/reminders.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["督促・通知"]
    assert at.button(key="reminders.now").disabled is False

"""マスタ管理 through AppTest: a reviewer changes an indicator's target from a fiscal year with a reason, a refusal
keeps what was typed, and a cycle is created and opened from the page."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.services.workflow_helpers import query

PAGE = "views/master_data.py"


def _telework(db) -> int:
    return query(db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-01'")[0]["indicator_id"]


def _open(app_as, role: str):
    at = app_as(role)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["マスタ管理"]
    return at


def test_a_reviewer_changes_a_target_from_fy2022_with_a_reason(app_as, demo_db):
    at = _open(app_as, "reviewer")
    ind = _telework(demo_db)
    at.selectbox(key="md_indicator").set_value(ind).run()
    assert at.text_input(key=f"md_target_{ind}").value == "280"
    assert at.text_input(key=f"md_target_text_{ind}").value == "280人"
    at.text_input(key=f"md_target_{ind}").input("580")
    at.text_input(key=f"md_effective_{ind}").input("令和4年度")
    at.text_input(key=f"md_reason_{ind}").input("テレワーク推進計画の改定")
    at.button(key=f"md_save_{ind}").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [
        "「P1-1-01 テレワーク実施者数」を保存しました（目標値、目標値（表記））。令和4年度以降のサイクルに適用します"]

    [rev] = query(demo_db, "SELECT * FROM indicator_revisions WHERE indicator_id = ?", [ind])
    assert (rev["effective_fy"], rev["target_value"], rev["target_text"], rev["reason"], rev["changed_by"]) == (
        2022, Decimal("580"), "580人", "テレワーク推進計画の改定", "reviewer")
    [audit] = query(demo_db, "SELECT * FROM audit_log WHERE action = 'revise_indicator'")
    assert audit["comment"] == "テレワーク推進計画の改定" and audit["actor"] == "reviewer"
    # the list shows the newest definition and the revision history keeps the original
    table = at.dataframe[0].value
    row = table[table["コード"] == "P1-1-01"].iloc[0]
    assert (row["目標値"], row["定義の改定"]) == ("580人", "1回")
    history = next(e for e in at.expander if e.label.startswith("定義の改定履歴"))
    assert not history.dataframe  # a section runs only while it is open
    at.session_state[f"md_x_history_{ind}"] = True
    at.run()
    history = next(e for e in at.expander if e.label.startswith("定義の改定履歴"))
    assert list(history.dataframe[0].value["目標値"]) == ["280人", "580人"]


def test_a_target_change_without_a_reason_is_refused_and_what_was_typed_stays(app_as, demo_db):
    at = _open(app_as, "reviewer")
    ind = _telework(demo_db)
    at.selectbox(key="md_indicator").set_value(ind).run()
    at.text_input(key=f"md_target_{ind}").input("580")
    at.text_input(key=f"md_effective_{ind}").input("令和4年度")
    at.button(key=f"md_save_{ind}").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "「P1-1-01 テレワーク実施者数」の目標・基準値などの変更には変更の理由を入力してください"]
    assert at.text_input(key=f"md_target_{ind}").value == "580"
    assert at.text_input(key=f"md_effective_{ind}").value == "令和4年度"
    assert query(demo_db, "SELECT count(*) AS n FROM indicator_revisions")[0]["n"] == 0


def test_an_unreadable_target_names_the_field(app_as, demo_db):
    at = _open(app_as, "admin")
    ind = _telework(demo_db)
    at.selectbox(key="md_indicator").set_value(ind).run()
    at.text_input(key=f"md_target_{ind}").input("五百八十")
    at.text_input(key=f"md_effective_{ind}").input("R4")
    at.text_input(key=f"md_reason_{ind}").input("上方修正")
    at.button(key=f"md_save_{ind}").click().run()
    assert not at.exception, at.exception
    [error] = at.error
    assert "目標値" in error.value and "五百八十" in error.value
    assert at.text_input(key=f"md_target_{ind}").value == "五百八十"


def test_a_reviewer_creates_and_opens_the_next_cycle_from_the_page(app_as, demo_db):
    at = _open(app_as, "reviewer")
    assert not at.text_input and not at.selectbox(key="md_indicator").value  # only the open tab (指標) runs
    at.session_state["md_tab"] = "サイクル"
    at.run()
    assert [t.value for t in at.selectbox] == [at.selectbox(key="md_strategy").value, 2022]  # the section is shut
    at.session_state["md_x_cycle_new"] = True
    at.run()
    assert at.text_input(key="md_c_fy").value == "令和5年度"
    at.selectbox(key="md_c_from").set_value(2022)
    at.button(key="md_c_submit").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["令和5年度のサイクルを作成しました（準備中、対象指標 67件）"]
    at.selectbox(key="md_c_pick").set_value(2023).run()
    at.button(key="md_c_open_cycle").click().run()
    assert [s.value for s in at.success] == ["令和5年度を「受付中」にしました"]
    assert query(demo_db, "SELECT state FROM cycles WHERE fiscal_year = 2023")[0]["state"] == "open"


@pytest.mark.parametrize("role", ["editor", "executive"])
def test_the_page_is_not_offered_to_departments_or_executives(app_as, role):
    at = app_as(role)
    with pytest.raises(Exception):
        at.switch_page(PAGE).run()

"""見込 → 確定 on the pages (AppTest, a private demo warehouse): an editor enters the 確定値 of a finalized year's
projection on the 入力 page and submits it; the reviewer approves it in the 審査・承認 queue; the warehouse holds
it and the confirmed basis changes."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from kpi.services import reconciliation
from kpi.services.actors import Actor
from kpi.domain.roles import Role
from kpi.services.summaries import cycle_summary
from tests.app.conftest import ENTRYPOINT, sign_in

CODE = "P1-1-02"  # GYOKAKU (editor1): 目標 5件, R3年度末見込値 7件
REVIEWER = Actor("reviewer", "行政改革推進課 審査担当", frozenset({Role.REVIEWER}))


def test_an_editor_enters_a_confirmed_value_and_the_reviewer_approves_it(app_as, demo_db):
    before = cycle_summary(2021, basis="confirmed", db=demo_db)["groups"][0]["counts"]
    at = app_as("editor")
    at.switch_page("views/entry.py").run()
    assert not [s for s in at.subheader if "見込 → 確定" in s.value]  # the open FY2022: nothing owed
    at.selectbox(key="cycle_select.open").select(2021).run()
    assert not at.exception, at.exception
    assert any("見込 → 確定" in s.value for s in at.subheader)
    at.text_input(key=f"confirm.{CODE}.value").input("4件")
    at.text_input(key=f"confirm.{CODE}.date").input("2022-06-30")
    at.text_input(key=f"confirm.{CODE}.source").input("令和3年度 庁内調査")
    at.button(key=f"confirm_submit_{CODE}").click().run()
    assert not at.exception, at.exception
    assert any("確定値を提出しました" in s.value for s in at.success), [e.value for e in at.error]
    line = next(ln for ln in reconciliation.owed(REVIEWER, 2021, db=demo_db) if ln["code"] == CODE)
    assert (line["confirmed_text"], line["state"], line["entered_by"]) == ("4件", "submitted", "editor1")

    # the demo's chain is 担当 → 所属長 → 行政改革推進課: GYOKAKU's head (head1) approves first on 所属長承認
    hd = AppTest.from_file(ENTRYPOINT, default_timeout=60)
    sign_in(hd, "head1", "head1-pass", demo_db)
    hd.run()
    hd.switch_page("views/head_review.py").run()
    assert not hd.exception, hd.exception
    assert hd.selectbox(key="confirm_review_one").value == line["confirmation_id"]
    hd.button(key="confirm_approve").click().run()
    assert any("確定値（4件）を承認しました" in s.value for s in hd.success), [e.value for e in hd.error]
    line = next(ln for ln in reconciliation.owed(REVIEWER, 2021, db=demo_db) if ln["code"] == CODE)
    assert (line["state"], line["approved_by"]) == ("head_approved", None)

    rv = app_as("reviewer")
    rv.switch_page("views/review.py").run()
    assert not rv.exception, rv.exception
    assert rv.selectbox(key="confirm_review_one").value == line["confirmation_id"]
    rv.button(key="confirm_approve").click().run()
    assert any("確定値（4件）を承認しました" in s.value for s in rv.success), [e.value for e in rv.error]
    assert not [s for s in rv.subheader if "確定値の承認" in s.value]  # nothing else waits
    line = next(ln for ln in reconciliation.owed(REVIEWER, 2021, db=demo_db) if ln["code"] == CODE)
    assert (line["state"], line["approved_by"]) == ("approved", "reviewer")
    after = cycle_summary(2021, basis="confirmed", db=demo_db)["groups"][0]["counts"]
    assert after == {**before, "achieved": before["achieved"] - 1, "band_60_100": before["band_60_100"] + 1}


def test_an_editor_sees_only_their_departments_owed_confirmations(app_as):
    at = app_as("editor")
    at.switch_page("views/entry.py").run()
    at.selectbox(key="cycle_select.open").select(2021).run()
    keys = {t.key for t in at.text_input if str(t.key).startswith("confirm.")}
    # GYOKAKU's projections still owed (P3-2-01 the demo confirmed); none of another department's
    assert {k.split(".")[1] for k in keys} == {"P1-1-02", "P2-1-03", "P3-3-01"}


def test_the_reminders_page_counts_the_owed_confirmations(app_as):
    at = app_as("reviewer")
    at.switch_page("views/reminders.py").run()
    assert not at.exception, at.exception
    assert any("確定値の入力待ち" in s.value for s in at.subheader)
    table = at.dataframe[-1].value  # the page's last table
    row = table[(table["年度"] == "令和3年度") & (table["担当課"].str.contains("行政改革推進課"))]
    assert list(row["確定値の入力待ち"]) == ["3件"]


def test_the_trends_tab_says_it_reads_confirmed_values(app_as):
    at = app_as("executive")
    at.session_state["tab"] = "推移"  # the dashboard's open tab (only the open tab runs)
    at.run()
    assert not at.exception, at.exception
    shares = at.dataframe[0].value
    assert list(shares["確定値反映"]) == ["—", "—", "5指標"]
    assert list(shares["30%未満"])[-1] == "20.6%"  # 14 of 68: ちば情報マップ confirmed at 92地図 (the seed: 13, 19.1%)
    assert any("【確定値反映】" in c.value and "5指標は確定値で判定" in c.value for c in at.caption)


def test_the_reviewer_publishes_a_confirmed_edition_from_the_page(app_as, demo_db):
    import time

    from kpi.platform import runner

    at = app_as("reviewer")
    at.switch_page("views/publish.py").run()
    assert at.selectbox(key="cycle_select.approved").value == 2021
    at.checkbox(key="publish_confirmed").check().run()
    at.button(key="publish").click().run()
    assert "令和3年度の確定値反映版 第1版を作成します" in " ".join(m.value for m in at.markdown)
    at.checkbox(key="publish_agree").check().run()
    at.button(key="publish_go").click().run(timeout=180)
    assert not at.exception, at.exception
    deadline = time.monotonic() + 180
    while not at.success and not at.error and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run(timeout=180)
    assert any("確定値反映版 第1版を公表しました" in s.value for s in at.success), [e.value for e in at.error]
    assert runner.jobs_kept() == 0
    labels = [b.label for b in at.get("download_button")]
    assert "2021_confirmed_v1.xlsx をダウンロード" in labels

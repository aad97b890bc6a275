"""見込 → 確定 in a real browser (issue #22): an editor enters the 確定値 of a projection of the finalized FY2021 on
the 入力 page with its date and source and submits it; GYOKAKU's head approves it (所属長承認), then the reviewer
approves it in the 審査・承認 queue; the warehouse holds it, the projection itself unchanged, and
`kpi summary --basis confirmed` changes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import warehouse
from tests.browser.conftest import running_app
from tests.browser.test_journey import TIMEOUT, _idle, _login, _logout, _nav

pytestmark = pytest.mark.browser

KPI = Path(sys.executable).parent / "kpi"
CODE, NAME = "P1-1-02", "ICTを利活用し、新たに業務効率化を進めた取組数"


@pytest.fixture(scope="module")
def confirm_app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("confirm")) as app:
        yield app


def _rows(db, sql: str) -> list[tuple]:
    with warehouse.connect(db) as con:
        return con.execute(sql, [CODE]).fetchall()


def _summary(db) -> dict:
    done = subprocess.run([str(KPI), "summary", "--cycle", "2021", "--basis", "confirmed", "--format", "json",
                           "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["groups"][0]["counts"]


def test_an_editor_enters_a_confirmed_value_and_the_reviewer_approves_it(confirm_app, browser, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page.set_default_timeout(TIMEOUT)
    try:
        _confirm(page, confirm_app["url"], confirm_app["db"], shots)
    except BaseException:
        shots(page, "failure")
        raise
    finally:
        page.close()


def _confirm(page: Page, url: str, db, shots) -> None:
    value_sql = ("SELECT v.value_text, v.value_kind, v.state, v.version FROM indicator_values v"
                 " JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id)"
                 " WHERE i.code = ? AND c.fiscal_year = 2021")
    before, counts = _rows(db, value_sql), _summary(db)
    _login(page, url, "editor1", "editor1-pass")
    _nav(page, "入力")
    page.get_by_role("combobox", name="年度").click()
    page.get_by_role("option", name="令和3年度（2021年度）・確定済", exact=True).click()
    _idle(page)
    expect(page.get_by_role("heading", name="見込 → 確定（確定値の入力）")).to_be_visible()
    box = page.get_by_test_id("stVerticalBlock").filter(has_text=NAME).filter(
        has=page.get_by_role("button", name="確定値を保存して提出")).last
    box.get_by_label("確定値（件）").fill("4件")
    box.get_by_label("確定日（例: 2022-06-30）").fill("2022-06-30")
    box.get_by_label("出典").fill("令和3年度 庁内調査")
    box.get_by_label("出典").press("Tab")
    _idle(page)
    shots(page, "editor-enters-confirmation")
    box.get_by_role("button", name="確定値を保存して提出").click()
    expect(page.get_by_text(f"「{NAME}」の確定値を提出しました")).to_be_visible()
    _logout(page)
    assert _rows(db, "SELECT k.value_text, k.state, k.entered_by FROM value_confirmations k"
                     " JOIN indicators i USING (indicator_id) WHERE i.code = ?") == [("4件", "submitted", "editor1")]

    # the demo's chain 担当 → 所属長 → 行政改革推進課: nothing waits for the division before GYOKAKU's head approves
    _login(page, url, "reviewer", "reviewer-pass")
    _nav(page, "審査・承認")
    _idle(page)
    expect(page.get_by_role("heading", name="見込 → 確定（確定値の承認）")).to_have_count(0)
    _logout(page)
    _login(page, url, "head1", "head1-pass")
    _nav(page, "所属長承認")
    expect(page.get_by_role("heading", name="見込 → 確定（確定値の承認）")).to_be_visible()
    shots(page, "head-queue")
    page.get_by_role("button", name="確定値を承認").click()
    expect(page.get_by_text(f"「{NAME}」の確定値（4件）を承認しました")).to_be_visible()
    _logout(page)
    assert _rows(db, "SELECT k.state FROM value_confirmations k"
                     " JOIN indicators i USING (indicator_id) WHERE i.code = ?") == [("head_approved",)]

    _login(page, url, "reviewer", "reviewer-pass")
    _nav(page, "審査・承認")
    expect(page.get_by_role("heading", name="見込 → 確定（確定値の承認）")).to_be_visible()
    shots(page, "reviewer-queue")
    page.get_by_role("button", name="確定値を承認").click()
    expect(page.get_by_text(f"「{NAME}」の確定値（4件）を承認しました")).to_be_visible()
    expect(page.get_by_role("heading", name="見込 → 確定（確定値の承認）")).to_have_count(0)
    _logout(page)

    assert _rows(db, "SELECT k.value_text, k.state, k.approved_by FROM value_confirmations k"
                     " JOIN indicators i USING (indicator_id) WHERE i.code = ?") == [("4件", "approved", "reviewer")]
    assert _rows(db, value_sql) == before  # the projection stays as published
    assert _summary(db) == {**counts, "achieved": counts["achieved"] - 1, "band_60_100": counts["band_60_100"] + 1}

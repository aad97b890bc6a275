"""Forms in tabs in a real browser (issue #16, page speed): on マスタ管理 and on 主な取組 only the open tab (and on
マスタ管理 the open sections) run and are drawn, and nothing a reviewer typed is lost by looking at another tab or
closing a section. What the page says it saved is what the warehouse holds; マスタ管理's open tab is in the
address, so a reload or a link stays on it. An editor's 主な取組 has no bar of a single tab."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT, choose, idle, login, logout, nav, rows, running_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory, demo_db_template, prefect_api):
    """An app of its own: the tests add a department, revise a target and write the year's conclusions."""
    with running_app(tmp_path_factory.mktemp("master"), template=demo_db_template, prefect_api=prefect_api) as a:
        yield a


@pytest.fixture
def page(browser):
    """A window of 1440 × 1000 of its own, closed after the test (a failed expect prints what the page showed)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ja-JP")
    context.set_default_timeout(TIMEOUT)
    try:
        yield context.new_page()
    finally:
        context.close()


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")
    idle(page)


def test_typed_text_survives_other_tabs_and_closed_sections_and_is_saved(app, page):
    login(page, app["url"], "reviewer")
    nav(page, "マスタ管理")
    idle(page)
    # only the open tab (指標) is drawn: no field of 担当課, no form of a closed section
    expect(page.get_by_label("担当課コード（例: GYOKAKU）")).to_have_count(0)
    expect(page.get_by_label("指標コード（例: P1-1-09）")).to_have_count(0)

    # 担当課: typed (not yet sent: no Enter, no blur), then a look at サイクル and its closed section, then back
    _tab(page, "担当課")
    assert "md_tab=" in page.url
    page.get_by_label("担当課コード（例: GYOKAKU）").fill("TESTKA")
    page.get_by_label("担当課名").fill("テスト推進課")
    _tab(page, "サイクル")
    expect(page.get_by_label("担当課名")).to_have_count(0)
    page.get_by_text("新しいサイクルの作成").click()
    expect(page.get_by_role("button", name="サイクルを作成（準備中）")).to_be_visible()
    _tab(page, "担当課")
    expect(page.get_by_label("担当課コード（例: GYOKAKU）")).to_have_value("TESTKA")
    expect(page.get_by_label("担当課名")).to_have_value("テスト推進課")
    page.get_by_role("button", name="担当課を保存").click()
    expect(page.get_by_text("担当課「テスト推進課」を保存しました")).to_be_visible()
    assert rows(app["db"], "SELECT name, active FROM departments WHERE department_code = 'TESTKA'") == [("テスト推進課", True)]

    # a reload (or the address sent as a link) opens the same tab, with the saved department in its table
    page.reload()
    expect(page.get_by_role("tab", name="担当課", exact=True)).to_have_attribute("aria-selected", "true",
                                                                              timeout=TIMEOUT)
    expect(page.get_by_label("担当課名")).to_be_visible()

    # a link to another tab, opened in a second browser tab of the same person (logged in by the cookie)
    other = page.context.new_page()
    other.goto(app["url"] + "/master_data?md_tab=サイクル")
    expect(other.get_by_role("tab", name="サイクル", exact=True)).to_have_attribute("aria-selected", "true",
                                                                                 timeout=TIMEOUT)
    expect(other.get_by_role("combobox", name="サイクル")).to_have_value("令和4年度（受付中）")
    other.close()

    # 指標: a target change typed, a section opened, typed in, closed and opened again, then the change saved
    _tab(page, "指標")
    choose(page, page, "編集する指標", "P1-1-01 テレワーク実施者数")
    edit = page.locator("[class*='st-key-md_edit_']")  # the chosen indicator's fields
    target = edit.get_by_label("目標値", exact=True)
    expect(target).to_have_value("280")
    target.fill("580")
    edit.get_by_label("適用開始年度（目標・基準値などを変えるとき）").fill("令和4年度")
    edit.get_by_label("変更の理由").fill("テレワーク推進計画の改定")
    adding = page.get_by_text("指標の追加", exact=True)
    adding.click()
    page.get_by_label("指標コード（例: P1-1-09）").fill("P1-1-99")
    adding.click()  # closed: its fields are no longer drawn
    expect(page.get_by_label("指標コード（例: P1-1-09）")).to_have_count(0)
    adding.click()
    expect(page.get_by_label("指標コード（例: P1-1-09）")).to_have_value("P1-1-99")
    expect(target).to_have_value("580")
    page.get_by_role("button", name="変更を保存").click()
    expect(page.get_by_text("「P1-1-01 テレワーク実施者数」を保存しました（目標値、目標値（表記））。令和4年度以降のサイクルに適用します")
           ).to_be_visible()
    assert rows(app["db"], "SELECT r.effective_fy, r.target_value, r.reason FROM indicator_revisions r "
                           "JOIN indicators i USING (indicator_id) WHERE i.code = 'P1-1-01'") == [
        (2022, 580, "テレワーク推進計画の改定")]
    assert rows(app["db"], "SELECT count(*) FROM indicators WHERE code = 'P1-1-99'") == [(0,)]  # not added


def test_the_conclusions_typed_survive_the_outline_tab_and_are_saved(app, page):
    login(page, app["url"], "editor1")
    nav(page, "主な取組")
    expect(page.get_by_label("取組名")).to_be_visible()
    expect(page.get_by_role("tab")).to_have_count(0)  # one tab's bar is not drawn
    logout(page)  # waits for the login form: the session is closed before the next login

    login(page, app["url"], "reviewer")
    nav(page, "主な取組")
    idle(page)
    expect(page.get_by_label("表題（例: 戦略の見直しへ）")).to_have_count(0)  # まとめ is not drawn until opened
    _tab(page, "まとめ")
    page.get_by_label("表題（例: 戦略の見直しへ）").fill("戦略の見直しへ")
    page.get_by_label("今後の方向性").fill("新たな戦略の策定へ")  # typed, not yet sent
    _tab(page, "戦略の概要")
    expect(page.get_by_label("目指す姿")).to_be_visible()
    expect(page.get_by_label("今後の方向性")).to_have_count(0)
    _tab(page, "まとめ")
    expect(page.get_by_label("表題（例: 戦略の見直しへ）")).to_have_value("戦略の見直しへ")
    expect(page.get_by_label("今後の方向性")).to_have_value("新たな戦略の策定へ")
    page.get_by_role("button", name="まとめを保存").click()
    expect(page.get_by_text("まとめを保存しました。")).to_be_visible()
    assert rows(app["db"], "SELECT c.title, c.direction, c.updated_by FROM cycle_conclusions c "
                           "JOIN cycles y USING (cycle_id) WHERE y.state = 'open'") == [
        ("戦略の見直しへ", "新たな戦略の策定へ", "reviewer")]

"""管理 in a real browser (issue #20): the administrator sees every account with its login restriction, lifts one,
and cannot take away its own administrator role; what the page says is what the warehouse holds."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import warehouse
from tests.browser.conftest import TIMEOUT, act_until_shown, login, nav

pytestmark = pytest.mark.browser


def _choose(page, login: str) -> None:
    """Pick an account in the 利用者 box by typing its login (the list shows only the options that fit)."""
    box = page.get_by_role("combobox", name="利用者")
    option = page.get_by_role("option", name=f"{login}（").first

    def type_it() -> None:
        box.click()
        box.fill("")
        box.press_sequentially(login)  # typed key by key, so the (long) list filters down to it

    act_until_shown(page, type_it, option, wait_ms=5_000)
    option.click()
    expect(box).to_have_value(re.compile(f"^{login}（"))


def test_the_administrator_lifts_a_login_restriction_and_cannot_change_its_own_roles(live_app, browser, shots):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ja-JP")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    db = live_app["db"]
    try:
        login(page, live_app["url"], "admin", "admin-pass")
        nav(page, "管理")
        expect(page.get_by_text("利用者の変更・パスワード再設定")).to_be_visible()
        page.get_by_text("利用者の変更・パスワード再設定").click()
        _choose(page, "editor2")
        page.get_by_role("button", name="ログイン制限を解除").click()
        expect(page.get_by_text("利用者「editor2」のログイン制限を解除しました。")).to_be_visible()
        shots(page, "unlocked")
        with warehouse.connect(db) as con:
            assert con.execute("SELECT actor FROM audit_log WHERE action = 'unlock_user' AND entity_id = 'editor2'"
                               ).fetchall() == [("admin",)]

        _choose(page, "admin")
        page.get_by_text("有効（ログインできる）").click()  # untick (Streamlit draws its own checkbox)
        expect(page.get_by_role("checkbox", name="有効（ログインできる）")).not_to_be_checked()
        page.get_by_role("button", name="変更を保存").click()
        expect(page.get_by_text("自分自身の役割・担当課・有効／無効は変更できません")).to_be_visible()
        with warehouse.connect(db) as con:
            assert con.execute("SELECT active FROM users WHERE login = 'admin'").fetchone() == (True,)
    finally:
        context.close()

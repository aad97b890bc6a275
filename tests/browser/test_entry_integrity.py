"""The entry page keeps what people type and upload: two tabs, uploads, round trips, drafts and submits, in Chromium.

Each test works on its own department of the demo's open year (令和4年度), so they share the session's app and
warehouse with the journey test, and asserts both what the person sees and what the warehouse holds
(`kpi values --format json`).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TIMEOUT = 45_000
expect.set_options(timeout=TIMEOUT)
BIN = Path(sys.executable).parent


def open_page(browser, url: str, login: str) -> Page:
    """A fresh browser context (its own session, like a second tab or a second person) on the 入力 page."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP").new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(f"{login}-pass")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_text("入力", exact=True).click()
    expect(page.get_by_role("heading", name="入力", exact=True)).to_be_visible()
    idle(page)
    return page


def idle(page: Page) -> None:
    page.wait_for_timeout(400)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def card(page: Page, code: str):
    """The bordered block of one indicator (the innermost block holding its code and its rate)."""
    return (page.get_by_test_id("stVerticalBlock").filter(has_text=code)
            .filter(has=page.get_by_text("達成率（入力値による）")).last)


def type_value(page: Page, code: str, label: str, text: str) -> None:
    field = card(page, code).get_by_label(label)
    field.fill(text)
    field.press("Tab")
    idle(page)


def choose(page: Page, code: str, label: str, option: str) -> None:
    card(page, code).get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    idle(page)


def stored(live_app, department: str) -> dict[str, dict]:
    """What the warehouse holds for the department's FY2022 values, by code (kpi values --format json)."""
    out = subprocess.run([str(BIN / "kpi"), "values", "--db", str(live_app["db"]), "--cycle", "2022",
                          "--department", department, "--format", "json"], capture_output=True, text=True, check=True)
    return {r["code"]: r for r in json.loads(out.stdout)}


def close(*pages: Page) -> None:
    for p in pages:
        p.context.close()


def test_a_save_from_a_stale_tab_is_refused_naming_who_saved_and_keeps_what_was_typed(live_app, browser, shots):
    url = live_app["url"]
    tab_a, tab_b = open_page(browser, url, "editor-joho"), open_page(browser, url, "editor-joho")
    try:
        # Tab A saves 1,300 for P2-1-01 while tab B is open on the same, still empty, indicator.
        type_value(tab_a, "P2-1-01", "値（件）", "1300")
        choose(tab_a, "P2-1-01", "区分（提出時に必須）", "実績値")
        expect(card(tab_a, "P2-1-01")).to_contain_text("未保存: 値、区分")  # the server has both
        tab_a.get_by_role("button", name="下書き保存").click()
        expect(tab_a.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        expect(card(tab_a, "P2-1-01").get_by_label("値（件）")).to_have_value("1,300件")

        # Tab B types 1,250 over the empty field it saw: the card says someone saved meanwhile, theirs beside mine.
        type_value(tab_b, "P2-1-01", "値（件）", "1250")
        choose(tab_b, "P2-1-01", "区分（提出時に必須）", "実績値")
        expect(card(tab_b, "P2-1-01")).to_contain_text("未保存: 値、区分")
        b_card = card(tab_b, "P2-1-01")
        expect(b_card).to_contain_text("保存されている値: 1,300件")
        expect(b_card).to_contain_text("あなたの入力: 1250（未保存）")
        expect(b_card).to_contain_text("editor-joho")
        tab_b.get_by_role("button", name="下書き保存").click()
        expect(tab_b.get_by_text("他の人が先に更新しました").first).to_be_visible()
        expect(tab_b.get_by_text("何も保存されていません")).to_be_visible()
        expect(card(tab_b, "P2-1-01").get_by_label("値（件）")).to_have_value("1250")  # what B typed is kept
        shots(tab_b, "stale-tab-refused")
        assert stored(live_app, "JOHO")["P2-1-01"]["value_text"] == "1,300件"

        # B decides to keep their figure: now, and only now, it overwrites.
        card(tab_b, "P2-1-01").get_by_role("button", name="自分の入力で上書きする").click()
        idle(tab_b)
        tab_b.get_by_role("button", name="下書き保存").click()
        expect(tab_b.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        assert stored(live_app, "JOHO")["P2-1-01"]["value_text"] == "1,250件"

        # Tab A, untouched since its save, shows B's figure on its next run instead of its own stale one.
        type_value(tab_a, "P2-1-02", "時点・期間（例: 4月～8月、R3.12時点）", "4月～9月")
        expect(card(tab_a, "P2-1-01").get_by_label("値（件）")).to_have_value("1,250件")
        expect(card(tab_a, "P2-1-02")).to_contain_text("未保存: 時点・期間")
    finally:
        close(tab_a, tab_b)

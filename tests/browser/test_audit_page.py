"""監査ログ in a real browser (issue #20): the administrator reads who did what, when, in Japanese, and no figure
a department typed; the reviewer reads the figures too. What each downloads is what the page shows."""
from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from kpi.services.review import HIDDEN
from tests.browser.conftest import TIMEOUT, login, nav

pytestmark = pytest.mark.browser


def _download_audit(page) -> list[dict]:
    with page.expect_download(timeout=TIMEOUT) as caught:
        page.get_by_role("button", name="表示中のログをCSVでダウンロード").click()
    text = open(caught.value.path(), encoding="utf-8-sig").read()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_administrator_reads_the_audit_log_in_japanese_without_unapproved_figures(live_app, browser, shots):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        login(page, live_app["url"], "admin", "admin-pass")
        nav(page, "監査ログ")
        expect(page.get_by_text("対象", exact=True)).to_be_visible()
        expect(page.get_by_test_id("stDataFrame")).to_be_visible()
        shots(page, "admin-audit")
        rows = _download_audit(page)
        values = [r for r in rows if r["対象"] == "指標の値"]
        assert values, "the demo's entries and approvals are in the audit log"
        assert {r["操作"] for r in values} >= {"保存", "提出", "承認"}
        assert all(r["役割"] in ("担当課 入力担当", "行政改革推進課 審査担当", "システム管理者", "幹部") or
                   not r["役割"].isascii() for r in values), {r["役割"] for r in values}
        assert all(r["変更後の値"] in ("", HIDDEN) and r["変更前の値"] in ("", HIDDEN) for r in values)
    finally:
        context.close()

    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)  # another person
    page = context.new_page()
    try:
        login(page, live_app["url"], "reviewer", "reviewer-pass")
        nav(page, "監査ログ")
        seen = [r for r in _download_audit(page) if r["対象"] == "指標の値"]
        assert any(r["変更後の値"] not in ("", HIDDEN) for r in seen)  # the division reads the figures
    finally:
        context.close()

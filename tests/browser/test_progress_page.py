"""回収状況 in a real browser, as the division's reviewer uses it: opened by a link (a deep link to /progress), in two
tabs of one login, and reloaded. What the page says is what the warehouse holds: the share of approved indicators
of the open year, a column for every state (所属長承認済 once crashed the page), and a department's indicators."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TIMEOUT, act_until_shown, idle, login, rows

pytestmark = pytest.mark.browser

FY = 2022  # the demo's open year: the page's default
HEADERS = ["担当課", "未入力", "下書き", "提出済", "所属長承認済", "差戻し", "承認済"]


def _counts(db) -> tuple[int, int, str, int]:
    """From the warehouse, independently of the page's query: approved and all active indicators of the open year,
    and the first department (by code, the grid's first row) with its number of active indicators."""
    approved, total = rows(db, """
        SELECT count(*) FILTER (WHERE v.state = 'approved'), count(*)
        FROM cycles c JOIN indicators i ON i.strategy_id = c.strategy_id
        LEFT JOIN indicator_values v ON v.indicator_id = i.indicator_id AND v.cycle_id = c.cycle_id
        WHERE c.fiscal_year = ? AND NOT (i.status = 'stopped' AND i.stopped_fy <= c.fiscal_year)""", [FY])[0]
    name, n = rows(db, """
        SELECT d.name, count(*) FROM cycles c JOIN indicators i ON i.strategy_id = c.strategy_id
        JOIN departments d ON d.department_code = i.department_code
        WHERE c.fiscal_year = ? AND NOT (i.status = 'stopped' AND i.stopped_fy <= c.fiscal_year)
        GROUP BY i.department_code, d.name ORDER BY i.department_code LIMIT 1""", [FY])[0]
    return approved, total, name, n


def _shows_the_grid(page: Page, approved: int, total: int) -> None:
    expect(page.get_by_role("heading", name="回収状況", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="年度")).to_have_value(re.compile("令和4年度"))
    expect(page.get_by_test_id("stMetric").filter(has_text=re.compile("^承認済"))).to_contain_text(
        f"{approved:,} / {total:,}指標")
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid.locator("table thead th").first).to_be_attached(timeout=TIMEOUT)  # the grid's accessible table
    headers = [h.strip() for h in grid.locator("table thead th").all_inner_texts()]
    assert headers[:len(HEADERS)] == HEADERS, headers


def test_a_link_two_tabs_and_a_reload_show_what_the_warehouse_holds(live_app, browser, shots):
    url, db = live_app["url"], live_app["db"]
    approved, total, first_department, its_indicators = _counts(db)
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ja-JP")
    context.set_default_timeout(TIMEOUT)
    first, second = context.new_page(), None
    try:
        login(first, url, "reviewer")
        first.goto(f"{url}/progress")  # a link to the page, as sent in a mail
        idle(first)
        _shows_the_grid(first, approved, total)

        second = context.new_page()  # the same login in a second tab
        second.goto(f"{url}/progress")
        idle(second)
        _shows_the_grid(second, approved, total)
        department = second.locator(".st-key-progress_department")

        def click_first_row() -> None:
            box = second.get_by_test_id("stDataFrame").first.bounding_box()
            second.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the first department's row

        act_until_shown(second, click_first_row, department)
        expect(department).to_be_visible()
        expect(department.get_by_role("heading", name=f"{first_department}の指標")).to_be_visible()
        listed = department.get_by_test_id("stDataFrame")
        expect(listed.locator("table tbody tr").first).to_be_attached(timeout=TIMEOUT)
        assert listed.locator("table tbody tr").count() == its_indicators

        first.reload()  # the first tab, reloaded: still the page of the link, still logged in
        idle(first)
        _shows_the_grid(first, approved, total)
        expect(first.locator(".st-key-progress_department")).to_have_count(0)  # the other tab's choice stays there
    except BaseException:
        for name, page in (("first", first), ("second", second)):
            if page is not None:
                shots(page, f"failure-{name}")
        raise
    finally:
        context.close()

"""Publication and executive views that cannot mislead, in a real browser on the session's app:
an open year is published only as a 速報（中間）版 after a confirmation; the dashboard opens on the latest finalized
year; the trends axis runs in fiscal order; a table row opens its 指標 page and a chart band filters 指標一覧.
(No English word on any page of any role: tests/browser/test_every_page.py.)"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TIMEOUT = 45_000
expect.set_options(timeout=TIMEOUT)


def _login(page: Page, url: str, login: str) -> None:
    page.goto(url)
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(f"{login}-pass")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def _idle(page: Page) -> None:
    page.wait_for_timeout(400)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def _nav(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    _idle(page)


def _year(page: Page, label_start: str) -> None:
    page.get_by_role("combobox", name="年度").click()
    page.get_by_role("option", name=re.compile("^" + re.escape(label_start))).click()
    _idle(page)


@pytest.fixture
def page(browser, shots):
    p = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="ja-JP")
    p.set_default_timeout(TIMEOUT)
    yield p
    shots(p, "last")
    p.close()


def test_executive_views_default_year_provisional_year_trends_and_click_through(live_app, page, shots):
    """One executive session: the default year, an open year's coverage and 暫定 headlines, the trends axis order,
    a chart band filtering 指標一覧, and a row opening its 指標 page. (Publishing an open year only as a 速報版 after
    the confirmation is checked in test_journey.py, which makes the FY2022 速報版.)"""
    _login(page, live_app["url"], "executive")
    _idle(page)
    # the latest finalized year, not the open one
    expect(page.get_by_role("combobox", name="年度")).to_have_value("令和3年度（2021年度）・確定済")
    expect(page.get_by_test_id("stMetric").filter(has_text="指標数")).to_contain_text("68指標")
    expect(page.get_by_text("暫定の集計です")).to_have_count(0)

    # a chart band filters 指標一覧
    segment = page.locator("[role=graphics-symbol][aria-label*='scope: 全体;'][aria-label*='60%以上100%未満']")
    expect(segment).to_have_count(1)
    segment.click()
    _idle(page)
    expect(page).to_have_url(re.compile("band=band_60_100"))
    expect(page.get_by_role("tab", name="指標一覧")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="指標一覧").get_by_text("3指標", exact=True)).to_be_visible()
    shots(page, "band-filtered-list")

    # trends: fiscal years in order on x, one line per band
    page.get_by_role("tab", name="推移").click()
    _idle(page)
    axis = page.locator("[aria-label^=\"X-axis titled '年度'\"]")
    expect(axis).to_have_count(1)
    described = axis.get_attribute("aria-label")
    assert "令和元年度, 令和2年度, 令和3年度" in described, described
    x_labels = [t for t in axis.locator("text").all_text_contents() if t.startswith("令和")]
    assert x_labels == ["令和元年度", "令和2年度", "令和3年度"], x_labels
    assert page.locator("[aria-roledescription='line mark']").count() == 5
    shots(page, "trends")

    # a row of 指標一覧 opens its 指標 page
    page.get_by_role("tab", name="指標一覧").click()
    _idle(page)
    grid = page.get_by_role("tabpanel", name="指標一覧").get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the first row's selection marker
    expect(page.get_by_role("heading", name="指標", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"code=P\d-\d-\d\d"))
    expect(page.locator(".st-key-indicator_year")).to_contain_text("計算式")
    shots(page, "indicator-from-row")

    # an open year: the coverage bar and every headline 暫定
    _nav(page, "ダッシュボード")
    _year(page, "令和4年度")
    page.get_by_role("tab", name="概要").click()
    _idle(page)
    expect(page.get_by_text("暫定の集計です")).to_be_visible()
    expect(page.locator(".st-key-coverage_bar")).to_contain_text(re.compile(r"承認済 \d+ / 全 67 指標"))
    expect(page.get_by_test_id("stMetricLabel").first).to_have_text(re.compile("^【暫定】"))
    labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
    assert labels and all(t.startswith("【暫定】") for t in labels), labels
    shots(page, "open-year-provisional")

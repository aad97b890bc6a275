"""Publication and executive views that cannot mislead, in a real browser on the session's app:
an open year is published only as a 速報（中間）版 after a confirmation; the dashboard opens on the latest finalized
year; the trends axis runs in fiscal order; a table row opens its 指標 page and a chart band filters 指標一覧;
no English word on any page of any role."""
from __future__ import annotations

import re

import duckdb
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TIMEOUT = 45_000
expect.set_options(timeout=TIMEOUT)

ROLES = {"executive": "executive-pass", "reviewer": "reviewer-pass", "editor1": "editor1-pass", "admin": "admin-pass"}


def _login(page: Page, url: str, login: str) -> None:
    page.goto(url)
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(ROLES[login])
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


def _allowed_codes(db) -> set[str]:
    """Identifiers a person sees as codes: login IDs, department, reason category and indicator codes."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        words = set()
        for sql in ("SELECT login FROM users", "SELECT department_code FROM departments",
                    "SELECT category_code FROM reason_categories", "SELECT code FROM strategies"):
            for (v,) in con.execute(sql).fetchall():
                words.update(re.findall(r"[A-Za-z]+", v))
        return words
    finally:
        con.close()


VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || el.closest('script,style,noscript,[data-testid=stIconMaterial]') || !el.checkVisibility()) continue;
    if (getComputedStyle(el).fontFamily.includes('Material Symbols')) continue;  // an icon's ligature, drawn as a glyph
    const t = n.textContent.trim();
    if (t) out.push(t);
  }
  for (const i of document.querySelectorAll('input[placeholder],textarea[placeholder]'))
    if (!i.value && i.checkVisibility()) out.push(i.getAttribute('placeholder'));
  for (const i of document.querySelectorAll('[data-placeholder=true]'))
    if (i.checkVisibility()) out.push(i.textContent);
  return out;
}"""
# Names written in Latin letters on purpose (file formats, a palette's authors), and Streamlit's skip link, which
# no parameter translates (README, "Japanese only").
PROPER_NAMES = {"Excel", "PowerPoint", "Okabe", "Ito", "Skip to main content"}


def english_words(texts: list[str], codes: set[str]) -> set[str]:
    """ASCII words that are not codes (upper-case, with digits, -, _, ., @), units, numbers or proper names."""
    found = set()
    for text in texts:
        if text.strip() in PROPER_NAMES:
            continue
        for token in re.findall(r"[A-Za-z0-9._@/%-]+", text):
            if re.search(r"[0-9_@./-]", token) or token.isupper() or not re.search(r"[a-z]", token):
                continue  # a code, a file name, an address, a unit or a number
            if token in codes or token in PROPER_NAMES:
                continue
            found.add(token)
    return found


def test_english_words_are_found_and_codes_are_not():
    codes = {"joho"}
    assert english_words(["Choose an option", "10MB per file • XLSX"], codes) == {"Choose", "an", "option", "per",
                                                                                  "file"}
    assert english_words(["P1-1-04 GYOKAKU 2021_report_v1.pptx 36,821人 73.5% joho CSV"], codes) == set()


def test_no_english_on_any_page_of_any_role(live_app, browser):
    codes = _allowed_codes(live_app["db"])
    seen: dict[str, set[str]] = {}
    pages = {}
    try:
        for login in ROLES:  # one tab per role; each page is asked of every role before any is read (the server
            pages[login] = p = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="ja-JP")
            p.set_default_timeout(TIMEOUT)  # works on the four at once)
            _login(p, live_app["url"], login)
        titles = {login: [t.split("\n")[-1].strip() for t in p.get_by_test_id("stSidebarNav").locator("a")
                          .all_inner_texts()] for login, p in pages.items()}
        for k in range(max(len(t) for t in titles.values())):
            asked = {login: t[k] for login, t in titles.items() if k < len(t)}
            for login, title in asked.items():
                pages[login].get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            for login, title in asked.items():
                p = pages[login]
                expect(p.get_by_role("heading", name=title, exact=True)).to_be_visible()
                _idle(p)
                if p.get_by_test_id("stFileUploader").count():  # the relabelling style applies after render
                    expect(p.get_by_test_id("stFileUploaderDropzoneInstructions").first).to_be_hidden()
                words = english_words(p.evaluate(VISIBLE_TEXT), codes)
                if words:
                    seen[f"{login} {title}"] = words
    finally:
        for p in pages.values():
            p.close()
    assert [len(titles[r]) for r in ROLES] == [3, 11, 5, 8]  # every page of every role was read
    assert not seen, seen

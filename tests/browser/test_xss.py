"""User text never runs as HTML or script: reasons, review comments and display names holding <script> and
<img onerror> are stored through the services, then every page is visited as each role in a real Chromium.

Also proves the dataframe toolbar offers no CSV download of its own (client.disableDataExport)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import warehouse
from kpi.domain.workflow import Role
from kpi.services import admin, intake, workflow
from kpi.services.accounts import authenticate
from kpi.services.actors import Actor
from kpi.services.entries import RawEntry
from kpi.services.workflow import ValueRef

pytestmark = pytest.mark.browser

TIMEOUT = 45_000
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
NAME = '<img src=x onerror="window.__xss=3">入力担当'
ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}), frozenset())
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}), frozenset())
HEAD1 = Actor("head1", "総務部行政改革推進課長（所属長）", frozenset({Role.DEPT_HEAD}), frozenset({"GYOKAKU"}))


def _ref(db, code: str) -> ValueRef:
    with warehouse.connect(db) as con:
        value_id, version = con.execute(
            "SELECT v.value_id, v.version FROM indicator_values v JOIN indicators i USING (indicator_id)"
            " JOIN cycles c USING (cycle_id) WHERE i.code = ? AND c.fiscal_year = 2022", [code]).fetchone()
    return ValueRef(value_id, version)


@pytest.fixture(scope="module")
def hostile_text(live_app):
    """Through the services: an account whose display name is markup saves two values whose reasons are markup;
    the department's head approves both (所属長承認), then the reviewer approves one and returns the other with a
    markup comment."""
    db = live_app["db"]
    admin.create_account(ADMIN, "xss-editor", NAME, "xss-editor-pass", ["editor"], ["GYOKAKU"], db=db)
    editor = authenticate("xss-editor", "xss-editor-pass", db=db)
    entries = [RawEntry(code="P3-2-01", value="1", kind="実績値", reason=SCRIPT, reason_category="other", row_no=1,
                        check_version=False),
               RawEntry(code="P3-3-01", value="1", kind="実績値", reason=IMG, reason_category="other", row_no=2,
                        check_version=False)]
    report = intake.process(intake.receive(editor, 2022, "GYOKAKU", entries, db=db), db=db)
    assert report.status == "landed", report.findings
    workflow.submit(editor, [_ref(db, "P3-2-01"), _ref(db, "P3-3-01")], db=db, acknowledge_warnings=True)
    for code in ("P3-2-01", "P3-3-01"):  # the chain 担当 → 所属長 → 行政改革推進課: the head's level first
        workflow.approve(HEAD1, _ref(db, code), db=db)
    workflow.approve(REVIEWER, _ref(db, "P3-2-01"), db=db)
    workflow.return_value(REVIEWER, _ref(db, "P3-3-01"), IMG + " 要因を見直してください", db=db)
    queued = [RawEntry(code="P3-2-02", value="1", kind="実績値", reason=SCRIPT, reason_category="other", row_no=1,
                       check_version=False)]  # left in the reviewer's queue
    assert intake.process(intake.receive(editor, 2022, "GYOKAKU", queued, db=db), db=db).status == "landed"
    workflow.submit(editor, [_ref(db, "P3-2-02")], db=db, acknowledge_warnings=True)
    workflow.approve(HEAD1, _ref(db, "P3-2-02"), db=db)  # past the head: waiting in the division's queue
    return db


def _login(page: Page, url: str, login: str) -> None:
    page.goto(url)
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(f"{login}-pass")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible(timeout=TIMEOUT)


def _idle(page: Page) -> None:
    page.wait_for_timeout(700)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


def _xss(page: Page):
    return page.evaluate("() => typeof window.__xss === 'undefined' ? null : window.__xss")


@pytest.mark.parametrize("login", ["xss-editor", "editor1", "reviewer", "executive", "admin"])
def test_markup_typed_by_people_shows_as_text_on_every_page(live_app, browser, hostile_text, shots, login):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page.set_default_timeout(TIMEOUT)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    seen = ""
    try:
        _login(page, live_app["url"], login)
        _idle(page)
        titles = [t.strip().splitlines()[-1].strip() for t in page.get_by_test_id("stSidebarNav").locator("a").all_inner_texts()]
        assert titles, "no pages in the navigation"
        for title in titles:
            page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT)
            _idle(page)
            assert _xss(page) is None, f"{login} / {title}: markup ran"
            seen += page.locator("body").inner_text()  # text on screen, and what the fields hold
            seen += "\n".join(page.locator("textarea, input").evaluate_all("els => els.map(e => e.value)"))
            shots(page, f"{login}-{title}")
        assert _xss(page) is None and dialogs == []
        assert page.locator("img[src='x']").count() == 0
        if login == "xss-editor":  # the sidebar shows the display name as typed, as text
            expect(page.get_by_test_id("stSidebar").get_by_text(NAME, exact=False)).to_be_visible()
        if login in ("xss-editor", "editor1"):  # the returned value's comment, beside its field, as typed
            page.get_by_test_id("stSidebarNav").get_by_text("入力", exact=True).click()
            expect(page.get_by_text(f"差戻しコメント: {IMG}", exact=False)).to_be_visible(timeout=TIMEOUT)
        if login == "reviewer":  # the queued value's reason, as typed
            page.get_by_test_id("stSidebarNav").get_by_text("審査・承認", exact=True).click()
            expect(page.get_by_role("heading", name="審査・承認", exact=True)).to_be_visible(timeout=TIMEOUT)
            picker = page.get_by_role("combobox", name="指標", exact=True)
            picker.click()
            picker.press_sequentially("P3-2-02")  # the list shows only what fits: typing filters it
            page.get_by_role("option", name="P3-2-02", exact=False).click()
            expect(page.get_by_text(f"要因: {SCRIPT}", exact=False)).to_be_visible(timeout=TIMEOUT)
            shots(page, "reviewer-reason-as-text")
        assert _xss(page) is None and dialogs == []
    except BaseException:
        shots(page, "failure")
        raise
    finally:
        page.close()


def test_the_dataframe_toolbar_offers_no_download(live_app, browser, hostile_text, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page.set_default_timeout(TIMEOUT)
    try:
        _login(page, live_app["url"], "reviewer")
        page.get_by_test_id("stSidebarNav").get_by_text("監査ログ", exact=True).click()
        _idle(page)
        grid = page.get_by_test_id("stDataFrame").first
        expect(grid).to_be_visible()
        grid.hover()
        toolbar = page.get_by_test_id("stElementToolbar").first
        expect(toolbar).to_be_visible()  # the toolbar is there (search, fullscreen) …
        expect(toolbar.get_by_role("button", name="Search")).to_be_visible()
        expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)  # … but without its download
        shots(page, "toolbar-without-download")
    finally:
        page.close()

"""Sessions in a real Chromium: a reload, a second tab and a link keep the person logged in (a SameSite=Strict
cookie holding a server-side token); logout ends it everywhere; a revoked account cannot act from an open tab."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

import warehouse
from kpi.domain.workflow import Role
from kpi.services import admin, intake, sessions, workflow
from kpi.services.accounts import authenticate
from kpi.services.actors import Actor
from kpi.services.entries import RawEntry
from kpi.services.workflow import ValueRef
from tests.browser.conftest import idle, running_app

pytestmark = pytest.mark.browser

TIMEOUT = 45_000
expect.set_options(timeout=TIMEOUT)
ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}), frozenset())
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}), frozenset())
DEPT, CODE = "BOSAI", "P2-1-17"  # a department no other browser test touches; 防災情報メールの登録者数
HEAD = Actor("head-bosai", "BOSAI 所属長", frozenset({Role.DEPT_HEAD}), frozenset({DEPT}))


@pytest.fixture(scope="module")
def people(live_app):
    """Accounts of this module only (the other browser tests keep the demo accounts as they are)."""
    db = live_app["db"]
    admin.create_account(ADMIN, "sess-editor", "防災 入力担当", "sess-editor-pass", ["editor"], [DEPT], db=db)
    admin.create_account(ADMIN, "sess-reviewer", "審査 担当B", "sess-reviewer-pass", ["reviewer"], [], db=db)
    return db


def _context(browser) -> BrowserContext:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    ctx.set_default_timeout(TIMEOUT)
    return ctx


def _login_form(page: Page, login: str) -> None:
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(f"{login}-pass")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def _logged_in(page: Page) -> None:
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    expect(page.get_by_label("ログインID")).to_have_count(0)


def _session_cookie(ctx: BrowserContext) -> dict:
    """The session cookie once the page has written it."""
    for _ in range(100):
        found = [c for c in ctx.cookies() if c["name"] == sessions.COOKIE and c["value"]]
        if found:
            return found[0]
        ctx.pages[0].wait_for_timeout(100)
    raise AssertionError(f"no {sessions.COOKIE} cookie: {ctx.cookies()}")


def _heading(page: Page, title: str) -> None:
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def test_a_reload_a_second_tab_and_a_link_keep_the_login_and_logout_ends_it_everywhere(
        live_app, browser, people, shots):
    url = live_app["url"]
    ctx = _context(browser)
    try:
        page = ctx.new_page()
        page.goto(url)
        _login_form(page, "sess-editor")
        cookie = _session_cookie(ctx)
        assert (cookie["sameSite"], cookie["path"], cookie["httpOnly"]) == ("Strict", "/", False)
        assert sessions.well_formed(cookie["value"])
        with warehouse.connect(people) as con:  # the warehouse holds the token's keyed hash, never the token
            stored = [r[0] for r in con.execute("SELECT token_hash FROM login_sessions WHERE login = 'sess-editor'"
                                                 " AND ended_at IS NULL").fetchall()]
        assert stored == [sessions.token_hash(cookie["value"], people)]

        page.reload()  # F5
        _logged_in(page)
        shots(page, "after-reload")

        second = ctx.new_page()  # a second tab
        second.goto(url)
        _logged_in(second)

        link = ctx.new_page()  # the link of a reminder e-mail, opened while logged in
        link.goto(f"{url}/entry")
        _heading(link, "入力")
        assert link.url.endswith("/entry")
        shots(link, "deep-link-logged-in")

        page.get_by_role("button", name="ログアウト").click()
        expect(page.get_by_label("ログインID")).to_be_visible()
        second.get_by_test_id("stSidebarNav").get_by_text("指標", exact=True).click()  # the next click elsewhere
        expect(second.get_by_label("ログインID")).to_be_visible()
        expect(second.get_by_text("ログアウトされています")).to_be_visible()
        shots(second, "other-tab-after-logout")
    finally:
        ctx.close()

    replay = _context(browser)  # the old cookie, replayed by someone who copied it: refused by the server
    try:
        replay.add_cookies([{**{k: cookie[k] for k in ("name", "value", "domain", "path")}, "sameSite": "Strict"}])
        page = replay.new_page()
        page.goto(f"{url}/entry")
        expect(page.get_by_label("ログインID")).to_be_visible()
        expect(page.get_by_role("button", name="ログアウト")).to_have_count(0)
    finally:
        replay.close()


def test_a_link_opened_while_logged_out_lands_on_its_page_after_login(live_app, browser, people, shots):
    ctx = _context(browser)
    try:
        page = ctx.new_page()
        page.goto(f"{live_app['url']}/entry")
        expect(page.get_by_label("ログインID")).to_be_visible()
        shots(page, "link-asks-for-login")
        _login_form(page, "sess-editor")
        _heading(page, "入力")
        assert re.search(r"/entry$", page.url), page.url
        shots(page, "link-after-login")
    finally:
        ctx.close()


def _submitted_value(db) -> ValueRef:
    editor = authenticate("sess-editor", "sess-editor-pass", db=db)
    entry = RawEntry(code=CODE, value="999999", kind="実績値", reason="理由", reason_category="other", row_no=1,
                     check_version=False)
    report = intake.process(intake.receive(editor, 2022, DEPT, [entry], db=db), db=db)
    assert report.status == "landed", report.findings
    with warehouse.connect(db) as con:
        value_id, version = con.execute(
            "SELECT v.value_id, v.version FROM indicator_values v JOIN indicators i USING (indicator_id)"
            " JOIN cycles c USING (cycle_id) WHERE i.code = ? AND c.fiscal_year = 2022", [CODE]).fetchone()
    [version] = workflow.submit(editor, [ValueRef(value_id, version)], db=db, acknowledge_warnings=True)
    workflow.approve(HEAD, ValueRef(value_id, version), db=db)  # 所属長承認 first: it now waits for the division
    return ValueRef(value_id, version + 1)


def _state(db, value_id: int) -> str:
    with warehouse.connect(db) as con:
        return con.execute("SELECT state FROM indicator_values WHERE value_id = ?", [value_id]).fetchone()[0]


def test_a_reviewer_disabled_and_demoted_elsewhere_cannot_approve_from_the_open_tab(live_app, browser, people, shots):
    db = people
    ref = _submitted_value(db)
    ctx = _context(browser)
    try:
        page = ctx.new_page()
        page.goto(live_app["url"])
        _login_form(page, "sess-reviewer")
        page.get_by_test_id("stSidebarNav").get_by_text("審査・承認", exact=True).click()
        _heading(page, "審査・承認")
        page.get_by_role("combobox", name="担当課").click()
        page.get_by_role("option", name=re.compile("防災")).first.click()
        expect(page.locator("strong", has_text="防災情報メールの登録者数")).to_be_visible()
        approve = page.get_by_role("button", name="承認", exact=True)
        expect(approve).to_have_count(1)
        idle(page)  # the choice's run is over: a run still going would read the revocation and log out before the click
        shots(page, "reviewer-before-revocation")

        # another process (this test) disables the account and demotes it, as an administrator would
        admin.update_account(ADMIN, "sess-reviewer", roles=["executive"], departments=[], active=False, db=db)
        approve.click()

        expect(page.get_by_label("ログインID")).to_be_visible()
        expect(page.get_by_text("このアカウントは無効になったため、ログアウトしました")).to_be_visible()
        shots(page, "reviewer-after-revocation")
        assert _state(db, ref.value_id) == "head_approved"
        page.reload()  # the cookie cannot bring the session back either
        expect(page.get_by_label("ログインID")).to_be_visible()
        expect(page.get_by_role("button", name="ログアウト")).to_have_count(0)
    finally:
        ctx.close()
        workflow.return_value(REVIEWER, ValueRef(ref.value_id, ref.version), "テスト後の後片付け", db=db)


def test_a_link_as_the_first_request_after_a_start_asks_for_login(tmp_path_factory, demo_db_template, prefect_api,
                                                                  browser, shots):
    """The very first request to a freshly started app is a deep link, logged out: the login form, not the page
    (Streamlit runs a page file directly, without the entrypoint, while a `pages/` folder sits beside it and no run
    has called st.navigation yet; the pages live in app/views for that reason)."""
    with running_app(tmp_path_factory.mktemp("first-link"), template=demo_db_template, prefect_api=prefect_api) as app:
        ctx = _context(browser)
        try:
            page = ctx.new_page()
            page.goto(f"{app['url']}/entry")
            expect(page.get_by_label("ログインID")).to_be_visible()
            expect(page.get_by_role("link", name="head review")).to_have_count(0)  # no file-named sidebar
            shots(page, "first-request-link-asks-for-login")
            page.get_by_label("ログインID").fill("editor1")
            page.get_by_label("パスワード").fill("editor1-pass")
            page.get_by_role("button", name="ログイン").click()
            _heading(page, "入力")
            assert re.search(r"/entry$", page.url), page.url
        finally:
            ctx.close()

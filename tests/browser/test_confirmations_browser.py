"""見込 → 確定 in a real browser (issue #22), walked as the people who use it on the demo warehouse (FY2021
finalized with 確定値 owed and entered, FY2022 open), asserting what each person sees and what the warehouse
holds.

1. An editor follows a link to the 入力 page of FY2021 as the app's first request, logged out: the login, then the
   year's 確定値 section. Two tabs of the editor: tab 1 saves a 確定値, the stale tab 2 saves another figure and is
   told of the conflict (nothing overwritten); a reload shows what was saved; a second editor of the department
   sees it.
2. The chain: the editor submits a 確定値; the division has nothing to approve yet and another department's head
   sees nothing of it; GYOKAKU's head sees only their department's, returns it with a comment; the editor reads the
   comment, corrects and resubmits; the head approves, then the reviewer on 審査・承認; the projection stays as
   published and `kpi summary --basis confirmed` changes.
3. 公表資料: the reviewer publishes FY2021's first edition, then the 確定値反映版 with its checkbox; the new edition's
   deck and PDF (downloaded and read back) show 「見込 → 確定」 with the band the walk above changed, and the first
   edition's files stay byte for byte as published.
4. 督促・通知: the table of owed 確定値 gives the warehouse's count for every department.
"""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pptx import Presentation

from kpi.domain.roles import Role
from kpi.services import admin, confirmations
from kpi.services.actors import Actor
from tests.browser.conftest import TIMEOUT, choose, idle, login, logout, nav, rows, running_app

pytestmark = pytest.mark.browser

KPI = Path(sys.executable).parent / "kpi"
FY2021 = "令和3年度（2021年度）・確定済"
SECTION = "見込 → 確定（確定値の入力）"
QUEUE = "見込 → 確定（確定値の承認）"
CODE, NAME = "P1-1-02", "ICTを利活用し、新たに業務効率化を進めた取組数"  # GYOKAKU: 7件 (R3年度末見込値), target 5件
TABS_CODE, TABS_NAME = "P2-1-03", "押印を求める県の様式数"  # GYOKAKU: 700件 (R3年度末見込値)
OTHER_CODE = "P2-3-09"  # KEIZAI's, its 確定値 submitted before the app starts
COMMENT = "確定値の出典に調査の時点を書いてください"
ADMIN = Actor("admin", "システム管理者", frozenset({Role.ADMIN}))


def _prepare(db) -> None:
    """A second editor of GYOKAKU, and a 確定値 of KEIZAI's submitted (waiting for KEIZAI's head)."""
    admin.create_account(ADMIN, "editor-gyokaku2", "総務部 入力担当2", "editor-gyokaku2-pass", ["editor"],
                         ["GYOKAKU"], db=db)
    keizai = Actor("editor-keizai", "商工労働部 入力担当", frozenset({Role.EDITOR}), frozenset({"KEIZAI"}))
    ref = confirmations.save(keizai, 2021, OTHER_CODE, "120件", confirmed_on="2022-05-31",
                             source="令和3年度 実績調査", db=db)
    confirmations.submit(keizai, ref, db=db)


@pytest.fixture(scope="module")
def confirm_app(tmp_path_factory, demo_db_template, prefect_api):
    with running_app(tmp_path_factory.mktemp("confirm"), _prepare, template=demo_db_template,
                     prefect_api=prefect_api) as app:
        yield app


def _confirmation(db, code: str) -> list[tuple]:
    return rows(db, "SELECT k.value_text, k.confirmed_on::VARCHAR, k.source, k.state, k.version, k.entered_by,"
                    " k.review_comment FROM value_confirmations k JOIN indicators i USING (indicator_id)"
                    " WHERE i.code = ?", [code])


def _summary(db) -> dict:
    done = subprocess.run([str(KPI), "summary", "--cycle", "2021", "--basis", "confirmed", "--format", "json",
                           "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["groups"][0]["counts"]


def _box(page: Page, code: str):
    """The bordered block of one owed 確定値 on the 入力 page."""
    return page.locator(f".st-key-confirm_box_{code}")


def _type(page: Page, code: str, value: str, day: str, source: str) -> None:
    box = _box(page, code)
    box.get_by_label("確定値（件）").fill(value)
    box.get_by_label("確定日（例: 2022-06-30）").fill(day)
    box.get_by_label("出典").fill(source)
    box.get_by_label("出典").press("Tab")
    idle(page)


def _expect_fields(page: Page, code: str, value: str, day: str, source: str) -> None:
    box = _box(page, code)
    expect(box.get_by_label("確定値（件）")).to_have_value(value)
    expect(box.get_by_label("確定日（例: 2022-06-30）")).to_have_value(day)
    expect(box.get_by_label("出典")).to_have_value(source)


def _on_fy2021(page: Page) -> None:
    """The 入力 page of FY2021 with its 確定値 section, the run finished."""
    expect(page.get_by_role("heading", name="入力", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="年度")).to_have_value(FY2021)
    expect(page.get_by_role("heading", name=SECTION)).to_be_visible()
    idle(page)


def _new_context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    ctx.set_default_timeout(TIMEOUT)
    return ctx


def test_a_link_two_tabs_a_reload_and_a_second_editor(confirm_app, browser, shots):
    """Runs first in the module: its link is the app's first request."""
    url, db = confirm_app["url"], confirm_app["db"]
    ctx, other = _new_context(browser), _new_context(browser)
    tab1 = ctx.new_page()
    try:
        # the link to FY2021's 入力, logged out: the login form, then the page and the year the link names
        tab1.goto(f"{url}/entry?fy=2021")
        expect(tab1.get_by_label("ログインID")).to_be_visible()
        expect(tab1.get_by_role("heading", name="入力", exact=True)).to_have_count(0)
        tab1.get_by_label("ログインID").fill("editor1")
        tab1.get_by_label("パスワード").fill("editor1-pass")
        tab1.get_by_role("button", name="ログイン").click()
        _on_fy2021(tab1)
        assert tab1.url == f"{url}/entry?fy=2021"
        expect(_box(tab1, TABS_CODE)).to_contain_text("見込値: 700件　状態: 未入力")

        # a second tab of the same editor, opened before the first saves
        tab2 = ctx.new_page()
        tab2.goto(f"{url}/entry?fy=2021")
        _on_fy2021(tab2)
        _expect_fields(tab2, TABS_CODE, "", "", "")

        _type(tab1, TABS_CODE, "６５０件", "2022-06-30", "令和3年度 様式調査")
        _box(tab1, TABS_CODE).get_by_role("button", name="確定値を下書き保存").click()
        expect(tab1.get_by_text(f"「{TABS_NAME}」の確定値を下書き保存しました。")).to_be_visible()
        idle(tab1)
        _expect_fields(tab1, TABS_CODE, "650件", "2022-06-30", "令和3年度 様式調査")
        saved = [("650件", "2022-06-30", "令和3年度 様式調査", "draft", 1, "editor1", None)]
        assert _confirmation(db, TABS_CODE) == saved

        # the stale tab saves another figure: told in Japanese, nothing overwritten, its typing kept
        _type(tab2, TABS_CODE, "640件", "2022-07-15", "別の調査")
        _box(tab2, TABS_CODE).get_by_role("button", name="確定値を下書き保存").click()
        expect(tab2.get_by_text(f"「{TABS_NAME}」の確定値は他の人が先に更新しました。"
                                "画面を再読み込みして最新の内容を確認してください。")).to_be_visible()
        idle(tab2)
        shots(tab2, "stale-tab-told-of-the-conflict")
        _expect_fields(tab2, TABS_CODE, "640件", "2022-07-15", "別の調査")
        assert _confirmation(db, TABS_CODE) == saved
        assert rows(db, "SELECT a.actor, a.action FROM audit_log a JOIN value_confirmations k"
                        " ON a.entity = 'confirmation' AND a.entity_id = k.confirmation_id::VARCHAR"
                        " JOIN indicators i ON i.indicator_id = k.indicator_id WHERE i.code = ?",
                    [TABS_CODE]) == [("editor1", "save")]

        # a reload (F5: a new session) stays on FY2021 and shows what is stored
        tab2.reload()
        _on_fy2021(tab2)
        _expect_fields(tab2, TABS_CODE, "650件", "2022-06-30", "令和3年度 様式調査")
        expect(_box(tab2, TABS_CODE)).to_contain_text("状態: 下書き")
        shots(tab2, "after-reload")

        # a second editor of GYOKAKU sees the saved draft
        second = other.new_page()
        login(second, url, "editor-gyokaku2")
        nav(second, "入力")
        choose(second, second, "年度", FY2021)
        _on_fy2021(second)
        _expect_fields(second, TABS_CODE, "650件", "2022-06-30", "令和3年度 様式調査")
        expect(_box(second, TABS_CODE)).to_contain_text("状態: 下書き")
        assert _confirmation(db, TABS_CODE) == saved
    except BaseException:
        for i, p in enumerate(ctx.pages + other.pages):
            shots(p, f"failure-{i}")
        raise
    finally:
        ctx.close()
        other.close()


def test_the_chain_returns_corrects_and_approves_a_confirmed_value(confirm_app, browser, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page.set_default_timeout(TIMEOUT)
    try:
        _chain(page, confirm_app["url"], confirm_app["db"], shots)
    except BaseException:
        shots(page, "failure")
        raise
    finally:
        page.close()


def _chain(page: Page, url: str, db, shots) -> None:
    value_sql = ("SELECT v.value_text, v.value_kind, v.state, v.version FROM indicator_values v"
                 " JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id)"
                 " WHERE i.code = ? AND c.fiscal_year = 2021")
    before, counts = rows(db, value_sql, [CODE]), _summary(db)

    # 1. editor1 enters the 確定値 and submits it
    login(page, url, "editor1")
    nav(page, "入力")
    choose(page, page, "年度", FY2021)
    _on_fy2021(page)
    _type(page, CODE, "3件", "2022-06-30", "令和3年度 庁内調査")
    shots(page, "editor-enters-confirmation")
    _box(page, CODE).get_by_role("button", name="確定値を保存して提出").click()
    expect(page.get_by_text(f"「{NAME}」の確定値を提出しました")).to_be_visible()
    expect(_box(page, CODE)).to_contain_text("提出済です。承認をお待ちください。")
    logout(page)
    assert [r[:4] for r in _confirmation(db, CODE)] == [("3件", "2022-06-30", "令和3年度 庁内調査", "submitted")]

    # 2. the division has nothing to approve before the head; another department's head sees nothing of it
    login(page, url, "reviewer")
    nav(page, "審査・承認")
    idle(page)
    expect(page.get_by_role("heading", name=QUEUE)).to_have_count(0)
    logout(page)
    login(page, url, "head2")  # IRYO's head
    nav(page, "所属長承認")
    idle(page)
    expect(page.get_by_role("heading", name=QUEUE)).to_have_count(0)
    expect(page.get_by_text(NAME)).to_have_count(0)
    logout(page)

    # 3. GYOKAKU's head: only GYOKAKU's 確定値 (KEIZAI's submitted one is not theirs); returns it with a comment
    login(page, url, "head1")
    nav(page, "所属長承認")
    expect(page.get_by_role("heading", name=QUEUE)).to_be_visible()
    picker = page.get_by_role("combobox", name="確定値", exact=True)
    expect(picker).to_have_value(f"令和3年度 {CODE} {NAME}")
    picker.click()
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.get_by_text(OTHER_CODE)).to_have_count(0)
    shots(page, "head-queue")
    page.get_by_label("コメント（差戻しでは必須）").fill(COMMENT)
    page.get_by_label("コメント（差戻しでは必須）").press("Tab")
    idle(page)
    page.get_by_role("button", name="確定値を差戻し").click()
    expect(page.get_by_text(f"「{NAME}」の確定値を差し戻しました。")).to_be_visible()
    logout(page)
    assert [r[3:] for r in _confirmation(db, CODE)] == [("returned", 3, "editor1", COMMENT)]

    # 4. the editor reads the comment beside the 確定値, corrects and resubmits
    login(page, url, "editor1")
    nav(page, "入力")
    choose(page, page, "年度", FY2021)
    _on_fy2021(page)
    expect(_box(page, CODE)).to_contain_text(f"差戻しコメント: {COMMENT}")
    expect(_box(page, CODE)).to_contain_text("状態: 差戻し")
    _expect_fields(page, CODE, "3件", "2022-06-30", "令和3年度 庁内調査")
    shots(page, "editor-sees-head-comment")
    _type(page, CODE, "4件", "2022-06-30", "令和3年度 庁内調査（令和4年5月末時点）")
    _box(page, CODE).get_by_role("button", name="確定値を保存して提出").click()
    expect(page.get_by_text(f"「{NAME}」の確定値を提出しました")).to_be_visible()
    logout(page)
    assert [r[:4] for r in _confirmation(db, CODE)] == [
        ("4件", "2022-06-30", "令和3年度 庁内調査（令和4年5月末時点）", "submitted")]

    # 5. the head approves (一次), then the reviewer on 審査・承認 (二次)
    login(page, url, "head1")
    nav(page, "所属長承認")
    expect(page.get_by_role("heading", name=QUEUE)).to_be_visible()
    page.get_by_role("button", name="確定値を承認").click()
    expect(page.get_by_text(f"「{NAME}」の確定値（4件）を承認しました")).to_be_visible()
    expect(page.get_by_role("heading", name=QUEUE)).to_have_count(0)
    logout(page)
    assert [r[3] for r in _confirmation(db, CODE)] == ["head_approved"]

    login(page, url, "reviewer")
    nav(page, "審査・承認")
    expect(page.get_by_role("heading", name=QUEUE)).to_be_visible()
    expect(page.get_by_role("combobox", name="確定値", exact=True)).to_have_value(f"令和3年度 {CODE} {NAME}")
    shots(page, "reviewer-queue")
    page.get_by_role("button", name="確定値を承認").click()
    expect(page.get_by_text(f"「{NAME}」の確定値（4件）を承認しました")).to_be_visible()
    expect(page.get_by_role("heading", name=QUEUE)).to_have_count(0)  # KEIZAI's waits for KEIZAI's head
    logout(page)

    assert rows(db, "SELECT k.value_text, k.state, k.approved_by FROM value_confirmations k"
                    " JOIN indicators i USING (indicator_id) WHERE i.code = ?", [CODE]) == [
        ("4件", "approved", "reviewer")]
    trail = rows(db, "SELECT a.actor, a.action, a.comment FROM audit_log a JOIN value_confirmations k"
                     " ON a.entity = 'confirmation' AND a.entity_id = k.confirmation_id::VARCHAR"
                     " JOIN indicators i ON i.indicator_id = k.indicator_id WHERE i.code = ? AND a.action <> 'save'"
                     " ORDER BY a.audit_id", [CODE])
    assert trail == [("editor1", "submit", None), ("head1", "head_return", COMMENT), ("editor1", "submit", None),
                     ("head1", "head_approve", None), ("reviewer", "approve", None)]
    assert rows(db, value_sql, [CODE]) == before  # the projection stays as published
    assert _summary(db) == {**counts, "achieved": counts["achieved"] - 1, "band_60_100": counts["band_60_100"] + 1}


FILES_SQL = ("SELECT e.edition_no, f.name, f.content FROM edition_files f JOIN editions e USING (edition_id)"
             " JOIN cycles c USING (cycle_id) WHERE c.fiscal_year = 2021")


def _files(db) -> dict[tuple[int, str], str]:
    """FY2021's edition files in the warehouse: (edition no, name) → sha256 of the content."""
    return {(no, name): hashlib.sha256(content).hexdigest() for no, name, content in rows(db, FILES_SQL)}


def _publish(page: Page, asked_label: str) -> None:
    """公表版を作成する → the confirmation (named as asked_label) → agree → 作成する, until the edition is published."""
    page.get_by_role("button", name="公表版を作成する").click()
    box = page.locator(".st-key-publish_confirm")
    expect(box).to_contain_text(f"令和3年度の{asked_label}を作成します。")
    box.get_by_text("年度・版・対象の指標数を確認しました").click()
    idle(page)
    box.get_by_role("button", name="作成する").click()
    expect(page.get_by_text(f"{asked_label}を公表しました")).to_be_visible(timeout=400_000)  # PDF generation is slow on a busy machine
    idle(page)


def _download(page: Page, name: str, folder: Path) -> bytes:
    button = page.get_by_role("button", name=f"{name} をダウンロード")
    expect(button).to_have_count(1)  # a rerun that is still drawing shows the old button beside the new one
    with page.expect_download() as download:
        button.click()
    path = folder / name
    download.value.save_as(path)
    return path.read_bytes()


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_confirmed_edition_shows_projection_to_confirmed(confirm_app, browser, shots, tmp_path):
    """The demo confirmed ちば情報マップ (P2-1-15, JOHO) lower: 見込 99地図 → 確定 92地図, a band down."""
    url, db = confirm_app["url"], confirm_app["db"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP", accept_downloads=True)
    page.set_default_timeout(TIMEOUT)
    try:
        login(page, url, "reviewer")
        nav(page, "公表資料")
        expect(page.get_by_role("combobox", name="年度")).to_have_value(FY2021)
        expect(page.get_by_text("この年度の公表資料はまだありません。")).to_be_visible()
        _publish(page, "第1版")  # the first edition, without the 確定値
        first = _files(db)
        assert {no for no, _name in first} == {1}

        page.get_by_text("確定値反映版として作成する").click()
        idle(page)
        _publish(page, "確定値反映版 第2版")
        shots(page, "confirmed-edition-published")
        files = _files(db)
        assert {k: v for k, v in files.items() if k[0] == 1} == first  # the first edition byte for byte
        names = sorted(name for no, name in files if no == 2)
        deck_name = next(n for n in names if n.endswith(".pptx"))
        pdf_name = next(n for n in names if n.endswith(".pdf"))
        assert deck_name.startswith("2021_confirmed_v2"), names

        # the newest edition is open: its deck and PDF through the browser, read back
        deck = Presentation(io.BytesIO(_download(page, deck_name, tmp_path)))
        tables = [[[c.text for c in r.cells] for r in sh.table.rows]
                  for s in deck.slides for sh in s.shapes if sh.has_table]
        recon = [r for t in tables if t[0][:3] == ["指標", "見込値（公表時）", "確定値"] for r in t[1:]]
        mine = next(r for r in recon if r[0].startswith("P2-1-15"))
        assert (mine[1], mine[2], mine[4]) == ("99地図（R3年度見込値）", "92地図", "★ 60%以上100%未満 → 30%未満（変更）")
        _download(page, pdf_name, tmp_path)
        text = _pdf_text(tmp_path / pdf_name)
        assert "見込 → 確定" in text and "（確定値反映）" in text and "92地図" in text

        # the first edition, downloaded as it is now, has no 「見込 → 確定」
        page.get_by_test_id("stExpander").filter(has_text="第1版　").locator("summary").click()
        idle(page)
        first_pdf = next(name for no, name in first if name.endswith(".pdf"))
        content = _download(page, first_pdf, tmp_path)
        assert hashlib.sha256(content).hexdigest() == first[(1, first_pdf)]
        assert "見込 → 確定" not in _pdf_text(tmp_path / first_pdf)
    except BaseException:
        shots(page, "failure")
        raise
    finally:
        page.close()


OWED_SQL = """
SELECT c.fiscal_year, d.name, count(*) FROM indicator_values v
JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id)
JOIN departments d ON d.department_code = i.department_code
LEFT JOIN value_confirmations k ON k.value_id = v.value_id
WHERE c.state IN ('closed', 'finalized') AND v.state = 'approved'
  AND c.fiscal_year = (SELECT max(fiscal_year) FROM cycles WHERE state IN ('closed', 'finalized')) AND i.target_type <> 'composite'
  AND (v.value_kind = 'projection' OR coalesce(v.value_label, '') LIKE '%速報%')
  AND (k.state IS NULL OR k.state IN ('draft', 'returned'))
GROUP BY ALL
"""
YEARS = {2019: "令和元年度", 2020: "令和2年度", 2021: "令和3年度"}  # the demo's finalized years

GRID_ROWS = """d => [...d.querySelectorAll('table tbody tr')]
  .map(r => [...r.querySelectorAll('td')].map(c => c.textContent.trim()))"""


def _grid(page: Page, grid) -> set[tuple]:
    """Every row of a table (the grid draws the rows in view only: it is scrolled to its end step by step)."""
    grid.scroll_into_view_if_needed()
    expect(grid.locator("table tbody tr").first).to_be_attached()
    seen: set[tuple] = set()
    scroller = grid.locator(".dvn-scroller")
    for _ in range(40):
        seen |= {tuple(r) for r in grid.evaluate(GRID_ROWS) if r}
        if scroller.evaluate("s => { const top = s.scrollTop; s.scrollBy(0, 200); return s.scrollTop === top; }"):
            break
        page.wait_for_timeout(200)
    seen |= {tuple(r) for r in grid.evaluate(GRID_ROWS) if r}
    return seen


def test_the_reminders_page_counts_the_owed_confirmed_values(confirm_app, browser, shots):
    """The year that accepts 確定値 (the latest finished one; older years owe none), every department: after the walks above, a draft (still owed), a submitted and an
    approved 確定値 (no longer owed) besides the demo's."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page.set_default_timeout(TIMEOUT)
    try:
        login(page, confirm_app["url"], "reviewer")
        nav(page, "督促・通知")
        heading = page.get_by_role("heading", name="確定値の入力待ち（見込 → 確定）")
        expect(heading).to_be_visible()
        grid = page.get_by_test_id("stDataFrame").filter(has=page.get_by_text("確定値の入力待ち", exact=True)).last
        shown = _grid(page, grid)
        shots(page, "owed-confirmations")
        held = {(YEARS[fy], name, f"{n}件") for fy, name, n in rows(confirm_app["db"], OWED_SQL)}
        assert len(held) > 10 and {y for y, _, _ in held} == {"令和3年度"}  # FY2021 accepts; FY2019/2020 owe none
        assert shown == held
    finally:
        page.close()

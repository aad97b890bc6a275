"""The entry page keeps what people type and upload: two tabs, uploads, round trips, drafts and submits, in Chromium.

Each test works on its own department of the demo's open year (令和4年度), so they share the session's app and
warehouse with the journey test (this file runs after it: the journey counts the cycle's approved values), and
asserts both what the person sees and what the warehouse holds (`kpi values --format json`).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app import entry_form
from tests.browser.conftest import idle
from tests.xlsx_edit import set_cells

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


def card(page: Page, code: str):
    """The bordered block of one indicator (the innermost block holding its code and its rate)."""
    return (page.get_by_test_id("stVerticalBlock").filter(has_text=code)
            .filter(has=page.get_by_text("達成率（入力値による）")).last)


def type_value(page: Page, code: str, label: str, text: str) -> None:
    idle(page)  # mid-run, the card's block is not yet drawn and `card` would match an outer block
    field = card(page, code).get_by_label(label)
    field.fill(text)
    field.press("Tab")
    idle(page)


REASONS = entry_form.REASONS_BUTTON


def open_reasons(page: Page, code: str) -> None:
    """Show a line's 要因・要因の分類・備考 with its button, as a person does to add a remark to an achieved line."""
    idle(page)
    card(page, code).get_by_role("button", name=REASONS).click()
    expect(card(page, code).get_by_label("備考")).to_be_visible()
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
        b_card = card(tab_b, "P2-1-01")
        expect(b_card).to_contain_text("未保存: 値")  # only the value: 区分, untouched, now shows A's 実績値
        expect(b_card.get_by_role("combobox", name="区分（提出時に必須）")).to_have_value("実績値")
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


def download_sheet(page: Page, tmp_path: Path) -> bytes:
    """The department's workbook as the 入力 page offers it (the download the person would open in Excel)."""
    page.get_by_role("tab", name="Excelで入力").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="入力シートをダウンロード").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return path.read_bytes()


def upload_sheet(page: Page, path: Path, data: bytes) -> None:
    path.write_bytes(data)
    page.get_by_role("tab", name="Excelで入力").click()
    page.locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_role("button", name=f"Remove {path.name}")).to_be_visible()  # the file is in
    idle(page)
    page.get_by_role("button", name="アップロードした内容を取り込む").click()
    idle(page)


def test_after_an_upload_the_form_shows_the_uploaded_value_and_cannot_undo_it(live_app, browser, shots, tmp_path):
    page = open_page(browser, live_app["url"], "editor-gakushu")
    try:
        type_value(page, "P1-3-01", "値（校）", "6")
        choose(page, "P1-3-01", "区分（提出時に必須）", "実績値")
        expect(card(page, "P1-3-01")).to_contain_text("未保存: 値、区分")
        page.get_by_role("button", name="下書き保存").click()
        expect(page.get_by_text("1件を下書きとして保存しました")).to_be_visible()

        sheet = download_sheet(page, tmp_path)
        upload_sheet(page, tmp_path / "upload.xlsx", set_cells(sheet, {("P1-3-01", "値"): "8校"}))
        expect(page.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        page.get_by_role("tab", name="画面で入力").click()
        expect(card(page, "P1-3-01").get_by_label("値（校）")).to_have_value("8校")
        expect(card(page, "P1-3-01")).not_to_contain_text("未保存")
        expect(page.get_by_role("button", name="下書き保存")).to_be_disabled()  # nothing on screen differs
        shots(page, "form-after-upload")
        assert stored(live_app, "GAKUSHU")["P1-3-01"]["value_text"] == "8校"
    finally:
        close(page)


def year_in_a_real_state(db: Path) -> dict[str, str]:
    """KOYO's FY2022 through the services: one approved, one submitted, one returned, one draft, one empty."""
    from kpi.domain.roles import Role
    from kpi.services import intake, workflow
    from kpi.services.accounts import authenticate
    from kpi.services.actors import Actor
    from kpi.services.entries import RawEntry
    from kpi.services.entry_sheet import sheet

    editor = authenticate("editor-koyo", "editor-koyo-pass", db=db)
    reviewer = authenticate("reviewer", "reviewer-pass", db=db)
    typed = {"P2-2-02": "20", "P2-2-03": "70", "P2-2-04": "4000", "P2-2-05": "138"}
    batch = intake.receive(editor, 2022, "KOYO", [
        RawEntry(code=c, value=v, kind="実績値", period="令和4年度", reason="外部要因のため", reason_category="その他の理由")
        for c, v in typed.items()], db=db)
    assert intake.process(batch, db=db).status == "landed"
    lines = {ln.code: ln for ln in sheet(editor, 2022, "KOYO", db=db).lines}
    refs = {c: workflow.ValueRef(lines[c].value_id, lines[c].version) for c in typed}
    workflow.submit(editor, [refs[c] for c in ("P2-2-02", "P2-2-03", "P2-2-04")], db=db, acknowledge_warnings=True)
    lines = {ln.code: ln for ln in sheet(editor, 2022, "KOYO", db=db).lines}
    head = Actor("head-koyo", "KOYO 所属長", frozenset({Role.DEPT_HEAD}), frozenset({"KOYO"}))
    for c in ("P2-2-02", "P2-2-04"):  # the chain 担当 → 所属長 → 行政改革推進課: the head's level first
        workflow.approve(head, workflow.ValueRef(lines[c].value_id, lines[c].version), db=db)
    lines = {ln.code: ln for ln in sheet(editor, 2022, "KOYO", db=db).lines}
    workflow.approve(reviewer, workflow.ValueRef(lines["P2-2-02"].value_id, lines["P2-2-02"].version), db=db)
    workflow.return_value(reviewer, workflow.ValueRef(lines["P2-2-04"].value_id, lines["P2-2-04"].version),
                          "出典の数値を確認してください", db=db)
    return {"approved": "P2-2-02", "submitted": "P2-2-03", "returned": "P2-2-04", "draft": "P2-2-05"}


def test_the_workbook_round_trip_lands_only_the_changed_returned_row(live_app, browser, shots, tmp_path):
    codes = year_in_a_real_state(live_app["db"])
    page = open_page(browser, live_app["url"], "editor-koyo")
    try:
        sheet = download_sheet(page, tmp_path)
        before = stored(live_app, "KOYO")

        # A changed approved row is refused by its row and code, with the reviewer's action named; nothing lands.
        upload_sheet(page, tmp_path / "approved_changed.xlsx",
                     set_cells(sheet, {(codes["approved"], "値"): "22", (codes["returned"], "値"): "4100"}))
        expect(page.get_by_text("取り込めませんでした")).to_be_visible()
        refusal = page.get_by_test_id("stAlert").filter(has_text=codes["approved"])
        expect(refusal).to_contain_text("承認済のため変更できません")
        expect(refusal).to_contain_text("「承認取消」を依頼してください")
        expect(refusal).to_contain_text("行目")
        assert stored(live_app, "KOYO") == before

        # Only the returned row changed: exactly that row lands, the others are reported as left alone.
        upload_sheet(page, tmp_path / "returned_fixed.xlsx", set_cells(sheet, {(codes["returned"], "値"): "4100"}))
        expect(page.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        expect(page.get_by_text("変更のない行は取り込みませんでした（承認済 1件、提出済 1件、下書き 1件）")).to_be_visible()
        shots(page, "round-trip-landed")
        after = stored(live_app, "KOYO")
        assert after[codes["returned"]]["value_text"] == "4,100件/月" and after[codes["returned"]]["state"] == "draft"
        assert {c: r for c, r in after.items() if c != codes["returned"]} == \
            {c: r for c, r in before.items() if c != codes["returned"]}
    finally:
        close(page)


def test_another_departments_sheet_is_refused_at_once_naming_both(live_app, browser, tmp_path):
    from kpi.services import workbooks
    from kpi.services.accounts import authenticate

    reviewer = authenticate("reviewer", "reviewer-pass", db=live_app["db"])
    other = workbooks.department_workbook(reviewer, 2022, "NOSEI", db=live_app["db"])[1]
    page = open_page(browser, live_app["url"], "editor-seisaku")
    try:
        upload_sheet(page, tmp_path / "other.xlsx", other)
        expect(page.get_by_text("取り込めませんでした")).to_be_visible()
        refusal = page.get_by_test_id("stAlert").filter(has_text="入力シートです")
        expect(refusal).to_contain_text("令和4年度の入力シートではないため、何も取り込んでいません")
        expect(page.get_by_text("複数の行に入力されています")).to_have_count(0)
        assert all(r["state"] == "none" for r in stored(live_app, "SEISAKU").values())
    finally:
        close(page)


def test_a_draft_save_stores_what_can_be_stored_and_names_the_rest_by_code(live_app, browser, shots):
    page = open_page(browser, live_app["url"], "editor-nosei")
    try:
        type_value(page, "P2-3-01", "値（経営体）", "360")  # no 区分 yet: still a valid draft
        type_value(page, "P2-3-02", "値（経営体）", "たくさん")
        choose(page, "P2-3-02", "区分（提出時に必須）", "実績値")
        expect(card(page, "P2-3-02")).to_contain_text("未保存: 値、区分")
        page.get_by_role("button", name="下書き保存").click()
        expect(page.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        expect(page.get_by_text("次の1件は保存していません（入力はそのまま残っています）: P2-3-02")).to_be_visible()
        refused = page.get_by_test_id("stAlert").filter(has_text="たくさん").last  # the report's, below the card's
        expect(refused).to_contain_text("P2-3-02 ドローンによる農薬散布等を実施した経営体数")
        expect(page.get_by_test_id("stAlert").filter(has_text="区分（実績値／見込値）が未選択です")) \
            .to_contain_text("P2-3-01 スマート農業技術を導入した経営体数")
        expect(card(page, "P2-3-02").get_by_label("値（経営体）")).to_have_value("たくさん")  # kept, 未保存
        expect(card(page, "P2-3-02")).to_contain_text("未保存")
        shots(page, "partial-draft")
        now = stored(live_app, "NOSEI")
        assert (now["P2-3-01"]["value_text"], now["P2-3-01"]["kind"], now["P2-3-01"]["state"]) == \
            ("360経営体", None, "draft")
        assert now["P2-3-02"]["state"] == "none"
    finally:
        close(page)


def test_one_submit_saves_and_submits_what_is_on_screen_or_refuses_it_all(live_app, browser, shots):
    page = open_page(browser, live_app["url"], "editor-keizai")
    try:
        type_value(page, "P2-3-09", "値（件）", "80")
        choose(page, "P2-3-09", "区分（提出時に必須）", "実績値")
        type_value(page, "P2-3-09", "要因（100%未満の場合は必須）", "相談会の開催が延期された")
        choose(page, "P2-3-09", "要因の分類", "その他の理由")
        type_value(page, "P2-3-10", "値（社）", "20")
        choose(page, "P2-3-10", "区分（提出時に必須）", "実績値")
        expect(card(page, "P2-3-10")).to_contain_text("未保存: 値、区分")

        # P2-3-10 is below 100% without its reason: the whole submission is refused, nothing saved, text kept.
        page.get_by_role("button", name="選んだ指標を保存して提出").click()
        expect(page.get_by_text("提出できませんでした。次の1件を直してください。何も保存・提出していません")).to_be_visible()
        expect(page.get_by_test_id("stAlert").filter(has_text="要因と要因の分類を入力してください")) \
            .to_contain_text("P2-3-10")
        expect(card(page, "P2-3-09").get_by_label("要因（100%未満の場合は必須）")).to_have_value("相談会の開催が延期された")
        assert all(r["state"] == "none" for r in stored(live_app, "KEIZAI").values())

        # With the reason typed (and not saved), one click saves and submits both, and says what was left.
        type_value(page, "P2-3-10", "要因（100%未満の場合は必須）", "派遣先の募集が遅れた")
        choose(page, "P2-3-10", "要因の分類", "その他の理由")
        page.get_by_role("button", name="選んだ指標を保存して提出").click()
        expect(page.get_by_text("2件を提出しました（P2-3-09、P2-3-10）。提出していない指標: 未入力 2件（P2-3-11、P3-1-02）")) \
            .to_be_visible()
        shots(page, "saved-and-submitted")
        now = stored(live_app, "KEIZAI")
        assert {c: r["state"] for c, r in now.items()} == {"P2-3-09": "submitted", "P2-3-10": "submitted",
                                                          "P2-3-11": "none", "P3-1-02": "none"}
        assert now["P2-3-10"]["reason"] == "派遣先の募集が遅れた"
    finally:
        close(page)

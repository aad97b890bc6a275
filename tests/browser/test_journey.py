"""The whole journey in a real browser: editor → head (所属長) → reviewer → editor → head → reviewer → executive.

Each step asserts what is on the screen, on an app of its own: the journey counts the year's approvals from zero
and its 速報版's coverage (承認済 3 / 全 67), which the walks of other files on the worker's shared app (`live_app`)
change when they run before it. With KPI_SCREENSHOTS=1 a screenshot of every page is saved under
artifacts/browser/ (tests/browser/conftest.py `shots`).
"""
from __future__ import annotations

import io
import re

import pytest
import xlsxwriter
from playwright.sync_api import Page, expect

from kpi.io.workbook import COLUMNS
from tests.browser.conftest import TIMEOUT  # noqa: F401 (the walks' shared steps, under this file's names)
from tests.browser.conftest import choose as _choose
from tests.browser.conftest import entry_card as _card
from tests.browser.conftest import head_approves as _head_approves
from tests.browser.conftest import idle as _idle
from tests.browser.conftest import login as _login
from tests.browser.conftest import logout as _logout
from tests.browser.conftest import nav as _nav
from tests.browser.conftest import running_app

pytestmark = pytest.mark.browser


def _workbook(rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("入力")
    for c, h in enumerate(COLUMNS):
        ws.write_string(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, h in enumerate(COLUMNS):
            if h in row:
                ws.write_string(r, c, row[h])
    wb.close()
    return buf.getvalue()


@pytest.fixture(scope="module")
def journey_app(tmp_path_factory, demo_db_template, prefect_api):
    with running_app(tmp_path_factory.mktemp("journey"), template=demo_db_template, prefect_api=prefect_api) as app:
        yield app


def test_editor_reviewer_executive_journey(journey_app, browser, shots, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page.set_default_timeout(TIMEOUT)
    try:
        _journey(page, journey_app["url"], shots, tmp_path)
    except BaseException:
        shots(page, "failure")  # what the person would have seen when the step failed
        raise
    finally:
        page.close()


def _journey(page: Page, url: str, shots, tmp_path) -> None:
    # 1. Editor types a full-width value with its unit and sees the band before saving.
    _login(page, url, "editor1", "editor1-pass")
    shots(page, "editor-dashboard")
    _nav(page, "入力")
    rpa = _card(page, "RPA導入により削減した作業時間")
    rpa.get_by_label("値（時間）").fill("５，４４５時間")
    rpa.get_by_label("値（時間）").press("Tab")
    _idle(page)
    expect(_card(page, "RPA導入により削減した作業時間")).to_contain_text("60%以上100%未満")
    expect(_card(page, "RPA導入により削減した作業時間")).to_contain_text("90.7%")
    rpa = _card(page, "RPA導入により削減した作業時間")
    _choose(page, rpa, "区分", "実績値")
    _idle(page)
    rpa = _card(page, "RPA導入により削減した作業時間")
    rpa.get_by_label("要因（100%未満の場合は必須）").fill("RPA導入の適性が当初の想定よりも低い業務があった")
    rpa.get_by_label("要因（100%未満の場合は必須）").press("Tab")
    _idle(page)
    _choose(page, _card(page, "RPA導入により削減した作業時間"), "要因の分類", "その他の理由")
    _idle(page)
    shots(page, "editor-typed")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.get_by_text("1件を下書きとして保存しました")).to_be_visible()
    shots(page, "editor-saved")

    # 2. Editor uploads a workbook with one bad row, reads the row's error, fixes it, uploads again.
    page.get_by_role("tab", name="Excelで入力").click()
    bad = tmp_path / "入力シート.xlsx"
    good_row = {"コード": "P1-1-01", "値": "40,000人", "区分（実績値／見込値）": "実績値", "時点・期間": "4月～9月"}
    bad.write_bytes(_workbook([good_row, {"コード": "P1-1-02", "値": "たくさん", "区分（実績値／見込値）": "見込値"}]))
    page.locator("input[type=file]").set_input_files(str(bad))
    expect(page.get_by_role("button", name="Remove 入力シート.xlsx")).to_be_visible()  # the file is in
    _idle(page)  # the new file is on the server (a click during that rerun can be lost)
    page.get_by_role("button", name="アップロードした内容を取り込む").click()
    expect(page.get_by_text("取り込めませんでした")).to_be_visible()
    expect(page.get_by_test_id("stAlert").filter(has_text="3行目").first).to_contain_text("P1-1-02")
    expect(page.get_by_text("取り込み結果")).to_be_visible()
    shots(page, "editor-upload-refused")
    fixed = tmp_path / "入力シート_修正.xlsx"
    fixed.write_bytes(_workbook([good_row, {"コード": "P1-1-02", "値": "７件", "区分（実績値／見込値）": "見込値"}]))
    page.locator("input[type=file]").set_input_files(str(fixed))
    expect(page.get_by_role("button", name="Remove 入力シート_修正.xlsx")).to_be_visible()
    _idle(page)  # the new file is on the server (a click during that rerun can be lost)
    page.get_by_role("button", name="アップロードした内容を取り込む").click()
    expect(page.get_by_text("2件を下書きとして保存しました")).to_be_visible()
    shots(page, "editor-upload-landed")

    # Submit the three drafts.
    page.get_by_role("tab", name="画面で入力").click()
    page.get_by_role("button", name="選んだ指標を保存して提出").click()
    expect(page.get_by_text("3件を提出しました")).to_be_visible()
    shots(page, "editor-submitted")
    _logout(page)

    # 3. The head approves the three (所属長承認); the reviewer returns テレワーク実施者数 with a comment.
    _head_approves(page, url, 3)
    _login(page, url, "reviewer", "reviewer-pass")
    _nav(page, "審査・承認")
    expect(page.get_by_test_id("stMarkdown").filter(has_text="テレワーク実施者数").first).to_be_visible()
    page.get_by_label("コメント（差戻し・承認取消では必須）").fill("時点（何月末時点か）を記入してください")
    page.get_by_label("コメント（差戻し・承認取消では必須）").press("Tab")
    _idle(page)
    page.get_by_role("button", name="差戻し", exact=True).click()
    expect(page.get_by_text("「テレワーク実施者数」を差し戻しました")).to_be_visible()
    shots(page, "reviewer-returned")
    _logout(page)

    # 4. Editor sees the comment beside the field, corrects, resubmits.
    _login(page, url, "editor1", "editor1-pass")
    _nav(page, "入力")
    tele = _card(page, "テレワーク実施者数")
    expect(tele).to_contain_text("差戻しコメント: 時点（何月末時点か）を記入してください")
    shots(page, "editor-sees-comment")
    tele.get_by_label(re.compile("時点・期間")).fill("R4.9末時点")
    tele.get_by_label(re.compile("時点・期間")).press("Tab")
    _idle(page)
    page.get_by_role("button", name="下書き保存").click()
    expect(page.get_by_text("1件を下書きとして保存しました")).to_be_visible()
    page.get_by_role("button", name="選んだ指標を保存して提出").click()
    expect(page.get_by_text("1件を提出しました")).to_be_visible()
    _logout(page)

    # 5. The head approves the corrected value again; the reviewer approves the three values one by one.
    _head_approves(page, url, 1)
    _login(page, url, "reviewer", "reviewer-pass")
    _nav(page, "審査・承認")
    approved = page.get_by_test_id("stMetric").filter(has_text=re.compile("^承認済")).first  # not 所属長承認済
    approve = page.get_by_role("button", name="承認", exact=True)
    for done in range(3):
        expect(approved).to_contain_text(f"{done}件")
        expect(approve).to_have_count(1)  # the page has finished its rerun
        approve.click()
    expect(approved).to_contain_text("3件")
    expect(page.get_by_text("該当する値はありません")).to_be_visible()
    shots(page, "reviewer-approved-all")

    # The reviewer makes the FY2022 速報（中間）版 from approved data (FY2022 is open: no 公表版), after confirming.
    _nav(page, "公表資料")
    expect(page.get_by_role("combobox", name="年度")).to_have_value(re.compile("令和3年度.*確定済"))  # latest final
    expect(page.get_by_role("button", name="公表版を作成する")).to_be_visible()
    _choose(page, page, "年度", "令和4年度（2022年度）・受付中")
    _idle(page)
    expect(page.get_by_text("受付中のため、公表版は作成できません", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="公表版を作成する")).to_have_count(0)  # only the 速報版 path
    page.get_by_role("button", name="速報（中間）版を作成する").click()
    _idle(page)
    confirm = page.locator(".st-key-publish_confirm")
    expect(confirm).to_contain_text(re.compile(r"令和4年度の速報（中間）版 第\d+版を作成します"))
    expect(confirm).to_contain_text("承認済 3 / 全 67 指標")
    go = page.get_by_role("button", name="作成する", exact=True)
    expect(go).to_be_disabled()  # nothing is made before the confirmation is ticked
    shots(page, "reviewer-interim-confirmation")
    confirm.get_by_text("年度・版・対象の指標数を確認しました").click()
    _idle(page)
    go.click()
    expect(page.get_by_text(re.compile(r"速報（中間）版 第(\d+)版を作成しました"))).to_be_visible(timeout=180_000)
    edition = re.search(r"第(\d+)版を作成しました", page.get_by_text(re.compile("版を作成しました")).inner_text())[1]
    expect(page.get_by_text(re.compile("速報（中間）版です（承認済 3 / 全 67 指標）")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d（日本時間）")).first).to_be_visible()
    shots(page, "reviewer-published")
    _logout(page)

    # 6. Executive sees the FY2022 summary counting the approved values, clicks a band, downloads the deck.
    _login(page, url, "executive", "executive-pass")
    _choose(page, page, "年度", "令和4年度（2022年度）・受付中")
    _idle(page)
    expect(page.get_by_test_id("stMetric").filter(has_text="指標数")).to_contain_text("4指標")
    expect(page.get_by_text("暫定の集計です")).to_be_visible()
    shots(page, "executive-summary")
    page.get_by_role("tab", name="指標一覧").click()
    page.get_by_text("60%以上100%未満（1）", exact=True).click()
    _idle(page)
    expect(page.get_by_role("tabpanel", name="指標一覧").get_by_text("1指標", exact=True)).to_be_visible()
    assert "band=band_60_100" in page.url  # the view can be shared as a link
    shots(page, "executive-band-list")
    _nav(page, "公表資料")
    _choose(page, page, "年度", "令和4年度（2022年度）・受付中")
    _idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name=f"2022_interim_v{edition}.pptx をダウンロード").click()
    deck_path = tmp_path / "deck.pptx"
    download.value.save_as(deck_path)
    from pptx import Presentation

    deck_text = " ".join(sh.text_frame.text for s in Presentation(str(deck_path)).slides for sh in s.shapes
                         if sh.has_text_frame)
    assert "RPA導入により削減した作業時間" in deck_text and f"速報（中間）版 第{edition}版" in deck_text
    shots(page, "executive-downloads")

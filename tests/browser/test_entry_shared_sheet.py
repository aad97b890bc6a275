"""The 入力 page of two people of one department, on a year with values in every state, in Chromium.

The page's sheet is cached per department on the warehouse change counter (app/session.py department_sheet): a
rerun while typing reads nothing, and a change made by anyone (the other person in this process, or another
process that clears no cache of the app's) shows at the next run. Walked through links to the page (as a reminder
e-mail has them), two people in two windows, a reload and a finalized year; asserts what each person sees and
what the warehouse holds. A line's reason fields are drawn when they matter: on a returned line, when they hold
text (a 備考 one person asked for the fields to add and saved shows to the other), else behind their button.

GYOKAKU's 令和4年度 is prepared before the app starts: 未入力 (P1-1-01, P2-1-03, P3-2-02), 下書き (P1-1-02),
提出済 (P1-1-04), 差戻し (P3-3-01), 承認済 (P3-2-01) and 停止 (P1-1-05, the demo's).
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

import warehouse
from kpi.domain.roles import Role
from kpi.services import admin, workflow
from kpi.services.actors import Actor
from kpi.services.workflow import DraftInput, ValueRef
from tests.browser.conftest import TIMEOUT, choose, idle, rows, running_app
from tests.browser.conftest import login as log_in
from tests.browser.test_keeping_entries import REASONS, card, open_reasons, type_value

pytestmark = pytest.mark.browser

EDITOR1 = Actor("editor1", "総務部 入力担当", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
HEAD1 = Actor("head1", "総務部行政改革推進課長（所属長）", frozenset({Role.DEPT_HEAD}), frozenset({"GYOKAKU"}))
REVIEWER = Actor("reviewer", "行政改革推進課", frozenset({Role.REVIEWER}))
ADMIN = Actor("admin", "システム管理者", frozenset({Role.ADMIN}))
COMMENT = "研修の開催実績を確認してください"
VALUES = {"P1-1-02": "5", "P1-1-04": "6000", "P3-3-01": "5", "P3-2-01": "500"}  # each at its target (100%)


def _value(db, code: str) -> tuple:
    """(value_id, state, version, value_text) of a GYOKAKU indicator's 令和4年度 value."""
    return rows(db, "SELECT v.value_id, v.state, v.version, v.value_text FROM indicator_values v"
                    " JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id)"
                    " WHERE i.code = ? AND c.fiscal_year = 2022", [code])[0]


def _ref(db, code: str) -> ValueRef:
    value_id, _state, version, _text = _value(db, code)
    return ValueRef(value_id, version)


def _prepare(db) -> None:
    admin.create_account(ADMIN, "editor1b", "総務部 入力担当（2人目）", "editor1b-pass", ["editor"], ["GYOKAKU"], db=db)
    [(cycle_id,)] = rows(db, "SELECT cycle_id FROM cycles WHERE fiscal_year = 2022", [])
    ids = dict(rows(db, f"SELECT code, indicator_id FROM indicators WHERE code IN ({', '.join('?' * len(VALUES))})",
                    list(VALUES)))
    with warehouse.transaction(db) as con:
        workflow.save_drafts_in(con, EDITOR1, cycle_id, [
            DraftInput(ids[c], {"value_number": Decimal(v), "value_kind": "actual", "period_text": "4月～9月",
                                "value_fy": 2022}) for c, v in VALUES.items()], None)
    workflow.submit(EDITOR1, [_ref(db, c) for c in ("P1-1-04", "P3-3-01", "P3-2-01")], db, acknowledge_warnings=True)
    workflow.return_value(HEAD1, _ref(db, "P3-3-01"), COMMENT, db)
    workflow.approve(HEAD1, _ref(db, "P3-2-01"), db)
    workflow.approve(REVIEWER, _ref(db, "P3-2-01"), db)


@pytest.fixture(scope="module")
def app(tmp_path_factory, demo_db_template, prefect_api):
    """An app of its own, on a warehouse whose GYOKAKU 令和4年度 holds values in every state."""
    with running_app(tmp_path_factory.mktemp("shared-sheet"), _prepare, template=demo_db_template,
                     prefect_api=prefect_api) as a:
        yield a


def _by_link(browser, url: str, login: str):
    """A window of its own (a person), opened on a link to 入力 of 令和4年度, logged in from the form it shows."""
    page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ja-JP").new_page()
    page.set_default_timeout(TIMEOUT)
    log_in(page, f"{url}/entry?fy=2022", login)
    expect(page.get_by_role("heading", name="入力", exact=True)).to_be_visible()
    idle(page)
    return page


def test_two_people_of_one_department_see_each_others_and_other_processes_changes(app, browser, shots):
    url, db = app["url"], app["db"]
    a = _by_link(browser, url, "editor1")
    b = _by_link(browser, url, "editor1b")
    try:
        for page in (a, b):  # the link's year, every state in its group, the return's comment
            expect(page.get_by_role("combobox", name="年度")).to_have_value("令和4年度（2022年度）・受付中")
            headings = [h.split("\n")[0] for h in page.get_by_test_id("stHeading").all_inner_texts()]
            assert [h[:3] for h in headings if h[:3] in ("差戻し", "未入力", "下書き", "提出済", "承認済", "進捗管")] \
                == ["差戻し", "未入力", "下書き", "提出済", "承認済", "進捗管"], headings
            expect(card(page, "P3-3-01")).to_contain_text(f"差戻しコメント: {COMMENT}")
            # the returned line's reason fields are shown (it holds no reason: they are shown for its return); a
            # draft at its target holding none shows only the button that draws them
            expect(card(page, "P3-3-01").get_by_label("要因（100%未満の場合は必須）")).to_be_visible()
            expect(card(page, "P1-1-02").get_by_role("button", name=REASONS)).to_be_visible()
            expect(card(page, "P1-1-02").get_by_label("要因（100%未満の場合は必須）")).to_have_count(0)
            expect(card(page, "P1-1-04").get_by_label("値（時間）")).to_be_disabled()  # 提出済: not editable
            expect(card(page, "P1-1-04").get_by_label("値（時間）")).to_have_value("6,000")  # stored as a number

        # A saves a draft for P1-1-01; the warehouse holds it
        type_value(a, "P1-1-01", "値（人）", "280")
        choose(a, card(a, "P1-1-01"), "区分（提出時に必須）", "実績値")
        a.get_by_role("button", name="下書き保存").click()
        expect(a.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        _id, state, _version, text = _value(db, "P1-1-01")
        assert (state, text) == ("draft", "280人")

        # another process (here the test, which clears no cache of the app's) submits it; B, who never touched
        # P1-1-01, sees it submitted at its next run, a line typed in elsewhere
        workflow.submit(EDITOR1, [_ref(db, "P1-1-01")], db, acknowledge_warnings=True)
        type_value(b, "P3-2-02", "値（団体）", "20")
        expect(card(b, "P1-1-01")).to_contain_text("状態: 提出済")
        expect(card(b, "P1-1-01").get_by_label("値（人）")).to_have_value("280人")
        expect(card(b, "P1-1-01").get_by_label("値（人）")).to_be_disabled()
        expect(card(b, "P3-2-02")).to_contain_text("未保存: 値")  # what B typed stays
        choose(b, card(b, "P3-2-02"), "区分（提出時に必須）", "実績値")
        b.get_by_role("button", name="下書き保存").click()
        expect(b.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        _id, state, _version, text = _value(db, "P3-2-02")
        assert (state, text) == ("draft", "20団体")

        # A asks for P1-1-02's reason fields (a draft at its target), adds a 備考 and saves it; B, who never asked,
        # sees the stored 備考 in its drawn field at its next run
        open_reasons(a, "P1-1-02")
        type_value(a, "P1-1-02", "備考", "速報値")
        expect(card(a, "P1-1-02")).to_contain_text("未保存: 備考")
        a.get_by_role("button", name="下書き保存").click()
        expect(card(a, "P1-1-02")).not_to_contain_text("未保存")  # landed (the earlier save's message still shows)
        idle(a)
        assert rows(db, "SELECT v.remark FROM indicator_values v JOIN indicators i USING (indicator_id)"
                        " JOIN cycles c USING (cycle_id) WHERE i.code = 'P1-1-02' AND c.fiscal_year = 2022",
                    []) == [("速報値",)]
        type_value(b, "P3-2-02", "時点・期間（例: 4月～8月、R3.12時点）", "R4.9時点")  # B's next run
        expect(card(b, "P1-1-02").get_by_label("備考")).to_be_visible()
        expect(card(b, "P1-1-02").get_by_label("備考")).to_have_value("速報値")
        expect(card(b, "P1-1-02").get_by_role("button", name=REASONS)).to_have_count(0)

        # A reloads: B's draft and the submission are there, nothing of A's is 未保存
        a.reload()
        expect(a.get_by_role("heading", name="入力", exact=True)).to_be_visible()
        idle(a)
        expect(card(a, "P3-2-02").get_by_label("値（団体）")).to_have_value("20団体")
        expect(card(a, "P3-2-02")).to_contain_text("状態: 下書き")
        expect(card(a, "P1-1-01")).to_contain_text("状態: 提出済")
        expect(a.get_by_text("未保存:")).to_have_count(0)

        # a link to the finalized year: every line is shown to read, none to edit
        b.goto(f"{url}/entry?fy=2021")
        expect(b.get_by_role("combobox", name="年度")).to_have_value("令和3年度（2021年度）・確定済")
        expect(b.get_by_text("この年度は受付中ではないため閲覧のみです")).to_be_visible()
        idle(b)
        expect(b.get_by_role("button", name="下書き保存", exact=True)).to_be_disabled()
        assert [r[1] for r in rows(db, "SELECT c.fiscal_year, count(*) FROM indicator_values v JOIN cycles c"
                                       " USING (cycle_id) WHERE c.fiscal_year = 2021 AND v.state <> 'approved'"
                                       " GROUP BY 1", [])] == []  # the finalized year was only read
    except BaseException:
        shots(a, "person-a")
        shots(b, "person-b")
        raise
    finally:
        a.context.close()
        b.context.close()

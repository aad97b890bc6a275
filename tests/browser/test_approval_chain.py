"""The two-level approval chain in a real browser (issue #22): editor submits → the department's head returns
with a comment → the editor corrects and resubmits → the head approves → the division approves; a head cannot act
on another department's value; the division cannot approve what the head has not approved.

The app runs on its own demo warehouse whose strategy is given the chain 担当 → 所属長 → 行政改革推進課, with a head
for IRYO and one for GYOKAKU, a draft of editor2's (IRYO) and a submitted value of editor1's (GYOKAKU).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

import warehouse
from kpi.domain.roles import Role
from kpi.services import admin, approval_chain, workflow
from kpi.services.actors import SYSTEM, Actor, Forbidden
from kpi.services.workflow import DraftInput, ValueRef
from tests.browser.conftest import TIMEOUT, choose, entry_card, idle, login, logout, nav, rows, running_app

pytestmark = pytest.mark.browser

IRYO_CODE, GYOKAKU_CODE = "P2-1-06", "P1-1-01"
IRYO_NAME, GYOKAKU_NAME = "地域医療連携ネットワークに参加する医療機関・施設数", "テレワーク実施者数"
COMMENT = "参加施設数の集計時点を記入してください"
EDITOR2 = Actor("editor2", "健康福祉部 入力担当", frozenset({Role.EDITOR}), frozenset({"IRYO"}))
EDITOR1 = Actor("editor1", "総務部 入力担当", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
ADMIN = Actor("admin", "システム管理者", frozenset({Role.ADMIN}))


def _prepare(db) -> None:
    [(strategy_id, cycle_id)] = rows(db, "SELECT strategy_id, cycle_id FROM cycles WHERE fiscal_year = 2022", [])
    approval_chain.set_chain(SYSTEM, strategy_id, [("担当", "editor"), ("所属長", "dept_head"),
                                                   ("行政改革推進課", "reviewer")], db)
    for account, dept in (("head-iryo", "IRYO"), ("head-gyokaku", "GYOKAKU")):
        admin.create_account(ADMIN, account, f"{dept} 所属長", f"{account}-pass", ["dept_head"], [dept], db=db)
    inds = dict(rows(db, "SELECT code, indicator_id FROM indicators WHERE code IN (?, ?)", [IRYO_CODE, GYOKAKU_CODE]))
    targets = dict(rows(db, "SELECT code, target_value FROM indicators WHERE code IN (?, ?)",
                        [IRYO_CODE, GYOKAKU_CODE]))

    def fields(code):
        return {"value_number": targets[code], "value_kind": "actual", "period_text": "4月～9月", "value_fy": 2022}

    with warehouse.transaction(db) as con:
        workflow.save_drafts_in(con, EDITOR2, cycle_id, [DraftInput(inds[IRYO_CODE], fields(IRYO_CODE))], None)
        [ref] = workflow.save_drafts_in(con, EDITOR1, cycle_id, [DraftInput(inds[GYOKAKU_CODE],
                                                                            fields(GYOKAKU_CODE))], None)
    workflow.submit(EDITOR1, [ref], db, acknowledge_warnings=True)


@pytest.fixture(scope="module")
def chain_app(tmp_path_factory, demo_db_template, prefect_api):
    with running_app(tmp_path_factory.mktemp("chain"), _prepare, template=demo_db_template,
                     prefect_api=prefect_api) as app:
        yield app


def _value(db, code: str) -> tuple:
    return rows(db, "SELECT v.value_id, v.state, v.version, v.review_comment FROM indicator_values v"
                    " JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id)"
                    " WHERE i.code = ? AND c.fiscal_year = 2022", [code])[0]


def test_editor_head_editor_head_division(chain_app, browser, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page.set_default_timeout(TIMEOUT)
    try:
        _chain(page, chain_app["url"], chain_app["db"], shots)
    except BaseException:
        shots(page, "failure")
        raise
    finally:
        page.close()


def _chain(page: Page, url: str, db, shots) -> None:
    comment_box = "コメント（差戻し・承認取消では必須）"
    # 1. editor2 submits the IRYO draft
    login(page, url, "editor2", "editor2-pass")
    nav(page, "入力")
    page.get_by_role("button", name="選んだ指標を保存して提出").click()
    expect(page.get_by_text("1件を提出しました")).to_be_visible()
    logout(page)
    assert _value(db, IRYO_CODE)[1] == "submitted"

    # 2. the IRYO head sees their department's submitted value only, and returns it with a comment
    login(page, url, "head-iryo", "head-iryo-pass")
    nav(page, "所属長承認")
    expect(page.get_by_text("承認経路: 担当 → 所属長 → 行政改革推進課")).to_be_visible()
    expect(page.get_by_test_id("stMarkdown").filter(has_text=IRYO_NAME).first).to_be_visible()
    expect(page.get_by_text(GYOKAKU_NAME)).to_have_count(0)  # another department's value is not in the queue
    shots(page, "head-queue")
    page.get_by_label(comment_box).fill(COMMENT)
    page.get_by_label(comment_box).press("Tab")
    idle(page)
    page.get_by_role("button", name="差戻し", exact=True).click()
    expect(page.get_by_text(f"「{IRYO_NAME}」を差し戻しました")).to_be_visible()
    logout(page)
    value_id, state, _version, comment = _value(db, IRYO_CODE)
    assert (state, comment) == ("returned", COMMENT)

    # 3. editor2 reads the head's comment, corrects and resubmits
    login(page, url, "editor2", "editor2-pass")
    nav(page, "入力")
    card = entry_card(page, IRYO_NAME)
    expect(card).to_contain_text(f"差戻しコメント: {COMMENT}")
    shots(page, "editor-sees-head-comment")
    card.get_by_label(re.compile("時点・期間")).fill("R4.9末時点")
    card.get_by_label(re.compile("時点・期間")).press("Tab")
    idle(page)
    page.get_by_role("button", name="下書き保存").click()
    expect(page.get_by_text("1件を下書きとして保存しました")).to_be_visible()
    page.get_by_role("button", name="選んだ指標を保存して提出").click()
    expect(page.get_by_text("1件を提出しました")).to_be_visible()
    logout(page)

    # 4. the head approves (一次); nothing of another department's can be acted on
    login(page, url, "head-iryo", "head-iryo-pass")
    nav(page, "所属長承認")
    expect(page.get_by_test_id("stMarkdown").filter(has_text=IRYO_NAME).first).to_be_visible()
    page.get_by_role("button", name="承認", exact=True).click()
    expect(page.get_by_text(f"「{IRYO_NAME}」を承認しました")).to_be_visible()
    expect(page.get_by_text("該当する値はありません")).to_be_visible()
    shots(page, "head-approved")
    logout(page)
    assert _value(db, IRYO_CODE)[1] == "head_approved"
    head_iryo = Actor("head-iryo", "IRYO 所属長", frozenset({Role.DEPT_HEAD}), frozenset({"IRYO"}))
    gid, _s, gversion, _c = _value(db, GYOKAKU_CODE)
    with pytest.raises(Forbidden, match="担当外の所属（GYOKAKU）の所属長承認はできません"):
        workflow.approve(head_iryo, ValueRef(gid, gversion), db)

    # 5. the division: its queue holds what the head approved; the value the head has not approved has no button
    login(page, url, "reviewer", "reviewer-pass")
    nav(page, "審査・承認")
    expect(page.get_by_text(GYOKAKU_NAME)).to_have_count(0)
    choose(page, page, "状態", "提出済")
    idle(page)
    expect(page.get_by_test_id("stMarkdown").filter(has_text=GYOKAKU_NAME).first).to_be_visible()
    expect(page.get_by_role("button", name="承認", exact=True)).to_have_count(0)
    shots(page, "division-cannot-approve-unapproved-by-head")
    choose(page, page, "状態", "所属長承認済（審査待ち）")
    idle(page)
    expect(page.get_by_test_id("stMarkdown").filter(has_text=IRYO_NAME).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"承認の記録: 所属長: head-iryo（承認 \d{4}/\d\d/\d\d \d\d:\d\d）"))).to_be_visible()
    page.get_by_role("button", name="承認", exact=True).click()
    expect(page.get_by_text(f"「{IRYO_NAME}」を承認しました")).to_be_visible()
    shots(page, "division-approved")
    logout(page)

    assert _value(db, IRYO_CODE)[1] == "approved" and _value(db, GYOKAKU_CODE)[1] == "submitted"
    trail = rows(db, "SELECT actor, role, action, comment FROM audit_log WHERE entity = 'value' AND entity_id = ?"
                     " AND action <> 'save' ORDER BY audit_id", [str(value_id)])
    assert trail == [("editor2", "editor", "submit", None), ("head-iryo", "dept_head", "head_return", COMMENT),
                     ("editor2", "editor", "submit", None), ("head-iryo", "dept_head", "head_approve", None),
                     ("reviewer", "reviewer", "approve", None)]

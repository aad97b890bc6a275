"""The 主な取組 page: an editor enters and submits an initiative, the reviewer approves or returns it, writes the
conclusions; what was typed survives a refusal; executives do not reach the page and see initiatives on the dashboard."""
from __future__ import annotations

import io

import pytest
from PIL import Image

import warehouse

PAGE = "views/initiatives.py"


def _open(app_as, role):
    at = app_as(role)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["主な取組"]
    return at


def _fill(at, **values):
    for key, value in values.items():
        at.text_input(key=f"init.new.{key}").set_value(value)


def _state(db, title):
    with warehouse.connect(db) as con:
        return con.execute("SELECT state, figure_value, base_value, entered_by, approved_by FROM initiatives"
                           " WHERE title = ?", [title]).fetchone()


def test_editor_enters_and_submits_and_reviewer_approves_through_the_page(app_as, demo_db):
    at = _open(app_as, "editor")
    at.selectbox(key="init.new.area").set_value("ONLINE")
    _fill(at, title="電子申請の拡大", period="1月", label="利用可能な手続件数", figure="１，５００件", unit="件",
          base="1,227")
    at.text_area(key="init.new.points").set_value("手続の追加\n操作説明会の開催")
    at.button[0].click().run()  # the form's 下書き保存 (the first button of the page body)
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["取組「電子申請の拡大」を下書き保存しました。"]
    assert _state(demo_db, "電子申請の拡大")[:2] == ("draft", 1500)
    table = at.dataframe[0].value
    assert list(table["数値"]) == ["利用可能な手続件数 1,500件（前年比1.2倍、前年1,227件）"]
    at.button(key="init.submit").click().run()
    assert _state(demo_db, "電子申請の拡大")[0] == "submitted"

    rv = _open(app_as, "reviewer")
    rv.selectbox(key="cycle_select.open")  # the open FY2022 cycle is chosen by default
    shown = [m.value.replace("\\", "") for m in rv.markdown]  # Markdown-escaped user text, as rendered
    assert "▶ 利用可能な手続件数 1,500件（前年比1.2倍、前年1,227件）" in shown
    rv.button(key="init.approve").click().run()
    assert not rv.exception, rv.exception
    assert _state(demo_db, "電子申請の拡大")[3:] == ("editor1", "reviewer")
    assert _state(demo_db, "電子申請の拡大")[0] == "approved"


def test_a_refused_entry_names_the_fields_and_keeps_what_was_typed(app_as, demo_db):
    at = _open(app_as, "editor")
    _fill(at, title="オープンデータの拡充", figure="たくさん", base="100")
    at.button[0].click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "「数値」" in errors and "Traceback" not in errors
    assert at.text_input(key="init.new.title").value == "オープンデータの拡充"
    assert at.text_input(key="init.new.figure").value == "たくさん"
    assert _state(demo_db, "オープンデータの拡充") is None


def test_reviewer_returns_with_a_comment_and_the_editor_sees_it(app_as, demo_db):
    from kpi.domain.initiatives import InitiativeInput
    from kpi.domain.workflow import Role
    from kpi.services import initiatives
    from kpi.services.actors import Actor

    editor = Actor("editor1", "総務部 入力担当", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
    s = initiatives.save(editor, 2022, "GYOKAKU", InitiativeInput("STAFF", "職員研修"), db=demo_db)
    initiatives.submit(editor, s.initiative_id, s.version, db=demo_db)
    rv = _open(app_as, "reviewer")
    rv.button(key="init.return").click().run()
    assert "コメント" in " ".join(e.value for e in rv.error)  # a return needs its comment
    rv.text_area(key=f"init.comment.{s.initiative_id}").set_value("実施月を入れてください")
    rv.button(key="init.return").click().run()
    assert _state(demo_db, "職員研修")[0] == "returned"
    ed = _open(app_as, "editor")
    ed.selectbox(key="initiatives.editing").set_value(s.initiative_id).run()
    assert "差戻しコメント: 実施月を入れてください" in [w.value for w in ed.warning]


def test_reviewer_writes_the_conclusions_of_the_cycle(app_as, demo_db):
    rv = _open(app_as, "reviewer")
    assert not [t for t in rv.text_input if (t.key or "").startswith("conclusions.")]  # only the open tab (取組) runs
    rv.session_state["init_tab"] = "まとめ"
    rv.run()
    rv.text_input(key="conclusions.title").set_value("戦略の見直しへ")
    rv.text_input(key="conclusions.h0").set_value("国の動き")
    rv.text_area(key="conclusions.p0").set_value("デジタル庁の設置\n自治体DXの推進")
    rv.text_area(key="conclusions.direction").set_value("新たな戦略の策定へ")
    rv.button(key="conclusions.save").click().run()
    assert not rv.exception, rv.exception
    assert "まとめを保存しました。" in [s.value for s in rv.success]
    with warehouse.connect(demo_db) as con:
        row = con.execute("SELECT c.title, c.direction, c.updated_by FROM cycle_conclusions c JOIN cycles y"
                          " USING (cycle_id) WHERE y.fiscal_year = 2022").fetchone()
        audit = con.execute("SELECT actor FROM audit_log WHERE entity = 'conclusions' ORDER BY audit_id DESC").fetchone()
    assert row == ("戦略の見直しへ", "新たな戦略の策定へ", "reviewer")
    assert audit == ("reviewer",)


def test_executive_cannot_open_the_page_and_sees_the_approved_initiatives_on_the_dashboard(app_as):
    at = app_as("executive")
    with pytest.raises(Exception):
        at.switch_page(PAGE).run()
    at.session_state["tab"] = "主な取組"  # only the open dashboard tab runs
    at.run()
    assert not at.exception, at.exception
    texts = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert "知事と若手職員との意見交換" in texts
    assert "押印を廃止した様式 5,300件（6,000件のうち9割弱）" in texts


def test_two_people_editing_one_initiative_the_later_save_is_refused_and_keeps_what_was_typed(app_as, demo_db):
    """Issue #15 on the initiatives page: the version checked is the one the form was filled from."""
    from kpi.domain.initiatives import InitiativeInput
    from kpi.domain.workflow import Role
    from kpi.services import initiatives
    from kpi.services.actors import Actor

    editor = Actor("editor1", "総務部 入力担当", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
    s = initiatives.save(editor, 2022, "GYOKAKU", InitiativeInput("STAFF", "職員研修"), db=demo_db)
    mine = _open(app_as, "editor")
    mine.selectbox(key="initiatives.editing").set_value(s.initiative_id).run()
    key = f"init.{s.initiative_id}"
    # a colleague saves the same initiative after this form was filled
    initiatives.save(editor, 2022, "GYOKAKU", InitiativeInput("STAFF", "職員研修（同僚の修正）"),
                     initiative_id=s.initiative_id, expected_version=s.version, db=demo_db)
    mine.text_input(key=f"{key}.title").set_value("職員研修（私の修正）")
    mine.button[0].click().run()  # 下書き保存
    assert not mine.exception, mine.exception
    assert "他の人" in " ".join(e.value for e in mine.error)
    assert mine.text_input(key=f"{key}.title").value == "職員研修（私の修正）"  # what was typed stays
    with warehouse.connect(demo_db) as con:
        assert con.execute("SELECT title FROM initiatives WHERE initiative_id = ?",
                           [s.initiative_id]).fetchone() == ("職員研修（同僚の修正）",)

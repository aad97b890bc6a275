"""Initiatives (主な取組) as submissions: the workflow, permissions, audit rows, photos and what each role sees."""
from __future__ import annotations

import io

import pytest
from PIL import Image

import warehouse
from kpi.domain.initiatives import InitiativeInput, PhotoRefused
from kpi.domain.workflow import CommentRequired, IllegalTransition, Role, SelfApproval
from kpi.services import initiatives
from kpi.services.actors import Actor, Forbidden
from kpi.services.initiatives import InitiativeRefused, PhotoUpload
from kpi.services.workflow import Conflict, CycleNotOpen

EDITOR1 = Actor("editor1", "総務部 入力担当", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
EDITOR2 = Actor("editor2", "健康福祉部 入力担当", frozenset({Role.EDITOR}), frozenset({"IRYO"}))
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))
EXECUTIVE = Actor("executive", "幹部", frozenset({Role.EXECUTIVE}))
BOTH = Actor("both", "兼務", frozenset({Role.EDITOR, Role.REVIEWER}), frozenset({"GYOKAKU"}))

ONLINE = InitiativeInput("ONLINE", "電子申請の拡大", "1月", ("手続の追加",), "利用可能な手続件数", "1,500件", "件",
                         "1,227件", "previous_year")


def png(colour="red", size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def audit(db, iid):
    with warehouse.connect(db) as con:
        return con.execute("SELECT actor, action, from_state, to_state, comment FROM audit_log"
                           " WHERE entity = 'initiative' AND entity_id = ? ORDER BY audit_id", [str(iid)]).fetchall()


def test_an_initiative_goes_from_draft_to_approved_with_an_audit_row_per_step(demo_db):
    saved = initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, db=demo_db)
    v = initiatives.submit(EDITOR1, saved.initiative_id, saved.version, db=demo_db)
    initiatives.approve(REVIEWER, saved.initiative_id, v, db=demo_db)
    row = next(r for r in initiatives.list_for(EXECUTIVE, 2022, db=demo_db)
               if r["initiative_id"] == saved.initiative_id)
    assert row["state"] == "approved" and row["approved_by"] == "reviewer"
    assert row["comparison"] == "前年比1.2倍"
    assert row["figure_sentence"] == "利用可能な手続件数 1,500件（前年比1.2倍、前年1,227件）"
    assert audit(demo_db, saved.initiative_id) == [
        ("editor1", "save", None, "draft", None), ("editor1", "submit", "draft", "submitted", None),
        ("reviewer", "approve", "submitted", "approved", None)]


def test_a_returned_initiative_carries_the_comment_and_can_be_corrected_and_resubmitted(demo_db):
    s = initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, db=demo_db)
    v = initiatives.submit(EDITOR1, s.initiative_id, s.version, db=demo_db)
    with pytest.raises(CommentRequired):
        initiatives.return_initiative(REVIEWER, s.initiative_id, v, "  ", db=demo_db)
    v = initiatives.return_initiative(REVIEWER, s.initiative_id, v, "前年の数値を確認してください", db=demo_db)
    mine = next(r for r in initiatives.list_for(EDITOR1, 2022, db=demo_db) if r["initiative_id"] == s.initiative_id)
    assert (mine["state"], mine["review_comment"]) == ("returned", "前年の数値を確認してください")
    again = initiatives.save(EDITOR1, 2022, "GYOKAKU", InitiativeInput(**{**ONLINE.__dict__, "base_text": "1,000"}),
                             initiative_id=s.initiative_id, expected_version=v, db=demo_db)
    initiatives.submit(EDITOR1, s.initiative_id, again.version, db=demo_db)
    assert [a[1] for a in audit(demo_db, s.initiative_id)] == ["save", "submit", "return", "save", "submit"]


def test_nobody_approves_an_initiative_they_entered(demo_db):
    s = initiatives.save(BOTH, 2022, "GYOKAKU", ONLINE, db=demo_db)
    v = initiatives.submit(BOTH, s.initiative_id, s.version, db=demo_db)
    with pytest.raises(SelfApproval):
        initiatives.approve(BOTH, s.initiative_id, v, db=demo_db)
    assert [a[1] for a in audit(demo_db, s.initiative_id)] == ["save", "submit"]


def test_an_editor_cannot_enter_or_submit_for_another_department(demo_db):
    with pytest.raises(Forbidden, match="GYOKAKU"):
        initiatives.save(EDITOR2, 2022, "GYOKAKU", ONLINE, db=demo_db)
    s = initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, db=demo_db)
    with pytest.raises(Forbidden):
        initiatives.submit(EDITOR2, s.initiative_id, s.version, db=demo_db)
    with pytest.raises(Forbidden):
        initiatives.approve(EDITOR1, s.initiative_id, s.version, db=demo_db)


def test_approving_a_draft_is_refused_and_approved_initiatives_are_locked(demo_db):
    s = initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, db=demo_db)
    with pytest.raises(IllegalTransition):
        initiatives.approve(REVIEWER, s.initiative_id, s.version, db=demo_db)
    v = initiatives.approve(REVIEWER, s.initiative_id, initiatives.submit(EDITOR1, s.initiative_id, s.version,
                                                                          db=demo_db), db=demo_db)
    with pytest.raises(IllegalTransition, match="承認済"):
        initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, initiative_id=s.initiative_id, expected_version=v,
                         db=demo_db)


def test_two_people_acting_on_the_same_version_one_is_told_someone_was_first(demo_db):
    s = initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, db=demo_db)
    initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, initiative_id=s.initiative_id, expected_version=s.version,
                     db=demo_db)
    with pytest.raises(Conflict, match="他の人が先に更新"):
        initiatives.submit(EDITOR1, s.initiative_id, s.version, db=demo_db)


def test_a_refused_entry_names_every_field_and_stores_nothing(demo_db):
    with pytest.raises(InitiativeRefused) as exc:
        initiatives.save(EDITOR1, 2022, "GYOKAKU", InitiativeInput("XX", "", figure_text="たくさん"), db=demo_db)
    assert {e.field for e in exc.value.errors} == {"分野", "取組名", "数値"}
    assert initiatives.list_for(EDITOR1, 2022, db=demo_db) == []


def test_the_finalized_cycle_takes_no_new_initiatives(demo_db):
    with pytest.raises(CycleNotOpen, match="令和3年度"):
        initiatives.save(EDITOR1, 2021, "GYOKAKU", ONLINE, db=demo_db)


def test_photos_are_stored_when_they_are_real_png_or_jpeg_and_refused_otherwise(demo_db):
    jpeg = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(jpeg, "JPEG")
    s = initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, photos=[
        PhotoUpload("会議.png", png(), "意見交換の様子"), PhotoUpload("研修.JPG", jpeg.getvalue(), None)], db=demo_db)
    stored = initiatives.photos(EDITOR1, s.initiative_id, db=demo_db)
    assert [(p["caption"], p["mime"], p["width"]) for p in stored] == [
        ("意見交換の様子", "image/png", 40), (None, "image/jpeg", 20)]
    assert stored[0]["content"] == png()
    with pytest.raises(PhotoRefused, match="PNGまたはJPEG"):
        initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, photos=[PhotoUpload("x.png", b"GIF89a....")], db=demo_db)
    with pytest.raises(PhotoRefused, match="読み取れません"):
        initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE,
                         photos=[PhotoUpload("broken.png", png()[:40])], db=demo_db)
    with pytest.raises(PhotoRefused, match="4枚まで"):
        initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, initiative_id=s.initiative_id, expected_version=s.version,
                         photos=[PhotoUpload(f"{n}.png", png()) for n in range(3)], db=demo_db)
    assert len(initiatives.photos(EDITOR1, s.initiative_id, db=demo_db)) == 2
    with pytest.raises(Forbidden):
        initiatives.photos(EDITOR2, s.initiative_id, db=demo_db)  # a draft of another department


def test_each_role_sees_what_it_may(demo_db):
    draft = initiatives.save(EDITOR1, 2022, "GYOKAKU", ONLINE, db=demo_db).initiative_id
    assert [r["initiative_id"] for r in initiatives.list_for(REVIEWER, 2022, db=demo_db)] == [draft]
    assert initiatives.list_for(EXECUTIVE, 2022, db=demo_db) == []
    assert initiatives.list_for(EDITOR2, 2022, db=demo_db) == []


def test_the_demo_holds_the_seeds_fy2021_initiatives_by_area_all_approved(demo_db):
    by_area = initiatives.approved_by_area(EXECUTIVE, 2021, db=demo_db)
    assert [a["label"] for a, _rows in by_area] == [
        "（県庁）職員の意識醸成", "（県庁）業務の効率化等", "DX推進に係る市町村との連携", "行政手続のオンライン化",
        "オープンデータ利活用の促進", "学校におけるICT利活用の推進", "中小企業のDX支援等", "スマート農林水産業の推進"]
    online = by_area[3][1]
    assert [r["comparison"] for r in online] == ["9割弱", "前年比1.7倍", "前年比1.6倍"]
    assert sum(len(rows) for _a, rows in by_area) == 23
    staff = [r["title"] for r in by_area[0][1]]
    assert staff[0] == "知事と若手職員との意見交換" and by_area[0][1][0]["period_text"] == "6月"
    continued = [r["title"] for _a, rows in by_area for r in rows if r["continued"]]
    assert "中小製造業のスマート化推進支援" in continued and len(continued) == 4  # the seed marks four ※継続取組
    with warehouse.connect(demo_db) as con:
        trails = con.execute("SELECT entity_id, list(action ORDER BY audit_id), list(actor ORDER BY audit_id)"
                             " FROM audit_log WHERE entity = 'initiative' GROUP BY entity_id").fetchall()
    assert len(trails) == 23
    for _id, actions, actors in trails:
        assert actions == ["save", "submit", "approve"]
        assert actors[0] == actors[1] != actors[2] == "reviewer"


def test_every_demo_initiative_points_at_an_existing_cycle_department_and_area(demo_db):
    with warehouse.connect(demo_db) as con:
        orphans = con.execute("""
            SELECT i.initiative_id FROM initiatives i
            WHERE NOT EXISTS (SELECT 1 FROM cycles c WHERE c.cycle_id = i.cycle_id)
               OR NOT EXISTS (SELECT 1 FROM departments d WHERE d.department_code = i.department_code)
               OR NOT EXISTS (SELECT 1 FROM initiative_areas a WHERE a.area_code = i.area_code)
               OR NOT EXISTS (SELECT 1 FROM users u WHERE u.login = i.entered_by)""").fetchall()
    assert orphans == []

"""Master data through the services: every field of an indicator, refusals naming the field, audited changes,
strategy versions, pillars, items, departments and reason categories; only reviewers and administrators."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpi.services import master_data
from kpi.services.actors import Forbidden
from kpi.services.master_data import MasterDataError
from kpi.services.summaries import load_cycle
from tests.services.workflow_helpers import ADMIN, EDITOR1, EXECUTIVE, REVIEWER, query

NEW = {"code": "P1-1-09", "name": "オンライン研修の受講者数", "definition": "県が実施するオンライン研修の延べ受講者数。",
       "unit": "人", "department_code": "GYOKAKU", "target_type": "numeric", "direction": "higher",
       "baseline_value": "1,200人", "baseline_fy": "令和4年度", "target_value": "3,000", "target_fy": "R9",
       "data_source": "行政改革推進課調べ", "pillar_no": 1, "item_no": 1}


def _strategy(db) -> int:
    return query(db, "SELECT strategy_id FROM strategies")[0]["strategy_id"]


def _audit(db, action: str) -> list[dict]:
    return query(db, "SELECT * FROM audit_log WHERE action = ? ORDER BY audit_id", [action])


def test_a_new_indicator_is_registered_with_every_field_and_counted_in_the_next_cycle(demo_db):
    new_id = master_data.create_indicator(REVIEWER, _strategy(demo_db), NEW, db=demo_db)
    row = query(demo_db, "SELECT * FROM indicators WHERE indicator_id = ?", [new_id])[0]
    assert {k: row[k] for k in ("code", "name", "definition", "unit", "department_code", "target_type", "direction",
                                "baseline_value", "baseline_text", "baseline_fy", "baseline_fy_text", "target_value",
                                "target_text", "target_fy", "data_source", "status", "pillar_no", "item_no")} == {
        "code": "P1-1-09", "name": "オンライン研修の受講者数", "definition": "県が実施するオンライン研修の延べ受講者数。",
        "unit": "人", "department_code": "GYOKAKU", "target_type": "numeric", "direction": "higher",
        "baseline_value": Decimal("1200"), "baseline_text": "1,200人", "baseline_fy": 2022, "baseline_fy_text": "令和4年度",
        "target_value": Decimal("3000"), "target_text": "3,000人", "target_fy": 2027, "data_source": "行政改革推進課調べ",
        "status": "active", "pillar_no": 1, "item_no": 1}
    [audit] = _audit(demo_db, "create_indicator")
    assert audit["indicator_id"] == new_id and "指標名: （なし） → オンライン研修の受講者数" in audit["new_value"]
    codes = [e.row["code"] for e in load_cycle(2022, basis="all", actor=REVIEWER, db=demo_db).rows]
    assert "P1-1-09" in codes and len(codes) == 69


@pytest.mark.parametrize("change,message", [
    ({"code": "P1-1-01"}, "指標コード「P1-1-01」は既に使われています"),
    ({"code": "P1 1"}, "指標コードは半角英数字と「-_」で入力してください（例: P1-1-01）"),
    ({"name": "  "}, "指標名を入力してください"),
    ({"department_code": "NOPE"}, "担当課「NOPE」は登録されていません"),
    ({"target_value": ""}, "数値目標の指標には目標値を入力してください"),
    ({"target_type": "increase", "direction": "lower"}, "目標の種類が「増加を目指す」の指標の方向は「高いほど良い」です"),
    ({"target_type": "decrease", "baseline_value": "", "direction": "lower"},
     "「減少を目指す」の指標には基準値を入力してください"),
    ({"target_fy": "令和3年度"}, "目標年度は基準年度以降にしてください"),
    ({"baseline_fy": "令和3年"}, "「年」ではなく「年度」で入力してください"),
    ({"target_value": "3,000件"}, "目標値"),
    ({"pillar_no": 1, "item_no": 9}, "柱1の項目9はこの戦略にありません"),
])
def test_a_refused_indicator_names_the_field_and_nothing_is_written(demo_db, change, message):
    before = query(demo_db, "SELECT count(*) AS n FROM indicators")[0]["n"]
    with pytest.raises(MasterDataError, match=message):
        master_data.create_indicator(REVIEWER, _strategy(demo_db), {**NEW, **change}, db=demo_db)
    assert query(demo_db, "SELECT count(*) AS n FROM indicators")[0]["n"] == before
    assert _audit(demo_db, "create_indicator") == []


def test_descriptive_fields_change_in_place_without_a_revision(demo_db):
    ind = query(demo_db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-01'")[0]["indicator_id"]
    result = master_data.update_indicator(ADMIN, ind, {"name": "テレワーク実施職員数", "data_source": "人事課調べ"},
                                          db=demo_db)
    assert result == {"changed": ["name", "data_source"], "revision_id": None}
    row = query(demo_db, "SELECT name, data_source FROM indicators WHERE indicator_id = ?", [ind])[0]
    assert row == {"name": "テレワーク実施職員数", "data_source": "人事課調べ"}
    [audit] = _audit(demo_db, "update_indicator")
    assert audit["old_value"].startswith("指標名: テレワーク実施者数") and audit["actor"] == "admin"
    assert query(demo_db, "SELECT count(*) AS n FROM indicator_revisions")[0]["n"] == 0


def test_a_definition_change_needs_the_year_it_applies_from(demo_db):
    ind = query(demo_db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-01'")[0]["indicator_id"]
    with pytest.raises(MasterDataError, match="目標・基準値などの変更には適用開始年度を入力してください"):
        master_data.update_indicator(REVIEWER, ind, {"target_value": "300"}, reason="修正", db=demo_db)


def test_an_unchanged_form_saves_nothing(demo_db):
    ind = query(demo_db, "SELECT * FROM indicators WHERE code = 'P1-1-04'")[0]
    form = {"unit": "時間", "target_value": "6,000", "target_text": "6,000時間", "baseline_value": "0",
            "baseline_fy": "平成30年度", "baseline_fy_text": "H30年度", "name": ind["name"]}
    assert master_data.update_indicator(REVIEWER, ind["indicator_id"], form, db=demo_db) == {
        "changed": [], "revision_id": None}
    assert query(demo_db, "SELECT count(*) AS n FROM audit_log WHERE entity = 'indicator'")[0]["n"] == 0


def test_a_new_strategy_version_carries_the_active_indicators_with_their_newest_definitions(demo_db):
    old = _strategy(demo_db)
    ind = query(demo_db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-01'")[0]["indicator_id"]
    master_data.update_indicator(REVIEWER, ind, {"target_value": "580"}, reason="上方修正", effective_fy=2022, db=demo_db)
    new = master_data.create_strategy(REVIEWER, {"code": "chiba-ict", "name": "千葉県ICT利活用戦略（改定版）",
                                                 "valid_from_fy": "令和6年度"}, copy_from=old, db=demo_db)
    s = query(demo_db, "SELECT * FROM strategies WHERE strategy_id = ?", [new])[0]
    assert (s["version"], s["valid_from_fy"], s["name"]) == (2, 2024, "千葉県ICT利活用戦略（改定版）")
    copied = query(demo_db, "SELECT code, target_value FROM indicators WHERE strategy_id = ? ORDER BY code", [new])
    assert len(copied) == 67 and "P1-1-05" not in {c["code"] for c in copied}  # the stopped one stays behind
    assert next(c for c in copied if c["code"] == "P1-1-01")["target_value"] == Decimal("580")
    assert query(demo_db, "SELECT count(*) AS n FROM pillars WHERE strategy_id = ?", [new])[0]["n"] == 3
    sections = query(demo_db, "SELECT section_no, pillar_no FROM report_sections WHERE strategy_id = ?"
                              " ORDER BY pillar_no", [new])
    assert [(r["section_no"], r["pillar_no"]) for r in sections] == [(1, 1), (2, 2), (2, 3)]  # the report's layout
    parts = query(demo_db, "SELECT count(*) AS n FROM indicator_parts p JOIN indicators i USING (indicator_id)"
                           " WHERE i.strategy_id = ?", [new])[0]["n"]
    assert parts == query(demo_db, "SELECT count(*) AS n FROM indicator_parts")[0]["n"] / 2
    [audit] = _audit(demo_db, "create_strategy")
    assert audit["new_value"] == "chiba-ict 第2版 千葉県ICT利活用戦略（改定版）（令和6年度から） 指標67件を引き継ぎ"


def test_pillars_items_departments_and_reason_categories_are_created_renamed_and_audited(demo_db):
    sid = _strategy(demo_db)
    master_data.save_pillar(REVIEWER, sid, "4", "データ利活用", db=demo_db)
    master_data.save_item(REVIEWER, sid, 4, "1", "オープンデータの推進", db=demo_db)
    master_data.save_pillar(REVIEWER, sid, 4, "データの利活用", db=demo_db)
    with pytest.raises(MasterDataError, match="柱5はこの戦略にありません"):
        master_data.save_item(REVIEWER, sid, 5, 1, "x", db=demo_db)
    master_data.save_department(ADMIN, "dx", "総務部デジタル改革推進課", db=demo_db)
    master_data.save_department(ADMIN, "SOMU", "総務部総務課", active=False, db=demo_db)
    master_data.save_reason_category(REVIEWER, "seido", "国の制度変更", db=demo_db)
    with pytest.raises(MasterDataError, match="担当課名を入力してください"):
        master_data.save_department(ADMIN, "DX2", " ", db=demo_db)

    assert query(demo_db, "SELECT name FROM pillars WHERE strategy_id = ? AND pillar_no = 4", [sid])[0]["name"] \
        == "データの利活用"
    assert query(demo_db, "SELECT name, active FROM departments WHERE department_code IN ('DX', 'SOMU')"
                          " ORDER BY department_code") == [{"name": "総務部デジタル改革推進課", "active": True},
                                                           {"name": "総務部総務課", "active": False}]
    assert query(demo_db, "SELECT category_code, sort_order FROM reason_categories ORDER BY sort_order")[-1] == {
        "category_code": "seido", "sort_order": 3}
    actions = [r["action"] for r in query(demo_db, "SELECT action FROM audit_log WHERE entity IN"
                                                   " ('pillar', 'item', 'department', 'reason_category') ORDER BY audit_id")]
    assert actions == ["save_pillar", "save_item", "save_pillar", "save_department", "save_department",
                       "save_reason_category"]
    renamed = _audit(demo_db, "save_pillar")[-1]
    assert (renamed["old_value"], renamed["new_value"]) == ("データ利活用", "データの利活用")


@pytest.mark.parametrize("actor", [EDITOR1, EXECUTIVE])
def test_departments_and_executives_cannot_change_master_data(demo_db, actor):
    ind = query(demo_db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-01'")[0]["indicator_id"]
    with pytest.raises(Forbidden, match="指標・所属などのマスタ管理の権限がありません"):
        master_data.update_indicator(actor, ind, {"name": "x"}, db=demo_db)
    with pytest.raises(Forbidden):
        master_data.save_reason_category(actor, "x", "x", db=demo_db)
    with pytest.raises(Forbidden):
        master_data.overview(actor, db=demo_db)


def test_a_change_between_two_revisions_applies_only_what_was_edited_over_the_year_in_force(demo_db):
    ind = query(demo_db, "SELECT indicator_id FROM indicators WHERE code = 'P1-1-01'")[0]["indicator_id"]
    master_data.update_indicator(REVIEWER, ind, {"target_value": "580"}, reason="上方修正", effective_fy=2022, db=demo_db)
    master_data.update_indicator(REVIEWER, ind, {"target_value": "1,000"}, reason="再修正", effective_fy=2024, db=demo_db)
    # the page's form shows the newest definition (1,000人); the person changes only the baseline, from FY2023
    shown = {"unit": "人", "target_type": "numeric", "direction": "higher", "baseline_value": "",
             "baseline_text": "", "baseline_fy": "", "target_value": "1,000", "target_text": "1,000人",
             "target_fy": "令和3年度"}
    result = master_data.update_indicator(REVIEWER, ind, {**shown, "baseline_value": "50", "baseline_fy": "令和2年度"},
                                          reason="基準値の設定", effective_fy="令和5年度", db=demo_db)
    assert set(result["changed"]) == {"baseline_value", "baseline_text", "baseline_fy", "baseline_fy_text"}
    revs = query(demo_db, "SELECT effective_fy, baseline_value, target_value FROM indicator_revisions"
                          " ORDER BY effective_fy")
    assert [(r["effective_fy"], r["baseline_value"], r["target_value"]) for r in revs] == [
        (2022, None, Decimal("580")), (2023, Decimal("50"), Decimal("580")), (2024, None, Decimal("1000"))]

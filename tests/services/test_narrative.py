"""The strategy outline and a cycle's conclusions: written by reviewers only, versioned, audited, and frozen
into what an edition publishes."""
from __future__ import annotations

import pytest

import warehouse
from kpi.domain.workflow import Role
from kpi.services import narrative
from kpi.services.actors import Actor, Forbidden
from kpi.services.narrative import ConclusionsInput, Finding, NarrativeRefused, OutlineInput
from kpi.services.workflow import Conflict

REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))
ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}))
EDITOR = Actor("editor1", "入力", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
EXECUTIVE = Actor("executive", "幹部", frozenset({Role.EXECUTIVE}))


def test_the_demo_outline_is_the_seeds_and_belongs_to_the_strategy_version(demo_db):
    o = narrative.get_outline(EXECUTIVE, 2021, db=demo_db)
    assert o["period_text"] == "令和元年度～随時更新していく永遠のβ版"
    assert o["players"][0] == "県" and len(o["players"]) == 7
    assert [p["name"] for p in o["pillars"]] == ["波及効果の高いプロジェクト", "個別施策", "推進を支える土台づくり"]
    assert o["pillar_notes"][3] == "モチベーターとしての県の取組"
    # FY2022 is a cycle of the same strategy version: same outline
    assert narrative.get_outline(EXECUTIVE, 2022, db=demo_db)["version"] == o["version"] == 1


def test_a_reviewer_edits_the_outline_with_a_new_version_and_an_audit_row(demo_db):
    o = narrative.get_outline(REVIEWER, 2022, db=demo_db)
    raw = OutlineInput(o["purpose"], "令和元年度～令和5年度", o["vision"], o["approach"], tuple(o["players"]),
                       o["pillar_notes"], tuple(o["bodies"]) + ("千葉県DX推進本部",))
    assert narrative.save_outline(REVIEWER, 2022, raw, expected_version=1, db=demo_db) == 2
    again = narrative.get_outline(EXECUTIVE, 2021, db=demo_db)
    assert (again["period_text"], again["bodies"][-1], again["updated_by"]) == (
        "令和元年度～令和5年度", "千葉県DX推進本部", "reviewer")
    with warehouse.connect(demo_db) as con:
        rows = con.execute("SELECT actor, new_value FROM audit_log WHERE entity = 'strategy_outline'"
                           " ORDER BY audit_id").fetchall()
    assert rows[-1] == ("reviewer", "第2版")
    with pytest.raises(Conflict):
        narrative.save_outline(REVIEWER, 2022, raw, expected_version=1, db=demo_db)


@pytest.mark.parametrize("who", [ADMIN, EDITOR, EXECUTIVE])
def test_only_reviewers_write_the_outline_and_the_conclusions(demo_db, who):
    with pytest.raises(Forbidden):
        narrative.save_outline(who, 2022, OutlineInput(purpose="x"), expected_version=1, db=demo_db)
    with pytest.raises(Forbidden):
        narrative.save_conclusions(who, 2022, ConclusionsInput(direction="x"), expected_version=None, db=demo_db)


def test_conclusions_are_written_per_cycle_and_an_empty_one_is_refused(demo_db):
    assert narrative.get_conclusions(REVIEWER, 2022, db=demo_db) is None
    with pytest.raises(NarrativeRefused, match="今後の方向性"):
        narrative.save_conclusions(REVIEWER, 2022, ConclusionsInput(title="まとめ"), expected_version=None, db=demo_db)
    with pytest.raises(NarrativeRefused, match="見出し1"):
        narrative.save_conclusions(REVIEWER, 2022, ConclusionsInput(findings=(Finding("", ("項目だけ",)),)),
                                   expected_version=None, db=demo_db)
    raw = ConclusionsInput("次期戦略へ", None, (Finding("国の動き", ("デジタル庁の設置", "")),), "DXの推進へ")
    assert narrative.save_conclusions(REVIEWER, 2022, raw, expected_version=None, db=demo_db) == 1
    c = narrative.get_conclusions(EXECUTIVE, 2022, db=demo_db)
    assert c["findings"] == [{"heading": "国の動き", "points": ["デジタル庁の設置"]}]
    assert narrative.get_conclusions(EXECUTIVE, 2021, db=demo_db)["title"] == "戦略の見直しへ"  # unchanged


def test_the_snapshot_holds_only_approved_initiatives_with_computed_comparisons(demo_db):
    with warehouse.connect(demo_db) as con:
        snap = narrative.snapshot(con, 1)
    assert len(snap["initiatives"]) == 23
    assert {i["comparison"] for i in snap["initiatives"]} == {None, "9割弱", "前年比1.7倍", "前年比1.6倍"}
    assert snap["outline"]["established_text"] == "令和元年9月策定"
    assert snap["conclusions"]["direction"] == "ICT利活用戦略の見直しにより、県のデジタル・トランスフォーメーション推進へ"

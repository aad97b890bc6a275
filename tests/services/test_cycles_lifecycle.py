"""A year run end to end: a new cycle from the demo, run to finalization through the services, and a target
changed mid-plan that leaves the finalized FY2021 report as published while FY2022 is judged by the new target."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kpi.domain.workflow import WorkflowError
from kpi.services import cycles, master_data, workflow
from kpi.services.summaries import cycle_summary, load_cycle
from kpi.services.workflow import CycleNotOpen, ValueRef
from tests.services.test_seed_reproduction import SCOPES, _group, _published
from tests.services.workflow_helpers import EDITOR1, OWN, REVIEWER, fields, head_approve, query, save

TELEWORK = "P1-1-01"  # テレワーク実施者数, GYOKAKU (editor1), numeric, no baseline, target 280人


def _indicator(db, code: str) -> dict:
    return query(db, "SELECT * FROM indicators WHERE code = ?", [code])[0]


def _cycle_state(db, fy: int) -> str:
    return query(db, "SELECT state FROM cycles WHERE fiscal_year = ?", [fy])[0]["state"]


def _seed_tables_reproduced(db, seed_figures) -> None:
    for scope, (pillars, key) in SCOPES.items():
        table = _published(seed_figures, scope)
        group = _group(cycle_summary(2021, pillars=pillars, db=db), key)
        assert (group["total"], group["counts"]) == (table["total"], table["counts"]), scope
        if "percent" in table:
            assert group["percent"] == table["percent"], scope


def _evaluated(db, fy: int, code: str):
    return next(e for e in load_cycle(fy, db=db).rows if e.row["code"] == code)


def _run_value_to_approval(db, fy: int, indicator_id: int, number: int) -> ValueRef:
    cycle_id = query(db, "SELECT cycle_id FROM cycles WHERE fiscal_year = ?", [fy])[0]["cycle_id"]
    ref = save(db, EDITOR1, cycle_id, indicator_id, fields(number, value_fy=fy))
    [v] = workflow.submit(EDITOR1, [ref], db)
    v = workflow.approve(REVIEWER, *head_approve(db, OWN, ValueRef(ref.value_id, v)), db)  # 所属長, then the division
    return ValueRef(ref.value_id, v)


def test_a_new_cycle_is_created_from_the_previous_year_and_run_to_finalization(demo_db):
    telework = _indicator(demo_db, TELEWORK)
    created = cycles.create_cycle(2023, actor=REVIEWER, from_fy=2022, db=demo_db)
    assert (created["label"], created["state"]) == ("令和5年度", "preparing")
    # as-of date and deadline carried one year on from FY2022 (令和4年11月時点, deadline 2022-12-16)
    assert (created["as_of"], created["deadline"]) == (dt.date(2023, 11, 30), dt.date(2023, 12, 16))
    assert created["as_of_text"] == "令和5年11月時点"
    # every indicator under progress management is carried over (P1-1-05 was stopped in FY2021)
    active = query(demo_db, "SELECT count(*) AS n FROM indicators WHERE status = 'active'")[0]["n"]
    assert created["carried_over"] == active == 67

    cycle_id = created["cycle_id"]
    with pytest.raises(CycleNotOpen, match="令和5年度は準備中のため、「保存」はできません"):
        save(demo_db, EDITOR1, cycle_id, telework["indicator_id"], fields(300, value_fy=2023))

    cycles.open_cycle(2023, actor=REVIEWER, db=demo_db)
    ref = _run_value_to_approval(demo_db, 2023, telework["indicator_id"], 300)

    closed = cycles.close_cycle(2023, actor=REVIEWER, db=demo_db)
    assert (closed["from_state"], closed["state"]) == ("open", "closed")
    with pytest.raises(CycleNotOpen, match="令和5年度は締切済のため、「保存」はできません"):
        save(demo_db, EDITOR1, cycle_id, _indicator(demo_db, "P1-1-02")["indicator_id"], fields(3, value_fy=2023))

    cycles.finalize_cycle(2023, actor=REVIEWER, db=demo_db)
    assert _cycle_state(demo_db, 2023) == "finalized"
    # approved values are frozen: no reopening (承認取消) once the cycle is finalized
    with pytest.raises(CycleNotOpen, match="令和5年度は確定済のため、「承認取消」はできません"):
        workflow.reopen(REVIEWER, ref, "数値の誤り", demo_db)
    row = query(demo_db, "SELECT state, value_number FROM indicator_values WHERE value_id = ?", [ref.value_id])[0]
    assert (row["state"], row["value_number"]) == ("approved", Decimal("300"))
    # the new year's summary counts the value, judged against 280人: achieved
    assert _evaluated(demo_db, 2023, TELEWORK).band.value == "achieved"

    actions = query(demo_db, "SELECT action, from_state, to_state, actor FROM audit_log"
                             " WHERE entity = 'cycle' AND cycle_id = ? ORDER BY audit_id", [cycle_id])
    assert [(a["action"], a["from_state"], a["to_state"]) for a in actions] == [
        ("create_cycle", None, "preparing"), ("open_cycle", "preparing", "open"),
        ("close_cycle", "open", "closed"), ("finalize_cycle", "closed", "finalized")]
    assert {a["actor"] for a in actions} == {"reviewer"}


def test_finalizing_is_refused_while_values_wait_for_review(demo_db):
    cycles.create_cycle(2023, actor=REVIEWER, from_fy=2022, db=demo_db)
    cycles.open_cycle(2023, actor=REVIEWER, db=demo_db)
    cycle_id = query(demo_db, "SELECT cycle_id FROM cycles WHERE fiscal_year = 2023")[0]["cycle_id"]
    ref = save(demo_db, EDITOR1, cycle_id, _indicator(demo_db, TELEWORK)["indicator_id"], fields(300, value_fy=2023))
    workflow.submit(EDITOR1, [ref], demo_db)
    cycles.close_cycle(2023, actor=REVIEWER, db=demo_db)
    with pytest.raises(WorkflowError, match="令和5年度には審査待ち（提出済）の値が1件あります"):
        cycles.finalize_cycle(2023, actor=REVIEWER, db=demo_db)
    assert _cycle_state(demo_db, 2023) == "closed"


def test_creating_a_cycle_twice_is_refused(demo_db):
    with pytest.raises(WorkflowError, match="令和4年度のサイクルは既にあります（受付中）"):
        cycles.create_cycle(2022, actor=REVIEWER, from_fy=2021, db=demo_db)


def test_a_target_changed_from_fy2022_leaves_fy2021_as_published_and_judges_fy2022_by_the_new_target(
        demo_db, seed_figures):
    telework = _indicator(demo_db, TELEWORK)
    assert telework["target_value"] == Decimal("280")
    ref = _run_value_to_approval(demo_db, 2022, telework["indicator_id"], 290)
    assert _evaluated(demo_db, 2022, TELEWORK).band.value == "achieved"  # 290 / 280
    fy2021_before = _evaluated(demo_db, 2021, TELEWORK)
    _seed_tables_reproduced(demo_db, seed_figures)

    # FY2021 is finalized: a change reaching back into it is refused and nothing is written
    with pytest.raises(master_data.MasterDataError, match="令和3年度のサイクルは確定済のため、令和3年度からの定義変更はできません"):
        master_data.update_indicator(REVIEWER, telework["indicator_id"], {"target_value": "580"},
                                     reason="目標の上方修正", effective_fy="令和3年度", db=demo_db)
    # a change of the target needs a reason
    with pytest.raises(master_data.MasterDataError, match="変更の理由を入力してください"):
        master_data.update_indicator(REVIEWER, telework["indicator_id"], {"target_value": "580"},
                                     reason="  ", effective_fy="令和4年度", db=demo_db)
    assert query(demo_db, "SELECT count(*) AS n FROM indicator_revisions")[0]["n"] == 0

    result = master_data.update_indicator(REVIEWER, telework["indicator_id"], {"target_value": "580人"},
                                          reason="テレワーク推進計画の改定により目標を上方修正", effective_fy="令和4年度",
                                          db=demo_db)
    assert result["changed"] == ["target_value", "target_text"] and result["revision_id"] is not None

    # FY2021: same rate for the indicator and every published table still reproduced
    assert _evaluated(demo_db, 2021, TELEWORK).rate == fy2021_before.rate
    assert _evaluated(demo_db, 2021, TELEWORK).row["target_value"] == Decimal("280")
    _seed_tables_reproduced(demo_db, seed_figures)
    # FY2022 is judged against 580人: 290 / 580 = 50%
    fy2022 = _evaluated(demo_db, 2022, TELEWORK)
    assert fy2022.row["target_value"] == Decimal("580") and fy2022.row["target_text"] == "580人"
    assert fy2022.band.value == "band_30_60" and fy2022.percent == pytest.approx(50.0)
    # the stored indicator keeps its original definition; the revision and the audit row hold the change
    assert _indicator(demo_db, TELEWORK)["target_value"] == Decimal("280")
    [audit] = query(demo_db, "SELECT * FROM audit_log WHERE action = 'revise_indicator'")
    assert audit["comment"] == "テレワーク推進計画の改定により目標を上方修正"
    assert audit["old_value"] == "目標値: 280人; 目標値（表記）: 280人"
    assert audit["new_value"] == "目標値: 580人; 目標値（表記）: 580人（令和4年度から適用）"
    assert (audit["actor"], audit["indicator_id"]) == ("reviewer", telework["indicator_id"])
    assert query(demo_db, "SELECT state FROM indicator_values WHERE value_id = ?", [ref.value_id])[0]["state"] \
        == "approved"


def test_a_new_cycle_after_a_revision_is_judged_by_the_revision_in_force(demo_db):
    telework = _indicator(demo_db, TELEWORK)
    master_data.update_indicator(REVIEWER, telework["indicator_id"], {"target_value": "580"},
                                 reason="上方修正", effective_fy=2022, db=demo_db)
    master_data.update_indicator(REVIEWER, telework["indicator_id"], {"target_value": "1,000"},
                                 reason="再度の上方修正", effective_fy=2024, db=demo_db)
    for fy in (2023, 2024):
        cycles.create_cycle(fy, actor=REVIEWER, from_fy=fy - 1, db=demo_db)
    targets = {fy: _evaluated(demo_db, fy, TELEWORK).row["target_value"] for fy in (2021, 2022, 2023, 2024)}
    assert targets == {2021: Decimal("280"), 2022: Decimal("580"), 2023: Decimal("580"), 2024: Decimal("1000")}


def test_stopping_an_indicator_takes_a_reason_and_the_cycle_it_applies_from(demo_db):
    telework = _indicator(demo_db, TELEWORK)
    with pytest.raises(master_data.MasterDataError, match="停止の理由を入力してください"):
        master_data.stop_indicator(REVIEWER, telework["indicator_id"], reason="", effective_fy=2022, db=demo_db)
    with pytest.raises(master_data.MasterDataError, match="令和3年度のサイクルは確定済のため"):
        master_data.stop_indicator(REVIEWER, telework["indicator_id"], reason="事業終了", effective_fy=2021, db=demo_db)
    master_data.stop_indicator(REVIEWER, telework["indicator_id"], reason="事業終了", effective_fy="令和4年度",
                               db=demo_db)
    assert _evaluated(demo_db, 2021, TELEWORK).band.value != "stopped"
    assert _evaluated(demo_db, 2022, TELEWORK).band.value == "stopped"
    created = cycles.create_cycle(2023, actor=REVIEWER, from_fy=2022, db=demo_db)
    assert created["carried_over"] == 66  # P1-1-05 (FY2021) and P1-1-01 (FY2022) are no longer managed
    [audit] = query(demo_db, "SELECT * FROM audit_log WHERE action = 'stop_indicator'")
    assert (audit["comment"], audit["new_value"]) == ("事業終了", "進捗管理の停止（令和4年度から）")

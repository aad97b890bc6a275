"""The rules that guard a save, a submission and the cycle sweep judge a value by the definition in force for its
cycle (a target revised from FY2022 applies to FY2022, not the original), and only for indicators in force."""
from __future__ import annotations

import pytest

from kpi.domain.workflow import WorkflowError
from kpi.services import master_data, sweep, workflow
from tests.services.workflow_helpers import EDITOR1, REVIEWER, fields, query, save

TELEWORK = "P1-1-01"  # テレワーク実施者数, GYOKAKU (editor1), numeric, no baseline, target 280人


def _telework(db) -> int:
    return query(db, "SELECT indicator_id FROM indicators WHERE code = ?", [TELEWORK])[0]["indicator_id"]


def _fy2022(db) -> int:
    return query(db, "SELECT cycle_id FROM cycles WHERE fiscal_year = 2022")[0]["cycle_id"]


def _reason_findings(db, value_id: int) -> list[str]:
    return [r["rule"] for r in query(db, "SELECT rule FROM validation_findings WHERE value_id = ?"
                                         " AND rule = 'reason_required'", [value_id])]


def test_290_without_a_reason_passes_against_280_and_is_refused_against_a_revised_580(demo_db):
    ind, cycle = _telework(demo_db), _fy2022(demo_db)
    ok = save(demo_db, EDITOR1, cycle, ind, fields(290, value_fy=2022))  # 290 / 280: achieved, no reason needed
    workflow.submit(EDITOR1, [ok], demo_db)
    sweep.validate_cycle(2022, db=demo_db)
    assert _reason_findings(demo_db, ok.value_id) == []


def test_a_revised_target_makes_the_same_figure_need_a_reason_on_submit_and_in_the_sweep(demo_db):
    ind, cycle = _telework(demo_db), _fy2022(demo_db)
    master_data.update_indicator(REVIEWER, ind, {"target_value": "580"}, reason="目標の上方修正", effective_fy=2022,
                                 db=demo_db)
    with pytest.raises(WorkflowError, match="要因"):
        ref = save(demo_db, EDITOR1, cycle, ind, fields(290, value_fy=2022))  # 290 / 580 = 50%
        workflow.submit(EDITOR1, [ref], demo_db)
    sweep.validate_cycle(2022, db=demo_db)
    [value_id] = [r["value_id"] for r in query(demo_db, "SELECT value_id FROM indicator_values WHERE indicator_id = ?"
                                                " AND cycle_id = ?", [ind, cycle])]
    assert _reason_findings(demo_db, value_id) == ["reason_required"]

"""A draft save from the form stores every line that can be stored and lists the others by code; completeness
(区分, and the reason below 100%) is required only when submitting."""
from __future__ import annotations

import pytest

from kpi.services import intake, workflow
from kpi.services.entries import RawEntry
from kpi.services.entry_sheet import sheet
from kpi.services.workflow import KindRequired, ValueRef
from kpi.services import admin
from kpi.services.accounts import authenticate
from tests.services.workflow_helpers import ADMIN, EDITOR1, OWN, query


def save_form(db, actor, entries: list[RawEntry]) -> intake.BatchReport:
    batch_id = intake.receive(actor, 2022, OWN, entries, db=db)
    intake.process(batch_id, db=db)
    return intake.batch_status(batch_id, db=db)


def stored(db) -> dict[str, tuple]:
    rows = query(db, "SELECT i.code, v.value_text, v.value_kind, v.version FROM indicator_values v"
                     " JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id)"
                     " WHERE c.fiscal_year = 2022 AND i.department_code = ?", [OWN])
    return {r["code"]: (r["value_text"], r["value_kind"], r["version"]) for r in rows}


def lines(db) -> dict:
    return {ln.code: ln for ln in sheet(EDITOR1, 2022, OWN, db=db).lines}


def test_a_figure_without_kind_is_saved_a_refused_figure_is_listed_by_code_and_the_rest_lands(demo_db):
    report = save_form(demo_db, EDITOR1, [
        RawEntry(code="P1-1-01", value="270"),  # no 区分: a valid draft
        RawEntry(code="P1-1-02", value="たくさん", kind="実績値"),  # cannot be stored
        RawEntry(code="P1-1-04", value="5,445時間", kind="実績値"),
    ])
    assert report.status == "landed" and report.saved == 2
    assert [(f.code, f.row_no) for f in report.errors] == [("P1-1-02", None)]
    assert any(f.code == "P1-1-01" and "区分" in f.message and "提出の前に" in f.message for f in report.warnings)
    assert stored(demo_db) == {"P1-1-01": ("270人", None, 1), "P1-1-04": ("5,445時間", "actual", 1)}


def test_a_draft_without_kind_cannot_be_submitted_until_the_kind_is_chosen(demo_db):
    save_form(demo_db, EDITOR1, [RawEntry(code="P1-1-01", value="290")])
    line = lines(demo_db)["P1-1-01"]
    with pytest.raises(KindRequired, match="区分（実績値／見込値）が未選択のため提出できません"):
        workflow.submit(EDITOR1, [ValueRef(line.value_id, line.version)], db=demo_db, acknowledge_warnings=True)
    assert stored(demo_db)["P1-1-01"][2] == line.version  # nothing changed


def test_a_line_someone_else_saved_meanwhile_is_listed_as_a_conflict_and_the_others_land(demo_db):
    save_form(demo_db, EDITOR1, [RawEntry(code="P1-1-01", value="270", kind="実績値")])
    seen = lines(demo_db)["P1-1-01"].version
    admin.create_account(ADMIN, "gyokaku-2", "行政改革推進課 第二入力担当", "gyokaku-2-password", ["editor"], [OWN],
                         db=demo_db)
    second = authenticate("gyokaku-2", "gyokaku-2-password", db=demo_db)
    assert save_form(demo_db, second, [RawEntry(code="P1-1-01", value="275", kind="実績値",
                                                expected_version=seen)]).status == "landed"
    report = save_form(demo_db, EDITOR1, [
        RawEntry(code="P1-1-01", value="260", kind="実績値", expected_version=seen),
        RawEntry(code="P1-1-04", value="5,000時間", kind="実績値"),
    ])
    assert report.status == "landed" and report.saved == 1
    [conflict] = report.errors
    assert conflict.code == "P1-1-01" and "他の人が先に更新しました" in conflict.message
    assert "gyokaku-2" in conflict.message and "保存されている値: 275人" in conflict.message
    assert stored(demo_db)["P1-1-01"][0] == "275人" and stored(demo_db)["P1-1-04"][0] == "5,000時間"

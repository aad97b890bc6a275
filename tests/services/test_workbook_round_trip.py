"""The department workbook's round trip over a year in a real state (approved, submitted, returned, draft, stopped):
download, change rows, upload through the intake service, and read the warehouse back."""
from __future__ import annotations

import io

import pytest

from kpi.io.workbook import COLUMNS
from kpi.services import intake, workbooks
from tests.xlsx_edit import set_cells
from tests.services.workflow_helpers import (  # noqa: F401  (fixtures)
    EDITOR1, EDITOR2, EDITOR2_ALSO_GYOKAKU, OWN, STAGED, fields, query, save, stage, wf_db,
)

RETURNED, APPROVED, SUBMITTED, DRAFT = (STAGED[(OWN, s)] for s in ("returned", "approved", "submitted", "draft"))


def plain_workbook(rows: list[dict]) -> bytes:
    """A workbook made by hand (no download stamp): the headers and the given cells of sheet 入力."""
    import xlsxwriter

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


def upload(db, actor, data: bytes, department: str = OWN, fiscal_year: int = 2022) -> intake.BatchReport:
    batch_id = intake.receive(actor, fiscal_year, department, source="workbook", filename="sheet.xlsx",
                              raw_bytes=data, db=db)
    intake.process(batch_id, db=db)
    return intake.batch_status(batch_id, db=db)


def values_of(db) -> dict[str, tuple]:
    rows = query(db, "SELECT i.code, v.value_text, v.state, v.version FROM indicator_values v"
                     " JOIN indicators i USING (indicator_id) JOIN cycles c USING (cycle_id)"
                     " WHERE c.fiscal_year = 2022 AND i.department_code = ?", [OWN])
    return {r["code"]: (r["value_text"], r["state"], r["version"]) for r in rows}


@pytest.fixture
def downloaded(wf_db):
    return workbooks.department_workbook(EDITOR1, 2022, OWN, db=wf_db)[1]


def test_changing_only_the_returned_row_lands_exactly_that_row_and_counts_the_rest(wf_db, downloaded):
    before = values_of(wf_db)
    report = upload(wf_db, EDITOR1, set_cells(downloaded, {(RETURNED, "値"): "12団体"}))
    assert report.status == "landed", report.findings
    assert report.saved == 1 and not report.errors
    assert report.skipped == {"承認済": 1, "提出済": 2, "下書き": 1}, report.skipped
    assert "承認済 1件" in report.skipped_text
    after = values_of(wf_db)
    assert after[RETURNED][:2] == ("12団体", "draft") and after[RETURNED][2] == before[RETURNED][2] + 1
    assert {c: v for c, v in after.items() if c != RETURNED} == {c: v for c, v in before.items() if c != RETURNED}


def test_a_changed_approved_row_is_refused_by_row_and_code_naming_the_reviewers_action(wf_db, downloaded):
    before = values_of(wf_db)
    report = upload(wf_db, EDITOR1, set_cells(downloaded, {(APPROVED, "値"): "999", (RETURNED, "値"): "12団体"}))
    assert report.status == "refused"
    [refusal] = report.errors
    assert refusal.code == APPROVED and refusal.row_no is not None
    assert f"{refusal.row_no}行目" in refusal.message and "承認済のため変更できません" in refusal.message
    assert "「承認取消」を依頼してください" in refusal.message
    assert values_of(wf_db) == before


def test_a_changed_submitted_row_asks_for_a_return(wf_db, downloaded):
    report = upload(wf_db, EDITOR1, set_cells(downloaded, {(SUBMITTED, "備考"): "追記"}))
    assert [f.code for f in report.errors] == [SUBMITTED]
    assert "提出済のため変更できません" in report.errors[0].message and "「差戻し」" in report.errors[0].message


def test_a_row_someone_saved_after_the_download_is_a_conflict_naming_who(wf_db, stage, downloaded):
    draft_ref = stage.ref(OWN, "draft")
    save(wf_db, EDITOR2_ALSO_GYOKAKU, stage.fy2022, stage.ind(DRAFT), fields(4321), expected_version=draft_ref.version)
    report = upload(wf_db, EDITOR1, set_cells(downloaded, {(DRAFT, "値"): "1234"}))
    assert report.status == "refused"
    [conflict] = report.errors
    assert conflict.code == DRAFT and "ダウンロード後に" in conflict.message and "editor2" in conflict.message
    assert values_of(wf_db)[DRAFT][0] != "1234"


def test_a_row_someone_saved_after_the_download_but_unchanged_in_the_file_is_left_alone(wf_db, stage, downloaded):
    save(wf_db, EDITOR2_ALSO_GYOKAKU, stage.fy2022, stage.ind(DRAFT), fields(4321),
         expected_version=stage.ref(OWN, "draft").version)
    kept = values_of(wf_db)[DRAFT]
    report = upload(wf_db, EDITOR1, set_cells(downloaded, {(RETURNED, "値"): "12団体"}))
    assert report.status == "landed" and report.saved == 1
    assert values_of(wf_db)[DRAFT] == kept


def test_uploading_the_download_unchanged_saves_nothing_and_says_so(wf_db, downloaded):
    before = values_of(wf_db)
    report = upload(wf_db, EDITOR1, downloaded)
    assert report.status == "landed" and report.saved == 0 and not report.errors
    assert sum(report.skipped.values()) == 5
    assert values_of(wf_db) == before


def test_another_departments_sheet_is_refused_at_once_naming_both(wf_db):
    iryo = workbooks.department_workbook(EDITOR2, 2022, "IRYO", db=wf_db)[1]
    report = upload(wf_db, EDITOR2_ALSO_GYOKAKU, iryo, department=OWN)
    [refusal] = report.findings
    assert refusal.row_no is None and "健康福祉部医療整備課の令和4年度の入力シートです" in refusal.message
    assert "総務部行政改革推進課の令和4年度の入力シートではない" in refusal.message
    assert "複数の行" not in refusal.message


def test_another_years_sheet_is_refused_naming_both_years(wf_db):
    older = workbooks.department_workbook(EDITOR1, 2021, OWN, db=wf_db)[1]
    report = upload(wf_db, EDITOR1, older)
    [refusal] = report.findings
    assert "令和3年度の入力シートです" in refusal.message and "令和4年度の入力シートではない" in refusal.message


def test_a_hand_made_sheet_of_another_departments_codes_is_refused_naming_that_department(wf_db, downloaded):
    data = plain_workbook([{"コード": "P2-1-04", "値": "5"}, {"コード": "P2-1-05", "値": "6"}])
    report = upload(wf_db, EDITOR1, data)
    [refusal] = report.findings
    assert "（P2-1-04、P2-1-05）は健康福祉部医療整備課の指標です" in refusal.message
    assert "総務部行政改革推進課の令和4年度の入力シートではない" in refusal.message

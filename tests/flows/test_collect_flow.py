"""Submissions travel through the real collect_submissions flow: all rows land as drafts, or none do."""
from __future__ import annotations

import io

import pytest
import xlsxwriter

import warehouse
from flows.collect import collect_pending, collect_submissions, validate_cycle
from kpi.io.workbook import COLUMNS
from kpi.platform.runner import collect
from kpi.services import intake
from kpi.services.accounts import authenticate
from kpi.services.entries import RawEntry
from kpi.services.workbooks import department_workbook


def _values(db, department="GYOKAKU"):
    with warehouse.connect(db) as con:
        return dict(con.execute(
            "SELECT i.code, v.state FROM indicator_values v JOIN indicators i USING (indicator_id)"
            " JOIN cycles c USING (cycle_id) WHERE c.fiscal_year = 2022 AND i.department_code = ?",
            [department]).fetchall())


def _filled_workbook(rows: list[dict], *, headers=COLUMNS, sheet="入力", merge=None, formula_at=None) -> bytes:
    """A workbook as a person returns it: the template's headers and typed cells."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(sheet)
    for c, h in enumerate(headers):
        ws.write_string(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, h in enumerate(headers):
            v = row.get(h)
            if isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            elif v is not None:
                ws.write_string(r, c, v)
    if formula_at:
        ws.write_formula(*formula_at, "=1+1")
    if merge:
        ws.merge_range(*merge, "merged")
    wb.close()
    return buf.getvalue()


ROW_OK = {"コード": "P1-1-01", "値": "３６，８２１人", "区分（実績値／見込値）": "実績値", "時点・期間": "4月～8月"}
ROW_RPA = {"コード": "P1-1-04", "値": 5445, "区分（実績値／見込値）": "実績値",
           "要因（100%未満の場合は必須）": "RPA導入の適性が当初の想定よりも低かった", "要因の分類": "その他の理由"}


def _collect_file(db, data: bytes, department="GYOKAKU") -> intake.BatchReport:
    actor = intake.cli_actor(department)
    batch_id = intake.receive(actor, 2022, department, source="workbook", filename="x.xlsx", raw_bytes=data, db=db)
    return collect(batch_id, db=db)


def test_a_form_save_lands_as_drafts_through_the_flow(demo_db):
    editor = authenticate("editor1", "editor1-pass", db=demo_db)
    batch_id = intake.receive(editor, 2022, "GYOKAKU", [RawEntry("P1-1-01", "３６，８２１人", "実績値", "4月～8月", row_no=1)],
                              db=demo_db)
    result = collect_submissions(batch_id, str(demo_db))
    assert result == {"batch_id": batch_id, "status": "landed", "saved": 1, "errors": 0, "warnings": 0}
    assert _values(demo_db) == {"P1-1-01": "draft"}


def test_a_valid_workbook_lands_every_row(demo_db):
    report = _collect_file(demo_db, _filled_workbook([ROW_OK, ROW_RPA]))
    assert report.status == "landed" and report.saved == 2
    assert _values(demo_db) == {"P1-1-01": "draft", "P1-1-04": "draft"}


def test_the_downloaded_template_filled_and_returned_lands(demo_db):
    _name, data = department_workbook(intake.cli_actor("GYOKAKU"), 2022, "GYOKAKU", db=demo_db)
    report = _collect_file(demo_db, data)
    assert report.status == "refused"  # an untouched template carries no values
    assert [f.message for f in report.errors] == ["入力された値がありません"]


def test_one_bad_row_refuses_the_whole_workbook_with_its_row_and_column(demo_db):
    bad = {**ROW_RPA, "値": "5,445件"}
    report = _collect_file(demo_db, _filled_workbook([ROW_OK, bad]))
    assert report.status == "refused"
    [err] = report.errors
    assert (err.row_no, err.field) == (3, "値")
    assert "単位は「時間」" in err.message and "「RPA導入により削減した作業時間」" in err.message
    assert _values(demo_db) == {}  # nothing landed, not even the good row
    with warehouse.connect(demo_db) as con:
        kept = con.execute("SELECT status, octet_length(raw_bytes) > 0 FROM intake_batches WHERE batch_id = ?",
                           [report.batch_id]).fetchone()
    assert kept == ("refused", True)  # the file is kept as received


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: _filled_workbook([ROW_OK], sheet="Sheet1"), "入力"),
    (lambda: _filled_workbook([ROW_OK], headers=COLUMNS[:10]), "列"),
    (lambda: _filled_workbook([ROW_OK], formula_at=(1, COLUMNS.index("値"))), "数式"),
    (lambda: _filled_workbook([ROW_OK, ROW_RPA], merge=(1, 13, 2, 13)), "結合"),
    (lambda: b"code,value\nP1-1-01,1\n", "Excel"),
    (lambda: b"%PDF-1.7 not a workbook", "Excel"),
    (lambda: _filled_workbook([{**ROW_OK, "コード": "P2-1-01"}]), "情報システム課の指標です"),
])
def test_malformed_workbooks_are_refused_with_a_clear_message(demo_db, make, fragment):
    report = _collect_file(demo_db, make())
    assert report.status == "refused"
    assert any(fragment in f.message for f in report.errors), [f.message for f in report.errors]
    assert all("Traceback" not in f.message for f in report.findings)
    assert _values(demo_db) == {}


def test_a_department_cannot_write_another_departments_values_whatever_it_sends(demo_db):
    iryo_code = "P2-1-01"
    report = _collect_file(demo_db, _filled_workbook([{**ROW_OK, "コード": iryo_code}]), department="GYOKAKU")
    assert report.status == "refused"
    assert _values(demo_db, "IRYO") == {}
    editor = authenticate("editor1", "editor1-pass", db=demo_db)
    from kpi.services.actors import Forbidden

    with pytest.raises(Forbidden):
        intake.receive(editor, 2022, "IRYO", [RawEntry(iryo_code, "5", "実績値")], db=demo_db)


def test_a_batch_sent_while_prefect_is_down_is_kept_and_landed_when_it_returns(demo_db, monkeypatch, prefect_server):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there
    report = _collect_file(demo_db, _filled_workbook([ROW_OK]))
    assert report.status == "received"
    assert _values(demo_db) == {}
    monkeypatch.setenv("PREFECT_API_URL", prefect_server)
    results = collect_pending(str(demo_db))
    assert [r["status"] for r in results] == ["landed"]
    assert _values(demo_db) == {"P1-1-01": "draft"}


def test_validate_cycle_flow_refreshes_the_findings_of_the_cycle(demo_db):
    _collect_file(demo_db, _filled_workbook([{**ROW_RPA, "要因（100%未満の場合は必須）": None, "要因の分類": None}]))
    result = validate_cycle(2022, str(demo_db))
    assert result["checked"] == 1 and result["errors"] == 0
    assert result["warnings"] == 1 + 18  # the missing reason, and every department still has gaps
    with warehouse.connect(demo_db) as con:
        rules = con.execute("SELECT rule, message FROM validation_findings WHERE batch_id IS NULL").fetchall()
    assert sorted({r[0] for r in rules}) == ["completeness", "reason_required"]
    assert ("completeness", "「総務部行政改革推進課」は7指標中6指標が未入力です") in rules

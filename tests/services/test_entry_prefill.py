"""Light entry through the services on the demo: the suggestions from last year's approved value in the entry sheet
and the workbook (stored only with a figure typed beside them), and what the department still owes across the
chain."""
from __future__ import annotations

import warehouse
from kpi.io.workbook import read_department_workbook
from kpi.services import entry_sheet, intake, workbooks
from tests.services.workflow_helpers import EDITOR1, OWN, query
from tests.xlsx_edit import set_cells
from warehouse import values


def _upload(db, data: bytes) -> intake.BatchReport:
    batch_id = intake.receive(EDITOR1, 2022, OWN, source="workbook", filename="sheet.xlsx", raw_bytes=data, db=db)
    intake.process(batch_id, db=db)
    return intake.batch_status(batch_id, db=db)


def _fy2022(db) -> dict[str, dict]:
    rows = query(db, "SELECT i.code, v.* FROM indicator_values v JOIN indicators i USING (indicator_id)"
                     " JOIN cycles c USING (cycle_id) WHERE c.fiscal_year = 2022")
    return {r["code"]: r for r in rows}


def test_the_sheet_suggests_last_years_period_a_year_on_and_its_reason_category(demo_db):
    lines = {ln.code: ln for ln in entry_sheet.sheet(EDITOR1, 2022, OWN, db=demo_db).lines}
    assert lines["P3-2-02"].suggested.period == "R4.10時点"  # FY2021: R3.10時点
    assert lines["P1-1-01"].suggested.period == "4月～8月"  # names no year: copied as is
    assert lines["P1-1-04"].suggested.reason_category == "その他の理由"
    assert lines["P1-1-02"].suggested.fields() == {}  # FY2021 printed neither
    # nothing is stored: the suggestion is not what is saved
    assert all(ln.saved.period == "" and ln.version is None for ln in lines.values())
    same = lines["P1-1-01"].same_entry
    assert (same.value, same.kind, same.period, same.expected_version) == ("36,821人", "実績値", "4月～8月", None)


def test_the_summary_counts_what_is_owed_across_the_chain(demo_db):
    s = entry_sheet.sheet(EDITOR1, 2022, OWN, db=demo_db)
    active = sum(1 for ln in s.lines if not ln.stopped)
    assert entry_sheet.chain_counts(s) == [("未入力", active), ("下書き", 0), ("差戻し", 0), ("所属長承認待ち", 0),
                                          ("課の審査待ち", 0), ("承認済", 0)]
    assert s.chain.text == "担当 → 所属長 → 行政改革推進課"


def test_the_workbook_is_prefilled_and_an_untouched_prefilled_row_is_not_stored(demo_db):
    data = workbooks.department_workbook(EDITOR1, 2022, OWN, db=demo_db)[1]
    rows = {r.code: r for r in read_department_workbook(data)}
    assert rows["P3-2-02"].period == "R4.10時点" and rows["P3-2-02"].value == ""
    assert rows["P1-1-04"].reason_category == "その他の理由"
    report = _upload(demo_db, data)  # sent back as downloaded: the suggestions alone are no entry
    assert report.status == "refused" and [f.message for f in report.errors] == ["入力された値がありません"]
    assert _fy2022(demo_db) == {}
    report = _upload(demo_db, set_cells(data, {("P3-2-02", "値"): "46団体", ("P3-2-02", "区分（実績値／見込値）"): "実績値"}))
    assert report.status == "landed" and report.saved == 1, report.findings
    stored = _fy2022(demo_db)
    assert set(stored) == {"P3-2-02"}
    assert (stored["P3-2-02"]["value_number"], stored["P3-2-02"]["period_text"]) == (46, "R4.10時点")


def test_one_read_of_last_year_gives_the_prefill_and_the_latest_approved_figure(demo_db):
    """sheet() reads last year once (values.last_approved_rows): the figure shown and rated is the latest approved
    one that has a number, even when the latest approved value has none (then the year before's is shown)."""
    with warehouse.transaction(demo_db) as con:  # FY2021's approved P1-1-02 (7件) without a number: an unrated text
        con.execute("UPDATE indicator_values SET value_number = NULL, value_text = '集計中' WHERE value_id ="
                    " (SELECT v.value_id FROM indicator_values v JOIN indicators i USING (indicator_id)"
                    " JOIN cycles c USING (cycle_id) WHERE i.code = 'P1-1-02' AND c.fiscal_year = 2021)")
    s = entry_sheet.sheet(EDITOR1, 2022, OWN, db=demo_db)
    lines = {ln.code: ln for ln in s.lines}
    assert lines["P1-1-02"].last_year == "3件"  # FY2020's approved figure, as last_approved_before gives it
    assert lines["P1-1-02"].same_entry.value == "集計中"  # the prefill is FY2021's row as it is
    assert lines["P1-1-01"].last_year == "36,821人" and lines["P2-1-03"].last_year == "700件"
    ids = {r["code"]: r["indicator_id"] for r in s.read.rows.values()}
    with warehouse.connect(demo_db) as con:
        assert s.read.last == values.last_approved_before(con, 2022, list(ids.values()))

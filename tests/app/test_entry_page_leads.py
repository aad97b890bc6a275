"""The editor's entry page leads with what needs doing: the deadline, then returned, unentered and draft lines in
that order, and a live warning for a figure off by ×100 / ×1000."""
from __future__ import annotations

from kpi.services import intake, workflow
from kpi.services.accounts import authenticate
from kpi.services.entries import RawEntry
from kpi.services.entry_sheet import sheet


def test_the_page_shows_the_deadline_and_groups_returned_then_unentered_then_drafts(app_as, demo_db):
    editor = authenticate("editor1", "editor1-pass", db=demo_db)
    head = authenticate("head1", "head1-pass", db=demo_db)  # the demo's chain: the head returns it first
    batch = intake.receive(editor, 2022, "GYOKAKU", [RawEntry(code=c, value="1", kind="実績値", reason="要因",
                                                              reason_category="その他の理由")
                                                     for c in ("P1-1-01", "P1-1-02")], db=demo_db)
    assert intake.process(batch, db=demo_db).status == "landed"
    lines = {ln.code: ln for ln in sheet(editor, 2022, "GYOKAKU", db=demo_db).lines}
    workflow.submit(editor, [workflow.ValueRef(lines["P1-1-02"].value_id, lines["P1-1-02"].version)], db=demo_db,
                    acknowledge_warnings=True)
    lines = {ln.code: ln for ln in sheet(editor, 2022, "GYOKAKU", db=demo_db).lines}
    workflow.return_value(head, workflow.ValueRef(lines["P1-1-02"].value_id, lines["P1-1-02"].version),
                          "出典を確認してください", db=demo_db)

    at = app_as("editor")
    at.switch_page("views/entry.py").run()
    assert not at.exception
    assert any(i.value.startswith("提出期限: ") for i in at.info)
    headings = [h.value for h in at.subheader]
    order = [h for h in headings if h.startswith(("差戻し", "未入力", "下書き", "進捗管理を停止"))]
    assert [h[:3] for h in order] == ["差戻し", "未入力", "下書き", "進捗管"], headings
    assert any("差戻しコメント: 出典を確認してください" in w.value for w in at.warning)


def test_a_figure_a_thousand_times_smaller_than_last_year_is_flagged_while_typing(app_as):
    at = app_as("editor")
    at.switch_page("views/entry.py").run()
    at.text_input(key="entry.P1-1-04.value").input("5").run()  # last year 5,445時間
    assert any("約1000分の1" in w.value for w in at.warning), [w.value for w in at.warning]
    at.text_input(key="entry.P1-1-04.value").input("5,400").run()
    assert not any("分の1" in w.value for w in at.warning)


def test_a_rerun_reads_no_sheet_and_a_save_from_another_process_shows_at_the_next_run(app_as, demo_db, monkeypatch):
    """The sheet is cached on the warehouse change counter (session.department_sheet): a rerun while the person
    types reads nothing, and a save that cleared no cache of this process (another app process, the CLI) moves the
    counter, so the untouched field shows the stored value at the next run."""
    from kpi.services import entry_sheet

    at = app_as("editor")
    at.switch_page("views/entry.py").run()
    assert at.text_input(key="entry.P1-1-02.value").value == ""
    reads = []
    real = entry_sheet.sheet
    monkeypatch.setattr(entry_sheet, "sheet", lambda *a, **k: reads.append(a[1:3]) or real(*a, **k))
    at.text_input(key="entry.P1-1-04.value").input("5,400").run()
    assert not at.exception and reads == []  # the rerun read nothing
    editor = authenticate("editor1", "editor1-pass", db=demo_db)
    batch = intake.receive(editor, 2022, "GYOKAKU", [RawEntry(code="P1-1-02", value="12", kind="実績値")],
                           db=demo_db)
    assert intake.process(batch, db=demo_db).status == "landed"
    at.run()
    assert not at.exception
    assert reads == [(2022, "GYOKAKU")]  # read once, at the run after the save
    assert at.text_input(key="entry.P1-1-02.value").value == "12件"  # as stored (formatted)
    assert at.text_input(key="entry.P1-1-04.value").value == "5,400"  # what the person typed stays

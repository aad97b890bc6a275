"""The department workbook: the template written here, filled workbooks built with xlsxwriter, read back for real."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

import fastexcel
import pytest
import xlsxwriter

from kpi.io import workbook, xlsx_safe
from kpi.io.workbook import (
    COLUMNS, INSTRUCTIONS, MAX_UPLOAD_BYTES, SHEET, Problem, RawRow, TemplateRow, WorkbookRefused,
    read_department_workbook, write_department_workbook,
)

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
CATEGORIES = ["外的要因（社会情勢）", "事業の遅れ", "その他"]


def template_rows(**changes) -> list[TemplateRow]:
    rows = [
        TemplateRow("A-01", "1 活力ある千葉", "観光", "観光入込客数", "人", "30,000", "40,000", "35,000", "未提出", ""),
        TemplateRow("A-02", "1 活力ある千葉", "満足度", "県民満足度", "%", "60", "80", "70", "差戻し", "要因を書いてください"),
        TemplateRow("B-01", "2 安心な千葉", "相談", "相談件数", None, "100", "120", "110", "未提出", ""),
    ]
    return [TemplateRow(**{**row.__dict__, **changes.get(row.code, {})}) for row in rows]


def template(rows: list[TemplateRow] | None = None) -> bytes:
    return write_department_workbook(title="令和6年度 戦略指標 進捗調査", department="総務部", cycle_label="令和6年度 年間",
                                     rows=template_rows() if rows is None else rows, reason_categories=CATEGORIES)


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass(frozen=True)
class Percent:
    number: float


def filled(rows: list[dict], *, headers=COLUMNS, sheet=SHEET, merges=(), first_row: int = 0,
           extra: dict[str, str] | None = None) -> bytes:
    """A workbook as a department might send it back: the template's headers and typed cells, by column name.

    Values: str → text cell, int/float → number cell, datetime → date cell, Formula → formula, Percent → a number
    shown as a percentage (what Excel stores when "73.5%" is typed into a General cell). extra: {"XFD2": text}."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(sheet)
    wb.add_worksheet("メモ")
    date = wb.add_format({"num_format": "yyyy/m/d"})
    percent = wb.add_format({"num_format": "0.0%"})
    for col, name in enumerate(headers):
        ws.write_string(first_row, col, name)
    for r, cells in enumerate(rows, start=first_row + 1):
        for name, value in cells.items():
            col = list(headers).index(name)
            if isinstance(value, str):
                ws.write_string(r, col, value)
            elif isinstance(value, Formula):
                ws.write_formula(r, col, value.text, None, 2)
            elif isinstance(value, Percent):
                ws.write_number(r, col, value.number, percent)
            elif isinstance(value, datetime):
                ws.write_datetime(r, col, value, date)
            else:
                ws.write_number(r, col, value)
    for ref in merges:
        ws.merge_range(ref, "結合", None)
    for ref, text in (extra or {}).items():
        ws.write_string(ref, text)
    wb.close()
    return buf.getvalue()


def problems_of(data: bytes, **kwargs) -> list[Problem]:
    with pytest.raises(WorkbookRefused) as refused:
        read_department_workbook(data, **kwargs)
    return refused.value.problems


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------------
# the template


def test_template_has_the_input_sheet_first_with_the_headers_in_row_one():
    reader = fastexcel.read_excel(template())
    assert reader.sheet_names == [SHEET, INSTRUCTIONS]
    grid = reader.load_sheet(SHEET, header_row=None, dtypes="string").to_polars().rows()
    assert grid[0] == COLUMNS
    assert [row[:4] for row in grid[1:]] == [("A-01", "1 活力ある千葉", "観光", "観光入込客数"),
                                             ("A-02", "1 活力ある千葉", "満足度", "県民満足度"),
                                             ("B-01", "2 安心な千葉", "相談", "相談件数")]


def test_template_locks_the_first_ten_columns_and_unlocks_the_six_input_columns_under_sheet_protection():
    files = members(template())
    sheet = ElementTree.fromstring(files["xl/worksheets/sheet1.xml"])
    protection = sheet.find("m:sheetProtection", NS)
    assert protection is not None and protection.get("sheet") == "1" and protection.get("password") is None
    xfs = ElementTree.fromstring(files["xl/styles.xml"]).find("m:cellXfs", NS).findall("m:xf", NS)

    def locked(cell) -> bool:
        guard = xfs[int(cell.get("s", "0"))].find("m:protection", NS)
        return guard is None or guard.get("locked") != "0"

    for row in sheet.find("m:sheetData", NS).findall("m:row", NS):
        cells = {re.sub(r"\d+", "", c.get("r")): c for c in row.findall("m:c", NS)}
        assert list(cells) == [xlsx_safe.letters(i) for i in range(16)]
        expected = [True] * 16 if row.get("r") == "1" else [True] * 10 + [False] * 6
        assert [locked(cell) for cell in cells.values()] == expected


@pytest.mark.parametrize("text", ["=SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "http://example.com/x"])
def test_template_keeps_formula_like_text_as_a_string(text):
    rows = template_rows(**{"A-01": {"reason": text}, "A-02": {"returned_comment": text}})
    data = template(rows)
    files = members(data)
    sheet_xml = files["xl/worksheets/sheet1.xml"].decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml and "hyperlink" not in sheet_xml
    strings = ElementTree.fromstring(files["xl/sharedStrings.xml"])
    assert text in [t.text for t in strings.iter(f"{{{NS['m']}}}t")]
    assert read_department_workbook(data)[0].reason == text


def test_template_offers_dropdowns_for_kind_and_reason_category_from_the_instructions_sheet():
    data = template()
    sheet = ElementTree.fromstring(members(data)["xl/worksheets/sheet1.xml"])
    lists = {v.get("sqref"): v.find("m:formula1", NS).text for v in sheet.iter(f"{{{NS['m']}}}dataValidation")}
    assert set(lists) == {"L2:L4", "O2:O4"}
    assert all(source.startswith(f"'{INSTRUCTIONS}'!$B$") for source in lists.values())
    notes = fastexcel.read_excel(data).load_sheet(INSTRUCTIONS, header_row=None, dtypes="string").to_polars()

    def listed(source: str) -> list[str]:
        first, last = (int(n) for n in re.findall(r"\$B\$(\d+)", source))
        return notes[notes.columns[1]].to_list()[first - 1:last]

    assert listed(lists["L2:L4"]) == ["実績値", "見込値"]
    assert listed(lists["O2:O4"]) == CATEGORIES


def test_template_freezes_the_header_and_filters_from_row_one():
    sheet = members(template())["xl/worksheets/sheet1.xml"].decode()
    assert re.search(r'<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>', sheet)
    assert '<autoFilter ref="A1:P4"/>' in sheet
    widths = [float(c.get("width")) for c in ElementTree.fromstring(sheet).find("m:cols", NS)]
    assert min(widths) >= 8 and max(widths) <= 60


def test_instructions_sheet_names_the_survey_and_explains_how_to_fill_in():
    grid = fastexcel.read_excel(template()).load_sheet(INSTRUCTIONS, header_row=None, dtypes="string")
    text = "\n".join(v for row in grid.to_polars().rows() for v in row if v)
    for fragment in ["令和6年度 戦略指標 進捗調査", "総務部", "令和6年度 年間", "実績値", "見込値", "全角", "カンマ",
                     "単位", "100%未満", "列の追加・削除・並べ替え", f"シート名「{SHEET}」の変更", "「入力」ページ",
                     "アップロード", *CATEGORIES]:
        assert fragment in text


def test_template_round_trips_what_was_prefilled_and_returns_untouched_rows_too():
    rows = template_rows(**{"A-02": {"value": "７３．５％", "kind": "見込値", "period": "令和6年12月末",
                                     "reason": "イベント中止", "reason_category": "事業の遅れ", "remark": "速報値"}})
    assert read_department_workbook(template(rows)) == [
        RawRow(2, "A-01", "", "", "", "", "", ""),
        RawRow(3, "A-02", "７３．５％", "見込値", "令和6年12月末", "イベント中止", "事業の遅れ", "速報値"),
        RawRow(4, "B-01", "", "", "", "", "", ""),
    ]


def test_template_without_indicators_reads_back_as_no_rows():
    assert read_department_workbook(template([])) == []


# ---------------------------------------------------------------------------------------------------------
# what comes back


def test_typed_texts_come_back_exactly_as_typed():
    data = filled([
        {"コード": "A-01", "値": "36,821人", "区分（実績値／見込値）": "実績値", "時点・期間": "R5"},
        {"コード": "A-02", "値": "７３．５％", "要因（100%未満の場合は必須）": " 天候不順\n（台風） ", "備考": "=1+1"},
        {"コード": "B-01", "値": "約3.6万人", "要因の分類": "その他"},
    ])
    assert read_department_workbook(data) == [
        RawRow(2, "A-01", "36,821人", "実績値", "R5", "", "", ""),
        RawRow(3, "A-02", "７３．５％", "", "", " 天候不順\n（台風） ", "", "=1+1"),
        RawRow(4, "B-01", "約3.6万人", "", "", "", "その他", ""),
    ]


@pytest.mark.parametrize(("number", "text"), [
    (36821, "36821"),
    (5445.0, "5445"),
    (73.5, "73.5"),
    (0.1 + 0.7, "0.8"),  # stored as 0.7999999999999999: Excel shows 15 significant digits
    (1 / 3, "0.333333333333333"),
    (123456789.123, "123456789.123"),
    (12345.123456789012, "12345.123456789"),
    (-0.0, "0"),
    (1e20, "100000000000000000000"),
    (1.5e-7, "0.00000015"),
    (Percent(0.735), "73.5%"),  # "73.5%" typed into a General cell is stored as 0.735
])
def test_number_cells_come_back_as_the_number_excel_shows(number, text):
    data = filled([{"コード": "A-01", "値": number}])
    assert read_department_workbook(data)[0].value == text


def test_numbers_in_other_columns_come_back_as_text_too():
    data = filled([{"コード": 101, "値": 5445, "時点・期間": 2023, "備考": 12.5}])
    assert read_department_workbook(data) == [RawRow(2, "101", "5445", "", "2023", "", "", "12.5")]


def test_a_date_in_the_value_column_is_refused_naming_row_and_column():
    data = filled([{"コード": "A-01", "値": 5}, {"コード": "A-02", "値": datetime(2024, 3, 5)}])
    [problem] = problems_of(data)
    assert (problem.row, problem.column) == (3, "値")
    assert "3行目の「値」（K3）" in problem.message and "日付ではなく数値を入力してください" in problem.message


def test_a_date_in_the_period_column_comes_back_as_excel_shows_it():
    data = filled([{"コード": "A-01", "値": "5", "時点・期間": datetime(2024, 3, 31)}])
    assert read_department_workbook(data)[0].period == "2024/3/31"


def test_rows_with_a_code_and_nothing_entered_are_returned_and_blank_rows_skipped():
    data = filled([{"コード": "A-01"}, {}, {"柱": "メモだけ"}, {"コード": "A-02", "値": "1"}])
    assert read_department_workbook(data) == [RawRow(2, "A-01", "", "", "", "", "", ""),
                                              RawRow(5, "A-02", "1", "", "", "", "", "")]


def test_headers_match_ignoring_spaces_and_character_width():
    headers = [name.replace("（", "(").replace("）", ")").replace("／", "/") for name in COLUMNS]
    headers[0], headers[10] = " コード ", "値\u3000"
    data = filled([{headers[0]: "A-01", headers[10]: "12", headers[11]: "実績値"}], headers=headers)
    assert read_department_workbook(data) == [RawRow(2, "A-01", "12", "実績値", "", "", "", "")]


def test_rows_keep_their_excel_numbers_when_a_line_is_inserted_above_the_header():
    data = filled([{"コード": "A-01", "値": "12"}], first_row=2)
    assert read_department_workbook(data) == [RawRow(4, "A-01", "12", "", "", "", "", "")]


def with_sheet_data(data: bytes, rows_xml: str) -> bytes:
    """The workbook with sheet 入力's cells replaced by hand-written XML (what other spreadsheet programs write)."""
    files = members(data)
    sheet = files["xl/worksheets/sheet1.xml"].decode()
    start, end = sheet.index("<sheetData>"), sheet.index("</sheetData>")
    files["xl/worksheets/sheet1.xml"] = (sheet[:start] + "<sheetData>" + rows_xml + sheet[end:]).encode()
    return zip_of(files)


def inline(text: str, ref: str = "") -> str:
    return f'<c{f" r={chr(34)}{ref}{chr(34)}" if ref else ""} t="inlineStr"><is><t>{text}</t></is></c>'


def test_cells_without_references_booleans_and_errors_are_read_as_excel_shows_them():
    header = "<row>" + "".join(inline(name) for name in COLUMNS) + "</row>"
    values = "<row>" + inline("A-01") + "<c/>" * 9 + "<c><v>0.30000000000000004</v></c>" + '<c t="b"><v>1</v></c>'
    values += "<c/>" * 3 + '<c t="e"><v>#N/A</v></c></row>'
    data = with_sheet_data(filled([]), header + values)
    assert read_department_workbook(data) == [RawRow(2, "A-01", "0.3", "TRUE", "", "", "", "#N/A")]


def test_an_iso_date_cell_in_the_value_column_is_refused():
    header = '<row r="1">' + "".join(inline(name) for name in COLUMNS) + "</row>"
    values = '<row r="2">' + inline("A-01", "A2") + '<c r="K2" t="d"><v>2024-03-31T00:00:00</v></c></row>'
    [problem] = problems_of(with_sheet_data(filled([]), header + values))
    assert (problem.row, problem.column) == (2, "値") and "日付ではなく数値を入力してください" in problem.message


def test_many_number_cells_give_the_same_answer_as_few(monkeypatch):
    rows = [{"コード": f"A-{i}", "値": i + 0.5, "備考": Formula("=1+1") if i == 3 else "x"} for i in range(6)]
    expected = problems_of(filled(rows))
    monkeypatch.setattr(xlsx_safe.SheetScan, "BUDGET", 2)  # forces the focused second pass
    assert problems_of(filled(rows)) == expected == [
        Problem(5, "備考", "5行目の「備考」（P5）に数式が入っています。数式は使えません。値を直接入力してください。")]
    del rows[3]["備考"]
    assert [r.value for r in read_department_workbook(filled(rows))] == ["0.5", "1.5", "2.5", "3.5", "4.5", "5.5"]


# ---------------------------------------------------------------------------------------------------------
# refusals inside the sheet


@pytest.mark.parametrize("column", ["値", "備考", "コード"])
def test_a_formula_is_refused_naming_row_and_column(column):
    cells = {"コード": "A-02", "値": "3"} | {column: Formula("=1+1")}
    [problem] = problems_of(filled([{"コード": "A-01", "値": "2"}, cells]))
    assert (problem.row, problem.column) == (3, column)
    assert f"3行目の「{column}」" in problem.message
    assert "数式は使えません。値を直接入力してください" in problem.message


def test_merged_cells_are_refused_naming_the_range():
    data = filled([{"コード": "A-01"}, {"コード": "A-02"}], merges=["N2:N3"])
    [problem] = problems_of(data)
    assert (problem.row, problem.column) == (2, "要因（100%未満の場合は必須）")
    assert "N2:N3" in problem.message and "結合" in problem.message


def test_a_missing_input_sheet_is_refused_naming_the_sheets_found():
    [problem] = problems_of(filled([{"コード": "A-01"}], sheet="Sheet1"))
    assert "シート「入力」が見つかりません" in problem.message
    assert "「Sheet1」「メモ」" in problem.message


def test_missing_columns_are_refused_each_by_name():
    headers = [name for name in COLUMNS if name not in ("値", "備考")]
    problems = problems_of(filled([{"コード": "A-01"}], headers=headers))
    assert [(p.row, p.column) for p in problems] == [(1, "値"), (1, "備考")]
    assert all(f"「{p.column}」の列の見出しがありません" in p.message for p in problems)


def test_a_repeated_column_is_refused():
    headers = [*COLUMNS, "値"]
    [problem] = problems_of(filled([{"コード": "A-01"}], headers=headers))
    assert problem.column == "値" and "K列、Q列" in problem.message


def test_more_rows_than_allowed_are_refused_before_calamine_reads_them(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 3)
    monkeypatch.setattr(xlsx_safe, "MAX_ROWS", 3)  # the used-range scan stops there too
    monkeypatch.setattr(xlsx_safe.fastexcel, "read_excel", _must_not_parse)
    [problem] = problems_of(filled([{"コード": f"A-{i}"} for i in range(5)]))
    assert "行が多すぎます" in problem.message and "3 行まで" in problem.message


def test_a_cell_far_to_the_right_is_refused_before_calamine_allocates_the_range(monkeypatch):
    monkeypatch.setattr(xlsx_safe.fastexcel, "read_excel", _must_not_parse)
    [problem] = problems_of(filled([{"コード": "A-01"}], extra={"XFD2": "x"}))
    assert "XFD 列まで入力があります" in problem.message


def test_an_input_row_without_a_code_is_refused():
    [problem] = problems_of(filled([{"コード": "A-01"}, {"値": "12", "備考": "追加"}]))
    assert (problem.row, problem.column) == (3, "コード")
    assert "3行目は「コード」が空ですが、「値」「備考」に入力があります" in problem.message


def test_a_repeated_code_is_refused_naming_both_rows():
    [problem] = problems_of(filled([{"コード": "A-01", "値": "1"}, {"コード": "A-02"}, {"コード": " A-01", "値": "2"}]))
    assert (problem.row, problem.column) == (4, "コード")
    assert "4行目の「コード」（A-01）は 2行目と重複しています" in problem.message


def test_every_problem_in_the_sheet_is_reported_at_once():
    data = filled([{"コード": "A-01", "値": Formula("=1+1")}, {"コード": "A-02", "値": datetime(2024, 1, 1)},
                   {"コード": "A-01"}, {"値": "5"}], merges=["B2:C2"])
    problems = problems_of(data)
    assert [(p.row, p.column) for p in problems] == [(2, "柱"), (2, "値"), (3, "値"), (4, "コード"), (5, "コード")]
    refused = WorkbookRefused(problems)
    assert str(refused) == "\n".join(p.message for p in problems)


# ---------------------------------------------------------------------------------------------------------
# refusals of the file itself


def _must_not_parse(*_args, **_kwargs):
    raise AssertionError("the Excel parser must not see this file")


@pytest.mark.parametrize(("data", "fragments"), [
    (b"", ["空です"]),
    ("コード,値\nA-01,36821\n".encode("cp932"), ["Excel ブック（.xlsx）ではありません", "テキスト"]),
    ("\ufeffコード,値\nA-01,36821\n".encode(), ["Excel ブック（.xlsx）ではありません", "テキスト"]),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", ["Excel ブック（.xlsx）ではありません", "PDF"]),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), [".xls", "Excel ブック（*.xlsx）", "保存し直して"]),
    (b"PK\x03\x04" + bytes(100), ["Excel ブック（.xlsx）ではありません"]),
    (zip_of({"word/document.xml": b"<w/>"}), ["Excel ブック（.xlsx）ではありません", "ZIP"]),
])
def test_a_file_that_is_not_an_xlsx_is_refused_by_its_content(data, fragments, monkeypatch):
    monkeypatch.setattr(xlsx_safe.fastexcel, "read_excel", _must_not_parse)
    [problem] = problems_of(data, filename="入力.xlsx")
    assert (problem.row, problem.column) == (None, None)
    assert "ファイル「入力.xlsx」は" in problem.message
    for fragment in fragments:
        assert fragment in problem.message


def test_an_upload_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx_safe.fastexcel, "read_excel", _must_not_parse)
    data = template() + bytes(MAX_UPLOAD_BYTES)
    [problem] = problems_of(data)
    assert "大きすぎます" in problem.message and "10 MB まで" in problem.message


def test_a_zip_bomb_is_refused_before_anything_is_parsed(monkeypatch):
    monkeypatch.setattr(xlsx_safe.fastexcel, "read_excel", _must_not_parse)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, content in members(template()).items():
            zf.writestr(name, content)
        with zf.open("xl/media/padding.bin", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    data = buf.getvalue()
    assert len(data) < 1024 * 1024
    [problem] = problems_of(data)
    assert "展開すると大きすぎます" in problem.message and "200 MB" in problem.message


def test_a_damaged_member_is_refused_as_a_broken_workbook():
    files = members(template())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    data = bytearray(buf.getvalue())
    at = data.index(b"A-01</t>") if b"A-01</t>" in data else data.index(b"<sheetData>")
    data[at] ^= 0x01  # the CRC no longer matches
    [problem] = problems_of(bytes(data))
    assert "壊れている" in problem.message


def test_an_xml_part_with_a_dtd_is_refused_without_expanding_it(monkeypatch):
    monkeypatch.setattr(xlsx_safe.fastexcel, "read_excel", _must_not_parse)
    files = members(template())
    laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    files["xl/worksheets/sheet1.xml"] = laughs + files["xl/worksheets/sheet1.xml"].split(b"?>", 1)[1]
    [problem] = problems_of(zip_of(files))
    assert "壊れている" in problem.message


def test_refusal_messages_are_sentences_not_reprs():
    problems = problems_of(b"PK\x03\x04" + bytes(10), filename="ke\x00y\u202e.xlsx")
    assert "\x00" not in problems[0].message and "\u202e" not in problems[0].message
    assert "Traceback" not in str(WorkbookRefused(problems)) and "Error" not in str(WorkbookRefused(problems))


def _with_hidden_input_sheet(visible_name: str | None) -> bytes:
    """A hidden sheet 入力 holding a decoy row first, then (when named) the visible sheet the person filled in."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    hidden = wb.add_worksheet(SHEET)
    for col, name in enumerate(COLUMNS):
        hidden.write_string(0, col, name)
    hidden.write_string(1, 0, "DECOY-1")
    hidden.write_string(1, COLUMNS.index("値"), "999")
    if visible_name is not None:
        shown = wb.add_worksheet(visible_name)
        for col, name in enumerate(COLUMNS):
            shown.write_string(0, col, name)
        shown.write_string(1, 0, "A-01")
        shown.write_string(1, COLUMNS.index("値"), "12")
        shown.activate()
        hidden.hide()
    else:
        wb.add_worksheet("メモ").activate()
        hidden.hide()
    wb.close()
    return buf.getvalue()


def test_a_hidden_input_sheet_is_never_read_in_place_of_the_visible_one():
    [row] = read_department_workbook(_with_hidden_input_sheet(f"{SHEET} "))
    assert (row.code, row.value) == ("A-01", "12")


def test_a_workbook_whose_only_input_sheet_is_hidden_is_refused_saying_so():
    [problem] = problems_of(_with_hidden_input_sheet(None))
    assert "シート「入力」が非表示になっています" in problem.message

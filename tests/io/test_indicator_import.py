"""Indicator list files: .xlsx and CSV (UTF-8, BOM, Shift_JIS) told apart by content, Excel row numbers, refusals."""
from __future__ import annotations

import io

import fastexcel
import pytest
import xlsxwriter

from kpi.io.indicator_import import (
    COLUMNS, EXAMPLES, INSTRUCTIONS, MAX_UPLOAD_BYTES, REQUIRED, SHEET, read_indicator_file, write_indicator_template,
)
from kpi.io.workbook import WorkbookRefused

HEADER = ["柱", "項目", "指標名", "単位", "担当課", "現状（基準値）", "目標", "出典"]
ROWS = [
    ["2 個別施策", "3", "県内のDX推進企業数", "社", "KEIZAI", "710社 (2022年度)", "720社 (2027年度)", "経済政策課調べ"],
    ["2", "3", "森林クラウドを利用する団体数", "団体", "SHINRIN", "-", "県・52市町村・13林業事業体", ""],
]


def xlsx(rows: list[list[str]], *, sheet: str = SHEET, start_row: int = 0, extra_sheets=()) -> bytes:
    """A real .xlsx written by xlsxwriter; rows start at the 0-based start_row."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    for name in extra_sheets:
        wb.add_worksheet(name).write_string(0, 0, "メモ")
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows, start=start_row):
        for c, value in enumerate(row):
            if isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            elif value:
                ws.write_string(r, c, value)
    wb.close()
    return buf.getvalue()


def csv_text(rows: list[list[str]]) -> str:
    return "\r\n".join(",".join(f'"{v}"' if "," in v else v for v in row) for row in rows) + "\r\n"


def refusal(data: bytes, filename: str | None = "list.xlsx") -> WorkbookRefused:
    with pytest.raises(WorkbookRefused) as caught:
        read_indicator_file(data, filename=filename)
    return caught.value


def test_xlsx_rows_come_back_as_typed_with_excel_row_numbers():
    rows = read_indicator_file(xlsx([HEADER, *ROWS]))
    assert [r.row_no for r in rows] == [2, 3]
    assert rows[0].get("現状（基準値）") == "710社 (2022年度)"
    assert rows[1].get("目標") == "県・52市町村・13林業事業体"
    assert rows[0].get("定義") == ""  # a column the file does not have reads as empty


def test_a_title_above_the_header_and_empty_rows_keep_the_row_numbers_excel_shows():
    data = xlsx([["成果指標一覧（令和5年度改定）"], [], HEADER, ROWS[0], [], ROWS[1]])
    rows = read_indicator_file(data)
    assert [r.row_no for r in rows] == [4, 6]


def test_number_cells_read_as_their_digits():
    data = xlsx([HEADER, ["2", 3, "指標", "件", "JOHO", 1200, 1500, ""]])
    row = read_indicator_file(data)[0]
    assert (row.get("項目"), row.get("現状（基準値）"), row.get("目標")) == ("3", "1200", "1500")


def test_planning_document_headers_are_accepted_with_full_width_and_spaces():
    header = ["柱", "施策", "成果指標", "単位", "所管課", "現状値", "目標値", "データ出典"]
    rows = read_indicator_file(xlsx([header, ROWS[0]]))
    assert rows[0].get("指標名") == "県内のDX推進企業数" and rows[0].get("担当課") == "KEIZAI"
    header = ["柱", "項目", "指標名", "単位", "担当課", "現状 (基準値)", "目　標", "出典"]
    assert read_indicator_file(xlsx([header, ROWS[0]]))[0].get("目標") == "720社 (2027年度)"


def test_the_list_sheet_is_found_among_other_sheets():
    rows = read_indicator_file(xlsx([HEADER, *ROWS], extra_sheets=("表紙",)))
    assert len(rows) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_utf8_with_or_without_bom_and_in_shift_jis(encoding):
    data = csv_text([HEADER, *ROWS]).encode(encoding)
    rows = read_indicator_file(data, filename="list.csv")
    assert [r.row_no for r in rows] == [2, 3]
    assert rows[0].get("指標名") == "県内のDX推進企業数"
    assert rows[0].get("現状（基準値）") == "710社 (2022年度)"


def test_tab_separated_text_is_read_too():
    data = "\r\n".join("\t".join(r) for r in [HEADER, *ROWS]).encode("cp932")
    assert read_indicator_file(data, filename="list.txt")[1].get("担当課") == "SHINRIN"


def test_content_decides_not_the_extension():
    assert len(read_indicator_file(xlsx([HEADER, *ROWS]), filename="list.csv")) == 2
    assert len(read_indicator_file(csv_text([HEADER, *ROWS]).encode(), filename="list.xlsx")) == 2


@pytest.mark.parametrize(("data", "words"), [
    (b"", "空です"),
    (b"%PDF-1.7\n...", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    (b"\xff\xfe" + "柱,項目".encode("utf-16-le"), "UTF-16"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "CSV"),
    (b"abc\x82\xa0\x81", "文字コード"),
])
def test_files_that_are_not_an_indicator_list_are_refused_saying_what_they_are(data, words):
    message = str(refusal(data))
    assert words in message
    assert "Traceback" not in message


def test_oversized_upload_is_refused_before_parsing():
    assert "MB" in str(refusal(b"a" * (MAX_UPLOAD_BYTES + 1), filename="big.csv"))


def test_zip_that_is_not_a_workbook_is_refused():
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "Excel" in str(refusal(buf.getvalue()))


def test_missing_required_columns_are_each_named_with_the_header_row():
    problems = refusal(xlsx([["柱", "指標名", "目標"], ["1", "x", "1件"]])).problems
    assert {(p.row, p.column) for p in problems} == {(1, "項目"), (1, "担当課")}


def test_a_file_without_a_header_row_is_refused():
    assert "見出し" in str(refusal(xlsx([["a", "b"], ["1", "2"]])))


def test_csv_row_shifted_by_an_unquoted_comma_is_refused_naming_the_row():
    text = csv_text([HEADER, ROWS[0]]) + "2,3,相談件数,件,JOHO,1,200件,増加を目指す,\r\n"
    problems = refusal(text.encode("utf-8"), filename="list.csv").problems
    assert [p.row for p in problems] == [3]
    assert "「\"」で囲んで" in problems[0].message


def test_header_only_file_says_there_are_no_rows():
    assert "指標の行がありません" in str(refusal(xlsx([HEADER])))


def test_template_has_the_documented_columns_examples_and_instructions():
    data = write_indicator_template()
    reader = fastexcel.read_excel(data)
    assert reader.sheet_names == [SHEET, EXAMPLES, INSTRUCTIONS]
    header = reader.load_sheet(SHEET, header_row=None, dtypes="string").to_polars().rows()[0]
    assert list(header) == list(COLUMNS)
    notes = "\n".join(str(v) for row in reader.load_sheet(INSTRUCTIONS, header_row=None, dtypes="string")
                      .to_polars().rows() for v in row if v)
    for column in COLUMNS:
        assert column in notes
    for form in ("710社 (2022年度)", "増加を目指します", "85%以上", "県・52市町村・13林業事業体", "定性"):
        assert form in notes
    examples = reader.load_sheet(EXAMPLES, header_row=None, dtypes="string").to_polars().rows()
    assert len(examples) > 3 and all(examples[i][COLUMNS.index(c)] for i in range(1, len(examples)) for c in REQUIRED)
    # the empty list sheet of the template is refused as having no rows, never half read
    assert "指標の行がありません" in str(refusal(data))


def test_a_percentage_typed_into_a_number_cell_reads_as_excel_shows_it():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(SHEET)
    percent = wb.add_format({"num_format": "0.0%"})
    for c, h in enumerate(HEADER):
        ws.write_string(0, c, h)
    for c, v in enumerate(["1", "1", "オンライン申請の割合", "", "JOHO"]):
        ws.write_string(1, c, v)
    ws.write_number(1, 5, 0.625, percent)  # Excel stores 62.5% as 0.625
    ws.write_number(1, 6, 0.85, percent)
    ws.write_number(1, 7, 0.85)  # the same number without a percent format stays 0.85
    wb.close()
    row = read_indicator_file(buf.getvalue())[0]
    assert (row.get("現状（基準値）"), row.get("目標"), row.get("出典")) == ("62.5%", "85%", "0.85")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=400),
                 st.text(alphabet="柱項目指標名担当課現状目標,\t\r\n\"-0123456789社%（）()・", max_size=200)
                 .map(lambda t: ("柱,項目,指標名,担当課,目標\r\n" + t).encode("cp932", "replace"))))
def test_any_upload_is_read_or_refused_never_an_uncaught_exception(data):
    try:
        rows = read_indicator_file(data, filename="x")
    except WorkbookRefused as refused:
        assert refused.problems and all(p.message for p in refused.problems)
    else:
        assert all(r.row_no >= 2 for r in rows)

"""Uploads are size-limited and recognised by their content, never by their name."""
from __future__ import annotations

import io

import pytest
import xlsxwriter

from kpi.io import indicator_import, workbook
from kpi.io.workbook import COLUMNS, SHEET, WorkbookRefused, read_department_workbook


def _department_workbook() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(SHEET)
    for c, h in enumerate(COLUMNS):
        ws.write_string(0, c, h)
    ws.write_string(1, 0, "P1-1-01")
    ws.write_string(1, COLUMNS.index("値"), "36,821")
    wb.close()
    return buf.getvalue()


@pytest.mark.parametrize("filename", ["入力.xlsx", "入力.csv", "入力.txt", "入力", None])
def test_a_real_workbook_is_read_whatever_its_name(filename):
    rows = read_department_workbook(_department_workbook(), filename=filename)
    assert [(r.code, r.value) for r in rows] == [("P1-1-01", "36,821")]


@pytest.mark.parametrize("data, says", [
    ("コード,値\r\nP1-1-01,1\r\n".encode("cp932"), "CSV などのテキストファイル"),
    (b"%PDF-1.4\n", "PDF"),
    (b"MZ\x90\x00\x03" + bytes(200), "Excel ブック（.xlsx）ではありません"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ".xls"),
])
def test_a_file_named_xlsx_is_refused_by_what_it_contains(data, says):
    with pytest.raises(WorkbookRefused) as refused:
        read_department_workbook(data, filename="入力.xlsx")
    assert says in str(refused.value)


def test_uploads_over_the_limit_are_refused_before_parsing():
    with pytest.raises(WorkbookRefused, match="大きすぎます"):
        read_department_workbook(b"PK\x03\x04" + bytes(workbook.MAX_UPLOAD_BYTES), filename="入力.xlsx")
    with pytest.raises(WorkbookRefused, match="大きすぎ"):
        indicator_import.read_indicator_file(b"a" * (indicator_import.MAX_UPLOAD_BYTES + 1), filename="list.csv")


def test_the_indicator_list_reader_also_goes_by_content():
    template = indicator_import.write_indicator_template()
    # the template renamed .csv is still read as a workbook (its example rows may be refused, but as xlsx content)
    try:
        indicator_import.read_indicator_file(template, filename="list.csv")
    except WorkbookRefused as refused:  # the empty template: no rows, said as a workbook would be
        assert "指標の行がありません" in str(refused) and "文字コード" not in str(refused)
    with pytest.raises(WorkbookRefused):
        indicator_import.read_indicator_file(b"%PDF-1.4\n", filename="list.xlsx")


def _png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("content, says", [
    (_png_header(20_000, 10_000), "画素数が大きすぎます"),  # 100 bytes declaring 200 million pixels
    ("コード,値\n".encode(), "PNGまたはJPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "読み取れません"),
])
def test_photo_uploads_are_checked_by_content_and_refused_in_japanese(content, says):
    from kpi.domain.initiatives import PhotoRefused
    from kpi.services.initiatives import PhotoUpload, checked_photo

    with pytest.raises(PhotoRefused, match=says):
        checked_photo(PhotoUpload("写真.png", content, "説明"))

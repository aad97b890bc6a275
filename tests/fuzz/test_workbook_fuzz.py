"""The workbook importer under random and hostile files: every file is read or refused with Japanese reasons
naming the row and column; only WorkbookRefused ever leaves the reader; a refused upload lands nothing."""
from __future__ import annotations

import io
import shutil
import struct
import time
import zipfile

import pytest
import xlsxwriter
from hypothesis import given

from kpi.domain.workflow import Role
from kpi.io.workbook import COLUMNS, MAX_ROWS, SHEET, WorkbookRefused, read_department_workbook
from kpi.services import intake
from kpi.services.actors import Actor
from tests.fuzz import tally
from tests.fuzz.texts import is_japanese_sentence
from tests.fuzz.warehouse_state import snapshot, stored_batch
from tests.fuzz.workbooks import damaged, workbooks

EDITOR1 = Actor("editor1", "入力担当1", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))


def _read(data: bytes, name: str, filename: str = "入力.xlsx"):
    """The reader's answer: rows, or the refusal's problems (anything else is a bug and propagates)."""
    try:
        rows = read_department_workbook(data, filename=filename)
    except WorkbookRefused as refused:
        tally.ran(name, refused=True)
        assert refused.problems
        for p in refused.problems:
            assert is_japanese_sentence(p.message), p
            assert p.row is None or p.row >= 1
            assert p.column is None or p.column in COLUMNS, p
        return refused.problems
    tally.ran(name)
    for r in rows:
        assert r.row_no >= 2 and r.code.strip()
    assert len({r.code for r in rows}) == len(rows)
    return rows


@tally.fuzz_settings(max_examples=40)
@given(data=workbooks())
def test_random_workbooks_are_read_or_refused_in_japanese(data):
    _read(data, "workbook.random")


@tally.fuzz_settings(max_examples=40)
@given(data=damaged(workbooks()))
def test_damaged_workbooks_are_refused_in_japanese(data):
    _read(data, "workbook.damaged")


def _sheet_only(rows: int, *, value: str = "1") -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": False, "constant_memory": True, "tmpdir": None,
                                   "strings_to_formulas": False})
    ws = wb.add_worksheet(SHEET)
    for c, h in enumerate(COLUMNS):
        ws.write_string(0, c, h)
    value_col = COLUMNS.index("値")
    for r in range(1, rows + 1):
        ws.write_string(r, 0, f"C{r:06d}")
        ws.write_string(r, value_col, value)
    wb.close()
    return buf.getvalue()


def test_a_hundred_thousand_rows_are_read_and_one_more_is_refused():
    started = time.monotonic()
    rows = _read(_sheet_only(MAX_ROWS), "workbook.100000_rows")
    took = time.monotonic() - started
    assert len(rows) == MAX_ROWS and rows[-1].row_no == MAX_ROWS + 1 and rows[-1].value == "1"
    problems = _read(_sheet_only(MAX_ROWS + 1), "workbook.100001_rows")
    assert "行が多すぎます" in problems[0].message
    print(f"\n100,000-row workbook read in {took:.1f} s")


def _zip(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return out.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _lying_sizes(data: bytes) -> bytes:
    """Every central-directory and local header claims 100 bytes uncompressed, whatever the member holds."""
    out = bytearray(data)
    for sig, at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        i = out.find(sig)
        while i != -1:
            struct.pack_into("<I", out, i + at, 100)
            i = out.find(sig, i + 4)
    return bytes(out)


def _bomb() -> bytes:
    files = _members(_sheet_only(3))
    sheet = files["xl/worksheets/sheet1.xml"]
    files["xl/worksheets/sheet1.xml"] = sheet.replace(b"</worksheet>", b"<!--" + b"0" * 150_000_000 + b"--></worksheet>")
    return _zip(files)


CASES = {
    "csv-renamed-xlsx": ("コード,値\r\nP1-1-01,12\r\n".encode("cp932"), "ではありません"),
    "utf8-csv-renamed": ("\ufeffコード,値\nP1-1-01,=1+1\n".encode("utf-8"), "ではありません"),
    "pdf-renamed": (b"%PDF-1.7\n...", "PDF"),
    "xls-ole2": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
    "empty": (b"", "空です"),
    "random-zip": (_zip({"hello.txt": b"hi"}), "Excel ブック以外"),
    "truncated": (_sheet_only(3)[:700], "ではありません"),
    "over-10MB": (b"PK\x03\x04" + b"\x00" * (10 * 1024 * 1024 + 1), "大きすぎます"),
    "no-input-sheet": (None, "見つかりません"),
    "lying-sizes": (None, "壊れている"),
    "zip-bomb": (None, "展開すると大きすぎます"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_files_are_refused_by_content_with_a_reason(case):
    data, expected = CASES[case]
    if case == "no-input-sheet":
        files = _members(_sheet_only(2))  # katakana カ, not 力: the sheet name looks the same
        files["xl/workbook.xml"] = files["xl/workbook.xml"].replace(SHEET.encode(), "入カ".encode())
        data = _zip(files)
    elif case == "lying-sizes":
        data = _lying_sizes(_sheet_only(3))
    elif case == "zip-bomb":
        data = _bomb()
        assert len(data) < 1024 * 1024  # under the upload limit: only the uncompressed size gives it away
    started = time.monotonic()
    problems = _read(data, "workbook.hostile_files")
    assert time.monotonic() - started < 10
    assert isinstance(problems, list) and problems and not hasattr(problems[0], "code"), problems
    assert any(expected in p.message for p in problems), problems


@pytest.fixture(scope="module")
def fuzz_db(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz_workbook") / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    return path


@tally.fuzz_settings(max_examples=12)
@given(data=damaged(workbooks()))
def test_a_refused_upload_lands_nothing_and_keeps_the_file(fuzz_db, data):
    before = snapshot(fuzz_db)
    batch_id = intake.receive(EDITOR1, 2022, "GYOKAKU", None, source="workbook", filename="入力.xlsx",
                              raw_bytes=data, db=fuzz_db)
    report = intake.process(batch_id, db=fuzz_db)
    after = snapshot(fuzz_db)
    kept = stored_batch(fuzz_db, batch_id)
    assert bytes(kept["raw_bytes"]) == data and kept["status"] == report.status
    for f in report.findings:
        assert is_japanese_sentence(f.message), f
    if report.status == "refused":
        tally.ran("workbook.intake", refused=True)
        assert (after["values"], after["parts"], after["audit"]) == (before["values"], before["parts"], before["audit"])
    else:
        tally.ran("workbook.intake")
        assert after["audit"][0] == before["audit"][0] + report.saved

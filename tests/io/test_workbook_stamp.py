"""The download stamp: a department workbook says whose sheet it is and how each row was when it was downloaded."""
from __future__ import annotations

import io
import zipfile

from kpi.io.workbook import TemplateRow, read_department_workbook, write_department_workbook
from kpi.io.workbook_stamp import Stamp, fingerprint, properties, read_stamp


def stamped(stamp: Stamp | None) -> bytes:
    rows = [TemplateRow(code="A-01", pillar="1", item="①", name="指標", unit="件", baseline="1", target="2",
                        last_year="—", state="下書き", returned_comment="", value="5件", kind="実績値")]
    return write_department_workbook(title="t", department="課", cycle_label="令和4年度", rows=rows,
                                     reason_categories=["その他"], properties=properties(stamp) if stamp else [])


def test_the_stamp_written_with_the_template_is_read_back_with_versions_and_fingerprints():
    stamp = Stamp("JOHO", 2022, {"A-01": (3, fingerprint(["5件", "実績値", "", "", "", ""])), "A-02": (None, "ab")})
    data = stamped(stamp)
    assert read_stamp(data) == stamp
    assert read_department_workbook(data)[0].value == "5件"  # the sheet reads as before


def test_a_workbook_without_a_stamp_has_none():
    assert read_stamp(stamped(None)) is None


def test_a_stamp_declaring_a_dtd_is_ignored():
    data = stamped(Stamp("JOHO", 2022, {}))
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/custom.xml":
                body = body.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e "JOHO">]>', 1)
            dst.writestr(info, body)
    assert read_stamp(out.getvalue()) is None


def test_the_fingerprint_ignores_spaces_around_texts_but_not_the_texts():
    assert fingerprint([" 5件 ", "実績値"]) == fingerprint(["5件", "実績値"])
    assert fingerprint(["5件", "実績値"]) != fingerprint(["6件", "実績値"])

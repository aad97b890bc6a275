"""Editing a downloaded department workbook as a person would in Excel: replace cells of sheet 入力 by code and column."""
from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

from kpi.io.workbook import COLUMNS, read_department_workbook


def set_cells(xlsx: bytes, changes: dict[tuple[str, str], str]) -> bytes:
    """The workbook with cells of sheet 入力 replaced by inline strings: {(code, column header): text}."""
    rows = {r.code: r.row_no for r in read_department_workbook(xlsx)}
    refs = {f"{chr(65 + COLUMNS.index(col))}{rows[code]}": text for (code, col), text in changes.items()}
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in refs.items():
                    cell = re.compile(rf'<c r="{ref}"( s="\d+")?( t="s")?(/>|>.*?</c>)')
                    assert cell.search(text), ref
                    text = cell.sub(lambda m: f'<c r="{ref}"{m.group(1) or ""} t="inlineStr"><is><t>{escape(value)}'
                                              f'</t></is></c>', text, count=1)
                data = text.encode()
            dst.writestr(info, data)
    return out.getvalue()

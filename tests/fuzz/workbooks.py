"""Random department workbooks, built with xlsxwriter as a person's Excel (or a broken tool) might save them."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

import xlsxwriter
from hypothesis import strategies as st

from kpi.io.workbook import COLUMNS, SHEET
from tests.fuzz.texts import adversarial_utf8

_XML_OK = lambda t: all(ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD  # noqa: E731
                        or ord(ch) >= 0x10000 for ch in t)

#: one cell: text, a number, a date, a boolean, a formula or nothing
cell = st.one_of(
    st.none(),
    adversarial_utf8.filter(_XML_OK),
    st.sampled_from(["P1-1-01", "P1-1-02", "P1-1-04", "12,345", "実績値", "令和4年度", "A"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
    st.sampled_from(["=1+1", "=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "=A1"]).map(lambda f: ("formula", f)),
)


@st.composite
def headers(draw) -> list[str]:
    cols = list(COLUMNS)
    change = draw(st.sampled_from(["same", "drop", "extra", "shuffle", "duplicate", "rename", "none"]))
    if change == "drop":
        del cols[draw(st.integers(0, len(cols) - 1))]
    elif change == "extra":
        cols.insert(draw(st.integers(0, len(cols))), draw(st.sampled_from(["メモ", "値", "", "備考2"])))
    elif change == "shuffle":
        cols = draw(st.permutations(cols))
    elif change == "duplicate":
        cols.append(draw(st.sampled_from(cols)))
    elif change == "rename":
        cols[draw(st.integers(0, len(cols) - 1))] = draw(adversarial_utf8.filter(_XML_OK))
    elif change == "none":
        cols = []
    return cols


@st.composite
def workbooks(draw) -> bytes:
    """A random workbook: sheet names, header changes, rows of random cells, merged ranges, a far-away cell."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    # a fixed creation time: the same draws give the same bytes (hypothesis replays a case and must get it again)
    wb.set_properties({"created": datetime(2026, 1, 1)})
    sheet = draw(st.sampled_from([SHEET, SHEET, SHEET, " 入力 ", "Sheet1", "入力 (2)", "記入方法"]))
    ws = wb.add_worksheet(sheet)
    if draw(st.booleans()):
        wb.add_worksheet("メモ" if sheet != "メモ" else "メモ2")
    date = wb.add_format({"num_format": "yyyy/m/d"})
    percent = wb.add_format({"num_format": "0.0%"})
    first = draw(st.integers(0, 3))
    for c, h in enumerate(draw(headers())):
        ws.write_string(first, c, h)
    width = len(COLUMNS) + 2
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width), max_size=8))
    for r, cells in enumerate(rows, start=first + 1):
        for c, v in enumerate(cells):
            if v is None:
                continue
            if isinstance(v, tuple):
                ws.write_formula(r, c, v[1], None, 0)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v, percent if c % 3 == 0 else None)
            elif isinstance(v, datetime):
                ws.write_datetime(r, c, v, date)
            else:
                ws.write_string(r, c, v)
    for _ in range(draw(st.integers(0, 2))):
        r0, c0 = draw(st.integers(0, first + 6)), draw(st.integers(0, width))
        try:
            ws.merge_range(r0, c0, r0 + draw(st.integers(0, 2)), c0 + draw(st.integers(1, 2)), "結合")
        except Exception:  # overlapping ranges: xlsxwriter refuses them itself
            pass
    if draw(st.integers(0, 9)) == 0:
        ws.write_string(draw(st.sampled_from([200_000, 1_048_575, 5])), draw(st.sampled_from([3, 60, 16383])), "遠く")
    wb.close()
    return buf.getvalue()


@st.composite
def damaged(draw, source) -> bytes:
    """A workbook cut short, with flipped bytes, or re-zipped with a member missing."""
    data = draw(source)
    how = draw(st.sampled_from(["cut", "flip", "drop-member", "as-is"]))
    if how == "cut":
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(out) - 1))
            out[at] = draw(st.integers(0, 255))
        return bytes(out)
    if how == "drop-member":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            gone = draw(st.sampled_from(names))
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
                for n in names:
                    if n != gone:
                        new.writestr(n, zf.read(n))
        return out.getvalue()
    return data

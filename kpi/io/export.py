"""Sanitized exports: CSV (UTF-8 with BOM, which Excel opens correctly) where no cell can become a formula."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "@", "\t", "\r")
# After a leading "-", what can make a formula do harm: a function call (-SUM(…), -HYPERLINK(…)), a cell or range
# reference (-A1+1, -$B$2), or a DDE / sheet link (|, !), or a quoted string. Plain arithmetic and text such as
# -2+3, -5, "- 項目" or ▲5 stay as typed.
_DASH_FORMULA = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(|\$?[A-Za-z]{1,3}\$?[0-9]|[|!\"]")


def neutralize(value: object) -> object:
    """A string that a spreadsheet would read as a harmful formula gets a leading apostrophe; other values pass."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START) or (value.startswith("-") and _DASH_FORMULA.search(value)):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[dict]) -> bytes:
    """Rows as CSV text, UTF-8 with BOM, every cell neutralized."""
    rows = list(rows)
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\r\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: neutralize("" if v is None else v) for k, v in r.items()})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[dict], sheet: str = "一覧") -> bytes:
    """Rows as an .xlsx sheet; text is always written as text, so no cell can become a formula."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    ws = wb.add_worksheet(sheet[:31])
    head = wb.add_format({"bold": True, "bg_color": "#DCE6F1"})
    if rows:
        for c, key in enumerate(rows[0]):
            ws.write_string(0, c, str(key), head)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row.values()):
                if isinstance(v, bool) or v is None:
                    ws.write_string(r, c, "" if v is None else str(v))
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, str(v))
        ws.autofilter(0, 0, len(rows), len(rows[0]) - 1)
        ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()

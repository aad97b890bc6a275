"""The report workbook (.xlsx): 概要 (band tables), 主な取組 (the approved initiatives, when the report has its
narrative), 全指標 (every figure of every indicator), one sheet per pillar.

Every text goes through `write_string` in a workbook opened with strings_to_formulas/strings_to_urls off, so a
reason typed as "=HYPERLINK(...)", "+1", "-1" or "@x" stays text. Each table starts on row 4 (header) under a
three-line title, the same layout on every sheet: read it back with `read_options={"header_row": 3}`.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

import xlsxwriter

from kpi.domain.bands import BAND_ORDER
from kpi.domain.summary import BandSummary
from kpi.publish.report_data import RECONCILIATION_HEAD, RECONCILIATION_TITLE, Line, ReportData, reconciliation_row

HEADER_ROW = 3
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "in_memory": True}

# (heading, getter, kind, width): kind "text" | "number" | "int"
INDICATOR_COLUMNS: tuple[tuple[str, object, str, int], ...] = (
    ("コード", lambda ln: ln.code, "text", 10),
    ("柱", lambda ln: ln.pillar_no, "int", 5),
    ("柱名", lambda ln: ln.pillar_name, "text", 22),
    ("項目", lambda ln: ln.item_no, "int", 5),
    ("項目名", lambda ln: ln.item_name, "text", 28),
    ("指標名", lambda ln: ln.name, "text", 44),
    ("単位", lambda ln: ln.unit, "text", 8),
    ("担当課", lambda ln: ln.department, "text", 24),
    ("基準値", lambda ln: ln.baseline_text, "text", 14),
    ("基準値（数値）", lambda ln: ln.baseline_value, "number", 12),
    ("基準年度", lambda ln: ln.baseline_fy, "int", 9),
    ("目標値", lambda ln: ln.target_text, "text", 18),
    ("目標値（数値）", lambda ln: ln.target_value, "number", 12),
    ("目標年度", lambda ln: ln.target_fy, "int", 9),
    ("値", lambda ln: ln.value_text, "text", 16),
    ("値（数値）", lambda ln: ln.value_number, "number", 12),
    ("区分", lambda ln: ln.kind_ja, "text", 8),
    ("値の名称", lambda ln: ln.value_label, "text", 16),
    ("時点・期間", lambda ln: ln.period, "text", 12),
    ("達成率（%）", lambda ln: ln.rate_percent, "number", 11),
    ("達成率", lambda ln: ln.rate_text, "text", 12),
    ("達成区分", lambda ln: ln.band_ja, "text", 20),
    ("要因", lambda ln: ln.reason, "text", 60),
    ("要因区分", lambda ln: ln.reason_category_name, "text", 30),
    ("状態", lambda ln: ln.state_ja, "text", 10),
    ("停止理由", lambda ln: ln.stop_reason, "text", 40),
)

BASE_KIND_JA = {"previous_year": "前年", "total": "全体"}
# the 主な取組 sheet: (heading, getter, kind, width)
INITIATIVE_COLUMNS: tuple[tuple[str, object, str, int], ...] = (
    ("分野", lambda i: i.area_label, "text", 26),
    ("取組名", lambda i: i.title, "text", 50),
    ("時期", lambda i: i.period, "text", 12),
    ("内容", lambda i: "\n".join(i.points), "text", 50),
    ("数値の説明", lambda i: i.figure_label, "text", 24),
    ("数値", lambda i: i.figure_value, "number", 12),
    ("単位", lambda i: i.figure_unit, "text", 6),
    ("比較の基準", lambda i: BASE_KIND_JA.get(i.base_kind or "", ""), "text", 10),
    ("基準の数値", lambda i: i.base_value, "number", 12),
    ("比較（自動計算）", lambda i: i.comparison, "text", 14),
    ("継続取組", lambda i: "※継続取組" if i.continued else "", "text", 10),
    ("担当課", lambda i: i.department, "text", 24),
    ("写真", lambda i: "\n".join(p.caption or "（説明なし）" for p in i.photos), "text", 24),
)

SUMMARY_COLUMNS = ("範囲", "指標数", *(f"{b.label_ja}（件数）" for b in BAND_ORDER),
                   *(f"{b.label_ja}（割合%）" for b in BAND_ORDER), "未評価",
                   "判定不能（比較する値が未入力）")


def _sheet_name(text: str, taken: set[str]) -> str:
    """A legal, unique sheet name (≤31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "・", text)[:31]
    name, n = base, 2
    while name in taken:
        name = f"{base[:28]}({n})"
        n += 1
    taken.add(name)
    return name


class _Writer:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_name": "Meiryo"})
        self.text = wb.add_format({"font_name": "Meiryo", "valign": "top", "text_wrap": True})
        self.head = wb.add_format({"bold": True, "bg_color": "#DCE6F2", "border": 1, "font_name": "Meiryo",
                                   "text_wrap": True, "valign": "vcenter"})
        self.num = wb.add_format({"font_name": "Meiryo", "num_format": "#,##0.####", "valign": "top"})
        self.int = wb.add_format({"font_name": "Meiryo", "num_format": "0", "valign": "top"})
        self.pct = wb.add_format({"font_name": "Meiryo", "num_format": "0.0", "valign": "top"})

    def put(self, ws, r: int, c: int, value, kind: str = "text") -> None:
        if value is None or value == "":
            ws.write_blank(r, c, None, self.text)
        elif kind == "text":
            ws.write_string(r, c, str(value), self.text)
        else:
            fmt = {"int": self.int, "pct": self.pct}.get(kind, self.num)
            ws.write_number(r, c, float(value) if isinstance(value, Decimal) else value, fmt)

    def heading(self, ws, data: ReportData, subtitle: str) -> None:
        ws.write_string(0, 0, data.title, self.title)
        basis = "承認済みの値、確定値反映" if data.reconciliation else "承認済みの値"
        ws.write_string(1, 0, f"{subtitle}　{data.publisher}　{data.cycle_caption}　{data.edition_label}　"
                              f"{data.generated_label}（日本時間、{basis}）", self.text)
        if data.interim:
            ws.write_string(2, 0, data.interim_mark, self.title)

    def header(self, ws, names, widths=None) -> None:
        for c, name in enumerate(names):
            ws.write_string(HEADER_ROW, c, name, self.head)
            if widths:
                ws.set_column(c, c, widths[c])
        ws.freeze_panes(HEADER_ROW + 1, 0)


def summary_rows(data: ReportData) -> list[tuple[str, BandSummary]]:
    """The scopes of the 概要 sheet: 全体, each pillar, then each section reporting pillars together."""
    rows = [("全体", data.overall)] + [(p.label, p.summary) for p in data.pillars]
    rows += [(f"計（{s.name}）", s.summary) for s in data.sections if len(s.pillars) > 1]
    return rows


def _summary_sheet(w: _Writer, ws, data: ReportData) -> None:
    w.heading(ws, data, "達成区分別の指標数と割合")
    w.header(ws, SUMMARY_COLUMNS, [30, 8] + [14] * 10 + [8, 14])
    for i, (label, s) in enumerate(summary_rows(data), start=HEADER_ROW + 1):
        w.put(ws, i, 0, label)
        w.put(ws, i, 1, s.total, "int")
        for j, b in enumerate(BAND_ORDER):
            w.put(ws, i, 2 + j, s.counts[b], "int")
            w.put(ws, i, 7 + j, s.percent[b], "pct")
        w.put(ws, i, 12, s.unrated, "int")
        w.put(ws, i, 13, s.undecidable, "int")


def _indicator_sheet(w: _Writer, ws, data: ReportData, lines: tuple[Line, ...] | list[Line], subtitle: str) -> None:
    w.heading(ws, data, subtitle)
    w.header(ws, [c[0] for c in INDICATOR_COLUMNS], [c[3] for c in INDICATOR_COLUMNS])
    for i, ln in enumerate(lines, start=HEADER_ROW + 1):
        for j, (_name, get, kind, _w) in enumerate(INDICATOR_COLUMNS):
            w.put(ws, i, j, get(ln), kind)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(lines), 1), len(INDICATOR_COLUMNS) - 1)


def _initiative_sheet(w: _Writer, ws, data: ReportData) -> None:
    w.heading(ws, data, "主な取組（承認済み）")
    w.header(ws, [c[0] for c in INITIATIVE_COLUMNS], [c[3] for c in INITIATIVE_COLUMNS])
    rows = data.narrative.initiatives
    for i, item in enumerate(rows, start=HEADER_ROW + 1):
        for j, (_name, get, kind, _w) in enumerate(INITIATIVE_COLUMNS):
            w.put(ws, i, j, get(item), kind)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(rows), 1), len(INITIATIVE_COLUMNS) - 1)


def _reconciliation_sheet(w: _Writer, ws, data: ReportData) -> None:
    w.heading(ws, data, f"{RECONCILIATION_TITLE}（★: 達成区分が変わった指標）")
    w.header(ws, RECONCILIATION_HEAD, [40, 24, 16, 24, 40, 36])
    for i, r in enumerate(data.reconciliation, start=HEADER_ROW + 1):
        for j, text in enumerate(reconciliation_row(r)):
            w.put(ws, i, j, text)


def write_report_workbook(data: ReportData) -> bytes:
    """The workbook as .xlsx bytes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    wb.set_properties({"title": data.title, "author": data.publisher, "company": data.publisher,
                       "comments": f"{data.edition_label} {data.generated_label}"})
    w = _Writer(wb)
    taken: set[str] = set()
    _summary_sheet(w, wb.add_worksheet(_sheet_name("概要", taken)), data)
    if data.reconciliation:
        _reconciliation_sheet(w, wb.add_worksheet(_sheet_name(RECONCILIATION_TITLE, taken)), data)
    if data.narrative is not None:
        _initiative_sheet(w, wb.add_worksheet(_sheet_name("主な取組", taken)), data)
    _indicator_sheet(w, wb.add_worksheet(_sheet_name("全指標", taken)), data, data.lines, "全指標")
    for p in data.pillars:
        lines = [ln for ln in data.lines if ln.pillar_no == p.no]
        _indicator_sheet(w, wb.add_worksheet(_sheet_name(p.label, taken)), data, lines, p.label)
    wb.close()
    return buf.getvalue()

"""The progress report as a PDF (A4 landscape, fpdf2) with the deck's tables and lists, and, when the report has
its narrative, the deck's 主な取組, outline and conclusions pages in the same order.

Font: fpdf2 2.8 embeds (subsets) one face of an OpenType collection, so Debian's NotoSansCJK-Regular.ttc and
-Bold.ttc are used as they are, face 0 = Noto Sans CJK JP (found by kpi.publish.fonts). Without any CJK font the
writer stops with PdfFontMissing instead of producing a PDF of empty boxes. Japanese has no spaces, so every
multi-line text wraps by character (WrapMode.CHAR).
"""
from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from kpi.domain.bands import BAND_ORDER
from kpi.io import photos as photos_io
from kpi.publish.charts import band_chart, chart_png
from kpi.publish.fonts import cjk_bold, cjk_regular
from kpi.publish.report_data import (RECONCILIATION_HEAD, RECONCILIATION_TITLE, Line, ReportData, Section,
                                     reconciliation_row)

FONT = "NotoSansJP"
INK = (31, 41, 55)
MUTED = (75, 85, 99)
ACCENT = (11, 79, 138)
HEAD_FILL = (220, 230, 242)


class PdfFontMissing(RuntimeError):
    """No Japanese font is installed; str() is Japanese and says what to install."""


class _Pdf(FPDF):
    def __init__(self, data: ReportData):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.data = data
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(True, margin=16)

    def header(self) -> None:
        if self.data.interim:  # every page of a 速報（中間）版 says so, with its coverage
            self.set_y(5)
            self.set_font(FONT, "B", 9)
            self.set_text_color(192, 0, 0)
            self.cell(0, 5, self.data.interim_mark, align="R")
            self.set_text_color(*INK)
            self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.data.footer, new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="R")
        self.set_text_color(*INK)


def _fonts(pdf: FPDF) -> None:
    regular, bold = cjk_regular(), cjk_bold()
    if regular is None:
        raise PdfFontMissing("PDFの作成に必要な日本語フォント（Noto Sans CJK JP）が見つかりません。"
                             "サーバーに fonts-noto-cjk をインストールするか、KPI_CJK_FONT_DIR にフォントのある"
                             "フォルダを指定してください。")
    bold = bold or regular
    pdf.add_font(FONT, "", str(regular.path), collection_font_number=regular.index)
    pdf.add_font(FONT, "B", str(bold.path), collection_font_number=bold.index)


def _title(pdf: FPDF, text: str, size: float = 16) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, size * 0.55, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*ACCENT)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.ln(4)
    pdf.set_text_color(*INK)


def _text(pdf: FPDF, text: str, size: float = 10, *, bold: bool = False, indent: float = 0,
          colour=INK, gap: float = 1) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*colour)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, size * 0.5, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)
    pdf.set_text_color(*INK)


def _band_table(pdf: FPDF, first: str, rows: list[list[str]]) -> None:
    """Header, one row per scope; the last row (shares) in bold."""
    pdf.set_font(FONT, "", 10)
    head = [first, *(b.label_ja for b in BAND_ORDER)]
    widths = (70, 34, 34, 34, 34, 50) if len(head) == 6 else None
    with pdf.table(col_widths=widths, text_align=("LEFT", "CENTER", "CENTER", "CENTER", "CENTER", "CENTER"),
                   line_height=6, wrapmode=WrapMode.CHAR, headings_style=FontFace(emphasis="BOLD",
                                                                                   fill_color=HEAD_FILL),
                   width=pdf.epw) as table:
        table.row(head)
        for i, r in enumerate(rows):
            style = FontFace(emphasis="BOLD", fill_color=(255, 244, 214)) if i == len(rows) - 1 else None
            table.row(r, style=style)
    pdf.ln(4)


def _overview(pdf: _Pdf, data: ReportData) -> None:
    _title(pdf, f"{data.strategy_name}の進捗状況（概要）")
    _text(pdf, f"{data.cycle_label} 成果指標・数値目標の達成状況", 12, bold=True)
    _text(pdf, "■ " + data.overall_lead, 10, gap=3)
    rows = [[f"{p.label}（計{p.summary.total}指標）", *(str(p.summary.counts[b]) for b in BAND_ORDER)]
            for p in data.pillars]
    rows.append([f"割合（計{data.overall.total}指標）", *(f"{data.overall.percent[b]}%" for b in BAND_ORDER)])
    _band_table(pdf, "項目・指標", rows)
    pairs = [("全体", data.overall)] + [(p.label, p.summary) for p in data.pillars]
    png = chart_png(band_chart(pairs, width=620, font_size=14, bar_height=46))
    pdf.image(io.BytesIO(png), x=pdf.l_margin + 20, w=pdf.epw - 40)


def _height(pdf: FPDF, text: str, size: float, bold: bool, indent: float = 0) -> float:
    pdf.set_font(FONT, "B" if bold else "", size)
    return pdf.multi_cell(pdf.epw - indent, size * 0.5, text, wrapmode=WrapMode.CHAR, dry_run=True,
                          output="HEIGHT")


def _keep(pdf: FPDF, height: float) -> None:
    """Start a new page unless `height` more millimetres fit on this one (keeps an item with its reason)."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _item(pdf: FPDF, ln: Line, extra: str | None, heading: str | None = None) -> None:
    head = f"◆ {ln.name}（{ln.figures}）"
    need = _height(pdf, head, 10, True) + (_height(pdf, extra, 9, False, 6) + 2 if extra else 0)
    if heading:
        need += _height(pdf, heading, 11, True) + 1
    if need < pdf.eph:
        _keep(pdf, need)
    if heading:
        _text(pdf, heading, 11, bold=True)
    _text(pdf, head, 10, bold=True, gap=0.5)
    if extra:
        _text(pdf, extra, 9, indent=6, colour=MUTED, gap=1.5)


def _section(pdf: _Pdf, data: ReportData, s: Section) -> None:
    pdf.add_page()
    _title(pdf, f"{data.strategy_name}の進捗状況（各項目）")
    _text(pdf, s.heading, 13, bold=True)
    for it in s.items:
        _text(pdf, it, 10, gap=0.3)
    pdf.ln(2)
    many = len(s.pillars) > 1
    rows = [[f"{p.name}・計{p.summary.total}指標" if many else f"計{p.summary.total}指標",
             *(str(p.summary.counts[b]) for b in BAND_ORDER)] for p in s.pillars]
    rows.append([f"割合（計{s.summary.total}指標）", *(f"{s.summary.percent[b]}%" for b in BAND_ORDER)])
    _band_table(pdf, "項目・指標", rows)
    if s.achieved:
        _keep(pdf, 28)  # a heading never ends a page
        _text(pdf, "達成（見込）となる指標", 12, bold=True, colour=ACCENT)
        _text(pdf, s.achieved_lead, 10)
        for ln in s.achieved:
            _item(pdf, ln, None)
        pdf.ln(2)
    if s.unachieved:
        _keep(pdf, 28)  # a heading never ends a page
        _text(pdf, "未達成（見込）となる指標", 12, bold=True, colour=ACCENT)
        for g in s.unachieved:
            for i, ln in enumerate(g.lines):
                _item(pdf, ln, ln.reason or "（要因の記載なし）", f"■ {g.heading}" if i == 0 else None)
        pdf.ln(2)
    if s.stopped:
        _keep(pdf, 28)  # a heading never ends a page
        _text(pdf, "進捗管理を停止している指標", 12, bold=True, colour=ACCENT)
        for ln in s.stopped:
            _item(pdf, ln, ln.stop_reason)
    if s.unrated:
        _keep(pdf, 28)  # a heading never ends a page
        _text(pdf, "達成率を算出できない指標", 12, bold=True, colour=ACCENT)
        for ln in s.unrated:
            _item(pdf, ln, ln.rate_text)
    if s.undecidable:
        _keep(pdf, 28)  # a heading never ends a page
        _text(pdf, "判定不能（比較する値が未入力）の指標", 12, bold=True, colour=ACCENT)
        for ln in s.undecidable:
            _item(pdf, ln, ln.rate_text)


def _initiatives(pdf: _Pdf, data: ReportData) -> None:
    """（参考）主な取組 by area, with figures (the computed comparison), ※継続取組 and photos."""
    pdf.add_page()
    _title(pdf, f"（参考）{data.cycle_label}の主な取組")
    for area in data.narrative.areas:
        _keep(pdf, 24)  # an area heading never ends a page
        _text(pdf, f"■ {area.label}", 12, bold=True, colour=ACCENT)
        for i in area.initiatives:
            head = f"・ {i.heading}" + ("　※継続取組" if i.continued else "")
            _keep(pdf, _height(pdf, head, 10, True) + 6 * (len(i.points) + bool(i.figure_sentence)))
            _text(pdf, head, 10, bold=True, gap=0.5)
            for point in i.points:
                _text(pdf, point, 9, indent=6, colour=MUTED, gap=0.3)
            if i.figure_sentence:
                _text(pdf, f"▶ {i.figure_sentence}", 10, bold=True, indent=6, gap=0.5)
            for photo in i.photos:
                _keep(pdf, 52)
                pdf.image(io.BytesIO(photos_io.clean(photo.content)[0]), x=pdf.l_margin + 6, h=40)
                if photo.caption:
                    _text(pdf, photo.caption, 8, indent=6, colour=MUTED)
        pdf.ln(2)


def _outline(pdf: _Pdf, data: ReportData) -> None:
    o = data.narrative.outline
    pdf.add_page()
    _title(pdf, f"{data.strategy_name}の概要" + (f"（{o.established_text}）" if o.established_text else ""))
    for heading, text, bold in (("戦略策定趣旨", o.purpose, False), ("戦略期間", o.period_text, False),
                                ("戦略の対象となるプレイヤー", "、".join(o.players), False), ("目指す姿", o.vision, True),
                                ("実現に向けた県の取組", o.approach, False)):
        if text:
            _text(pdf, f"■ {heading}", 11, bold=True, colour=ACCENT, gap=0.3)
            _text(pdf, text, 10, bold=bold, indent=5, gap=1.5)
    for p in o.pillars:
        _text(pdf, p.name + (f"　{p.note}" if p.note else ""), 10, bold=True, indent=5, gap=0.3)
        if p.items:
            _text(pdf, "　".join(f"{chr(0x2460 + n)} {name}" for n, name in enumerate(p.items)), 9, indent=10)
    if o.bodies:
        _text(pdf, "■ 推進体制", 11, bold=True, colour=ACCENT, gap=0.3)
        _text(pdf, "、".join(o.bodies), 10, indent=5)


def _conclusions(pdf: _Pdf, data: ReportData) -> None:
    c = data.narrative.conclusions
    pdf.add_page()
    _title(pdf, f"{data.strategy_name}の進捗状況" + (f"（{c.title}）" if c.title else "（まとめ）"))
    if c.lead:
        _text(pdf, c.lead, 12, bold=True, gap=2)
    for heading, points in c.findings:
        _keep(pdf, 20)
        _text(pdf, f"■ {heading}", 11, bold=True, colour=ACCENT, gap=0.3)
        for point in points:
            _text(pdf, f"・ {point}", 10, indent=5, gap=0.3)
        pdf.ln(1.5)
    if c.direction:
        pdf.ln(3)
        _text(pdf, f"⇒ {c.direction}", 13, bold=True, colour=ACCENT)


def _reconciliation(pdf: _Pdf, data: ReportData) -> None:
    """The 「見込 → 確定」 table of a 確定値反映版: each confirmed indicator, old → new value and band (★: changed)."""
    pdf.add_page()
    _title(pdf, f"{data.strategy_name}の進捗状況（{RECONCILIATION_TITLE}）")
    changed = sum(r.band_changed for r in data.reconciliation)
    _text(pdf, f"公表時の見込値・速報値のうち{len(data.reconciliation)}指標の確定値を反映しました"
               f"（★ 達成区分が変わった指標 {changed}件）。", 10, gap=3)
    pdf.set_font(FONT, "", 8)
    with pdf.table(col_widths=(58, 38, 24, 34, 72, 44), line_height=5, wrapmode=WrapMode.CHAR, width=pdf.epw,
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL)) as table:
        table.row(RECONCILIATION_HEAD)
        for r in data.reconciliation:
            table.row(reconciliation_row(r), style=FontFace(emphasis="BOLD") if r.band_changed else None)
    pdf.ln(4)


def write_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes; PdfFontMissing when no Japanese font is installed."""
    pdf = _Pdf(data)
    _fonts(pdf)
    pdf.set_title(data.title)
    pdf.set_author(data.publisher)
    pdf.set_creator("kpi-progress")
    pdf.add_page()
    pdf.set_y(60)
    pdf.set_font(FONT, "B", 24)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 13, data.title, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    for text, size, bold in ((data.cycle_caption, 13, False), (data.publisher, 15, True),
                             (f"{data.edition_label}　{data.generated_label}", 10, False)):
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.set_text_color(*INK)
        pdf.cell(0, size * 0.6, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    narrative = data.narrative
    if narrative and narrative.areas:
        _initiatives(pdf, data)
    if narrative and narrative.outline:
        _outline(pdf, data)
    pdf.add_page()
    _overview(pdf, data)
    if data.reconciliation:
        _reconciliation(pdf, data)
    for s in data.sections:
        _section(pdf, data, s)
    if narrative and narrative.conclusions:
        _conclusions(pdf, data)
    return bytes(pdf.output())

"""python-pptx drawing helpers where every run carries its Japanese font.

Setting `font.name` only writes `a:latin`; PowerPoint then draws kana and kanji with the theme's East Asian
font. `style_run` therefore writes `a:latin`, `a:ea` and `a:cs` on every run, all "Noto Sans CJK JP", with the
font's PANOSE (020B0500000000000000: a gothic sans), pitch family 34 (variable, swiss) and charset -128
(Shift-JIS). On a machine without Noto Sans CJK JP — the audience's Windows PCs — PowerPoint substitutes from
these attributes and picks a Japanese gothic, Meiryo (メイリオ) in practice, instead of a Latin or Mincho font.
We name Noto rather than Meiryo in the file because Noto is what this server, LibreOffice and our PNG/PDF
renderers have, so the previews match the layout; Meiryo's metrics are close (both ~1 em CJK advance).
"""
from __future__ import annotations

from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from kpi.publish.fonts import FAMILY
from kpi.publish.layout import LINE_SPACING, Para, Run

PANOSE = "020B0500000000000000"
PITCH_FAMILY = "34"
CHARSET = "-128"

INK = "1F2937"
MUTED = "4B5563"
ACCENT = "0B4F8A"


def set_fonts(rPr) -> None:
    """Write latin, ea and cs typefaces (Noto Sans CJK JP with substitution hints) into a run's rPr."""
    for tag in ("a:latin", "a:ea", "a:cs"):
        for old in rPr.findall(qn(tag)):
            rPr.remove(old)
    latin = rPr.get_or_add_latin()  # python-pptx inserts it at the schema position
    prev = latin
    for tag in ("a:ea", "a:cs"):
        el = etree.SubElement(rPr, qn(tag))
        prev.addnext(el)
        prev = el
    for el in (latin, *latin.itersiblings()):
        if el.tag in (qn("a:latin"), qn("a:ea"), qn("a:cs")):
            el.set("typeface", FAMILY)
            el.set("panose", PANOSE)
            el.set("pitchFamily", PITCH_FAMILY)
            el.set("charset", CHARSET)


def style_run(run, spec: Run) -> None:
    """Text, size, weight, colour and the three typefaces of one run."""
    run.text = spec.text
    f = run.font
    f.size = Pt(spec.size)
    f.bold = spec.bold
    f.color.rgb = RGBColor.from_string(spec.colour or INK)
    rPr = run._r.get_or_add_rPr()
    rPr.set("lang", "ja-JP")  # Japanese proofing and line-breaking rules (kinsoku) in PowerPoint
    set_fonts(rPr)


def fill_paragraph(p, para: Para, align=None) -> None:
    """Runs of a paragraph, with exact line spacing (the layout estimate assumes it) and indent."""
    p.line_spacing = Pt(para.size * LINE_SPACING)
    p.space_before = Pt(para.space_before)
    if align is not None:
        p.alignment = align
    if para.indent:
        pPr = p._p.get_or_add_pPr()
        pPr.set("marL", str(int(Pt(para.indent))))
    for spec in para.runs:
        style_run(p.add_run(), spec)


def add_text(slide, left, top, width, height, paras: list[Para], *, anchor=MSO_ANCHOR.TOP, align=None,
             margin=Pt(4)):
    """A wrapped, non-autofitting text box holding the paragraphs."""
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = anchor
    tf.margin_left = tf.margin_right = margin
    tf.margin_top = tf.margin_bottom = Pt(2)
    for i, para in enumerate(paras):
        fill_paragraph(tf.paragraphs[0] if i == 0 else tf.add_paragraph(), para, align)
    return box


def one(text: str, size: float, *, bold: bool = False, colour: str | None = None, indent: float = 0.0,
        space_before: float = 0.0) -> Para:
    """A paragraph of a single run."""
    return Para((Run(text, size, bold, colour),), indent, space_before)


def _cell(cell, text: str, size: float, *, bold: bool, fill: str | None, align=PP_ALIGN.CENTER) -> None:
    tf = cell.text_frame
    tf.word_wrap = True
    cell.margin_left = cell.margin_right = Pt(3)
    cell.margin_top = cell.margin_bottom = Pt(2)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    lines = text.split("\n")
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        fill_paragraph(p, one(line, size, bold=bold), align)
    if fill:
        cell.fill.solid()
        cell.fill.fore_color.rgb = RGBColor.from_string(fill)


def add_table(slide, rows: list[list[str]], left, top, col_widths: list, row_height, *, header_rows: int = 1,
              merges: tuple = (), size: float = 14, first_col_align=PP_ALIGN.LEFT, strong_last: bool = False):
    """A table of texts; `merges` are ((r0, c0), (r1, c1)) corner pairs; header rows shaded."""
    n_rows, n_cols = len(rows), len(col_widths)
    shape = slide.shapes.add_table(n_rows, n_cols, left, top, Emu(sum(int(w) for w in col_widths)),
                                   Emu(int(row_height) * n_rows))
    table = shape.table
    table.first_row = False
    table.horz_banding = False
    for c, w in enumerate(col_widths):
        table.columns[c].width = Emu(int(w))
    for r in range(n_rows):
        table.rows[r].height = Emu(int(row_height))
    for (r0, c0), (r1, c1) in merges:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    for r, row in enumerate(rows):
        for c in range(n_cols):
            cell = table.cell(r, c)
            if cell.is_spanned:
                continue
            header = r < header_rows
            last = strong_last and r == n_rows - 1
            fill = "DCE6F2" if header else ("FFF4D6" if last else "FFFFFF")
            align = first_col_align if c == 0 and not header else PP_ALIGN.CENTER
            _cell(cell, row[c] if c < len(row) else "", size, bold=header or last, fill=fill, align=align)
    return shape

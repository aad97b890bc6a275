"""The progress-report slide deck (.pptx, 16:9), laid out after the seed report.

Slides: cover; when the report has its narrative, （参考）主な取組 by area (figures with the computed 前年比 or
share, ※継続取組, photos beside) and the strategy outline; 進捗状況（概要） with the 計N指標 band table and its
chart; a 確定値反映版's 「見込 → 確定」 table (reconciliation_slides.py); then per section (a pillar, or pillars
reported together): the band table, the chart, 達成（見込）となる指標, 未達成（見込）となる指標 by reason category with
each reason, 進捗管理を停止している指標 with the stop reason; last, the conclusions (戦略の見直しへ). Long lists are paginated by estimated text height (see layout.py), never
shrunk or left to overflow. Every slide's footer names the cycle, the edition and the generation time. Fonts: every
run names Noto Sans CJK JP in a:latin/a:ea/a:cs; PowerPoint substitutes Meiryo without it (see pptx_text.py).
"""
from __future__ import annotations

import io
import logging
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from kpi.domain.bands import BAND_ORDER
from kpi.io import photos as photos_io
from kpi.publish import reconciliation_slides
from kpi.publish.charts import band_chart, chart_png
from kpi.publish.layout import Block, Para, Run, paginate
from kpi.publish.pptx_text import ACCENT, MUTED, add_table, add_text, one
from kpi.publish.narrative_data import InitiativeLine, Photo
from kpi.publish.report_data import Line, ReportData, Section

log = logging.getLogger(__name__)

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
BODY_TOP, BODY_HEIGHT = Inches(1.55), Inches(5.2)
BODY_WIDTH = WIDTH - 2 * MARGIN
CONTINUED = "（続き）"
INTERIM_RED = "C00000"
SECTION_TITLE = "の進捗状況（各項目）"

Draw = Callable[[object], None]


def _png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def _frame(slide, data: ReportData, title: str, heading: str | None) -> None:
    add_text(slide, MARGIN, Inches(0.3), BODY_WIDTH, Inches(0.6), [one(title, 24, bold=True, colour=ACCENT)],
             anchor=MSO_ANCHOR.MIDDLE)
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, MARGIN, Inches(0.92), BODY_WIDTH, Pt(2.5))
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(ACCENT)
    bar.line.fill.background()
    if heading:
        add_text(slide, MARGIN, Inches(1.0), BODY_WIDTH, Inches(0.5), [one(heading, 18, bold=True)],
                 anchor=MSO_ANCHOR.MIDDLE)


def _rgb(hex_: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_)


def _footer(slide, data: ReportData, page: int, pages: int) -> None:
    add_text(slide, MARGIN, Inches(7.0), BODY_WIDTH - Inches(1.4), Inches(0.35), [one(data.footer, 10, colour=MUTED)],
             anchor=MSO_ANCHOR.MIDDLE)
    add_text(slide, WIDTH - MARGIN - Inches(1.4), Inches(7.0), Inches(1.4), Inches(0.35),
             [one(f"{page} / {pages}", 10, colour=MUTED)], anchor=MSO_ANCHOR.MIDDLE, align=PP_ALIGN.RIGHT)


def _cover(data: ReportData) -> Draw:
    def draw(slide):
        add_text(slide, MARGIN, Inches(2.0), BODY_WIDTH, Inches(1.6), [one(data.title, 34, bold=True, colour=ACCENT)],
                 anchor=MSO_ANCHOR.MIDDLE, align=PP_ALIGN.CENTER)
        add_text(slide, MARGIN, Inches(3.8), BODY_WIDTH, Inches(1.8), [
            one(data.cycle_caption, 18), one(data.publisher, 22, bold=True, space_before=10),
            one(f"{data.edition_label}　{data.generated_label}", 14, colour=MUTED, space_before=10),
        ], align=PP_ALIGN.CENTER)
    return draw


def _band_header(first: str, with_count_col: bool) -> tuple[list[list[str]], tuple]:
    lead = [first, ""] if with_count_col else [first]
    off = len(lead)
    rows = [lead + ["達成", "未達成", "", "", "その他\n（進捗管理の停止）"],
            [""] * off + ["100%", "60%以上\n100%未満", "30%以上\n60%未満", "30%未満", ""]]
    merges = (((0, 0), (1, off - 1)), ((0, off + 1), (0, off + 3)), ((0, off + 4), (1, off + 4)))
    return rows, merges


def _overview(data: ReportData) -> Draw:
    def draw(slide):
        _frame(slide, data, f"{data.strategy_name}の進捗状況（概要）",
               f"{data.cycle_label} 成果指標・数値目標の達成状況")
        add_text(slide, MARGIN, BODY_TOP, BODY_WIDTH, Inches(1.1), [one("■ " + data.overall_lead, 16)])
        rows, merges = _band_header("項目・指標", True)
        for p in data.pillars:
            rows.append([p.label, f"計{p.summary.total}指標", *(str(p.summary.counts[b]) for b in BAND_ORDER)])
        rows.append([f"（計{data.overall.total}指標）", "", *(f"{data.overall.percent[b]}%" for b in BAND_ORDER)])
        last = len(rows) - 1
        widths = [Inches(3.7), Inches(1.4)] + [Inches(1.25)] * 4 + [Inches(2.0)]
        add_table(slide, rows, MARGIN, Inches(2.8), widths, Inches(0.62), header_rows=2,
                  merges=merges + (((last, 0), (last, 1)),), size=15, strong_last=True)
    return draw


def _section_table(data: ReportData, s: Section) -> Draw:
    def draw(slide):
        _frame(slide, data, data.strategy_name + SECTION_TITLE, s.heading)
        items = [one(t, 15, space_before=2) for t in s.items]
        add_text(slide, MARGIN, BODY_TOP, BODY_WIDTH, Inches(0.3 + 0.3 * len(items)), items)
        rows, merges = _band_header("項目・指標", False)
        many = len(s.pillars) > 1
        for p in s.pillars:
            label = f"{p.name}・計{p.summary.total}指標" if many else f"計{p.summary.total}指標"
            rows.append([label, *(str(p.summary.counts[b]) for b in BAND_ORDER)])
        rows.append([f"割合（計{s.summary.total}指標）", *(f"{s.summary.percent[b]}%" for b in BAND_ORDER)])
        top = BODY_TOP + Inches(0.45 + 0.3 * len(items))
        widths = [Inches(4.1)] + [Inches(1.5)] * 4 + [Inches(2.0)]
        add_table(slide, rows, MARGIN, top, widths, Inches(0.6), header_rows=2, merges=merges,
                  size=15, strong_last=True)
    return draw


def _chart(data: ReportData, title: str, heading: str, pairs: list) -> Draw:
    png = chart_png(band_chart(pairs, width=560, font_size=16, bar_height=min(80, 330 // max(len(pairs), 1))))

    def draw(slide):
        _frame(slide, data, title, heading)
        w, h = _png_size(png)
        box_w, box_h = BODY_WIDTH, BODY_HEIGHT
        scale = min(box_w / w, box_h / h)
        pic_w, pic_h = int(w * scale), int(h * scale)
        slide.shapes.add_picture(io.BytesIO(png), MARGIN + (box_w - pic_w) // 2, BODY_TOP, Emu(pic_w), Emu(pic_h))
    return draw


def _item(ln: Line, extra: str | None = None) -> Block:
    paras = [Para((Run("◆ ", 14, True, ACCENT), Run(ln.name, 14, True), Run(f"（{ln.figures}）", 12)), 0, 6)]
    if extra:
        paras.append(Para((Run(extra, 12, False, MUTED),), 20, 2))
    return Block(paras)


def _heading(group: str, continued: bool) -> Para:
    return one(f"■ {group}{CONTINUED if continued else ''}", 15, bold=True, colour=ACCENT, space_before=8)


def _list_slides(data: ReportData, s: Section, subtitle: str, blocks: list[Block],
                 lead: str | None = None) -> list[Draw]:
    width_pt = BODY_WIDTH / 12700 - 8  # EMU → pt, minus the box's inner margins
    lead_paras = [one(lead, 14, bold=True)] if lead else []
    if lead_paras:
        blocks = [Block(lead_paras)] + blocks
    pages = paginate(blocks, width_pt, BODY_HEIGHT / 12700, _heading)
    draws = []
    for i, paras in enumerate(pages):
        heading = f"{s.heading}　{subtitle}{CONTINUED if i else ''}"

        def draw(slide, paras=paras, heading=heading):
            _frame(slide, data, data.strategy_name + SECTION_TITLE, heading)
            add_text(slide, MARGIN, BODY_TOP, BODY_WIDTH, BODY_HEIGHT, paras)
        draws.append(draw)
    return draws


def _section_slides(data: ReportData, s: Section) -> list[Draw]:
    draws = [_section_table(data, s)]
    pairs = [(f"計（{s.name}）" if len(s.pillars) > 1 else s.pillars[0].label, s.summary)]
    if len(s.pillars) > 1:
        pairs += [(p.label, p.summary) for p in s.pillars]
    pairs += list(s.item_summaries)
    draws.append(_chart(data, data.strategy_name + SECTION_TITLE, f"{s.heading}　達成区分別の指標数（項目別）", pairs))
    many = len(s.pillars) > 1
    if s.achieved:
        blocks = []
        for ln in s.achieved:
            b = _item(ln)
            b.group = f"{ln.pillar_no}.{ln.pillar_name}" if many else None
            blocks.append(b)
        draws += _list_slides(data, s, "達成（見込）となる指標", blocks, s.achieved_lead)
    if s.unachieved:
        blocks = []
        for g in s.unachieved:
            for ln in g.lines:
                b = _item(ln, ln.reason or "（要因の記載なし）")
                b.group = g.heading
                blocks.append(b)
        draws += _list_slides(data, s, "未達成（見込）となる指標", blocks)
    if s.stopped:
        draws += _list_slides(data, s, "進捗管理を停止している指標", [_item(ln, ln.stop_reason) for ln in s.stopped])
    if s.unrated:
        draws += _list_slides(data, s, "達成率を算出できない指標", [_item(ln, ln.rate_text) for ln in s.unrated])
    if s.undecidable:
        draws += _list_slides(data, s, "判定不能（比較する値が未入力）の指標",
                              [_item(ln, ln.rate_text) for ln in s.undecidable])
    return draws


# --- the narrative: 主な取組, the strategy outline, the conclusions (the seed's first and last pages) ----------

PHOTO_COLUMN = Inches(3.9)
TALL_BODY_TOP, TALL_BODY_HEIGHT = Inches(1.1), BODY_HEIGHT + Inches(0.45)  # slides without a heading line
PHOTOS_BESIDE = 2  # photos beside a page of initiatives; more go to a photo page after it
PHOTOS_PER_PAGE = 4
INITIATIVES_TITLE = "（参考）{cycle}の主な取組"
CONTINUED_MARK = "※継続取組"


def _pt(emu) -> float:
    return emu / 12700 - 8  # EMU → pt, minus the box's inner margins


def _initiative_block(i: InitiativeLine) -> Block:
    head = [Run("・ ", 14, True, ACCENT), Run(i.heading, 14, True)]
    if i.continued:
        head.append(Run(f"　{CONTINUED_MARK}", 12, False, MUTED))
    paras = [Para(tuple(head), 0, 6)]
    paras += [Para((Run(p, 12),), 22, 2) for p in i.points]
    if i.figure_sentence:
        paras.append(Para((Run("▶ ", 13, True, ACCENT), Run(i.figure_sentence, 13, True)), 22, 3))
    return Block(paras)


def _place_photo(slide, photo: Photo, left, top, box_w, box_h) -> None:
    """The photo scaled into the box (caption line below it, inside the box)."""
    cap_h = Inches(0.35)
    content, w, h = photos_io.clean(photo.content)  # photos stored before uploads were cleaned carry EXIF
    scale = min(box_w / w, (box_h - cap_h) / h)
    pic_w, pic_h = int(w * scale), int(h * scale)
    slide.shapes.add_picture(io.BytesIO(content), left + (box_w - pic_w) // 2, top, Emu(pic_w), Emu(pic_h))
    if photo.caption:
        add_text(slide, left, top + pic_h, box_w, cap_h, [one(photo.caption, 11, colour=MUTED)], align=PP_ALIGN.CENTER)


def _photo_page(data: ReportData, title: str, photos: list[Photo]) -> Draw:
    def draw(slide):
        _frame(slide, data, title, "写真")
        cols = 2
        box_w, box_h = (BODY_WIDTH - Inches(0.3)) // cols, (BODY_HEIGHT - Inches(0.2)) // 2
        for n, ph in enumerate(photos):
            r, c = divmod(n, cols)
            _place_photo(slide, ph, MARGIN + c * (box_w + Inches(0.3)), BODY_TOP + r * (box_h + Inches(0.2)),
                         box_w, box_h)
    return draw


def _initiative_slides(data: ReportData) -> list[Draw]:
    """主な取組 by area; each initiative's photos beside its page (the rest on photo pages right after)."""
    narrative = data.narrative
    blocks, photos_at = [], {}
    for area in narrative.areas:
        for i in area.initiatives:
            b = _initiative_block(i)
            b.group = area.label
            blocks.append(b)
            if i.photos:
                photos_at[id(b.paras[0])] = i.photos
    width = BODY_WIDTH - (PHOTO_COLUMN if photos_at else 0)
    title = INITIATIVES_TITLE.format(cycle=data.cycle_label)
    draws: list[Draw] = []
    for k, paras in enumerate(paginate(blocks, _pt(width), TALL_BODY_HEIGHT / 12700, _heading)):
        photos = [ph for p in paras for ph in photos_at.get(id(p), ())]

        def draw(slide, paras=paras, beside=photos[:PHOTOS_BESIDE], title=title + (CONTINUED if k else "")):
            _frame(slide, data, title, None)
            add_text(slide, MARGIN, TALL_BODY_TOP, width, TALL_BODY_HEIGHT, paras)
            box_h = TALL_BODY_HEIGHT // PHOTOS_BESIDE
            for n, ph in enumerate(beside):
                _place_photo(slide, ph, MARGIN + width + Inches(0.2), TALL_BODY_TOP + n * box_h,
                             PHOTO_COLUMN - Inches(0.2), box_h - Inches(0.1))
        draws.append(draw)
        rest = photos[PHOTOS_BESIDE:]
        for j in range(0, len(rest), PHOTOS_PER_PAGE):
            draws.append(_photo_page(data, title + CONTINUED, rest[j:j + PHOTOS_PER_PAGE]))
    return draws


def _compact_heading(group: str, continued: bool) -> Para:
    return one(f"■ {group}{CONTINUED if continued else ''}", 14, bold=True, colour=ACCENT, space_before=4)


def _paged(data: ReportData, title: str, heading: str | None, blocks: list[Block],
           group_heading=_heading) -> list[Draw]:
    """Slides of blocks under a title (and a heading line, if any), paginated."""
    top, height = (BODY_TOP, BODY_HEIGHT) if heading else (TALL_BODY_TOP, TALL_BODY_HEIGHT)
    draws = []
    for k, paras in enumerate(paginate(blocks, _pt(BODY_WIDTH), height / 12700, group_heading)):
        mark = CONTINUED if k else ""

        def draw(slide, paras=paras, title=title if heading else title + mark,
                 heading=heading + mark if heading else None):
            _frame(slide, data, title, heading)
            add_text(slide, MARGIN, top, BODY_WIDTH, height, paras)
        draws.append(draw)
    return draws


def outline_title(data: ReportData) -> str:
    """千葉県ICT利活用戦略の概要（令和元年9月策定）."""
    o = data.narrative.outline
    return f"{data.strategy_name}の概要" + (f"（{o.established_text}）" if o.established_text else "")


def _outline_slides(data: ReportData) -> list[Draw]:
    o = data.narrative.outline

    def block(group: str, paras: list[Para]) -> Block:
        return Block(paras, group)

    blocks = []
    for group, text, bold in (("戦略策定趣旨", o.purpose, False), ("戦略期間", o.period_text, False),
                              ("戦略の対象となるプレイヤー", "、".join(o.players), False), ("目指す姿", o.vision, True)):
        if text:
            blocks.append(block(group, [one(text, 13, bold=bold, indent=14, space_before=1)]))
    if o.approach or o.pillars:
        paras = [one(o.approach, 13, indent=14, space_before=1)] if o.approach else []
        blocks.append(block("実現に向けた県の取組", paras or [one("", 6)]))
        for p in o.pillars:
            head = [Run(p.name, 13, True, ACCENT)] + ([Run(f"　{p.note}", 12, False, MUTED)] if p.note else [])
            items = "　".join(f"{chr(0x2460 + n)} {name}" for n, name in enumerate(p.items))
            blocks.append(block("実現に向けた県の取組", [Para(tuple(head), 14, 2)] +
                                ([one(items, 12, indent=28, space_before=0)] if items else [])))
    if o.bodies:
        blocks.append(block("推進体制", [one("、".join(o.bodies), 13, indent=14, space_before=1)]))
    return _paged(data, outline_title(data), None, blocks, _compact_heading)


def conclusions_title(data: ReportData) -> str:
    """千葉県ICT利活用戦略の進捗状況（戦略の見直しへ）."""
    c = data.narrative.conclusions
    return f"{data.strategy_name}の進捗状況" + (f"（{c.title}）" if c.title else "（まとめ）")


def _conclusion_slides(data: ReportData) -> list[Draw]:
    c = data.narrative.conclusions
    blocks = [Block([one(f"・ {p}", 14, indent=14, space_before=3) for p in points] or [one("", 6)], heading)
              for heading, points in c.findings]
    if c.direction:
        blocks.append(Block([one(f"⇒ {c.direction}", 18, bold=True, colour=ACCENT, space_before=14)]))
    return _paged(data, conclusions_title(data), c.lead or None, blocks)


def write_deck(data: ReportData) -> bytes:
    """The deck as .pptx bytes, in the seed's order: cover, 主な取組, outline, overview, sections, conclusions."""
    overall_pairs = [("全体", data.overall)] + [(p.label, p.summary) for p in data.pillars]
    narrative = data.narrative
    draws = [_cover(data)]
    if narrative and narrative.areas:
        draws += _initiative_slides(data)
    if narrative and narrative.outline:
        draws += _outline_slides(data)
    draws += [_overview(data), _chart(data, f"{data.strategy_name}の進捗状況（概要）", "達成区分別の指標数（全体・柱別）",
                                      overall_pairs)] + reconciliation_slides.slides(data)
    for s in data.sections:
        draws += _section_slides(data, s)
    if narrative and narrative.conclusions:
        draws += _conclusion_slides(data)
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    blank = prs.slide_layouts[6]
    for page, draw in enumerate(draws, start=1):
        slide = prs.slides.add_slide(blank)
        draw(slide)
        _footer(slide, data, page, len(draws))
        if data.interim:  # every page of a 速報（中間）版 says so, with its coverage
            add_text(slide, MARGIN, Inches(0.02), BODY_WIDTH, Inches(0.3), [one(data.interim_mark, 11, bold=True,
                                                                                 colour=INTERIM_RED)],
                     anchor=MSO_ANCHOR.MIDDLE, align=PP_ALIGN.RIGHT)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def render_slides_png(pptx_bytes: bytes, out_dir: Path | str, *, dpi: int = 80) -> list[Path]:
    """PNG previews of the slides (LibreOffice → PDF → pdftoppm); [] with a logged note when either is missing."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    pdftoppm = shutil.which("pdftoppm")
    if not office or not pdftoppm:
        log.warning("スライド画像を作成できません: %s が見つかりません",
                    "、".join(n for n, p in (("libreoffice", office), ("pdftoppm", pdftoppm)) if not p))
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "deck.pptx"
        src.write_bytes(pptx_bytes)
        profile = Path(tmp) / "lo-profile"
        subprocess.run([office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, str(src)], check=True, capture_output=True, timeout=300)
        subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(Path(tmp) / "deck.pdf"), str(out / "slide")],
                       check=True, capture_output=True, timeout=300)
    return sorted(out.glob("slide*.png"))

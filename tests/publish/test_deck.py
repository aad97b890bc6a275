"""The slide deck, read back with python-pptx: the seed's tables and lists, fonts on every run, footers."""
from __future__ import annotations

import dataclasses
import io
import logging

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Inches

from kpi.domain.bands import BAND_ORDER
from kpi.publish import deck as deck_module
from kpi.publish.deck import render_slides_png, write_deck

NOTO = "Noto Sans CJK JP"


def _frames(slide):
    for shape in slide.shapes:
        if shape.has_text_frame:
            yield shape.text_frame
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                for cell in row.cells:
                    yield cell.text_frame


def _text(slide) -> str:
    return "\n".join(tf.text for tf in _frames(slide))


def _tables(slide) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in s.table.rows]
            for s in slide.shapes if getattr(s, "has_table", False) and s.has_table]


def _slides_with(prs, needle: str) -> list:
    return [s for s in prs.slides if needle in _text(s)]


def _row(table, first: str) -> list[str]:
    return next(r for r in table if r[0] == first)


def test_the_deck_is_16_to_9(pub_deck):
    assert pub_deck.slide_width == Inches(13.333)
    assert pub_deck.slide_height == Inches(7.5)


def test_the_cover_names_title_publisher_and_cycle(pub_deck):
    text = _text(pub_deck.slides[0])
    assert "令和3年度 千葉県ICT利活用戦略 進捗状況について" in text
    assert "千葉県総務部行政改革推進課" in text
    assert "令和3年度（令和3年11月時点）" in text


def test_the_overall_band_table_equals_the_summary(pub_deck, pub_report, seed_figures):
    slide = _slides_with(pub_deck, "（計68指標）")[0]
    table = _tables(slide)[0]
    for p in pub_report.pillars:
        row = _row(table, p.label)
        assert row[1] == f"計{p.summary.total}指標"
        assert row[2:7] == [str(p.summary.counts[b]) for b in BAND_ORDER]
    assert _row(table, "1.波及効果の高いプロジェクト")[1:7] == ["計12指標", "7", "1", "1", "2", "1"]
    shares = _row(table, "（計68指標）")[2:7]
    assert shares == [f"{pub_report.overall.percent[b]}%" for b in BAND_ORDER]
    seed = next(t for t in seed_figures["published_tables"] if t["scope"] == "all (pillars 1+2+3)")
    assert shares == [f"{seed['percent'][b.value]}%" for b in BAND_ORDER] == ["73.5%", "4.4%", "1.5%", "19.1%", "1.5%"]
    assert "目標値を100%達成した指標の割合は73.5%となった" in _text(slide)


@pytest.mark.parametrize("heading, counts, shares", [
    ("（1）波及効果の高いプロジェクト", ["7", "1", "1", "2", "1"], ["58.3%", "8.3%", "8.3%", "16.7%", "8.3%"]),
    ("（2）個別施策", ["36", "2", "0", "10", "0"], ["75.0%", "4.2%", "0.0%", "20.8%", "0.0%"]),
    ("（3）推進を支える土台づくり", ["7", "0", "0", "1", "0"], ["87.5%", "0.0%", "0.0%", "12.5%", "0.0%"]),
])
def test_each_pillar_has_a_band_table_of_counts_and_shares(pub_deck, pub_report, heading, counts, shares):
    slide = next(s for s in pub_deck.slides if _tables(s) and heading in _text(s))
    table = _tables(slide)[0]
    section = next(s for s in pub_report.sections if s.heading == heading)
    total = section.summary.total
    assert _row(table, f"計{total}指標")[1:6] == counts == [str(section.summary.counts[b]) for b in BAND_ORDER]
    assert _row(table, f"割合（計{total}指標）")[1:6] == shares


def test_the_seed_layout_reports_pillars_two_and_three_together(pub_seed_deck):
    slide = next(s for s in pub_seed_deck.slides if _tables(s) and "（2）個別施策・推進を支える土台づくり" in _text(s))
    table = _tables(slide)[0]
    assert _row(table, "個別施策・計48指標")[1:6] == ["36", "2", "0", "10", "0"]
    assert _row(table, "推進を支える土台づくり・計8指標")[1:6] == ["7", "0", "0", "1", "0"]
    assert _row(table, "割合（計56指標）")[1:6] == ["76.8%", "3.6%", "0.0%", "19.6%", "0.0%"]
    achieved = _slides_with(pub_seed_deck, "（2）個別施策・推進を支える土台づくり　達成（見込）となる指標")
    assert "56指標のうち、43指標で目標達成となる見込み。" in _text(achieved[0])


def test_achieved_indicators_are_listed_with_their_figures(pub_deck):
    slides = _slides_with(pub_deck, "（1）波及効果の高いプロジェクト　達成（見込）となる指標")
    text = "\n".join(_text(s) for s in slides)
    assert "テレワーク実施者数（目標値：280人 R3年度実績値：4月～8月 36,821人）" in text
    assert "12指標のうち、7指標で目標達成となる見込み。" in text
    assert "RPA導入により削減した作業時間" not in text


def test_rpa_is_on_pillar_ones_unachieved_slide_with_its_reason(pub_deck, pub_report):
    slides = _slides_with(pub_deck, "（1）波及効果の高いプロジェクト　未達成（見込）となる指標")
    assert slides
    text = "\n".join(_text(s) for s in slides)
    rpa = next(ln for ln in pub_report.lines if ln.code == "P1-1-04")
    assert "RPA導入により削減した作業時間（目標値：6,000時間 R3年度末実績値：5,445時間）" in text
    assert rpa.reason in text
    assert "■ その他の理由で未達成（見込）となるもの" in text


def test_paper_use_is_listed_under_the_covid_category(pub_deck, pub_report):
    slide = _slides_with(pub_deck, "年間用紙使用量（")[0]
    paper_line = next(ln for ln in pub_report.lines if ln.name == "年間用紙使用量")
    text = _text(slide)
    assert "（2）個別施策　未達成（見込）となる指標" in text
    covid = text.index("■ 新型コロナウイルス感染症の影響が大きいと思われるもの")
    paper = text.index("年間用紙使用量（")
    other = text.find("■ その他の理由で未達成（見込）となるもの")
    assert covid < paper and (other == -1 or paper < other)
    assert paper_line.reason_category == "covid" and paper_line.reason in text[paper:]  # its reason follows it


def test_the_stopped_indicator_is_on_the_stopped_slide_with_its_reason(pub_deck, pub_report):
    slides = _slides_with(pub_deck, "進捗管理を停止している指標")
    assert len(slides) == 1
    text = _text(slides[0])
    stopped = next(ln for ln in pub_report.lines if ln.name == "電子化済みの手続数")
    assert "電子化済みの手続数（目標値：150手続）" in text
    assert stopped.stop_reason in text


def test_every_run_with_text_names_the_japanese_font_for_latin_ea_and_cs(pub_deck):
    checked = 0
    for slide in pub_deck.slides:
        for tf in _frames(slide):
            for p in tf.paragraphs:
                for r in p.runs:
                    if not r.text:
                        continue
                    rPr = r._r.rPr
                    assert rPr is not None, r.text
                    for tag in ("a:latin", "a:ea", "a:cs"):
                        el = rPr.find(qn(tag))
                        assert el is not None and el.get("typeface") == NOTO, (tag, r.text)
                    assert rPr.find(qn("a:ea")).get("charset") == "-128"
                    checked += 1
    assert checked > 300


def test_every_slide_has_a_footer_naming_cycle_edition_and_time(pub_deck):
    n = len(pub_deck.slides)
    for i, slide in enumerate(pub_deck.slides, start=1):
        text = _text(slide)
        assert "令和3年度（令和3年11月時点）" in text
        assert "第2版" in text
        assert "2021年12月01日 09:30 作成" in text
        assert f"{i} / {n}" in text


def test_there_is_a_chart_picture_for_the_whole_and_for_each_pillar(pub_deck):
    pictures = [s for s in pub_deck.slides for sh in s.shapes if sh.shape_type == 13]  # PICTURE
    assert len(pictures) == 1 + 3
    for slide in pictures:
        blob = next(sh for sh in slide.shapes if sh.shape_type == 13).image.blob
        assert blob.startswith(b"\x89PNG\r\n\x1a\n")


def test_long_reasons_continue_on_further_slides_without_losing_text(pub_report):
    s = pub_report.sections[0]
    long = "令和2年6月以降、千葉県内の有効求人倍率が連続して1を下回るなど低下し、ABC 123 の影響もある。" * 40
    groups = tuple(dataclasses.replace(g, lines=tuple(dataclasses.replace(ln, reason=long) for ln in g.lines))
                   for g in s.unachieved)
    data = dataclasses.replace(pub_report, sections=(dataclasses.replace(s, unachieved=groups),))
    prs = Presentation(io.BytesIO(write_deck(data)))
    slides = _slides_with(prs, "未達成（見込）となる指標")
    assert len(slides) >= 4
    assert "（続き）" in _text(slides[1])
    bodies = [p.text for sl in slides for sh in sl.shapes if sh.has_text_frame and sh.top == deck_module.BODY_TOP
              for p in sh.text_frame.paragraphs if not p.text.startswith("■")]  # headings repeat on each page
    joined = "".join(bodies)
    assert joined.count("RPA導入により削減した作業時間") == 1
    # every piece of every reason is on some slide: the whole text, once per indicator
    assert joined.count("ABC 123 の影響もある。") == 40 * 4


def test_rendering_previews_without_libreoffice_returns_nothing_and_says_so(monkeypatch, caplog, tmp_path):
    monkeypatch.setattr(deck_module.shutil, "which", lambda name: None)
    with caplog.at_level(logging.WARNING, logger="kpi.publish.deck"):
        assert render_slides_png(b"not used", tmp_path) == []
    assert "libreoffice" in caplog.text


def test_an_indicator_without_a_rate_gets_its_own_slide_with_the_reason(pub_view):
    from kpi.domain.achievement import Rate, RateStatus
    from kpi.publish.report_data import build
    from kpi.services.evaluation import Evaluated

    rows = list(pub_view.rows)
    i = next(k for k, e in enumerate(rows) if e.row["code"] == "P3-1-01")
    rows[i] = Evaluated({**rows[i].row, "value_number": None, "value_text": None, "state": None},
                        Rate(None, RateStatus.MISSING_VALUE), None)
    data = build(dataclasses.replace(pub_view, rows=rows), edition=1)
    assert data.overall.unrated == 1 and data.overall.total == 67
    prs = Presentation(io.BytesIO(write_deck(data)))
    slide = _slides_with(prs, "達成率を算出できない指標")[0]
    assert rows[i].row["name"] in _text(slide)
    assert "実績値・見込値が未入力です" in _text(slide)

"""Initiatives, outline and conclusions in the published outputs: the deck (in the seed's order, with figures, the
computed 前年比 and photos), the workbook's 主な取組 sheet, the open data, and the edition's frozen snapshot."""
from __future__ import annotations

import io
import json
import shutil

import polars as pl
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

import warehouse
from kpi.domain.initiatives import InitiativeInput
from kpi.domain.workflow import Role
from kpi.publish.fonts import FAMILY
from kpi.services import initiatives, narrative, publishing
from kpi.services.actors import Actor
from kpi.services.initiatives import PhotoUpload

EDITOR1 = Actor("editor1", "総務部 入力担当", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"}))
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))


def _png(colour: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "PNG")
    return buf.getvalue()


PHOTO = _png("green")


def slide_texts(prs) -> list[str]:
    return ["\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in prs.slides]


def title_of(prs, n: int) -> str:
    return next(sh.text_frame.text for sh in prs.slides[n].shapes if sh.has_text_frame)


@pytest.fixture(scope="module")
def fy2022_published(demo_db_template, tmp_path_factory):
    """FY2022: editor1 enters an initiative with a figure, last year's figure and a photo; the reviewer returns
    it once, it is corrected, approved, and the cycle is published. Then the initiative is reopened and changed."""
    path = tmp_path_factory.mktemp("init") / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    raw = InitiativeInput("ONLINE", "電子申請で利用できる手続を拡大", "本年1月時点", ("押印の見直しと一体で推進",),
                          "利用可能な手続件数", "2,100件", "件", "1,300件", "previous_year")
    s = initiatives.save(EDITOR1, 2022, "GYOKAKU", raw, photos=[PhotoUpload("申請画面.png", PHOTO, "ちば電子申請サービス")],
                         db=path)
    v = initiatives.submit(EDITOR1, s.initiative_id, s.version, db=path)
    v = initiatives.return_initiative(REVIEWER, s.initiative_id, v, "前年の件数を確認してください", db=path)
    fixed = initiatives.save(EDITOR1, 2022, "GYOKAKU", InitiativeInput(**{**raw.__dict__, "base_text": "1,227件"}),
                             initiative_id=s.initiative_id, expected_version=v, db=path)
    v = initiatives.submit(EDITOR1, s.initiative_id, fixed.version, db=path)
    v = initiatives.approve(REVIEWER, s.initiative_id, v, db=path)
    edition = publishing.publish(REVIEWER, 2022, interim=True, db=path)  # FY2022 is open: 速報版
    initiatives.reopen(REVIEWER, s.initiative_id, v, "件数の訂正", db=path)  # after publication
    deck = Presentation(io.BytesIO(edition.files["2022_interim_v1.pptx"]))
    return path, edition, deck


def test_an_approved_initiative_appears_with_its_computed_ratio_on_the_initiatives_slide(fy2022_published):
    _path, _edition, deck = fy2022_published
    texts = slide_texts(deck)
    hits = [n for n, t in enumerate(texts) if "電子申請で利用できる手続を拡大" in t]
    assert len(hits) == 1
    n = hits[0]
    assert title_of(deck, n) == "（参考）令和4年度の主な取組"
    assert "■ 行政手続のオンライン化" in texts[n]
    assert "利用可能な手続件数 2,100件（前年比1.7倍、前年1,227件）" in texts[n]  # 2100/1227 = 1.711…
    assert "押印の見直しと一体で推進" in texts[n]
    overview = next(i for i, t in enumerate(texts) if title_of(deck, i).endswith("の進捗状況（概要）"))
    assert 0 < n < overview  # the seed's order: initiatives before the indicator pages


def test_the_initiatives_photo_is_on_its_slide_with_the_caption(fy2022_published):
    _path, _edition, deck = fy2022_published
    n = next(i for i, t in enumerate(slide_texts(deck)) if "電子申請で利用できる手続を拡大" in t)
    pictures = [sh for sh in deck.slides[n].shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert [p.image.blob for p in pictures] == [PHOTO]
    assert "ちば電子申請サービス" in slide_texts(deck)[n]


def test_the_edition_froze_the_initiative_as_approved_and_a_later_reopen_does_not_change_it(fy2022_published):
    path, edition, _deck = fy2022_published
    frozen = narrative.edition_narrative(REVIEWER, edition.edition_id, db=path)
    assert [(i["title"], i["comparison"]) for i in frozen["initiatives"]] == [("電子申請で利用できる手続を拡大", "前年比1.7倍")]
    assert frozen["initiatives"][0]["photos"][0]["caption"] == "ちば電子申請サービス"
    assert initiatives.approved_by_area(REVIEWER, 2022, db=path) == []  # reopened since: no longer approved
    with warehouse.connect(path) as con:
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log WHERE entity = 'initiative'"
                                             " AND cycle_id = (SELECT cycle_id FROM cycles WHERE fiscal_year = 2022)"
                                             " ORDER BY audit_id").fetchall()]
    assert actions == ["save", "submit", "return", "save", "submit", "approve", "reopen"]


def test_the_workbook_has_an_initiatives_sheet_with_the_computed_comparison(fy2022_published):
    _path, edition, _deck = fy2022_published
    sheet = pl.read_excel(io.BytesIO(edition.files["2022_interim_v1.xlsx"]), sheet_name="主な取組",
                          read_options={"header_row": 3})
    row = sheet.row(0, named=True)
    assert (row["分野"], row["取組名"], row["比較（自動計算）"], row["数値"], row["基準の数値"]) == (
        "行政手続のオンライン化", "電子申請で利用できる手続を拡大", "前年比1.7倍", 2100, 1227)


def test_the_open_data_lists_the_approved_initiatives(fy2022_published):
    _path, edition, _deck = fy2022_published
    records = json.loads(edition.files["opendata/initiatives.json"])
    assert [(r["title"], r["figure"], r["base"], r["base_kind"], r["comparison"]) for r in records] == [
        ("電子申請で利用できる手続を拡大", 2100, 1227, "previous_year", "前年比1.7倍")]
    csv = edition.files["opendata/initiatives.csv"].decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("fiscal_year,area_code,area,title")
    meta = json.loads(edition.files["opendata/metadata.json"])
    assert "initiatives.csv" in meta["files"]


# --- the demo deck: the seed's FY2021 narrative -----------------------------------------------------------


@pytest.fixture(scope="module")
def demo_deck(demo_db_template, tmp_path_factory):
    from kpi.publish.deck import write_deck
    from kpi.publish.report_data import build
    from kpi.services.summaries import load_cycle

    path = tmp_path_factory.mktemp("demo_deck") / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    view = load_cycle(2021, db=path)
    with warehouse.connect(path) as con:
        snap = narrative.snapshot(con, view.cycle["cycle_id"])
    return Presentation(io.BytesIO(write_deck(build(view, sections=[[1], [2, 3]], narrative=snap))))


def test_the_demo_deck_has_the_seeds_fy2021_initiatives_figures_and_marks(demo_deck):
    text = "\n".join(slide_texts(demo_deck))
    for printed in ("知事と若手職員との意見交換（6月）", "全職員向けDX研修（10月～）", "■ （県庁）職員の意識醸成",
                    "■ スマート農林水産業の推進", "押印を廃止した様式 5,300件（6,000件のうち9割弱）",
                    "利用可能な手続件数 1,227件（前年比1.7倍", "申請件数 176,679件（前年比1.6倍",
                    "中小製造業のスマート化推進支援　※継続取組", "「GIGAスクールサポーター」を配置し"):
        assert printed in text, printed


def test_the_demo_deck_follows_the_seeds_order(demo_deck):
    titles = [title_of(demo_deck, n) for n in range(len(demo_deck.slides))]
    kinds = []
    for t in titles[1:]:
        kind = ("initiatives" if "主な取組" in t else "outline" if "の概要（" in t else
                "conclusions" if t.endswith("（戦略の見直しへ）") else "indicators")
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
    assert kinds == ["initiatives", "outline", "indicators", "conclusions"]
    assert titles[1] == "（参考）令和3年度の主な取組"
    assert any(t == "千葉県ICT利活用戦略の概要（令和元年9月策定）" for t in titles)


def test_the_demo_outline_and_conclusions_are_as_printed(demo_deck):
    texts = slide_texts(demo_deck)
    outline = next(t for t in texts if "の概要（令和元年9月策定）" in t)
    for printed in ("令和元年度～随時更新していく永遠のβ版", "くらし満足度日本一の実現", "県が早期にプロジェクト化して実践",
                    "千葉県ICTアドバイザリー会議", "NPO・任意団体"):
        assert printed in outline
    last = texts[-1]
    assert "（戦略の見直しへ）" in last
    assert "■ デジタルに係る国の動き" in last and "・ デジタル庁の設置、自治体DXの推進" in last
    assert "⇒ ICT利活用戦略の見直しにより、県のデジタル・トランスフォーメーション推進へ" in last


def test_every_run_of_the_narrative_slides_names_the_east_asian_font(demo_deck):
    checked = 0
    for slide in demo_deck.slides:
        for shape in slide.shapes:
            if not shape.has_text_frame:
                continue
            for p in shape.text_frame.paragraphs:
                for r in p.runs:
                    if r.text:
                        ea = r._r.find(qn("a:rPr")).find(qn("a:ea"))
                        assert ea is not None and ea.get("typeface") == FAMILY, r.text
                        checked += 1
    assert checked > 300


def test_the_pdf_has_the_initiatives_pages_before_the_figures(fy2022_published, tmp_path):
    import subprocess

    # pdftotext comes with poppler-utils, which scripts/browser_deps.sh installs with the test setup
    _path, edition, _deck = fy2022_published
    src = tmp_path / "r.pdf"
    src.write_bytes(edition.files["2022_interim_v1.pdf"])
    text = subprocess.run(["pdftotext", "-layout", str(src), "-"], capture_output=True, text=True, check=True).stdout
    assert "（参考）令和4年度の主な取組" in text
    assert "▶ 利用可能な手続件数 2,100件（前年比1.7倍、前年1,227件）" in text
    assert text.index("主な取組") < text.index("の進捗状況（概要）")


def test_photos_that_do_not_fit_beside_their_initiatives_go_to_a_photo_page_right_after(pub_report):
    from dataclasses import replace

    from kpi.publish.deck import write_deck
    from kpi.publish.narrative_data import AreaGroup, InitiativeLine, Narrative, Photo

    shots = [Photo(f"研修の様子{n}", "image/png", _png(c)) for n, c in enumerate(["red", "blue", "gray"], start=1)]
    item = InitiativeLine("STAFF", "（県庁）職員の意識醸成", "全職員向けDX研修", "10月～", (), "", None, "", None, None,
                          "", "", False, "総務部行政改革推進課", tuple(shots))
    deck = Presentation(io.BytesIO(write_deck(replace(pub_report, narrative=Narrative(
        (AreaGroup("STAFF", item.area_label, (item,)),))))))
    pictures = [[sh.image.blob for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE] for s in deck.slides]
    assert pictures[1] == [shots[0].content, shots[1].content]
    assert pictures[2] == [shots[2].content]
    assert title_of(deck, 2) == "（参考）令和3年度の主な取組（続き）"
    assert "研修の様子3" in slide_texts(deck)[2]

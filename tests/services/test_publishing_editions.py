"""Editions by state: an open year gives only a 速報（中間）版, marked on every page and in the open data; a closed or
finalized year gives the 公表版 laid out in the strategy's sections (the seed's (2) = pillars 2 + 3). Files read back."""
from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from pptx import Presentation

import warehouse
from kpi import cli
from kpi.domain.editions import EditionRefused
from kpi.domain.workflow import Role
from kpi.services import publishing
from kpi.services.actors import Actor

REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))


def _slides(pptx: bytes) -> list[str]:
    deck = Presentation(io.BytesIO(pptx))
    return [" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in deck.slides]


def _tables(pptx: bytes) -> list[list[list[str]]]:
    deck = Presentation(io.BytesIO(pptx))
    return [[[c.text for c in r.cells] for r in sh.table.rows] for s in deck.slides for sh in s.shapes if sh.has_table]


def _pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    src = tmp_path / "report.pdf"
    src.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True, capture_output=True, text=True).stdout
    return [p for p in text.split("\f") if p.strip()]


@pytest.fixture(scope="module")
def interim(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("interim") / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    return path, publishing.publish(REVIEWER, 2022, interim=True, db=path)


def test_an_open_year_is_refused_as_a_final_edition_and_nothing_is_written(demo_db):
    with pytest.raises(EditionRefused, match="令和4年度は受付中（承認済 0 / 全 67 指標）"):
        publishing.publish(REVIEWER, 2022, db=demo_db)
    assert publishing.list_editions(REVIEWER, 2022, db=demo_db) == []


def test_a_closed_year_is_refused_as_an_interim_edition(demo_db):
    with pytest.raises(EditionRefused, match="令和3年度は確定済"):
        publishing.publish(REVIEWER, 2021, interim=True, db=demo_db)


def test_the_plan_names_state_kind_edition_and_coverage(demo_db):
    p = publishing.plan(REVIEWER, 2022, db=demo_db)
    assert (p["state_label"], p["kind"], p["edition_label"]) == ("受付中", "interim", "速報（中間）版 第1版")
    assert p["coverage"].text == "承認済 0 / 全 67 指標"
    assert [(c.no, c.total) for c in p["coverage"].pillars] == [(1, 11), (2, 48), (3, 8)]
    q = publishing.plan(REVIEWER, 2021, db=demo_db)
    assert (q["kind"], q["edition_label"], q["coverage"].text) == ("final", "第1版", "承認済 67 / 全 67 指標")


def test_every_slide_of_an_interim_deck_is_marked(interim):
    _path, edition = interim
    slides = _slides(edition.files["2022_interim_v1.pptx"])
    assert slides and all("速報（中間）版（承認済 0 / 全 67 指標）" in t for t in slides)


def test_every_pdf_page_of_an_interim_edition_is_marked(interim, tmp_path):
    _path, edition = interim
    pages = _pdf_pages(edition.files["2022_interim_v1.pdf"], tmp_path)
    assert len(pages) > 3 and all("速報（中間）版" in p and "承認済 0 / 全 67 指標" in p for p in pages)


def test_the_open_data_metadata_says_interim_with_its_coverage(interim):
    _path, edition = interim
    meta = json.loads(edition.files["opendata/metadata.json"])
    assert meta["interim"] is True and meta["edition_kind"] == "interim"
    assert meta["edition_label"] == "速報（中間）版 第1版"
    assert meta["coverage"]["text_ja"] == "承認済 0 / 全 67 指標" and meta["coverage"]["total"] == 67
    assert "速報" in meta["title"]


def test_the_edition_list_shows_kind_coverage_and_japan_time(interim):
    path, edition = interim
    [ed] = publishing.list_editions(REVIEWER, 2022, db=path)
    assert ed["interim"] and ed["edition_label"] == "速報（中間）版 第1版"
    assert ed["coverage_text"] == "承認済 0 / 全 67 指標"
    assert ed["published_label"].endswith("（日本時間）")
    deck_footer = _slides(edition.files["2022_interim_v1.pptx"])[0]
    # the page and the files show the same minute (the edition time is stored once, shown in Japan time)
    day, minute = ed["published_label"].split()[0], ed["published_label"].split()[1][:5]
    y, m, d = day.split("-")
    assert f"{y}年{m}月{d}日 {minute} 作成（日本時間）" in deck_footer


@pytest.fixture(scope="module")
def fy2021(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("fy2021") / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    return publishing.publish(REVIEWER, 2021, db=path)


def test_the_deck_prints_the_seeds_section_2_as_pillars_2_and_3_together(fy2021):
    slides = _slides(fy2021.files["2021_report_v1.pptx"])
    assert any("（2）個別施策・推進を支える土台づくり" in t for t in slides)
    assert not any("（3）" in t for t in slides)
    shares = [t for t in _tables(fy2021.files["2021_report_v1.pptx"]) if t[-1][0] == "割合（計56指標）"]
    assert shares and shares[0][-1][1:5] == ["76.8%", "3.6%", "0.0%", "19.6%"]
    assert shares[0][2][0] == "個別施策・計48指標" and shares[0][3][0] == "推進を支える土台づくり・計8指標"


def test_the_pdf_prints_the_seeds_section_2(fy2021, tmp_path):
    pages = _pdf_pages(fy2021.files["2021_report_v1.pdf"], tmp_path)
    section = [p for p in pages if "（2）個別施策・推進を支える土台づくり" in p]
    assert section and "割合（計56指標）" in section[0] and "76.8%" in section[0]
    assert "56指標のうち、43指標で目標達成となる見込み。" in " ".join(pages)


def test_the_workbook_and_open_data_carry_the_section(fy2021):
    meta = json.loads(fy2021.files["opendata/metadata.json"])
    assert [s["pillars"] for s in meta["sections"]] == [[1], [2, 3]]
    summary = fy2021.files["opendata/summary.csv"].decode("utf-8-sig")
    assert "計（個別施策・推進を支える土台づくり）" in summary and "76.8" in summary


def test_cli_refuses_an_open_year_with_exit_2_and_makes_the_interim_edition(demo_db, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["publish", "--cycle", "2022", "--out", str(out), "--db", str(demo_db), "--no-flow",
                     "--as", "reviewer"]) == 2
    err = capsys.readouterr().err
    assert "令和4年度は受付中（承認済 0 / 全 67 指標）" in err and "--interim" in err
    assert not out.exists()
    assert cli.main(["publish", "--cycle", "2022", "--interim", "--out", str(out), "--db", str(demo_db),
                     "--no-flow", "--as", "reviewer"]) == 0
    assert "速報（中間）版 第1版を作成しました" in capsys.readouterr().out
    assert all("速報（中間）版" in t for t in _slides((out / "2022_interim_v1.pptx").read_bytes()))
    with warehouse.connect(demo_db) as con:
        assert con.execute("SELECT kind, approved_count, indicator_count FROM editions").fetchall() == [
            ("interim", 0, 67)]

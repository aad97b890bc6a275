"""The report content: the summary's own numbers, the seed's wording of figures, reasons grouped by category."""
from __future__ import annotations

import dataclasses

import pytest

from kpi.domain.bands import BAND_ORDER, Band
from kpi.publish.report_data import ReportBasisError, build, reason_heading
from kpi.services.summaries import band_groups


def _published(seed_figures, scope):
    return next(t for t in seed_figures["published_tables"] if t["scope"] == scope)


def _as_seed(summary) -> dict:
    return {"total": summary.total, "counts": {b.value: summary.counts[b] for b in BAND_ORDER},
            "percent": {b.value: float(summary.percent[b]) for b in BAND_ORDER}}


def test_overall_and_pillar_summaries_equal_band_groups(pub_view, pub_report):
    groups = band_groups(pub_view)
    assert pub_report.overall == groups[0]
    assert [p.summary for p in pub_report.pillars] == groups[1:]
    # a one-pillar section shows the very object of its pillar
    for section, pillar in zip(pub_report.sections, pub_report.pillars):
        assert section.summary is pillar.summary


@pytest.mark.parametrize("scope, where", [
    ("all (pillars 1+2+3)", lambda r: r.overall),
    ("pillar 1", lambda r: r.pillars[0].summary),
    ("pillars 2+3", lambda r: r.sections[1].summary),
])
def test_report_reproduces_the_seed_tables(pub_seed_report, seed_figures, scope, where):
    table = _published(seed_figures, scope)
    got = _as_seed(where(pub_seed_report))
    assert got["total"] == table["total"]
    assert got["counts"] == table["counts"]
    assert got["percent"] == table["percent"]


@pytest.mark.parametrize("name, figures", [
    ("テレワーク実施者数", "目標値：280人 R3年度実績値：4月～8月 36,821人"),
    ("WEB会議機能を利用した人数", "目標値：1,000人 R3年度末見込値：延べ参加人数131,704人"),
    ("小・中・高連携の特別授業実施教員のうち、プログラミング指導をする人数",
     "目標：増加を目指します 基準値：25名 R3年度末実績値：26名"),
    ("RPA導入により削減した作業時間", "目標値：6,000時間 R3年度末実績値：5,445時間"),
    ("離職者等再就職訓練事業の情報系コースの就職率", "目標値：75.0% R3年度実績値：R3.12時点 68.0%"),
    ("年間用紙使用量", "目標値：365,241千枚 R2年度速報値：437,322千枚"),
    ("「ちば医療ナビ」アクセス件数", "目標：増加を目指します R元年度：65,667件/月 R3年度見込値：35,406件/月"),
    ("森林クラウドを利用する団体数", "目標値：県・52市町村・13林業事業体 R3年度末実績：県・52市町村・2林業事業体"),
    ("電子化済みの手続数", "目標値：150手続"),
])
def test_figures_are_printed_as_the_seed_prints_them(pub_report, name, figures):
    line = next(ln for ln in pub_report.lines if ln.name == name)
    assert line.figures == figures


def test_pillar_one_lists_achieved_unachieved_and_stopped_as_the_seed(pub_report):
    s = pub_report.sections[0]
    assert len(s.achieved) == 7 and s.achieved[0].name == "テレワーク実施者数"
    assert [ln.name for g in s.unachieved for ln in g.lines] == [
        "RPA導入により削減した作業時間", "ICTを活用した業務改革に資する取組の数",
        "児童・生徒のICT活用を指導する能力を持つ教員の割合", "離職者等再就職訓練事業の情報系コースの就職率"]
    assert [ln.name for ln in s.stopped] == ["電子化済みの手続数"]
    assert s.stopped[0].stop_reason.startswith("書面規制、押印、対面規制の抜本的な見直しに向け")
    assert s.achieved_lead == "12指標のうち、7指標で目標達成となる見込み。"


def test_unachieved_of_pillars_two_and_three_are_grouped_by_reason_category(pub_seed_report):
    groups = pub_seed_report.sections[1].unachieved
    assert [g.heading for g in groups] == ["新型コロナウイルス感染症の影響が大きいと思われるもの",
                                           "その他の理由で未達成（見込）となるもの"]
    covid = {ln.name for ln in groups[0].lines}
    assert covid == {"年間用紙使用量", "「ちば医療ナビ」アクセス件数", "ちばりすネットへの情報登録件数",
                     "医療機関の応需情報等の適切な提供（「地域別応需情報検索」「実施基準・科目検索」へのアクセス件数）"}
    assert len(groups[1].lines) == 9  # the seed lists one of them twice
    assert all(ln.reason for g in groups for ln in g.lines)
    assert pub_seed_report.sections[1].achieved_lead == "56指標のうち、43指標で目標達成となる見込み。"


def test_every_indicator_is_in_exactly_one_list(pub_report):
    listed = [ln.code for s in pub_report.sections
              for ln in (*s.achieved, *(x for g in s.unachieved for x in g.lines), *s.stopped, *s.unrated)]
    assert sorted(listed) == sorted(ln.code for ln in pub_report.lines)
    assert len(listed) == 68


def test_metadata_and_footer_name_cycle_edition_and_time(pub_report):
    assert pub_report.title == "令和3年度 千葉県ICT利活用戦略 進捗状況について"
    assert pub_report.edition_label == "第2版"
    assert "令和3年度" in pub_report.footer and "第2版" in pub_report.footer
    assert "2021年12月01日 09:30" in pub_report.footer
    assert "73.5%" in pub_report.overall_lead


def test_default_title_and_publisher_come_from_the_cycle(pub_view):
    data = build(pub_view)
    assert data.title == "令和3年度 千葉県ICT利活用戦略 進捗状況について"
    assert data.publisher == "千葉県総務部行政改革推進課"
    assert data.edition == 1


def test_a_report_refuses_unapproved_values(pub_view):
    with pytest.raises(ReportBasisError, match="承認済み"):
        build(dataclasses.replace(pub_view, basis="all"))


@pytest.mark.parametrize("sections", [[[1], [1, 2]], [[9]], [[]]])
def test_bad_sections_are_refused(pub_view, sections):
    with pytest.raises(ValueError, match="区分の指定"):
        build(pub_view, sections=sections)


@pytest.mark.parametrize("name, heading", [
    ("その他の理由", "その他の理由で未達成（見込）となるもの"),
    ("新型コロナウイルス感染症の影響が大きいと思われるもの", "新型コロナウイルス感染症の影響が大きいと思われるもの"),
    ("国の制度変更", "国の制度変更で未達成（見込）となるもの"),
])
def test_reason_headings_read_as_the_seed(name, heading):
    assert reason_heading(name) == heading


def test_rates_are_rounded_down_as_displayed(pub_report):
    rpa = next(ln for ln in pub_report.lines if ln.code == "P1-1-04")
    assert str(rpa.rate_percent) == "90.7" and rpa.rate_text == "90.7%" and rpa.band is Band.B60_100

"""Cell forms met in the second batch of the corpus (tests/data/planning_lists), read as a person reads them:
multipliers that differ between target and baseline compare as numbers (「4千万人」 against 「1974万人」 is an
increase), 「3兆5千億円」, per-week figures, 【令和元年実績:…】, 「令和7年までに…」, 「令和元年水準超え」 (more than
the printed baseline), 「3割以上」, 「2020年までの5年間で30万人」, labels that contain figures, grouped labels,
「減少傾向へ」 for parts, 「全ての世代と同水準」 (relative), 「(参考値)…」 baselines, and a zero target without a
baseline (a ceiling). The refusals the corpus keeps are in expected_refusals.csv."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpi.domain.planning_marks import expand_numerals, labelled_parts
from kpi.domain.planning_rows import read_row
from kpi.domain.planning_text import RowProblems


def read(target, baseline=None, era="平成"):
    return read_row(target=target, baseline=baseline, unit=None, printed_era=era)


@pytest.mark.parametrize("target, baseline, value, base, unit", [
    ("4千万人", "1974万人", Decimal("40000000"), Decimal("19740000"), "人"),
    ("8兆円", "3兆5千億円", Decimal("8000000000000"), Decimal("3500000000000"), "円"),
    ("21兆円", "20兆4千億円", Decimal("21000000000000"), Decimal("20400000000000"), "円"),
    ("2,400万人", "1,159万人", Decimal("2400"), Decimal("1159"), "万人"),  # the same multiplier: kept as printed
])
def test_figures_with_different_multipliers_compare_as_numbers(target, baseline, value, base, unit):
    r = read(target, baseline)
    assert (r.target, r.baseline, r.unit, r.comparison) == (value, base, unit, "ge")


def test_compound_numerals_with_thousands_of_a_larger_unit():
    assert expand_numerals("3兆5千億円") == "3500000000000円"
    assert expand_numerals("1万7千人超") == "17000人超"
    assert expand_numerals("4千万人") == "4千万人"  # one multiplier: the unit carries it


@pytest.mark.parametrize("target, baseline, era, value, base, comparison, period_start", [
    ("週11回以上", "週9.7回", "平成", Decimal("11"), Decimal("9.7"), "ge", None),
    ("令和7年までに20万円", "【令和元年実績:15.9万円】", "令和", Decimal("20"), Decimal("15.9"), "ge", 2025),
    ("早期に5兆円", "【令和元年実績:4.8兆円】", "令和", Decimal("5"), Decimal("4.8"), "ge", None),
    ("令和7年までに令和元年水準超え", "【令和元年実績:3,188万人】", "令和", Decimal("3188"), Decimal("3188"), "gt", 2025),
    ("「アジア最大の開催国」3割以上", "26・1%", "平成", Decimal("30"), Decimal("26.1"), "ge", None),
    ("80% (平成34年度)", "(参考値)管理栄養士・栄養士を配置している施設の割合 70.5% (平成22年度)", "平成",
     Decimal("80"), Decimal("70.5"), "ge", 2022),
    ("0%(令和 14 年度)", "-", "令和", Decimal("0"), None, "le", 2032),
])
def test_cells_a_person_reads_at_once(target, baseline, era, value, base, comparison, period_start):
    r = read(target, baseline, era)
    assert (r.target, r.baseline, r.comparison) == (value, base, comparison)
    assert (r.target_period.start if r.target_period else None) == period_start


def test_a_total_over_the_years_before_a_year():
    r = read("2020年までの5年間で30万人", "-")
    assert (r.target, r.unit) == (Decimal("30"), "万人")
    assert (r.target_period.start, r.target_period.end, r.target_period.aggregate) == (2016, 2020, "cumulative")


def test_reaching_another_groups_level_is_a_relative_target():
    r = read("2020年までに全ての世代と同水準", "92.2%(2013年)")
    assert (r.target_type, r.comparison, r.reference, r.baseline) == ("relative", "ge", "全ての世代", Decimal("92.2"))


@pytest.mark.parametrize("cell, labels", [
    ("20〜60歳代男性の肥満者の割合 31.2% 40〜60歳代女性の肥満者の割合 22.2%",
     ("20〜60歳代男性の肥満者の割合", "40〜60歳代女性の肥満者の割合")),
    ("朝食 小学生15.3% 中学生33.7% 夕食 小学生2.2% 中学生6.0%", ("朝食小学生", "朝食中学生", "夕食小学生", "夕食中学生")),
    ("男性 8,000 歩 女性 8,000 歩", ("男性", "女性")),
])
def test_labelled_parts_as_printed(cell, labels):
    parts = labelled_parts(cell)
    assert parts is not None and tuple(label for label, _ in parts.parts) == labels


@pytest.mark.parametrize("cell", ["44.2% 34市町村 全国41位", "34市町村 全国41位", "県・52市町村", "男性81.1年 全国2位 女性85.2年 全国1位"])
def test_figures_are_never_taken_for_labels(cell):
    assert labelled_parts(cell) is None


def test_a_decrease_trend_for_parts_judges_each_part_against_its_baseline():
    r = read("減少傾向へ (平成34年度)", "朝食 小学生15.3% 中学生33.7% (平成22年度)")
    assert (r.target_type, r.direction.value) == ("decrease", "lower")


def test_two_stage_targets_and_ranks_with_shares_are_asked_about():
    with pytest.raises(RowProblems):
        read("早期に20兆円、令和7年までに22兆円", "【令和元年実績:21.9兆円】", "令和")
    with pytest.raises(RowProblems):
        read("令和7年までにアジア最大の開催国(3割以上)", "【令和元年実績:アジア2位(30.1%)】", "令和")

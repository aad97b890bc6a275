"""Cells of every class the issue lists, as printed, read by kpi.domain.planning_rows.read_row (table tests), and the
row's problems all at once. The printed era is the plan's (記載の元号)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.planning_headings import parse_heading
from kpi.domain.planning_marks import expand_numerals, kanji_numerals, strip_marks
from kpi.domain.planning_periods import PeriodError, split_period
from kpi.domain.planning_rows import read_row
from kpi.domain.planning_text import RowProblems


def read(target, baseline=None, unit=None, era="平成"):
    return read_row(target=target, baseline=baseline, unit=unit, printed_era=era)


@pytest.mark.parametrize("text, field, last, expected", [
    ("基本目標1　しごとをつくる", "柱", False, (1, "しごとをつくる")),
    ("施策の柱2", "柱", False, (2, "施策の柱2")),
    ("1-3 子育て支援", "項目", True, (3, "子育て支援")),
    ("1-3 子育て支援", "柱", False, (1, "子育て支援")),
    ("政策分野I-1 自助・共助・公助", "柱", False, (1, "自助・共助・公助")),
    ("戦略Ⅱ 国内外の多くの人々が集う", "柱", False, (2, "国内外の多くの人々が集う")),
    ("⑤生涯スポーツ", "項目", True, (5, "生涯スポーツ")),
    ("第2章 産業", "柱", False, (2, "産業")),
    ("2", "柱", False, (2, None)),
    ("第1分野 政策・方針決定過程", "柱", False, (1, "政策・方針決定過程")),
    ("(1)第一次産業の振興", "項目", True, (1, "第一次産業の振興")),
    ("取組項目1:LGX推進", "項目", True, (1, "LGX推進")),
    ("生涯学習の促進", "柱", False, (None, "生涯学習の促進")),
])
def test_headings_as_plans_print_them(text, field, last, expected):
    assert parse_heading(text, field=field, last=last) == expected


@pytest.mark.parametrize("cell, era, kind, year, fy", [
    ("81.0%(32年度)", "平成", "fiscal_year", 2020, 2020),      # a plan printed in 平成 writes 32年度 for FY2020
    ("81.0%(平成32年度)", None, "fiscal_year", 2020, 2020),    # pre-2019 plans print 平成32年度
    ("57,277件(28年)", "平成", "calendar_year", 2016, 2016),   # 暦年 kept
    ("3,200人（2026年）", None, "calendar_year", 2026, 2026),
    ("720社 (H30.4.1)", None, "point", 2018, 2018),
    ("30人（R5.4.1時点）", None, "point", 2023, 2023),
    ("30人（3年9月）", "令和", "point", 2021, 2021),
    ("30人（3年2月）", "令和", "point", 2021, 2020),           # a point in February falls in the previous FY
    ("6,500人(令和6年度)", None, "fiscal_year", 2024, 2024),
    ("R元年度：65,667件/月", None, "fiscal_year", 2019, 2019),
])
def test_periods_resolve_through_the_printed_era(cell, era, kind, year, fy):
    _, period = split_period(cell, printed_era=era)
    assert (period.kind, period.end, period.fiscal_year) == (kind, year, fy)


def test_a_year_without_its_era_needs_the_plans_printed_era():
    with pytest.raises(PeriodError, match="記載の元号"):
        split_period("81.0%(32年度)", printed_era=None)
    with pytest.raises(RowProblems) as refused:
        read("81.0%(32年度)", era=None)
    assert refused.value.problems[0].column == "目標"


@pytest.mark.parametrize("cell, start, end, aggregate", [
    ("150件（2023年度～2027年度の累計）", 2023, 2027, "cumulative"),
    ("増加を目指す（2024～2028年度の平均）", 2024, 2028, "average"),
    ("(H27~H31累計):10,000人", 2015, 2019, "cumulative"),
])
def test_multi_year_ranges_keep_their_aggregate(cell, start, end, aggregate):
    _, period = split_period(cell, printed_era="平成")
    assert (period.kind, period.start, period.end, period.aggregate) == ("range", start, end, aggregate)


def test_an_average_printed_before_the_figure_is_kept():
    r = read("平均95人（H27～R1）", "80人")
    assert (r.target, r.target_period.aggregate, r.target_period.start, r.target_period.end) == (
        Decimal(95), "average", 2015, 2019)


@pytest.mark.parametrize("cell, expected", [
    ("2億4,500万人", "245000000人"), ("3兆2,000億円", "3200000000000円"), ("1万7千人超", "17000人超"),
    ("1万7187人超", "17187人超"), ("3.6万人", "3.6万人"), ("5,154億円", "5,154億円"),
])
def test_large_numerals(cell, expected):
    assert expand_numerals(cell) == expected


def test_kanji_numerals_are_figures_but_words_stay_words():
    assert kanji_numerals("九十九人(平成二十三年度)") == "99人(平成23年度)"
    assert kanji_numerals("一時預かり事業") == "一時預かり事業" and kanji_numerals("2,667 千人泊") == "2,667 千人泊"


@pytest.mark.parametrize("cell, body, note", [
    ("720社※", "720社", "※"), ("85%※1", "85%", "※1"), ("12件*", "12件", "*"), ("57.3%(※1)", "57.3%", "※1"),
])
def test_footnote_marks_go_to_the_note_and_leave_figure_and_unit(cell, body, note):
    assert strip_marks(cell) == (body, note)
    r = read(cell, "1")
    assert r.note == note and r.unit == body.lstrip("0123456789.,")


def test_a_mark_never_pollutes_the_unit_when_the_unit_column_is_empty():
    r = read("720社※ (32年度)", "700社 (28年度)")
    assert (r.target, r.unit, r.note) == (Decimal(720), "社", "※")


def test_labelled_baseline_and_shared_target_become_parts():
    r = read("いずれも85%", "男性58.2%／女性47.9%")
    assert r.target_type == "composite" and r.unit == "%"
    assert [(p["label"], p["target"], p["baseline"]) for p in r.parts] == [
        ("男性", "85", "58.2"), ("女性", "85", "47.9")]
    parts = read("70%(正社員) 50%(非正社員)", "43.8%(正社員) 19.3%(非正社員)").parts
    assert [(p["label"], p["target"], p["baseline"]) for p in parts] == [
        ("正社員", "70", "43.8"), ("非正社員", "50", "19.3")]


def test_an_aim_for_labelled_parts_keeps_each_parts_baseline():
    r = read("増加", "就学前児童 64.3% 小学生 60.6%")
    assert r.target_type == "increase" and [(p["label"], p["target"], p["baseline"]) for p in r.parts] == [
        ("就学前児童", None, "64.3"), ("小学生", None, "60.6")]


@pytest.mark.parametrize("cell, target_type, direction", [
    ("延伸を目指す", "increase", "higher"), ("向上を目指す", "increase", "higher"),
    ("短縮を目指す", "decrease", "lower"), ("縮小を目指す", "decrease", "lower"),
    ("H31年延伸", "increase", "higher"), ("減少を目指します(32年)", "decrease", "lower"),
])
def test_direction_words(cell, target_type, direction):
    r = read(cell, "45分")
    assert (r.target_type, r.direction.value) == (target_type, direction)


@pytest.mark.parametrize("cell, comparison, value", [
    ("93%超", "gt", 93), ("85%を超える", "gt", 85), ("1.0%未満", "lt", Decimal("1.0")), ("85%以上", "ge", 85),
    ("12%以下", "le", 12), ("720社", "ge", 720), ("45人以下(2025 年)", "le", 45),
])
def test_comparisons_are_kept(cell, comparison, value):
    r = read(cell, "80%" if "%" in cell else "100")
    assert (r.comparison, r.target) == (comparison, Decimal(value))


@pytest.mark.parametrize("cell, reference, comparison", [
    ("全国平均を上回る", "全国平均", "gt"), ("全国平均以上", "全国平均", "ge"), ("県平均を下回る", "県平均", "lt"),
])
def test_relative_targets_keep_reference_comparison_and_baseline(cell, reference, comparison):
    r = read(cell, "62.4%（H28）")
    assert (r.target_type, r.reference, r.comparison, r.baseline, r.unit) == (
        "relative", reference, comparison, Decimal("62.4"), "%")


def test_every_problem_of_a_row_at_once_with_what_was_understood():
    with pytest.raises(RowProblems) as refused:
        read("5万人くらい (平成0年度)", "令和0年度 3人")
    columns = [p.column for p in refused.value.problems]
    assert sorted(columns) == ["現状（基準値）", "目標"]


def test_a_target_period_before_the_baseline_period_is_asked_about():
    with pytest.raises(RowProblems, match="より前"):
        read("100人（H25）", "90人（H28）")


def test_share_changes_and_zero_targets_read_as_a_person_reads_them():
    r = read("(10%(平成20年)から) 5割減* (平成32年)", "9.3%(※1) (平成23年)")
    assert (r.target, r.comparison, r.direction.value) == (Decimal(5), "le", "lower")
    z = read("⇒待機児童解消をめざす:2017年度末", "(21,371人:2014年4月)")
    assert (z.target, z.comparison, z.baseline) == (Decimal(0), "le", Decimal(21371))


@given(st.integers(1, 30), st.integers(1, 99_999))
def test_era_implied_fiscal_years_are_the_era_offset(n, figure):
    _, period = split_period(f"{figure:,}人({n}年度)", printed_era="平成")
    assert period.end == 1988 + n
    _, period = split_period(f"{figure:,}人({n}年度)", printed_era="令和")
    assert period.end == 2018 + n


def test_column_labels_inline_notes_ranks_and_cubic_metres():
    r = read("R12 50人/年(目標)※R2~R12の累計500人", "R1 47人/年(現状)", era="令和")
    assert (r.target, r.baseline, r.unit, r.note) == (Decimal(50), Decimal(47), "人/年", "※R2~R12の累計500人")
    assert r.target_period.end == 2030 and r.baseline_period.end == 2019
    ranked = read("100%", "全国45位の20.9%")
    assert (ranked.baseline, ranked.note) == (Decimal("20.9"), "（全国45位）")
    wood = read("R12 50万m3(目標)", "R1 31万m3(現状)", era="令和")
    assert (wood.target, wood.baseline, wood.unit) == (Decimal(50), Decimal(31), "万m3")
    yearly = read("45,000m3(32年度)", "28,000m3/年(27年度)")
    assert (yearly.target, yearly.baseline) == (Decimal(45000), Decimal(28000))


def test_a_unit_that_differs_beyond_scale_and_per_year_is_asked_about():
    with pytest.raises(RowProblems, match="単位"):
        read("4組/年", "1.4人/年")

"""Planning-document cells (現状・目標) → indicator fields: every printed form, refusals naming the column."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.domain.model import Direction, TargetType
from kpi.domain.normalize import InputError
from kpi.domain.planning_text import (
    PlannedTarget, RowProblems, parse_baseline, parse_numbered_label, parse_target, plan_indicator, split_fiscal_year,
)

N, INC, DEC, QUAL, COMP = (TargetType.NUMERIC, TargetType.INCREASE, TargetType.DECREASE, TargetType.QUALITATIVE,
                           TargetType.COMPOSITE)
UP, DOWN = Direction.HIGHER, Direction.LOWER

# (target cell, unit column, expected type, value, fiscal year, direction stated by the text)
TARGETS = [
    ("720社 (2027年度)", None, N, "720", 2027, None),
    ("720社（2027年度）", None, N, "720", 2027, None),
    ("７２０社（令和９年度）", None, N, "720", 2027, None),
    ("720社 (R9)", None, N, "720", 2027, None),
    ("720社 (2027年度末)", None, N, "720", 2027, None),
    ("2027年度 720社", None, N, "720", 2027, None),
    ("R9年度：720社", None, N, "720", 2027, None),
    ("1,200件 (H30年度)", None, N, "1200", 2018, None),
    ("１，２００件", None, N, "1200", None, None),
    ("約3.6万人", "人", N, "36000", None, None),
    ("437,322千枚", "千枚", N, "437322", None, None),
    ("365,241千枚 (2021年度)", "千枚", N, "365241", 2021, None),
    ("85%を超える", None, N, "85", None, UP),
    ("85%以上", None, N, "85", None, UP),
    ("８５％以上（2027年度）", None, N, "85", 2027, UP),
    ("12.0%以下", None, N, "12", None, DOWN),
    ("12%未満", None, N, "12", None, DOWN),
    ("12.0%まで減少", None, N, "12", None, DOWN),
    ("800社に増加", None, N, "800", None, UP),
    ("増加を目指します", None, INC, None, None, UP),
    ("増加を目指す", None, INC, None, None, UP),
    ("2027年度までに増加を目指す", None, INC, None, 2027, UP),
    ("減少を目指す", None, DEC, None, None, DOWN),
    ("減少を目指します。", None, DEC, None, None, DOWN),
    ("相談窓口等の設置", None, QUAL, None, None, None),
    ("相談窓口等の設置（ネット・出前等）", None, QUAL, None, None, None),
    ("全市町村で導入", None, QUAL, None, None, None),
]


@pytest.mark.parametrize(("text", "unit", "kind", "value", "fy", "direction"), TARGETS)
def test_target_cells_as_planning_documents_print_them(text, unit, kind, value, fy, direction):
    target = parse_target(text, unit=unit)
    assert target.target_type is kind
    assert target.value == (Decimal(value) if value is not None else None)
    assert target.fiscal_year == fy
    assert target.direction is direction
    assert target.text == text  # the printed text is kept as printed


def test_composite_target_has_labelled_parts_and_a_bare_label_counts_one():
    target = parse_target("県・52市町村・13林業事業体")
    assert target.target_type is COMP
    assert [(p.no, p.label, p.value) for p in target.parts] == [(1, "県", 1), (2, "市町村", 52), (3, "林業事業体", 13)]


def test_composite_target_with_a_year_and_full_width_digits():
    target = parse_target("県・５２市町村・１３林業事業体（令和3年度）")
    assert target.fiscal_year == 2021
    assert [p.value for p in target.parts] == [1, 52, 13]


# (baseline cell, unit, value, fiscal year, year as printed)
BASELINES = [
    ("710社 (2022年度)", None, "710", 2022, "2022年度"),
    ("710社（令和4年度）", None, "710", 2022, "令和4年度"),
    ("710社 (R4)", None, "710", 2022, "R4"),
    ("H30年度 103,222件", None, "103222", 2018, "H30年度"),
    ("R元年度：65,667件/月", "件/月", "65667", 2019, "R元年度"),
    ("2022年度末 710社", None, "710", 2022, "2022年度末"),
    ("３６，８２１人（令和４年度）", "人", "36821", 2022, "令和4年度"),
    ("25名", "人", "25", None, None),
    ("16.9%", "%", "16.9", None, None),
    ("約3.6万人", "人", "36000", None, None),
]


@pytest.mark.parametrize(("text", "unit", "value", "fy", "fy_text"), BASELINES)
def test_baseline_cells_with_value_unit_and_fiscal_year(text, unit, value, fy, fy_text):
    baseline = parse_baseline(text, target=PlannedTarget(N, "720"), unit=unit)
    assert baseline is not None
    assert (baseline.value, baseline.fiscal_year, baseline.fiscal_year_text) == (Decimal(value), fy, fy_text)


@pytest.mark.parametrize("blank", ["", "   ", "-", "－", "―", "—", "ー", None])
def test_a_dash_or_blank_means_no_baseline(blank):
    assert parse_baseline(blank, target=PlannedTarget(N, "720")) is None


def test_qualitative_baseline_is_kept_as_text():
    baseline = parse_baseline("未整備", target=PlannedTarget(QUAL, "相談窓口等の設置"))
    assert baseline is not None and baseline.text == "未整備" and baseline.value is None


def test_composite_baseline_takes_the_targets_parts_in_the_targets_order():
    target = parse_target("県・52市町村・13林業事業体")
    baseline = parse_baseline("30市町村・県・5林業事業体", target=target)
    assert [(p.label, p.value) for p in baseline.parts] == [("県", 1), ("市町村", 30), ("林業事業体", 5)]


@pytest.mark.parametrize(("text", "words"), [
    ("", "空です"),
    ("-", "空です"),
    ("全産業と同じ水準(H28年度12.0%)", "目標の種類"),
    ("720社 (令和0年度)", "元年度"),
    ("720社 (2027年)", "年度"),
    ("3,68,21人", "桁区切り"),
    ("720社以上くらい", "読み取れません"),
])
def test_unreadable_target_is_refused_in_japanese_naming_the_column(text, words):
    with pytest.raises(InputError) as caught:
        parse_target(text)
    assert "「目標」" in str(caught.value)
    assert words in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_a_printed_unit_other_than_the_unit_column_is_refused():
    with pytest.raises(InputError, match="単位は「件」"):
        parse_target("720社", unit="件")


def test_target_kind_column_forces_a_qualitative_reading_of_a_text_with_digits():
    plan = plan_indicator(target="全54市町村で導入", baseline="12市町村", kind="定性")
    assert plan.target_type is QUAL
    assert plan.baseline.text == "12市町村"


def test_target_kind_column_that_contradicts_the_text_is_refused():
    with pytest.raises(RowProblems) as caught:
        plan_indicator(target="720社", baseline="-", kind="増加")
    assert [p.column for p in caught.value.problems] == ["目標"]


@pytest.mark.parametrize(("target", "baseline", "unit", "direction"), [
    ("720社 (2027年度)", "710社 (2022年度)", "社", UP),
    ("12.0% (2027年度)", "16.9% (2022年度)", "%", DOWN),  # a target below the baseline: lower is better
    ("85%以上", "90%", "%", UP),  # the text says so, whatever the baseline
    ("減少を目指す", "6,000件", "件", DOWN),
    ("280人", "-", "人", UP),
])
def test_row_direction_from_the_text_else_from_target_below_baseline(target, baseline, unit, direction):
    plan = plan_indicator(target=target, baseline=baseline)
    assert (plan.direction, plan.unit) == (direction, unit)


def test_unit_column_wins_and_converts_printed_multipliers():
    plan = plan_indicator(target="5万人 (2027年度)", baseline="36,821人", unit="人")
    assert (plan.unit, plan.target.value, plan.baseline.value) == ("人", Decimal(50000), Decimal(36821))


def test_increase_without_baseline_names_the_baseline_column():
    with pytest.raises(RowProblems) as caught:
        plan_indicator(target="増加を目指します", baseline="-")
    assert [p.column for p in caught.value.problems] == ["現状（基準値）"]
    assert "基準" in caught.value.problems[0].message


def test_every_problem_of_a_row_is_reported_together():
    with pytest.raises(RowProblems) as caught:
        plan_indicator(target="720社 (2027年度)", baseline="七百社", kind="たぶん数値")
    assert sorted(p.column for p in caught.value.problems) == ["現状（基準値）", "目標の種類"]


def test_target_year_before_baseline_year_is_refused():
    with pytest.raises(RowProblems, match="より前"):
        plan_indicator(target="720社 (2020年度)", baseline="710社 (2022年度)")


@pytest.mark.parametrize(("text", "expected"), [
    ("1 波及効果の高いプロジェクト", (1, "波及効果の高いプロジェクト")),
    ("１．波及効果の高いプロジェクト", (1, "波及効果の高いプロジェクト")),
    ("①ICTを活用した庁内業務の効率化", (1, "ICTを活用した庁内業務の効率化")),
    ("③", (3, None)),
    ("2", (2, None)),
    ("柱3 推進を支える土台づくり", (3, "推進を支える土台づくり")),
    ("個別施策", (None, "個別施策")),
    ("", (None, None)),
])
def test_pillar_and_item_labels(text, expected):
    assert parse_numbered_label(text, field="柱") == expected


def test_split_fiscal_year_leaves_a_cell_without_a_year_alone():
    assert split_fiscal_year("相談窓口等の設置（ネット・出前等）", field="目標") == ("相談窓口等の設置(ネット・出前等)", None, None)


# ---------------------------------------------------------------------------------------------------------
# properties


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60), st.one_of(st.none(), st.text(max_size=8)),
       st.one_of(st.none(), st.sampled_from(["数値", "増加", "減少", "定性", "複合", "x"])))
def test_any_text_is_read_or_refused_never_an_uncaught_exception(target, baseline, unit, kind):
    try:
        plan_indicator(target=target, baseline=baseline, unit=unit, kind=kind)
    except RowProblems as problems:
        assert problems.problems and all(p.message and p.column for p in problems.problems)


PLANNING_ALPHABET = "0123456789０１２３４５６７８９,，.．%％社人件万千年度令和平成RH元()（）・-－―増加減少を目指すます以上以下未満超え 　"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=PLANNING_ALPHABET, max_size=30))
def test_planning_like_text_is_read_or_refused_never_an_uncaught_exception(text):
    for fn in (lambda: parse_target(text), lambda: parse_baseline(text, target=PlannedTarget(N, "1"))):
        try:
            fn()
        except InputError as error:
            assert str(error)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=4),
       st.sampled_from(["社", "人", "件", "%", "時間", "団体", "件/月"]), st.integers(min_value=1990, max_value=2100),
       st.booleans(), st.booleans())
def test_generated_figure_with_year_round_trips(digits, places, unit, fy, grouped, full_width_paren):
    value = Decimal(digits).scaleb(-places)
    number = f"{value:,f}" if grouped else f"{value:f}"
    year = f"（{fy}年度）" if full_width_paren else f" ({fy}年度)"
    text = f"{number}{unit}{year}"
    target = parse_target(text)
    assert (target.target_type, target.value, target.fiscal_year, target.unit) == (N, value, fy, unit)
    baseline = parse_baseline(text, target=target, unit=unit)
    assert (baseline.value, baseline.fiscal_year) == (value, fy)

"""Achievement rate by target type: every row of DOMAIN.md's table, the seed's cases and the degenerate ones."""
from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.domain.achievement import Rate, RateStatus, achievement_rate
from kpi.domain.bands import Band, band_of
from kpi.domain.model import Direction, IndicatorRule, Measurement, Part, TargetType

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def D(x) -> Decimal | None:
    return None if x is None else Decimal(str(x))


def numeric(target, baseline=None, direction=HIGHER, stopped=False) -> IndicatorRule:
    return IndicatorRule(TargetType.NUMERIC, direction, D(target), D(baseline), stopped=stopped)


def aim(target_type: TargetType, baseline, stopped=False) -> IndicatorRule:
    return IndicatorRule(target_type, baseline=D(baseline), stopped=stopped)


def qualitative(stopped=False) -> IndicatorRule:
    return IndicatorRule(TargetType.QUALITATIVE, stopped=stopped)


def composite(*parts, direction=HIGHER, stopped=False) -> IndicatorRule:
    """parts: (label, target) or (label, target, baseline), numbered from 1 in order."""
    return IndicatorRule(
        TargetType.COMPOSITE,
        direction,
        parts=tuple(Part(no, p[0], D(p[1]), D(p[2]) if len(p) > 2 else None) for no, p in enumerate(parts, 1)),
        stopped=stopped,
    )


def value(x) -> Measurement:
    return Measurement(number=D(x))


def part_values(*xs) -> Measurement:
    return Measurement(parts={no: D(x) for no, x in enumerate(xs, 1) if x is not None})


def verdict(achieved: bool | None) -> Measurement:
    return Measurement(qualitative_achieved=achieved)


FOREST_CLOUD = composite(("県", 1), ("市町村", 52), ("林業事業体", 13))  # 森林クラウドを利用する団体数

# (rule, measurement, exact rate, weakest part). Baselines the seed does not print are the demo's illustrative ones.
ACHIEVEMENT_TABLE = [
    # numeric, higher is better, with baseline: (actual - baseline) / (target - baseline)
    pytest.param(numeric(6000, 0), value(5445), Fraction(5445, 6000), None, id="higher-baseline-rpa-5445-of-6000h-from-0h"),
    pytest.param(numeric(6000, 2000), value(5445), Fraction(3445, 4000), None, id="higher-baseline-rpa-from-2000h"),
    pytest.param(numeric(100, 60), value("73.5"), Fraction(27, 80), None, id="higher-baseline-teacher-ratio-73.5-from-60"),
    pytest.param(numeric(6000, 2000), value(6000), Fraction(1), None, id="higher-baseline-exactly-at-target"),
    pytest.param(numeric(6000, 2000), value(1000), Fraction(-1, 4), None, id="higher-baseline-below-baseline-is-negative"),
    # numeric, higher is better, no baseline: actual / target
    pytest.param(numeric(280), value(36821), Fraction(36821, 280), None, id="higher-telework-36821-of-280"),
    pytest.param(numeric(5), value(7), Fraction(7, 5), None, id="higher-ict-efficiency-7-of-5"),
    pytest.param(numeric(8), value(4), Fraction(1, 2), None, id="higher-jisou-reform-4-of-8"),
    pytest.param(numeric(100), value("73.5"), Fraction(147, 200), None, id="higher-teacher-ratio-73.5-of-100"),
    pytest.param(numeric("75.0"), value("68.0"), Fraction(68, 75), None, id="higher-reemployment-68.0-of-75.0"),
    pytest.param(numeric(1), value(1), Fraction(1), None, id="higher-design-school-1-of-1"),
    pytest.param(numeric(280), value(0), Fraction(0), None, id="higher-zero-actual-is-zero"),
    # numeric, lower is better, with baseline: (baseline - actual) / (baseline - target)
    pytest.param(numeric("12.0", "16.9", LOWER), value("19.9"), Fraction(-30, 49), None, id="lower-baseline-care-turnover-19.9"),
    pytest.param(numeric("12.0", "16.9", LOWER), value("14.45"), Fraction(1, 2), None, id="lower-baseline-care-turnover-halfway"),
    pytest.param(numeric("12.0", "16.9", LOWER), value("12.0"), Fraction(1), None, id="lower-baseline-care-turnover-at-target"),
    pytest.param(numeric(365241, 405823, LOWER), value(437322), Fraction(-31499, 40582), None, id="lower-baseline-paper-437322"),
    pytest.param(numeric(419, 440, LOWER), value(447), Fraction(-1, 3), None, id="lower-baseline-calving-interval-447"),
    pytest.param(numeric("12.0", "16.9", LOWER), value(0), Fraction(169, 49), None, id="lower-baseline-zero-actual"),
    # numeric, lower is better, no baseline: target / actual
    pytest.param(numeric(365241, None, LOWER), value(437322), Fraction(365241, 437322), None, id="lower-paper-437322"),
    pytest.param(numeric(419, None, LOWER), value(447), Fraction(419, 447), None, id="lower-calving-interval-447"),
    pytest.param(numeric(419, None, LOWER), value(400), Fraction(419, 400), None, id="lower-calving-interval-beaten"),
    pytest.param(numeric(0, None, LOWER), value(3), Fraction(0), None, id="lower-zero-target-missed"),
    # aim to increase (増加を目指します): achieved when actual > baseline, otherwise 0
    pytest.param(aim(TargetType.INCREASE, 25), value(26), Fraction(1), None, id="increase-programming-teachers-25-to-26"),
    pytest.param(aim(TargetType.INCREASE, 9), value(14), Fraction(1), None, id="increase-programming-lecturers-9-to-14"),
    pytest.param(aim(TargetType.INCREASE, 89), value(100), Fraction(1), None, id="increase-ict-training-placement-89-to-100"),
    pytest.param(aim(TargetType.INCREASE, 12), value(12), Fraction(0), None, id="increase-facility-booking-12-to-12"),
    pytest.param(aim(TargetType.INCREASE, 65667), value(35406), Fraction(0), None, id="increase-medical-navi-falls"),
    # aim to decrease (減少を目指します): achieved when actual < baseline, otherwise 0
    pytest.param(aim(TargetType.DECREASE, 30), value(29), Fraction(1), None, id="decrease-below-baseline"),
    pytest.param(aim(TargetType.DECREASE, 30), value(30), Fraction(0), None, id="decrease-equal-to-baseline"),
    pytest.param(aim(TargetType.DECREASE, 30), value(31), Fraction(0), None, id="decrease-above-baseline"),
    # qualitative milestone: achieved or 0
    pytest.param(qualitative(), verdict(False), Fraction(0), None, id="qualitative-needs-survey-not-set-up"),
    pytest.param(qualitative(), verdict(True), Fraction(1), None, id="qualitative-needs-survey-set-up"),
    # composite: each part by its own rule, the weakest part wins
    pytest.param(FOREST_CLOUD, part_values(1, 52, 2), Fraction(2, 13), 3, id="composite-forest-cloud-2-of-13"),
    pytest.param(FOREST_CLOUD, part_values(1, 60, 2), Fraction(2, 13), 3, id="composite-surplus-part-hides-nothing"),
    pytest.param(FOREST_CLOUD, part_values(1, 26, 13), Fraction(1, 2), 2, id="composite-weakest-in-the-middle"),
    pytest.param(FOREST_CLOUD, part_values(1, 52, 13), Fraction(1), 1, id="composite-all-achieved-names-first-part"),
    pytest.param(
        composite(("県", 10, 20), ("市町村", 5, 25), direction=LOWER),
        part_values(15, 10),
        Fraction(1, 2),
        1,
        id="composite-lower-with-part-baselines",
    ),
]


@pytest.mark.parametrize("rule, measurement, expected, weakest", ACHIEVEMENT_TABLE)
def test_achievement_rate_follows_the_domain_table(rule, measurement, expected, weakest):
    rate = achievement_rate(rule, measurement)
    assert rate == Rate(expected, RateStatus.OK, weakest)
    assert type(rate.value) is Fraction
    assert rate.message_ja is None


STOPPED_PROCEDURES = numeric(150, stopped=True)  # 電子化済みの手続数（目標値：150手続）

# (rule, measurement, status, weakest part): never an exception, never a silent number
DEGENERATE_TABLE = [
    pytest.param(numeric(12, 12), value(13), RateStatus.TARGET_EQUALS_BASELINE, None, id="higher-target-equals-baseline"),
    pytest.param(numeric(12, 12, LOWER), value(11), RateStatus.TARGET_EQUALS_BASELINE, None, id="lower-target-equals-baseline"),
    pytest.param(numeric(0), value(5), RateStatus.TARGET_EQUALS_BASELINE, None, id="higher-zero-target-without-baseline"),
    pytest.param(numeric(6000, 7000), value(5445), RateStatus.BASELINE_BEYOND_TARGET, None, id="higher-baseline-beyond-target"),
    pytest.param(numeric("12.0", "11.0", LOWER), value("19.9"), RateStatus.BASELINE_BEYOND_TARGET, None, id="lower-baseline-beyond-target"),
    pytest.param(numeric(6000, 0), None, RateStatus.MISSING_VALUE, None, id="numeric-no-measurement"),
    pytest.param(numeric(6000, 0), Measurement(), RateStatus.MISSING_VALUE, None, id="numeric-measurement-without-number"),
    pytest.param(numeric("12.0", "16.9", LOWER), None, RateStatus.MISSING_VALUE, None, id="lower-no-measurement"),
    pytest.param(aim(TargetType.INCREASE, 25), None, RateStatus.MISSING_VALUE, None, id="increase-no-measurement"),
    pytest.param(aim(TargetType.DECREASE, 25), Measurement(), RateStatus.MISSING_VALUE, None, id="decrease-no-number"),
    pytest.param(qualitative(), None, RateStatus.MISSING_VALUE, None, id="qualitative-no-measurement"),
    pytest.param(qualitative(), verdict(None), RateStatus.MISSING_VALUE, None, id="qualitative-no-verdict"),
    pytest.param(qualitative(), value(1), RateStatus.MISSING_VALUE, None, id="qualitative-number-is-no-verdict"),
    pytest.param(FOREST_CLOUD, None, RateStatus.MISSING_VALUE, None, id="composite-no-measurement"),
    pytest.param(FOREST_CLOUD, part_values(1, 52, None), RateStatus.MISSING_VALUE, None, id="composite-missing-part"),
    pytest.param(FOREST_CLOUD, value(55), RateStatus.MISSING_VALUE, None, id="composite-total-instead-of-parts"),
    pytest.param(numeric(None), value(5445), RateStatus.MISSING_TARGET, None, id="numeric-missing-target"),
    pytest.param(numeric(None, 0), value(5445), RateStatus.MISSING_TARGET, None, id="numeric-baseline-but-no-target"),
    pytest.param(aim(TargetType.INCREASE, None), value(26), RateStatus.MISSING_TARGET, None, id="increase-missing-baseline"),
    pytest.param(aim(TargetType.DECREASE, None), value(26), RateStatus.MISSING_TARGET, None, id="decrease-missing-baseline"),
    pytest.param(composite(), part_values(1), RateStatus.MISSING_TARGET, None, id="composite-without-parts"),
    pytest.param(STOPPED_PROCEDURES, value(1000), RateStatus.STOPPED, None, id="stopped-with-a-value"),
    pytest.param(STOPPED_PROCEDURES, None, RateStatus.STOPPED, None, id="stopped-without-a-value"),
    pytest.param(numeric(12, 12, stopped=True), value(1), RateStatus.STOPPED, None, id="stopped-wins-over-degenerate-target"),
    pytest.param(aim(TargetType.INCREASE, 25, stopped=True), value(26), RateStatus.STOPPED, None, id="stopped-increase"),
    pytest.param(qualitative(stopped=True), verdict(True), RateStatus.STOPPED, None, id="stopped-qualitative"),
    pytest.param(
        composite(("県", 1), ("市町村", 52), stopped=True), part_values(1, 52), RateStatus.STOPPED, None, id="stopped-composite"
    ),
    pytest.param(
        composite(("県", 1), ("市町村", 52, 52), ("林業事業体", 13)),
        part_values(1, 52, 2),
        RateStatus.TARGET_EQUALS_BASELINE,
        2,
        id="composite-degenerate-part-is-named",
    ),
    pytest.param(
        composite(("県", 1), ("市町村", 10, 20)),
        part_values(1, 15),
        RateStatus.BASELINE_BEYOND_TARGET,
        2,
        id="composite-part-baseline-beyond-target",
    ),
    pytest.param(numeric(-1, None, LOWER), value(0), RateStatus.NEGATIVE_WITHOUT_BASELINE, None, id="lower-zero-actual-negative-target"),
]


@pytest.mark.parametrize("rule, measurement, status, weakest", DEGENERATE_TABLE)
def test_degenerate_case_gives_an_explicit_status_and_no_number(rule, measurement, status, weakest):
    rate = achievement_rate(rule, measurement)
    assert rate == Rate(None, status, weakest)
    assert rate.percent is None
    assert JAPANESE.search(rate.message_ja)
    assert band_of(rate) is (Band.STOPPED if status is RateStatus.STOPPED else None)


def test_progress_is_measured_from_the_baseline():
    """The seed's note: 73.5% of 100% sits in 60-100 by simple ratio, but progress from the baseline is lower."""
    by_ratio = achievement_rate(numeric(100), value("73.5"))
    from_baseline = achievement_rate(numeric(100, 60), value("73.5"))
    assert band_of(by_ratio) is Band.B60_100
    assert band_of(from_baseline) is Band.B30_60
    assert from_baseline.value == Fraction(27, 80)


def test_care_turnover_above_its_baseline_is_a_negative_rate_under_30():
    rate = achievement_rate(numeric("12.0", "16.9", LOWER), value("19.9"))
    assert rate.value < 0
    assert band_of(rate) is Band.UNDER_30


def test_forest_cloud_is_judged_by_its_weakest_part():
    rate = achievement_rate(FOREST_CLOUD, part_values(1, 52, 2))
    assert (rate.value, rate.weakest_part) == (Fraction(2, 13), 3)
    assert band_of(rate) is Band.UNDER_30


@pytest.mark.parametrize("target", ["12.0", "0"])
def test_lower_is_better_with_zero_actual_is_exactly_achieved(target):
    """target / 0 has no value; a zero actual at or under a non-negative target counts as exactly 100%."""
    rate = achievement_rate(numeric(target, None, LOWER), value(0))
    assert rate == Rate(Fraction(1), RateStatus.OK)
    assert band_of(rate) is Band.ACHIEVED


@pytest.mark.parametrize(
    "rule, actual",
    [
        pytest.param(numeric(5, None, LOWER), -1, id="lower-negative-actual-under-positive-target"),
        pytest.param(numeric(-5, None, HIGHER), -3, id="higher-negative-actual-over-negative-target"),
    ],
)
def test_beating_a_target_without_baseline_is_never_a_silent_shortfall(rule, actual):
    rate = achievement_rate(rule, value(actual))
    assert rate.status is not RateStatus.OK or band_of(rate) is Band.ACHIEVED


def test_rate_is_exact_for_decimal_inputs():
    """16.9 and 12.0 are read as exact decimals, not binary floats."""
    rate = achievement_rate(numeric(Decimal("12.0"), Decimal("16.9"), LOWER), value(Decimal("19.9")))
    assert rate.value == Fraction(-3, 1) / Fraction(49, 10)


def test_percent_is_the_rate_times_100():
    assert achievement_rate(numeric(6000, 0), value(5445)).percent == 90.75


# ---------------------------------------------------------------- properties

small = st.integers(min_value=-1000, max_value=1000)
maybe = st.none() | small


@st.composite
def rules_and_measurements(draw):
    tt = draw(st.sampled_from(TargetType))
    direction = draw(st.sampled_from(Direction))
    parts = ()
    if tt is TargetType.COMPOSITE:
        n = draw(st.integers(min_value=0, max_value=4))
        parts = tuple(Part(no, f"part{no}", D(draw(small)), D(draw(maybe))) for no in range(1, n + 1))
    rule = IndicatorRule(tt, direction, D(draw(maybe)), D(draw(maybe)), parts, draw(st.booleans()))
    m = draw(
        st.none()
        | st.builds(
            Measurement,
            st.none() | small.map(D),
            st.dictionaries(st.integers(min_value=1, max_value=4), small.map(D), max_size=4),
            st.none() | st.booleans(),
        )
    )
    return rule, m


@settings(max_examples=200)
@given(rules_and_measurements())
def test_any_rule_and_value_gives_a_rate_or_a_status_never_an_exception(case):
    rule, m = case
    rate = achievement_rate(rule, m)
    assert isinstance(rate.status, RateStatus)
    assert (rate.value is None) == (rate.status is not RateStatus.OK)
    assert rate.value is None or type(rate.value) is Fraction
    if rule.stopped:
        assert rate.status is RateStatus.STOPPED
    if rule.target_type is not TargetType.COMPOSITE:
        assert rate.weakest_part is None


@settings(max_examples=200)
@given(
    st.sampled_from(Direction),
    st.lists(st.tuples(st.integers(1, 500), st.integers(0, 600)), min_size=1, max_size=5),
)
def test_composite_rate_is_the_lowest_of_its_parts_rates(direction, target_actual):
    rule = composite(*((f"part{i}", t) for i, (t, _) in enumerate(target_actual, 1)), direction=direction)
    alone = [achievement_rate(numeric(t, None, direction), value(a)).value for t, a in target_actual]
    rate = achievement_rate(rule, part_values(*(a for _, a in target_actual)))
    assert rate.value == min(alone)
    assert rate.weakest_part == alone.index(min(alone)) + 1


distinct_pair = st.tuples(small, small).filter(lambda p: p[0] != p[1])


@settings(max_examples=200)
@given(distinct_pair)
def test_reaching_the_target_exactly_is_100_percent(pair):
    lo, hi = sorted(pair)
    assert achievement_rate(numeric(hi, lo, HIGHER), value(hi)).value == 1
    assert achievement_rate(numeric(lo, hi, LOWER), value(lo)).value == 1


@settings(max_examples=200)
@given(
    st.sampled_from(Direction),
    st.booleans(),
    st.integers(0, 10_000),
    st.integers(1, 10_000),
    st.integers(0, 20_000),
)
def test_non_negative_actual_beyond_target_is_achieved_and_short_of_it_is_not(direction, with_baseline, b, t, a):
    if with_baseline:
        # place the baseline on the far side of the target so progress is defined
        baseline = t - 1 - (b % t) if direction is HIGHER else t + 1 + b
    else:
        baseline = None
    rate = achievement_rate(numeric(t, baseline, direction), value(a))
    beyond = a >= t if direction is HIGHER else a <= t
    assert rate.status is RateStatus.OK
    assert (band_of(rate) is Band.ACHIEVED) == beyond


@settings(max_examples=200)
@given(st.sampled_from(Direction), distinct_pair, small, small)
def test_a_better_actual_never_lowers_the_rate(direction, pair, a1, a2):
    lo, hi = sorted(pair)
    rule = numeric(hi, lo, HIGHER) if direction is HIGHER else numeric(lo, hi, LOWER)
    worse, better = sorted((a1, a2)) if direction is HIGHER else sorted((a1, a2), reverse=True)
    assert achievement_rate(rule, value(worse)).value <= achievement_rate(rule, value(better)).value

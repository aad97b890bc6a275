"""Bands of an achievement rate (the seed's five columns) at their exact boundaries."""
from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.domain.achievement import Rate, RateStatus, achievement_rate
from kpi.domain.bands import BAND_ORDER, Band, band_of, band_of_rate
from kpi.domain.model import Direction, IndicatorRule, Measurement, TargetType

SEED_FIGURES = Path(__file__).resolve().parents[1] / "seed_figures.json"

BOUNDARIES = [
    pytest.param(Fraction(5999, 10000), Band.B30_60, id="59.99%"),
    pytest.param(Fraction(3, 5) - Fraction(1, 10**12), Band.B30_60, id="just-under-60%"),
    pytest.param(Fraction(3, 5), Band.B60_100, id="exactly-60%"),
    pytest.param(Fraction(99999, 100000), Band.B60_100, id="99.999%"),
    pytest.param(Fraction(1) - Fraction(1, 10**12), Band.B60_100, id="just-under-100%"),
    pytest.param(Fraction(1), Band.ACHIEVED, id="exactly-100%"),
    pytest.param(Fraction(36821, 280), Band.ACHIEVED, id="telework-13150%"),
    pytest.param(Fraction(3, 10), Band.B30_60, id="exactly-30%"),
    pytest.param(Fraction(2999, 10000), Band.UNDER_30, id="29.99%"),
    pytest.param(Fraction(3, 10) - Fraction(1, 10**12), Band.UNDER_30, id="just-under-30%"),
    pytest.param(Fraction(0), Band.UNDER_30, id="zero"),
    pytest.param(Fraction(-30, 49), Band.UNDER_30, id="negative-care-turnover"),
    pytest.param(Fraction(-10**6), Band.UNDER_30, id="very-negative"),
]


@pytest.mark.parametrize("rate, band", BOUNDARIES)
def test_band_boundaries_are_exact(rate, band):
    assert band_of_rate(rate) is band
    assert band_of(Rate(rate)) is band


def test_stopped_indicator_is_in_the_stopped_band():
    assert band_of(Rate(None, RateStatus.STOPPED)) is Band.STOPPED


@pytest.mark.parametrize("status", [s for s in RateStatus if s not in (RateStatus.OK, RateStatus.STOPPED)])
def test_no_rate_means_no_band(status):
    assert band_of(Rate(None, status)) is None


def test_band_keys_and_labels_are_the_seeds_columns():
    seed = json.loads(SEED_FIGURES.read_text(encoding="utf-8"))
    assert [b.value for b in BAND_ORDER] == seed["bands"]
    assert {b.value: b.label_ja for b in BAND_ORDER} == seed["band_labels_ja"]


def test_every_band_has_a_short_japanese_label():
    assert all(b.short_ja for b in Band)


@settings(max_examples=200)
@given(st.fractions(), st.fractions())
def test_a_higher_rate_never_falls_in_a_lower_band(r1, r2):
    lo, hi = sorted((r1, r2))
    assert BAND_ORDER.index(band_of_rate(hi)) <= BAND_ORDER.index(band_of_rate(lo))


@settings(max_examples=200)
@given(st.fractions())
def test_band_matches_the_percent_rule(rate):
    percent = rate * 100
    expected = (
        Band.ACHIEVED if percent >= 100 else Band.B60_100 if percent >= 60 else Band.B30_60 if percent >= 30 else Band.UNDER_30
    )
    assert band_of_rate(rate) is expected


values = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


def _rate(direction: Direction, baseline: Decimal, target: Decimal, actual: Decimal) -> Rate:
    rule = IndicatorRule(TargetType.NUMERIC, direction, target=target, baseline=baseline)
    return achievement_rate(rule, Measurement(number=actual))


@settings(max_examples=200)
@given(values, values, values)
def test_mirroring_values_and_direction_keeps_rate_and_band(b, t, a):
    """b, t, a under "higher" is the same indicator as -b, -t, -a under "lower"."""
    higher = _rate(Direction.HIGHER, b, t, a)
    lower = _rate(Direction.LOWER, -b, -t, -a)
    assert lower == higher
    assert band_of(lower) == band_of(higher)


@pytest.mark.parametrize(
    "b, t, a",
    [(0, 6000, 5445), (Decimal("12.0"), Decimal("16.9"), Decimal("19.9")), (440, 419, 447), (12, 12, 13), (7000, 6000, 1)],
)
def test_mirrored_seed_cases_keep_rate_and_band(b, t, a):
    b, t, a = Decimal(b), Decimal(t), Decimal(a)
    higher = _rate(Direction.HIGHER, b, t, a)
    assert _rate(Direction.LOWER, -b, -t, -a) == higher

"""Comparisons of a target (以上 ge, 超 gt, 以下 le, 未満 lt) are exact and agree in the three places that judge a
value: the Fraction rules (kpi.domain.achievement), the integer frame (kpi.domain.rates_frame) and the float rule
frame (kpi.domain.rules). Exactly on a strict target is a rate of 100% that is not achieved (band 60–100%)."""
from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.domain import rules
from kpi.domain.achievement import achievement_rate
from kpi.domain.bands import Band, band_of
from kpi.domain.model import Comparison, Direction, IndicatorRule, Measurement, TargetType
from kpi.domain.rates_frame import evaluate_frame, rate_of_row

DIRECTION = {Comparison.GE: Direction.HIGHER, Comparison.GT: Direction.HIGHER,
             Comparison.LE: Direction.LOWER, Comparison.LT: Direction.LOWER}


def _exact(cmp: Comparison | None, direction: Direction, target: int, baseline: int | None, actual: int):
    rule = IndicatorRule(TargetType.NUMERIC, direction, Decimal(target),
                         None if baseline is None else Decimal(baseline), comparison=cmp)
    return achievement_rate(rule, Measurement(Decimal(actual)))


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"target_type": "numeric", "direction": d.value, "target_value": t, "baseline_value": b, "value_number": a,
          "qualitative_achieved": None, "stopped_in_cycle": False, "comparison": c.value if c else None}
         for c, d, t, b, a in rows],
        schema={"target_type": pl.String, "direction": pl.String, "target_value": pl.Int64,
                "baseline_value": pl.Int64, "value_number": pl.Int64, "qualitative_achieved": pl.Boolean,
                "stopped_in_cycle": pl.Boolean, "comparison": pl.String})


def _rules_achieved(rows: list[tuple]) -> list[bool | None]:
    df = rules.frame([{"target_type": "numeric", "direction": d.value, "target": float(t),
                       "baseline": None if b is None else float(b), "value": float(a), "stopped": False,
                       "comparison": c.value if c else None} for c, d, t, b, a in rows])
    out = df.with_columns(rules.rate_expr()).with_columns(rules.achieved_expr().alias("achieved"))
    return out["achieved"].to_list()


@pytest.mark.parametrize("cmp, target, baseline, actual, achieved", [
    (Comparison.GT, 93, None, 93, False),   # 「93%超」: exactly 93% is not achieved
    (Comparison.GT, 93, 80, 93, False),
    (Comparison.GT, 93, 80, 94, True),
    (Comparison.GE, 93, 80, 93, True),      # 「93%以上」: exactly 93% is achieved
    (Comparison.LT, 12, 20, 12, False),     # 「12%未満」: exactly 12% is not achieved
    (Comparison.LT, 12, None, 11, True),
    (Comparison.LE, 12, 20, 12, True),      # 「12%以下」
    (Comparison.LT, 0, None, 0, False),     # 「0件未満」 cannot be met by 0
    (Comparison.LT, 5, None, 0, True),      # nothing at all is under 5
    (None, 93, None, 93, True),             # no comparison printed: inclusive
])
def test_exactly_on_a_strict_target_is_not_achieved(cmp, target, baseline, actual, achieved):
    direction = DIRECTION.get(cmp, Direction.HIGHER)
    rate = achievement_rate(IndicatorRule(TargetType.NUMERIC, direction, Decimal(target),
                                          None if baseline is None else Decimal(baseline), comparison=cmp),
                            Measurement(Decimal(actual)))
    assert rate.achieved is achieved
    assert (band_of(rate) is Band.ACHIEVED) is achieved
    row = (cmp, direction, target, baseline, actual)
    framed = evaluate_frame(_frame([row])).row(0, named=True)
    assert (framed["band"] == Band.ACHIEVED.value) is achieved
    assert _rules_achieved([row]) == [achieved]


def test_on_a_strict_target_the_rate_is_100_percent_in_the_60_to_100_band():
    rate = _exact(Comparison.GT, Direction.HIGHER, 93, None, 93)
    assert rate.value == 1 and rate.on_strict_target
    assert band_of(rate) is Band.B60_100
    framed = evaluate_frame(_frame([(Comparison.GT, Direction.HIGHER, 93, None, 93)])).row(0, named=True)
    assert framed["band"] == Band.B60_100.value and framed["on_strict_target"] is True
    assert rate_of_row(framed).achieved is False


def test_a_frame_without_comparisons_keeps_its_columns():
    frame = _frame([(None, Direction.HIGHER, 10, None, 10)]).drop("comparison")
    out = evaluate_frame(frame)
    assert "on_strict_target" not in out.columns and out["band"].to_list() == [Band.ACHIEVED.value]


rows_st = st.lists(st.tuples(
    st.sampled_from([Comparison.GE, Comparison.GT, Comparison.LE, Comparison.LT, None]),
    st.integers(-50, 200), st.one_of(st.none(), st.integers(-50, 200)), st.integers(-50, 200),
    st.booleans()), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(rows_st)
def test_the_three_judges_agree_on_every_comparison(raw):
    rows = []
    for cmp, target, baseline, actual, on_target in raw:
        direction = DIRECTION.get(cmp, Direction.HIGHER)
        rows.append((cmp, direction, target, baseline, target if on_target else actual))
    exact = [_exact(c, d, t, b, a) for c, d, t, b, a in rows]
    framed = evaluate_frame(_frame(rows))
    for rate, row in zip(exact, framed.iter_rows(named=True)):
        band = band_of(rate)
        assert row["band"] == (band.value if band else None)
        assert rate_of_row(row).value == rate.value
        assert bool(row["on_strict_target"]) is rate.on_strict_target
    float_achieved = _rules_achieved(rows)
    for rate, got in zip(exact, float_achieved):
        if rate.value is None:
            assert got is None or got is False
        else:
            assert got is rate.achieved

"""Milestones (目安値): exact straight line from baseline to target unless set, and judging a year against them
vectorized gives what the exact rules give with the milestone as the target."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.domain.achievement import achievement_rate
from kpi.domain.bands import band_of
from kpi.domain.milestones import judge_exprs, line_of, milestone_for, on_line, yearly
from kpi.domain.model import Direction, IndicatorRule, Measurement, TargetType
from kpi.domain.rates_frame import evaluate_frame, rate_of_row

dec4 = st.decimals(min_value=Decimal("-9999.9999"), max_value=Decimal("9999.9999"), places=4, allow_nan=False)


def test_the_demo_line_without_a_baseline_starts_at_zero_the_year_before_the_strategy():
    line = line_of(target_type="numeric", direction="higher", target=Decimal(6000), target_fy=2021,
                   baseline=None, baseline_fy=None, first_fy=2019)
    assert [(fy, v) for fy, v, _ in yearly(line)] == [(2019, 2000), (2020, 4000), (2021, 6000)]
    assert milestone_for(2018, line) is None and milestone_for(2024, line) == 6000


def test_thirds_stay_exact_and_set_milestones_win():
    line = line_of(target_type="numeric", direction="higher", target=Decimal(10), target_fy=2021,
                   baseline=Decimal(0), baseline_fy=2018)
    assert milestone_for(2019, line) == Fraction(10, 3)
    given_ = {2019: Decimal("1.5"), 2021: Decimal(10)}
    assert milestone_for(2019, line, given_) == Fraction(3, 2)
    assert milestone_for(2020, line, given_) is None  # set milestones replace the line, year by year
    assert yearly(line, given_) == [(2019, Fraction(3, 2), False), (2021, Fraction(10), False)]


def test_no_line_for_non_numeric_or_lower_without_baseline_or_flat_targets():
    assert line_of(target_type="increase", direction="higher", target=None, target_fy=2021, baseline=Decimal(1),
                   baseline_fy=2018) is None
    assert line_of(target_type="numeric", direction="lower", target=Decimal(5), target_fy=2021, baseline=None,
                   baseline_fy=None, first_fy=2019) is None
    assert line_of(target_type="numeric", direction="higher", target=Decimal(5), target_fy=2021,
                   baseline=Decimal(5), baseline_fy=2018) is None


@settings(max_examples=200, deadline=None)
@given(b=dec4, t=dec4, b_fy=st.integers(2010, 2020), years=st.integers(1, 12))
def test_the_line_is_straight_and_ends_on_the_target(b, t, b_fy, years):
    line = line_of(target_type="numeric", direction="higher", target=t, target_fy=b_fy + years, baseline=b,
                   baseline_fy=b_fy)
    if t == b:
        assert line is None
        return
    points = [v for _, v, _ in yearly(line)]
    assert len(points) == years and points[-1] == Fraction(t)
    steps = {q - p for p, q in zip([Fraction(b), *points], points)}
    assert steps == {(Fraction(t) - Fraction(b)) / years}  # equal exact steps


@st.composite
def indicator_years(draw):
    tt = draw(st.sampled_from(["numeric", "numeric", "numeric", "increase", "qualitative"]))
    direction = draw(st.sampled_from(["higher", "lower"]))
    b = draw(st.none() | dec4)
    t = draw(st.none() | dec4)
    b_fy = draw(st.none() | st.integers(2015, 2020))
    t_fy = draw(st.none() | st.integers(2016, 2026))
    fy = draw(st.integers(2014, 2028))
    given_ = draw(st.none() | st.dictionaries(st.integers(2014, 2028), dec4, max_size=4))
    return {"target_type": tt, "direction": direction, "target_value": t, "baseline_value": b, "baseline_fy": b_fy,
            "target_fy": t_fy, "fiscal_year": fy, "first_fy": 2019, "given": given_ or None,
            "value_number": draw(st.none() | dec4), "qualitative_achieved": draw(st.none() | st.booleans()),
            "stopped_in_cycle": draw(st.booleans())}


@settings(max_examples=300, deadline=None)
@given(st.lists(indicator_years(), min_size=1, max_size=30))
def test_judging_against_milestones_vectorized_equals_the_exact_rules(batch):
    frame = pl.DataFrame(
        [{**{k: v for k, v in r.items() if k != "given"}, "has_milestones": bool(r["given"]),
          "milestone_value": (r["given"] or {}).get(r["fiscal_year"])} for r in batch],
        schema={"target_type": pl.String, "direction": pl.String, "target_value": pl.Decimal(18, 4),
                "baseline_value": pl.Decimal(18, 4), "baseline_fy": pl.Int32, "target_fy": pl.Int32,
                "fiscal_year": pl.Int32, "first_fy": pl.Int32, "value_number": pl.Decimal(18, 4),
                "qualitative_achieved": pl.Boolean, "stopped_in_cycle": pl.Boolean, "has_milestones": pl.Boolean,
                "milestone_value": pl.Decimal(18, 4)})
    out = evaluate_frame(frame.with_columns(judge_exprs(4)), judge=True)
    for r, got in zip(batch, out.iter_rows(named=True)):
        line = line_of(target_type=r["target_type"], direction=r["direction"], target=r["target_value"],
                       target_fy=r["target_fy"], baseline=r["baseline_value"], baseline_fy=r["baseline_fy"],
                       first_fy=r["first_fy"])
        m = milestone_for(r["fiscal_year"], line, r["given"])
        target = r["target_value"] if m is None else m
        rule = IndicatorRule(TargetType(r["target_type"]), Direction(r["direction"]), target, r["baseline_value"],
                             stopped=r["stopped_in_cycle"])
        meas = (None if r["value_number"] is None and r["qualitative_achieved"] is None
                else Measurement(r["value_number"], {}, r["qualitative_achieved"]))
        want = achievement_rate(rule, meas)
        band = band_of(want)
        assert (got["rate_status"], rate_of_row(got).value, got["rate_percent"]) == (
            want.status.value, want.value, want.percent), r
        assert got["band"] == (band.value if band else None), r
        if m is not None:
            assert Fraction(int(got["judge_num"]), int(got["judge_den"])) == m * 10 ** 4


def test_on_line_before_the_start_is_none():
    line = line_of(target_type="numeric", direction="lower", target=Decimal(1), target_fy=2021,
                   baseline=Decimal(4), baseline_fy=2018)
    assert on_line(line, 2018) is None and on_line(line, 2020) == 2

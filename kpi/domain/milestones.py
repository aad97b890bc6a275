"""Milestones (目安値): the value expected in a year on the way from the baseline to the target.

Set milestones are used as they are. When an indicator has none, they lie on the straight line from the
baseline (in its baseline year) to the target (in its target year), exactly (Fraction): for FY in between,
baseline + (target − baseline) · (FY − baseline FY) / (target FY − baseline FY); the target year itself and
later years expect the target. A higher-is-better target without a baseline is measured against zero (rate =
value / target), so its line starts at zero in the year before the strategy began. Only numeric targets have a
line; a lower-is-better target without a baseline, a year at or before the start, or a target that equals its
start have none.

`judge_exprs` gives the same milestone as a scaled rational (`judge_num / judge_den`) per row for
kpi.domain.rates_frame, so a whole cycle can be judged against its milestones at once. Pure.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import polars as pl

from kpi.domain.rates_frame import scaled


@dataclass(frozen=True)
class Line:
    """Where an indicator's milestone line starts and ends."""

    start: Fraction
    start_fy: int
    target: Fraction
    target_fy: int


def line_of(*, target_type: str, direction: str, target: Decimal | None, target_fy: int | None,
            baseline: Decimal | None, baseline_fy: int | None, first_fy: int | None = None) -> Line | None:
    """The straight line of an indicator (None when it has none). first_fy: the strategy's first year."""
    if target_type != "numeric" or target is None or target_fy is None:
        return None
    if baseline is not None:
        start = Fraction(baseline)
        start_fy = baseline_fy if baseline_fy is not None else (None if first_fy is None else first_fy - 1)
    elif direction == "higher":
        start, start_fy = Fraction(0), (None if first_fy is None else first_fy - 1)
    else:
        return None
    if start_fy is None or target_fy <= start_fy or Fraction(target) == start:
        return None
    return Line(start, start_fy, Fraction(target), target_fy)


def on_line(line: Line, fiscal_year: int) -> Fraction | None:
    """The interpolated milestone of a year (None at or before the start year)."""
    if fiscal_year <= line.start_fy:
        return None
    if fiscal_year >= line.target_fy:
        return line.target
    return line.start + (line.target - line.start) * Fraction(fiscal_year - line.start_fy, line.target_fy - line.start_fy)


def milestone_for(fiscal_year: int, line: Line | None, given: Mapping[int, Decimal] | None = None) -> Fraction | None:
    """The milestone of a year: the set one when the indicator has any set (None for a year without one),
    else the interpolated one."""
    if given:
        value = given.get(fiscal_year)
        return None if value is None else Fraction(value)
    return None if line is None else on_line(line, fiscal_year)


def yearly(line: Line | None, given: Mapping[int, Decimal] | None = None) -> list[tuple[int, Fraction, bool]]:
    """Every milestone of an indicator as (fiscal year, value, interpolated), oldest first."""
    if given:
        return [(fy, Fraction(v), False) for fy, v in sorted(given.items())]
    if line is None:
        return []
    return [(fy, on_line(line, fy), True) for fy in range(line.start_fy + 1, line.target_fy + 1)]


def judge_exprs(scale: int, schema: pl.Schema | None = None) -> list[pl.Expr]:
    """`judge_num`, `judge_den`: each row's milestone for its cycle's year as a rational of integers in units of
    10^-scale (null: no milestone; the row is then judged against its target).

    Reads target_type, direction, target_value, target_fy, baseline_value, baseline_fy, fiscal_year,
    first_fy (the strategy's first year), milestone_value (the set milestone of that year, or null) and
    has_milestones (whether the indicator has any set milestone). schema: the frame's, to read Decimals fast.
    """
    schema = schema or {}
    tn = scaled("target_value", scale, schema.get("target_value"))
    bn = scaled("baseline_value", scale, schema.get("baseline_value"))
    has_b = pl.col("baseline_value").is_not_null()
    start = pl.when(has_b).then(bn).otherwise(pl.lit(0, pl.Int128))
    start_fy = pl.when(has_b & pl.col("baseline_fy").is_not_null()).then(pl.col("baseline_fy")).otherwise(
        pl.col("first_fy") - 1).cast(pl.Int128)
    fy, tfy = pl.col("fiscal_year").cast(pl.Int128), pl.col("target_fy").cast(pl.Int128)
    has_line = ((pl.col("target_type") == "numeric") & tn.is_not_null() & tfy.is_not_null()
                & (has_b | (pl.col("direction") == "higher")) & start_fy.is_not_null()
                & (tfy > start_fy) & (tn != start) & (fy > start_fy))
    given = pl.col("has_milestones").fill_null(False)
    span = tfy - start_fy
    num = (pl.when(given).then(scaled("milestone_value", scale, schema.get("milestone_value")))
           .when(has_line & (fy >= tfy)).then(tn)
           .when(has_line).then(start * span + (tn - start) * (fy - start_fy)))
    den = (pl.when(given & pl.col("milestone_value").is_not_null()).then(pl.lit(1, pl.Int128))
           .when(has_line & (fy >= tfy)).then(pl.lit(1, pl.Int128))
           .when(has_line).then(span))
    return [num.alias("judge_num"), pl.when(num.is_not_null()).then(den).alias("judge_den")]

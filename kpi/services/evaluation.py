"""Turns reporting rows into domain objects and evaluates each indicator's rate and band."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import polars as pl

from kpi.domain.achievement import Rate, RateStatus, achievement_rate
from kpi.domain.bands import Band, band_of
from kpi.domain.milestones import judge_exprs
from kpi.domain.model import Comparison, Direction, IndicatorRule, Measurement, Part, TargetType, dec
from kpi.domain.rates_frame import evaluate_frame, rate_of_row, scale_of


@dataclass(frozen=True)
class Evaluated:
    """One indicator row of a cycle with its computed rate and band."""

    row: dict[str, Any]
    rate: Rate
    band: Band | None

    @property
    def percent(self) -> float | None:
        """The rate in percent, or None."""
        return self.rate.percent


def _parts_by_indicator(parts: pl.DataFrame) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for p in parts.iter_rows(named=True):
        out[p["indicator_id"]].append(p)
    return out


def rule_of(row: dict[str, Any], parts: list[dict] | None = None) -> IndicatorRule:
    """The domain rule of an indicator row as the cycle sees it."""
    return IndicatorRule(
        target_type=TargetType(row["target_type"]),
        direction=Direction(row["direction"]),
        target=dec(row.get("target_value")),
        baseline=dec(row.get("baseline_value")),
        parts=tuple(Part(p["part_no"], p["label"], dec(p["target_value"]), dec(p["baseline_value"])) for p in parts or ()),
        stopped=bool(row.get("stopped_in_cycle")),
        comparison=Comparison(row["comparison"]) if row.get("comparison") else None,
        reference=dec(row.get("reference_value")),
    )


def measurement_of(row: dict[str, Any], parts: list[dict] | None = None) -> Measurement | None:
    """The measurement of a row, or None when no value is visible on this basis."""
    part_values = {p["part_no"]: dec(p["value_number"]) for p in parts or () if p.get("value_number") is not None}
    if row.get("value_number") is None and row.get("qualitative_achieved") is None and not part_values:
        return None
    return Measurement(dec(row.get("value_number")), part_values, row.get("qualitative_achieved"))


def evaluate(rows: pl.DataFrame, parts: pl.DataFrame) -> list[Evaluated]:
    """Evaluate every row of a cycle frame (with its composite parts frame)."""
    by_ind = _parts_by_indicator(parts)
    out = []
    for row in rows.iter_rows(named=True):
        ps = by_ind.get(row["indicator_id"])
        rate = achievement_rate(rule_of(row, ps), measurement_of(row, ps))
        out.append(Evaluated(row, rate, band_of(rate)))
    return out


# ---- the set-wise path: a whole frame at once (kpi.domain.rates_frame), exact Fractions only where needed ------

JUDGES = ("target", "milestone")  # judge a year against the final target, or against its milestone (目安値)


def _parts_by_cycle(parts: pl.DataFrame) -> dict[tuple[int | None, int], list[dict]]:
    out: dict[tuple[int | None, int], list[dict]] = defaultdict(list)
    has_cycle = "cycle_id" in parts.columns
    for p in parts.iter_rows(named=True):
        out[(p["cycle_id"] if has_cycle else None, p["indicator_id"])].append(p)
    return out


def evaluate_rows_frame(rows: pl.DataFrame, parts: pl.DataFrame | None = None, *,
                        judge: str = "target") -> pl.DataFrame:
    """rows (reporting.evaluation_frame or cycle_rows) with rate_num/den, rate_percent, rate_status, band and
    weakest_part; judge="milestone" judges each year against its milestone (target where there is none)."""
    if judge not in JUDGES:
        raise ValueError(f"judge は {JUDGES} のいずれかです: {judge!r}")
    by_key = _parts_by_cycle(parts) if parts is not None and parts.height else {}
    scale = scale_of(rows)
    use_milestones = judge == "milestone"

    def exact(row: dict) -> Rate:
        ps = by_key.get((row.get("cycle_id"), row["indicator_id"])) or by_key.get((None, row["indicator_id"]))
        rule = rule_of(row, ps)
        if use_milestones and row.get("judge_num") is not None:
            rule = replace(rule, target=Fraction(int(row["judge_num"]), int(row["judge_den"]) * 10 ** scale))
        return achievement_rate(rule, measurement_of(row, ps))

    if use_milestones:
        rows = rows.with_columns(judge_exprs(scale, rows.schema))
    out = evaluate_frame(rows, exact=exact, judge=use_milestones)
    return out


def evaluated_of(rows: pl.DataFrame) -> list[Evaluated]:
    """Evaluated objects of evaluated frame rows (a page of a list), for the display helpers."""
    out = []
    for row in rows.iter_rows(named=True):
        rate = rate_of_row(row)
        if rate.status is RateStatus.OK and rate.value is None:  # a fraction too large for Int128: recompute
            rate = achievement_rate(rule_of(row), measurement_of(row))
        out.append(Evaluated(row, rate, Band(row["band"]) if row.get("band") else None))
    return out

"""Turns reporting rows into domain objects and evaluates each indicator's rate and band."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from kpi.domain.achievement import Rate, RateStatus
from kpi.domain.bands import Band
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
    """Evaluate every row of a cycle frame (with its composite parts frame) through the exact frame
    (evaluate_rows_frame), as Evaluated objects."""
    if rows.height == 0:
        return []
    return evaluated_of(evaluate_rows_frame(rows, parts if parts is not None and parts.height else None))


def is_missing(e: Evaluated) -> bool:
    """True when an active indicator has no value on this basis."""
    return e.rate.status is RateStatus.MISSING_VALUE


# ---- the set-wise path: a whole frame at once (kpi.domain.rates_frame) ---------------------------------------

JUDGES = ("target", "milestone")  # judge a year against the final target, or against its milestone (目安値)


def evaluate_rows_frame(rows: pl.DataFrame, parts: pl.DataFrame | None = None, *,
                        judge: str = "target") -> pl.DataFrame:
    """rows (reporting.evaluation_frame or cycle_rows) with rate_num/den, rate_percent, rate_status, band and
    weakest_part; judge="milestone" judges each year against its milestone (target where there is none)."""
    if judge not in JUDGES:
        raise ValueError(f"judge は {JUDGES} のいずれかです: {judge!r}")
    use_milestones = judge == "milestone"
    if use_milestones:
        rows = rows.with_columns(judge_exprs(scale_of(rows), rows.schema))
    return evaluate_frame(rows, parts=parts if parts is not None and parts.height else None, judge=use_milestones)


def evaluated_of(rows: pl.DataFrame) -> list[Evaluated]:
    """Evaluated objects of evaluated frame rows (a page of a list), for the display helpers."""
    out = []
    for row in rows.iter_rows(named=True):
        rate = rate_of_row(row)
        out.append(Evaluated(row, rate, Band(row["band"]) if row.get("band") else None))
    return out

"""Turns reporting rows into domain objects and evaluates each indicator's rate and band."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import polars as pl

from kpi.domain.achievement import Rate, RateStatus, achievement_rate
from kpi.domain.bands import Band, band_of
from kpi.domain.model import Direction, IndicatorRule, Measurement, Part, TargetType, dec


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


def is_missing(e: Evaluated) -> bool:
    """True when an active indicator has no value on this basis."""
    return e.rate.status is RateStatus.MISSING_VALUE

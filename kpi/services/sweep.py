"""The cycle sweep: every rule over every value of a cycle, findings refreshed (validate_cycle)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

import warehouse
from kpi.domain import rules
from kpi.services.evaluation import evaluate
from kpi.services.summaries import cycle_for
from warehouse import reporting, values


@dataclass(frozen=True)
class SweepReport:
    """What the sweep found over a cycle."""

    fiscal_year: int
    checked: int
    errors: int
    warnings: int
    findings: pl.DataFrame


def composite_rates(con, cycle_id: int) -> dict[int, float]:
    """Rates of the cycle's composite indicators, part by part (few rows; exact rules)."""
    rows = reporting.composite_rows(con, cycle_id)
    if rows.is_empty():
        return {}
    parts = reporting.cycle_parts(con, cycle_id, "all")
    return {e.row["indicator_id"]: e.percent / 100 for e in evaluate(rows, parts) if e.percent is not None}


def sweep_frame(con, cycle_id: int) -> pl.DataFrame:
    """The validation frame of a whole cycle, composites' rates filled in."""
    df = reporting.validation_frame(con, cycle_id)
    comp = composite_rates(con, cycle_id)
    if comp:
        df = df.with_columns(pl.col("indicator_id").replace_strict(comp, default=None, return_dtype=pl.Float64)
                             .alias("composite_rate"))
    return df


def completeness(con, cycle_id: int) -> pl.DataFrame:
    """A warning per department that has active indicators without any value yet."""
    gaps = reporting.missing_by_department(con, cycle_id)
    return gaps.select(
        pl.lit(None, pl.Int64).alias("row_no"), pl.lit(None, pl.Int64).alias("value_id"),
        pl.lit(None, pl.Int64).alias("indicator_id"), pl.lit("completeness").alias("rule"),
        pl.lit(rules.WARNING).alias("severity"), pl.lit("値").alias("field"),
        pl.format("「{}」は{}指標中{}指標が未入力です", "department_name", "total", "missing").alias("message"),
    ).cast(rules.FINDING_SCHEMA)


def validate_cycle(fiscal_year: int, db: Path | str | None = None,
                   outlier_factor: float = rules.DEFAULT_OUTLIER_FACTOR) -> SweepReport:
    """Re-run every rule over the cycle's values and replace its sweep findings; one short write at the end."""
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        df = sweep_frame(con, cycle["cycle_id"])
        missing = completeness(con, cycle["cycle_id"])
    found = pl.concat([rules.check(df, outlier_factor), missing])
    with warehouse.transaction(db) as con:
        values.replace_cycle_findings(con, cycle["cycle_id"], found.with_columns(pl.lit(cycle["cycle_id"]).alias("cycle_id")))
    n_err = found.filter(pl.col("severity") == rules.ERROR).height
    return SweepReport(fiscal_year, df.height, n_err, found.height - n_err, found)

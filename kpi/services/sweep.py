"""The cycle sweep: every rule over every value of a cycle, findings refreshed (validate_cycle)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import warehouse
from kpi.domain import rules
from kpi.services.evaluation import indicator_rates
from kpi.services.summaries import cycle_for
from warehouse import findings, master, values

_WAREHOUSE_COLUMNS = ("value_id", "indicator_id", "target_type", "direction", "baseline", "target", "value",
                      "qualitative_achieved", "kind", "value_fy", "cycle_fy", "reason", "category", "last_value",
                      "stopped", "comparison")


@dataclass(frozen=True)
class SweepReport:
    """What the sweep found over a cycle."""

    fiscal_year: int
    checked: int
    errors: int
    warnings: int
    findings: pl.DataFrame


def composite_rates(con, cycle_id: int) -> dict[int, float]:
    """Rates of the cycle's composite indicators with a value, part by part (few rows; exact rules)."""
    rows, parts = values.composite_values(con, cycle_id)
    out = {}
    for row, rate in zip(rows, indicator_rates(rows, [parts.get(row["indicator_id"]) for row in rows])):
        percent = rate.percent
        if percent is not None:
            out[row["indicator_id"]] = percent / 100
    return out


def _frame(rows: pl.DataFrame, comp: dict[int, float]) -> pl.DataFrame:
    """The validation frame (kpi.domain.rules.FRAME_SCHEMA but the names) of the rows that have a value."""
    composite = (pl.col("indicator_id").replace_strict(comp, default=None, return_dtype=pl.Float64) if comp
                 else pl.lit(None, pl.Float64))
    return rows.filter(pl.col("value_id").is_not_null()).select(
        pl.lit(None, pl.Int64).alias("row_no"), *_WAREHOUSE_COLUMNS, pl.lit(None, pl.String).alias("code"),
        pl.lit(None, pl.String).alias("input_error"), pl.lit(None, pl.String).alias("input_field"),
        pl.lit(True).alias("has_entry"), composite.alias("composite_rate"),
    )


def _gaps(con, rows: pl.DataFrame) -> pl.DataFrame:
    """A warning per department that has active indicators without any value yet."""
    active = ~pl.col("stopped").fill_null(False)
    missing = rows.filter(pl.col("value_id").is_null() & active).group_by("department_code").len("missing")
    total = (rows.filter(pl.col("department_code").is_in(missing["department_code"].implode()) & active)
             .group_by("department_code").len("total"))
    gaps = total.join(missing, on="department_code").sort("department_code")
    names = master.department_names(con, gaps["department_code"].to_list())
    return gaps.select(
        pl.lit(None, pl.Int64).alias("row_no"), pl.lit(None, pl.Int64).alias("value_id"),
        pl.lit(None, pl.Int64).alias("indicator_id"), pl.lit("completeness").alias("rule"),
        pl.lit(rules.WARNING).alias("severity"), pl.lit("値").alias("field"),
        pl.format("「{}」は{}指標中{}指標が未入力です",
                  pl.col("department_code").replace_strict(names, return_dtype=pl.String), "total", "missing")
        .alias("message"),
    ).cast(rules.FINDING_SCHEMA)


def validate_cycle(fiscal_year: int, db: Path | str | None = None,
                   outlier_factor: float = rules.DEFAULT_OUTLIER_FACTOR, strategy: str | None = None) -> SweepReport:
    """Re-run every rule over the cycle's values and replace its sweep findings, in one transaction.

    One read of the cycle (every indicator, its value if any, only the columns the rules use) gives both the
    validation frame and the departments' gaps; names are read only for the rows a rule reports; the findings go
    in from the frame in one statement.
    """
    with warehouse.transaction(db) as con:
        cycle = cycle_for(con, fiscal_year, strategy)
        with ThreadPoolExecutor(1) as pool:  # the few composites' exact rates while DuckDB reads the cycle
            cursor = con.cursor()  # a DuckDB connection is not shared between threads: one cursor for the other
            try:
                composites = pool.submit(composite_rates, cursor, cycle["cycle_id"])
                rows = values.sweep_rows(con, cycle["cycle_id"])
                comp = composites.result()
            finally:
                cursor.close()
        df = _frame(rows, comp)
        names = lambda ids: master.indicator_names(con, ids)  # noqa: E731 - only the reported rows' names
        found = pl.concat([rules.check(df, outlier_factor, names=names, one_row_per_indicator=True),
                           _gaps(con, rows)])
        findings.replace_cycle_findings(con, cycle["cycle_id"],
                                      found.with_columns(pl.lit(cycle["cycle_id"]).alias("cycle_id")))
    n_err = found.filter(pl.col("severity") == rules.ERROR).height
    return SweepReport(fiscal_year, df.height, n_err, found.height - n_err, found)

"""Evaluates indicators' rates and bands through the exact frame (kpi.domain.rates_frame): a cycle's rows at once,
or a few typed figures (indicator_rates), and turns evaluated rows into Evaluated objects for the display helpers."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from kpi.domain.achievement import Rate, RateStatus
from kpi.domain.bands import Band
from kpi.domain.milestones import judge_exprs
from kpi.domain.model import dec
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


def evaluate(rows: pl.DataFrame, parts: pl.DataFrame) -> list[Evaluated]:
    """Evaluate every row of a cycle frame (with its composite parts frame) through the exact frame
    (evaluate_rows_frame), as Evaluated objects."""
    if rows.height == 0:
        return []
    return evaluated_of(evaluate_rows_frame(rows, parts if parts is not None and parts.height else None))


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


_ONE_ROW = {"indicator_id": pl.Int64, "target_type": pl.String, "direction": pl.String, "qualitative_achieved": pl.Boolean,
            "stopped_in_cycle": pl.Boolean, "comparison": pl.String}
_ROW_FIGURES = ("target_value", "baseline_value", "value_number", "reference_value")
_PART_FIGURES = ("target_value", "baseline_value", "value_number")


def _places(values) -> int:
    exps = [Decimal(v).as_tuple().exponent for v in values if v is not None]
    return max([0, *(-e for e in exps if isinstance(e, int))])


def indicator_rate(row: dict[str, Any], parts: list[dict] | None = None) -> Rate:
    """One indicator's rate through the exact frame (indicator_rates of one row)."""
    return indicator_rates([row], [parts])[0]


def indicator_rates(rows: list[dict[str, Any]], parts: list[list[dict] | None] | None = None) -> list[Rate]:
    """Indicators' rates through the exact frame, all in one frame: each row holds the definition as the cycle sees it
    and the figure (value_number / qualitative_achieved), its parts (same position) their targets and figures — for
    the entry form, the submit check and the sweep's composites, judged as every list and report judges them."""
    if not rows:
        return []
    parts = parts or [None] * len(rows)
    framed = [{**{k: r.get(k) for k in _ONE_ROW}, **{k: dec(r.get(k)) for k in _ROW_FIGURES}, "indicator_id": i,
               "stopped_in_cycle": bool(r.get("stopped_in_cycle"))} for i, r in enumerate(rows)]
    ps = [{"indicator_id": i, "part_no": p["part_no"], **{k: dec(p.get(k)) for k in _PART_FIGURES}}
          for i, mine in enumerate(parts) for p in mine or ()]
    scale = min(_places([r[k] for r in framed for k in _ROW_FIGURES] + [p[k] for p in ps for k in _PART_FIGURES]), 20)
    frame = pl.DataFrame(framed, schema={**_ONE_ROW, **{k: pl.Decimal(38, scale) for k in _ROW_FIGURES}})
    part_frame = pl.DataFrame(ps, schema={"indicator_id": pl.Int64, "part_no": pl.Int64,
                                          **{k: pl.Decimal(38, scale) for k in _PART_FIGURES}}) if ps else None
    return [rate_of_row(r) for r in evaluate_frame(frame, parts=part_frame).iter_rows(named=True)]

"""Display records of evaluated indicators, shared by the read models of the dashboard (drill-down, reasons,
trends) and the indicator page: machine keys next to Japanese display texts, ready for Streamlit or JSON."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

import warehouse
from kpi.domain.rates_frame import OUTPUT_COLUMNS
from kpi.services.evaluation import Evaluated, evaluated_of
from kpi.services.listing import indicator_rows
from kpi.services.summaries import CycleFrame
from warehouse import reporting

Db = Path | str | None


def record(e: Evaluated, shown: dict[str, Any]) -> dict[str, Any]:
    """Machine keys and display texts of one evaluated indicator (shown: its listing.indicator_rows row)."""
    r = e.row
    return {
        "code": r["code"], "pillar": r["pillar_no"], "pillar_name": r.get("pillar_name"),
        "item": r["item_no"], "item_name": r.get("item_name"), "name": r["name"],
        "department": r["department_code"], "department_name": r.get("department_name"), "unit": r.get("unit"),
        "target_type": r.get("target_type"),
        "baseline": shown["基準値"], "target": shown["目標値"], "value": shown["値"],
        "value_number": r.get("value_number"), "kind": shown["区分"], "kind_key": r.get("value_kind"),
        "period": shown["時点・期間"], "rate": shown["達成率"], "rate_percent": e.percent,
        "band": e.band.value if e.band else None, "band_label": shown["達成区分"],
        "reason": r.get("reason"), "reason_category": r.get("reason_category"),
        "reason_category_name": r.get("reason_category_name"),
        "reason_illustrative": bool(r.get("reason_illustrative")) if r.get("reason") else False,
        "state": "stopped" if r.get("stopped_in_cycle") else (r.get("state") or "none"),
        "state_label": shown["状態"],
    }


def records(rows: list[Evaluated]) -> list[dict[str, Any]]:
    return [record(e, shown) for e, shown in zip(rows, indicator_rows(rows, with_department=True))]


def page_records(view: CycleFrame, picked: pl.DataFrame, db: Db) -> list[dict[str, Any]]:
    """Display records of a few evaluated rows (in their order): the view's full rows are read for them only."""
    if picked.height == 0:
        return []
    with warehouse.connect(db) as con:
        full = reporting.rows_of(con, view.cycle["cycle_id"], picked["indicator_id"].to_list(), view.basis)
    return records(evaluated_of(merge(picked, full)))


def merge(picked: pl.DataFrame, full: pl.DataFrame) -> pl.DataFrame:
    rated = picked.select("indicator_id", *OUTPUT_COLUMNS)
    return picked.select("indicator_id").join(full.join(rated, on="indicator_id", how="left"), on="indicator_id",
                                              how="left", maintain_order="left")

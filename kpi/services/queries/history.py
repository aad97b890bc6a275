"""The indicator page's read model: one indicator in every cycle, with its milestones (as set, or interpolated)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import polars as pl

import warehouse
from kpi.domain import milestones as ms
from kpi.domain.bands import band_of
from kpi.domain.achievement import Rate
from kpi.domain.formatting import format_number, format_rate
from kpi.domain.rates_frame import evaluate_frame, rate_of_row, scale_of
from kpi.services.actors import Actor
from kpi.services.evaluation import Evaluated, evaluate
from kpi.services.listing import indicator_rows
from kpi.services.permissions import Permission, allowed, check
from kpi.services.queries.records import Db, record
from kpi.services.summaries import NotFound
from warehouse import insights as sql


def _places(*numbers: Decimal | None) -> int:
    exps = [-n.normalize().as_tuple().exponent for n in numbers if n is not None]
    return max([0, *exps])


def _tidy(d: Decimal) -> Decimal:
    """Drop needless trailing zeros without switching to exponent notation (2000.0 → 2000, 80.10 → 80.1)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def _line(ind: dict[str, Any]) -> ms.Line | None:
    return ms.line_of(target_type=ind["target_type"], direction=ind["direction"],
                      target=None if ind.get("target_value") is None else Decimal(ind["target_value"]),
                      target_fy=ind.get("target_fy"),
                      baseline=None if ind.get("baseline_value") is None else Decimal(ind["baseline_value"]),
                      baseline_fy=ind.get("baseline_fy"), first_fy=ind.get("valid_from_fy"))


def _shown(value: Fraction, ind: dict[str, Any]) -> Decimal:
    """An exact milestone for display: rounded half-up to the figures' decimals (at least one), tidied."""
    q = Decimal(1).scaleb(-max(1, _places(*(Decimal(ind[k]) for k in ("baseline_value", "target_value")
                                             if ind.get(k) is not None))))
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return _tidy(exact.quantize(q, rounding=ROUND_HALF_UP))


def _interpolated(ind: dict[str, Any]) -> list[dict[str, Any]]:
    """Yearly milestones on the straight line from the baseline to the target (kpi.domain.milestones)."""
    return [{"fiscal_year": fy, "value": _shown(v, ind), "exact": v, "interpolated": True}
            for fy, v, _ in ms.yearly(_line(ind))]


def _definition(ind: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    unit = ind.get("unit") or ""
    baseline_text = ind.get("baseline_text") or (format_number(ind["baseline_value"], unit)
                                                 if ind.get("baseline_value") is not None else "—")
    return {
        "code": ind["code"], "name": ind["name"], "definition": ind.get("definition"), "unit": ind.get("unit"),
        "pillar": ind["pillar_no"], "pillar_name": ind.get("pillar_name"), "item": ind["item_no"],
        "item_name": ind.get("item_name"), "department": ind["department_code"],
        "department_name": ind.get("department_name"), "target_type": ind["target_type"],
        "direction": ind["direction"], "baseline": ind.get("baseline_value"), "baseline_text": baseline_text,
        "baseline_fy": ind.get("baseline_fy"), "baseline_fy_text": ind.get("baseline_fy_text"),
        "target": ind.get("target_value"),
        "target_text": ind.get("target_text") or format_number(ind.get("target_value"), unit),
        "target_fy": ind.get("target_fy"), "data_source": ind.get("data_source"), "status": ind["status"],
        "stop_reason": ind.get("stop_reason"), "stopped_fy": ind.get("stopped_fy"),
        "illustrative": bool(ind.get("illustrative")),
        "parts": [{"no": p["part_no"], "label": p["label"], "unit": p["unit"], "baseline": p["baseline_value"],
                   "target": p["target_value"]} for p in parts],
    }


def indicator_history(actor: Actor, code: str, *, db: Db = None) -> dict[str, Any]:
    """One indicator in every cycle: its definition, per cycle its value, state, rate, band and people, and its
    milestones (as set, or interpolated from baseline to target and flagged so).

    Executives (and editors of other departments) see approved figures only: a cycle whose value is not
    approved shows no figure, no state and no people. Reviewers and the owning department's editors see all.
    """
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        ind = sql.indicator_definition(con, code)
        if ind is None:
            raise NotFound(f"指標コード {code} はありません")
        iid = ind["indicator_id"]
        unapproved = allowed(actor, Permission.VIEW_UNAPPROVED, ind["department_code"])
        basis = "all" if unapproved else "approved"
        rows = sql.indicator_over_cycles(con, iid, basis)
        parts = sql.indicator_parts_over_cycles(con, iid, basis)
        part_defs = sql.indicator_parts(con, iid)
        stored = sql.milestones(con, iid)
    if stored:
        miles = [{"fiscal_year": m["fiscal_year"], "value": m["value"], "exact": Fraction(m["value"]),
                  "interpolated": False} for m in stored]
    else:
        miles = _interpolated(ind)
    for m in miles:
        m["text"] = format_number(m["value"], ind.get("unit") or "")
    by_year = {m["fiscal_year"]: m for m in miles}
    cycles = []
    for cid in rows["cycle_id"].to_list():
        one = rows.filter(pl.col("cycle_id") == cid)
        [e] = evaluate(one, parts.filter(pl.col("cycle_id") == cid).drop("cycle_id"))
        rec = record(e, indicator_rows([e], with_department=True)[0])
        r = e.row
        visible = unapproved or r.get("state") == "approved"
        m = by_year.get(r["fiscal_year"])
        mrate = _against_milestone(one, e, m)
        cycles.append({
            "fiscal_year": r["fiscal_year"], "label": r["cycle_label"], "cycle_state": r["cycle_state"],
            "illustrative": bool(r.get("cycle_illustrative")), "stopped": bool(r.get("stopped_in_cycle")),
            **{k: rec[k] for k in ("value", "value_number", "kind", "kind_key", "period", "rate", "rate_percent",
                                   "band", "band_label", "reason", "reason_category", "reason_category_name")},
            "state": rec["state"] if visible or rec["state"] == "stopped" else None,
            "state_label": rec["state_label"] if visible or rec["state"] == "stopped" else "—",
            "entered_by": r.get("entered_by") if visible else None,
            "entered_by_name": r.get("entered_by_name") if visible else None,
            "approved_by": r.get("approved_by") if visible else None,
            "approved_by_name": r.get("approved_by_name") if visible else None,
            "approved_at": r.get("approved_at") if visible else None,
            "milestone": m["value"] if m else None, "milestone_text": m["text"] if m else None,
            "milestone_rate": format_rate(mrate.percent) if mrate and mrate.percent is not None else None,
            "milestone_rate_percent": mrate.percent if mrate else None,
            "milestone_band": (band_of(mrate).value if mrate and band_of(mrate) else None),
            "milestone_band_label": (band_of(mrate).label_ja if mrate and band_of(mrate) else None),
        })
    return {"definition": _definition(ind, part_defs), "basis": basis, "cycles": cycles, "milestones": miles,
            "milestones_interpolated": bool(miles) and not stored}


def _against_milestone(one: pl.DataFrame, e: Evaluated, m: dict[str, Any] | None) -> Rate | None:
    """The value's rate with the year's milestone as the target (the exact frame's rules against a rational
    target, as a whole cycle is judged against its milestones), for numeric targets."""
    if m is None or e.row.get("target_type") != "numeric":
        return None
    exact = Fraction(m["exact"])
    scale = scale_of(one)
    judged = evaluate_frame(one.with_columns(pl.lit(exact.numerator * 10 ** scale, pl.Int128).alias("judge_num"),
                                             pl.lit(exact.denominator, pl.Int128).alias("judge_den")), judge=True)
    return rate_of_row(judged.row(0, named=True))

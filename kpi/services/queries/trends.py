"""The trends read model: band shares of every closed cycle, the indicators whose band moved since the previous
one, and those near a band boundary in the latest one (approved figures, with each approved 確定値 in place of the
projection or 速報 it confirms: 確定値反映, kpi.domain.confirmations)."""
from __future__ import annotations

from typing import Any

import polars as pl

import warehouse
from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.confirmations import BASIS_LABEL, overlay
from kpi.domain.formatting import fiscal_year_label
from kpi.domain.rates_frame import OUTPUT_COLUMNS, counted_band, near_boundary_expr
from kpi.domain.summary import UNDECIDABLE, BandSummary
from kpi.services.actors import Actor
from kpi.services.evaluation import evaluate_rows_frame, evaluated_of
from kpi.services.queries.records import Db, merge, records
from kpi.services.summaries import check_basis
from warehouse import confirmations
from warehouse import insights as sql
from warehouse import reporting

BOUNDARIES: tuple[int, ...] = (30, 60, 100)
NEAR_POINTS = 2
# Bands from worst to best, for "moved up / down"; stopped and unrated are not on this scale.
_RANK = {Band.UNDER_30: 0, Band.B30_60: 1, Band.B60_100: 2, Band.ACHIEVED: 3}
# Target types whose rate is all-or-nothing (0% or 100%): never "near" a boundary.
_BINARY = frozenset({"increase", "decrease", "qualitative"})

_RANK_KEYS = {b.value: r for b, r in _RANK.items()}


def trends(actor: Actor, *, judge: str = "target", limit: int | None = None, db: Db = None) -> dict[str, Any]:
    """Band shares of every closed or finalized cycle with approved values (oldest first; an open cycle is left
    out until it closes), the indicators whose band moved since the previous such cycle (up or down, `moved`),
    and those within two points of a band boundary (30, 60, 100%) in the latest one (`near_boundary`); approved
    figures only. Each cycle also counts its moves up and down.

    Set-wise: one query reads every cycle, the domain's Polars rules rate them all at once, counts and moves are
    group-bys and joins; only the listed indicators are read in full. limit: at most this many indicators in
    `moved` and in `near_boundary` (their full numbers in `moved_total`, `near_total`).
    """
    check_basis(actor, "approved")
    return trends_document(judge=judge, limit=limit, db=db)


def _cycle_entry(y: dict[str, Any], counts: dict[str | None, int]) -> dict[str, Any]:
    g = BandSummary("all", {b: counts.get(b.value, 0) for b in BAND_ORDER}, counts.get(None, 0),
                    counts.get(UNDECIDABLE, 0)).as_dict()
    return {"fiscal_year": y["fiscal_year"], "label": y["label"], "label_long": fiscal_year_label(y["fiscal_year"]),
            "cycle_state": y["state"], "illustrative": bool(y["illustrative"]), "total": g["total"],
            "counts": g["counts"], "percent": g["percent"], "unrated": g["unrated"],
            "undecidable": g["undecidable"], "moved_up": 0, "moved_down": 0, "confirmed": 0}



def trends_document(*, judge: str = "target", limit: int | None = None, db: Db = None) -> dict[str, Any]:
    """The trends document of approved figures, for a caller that checked the actor may read them (`trends`; the
    app caches it per basis the actor may see: kpi.services.summaries.visible_basis).

    Streams the closed cycles oldest first, one query per cycle, rated batch by batch (bounded memory at
    national scale): of each cycle only its band counts and a narrow (code, indicator_id, rank) frame are kept,
    the latter only until the next cycle has been compared with it (moves between consecutive cycles); the
    latest cycle's rated rows are kept (only the columns its lists need).
    """
    per_cycle: dict[int, dict[str | None, int]] = {}
    up_down: dict[int, tuple[int, int]] = {}
    last_moves = _no_moves()
    latest = None
    with warehouse.connect(db) as con:
        years = sql.approved_years(con)
        ids = [y["cycle_id"] for y in years]
        parts = reporting.parts_of_cycles(con, ids, "approved") if ids else None
        parts = parts if parts is not None and parts.height else None
        confirmed = confirmations.approved_figures(con, ids) if ids else None  # 確定値反映
        prev: pl.DataFrame | None = None  # the previous cycle's rated rows: code, indicator_id, rank
        for cid in ids:
            counts: dict[str | None, int] = {}
            ranked, kept = [], []
            for batch in reporting.evaluation_batches(con, [cid], "approved", milestones=judge == "milestone",
                                                    batch_rows=_TREND_BATCH_ROWS):
                ev = evaluate_rows_frame(overlay(batch, confirmed), parts, judge=judge)
                del batch
                for band, n in ev.select(counted_band()).group_by("band").len().iter_rows():
                    counts[band] = counts.get(band, 0) + n
                ranked.append(ev.select("code", "indicator_id", pl.col("band").replace_strict(
                    _RANK_KEYS, default=None, return_dtype=pl.Int8).alias("_rank")).drop_nulls("_rank"))
                if cid == ids[-1]:
                    kept.append(ev.select(_LATEST_COLUMNS))
                del ev
            per_cycle[cid] = counts
            cur = pl.concat(ranked) if ranked else None
            del ranked
            moves = _moves_between(cur, prev)
            n_up = moves.filter(pl.col("steps") > 0).height
            up_down[cid] = (n_up, moves.height - n_up)
            if cid == ids[-1]:
                last_moves = moves
                latest = pl.concat(kept) if kept else evaluate_rows_frame(overlay(
                    reporting.evaluation_frame(con, [cid], "approved", milestones=judge == "milestone",
                                               columns=reporting.TREND_COLUMNS), confirmed), parts, judge=judge
                ).select(_LATEST_COLUMNS)
            prev = cur
        del prev
    cycles = [_cycle_entry(y, per_cycle.get(y["cycle_id"], {})) for y in years]
    n_confirmed = {} if confirmed is None else dict(confirmed.group_by("cycle_id").len().iter_rows())
    for entry, cid in zip(cycles, ids):
        entry["moved_up"], entry["moved_down"] = up_down.get(cid, (0, 0))
        entry["confirmed"] = n_confirmed.get(cid, 0)
    doc = {"basis": "confirmed", "basis_label": BASIS_LABEL, "confirmed_total": sum(n_confirmed.values()),
           "cycles": cycles, "latest": cycles[-1]["fiscal_year"] if cycles else None,
           "previous": cycles[-2]["fiscal_year"] if len(cycles) > 1 else None, "moved": [], "moved_total": 0,
           "near_boundary": [], "near_total": 0, "near_points": NEAR_POINTS, "judge": judge}
    if not years:
        return doc
    order = latest.select("indicator_id", "pillar_no", "item_no", "sort_order", pl.col("code").alias("_code"))
    last_moves = last_moves.join(order, on="indicator_id").sort("pillar_no", "item_no", "sort_order", "_code")
    near = _near(latest)
    doc["moved_total"], doc["near_total"] = last_moves.height, near.height
    if limit is not None:
        last_moves, near = last_moves.head(limit), near.head(limit)
    with warehouse.connect(db) as con:
        cur = _full(con, latest, ids[-1], last_moves["indicator_id"].to_list() + near["indicator_id"].to_list(),
                    confirmed)
        prev = (_full_of(con, ids[-2], last_moves["prev_indicator_id"].to_list(), parts, judge, confirmed)
                if len(ids) > 1 else {})
    doc["moved"] = [_move_record(cur[m["indicator_id"]], prev[m["prev_indicator_id"]], m, years[-2]["fiscal_year"],
                                 years[-1]["fiscal_year"]) for m in last_moves.iter_rows(named=True)]
    doc["near_boundary"] = [{**cur[n["indicator_id"]], "boundary": n["boundary"], "distance": n["distance"],
                             "side": "above" if n["distance"] >= 0 else "below"} for n in near.iter_rows(named=True)]
    return doc


# Rows rated at once: a national cycle (178,800 rows) in three batches keeps the rating's transient columns small.
_TREND_BATCH_ROWS = 60_000
# What the latest cycle's lists need of its rated rows (report order, near-boundary, the rate columns).
_LATEST_COLUMNS = ("cycle_id", "indicator_id", "code", "pillar_no", "item_no", "sort_order", "target_type",
                   *OUTPUT_COLUMNS)


def _full_of(con, cycle_id: int, indicator_ids: list[int], parts, judge: str,
             confirmed: pl.DataFrame | None) -> dict[int, dict[str, Any]]:
    """Display records of a few indicators of an earlier cycle, rated afresh (only those rows are read)."""
    if not indicator_ids:
        return {}
    full = _confirmed(reporting.rows_of(con, cycle_id, indicator_ids, "approved"), confirmed)
    if judge == "milestone":
        extra = reporting.evaluation_frame(con, [cycle_id], "approved", milestones=True).filter(
            pl.col("indicator_id").is_in(indicator_ids)).select("indicator_id", "first_fy", "milestone_value",
                                                                 "has_milestones")
        full = full.join(extra, on="indicator_id", how="left")
    rated = evaluate_rows_frame(full, parts, judge=judge)
    return {r["indicator_id"]: rec for r, rec in zip(rated.iter_rows(named=True), records(evaluated_of(rated)))}


def _no_moves() -> pl.DataFrame:
    return pl.DataFrame(schema={"indicator_id": pl.Int32, "prev_indicator_id": pl.Int32, "steps": pl.Int8})


def _moves_between(cur: pl.DataFrame | None, prev: pl.DataFrame | None) -> pl.DataFrame:
    """The indicators (matched by code) rated in a cycle and in the previous one on a different band:
    indicator_id, prev_indicator_id and steps (rank now − rank before; positive = up). cur/prev: the rated rows
    (code, indicator_id, _rank) of the two cycles, None when a cycle has none."""
    if cur is None or prev is None:
        return _no_moves()
    before = prev.select("code", pl.col("indicator_id").alias("prev_indicator_id"), pl.col("_rank").alias("_prev"))
    return (cur.join(before, on="code").filter(pl.col("_rank") != pl.col("_prev"))
            .select("indicator_id", "prev_indicator_id", (pl.col("_rank") - pl.col("_prev")).alias("steps")))


def _near(latest: pl.DataFrame) -> pl.DataFrame:
    """Rated indicators within NEAR_POINTS of 30, 60 or 100% (exact; all-or-nothing target types left out),
    nearest first."""
    num, den = pl.col("rate_num"), pl.col("rate_den")
    return (latest.filter(num.is_not_null() & (pl.col("band") != Band.STOPPED.value)
                          & ~pl.col("target_type").is_in(sorted(_BINARY)))
            .with_columns(near_boundary_expr(NEAR_POINTS, BOUNDARIES).alias("boundary"))
            .filter(pl.col("boundary").is_not_null())
            .with_columns(((num * 100 - den * pl.col("boundary")).cast(pl.Float64) / den.cast(pl.Float64))
                          .alias("distance"))
            .sort(pl.col("distance").abs(), "pillar_no", "item_no", "code"))


def _confirmed(rows: pl.DataFrame, confirmed: pl.DataFrame | None) -> pl.DataFrame:
    """The rows with the approved 確定値 in place (確定値反映), without the overlay's flag column."""
    return rows if confirmed is None else overlay(rows, confirmed).drop("confirmed")


def _full(con, ev: pl.DataFrame, cycle_id: int, indicator_ids: list[int],
          confirmed: pl.DataFrame | None) -> dict[int, dict[str, Any]]:
    """Display records (by indicator id) of a few evaluated rows of one cycle."""
    if not indicator_ids:
        return {}
    picked = ev.filter((pl.col("cycle_id") == cycle_id) & pl.col("indicator_id").is_in(indicator_ids))
    full = _confirmed(reporting.rows_of(con, cycle_id, picked["indicator_id"].to_list(), "approved"), confirmed)
    merged = merge(picked, full)
    return {r["indicator_id"]: rec for r, rec in zip(merged.iter_rows(named=True), records(evaluated_of(merged)))}


def _move_record(new: dict, old: dict, m: dict, fy0: int, fy1: int) -> dict[str, Any]:
    return {
        "code": new["code"], "name": new["name"], "pillar": new["pillar"], "item": new["item"],
        "department": new["department"], "department_name": new["department_name"],
        "from_fy": fy0, "to_fy": fy1, "from_band": old["band"], "from_label": old["band_label"],
        "to_band": new["band"], "to_label": new["band_label"], "from_value": old["value"], "to_value": new["value"],
        "from_rate": old["rate"], "to_rate": new["rate"], "from_rate_percent": old["rate_percent"],
        "to_rate_percent": new["rate_percent"], "direction": "up" if m["steps"] > 0 else "down",
        "steps": int(m["steps"]),
    }

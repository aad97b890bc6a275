"""Read-side services of the executive and progress views: drill-down, reasons, one indicator's history,
trends across cycles and the collection progress of a cycle.

Every function takes the acting person first and checks the permission table (kpi.services.permissions):
approved figures need VIEW_APPROVED; figures that are not approved yet ("all" basis, collection progress) need
VIEW_UNAPPROVED and, here, the reviewer role. Rates and bands always come from the domain rules through
kpi.services.summaries.load_frame — every indicator of a cycle evaluated at once in Polars
(kpi.domain.rates_frame) — or kpi.services.evaluation for one indicator; nothing here stores a band. Lists are
filtered and counted on that frame, and only the rows a page shows are read in full (`limit`, `offset`), so the
views stay fast with the national-scale warehouse. `judge="milestone"` judges each year against its milestone
(目安値) instead of the final target. Results are plain lists and dicts (Japanese display texts next to machine
keys), ready for Streamlit or JSON.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl

import warehouse
from kpi.domain import milestones as ms
from kpi.domain.achievement import Rate, achievement_rate
from kpi.domain.bands import BAND_ORDER, Band, band_of
from kpi.domain.formatting import fiscal_year_label, format_number, format_rate
from kpi.domain.rates_frame import OUTPUT_COLUMNS, counted_band, near_boundary_expr
from kpi.domain.summary import UNDECIDABLE, BandSummary, share_percent
from kpi.domain.workflow import STATE_LABELS_JA, Role, State
from kpi.services.actors import Actor, Forbidden
from kpi.services.evaluation import (Evaluated, evaluate, evaluate_rows_frame, evaluated_of, measurement_of,
                                     rule_of)
from kpi.services.listing import KIND_LABELS_JA, NOT_STARTED, indicator_rows
from kpi.services.permissions import Permission, allowed, check
from kpi.services.summaries import CycleFrame, NotFound, cycle_for, load_frame
from warehouse import insights as sql
from warehouse import master, reporting

Db = Path | str | None
Loader = Callable[[int], CycleFrame]  # fiscal year → the approved CycleFrame of that year (e.g. the app's cache)

UNACHIEVED: tuple[Band, ...] = (Band.B60_100, Band.B30_60, Band.UNDER_30)
BOUNDARIES: tuple[int, ...] = (30, 60, 100)
NEAR_POINTS = 2
# Bands from worst to best, for "moved up / down"; stopped and unrated are not on this scale.
_RANK = {Band.UNDER_30: 0, Band.B30_60: 1, Band.B60_100: 2, Band.ACHIEVED: 3}
# Target types whose rate is all-or-nothing (0% or 100%): never "near" a boundary.
_BINARY = frozenset({"increase", "decrease", "qualitative"})
COLLECTION_STATES: tuple[str, ...] = ("none", "draft", "submitted", "returned", "approved")
COLLECTION_LABELS_JA = {"none": NOT_STARTED, **{s.value: STATE_LABELS_JA[s] for s in State}}
UNCATEGORIZED = "要因の分類なし"


# ---- permissions ---------------------------------------------------------------------------------------------


def _check_basis(actor: Actor, basis: str) -> None:
    """Approved figures for every role that may read them; the 'all' basis only for reviewers."""
    if basis == "approved":
        check(actor, Permission.VIEW_APPROVED)
    elif basis == "all":
        check(actor, Permission.VIEW_UNAPPROVED_ALL)
    else:
        raise ValueError(f"basis は 'approved' か 'all' です: {basis!r}")


# The reader the app's caches compute approved figures as, after checking the person (check_approved).
READER = Actor("reader", "承認済の集計", frozenset({Role.EXECUTIVE}))


def check_approved(actor: Actor) -> None:
    """Raise Forbidden unless the actor may read approved figures (for callers that cache the results)."""
    check(actor, Permission.VIEW_APPROVED)


def _check_reviewer(actor: Actor, what: str) -> None:
    check(actor, Permission.VIEW_UNAPPROVED)
    if not actor.has(Role.REVIEWER):
        raise Forbidden(f"{what}は審査担当のみ行えます")


# ---- one display record per evaluated indicator --------------------------------------------------------------


def _record(e: Evaluated, shown: dict[str, Any]) -> dict[str, Any]:
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


def _records(rows: list[Evaluated]) -> list[dict[str, Any]]:
    return [_record(e, shown) for e, shown in zip(rows, indicator_rows(rows, with_department=True))]


# ---- filters -------------------------------------------------------------------------------------------------


def _as_set(value: Any) -> set | None:
    if value is None:
        return None
    if isinstance(value, (str, int, Band)) or not isinstance(value, Iterable):
        return {value}
    return set(value)


def _bands(value: Any) -> set[Band] | None:
    wanted = _as_set(value)
    if wanted is None:
        return None
    out = set()
    for b in wanted:
        try:
            out.add(b if isinstance(b, Band) else Band(str(b)))
        except ValueError:
            keys = "、".join(x.value for x in BAND_ORDER)
            raise ValueError(f"達成区分 {b!r} はありません（{keys} のいずれか）") from None
    return out


_KINDS = {"actual": "actual", "projection": "projection", **{ja: key for key, ja in KIND_LABELS_JA.items()}}


def _kinds(value: Any) -> set[str] | None:
    wanted = _as_set(value)
    if wanted is None:
        return None
    try:
        return {_KINDS[str(k)] for k in wanted}
    except KeyError as exc:
        raise ValueError(f"区分 {exc.args[0]!r} はありません（実績値・見込値、または actual・projection）") from None


def _fold(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).casefold()


def _filter(*, bands, pillars, items, departments, categories, kinds) -> pl.Expr:
    """Every given filter as one Polars condition on an evaluated cycle frame (AND)."""
    cond = pl.lit(True)
    if bands is not None:
        cond &= pl.col("band").is_in([b.value for b in bands])
    if pillars is not None:
        cond &= pl.col("pillar_no").is_in([int(p) for p in pillars])
    if items is not None:
        cond &= pl.col("item_no").is_in([int(i) for i in items])
    if departments is not None:
        cond &= pl.col("department_code").is_in([str(d) for d in departments])
    if categories is not None:  # codes (names were turned into codes by the caller)
        cond &= pl.col("reason_category").is_in(sorted(categories))
    if kinds is not None:
        cond &= pl.col("value_kind").is_in(sorted(kinds))
    return cond.fill_null(False)


def _searched(con, view: CycleFrame, needle: str) -> list[int]:
    """The indicators whose name, code or reason contains the folded needle (NFKC, any case)."""
    found = reporting.texts(con, view.cycle["cycle_id"], view.basis).filter(pl.any_horizontal(
        pl.col(c).fill_null("").str.normalize("NFKC").str.to_lowercase().str.contains(needle, literal=True)
        for c in ("name", "code", "reason")))
    return found["indicator_id"].to_list()


def _page_records(view: CycleFrame, picked: pl.DataFrame, db: Db) -> list[dict[str, Any]]:
    """Display records of a few evaluated rows (in their order): the view's full rows are read for them only."""
    if picked.height == 0:
        return []
    with warehouse.connect(db) as con:
        full = reporting.rows_of(con, view.cycle["cycle_id"], picked["indicator_id"].to_list(), view.basis)
    return _records(evaluated_of(_merge(picked, full)))


def _merge(picked: pl.DataFrame, full: pl.DataFrame) -> pl.DataFrame:
    rated = picked.select("indicator_id", *OUTPUT_COLUMNS)
    return picked.select("indicator_id").join(full.join(rated, on="indicator_id", how="left"), on="indicator_id",
                                              how="left", maintain_order="left")


def _view_of(actor: Actor, fiscal_year: int, basis: str, judge: str, db: Db, load: Loader | None) -> CycleFrame:
    if basis == "approved" and load is not None:
        return load(fiscal_year)
    return load_frame(fiscal_year, basis=basis, judge=judge, actor=actor, db=db)


def indicator_choices(actor: Actor, fiscal_year: int, *, db: Db = None) -> dict[str, str]:
    """code → name of a cycle's indicators in report order (for choosing one)."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        names = reporting.texts(con, cycle["cycle_id"], "approved", ordered=True)
    return dict(zip(names["code"].to_list(), names["name"].to_list()))


# ---- drill-down ----------------------------------------------------------------------------------------------


def drilldown_page(actor: Actor, fiscal_year: int, *, band=None, pillar=None, item=None, department=None,
                   reason_category=None, kind=None, search: str | None = None, basis: str = "approved",
                   judge: str = "target", offset: int = 0, limit: int | None = None, db: Db = None,
                   load: Loader | None = None) -> dict[str, Any]:
    """One page of the indicators behind a tile or a bar, in report order: {"total", "offset", "limit",
    "counts" (per band of the filtered set), "rows"}. Filters as in `drilldown`; only the page is read in full."""
    _check_basis(actor, basis)
    view = _view_of(actor, fiscal_year, basis, judge, db, load)
    needle = _fold(search).strip() if search else ""
    categories = _as_set(reason_category)
    cond = _filter(bands=_bands(band), pillars=_as_set(pillar), items=_as_set(item), departments=_as_set(department),
                   categories=categories, kinds=_kinds(kind))
    if categories is not None or needle:
        with warehouse.connect(db) as con:
            if categories is not None:
                names = {c["name"]: c["code"] for c in master.list_reason_categories(con)}
                categories = {names.get(str(c), str(c)) for c in categories}
                cond = _filter(bands=_bands(band), pillars=_as_set(pillar), items=_as_set(item),
                               departments=_as_set(department), categories=categories, kinds=_kinds(kind))
            if needle:
                cond &= pl.col("indicator_id").is_in(_searched(con, view, needle))
    keep = view.frame.filter(cond)
    counts = dict(keep.select(counted_band()).group_by("band").len().iter_rows())
    page = keep.slice(max(0, offset), limit)
    return {"total": keep.height, "offset": max(0, offset), "limit": limit,
            "counts": {b.value: counts.get(b.value, 0) for b in BAND_ORDER},
            "undecidable": counts.get(UNDECIDABLE, 0),
            "rows": _page_records(view, page, db)}


def drilldown(actor: Actor, fiscal_year: int, *, band=None, pillar=None, item=None, department=None,
              reason_category=None, kind=None, search: str | None = None, basis: str = "approved",
              judge: str = "target", db: Db = None, load: Loader | None = None) -> list[dict[str, Any]]:
    """The indicators of a cycle behind a tile or a bar, in report order; every given filter narrows (AND).

    band: a band key (achieved, band_60_100, band_30_60, band_under_30, stopped) or several; pillar, item:
    numbers (item ① of every pillar unless pillar is given too); department: codes; reason_category: codes or
    names; kind: actual/projection or 実績値/見込値; search: part of the name, code or reason (NFKC, any case).
    load: fiscal year → approved CycleFrame (e.g. the app's cached one), used on the approved basis only.
    """
    return drilldown_page(actor, fiscal_year, band=band, pillar=pillar, item=item, department=department,
                          reason_category=reason_category, kind=kind, search=search, basis=basis, judge=judge,
                          db=db, load=load)["rows"]


# ---- reasons -------------------------------------------------------------------------------------------------


def _chosen_pillars(view: CycleFrame, pillars: Iterable[int] | None) -> list[int]:
    known = [p["no"] for p in view.pillars]
    chosen = sorted(set(pillars)) if pillars else known
    unknown = set(chosen) - set(known)
    if unknown:
        raise NotFound(f"柱 {sorted(unknown)} はこの戦略にありません")
    return chosen


def reasons(actor: Actor, fiscal_year: int, *, pillars: Iterable[int] | None = None, judge: str = "target",
            limit: int | None = None, db: Db = None, load: Loader | None = None) -> dict:
    """Unachieved indicators (60–100%, 30–60%, under 30%) of the chosen pillars grouped by reason category.

    Each category (master order, every category listed even when empty; values without a category last) gives
    its count per pillar, its total and its indicators with their reason texts (the first `limit` in report
    order when given), on approved figures.
    load: fiscal year → approved CycleFrame (e.g. the app's cached one); default: load afresh. The reason
    categories are read from `db` either way, so pass the warehouse the loader reads.
    """
    check(actor, Permission.VIEW_APPROVED)
    view = _view_of(actor, fiscal_year, "approved", judge, db, load)
    chosen = _chosen_pillars(view, pillars)
    with warehouse.connect(db) as con:
        categories = master.list_reason_categories(con)
    known = [c["code"] for c in categories]
    rows = view.frame.filter(pl.col("pillar_no").is_in(chosen) & pl.col("band").is_in([b.value for b in UNACHIEVED]))
    rows = rows.with_columns(pl.when(pl.col("reason_category").is_in(known)).then(pl.col("reason_category"))
                             .alias("_cat"))
    counts = {(c, p): n for c, p, n in rows.group_by("_cat", "pillar_no").len().iter_rows()}
    groups = [{"code": c["code"], "name": c["name"]} for c in categories]
    if rows["_cat"].null_count():
        groups.append({"code": None, "name": UNCATEGORIZED})
    picked = pl.concat([(rows.filter(pl.col("_cat") == g["code"]) if g["code"] is not None
                         else rows.filter(pl.col("_cat").is_null())).head(limit if limit is not None else rows.height)
                        for g in groups]) if groups else rows.head(0)
    records = _page_records(view, picked, db)
    out = []
    for g in groups:
        mine = [r for r in records if (r["reason_category"] if r["reason_category"] in known else None) == g["code"]]
        per = {no: counts.get((g["code"], no), 0) for no in chosen}
        out.append({**g, "counts": per, "total": sum(per.values()), "indicators": mine})
    return {"fiscal_year": fiscal_year, "label": view.cycle["label"], "pillars": chosen,
            "pillar_names": {p["no"]: p["name"] for p in view.pillars if p["no"] in chosen},
            "total": rows.height, "categories": out, "judge": view.judge}


# ---- one indicator over every cycle --------------------------------------------------------------------------


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
        rec = _record(e, indicator_rows([e], with_department=True)[0])
        r = e.row
        visible = unapproved or r.get("state") == "approved"
        m = by_year.get(r["fiscal_year"])
        mrate = _against_milestone(e, m)
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


def _against_milestone(e: Evaluated, m: dict[str, Any] | None) -> Rate | None:
    """The value's rate with the year's milestone as the target (same rules), for numeric targets."""
    if m is None or e.row.get("target_type") != "numeric":
        return None
    return achievement_rate(replace(rule_of(e.row), target=m["exact"]), measurement_of(e.row))


# ---- trends --------------------------------------------------------------------------------------------------

_RANK_KEYS = {b.value: r for b, r in _RANK.items()}
Trends = Callable[[str, int | None], dict]  # (judge, limit) → the trends document (e.g. the app's cached one)


def trends(actor: Actor, *, judge: str = "target", limit: int | None = None, db: Db = None,
           cached: Trends | None = None) -> dict[str, Any]:
    """Band shares of every closed or finalized cycle with approved values (oldest first; an open cycle is left
    out until it closes), the indicators whose band moved since the previous such cycle (up or down, `moved`),
    and those within two points of a band boundary (30, 60, 100%) in the latest one (`near_boundary`); approved
    figures only. Each cycle also counts its moves up and down.

    Set-wise: one query reads every cycle, the domain's Polars rules rate them all at once, counts and moves are
    group-bys and joins; only the listed indicators are read in full. limit: at most this many indicators in
    `moved` and in `near_boundary` (their full numbers in `moved_total`, `near_total`). cached: (judge, limit) →
    this document, e.g. the app's cache; the permission is checked either way.
    """
    check(actor, Permission.VIEW_APPROVED)
    if cached is not None:
        return cached(judge, limit)
    return trends_document(judge=judge, limit=limit, db=db)


def _cycle_entry(y: dict[str, Any], counts: dict[str | None, int]) -> dict[str, Any]:
    g = BandSummary("all", {b: counts.get(b.value, 0) for b in BAND_ORDER}, counts.get(None, 0),
                    counts.get(UNDECIDABLE, 0)).as_dict()
    return {"fiscal_year": y["fiscal_year"], "label": y["label"], "label_long": fiscal_year_label(y["fiscal_year"]),
            "cycle_state": y["state"], "illustrative": bool(y["illustrative"]), "total": g["total"],
            "counts": g["counts"], "percent": g["percent"], "unrated": g["unrated"],
            "undecidable": g["undecidable"], "moved_up": 0, "moved_down": 0}




def trends_document(*, judge: str = "target", limit: int | None = None, db: Db = None) -> dict[str, Any]:
    """The trends document without the permission check (callers check; the app caches this).

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
        prev: pl.DataFrame | None = None  # the previous cycle's rated rows: code, indicator_id, rank
        for cid in ids:
            counts: dict[str | None, int] = {}
            ranked, kept = [], []
            for batch in reporting.evaluation_batches(con, [cid], "approved", milestones=judge == "milestone",
                                                    batch_rows=_TREND_BATCH_ROWS):
                ev = evaluate_rows_frame(batch, parts, judge=judge)
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
                latest = pl.concat(kept) if kept else evaluate_rows_frame(
                    reporting.evaluation_frame(con, [cid], "approved", milestones=judge == "milestone",
                                               columns=reporting.TREND_COLUMNS), parts, judge=judge
                ).select(_LATEST_COLUMNS)
            prev = cur
        del prev
    cycles = [_cycle_entry(y, per_cycle.get(y["cycle_id"], {})) for y in years]
    for entry, cid in zip(cycles, ids):
        entry["moved_up"], entry["moved_down"] = up_down.get(cid, (0, 0))
    doc = {"cycles": cycles, "latest": cycles[-1]["fiscal_year"] if cycles else None,
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
        cur = _full(con, latest, ids[-1], last_moves["indicator_id"].to_list() + near["indicator_id"].to_list())
        prev = _full_of(con, ids[-2], last_moves["prev_indicator_id"].to_list(), parts, judge) if len(ids) > 1 else {}
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


def _full_of(con, cycle_id: int, indicator_ids: list[int], parts, judge: str) -> dict[int, dict[str, Any]]:
    """Display records of a few indicators of an earlier cycle, rated afresh (only those rows are read)."""
    if not indicator_ids:
        return {}
    full = reporting.rows_of(con, cycle_id, indicator_ids, "approved")
    if judge == "milestone":
        extra = reporting.evaluation_frame(con, [cycle_id], "approved", milestones=True).filter(
            pl.col("indicator_id").is_in(indicator_ids)).select("indicator_id", "first_fy", "milestone_value",
                                                                 "has_milestones")
        full = full.join(extra, on="indicator_id", how="left")
    rated = evaluate_rows_frame(full, parts, judge=judge)
    return {r["indicator_id"]: rec for r, rec in zip(rated.iter_rows(named=True), _records(evaluated_of(rated)))}


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


def _full(con, ev: pl.DataFrame, cycle_id: int, indicator_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Display records (by indicator id) of a few evaluated rows of one cycle."""
    if not indicator_ids:
        return {}
    picked = ev.filter((pl.col("cycle_id") == cycle_id) & pl.col("indicator_id").is_in(indicator_ids))
    full = reporting.rows_of(con, cycle_id, picked["indicator_id"].to_list(), "approved")
    merged = _merge(picked, full)
    return {r["indicator_id"]: rec for r, rec in zip(merged.iter_rows(named=True), _records(evaluated_of(merged)))}


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


# ---- collection progress -------------------------------------------------------------------------------------


def collection_progress(actor: Actor, fiscal_year: int, *, today: date | None = None, db: Db = None) -> dict:
    """Reviewers: per department how many active indicators are in each state (未入力, 下書き, 提出済, 差戻し,
    承認済), its completeness (share approved or submitted) and whether it is overdue (deadline passed, not
    complete). `today` is the date compared with the cycle's deadline (default: the real today).
    """
    _check_reviewer(actor, "回収状況の閲覧")
    today = today or date.today()
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        counts = sql.collection_counts(con, cycle["cycle_id"])
    deadline = cycle.get("deadline")
    passed = deadline is not None and today > deadline
    depts: dict[str, dict[str, Any]] = {}
    for c in counts:
        d = depts.setdefault(c["department_code"], {
            "department": c["department_code"], "department_name": c["department_name"],
            "counts": {s: 0 for s in COLLECTION_STATES}})
        d["counts"][c["state"]] += c["n"]
    rows = [_completeness(d, passed) for d in depts.values()]
    overall = _completeness({"department": None, "department_name": "全体",
                             "counts": {s: sum(r["counts"][s] for r in rows) for s in COLLECTION_STATES}}, passed)
    return {
        "fiscal_year": fiscal_year, "label": cycle["label"], "cycle_state": cycle["state"], "deadline": deadline,
        "today": today, "deadline_passed": passed,
        "states": [{"key": s, "label": COLLECTION_LABELS_JA[s]} for s in COLLECTION_STATES],
        "departments": rows, "overall": overall,
        "overdue": [r for r in rows if r["overdue"]],
    }


def _completeness(d: dict[str, Any], deadline_passed: bool) -> dict[str, Any]:
    total = sum(d["counts"].values())
    done = d["counts"]["approved"] + d["counts"]["submitted"]
    complete = total > 0 and done == total
    return {**d, "labelled": {COLLECTION_LABELS_JA[s]: n for s, n in d["counts"].items()}, "total": total,
            "done": done, "remaining": total - done, "completeness_percent": float(share_percent(done, total)),
            "complete": complete, "overdue": deadline_passed and not complete}


__all__ = ["drilldown", "reasons", "indicator_history", "trends", "collection_progress", "UNACHIEVED",
           "BOUNDARIES", "COLLECTION_STATES", "COLLECTION_LABELS_JA"]

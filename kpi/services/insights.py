"""Read-side services of the executive and progress views: drill-down, reasons, one indicator's history,
trends across cycles and the collection progress of a cycle.

Every function takes the acting person first and checks the permission table (kpi.services.permissions):
approved figures need VIEW_APPROVED; figures that are not approved yet ("all" basis, collection progress) need
VIEW_UNAPPROVED and, here, the reviewer role. Rates and bands always come from the domain rules through
kpi.services.summaries.load_cycle (or kpi.services.evaluation for one indicator); nothing here stores a band.
Results are plain lists and dicts (Japanese display texts next to machine keys), ready for Streamlit or JSON.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import polars as pl

import warehouse
from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.formatting import fiscal_year_label, format_number
from kpi.domain.summary import share_percent
from kpi.domain.workflow import STATE_LABELS_JA, Role, State
from kpi.services.actors import Actor, Forbidden
from kpi.services.evaluation import Evaluated, evaluate
from kpi.services.listing import KIND_LABELS_JA, NOT_STARTED, indicator_rows
from kpi.services.permissions import Permission, allowed, check
from kpi.services.summaries import cycle_for, CycleView, NotFound, band_groups, load_cycle
from warehouse import insights as sql
from warehouse import master

Db = Path | str | None
Loader = Callable[[int], CycleView]  # fiscal year → the approved CycleView of that year

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
        check(actor, Permission.VIEW_UNAPPROVED)
        if not actor.has(Role.REVIEWER):
            raise Forbidden("未承認を含む集計の閲覧は審査担当のみ行えます")
    else:
        raise ValueError(f"basis は 'approved' か 'all' です: {basis!r}")


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


def _matches(e: Evaluated, *, bands, pillars, items, departments, categories, kinds, needle) -> bool:
    r = e.row
    if bands is not None and e.band not in bands:
        return False
    if pillars is not None and r["pillar_no"] not in pillars:
        return False
    if items is not None and r["item_no"] not in items:
        return False
    if departments is not None and r["department_code"] not in departments:
        return False
    if categories is not None and not ({r.get("reason_category"), r.get("reason_category_name")} & categories):
        return False
    if kinds is not None and r.get("value_kind") not in kinds:
        return False
    if needle and not any(needle in _fold(r.get(k)) for k in ("name", "code", "reason")):
        return False
    return True


# ---- drill-down ----------------------------------------------------------------------------------------------


def drilldown(actor: Actor, fiscal_year: int, *, band=None, pillar=None, item=None, department=None,
              reason_category=None, kind=None, search: str | None = None, basis: str = "approved",
              db: Db = None, load: Loader | None = None) -> list[dict[str, Any]]:
    """The indicators of a cycle behind a tile or a bar, in report order; every given filter narrows (AND).

    band: a band key (achieved, band_60_100, band_30_60, band_under_30, stopped) or several; pillar, item:
    numbers (item ① of every pillar unless pillar is given too); department: codes; reason_category: codes or
    names; kind: actual/projection or 実績値/見込値; search: part of the name, code or reason (NFKC, any case).
    load: fiscal year → approved CycleView (e.g. the app's cached one), used on the approved basis only.
    """
    _check_basis(actor, basis)
    if basis == "approved" and load is not None:
        view = load(fiscal_year)
    else:
        view = load_cycle(fiscal_year, basis=basis, actor=actor, db=db)
    needle = _fold(search).strip() if search else ""
    keep = [e for e in view.rows if _matches(
        e, bands=_bands(band), pillars=_as_set(pillar), items=_as_set(item), departments=_as_set(department),
        categories=_as_set(reason_category), kinds=_kinds(kind), needle=needle)]
    return _records(keep)


# ---- reasons -------------------------------------------------------------------------------------------------


def _chosen_pillars(view: CycleView, pillars: Iterable[int] | None) -> list[int]:
    known = [p["no"] for p in view.pillars]
    chosen = sorted(set(pillars)) if pillars else known
    unknown = set(chosen) - set(known)
    if unknown:
        raise NotFound(f"柱 {sorted(unknown)} はこの戦略にありません")
    return chosen


def reasons(actor: Actor, fiscal_year: int, *, pillars: Iterable[int] | None = None, db: Db = None,
            load: Loader | None = None) -> dict:
    """Unachieved indicators (60–100%, 30–60%, under 30%) of the chosen pillars grouped by reason category.

    Each category (master order, every category listed even when empty; values without a category last) gives
    its count per pillar, its total and its indicators with their reason texts, on approved figures.
    load: fiscal year → approved CycleView (e.g. the app's cached one); default: load afresh. The reason
    categories are read from `db` either way, so pass the warehouse the loader reads.
    """
    check(actor, Permission.VIEW_APPROVED)
    view = load(fiscal_year) if load is not None else load_cycle(fiscal_year, db=db)
    chosen = _chosen_pillars(view, pillars)
    with warehouse.connect(db) as con:
        categories = master.list_reason_categories(con)
    rows = [e for e in view.rows if e.row["pillar_no"] in chosen and e.band in UNACHIEVED]
    records = _records(rows)
    known = {c["code"] for c in categories}
    groups = [{"code": c["code"], "name": c["name"]} for c in categories]
    if any(r["reason_category"] not in known for r in records):
        groups.append({"code": None, "name": UNCATEGORIZED})
    out = []
    for g in groups:
        mine = [r for r in records if (r["reason_category"] if r["reason_category"] in known else None) == g["code"]]
        out.append({**g, "counts": {no: sum(1 for r in mine if r["pillar"] == no) for no in chosen},
                    "total": len(mine), "indicators": mine})
    return {"fiscal_year": fiscal_year, "label": view.cycle["label"], "pillars": chosen,
            "pillar_names": {p["no"]: p["name"] for p in view.pillars if p["no"] in chosen},
            "total": len(records), "categories": out}


# ---- one indicator over every cycle --------------------------------------------------------------------------


def _places(*numbers: Decimal | None) -> int:
    exps = [-n.normalize().as_tuple().exponent for n in numbers if n is not None]
    return max([0, *exps])


def _tidy(d: Decimal) -> Decimal:
    """Drop needless trailing zeros without switching to exponent notation (2000.0 → 2000, 80.10 → 80.1)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def _interpolated(ind: dict[str, Any]) -> list[dict[str, Any]]:
    """Yearly milestones on the straight line from the baseline to the target (numeric targets only).

    Without a baseline a higher-is-better target is measured against zero (rate = actual / target), so the
    line starts at zero in the year before the strategy began; a lower-is-better target without a baseline has
    no line.
    """
    if ind["target_type"] != "numeric" or ind.get("target_value") is None or ind.get("target_fy") is None:
        return []
    target = Decimal(ind["target_value"])
    if ind.get("baseline_value") is not None:
        start = Decimal(ind["baseline_value"])
        start_fy = ind.get("baseline_fy") or (ind["valid_from_fy"] - 1)
    elif ind["direction"] == "higher":
        start, start_fy = Decimal(0), ind["valid_from_fy"] - 1
    else:
        return []
    end_fy = ind["target_fy"]
    if end_fy <= start_fy or target == start:
        return []
    q = Decimal(1).scaleb(-max(1, _places(start, target)))
    out = []
    for fy in range(start_fy + 1, end_fy + 1):
        v = start + (target - start) * Decimal(fy - start_fy) / Decimal(end_fy - start_fy)
        out.append({"fiscal_year": fy, "value": _tidy(v.quantize(q, rounding=ROUND_HALF_UP)), "interpolated": True})
    return out


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
        miles = [{"fiscal_year": m["fiscal_year"], "value": m["value"], "interpolated": False} for m in stored]
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
        })
    return {"definition": _definition(ind, part_defs), "basis": basis, "cycles": cycles, "milestones": miles,
            "milestones_interpolated": bool(miles) and not stored}


# ---- trends --------------------------------------------------------------------------------------------------


def _rated(e: Evaluated) -> bool:
    return e.band is not None and e.band in _RANK


def _moves(prev: CycleView, cur: CycleView) -> list[dict[str, Any]]:
    """Indicators (matched by code) whose band changed between two cycles; stopped or unrated ones are left out."""
    before = {e.row["code"]: e for e in prev.rows if _rated(e)}
    pairs = [(before[e.row["code"]], e) for e in cur.rows
             if _rated(e) and e.row["code"] in before and before[e.row["code"]].band != e.band]
    if not pairs:
        return []
    olds, news = _records([a for a, _ in pairs]), _records([b for _, b in pairs])
    fy0, fy1 = prev.cycle["fiscal_year"], cur.cycle["fiscal_year"]
    out = []
    for (a, b), old, new in zip(pairs, olds, news):
        steps = _RANK[b.band] - _RANK[a.band]
        out.append({
            "code": new["code"], "name": new["name"], "pillar": new["pillar"], "item": new["item"],
            "department": new["department"], "department_name": new["department_name"],
            "from_fy": fy0, "to_fy": fy1, "from_band": old["band"], "from_label": old["band_label"],
            "to_band": new["band"], "to_label": new["band_label"], "from_value": old["value"], "to_value": new["value"],
            "from_rate": old["rate"], "to_rate": new["rate"], "from_rate_percent": old["rate_percent"],
            "to_rate_percent": new["rate_percent"], "direction": "up" if steps > 0 else "down", "steps": steps,
        })
    return out


def _near_boundary(rows: list[Evaluated]) -> list[dict[str, Any]]:
    """Rated indicators within NEAR_POINTS of 30, 60 or 100% (exact rates; all-or-nothing target types left out)."""
    hits = []
    for e in rows:
        if e.rate.value is None or e.band is Band.STOPPED or e.row.get("target_type") in _BINARY:
            continue
        pct = e.rate.value * 100
        for b in BOUNDARIES:
            if abs(pct - b) <= NEAR_POINTS:
                hits.append((e, b, pct - b))
    out = [{**rec, "boundary": b, "distance": float(gap), "side": "above" if gap >= 0 else "below"}
           for (_e, b, gap), rec in zip(hits, _records([h[0] for h in hits]))]
    out.sort(key=lambda r: (abs(r["distance"]), r["pillar"], r["item"], r["code"]))
    return out


def trends(actor: Actor, *, db: Db = None, load: Loader | None = None) -> dict[str, Any]:
    """Band shares of every closed or finalized cycle with approved values (oldest first; an open cycle is left
    out until it closes), the indicators whose band moved since the previous such cycle (up or down, `moved`),
    and those within two points of a band boundary (30, 60, 100%) in the latest one (`near_boundary`); approved
    figures only. Each cycle also counts its moves up and down.

    load: fiscal year → approved CycleView (e.g. the app's cached summaries.load_cycle); default: load afresh.
    """
    check(actor, Permission.VIEW_APPROVED)
    load = load or (lambda fy: load_cycle(fy, db=db))
    with warehouse.connect(db) as con:
        years = sql.approved_years(con)
    cycles: list[dict[str, Any]] = []
    prev: CycleView | None = None
    moved: list[dict[str, Any]] = []
    for y in years:
        view = load(y["fiscal_year"])
        g = band_groups(view)[0].as_dict()
        entry = {"fiscal_year": y["fiscal_year"], "label": y["label"], "label_long": fiscal_year_label(y["fiscal_year"]),
                 "cycle_state": y["state"], "illustrative": bool(y["illustrative"]), "total": g["total"],
                 "counts": g["counts"], "percent": g["percent"], "unrated": g["unrated"], "moved_up": 0, "moved_down": 0}
        if prev is not None:
            moved = _moves(prev, view)
            entry["moved_up"] = sum(1 for m in moved if m["direction"] == "up")
            entry["moved_down"] = len(moved) - entry["moved_up"]
        cycles.append(entry)
        prev = view
    return {
        "cycles": cycles,
        "latest": cycles[-1]["fiscal_year"] if cycles else None,
        "previous": cycles[-2]["fiscal_year"] if len(cycles) > 1 else None,
        "moved": moved,
        "near_boundary": _near_boundary(prev.rows) if prev is not None else [],
        "near_points": NEAR_POINTS,
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

"""The drill-down read model: the indicators of a cycle behind a tile or a bar, filtered, counted and read one
page at a time (only the page's rows are read in full, so the list stays fast at national scale)."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

import polars as pl

import warehouse
from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.rates_frame import counted_band
from kpi.domain.summary import UNDECIDABLE
from kpi.services.actors import Actor
from kpi.services.listing import KIND_LABELS_JA
from kpi.services.permissions import Permission, check
from kpi.services.queries.records import Db, page_records
from kpi.services.summaries import CycleFrame, check_basis, cycle_for, load_frame
from warehouse import master, reporting


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


def indicator_choices(actor: Actor, fiscal_year: int, *, db: Db = None) -> dict[str, str]:
    """code → name of a cycle's indicators in report order (for choosing one)."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        names = reporting.texts(con, cycle["cycle_id"], "approved", ordered=True)
    return dict(zip(names["code"].to_list(), names["name"].to_list()))


def drilldown_page(actor: Actor, fiscal_year: int, *, band=None, pillar=None, item=None, department=None,
                   reason_category=None, kind=None, search: str | None = None, basis: str = "approved",
                   judge: str = "target", offset: int = 0, limit: int | None = None, db: Db = None) -> dict[str, Any]:
    """One page of the indicators behind a tile or a bar, in report order: {"total", "offset", "limit",
    "counts" (per band of the filtered set), "rows"}. Filters as in `drilldown`; only the page is read in full."""
    check_basis(actor, basis)
    return page_of(load_frame(fiscal_year, basis=basis, judge=judge, actor=actor, db=db), band=band, pillar=pillar,
                   item=item, department=department, reason_category=reason_category, kind=kind, search=search,
                   offset=offset, limit=limit, db=db)


def page_of(view: CycleFrame, *, band=None, pillar=None, item=None, department=None, reason_category=None,
            kind=None, search: str | None = None, offset: int = 0, limit: int | None = None,
            db: Db = None) -> dict[str, Any]:
    """drilldown_page on a cycle's evaluated figures already read for an actor allowed their basis (the app caches
    these per basis: kpi.services.summaries.visible_basis); reason categories and full rows are read from `db`."""
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
            "rows": page_records(view, page, db)}


def drilldown(actor: Actor, fiscal_year: int, *, band=None, pillar=None, item=None, department=None,
              reason_category=None, kind=None, search: str | None = None, basis: str = "approved",
              judge: str = "target", db: Db = None) -> list[dict[str, Any]]:
    """The indicators of a cycle behind a tile or a bar, in report order; every given filter narrows (AND).

    band: a band key (achieved, band_60_100, band_30_60, band_under_30, stopped) or several; pillar, item:
    numbers (item ① of every pillar unless pillar is given too); department: codes; reason_category: codes or
    names; kind: actual/projection or 実績値/見込値; search: part of the name, code or reason (NFKC, any case).
    """
    return drilldown_page(actor, fiscal_year, band=band, pillar=pillar, item=item, department=department,
                          reason_category=reason_category, kind=kind, search=search, basis=basis, judge=judge,
                          db=db)["rows"]

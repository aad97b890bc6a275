"""The reasons read model: a cycle's unachieved indicators grouped by reason category and pillar."""
from __future__ import annotations

from collections.abc import Iterable

import polars as pl

import warehouse
from kpi.domain.bands import Band
from kpi.services.actors import Actor
from kpi.services.queries.records import Db, page_records
from kpi.services.summaries import CycleFrame, NotFound, check_basis, load_frame
from warehouse import master

UNACHIEVED: tuple[Band, ...] = (Band.B60_100, Band.B30_60, Band.UNDER_30)
UNCATEGORIZED = "要因の分類なし"


def _chosen_pillars(view: CycleFrame, pillars: Iterable[int] | None) -> list[int]:
    known = [p["no"] for p in view.pillars]
    chosen = sorted(set(pillars)) if pillars else known
    unknown = set(chosen) - set(known)
    if unknown:
        raise NotFound(f"柱 {sorted(unknown)} はこの戦略にありません")
    return chosen


def reasons(actor: Actor, fiscal_year: int, *, pillars: Iterable[int] | None = None, judge: str = "target",
            limit: int | None = None, db: Db = None) -> dict:
    """Unachieved indicators (60–100%, 30–60%, under 30%) of the chosen pillars grouped by reason category.

    Each category (master order, every category listed even when empty; values without a category last) gives
    its count per pillar, its total and its indicators with their reason texts (the first `limit` in report
    order when given), on approved figures.
    """
    check_basis(actor, "approved")
    return reasons_of(load_frame(fiscal_year, basis="approved", judge=judge, actor=actor, db=db), pillars=pillars,
                      limit=limit, db=db)


def reasons_of(view: CycleFrame, *, pillars: Iterable[int] | None = None, limit: int | None = None,
               db: Db = None) -> dict:
    """reasons on a cycle's approved figures already read for an actor allowed them (the app caches these per
    basis: kpi.services.summaries.visible_basis); the reason categories and full rows are read from `db`."""
    if view.basis != "approved":
        raise ValueError(f"要因の集計は承認済の値だけで行います（集計基準: {view.basis}）")
    fiscal_year = view.cycle["fiscal_year"]
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
    records = page_records(view, picked, db)
    out = []
    for g in groups:
        mine = [r for r in records if (r["reason_category"] if r["reason_category"] in known else None) == g["code"]]
        per = {no: counts.get((g["code"], no), 0) for no in chosen}
        out.append({**g, "counts": per, "total": sum(per.values()), "indicators": mine})
    return {"fiscal_year": fiscal_year, "label": view.cycle["label"], "pillars": chosen,
            "pillar_names": {p["no"]: p["name"] for p in view.pillars if p["no"] in chosen},
            "total": rows.height, "categories": out, "judge": view.judge}

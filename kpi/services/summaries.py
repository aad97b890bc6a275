"""Band summaries of a cycle, computed through the domain rules from the warehouse's values."""
from __future__ import annotations

import os

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import warehouse
from kpi.domain.achievement import RateStatus
from kpi.domain.bands import BAND_ORDER, Band
from kpi.domain.rates_frame import counted_band
from kpi.domain.summary import UNDECIDABLE, BandSummary
from kpi.services.actors import SYSTEM, Actor
from kpi.services.errors import NotFound
from kpi.services.permissions import Permission, allowed, check
from kpi.services.evaluation import Evaluated, evaluate_rows_frame, evaluated_of
from kpi.domain.confirmations import overlay
from warehouse import confirmations, master, reporting

# approved: the approved figures; all: unapproved included (a reviewer's preview); confirmed: the approved figures
# with each approved 確定値 in place of the projection or 速報 it confirms (見込 → 確定, kpi.domain.confirmations).
BASES = reporting.BASES + ("confirmed",)


@dataclass(frozen=True)
class CycleView:
    """A cycle with every indicator evaluated on one basis."""

    cycle: dict
    pillars: list[dict]
    basis: str
    rows: list[Evaluated]


@dataclass(frozen=True)
class CycleFrame:
    """A cycle with every indicator evaluated on one basis, as one Polars frame (one row per indicator in report
    order, the columns of reporting.EVAL_COLUMNS plus the rate columns of kpi.domain.rates_frame).

    judge: "target" (the final target, as the seed reports) or "milestone" (each year's 目安値)."""

    cycle: dict
    pillars: list[dict]
    basis: str
    frame: pl.DataFrame
    judge: str = "target"


def check_basis(actor: Actor, basis: str) -> None:
    """Raise Forbidden unless the actor may read a cycle's figures on this basis: approved figures for every role
    that may read them, 'all' (unapproved included, every department) only as the permission table allows."""
    if basis not in BASES:
        raise ValueError(f"basis は 'approved'、'confirmed' か 'all' です: {basis!r}")
    check(actor, Permission.VIEW_UNAPPROVED_ALL if basis == "all" else Permission.VIEW_APPROVED)


def visible_basis(actor: Actor, basis: str = "approved") -> str:
    """The basis itself once the actor may read it (check_basis): what the actor sees of a cycle's figures, the
    key a cache of figures computed for one actor may be shared under with every actor allowed the same."""
    check_basis(actor, basis)
    return basis


def figures(cycle: dict, pillars: list[dict], basis: str, rows: pl.DataFrame, parts: pl.DataFrame | None, *,
            judge: str = "target") -> CycleFrame:
    """A cycle's figures evaluated from its rows (the one evaluation every read of a cycle goes through:
    kpi.services.evaluation.evaluate_rows_frame, the exact frame of kpi.domain.rates_frame)."""
    if parts is not None and not parts.height:
        parts = None
    return CycleFrame(cycle, pillars, basis, evaluate_rows_frame(rows, parts, judge=judge), judge)


def read_figures(con, cycle: dict, basis: str, *, judge: str = "target", full: bool = False) -> CycleFrame:
    """Read and evaluate a cycle's figures on an open connection, in report order: the one read of a cycle's
    evaluated figures behind the dashboard, `kpi summary`, the review queue and the published files.

    full: every column of the reporting view (for lists and published files); otherwise the columns the
    evaluation and the counts need (reporting.EVAL_COLUMNS, the executive views' fast path)."""
    if basis not in BASES:
        raise ValueError(f"basis は 'approved'、'confirmed' か 'all' です: {basis!r}")
    cid = cycle["cycle_id"]
    pillars = master.list_pillars(con, cid)
    read = "approved" if basis == "confirmed" else basis  # composite parts are never confirmed: approved ones
    if full:
        if judge != "target":
            raise ValueError("full=True は目標値による判定だけです")
        rows = reporting.cycle_rows(con, cid, read)
        parts = reporting.cycle_parts(con, cid, read)
    else:
        rows = reporting.evaluation_frame(con, [cid], read, milestones=judge == "milestone").sort(
            "pillar_no", "item_no", "sort_order", "code")
        parts = reporting.parts_of_cycles(con, [cid], read) if (rows["target_type"] == "composite").any() else None
    if basis == "confirmed":
        rows = overlay(rows, confirmations.approved_figures(con, [cid]))
    return figures(cycle, pillars, basis, rows, parts, judge=judge)


def view_of(figured: CycleFrame) -> CycleView:
    """The Evaluated rows of evaluated figures (for lists and the published files' lines)."""
    return CycleView(figured.cycle, figured.pillars, figured.basis, evaluated_of(figured.frame))


def load_frame(fiscal_year: int, *, basis: str = "approved", judge: str = "target", actor: Actor = SYSTEM,
               db: Path | str | None = None, strategy: str | None = None) -> CycleFrame:
    """Evaluate every indicator of a fiscal year's cycle set-wise (the executive views' fast path)."""
    check_basis(actor, basis)
    return cycle_figures(fiscal_year, basis=basis, judge=judge, db=db, strategy=strategy)


def cycle_figures(fiscal_year: int, *, basis: str, judge: str = "target", db: Path | str | None = None,
                  strategy: str | None = None) -> CycleFrame:
    """load_frame for a caller that asked visible_basis for this basis (the app's caches, keyed on it)."""
    with warehouse.connect(db) as con:
        return read_figures(con, cycle_for(con, fiscal_year, strategy), basis, judge=judge)


def load_cycle(fiscal_year: int, *, basis: str = "approved", actor: Actor = SYSTEM,
               db: Path | str | None = None, strategy: str | None = None) -> CycleView:
    """Evaluate every indicator of a fiscal year's cycle with every column; 'all' (unapproved included) is for
    reviewers."""
    check_basis(actor, basis)
    with warehouse.connect(db) as con:
        return view_of(read_figures(con, cycle_for(con, fiscal_year, strategy), basis, full=True))


def warehouse_key(db: Path | str | None = None) -> str:
    """The resolved warehouse (file, or PostgreSQL URL), as a cache key for callers that cache evaluated cycles
    and pass it back as `db`."""
    if db is None:
        return os.environ.get("KPI_DATABASE_URL") or str(warehouse.default_db_path())
    return db if isinstance(db, str) and db.startswith(("postgresql://", "postgres://")) else str(Path(db))


def department_view(fiscal_year: int, *, actor: Actor, db: Path | str | None = None) -> CycleView:
    """The actor's own departments' indicators with every state (reviewers see every department)."""
    check(actor, Permission.VIEW_UNAPPROVED)
    with warehouse.connect(db) as con:
        view = view_of(read_figures(con, cycle_for(con, fiscal_year), "all", full=True))
    if allowed(actor, Permission.VIEW_UNAPPROVED_ALL):
        return view
    mine = [e for e in view.rows if e.row["department_code"] in actor.departments]
    return CycleView(view.cycle, view.pillars, view.basis, mine)


def cycle_for(con, fiscal_year: int, strategy: str | None = None) -> dict:
    """The cycle of a fiscal year (of the strategy, when named) on an open connection, or NotFound in Japanese."""
    cycle = master.find_cycle(con, fiscal_year, strategy)
    if cycle is None:
        raise NotFound(f"{fiscal_year}年度の集計サイクルがありません")
    return cycle


def band_counts(view: CycleView | CycleFrame) -> Counter:
    """How many indicators per (pillar number, band key, or None for unrated, or UNDECIDABLE)."""
    if isinstance(view, CycleFrame):
        counted = view.frame.select("pillar_no", counted_band()).group_by("pillar_no", "band").len()
        return Counter({(p, b): n for p, b, n in counted.iter_rows()})
    return Counter((e.row["pillar_no"], UNDECIDABLE if e.rate.status is RateStatus.MISSING_REFERENCE
                    else e.band.value if e.band else None) for e in view.rows)


def _summary(key: str, counts: Counter, pillars: list[int]) -> BandSummary:
    per_band = {b: sum(counts[(p, b.value)] for p in pillars) for b in BAND_ORDER}
    return BandSummary(key, per_band, sum(counts[(p, None)] for p in pillars),
                       undecidable=sum(counts[(p, UNDECIDABLE)] for p in pillars))


def band_groups(view: CycleView | CycleFrame, pillars: list[int] | None = None) -> list[BandSummary]:
    """The 'all' group over the chosen pillars (all by default), then one group per chosen pillar."""
    chosen = pillars or [p["no"] for p in view.pillars]
    unknown = set(chosen) - {p["no"] for p in view.pillars}
    if unknown:
        raise NotFound(f"柱 {sorted(unknown)} はこの戦略にありません")
    counts = band_counts(view)
    return [_summary("all", counts, chosen)] + [_summary(f"pillar-{no}", counts, [no]) for no in chosen]


def cycle_summary(fiscal_year: int, *, pillars: list[int] | None = None, basis: str = "approved",
                  judge: str = "target", actor: Actor = SYSTEM, db: Path | str | None = None,
                  strategy: str | None = None) -> dict:
    """The JSON document of `kpi summary`: counts and shares per band, overall and per pillar."""
    view = load_frame(fiscal_year, basis=basis, judge=judge, actor=actor, db=db, strategy=strategy)
    doc = {
        "cycle": fiscal_year,
        "label": view.cycle["label"],
        "strategy": view.cycle["strategy_code"],
        "basis": basis,
        "judge": judge,
        "groups": [_labelled(g.as_dict(), view) for g in band_groups(view, pillars)],
    }
    if basis == "confirmed":  # how many approved 確定値 replaced a projection or a 速報
        doc["confirmed"] = int(view.frame["confirmed"].sum())
    return doc


def _labelled(group: dict, view: CycleView | CycleFrame) -> dict:
    names = {f"pillar-{p['no']}": f"{p['no']}.{p['name']}" for p in view.pillars}
    return {**group, "label": names.get(group["key"], "全体")}


def band_table(view: CycleView | CycleFrame, sections: list[list[int]] | None = None) -> list[dict]:
    """The seed's table: one row of counts per pillar, a row of shares per report section grouping several
    pillars (the strategy's configuration, as the published report prints it), then the whole scope's shares."""
    groups = band_groups(view)
    rows = []
    for g, p in zip(groups[1:], view.pillars):
        rows.append({"項目・指標": f"{p['no']}.{p['name']}", "指標数": f"計{g.total}指標",
                     **{b.label_ja: str(g.counts[b]) for b in BAND_ORDER}})
    names = {p["no"]: p["name"] for p in view.pillars}
    for n, nos in enumerate(sections or (), start=1):
        if len(nos) > 1:
            g = band_groups(view, nos)[0]
            rows.append({"項目・指標": f"（{n}）{'・'.join(names[no] for no in nos)}", "指標数": f"計{g.total}指標",
                         **{b.label_ja: f"{g.percent[b]}%" for b in BAND_ORDER}})
    total = groups[0]
    rows.append({"項目・指標": "合計", "指標数": f"（計{total.total}指標）",
                 **{b.label_ja: f"{total.percent[b]}%" for b in BAND_ORDER}})
    return rows


def headline(view: CycleView | CycleFrame) -> dict:
    """Headline tiles: share achieved, number of indicators, share under 30%, number stopped, unrated."""
    g = band_groups(view)[0]
    return {
        "achieved_percent": g.percent[Band.ACHIEVED],
        "total": g.total,
        "under_30_percent": g.percent[Band.UNDER_30],
        "stopped": g.counts[Band.STOPPED],
        "unrated": g.unrated,
        "undecidable": g.undecidable,
    }

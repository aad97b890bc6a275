"""What a report or a dashboard covers: the strategy's configured report sections and a cycle's coverage
(承認済 n / 全 m 指標, per pillar). One place, so the deck, PDF, workbook and dashboard group pillars alike."""
from __future__ import annotations

from pathlib import Path

import warehouse
from kpi.domain.editions import Coverage, PillarCoverage
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from kpi.services.summaries import cycle_for
from warehouse import master, report_sections


def sections_for(con, cycle_id: int, pillar_nos: list[int]) -> list[list[int]]:
    """The cycle's strategy's sections restricted to the pillars the cycle reports (each pillar once, in order);
    a pillar no section names gets its own section; no configuration: one section per pillar."""
    configured = [[p for p in s if p in pillar_nos] for s in report_sections.sections_of_cycle(con, cycle_id)]
    sections = [s for s in configured if s]
    named = {p for s in sections for p in s}
    sections += [[p] for p in pillar_nos if p not in named]
    return sorted(sections, key=lambda s: min(s))


def coverage_of(con, cycle_id: int) -> Coverage:
    """The coverage of a cycle on an open connection."""
    return Coverage(tuple(PillarCoverage(r["pillar_no"], r["pillar_name"] or "", int(r["approved"]), int(r["total"]))
                          for r in report_sections.coverage_by_pillar(con, cycle_id)))


def cycle_scope(actor: Actor, fiscal_year: int, db: Path | str | None = None) -> dict:
    """{"sections": [[1], [2, 3]], "coverage": Coverage} of a fiscal year's cycle (anyone reading approved figures)."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        pillars = [p["no"] for p in master.list_pillars(con, cycle["cycle_id"])]
        return {"sections": sections_for(con, cycle["cycle_id"], pillars),
                "coverage": coverage_of(con, cycle["cycle_id"])}

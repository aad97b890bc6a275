"""What a published report says besides the figures: approved initiatives (主な取組) by area, the strategy outline
and the cycle's conclusions, as an edition froze them (kpi.services.narrative.snapshot)."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Photo:
    """A photo of an initiative as the edition froze it."""

    caption: str
    mime: str
    content: bytes


@dataclass(frozen=True)
class InitiativeLine:
    """One approved initiative (主な取組) as the report prints it; the comparison was computed, never typed."""

    area_code: str
    area_label: str
    title: str
    period: str
    points: tuple[str, ...]
    figure_label: str
    figure_value: Decimal | None
    figure_unit: str
    base_value: Decimal | None
    base_kind: str | None
    comparison: str  # 前年比1.7倍 / 9割弱, "" when none
    figure_sentence: str  # 利用可能な手続件数 1,227件（前年比1.7倍、前年722件）
    continued: bool  # ※継続取組
    department: str
    photos: tuple[Photo, ...]

    @property
    def heading(self) -> str:
        """知事と若手職員との意見交換（6月）."""
        return f"{self.title}（{self.period}）" if self.period else self.title


@dataclass(frozen=True)
class AreaGroup:
    """The approved initiatives of one area, in report order."""

    code: str
    label: str
    initiatives: tuple[InitiativeLine, ...]


@dataclass(frozen=True)
class OutlinePillar:
    """A pillar of the outline: its name, its one-line role and its items."""

    no: int
    name: str
    note: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Outline:
    """The strategy outline (戦略の概要) as the edition froze it."""

    established_text: str
    purpose: str
    period_text: str
    players: tuple[str, ...]
    vision: str
    approach: str
    pillars: tuple[OutlinePillar, ...]
    bodies: tuple[str, ...]


@dataclass(frozen=True)
class Conclusions:
    """The division's conclusions of the cycle (戦略の見直しへ)."""

    title: str
    lead: str
    findings: tuple[tuple[str, tuple[str, ...]], ...]
    direction: str


@dataclass(frozen=True)
class Narrative:
    """What the report says besides the figures: initiatives by area, the outline, the conclusions."""

    areas: tuple[AreaGroup, ...] = ()
    outline: Outline | None = None
    conclusions: Conclusions | None = None

    @property
    def initiatives(self) -> tuple[InitiativeLine, ...]:
        """Every initiative in report order."""
        return tuple(i for a in self.areas for i in a.initiatives)


def _dec(v) -> Decimal | None:
    return None if v is None or v == "" else Decimal(str(v))


def narrative_from_snapshot(snap: dict | None) -> Narrative | None:
    """The Narrative of a snapshot as `kpi.services.narrative.snapshot` makes it (and an edition stores it)."""
    if not snap:
        return None
    by_area: dict[str, list[InitiativeLine]] = {}
    for r in snap.get("initiatives") or ():
        by_area.setdefault(r["area_code"], []).append(InitiativeLine(
            area_code=r["area_code"], area_label=r.get("area_label") or r["area_code"], title=r["title"],
            period=r.get("period_text") or "", points=tuple(r.get("points") or ()),
            figure_label=r.get("figure_label") or "", figure_value=_dec(r.get("figure_value")),
            figure_unit=r.get("figure_unit") or "", base_value=_dec(r.get("base_value")), base_kind=r.get("base_kind"),
            comparison=r.get("comparison") or "", figure_sentence=r.get("figure_sentence") or "",
            continued=bool(r.get("continued")), department=r.get("department_name") or r.get("department_code") or "",
            photos=tuple(Photo(p.get("caption") or "", p["mime"], base64.b64decode(p["content_b64"]))
                         for p in r.get("photos") or ())))
    order = [a["code"] for a in snap.get("areas") or ()]
    codes = [c for c in order if c in by_area] + [c for c in by_area if c not in order]
    areas = tuple(AreaGroup(c, by_area[c][0].area_label, tuple(by_area[c])) for c in codes)
    o = snap.get("outline")
    outline = None if not o else Outline(
        established_text=o.get("established_text") or "", purpose=o.get("purpose") or "",
        period_text=o.get("period_text") or "", players=tuple(o.get("players") or ()), vision=o.get("vision") or "",
        approach=o.get("approach") or "",
        pillars=tuple(OutlinePillar(p["no"], p["name"], (o.get("pillar_notes") or {}).get(str(p["no"]), ""),
                                    tuple(i["name"] for i in p.get("items") or ())) for p in o.get("pillars") or ()),
        bodies=tuple(o.get("bodies") or ()))
    c = snap.get("conclusions")
    conclusions = None if not c else Conclusions(
        title=c.get("title") or "", lead=c.get("lead") or "",
        findings=tuple((f.get("heading") or "", tuple(f.get("points") or ())) for f in c.get("findings") or ()),
        direction=c.get("direction") or "")
    return Narrative(areas, outline, conclusions)

"""The report's narrative: the strategy outline (master data of a strategy version) and a cycle's conclusions,
both written by reviewers and audited; and the snapshot an edition freezes of them with the approved initiatives."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.initiatives import compare, figure_sentence
from kpi.domain.normalize import InputError, clean_text
from kpi.domain.workflow import WorkflowError
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from kpi.services.summaries import cycle_for
from kpi.services.workflow import Conflict
from warehouse import initiatives as repo
from warehouse import audit


class NarrativeRefused(WorkflowError):
    """The text has problems; .errors lists them, str() joins them."""

    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class OutlineInput:
    """The strategy outline as typed."""

    purpose: str | None = None
    period_text: str | None = None
    vision: str | None = None
    approach: str | None = None
    players: tuple[str, ...] = ()
    pillar_notes: dict[int, str] = field(default_factory=dict)
    bodies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A heading of the conclusions with its points."""

    heading: str
    points: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConclusionsInput:
    """A cycle's conclusions as typed."""

    title: str | None = None
    lead: str | None = None
    findings: tuple[Finding, ...] = ()
    direction: str | None = None


class _Cleaner:
    def __init__(self):
        self.errors: list[InputError] = []

    def text(self, value: str | None, name: str, limit: int = 1000) -> str | None:
        try:
            return clean_text(value, field=name, max_length=limit)
        except InputError as exc:
            self.errors.append(exc)
            return None

    def items(self, values_: tuple[str, ...] | list[str], name: str, limit: int = 200) -> list[str]:
        out = [self.text(v, f"{name}{i}", limit) for i, v in enumerate(values_, start=1)]
        return [v for v in out if v]


def outline_fields(raw: OutlineInput) -> dict[str, Any]:
    c = _Cleaner()
    fields = {
        "purpose": c.text(raw.purpose, "戦略策定趣旨"), "period_text": c.text(raw.period_text, "戦略期間", 200),
        "vision": c.text(raw.vision, "目指す姿"), "approach": c.text(raw.approach, "実現に向けた県の取組"),
        "players_json": json.dumps(c.items(raw.players, "プレイヤー"), ensure_ascii=False),
        "pillar_notes_json": json.dumps({str(k): v for k, v in (
            (k, c.text(v, f"柱{k}の説明", 200)) for k, v in sorted(raw.pillar_notes.items())) if v},
            ensure_ascii=False),
        "bodies_json": json.dumps(c.items(raw.bodies, "推進体制"), ensure_ascii=False),
    }
    if not (fields["purpose"] or fields["vision"]) and not c.errors:
        c.errors.append(InputError("「戦略策定趣旨」か「目指す姿」を入力してください。", field="戦略策定趣旨", text=""))
    if c.errors:
        raise NarrativeRefused(c.errors)
    return fields


def conclusion_fields(raw: ConclusionsInput) -> dict[str, Any]:
    c = _Cleaner()
    findings = []
    for i, f in enumerate(raw.findings, start=1):
        heading = c.text(f.heading, f"見出し{i}", 200)
        points = c.items(f.points, f"見出し{i}の項目", 300)
        if heading or points:
            if not heading:
                c.errors.append(InputError(f"「見出し{i}」を入力してください（項目だけでは載せられません）。",
                                           field=f"見出し{i}", text=""))
            findings.append({"heading": heading, "points": points})
    fields = {"title": c.text(raw.title, "表題", 100), "lead": c.text(raw.lead, "前文", 300),
              "findings_json": json.dumps(findings, ensure_ascii=False), "direction": c.text(raw.direction, "今後の方向性")}
    if not findings and not fields["direction"] and not c.errors:
        c.errors.append(InputError("「見出し」か「今後の方向性」を入力してください。", field="今後の方向性", text=""))
    if c.errors:
        raise NarrativeRefused(c.errors)
    return fields


def get_outline(actor: Actor, fiscal_year: int, db: Path | str | None = None) -> dict:
    """The outline of the strategy version a cycle belongs to, with its pillars and items ({} fields when none)."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        sid = repo.strategy_of_cycle(con, cycle["cycle_id"])
        outline = repo.get_outline(con, sid) or {}
        return {**outline, "strategy_id": sid, "strategy_name": cycle.get("strategy_name"),
                "pillars": repo.pillars_with_items(con, sid)}


def save_outline(actor: Actor, fiscal_year: int, raw: OutlineInput, *, expected_version: int | None,
                 db: Path | str | None = None) -> int:
    """Write the outline of the cycle's strategy version (reviewers); the new version; audited."""
    check(actor, Permission.WRITE_NARRATIVE)
    fields = outline_fields(raw)
    with warehouse.transaction(db) as con:
        cycle = cycle_for(con, fiscal_year)
        sid = repo.strategy_of_cycle(con, cycle["cycle_id"])
        version = repo.save_outline(con, sid, fields, expected_version=expected_version, actor=actor.login)
        if version is None:
            raise Conflict("戦略の概要は他の人が先に更新しました。画面を再読み込みして最新の内容を確認してください。")
        audit.record(con, AuditEvent(actor=actor.login, role="reviewer", action="save",
                                     entity="strategy_outline", entity_id=str(sid), cycle_id=cycle["cycle_id"],
                                     new_value=f"第{version}版", comment=None))
    return version


def get_conclusions(actor: Actor, fiscal_year: int, db: Path | str | None = None) -> dict | None:
    """The cycle's conclusions, or None when not written yet."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        return repo.get_conclusions(con, cycle_for(con, fiscal_year)["cycle_id"])


def save_conclusions(actor: Actor, fiscal_year: int, raw: ConclusionsInput, *, expected_version: int | None,
                     db: Path | str | None = None) -> int:
    """Write the cycle's conclusions (reviewers); the new version; audited."""
    check(actor, Permission.WRITE_NARRATIVE)
    fields = conclusion_fields(raw)
    with warehouse.transaction(db) as con:
        cycle = cycle_for(con, fiscal_year)
        version = repo.save_conclusions(con, cycle["cycle_id"], fields, expected_version=expected_version,
                                        actor=actor.login)
        if version is None:
            raise Conflict("まとめは他の人が先に更新しました。画面を再読み込みして最新の内容を確認してください。")
        audit.record(con, AuditEvent(actor=actor.login, role="reviewer", action="save",
                                     entity="conclusions", entity_id=str(cycle["cycle_id"]),
                                     cycle_id=cycle["cycle_id"], new_value=f"第{version}版"))
    return version


# --- what an edition freezes ------------------------------------------------------------------------------


def _plain(v: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return v


def snapshot(con, cycle_id: int) -> dict:
    """On an open connection: the approved initiatives (with photos), outline and conclusions of a cycle, as
    plain JSON-ready data — what an edition publishes and freezes."""
    sid = repo.strategy_of_cycle(con, cycle_id)
    rows = repo.list_initiatives(con, cycle_id, states=["approved"])
    photos = repo.photos_of(con, [r["initiative_id"] for r in rows], content=True)
    initiatives = []
    for r in rows:
        c = compare(r.get("figure_value"), r.get("base_value"), r.get("base_kind"))
        initiatives.append({
            **{k: _plain(r.get(k)) for k in ("initiative_id", "area_code", "area_label", "department_code",
                                             "department_name", "title", "period_text", "points", "figure_label",
                                             "figure_value", "figure_unit", "base_value", "base_kind", "continued",
                                             "approved_by", "approved_at")},
            "comparison": c.text if c else None,
            "figure_sentence": figure_sentence(r.get("figure_label"), r.get("figure_value"), r.get("figure_unit"),
                                               r.get("base_value"), r.get("base_kind")),
            "photos": [{"caption": p["caption"], "mime": p["mime"], "sha256": p["sha256"],
                        "content_b64": base64.b64encode(p["content"]).decode("ascii")} for p in photos[r["initiative_id"]]],
        })
    outline = repo.get_outline(con, sid)
    if outline is not None:
        outline = {k: _plain(v) for k, v in outline.items()}
        outline["pillar_notes"] = {str(k): v for k, v in outline["pillar_notes"].items()}
        outline["pillars"] = repo.pillars_with_items(con, sid)
        outline["established_text"] = con.execute("SELECT established_text FROM strategies WHERE strategy_id = ?",
                                                  [sid]).fetchone()[0]
    conclusions = repo.get_conclusions(con, cycle_id)
    if conclusions is not None:
        conclusions = {k: _plain(v) for k, v in conclusions.items()}
    return {"areas": [{"code": a["code"], "label": a["label"]} for a in repo.list_areas(con, active_only=False)],
            "initiatives": initiatives, "outline": outline, "conclusions": conclusions}


def edition_narrative(actor: Actor, edition_id: int, db: Path | str | None = None) -> dict | None:
    """What an edition froze besides the figures, or None for editions published before it existed."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        text = repo.edition_narrative(con, edition_id)
    return None if text is None else json.loads(text)

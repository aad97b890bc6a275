"""Publishing: freeze a cycle's approved values as an edition and generate every output from them."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.confirmations import overlay
from kpi.domain.cycles import CYCLE_STATE_LABELS_JA, CycleState
from kpi.domain.editions import Coverage, EditionKind, edition_kind, edition_label
from kpi.domain.formatting import JST, format_jst, format_rate
from kpi.domain.workflow import Role
from kpi.platform import faults
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from kpi.services.summaries import cycle_for, CycleView, NotFound, figures, view_of
from kpi.services import narrative as narrative_service
from kpi.services.reconciliation import reconciliation_of
from kpi.services.report_scope import coverage_of, sections_for
from warehouse import audit, confirmations, editions, initiatives, master, reporting

MIME = {
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf", ".csv": "text/csv", ".json": "application/json",
}
Progress = Callable[[float, str], None]
SYSTEM_PUBLISHER = Actor("cli", "コマンドライン（公表）", frozenset({Role.REVIEWER}))


@dataclass(frozen=True)
class Edition:
    """A published edition and its files."""

    edition_id: int
    fiscal_year: int
    edition_no: int
    title: str
    files: dict[str, bytes]
    kind: str = EditionKind.FINAL.value

    @property
    def label(self) -> str:
        """第1版, or 速報（中間）版 第1版."""
        return edition_label(self.edition_no, self.kind)


def _silent(_fraction: float, _text: str) -> None:
    return None


def outputs(view: CycleView, *, edition_no: int, progress: Progress = _silent, narrative: dict | None = None,
            sections: list[list[int]] | None = None, kind: str = EditionKind.FINAL.value,
            coverage: Coverage | None = None, generated_at: datetime | None = None,
            reconciliation: list[dict] | None = None) -> tuple[str, dict[str, bytes]]:
    """(title, files) of the report of a frozen approved view: deck, workbook, PDF and open data; `narrative`
    (kpi.services.narrative.snapshot) adds the approved initiatives, the outline and the conclusions; `sections`
    groups pillars (the strategy's configuration); an interim `kind` marks every page with the coverage; a
    confirmed one (確定値反映版) prints `reconciliation`, the 「見込 → 確定」 table."""
    from kpi.publish import deck, opendata, pdf, report_data, workbook_report

    data = report_data.build(view, edition=edition_no, narrative=narrative, sections=sections, kind=kind,
                             coverage=coverage, generated_at=generated_at, reconciliation=reconciliation or ())
    name = {EditionKind.INTERIM.value: "interim", EditionKind.CONFIRMED.value: "confirmed"}.get(kind, "report")
    stem = f"{view.cycle['fiscal_year']}_{name}_v{edition_no}"
    progress(0.2, "スライド（PowerPoint）を作成しています…")
    files = {f"{stem}.pptx": deck.write_deck(data)}
    faults.point("publish.file")  # between the files of a publication
    progress(0.5, "集計表（Excel）を作成しています…")
    files[f"{stem}.xlsx"] = workbook_report.write_report_workbook(data)
    faults.point("publish.file")
    progress(0.6, "PDF を作成しています…")
    files[f"{stem}.pdf"] = pdf.write_pdf(data)
    faults.point("publish.file")
    progress(0.85, "オープンデータを作成しています…")
    for name, content in opendata.write_open_data(data).items():
        files[f"opendata/{name}"] = content
    return data.title, files


def plan(actor: Actor, fiscal_year: int, db: Path | str | None = None) -> dict:
    """What publishing a year would make, for the confirmation: cycle state, the edition kind allowed
    ("final", "interim" or None), the next edition's number and label, the coverage, and how many approved 確定値
    a 確定値反映版 would show (0: none can be made) with that edition's label."""
    check(actor, Permission.PUBLISH)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        coverage = coverage_of(con, cycle["cycle_id"])
        edition_no = editions.next_edition_no(con, cycle["cycle_id"])
        confirmed = confirmations.approved_figures(con, [cycle["cycle_id"]]).height
    state = CycleState(cycle["state"])
    kind = {CycleState.OPEN: EditionKind.INTERIM, CycleState.CLOSED: EditionKind.FINAL,
            CycleState.FINALIZED: EditionKind.FINAL}.get(state)
    return {"fiscal_year": fiscal_year, "label": cycle["label"], "state": state.value,
            "state_label": CYCLE_STATE_LABELS_JA[state], "kind": kind.value if kind else None,
            "edition_no": edition_no, "edition_label": edition_label(edition_no, kind) if kind else None,
            "coverage": coverage, "confirmed": confirmed if kind is EditionKind.FINAL else 0,
            "confirmed_label": edition_label(edition_no, EditionKind.CONFIRMED)}


def write_files(files: dict[str, bytes], out: str | Path) -> list[str]:
    """Copy an edition's files into a folder (`kpi publish --out`); the paths written, in the edition's order."""
    written = []
    for name, content in files.items():
        path = Path(out) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(str(path))
    return written


def publish(actor: Actor, fiscal_year: int, *, note: str | None = None, interim: bool = False,
            db: Path | str | None = None, progress: Progress = _silent, strategy: str | None = None,
            confirmed: bool = False) -> Edition:
    """Freeze the approved values of a cycle as a new edition, generate and store every output; audited.

    A 公表版 only from a closed or finalized cycle; from an open one only a 速報（中間）版 (interim=True), marked on
    every page; with confirmed=True a 確定値反映版 of a closed or finalized cycle with approved 確定値: the approved
    values with each approved 確定値 in place of its projection, and the 「見込 → 確定」 table (earlier editions
    stay as they were published); EditionRefused (Japanese, naming state and coverage) otherwise, before anything
    is written."""
    check(actor, Permission.PUBLISH)
    progress(0.05, "承認済みの値を確定しています…")
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year, strategy)
        coverage = coverage_of(con, cycle["cycle_id"])
        confirmed_figures = confirmations.approved_figures(con, [cycle["cycle_id"]]) if confirmed else None
        kind = edition_kind(cycle["state"], interim=interim, label=cycle["label"], coverage=coverage,
                            confirmed=None if confirmed_figures is None else confirmed_figures.height)
        rows = reporting.cycle_rows(con, cycle["cycle_id"], "approved")
        if confirmed_figures is not None:
            rows = overlay(rows, confirmed_figures)
        parts = reporting.cycle_parts(con, cycle["cycle_id"], "approved")
        pillars = master.list_pillars(con, cycle["cycle_id"])
        sections = sections_for(con, cycle["cycle_id"], [p["no"] for p in pillars])
        edition_no = editions.next_edition_no(con, cycle["cycle_id"])
        story = narrative_service.snapshot(con, cycle["cycle_id"])  # approved initiatives, outline, conclusions
        recon = reconciliation_of(con, cycle) if confirmed else None
    view = view_of(figures(cycle, pillars, "confirmed" if confirmed else "approved", rows, parts))
    faults.point("publish.read")  # approved values read, no file made yet
    published_at = datetime.now(JST)  # the one time the page, the files and the warehouse show
    title, files = outputs(view, edition_no=edition_no, progress=progress, narrative=story, sections=sections,
                           kind=kind.value, coverage=coverage, generated_at=published_at, reconciliation=recon)
    progress(0.95, "版を登録しています…")
    with warehouse.transaction(db) as con:
        if editions.next_edition_no(con, cycle["cycle_id"]) != edition_no:
            raise NotFound("同時に別の版が公表されました。もう一度公表してください。")
        edition_id = editions.insert_edition(
            con, cycle_id=cycle["cycle_id"], edition_no=edition_no, title=title, note=note,
            published_by=actor.login, rows=rows, parts=parts, pillars_json=json.dumps(pillars, ensure_ascii=False),
            files={name: (MIME.get(Path(name).suffix, "application/octet-stream"), content)
                   for name, content in files.items()},
            kind=kind.value, approved_count=coverage.approved, indicator_count=coverage.total,
            sections_json=json.dumps(sections), published_at=published_at.astimezone(timezone.utc).replace(tzinfo=None))
        initiatives.insert_edition_narrative(con, edition_id, json.dumps(story, ensure_ascii=False))
        faults.point("publish.edition_inserted")  # edition and files written, before its audit row and COMMIT
        audit.record(con, AuditEvent(actor=actor.login, role=actor.primary_role.value, action="publish",
                                     entity="edition", entity_id=str(edition_id), cycle_id=cycle["cycle_id"],
                                     new_value=edition_label(edition_no, kind), comment=note))
    faults.point("publish.committed")  # committed, before the caller hears back
    progress(1.0, f"{edition_label(edition_no, kind)}を{'作成' if kind is EditionKind.INTERIM else '公表'}しました")
    return Edition(edition_id, fiscal_year, edition_no, title, files, kind.value)


def list_editions(actor: Actor, fiscal_year: int | None = None, db: Path | str | None = None) -> list[dict]:
    """Published editions, newest first (everyone who may read approved figures)."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        cycle_id = None
        if fiscal_year is not None:
            c = master.find_cycle(con, fiscal_year)
            if c is None:
                return []
            cycle_id = c["cycle_id"]
        found = editions.list_editions(con, cycle_id)
    return [{**e, "edition_label": edition_label(e["edition_no"], e["kind"]),
             "interim": e["kind"] == EditionKind.INTERIM.value,
             "coverage_text": (f"承認済 {e['approved_count']:,} / 全 {e['indicator_count']:,} 指標"
                               if e.get("indicator_count") is not None else ""),
             "published_label": format_jst(e["published_at"])} for e in found]


def edition_files(actor: Actor, edition_id: int, db: Path | str | None = None) -> list[dict]:
    """The files of an edition exactly as published."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        return editions.files(con, edition_id)


def edition_view(actor: Actor, edition_id: int, db: Path | str | None = None) -> CycleView:
    """The cycle as the edition froze it (later corrections do not show here)."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        found = editions.frozen(con, edition_id)
        cycle_rows = master.list_cycles(con)
    if found is None:
        raise NotFound(f"版（ID {edition_id}）がありません")
    meta, rows, parts, pillars_json = found
    cycle = {**next(c for c in cycle_rows if c["cycle_id"] == meta["cycle_id"]), **{
        k: rows[k][0] for k in ("strategy_code",) if k in rows.columns and rows.height}}
    return view_of(figures(cycle, json.loads(pillars_json), "approved", rows, parts))


def diff_editions(actor: Actor, old_id: int, new_id: int, db: Path | str | None = None) -> list[dict]:
    """What changed between two editions, per indicator: value, rate and band before and after."""
    old, new = edition_view(actor, old_id, db), edition_view(actor, new_id, db)
    before = {e.row["code"]: e for e in old.rows}
    changes = []
    for e in new.rows:
        b = before.get(e.row["code"])
        if b is None or (b.row.get("value_text"), b.band) != (e.row.get("value_text"), e.band) or \
                b.row.get("reason") != e.row.get("reason"):
            changes.append({
                "コード": e.row["code"], "指標": e.row["name"],
                "変更前の値": (b.row.get("value_text") or "—") if b else "（なし）", "変更後の値": e.row.get("value_text") or "—",
                "変更前の達成率": format_rate(b.percent) if b and b.percent is not None else "—",
                "変更後の達成率": format_rate(e.percent) if e.percent is not None else "—",
                "変更前の区分": b.band.label_ja if b and b.band else "—", "変更後の区分": e.band.label_ja if e.band else "—",
            })
    return changes

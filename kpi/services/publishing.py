"""Publishing: freeze a cycle's approved values as an edition and generate every output from them."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import warehouse
from kpi.domain.formatting import format_rate
from kpi.domain.workflow import Role
from kpi.platform import faults
from kpi.services.actors import Actor
from kpi.services.evaluation import evaluate
from kpi.services.permissions import Permission, check
from kpi.services.summaries import cycle_for, CycleView, NotFound
from kpi.services import narrative as narrative_service
from warehouse import editions, initiatives, master, reporting, values

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


def _silent(_fraction: float, _text: str) -> None:
    return None


def outputs(view: CycleView, *, edition_no: int, progress: Progress = _silent,
            narrative: dict | None = None) -> tuple[str, dict[str, bytes]]:
    """(title, files) of the report of a frozen approved view: deck, workbook, PDF and open data; `narrative`
    (kpi.services.narrative.snapshot) adds the approved initiatives, the outline and the conclusions."""
    from kpi.publish import deck, opendata, pdf, report_data, workbook_report

    data = report_data.build(view, edition=edition_no, narrative=narrative)
    stem = f"{view.cycle['fiscal_year']}_report_v{edition_no}"
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


def publish(actor: Actor, fiscal_year: int, *, note: str | None = None, db: Path | str | None = None,
            progress: Progress = _silent) -> Edition:
    """Freeze the approved values of a cycle as a new edition, generate and store every output; audited."""
    check(actor, Permission.PUBLISH)
    progress(0.05, "承認済みの値を確定しています…")
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        rows = reporting.cycle_rows(con, cycle["cycle_id"], "approved")
        parts = reporting.cycle_parts(con, cycle["cycle_id"], "approved")
        pillars = master.list_pillars(con, cycle["cycle_id"])
        edition_no = editions.next_edition_no(con, cycle["cycle_id"])
        story = narrative_service.snapshot(con, cycle["cycle_id"])  # approved initiatives, outline, conclusions
    view = CycleView(cycle, pillars, "approved", evaluate(rows, parts))
    faults.point("publish.read")  # approved values read, no file made yet
    title, files = outputs(view, edition_no=edition_no, progress=progress, narrative=story)
    progress(0.95, "版を登録しています…")
    with warehouse.transaction(db) as con:
        if editions.next_edition_no(con, cycle["cycle_id"]) != edition_no:
            raise NotFound("同時に別の版が公表されました。もう一度公表してください。")
        edition_id = editions.insert_edition(
            con, cycle_id=cycle["cycle_id"], edition_no=edition_no, title=title, note=note,
            published_by=actor.login, rows=rows, parts=parts, pillars_json=json.dumps(pillars, ensure_ascii=False),
            files={name: (MIME.get(Path(name).suffix, "application/octet-stream"), content)
                   for name, content in files.items()})
        initiatives.insert_edition_narrative(con, edition_id, json.dumps(story, ensure_ascii=False))
        faults.point("publish.edition_inserted")  # edition and files written, before its audit row and COMMIT
        values.append_audit(con, {"actor": actor.login, "role": actor.primary_role.value, "action": "publish",
                                  "entity": "edition", "entity_id": str(edition_id), "cycle_id": cycle["cycle_id"],
                                  "new_value": f"第{edition_no}版", "comment": note})
    faults.point("publish.committed")  # committed, before the caller hears back
    progress(1.0, f"第{edition_no}版を公表しました")
    return Edition(edition_id, fiscal_year, edition_no, title, files)


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
        return editions.list_editions(con, cycle_id)


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
    return CycleView(cycle, json.loads(pillars_json), "approved", evaluate(rows, parts))


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

"""Import an indicator list (as planning documents print it) into a strategy: all rows or none.

Every row is read first (file → cells → :func:`kpi.domain.planning_rows.read_row`, headings through
:mod:`kpi.domain.planning_headings`, department and code checks). Years printed without their era resolve through
the strategy's 記載の元号 (strategies.printed_era, or the era given for this import, or the era of the plan's
adoption year). If any cell cannot be read, nothing is written and the report lists every problem of every cell
(Excel row, column header, the text, a Japanese sentence). Otherwise every indicator, its composite parts, its
comparison, printed periods and note (indicator_targets), the pillars and items the file introduces, and one
audit row per created record plus one for the import land in one transaction. A dry run reads everything and
writes nothing (`dry_run_document`).

Decisions: pillars and items are matched by number within the strategy; a number the strategy does not have is
created when the file gives its name. Departments must already exist (an unknown one is refused with the list
of known codes): a department is an organisational fact the administrator registers, not something a typo
should create. Codes already used in the strategy are refused (an import adds indicators; changing one is the
master data page's job, which keeps the old definition).
"""
from __future__ import annotations

from pathlib import Path

import warehouse
from kpi.domain.audit_events import AuditEvent
from kpi.domain.model import TargetType
from kpi.domain.planning_rows import RowReading
from kpi.io.export import csv_bytes
from kpi.services.actors import Actor
from kpi.services.indicator_plan import DIRECTION_LABELS, ImportReport, Planned, plan_file, resolve_era
from kpi.services.permissions import Permission, check
from warehouse import indicator_import as repo
from warehouse import audit, master

__all__ = ["ImportReport", "preview_indicator_file", "import_indicator_file", "list_strategies", "problems_csv",
           "dry_run_document", "resolve_era"]

__all__ += ["DIRECTION_LABELS"]


def list_strategies(actor: Actor, db: Path | str | None = None) -> list[dict]:
    """Strategies an indicator list can be imported into (reviewers and administrators)."""
    check(actor, Permission.MANAGE_MASTER)
    with warehouse.connect(db) as con:
        return repo.list_strategies(con)


def preview_indicator_file(actor: Actor, data: bytes, *, filename: str | None, strategy: str,
                           db: Path | str | None = None, era: str | None = None,
                           adopted: int | None = None, department: str | None = None) -> ImportReport:
    """Read and check the whole file without writing: status ready with the rows, or refused with every problem."""
    check(actor, Permission.MANAGE_MASTER)
    with warehouse.connect(db) as con:
        report, _ = plan_file(con, data, filename, strategy, era, adopted, department)
    return report


def dry_run_document(report: ImportReport) -> dict:
    """The dry run's JSON: rows, read, refused, every problem and every readable indicator."""
    return {"rows": report.total_rows, "read": report.total_rows - report.refused_rows,
            "refused": report.refused_rows, "era": report.era,
            "problems": report.details or [{"row": p.row, "column": p.column, "text": "", "message": p.message}
                                           for p in report.problems],
            "indicators": report.indicators}


def import_indicator_file(actor: Actor, data: bytes, *, filename: str | None, strategy: str,
                          db: Path | str | None = None, era: str | None = None,
                          adopted: int | None = None, department: str | None = None) -> ImportReport:
    """Import every indicator of the file into the strategy in one transaction, or none (status refused)."""
    check(actor, Permission.MANAGE_MASTER)
    with warehouse.transaction(db) as con:
        report, planned = plan_file(con, data, filename, strategy, era, adopted, department)
        if report.status == "refused":
            return report
        _write(con, actor, report, planned, filename)
        report.status = "imported"
    return report


def problems_csv(report: ImportReport) -> bytes:
    """The report's problems as a sanitized CSV (行, 列, 内容)."""
    return csv_bytes([{"行": p.row or "", "列": p.column or "", "内容": p.message} for p in report.problems]
                     or [{"行": "", "列": "", "内容": "問題はありません"}])


# ---------------------------------------------------------------------------------------------------------
# writing


def _stored_type(plan: RowReading) -> str:
    """The indicators table's target_type: a relative target is stored as numeric without a target value (its
    reference is in indicator_targets); parts, with a target each or aiming to beat their baselines, as composite."""
    if plan.target_type == "relative":
        return TargetType.NUMERIC.value
    if plan.parts:
        return TargetType.COMPOSITE.value
    return plan.target_type


def _target_row(indicator_id: int, plan: RowReading) -> dict:
    tp, bp = plan.target_period, plan.baseline_period
    return {"indicator_id": indicator_id, "comparison": plan.comparison, "relative_reference": plan.reference,
            "target_period_kind": tp.kind if tp else None, "target_period_start": tp.start if tp else None,
            "target_period_end": tp.end if tp else None, "target_aggregate": tp.aggregate if tp else None,
            "target_period_text": tp.text if tp else None, "baseline_period_kind": bp.kind if bp else None,
            "baseline_period_text": bp.text if bp else None, "note": plan.note}


def _write(con, actor: Actor, report: ImportReport, planned: list[Planned], filename: str | None) -> None:
    contents = repo.strategy_contents(con, report.strategy)
    assert contents is not None
    sid = contents.strategy_id
    role = actor.primary_role.value
    events: list[dict] = []
    for label in report.created_pillars:
        no, _, name = label.partition(" ")
        master.insert_pillar(con, sid, int(no), name)
        events.append(AuditEvent(actor=actor.login, role=role, action="create_pillar", entity="pillar",
                                 entity_id=f"{report.strategy}:{no}", new_value=name))
    for label in report.created_items:
        key, _, name = label.partition(" ")
        pillar_no, item_no = (int(x) for x in key.split("-"))
        master.insert_item(con, sid, pillar_no, item_no, name)
        events.append(AuditEvent(actor=actor.login, role=role, action="create_item", entity="item",
                                 entity_id=f"{report.strategy}:{key}", new_value=name))
    definitions = []
    for order, p in enumerate(planned, start=contents.max_sort_order + 1):
        plan, tp, bp = p.plan, p.plan.target_period, p.plan.baseline_period
        definitions.append({
            "pillar_no": p.pillar_no, "item_no": p.item_no, "code": p.code, "name": p.name,
            "definition": p.definition, "unit": plan.unit, "department_code": p.department,
            "target_type": _stored_type(plan), "direction": plan.direction.value,
            "baseline_value": plan.baseline, "baseline_text": plan.baseline_text,
            "baseline_fy": bp.fiscal_year if bp else None, "baseline_fy_text": bp.text if bp else None,
            "target_value": plan.target, "target_text": plan.target_text, "target_fy": tp.fiscal_year if tp else None,
            "data_source": p.source, "sort_order": order,
        })
    ids = repo.insert_indicators(con, sid, definitions)
    if report.era:
        repo.keep_printed_era(con, sid, report.era)
    repo.insert_targets(con, [_target_row(ids[p.code], p.plan) for p in planned])
    parts = []
    for p, shown in zip(planned, report.rows):
        parts += [{"indicator_id": ids[p.code], "part_no": q["no"], "label": q["label"], "unit": p.plan.unit,
                   "baseline_value": q["baseline"], "target_value": q["target"]} for q in p.plan.parts]
        events.append(AuditEvent(actor=actor.login, role=role, action="import_indicator", entity="indicator",
                                 entity_id=p.code, indicator_id=ids[p.code],
                                 new_value=f"目標: {shown['目標']} / 現状: {shown['現状（基準値）']} / {shown['目標の種類']}"
                                           f" / {shown['方向']}",
                                 comment=f"{filename or 'ファイル'} {p.row_no}行目"))
    repo.insert_parts(con, parts)
    events.append(AuditEvent(actor=actor.login, role=role, action="import_indicators", entity="strategy",
                             entity_id=report.strategy, new_value=f"{len(planned)}指標",
                             comment=f"{filename or 'ファイル'}から{len(planned)}指標を取り込み"))
    audit.append(con, events)

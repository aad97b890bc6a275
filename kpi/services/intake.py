"""Intake: what a department sends is stored as received, then normalized, validated and landed all-or-nothing."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl

import warehouse
from kpi.domain import rules
from kpi.domain.workflow import Role, WorkflowError
from kpi.platform import faults
from kpi.services.accounts import actor_of
from kpi.services.actors import Actor, Forbidden
from kpi.services.conflicts import conflict_message
from kpi.services.batches import BatchReport, Finding, cli_actor, receive
from kpi.services.entries import RawEntry, normalize
from kpi.io.workbook_stamp import read_stamp
from kpi.services.permissions import Permission, check
from kpi.services.roundtrip import sort_rows, whose_sheet
from kpi.services.summaries import NotFound, cycle_for
from kpi.services.workflow import DraftInput, save_drafts_in
from warehouse import audit, batches, changes, findings, master, users, values


def _actor_of_batch(con, b: dict) -> Actor:
    if b["created_by"] == "cli":
        return cli_actor(b["department_code"])
    user = users.get_user(con, b["created_by"])
    if user is None or not user["active"]:
        raise Forbidden(f"送信者（{b['created_by']}）のアカウントが無効です")
    return actor_of(user)


def _entries_of(b: dict) -> tuple[list[RawEntry], list[Finding]]:
    if b["raw_json"] is not None:
        return [RawEntry(**e) for e in json.loads(b["raw_json"])], []
    from kpi.io.workbook import WorkbookRefused, read_department_workbook

    try:
        raw = read_department_workbook(bytes(b["raw_bytes"] or b""), filename=b["filename"])
    except WorkbookRefused as exc:
        return [], [Finding(p.row, None, p.column, rules.ERROR, p.message) for p in exc.problems]
    return [RawEntry(code=r.code, value=r.value, kind=r.kind, period=r.period, reason=r.reason,
                     reason_category=r.reason_category, remark=r.remark, row_no=r.row_no, check_version=False)
            for r in raw], []


def _evaluate(con, cycle: dict, department: str, entries: list[RawEntry], outlier_factor: float):
    """(normalized, findings frame, the department's rows by indicator id): one read of the department."""
    mine = values.department_rows(con, cycle["cycle_id"], department)
    composites = [r["indicator_id"] for r in mine.values() if r["target_type"] == "composite"]
    parts = values.parts_of(con, composites, cycle["cycle_id"]) if composites else {}
    categories = master.list_reason_categories(con)
    normalized = []
    for e in entries:
        row = mine.get((e.code or "").strip())
        ps = parts.get(row["indicator_id"]) if row else None
        normalized.append(normalize(e, row, ps, categories, cycle["fiscal_year"],
                                    row["last_approved"] if row else None))
    frame = rules.frame([n.frame_row for n in normalized if n.frame_row["has_entry"]])
    return normalized, rules.check(frame, outlier_factor), {r["indicator_id"]: r for r in mine.values()}


def evaluate_entries(con, actor: Actor, cycle: dict, department: str, entries: list[RawEntry],
                     outlier_factor: float = rules.DEFAULT_OUTLIER_FACTOR):
    """Normalize and validate entries against the department's indicators; returns (normalized, findings frame)."""
    normalized, found, _rows = _evaluate(con, cycle, department, entries, outlier_factor)
    return normalized, found


def _findings(found: pl.DataFrame, codes: dict[int | None, str]) -> list[Finding]:
    return [Finding(r["row_no"], codes.get(r["indicator_id"]), r["field"], r["severity"], r["message"])
            for r in found.iter_rows(named=True)]


def preview(actor: Actor, fiscal_year: int, department: str, entries: list[RawEntry],
            db: Path | str | None = None) -> list[Finding]:
    """The findings a save would give, without storing anything (for the form, before sending)."""
    check(actor, Permission.SAVE, department)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        normalized, found = evaluate_entries(con, actor, cycle, department, entries)
    return _findings(found, {n.indicator_id: n.entry.code for n in normalized})


def process(batch_id: int, db: Path | str | None = None,
            outlier_factor: float = rules.DEFAULT_OUTLIER_FACTOR) -> BatchReport:
    """Normalize, validate and land a received batch: every row lands as a draft, or none does."""
    faults.point("intake.process.start")  # the raw intake is stored; nothing processed yet
    with warehouse.transaction(db) as con:
        b = batches.batch(con, batch_id)
        if b is None:
            raise NotFound(f"受付番号 {batch_id} の送信データがありません")
        if b["status"] != "received":
            return BatchReport(batch_id, b["status"], _stored(con, batch_id))
        actor = _actor_of_batch(con, b)
        cycle = {"cycle_id": b["cycle_id"], "fiscal_year": b["fiscal_year"]}  # the cycle the batch was sent to
        entries, refusals = _entries_of(b)
        skipped: dict[str, int] = {}
        ids: dict[str, int] = {}  # codes of the rows refused before normalizing, for their stored findings
        if b["raw_json"] is None and not refusals:  # a workbook: whose sheet, and which rows changed since download
            entries, refusals, skipped, ids = _sorted_rows(con, b, entries)
        faults.point("intake.process.read")  # mid-transaction, nothing written yet
        whole = refusals and all(f.code is None for f in refusals)  # the file itself, not some of its rows
        normalized, found, rows = (([], None, {}) if whole
                                   else _evaluate(con, cycle, b["department_code"], entries, outlier_factor))
        codes = {n.indicator_id: n.entry.code for n in normalized}
        ids.update({n.entry.code: n.indicator_id for n in normalized})
        listed = refusals + (_findings(found, codes) if found is not None else [])
        report = BatchReport(batch_id, "refused", listed,
                             skipped_blank=sum(1 for n in normalized if not n.frame_row["has_entry"]),
                             skipped=skipped)
        to_land = [n for n in normalized if n.frame_row["has_entry"]]
        stale = _stale(con, to_land, rows)
        report.findings.extend(stale)
        if not report.errors and not to_land and not skipped:
            report.findings.append(Finding(None, None, None, rules.ERROR, "入力された値がありません"))
        blocked = {f.code for f in report.errors}
        partial = b["source"] == "form" and None not in blocked  # a form's draft: save what can be saved
        if partial:
            to_land = [n for n in to_land if n.entry.code not in blocked and n.indicator_id is not None
                       and not n.frame_row.get("input_error")]
        if (to_land and partial) or not report.errors:  # a workbook, or a file refused as a whole: all or nothing
            try:
                refs = save_drafts_in(con, actor, cycle["cycle_id"], [
                    DraftInput(n.indicator_id, n.fields, n.parts, n.entry.expected_version, n.entry.check_version)
                    for n in to_land
                ], batch_id, rows=rows)
                faults.point("intake.process.saved")  # drafts and audit written, not committed
            except (WorkflowError, Forbidden) as exc:
                report.findings.append(Finding(None, None, None, rules.ERROR, str(exc)))
                refs = []
            if refs or not report.errors:
                value_of = {n.indicator_id: r.value_id for n, r in zip(to_land, refs)}
                report.status, report.saved = "landed", len(refs)
                findings.insert_findings(con, _finding_rows(found, batch_id, cycle["cycle_id"], value_of)
                                       + _refusal_rows(stale, batch_id, cycle["cycle_id"], ids))
                batches.set_batch_status(con, batch_id, "landed", _outcome(skipped))
                faults.point("intake.process.landed")  # everything written, before COMMIT
                return report
        # Refused: nothing lands; the findings and the batch (as received) stay for the person and a retry.
        con.execute("ROLLBACK")
        con.execute("BEGIN TRANSACTION")
        findings.insert_findings(con, _refusal_rows(report.findings, batch_id, cycle["cycle_id"], ids))
        batches.set_batch_status(con, batch_id, "refused", _outcome(skipped))
        faults.point("intake.process.refused")  # refusal written, before COMMIT
        return report


def _sorted_rows(con, b: dict, entries: list[RawEntry]):
    """A workbook's rows to save, its refusals (the whole file, or rows by code), the rows left alone by why, and
    the department's indicator ids by code."""
    every = values.cycle_rows_by_code(con, b["cycle_id"])
    department, stamp = b["department_code"], read_stamp(bytes(b["raw_bytes"] or b""))
    names = master.department_names(con, sorted({r["department_code"] for r in every.values()}
                                                | {department, stamp.department if stamp else department}))
    why = whose_sheet(stamp, department, b["fiscal_year"], entries, every, names)
    if why:
        return [], [Finding(None, None, None, rules.ERROR, why)], {}, {}
    mine = {code: r for code, r in every.items() if r["department_code"] == department}
    last = changes.last_changes(con, [r["value_id"] for r in mine.values() if r.get("value_id") is not None])
    categories = {c["code"]: c["name"] for c in master.list_reason_categories(con)}
    result = sort_rows(entries, mine, stamp, categories, last)
    return result.to_save, result.findings, dict(result.skipped), {c: r["indicator_id"] for c, r in mine.items()}


def _stale(con, to_land: list, rows: dict[int, dict]) -> list[Finding]:
    """A conflict finding for each line whose stored value moved on since the version the person saw."""
    moved = []
    for n in to_land:
        row = rows.get(n.indicator_id)
        if row is None or not n.entry.check_version:
            continue
        seen, now = n.entry.expected_version, row.get("version")
        if (seen not in (None, 0)) if row.get("value_id") is None else seen != now:
            moved.append((n, row))
    if not moved:
        return []
    last = changes.last_changes(con, [row["value_id"] for _n, row in moved if row.get("value_id") is not None])
    return [Finding(n.entry.row_no, n.entry.code, "値", rules.ERROR, conflict_message(row, last.get(row.get("value_id"))))
            for n, row in moved]


def _refusal_rows(findings: list[Finding], batch_id: int, cycle_id: int, ids: dict[str, int]) -> list[dict]:
    return [{"batch_id": batch_id, "cycle_id": cycle_id, "row_no": f.row_no, "indicator_id": ids.get(f.code),
             "field": f.field, "rule": "refused", "severity": f.severity, "message": f.message} for f in findings]


def _outcome(skipped: dict[str, int]) -> str | None:
    return json.dumps({"skipped": skipped}, ensure_ascii=False) if skipped else None


def _finding_rows(found: pl.DataFrame, batch_id: int, cycle_id: int, value_of: dict[int, int]) -> list[dict]:
    return [{"batch_id": batch_id, "cycle_id": cycle_id, "value_id": value_of.get(r["indicator_id"]),
             "indicator_id": r["indicator_id"], "row_no": r["row_no"], "field": r["field"], "rule": r["rule"],
             "severity": r["severity"], "message": r["message"]} for r in found.iter_rows(named=True)]


def _stored(con, batch_id: int) -> list[Finding]:
    return [Finding(f["row_no"], f["code"], f["field"], f["severity"], f["message"])
            for f in findings.findings_for(con, batch_id=batch_id)]


def batch_status(batch_id: int, db: Path | str | None = None) -> BatchReport:
    """A batch's status and stored findings (for a person coming back to it)."""
    with warehouse.connect(db) as con:
        b = batches.batch(con, batch_id)
        if b is None:
            raise NotFound(f"受付番号 {batch_id} の送信データがありません")
        outcome = json.loads(b["outcome"]) if b.get("outcome") else {}
        return BatchReport(batch_id, b["status"], _stored(con, batch_id), saved=audit.saved_count(con, batch_id),
                           skipped=outcome.get("skipped", {}))


def pending(db: Path | str | None = None) -> list[int]:
    """Batches waiting to be processed."""
    with warehouse.connect(db) as con:
        return batches.pending_batches(con)

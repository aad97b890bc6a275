"""intake.process taken apart: the same functions, in the same order and one transaction, each step timed.

Used to show where the time of a save or an upload goes. It lands the batch for real (the caller gives it a
received batch on a warehouse copy it can spend), so the write steps are measured on real rows.
"""
from __future__ import annotations

from pathlib import Path

from bench.report import now


def process_steps(db: Path, batch_id: int, actor) -> dict[str, float]:
    """Seconds per step of intake.process(batch_id); keys starting with '_' are counts, not times."""
    import json

    import warehouse
    from kpi.domain import rules
    from kpi.io.workbook import read_department_workbook
    from kpi.services.entries import RawEntry, normalize
    from kpi.services.workflow import DraftInput, save_drafts_in
    from warehouse import batches, findings, master, values

    t: dict[str, float] = {}
    t0 = now()
    with warehouse.transaction(db) as con:
        t["open connection + BEGIN"] = now() - t0
        t0 = now()
        b = batches.batch(con, batch_id)
        cycle = {"cycle_id": b["cycle_id"], "fiscal_year": b["fiscal_year"]}  # as intake.process: the batch's own
        department = b["department_code"]
        t["load batch + cycle"] = now() - t0
        t0 = now()
        if b["raw_json"] is not None:
            entries = [RawEntry(**e) for e in json.loads(b["raw_json"])]
            t["entries from the batch (JSON)"] = now() - t0
        else:
            raw = read_department_workbook(bytes(b["raw_bytes"]), filename=b["filename"])
            entries = [RawEntry(code=r.code, value=r.value, kind=r.kind, period=r.period, reason=r.reason,
                                reason_category=r.reason_category, remark=r.remark, row_no=r.row_no,
                                check_version=False) for r in raw]
            t["read workbook (read_department_workbook)"] = now() - t0
        t0 = now()
        mine = values.department_rows(con, cycle["cycle_id"], department)
        t[f"department_rows (the department's indicators, values, last approved: {len(mine):,})"] = now() - t0
        t0 = now()
        composites = [r["indicator_id"] for r in mine.values() if r["target_type"] == "composite"]
        parts = values.parts_of(con, composites, cycle["cycle_id"]) if composites else {}
        categories = master.list_reason_categories(con)
        t["parts_of (composites) + categories"] = now() - t0
        t0 = now()
        normalized = []
        for e in entries:
            row = mine.get((e.code or "").strip())
            ps = parts.get(row["indicator_id"]) if row else None
            normalized.append(normalize(e, row, ps, categories, cycle["fiscal_year"],
                                        row["last_approved"] if row else None))
        t["normalize (per row, Python)"] = now() - t0
        t0 = now()
        frame = rules.frame([n.frame_row for n in normalized if n.frame_row["has_entry"]])
        t["rules.frame (dicts → Polars)"] = now() - t0
        t0 = now()
        found = rules.check(frame)
        t["rules.check (Polars)"] = now() - t0
        errors = found.filter(found["severity"] == rules.ERROR).height
        if errors:
            raise RuntimeError(f"the synthetic batch has {errors} errors: {found.head(5)}")
        to_land = [n for n in normalized if n.frame_row["has_entry"]]
        t0 = now()
        refs = save_drafts_in(con, actor, cycle["cycle_id"], [
            DraftInput(n.indicator_id, n.fields, n.parts, n.entry.expected_version, n.entry.check_version)
            for n in to_land], batch_id, rows={r["indicator_id"]: r for r in mine.values()})
        t["save_drafts_in (values + parts + audit in a few statements; ms per row)"] = now() - t0
        t0 = now()
        value_of = {n.indicator_id: r.value_id for n, r in zip(to_land, refs)}
        rows = [{"batch_id": batch_id, "cycle_id": cycle["cycle_id"], "value_id": value_of.get(r["indicator_id"]),
                 "indicator_id": r["indicator_id"], "row_no": r["row_no"], "field": r["field"], "rule": r["rule"],
                 "severity": r["severity"], "message": r["message"]} for r in found.iter_rows(named=True)]
        findings.insert_findings(con, rows)
        t[f"insert_findings ({len(rows):,} findings, one INSERT)"] = now() - t0
        t0 = now()
        batches.set_batch_status(con, batch_id, "landed")
    t["set status + COMMIT + close"] = now() - t0
    t["_rows_landed"] = float(len(refs))
    t["_findings"] = float(len(rows))
    return t

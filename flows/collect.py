"""Prefect flows that collect and validate submissions; each task wraps an importable service function."""
from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.engine import without_heartbeats
from kpi.services import intake, sweep


# Results are not persisted, so there is nothing to cache: NO_CACHE also spares hashing every row of a batch's
# inputs, and quote() spares Prefect walking thousands of findings looking for futures.


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def process_batch(batch_id: int, db: str | None = None) -> intake.BatchReport:
    """Normalize, validate and land one intake batch (all rows or none)."""
    return intake.process(batch_id, db=db)


@task(cache_policy=NO_CACHE)
def publish_findings(key: str, title: str, rows: list[dict]) -> None:
    """A table artifact of findings, visible on the flow run in the Prefect UI."""
    create_table_artifact(key=key, table=rows or [{"結果": "指摘事項はありません"}], description=title)


@flow(name="collect_submissions", log_prints=True)
def collect_submissions(batch_id: int, db: str | None = None) -> dict:
    """Land one intake batch as drafts with its findings; returns the report as a dict."""
    report = process_batch(batch_id, db)
    # codes and places only: a finding's message may quote what was typed, and artifacts are readable by anyone
    # who reaches the Prefect API (the person sees the full report on the entry page)
    rows = [{"行": f.row_no, "コード": f.code, "項目": f.field, "重要度": "エラー" if f.severity == "error" else "警告"}
            for f in report.findings]
    publish_findings(f"batch-{batch_id}", f"受付番号 {batch_id}: {report.status}（{report.saved}件保存）", quote(rows))
    return {"batch_id": batch_id, "status": report.status, "saved": report.saved,
            "errors": len(report.errors), "warnings": len(report.warnings)}


@flow(name="collect_pending", log_prints=True)
def collect_pending(db: str | None = None) -> list[dict]:
    """Process every batch that arrived while the Prefect server was down."""
    return [collect_submissions(batch_id, db) for batch_id in intake.pending(db)]


# What a cycle's findings show in the artifact: which indicator, which rule, how severe (no names, no typed text).
SAFE_FINDING_COLUMNS = ("indicator_id", "code", "rule", "severity", "field")


@task(cache_policy=NO_CACHE)
def sweep_cycle(fiscal_year: int, db: str | None = None) -> sweep.SweepReport:
    """Every rule over every value of the cycle; findings replaced."""
    return sweep.validate_cycle(fiscal_year, db=db)


@flow(name="validate_cycle", log_prints=True)
def validate_cycle(fiscal_year: int, db: str | None = None) -> dict:
    """Refresh the findings of a whole cycle for the reviewer; returns counts."""
    report = sweep_cycle(fiscal_year, db)
    head = report.findings.select([c for c in SAFE_FINDING_COLUMNS if c in report.findings.columns]).head(500).to_dicts()
    publish_findings(f"cycle-{fiscal_year}", f"{fiscal_year}年度の点検: {report.checked}件中 エラー{report.errors}件・"
                     f"警告{report.warnings}件", quote(head))
    return {"fiscal_year": fiscal_year, "checked": report.checked, "errors": report.errors,
            "warnings": report.warnings}


def run_batch(batch_id: int, db: str | None = None) -> dict:
    """collect_submissions for one batch, as the entry page, the CLI and the collector call it (flows.engine)."""
    with without_heartbeats():
        return collect_submissions(batch_id, db)


def run_pending(db: str | None = None) -> list[dict]:
    """collect_pending, as the entry page, the CLI and the collector call it."""
    with without_heartbeats():
        return collect_pending(db)

"""Intake batches as stored and reported: what a department sends is kept exactly as sent, with no parsing.

Light on purpose (no Polars): `kpi collect` stores its workbook with :func:`receive` and hands the batch to the
warm collector (kpi.platform.collector), so that process never pays for the libraries the processing needs.
The processing itself is kpi.services.intake, which re-exports everything here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import warehouse
from kpi.domain.severity import ERROR, WARNING
from kpi.domain.workflow import Role
from kpi.services.actors import Actor
from kpi.services.errors import NotFound
from kpi.services.permissions import Permission, check
from warehouse import batches, master


@dataclass(frozen=True)
class Finding:
    """One problem of a batch: where (row, column) and what, in Japanese."""

    row_no: int | None
    code: str | None
    field: str | None
    severity: str
    message: str


@dataclass
class BatchReport:
    """The outcome of processing one intake batch."""

    batch_id: int
    status: str  # landed | refused | received (not processed yet)
    findings: list[Finding] = field(default_factory=list)
    saved: int = 0
    skipped_blank: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # rows left as stored, by why (承認済で変更なし: 5)

    @property
    def skipped_text(self) -> str:
        """「変更のない行は取り込みませんでした（承認済 5件、提出済 2件）」, or "" when nothing was skipped."""
        if not self.skipped:
            return ""
        counts = "、".join(f"{why} {n}件" for why, n in self.skipped.items())
        return f"変更のない行は取り込みませんでした（{counts}）。"

    @property
    def errors(self) -> list[Finding]:
        """Findings that block landing."""
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """Findings to acknowledge."""
        return [f for f in self.findings if f.severity == WARNING]


def cli_actor(department: str) -> Actor:
    """The local operator of `kpi collect`, acting as the department's editor."""
    return Actor("cli", f"コマンドライン（{department}）", frozenset({Role.EDITOR}), frozenset({department}))


def receive(actor: Actor, fiscal_year: int, department: str, entries: list | None = None, *,
            source: str = "form", filename: str | None = None, raw_bytes: bytes | None = None,
            db: Path | str | None = None, strategy: str | None = None) -> int:
    """Store what was sent (RawEntry rows of a form, or a file's bytes), exactly as sent, as a new intake batch;
    return its id."""
    check(actor, Permission.SAVE, department)
    # ASCII escapes: any text a person sends is kept as sent, lone surrogates included (no column refuses it)
    raw_json = json.dumps([e.as_dict() for e in entries], ensure_ascii=True) if entries is not None else None
    with warehouse.transaction(db) as con:
        cycle = master.find_cycle(con, fiscal_year, strategy)
        if cycle is None:
            raise NotFound(f"{fiscal_year}年度の集計サイクルがありません")
        return batches.insert_batch(con, cycle_id=cycle["cycle_id"], source=source, created_by=actor.login,
                                   department_code=department, filename=filename, raw_bytes=raw_bytes,
                                   raw_json=raw_json)


def kept(older_than_s: float, db: Path | str | None = None) -> list[int]:
    """Batches waiting to be processed that were sent more than `older_than_s` seconds ago (kept while no server
    or worker answered; a younger one may still be landing through its own run)."""
    with warehouse.connect(db) as con:
        return batches.kept_batches(con, int(older_than_s))


def source_of(batch_id: int, db: Path | str | None = None) -> str | None:
    """How a batch was sent: 'form' (a page's form), 'workbook', 'csv', 'cli', 'demo'; None when there is none."""
    with warehouse.connect(db) as con:
        return batches.batch_source(con, batch_id)

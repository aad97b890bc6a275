"""Shared helpers for the workflow service tests: the demo's people, a staged FY2022 and plain-SQL reads.

The staged warehouse is the demo plus FY2022 values in every state, put there through the workflow services
once per test session; each test gets its own copy of that file (fixtures `wf_db` and `stage`), so a test
pays for its own actions only.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import warehouse
from kpi.domain.workflow import Role
from kpi.services import workflow
from kpi.services.actors import Actor
from kpi.demo.seed import DEMO_ACCOUNTS
from kpi.services.workflow import DraftInput, ValueRef
from tests.pg_support import create_database

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
STALE = "他の人が先に更新しました"

OWN = "GYOKAKU"  # editor1's department
OTHER = "IRYO"  # editor2's department
BULK = "GAKUSHU"  # a department whose every active indicator is staged as submitted (for approve_many)

_NAMES = {login: name for login, name, *_rest in DEMO_ACCOUNTS}


def demo_actor(login: str, *roles: Role, departments: tuple[str, ...] | None = None) -> Actor:
    """An actor for a demo account: its documented roles and departments unless given."""
    account = next(a for a in DEMO_ACCOUNTS if a[0] == login)
    role_set = frozenset(roles) if roles else frozenset(Role(r) for r in account[3])
    depts = frozenset(account[4] if departments is None else departments)
    return Actor(login, _NAMES[login], role_set, depts)


EDITOR1 = demo_actor("editor1")  # GYOKAKU editor
EDITOR2 = demo_actor("editor2")  # IRYO editor
REVIEWER = demo_actor("reviewer")
EXECUTIVE = demo_actor("executive")
ADMIN = demo_actor("admin")
# The reviewer's account also holding the editor role for GYOKAKU: may enter and review, never approve its own.
REVIEWER_EDITOR = demo_actor("reviewer", Role.REVIEWER, Role.EDITOR, departments=(OWN,))
# editor2 also covering GYOKAKU: a second person entering GYOKAKU figures.
EDITOR2_ALSO_GYOKAKU = demo_actor("editor2", departments=(OTHER, OWN))
# The demo's editor for every other department (who entered its FY2021 values).
EDITOR_GAKUSHU = Actor("editor-gakushu", "教育庁教育振興部学習指導課 入力担当", frozenset({Role.EDITOR}),
                       frozenset({BULK}))

EDITOR_OF = {OWN: EDITOR1, OTHER: EDITOR2, BULK: EDITOR_GAKUSHU}
# The demo's heads (所属長承認者): the demo strategy has the two-level chain 担当 → 所属長 → 行政改革推進課.
HEAD1 = demo_actor("head1")  # GYOKAKU
HEAD2 = demo_actor("head2")  # IRYO
HEAD_GAKUSHU = Actor("head-gakushu", "教育庁教育振興部学習指導課 所属長", frozenset({Role.DEPT_HEAD}),
                     frozenset({BULK}))
HEAD_OF = {OWN: HEAD1, OTHER: HEAD2, BULK: HEAD_GAKUSHU}

# What the staged FY2022 holds: (department, state) → indicator code. "self_submitted" was entered and
# submitted by REVIEWER_EDITOR (entered_by = "reviewer"); everything else by the department's editor; the approved
# and returned ones were approved by the department's head (所属長承認) and then approved or returned by the reviewer.
STAGED = {
    (OWN, "draft"): "P1-1-04",
    (OWN, "submitted"): "P3-2-01",
    (OWN, "approved"): "P2-1-03",
    (OWN, "returned"): "P3-2-02",
    (OWN, "self_submitted"): "P3-3-01",
    (OTHER, "draft"): "P2-1-04",
    (OTHER, "submitted"): "P2-1-05",
    (OTHER, "approved"): "P2-1-06",
    (OTHER, "returned"): "P2-1-07",
}
FRESH = ("P1-1-01", "P1-1-02")  # GYOKAKU indicators with no FY2022 value yet; P1-1-01: テレワーク実施者数, target 280人
RETURN_COMMENT = "出典の数値を確認してください"


# ---- reads (plain SQL) ---------------------------------------------------------------------------------

def query(db: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    with warehouse.connect(db) as con:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def value(db: Path, value_id: int) -> dict[str, Any]:
    return query(db, "SELECT * FROM indicator_values WHERE value_id = ?", [value_id])[0]


def values_of(db: Path, value_ids: list[int]) -> list[dict[str, Any]]:
    """The value rows, in the order of the ids given."""
    rows = {r["value_id"]: r for r in query(db, "SELECT * FROM indicator_values WHERE value_id IN (SELECT unnest(?))",
                                             [list(value_ids)])}
    return [rows[i] for i in value_ids]


def last_audit_id(db: Path) -> int:
    return query(db, "SELECT coalesce(max(audit_id), 0) AS n FROM audit_log")[0]["n"]


def audit_since(db: Path, after_id: int) -> list[dict[str, Any]]:
    return query(db, "SELECT * FROM audit_log WHERE audit_id > ? ORDER BY audit_id", [after_id])


def snapshot(db: Path) -> tuple:
    """Everything a workflow action may write: values, parts, audit rows."""
    with warehouse.connect(db) as con:
        return (
            con.execute("SELECT * FROM indicator_values ORDER BY value_id").fetchall(),
            con.execute("SELECT * FROM value_parts ORDER BY value_id, part_no").fetchall(),
            con.execute("SELECT * FROM audit_log ORDER BY audit_id").fetchall(),
        )


def add_finding(db: Path, value_id: int, severity: str = "error") -> None:
    with warehouse.transaction(db) as con:
        con.execute("INSERT INTO validation_findings (value_id, indicator_id, cycle_id, field, rule, severity, message)"
                    " SELECT value_id, indicator_id, cycle_id, 'value_number', 'test_rule', ?, 'テスト用の指摘'"
                    " FROM indicator_values WHERE value_id = ?", [severity, value_id])


# ---- figures ---------------------------------------------------------------------------------------------

def achieving_number(ind: dict[str, Any]) -> Decimal:
    """A figure that reaches the indicator's target (no reason needed)."""
    target, baseline = ind["target_value"], ind["baseline_value"]
    if ind["direction"] == "higher":
        return max(target or Decimal(0), baseline or Decimal(0)) * 2 + 1
    return (target if target is not None else baseline) / 2


def fields(number: Decimal | int | str, *, reason: str | None = None, category: str | None = None,
           **more: Any) -> dict[str, Any]:
    return {"value_number": Decimal(str(number)), "value_kind": "projection", "period_text": "4月～8月",
            "value_fy": 2022, "reason": reason, "reason_category": category, **more}


# ---- workflow steps through the services ---------------------------------------------------------------

def save_many(db: Path, actor: Actor, cycle: int, items: list[tuple[int, dict[str, Any], int | None]],
              batch_id: int | None = None) -> list[ValueRef]:
    """Save drafts [(indicator_id, fields, expected_version)] in one transaction."""
    with warehouse.transaction(db) as con:
        return workflow.save_drafts_in(con, actor, cycle, [DraftInput(i, f, {}, v) for i, f, v in items],
                                       batch_id=batch_id)


def save(db: Path, actor: Actor, cycle: int, indicator_id: int, figures: dict[str, Any], *,
         expected_version: int | None = None, batch_id: int | None = None) -> ValueRef:
    [ref] = save_many(db, actor, cycle, [(indicator_id, figures, expected_version)], batch_id)
    return ref


def head_approve(db: Path, department: str, *refs: ValueRef) -> list[ValueRef]:
    """The department's head approves submitted values (所属長承認): the refs as the division now finds them."""
    result = workflow.approve_many(HEAD_OF[department], list(refs), db)
    assert not result.skipped, result.skipped
    return [ValueRef(r.value_id, r.version + 1) for r in refs]


# ---- the staged warehouse ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    """Ids in the staged warehouse (identical in every copy)."""

    fy2022: int
    fy2021: int
    indicators: dict[str, dict[str, Any]]  # code → indicators row
    refs: dict[tuple[str, str], ValueRef]  # (department, state) → the staged value as last written
    bulk: list[ValueRef]  # GAKUSHU's submitted values
    fy2021_ref: ValueRef  # the approved FY2021 value of P1-1-01 (GYOKAKU)
    snapshot: tuple  # snapshot() of the staged warehouse: what every fresh copy holds

    def ind(self, code: str) -> int:
        return self.indicators[code]["indicator_id"]

    def ref(self, department: str, state: str) -> ValueRef:
        return self.refs[(department, state)]


_built: dict[str, tuple[Path, Stage]] = {}


def _build(template: Path, folder: Path) -> tuple[Path, Stage]:
    path = folder / "staged.duckdb"
    shutil.copy(template, path)
    return path, _stage_at(path)


def _stage_at(path: Path | str) -> Stage:
    """Stage FY2022 in the demo warehouse at `path` (a DuckDB file or a PostgreSQL URL) through the services."""
    inds = {r["code"]: r for r in query(path, "SELECT * FROM indicators")}
    cycles = {r["fiscal_year"]: r["cycle_id"] for r in query(path, "SELECT fiscal_year, cycle_id FROM cycles")}
    fy = cycles[2022]
    bulk_inds = [r for r in inds.values() if r["department_code"] == BULK and r["status"] == "active"]
    bulk_inds.sort(key=lambda r: r["indicator_id"])

    def item(code):
        return DraftInput(inds[code]["indicator_id"], fields(achieving_number(inds[code])))

    refs: dict[tuple[str, str], ValueRef] = {}
    with warehouse.transaction(path) as con:
        for dept, actor in ((OWN, EDITOR1), (OTHER, EDITOR2)):
            keys = [k for k in STAGED if k[0] == dept and k[1] != "self_submitted"]
            saved = workflow.save_drafts_in(con, actor, fy, [item(STAGED[k]) for k in keys], None)
            refs.update(zip(keys, saved))
        [refs[(OWN, "self_submitted")]] = workflow.save_drafts_in(
            con, REVIEWER_EDITOR, fy, [item(STAGED[(OWN, "self_submitted")])], None)
        bulk = workflow.save_drafts_in(con, EDITOR_GAKUSHU, fy, [item(r["code"]) for r in bulk_inds], None)

    to_submit = [k for k in refs if k[1] != "draft"]
    for dept, actor in ((OWN, EDITOR1), (OTHER, EDITOR2), ("self", REVIEWER_EDITOR)):
        keys = [k for k in to_submit if (k[0] == dept and k[1] != "self_submitted")
                or (dept == "self" and k[1] == "self_submitted")]
        versions = workflow.submit(actor, [refs[k] for k in keys], path)
        refs.update({k: ValueRef(refs[k].value_id, v) for k, v in zip(keys, versions)})
    versions = workflow.submit(EDITOR_GAKUSHU, bulk, path)
    bulk = [ValueRef(r.value_id, v) for r, v in zip(bulk, versions)]

    for dept in (OWN, OTHER):  # the head's level first (所属長承認), then the division's
        keys = [k for k in refs if k[0] == dept and k[1] in ("approved", "returned")]
        refs.update(zip(keys, head_approve(path, dept, *(refs[k] for k in keys))))
    to_approve = [k for k in refs if k[1] == "approved"]
    result = workflow.approve_many(REVIEWER, [refs[k] for k in to_approve], path)
    assert not result.skipped, result.skipped
    refs.update({k: ValueRef(refs[k].value_id, refs[k].version + 1) for k in to_approve})
    for k in [k for k in refs if k[1] == "returned"]:
        refs[k] = ValueRef(refs[k].value_id, workflow.return_value(REVIEWER, refs[k], RETURN_COMMENT, path))

    old = query(path, "SELECT value_id, version FROM indicator_values WHERE indicator_id = ? AND cycle_id = ?",
                [inds["P1-1-01"]["indicator_id"], cycles[2021]])[0]
    stage = Stage(fy, cycles[2021], inds, refs, bulk, ValueRef(old["value_id"], old["version"]), snapshot(path))

    states = {r["value_id"]: r["state"] for r in query(path, "SELECT value_id, state FROM indicator_values")}
    for (dept, state), ref in refs.items():
        assert states[ref.value_id] == ("submitted" if state == "self_submitted" else state), (dept, state)
    return stage


def staged(template: Path, tmp_path_factory) -> tuple[Path, Stage]:
    key = str(template)
    if key not in _built:
        _built[key] = _build(template, tmp_path_factory.mktemp("workflow_stage"))
    return _built[key]


def _staged_on(backend: str, request, tmp_path_factory) -> tuple[Path | str, Stage]:
    """The staged warehouse of a backend, built once per session: a DuckDB file, or a PostgreSQL database's URL."""
    if backend == "duckdb":
        return staged(request.getfixturevalue("demo_db_template"), tmp_path_factory)
    if "postgresql" not in _built:
        url = create_database(request.getfixturevalue("postgres_url"),
                              template=request.getfixturevalue("pg_demo_template"))
        _built["postgresql"] = (url, _stage_at(url))  # type: ignore[assignment]
    return _built["postgresql"]


@pytest.fixture
def stage(backend, request, tmp_path_factory) -> Stage:
    """The ids of the staged warehouse."""
    return _staged_on(backend, request, tmp_path_factory)[1]


@pytest.fixture
def wf_db(backend, request, tmp_path_factory, tmp_path, monkeypatch) -> Path | str:
    """A private copy of the staged warehouse (the demo plus FY2022 values in every state) on the test's backend:
    a DuckDB file (also $KPI_DB) or a PostgreSQL database (its URL, also $KPI_DATABASE_URL)."""
    template, _stage = _staged_on(backend, request, tmp_path_factory)
    if backend == "duckdb":
        monkeypatch.delenv("KPI_DATABASE_URL", raising=False)
        path = tmp_path / "kpi.duckdb"
        shutil.copy(template, path)
        monkeypatch.setenv("KPI_DB", str(path))
        return path
    url = create_database(request.getfixturevalue("postgres_url"), template=urlsplit(str(template)).path.lstrip("/"))
    monkeypatch.setenv("KPI_DATABASE_URL", url)
    monkeypatch.setenv("KPI_DB", str(tmp_path / "kpi.duckdb"))
    return url

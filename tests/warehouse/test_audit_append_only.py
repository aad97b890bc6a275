"""The audit trail is append-only: no statement through the warehouse can change or remove audit rows."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import warehouse
from kpi.domain.audit_events import AuditEvent
from warehouse import audit

ROOT = Path(__file__).resolve().parents[2]

REWRITES = [
    "UPDATE audit_log SET actor = 'someone else'",
    "update main.audit_log set comment = NULL where audit_id = 1",
    "DELETE FROM audit_log",
    "delete from\n  audit_log where audit_id = 1",
    "TRUNCATE audit_log",
    "TRUNCATE TABLE audit_log",
    "DROP TABLE audit_log",
    "DROP TABLE IF EXISTS audit_log",
    "ALTER TABLE audit_log DROP COLUMN comment",
    "INSERT OR REPLACE INTO audit_log (audit_id, actor, role, action, entity) VALUES (1, 'x', 'x', 'x', 'x')",
    "CREATE OR REPLACE TABLE audit_log AS SELECT 1",
    'UPDATE "audit_log" SET actor = \'x\'',
    # what passed the earlier filter (issue 21): a quoted schema, comments inside, an upsert, a plain insert
    'DELETE FROM "main"."audit_log"',
    "DELETE /* why not */ FROM audit_log",
    "DELETE -- a comment\nFROM audit_log WHERE audit_id = 1",
    "UPDATE/**/audit_log SET actor = 'x'",
    "INSERT INTO audit_log (audit_id, actor, role, action, entity) VALUES (1, 'x', 'x', 'x', 'x')"
    " ON CONFLICT DO UPDATE SET actor = 'someone else'",
    "INSERT INTO audit_log (actor, role, action, entity) VALUES ('x', 'x', 'x', 'x')",
    'update "AUDIT_LOG" set actor = \'x\'',
    "COPY audit_log FROM '/tmp/forged.csv'",
    "ALTER TABLE audit_log RENAME TO old_audit",
    "WITH gone AS (DELETE FROM audit_log RETURNING *) SELECT count(*) FROM gone",
    "SELECT E'it\\'s'; DELETE FROM audit_log",
]
READS = [
    "SELECT count(*) FROM audit_log WHERE action = 'delete'",
    "SELECT actor FROM audit_log WHERE comment LIKE '%update audit_log%' -- delete",
    "UPDATE departments SET name = 'audit_log課' WHERE department_code = 'NONE'",
]


@pytest.fixture
def db(empty_warehouse):
    path = empty_warehouse  # a DuckDB file or a PostgreSQL database (the backend fixture)
    warehouse.init_db(path)
    with warehouse.transaction(path) as con:
        audit.record(con, AuditEvent(actor="editor1", role="editor", action="save", entity="value", entity_id="1",
                                     new_value="5,445時間"))
    return path


def _rows(db):
    with warehouse.connect(db) as con:
        return con.execute("SELECT audit_id, actor, action, new_value FROM audit_log ORDER BY audit_id").fetchall()


@pytest.mark.parametrize("sql", REWRITES)
def test_an_attempt_to_rewrite_the_audit_trail_fails_and_changes_nothing(db, sql):
    before = _rows(db)
    with pytest.raises(warehouse.AuditIsAppendOnly, match="監査ログは追記のみです"):
        with warehouse.transaction(db) as con:
            con.execute(sql)
    assert _rows(db) == before


@pytest.mark.parametrize("sql", READS)
def test_reads_and_other_tables_naming_audit_log_in_text_still_pass(db, sql):
    with warehouse.transaction(db) as con:
        con.execute(sql)


@pytest.mark.parametrize("backend", ["duckdb"])  # a DuckDB relation; the PostgreSQL connection offers none
def test_a_relation_over_the_audit_table_is_refused(db):
    with warehouse.connect(db) as con:
        with pytest.raises(warehouse.AuditIsAppendOnly):
            con.table("audit_log")


def test_appending_still_works(db):
    with warehouse.transaction(db) as con:
        audit.record(con, AuditEvent(actor="reviewer", role="reviewer", action="approve", entity="value"))
    assert [r[2] for r in _rows(db)] == ["save", "approve"]


def test_other_tables_are_updated_normally(db):
    with warehouse.transaction(db) as con:
        con.execute("INSERT INTO departments (department_code, name) VALUES ('X', 'x')")
        con.execute("UPDATE departments SET name = 'audit_log課' WHERE department_code = 'X'")
    with warehouse.connect(db) as con:
        assert con.execute("SELECT name FROM departments").fetchall() == [("audit_log課",)]


def test_no_code_path_updates_or_deletes_audit_rows():
    """warehouse/audit.py alone may: its SEAL statement sets the hashes of rows written before the chain existed
    (WHERE row_hash IS NULL), and nothing else."""
    pattern = re.compile(r"(update|delete\s+from|truncate)\s+\"?audit_log", re.IGNORECASE)
    offenders = [str(p.relative_to(ROOT)) for d in ("kpi", "warehouse", "flows", "app")
                 for p in (ROOT / d).rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))
                 and p != ROOT / "warehouse" / "audit.py"]
    offenders += [str(p.relative_to(ROOT)) for p in (ROOT / "warehouse" / "migrations").glob("*.sql")
                  if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_writer_refuses_an_untyped_row_an_unknown_field_or_a_missing_one_and_writes_nothing(db):
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class Misspelt:  # a look-alike event with a field that is not a column
        actor: str = "reviewer"
        role: str = "reviewer"
        action: str = "approve"
        entity: str = "value"
        coment: str = "typo"

    @dataclasses.dataclass(frozen=True)
    class Anonymous:  # no actor
        role: str = "reviewer"
        action: str = "approve"
        entity: str = "value"

    before = _rows(db)
    good = AuditEvent(actor="reviewer", role="reviewer", action="approve", entity="value")
    for bad, error in (({"actor": "reviewer", "role": "reviewer", "action": "approve", "entity": "value"}, TypeError),
                       (Misspelt(), audit.UnknownAuditField), (Anonymous(), audit.UnknownAuditField)):
        with pytest.raises(error):
            with warehouse.transaction(db) as con:
                audit.append(con, [good, bad])  # checked before anything is written
    assert _rows(db) == before

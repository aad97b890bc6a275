"""Audit rows are chained by hash: `kpi audit verify` recomputes the chain and names the first row that someone
with the file edited, deleted or slipped in; rows written before the chain existed are chained by the migration."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

import warehouse
from kpi.domain.audit_events import AuditEvent
from warehouse import audit
from warehouse.migrations import MIGRATIONS_DIR, migrate

ROOT = Path(__file__).resolve().parents[2]
KPI = str(ROOT / ".venv" / "bin" / "kpi")


def verify(db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([KPI, "audit", "verify", "--db", str(db)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def tamper(db: Path, *statements: str) -> None:
    """What someone with the file can do: open it with DuckDB itself, past the app's guard."""
    con = duckdb.connect(str(db))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


@pytest.fixture
def copied(demo_db_template, tmp_path) -> Path:
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_template, path)
    return path


def middle_row(db: Path) -> tuple[int, int]:
    with warehouse.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT audit_id FROM audit_log ORDER BY audit_id").fetchall()]
    return ids[len(ids) // 2], ids[len(ids) // 2 + 1]


def test_an_untouched_trail_verifies(copied):
    done = verify(copied)
    assert done.returncode == 0, done.stderr
    assert "改ざんは見つかりませんでした" in done.stdout


def test_an_edited_audit_row_in_a_copied_warehouse_is_named(copied):
    target, _ = middle_row(copied)
    tamper(copied, f"UPDATE audit_log SET new_value = '999' WHERE audit_id = {target}")
    done = verify(copied)
    assert done.returncode == 1
    assert f"監査番号 {target}" in done.stderr and "書き換えられています" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_deleted_audit_row_is_found_at_the_row_after_it(copied):
    target, following = middle_row(copied)
    tamper(copied, f"DELETE FROM audit_log WHERE audit_id = {target}")
    done = verify(copied)
    assert done.returncode == 1
    assert f"監査番号 {following}" in done.stderr and "つながりません" in done.stderr


def test_a_row_slipped_in_without_the_append_function_is_found(copied):
    tamper(copied, "INSERT INTO audit_log (actor, role, action, entity) VALUES ('ghost', 'admin', 'approve', 'value')")
    done = verify(copied)
    assert done.returncode == 1 and "連鎖のハッシュがありません" in done.stderr


def test_appends_through_the_warehouse_extend_the_chain(copied):
    with warehouse.transaction(copied) as con:
        audit.record(con, AuditEvent(actor="reviewer", role="reviewer", action="approve", entity="value",
                                     entity_id="12", cycle_id=1, new_value="5,445時間"))
        audit.append(con, [AuditEvent(actor="editor1", role="editor", action="save", entity="value",
                                      entity_id=str(n), batch_id=n) for n in range(3)])
    with warehouse.connect(copied) as con:
        verdict = audit.verify(con)
    assert verdict.broken is None and verdict.rows > 4


def test_rows_written_before_the_chain_existed_are_chained_by_the_migration(tmp_path):
    older = tmp_path / "migrations"
    older.mkdir()
    chain = next(p for p in MIGRATIONS_DIR.glob("*.sql") if "audit_chain" in p.name)
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < chain.name:  # a warehouse as it was before the chain's migration
            shutil.copy(path, older / path.name)
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    try:
        migrate(con, older)
        con.execute("INSERT INTO audit_log (actor, role, action, entity, comment) VALUES "
                    "('editor1', 'editor', 'save', 'value', '古い記録'), ('reviewer', 'reviewer', 'approve', 'value', NULL)")
    finally:
        con.close()
    assert warehouse.init_db(db)  # the chain's migration, then the old rows are sealed
    assert verify(db).returncode == 0

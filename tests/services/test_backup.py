"""Backup and restore: `kpi backup` while people work, `kpi restore` gives back the same figures and audit trail,
refuses what is not a backup (in Japanese, changing nothing) and keeps the replaced file — on the DuckDB file, and
on PostgreSQL (pg_dump / pg_restore into an empty database)."""
from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import warehouse
from kpi.services import backup, workflow
from warehouse import backup as store
from warehouse.checksums import file_sha256, manifest_path
from kpi.services.summaries import cycle_summary
from kpi.services.workflow import Conflict, ValueRef
from tests.pg_support import create_database
from tests.reliability import figures
from tests.reliability.invariants import audit_matches_values, read
from tests.services.workflow_helpers import (  # noqa: F401  (stage, wf_db are fixtures)
    BULK, EDITOR1, FRESH, JAPANESE, REVIEWER, fields, head_approve, save, stage, wf_db,
)

ROOT = Path(__file__).resolve().parents[2]
KPI = str(ROOT / ".venv" / "bin" / "kpi")


def kpi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([KPI, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def restore_target(backend: str, db, request):
    """Where a backup of `db` is restored: over the file itself (DuckDB keeps the replaced file), or into a new,
    empty database of the cluster (PostgreSQL restores only into an empty database)."""
    return db if backend == "duckdb" else create_database(request.getfixturevalue("postgres_url"))


def summaries(db: Path) -> list[dict]:
    """What `kpi summary --cycle Y --format json` prints, for both years (in-process; one CLI run checks it)."""
    return [json.loads(json.dumps(cycle_summary(year, db=db), ensure_ascii=False)) for year in (2021, 2022)]


def audit_trail(db: Path) -> list[tuple]:
    with warehouse.connect(db) as con:
        return con.execute("SELECT * FROM audit_log ORDER BY audit_id").fetchall()


def test_restore_gives_back_the_same_summaries_and_audit_trail_and_keeps_the_replaced_file(wf_db, stage, tmp_path,
                                                                                         request, backend):
    bulk = head_approve(wf_db, BULK, *stage.bulk)  # GAKUSHU's head approved its batch (所属長承認)
    saved_summaries, saved_trail = summaries(wf_db), audit_trail(wf_db)
    out = tmp_path / "backups" / ("kpi-backup.duckdb" if backend == "duckdb" else "kpi-backup.pgdump")
    done = kpi("backup", "--out", str(out), "--db", str(wf_db))
    assert done.returncode == 0, done.stderr
    assert "バックアップしました" in done.stdout and out.is_file()

    # people go on working: the whole GAKUSHU batch is approved (the FY2022 summary changes)
    result = workflow.approve_many(REVIEWER, bulk, wf_db)
    assert len(result.done) == len(stage.bulk)
    changed_summaries, changed_trail = summaries(wf_db), audit_trail(wf_db)
    assert changed_summaries != saved_summaries and len(changed_trail) == len(saved_trail) + len(stage.bulk)

    target = restore_target(backend, wf_db, request)
    started = time.perf_counter()
    done = kpi("restore", str(out), "--db", str(target))
    restore_s = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "復元しました" in done.stdout

    assert summaries(target) == saved_summaries
    printed = kpi("summary", "--cycle", "2021", "--format", "json", "--db", str(target))
    assert json.loads(printed.stdout) == saved_summaries[0]
    restored = audit_trail(target)
    assert restored[:-1] == saved_trail  # the backup's trail as it was, then the restore itself (issue #20)
    assert "restore" in restored[-1]
    if backend == "duckdb":
        assert ".before-restore" in done.stdout
        kept = backup.before_restore_path(wf_db)
        assert audit_trail(kept) == changed_trail  # the replaced warehouse is still there, as it was
        assert not list(wf_db.parent.glob(".*restoring*"))
    else:
        assert audit_trail(wf_db) == changed_trail  # the working database is untouched
    figures.record(request.config, f"backup_restore_{backend}", {
        "backup_bytes": out.stat().st_size, "restore_cli_s": round(restore_s, 2),
        "summary": [f"{backend}: backup of the staged demo: {out.stat().st_size:,} bytes; restore through the CLI "
                    f"{restore_s:.2f} s; summaries FY2021+FY2022 and {len(saved_trail)} audit rows identical"],
    })


@pytest.mark.parametrize("make", ["text", "empty", "other_duckdb", "missing"])
def test_restore_refuses_a_file_that_is_not_a_warehouse_backup_in_japanese_and_changes_nothing(demo_db, tmp_path,
                                                                                           make):
    bogus = tmp_path / f"{make}.duckdb"
    if make == "text":
        bogus.write_text("これはバックアップではありません\n" * 100, encoding="utf-8")
    elif make == "empty":
        bogus.write_bytes(b"")
    elif make == "other_duckdb":  # a real DuckDB file, but not a warehouse
        with warehouse.connect(bogus) as con:
            con.execute("CREATE TABLE notes (t VARCHAR)")
    before = demo_db.read_bytes()

    if make in ("text", "other_duckdb"):  # through the command a person types
        done = kpi("restore", str(bogus), "--db", str(demo_db))
        assert done.returncode == 2
        assert done.stderr.startswith("エラー: ") and "Traceback" not in done.stderr
        assert JAPANESE.search(done.stderr) and "変更していません" in done.stderr and bogus.name in done.stderr
    else:
        with pytest.raises(backup.BackupRefused) as refused:
            backup.restore(bogus, db=demo_db)
        assert JAPANESE.search(str(refused.value)) and bogus.name in str(refused.value)
    assert demo_db.read_bytes() == before
    assert not backup.before_restore_path(demo_db).exists()


def test_a_backup_taken_while_another_thread_saves_is_consistent(wf_db, stage, tmp_path, request, backend):
    indicator = stage.ind(FRESH[0])
    stop = threading.Event()
    saves: list[int] = []
    errors: list[BaseException] = []

    def writer():
        version = None
        n = 0
        while not stop.is_set():
            n += 1
            try:
                ref = save(wf_db, EDITOR1, stage.fy2022, indicator, fields(300 + n), expected_version=version)
                version = ref.version
                saves.append(ref.version)
            except Conflict:  # not expected: nobody else edits this value
                errors.append(Conflict("conflict"))
            except BaseException as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
                return

    thread = threading.Thread(target=writer)
    thread.start()
    infos = []
    try:
        for i in range(5):
            time.sleep(0.3)
            infos.append(backup.backup(tmp_path / f"b{i}.backup", db=wf_db))
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    assert len(saves) >= 3
    versions = []
    for i, info in enumerate(infos):
        if backend == "duckdb":
            copy = tmp_path / f"open{i}.duckdb"  # opened through a copy, as restore does
            copy.write_bytes((tmp_path / f"b{i}.backup").read_bytes())
        else:  # restored into a new database (without the restore's own audit row: the warehouse's restore)
            copy = restore_target(backend, wf_db, request)
            store.restore(tmp_path / f"b{i}.backup", copy)
        with warehouse.connect(copy) as con:
            assert audit_matches_values(con) == []
        row = read(copy, "SELECT coalesce(max(version), 0) AS v FROM indicator_values WHERE indicator_id = ?",
                   [indicator])[0]
        versions.append(row["v"])
        assert info["counts"]["audit_log"] == read(copy, "SELECT count(*) AS n FROM audit_log")[0]["n"]
    assert versions == sorted(versions) and versions[-1] > versions[0]  # taken at different moments of the work
    held = max(i["lock_held_s"] for i in infos)
    figures.record(request.config, f"backup_while_writing_{backend}", {
        "backups": len(infos), "saves_meanwhile": len(saves), "max_lock_held_s": held,
        "summary": [f"{backend}: {len(infos)} backups taken while a thread saved {len(saves)} times: each opens, its audit "
                    f"trail explains every value; lock held at most {held:.3f} s per backup"],
    })


def test_backup_refuses_to_write_over_the_warehouse_itself(demo_db):
    with pytest.raises(backup.BackupRefused, match="データベース自身"):
        backup.backup(demo_db, db=demo_db)


def tables_in(url: str) -> int:
    with warehouse.connect(url) as con:
        return con.execute("SELECT count(*) FROM information_schema.tables"
                           " WHERE table_schema = current_schema()").fetchone()[0]


@pytest.mark.parametrize("backend", ["postgresql"])  # pg_dump / pg_restore: the PostgreSQL warehouse's own path
def test_a_postgresql_warehouse_round_trips_through_pg_dump_into_a_new_database(demo_warehouse, request, tmp_path):
    url = demo_warehouse
    password = urlsplit(url).password
    out = tmp_path / "backups" / "kpi-20261206.pgdump"
    done = kpi("backup", "--out", str(out), "--db", url)
    assert done.returncode == 0, done.stderr
    assert "バックアップしました" in done.stdout and "pg_dump" in done.stdout
    assert out.read_bytes()[:5] == b"PGDMP" and (out.stat().st_mode & 0o777) == 0o600
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert manifest["sha256"] == file_sha256(out) and manifest["tables"]["audit_log"]["rows"] == len(audit_trail(url))
    target = create_database(request.getfixturevalue("postgres_url"))

    # a database that holds data is refused, and stays as it was; the password is never printed
    before = audit_trail(url)
    refused = kpi("restore", str(out), "--db", url)
    assert refused.returncode == 2 and "空ではありません" in refused.stderr and "変更していません" in refused.stderr
    assert audit_trail(url) == before
    # a backup cut short is refused before anything is restored: the new database stays empty
    cut = tmp_path / "backups" / "kpi-cut.pgdump"
    cut.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    shutil.copy(manifest_path(out), manifest_path(cut))
    damaged = kpi("restore", str(cut), "--db", target)
    assert damaged.returncode == 2 and "途中で切れています" in damaged.stderr and "Traceback" not in damaged.stderr
    # a DuckDB file is not a PostgreSQL backup
    duck = tmp_path / "other.duckdb"
    with warehouse.connect(duck) as con:
        con.execute("CREATE TABLE notes (t VARCHAR)")
    not_pg = kpi("restore", str(duck), "--db", target, "--no-manifest")
    assert not_pg.returncode == 2 and "DuckDB" in not_pg.stderr
    # a manifest whose table checksum differs from what pg_restore gave: refused after the restore, which is undone
    forged = tmp_path / "backups" / "kpi-forged.pgdump"
    shutil.copy(out, forged)
    recorded = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    recorded["tables"]["indicator_values"]["content"] = "0-0"
    manifest_path(forged).write_text(json.dumps(recorded), encoding="utf-8")
    undone = kpi("restore", str(forged), "--db", target)
    assert undone.returncode == 2 and "indicator_values" in undone.stderr and "作成時と違います" in undone.stderr
    assert tables_in(target) == 0
    for said in (done, refused, damaged, not_pg, undone):
        assert password not in said.stdout + said.stderr

    done = kpi("restore", str(out), "--db", target)
    assert done.returncode == 0, done.stderr
    assert "復元しました" in done.stdout and password not in done.stdout + done.stderr
    summary = [json.loads(kpi("summary", "--cycle", "2021", "--format", "json", "--db", db).stdout)
               for db in (url, target)]
    assert summary[0] == summary[1] and summary[0]
    restored = audit_trail(target)
    assert restored[:-1] == before and "restore" in restored[-1]
    verified = kpi("audit", "verify", "--db", target)
    assert verified.returncode == 0, verified.stdout + verified.stderr  # the chain runs on through the restore


@pytest.mark.parametrize("backend", ["postgresql"])
def test_without_the_servers_pg_dump_the_backup_is_refused_with_the_package_to_install(demo_warehouse, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.setenv("KPI_PG_BINDIR", str(tmp_path / "no-such-folder"))
    with pytest.raises(backup.BackupRefused, match=r"apt-get install postgresql-client-\d+") as refused:
        backup.backup(tmp_path / "kpi.pgdump", db=demo_warehouse)
    assert urlsplit(demo_warehouse).password not in str(refused.value)
    assert not list(tmp_path.glob("*.pgdump*")) and not list(tmp_path.glob(".*partial"))

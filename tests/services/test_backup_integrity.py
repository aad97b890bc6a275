"""Restore verifies the content: a backup cut short or altered anywhere is refused in Japanese, nothing changed.

Row counts prove nothing (DuckDB reads them from metadata); the backup's manifest keeps the file's SHA-256 and a
checksum of every table read in full, and restore compares both before the rename.
"""
from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

import warehouse
from kpi.services import backup
from warehouse.checksums import manifest_path

ROOT = Path(__file__).resolve().parents[2]
KPI = str(ROOT / ".venv" / "bin" / "kpi")
FLIPPED = 64 * 1024


def kpi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([KPI, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + FLIPPED] = bytes(b ^ 0xFF for b in data[middle:middle + FLIPPED])
    path.write_bytes(bytes(data))


@pytest.fixture
def saved(demo_db, tmp_path) -> Path:
    out = tmp_path / "backups" / "kpi-20261128.duckdb"
    backup.backup(out, db=demo_db)
    return out


def assert_refused_and_unchanged(done: subprocess.CompletedProcess, db: Path, before: bytes) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("エラー: ") and "変更していません" in done.stderr
    assert "Traceback" not in done.stderr
    assert db.read_bytes() == before
    assert not backup.before_restore_path(db).exists()
    assert not list(db.parent.glob(".*restoring*"))


@pytest.mark.parametrize("damage, says", [(truncate, "途中で切れています"), (flip_middle, "壊れています")])
def test_a_damaged_backup_is_refused_in_japanese_and_the_warehouse_is_untouched(demo_db, saved, damage, says):
    before = demo_db.read_bytes()
    damage(saved)
    done = kpi("restore", str(saved), "--db", str(demo_db))
    assert_refused_and_unchanged(done, demo_db, before)
    assert says in done.stderr and saved.name in done.stderr


def test_a_truncated_backup_without_its_manifest_is_still_refused_by_reading_every_table(demo_db, saved):
    before = demo_db.read_bytes()
    truncate(saved)
    manifest_path(saved).unlink()
    done = kpi("restore", str(saved), "--db", str(demo_db), "--no-manifest")
    assert_refused_and_unchanged(done, demo_db, before)
    assert "壊れている" in done.stderr


def test_a_backup_without_its_manifest_is_refused_unless_asked(demo_db, saved):
    before = demo_db.read_bytes()
    manifest_path(saved).unlink()
    done = kpi("restore", str(saved), "--db", str(demo_db))
    assert_refused_and_unchanged(done, demo_db, before)
    assert manifest_path(saved).name in done.stderr
    assert kpi("restore", str(saved), "--db", str(demo_db), "--no-manifest").returncode == 0


def test_a_table_altered_after_the_backup_is_refused_even_when_the_file_sum_was_redone(demo_db, saved, tmp_path):
    work = tmp_path / "work.duckdb"
    shutil.copy(saved, work)
    with warehouse.connect(work) as con:  # a well-formed file whose figures differ from those backed up
        con.execute("UPDATE indicator_values SET version = version + 1 WHERE value_id = "
                    "(SELECT min(value_id) FROM indicator_values)")
    shutil.copy(work, saved)
    recorded = json.loads(manifest_path(saved).read_text(encoding="utf-8"))
    recorded["bytes"] = saved.stat().st_size
    recorded["sha256"] = __import__("hashlib").sha256(saved.read_bytes()).hexdigest()
    manifest_path(saved).write_text(json.dumps(recorded), encoding="utf-8")
    before = demo_db.read_bytes()
    with pytest.raises(backup.BackupRefused) as refused:
        backup.restore(saved, db=demo_db)
    assert "indicator_values" in str(refused.value) and "作成時と違います" in str(refused.value)
    assert demo_db.read_bytes() == before


def test_a_whole_backup_restores_and_its_files_are_the_owners_only(demo_db, saved):
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(manifest_path(saved).stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    done = kpi("restore", str(saved), "--db", str(demo_db))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(demo_db.stat().st_mode) == 0o600

"""Files are private: the warehouse, its WAL and lock, backups, logs and the data folder are the owner's only; a
foreign read-only open cannot take the app down; no traceback ever reaches a person."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from kpi.domain.workflow import Role
from kpi.services.accounts import authenticate
from kpi.services.actors import Actor
from tests.app.conftest import ENTRYPOINT

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
PY = str(ROOT / ".venv" / "bin" / "python")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """The process starts with the usual 022 umask, as a person's shell would give it."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def world_readable_dir():
    """A folder every account may enter (tmp_path is 0700 already, which would hide the breach)."""
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="kpi-private-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_warehouse_wal_and_lock_are_created_0600_in_a_0700_folder_whatever_the_umask(loose_umask, world_readable_dir):
    db = world_readable_dir / "data" / "kpi.duckdb"
    with warehouse.connect(db) as con:
        con.execute("CREATE TABLE notes (t VARCHAR)")
        con.execute("INSERT INTO notes VALUES ('下書き')")
        wal = db.with_name(db.name + ".wal")
        assert wal.exists()  # committed, not yet checkpointed
        assert mode(wal) == 0o600
    assert mode(db) == 0o600
    assert mode(Path(str(db.resolve()) + ".lock")) == 0o600
    assert mode(db.parent) == 0o700


def test_a_warehouse_made_world_readable_before_is_narrowed_on_its_next_use(demo_db, loose_umask):
    demo_db.chmod(0o644)
    with warehouse.connect(demo_db) as con:
        con.execute("SELECT 1").fetchall()
    assert mode(demo_db) == 0o600


def test_another_account_cannot_read_the_warehouse_and_the_app_keeps_working(demo_db_template, loose_umask,
                                                                           world_readable_dir):
    db = world_readable_dir / "data" / "kpi.duckdb"
    warehouse.init_db(db)  # the program creates the folder and the file
    shutil.copyfile(demo_db_template, db)  # the demo's content, in the file the program made
    # opening the file is what copying the hashes, or holding DuckDB's read lock on it, starts with
    copier = subprocess.run(["cat", str(db)], user=NOBODY, capture_output=True, timeout=30, cwd="/")
    assert copier.returncode != 0 and not copier.stdout
    assert b"Permission denied" in copier.stderr
    lister = subprocess.run(["ls", str(db.parent)], user=NOBODY, capture_output=True, timeout=30, cwd="/")
    assert lister.returncode != 0
    assert authenticate("reviewer", "reviewer-pass", db=db).login == "reviewer"


def test_a_read_only_holder_of_the_same_account_makes_the_app_wait_not_fail(demo_db):
    holder = subprocess.Popen(
        [PY, "-c", "import duckdb, sys, time\n"
                   "con = duckdb.connect(sys.argv[1], read_only=True)\n"
                   "print('holding', flush=True)\n"
                   "time.sleep(1.0)\n", str(demo_db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert authenticate("reviewer", "reviewer-pass", db=demo_db).login == "reviewer"
    finally:
        holder.wait(timeout=60)


def test_a_page_shows_japanese_and_an_incident_number_when_the_warehouse_cannot_be_opened(tmp_path, monkeypatch):
    broken = tmp_path / "data" / "kpi.duckdb"
    broken.parent.mkdir()
    broken.write_bytes(b"\0" * 8 + b"DUCK" + os.urandom(8192))  # looks like DuckDB, cannot be opened
    monkeypatch.setenv("KPI_DB", str(broken))
    monkeypatch.setenv("KPI_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(ENTRYPOINT, default_timeout=60)
    # A tab that holds a login session: the router checks its token and account in the warehouse on every run.
    at.session_state["actor"] = Actor(login="reviewer", display_name="審査担当", roles=frozenset({Role.REVIEWER}),
                                      departments=frozenset())
    at.session_state["session_token"] = "t" * 43
    at.run()
    assert not at.exception
    [shown] = [e.value for e in at.error]
    assert "問い合わせ番号" in shown and "Traceback" not in shown and str(tmp_path) not in shown
    assert "Corrupt" not in shown and "PID" not in shown
    number = shown.split("問い合わせ番号: ")[1].rstrip("）")
    log = tmp_path / "data" / "logs" / "incidents.log"
    text = log.read_text(encoding="utf-8")
    assert f"incident {number}" in text and "Traceback" in text
    assert mode(log) == 0o600


def test_streamlit_shows_no_error_details_to_the_browser():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_the_scripts_run_everything_with_umask_077_and_a_private_data_folder(tmp_path):
    data = tmp_path / "group_dir" / "data"
    data.mkdir(parents=True, mode=0o755)
    (data / "old.log").write_text("x")
    (data / "old.log").chmod(0o644)
    done = subprocess.run(
        ["bash", "-c", 'umask 022; source scripts/env.sh; private_data_dir; umask; echo x > "$KPI_DATA_DIR/new.log"'],
        cwd=ROOT, env={**os.environ, "KPI_DATA_DIR": str(data), "PREFECT_HOME": str(data / "prefect")},
        capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0077"
    assert mode(data) == 0o700 and mode(data / "logs") == 0o700 and mode(data / "prefect") == 0o700
    assert mode(data / "old.log") == 0o600 and mode(data / "new.log") == 0o600

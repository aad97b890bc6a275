"""The cross-process lock, with real OS processes: DuckDB lets only one process open a file at all."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import warehouse

ROOT = Path(__file__).resolve().parents[2]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# Each writer announces it is ready, waits for the common start signal, then runs N short transactions.
WRITER = r"""
import sys, time
from pathlib import Path
import warehouse

db, who, n, folder = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
(folder / f"ready-{who}").touch()
deadline = time.monotonic() + 60
while not (folder / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.002)
start = time.time()
for i in range(n):
    with warehouse.transaction(db) as con:
        con.execute("INSERT INTO rows (who, seq) VALUES (?, ?)", [who, i])
print(start, time.time())
"""

# Holds the file through warehouse.connect for a while, after writing a row and announcing it holds it.
HOLDER = r"""
import sys, time
from pathlib import Path
import warehouse

db, held, hold_s = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
with warehouse.connect(db) as con:
    con.execute("INSERT INTO marks VALUES ('holder')")
    held.touch()
    time.sleep(hold_s)
"""


def _spawn(script: str, *args: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(paths: list[Path], procs: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        for proc in procs:
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"helper process ended early (rc={proc.returncode}): {err}")
        if time.monotonic() > deadline:
            pytest.fail(f"helper processes never signalled {paths}")
        time.sleep(0.01)


def _finish(proc: subprocess.Popen) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"helper process hung: {err}")
    assert proc.returncode == 0, err
    return out, err


@pytest.fixture
def shared_db(wh_fresh_db):
    with warehouse.connect(wh_fresh_db) as con:
        con.execute("CREATE TABLE rows (who VARCHAR NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (who, seq))")
        con.execute("CREATE TABLE marks (who VARCHAR)")
    return wh_fresh_db


def test_two_processes_writing_the_same_file_at_once_both_finish_and_every_row_is_there(shared_db, tmp_path):
    n = 20  # each transaction opens and closes the file (~0.1 s here), so 2 × 20 keeps this test short
    signals = tmp_path / "signals"
    signals.mkdir()
    procs = [_spawn(WRITER, shared_db, who, n, signals) for who in ("a", "b")]
    try:
        _wait_for([signals / "ready-a", signals / "ready-b"], procs)
        (signals / "go").touch()
        results = [_finish(p) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()

    for _out, err in results:
        assert "lock" not in err.lower(), err
    (a_start, a_end), (b_start, b_end) = ([float(x) for x in out.split()] for out, _err in results)
    # the two runs overlapped in time: each was writing while the other was
    assert a_start < b_end and b_start < a_end

    with warehouse.connect(shared_db) as con:
        rows = con.execute("SELECT who, count(*), min(seq), max(seq) FROM rows GROUP BY who ORDER BY who").fetchall()
    assert rows == [("a", n, 0, n - 1), ("b", n, 0, n - 1)]


def _hold_in_other_process(db: Path, tmp_path: Path, hold_s: float) -> tuple[subprocess.Popen, float]:
    held = tmp_path / "held"
    proc = _spawn(HOLDER, db, held, hold_s)
    _wait_for([held], [proc])
    return proc, time.monotonic()


# DuckDB only: the wait for a file another process holds open is the embedded file's lock (on PostgreSQL,
# processes share the server and wait on row locks instead).
@pytest.mark.parametrize("backend", ["duckdb"])
def test_a_short_wait_for_a_file_held_by_another_process_raises_warehouse_busy_in_japanese(shared_db, tmp_path):
    holder, _held_at = _hold_in_other_process(shared_db, tmp_path, hold_s=2.5)
    try:
        started = time.monotonic()
        with pytest.raises(warehouse.WarehouseBusy) as caught:
            with warehouse.connect(shared_db, timeout=1.0):
                pytest.fail("entered the file while another process held it")
        waited = time.monotonic() - started
    finally:
        _finish(holder)

    assert waited >= 0.9  # it waited for the bounded time before giving up
    message = str(caught.value)
    assert JAPANESE.search(message), message
    assert "lock" not in message.lower() and "timeout" not in message.lower(), message


# DuckDB only: the wait for a file another process holds open is the embedded file's lock (on PostgreSQL,
# processes share the server and wait on row locks instead).
@pytest.mark.parametrize("backend", ["duckdb"])
def test_a_long_wait_for_a_file_held_by_another_process_succeeds_once_it_is_released(shared_db, tmp_path):
    hold_s = 1.5
    holder, held_at = _hold_in_other_process(shared_db, tmp_path, hold_s=hold_s)
    try:
        with warehouse.connect(shared_db, timeout=30) as con:
            entered_after = time.monotonic() - held_at
            marks = con.execute("SELECT who FROM marks").fetchall()
    finally:
        _finish(holder)

    assert entered_after >= hold_s - 0.2  # it got in only after the holder let go
    assert marks == [("holder",)]  # and sees what the holder wrote

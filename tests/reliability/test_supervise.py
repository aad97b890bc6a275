"""`flows.serve` is restarted when it dies and stops cleanly: scripts/run.sh runs it under scripts/supervise.sh,
which starts a dead command again (with a growing pause) and, on SIGTERM, stops it and itself without hanging,
killing a command that ignores SIGTERM after the grace period."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 120

# A stand-in for flows.serve: records each start, dies at once on its first start, then runs until stopped.
CHILD = """
import pathlib, signal, sys, time
log = pathlib.Path(sys.argv[1])
starts = log.read_text().count("start") if log.exists() else 0
with log.open("a") as fh:
    fh.write(f"start {starts + 1}\\n")
if starts == 0:
    sys.exit(3)
if sys.argv[2] == "polite":
    def bye(*_):
        with log.open("a") as fh:
            fh.write("terminated\\n")
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
else:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
with log.open("a") as fh:
    fh.write("running\\n")
while True:
    time.sleep(0.2)
"""


def wait_until(check, what):
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {BOUND_S} s")


def supervise(tmp_path, manner: str):
    log = tmp_path / "child.log"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "KPI_RESTART_DELAY_S": "0", "KPI_STOP_GRACE_S": "1"}
    proc = subprocess.Popen(["bash", "scripts/supervise.sh", sys.executable, str(script), str(log), manner],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, log


def test_a_dead_command_is_started_again_and_sigterm_stops_it_and_the_supervisor(tmp_path):
    proc, log = supervise(tmp_path, "polite")
    try:
        wait_until(lambda: log.exists() and "running" in log.read_text(), "the second start")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=BOUND_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = log.read_text().split("\n")
    assert lines[:4] == ["start 1", "start 2", "running", "terminated"]
    assert "終了しました（終了コード 3）" in proc.stderr.read()


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    proc, log = supervise(tmp_path, "stubborn")
    try:
        wait_until(lambda: log.exists() and "running" in log.read_text(), "the second start")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=BOUND_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "child.py")], capture_output=True, text=True)
    assert left.stdout.strip() == ""  # no command left running behind the supervisor
    assert "terminated" not in log.read_text()

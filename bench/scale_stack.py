"""The processes bench.scale_bench starts: a PostgreSQL cluster (scripts/postgres.sh), a Prefect server on it, the
work pool deployed (`python -m flows.deploy`), supervised `prefect worker start` processes, and a memory watch.

Everything started here is stopped by `Stack.close()` (each process by its own id, never by name).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POOL = "kpi"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MAX_CONNECTIONS = 300  # each app process opens one connection per unit of work in flight (warehouse/pg.py keeps
# 4 idle, with no upper bound): 100 sessions in 2 processes, the Prefect server and the flow runs passed 100


def postgres(folder: Path, database: str = "kpi") -> str:
    """Start (or reuse) the cluster in `folder`; the URL of `database` (created when missing)."""
    done = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "start", str(folder), database],
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "KPI_PG_MAX_CONNECTIONS": str(MAX_CONNECTIONS)})
    if done.returncode != 0:
        raise RuntimeError(f"scripts/postgres.sh start failed: {(done.stderr or done.stdout)[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def stop_postgres(folder: Path) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop", str(folder)], capture_output=True,
                   timeout=120)


def asyncpg_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, "", ""))


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc), deepest last."""
    parent_of = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent_of[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent_of.items() if pp == p]
        out += kids
        todo += kids
    return out


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM of a live process (its peak resident memory), MB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class MemoryWatch:
    """Polls the peak RSS of named processes every second until stopped (a killed process keeps its last figure)."""

    def __init__(self):
        self.peaks: dict[str, float] = {}
        self.pids: dict[str, int] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def watch(self, name: str, pid: int) -> None:
        self.pids[name] = pid

    def _loop(self) -> None:
        while not self.stopped.wait(1.0):
            for name, pid in list(self.pids.items()):
                mb = peak_rss_mb(pid)
                if mb is not None:
                    self.peaks[name] = max(self.peaks.get(name, 0.0), mb)

    def stop(self) -> dict[str, float]:
        self.stopped.set()
        self.thread.join()
        return {k: round(v, 1) for k, v in self.peaks.items()}


class Stack:
    """The Prefect server on PostgreSQL, the pool deployed, and the workers (restarted when they die)."""

    def __init__(self, folder: Path, prefect_db_url: str, base_env: dict, lost_after_s: int):
        self.folder = folder
        port = free_port()
        self.env = {**base_env, "PREFECT_HOME": str(folder / "prefect"),
                    "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
                    "PREFECT_API_DATABASE_CONNECTION_URL": asyncpg_url(prefect_db_url),
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "KPI_WORK_POOL": POOL,
                    "KPI_POOL_LOST_AFTER_S": str(lost_after_s), "PREFECT_WORKER_QUERY_SECONDS": "2"}
        for name in ("KPI_CRASH_AT", "KPI_STALL_AT", "PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING"):
            self.env.pop(name, None)
        self.port = port
        self.server: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}
        self.restarts: dict[str, int] = {}
        self.supervising = threading.Event()
        self.watch: MemoryWatch | None = None

    def start_server(self) -> None:
        log = open(self.folder / "prefect-server.log", "ab")
        self.server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port",
                                        str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                       cwd=self.folder, start_new_session=True)

    def wait_and_deploy(self) -> float:
        """Wait for the server, then `python -m flows.deploy --pool kpi`; seconds it took."""
        from kpi.platform.prefect_server import wait_healthy

        started = time.monotonic()
        if not wait_healthy(self.env["PREFECT_API_URL"], timeout=300):
            raise RuntimeError("Prefect server did not answer: " + (self.folder / "prefect-server.log").read_text(
                errors="replace")[-2000:])
        done = subprocess.run([sys.executable, "-m", "flows.deploy", "--pool", POOL], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError("flows.deploy failed: " + done.stdout[-1500:] + done.stderr[-2000:])
        return time.monotonic() - started

    def start_worker(self, name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")
        proc = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--name", name],
                                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder,
                                start_new_session=True)
        self.workers[name] = proc
        if self.watch:
            self.watch.watch(name, proc.pid)
        return proc

    def start_workers(self, n: int, watch: MemoryWatch) -> None:
        self.watch = watch
        for i in range(1, n + 1):
            self.start_worker(f"worker-{i}")
        self.supervising.set()
        threading.Thread(target=self._supervise, daemon=True).start()

    def _supervise(self) -> None:
        """A supervisor: a worker that died is started again after a second (as scripts/supervise.sh does)."""
        while self.supervising.is_set():
            for name, proc in list(self.workers.items()):
                if proc.poll() is not None and self.supervising.is_set():
                    time.sleep(1.0)
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self.start_worker(name)
            time.sleep(0.5)

    def kill_worker(self, name: str) -> list[int]:
        """SIGKILL the worker and every flow run it started (they run in sessions of their own); the pids killed."""
        proc = self.workers[name]
        victims = children(proc.pid) + [proc.pid]
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return victims

    def census(self) -> dict:
        """The pool's flow runs: how many per flow and final state, and how many ran more than once (retried after
        their worker was killed)."""
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        counts: dict[str, int] = {}
        retried = []
        with temporary_settings(updates={PREFECT_API_URL: self.env["PREFECT_API_URL"]}):
            with get_client(sync_client=True) as client:
                flows = {f.id: f.name for f in client.read_flows()}
                offset = 0
                while True:
                    runs = client.read_flow_runs(offset=offset, limit=200)
                    for r in runs:
                        kind = f"{flows.get(r.flow_id, '?')}{'' if r.parent_task_run_id is None else ' (subflow)'}"
                        key = f"{kind}: {r.state.type.value if r.state else '?'}"
                        counts[key] = counts.get(key, 0) + 1
                        if r.run_count > 1:
                            retried.append({"flow": kind, "run_count": r.run_count, "state": r.state_name})
                    if len(runs) < 200:
                        break
                    offset += 200
        return {"runs": dict(sorted(counts.items())), "retried": retried}

    def close(self) -> None:
        self.supervising.clear()
        for proc in list(self.workers.values()) + ([self.server] if self.server else []):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)  # its own session: the worker and the runs it started
                except ProcessLookupError:
                    continue
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)

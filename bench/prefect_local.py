"""A local Prefect server for the benchmark: started as a subprocess on a free port, always stopped afterwards.

The environment mirrors scripts/env.sh (SQLite under a PREFECT_HOME of our own, telemetry off). `start()`
returns at once so the caller can build its warehouses while the server boots; `wait()` blocks until
/api/health answers. Set PREFECT_API_URL in os.environ *before* anything imports prefect.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now (bind to port 0 and read what the kernel chose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


class LocalPrefectServer:
    """`prefect server start --host 127.0.0.1 --port N` with PREFECT_HOME=<home>, in its own process group."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.ready_after_s: float | None = None
        self.log_path = self.home / "prefect-server.log"

    def env(self) -> dict[str, str]:
        """Variables every process talking to this server needs (the benchmark, `kpi collect` subprocesses)."""
        return {
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{self.home}/prefect.db",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_API_URL": self.api_url,
        }

    def start(self) -> None:
        """Launch the server (returns immediately)."""
        self.home.mkdir(parents=True, exist_ok=True)
        prefect = Path(sys.executable).with_name("prefect")
        cmd = [str(prefect) if prefect.exists() else "prefect", "server", "start", "--host", "127.0.0.1",
               "--port", str(self.port)]
        log = open(self.log_path, "wb")
        try:
            self.started_at = time.perf_counter()
            self.proc = subprocess.Popen(cmd, env={**os.environ, **self.env()}, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=str(self.home), start_new_session=True)
        finally:
            log.close()

    def wait(self, timeout: float = 180.0) -> float:
        """Block until /api/health answers; return seconds since start(). Raises RuntimeError otherwise."""
        deadline = self.started_at + timeout
        while time.perf_counter() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"Prefect server exited with {self.proc.returncode}; see {self.log_path}:\n"
                                   + self.tail())
            if _healthy(self.api_url):
                self.ready_after_s = time.perf_counter() - self.started_at
                return self.ready_after_s
            time.sleep(0.25)
        raise RuntimeError(f"Prefect server not healthy after {timeout:.0f} s; see {self.log_path}:\n" + self.tail())

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure(self, timeout: float = 180.0) -> str | None:
        """Restart the server (same port, same home) if it has exited; return what happened, or None if it was up."""
        if self.alive() and _healthy(self.api_url, timeout=5.0):
            return None
        code = self.proc.poll() if self.proc is not None else None
        self.stop()
        self.log_path = self.home / f"prefect-server-{int(time.time())}.log"
        self.start()
        self.wait(timeout)
        signal_name = ""
        if code is not None and code < 0:
            try:
                signal_name = f" ({signal.Signals(-code).name})"
            except ValueError:
                pass
        return (f"the Prefect server had stopped (exit code {code}{signal_name}) or did not answer; restarted "
                f"in {self.ready_after_s:.1f} s")

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM the server's own process group (only what we started), SIGKILL after 15 s; reap it."""
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)  # the group we created with start_new_session (pgid == p.pid)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)
        # Children left in our group after the leader exited (e.g. when something killed the leader).
        try:
            os.killpg(p.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
            time.sleep(1.0)
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

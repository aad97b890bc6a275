"""The job API is not an open door: scripts/run.sh runs the Prefect server on loopback only, with Prefect's basic
authentication and a secret it generates once and keeps 0600; a client without the secret is refused."""
from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kpi.platform import prefect_server

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 150


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shell(data: Path, script: str) -> list[str]:
    done = subprocess.run(["bash", "-c", f"source scripts/env.sh; {script}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "KPI_"))}
                          | {"KPI_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def listening_addresses(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_the_run_script_makes_one_secret_kept_0600_and_every_client_uses_it(tmp_path):
    data = tmp_path / "data"
    first = shell(data, 'prefect_auth; echo "$PREFECT_API_AUTH_STRING" "$PREFECT_SERVER_API_AUTH_STRING"')
    again = shell(data, 'echo "$PREFECT_API_AUTH_STRING"')  # any later shell that sources env.sh
    assert first[0] == first[1] == again[0]
    user, secret = first[0].split(":")
    assert user == "kpi" and len(secret) == 64
    assert stat.S_IMODE((data / "prefect-auth").stat().st_mode) == 0o600
    assert shell(data, 'echo "$PREFECT_SERVER_API_HOST"') == ["127.0.0.1"]


@pytest.fixture
def authenticated_server(tmp_path):
    data = tmp_path / "data"
    shell(data, "private_data_dir; prefect_auth")
    auth = (data / "prefect-auth").read_text().strip()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "KPI_DATA_DIR": str(data), "PREFECT_PORT": str(port), "PREFECT_HOME": str(data / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    # exactly as scripts/run.sh starts it (env.sh: umask 077, loopback, the secret)
    proc = subprocess.Popen(["bash", "-c", "source scripts/env.sh; exec .venv/bin/prefect server start "
                                           '--host 127.0.0.1 --port "$PREFECT_PORT"'],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + BOUND_S
        os.environ["PREFECT_API_AUTH_STRING"] = auth
        try:
            while not prefect_server.healthy(url) and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            del os.environ["PREFECT_API_AUTH_STRING"]
        yield url, auth, port, data
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def status(url: str, auth: str | None) -> int:
    request = urllib.request.Request(f"{url}/deployments/filter", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    if auth:
        import base64

        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_prefect_server_refuses_a_client_without_the_secret_and_listens_on_loopback_only(authenticated_server):
    url, auth, port, data = authenticated_server
    assert status(url, auth) == 200
    assert status(url, None) == 401
    assert status(url, "kpi:guessed") == 401
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    database = data / "prefect" / "prefect.db"
    assert database.exists() and stat.S_IMODE(database.stat().st_mode) == 0o600

"""A temporary PostgreSQL cluster for the tests that ask for one (`postgres_url`), started by scripts/postgres.sh.

The cluster starts once per test session, and only when a test requests the fixture: a run that needs no
PostgreSQL never installs or starts one. Where PostgreSQL cannot be installed (no root, no apt), the tests that
need it are skipped with the reason, except under CI (CI=true): there a missing PostgreSQL fails them, since a
skipped check counted as a pass would hide exactly what the check is for.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SH = ROOT / "scripts" / "postgres.sh"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL could not be installed or started here."""


def start_cluster(folder: Path, timeout: float = 600) -> str:
    """Create (when new) and start the cluster in `folder`; returns its postgresql:// URL."""
    try:
        done = subprocess.run(["bash", str(POSTGRES_SH), "start", str(folder)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ClusterUnavailable(f"scripts/postgres.sh start が {timeout:.0f} 秒で終わりませんでした") from exc
    if done.returncode != 0:
        raise ClusterUnavailable((done.stderr or done.stdout).strip()[-2000:] or f"exit {done.returncode}")
    return done.stdout.strip().splitlines()[-1]


def stop_cluster(folder: Path) -> None:
    subprocess.run(["bash", str(POSTGRES_SH), "stop", str(folder)], capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """URL of a PostgreSQL database (`kpi`, owned by the login `kpi`) in a cluster of this test session (each xdist
    worker has a cluster of its own; they start one after the other, so that only one installs PostgreSQL and no
    two pick the same free port)."""
    # Under /tmp itself, not pytest's tmp folder: as root the cluster runs as `postgres`, which must be able to
    # reach the folder, and pytest's folders are the owner's only.
    folder = Path(tempfile.mkdtemp(prefix="kpi-pg-"))
    run = tmp_path_factory.getbasetemp()
    run = run.parent if os.environ.get("PYTEST_XDIST_WORKER") else run  # the folder the workers share
    try:
        with FileLock(str(run / "postgres-start.lock")):
            url = start_cluster(folder)
    except ClusterUnavailable as exc:
        shutil.rmtree(folder, ignore_errors=True)
        reason = f"PostgreSQL を用意できませんでした (scripts/postgres.sh): {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield url
    finally:
        stop_cluster(folder)
        shutil.rmtree(folder, ignore_errors=True)

"""A temporary PostgreSQL cluster for the tests that ask for one (`postgres_url`), started by scripts/postgres.sh.

The cluster starts once per test session, and only when a test requests the fixture: a run that needs no
PostgreSQL never installs or starts one. Where PostgreSQL cannot be installed (no root, no apt), the tests that
need it are skipped with the reason, except under CI (CI=true): there a missing PostgreSQL fails them, since a
skipped check counted as a pass would hide exactly what the check is for.
"""
from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SH = ROOT / "scripts" / "postgres.sh"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL could not be installed or started here."""


def start_cluster(folder: Path, timeout: float = 600) -> str:
    """Create (when new) and start the cluster in `folder`, without autovacuum (each test makes a database, which
    autovacuum would visit); returns its postgresql:// URL."""
    try:
        done = subprocess.run(["bash", str(POSTGRES_SH), "start", str(folder)], capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "KPI_PG_AUTOVACUUM": "off"})
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


def database_url(url: str, name: str) -> str:
    """The URL of another database of the same cluster."""
    return urlsplit(url)._replace(path="/" + name).geturl()


_created = itertools.count(1)


def create_database(url: str, template: str | None = None) -> str:
    """A new database in the cluster of `url` (a copy of `template` when given, which must have no session open);
    returns its URL."""
    import psycopg
    from psycopg import sql

    from warehouse import pg_reads
    from warehouse.pg import close_idle

    close_idle()  # a template must have no session open, and the warehouse keeps idle ones for reuse
    pg_reads.forget()  # nor may a read snapshot's
    name = f"kpi_t{os.getpid()}_{next(_created)}"
    with psycopg.connect(url, autocommit=True) as admin:
        if template is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                          sql.Identifier(template)))
    return database_url(url, name)


@pytest.fixture(scope="session")
def pg_demo_template(postgres_url) -> str:
    """The name of a database with the demo loaded by `kpi demo`, built once per session; copy it, never use it."""
    from kpi.cli import main

    url = create_database(postgres_url)
    assert main(["demo", "--db", url]) == 0
    return urlsplit(url).path.lstrip("/")


@pytest.fixture
def pg_demo_url(postgres_url, pg_demo_template, tmp_path, monkeypatch) -> str:
    """A private copy of the PostgreSQL demo warehouse, also set as $KPI_DATABASE_URL (files beside the
    warehouse — the session key — go to tmp_path through $KPI_DB)."""
    url = create_database(postgres_url, template=pg_demo_template)
    monkeypatch.setenv("KPI_DATABASE_URL", url)
    monkeypatch.setenv("KPI_DB", str(tmp_path / "kpi.duckdb"))
    return url


@pytest.fixture
def pg_fresh_url(postgres_url, tmp_path, monkeypatch) -> str:
    """An empty PostgreSQL database of its own (no migrations applied)."""
    monkeypatch.setenv("KPI_DB", str(tmp_path / "kpi.duckdb"))
    return create_database(postgres_url)

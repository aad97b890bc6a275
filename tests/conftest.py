"""Shared fixtures: a demo warehouse built once per session, copied for each test that needs one."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.pg_support import pg_demo_template, pg_demo_url, pg_fresh_url, postgres_url  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
SEED_FIGURES = Path(__file__).resolve().parent / "seed_figures.json"

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def seed_figures() -> dict:
    """The seed report's published figures (a copy of shared/docs/seed_figures.json)."""
    return json.loads(SEED_FIGURES.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """A warehouse file with the demo loaded, built once; never modify it, copy it."""
    from kpi.demo.seed import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    load_demo(path)
    return path


@pytest.fixture
def demo_db(demo_db_template, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo warehouse, also set as $KPI_DB for code that uses the default file."""
    path = tmp_path / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    monkeypatch.setenv("KPI_DB", str(path))
    return path


# ---- both warehouses: the same test on DuckDB and on PostgreSQL --------------------------------------------------

BACKENDS = ("duckdb", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The warehouse a test runs on: the embedded DuckDB file or a PostgreSQL database."""
    return request.param


@pytest.fixture
def demo_warehouse(backend, request, monkeypatch):
    """A private demo warehouse on the test's backend: a DuckDB file (Path, also $KPI_DB) or a PostgreSQL URL
    (str, also $KPI_DATABASE_URL). Services take either as `db`."""
    if backend == "duckdb":
        monkeypatch.delenv("KPI_DATABASE_URL", raising=False)
        return request.getfixturevalue("demo_db")
    return request.getfixturevalue("pg_demo_url")


@pytest.fixture
def empty_warehouse(backend, request, tmp_path, monkeypatch):
    """A warehouse location with nothing in it yet: a DuckDB file path that does not exist, or an empty database."""
    if backend == "duckdb":
        monkeypatch.delenv("KPI_DATABASE_URL", raising=False)
        return tmp_path / "fresh.duckdb"
    return request.getfixturevalue("pg_fresh_url")

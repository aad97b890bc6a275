"""Shared fixtures: a demo warehouse built once per session, copied for each test that needs one."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.pg_support import postgres_url  # noqa: F401  (fixture: a PostgreSQL cluster on request)

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

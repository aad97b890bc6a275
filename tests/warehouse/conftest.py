"""Fixtures of the warehouse tests: fresh warehouses and one demo built per run (copied), on both backends.

`wh_fresh_db`, `wh_demo_template` and `wh_demo_copy` follow the project-wide `backend` fixture (tests/conftest.py):
a DuckDB file (a Path) or a PostgreSQL database (its URL), so each test using them runs on both. A test that is
about DuckDB's file itself pins `@pytest.mark.parametrize("backend", ["duckdb"])`.
Names start with ``wh_`` so that they never shadow the project-wide fixtures of tests/conftest.py.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.pg_support import database_url


def _copy_db(src: Path, dst: Path) -> Path:
    """Copy a closed DuckDB file (and its write-ahead log, if one was left) to dst."""
    shutil.copy(src, dst)
    wal = Path(str(src) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(dst) + ".wal"))
    return dst


@pytest.fixture
def wh_fresh_db(backend, request, tmp_path, monkeypatch):
    """A warehouse that does not exist yet: a DuckDB file path, or an empty PostgreSQL database."""
    if backend == "duckdb":
        return tmp_path / "fresh.duckdb"
    return request.getfixturevalue("pg_fresh_url")


@pytest.fixture(scope="session")
def wh_demo_load(demo_build, tmp_path_factory) -> tuple[Path, dict]:
    """load_demo run once on a fresh file (tests/conftest.py's demo_build, shared by the run), copied for these
    tests: (path, what load_demo returned). Never modify the file; copy it."""
    built, result = demo_build
    return _copy_db(built, tmp_path_factory.mktemp("wh_demo") / "demo.duckdb"), result


@pytest.fixture
def wh_demo_template(backend, request):
    """The session's demo warehouse on the test's backend (read it only)."""
    if backend == "duckdb":
        return request.getfixturevalue("wh_demo_load")[0]
    return database_url(request.getfixturevalue("postgres_url"), request.getfixturevalue("pg_demo_template"))


@pytest.fixture
def wh_demo_copy(backend, request, tmp_path):
    """A private copy of the demo warehouse, for a test that changes it."""
    if backend == "duckdb":
        return _copy_db(request.getfixturevalue("wh_demo_load")[0], tmp_path / "demo.duckdb")
    return request.getfixturevalue("pg_demo_url")

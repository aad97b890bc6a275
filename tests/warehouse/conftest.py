"""Fixtures of the warehouse tests: fresh DuckDB files under tmp_path, and a copy of the run's demo file.

Names start with ``wh_`` so that they never shadow the project-wide fixtures of tests/conftest.py.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest


def _copy_db(src: Path, dst: Path) -> Path:
    """Copy a closed DuckDB file (and its write-ahead log, if one was left) to dst."""
    shutil.copy(src, dst)
    wal = Path(str(src) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(dst) + ".wal"))
    return dst


@pytest.fixture
def wh_fresh_db(tmp_path) -> Path:
    """The path of a warehouse file that does not exist yet."""
    return tmp_path / "fresh.duckdb"


@pytest.fixture(scope="session")
def wh_demo_load(demo_build, tmp_path_factory) -> tuple[Path, dict]:
    """load_demo run once on a fresh file (tests/conftest.py's demo_build, shared by the run), copied for these
    tests: (path, what load_demo returned). Never modify the file; copy it."""
    built, result = demo_build
    return _copy_db(built, tmp_path_factory.mktemp("wh_demo") / "demo.duckdb"), result


@pytest.fixture(scope="session")
def wh_demo_template(wh_demo_load) -> Path:
    """The session's demo file (read it only)."""
    return wh_demo_load[0]


@pytest.fixture
def wh_demo_copy(wh_demo_template, tmp_path) -> Path:
    """A private copy of the demo file, for a test that changes it."""
    return _copy_db(wh_demo_template, tmp_path / "demo.duckdb")

"""Shared fixtures: a demo warehouse built once per test run, copied for each test that needs one.

The suite runs on two pytest-xdist workers (scripts/test.sh, `-n 0` runs it in one process). A file that costs
time to build (the demo warehouse, ≈25 s) is built once per run in the folder the workers share, under a file
lock, and each worker copies it into its own temporary folder. Figures and fuzz case counts recorded in a worker
travel to the controlling process, which prints them at the end of the run.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from tests.fuzz import tally
from tests.pg_support import pg_demo_template, pg_demo_url, pg_fresh_url, postgres_url  # noqa: F401  (fixtures)
from tests.reliability import figures

ROOT = Path(__file__).resolve().parent.parent
SEED_FIGURES = Path(__file__).resolve().parent / "seed_figures.json"

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session", autouse=True)
def installed_components_scanned_once():
    """Every new AppTest scans all installed distributions for Streamlit components (0.16 s idle, 15 % of the AppTest
    pages' time in py-spy); the running app does it once at start. The packages do not change during a run, so the
    scan is remembered for the worker's process."""
    import functools

    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    manifest_scanner.scan_component_manifests = functools.cache(scan)
    yield
    manifest_scanner.scan_component_manifests = scan


def run_folder(tmp_path_factory) -> Path:
    """The temporary folder of the whole run: shared by the xdist workers (each has a folder of its own below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def copy_db(src: Path, dst: Path) -> Path:
    """Copy a closed DuckDB file (and its write-ahead log, if one was left) to dst."""
    shutil.copy(src, dst)
    wal = Path(str(src) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(dst) + ".wal"))
    return dst


def built_once(tmp_path_factory, name: str, build: Callable[[Path], dict]) -> tuple[Path, dict]:
    """`build(path)` run once per test run on a fresh file `name` in the run's shared folder (the first worker builds
    it under a file lock, the others wait for it): (the built file, what build returned). Copy the file, never
    open it: another worker may be copying it at the same time."""
    folder = run_folder(tmp_path_factory) / f"built-{name}"
    folder.mkdir(exist_ok=True)
    path, answer = folder / name, folder / f"{name}.json"
    with FileLock(str(folder / "build.lock")):  # not <name>.lock: the warehouse locks its file with that
        if not answer.exists():  # the answer is written last: its presence means the file is complete
            for left in (path, Path(f"{path}.wal")):  # what a build that failed half-way left behind
                left.unlink(missing_ok=True)
            answer.write_text(json.dumps(build(path)), encoding="utf-8")
    return path, json.loads(answer.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> tuple[Path, dict]:
    """load_demo run once per test run on a fresh file, copied into this worker's folder: (path, what load_demo
    returned). Never modify the file; copy it."""
    from kpi.demo.seed import load_demo

    shared, result = built_once(tmp_path_factory, "demo.duckdb", load_demo)
    return copy_db(shared, tmp_path_factory.mktemp("demo") / "demo.duckdb"), result


@pytest.fixture(scope="session")
def seed_figures() -> dict:
    """The seed report's published figures (a copy of shared/docs/seed_figures.json)."""
    return json.loads(SEED_FIGURES.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_db_template(demo_build) -> Path:
    """A warehouse file with the demo loaded, built once; never modify it, copy it."""
    return demo_build[0]


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


# --- pytest-xdist: how the files go to the workers, and what a worker recorded ---------------------------------

@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` (scripts/test.sh) with the load tests as one unit (tests/scheduling.py)."""
    if config.getvalue("dist") == "loadfile":
        from tests.scheduling import FilesWithTheHeavyOnesTogether

        return FilesWithTheHeavyOnesTogether(config, log)
    return None


# --- what a worker recorded, printed by the controlling process -------------------------------------------------

def pytest_sessionfinish(session):
    """In an xdist worker: hand the figures and fuzz case counts recorded here to the controlling process."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["kpi_recorded"] = json.dumps({"figures": figures.recorded(), "fuzz": tally.counts()},
                                            ensure_ascii=False, default=str)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # noqa: ARG001  (xdist hook, controlling process)
    recorded = getattr(node, "workeroutput", {}).get("kpi_recorded")
    if recorded:
        data = json.loads(recorded)
        figures.absorb(node.config, data["figures"])
        tally.absorb(data["fuzz"])


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001  (pytest hook)
    tally.summary(terminalreporter)

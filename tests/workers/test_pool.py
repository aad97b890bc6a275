"""Jobs on Prefect workers (issue #19): a real Prefect server on PostgreSQL, the work pool and its deployments made
by `python -m flows.deploy`, real `prefect worker start` processes and a real DuckDB warehouse file.

A batch submitted through the pool (KPI_WORK_POOL) lands and is reported as in process; a worker killed with
SIGKILL, together with the run it was executing (half-way through the batch's transaction), loses nothing: the
server notices the run's heartbeats stopped, puts it back to Scheduled, a second worker runs it again, and the
batch lands exactly once. One server for the module (≈1 min to start and deploy); the kill test waits for the
missing heartbeats (Prefect's minimum heartbeat is 30 s; the window here is 60 s, so a heartbeat late on a loaded
machine is no false alarm).
"""
from __future__ import annotations

import contextvars
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import warehouse
from kpi.platform import pool, runner
from kpi.services import intake
from kpi.services.accounts import authenticate
from kpi.services.errors import NotFound
from kpi.io.workbook import COLUMNS

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
POOL = "kpi-test"
LOST_AFTER_S = 60  # the automation's window (a publication's: 120 s): the kill test waits about this long
ROW_OK = {"コード": "P1-1-01", "値": "３６，８２１人", "区分（実績値／見込値）": "実績値", "時点・期間": "4月～8月"}
ROW_RPA = {"コード": "P1-1-04", "値": 5445, "区分（実績値／見込値）": "実績値",
           "要因（100%未満の場合は必須）": "RPA導入の適性が当初の想定よりも低かった", "要因の分類": "その他の理由"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prefect_database(postgres_url: str) -> str:
    """A database of its own for the Prefect server in the session's cluster; its asyncpg URL."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS prefect_pool_test")
        con.execute("CREATE DATABASE prefect_pool_test")
    parts = urlsplit(postgres_url)
    return urlunsplit(("postgresql+asyncpg", parts.netloc, "/prefect_pool_test", "", ""))


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def server(postgres_url, demo_db_template, tmp_path_factory):
    """A Prefect server on PostgreSQL, the pool deployed, and the environment a worker gets: (env, warehouse)."""
    from kpi.platform.prefect_server import wait_healthy

    folder = tmp_path_factory.mktemp("pool")
    db = folder / "kpi.duckdb"
    shutil.copy(demo_db_template, db)
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(folder / "prefect"), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "PREFECT_API_DATABASE_CONNECTION_URL": _prefect_database(postgres_url),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "KPI_DB": str(db),
           "KPI_WORK_POOL": POOL, "KPI_POOL_LOST_AFTER_S": str(LOST_AFTER_S), "PREFECT_WORKER_QUERY_SECONDS": "1"}
    for name in ("KPI_CRASH_AT", "KPI_STALL_AT", "PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING"):
        env.pop(name, None)
    log = open(folder / "server.log", "wb")
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    try:
        assert wait_healthy(env["PREFECT_API_URL"], timeout=180), (folder / "server.log").read_text()[-3000:]
        done = subprocess.run([sys.executable, "-m", "flows.deploy", "--pool", POOL], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        assert "7 件のデプロイメントを登録しました" in done.stdout
        yield env, db
    finally:
        _stop(proc)
        log.close()


@pytest.fixture
def submitting(server, monkeypatch):
    """This process submits to the pool (as the app and the CLI do with KPI_WORK_POOL set)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env, db = server
    for name in ("PREFECT_API_URL", "KPI_WORK_POOL", "KPI_DB"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.delenv("PREFECT_API_AUTH_STRING", raising=False)
    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        yield db


class Workers:
    """`prefect worker start --pool` processes, each with its log; all stopped at the end."""

    def __init__(self, env: dict, folder: Path):
        self.env, self.folder, self.procs = env, folder, {}

    def start(self, name: str, **extra: str) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        proc = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--name", name],
                                env={**self.env, **extra}, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                cwd=self.folder)
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def wait_for(self, name: str, pattern: str, timeout: float = 180) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log(name))
            if found:
                return found
            assert self.procs[name].poll() is None, self.log(name)[-3000:]
            time.sleep(0.5)
        raise AssertionError(f"{name}: {pattern!r} not seen in {timeout:.0f} s\n" + self.log(name)[-3000:])

    def stop_all(self) -> None:
        for proc in self.procs.values():
            _stop(proc)


@pytest.fixture
def workers(server, tmp_path):
    w = Workers(server[0], tmp_path)
    try:
        yield w
    finally:
        w.stop_all()


def _workbook(row: dict) -> bytes:
    """A returned department workbook with one typed row (the template's headers)."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"in_memory": True}) as wb:
        ws = wb.add_worksheet("入力")
        for c, header in enumerate(COLUMNS):
            ws.write_string(0, c, header)
            value = row.get(header)
            if isinstance(value, (int, float)):
                ws.write_number(1, c, value)
            elif value is not None:
                ws.write_string(1, c, value)
    return buf.getvalue()


def _receive(db: Path, row: dict) -> int:
    return intake.receive(intake.cli_actor("GYOKAKU"), 2022, "GYOKAKU", source="workbook", filename="x.xlsx",
                          raw_bytes=_workbook(row), db=db)


def _version(db: Path, code: str) -> int | None:
    with warehouse.connect(db) as con:
        row = con.execute("SELECT v.version FROM indicator_values v JOIN indicators i USING (indicator_id)"
                          " JOIN cycles c USING (cycle_id) WHERE c.fiscal_year = 2022 AND i.code = ?", [code]).fetchone()
    return row[0] if row else None


def _saves(db: Path, batch_id: int) -> int:
    with warehouse.connect(db) as con:
        return con.execute("SELECT count(*) FROM audit_log WHERE batch_id = ? AND action = 'save'",
                           [batch_id]).fetchone()[0]


def _runs_of(which: tuple[str, str]) -> list:
    """The deployment's flow runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[which[1]])))


def _runs_of_collect() -> list:
    """The collect deployment's flow runs, newest first, with their state histories."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[pool.COLLECT[1]])),
                                     sort=FlowRunSort.START_TIME_DESC)
        return [(r, [s.name for s in client.read_flow_run_states(r.id)]) for r in runs]


def test_a_batch_and_a_publication_submitted_through_the_pool_run_on_a_worker(submitting, workers, tmp_path):
    db = submitting
    workers.start("steady")
    workers.wait_for("steady", r"Worker 'steady' started")
    on_its_way = intake.receive(intake.cli_actor("GYOKAKU"), 2022, "GYOKAKU", source="workbook", filename="y.xlsx",
                                raw_bytes=b"not a workbook", db=db)  # another person's, just sent: its run is coming
    batch_id = _receive(db, ROW_OK)
    report = runner.collect(batch_id, db=db)
    assert (report.status, report.saved) == ("landed", 1)
    assert _saves(db, batch_id) == 1
    # not collected along with it: collect_pending is for batches kept past the start-wait window (issue #19)
    assert intake.batch_status(on_its_way, db=db).status == "received" and _runs_of(pool.COLLECT_PENDING) == []
    assert intake.process(on_its_way, db=db).status == "refused"  # (its own run, here in process: changes no value)
    run, states = _runs_of_collect()[0]
    assert run.parameters["batch_id"] == batch_id and run.work_pool_name == POOL
    assert states[-1] == "Completed" and "AwaitingRetry" not in states
    assert "Worker 'steady' submitting flow run" in workers.log("steady")  # the worker ran it, not this process

    reviewer = authenticate("reviewer", "reviewer-pass", db=db)
    seen = []
    done = runner.publish(reviewer, 2021, db=db, out=tmp_path / "out", progress=lambda f, text: seen.append((f, text)))
    assert done.via_prefect and (done.edition_no, done.edition_label) == (1, "第1版")
    assert seen and seen[-1] == (1.0, "第1版を公表しました")  # the run's progress lines reached the caller
    assert (tmp_path / "out" / "2021_report_v1.pptx").exists()  # written here from the warehouse's edition
    with warehouse.connect(db) as con:
        assert con.execute("SELECT edition_id, published_by FROM editions").fetchall() == [(done.edition_id, "reviewer")]
    with pytest.raises(NotFound, match="1999年度の集計サイクルがありません"):  # the service's error, as in process
        runner.publish(reviewer, 1999, db=db)


def test_a_worker_killed_mid_run_loses_nothing_the_batch_is_retried_and_lands_once(submitting, workers):
    db = submitting
    before = _version(db, ROW_RPA["コード"])
    doomed = workers.start("doomed", KPI_STALL_AT="intake.process.saved")  # its runs stop with the drafts unsaved
    workers.wait_for("doomed", r"Worker 'doomed' started")
    batch_id = _receive(db, ROW_RPA)
    outcome: dict = {}
    context = contextvars.copy_context()  # the thread talks to this module's server (Prefect's settings context)
    waiting = threading.Thread(target=context.run, args=(lambda: outcome.update(report=runner.collect(batch_id, db=db)),),
                               daemon=True)
    waiting.start()
    stalled = int(workers.wait_for("doomed", r"stalled at intake\.process\.saved pid (\d+)").group(1))
    workers.start("rescuer")
    workers.wait_for("rescuer", r"Worker 'rescuer' started")
    os.kill(doomed.pid, signal.SIGKILL)  # the machine dies: the worker and the run it executes
    os.kill(stalled, signal.SIGKILL)
    doomed.wait(10)
    # killed mid-transaction (drafts written, not committed): nothing landed; the retry comes ≥ 60 s later
    assert (intake.batch_status(batch_id, db=db).status, _saves(db, batch_id)) == ("received", 0)

    waiting.join(timeout=LOST_AFTER_S + 240)
    assert not waiting.is_alive(), workers.log("rescuer")[-3000:]
    report = outcome["report"]
    assert (report.status, report.saved) == ("landed", 1)
    assert _saves(db, batch_id) == 1  # landed exactly once
    assert _version(db, ROW_RPA["コード"]) == (before + 1 if before is not None else 1)
    run, states = _runs_of_collect()[0]
    assert run.parameters["batch_id"] == batch_id
    assert "AwaitingRetry" in states and states[-1] == "Completed" and run.run_count == 2
    assert "Worker 'rescuer' submitting flow run" in workers.log("rescuer")

"""`kpi collect` hands its batch to the warm collector (the process that serves the scheduled flows), which runs
the real collect_submissions flow; without one, the CLI runs the flow itself. Either way all rows or none land."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import warehouse
from kpi.platform import collector
from kpi.services import intake
from tests.flows.test_collect_flow import ROW_OK, ROW_RPA, _filled_workbook, _values

KPI = Path(sys.executable).parent / "kpi"


def _kpi_collect(db: Path, workbook: Path, department: str = "GYOKAKU") -> subprocess.CompletedProcess:
    return subprocess.run([str(KPI), "collect", str(workbook), "--department", department, "--cycle", "2022",
                           "--db", str(db)], capture_output=True, text=True, timeout=300, env=os.environ.copy(),
                          stdin=subprocess.DEVNULL)


def _flow_runs(prefect_server: str, db: Path, batch_id: int) -> list[str]:
    """Names of the flows that ran for a batch of this warehouse (read back from the Prefect server)."""
    import httpx

    runs = httpx.post(f"{prefect_server}/flow_runs/filter", json={"limit": 200, "sort": "EXPECTED_START_TIME_DESC"},
                      timeout=30).json()
    flows = {f["id"]: f["name"] for f in httpx.post(f"{prefect_server}/flows/filter", json={}, timeout=30).json()}
    return [flows[r["flow_id"]] for r in runs
            if r["parameters"].get("batch_id") == batch_id and r["parameters"].get("db") == str(db)
            and r["state"]["type"] == "COMPLETED"]


@pytest.fixture
def running(demo_db):
    server = collector.start(demo_db)
    assert server is not None
    yield server
    server.shutdown()
    server.server_close()


def test_kpi_collect_hands_its_workbook_to_the_collector_which_runs_the_flow(demo_db, running, tmp_path,
                                                                             prefect_server):
    path = collector.socket_path(demo_db)
    assert path.is_socket() and oct(path.stat().st_mode & 0o777) == "0o600"  # the owner's only
    workbook = tmp_path / "gyokaku.xlsx"
    workbook.write_bytes(_filled_workbook([ROW_OK, ROW_RPA]))

    out = _kpi_collect(demo_db, workbook)

    assert out.returncode == 0, out.stdout + out.stderr
    batch_id = int(out.stdout.split("受付番号 ")[1].split(":")[0])
    assert f"受付番号 {batch_id}: 取り込みました　保存 2件" in out.stdout
    assert running.handled == [batch_id]  # the collector ran it, not the CLI
    assert _flow_runs(prefect_server, demo_db, batch_id) == ["collect_submissions"]
    assert _values(demo_db) == {"P1-1-01": "draft", "P1-1-04": "draft"}


def test_a_refused_workbook_is_reported_row_by_row_and_nothing_lands(demo_db, running, tmp_path):
    workbook = tmp_path / "bad.xlsx"
    workbook.write_bytes(_filled_workbook([ROW_OK, {**ROW_RPA, "値": "5,445件"}]))

    out = _kpi_collect(demo_db, workbook)

    assert out.returncode == 1
    assert "取り込めませんでした（何も保存していません）　保存 0件" in out.stdout
    assert "[エラー] 3行目　値　P1-1-04:" in out.stdout and "単位は「時間」" in out.stdout
    assert len(running.handled) == 1
    assert _values(demo_db) == {}


def test_without_a_collector_the_cli_runs_the_flow_itself(demo_db, tmp_path, prefect_server):
    stale = collector.socket_path(demo_db)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:  # left behind by a collector that was killed
        s.bind(str(stale))
    assert stale.exists()
    workbook = tmp_path / "gyokaku.xlsx"
    workbook.write_bytes(_filled_workbook([ROW_OK]))

    out = _kpi_collect(demo_db, workbook)

    assert out.returncode == 0, out.stdout + out.stderr
    batch_id = int(out.stdout.split("受付番号 ")[1].split(":")[0])
    assert _flow_runs(prefect_server, demo_db, batch_id) == ["collect_submissions"]
    assert _values(demo_db) == {"P1-1-01": "draft"}
    server = collector.start(demo_db)  # a new collector replaces the stale socket
    try:
        assert server is not None and stale.is_socket()
        assert collector.start(demo_db) is None  # but never a second one on a live socket
    finally:
        server.shutdown()
        server.server_close()
    assert not stale.exists()


def test_the_collector_answers_only_for_its_own_warehouse(demo_db, running, tmp_path):
    batch_id = intake.receive(intake.cli_actor("GYOKAKU"), 2022, "GYOKAKU", source="workbook", filename="x.xlsx",
                              raw_bytes=_filled_workbook([ROW_OK]), db=demo_db)
    for request in ({"batch_id": batch_id, "db": str(tmp_path / "other.duckdb")}, {"batch_id": "1 OR 1=1"},
                    {"batch_id": True}, "not json"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(str(running.path))
            s.sendall((request if isinstance(request, str) else json.dumps(request)).encode() + b"\n")
            answer = json.loads(s.makefile("rb").readline())
        assert answer == {"error": "bad request"}
    assert running.handled == []
    assert collector.hand_over(batch_id, tmp_path / "other.duckdb") is None  # no collector there: run it yourself
    report = collector.hand_over(batch_id, demo_db)
    assert (report.status, report.saved, running.handled) == ("landed", 1, [batch_id])


def test_batches_kept_while_prefect_was_down_land_when_the_collector_starts(demo_db, monkeypatch, prefect_server):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there
    from kpi.platform.runner import collect

    batch_id = intake.receive(intake.cli_actor("GYOKAKU"), 2022, "GYOKAKU", source="workbook", filename="x.xlsx",
                              raw_bytes=_filled_workbook([ROW_OK]), db=demo_db)
    assert collect(batch_id, db=demo_db).status == "received"
    monkeypatch.setenv("PREFECT_API_URL", prefect_server)

    server = collector.start(demo_db)
    try:
        assert _flow_runs(prefect_server, demo_db, batch_id) == ["collect_submissions"]
        with warehouse.connect(demo_db) as con:
            status = con.execute("SELECT status FROM intake_batches WHERE batch_id = ?", [batch_id]).fetchone()[0]
        assert status == "landed" and _values(demo_db) == {"P1-1-01": "draft"}
    finally:
        server.shutdown()
        server.server_close()


def test_storing_a_batch_needs_no_polars():
    """The CLI's part of a handed-over collection stays light: the collector does the processing."""
    code = ("import sys, kpi.cli, kpi.services.batches, kpi.platform.collector, kpi.platform.runner; "
            "kpi.cli.build_parser(); "
            "print(sorted(m for m in ('polars', 'prefect', 'fastexcel') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr
    from kpi.domain import rules
    from kpi.services import batches

    assert (batches.ERROR, batches.WARNING) == (rules.ERROR, rules.WARNING)  # one pair of words, kpi.domain.severity

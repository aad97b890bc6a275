"""The runner in the pool mode without a Prefect server (issue #19's load findings): a form save lands in the app
process, a workbook still goes to the pool; only batches kept past the start-wait window count as kept; the
follower backs off and takes a busy server's error as "ask again". tests/workers/test_pool.py runs the rest on real
workers."""
from __future__ import annotations

import httpx
import pytest

from kpi.platform import pool, runner
from kpi.services import batches, intake
from kpi.services.accounts import authenticate
from kpi.services.entries import RawEntry

FORM = [RawEntry("P1-1-01", "３６，８２１人", "実績値", "4月～8月", row_no=1)]


@pytest.fixture
def pool_without_server(monkeypatch):
    monkeypatch.setenv(pool.ENV, "kpi")
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there
    monkeypatch.delenv(runner.FORM_SAVES_ENV, raising=False)


def test_a_form_save_lands_in_the_app_process_without_a_worker_or_server(demo_warehouse, pool_without_server):
    editor = authenticate("editor1", "editor1-pass", db=demo_warehouse)
    batch_id = intake.receive(editor, 2022, "GYOKAKU", FORM, db=demo_warehouse)
    report = runner.collect(batch_id, db=demo_warehouse)
    assert (report.status, report.saved) == ("landed", 1)
    assert intake.pending(demo_warehouse) == []
    workbook = intake.receive(editor, 2022, "GYOKAKU", source="workbook", filename="x.xlsx", raw_bytes=b"as sent",
                              db=demo_warehouse)
    assert runner.collect(workbook, db=demo_warehouse).status == "received"  # a workbook waits for the pool


def test_form_saves_go_to_the_pool_when_so_set(demo_db, pool_without_server, monkeypatch):
    monkeypatch.setenv(runner.FORM_SAVES_ENV, "pool")
    editor = authenticate("editor1", "editor1-pass", db=demo_db)
    batch_id = intake.receive(editor, 2022, "GYOKAKU", FORM, db=demo_db)
    assert runner.collect(batch_id, db=demo_db).status == "received"
    assert intake.pending(demo_db) == [batch_id]


def test_a_batch_counts_as_kept_only_once_older_than_the_window(demo_warehouse):
    editor = authenticate("editor1", "editor1-pass", db=demo_warehouse)
    batch_id = intake.receive(editor, 2022, "GYOKAKU", FORM, db=demo_warehouse)
    assert batches.source_of(batch_id, db=demo_warehouse) == "form"
    assert batches.kept(3600, db=demo_warehouse) == []  # just sent: its own run may be on its way (time zones agree)
    assert batches.kept(0, db=demo_warehouse) == [batch_id]


def test_following_a_run_backs_off_to_two_seconds():
    delays = [pool.POLL_S]
    while len(delays) < 12:
        delays.append(pool.next_delay(delays[-1]))
    assert delays[0] == 0.3 and delays == sorted(delays) and delays[-1] == pool.POLL_MAX_S == 2.0
    assert sum(delays[:6]) < 6  # a short run is still seen within seconds


def test_a_busy_servers_error_is_asked_again_a_refusal_is_not():
    request = httpx.Request("GET", "http://127.0.0.1:4200/api/flow_runs/x")

    def status(code: int) -> httpx.HTTPStatusError:
        return httpx.HTTPStatusError("", request=request, response=httpx.Response(code, request=request))

    assert pool.transient(status(500)) and pool.transient(status(503))
    assert pool.transient(httpx.ReadTimeout("", request=request)) and pool.transient(httpx.ConnectError(""))
    assert not pool.transient(status(404)) and not pool.transient(status(422))
    assert not pool.transient(ValueError("not the API"))

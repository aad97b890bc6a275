"""The job API is not an open door: flow runs created through the Prefect API with forged parameters, executed by
a real `python -m flows.serve` against the session's test server, change nothing; the day is the server's clock,
so a second reminder on one day is impossible; artifacts show no e-mail address; a paused schedule is reported;
the serving process stops cleanly on SIGTERM."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import warehouse
from kpi.services import reminders
from tests.services.test_reminders import set_email
from tests.services.workflow_helpers import REVIEWER, query, stage, wf_db  # noqa: F401  (fixtures)

pytestmark = pytest.mark.flows

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 180  # a bounded wait for the serving process and each run, never an assertion about speed


def wait_for(check, what: str):
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {BOUND_S} s")


@pytest.fixture
def served(wf_db, tmp_path, prefect_server):
    """A real serving process (as scripts/run.sh starts it) for the staged warehouse; yields (process, log)."""
    log = tmp_path / "serve.log"
    env = {**os.environ, "KPI_DB": str(wf_db), "PREFECT_RUNNER_POLL_FREQUENCY": "1", "KPI_SCHEDULE_WATCH_S": "1",
           "PREFECT_API_URL": prefect_server}
    env.pop("KPI_SMTP_HOST", None)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flows.serve"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        # the deployments may exist from an earlier test of the session: wait for this process to serve them
        wait_for(lambda: "Your deployments are being served" in log.read_text(), "the deployments served")
        yield proc, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)


def deployment(full_name: str):
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return client.read_deployment_by_name(full_name)
        except ObjectNotFound:
            return None


def run(full_name: str, parameters: dict | None = None):
    """Create a flow run of a deployment through the API (as any local process could) and wait for its end."""
    from prefect.client.orchestration import get_client

    dep = deployment(full_name)
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run_from_deployment(dep.id, parameters=parameters or {})

        def final():
            state = client.read_flow_run(flow_run.id).state
            return state if state is not None and state.is_final() else None

        return wait_for(final, f"flow run of {full_name}")


def notices(db) -> list[dict]:
    """The value reminders' notices (the same runs also remind of FY2021's owed confirmations, kind 'confirm')."""
    return query(db, "SELECT department_code, notice_date, kind FROM reminder_notices WHERE kind <> 'confirm'"
                     " ORDER BY notice_id")


def cycle_2022(db) -> dict:
    return query(db, "SELECT state, deadline FROM cycles WHERE fiscal_year = 2022")[0]


# DuckDB only: the job API (forged parameters refused, the server's clock) and the serving process, not the storage;
# the reminders' once-a-day rule and the closing rule run on both backends in tests/services/test_reminders.py.
@pytest.mark.parametrize("backend", ["duckdb"])
def test_forged_runs_cannot_close_a_cycle_early_remind_twice_or_write_elsewhere(wf_db, served, tmp_path):
    today = reminders.today_jst()
    with warehouse.connect(wf_db) as con:  # the deadline is three days away on the server's clock
        con.execute("UPDATE cycles SET deadline = ? WHERE fiscal_year = 2022", [today + dt.timedelta(days=3)])
    reminders.update_settings(REVIEWER, 2022, days_before=7, days_after=1, auto_close=True, db=wf_db)
    set_email(wf_db, "editor1", "editor1@pref.example.jp")
    elsewhere = tmp_path / "elsewhere" / "x.duckdb"

    forged = [
        ("close_cycle/auto-close", {"today": "2027-04-01"}),
        ("close_cycle/auto-close", {"db": str(wf_db), "today": "2099-01-01"}),
        ("remind_departments/daily-reminders", {"today": (today + dt.timedelta(days=5)).isoformat()}),
        ("remind_departments/daily-reminders", {"fiscal_year": 2022, "manual": True}),
        ("validate_open_cycles/nightly-validation", {"db": str(elsewhere)}),
    ]
    for name, parameters in forged:
        state = run(name, parameters)
        assert not state.is_completed(), (name, parameters, state)
    assert cycle_2022(wf_db)["state"] == "open"
    assert notices(wf_db) == []
    assert not elsewhere.parent.exists()
    assert query(wf_db, "SELECT count(*) AS n FROM audit_log WHERE actor = 'scheduler'")[0]["n"] == 0

    # the same deployments without parameters: today's reminders once, and no closing before the deadline
    assert run("remind_departments/daily-reminders").is_completed()
    first = notices(wf_db)
    assert first and {n["notice_date"] for n in first} == {today} and {n["kind"] for n in first} == {"before"}
    assert run("remind_departments/daily-reminders").is_completed()
    assert notices(wf_db) == first  # a second run on the same day sends nothing
    assert run("close_cycle/auto-close").is_completed()
    assert cycle_2022(wf_db)["state"] == "open"

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        shown = " ".join(json.dumps(json.loads(a.data) if isinstance(a.data, str) else a.data, ensure_ascii=False)
                         for a in client.read_artifacts() if (a.key or "").startswith("remind-"))
    assert "宛先数" in shown  # the run's artifact is there, with a count of addresses instead of them
    assert "@" not in shown and "editor1" not in shown


@pytest.mark.parametrize("backend", ["duckdb"])  # the serving process and its schedules, not the storage
def test_a_paused_schedule_is_reported_and_serve_stops_cleanly_on_sigterm(served):
    from prefect.client.orchestration import get_client

    proc, log = served
    dep = deployment("remind_departments/daily-reminders")
    with get_client(sync_client=True) as client:
        client.pause_deployment(dep.id)  # what `PATCH {"paused": true}` does
    try:
        wait_for(lambda: "督促" in log.read_text() and "一時停止" in log.read_text(), "the serving process reports")
        checked = subprocess.run([sys.executable, "-m", "kpi.platform.schedules"], cwd=ROOT, capture_output=True,
                                 text=True, timeout=120, env={**os.environ})
        assert checked.returncode == 1
        assert "定期処理「督促」（daily-reminders）が一時停止されています" in checked.stderr
    finally:
        with get_client(sync_client=True) as client:
            client.resume_deployment(dep.id)

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=BOUND_S) == 0
    assert "定期処理を停止しました" in log.read_text()

"""kpi.platform.runner, the one place that decides how a job runs: a publication as a real flow run reports its
progress back to whoever started it; the publish page's background jobs are forgotten once shown."""
from __future__ import annotations

import time

import warehouse
from kpi.platform import progress, runner
from kpi.services.accounts import authenticate


def _reviewer(db):
    return authenticate("reviewer", "reviewer-pass", db=db)


def test_a_publication_runs_as_a_flow_run_and_reports_its_progress_to_the_caller(demo_db, tmp_path):
    assert runner.prefect_available()  # the session's test server
    seen = []
    done = runner.publish(_reviewer(demo_db), 2021, db=demo_db, out=tmp_path / "out",
                          progress=lambda f, text: seen.append((f, text)))
    assert done.via_prefect and done.edition_label == "第1版"
    assert seen[0][0] < seen[-1][0] == 1.0 and seen[-1][1] == "第1版を公表しました"
    assert progress.listening() == 0  # the listener is dropped when the run ends
    assert (tmp_path / "out" / "2021_report_v1.pptx").exists()
    with warehouse.connect(demo_db) as con:
        assert con.execute("SELECT published_by FROM editions").fetchall() == [("reviewer",)]


def test_without_a_server_a_publication_runs_in_process(demo_db, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there
    done = runner.publish(_reviewer(demo_db), 2021, db=demo_db)
    assert not done.via_prefect and done.edition_label == "第1版" and done.written == []


def test_background_jobs_are_forgotten_once_shown_and_unclaimed_ones_expire(demo_db, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    kept = runner.jobs_kept()
    token = runner.start_publish(_reviewer(demo_db), 2021, db=demo_db)
    deadline = time.monotonic() + 180
    while not runner.job(token).done and time.monotonic() < deadline:
        time.sleep(0.2)
    job = runner.job(token)
    assert job.done and job.error is None and job.edition_label == "第1版"
    runner.forget(token)
    assert runner.job(token) is None and runner.jobs_kept() == kept

    unclaimed = runner.start_publish(_reviewer(demo_db), 2021, db=demo_db, note="誰も見に来ない")
    while not runner.job(unclaimed).done and time.monotonic() < deadline:
        time.sleep(0.2)
    monkeypatch.setattr(runner, "FORGET_AFTER_S", 0.0)
    refused = runner.start_publish(_reviewer(demo_db), 1999, db=demo_db)  # no such year: fails at once
    assert runner.job(unclaimed) is None  # dropped by the next start: memory stays bounded
    while not runner.job(refused).done and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "1999年度の集計サイクルがありません" in runner.job(refused).error
    runner.forget(refused)

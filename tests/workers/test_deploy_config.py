"""What `python -m flows.deploy` registers and how the runner behaves in the pool mode without a server (no server
needed here; tests/workers/test_pool.py runs them on real workers)."""
from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from flows.deploy import (LOST_ENV, ONCE_AUTOMATION, RETRY_AUTOMATION, build_deployments,
                          lost_worker_automations)
from kpi.domain.editions import EditionRefused
from kpi.platform import pool, runner
from kpi.services import intake
from kpi.services.errors import NotFound


def test_the_pool_has_every_job_as_a_deployment_from_the_installed_modules():
    deployments = {f"{d.flow_name}/{d.name}": d for d in build_deployments({"KPI_REMIND_CRON": "0 7 * * *"})}
    assert set(deployments) == {
        "collect_submissions/collect", "collect_pending/collect-pending", "validate_cycle/validate",
        "publish_report/publish", "validate_open_cycles/nightly-validation", "remind_departments/daily-reminders",
        "close_cycle/auto-close"}
    assert {pool.deployment_name(w) for w in (pool.COLLECT, pool.COLLECT_PENDING, pool.VALIDATE, pool.PUBLISH)} \
        <= set(deployments)
    for name, d in deployments.items():
        assert d.entrypoint.startswith("flows.") and ":" not in d.entrypoint and d.storage is None  # nothing to fetch
        assert d.job_variables["env"]["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"
        assert (pool.ONCE_TAG if name == "publish_report/publish" else pool.RETRY_TAG) in d.tags
    remind = deployments["remind_departments/daily-reminders"].schedules[0].schedule
    assert (remind.cron, remind.timezone) == ("0 7 * * *", "Asia/Tokyo")
    assert not deployments["collect_submissions/collect"].schedules


def test_a_run_whose_heartbeats_stop_is_rescheduled_or_for_a_publication_crashed():
    retry, once = lost_worker_automations(45)
    assert (retry.name, once.name) == (RETRY_AUTOMATION, ONCE_AUTOMATION)
    for automation, tag, within in ((retry, pool.RETRY_TAG, 45), (once, pool.ONCE_TAG, 90)):
        t = automation.trigger
        assert t.posture == "Proactive" and t.within == timedelta(seconds=within)
        assert t.after == {"prefect.flow-run.heartbeat"} and "prefect.flow-run.heartbeat" in t.expect
        assert "prefect.flow-run.Completed" in t.expect and t.for_each == {"prefect.resource.id"}
        assert t.match_related.root == {"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{tag}"}
    assert (retry.actions[0].state.value, retry.actions[0].name) == ("SCHEDULED", "AwaitingRetry")
    assert once.actions[0].state.value == "CRASHED"
    assert LOST_ENV == "KPI_POOL_LOST_AFTER_S"


def test_a_failed_run_raises_the_services_own_error_with_its_japanese_message():
    def failed(message: str) -> Exception:
        return pool.failure(pool.Outcome(uuid4(), "FAILED", message), "公表")

    error = failed("Flow run encountered an exception: NotFound: 1999年度の集計サイクルがありません")
    assert isinstance(error, NotFound) and str(error) == "1999年度の集計サイクルがありません"
    error = failed("Flow run encountered an exception: kpi.domain.editions.EditionRefused: 受付中のため公表できません")
    assert isinstance(error, EditionRefused) and str(error) == "受付中のため公表できません"
    error = failed("Flow run encountered an exception: OSError: disk full")
    assert isinstance(error, pool.PoolRunFailed) and str(error) == "disk full"
    lost = pool.failure(pool.Outcome(uuid4(), "CRASHED", ""), "公表")
    assert "ワーカーが停止したため中断されました" in str(lost)
    never = pool.failure(pool.Outcome(uuid4(), "SCHEDULED", ""), "公表")
    assert "ワーカーが応答しません" in str(never)


def test_in_the_pool_mode_a_batch_sent_while_no_server_answers_is_kept(demo_db, monkeypatch):
    monkeypatch.setenv(pool.ENV, "kpi")
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there
    assert pool.configured() == "kpi"
    batch_id = intake.receive(intake.cli_actor("GYOKAKU"), 2022, "GYOKAKU", source="workbook",
                              filename="x.xlsx", raw_bytes=b"stored as sent", db=demo_db)
    report = runner.collect(batch_id, db=demo_db, via_collector=True)
    assert report.status == "received" and intake.pending(demo_db) == [batch_id]


@pytest.mark.parametrize("value", ["", "  "])
def test_without_a_pool_the_embedded_mode_stays(value, monkeypatch):
    monkeypatch.setenv(pool.ENV, value)
    assert pool.configured() is None

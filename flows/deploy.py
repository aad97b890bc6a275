"""`python -m flows.deploy [--pool kpi]`: the jobs as deployments of a Prefect process work pool (issue #19).

Creates the work pool (type `process`) when it is missing and registers, from this checkout (entrypoints are module
paths: nothing is built, pushed or downloaded; a worker imports them from the installed project):

- on demand (the runner submits them when $KPI_WORK_POOL names the pool): collect_submissions/collect,
  collect_pending/collect-pending, validate_cycle/validate, publish_report/publish;
- scheduled (cron in Japan time, as flows.serve serves them in the embedded mode): validate_open_cycles/
  nightly-validation, remind_departments/daily-reminders, close_cycle/auto-close.

`prefect worker start --pool kpi` on any machine with this checkout installed runs them; the runs use that
machine's environment ($KPI_DB: the warehouse).

Every run sends a heartbeat every $KPI_POOL_HEARTBEAT_S seconds (default 30, Prefect's minimum). The automation
created here (server side, so it acts even when nobody waits for the run) notices a run whose heartbeats stopped
for $KPI_POOL_LOST_AFTER_S seconds (default 90): its worker died. A run of a retryable deployment (tag kpi-retry:
collecting, validating, reminders, closing — running them again is harmless) is put back to Scheduled
(AwaitingRetry) and the next free worker runs it again; a publication (tag kpi-once) is marked Crashed instead,
since running it again could make a second edition (after twice the window: a run slowed down by a loaded machine
must not be declared lost while it still finishes).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from datetime import timedelta

from kpi.platform import pool

DEFAULT_POOL = "kpi"
HEARTBEAT_ENV, DEFAULT_HEARTBEAT_S = "KPI_POOL_HEARTBEAT_S", 30
LOST_ENV, DEFAULT_LOST_AFTER_S = "KPI_POOL_LOST_AFTER_S", 90
RETRY_AUTOMATION = "kpi: 停止したワーカーの実行をやり直す"
ONCE_AUTOMATION = "kpi: 停止したワーカーの公表を中断にする"


def _seconds(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    try:
        return max(int(env.get(name) or default), minimum)
    except ValueError:
        return default


def build_deployments(env: Mapping[str, str] | None = None) -> list:
    """The deployments of the pool (no server contacted)."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    from flows.collect import collect_pending, collect_submissions, validate_cycle
    from flows.publish import publish_report
    from flows.serve import DEFAULT_TZ, SCHEDULES

    env = os.environ if env is None else env
    job_env = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(_seconds(env, HEARTBEAT_ENV, DEFAULT_HEARTBEAT_S, 30))}
    common = {"entrypoint_type": EntrypointType.MODULE_PATH, "job_variables": {"env": job_env}, "_sync": True}
    out = [fl.to_deployment(name=which[1], tags=["kpi", tag], **common)
           for fl, which, tag in ((collect_submissions, pool.COLLECT, pool.RETRY_TAG),
                                  (collect_pending, pool.COLLECT_PENDING, pool.RETRY_TAG),
                                  (validate_cycle, pool.VALIDATE, pool.RETRY_TAG),
                                  (publish_report, pool.PUBLISH, pool.ONCE_TAG))]
    tz = env.get("KPI_SCHEDULE_TZ") or DEFAULT_TZ
    out += [fl.to_deployment(name=name, schedule=Cron(env.get(var) or default, timezone=tz), description=text,
                             tags=["kpi", pool.RETRY_TAG], **common)
            for fl, name, var, default, text in SCHEDULES]
    return out


def lost_worker_automations(lost_after_s: int) -> list:
    """Server-side automations: a run of the pool whose heartbeats stopped for `lost_after_s` is rescheduled
    (kpi-retry; running it again is harmless, so a false alarm under load costs a second run); a publication's
    (kpi-once) is marked Crashed after twice as long, since a false alarm there would tell the person to publish
    again while the run still finishes."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    ends = {f"prefect.flow-run.{s}" for s in ("Completed", "Failed", "Cancelled", "Crashed", "Scheduled",
                                              "AwaitingRetry", "Cancelling")}

    def trigger(tag: str, within_s: int) -> EventTrigger:
        return EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{tag}"},
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *ends},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive, threshold=1, within=timedelta(seconds=within_s))

    return [
        AutomationCore(name=RETRY_AUTOMATION, description="ワーカーが応答しなくなった実行を、別のワーカーで再実行します",
                       trigger=trigger(pool.RETRY_TAG, lost_after_s),
                       actions=[ChangeFlowRunState(state=StateType.SCHEDULED, name="AwaitingRetry", force=True,
                                                   message="ワーカーが応答しなくなったため再実行します")]),
        AutomationCore(name=ONCE_AUTOMATION, description="ワーカーが応答しなくなった公表を中断にします（再実行はしません）",
                       trigger=trigger(pool.ONCE_TAG, 2 * lost_after_s),  # a false alarm costs more here
                       actions=[ChangeFlowRunState(state=StateType.CRASHED, force=True,
                                                   message="ワーカーが応答しなくなったため中断しました")]),
    ]


def deploy(pool_name: str = DEFAULT_POOL, env: Mapping[str, str] | None = None) -> list[str]:
    """Create the pool when missing, register the deployments and (re)create the automations; the names."""
    from prefect import deploy as prefect_deploy
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    env = os.environ if env is None else env
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool_name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=pool_name, type="process",
                                                   base_job_template=ProcessWorker.get_default_base_job_template()))
        for automation in lost_worker_automations(_seconds(env, LOST_ENV, DEFAULT_LOST_AFTER_S, 10)):
            for old in client.read_automations_by_name(automation.name):
                client.delete_automation(old.id)
            client.create_automation(automation)
    deployments = build_deployments(env)
    prefect_deploy(*deployments, work_pool_name=pool_name, build=False, push=False, print_next_steps_message=False,
                   ignore_warnings=True)
    return [f"{d.flow_name}/{d.name}" for d in deployments]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m flows.deploy",
                                description="作業プールと、取込・点検・督促・締切・公表のデプロイメントを登録します")
    p.add_argument("--pool", default=os.environ.get(pool.ENV) or DEFAULT_POOL, help="作業プール名（既定 kpi）")
    args = p.parse_args(argv)
    from kpi.platform.prefect_server import healthy

    if not healthy():
        print("エラー: Prefect サーバーに接続できません（PREFECT_API_URL）", file=sys.stderr)
        return 3
    names = deploy(args.pool)
    print(f"作業プール {args.pool} に {len(names)} 件のデプロイメントを登録しました: {', '.join(names)}")
    print(f"ワーカーの起動: prefect worker start --pool {args.pool}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

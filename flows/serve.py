"""The one process that runs the scheduled flows: `python -m flows.serve` (started by scripts/run.sh after the
Prefect server). Each flow is a deployment with a cron schedule in Japan time, so every run shows in the Prefect
UI under its deployment.

It also runs the collector (kpi/platform/collector.py): `kpi collect` hands its batches to this warm process over
a Unix socket next to the warehouse, instead of importing Prefect and running collect_submissions itself.

Times are cron expressions, configurable by environment:
  KPI_VALIDATE_CRON (default "30 2 * * *")  validate_open_cycles, nightly
  KPI_REMIND_CRON   (default "0 8 * * *")   remind_departments, every morning (each reminder goes out once)
  KPI_CLOSE_CRON    (default "5 0 * * *")   close_cycle, just after midnight (a deadline day counts in full)
  KPI_SCHEDULE_TZ   (default "Asia/Tokyo")
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from prefect.schedules import Cron

from flows.remind import close_cycles_at_deadline, remind_departments, validate_open_cycles

DEFAULT_TZ = "Asia/Tokyo"
SCHEDULES = (  # (flow, deployment name, env var, default cron, description)
    (validate_open_cycles, "nightly-validation", "KPI_VALIDATE_CRON", "30 2 * * *", "受付中の集計サイクルの夜間点検"),
    (remind_departments, "daily-reminders", "KPI_REMIND_CRON", "0 8 * * *", "担当課への督促（締切前・締切後）"),
    (close_cycles_at_deadline, "auto-close", "KPI_CLOSE_CRON", "5 0 * * *", "自動締切が有効な集計サイクルを締切後に締め切る"),
)


def build_deployments(env: Mapping[str, str] | None = None) -> list:
    """The deployments to serve (no server contacted): one per scheduled flow, with its cron and time zone.

    The flows take no parameters (a run created through the API with any is refused before it starts); the runs
    use the warehouse of $KPI_DB, inherited from the serving process, and the server's clock in Japan time."""
    env = os.environ if env is None else env
    tz = env.get("KPI_SCHEDULE_TZ") or DEFAULT_TZ
    # _sync=True: Prefect would hand back a coroutine when the caller's thread has an event loop running
    return [fl.to_deployment(name=name, schedule=Cron(env.get(var) or default, timezone=tz), description=text,
                             _sync=True)
            for fl, name, var, default, text in SCHEDULES]


def main() -> None:
    """Serve every deployment until stopped (Ctrl+C / SIGTERM: in-flight runs are cancelled, the process exits).

    Schedules are not paused on shutdown: a deployment found paused was paused by someone, and the watch below
    reports it (KPI_SCHEDULE_WATCH_S, default 60 s) in the log.
    """
    import sys
    import threading

    from prefect import serve

    from kpi.platform import collector, schedules

    listening = collector.start()  # `kpi collect` hands its batches to this warm process
    stop = threading.Event()
    schedules.watch(stop, float(os.environ.get("KPI_SCHEDULE_WATCH_S") or 60),
                    lambda line: print(f"警告: {line}", file=sys.stderr, flush=True))
    try:
        serve(*build_deployments(), pause_on_shutdown=False)
    finally:
        stop.set()
        if listening is not None:
            listening.shutdown()
            listening.server_close()
        print("定期処理を停止しました", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

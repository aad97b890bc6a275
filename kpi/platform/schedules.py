"""Are the scheduled flows still scheduled? `python -m kpi.platform.schedules` (exit 1 when one is not).

Anyone who holds the Prefect API's credentials can pause a deployment (`PATCH {"paused": true}`), and a paused
schedule fails silently: no reminder, no automatic closing. This cannot be prevented from inside Prefect, so it
is detected: the serving process checks every minute and writes a Japanese line to its log when it changes, and
this command reports the same for an operator or a monitoring cron line. A pause is never undone automatically
(the division may pause a schedule on purpose) — except that restarting `flows.serve` registers the deployments
again, active; it is made visible.
"""
from __future__ import annotations

import argparse
import sys
import threading

DEPLOYMENTS = (  # (flow name, deployment name, what it does in Japanese) — as flows/serve.py serves them
    ("validate_open_cycles", "nightly-validation", "夜間点検"),
    ("remind_departments", "daily-reminders", "督促"),
    ("close_cycle", "auto-close", "自動締切"),
)


def problems() -> list[str]:
    """One Japanese sentence per served deployment that is missing, paused or has no active schedule."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    out = []
    with get_client(sync_client=True) as client:
        for flow_name, name, what in DEPLOYMENTS:
            try:
                dep = client.read_deployment_by_name(f"{flow_name}/{name}")
            except ObjectNotFound:
                out.append(f"定期処理「{what}」（{name}）が登録されていません。python -m flows.serve が動いているか確認してください")
                continue
            if dep.paused:
                out.append(f"定期処理「{what}」（{name}）が一時停止されています。Prefect の画面で再開してください")
            elif not any(s.active for s in dep.schedules):
                out.append(f"定期処理「{what}」（{name}）のスケジュールが無効になっています")
    return out


def watch(stop: threading.Event, every_s: float, report) -> threading.Thread:
    """Check `problems()` every `every_s` seconds until `stop` is set, passing each new finding to `report`."""

    def loop() -> None:
        last: list[str] = []
        while not stop.wait(every_s):
            try:
                found = problems()
            except Exception as exc:  # the server restarting: checked again next time
                found = [f"定期処理の状態を確認できませんでした: {type(exc).__name__}"]
            if found != last:  # each change once, not a line a minute while a pause lasts
                for line in found:
                    report(line)
                if last and not found:
                    report("定期処理はすべて有効に戻りました")
                last = found

    thread = threading.Thread(target=loop, name="kpi-schedule-watch", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    """Print each problem (exit 1), or that every schedule is active (exit 0); 3 when the server is down."""
    argparse.ArgumentParser(prog="python -m kpi.platform.schedules",
                            description="定期処理（夜間点検・督促・自動締切）が一時停止されていないか確認します").parse_args(argv)
    from kpi.platform.prefect_server import healthy

    if not healthy():
        print("エラー: Prefect サーバーに接続できません", file=sys.stderr)
        return 3
    found = problems()
    for line in found:
        print(f"警告: {line}", file=sys.stderr)
    if not found:
        print("定期処理（夜間点検・督促・自動締切）はすべて有効です")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

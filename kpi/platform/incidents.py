"""Incidents: an unexpected error is written to the log with a number; the person sees Japanese and the number.

No traceback, path or PID ever reaches a screen: the page shows `message_for(...)`, the operator finds the
number in `<data>/logs/incidents.log` (owner-only).
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import traceback
from pathlib import Path

GENERIC_JA = "システムで予期しないエラーが発生しました。時間をおいてもう一度お試しください。"


def log_path() -> Path:
    """Where incidents are written: $KPI_DATA_DIR/logs/incidents.log, else beside the warehouse in logs/."""
    data = os.environ.get("KPI_DATA_DIR")
    if data:
        return Path(data) / "logs" / "incidents.log"
    from warehouse import default_db_path

    return default_db_path().parent / "logs" / "incidents.log"


def record(exc: BaseException, where: str) -> str:
    """Write the error and its traceback to the incident log; return the incident number shown to the person."""
    number = f"{dt.datetime.now(dt.timezone.utc):%Y%m%d}-{secrets.token_hex(3).upper()}"
    path = log_path()
    text = "".join(traceback.format_exception(exc))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(f"=== incident {number} at {dt.datetime.now(dt.timezone.utc).isoformat()} in {where}\n{text}\n")
    except OSError:
        pass  # the log cannot be written: the number is still shown, the error is not made worse
    return number


def message_for(exc: BaseException, number: str) -> str:
    """What the person reads: the error's own Japanese message when it is one of ours, else a generic one."""
    from warehouse import WarehouseBusy

    said = str(exc) if isinstance(exc, WarehouseBusy) else GENERIC_JA
    return f"{said}（問い合わせ番号: {number}）"

"""Runs the collect flow for a batch from the app or CLI, without ever waiting on a temporary Prefect server."""
from __future__ import annotations

import os
from pathlib import Path

from kpi.platform.prefect_server import healthy
from kpi.services import intake

DOWN_NOTICE = ("集計処理サーバー（Prefect）に接続できないため、入力内容は受付番号 {batch_id} として保存しました。"
               "サーバーの復旧後に自動で取り込まれます。")


def prefect_available() -> bool:
    """True when $PREFECT_API_URL points at a server that answers (never start a temporary one)."""
    url = os.environ.get("PREFECT_API_URL")
    return bool(url) and healthy(url, timeout=1.0)


def collect(batch_id: int, db: Path | str | None = None) -> intake.BatchReport:
    """Process the batch through the collect_submissions flow; a batch left 'received' when Prefect is down."""
    if not prefect_available():
        return intake.BatchReport(batch_id, "received")
    from flows.collect import run_batch, run_pending

    run_batch(batch_id, str(db) if db is not None else None)
    if intake.pending(db):  # batches kept while the server was down: land them now that it is back
        run_pending(str(db) if db is not None else None)
    return intake.batch_status(batch_id, db=db)

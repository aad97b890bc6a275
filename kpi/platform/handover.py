"""The client side of the warm collector (kpi/platform/collector.py): where it listens and how a batch is handed
over. kpi.platform.runner hands `kpi collect`'s batches over through here; the collector serves the other end."""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from kpi.services import batches

SUFFIX = ".collector.sock"
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
DEFAULT_WAIT_S = 900.0  # a 100,000-row workbook takes well under a minute; a stuck collector must not hang forever


def warehouse_path(db: Path | str | None) -> Path:
    """The resolved warehouse file a collector serves."""
    from warehouse.connection import default_db_path

    return (Path(db) if db is not None else default_db_path()).resolve()


def socket_path(db: Path | str | None = None) -> Path | None:
    """Where the collector of this warehouse listens, or None when the path is too long for a Unix socket."""
    path = Path(str(warehouse_path(db)) + SUFFIX)
    return path if len(os.fsencode(path)) <= _MAX_SOCKET_PATH else None


def hand_over(batch_id: int, db: Path | str | None = None, *, timeout: float = DEFAULT_WAIT_S) -> batches.BatchReport | None:
    """Have the collector of this warehouse run collect_submissions for the batch; None when none answers."""
    path = socket_path(db)
    if path is None or not path.exists() or not hasattr(socket, "AF_UNIX"):
        return None
    request = json.dumps({"batch_id": batch_id, "db": str(warehouse_path(db))}).encode() + b"\n"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(path))
            s.sendall(request)
            with s.makefile("rb") as f:
                answer = json.loads(f.readline() or b"null")
    except (OSError, ValueError):  # refused (stale socket), reset (collector killed), timeout, garbled answer
        return None
    if not isinstance(answer, dict) or answer.get("batch_id") != batch_id or "status" not in answer:
        return None
    findings = [batches.Finding(**f) for f in answer.get("findings", [])]
    return batches.BatchReport(batch_id, answer["status"], findings, saved=answer.get("saved", 0),
                              skipped_blank=answer.get("skipped_blank", 0))

"""The warm collector: `kpi collect` hands its batch to a process that already has Prefect loaded.

A `kpi collect` process that runs the collect_submissions flow itself pays ≈2 s importing Prefect before any
work — more than half of the 5 s a 10,000-row workbook may take. The process that serves the scheduled flows
(`python -m flows.serve`, started by scripts/run.sh) therefore also listens on a Unix socket next to the
warehouse file (`<db>.collector.sock`, owner-only). `kpi collect` stores the batch as received (its own
transaction, as before), sends the batch number over the socket and waits: the collector runs the same
collect_submissions flow (a Prefect flow run, visible in the UI) through :func:`kpi.platform.runner.collect`
and answers with the batch's report.

When no collector answers (not started, the socket left by a killed process, another warehouse, a path too long
for a socket), :func:`hand_over` returns None and the caller runs the flow in its own process as before; a batch
is never lost either way, because it is stored before it is handed over and processing a batch twice does
nothing the second time.

Run one alone with `python -m kpi.platform.collector [--db PATH]` (the benchmark does; scripts/run.sh does not
need to, flows.serve starts it).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import socketserver
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from kpi.platform.handover import DEFAULT_WAIT_S, SUFFIX, hand_over, socket_path, warehouse_path
from kpi.services import batches

__all__ = ["CollectorServer", "DEFAULT_WAIT_S", "SUFFIX", "hand_over", "main", "socket_path", "start"]

_REQUEST_LIMIT = 4096


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: CollectorServer = self.server  # type: ignore[assignment]
        try:
            request = json.loads(self.rfile.readline(_REQUEST_LIMIT) or b"null")
            batch_id = request["batch_id"]
            if not isinstance(batch_id, int) or isinstance(batch_id, bool) or request.get("db") != str(server.db):
                raise ValueError("not a request for this warehouse")
        except (ValueError, KeyError, TypeError):
            self._answer(b'{"error": "bad request"}\n')
            return
        started = time.perf_counter()
        try:
            report = server.collect(batch_id)
            answer = {**asdict(report), "batch_id": batch_id}
            print(f"collector: batch {batch_id} {report.status} ({report.saved} saved) in "
                  f"{time.perf_counter() - started:.2f} s", file=sys.stderr, flush=True)
        except Exception as exc:  # the client falls back to running the flow itself; the batch is stored
            print(f"collector: batch {batch_id} failed: {exc!r}", file=sys.stderr, flush=True)
            answer = {"error": type(exc).__name__}
        self._answer(json.dumps(answer, ensure_ascii=False, default=str).encode() + b"\n")

    def _answer(self, line: bytes) -> None:
        try:
            self.wfile.write(line)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client is gone (it stopped waiting): nothing to tell, and no traceback on stderr


class CollectorServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Answers hand_over() for one warehouse; each request runs the collect_submissions flow on its own thread."""

    daemon_threads = True

    def __init__(self, db: Path | str | None = None):
        self.db = warehouse_path(db)
        self.target = db  # what the batches are collected into: as given (None: $KPI_DATABASE_URL, else $KPI_DB)
        path = socket_path(self.db)
        if path is None:
            raise OSError(f"socket path too long for {self.db}")
        self.path = path
        self.handled: list[int] = []  # batch numbers this collector ran, in order (for the operator and tests)
        if path.exists():
            if _answers(path):
                raise OSError(f"a collector already listens on {path}")
            path.unlink()  # left by a process that was killed
        old = os.umask(0o177)  # the socket is the owner's only (0600)
        try:
            super().__init__(str(path), _Handler)
        finally:
            os.umask(old)

    def collect(self, batch_id: int) -> batches.BatchReport:
        """The flow run for one batch (the same function the entry page calls)."""
        from kpi.platform.runner import collect

        report = collect(batch_id, db=self.target)
        self.handled.append(batch_id)
        return report

    def server_close(self) -> None:
        super().server_close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(str(path))
        return True
    except OSError:
        return False


def start(db: Path | str | None = None) -> CollectorServer | None:
    """Listen in a background thread (Prefect's flow code imported first, so the first batch runs warm);
    None, with a line on stderr, when it cannot listen — `kpi collect` then runs its flows itself."""
    import kpi.io.workbook  # noqa: F401  fastexcel, pyarrow, numpy: ≈0.3 s the first workbook would wait on
    from flows.collect import run_pending  # the ≈2 s every cold `kpi collect` would pay, before the socket exists
    from kpi.platform import runner

    path = socket_path(db)
    if path is not None and path.exists() and _answers(path):
        print(f"collector not started: a collector already listens on {path}", file=sys.stderr, flush=True)
        return None
    if runner.prefect_available():
        # Batches kept while the Prefect server was down are taken in now; this first flow run of the process
        # also sets up Prefect's client and workers (≈1.3 s), which the first `kpi collect` would otherwise wait on.
        try:
            run_pending(None if db is None else str(db))  # a flow run even with nothing pending: it warms the client
        except Exception as exc:  # the warehouse busy or not yet created: the batches wait for the next run
            print(f"collector: collect_pending at start failed: {exc!r}", file=sys.stderr, flush=True)
    try:  # the socket appears only now: a batch handed over from here on is not also taken by collect_pending
        server = CollectorServer(db)
    except OSError as exc:
        print(f"collector not started: {exc}", file=sys.stderr, flush=True)
        return None
    threading.Thread(target=server.serve_forever, name="kpi-collector", daemon=True).start()
    print(f"collector listening on {server.path}", file=sys.stderr, flush=True)
    return server


def main(argv: list[str] | None = None) -> int:
    """`python -m kpi.platform.collector [--db PATH]`: serve until interrupted."""
    p = argparse.ArgumentParser(prog="python -m kpi.platform.collector")
    p.add_argument("--db", default=None, help="warehouse file (default $KPI_DB)")
    args = p.parse_args(argv)
    server = start(args.db)
    if server is None:
        return 1
    stop = threading.Event()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fault injection for the crash-safety tests: kill this process at a named point of a service.

`KPI_CRASH_AT=<label>:<n>` makes the n-th time (from 1) this process reaches `point("<label>")` send itself
SIGKILL — no cleanup, no `finally`, no rollback, exactly like a power cut or the OOM killer. Unset (always, in
production) a point costs one dictionary lookup.

`KPI_STALL_AT=<label>` makes this process stop at that point instead (it prints `stalled at <label> pid <pid>` on
stderr and waits until it is killed): the worker tests kill a worker and its run while the run holds a batch
half-processed.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

ENV = "KPI_CRASH_AT"
STALL_ENV = "KPI_STALL_AT"
_counts: dict[str, int] = {}
_guard = threading.Lock()


def target() -> tuple[str, int] | None:
    """The (label, n) asked for by $KPI_CRASH_AT, or None."""
    spec = os.environ.get(ENV)
    if not spec:
        return None
    label, _, n = spec.rpartition(":")
    if not label:
        return spec, 1
    return label, int(n or 1)


def point(label: str) -> None:
    """A place where the crash tests may kill the process (the n-th time it is reached)."""
    spec = os.environ.get(ENV)
    if not spec:
        if os.environ.get(STALL_ENV) == label:
            stall(label)
        return
    wanted = target()
    if wanted is None or wanted[0] != label:
        return
    with _guard:
        _counts[label] = _counts.get(label, 0) + 1
        reached = _counts[label]
    if reached == wanted[1]:
        os.kill(os.getpid(), signal.SIGKILL)


def stall(label: str) -> None:
    """Stop here until killed (KPI_STALL_AT): say so on stderr first, with this process's id."""
    print(f"stalled at {label} pid {os.getpid()}", file=sys.stderr, flush=True)
    while True:
        time.sleep(3600)

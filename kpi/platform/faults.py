"""Fault injection for the crash-safety tests: kill this process at a named point of a service.

`KPI_CRASH_AT=<label>:<n>` makes the n-th time (from 1) this process reaches `point("<label>")` send itself
SIGKILL — no cleanup, no `finally`, no rollback, exactly like a power cut or the OOM killer. Unset (always, in
production) a point costs one dictionary lookup.
"""
from __future__ import annotations

import os
import signal
import threading

ENV = "KPI_CRASH_AT"
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
        return
    wanted = target()
    if wanted is None or wanted[0] != label:
        return
    with _guard:
        _counts[label] = _counts.get(label, 0) + 1
        reached = _counts[label]
    if reached == wanted[1]:
        os.kill(os.getpid(), signal.SIGKILL)

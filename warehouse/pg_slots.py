"""How many PostgreSQL connections one process uses at once: at most KPI_PG_POOL_MAX per database (default 16).

warehouse/pg.py takes a slot before it takes a connection for a unit of work and gives it back with the
connection. A unit of work beyond the cap waits for a slot within the DuckDB lock's bound (30 s) and then raises
WarehouseBusy with the same Japanese sentence, instead of opening one more connection: PostgreSQL refuses clients
past its max_connections ("too many clients") — for every process sharing the cluster, the Prefect server included.
"""
from __future__ import annotations

import os
import threading

from warehouse.busy import DEFAULT_LOCK_TIMEOUT_S, WarehouseBusy, busy_message

ENV = "KPI_PG_POOL_MAX"
DEFAULT_MAX = 16  # a Streamlit process serving ~50 sessions; 2 processes and 2 workers stay well under 100 clients

_slots: dict[tuple[int, str], threading.BoundedSemaphore] = {}
_guard = threading.Lock()


def cap() -> int:
    """Connections to one database this process may use at once (KPI_PG_POOL_MAX, at least 1)."""
    try:
        return max(1, int(os.environ.get(ENV) or DEFAULT_MAX))
    except ValueError:
        return DEFAULT_MAX


def _of(url: str) -> threading.BoundedSemaphore:
    key = (os.getpid(), url)  # a forked child starts with none of its parent's connections
    with _guard:
        slots = _slots.get(key)
        if slots is None:
            slots = _slots[key] = threading.BoundedSemaphore(cap())
        return slots


def take(url: str, timeout: float = DEFAULT_LOCK_TIMEOUT_S) -> None:
    """Wait for a free slot (WarehouseBusy after `timeout` seconds)."""
    if not _of(url).acquire(timeout=timeout):
        raise WarehouseBusy(busy_message(timeout))


def give_back(url: str) -> None:
    """Free the slot a unit of work held."""
    _of(url).release()

"""What every script run of the app reads before its page, in one warehouse unit of work: the session's actor
(re-read on every run, so a revoked account ends at its next click), the reporting cycles most pages open on, and
the warehouse change counter (warehouse/change_counter.py) the app's caches are keyed on, so a write made by another
process (another app process, a worker, the CLI) shows at this process's next run.

Each unit of work attaches the warehouse file (≈ 5–7 ms of CPU); the session check and the cycles read inside one
(warehouse.connect nests: the inner units share the outer one's attachment) save one attachment on every page with
a cycle selector, for one small query more on the pages without one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import warehouse
from warehouse import change_counter
from kpi.services import directory, sessions
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, allowed


@dataclass(frozen=True)
class Resumed:
    """The actor of a live session, every reporting cycle, newest first (None: the actor may not list them), and
    the warehouse's change counter (None: the warehouse has none yet, see change_counter)."""

    actor: Actor
    cycles: list[dict] | None
    changes: str | None = None


def resume(token: str, *, db: Path | str | None = None, now: datetime | None = None) -> Resumed:
    """sessions.resume (SessionEnded as it raises it), directory.list_cycles and the change counter, in one unit
    of work (the counter read first: what the caches then read is at least as new as it)."""
    with warehouse.connect(db) as con:
        counted = change_counter.read(con)
        actor = sessions.resume(token, db=db, now=now)
        cycles = directory.list_cycles(actor, db=db) if allowed(actor, Permission.VIEW_CYCLES) else None
    return Resumed(actor, cycles, counted)


def changes(*, db: Path | str | None = None) -> str | None:
    """The warehouse's change counter now (one cheap query): the cache key part that moves with every write."""
    with warehouse.connect(db) as con:
        return change_counter.read(con)

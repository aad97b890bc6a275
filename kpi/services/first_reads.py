"""What every script run of the app reads before its page, in one warehouse unit of work: the session's actor
(re-read on every run, so a revoked account ends at its next click) and the reporting cycles most pages open on.

Each unit of work attaches the warehouse file (≈ 5–7 ms of CPU); the session check and the cycles read inside one
(warehouse.connect nests: the inner units share the outer one's attachment) save one attachment on every page with
a cycle selector, for one small query more on the pages without one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import warehouse
from kpi.services import directory, sessions
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, allowed


@dataclass(frozen=True)
class Resumed:
    """The actor of a live session and every reporting cycle, newest first (None: the actor may not list them)."""

    actor: Actor
    cycles: list[dict] | None


def resume(token: str, *, db: Path | str | None = None, now: datetime | None = None) -> Resumed:
    """sessions.resume (SessionEnded as it raises it) and directory.list_cycles, in one unit of work."""
    with warehouse.connect(db):
        actor = sessions.resume(token, db=db, now=now)
        cycles = directory.list_cycles(actor, db=db) if allowed(actor, Permission.VIEW_CYCLES) else None
    return Resumed(actor, cycles)

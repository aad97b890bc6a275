"""Read-only directories: cycles, departments, reason categories and accounts, by role."""
from __future__ import annotations

from pathlib import Path

import warehouse
from kpi.services.accounts import throttled_for
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from warehouse import master, users


def list_cycles(actor: Actor, db: Path | str | None = None) -> list[dict]:
    """Every reporting cycle, newest first (any logged-in role)."""
    check(actor, Permission.VIEW_CYCLES)
    with warehouse.connect(db) as con:
        return master.list_cycles(con)


def list_departments(actor: Actor, db: Path | str | None = None) -> list[dict]:
    """Departments with their indicator counts (reviewers and administrators)."""
    check(actor, Permission.VIEW_DEPARTMENTS)
    with warehouse.connect(db) as con:
        return master.list_departments(con)


def list_accounts(actor: Actor, db: Path | str | None = None) -> list[dict]:
    """Accounts with roles and departments, never password hashes (administrators); wait_s: seconds the login
    must still wait before its next try after failed passwords (0: not slowed)."""
    check(actor, Permission.VIEW_ACCOUNTS)
    with warehouse.connect(db) as con:
        rows = users.list_users(con)
    waits = throttled_for([u["login"] for u in rows], db=db)  # the login throttle (shared by every process)
    return [{**u, "wait_s": waits.get(u["login"], 0)} for u in rows]

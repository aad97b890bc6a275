"""Backup and restore of the warehouse, for the operator (`kpi backup`, `kpi restore`, a cron line).

Both act on the warehouse as a whole, so they are operator commands (whoever may run them already has the file
or the database's credentials), not app actions; the app keeps running while a backup is taken (it waits a
fraction of a second for the lock). A PostgreSQL warehouse is dumped with pg_dump and restored with pg_restore into
an empty database (warehouse/pg_backup.py), with the same manifest and checks.
"""
from __future__ import annotations

from pathlib import Path

from warehouse.backup import BackupRefused, before_restore_path, inspect

__all__ = ["BackupRefused", "backup", "before_restore_path", "inspect", "restore"]


def backup(out: Path | str, *, db: Path | str | None = None) -> dict:
    """Write a consistent, verified copy of the warehouse to `out`; returns its size, timings and row counts."""
    from warehouse import backup as store

    return store.backup(db, out)


def restore(src: Path | str, *, db: Path | str | None = None, require_manifest: bool = True) -> dict:
    """Replace the warehouse with a backup (atomic rename); the replaced file is kept as `<db>.before-restore`.
    A PostgreSQL warehouse must be an empty database (refused otherwise: there is nothing to keep it as).

    Refuses, with a Japanese message and nothing changed, a file that is not a warehouse backup or whose bytes or
    tables differ from the checksums recorded beside it at backup time (`<backup>.manifest.json`).
    """
    import getpass
    import json

    import warehouse
    from kpi.domain.audit_events import AuditEvent
    from warehouse import audit
    from warehouse import backup as store

    info = store.restore(src, db, require_manifest=require_manifest)
    with warehouse.transaction(info["db"]) as con:  # the restored trail records that it was restored, and by whom
        audit.record(con, AuditEvent(actor="local", role="admin", action="restore", entity="warehouse",
                                     entity_id=Path(src).name, comment=f"OSユーザー {getpass.getuser()}",
                                     new_value=json.dumps({"file": str(src), "kept": info["kept"]}, ensure_ascii=False)))
    return info

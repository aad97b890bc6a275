"""The warehouse: the only package that opens DuckDB (connection, migrations, repositories, views)."""
from warehouse.connection import AuditIsAppendOnly, GuardedConnection as Connection, WarehouseBusy, connect, \
    default_db_path, transaction

__all__ = ["AuditIsAppendOnly", "Connection", "WarehouseBusy", "connect", "default_db_path", "transaction", "init_db"]


def init_db(db_path=None) -> list[int]:
    """Create the file if needed and apply pending migrations; return the numbers applied now."""
    from warehouse.migrations import migrate

    with connect(db_path) as con:
        return migrate(con)

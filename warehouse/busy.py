"""The bounded wait for the warehouse, the same on both engines: the error and its Japanese sentence.

A DuckDB file locked by another process (warehouse/connection.py) and a PostgreSQL database whose connections this
process already uses up to its cap (warehouse/pg_slots.py) both make a unit of work wait at most
DEFAULT_LOCK_TIMEOUT_S seconds, then say so in the same words.
"""
from __future__ import annotations

DEFAULT_LOCK_TIMEOUT_S = 30.0


class WarehouseBusy(RuntimeError):
    """The warehouse stayed busy (its file locked, or every connection allowed in use) past the bounded wait."""


def busy_message(timeout: float) -> str:
    """The sentence a person reads after waiting `timeout` seconds."""
    return f"データベースが他の処理で使用中です（{timeout:g}秒待機しました）。しばらくしてから再度お試しください。"

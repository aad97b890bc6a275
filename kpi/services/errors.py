"""Errors the services raise for people to read (str() is Japanese); importable without Polars or DuckDB."""
from __future__ import annotations


class NotFound(LookupError):
    """The asked-for cycle or object does not exist; str() is Japanese."""

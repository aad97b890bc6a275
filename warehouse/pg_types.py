"""Types between PostgreSQL, Arrow and Polars for the PostgreSQL adapter (warehouse/pg.py): a result column's Arrow
array from its psycopg description, and the column definitions of a Polars frame registered as a table."""
from __future__ import annotations

from decimal import Decimal

import polars as pl
import psycopg
import pyarrow as pa

# PostgreSQL type oids → Arrow types (numeric, 1700, is typed from the column's precision and scale).
ARROW = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 700: pa.float32(), 701: pa.float64(),
         25: pa.string(), 1043: pa.string(), 1042: pa.string(), 19: pa.string(), 1082: pa.date32(),
         1114: pa.timestamp("us"), 1184: pa.timestamp("us", tz="UTC"), 17: pa.binary()}


def arrow_array(values: list, d) -> pa.Array:
    if d.type_code == 1700:  # numeric
        if d.precision is not None and d.scale is not None:
            return pa.array(values, type=pa.decimal128(d.precision, d.scale))
        if all(v is None for v in values):
            return pa.array(values, type=pa.decimal128(38, 4))
        scale = max((-v.as_tuple().exponent for v in values if isinstance(v, Decimal) and v.is_finite()), default=0)
        return pa.array(values, type=pa.decimal128(38, max(scale, 0)))
    t = ARROW.get(d.type_code)
    if t is not None:
        return pa.array(values, type=t)
    return pa.array(values) if any(v is not None for v in values) else pa.nulls(len(values))


def column_defs(frame: pl.DataFrame) -> psycopg.sql.Composed:
    """`"name" TYPE, …` of a frame: each name quoted by psycopg, each type one of _pg_type's fixed names."""
    return psycopg.sql.SQL(", ").join(
        psycopg.sql.SQL("{} {}").format(psycopg.sql.Identifier(c), psycopg.sql.SQL(pg_type(t)))
        for c, t in frame.schema.items())


def pg_type(t: pl.DataType) -> str:
    if t in (pl.Int8, pl.Int16, pl.UInt8):
        return "SMALLINT"
    if t in (pl.Int32, pl.UInt16):
        return "INTEGER"
    if t.is_integer():
        return "BIGINT"
    if t.is_float():
        return "DOUBLE PRECISION"
    if isinstance(t, pl.Decimal):
        return f"NUMERIC({t.precision or 38}, {t.scale or 0})"
    if t == pl.Boolean:
        return "BOOLEAN"
    if t == pl.Date:
        return "DATE"
    if isinstance(t, pl.Datetime):
        return "TIMESTAMPTZ" if t.time_zone else "TIMESTAMP"
    if t == pl.Binary:
        return "BYTEA"
    if isinstance(t, pl.List):
        return pg_type(t.inner) + "[]"
    return "TEXT"

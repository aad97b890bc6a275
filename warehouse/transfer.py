"""Copy a whole warehouse to another backend (`kpi export-warehouse`): DuckDB file ⇄ PostgreSQL database.

The destination is migrated to the same schema first and must hold no rows. Every table is copied in one
transaction of the destination (all or nothing), ids, times and the audit trail's hashes kept; each sequence is
advanced past the largest id copied, so new rows continue the numbering. Afterwards every table is read back from
both sides and compared row for row (as multisets: the two backends need not return rows in the same order).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from warehouse import audit
from warehouse.reporting import frame
from warehouse.connection import connect, transaction
from warehouse.migrations import applied, migrate

_SEQUENCE = re.compile(r"nextval\('([A-Za-z_][A-Za-z_0-9]*)'")
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_STAGE = "_transfer_rows"  # the registered frame of one table's rows


class TransferRefused(RuntimeError):
    """The copy cannot be made (the destination holds data, or the two schemas differ); message in Japanese."""


@dataclass(frozen=True)
class Transferred:
    """What was copied: rows per table, each verified equal on both sides."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _ident(*names: str, quote: bool = True) -> str:
    """Catalog names (tables, columns, sequences) for a statement's text: each refused unless a plain identifier,
    double-quoted unless quote=False, joined with ", "."""
    for name in names:
        if not _NAME.fullmatch(str(name)):
            raise TransferRefused(f"名前「{name}」の表・列は複製できません（英数字と _ の名前のみ）。")
    return ", ".join(f'"{n}"' if quote else str(n) for n in names)


def _tables(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name").fetchall()]


def _sequences(con) -> dict[str, tuple[str, str]]:
    """sequence → (table, column) for every column whose default draws from a sequence."""
    out = {}
    for table, column, default in con.execute(
            "SELECT table_name, column_name, column_default FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND column_default IS NOT NULL").fetchall():
        found = _SEQUENCE.search(str(default))
        if found:
            out[found.group(1)] = (table, column)
    return out


def _rows(con, table: str) -> tuple[list[str], list[tuple]]:
    cur = con.execute(f"SELECT * FROM {_ident(table)}")  # a name read from the catalog, quoted
    return [d[0] for d in cur.description], cur.fetchall()


def _frame(con, table: str) -> pl.DataFrame:
    return frame(con, f"SELECT * FROM {_ident(table)}")  # a name read from the catalog, quoted


def _copy_table(dst, table: str, rows: pl.DataFrame) -> None:
    if table == "audit_log":
        audit.copy_in(dst, rows)
        return
    cols = _ident(*rows.columns)  # the source table's own column names
    dst.register(_STAGE, rows)
    try:
        dst.execute(f"INSERT INTO {_ident(table)} ({cols}) SELECT {cols} FROM {_STAGE}").fetchall()
    finally:
        dst.unregister(_STAGE)


def _advance(dst, sequence: str, table: str, column: str) -> None:
    """Make the sequence's next value follow the largest id copied (DuckDB has no setval: draw up to it)."""
    top = dst.execute(f"SELECT coalesce(max({_ident(column)}), 0) FROM {_ident(table)}").fetchall()[0][0]
    if not top:
        return
    if hasattr(dst, "execute_native"):
        dst.execute_native(f"SELECT setval('{_ident(sequence, quote=False)}', {int(top)})")
    else:
        dst.execute(f"SELECT max(nextval('{_ident(sequence, quote=False)}')) FROM range(?)", [int(top)]).fetchall()


def _empty(con, tables: list[str]) -> bool:
    return all(con.execute(f"SELECT count(*) FROM {_ident(t)}").fetchall()[0][0] == 0 for t in tables)  # catalog


def transfer(source: Path | str, destination: Path | str) -> Transferred:
    """Copy every row of `source` into the empty warehouse `destination` and verify it row for row."""
    with connect(source) as src:
        migrate(src)
        wanted = applied(src)
    with connect(destination) as dst:
        migrate(dst)
        if applied(dst) != wanted:
            raise TransferRefused("コピー元とコピー先のデータベースの版（マイグレーション）が違います")
    with connect(source) as src, transaction(destination) as dst:
        if hasattr(src, "execute_native"):  # one snapshot of the whole source
            src.execute_native("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        tables = _tables(src)
        if tables != _tables(dst):
            raise TransferRefused("コピー元とコピー先の表が一致しません")
        if not _empty(dst, tables):
            raise TransferRefused("コピー先のデータベースにはすでにデータがあります。空のデータベースを指定してください")
        counts = {}
        for table in tables:
            rows = _frame(src, table)
            if rows.height:
                _copy_table(dst, table, rows)
            counts[table] = rows.height
        for sequence, (table, column) in _sequences(dst).items():
            _advance(dst, sequence, table, column)
        if hasattr(src, "execute_native"):
            src.execute_native("COMMIT")
    verify(source, destination, tables)
    return Transferred(counts)


def verify(source: Path | str, destination: Path | str, tables: list[str]) -> None:
    """Every table holds the same rows on both sides (same columns, same values, same multiplicity)."""
    with connect(source) as src, connect(destination) as dst:
        for table in tables:
            src_cols, src_rows = _rows(src, table)
            dst_cols, dst_rows = _rows(dst, table)
            if src_cols != dst_cols:
                raise TransferRefused(f"表 {table} の列がコピー元と違います")
            if Counter(src_rows) != Counter(dst_rows):
                raise TransferRefused(f"表 {table} の行がコピー元と一致しません（{len(dst_rows):,}行、"
                                      f"コピー元 {len(src_rows):,}行）")

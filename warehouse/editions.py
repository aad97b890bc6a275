"""Repository for published editions: frozen rows and the files each edition produced."""
from __future__ import annotations

import io
from datetime import datetime

import duckdb
import polars as pl


def _ipc(df: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.write_ipc(buf)
    return buf.getvalue()


def next_edition_no(con: duckdb.DuckDBPyConnection, cycle_id: int) -> int:
    """The number the next edition of a cycle gets (1 for the first)."""
    return con.execute("SELECT coalesce(max(edition_no), 0) + 1 FROM editions WHERE cycle_id = ?",
                       [cycle_id]).fetchone()[0]


def insert_edition(con: duckdb.DuckDBPyConnection, *, cycle_id: int, edition_no: int, title: str, note: str | None,
                   published_by: str, rows: pl.DataFrame, parts: pl.DataFrame, pillars_json: str,
                   files: dict[str, tuple[str, bytes]], kind: str = "final", approved_count: int | None = None,
                   indicator_count: int | None = None, sections_json: str | None = None,
                   published_at: datetime | None = None) -> int:
    """Store an edition with its frozen rows and files; return its id. published_at: naive UTC (default now)."""
    edition_id = con.execute(
        "INSERT INTO editions (cycle_id, edition_no, title, note, published_by, rows_ipc, parts_ipc, pillars_json,"
        " kind, approved_count, indicator_count, sections_json, published_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, current_timestamp::TIMESTAMP)) RETURNING edition_id",
        [cycle_id, edition_no, title, note, published_by, _ipc(rows), _ipc(parts), pillars_json, kind,
         approved_count, indicator_count, sections_json, published_at],
    ).fetchone()[0]
    for name, (mime, content) in files.items():
        con.execute("INSERT INTO edition_files VALUES (?, ?, ?, ?)", [edition_id, name, mime, content])
    return edition_id


def list_editions(con: duckdb.DuckDBPyConnection, cycle_id: int | None = None) -> list[dict]:
    """Editions (newest first), with their cycle."""
    cur = con.execute(
        "SELECT e.edition_id, e.cycle_id, c.fiscal_year, c.label, e.edition_no, e.title, e.note, e.published_by,"
        " e.published_at, coalesce(e.kind, 'final') AS kind, e.approved_count, e.indicator_count, e.sections_json"
        " FROM editions e JOIN cycles c USING (cycle_id)"
        " WHERE (? IS NULL OR e.cycle_id = ?) ORDER BY c.fiscal_year DESC, e.edition_no DESC",
        [cycle_id, cycle_id],
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def frozen(con: duckdb.DuckDBPyConnection, edition_id: int) -> tuple[dict, pl.DataFrame, pl.DataFrame, str] | None:
    """(edition, rows, parts, pillars_json) exactly as published, or None."""
    row = con.execute("SELECT rows_ipc, parts_ipc, pillars_json FROM editions WHERE edition_id = ?",
                      [edition_id]).fetchone()
    if row is None:
        return None
    meta = next(e for e in list_editions(con) if e["edition_id"] == edition_id)
    return meta, pl.read_ipc(io.BytesIO(bytes(row[0]))), pl.read_ipc(io.BytesIO(bytes(row[1]))), row[2]


def files(con: duckdb.DuckDBPyConnection, edition_id: int) -> list[dict]:
    """The files of an edition (name, mime, content)."""
    return [{"name": r[0], "mime": r[1], "content": bytes(r[2])} for r in con.execute(
        "SELECT name, mime, content FROM edition_files WHERE edition_id = ? ORDER BY name", [edition_id]).fetchall()]

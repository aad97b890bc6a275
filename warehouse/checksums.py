"""Checksums that prove a backup is whole: the file's SHA-256 and every table read in full.

A backup's manifest (`<backup>.manifest.json`, written beside it by `kpi backup`) keeps both. Row counts alone
prove nothing: DuckDB reads them from metadata, so a file cut in half still answers them. Reading every column
of every row makes DuckDB check every data block's own checksum as well.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

MANIFEST_FORMAT = 1
_CHUNK = 1 << 20


class ChecksumMismatch(ValueError):
    """A file or table does not match what was recorded when the backup was made (message in Japanese)."""


def manifest_path(backup: Path | str) -> Path:
    """Where the manifest of a backup file lives: beside it, `<backup>.manifest.json`."""
    backup = Path(backup)
    return backup.with_name(backup.name + ".manifest.json")


def copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
    """Copy `src` to a new owner-only `dst`; the SHA-256 and size of the bytes written (hashed as copied)."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)
            fout.write(chunk)
            size += len(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest(), size


def file_sha256(path: Path | str) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def table_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Every table of the open warehouse read in full: {table: {"rows": n, "content": checksum of all rows}}.

    The checksum sums MD5s of each row's text, so it does not depend on the order DuckDB returns rows in.
    """
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name"
    ).fetchall()]
    out = {}
    for table in tables:
        rows, low, high = con.execute(
            "SELECT count(*), coalesce(sum(md5_number_lower(CAST(r AS VARCHAR))::HUGEINT), 0),"
            " coalesce(sum(md5_number_upper(CAST(r AS VARCHAR))::HUGEINT), 0) FROM query_table(?) AS r",
            [table],
        ).fetchone()
        out[table] = {"rows": int(rows), "content": f"{int(low):x}-{int(high):x}"}
    return out


def write_manifest(backup: Path, *, sha256: str, size: int, tables: dict[str, dict], migrations: list[int],
                   created_at: str) -> Path:
    """Write the manifest beside the backup (owner-only, atomically) and return its path."""
    path = manifest_path(backup)
    tmp = path.with_name(f".{path.name}.partial")
    body = {"format": MANIFEST_FORMAT, "file": backup.name, "bytes": size, "sha256": sha256,
            "created_at": created_at, "migrations": migrations, "tables": tables}
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def read_manifest(backup: Path, shown: str) -> dict:
    """The manifest recorded with a backup; ChecksumMismatch when it is missing or unreadable."""
    path = manifest_path(backup)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChecksumMismatch(f"{shown} の検証用の記録（{path.name}）がありません。kpi backup が作ったファイルと"
                               "同じフォルダーに置いてください") from None
    except (OSError, ValueError):
        raise ChecksumMismatch(f"{shown} の検証用の記録（{path.name}）を読めません") from None
    if not isinstance(body, dict) or body.get("format") != MANIFEST_FORMAT or not isinstance(body.get("tables"), dict):
        raise ChecksumMismatch(f"{shown} の検証用の記録（{path.name}）の形式が違います")
    return body


def compare_file(manifest: dict, sha256: str, size: int, shown: str) -> None:
    """Refuse a file whose bytes differ from those recorded (cut short, or altered anywhere)."""
    if size != manifest.get("bytes"):
        raise ChecksumMismatch(f"{shown} の大きさが作成時と違います（{size:,}バイト、作成時 "
                               f"{manifest.get('bytes', 0):,}バイト）。ファイルが途中で切れています")
    if sha256 != manifest.get("sha256"):
        raise ChecksumMismatch(f"{shown} の内容が作成時と違います（チェックサムが一致しません）。ファイルが壊れています")


def compare_tables(recorded: dict[str, dict], found: dict[str, dict], shown: str) -> None:
    """Refuse when any table's rows or content differ from those recorded at backup time."""
    for table in sorted(set(recorded) | set(found)):
        if table not in found:
            raise ChecksumMismatch(f"{shown} に表 {table} がありません")
        if table not in recorded:
            raise ChecksumMismatch(f"{shown} に作成時にはなかった表 {table} があります")
        if recorded[table] != found[table]:
            raise ChecksumMismatch(f"{shown} の表 {table} の内容が作成時と違います"
                                   f"（{found[table]['rows']:,}行、作成時 {recorded[table]['rows']:,}行）")

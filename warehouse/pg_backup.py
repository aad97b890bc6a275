"""Backup and restore of a PostgreSQL warehouse with PostgreSQL's own tools: `pg_dump` (custom format) and
`pg_restore`, the client of the server's major version (Debian installs each under /usr/lib/postgresql/N/bin).

A backup is one consistent snapshot: a REPEATABLE READ transaction exports its snapshot, `pg_dump --snapshot`
dumps exactly what it sees, and the table checksums of the manifest are read in that same transaction. The
archive is then read back in full (`pg_restore --file=/dev/null`: every data block decompressed) before it
replaces the output file. A restore goes into an empty database only (nothing to keep or overwrite), in one
transaction (`pg_restore --single-transaction`), and every table is compared with the manifest's checksums.

The URL's password never reaches a message, a process list or a log: the tools get it through PGPASSWORD.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from warehouse import checksums, pg
from warehouse.checksums import ChecksumMismatch
from warehouse.connection import connect
from warehouse.files import private_dir
from warehouse.migrations import discover, migrate

PG_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_BINDIR = "/usr/lib/postgresql/{major}/bin"


class PgBackupRefused(ValueError):
    """A PostgreSQL backup or restore cannot be made (the message says why, in Japanese)."""


def _ident(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise PgBackupRefused(f"名前「{name}」の表はバックアップできません（英数字と _ の名前のみ）")
    return f'"{name}"'


def _server_major(con) -> int:
    return int(con.execute_native("SHOW server_version_num").fetchone()[0]) // 10000


def tool(name: str, major: int) -> Path:
    """The client program `name` of PostgreSQL `major` (Debian's layout; $KPI_PG_BINDIR overrides the folder)."""
    folder = Path(os.environ.get("KPI_PG_BINDIR") or _BINDIR.format(major=major))
    path = folder / name
    if not os.access(path, os.X_OK):
        raise PgBackupRefused(f"PostgreSQL {major} の {name} が見つかりません（{folder}）。"
                              f"apt-get install postgresql-client-{major} を実行してください")
    return path


def _run(program: Path, args: list[str], url: str, what: str) -> None:
    """Run a PostgreSQL client program against `url`, its password passed through PGPASSWORD only."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    password = info.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    done = subprocess.run([str(program), *args, "--dbname", psycopg.conninfo.make_conninfo(**info)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip()
        if password:
            said = said.replace(str(password), "****")
        raise PgBackupRefused(f"{what}に失敗しました（{pg.redacted(url)}）: {said[-800:]}")


def table_checksums(con) -> dict[str, dict]:
    """Every table of the warehouse's schema read in full: {table: {"rows": n, "content": checksum of all rows}}
    (sums of each row's MD5, so the order rows come back in does not matter)."""
    tables = [r[0] for r in con.execute_native(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
    out = {}
    for table in tables:
        rows, low, high = con.execute_native(  # a name read from the catalog, checked and quoted
            "SELECT count(*), coalesce(sum(('x' || substr(md5(r::text), 1, 16))::bit(64)::bigint::numeric), 0),"
            " coalesce(sum(('x' || substr(md5(r::text), 17, 16))::bit(64)::bigint::numeric), 0)"
            f" FROM {_ident(table)} AS r").fetchone()
        out[table] = {"rows": int(rows), "content": f"{int(low):x}-{int(high):x}"}
    return out


def _objects(con) -> list[tuple[str, str]]:
    """(kind, name) of every relation and function in the warehouse's schema."""
    return [(r[0], r[1]) for r in con.execute_native(
        "SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'"
        " ELSE 'TABLE' END, c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
        " AND c.relkind IN ('r', 'p', 'v', 'm', 'S') UNION ALL"
        " SELECT 'FUNCTION', p.oid::regprocedure::text FROM pg_proc p"
        " WHERE p.pronamespace = current_schema()::regnamespace ORDER BY 1, 2").fetchall()]


def _drop_restored(url: str) -> None:
    """Empty the database again after a refused restore (it was empty before: everything in it came from us)."""
    with connect(url) as con:
        for kind, name in _objects(con):
            target = name if kind == "FUNCTION" else _ident(name)  # a function's signature, as the catalog prints it
            con.execute_native(f"DROP {kind} IF EXISTS {target} CASCADE")
        # the change counter's schema (warehouse/change_counter.py) came with the archive too
        con.execute_native("DROP SCHEMA IF EXISTS kpi_meta CASCADE")


def backup(url: str, out: Path) -> dict:
    """Dump the PostgreSQL warehouse at `url` into `out` (custom format, verified) with its manifest."""
    private_dir(out.parent)
    tmp = out.with_name(f".{out.name}.partial")
    started = time.perf_counter()
    try:
        with connect(url) as con:
            major = _server_major(con)
            pg_dump, pg_restore = tool("pg_dump", major), tool("pg_restore", major)
            con.execute_native("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = con.execute_native("SELECT pg_export_snapshot()").fetchone()[0]
            numbers = [r[0] for r in con.execute("SELECT number FROM schema_migrations ORDER BY number").fetchall()]
            contents = table_checksums(con)  # the very rows the dump holds (the same snapshot)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.close(fd)
            _run(pg_dump, ["--format=custom", f"--snapshot={snapshot}", f"--file={tmp}"], url, "pg_dump")
            con.execute_native("COMMIT")
        with tmp.open("rb") as fh:
            if fh.read(len(PG_MAGIC)) != PG_MAGIC:
                raise PgBackupRefused("pg_dump の出力が custom 形式ではありません")
        done = subprocess.run([str(pg_restore), "--file=/dev/null", str(tmp)], capture_output=True, text=True)
        if done.returncode != 0:  # every block of the archive read back and decompressed
            raise PgBackupRefused(f"バックアップの検証に失敗しました: {done.stderr.strip()[-800:]}")
        sha256, size = checksums.file_sha256(tmp), tmp.stat().st_size
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    checksums.write_manifest(out, sha256=sha256, size=size, tables=contents, migrations=numbers,
                             created_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    os.replace(tmp, out)
    counts = {t: c["rows"] for t, c in contents.items()}
    return {"out": str(out), "bytes": size, "lock_held_s": 0.0, "seconds": round(time.perf_counter() - started, 4),
            "counts": counts, "migrations": numbers, "manifest": str(checksums.manifest_path(out)),
            "sha256": sha256, "backend": "postgresql", "tool": f"pg_dump {major}"}


def restore(src: Path, url: str, *, require_manifest: bool = True) -> dict:
    """Restore a `kpi backup` of a PostgreSQL warehouse into the empty database at `url` (see the module's text).

    Refuses, with nothing changed, a file that is not such a backup or differs from its manifest, and a database
    that already holds tables, views, sequences or functions."""
    shown = src.name
    if not src.is_file():
        raise PgBackupRefused(f"ファイル {src} がありません")
    try:
        manifest = checksums.read_manifest(src, shown) if require_manifest else None
    except ChecksumMismatch as exc:
        raise PgBackupRefused(str(exc)) from None
    known = [m.number for m in discover()]
    if manifest is not None and max(manifest.get("migrations") or [0]) > known[-1]:
        raise PgBackupRefused(f"{shown} はこのプログラムより新しい版のスキーマで作られています。"
                              "プログラムを更新してから復元してください")
    with tempfile.TemporaryDirectory(prefix="kpi-restore-") as folder:  # a private copy: the backup is never read twice
        tmp = Path(folder) / src.name
        sha256, size = checksums.copy_hashed(src, tmp)
        with tmp.open("rb") as fh:
            head = fh.read(16)
        if head[:len(PG_MAGIC)] != PG_MAGIC:
            what = "DuckDB のファイル" if head[8:12] == b"DUCK" else "pg_dump の custom 形式ではありません"
            raise PgBackupRefused(f"{shown} は PostgreSQL の倉庫のバックアップではありません（{what}）。DuckDB の"
                                  "バックアップは --db にファイルを指定して復元し、kpi export-warehouse で移してください")
        try:
            if manifest is not None:
                checksums.compare_file(manifest, sha256, size, shown)
        except ChecksumMismatch as exc:
            raise PgBackupRefused(str(exc)) from None
        with connect(url) as con:
            major = _server_major(con)
            found = _objects(con)
        pg_restore = tool("pg_restore", major)
        done = subprocess.run([str(pg_restore), "--file=/dev/null", str(tmp)], capture_output=True, text=True)
        if done.returncode != 0:
            raise PgBackupRefused(f"{shown} を読めません（途中で切れているか壊れています）")
        if found:
            raise PgBackupRefused(f"復元先のデータベース（{pg.redacted(url)}）は空ではありません（表など {len(found)}件）。"
                                  "復元は空のデータベースにだけ行います: createdb で新しいデータベースを作り、"
                                  "--db にその URL を指定してください")
        _run(pg_restore, ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", str(tmp)],
             url, "pg_restore")
    try:
        with connect(url) as con:
            restored = table_checksums(con)
            numbers = [r[0] for r in con.execute("SELECT number FROM schema_migrations ORDER BY number").fetchall()]
        if manifest is not None:
            checksums.compare_tables(manifest["tables"], restored, shown)
        if not numbers or numbers[0] != 1 or numbers[-1] > known[-1]:
            raise PgBackupRefused(f"{shown} はこのプログラムで復元できる版のスキーマではありません")
    except ChecksumMismatch as exc:
        _drop_restored(url)
        raise PgBackupRefused(str(exc)) from None
    except BaseException:
        _drop_restored(url)
        raise
    with connect(url) as con:
        applied = migrate(con)  # an older backup is brought up to this program's schema
    counts = {t: c["rows"] for t, c in restored.items()}
    return {"db": url, "kept": None, "migrations_applied": applied, "counts": counts, "backup_counts": counts,
            "backend": "postgresql"}

"""Units of work attach the warehouse file to the process's DuckDB instance and detach it at the end: the file is
then free for another process, nested units share it, a second thread's cursor sees the same warehouse, and two
warehouses can be worked on at once."""
from __future__ import annotations

import subprocess
import sys
import threading

import pytest

import warehouse
from warehouse import connection


def _count(db, table="cycles") -> int:
    with warehouse.connect(db) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - constant table names


def test_after_a_unit_of_work_another_process_can_open_the_file(demo_db):
    with warehouse.transaction(demo_db) as con:
        con.execute("UPDATE cycles SET label = label || '' WHERE fiscal_year = 2022")
    assert connection._attached == {}  # detached: checkpointed and closed
    code = f"import duckdb; print(duckdb.connect({str(demo_db)!r}).execute('SELECT count(*) FROM cycles').fetchone()[0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == _count(demo_db)


def test_nested_units_share_the_file_and_it_is_detached_after_the_outermost(demo_db):
    with warehouse.connect(demo_db) as outer:
        with warehouse.transaction(demo_db) as inner:
            inner.execute("INSERT INTO reason_categories (category_code, name, sort_order) VALUES ('X9', '試験', 99)")
        assert len(connection._attached) == 1
        assert outer.execute("SELECT name FROM reason_categories WHERE category_code = 'X9'").fetchone() == ("試験",)
    assert connection._attached == {}


def test_a_second_threads_cursor_sees_the_same_warehouse(demo_db):
    with warehouse.connect(demo_db) as con:
        cursor = con.cursor()
        try:
            got = []
            t = threading.Thread(target=lambda: got.append(cursor.execute("SELECT count(*) FROM cycles").fetchone()[0]))
            t.start()
            t.join()
        finally:
            cursor.close()
        assert got == [con.execute("SELECT count(*) FROM cycles").fetchone()[0]]
        with pytest.raises(connection.AuditIsAppendOnly):  # the cursor is guarded like the connection
            cursor.execute("DELETE FROM audit_log")


def test_two_warehouses_at_once_on_two_threads(demo_db, demo_db_template, tmp_path):
    import shutil

    other = tmp_path / "other.duckdb"
    shutil.copy(demo_db_template, other)
    with warehouse.transaction(other) as con:
        con.execute("INSERT INTO reason_categories (category_code, name, sort_order) VALUES ('X9', '試験', 99)")
    before, after = _count(demo_db, "reason_categories"), _count(other, "reason_categories")
    assert after == before + 1
    errors, counts = [], {}

    def work(db, key):
        try:
            for _ in range(20):
                counts.setdefault(key, set()).add(_count(db, "reason_categories"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(db, key)) for db, key in ((demo_db, "a"), (other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert counts == {"a": {before}, "b": {after}}
    assert connection._attached == {}


def test_a_file_that_is_not_a_warehouse_is_refused_and_nothing_stays_attached(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a duckdb file at all" * 100)
    import duckdb

    with pytest.raises(duckdb.Error):
        with warehouse.connect(bad):
            pass
    assert connection._attached == {}

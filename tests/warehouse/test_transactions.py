"""connect() and transaction(): commit on success, roll back everything on an error, always close."""
from __future__ import annotations

import threading
from contextlib import nullcontext

import duckdb
import pytest

import warehouse


class _Interrupted(BaseException):
    """Stands for KeyboardInterrupt or SystemExit: not an Exception, must still roll back."""


@pytest.fixture
def db(wh_fresh_db):
    """A fresh file with one committed table and one committed row."""
    with warehouse.connect(wh_fresh_db) as con:
        con.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, label VARCHAR)")
        con.execute("INSERT INTO things VALUES (1, 'before')")
    return wh_fresh_db


def _snapshot(path):
    with warehouse.connect(path) as con:
        tables = sorted(r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall())
        return tables, con.execute("SELECT id, label FROM things ORDER BY id").fetchall()


def test_transaction_commits_every_statement_of_the_body_on_success(db):
    with warehouse.transaction(db) as con:
        con.execute("INSERT INTO things VALUES (2, 'two')")
        con.execute("UPDATE things SET label = 'one' WHERE id = 1")
        con.execute("CREATE TABLE extra (x INTEGER)")

    tables, rows = _snapshot(db)
    assert rows == [(1, "one"), (2, "two")]
    assert "extra" in tables


def test_transaction_rolls_back_everything_when_the_body_raises(db):
    before = _snapshot(db)

    with pytest.raises(RuntimeError, match="boom"):
        with warehouse.transaction(db) as con:
            con.execute("INSERT INTO things VALUES (2, 'two')")
            con.execute("UPDATE things SET label = 'changed' WHERE id = 1")
            con.execute("CREATE TABLE extra (x INTEGER)")
            raise RuntimeError("boom")

    assert _snapshot(db) == before


def test_transaction_rolls_back_and_reraises_the_database_error_of_a_failing_statement(db):
    before = _snapshot(db)

    with pytest.raises(duckdb.ConstraintException):
        with warehouse.transaction(db) as con:
            con.execute("INSERT INTO things VALUES (2, 'two')")
            con.execute("INSERT INTO things VALUES (1, 'duplicate key')")

    assert _snapshot(db) == before


def test_transaction_rolls_back_on_a_base_exception_such_as_an_interrupt(db):
    before = _snapshot(db)

    with pytest.raises(_Interrupted):
        with warehouse.transaction(db) as con:
            con.execute("INSERT INTO things VALUES (2, 'two')")
            raise _Interrupted()

    assert _snapshot(db) == before


def test_connect_closes_the_connection_after_the_with_block(db):
    with warehouse.connect(db) as con:
        assert con.execute("SELECT count(*) FROM things").fetchone() == (1,)
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")


def test_connect_closes_the_connection_when_the_body_raises(db):
    with pytest.raises(RuntimeError):
        with warehouse.connect(db) as con:
            raise RuntimeError("boom")
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")


@pytest.mark.parametrize("fails", [False, True], ids=["committed", "rolled_back"])
def test_transaction_closes_the_connection_whether_it_commits_or_rolls_back(db, fails):
    with pytest.raises(RuntimeError) if fails else nullcontext():
        with warehouse.transaction(db) as con:
            con.execute("INSERT INTO things VALUES (2, 'two')")
            if fails:
                raise RuntimeError("boom")
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")


def test_connect_creates_the_folder_of_a_new_file(tmp_path):
    path = tmp_path / "not" / "yet" / "there.duckdb"
    with warehouse.connect(path) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    assert path.exists()


def test_connect_uses_kpi_db_when_no_path_is_given(tmp_path, monkeypatch):
    path = tmp_path / "from_env.duckdb"
    monkeypatch.setenv("KPI_DB", str(path))
    assert warehouse.default_db_path() == path
    with warehouse.connect() as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    assert path.exists()


def test_a_second_thread_waits_for_the_first_threads_transaction_instead_of_conflicting(db):
    first_updated = threading.Event()
    second_done = threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with warehouse.transaction(db) as con:
                con.execute("UPDATE things SET label = label || '+first' WHERE id = 1")
                first_updated.set()
                # if transactions are serialized the second thread cannot finish while we are inside
                second_done.wait(timeout=1.0)
        except BaseException as exc:  # noqa: BLE001 - reported through the list
            errors.append(exc)

    def second():
        try:
            first_updated.wait(timeout=10)
            with warehouse.transaction(db) as con:
                con.execute("UPDATE things SET label = label || '+second' WHERE id = 1")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert _snapshot(db)[1] == [(1, "before+first+second")]

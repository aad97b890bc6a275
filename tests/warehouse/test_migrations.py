"""The migration runner on fresh warehouses (a DuckDB file, a PostgreSQL database): order, tracking, idempotence,
rollback of a failing file, naming rules."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import warehouse
from warehouse.migrations import MIGRATIONS_DIR, applied, discover, migrate

FOUNDATION_TABLES = (
    "strategies", "pillars", "items", "departments", "reason_categories", "indicators", "indicator_parts",
    "indicator_milestones", "cycles", "users", "user_roles", "user_departments", "intake_batches",
    "indicator_values", "value_parts", "validation_findings", "audit_log",
)
FOUNDATION_VIEWS = ("v_indicator_values", "v_approved_values", "v_value_parts")


def _relations(con: duckdb.DuckDBPyConnection, kind: str) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = ?",
        [kind]
    ).fetchall()
    return {r[0] for r in rows}


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (directory / name).write_text(sql, encoding="utf-8")
    return directory


# --- the repository's own migrations on a fresh file -------------------------------------------------------


def test_init_on_a_fresh_file_applies_every_migration_and_records_each_with_its_name(wh_fresh_db):
    expected = [(m.number, m.name) for m in discover()]
    assert expected, "the repository ships migrations"

    assert isinstance(wh_fresh_db, str) or not wh_fresh_db.exists()  # a path not yet created, or an empty database
    assert warehouse.init_db(wh_fresh_db) == [n for n, _ in expected]

    with warehouse.connect(wh_fresh_db) as con:
        recorded = con.execute(
            "SELECT number, name, applied_at IS NOT NULL FROM schema_migrations ORDER BY number").fetchall()
    assert recorded == [(n, name, True) for n, name in expected]


def test_second_init_applies_nothing_and_leaves_the_tracking_rows_alone(wh_fresh_db):
    warehouse.init_db(wh_fresh_db)
    with warehouse.connect(wh_fresh_db) as con:
        before = con.execute("SELECT * FROM schema_migrations ORDER BY number").fetchall()

    assert warehouse.init_db(wh_fresh_db) == []

    with warehouse.connect(wh_fresh_db) as con:
        assert con.execute("SELECT * FROM schema_migrations ORDER BY number").fetchall() == before


def test_init_creates_every_table_and_view_of_the_foundation(wh_fresh_db):
    warehouse.init_db(wh_fresh_db)
    with warehouse.connect(wh_fresh_db) as con:
        tables = _relations(con, "BASE TABLE")
        views = _relations(con, "VIEW")
    assert set(FOUNDATION_TABLES) - tables == set()
    assert set(FOUNDATION_VIEWS) - views == set()
    assert "schema_migrations" in tables


def test_the_views_of_a_fresh_warehouse_are_queryable_and_empty(wh_fresh_db):
    warehouse.init_db(wh_fresh_db)
    with warehouse.connect(wh_fresh_db) as con:
        for view in FOUNDATION_VIEWS:
            assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] == 0  # constant names


# --- the runner on a migrations folder written by the test ---------------------------------------------------


def test_migrations_are_applied_in_number_order_across_ten_files(tmp_path, wh_fresh_db):
    files = {"001_log.sql": "CREATE TABLE log (n INTEGER, seen INTEGER);\n"}
    for n in range(2, 11):  # 010 must come after 009, and each file sees the ones before it
        files[f"{n:03d}_step{n}.sql"] = f"INSERT INTO log SELECT {n}, count(*) FROM log;\n"
    directory = _write(tmp_path / "migs", files)

    with warehouse.connect(wh_fresh_db) as con:
        assert migrate(con, directory) == list(range(1, 11))
        assert con.execute("SELECT n, seen FROM log ORDER BY seen").fetchall() == [(n, n - 2) for n in range(2, 11)]
        assert applied(con) == list(range(1, 11))


def test_a_new_migration_added_later_is_the_only_one_applied(tmp_path, wh_fresh_db):
    directory = _write(tmp_path / "migs", {"001_first.sql": "CREATE TABLE first (x INTEGER);\n"})
    with warehouse.connect(wh_fresh_db) as con:
        assert migrate(con, directory) == [1]
    _write(directory, {"002_second.sql": "CREATE TABLE second (x INTEGER);\n"})
    with warehouse.connect(wh_fresh_db) as con:
        assert migrate(con, directory) == [2]
        assert applied(con) == [1, 2]


FAILING_002 = {
    # the whole file fails to parse
    "syntax_error": "CREATE TABLE half_done (x INTEGER);\nINSERT INTO half_done VALUES (1);\nCREATE TABL oops (;\n",
    # the first statements run, then one fails while executing: only a transaction can undo them
    "runtime_error": "CREATE TABLE half_done (x INTEGER);\nINSERT INTO half_done VALUES (1);\n"
                     "INSERT INTO no_such_table VALUES (1);\n",
}


@pytest.mark.parametrize("failure", sorted(FAILING_002))
def test_a_failing_migration_is_rolled_back_entirely_and_stays_pending_until_fixed(tmp_path, wh_fresh_db, failure):
    directory = _write(tmp_path / "migs", {
        "001_good.sql": "CREATE TABLE good_one (x INTEGER);\n",
        "002_bad.sql": FAILING_002[failure],
    })

    with warehouse.connect(wh_fresh_db) as con:
        with pytest.raises(duckdb.Error):
            migrate(con, directory)
    with warehouse.connect(wh_fresh_db) as con:
        tables = _relations(con, "BASE TABLE")
        assert "good_one" in tables  # 001 was committed on its own
        assert "half_done" not in tables  # nothing of 002 survived
        assert applied(con) == [1]  # 002 is not recorded

    (directory / "002_bad.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO half_done VALUES (1);\n", encoding="utf-8")
    with warehouse.connect(wh_fresh_db) as con:
        assert migrate(con, directory) == [2]
        assert applied(con) == [1, 2]
        assert con.execute("SELECT x FROM half_done").fetchall() == [(1,)]


def test_the_connection_stays_usable_after_a_failed_migration(tmp_path, wh_fresh_db):
    directory = _write(tmp_path / "migs", {"001_bad.sql": "CREATE TABLE t (x INTEGER);\nSELECT * FROM nowhere;\n"})
    with warehouse.connect(wh_fresh_db) as con:
        with pytest.raises(duckdb.Error):
            migrate(con, directory)
        # no transaction left open or aborted: plain statements work on the same connection
        con.execute("CREATE TABLE after_failure (x INTEGER)")
        con.execute("INSERT INTO after_failure VALUES (1)")
    with warehouse.connect(wh_fresh_db) as con:
        assert con.execute("SELECT x FROM after_failure").fetchall() == [(1,)]


# --- discover(): naming rules -------------------------------------------------------------------------------


def test_discover_returns_the_files_in_number_order_with_their_names(tmp_path):
    directory = _write(tmp_path / "migs", {
        "002_second_step.sql": "SELECT 1;", "001_first.sql": "SELECT 1;", "003_third.sql": "SELECT 1;",
        "README.md": "not a migration",
    })
    found = discover(directory)
    assert [(m.number, m.name, m.path.name) for m in found] == [
        (1, "first", "001_first.sql"), (2, "second_step", "002_second_step.sql"), (3, "third", "003_third.sql")]


def test_discover_refuses_a_gap_in_the_numbering(tmp_path):
    directory = _write(tmp_path / "migs", {"001_first.sql": "SELECT 1;", "003_third.sql": "SELECT 1;"})
    with pytest.raises(ValueError, match="without gaps"):
        discover(directory)


def test_discover_refuses_numbering_that_does_not_start_at_one(tmp_path):
    directory = _write(tmp_path / "migs", {"002_second.sql": "SELECT 1;", "003_third.sql": "SELECT 1;"})
    with pytest.raises(ValueError, match="without gaps"):
        discover(directory)


def test_discover_refuses_two_files_with_the_same_number(tmp_path):
    directory = _write(tmp_path / "migs", {"001_a.sql": "SELECT 1;", "001_b.sql": "SELECT 1;"})
    with pytest.raises(ValueError, match="without gaps"):
        discover(directory)


@pytest.mark.parametrize("bad_name", ["2_second.sql", "0002_second.sql", "002-second.sql", "002_Second.sql",
                                      "002_.sql", "second.sql"])
def test_discover_refuses_a_badly_named_file(tmp_path, bad_name):
    directory = _write(tmp_path / "migs", {"001_first.sql": "SELECT 1;", bad_name: "SELECT 1;"})
    with pytest.raises(ValueError, match="001_name.sql"):
        discover(directory)


def test_migrate_refuses_a_gapped_folder_before_applying_anything(tmp_path, wh_fresh_db):
    directory = _write(tmp_path / "migs", {"001_first.sql": "CREATE TABLE first (x INTEGER);",
                                           "003_third.sql": "CREATE TABLE third (x INTEGER);"})
    with warehouse.connect(wh_fresh_db) as con:
        with pytest.raises(ValueError):
            migrate(con, directory)
        assert applied(con) == []
        assert "first" not in _relations(con, "BASE TABLE")


# --- the repository's migrations folder (structural) --------------------------------------------------------


def test_the_repository_migrations_are_numbered_one_to_n_without_gaps():
    numbers = [m.number for m in discover(MIGRATIONS_DIR)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 2


def test_every_file_in_the_repository_migrations_folder_is_a_well_named_sql_file():
    # discover() only globs *.sql: a file named 003_x.SQL or 003_x.sql.txt would be skipped without a word
    files = sorted(p.name for p in MIGRATIONS_DIR.iterdir() if p.is_file())
    assert files == [m.path.name for m in discover(MIGRATIONS_DIR)]

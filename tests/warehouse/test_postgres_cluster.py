"""The test PostgreSQL cluster (scripts/postgres.sh, tests/pg_support.py) is a real database: a table written
through one connection reads back through another, and an optimistic version check refuses a stale write."""
from __future__ import annotations

import psycopg


def test_a_written_row_reads_back_and_a_stale_version_changes_nothing(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as setup:
        setup.execute("DROP TABLE IF EXISTS pg_smoke")
        setup.execute("CREATE TABLE pg_smoke (code TEXT PRIMARY KEY, value DOUBLE PRECISION, note TEXT,"
                      " version INTEGER NOT NULL)")
    with psycopg.connect(postgres_url) as writer, writer.transaction():
        writer.execute("INSERT INTO pg_smoke VALUES (%s, %s, %s, 1)", ("KPI-01", 73.5, "千葉県 ＩＣＴ"))

    with psycopg.connect(postgres_url) as first, psycopg.connect(postgres_url) as second:
        (seen,) = second.execute("SELECT version FROM pg_smoke WHERE code = 'KPI-01'").fetchone()
        second.rollback()
        with first.transaction():
            won = first.execute("UPDATE pg_smoke SET value = 80, version = version + 1 "
                                "WHERE code = 'KPI-01' AND version = %s", (seen,)).rowcount
        with second.transaction():
            lost = second.execute("UPDATE pg_smoke SET value = 1, version = version + 1 "
                                  "WHERE code = 'KPI-01' AND version = %s", (seen,)).rowcount
        assert (won, lost) == (1, 0)

    with psycopg.connect(postgres_url) as reader:
        row = reader.execute("SELECT code, value, note, version FROM pg_smoke").fetchall()
    assert row == [("KPI-01", 80.0, "千葉県 ＩＣＴ", 2)]
